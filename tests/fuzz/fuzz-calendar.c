/*
 * Fuzz target: calendar events (jobs.cfg `schedule`).  Any text must parse
 * or fail cleanly, and for a parsed event the next run must be found or
 * refused in bounded time.  A result must lie after its start, and asking
 * again from one second before it must give the same time: the search may
 * not skip a match.  The local zone is a fixed European DST rule so the
 * DST paths run too.
 */
#include "jobs/calendar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const time_t starts[] = {
	-1,			/* 1969-12-31 23:59:59 */
	0,
	951782400,		/* 2000-02-29 00:00:00 */
	1711846800,		/* 2024-03-31 01:00:00, DST starts */
	1729990800,		/* 2024-10-27 01:00:00, DST ends */
	4102444799,		/* 2099-12-31 23:59:59 */
	253402300798,		/* 9999-12-31 23:59:58 */
};

static void
check_from(const struct calendar_event *ev, time_t after, bool utc)
{
	time_t next, again;
	int i;

	for (i = 0; i < 3; i++) {
		if (calendar_next(ev, after, utc, &next) < 0)
			return;
		if (next <= after)
			abort();
		/* local time may fire once in a repeated hour: UTC only */
		if ((utc || calendar_is_utc(ev)) &&
		    (calendar_next(ev, next - 1, utc, &again) < 0 ||
		    again != next))
			abort();
		after = next;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool tz_set;
	struct calendar_event *ev;
	struct err err;
	char *text;
	size_t i;

	if (!tz_set) {
		setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
		tzset();
		tz_set = true;
	}
	if (size > 2 * CALENDAR_TEXT_MAX)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (calendar_parse(text, &ev, &err) == 0) {
		for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
			check_from(ev, starts[i], true);
			check_from(ev, starts[i], false);
		}
		calendar_free(ev);
	} else if (err.msg[0] == '\0') {
		abort();
	}
	free(text);
	return 0;
}
