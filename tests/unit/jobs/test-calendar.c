/*
 * Calendar event parsing: every form proxmox-time accepts (weekdays, dates,
 * times, repeats, special names, UTC), the inputs it rejects with where
 * and why, and the quirks that come from its backtracking grammar.
 * What an event means is checked in test-calendar-next.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/calendar.h"

#include <stdlib.h>
#include <string.h>

static void
test_valid(void **state)
{
	static const char *const ok[] = {
		/* proxmox-time's own weekday cases */
		"mon,wed..fri", "fri..mon", "mon", "MON", "monDay", "tue",
		"Tuesday", "wed", "wednesday", "thu", "thursday", "fri",
		"friday", "sat", "saturday", "sun", "sunday", "mon..fri",
		"mon,tue,fri", "mon,tue..wednesday,fri..sat",
		/* times */
		"0", "*", "*:0", "*:*", "*:*:*", "*:3:5", "02:30", "2:30",
		"02:30:15", "*/5", "*/15", "0/2:00", "4..10/2:0", "5,10:4,8",
		"6,4..10:23,5/5", "4..10,6:5/5,23", "5/2:0", "23:59:59",
		"0..23:0..59:0..59", "5/0", "1..5/0", "*:*/30",
		/* dates */
		"2020-07-31", "02-28", "02-29", "1965/5-01-01",
		"2020-7..9-2/2", "2020,2021-12-31", "*-*-*", "*-*",
		"*-*-1..7", "*-02-29 12:00", "2199-12-31", "0-1-1",
		"*/4-02-29", "2024-*-01/7 06:00",
		/* combinations */
		"mon *:*", "mon 2:50", "mon..fri 08:00", "sat,sun 9:30:15",
		"mon *-*-1..7 9:00", "mon 2024-01-01 00:00", "mon02:00",
		"mon\t02:00", "2024-01-01\t02:00", "2024-01-01 2",
		/* special names, UTC */
		"minutely", "hourly", "daily", "weekly", "monthly", "yearly",
		"annually", "quarterly", "semiannually", "semi-annually",
		"daily UTC", "dailyUTC", "02:30 UTC", "mon..fri 8:00   UTC",
		/* surrounding whitespace (PVE::CalendarEvent trims) */
		"  02:30  ", "\t*/5\n",
		/* proxmox-time backtracking: 25 is no hour, so minute:second */
		"25:00", "24:00", "59:59",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct calendar_event *ev = NULL;
		struct err err;

		if (calendar_parse(ok[i], &ev, &err) < 0)
			fail_msg("'%s': %s", ok[i], err.msg);
		assert_non_null(ev);
		calendar_free(ev);
		assert_int_equal(calendar_check(ok[i], &err), 0);
	}
}

static void
test_invalid(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"", "event is empty"},
		{"   ", "event is empty"},
		{"UTC", "expected a date or time specification at end"},
		{"foo", "at 'foo' - expected a weekday"},
		{"mon..xyz", "at 'xyz' - expected a weekday"},
		{"mon,5", "at '5' - expected a weekday"},
		{"02:60", "at '60' - value 60 too large (maximum 59)"},
		{"2024-13-01", "at '13-01' - value 13 too large (maximum 12)"},
		{"2024-01-32", "at '32' - value 32 too large (maximum 31)"},
		{"2200-01-01", "at '2200-01-01' - value 2200 too large "
		    "(maximum 2199)"},
		{"10..5", "at '10..5' - range start 10 is bigger than end 5"},
		{"2024-01", "expected '-' at end of input"},
		{"*/0", "at '/0' - unexpected characters"},
		/* a year may repeat every 60, so this is an unfinished date */
		{"*/60", "expected '-' at end of input"},
		{"2024-01-0102", "at '0102' - value 102 too large "
		    "(maximum 31)"},
		{"5/", "expected a number at end of input"},
		{"02:30 utc", "at ' utc' - unexpected characters"},
		{"99999999999", "number too large"},
		{"mon fri", "at 'fri' - unexpected characters"},
		{"02:30,", "expected a number at end of input"},
		{"1..", "expected a number at end of input"},
		{"mon..fri 24:00:00", "unexpected characters"},
		{"daily 02:00", "at 'daily 02:00' - expected a weekday"},
		{"Daily", "at 'Daily' - expected a weekday"},
		{"-1", "at '-1'"},
		{"+5", "at '+5'"},
		{"1 2", "at ' 2' - unexpected characters"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct calendar_event *ev = NULL;
		struct err err;

		if (calendar_parse(bad[i].text, &ev, &err) == 0)
			fail_msg("'%s' parsed", bad[i].text);
		assert_null(ev);
		assert_int_equal(err.code, ERR_INVALID);
		assert_non_null(strstr(err.msg,
		    "unable to parse calendar event"));
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("'%s': got '%s', want '%s'", bad[i].text,
			    err.msg, bad[i].msg);
	}
}

static void
test_too_long(void **state)
{
	char *s = malloc(CALENDAR_TEXT_MAX + 2);
	struct calendar_event *ev;
	struct err err;
	size_t i;

	(void)state;
	/* "0,0,0,...": fine up to the limit, refused beyond it */
	for (i = 0; i < CALENDAR_TEXT_MAX + 1; i++)
		s[i] = i % 2 == 0 ? '0' : ',';
	s[CALENDAR_TEXT_MAX - 1] = '\0';
	assert_int_equal(calendar_parse(s, &ev, &err), 0);
	calendar_free(ev);
	s[CALENDAR_TEXT_MAX - 1] = '0';
	s[CALENDAR_TEXT_MAX + 1] = '\0';
	assert_int_equal(calendar_parse(s, &ev, &err), -1);
	assert_non_null(strstr(err.msg, "longer than"));
	free(s);
}

static void
test_utc_flag(void **state)
{
	static const struct {
		const char *text;
		bool utc;
	} cases[] = {
		{"02:30", false}, {"02:30 UTC", true}, {"daily UTC", true},
		{"mon UTC", true}, {"monUTC", true}, {"daily", false},
		{"  02:30 UTC  ", true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct calendar_event *ev;
		struct err err;

		assert_int_equal(calendar_parse(cases[i].text, &ev, &err), 0);
		assert_int_equal(calendar_is_utc(ev), cases[i].utc);
		calendar_free(ev);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_utc_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
