/*
 * Calendar event parser (see calendar.h).  It mirrors proxmox-time's nom
 * grammar function by function, including where nom backtracks: an
 * optional part that fails leaves the input where it was, so `25:00` is a
 * minute and a second because 25 is no hour.  Keeping that shape is what
 * makes us accept and reject exactly the schedules Proxmox does.  Errors
 * report the failure that got furthest into the text, which is nearly
 * always the one the user means.
 */
#include "calendar_int.h"
#include "str.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_REST_MAX 40

/* Failures that only say what was expected yield to a precise one. */
enum { WEAK, PRECISE };

struct cparse {
	const char *start;
	const char *err_at;	/* furthest failure */
	int err_prio;
	char err_msg[96];
};

/* A parsed component list; count 0 means `*` (every value). */
struct cal_list {
	struct cal_value *v;
	size_t count, cap;
};

static const struct {
	const char *name;
	uint8_t bit;
} weekdays[] = {
	{"monday", 0}, {"mon", 0}, {"tuesday", 1}, {"tue", 1},
	{"wednesday", 2}, {"wed", 2}, {"thursday", 3}, {"thu", 3},
	{"friday", 4}, {"fri", 4}, {"saturday", 5}, {"sat", 5},
	{"sunday", 6}, {"sun", 6},
};

static bool fail(struct cparse *cp, const char *at, int prio,
    const char *fmt, ...) RG_PRINTF(4, 5);

/*
 * Remember the failure if it got further than any before.  At the same
 * place a precise failure beats a vague one and the first precise one
 * stays (the year's limit, not the minute's, for "2200-01-01"), while a
 * later vague one replaces an earlier (the outer rule is more telling).
 * Returns false.
 */
static bool
fail(struct cparse *cp, const char *at, int prio, const char *fmt, ...)
{
	va_list ap;

	if (cp->err_at == NULL || at > cp->err_at ||
	    (at == cp->err_at && (prio > cp->err_prio ||
	    (prio == WEAK && cp->err_prio == WEAK)))) {
		cp->err_at = at;
		cp->err_prio = prio;
		va_start(ap, fmt);
		vsnprintf(cp->err_msg, sizeof(cp->err_msg), fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
list_add(struct cal_list *l, uint32_t start, uint32_t end, uint32_t step)
{
	XGROW(l->v, l->cap, l->count + 1);
	l->v[l->count].start = start;
	l->v[l->count].end = end;
	l->v[l->count].step = step;
	l->count++;
}

static void
list_free(struct cal_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* parse_time_comp: digits forming a u32 below max */
static bool
parse_comp(struct cparse *cp, const char **pp, uint32_t max, uint32_t *v_r)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (!is_digit(*p))
		return fail(cp, p, WEAK, "expected a number");
	for (; is_digit(*p); p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return fail(cp, *pp, PRECISE, "number too large");
	}
	if (v >= max)
		return fail(cp, *pp, PRECISE, "value %u too large (maximum %u)",
		    (uint32_t)v, max - 1);
	*v_r = (uint32_t)v;
	*pp = p;
	return true;
}

/*
 * `..b` after a value; when b does not parse, nom's opt() leaves the input
 * at the dots and the caller sees a plain value.
 */
static bool
parse_range_end(struct cparse *cp, const char **pp, uint32_t max,
    uint32_t *b_r)
{
	const char *q = *pp;

	if (q[0] != '.' || q[1] != '.')
		return false;
	q += 2;
	if (!parse_comp(cp, &q, max, b_r))
		return false;
	*pp = q;
	return true;
}

/* parse_date_time_comp: a, a..b, a/r, a..b/r */
static bool
parse_value(struct cparse *cp, const char **pp, uint32_t max,
    struct cal_list *l)
{
	const char *p = *pp;
	uint32_t a, b, r;
	bool ranged;

	if (!parse_comp(cp, &p, max, &a))
		return false;
	ranged = parse_range_end(cp, &p, max, &b);
	if (ranged && a > b)
		return fail(cp, *pp, PRECISE,
		    "range start %u is bigger than end %u", a, b);
	if (!ranged)
		b = CAL_NO_END;
	if (*p == '/') {
		p++;
		if (!parse_comp(cp, &p, max, &r))
			return false;
		/* proxmox-time: a repeat of 0 matches the start only */
		if (r == 0)
			list_add(l, a, a, 0);
		else
			list_add(l, a, b, r);
	} else {
		list_add(l, a, ranged ? b : a, 0);
	}
	*pp = p;
	return true;
}

/*
 * parse_date_time_comp_list: `*`, `*` + `/r` (r > 0, repeating from
 * start), or values separated by ','.  A ',' not followed by a value ends
 * the list before the ','.
 */
static bool
parse_list(struct cparse *cp, const char **pp, uint32_t start, uint32_t max,
    struct cal_list *l)
{
	const char *p = *pp, *q;
	uint32_t r;

	memset(l, 0, sizeof(*l));
	if (*p == '*') {
		q = p + 1;
		if (*q == '/') {
			q++;
			if (parse_comp(cp, &q, max, &r) && r > 0) {
				list_add(l, start, CAL_NO_END, r);
				*pp = q;
				return true;
			}
		}
		*pp = p + 1;
		return true;
	}
	if (!parse_value(cp, &p, max, l))
		return false;
	while (*p == ',') {
		q = p + 1;
		if (!parse_value(cp, &q, max, l))
			break;
		p = q;
	}
	*pp = p;
	return true;
}

static bool
parse_lists(struct cparse *cp, const char **pp, const uint32_t *starts,
    const uint32_t *maxes, size_t n, struct cal_list *out)
{
	const char *p = *pp;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && *p++ != '-') {
			fail(cp, p - 1, WEAK, "expected '-'");
			goto bad;
		}
		if (!parse_list(cp, &p, starts[i], maxes[i], &out[i]))
			goto bad;
	}
	*pp = p;
	return true;
bad:
	while (i-- > 0)
		list_free(&out[i]);
	memset(&out[0], 0, sizeof(out[0]));
	return false;
}

/* parse_date_spec: Y-M-D, else M-D; out is year, month, day */
static bool
parse_date(struct cparse *cp, const char **pp, struct cal_list *out)
{
	static const uint32_t ymd_start[] = {0, 1, 1}, ymd_max[] = {2200, 13,
		32};

	if (parse_lists(cp, pp, ymd_start, ymd_max, 3, out))
		return true;
	memset(&out[0], 0, sizeof(out[0]));
	return parse_lists(cp, pp, ymd_start + 1, ymd_max + 1, 2, out + 1);
}

/* parse_time_spec: [H:]M[:S]; out is hour, minute, second */
static bool
parse_time(struct cparse *cp, const char **pp, struct cal_list *out,
    bool *has_sec_r)
{
	const char *p = *pp, *q = p;

	memset(out, 0, 3 * sizeof(*out));
	if (parse_list(cp, &q, 0, 24, &out[0])) {
		if (*q == ':')
			p = q + 1;
		else
			list_free(&out[0]);
	}
	if (!parse_list(cp, &p, 0, 60, &out[1])) {
		list_free(&out[0]);
		return false;
	}
	*has_sec_r = false;
	if (*p == ':') {
		q = p + 1;
		if (parse_list(cp, &q, 0, 60, &out[2])) {
			*has_sec_r = true;
			p = q;
		}
	}
	*pp = p;
	return true;
}

static bool
parse_weekday(struct cparse *cp, const char **pp, uint8_t *bit_r)
{
	const char *p = *pp;
	size_t n = 0, i;

	while (is_alpha(p[n]))
		n++;
	for (i = 0; n > 0 && i < ARRAY_SIZE(weekdays); i++) {
		if (strlen(weekdays[i].name) == n &&
		    strncasecmp(weekdays[i].name, p, n) == 0) {
			*bit_r = weekdays[i].bit;
			*pp = p + n;
			return true;
		}
	}
	return fail(cp, p, PRECISE, "expected a weekday");
}

/* parse_weekdays_range: day or day..day, wrapping past Sunday */
static bool
parse_wrange(struct cparse *cp, const char **pp, uint8_t *set)
{
	const char *p = *pp, *q;
	uint8_t a, b, d;

	if (!parse_weekday(cp, &p, &a))
		return false;
	b = a;
	if (p[0] == '.' && p[1] == '.') {
		q = p + 2;
		if (parse_weekday(cp, &q, &b))
			p = q;
	}
	for (d = a;; d = (uint8_t)((d + 1) % 7)) {
		*set |= (uint8_t)(1u << d);
		if (d == b)
			break;
	}
	*pp = p;
	return true;
}

static bool
parse_weekdays(struct cparse *cp, const char **pp, uint8_t *set)
{
	const char *p = *pp, *q;

	if (!parse_wrange(cp, &p, set))
		return false;
	while (*p == ',') {
		q = p + 1;
		if (!parse_wrange(cp, &q, set))
			break;
		p = q;
	}
	*pp = p;
	return true;
}

static void
skip_space0(const char **pp)
{
	while (**pp == ' ' || **pp == '\t')
		(*pp)++;
}

/* Turn a list into the bit set of the values in [0, max). */
static uint64_t
list_bits(const struct cal_list *l, uint32_t first, uint32_t max)
{
	uint64_t bits = 0;
	uint32_t x;
	size_t i;

	for (x = 0; x < max; x++) {
		if (l->count == 0) {
			if (x >= first)
				bits |= 1ull << x;
			continue;
		}
		for (i = 0; i < l->count; i++) {
			if (cal_value_contains(&l->v[i], x)) {
				bits |= 1ull << x;
				break;
			}
		}
	}
	return bits;
}

bool
cal_value_contains(const struct cal_value *v, uint32_t x)
{
	if (x < v->start || x > v->end)
		return false;
	return v->step == 0 || (x - v->start) % v->step == 0;
}

/* Hour, minute and second; a time without seconds means second 0. */
static void
set_hms(struct calendar_event *ev, const struct cal_list *hms, bool has_sec)
{
	ev->hour = (uint32_t)list_bits(&hms[0], 0, 24);
	ev->min = list_bits(&hms[1], 0, 60);
	ev->sec = has_sec ? list_bits(&hms[2], 0, 60) : 1;
}

/*
 * The special names.  Each fires at second 0; `fixed` says whether the
 * minute (1) or the minute and the hour (2) are 0 too.  mday and mon are
 * bit sets, 0 for every day or month; weekly is Mondays (bit 0).
 */
static bool
parse_special(const char *s, struct calendar_event *ev)
{
	static const struct {
		const char *name;
		uint8_t fixed;
		uint32_t mday, mon;
		uint8_t wdays;
	} specials[] = {
		{"minutely", 0, 0, 0, 0},
		{"hourly", 1, 0, 0, 0},
		{"daily", 2, 0, 0, 0},
		{"weekly", 2, 0, 0, 1},
		{"monthly", 2, 1u << 1, 0, 0},
		{"yearly", 2, 1u << 1, 1u << 1, 0},
		{"annually", 2, 1u << 1, 1u << 1, 0},
		{"quarterly", 2, 1u << 1, (1u << 1) | (1u << 4) | (1u << 7) |
		    (1u << 10), 0},
		{"semiannually", 2, 1u << 1, (1u << 1) | (1u << 7), 0},
		{"semi-annually", 2, 1u << 1, (1u << 1) | (1u << 7), 0},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(specials); i++) {
		if (strcmp(s, specials[i].name) != 0)
			continue;
		ev->sec = 1;
		ev->min = specials[i].fixed >= 1 ? 1 : (1ull << 60) - 1;
		ev->hour = specials[i].fixed >= 2 ? 1 : (1u << 24) - 1;
		if (specials[i].mday != 0)
			ev->mday = specials[i].mday;
		if (specials[i].mon != 0)
			ev->mon = specials[i].mon;
		ev->wdays = specials[i].wdays;
		return true;
	}
	return false;
}

/* parse_calendar_event_incomplete plus all_consuming */
static bool
parse_event(struct cparse *cp, const char *s, struct calendar_event *ev)
{
	static const struct cal_list every = {NULL, 0, 0};
	struct cal_list date[3], hms[3];
	const char *p = s;
	bool has_day = false, has_date = false, has_sec;
	size_t i;

	ev->mday = (uint32_t)list_bits(&every, 1, 32);
	ev->mon = (uint32_t)list_bits(&every, 1, 13);
	if (is_alpha(*p)) {
		if (parse_special(p, ev))
			return true;
		if (!parse_weekdays(cp, &p, &ev->wdays))
			return false;
		has_day = true;
		skip_space0(&p);
	}
	if (parse_date(cp, &p, date)) {
		has_date = true;
		ev->years = date[0].v;
		ev->year_count = date[0].count;
		ev->mon = (uint32_t)list_bits(&date[1], 1, 13);
		ev->mday = (uint32_t)list_bits(&date[2], 1, 32);
		list_free(&date[1]);
		list_free(&date[2]);
		skip_space0(&p);
	}
	if (parse_time(cp, &p, hms, &has_sec)) {
		set_hms(ev, hms, has_sec);
		for (i = 0; i < 3; i++)
			list_free(&hms[i]);
	} else if (!has_day && !has_date) {
		return fail(cp, p, WEAK,
		    "expected a date or time specification");
	} else {
		/* no time: midnight */
		ev->hour = 1;
		ev->min = 1;
		ev->sec = 1;
	}
	if (*p != '\0')
		return fail(cp, p, WEAK, "unexpected characters");
	return true;
}

static void
set_error(const struct cparse *cp, struct err *err)
{
	const char *at = cp->err_at != NULL ? cp->err_at : cp->start;
	size_t n = strlen(at);

	if (n == 0)
		err_set(err, ERR_INVALID, "unable to parse calendar event - "
		    "%s at end of input", cp->err_msg);
	else
		err_set(err, ERR_INVALID, "unable to parse calendar event at "
		    "'%.*s%s' - %s", n > MSG_REST_MAX ? MSG_REST_MAX : (int)n,
		    at, n > MSG_REST_MAX ? "..." : "", cp->err_msg);
}

int
calendar_parse(const char *text, struct calendar_event **ev_r,
    struct err *err)
{
	struct calendar_event *ev;
	struct cparse cp;
	const char *p = text;
	size_t len = strlen(text);
	char *s;

	str_trim(&p, &len);
	if (len == 0)
		return err_set(err, ERR_INVALID,
		    "unable to parse calendar event - event is empty");
	if (len > CALENDAR_TEXT_MAX)
		return err_set(err, ERR_INVALID, "unable to parse calendar "
		    "event - longer than %d characters", CALENDAR_TEXT_MAX);
	ev = xcalloc(1, sizeof(*ev));
	s = xstrndup(p, len);
	if (len >= 3 && strcmp(s + len - 3, "UTC") == 0) {
		ev->utc = true;
		len -= 3;
		while (len > 0 && s[len - 1] == ' ')
			len--;
		s[len] = '\0';
	}
	memset(&cp, 0, sizeof(cp));
	cp.start = s;
	if (!parse_event(&cp, s, ev)) {
		set_error(&cp, err);
		free(s);
		calendar_free(ev);
		return -1;
	}
	free(s);
	*ev_r = ev;
	return 0;
}

int
calendar_check(const char *text, struct err *err)
{
	struct calendar_event *ev;

	if (calendar_parse(text, &ev, err) < 0)
		return -1;
	calendar_free(ev);
	return 0;
}

void
calendar_free(struct calendar_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->years);
	free(ev);
}

bool
calendar_is_utc(const struct calendar_event *ev)
{
	return ev->utc;
}
