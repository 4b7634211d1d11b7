/*
 * Task ids and task logs (src/api/task_upid.c): the UPID split, and the
 * exit status of a log - an empty log file (a sync killed before it
 * wrote a line) crashed the task status call in authd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "task_upid.h"

#include <string.h>

static void
test_split(void **state)
{
	char f[UPID_FIELDS][UPID_FIELD_MAX];

	(void)state;
	assert_true(upid_split("UPID:node:0000A1B2:0001C3D4:6B02FE7E:"
	    "auth-realm-sync:corp:root@pam:", f));
	assert_string_equal(f[0], "node");
	assert_string_equal(f[5], "corp");
	assert_string_equal(f[6], "root@pam");
	assert_false(upid_split("UPID:a:b:c:d:e:f:g", f));
	assert_false(upid_split("UPID:a:b:c:d:e:f:g:h:", f));
	assert_false(upid_split("UPID:a::c:d:e:f:g:", f));
	assert_false(upid_split("UPID:a/b:b:c:d:e:f:g:", f));
}

static void
test_exit_status(void **state)
{
	struct buf log = BUF_INIT;

	(void)state;
	/* as file_read leaves an empty file: no buffer at all */
	assert_string_equal(task_exit_status(&log), "unknown");
	buf_puts(&log, "start\nTASK OK\n");
	assert_string_equal(task_exit_status(&log), "OK");
	buf_reset(&log);
	buf_puts(&log, "TASK OK\nTASK ERROR: bind failed\n");
	assert_string_equal(task_exit_status(&log), "bind failed\n");
	buf_reset(&log);
	buf_puts(&log, "running\n");
	assert_string_equal(task_exit_status(&log), "unknown");
	buf_clear(&log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
