/*
 * The lockout state in memory and as text (local/lockout.state):
 *
 *   realmgate-lockout 1
 *   user <locked-until> <time>,<time>,... <userid>
 *   address <locked-until> - <address key>
 *
 * times in seconds since the epoch, "-" for none, locked-until 0 when not
 * locked, the id last (it holds no space).  Whatever the file says is
 * checked here and bounded: bad lines are skipped, and nothing in it can
 * make a lock longer than LOCKOUT_TIME_MAX or a record larger than
 * LOCKOUT_FAILURES_MAX times.
 */
#include "lockout_int.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define HEADER	   "realmgate-lockout 1"
#define TIME_LIMIT ((time_t)1 << 40)	/* beyond any real clock */

void
lockout_state_init(struct lockout_state *s)
{
	memset(s, 0, sizeof(*s));
}

static void
rec_free(struct lockout_rec *r)
{
	free(r->id);
	free(r->times);
	memset(r, 0, sizeof(*r));
}

void
lockout_state_clear(struct lockout_state *s)
{
	size_t i;
	int k;

	for (k = 0; k < LOCKOUT_KINDS; k++) {
		for (i = 0; i < s->n[k]; i++)
			rec_free(&s->recs[k][i]);
		free(s->recs[k]);
	}
	memset(s, 0, sizeof(*s));
}

struct lockout_rec *
lockout_state_find(struct lockout_state *s, enum lockout_kind k,
    const char *id)
{
	size_t i;

	for (i = 0; i < s->n[k]; i++)
		if (strcmp(s->recs[k][i].id, id) == 0)
			return &s->recs[k][i];
	return NULL;
}

static void
rec_remove(struct lockout_state *s, enum lockout_kind k, size_t i)
{
	rec_free(&s->recs[k][i]);
	s->recs[k][i] = s->recs[k][--s->n[k]];
}

/* The newest attempt of r, or 0. */
static time_t
rec_last(const struct lockout_rec *r)
{
	time_t last = 0;
	size_t i;

	for (i = 0; i < r->ntimes; i++)
		if (r->times[i] > last)
			last = r->times[i];
	return last;
}

/*
 * The record to give up for a new one in a full kind: the unlocked one
 * with the fewest attempts (the oldest of those), else the lock that
 * ends first.
 */
static size_t
victim(const struct lockout_state *s, enum lockout_kind k, time_t now)
{
	size_t i, best = 0;
	bool best_locked = true;

	for (i = 0; i < s->n[k]; i++) {
		const struct lockout_rec *r = &s->recs[k][i], *b =
		    &s->recs[k][best];
		bool locked = r->locked_until > now;

		if (i == 0 || (best_locked && !locked)) {
			best = i;
			best_locked = locked;
		} else if (locked != best_locked) {
			continue;
		} else if (locked ? r->locked_until < b->locked_until :
		    r->ntimes < b->ntimes || (r->ntimes == b->ntimes &&
		    rec_last(r) < rec_last(b))) {
			best = i;
		}
	}
	return best;
}

/* The record of id, made (evicting another if full) when missing. */
struct lockout_rec *
lockout_state_get(struct lockout_state *s, enum lockout_kind k,
    const char *id, time_t now)
{
	struct lockout_rec *r = lockout_state_find(s, k, id);

	if (r != NULL)
		return r;
	if (s->n[k] >= LOCKOUT_MAX_RECORDS)
		rec_remove(s, k, victim(s, k, now));
	XGROW(s->recs[k], s->cap[k], s->n[k] + 1);
	r = &s->recs[k][s->n[k]++];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	return r;
}

void
lockout_rec_add(struct lockout_rec *r, time_t t)
{
	if (r->ntimes >= LOCKOUT_FAILURES_MAX) {
		/* the oldest goes: never reached through lockout_reserve */
		memmove(r->times, r->times + 1, (r->ntimes - 1) *
		    sizeof(*r->times));
		r->ntimes--;
	}
	XGROW(r->times, r->cap, r->ntimes + 1);
	r->times[r->ntimes++] = t;
}

bool
lockout_rec_take(struct lockout_rec *r, time_t t)
{
	size_t i = r->ntimes;

	while (i-- > 0) {
		if (r->times[i] != t)
			continue;
		memmove(r->times + i, r->times + i + 1, (r->ntimes - i - 1) *
		    sizeof(*r->times));
		r->ntimes--;
		return true;
	}
	return false;
}

void
lockout_state_drop(struct lockout_state *s, enum lockout_kind k,
    struct lockout_rec *r)
{
	rec_remove(s, k, (size_t)(r - s->recs[k]));
}

void
lockout_state_prune(struct lockout_state *s, const struct lockout_opts *o,
    time_t now)
{
	size_t i, j, keep;
	int k;

	for (k = 0; k < LOCKOUT_KINDS; k++) {
		const struct lockout_limit *l = &o->limit[k];

		i = 0;
		while (i < s->n[k]) {
			struct lockout_rec *r = &s->recs[k][i];

			if (l->failures == 0 || (r->locked_until != 0 &&
			    r->locked_until <= now)) {
				r->locked_until = 0;
				r->ntimes = 0;	/* a fresh start */
			}
			for (j = keep = 0; j < r->ntimes; j++)
				if (r->times[j] > now - (time_t)l->window)
					r->times[keep++] = r->times[j];
			r->ntimes = keep;
			if (r->ntimes == 0 && r->locked_until == 0)
				rec_remove(s, (enum lockout_kind)k, i);
			else
				i++;
		}
	}
}

/* A time from the file: digits, not beyond TIME_LIMIT. */
static bool
parse_time(const char *p, size_t len, time_t *t)
{
	unsigned long long v;

	if (len == 0 || len > 13 || !str_to_u64(p, len, &v) ||
	    v > (unsigned long long)TIME_LIMIT)
		return false;
	*t = (time_t)v;
	return true;
}

static bool
id_valid(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > LOCKOUT_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return false;
	return true;
}

/* The next space-separated field of (*p, *len). */
static bool
field(const char **p, size_t *len, const char **f, size_t *flen)
{
	const char *sp = memchr(*p, ' ', *len);

	if (sp == NULL)
		return false;
	*f = *p;
	*flen = (size_t)(sp - *p);
	*len -= *flen + 1;
	*p = sp + 1;
	return true;
}

static bool
parse_times(struct lockout_rec *r, const char *p, size_t len, time_t now)
{
	time_t t;

	if (len == 1 && *p == '-')
		return true;
	while (len > 0) {
		const char *comma = memchr(p, ',', len);
		size_t n = comma != NULL ? (size_t)(comma - p) : len;

		if (!parse_time(p, n, &t))
			return false;
		/* another node's clock may lead ours a little */
		lockout_rec_add(r, t > now + LOCKOUT_CLOCK_SKEW ? now : t);
		if (comma == NULL)
			break;
		len -= n + 1;
		p = comma + 1;
		if (len == 0)
			return false;
	}
	return true;
}

/* One record line into s; false when it is not valid. */
static bool
parse_line(struct lockout_state *s, const char *p, size_t len, time_t now)
{
	const char *kind, *until, *times;
	size_t klen, ulen, tlen;
	struct lockout_rec rec;
	enum lockout_kind k;
	time_t locked;

	if (!field(&p, &len, &kind, &klen) ||
	    !field(&p, &len, &until, &ulen) ||
	    !field(&p, &len, &times, &tlen) || !id_valid(p, len) ||
	    !parse_time(until, ulen, &locked))
		return false;
	if (klen == 4 && memcmp(kind, "user", 4) == 0)
		k = LOCKOUT_USER;
	else if (klen == 7 && memcmp(kind, "address", 7) == 0)
		k = LOCKOUT_ADDRESS;
	else
		return false;
	memset(&rec, 0, sizeof(rec));
	rec.id = xstrndup(p, len);
	if (!parse_times(&rec, times, tlen, now) ||
	    lockout_state_find(s, k, rec.id) != NULL ||
	    s->n[k] >= LOCKOUT_MAX_RECORDS) {
		rec_free(&rec);
		return false;
	}
	if (locked > now + LOCKOUT_TIME_MAX)
		locked = now + LOCKOUT_TIME_MAX;
	rec.locked_until = locked;
	XGROW(s->recs[k], s->cap[k], s->n[k] + 1);
	s->recs[k][s->n[k]++] = rec;
	return true;
}

void
lockout_state_parse(struct lockout_state *s, const char *text, size_t len,
    time_t now, struct diag *warn)
{
	const char *line;
	size_t pos = 0, n, bad = 0;

	lockout_state_clear(s);
	if (text == NULL || len == 0)
		return;
	if (!str_next_line(text, len, &pos, &line, &n) ||
	    n != strlen(HEADER) || memcmp(line, HEADER, n) != 0) {
		if (warn != NULL)
			diag_add(warn, LOCKOUT_STATE_FILE, 1, true, "not a "
			    "lockout state file: started afresh");
		return;
	}
	while (str_next_line(text, len, &pos, &line, &n))
		if (n > 0 && !parse_line(s, line, n, now))
			bad++;
	if (bad > 0 && warn != NULL)
		diag_add(warn, LOCKOUT_STATE_FILE, 0, true, "%zu invalid "
		    "line%s skipped", bad, bad == 1 ? "" : "s");
}

void
lockout_state_format(const struct lockout_state *s, struct buf *out)
{
	size_t i, j;
	int k;

	buf_puts(out, HEADER "\n");
	for (k = 0; k < LOCKOUT_KINDS; k++) {
		for (i = 0; i < s->n[k]; i++) {
			const struct lockout_rec *r = &s->recs[k][i];

			buf_putf(out, "%s %lld ", lockout_kind_name(
			    (enum lockout_kind)k), (long long)r->locked_until);
			for (j = 0; j < r->ntimes; j++)
				buf_putf(out, "%s%lld", j > 0 ? "," : "",
				    (long long)r->times[j]);
			buf_putf(out, "%s %s\n", r->ntimes == 0 ? "-" : "",
			    r->id);
		}
	}
}
