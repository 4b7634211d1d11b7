/*
 * When a realm-sync job runs next: never twice in a minute, as under
 * Proxmox's scheduler, whatever the schedule; a job not run yet counts
 * from its creation; the run state keeps whether the job has run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/calendar.h"
#include "jobs/jobs_state.h"
#include "fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0 1700000000	/* 2023-11-14 22:13:20 UTC */

static time_t
next_of(const char *schedule, const struct jobs_state *st, time_t now)
{
	struct calendar_event *ev = NULL;
	struct err err;
	time_t next = 0;

	assert_int_equal(calendar_parse(schedule, &ev, &err), 0);
	assert_int_equal(jobs_next_run(ev, st, now, &next), 0);
	calendar_free(ev);
	return next;
}

static void
test_every_second_runs_once_a_minute(void **state)
{
	struct jobs_state ran = {.time = T0, .ran = true};
	struct jobs_state created = {.time = T0, .ran = false};

	(void)state;
	/* ran at 22:13:20: next at 22:14:00, then once in every minute */
	assert_int_equal(next_of("*:*:0/1", &ran, T0 + 1), T0 + 40);
	assert_int_equal(next_of("*:*:0/2", &ran, T0 + 1), T0 + 40);
	ran.time = T0 + 40;
	assert_int_equal(next_of("*:*:0/1", &ran, T0 + 41), T0 + 100);
	ran.time = T0 + 39;
	assert_int_equal(next_of("*:*:0/1", &ran, T0 + 41), T0 + 40);
	ran.time = T0;
	/* not run yet: the schedule alone decides */
	assert_int_equal(next_of("*:*:0/1", &created, T0), T0 + 1);
	assert_int_equal(next_of("*:*:0/1", NULL, T0 + 5), T0 + 6);
	/* schedules of a minute or more are untouched */
	assert_int_equal(next_of("*:0/1", &ran, T0 + 1), T0 + 40);
	assert_int_equal(next_of("*:0/5", &ran, T0 + 1), T0 + 100);
	ran.time = T0 + 41;	/* a run that started late skips nothing */
	assert_int_equal(next_of("*:0/1", &ran, T0 + 45), T0 + 100);
	ran.time = T0;
	assert_int_equal(next_of("daily", &ran, T0 + 1),
	    T0 - 22 * 3600 - 13 * 60 - 20 + 86400);
}

static void
test_state_keeps_whether_it_ran(void **state)
{
	char dir[64], path[160];
	struct jobs_state st = {.time = T0}, back;
	struct err err;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rg-jobs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(jobs_state_write(dir, "j1", &st, &err), 0);
	assert_int_equal(jobs_state_read(dir, "j1", &back), 0);
	assert_false(back.ran);
	st.ran = true;
	assert_int_equal(jobs_state_write(dir, "j1", &st, &err), 0);
	assert_int_equal(jobs_state_read(dir, "j1", &back), 0);
	assert_true(back.ran && back.time == T0);
	/* a file without "state" ran if it says how the run went */
	snprintf(path, sizeof(path), "%s/priv/jobs/realm-sync-j1.json", dir);
	assert_int_equal(file_write_atomic(path, "{\"time\":5,\"error\":\"x\"}",
	    22, 0600, &err), 0);
	assert_int_equal(jobs_state_read(dir, "j1", &back), 0);
	assert_true(back.ran);
	assert_int_equal(file_write_atomic(path, "{\"time\":5}", 10, 0600,
	    &err), 0);
	assert_int_equal(jobs_state_read(dir, "j1", &back), 0);
	assert_false(back.ran);
	jobs_state_delete(dir, "j1");
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_second_runs_once_a_minute),
		cmocka_unit_test(test_state_keeps_whether_it_ran),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
