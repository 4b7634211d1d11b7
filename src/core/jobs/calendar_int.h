/*
 * The parsed form of a calendar event, shared by the parser (calendar.c)
 * and the search (calendar_next.c).  Every field but the year has a small
 * range, so it becomes a bit set of allowed values; years keep the value
 * list, because `start/step` repeats without end.
 */
#ifndef RG_CALENDAR_INT_H
#define RG_CALENDAR_INT_H

#include "calendar.h"

#include <stddef.h>
#include <stdint.h>

#define CAL_NO_END UINT32_MAX

/* One list entry: a value (end == start, step 0), a range or a repeat. */
struct cal_value {
	uint32_t start;
	uint32_t end;		/* last value, CAL_NO_END: unbounded */
	uint32_t step;		/* 0: every value from start to end */
};

struct calendar_event {
	bool utc;
	uint8_t wdays;		/* bit 0 Monday .. bit 6 Sunday */
	uint64_t sec;		/* bit n: second n matches (0-59) */
	uint64_t min;		/* 0-59 */
	uint32_t hour;		/* 0-23 */
	uint32_t mday;		/* 0-31; 0 parses but never matches */
	uint32_t mon;		/* 0-12; likewise */
	struct cal_value *years;	/* NULL: every year */
	size_t year_count;
};

bool cal_value_contains(const struct cal_value *v, uint32_t x);

#endif
