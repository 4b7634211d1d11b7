/*
 * Pruning of the realm-sync task logs (local/tasks/<UPID>): per node the
 * newest are kept up to the limit, none past the age limit, and files
 * that are not task logs are left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW 1700000000LL

static char dir[64];

static void
touch(const char *node, long long start, unsigned pid)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/UPID:%s:%08X:00000001:%08llX:"
	    "auth-realm-sync:corp:root@pam:", dir, node, pid, start);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool
present(const char *node, long long start, unsigned pid)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/UPID:%s:%08X:00000001:%08llX:"
	    "auth-realm-sync:corp:root@pam:", dir, node, pid, start);
	return stat(path, &st) == 0;
}

static size_t
count(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
test_prune(void **state)
{
	char path[128];
	int i, fd;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rg-tasks-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* node a: 25 logs a minute apart; node b: 3, one of them too old */
	for (i = 0; i < 25; i++)
		touch("a", NOW - 60LL * i, (unsigned)i + 1);
	touch("b", NOW - 10, 1);
	touch("b", NOW - 20, 2);
	touch("b", NOW - 31LL * 86400, 3);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);

	api_task_logs_prune(dir, 20, 30 * 86400, (time_t)NOW);
	assert_int_equal(count(), 20 + 2 + 1);
	for (i = 0; i < 25; i++)
		assert_int_equal(present("a", NOW - 60LL * i, (unsigned)i + 1),
		    i < 20);
	assert_true(present("b", NOW - 10, 1) && present("b", NOW - 20, 2));
	assert_false(present("b", NOW - 31LL * 86400, 3));
	/* the defaults keep all of these */
	api_task_logs_prune(dir, TASK_LOG_KEEP, TASK_LOG_MAX_AGE, (time_t)NOW);
	assert_int_equal(count(), 23);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
