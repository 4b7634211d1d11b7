/*
 * The lockout transactions: take the flock of local/lockout.lck, read and
 * prune local/lockout.state, change it, rewrite it atomically, unlock.
 * Every authd worker goes through here, so the file is the one count.
 * The rewrite skips the fsync (file_write_volatile): the counts survive
 * any restart of the daemon, and a crash of the machine loses at most
 * the last seconds of them.
 *
 * Failing here must not lock anyone out: a state that cannot be read is
 * started afresh, one that cannot be locked or written lets the attempt
 * go on uncounted; both are warned about on stderr (the daemon's log).
 */
#include "lockout_int.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "testpoint.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOCK_WAIT_MS 5000
#define STATE_MAX    (64u * 1024 * 1024)

static lockout_audit_fn *audit_fn;

void
lockout_set_audit(lockout_audit_fn *fn)
{
	audit_fn = fn;
}

time_t
lockout_now(void)
{
	return testpoint_clock(time(NULL));
}

/* An event for the audit log, sent once the state is unlocked. */
struct event {
	const char *what;	/* NULL: none */
	enum lockout_kind kind;
	char id[LOCKOUT_ID_MAX + 1];
	char detail[192];
};

static void
event_emit(const struct event *e, const char *client, const char *actor)
{
	if (e->what != NULL && audit_fn != NULL)
		audit_fn(e->what, lockout_kind_name(e->kind), e->id, client,
		    actor, e->detail[0] != '\0' ? e->detail : NULL);
}

static void
iso_time(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

static void
warn(const char *what, const char *msg)
{
	fprintf(stderr, "realmgate: lockout state: %s: %s\n", what, msg);
}

struct txn {
	const char *config_dir;
	struct cfs_lock *lock;
	struct lockout_state s;
	bool dirty;	/* the file had bad lines: rewrite it clean */
};

/*
 * Lock and read the state.  *now becomes the time once the lock is held
 * (a caller may have waited for it): what this transaction writes is
 * never older than what another wrote before it.  Times up to
 * LOCKOUT_CLOCK_SKEW ahead of ours (another node's clock) are kept as
 * they are; only beyond that are they taken for a clock set back.
 */
static int
txn_begin(const char *config_dir, const struct lockout_opts *o, time_t *now,
    struct txn *t, struct err *err)
{
	struct buf text = BUF_INIT;
	struct diag d;
	size_t i;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	t->config_dir = config_dir;
	lockout_state_init(&t->s);
	diag_init(&d);
	if (cfs_flock(config_dir, LOCKOUT_LOCK_FILE, LOCK_WAIT_MS, &t->lock,
	    err) < 0)
		goto out;
	if (cfs_read(config_dir, LOCKOUT_STATE_FILE, STATE_MAX, &text, err) < 0 &&
	    err->code != ERR_NOT_FOUND) {
		warn("unreadable, started afresh", err->msg);
		t->dirty = true;
	}
	if (lockout_now() > *now)
		*now = lockout_now();
	lockout_state_parse(&t->s, text.data, text.len, *now, &d);
	t->dirty |= d.count > 0;
	for (i = 0; i < d.count; i++)
		warn(LOCKOUT_STATE_FILE, d.items[i].msg);
	lockout_state_prune(&t->s, o, *now);
	rc = 0;
out:
	diag_clear(&d);
	buf_clear(&text);
	return rc;
}

static int
txn_commit(struct txn *t, struct err *err)
{
	struct buf text = BUF_INIT;
	int rc;

	lockout_state_format(&t->s, &text);
	rc = cfs_write(t->config_dir, LOCKOUT_STATE_FILE, text.data, text.len,
	    0600, CFS_VOLATILE, err);
	buf_clear(&text);
	if (rc == 0)
		t->dirty = false;
	return rc;
}

static void
txn_end(struct txn *t)
{
	struct err err;

	if (t->dirty && t->lock != NULL && txn_commit(t, &err) < 0)
		warn("not rewritten", err.msg);
	cfs_unlock(t->lock);
	t->lock = NULL;
	lockout_state_clear(&t->s);
}

/*
 * Why the record refuses a new attempt at now, into reason; false if it
 * does not.
 */
static bool
refuses(const struct lockout_rec *r, enum lockout_kind k,
    const struct lockout_limit *l, time_t now, char *reason, size_t size)
{
	char until[32];

	if (r == NULL)
		return false;
	if (r->locked_until > now) {
		iso_time(r->locked_until, until);
		snprintf(reason, size, "%s '%s' is locked out until %s (too "
		    "many failed passwords)", lockout_kind_name(k), r->id,
		    until);
		return true;
	}
	if (r->ntimes < l->failures)
		return false;
	snprintf(reason, size, "too many password attempts for %s '%s' (%zu "
	    "in the last %u s)", lockout_kind_name(k), r->id, r->ntimes,
	    l->window);
	return true;
}

int
lockout_reserve(const char *config_dir, const struct lockout_opts *o,
    const char *userid, const char *client, time_t now,
    struct lockout_attempt *a, struct err *err)
{
	const char *ids[LOCKOUT_KINDS] = {NULL, NULL};
	char key[NETADDR_KEY_MAX], reason[LOCKOUT_ID_MAX + 160];
	struct event ev = {NULL};
	struct txn t;
	struct err werr;
	int k;

	memset(a, 0, sizeof(*a));
	a->at = now;
	if (client == NULL || *client == '\0')
		return 0;
	netaddr_client_key(client, key);
	if (lockout_trusted(o, client)) {
		/* root@pam's escape hatch; no address lock either */
		if (userid != NULL && strcmp(userid, "root@pam") == 0)
			userid = NULL;
	} else if (o->limit[LOCKOUT_ADDRESS].failures > 0) {
		ids[LOCKOUT_ADDRESS] = key;
	}
	if (userid != NULL && o->limit[LOCKOUT_USER].failures > 0 &&
	    strlen(userid) <= LOCKOUT_ID_MAX)
		ids[LOCKOUT_USER] = userid;
	if (ids[LOCKOUT_USER] == NULL && ids[LOCKOUT_ADDRESS] == NULL)
		return 0;
	if (txn_begin(config_dir, o, &now, &t, &werr) < 0) {
		warn("attempt not counted", werr.msg);
		txn_end(&t);
		return 0;
	}
	for (k = LOCKOUT_KINDS - 1; k >= 0; k--) {
		if (ids[k] == NULL || !refuses(lockout_state_find(&t.s,
		    (enum lockout_kind)k, ids[k]), (enum lockout_kind)k,
		    &o->limit[k], now, reason, sizeof(reason)))
			continue;
		txn_end(&t);
		ev.what = "refused";
		ev.kind = (enum lockout_kind)k;
		snprintf(ev.id, sizeof(ev.id), "%s", ids[k]);
		snprintf(ev.detail, sizeof(ev.detail), "password login%s%.*s%s "
		    "refused", userid != NULL ? " of '" : "", 100,
		    userid != NULL ? userid : "", userid != NULL ? "'" : "");
		event_emit(&ev, client, NULL);
		return err_set(err, ERR_AUTH, "%s", reason);
	}
	/* the reservation's time is the lock's: the release finds it */
	a->at = now;
	for (k = 0; k < LOCKOUT_KINDS; k++)
		if (ids[k] != NULL)
			lockout_rec_add(lockout_state_get(&t.s,
			    (enum lockout_kind)k, ids[k], now), now);
	if (txn_commit(&t, &werr) < 0) {
		warn("attempt not counted", werr.msg);
	} else {
		if (ids[LOCKOUT_USER] != NULL)
			a->user = xstrdup(ids[LOCKOUT_USER]);
		if (ids[LOCKOUT_ADDRESS] != NULL)
			memcpy(a->addr, key, sizeof(key));
	}
	txn_end(&t);
	return 0;
}

static const char *
attempt_id(const struct lockout_attempt *a, enum lockout_kind k)
{
	if (k == LOCKOUT_USER)
		return a->user;
	return a->addr[0] != '\0' ? a->addr : NULL;
}

void
lockout_release(const char *config_dir, const struct lockout_opts *o,
    struct lockout_attempt *a, time_t now)
{
	struct lockout_rec *r;
	struct txn t;
	struct err err;
	bool changed = false;
	int k;

	if (a->user == NULL && a->addr[0] == '\0')
		return;
	if (txn_begin(config_dir, o, &now, &t, &err) == 0) {
		for (k = 0; k < LOCKOUT_KINDS; k++) {
			const char *id = attempt_id(a, (enum lockout_kind)k);

			r = id != NULL ? lockout_state_find(&t.s,
			    (enum lockout_kind)k, id) : NULL;
			if (r == NULL || !lockout_rec_take(r, a->at))
				continue;
			changed = true;
			if (r->ntimes == 0 && r->locked_until == 0)
				lockout_state_drop(&t.s, (enum lockout_kind)k, r);
		}
		if (changed && txn_commit(&t, &err) < 0)
			warn("attempt not uncounted", err.msg);
	} else {
		warn("attempt not uncounted", err.msg);
	}
	txn_end(&t);
	lockout_attempt_clear(a);
}

void
lockout_fail(const char *config_dir, const struct lockout_opts *o,
    struct lockout_attempt *a, time_t now)
{
	struct event ev[LOCKOUT_KINDS];
	char until[32];
	struct lockout_rec *r;
	struct txn t;
	struct err err;
	bool changed = false;
	int k;

	memset(ev, 0, sizeof(ev));
	if (a->user == NULL && a->addr[0] == '\0')
		return;
	if (txn_begin(config_dir, o, &now, &t, &err) < 0) {
		warn("lock not checked", err.msg);
		txn_end(&t);
		lockout_attempt_clear(a);
		return;
	}
	for (k = 0; k < LOCKOUT_KINDS; k++) {
		const struct lockout_limit *l = &o->limit[k];
		const char *id = attempt_id(a, (enum lockout_kind)k);

		r = id != NULL ? lockout_state_find(&t.s,
		    (enum lockout_kind)k, id) : NULL;
		if (r == NULL || r->locked_until > now ||
		    r->ntimes < l->failures)
			continue;
		r->locked_until = now + (time_t)l->lock;
		changed = true;
		iso_time(r->locked_until, until);
		ev[k].what = "lock";
		ev[k].kind = (enum lockout_kind)k;
		snprintf(ev[k].id, sizeof(ev[k].id), "%s", id);
		snprintf(ev[k].detail, sizeof(ev[k].detail), "%zu failed "
		    "passwords within %u s: locked until %s", r->ntimes,
		    l->window, until);
	}
	if (changed && txn_commit(&t, &err) < 0) {
		warn("lock not saved", err.msg);
		memset(ev, 0, sizeof(ev));
	}
	txn_end(&t);
	/* the client of an attempt is its address key: good enough here */
	for (k = 0; k < LOCKOUT_KINDS; k++)
		event_emit(&ev[k], a->addr[0] != '\0' ? a->addr : NULL, NULL);
	lockout_attempt_clear(a);
}

void
lockout_attempt_clear(struct lockout_attempt *a)
{
	free(a->user);
	a->user = NULL;
	a->addr[0] = '\0';
}

int
lockout_read(const char *config_dir, const struct lockout_opts *o,
    time_t now, struct lockout_state *s, struct err *err)
{
	struct txn t;

	if (txn_begin(config_dir, o, &now, &t, err) < 0) {
		txn_end(&t);
		return -1;
	}
	if (t.dirty && txn_commit(&t, err) < 0)
		warn("not rewritten", err->msg);
	t.dirty = false;
	*s = t.s;
	lockout_state_init(&t.s);
	txn_end(&t);
	return 0;
}

int
lockout_unlock(const char *config_dir, const struct lockout_opts *o,
    enum lockout_kind k, const char *id, time_t now, const char *actor,
    const char *client, bool *found_r, struct err *err)
{
	char key[NETADDR_KEY_MAX];
	struct event ev = {NULL};
	struct lockout_rec *r;
	struct txn t;
	int rc = -1;

	*found_r = false;
	if (k == LOCKOUT_ADDRESS) {
		netaddr_client_key(id, key);
		id = key;
	}
	if (txn_begin(config_dir, o, &now, &t, err) < 0)
		goto out;
	r = lockout_state_find(&t.s, k, id);
	if (r != NULL) {
		snprintf(ev.detail, sizeof(ev.detail), "%zu failed passwords "
		    "forgotten%s", r->ntimes, r->locked_until > now ?
		    ", lock lifted" : "");
		lockout_state_drop(&t.s, k, r);
		if (txn_commit(&t, err) < 0)
			goto out;
		*found_r = true;
	}
	ev.what = "unlock";
	ev.kind = k;
	snprintf(ev.id, sizeof(ev.id), "%s", id);
	rc = 0;
out:
	txn_end(&t);
	if (rc == 0)
		event_emit(&ev, client, actor);
	return rc;
}
