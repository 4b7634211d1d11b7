/*
 * Config locks: two processes contending, a crashed holder not blocking
 * the next one (also when it was killed between its mkdir and its owner
 * record, or between its rmdir and the record's release), a live holder
 * respected, a foreign (Proxmox-style) lock directory honoured until it is
 * stale, and the lock id naming.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "files/lock.h"
#include "testpoint.h"

#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "../tmpdir_fixture.h"

TMPDIR_FIXTURE("rg-lock")

static bool
lockdir_exists(const char *id)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/priv/lock/%s", dir, id);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
test_lockid(void **state)
{
	char *id;

	(void)state;
	id = cfg_lockid_for_file("priv/token.cfg");
	assert_string_equal(id, "file-priv_token_cfg");
	free(id);
	id = cfg_lockid_for_file("user.cfg");
	assert_string_equal(id, "file-user_cfg");
	free(id);
}

static void
test_basic(void **state)
{
	struct cfg_lock *l = NULL, *l2 = NULL;
	struct err err;

	(void)state;
	assert_int_equal(cfg_lock(dir, "file-user_cfg", 1, &l, &err), 0);
	assert_true(lockdir_exists("file-user_cfg"));
	/* nested, different id */
	assert_int_equal(cfg_lock(dir, "file-priv_token_cfg", 1, &l2, &err),
	    0);
	cfg_unlock(l2);
	cfg_unlock(l);
	assert_false(lockdir_exists("file-user_cfg"));
	assert_int_equal(cfg_lock(dir, "../x", 1, &l, &err), -1);
}

/* Child takes the lock, tells the parent, holds it for hold_ms. */
static pid_t
spawn_holder(const char *id, int hold_ms, bool crash)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cfg_lock *l;
		struct err err;
		struct timespec ts = {hold_ms / 1000,
			(long)(hold_ms % 1000) * 1000000L};

		close(fds[0]);
		if (cfg_lock(dir, id, 5, &l, &err) < 0)
			_exit(2);
		if (write(fds[1], "x", 1) != 1)
			_exit(3);
		if (crash)
			_exit(0);	/* dies holding the lock */
		nanosleep(&ts, NULL);
		cfg_unlock(l);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

static void
test_contention(void **state)
{
	struct cfg_lock *l = NULL;
	struct err err;
	int status;
	pid_t pid;

	(void)state;
	pid = spawn_holder("file-domains_cfg", 1500, false);
	assert_int_equal(cfg_lock(dir, "file-domains_cfg", 1, &l, &err), -1);
	assert_string_equal(err.msg, "cfs-lock 'file-domains_cfg' error: "
	    "got lock request timeout");
	assert_int_equal(err.code, ERR_LOCK);
	/* the holder lets go within our 5 s */
	assert_int_equal(cfg_lock(dir, "file-domains_cfg", 5, &l, &err), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cfg_unlock(l);
}

static void
test_crashed_holder(void **state)
{
	struct cfg_lock *l = NULL;
	struct err err;
	int status;
	pid_t pid;
	time_t t0;

	(void)state;
	pid = spawn_holder("file-priv_shadow_cfg", 0, true);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(lockdir_exists("file-priv_shadow_cfg"));
	t0 = time(NULL);
	assert_int_equal(cfg_lock(dir, "file-priv_shadow_cfg", 2, &l, &err),
	    0);
	assert_true(time(NULL) - t0 <= 1);
	cfg_unlock(l);
}

static void
test_foreign_and_stale(void **state)
{
	struct cfg_lock *l = NULL;
	struct err err;
	char p[256];
	struct utimbuf old;

	(void)state;
	/* a lock directory made by someone else (Proxmox) is honoured */
	snprintf(p, sizeof(p), "%s/priv/lock", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/priv/lock/authkey", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(cfg_lock(dir, "authkey", 1, &l, &err), -1);
	assert_true(lockdir_exists("authkey"));
	/* until it is older than 120 s */
	old.actime = old.modtime = time(NULL) - 200;
	assert_int_equal(utime(p, &old), 0);
	assert_int_equal(cfg_lock(dir, "authkey", 1, &l, &err), 0);
	cfg_unlock(l);
}

/* The testpoint where a child dies (or stops), and the pipe it reports on. */
static const char *die_at;
static bool stop_instead;
static int report_fd = -1;

static void
die_hook(const char *name, const char *detail)
{
	(void)detail;
	if (die_at == NULL || strcmp(name, die_at) != 0)
		return;
	if (stop_instead) {
		/* a live holder, frozen at this point until killed */
		if (write(report_fd, "s", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	kill(getpid(), SIGKILL);
}

/* A child that locks id (and unlocks if asked), meeting point on the way. */
static pid_t
spawn_victim(const char *id, const char *point, bool stop, bool unlock)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cfg_lock *l;
		struct err err;

		close(fds[0]);
		report_fd = fds[1];
		die_at = point;
		stop_instead = stop;
		testpoint_hook = die_hook;
		if (cfg_lock(dir, id, 5, &l, &err) < 0)
			_exit(2);
		if (unlock)
			cfg_unlock(l);
		_exit(0);
	}
	close(fds[1]);
	if (stop) {
		char c;

		assert_int_equal(read(fds[0], &c, 1), 1);
	}
	close(fds[0]);
	return pid;
}

static void
reap_killed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static long long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* SIGKILL after the mkdir, before the owner record: broken at once. */
static void
test_killed_before_record(void **state)
{
	struct cfg_lock *l = NULL;
	struct timespec t0;
	struct err err;

	(void)state;
	reap_killed(spawn_victim("file-user_cfg", "lock-mkdir", false,
	    false));
	assert_true(lockdir_exists("file-user_cfg"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cfg_lock(dir, "file-user_cfg", 5, &l, &err), 0);
	assert_true(elapsed_ms(&t0) < 1000);
	cfg_unlock(l);
	assert_false(lockdir_exists("file-user_cfg"));
}

/* A holder stopped at the same point is alive: its lock holds. */
static void
test_live_holder_respected(void **state)
{
	struct cfg_lock *l = NULL;
	struct timespec t0;
	struct err err;
	pid_t pid;

	(void)state;
	pid = spawn_victim("file-user_cfg", "lock-mkdir", true, false);
	assert_true(lockdir_exists("file-user_cfg"));
	assert_int_equal(cfg_lock(dir, "file-user_cfg", 1, &l, &err), -1);
	assert_int_equal(err.code, ERR_LOCK);
	assert_true(lockdir_exists("file-user_cfg"));
	/* once it is dead, the next one goes through at once */
	kill(pid, SIGKILL);
	reap_killed(pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cfg_lock(dir, "file-user_cfg", 5, &l, &err), 0);
	assert_true(elapsed_ms(&t0) < 1000);
	cfg_unlock(l);
}

/*
 * Killed after its rmdir, before it released the record: a directory
 * someone else makes afterwards is not the recorded one and is honoured.
 */
static void
test_stale_record_foreign_dir(void **state)
{
	struct cfg_lock *l = NULL;
	struct timespec ts = {0, 30 * 1000000L};
	struct err err;
	char p[256];

	(void)state;
	reap_killed(spawn_victim("file-domains_cfg", "lock-rmdir", false,
	    true));
	assert_false(lockdir_exists("file-domains_cfg"));
	/* a later tick: the same inode number may come back, its time not */
	nanosleep(&ts, NULL);
	snprintf(p, sizeof(p), "%s/priv/lock/file-domains_cfg", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(cfg_lock(dir, "file-domains_cfg", 1, &l, &err), -1);
	assert_true(lockdir_exists("file-domains_cfg"));
	assert_int_equal(rmdir(p), 0);
	/* and a crash before the mkdir leaves nothing in the way */
	reap_killed(spawn_victim("file-domains_cfg", "lock-intent", false,
	    false));
	assert_int_equal(cfg_lock(dir, "file-domains_cfg", 1, &l, &err), 0);
	cfg_unlock(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockid),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_contention),
		cmocka_unit_test(test_crashed_holder),
		cmocka_unit_test(test_foreign_and_stale),
		cmocka_unit_test(test_killed_before_record),
		cmocka_unit_test(test_live_holder_respected),
		cmocka_unit_test(test_stale_record_foreign_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
