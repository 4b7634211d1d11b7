/*
 * Atomic writes and the temp files killed writers leave: the next write
 * of the same file removes its dead writers' temp files and keeps a live
 * writer's; the start-up sweep of a directory does the same for every
 * file in it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "testpoint.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tmpdir_fixture.h"

TMPDIR_FIXTURE("rg-fileio")

static bool stop_instead;
static int report_fd = -1;

static void
hook(const char *name, const char *detail)
{
	(void)detail;
	if (strcmp(name, "write-tmp") != 0)
		return;
	if (stop_instead) {
		if (write(report_fd, "s", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	kill(getpid(), SIGKILL);
}

/* A child writing file, killed (or frozen) between its temp and rename. */
static pid_t
spawn_writer(const char *file, bool stop)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct err err;

		close(fds[0]);
		report_fd = fds[1];
		stop_instead = stop;
		testpoint_hook = hook;
		if (file_write_atomic(file, "child\n", 6, 0600, &err) < 0)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (stop)
		assert_int_equal(read(fds[0], &c, 1), 1);
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

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
temp_of(char *out, size_t size, const char *file, pid_t pid)
{
	snprintf(out, size, "%s.tmp.%ld", file, (long)pid);
}

static void
test_dead_writer_temp_removed_by_next_write(void **state)
{
	char file[128], tmp[160];
	struct buf b = BUF_INIT;
	struct err err;
	pid_t pid;

	(void)state;
	snprintf(file, sizeof(file), "%s/user.cfg", dir);
	pid = spawn_writer(file, false);
	reap_killed(pid);
	temp_of(tmp, sizeof(tmp), file, pid);
	assert_true(exists(tmp));
	assert_false(exists(file));
	assert_int_equal(file_write_atomic(file, "new\n", 4, 0600, &err), 0);
	assert_false(exists(tmp));
	assert_int_equal(file_read(file, 100, &b, &err), 0);
	assert_string_equal(buf_str(&b), "new\n");
	buf_clear(&b);
}

static void
test_live_writer_temp_kept(void **state)
{
	char file[128], tmp[160], other[128];
	struct err err;
	pid_t pid;

	(void)state;
	snprintf(file, sizeof(file), "%s/domains.cfg", dir);
	pid = spawn_writer(file, true);
	temp_of(tmp, sizeof(tmp), file, pid);
	assert_true(exists(tmp));
	/* another write of the file, and the start-up sweep: both keep it */
	assert_int_equal(file_write_atomic(file, "x\n", 2, 0600, &err), 0);
	file_clean_temps_dir(dir);
	assert_true(exists(tmp));
	kill(pid, SIGKILL);
	reap_killed(pid);
	/* the writer is dead: another file's write leaves it alone... */
	snprintf(other, sizeof(other), "%s/other.cfg", dir);
	assert_int_equal(file_write_atomic(other, "y\n", 2, 0600, &err), 0);
	assert_true(exists(tmp));
	/* ...the start-up sweep removes it */
	file_clean_temps_dir(dir);
	assert_false(exists(tmp));
	assert_true(exists(file) && exists(other));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_writer_temp_removed_by_next_write),
		cmocka_unit_test(test_live_writer_temp_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
