/*
 * When a calendar event fires next.  Expected times are written as wall
 * clock text and converted with timegm(), not with the code under test.
 * TZ is UTC except in the DST cases, which use a POSIX TZ rule for
 * central Europe so that no zoneinfo files are needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/calendar.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CET "CET-1CEST,M3.5.0,M10.5.0/3"

static int
num(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* "YYYY-MM-DD HH:MM:SS" in UTC */
static time_t
utc(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	tm.tm_sec = num(s + 17, 2);
	return timegm(&tm);
}

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static struct calendar_event *
parse(const char *text)
{
	struct calendar_event *ev = NULL;
	struct err err;

	if (calendar_parse(text, &ev, &err) < 0)
		fail_msg("'%s': %s", text, err.msg);
	return ev;
}

static void
expect_next(const char *text, time_t after, bool force_utc, const char *want)
{
	struct calendar_event *ev = parse(text);
	time_t next = 0;
	int ret = calendar_next(ev, after, force_utc, &next);

	if (want == NULL) {
		if (ret == 0)
			fail_msg("'%s' after %lld: got %lld, want none", text,
			    (long long)after, (long long)next);
	} else if (ret < 0 || next != utc(want)) {
		fail_msg("'%s' after %lld: got %s%lld, want %s (%lld)", text,
		    (long long)after, ret < 0 ? "none " : "",
		    (long long)next, want, (long long)utc(want));
	}
	calendar_free(ev);
}

struct ncase {
	const char *event, *after, *want;	/* want NULL: no next */
};

static void
run_cases(const struct ncase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_next(c[i].event, utc(c[i].after), false, c[i].want);
}

#define EPOCH "1970-01-01 00:00:00"	/* a Thursday */
#define JUL31 "2020-07-31 00:00:00"	/* a Friday */
#define DEC31 "2020-12-31 00:00:00"	/* a Thursday */

/* proxmox-time's own expectations (src/test.rs), in wall clock form */
static void
test_proxmox_cases(void **state)
{
	static const struct ncase c[] = {
		{"0", EPOCH, "1970-01-01 01:00:00"},
		{"*", EPOCH, "1970-01-01 00:01:00"},
		{"*:0", EPOCH, "1970-01-01 01:00:00"},
		{"*:*", EPOCH, "1970-01-01 00:01:00"},
		{"*:*:*", EPOCH, "1970-01-01 00:00:01"},
		{"*:3:5", EPOCH, "1970-01-01 00:03:05"},
		{"mon *:*", EPOCH, "1970-01-05 00:00:00"},
		{"mon 2:*", EPOCH, "1970-01-05 02:00:00"},
		{"mon 2:50", EPOCH, "1970-01-05 02:50:00"},
		{"tue", EPOCH, "1970-01-06 00:00:00"},
		{"wed", EPOCH, "1970-01-07 00:00:00"},
		{"thu", EPOCH, "1970-01-08 00:00:00"},
		{"fri", EPOCH, "1970-01-02 00:00:00"},
		{"sat", EPOCH, "1970-01-03 00:00:00"},
		{"sun", EPOCH, "1970-01-04 00:00:00"},
		{"4..10/2:0", EPOCH, "1970-01-01 04:00:00"},
		{"4..10/2:0", "1970-01-01 05:00:00", "1970-01-01 06:00:00"},
		{"4..10/2:0", "1970-01-01 11:00:00", "1970-01-02 04:00:00"},
		{"5,10:4,8", EPOCH, "1970-01-01 05:04:00"},
		{"10,5:8,4", EPOCH, "1970-01-01 05:04:00"},
		{"6,4..10:23,5/5", EPOCH, "1970-01-01 04:05:00"},
		{"4..10,6:5/5,23", EPOCH, "1970-01-01 04:05:00"},
		/* month wrap */
		{"sat", JUL31, "2020-08-01 00:00:00"},
		{"sun", JUL31, "2020-08-02 00:00:00"},
		{"mon", JUL31, "2020-08-03 00:00:00"},
		{"tue", JUL31, "2020-08-04 00:00:00"},
		{"wed", JUL31, "2020-08-05 00:00:00"},
		{"thu", JUL31, "2020-08-06 00:00:00"},
		{"fri", JUL31, "2020-08-07 00:00:00"},
		/* year wrap */
		{"fri", DEC31, "2021-01-01 00:00:00"},
		{"sat", DEC31, "2021-01-02 00:00:00"},
		{"sun", DEC31, "2021-01-03 00:00:00"},
		{"mon", DEC31, "2021-01-04 00:00:00"},
		{"tue", DEC31, "2021-01-05 00:00:00"},
		{"wed", DEC31, "2021-01-06 00:00:00"},
		{"thu", DEC31, "2021-01-07 00:00:00"},
		{"daily", EPOCH, "1970-01-02 00:00:00"},
		{"daily", "1970-01-01 00:00:01", "1970-01-02 00:00:00"},
		/* dates */
		{"2020-07-31", EPOCH, "2020-07-31 00:00:00"},
		{"02-28", EPOCH, "1970-02-28 00:00:00"},
		{"02-29", EPOCH, "1972-02-29 00:00:00"},
		{"2020-7..9-2/2", JUL31, "2020-08-02 00:00:00"},
		{"2020,2021-12-31", JUL31, "2020-12-31 00:00:00"},
		{"monthly", EPOCH, "1970-02-01 00:00:00"},
		{"quarterly", EPOCH, "1970-04-01 00:00:00"},
		{"semiannually", EPOCH, "1970-07-01 00:00:00"},
		{"yearly", EPOCH, "1971-01-01 00:00:00"},
		{"2021-02-29", EPOCH, NULL},
		{"02-30", EPOCH, NULL},
	};

	(void)state;
	run_cases(c, sizeof(c) / sizeof(c[0]));
	/* "1965/5-01-01" from one second before the epoch */
	expect_next("1965/5-01-01", -1, false, EPOCH);
}

/* proxmox-time's chains: each result is the next start */
static void
test_chains(void **state)
{
	static const struct {
		const char *event, *start;
		long long first, step;	/* seconds after the epoch */
		int count;
	} c[] = {
		{"5/2:0", EPOCH, 5 * 3600, 2 * 3600, 10},	/* 5..23 */
		{"*:*", EPOCH, 60, 60, 100},
		{"*:0", EPOCH, 3600, 3600, 100},
		{"1:0", "1970-01-01 15:00:00", 86400 + 3600, 86400, 100},
		{"*/5", EPOCH, 300, 300, 1000},
		{"*:*:*/10", EPOCH, 10, 10, 1000},
		{"0/6:00", EPOCH, 6 * 3600, 6 * 3600, 100},
		{"mon", EPOCH, 4 * 86400, 7 * 86400, 100},
	};
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct calendar_event *ev = parse(c[i].event);
		time_t t = utc(c[i].start), next;

		for (k = 0; k < c[i].count; k++) {
			assert_int_equal(calendar_next(ev, t, false, &next),
			    0);
			assert_int_equal(next, c[i].first + k * c[i].step);
			t = next;
		}
		calendar_free(ev);
	}
}

static void
test_times_of_day(void **state)
{
	static const struct ncase c[] = {
		/* strictly after */
		{"02:30", "2024-03-10 12:00:00", "2024-03-11 02:30:00"},
		{"02:30", "2024-03-10 02:29:59", "2024-03-10 02:30:00"},
		{"02:30", "2024-03-10 02:30:00", "2024-03-11 02:30:00"},
		{"2:30", "2024-03-10 00:00:00", "2024-03-10 02:30:00"},
		{"02:30:15", "2024-03-10 02:30:00", "2024-03-10 02:30:15"},
		{"*/5", "2024-01-01 00:00:00", "2024-01-01 00:05:00"},
		{"*/5", "2024-01-01 12:03:00", "2024-01-01 12:05:00"},
		{"*/5", "2024-12-31 23:58:00", "2025-01-01 00:00:00"},
		{"*/15", "2024-01-01 10:59:59", "2024-01-01 11:00:00"},
		{"*:0/20", "2024-01-01 10:41:00", "2024-01-01 11:00:00"},
		{"8..17:00", "2024-01-01 17:00:00", "2024-01-02 08:00:00"},
		{"8..17:00", "2024-01-01 09:30:00", "2024-01-01 10:00:00"},
		{"12:00:30", "2024-01-01 12:00:30", "2024-01-02 12:00:30"},
		{"23:59:59", "2024-02-28 23:59:59", "2024-02-29 23:59:59"},
		{"5/0", "2024-01-01 00:05:00", "2024-01-01 01:05:00"},
		{"1..5/0:0", "2024-01-01 01:00:00", "2024-01-02 01:00:00"},
		/* backtracking quirk: minute 25 second 0 of every hour */
		{"25:00", "2024-01-01 10:30:00", "2024-01-01 11:25:00"},
		{"hourly", "2024-01-01 10:30:00", "2024-01-01 11:00:00"},
		{"minutely", "2024-01-01 10:30:30", "2024-01-01 10:31:00"},
		{"*:*:*", "2024-01-01 23:59:59", "2024-01-02 00:00:00"},
	};

	(void)state;
	run_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_days(void **state)
{
	static const struct ncase c[] = {
		{"mon..fri 08:00", "2024-06-07 09:00:00",
		    "2024-06-10 08:00:00"},
		{"mon..fri 08:00", "2024-06-07 07:00:00",
		    "2024-06-07 08:00:00"},
		{"sat,sun", "2024-06-05 12:00:00", "2024-06-08 00:00:00"},
		{"sat..mon 1:00", "2024-06-04 00:00:00",
		    "2024-06-08 01:00:00"},
		{"sat..mon 1:00", "2024-06-08 01:00:00",
		    "2024-06-09 01:00:00"},
		{"sat..mon 1:00", "2024-06-09 01:00:00",
		    "2024-06-10 01:00:00"},
		{"sat..mon 1:00", "2024-06-10 01:00:00",
		    "2024-06-15 01:00:00"},
		{"Monday,Tuesday..Wednesday", "2024-06-05 00:00:00",
		    "2024-06-10 00:00:00"},
		{"mon..sun", "2024-06-05 00:00:00", "2024-06-06 00:00:00"},
		{"weekly", "2024-06-03 00:00:00", "2024-06-10 00:00:00"},
		/* first Monday of the month */
		{"mon *-*-1..7 9:00", "2024-06-01 00:00:00",
		    "2024-06-03 09:00:00"},
		{"mon *-*-1..7 9:00", "2024-06-03 09:00:00",
		    "2024-07-01 09:00:00"},
		{"*-*-31", "2024-04-01 00:00:00", "2024-05-31 00:00:00"},
		{"*-*-31 23:59:59", "2024-12-31 23:59:59",
		    "2025-01-31 23:59:59"},
		{"*-*-01/7 06:00", "2024-02-23 00:00:00",
		    "2024-02-29 06:00:00"},
		{"monthly", "2024-01-31 00:00:00", "2024-02-01 00:00:00"},
		{"annually", "2024-01-01 00:00:00", "2025-01-01 00:00:00"},
		{"semi-annually", "2024-07-01 00:00:00",
		    "2025-01-01 00:00:00"},
		{"quarterly", "2024-11-15 00:00:00", "2025-01-01 00:00:00"},
	};

	(void)state;
	run_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_years_and_leap_days(void **state)
{
	static const struct ncase c[] = {
		{"*-02-29 12:00", "2024-03-01 00:00:00",
		    "2028-02-29 12:00:00"},
		{"*/4-02-29", "2001-01-01 00:00:00", "2004-02-29 00:00:00"},
		/* a leap day on a Monday: 2044 */
		{"mon *-02-29", "2024-03-01 00:00:00",
		    "2044-02-29 00:00:00"},
		{"2100-02-29", "2024-01-01 00:00:00", NULL},
		{"2000-02-29", "1999-01-01 00:00:00", "2000-02-29 00:00:00"},
		{"2024-12-31 23:59:59", "2024-12-31 23:59:59", NULL},
		{"2024..2026-06-01", "2024-06-01 00:00:00",
		    "2025-06-01 00:00:00"},
		{"2024..2026-06-01", "2026-06-01 00:00:00", NULL},
		{"2030/10-01-01", "2024-01-01 00:00:00",
		    "2030-01-01 00:00:00"},
		{"2030/10-01-01", "2030-01-01 00:00:00",
		    "2040-01-01 00:00:00"},
		{"2020..2040/10-01-01", "2040-01-01 00:00:00", NULL},
		{"2199-12-31 23:59:59", "2024-01-01 00:00:00",
		    "2199-12-31 23:59:59"},
		/* valid syntax, impossible dates */
		{"*-00-01", "2024-01-01 00:00:00", NULL},
		{"*-*-00", "2024-01-01 00:00:00", NULL},
		{"*-02-30", "2024-01-01 00:00:00", NULL},
		{"*-04-31", "2024-01-01 00:00:00", NULL},
		{"fri 2021-02-29", "2020-01-01 00:00:00", NULL},
		/* Feb 30 never comes, whatever the year list */
		{"*/7-02-30", "2024-01-01 00:00:00", NULL},
	};

	(void)state;
	run_cases(c, sizeof(c) / sizeof(c[0]));
}

/* Dates far apart are found by jumping, not by scanning minutes. */
static void
test_bounded(void **state)
{
	struct calendar_event *ev = parse("*:*:*");
	time_t next;
	clock_t t0 = clock();
	int i;

	(void)state;
	assert_int_equal(calendar_next(ev, utc("9999-12-31 23:59:58"), false,
	    &next), 0);
	assert_int_equal(next, utc("9999-12-31 23:59:59"));
	assert_int_equal(calendar_next(ev, utc("9999-12-31 23:59:59"), false,
	    &next), -1);
	assert_int_equal(calendar_next(ev, (time_t)INT64_MAX, false, &next),
	    -1);
	assert_int_equal(calendar_next(ev, (time_t)INT64_MIN, false, &next),
	    -1);
	assert_int_equal(calendar_next(ev, utc("0000-01-01 00:00:00") - 2,
	    true, &next), -1);
	calendar_free(ev);

	/* impossible schedules give up quickly */
	for (i = 0; i < 20; i++) {
		expect_next("mon *-02-30 *:*:*", 0, false, NULL);
		expect_next("*/2-02-30", 0, false, NULL);
		expect_next("*-*-00", 0, false, NULL);
	}
	/* years 0, 2199, 4398, 6597, 8796: only the last is a leap year */
	expect_next("*/2199-02-29 23:59:59", 0, false,
	    "8796-02-29 23:59:59");
	expect_next("2199-01-01", utc("2024-01-01 00:00:00"), false,
	    "2199-01-01 00:00:00");
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
}

/* Central Europe: DST from 2024-03-31 02:00 to 2024-10-27 03:00. */
static void
test_local_time_and_dst(void **state)
{
	(void)state;
	set_tz(CET);
	/* local 02:30 is 01:30 UTC in winter, 00:30 UTC in summer */
	expect_next("02:30", utc("2024-01-10 00:00:00"), false,
	    "2024-01-10 01:30:00");
	expect_next("02:30", utc("2024-07-10 00:00:00"), false,
	    "2024-07-10 00:30:00");
	/* the event's UTC suffix and the utc argument both mean UTC */
	expect_next("02:30 UTC", utc("2024-01-10 00:00:00"), false,
	    "2024-01-10 02:30:00");
	expect_next("02:30", utc("2024-01-10 00:00:00"), true,
	    "2024-01-10 02:30:00");
	/* 02:30 does not exist on 2024-03-31: the next day's */
	expect_next("02:30", utc("2024-03-30 23:00:00"), false,
	    "2024-04-01 00:30:00");
	expect_next("2:*", utc("2024-03-30 23:00:00"), false,
	    "2024-04-01 00:00:00");
	expect_next("*:30", utc("2024-03-31 00:40:00"), false,
	    "2024-03-31 01:30:00");
	/* 02:30 happens twice on 2024-10-27; it fires once, the first */
	expect_next("02:30", utc("2024-10-26 22:00:00"), false,
	    "2024-10-27 00:30:00");
	expect_next("02:30", utc("2024-10-27 00:30:00"), false,
	    "2024-10-28 01:30:00");
	/* ...unless we are already in the second pass of that hour */
	expect_next("0/30", utc("2024-10-27 01:10:00"), false,
	    "2024-10-27 01:30:00");
	expect_next("daily", utc("2024-10-26 21:00:00"), false,
	    "2024-10-26 22:00:00");
	expect_next("daily", utc("2024-10-26 22:00:00"), false,
	    "2024-10-27 23:00:00");
	set_tz("UTC");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxmox_cases),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_times_of_day),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_years_and_leap_days),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_local_time_and_dst),
	};

	set_tz("UTC");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
