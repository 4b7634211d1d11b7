/*
 * The next time a calendar event fires.  The search walks the calendar
 * (wall-clock fields, no time zone) field by field: a year that does not
 * match is skipped with one jump, a month or day by the next set bit, and
 * the time of day is found with three bit lookups, so even a schedule that
 * fires once in decades costs a few thousand cheap steps, never a scan
 * over minutes.  The wall-clock result is then turned into a time_t in UTC
 * or local time; a local time that falls into a DST gap does not exist and
 * the search goes on after it, as in proxmox-time.
 */
#include "calendar_int.h"
#include "compiler.h"

#include <string.h>

#define MAX_YEARS	1000	/* candidate years before giving up */
#define LAST_YEAR	9999
#define MAX_LOCAL_TRIES 5000	/* DST gaps and repeats, minute by minute */

struct civil {
	int64_t y;
	int mon, d, h, mi, s;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_secs(int64_t t, struct civil *c)
{
	int64_t z = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t sod = t - z * 86400, era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->y = yoe + era * 400 + (c->mon <= 2);
	c->h = (int)(sod / 3600);
	c->mi = (int)(sod / 60 % 60);
	c->s = (int)(sod % 60);
}

/* The wall-clock time read as if it were UTC. */
static int64_t
civil_secs(const struct civil *c)
{
	return days_from_civil(c->y, c->mon, c->d) * 86400 + c->h * 3600 +
	    c->mi * 60 + c->s;
}

static int
civil_cmp(const struct civil *a, const struct civil *b)
{
	int64_t x = civil_secs(a), y = civil_secs(b);

	return x < y ? -1 : x > y;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Smallest set bit >= from, or -1. */
static int
next_bit(uint64_t bits, int from)
{
	if (from >= 64)
		return -1;
	bits &= ~0ull << from;
	return bits == 0 ? -1 : __builtin_ctzll(bits);
}

static bool
year_ok(const struct calendar_event *ev, int64_t y)
{
	size_t i;

	if (ev->year_count == 0)
		return true;
	for (i = 0; i < ev->year_count; i++)
		if (cal_value_contains(&ev->years[i], (uint32_t)y))
			return true;
	return false;
}

/* The first year after y that the year list allows (proxmox: find_next). */
static bool
year_next(const struct calendar_event *ev, int64_t y, int64_t *next_r)
{
	int64_t best = -1, n;
	size_t i;

	for (i = 0; i < ev->year_count; i++) {
		const struct cal_value *v = &ev->years[i];
		int64_t end = v->end == CAL_NO_END ? INT64_MAX : v->end;

		if (y < v->start)
			n = v->start;
		else if (v->step == 0)
			n = y + 1;
		else
			n = v->start + ((y - v->start) / v->step + 1) * v->step;
		if (n > end)
			continue;
		if (best < 0 || n < best)
			best = n;
	}
	*next_r = best;
	return best >= 0;
}

static bool
wday_ok(const struct calendar_event *ev, int64_t y, int m, int d)
{
	int64_t days = days_from_civil(y, m, d);
	/* 1970-01-01 was a Thursday; bit 0 is Monday */
	int wd = (int)(((days + 3) % 7 + 7) % 7);

	return ev->wdays == 0 || (ev->wdays & (1u << wd)) != 0;
}

/* First matching time of day at or after h:mi:s. */
static bool
find_time(const struct calendar_event *ev, int h0, int mi0, int s0,
    struct civil *out)
{
	int h, mi, s;

	for (h = next_bit(ev->hour, h0); h >= 0 && h < 24;
	    h = next_bit(ev->hour, h + 1)) {
		bool first_h = h == h0;

		for (mi = next_bit(ev->min, first_h ? mi0 : 0);
		    mi >= 0 && mi < 60; mi = next_bit(ev->min, mi + 1)) {
			s = next_bit(ev->sec, first_h && mi == mi0 ? s0 : 0);
			if (s >= 0 && s < 60) {
				out->h = h;
				out->mi = mi;
				out->s = s;
				return true;
			}
		}
	}
	return false;
}

/* The first wall-clock time at or after *from that matches ev. */
static bool
next_civil(const struct calendar_event *ev, const struct civil *from,
    struct civil *out)
{
	int64_t y = from->y;
	bool tight = true;	/* still on from's year, month and day */
	int m, d, tries;

	for (tries = 0; tries < MAX_YEARS && y <= LAST_YEAR;) {
		/* year_next() always moves forward, LAST_YEAR ends it */
		if (!year_ok(ev, y)) {
			if (!year_next(ev, y, &y))
				return false;
			tight = false;
			continue;
		}
		tries++;
		for (m = tight ? from->mon : 1; m <= 12; m++) {
			int dim = days_in_month(y, m);

			if ((ev->mon & (1u << m)) == 0) {
				tight = false;
				continue;
			}
			for (d = next_bit(ev->mday, tight ? from->d : 1);
			    d >= 1 && d <= dim; d = next_bit(ev->mday, d + 1)) {
				bool first = tight && d == from->d;

				if (!wday_ok(ev, y, m, d))
					continue;
				if (find_time(ev, first ? from->h : 0,
				    first ? from->mi : 0, first ? from->s : 0,
				    out)) {
					out->y = y;
					out->mon = m;
					out->d = d;
					return true;
				}
			}
			tight = false;
		}
		y++;
		tight = false;
	}
	return false;
}

static int
next_utc(const struct calendar_event *ev, time_t after, time_t *next_r)
{
	struct civil from, c;

	civil_from_secs((int64_t)after + 1, &from);
	if (from.y < 0 || from.y > LAST_YEAR || !next_civil(ev, &from, &c))
		return -1;
	*next_r = (time_t)civil_secs(&c);
	return 0;
}

static void
civil_to_tm(const struct civil *c, struct tm *tm, int isdst)
{
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = (int)(c->y - 1900);
	tm->tm_mon = c->mon - 1;
	tm->tm_mday = c->d;
	tm->tm_hour = c->h;
	tm->tm_min = c->mi;
	tm->tm_sec = c->s;
	tm->tm_isdst = isdst;
}

static void
tm_to_civil(const struct tm *tm, struct civil *c)
{
	c->y = (int64_t)tm->tm_year + 1900;
	c->mon = tm->tm_mon + 1;
	c->d = tm->tm_mday;
	c->h = tm->tm_hour;
	c->mi = tm->tm_min;
	c->s = tm->tm_sec;
}

/*
 * mktime() for c with the given isdst hint; true if c exists in the local
 * zone with that hint (mktime did not have to move it).  *moved_r is
 * where it went.
 */
static bool
local_time(const struct civil *c, int isdst, time_t *t_r,
    struct civil *moved_r)
{
	struct tm tm;

	civil_to_tm(c, &tm, isdst);
	*t_r = mktime(&tm);
	tm_to_civil(&tm, moved_r);
	return civil_cmp(moved_r, c) == 0;
}

/*
 * The earliest instant after `after` whose local time is c: a wall clock
 * time repeated at the end of DST has two, one with each isdst.  False if
 * there is none; *moved_r then tells where mktime put c.
 */
static bool
local_instant(const struct civil *c, time_t after, time_t *t_r,
    struct civil *moved_r)
{
	static const int hints[] = {-1, 1, 0};
	struct civil moved;
	bool found = false;
	time_t t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hints); i++) {
		bool exists = local_time(c, hints[i], &t, &moved);

		if (i == 0)
			*moved_r = moved;
		if (!exists)
			continue;
		if (t > after && (!found || t < *t_r)) {
			*t_r = t;
			found = true;
		}
	}
	return found;
}

static int
next_local(const struct calendar_event *ev, time_t after, time_t *next_r)
{
	struct civil from, c, moved;
	struct tm tm;
	time_t start = after + 1;
	int tries;

	if (localtime_r(&start, &tm) == NULL)
		return -1;
	tm_to_civil(&tm, &from);
	for (tries = 0; tries < MAX_LOCAL_TRIES; tries++) {
		if (from.y < 0 || from.y > LAST_YEAR ||
		    !next_civil(ev, &from, &c))
			return -1;
		if (local_instant(&c, after, next_r, &moved))
			return 0;
		switch (civil_cmp(&moved, &c)) {
		case 0:		/* exists, but not after `after` */
			civil_from_secs(civil_secs(&c) + 1, &from);
			break;
		case 1:		/* in a DST gap: go on after it */
			from = moved;
			break;
		default:	/* moved back: gaps span whole minutes */
			civil_from_secs(civil_secs(&c) - c.s + 60, &from);
			break;
		}
	}
	return -1;
}

int
calendar_next(const struct calendar_event *ev, time_t after, bool utc,
    time_t *next_r)
{
	if (after >= (time_t)INT64_MAX - 1 || after < -((time_t)1 << 40))
		return -1;
	if (utc || ev->utc)
		return next_utc(ev, after, next_r);
	return next_local(ev, after, next_r);
}
