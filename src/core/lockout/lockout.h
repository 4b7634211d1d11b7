/*
 * Protection of the first factor against password guessing, beyond what
 * Proxmox does (it leaves that to fail2ban): failed passwords are counted
 * per user and per client address in a node-local state file that every
 * authd worker shares, and too many within a window lock the user's
 * password logins, or the address, for a while.
 *
 * An attempt is counted before its password is checked (a reservation),
 * under the state file's lock, and uncounted when the password was right
 * or the realm could not tell (server down): however many guesses run at
 * once, at most `failures` passwords of one user are checked per window.
 * The counts are a sliding window of the attempts' times.
 *
 * root@pam's per-user lock does not apply to trusted addresses (default:
 * loopback), and trusted addresses are never counted or locked, so that
 * strangers cannot lock the console out.  Callers without an address
 * (the CLI) are never counted or locked.
 *
 * Settings: realmgate/lockout.cfg ("key: value" lines, written
 * atomically); state: local/lockout.state, rewritten atomically under an
 * flock of local/lockout.lck, root's alone (0600).  A state file that
 * cannot be read or parsed is warned about and started afresh; a state
 * that cannot be written lets the login go on (counting must never lock
 * everyone out).
 */
#ifndef RG_LOCKOUT_H
#define RG_LOCKOUT_H

#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "err.h"
#include "netaddr.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define LOCKOUT_CFG_FILE   "realmgate/lockout.cfg"
#define LOCKOUT_STATE_FILE "local/lockout.state"
#define LOCKOUT_LOCK_FILE  "local/lockout.lck"

/*
 * Bounds.  The state keeps at most LOCKOUT_MAX_RECORDS records of each
 * kind; a new one beyond that replaces the unlocked record with the
 * fewest attempts (the oldest of those), or, when all are locked, the one
 * whose lock ends first.  A record holds at most `failures` times, so the
 * file stays under about 2 * 2048 * (80 + 11 * failures) bytes.
 */
#define LOCKOUT_MAX_RECORDS  2048
#define LOCKOUT_FAILURES_MAX 1000	  /* 0 turns a kind of lock off */
#define LOCKOUT_TIME_MAX     (7 * 86400) /* window and lock, seconds */
#define LOCKOUT_CLOCK_SKEW   60	/* seconds another node's clock may lead */
#define LOCKOUT_TRUSTED_MAX  64
#define LOCKOUT_ID_MAX	     256	  /* longer ids are never stored */

enum lockout_kind { LOCKOUT_USER, LOCKOUT_ADDRESS, LOCKOUT_KINDS };

/* "user" or "address". */
const char *lockout_kind_name(enum lockout_kind k);

struct lockout_limit {
	unsigned failures;	/* this many within window lock */
	unsigned window;	/* seconds */
	unsigned lock;		/* seconds */
};

struct lockout_opts {
	struct lockout_limit limit[LOCKOUT_KINDS];
	struct netaddr_cidr trusted[LOCKOUT_TRUSTED_MAX];
	size_t ntrusted;
};

/*
 * The option names, in the order files and listings show them:
 * user-failures, user-window, user-lock, address-failures,
 * address-window, address-lock, trusted.  NULL-terminated.
 */
extern const char *const lockout_opt_names[];

/* 5 / 900 / 900 for users, 50 / 900 / 900 for addresses, loopback. */
void lockout_opts_default(struct lockout_opts *o);

/*
 * Set one option from its text (numbers in decimal, trusted as a list of
 * CIDR blocks or addresses separated by commas, spaces or semicolons).
 * ERR_INVALID with the reason when the name or the value is not valid;
 * o is then unchanged.
 */
int lockout_opts_set(struct lockout_opts *o, const char *name,
    const char *value, struct err *err) RG_WARN_UNUSED;

/* The option's value as text (out is reset first). */
void lockout_opts_get(const struct lockout_opts *o, const char *name,
    struct buf *out);

/*
 * Parse the settings file: defaults, then each "name: value" line.
 * Comments (#) and blank lines are skipped; a line that is not valid is
 * warned about (diag, may be NULL) and skipped, its option keeping the
 * default.
 */
void lockout_opts_parse(const char *text, size_t len, struct lockout_opts *o,
    struct diag *warn);
void lockout_opts_format(const struct lockout_opts *o, struct buf *out);

/* Load config_dir's file (missing: defaults; unreadable: warned, too). */
void lockout_opts_load(const char *config_dir, struct lockout_opts *o,
    struct diag *warn);
/* Write it atomically; the caller holds the file's config lock. */
int lockout_opts_save(const char *config_dir, const struct lockout_opts *o,
    struct err *err) RG_WARN_UNUSED;

/* Whether client (an address in text) is on the trusted list. */
bool lockout_trusted(const struct lockout_opts *o, const char *client);

/* One record of the state: a user id or an address key. */
struct lockout_rec {
	char *id;
	time_t locked_until;	/* 0: not locked */
	time_t *times;		/* attempts in the window, oldest first */
	size_t ntimes, cap;
};

struct lockout_state {
	struct lockout_rec *recs[LOCKOUT_KINDS];
	size_t n[LOCKOUT_KINDS], cap[LOCKOUT_KINDS];
};

void lockout_state_init(struct lockout_state *s);
void lockout_state_clear(struct lockout_state *s);

/*
 * Parse the state file's text.  Lines that are not valid (and records
 * beyond the bounds) are skipped with a warning; a file that is not a
 * state file at all is one warning and an empty state.  Times more than
 * LOCKOUT_CLOCK_SKEW in the future (a clock set back) become now; locks
 * longer than LOCKOUT_TIME_MAX end then.
 */
void lockout_state_parse(struct lockout_state *s, const char *text,
    size_t len, time_t now, struct diag *warn);
void lockout_state_format(const struct lockout_state *s, struct buf *out);

/*
 * Forget what the options say is over at now: attempts older than their
 * window, records whose lock ended (with their attempts: a fresh start),
 * records left empty.
 */
void lockout_state_prune(struct lockout_state *s, const struct lockout_opts *o,
    time_t now);

/* The record of kind k and id, or NULL. */
struct lockout_rec *lockout_state_find(struct lockout_state *s,
    enum lockout_kind k, const char *id);

/* What a reservation counted, for its release or its failure. */
struct lockout_attempt {
	char *user;			/* counted against, or NULL */
	char addr[NETADDR_KEY_MAX];	/* counted against, or "" */
	time_t at;
};

/*
 * Before a password check: refuse (-1, ERR_AUTH with the reason for the
 * log, "user 'alice@pve' is locked out until ...") when the user or the
 * client's address is locked or has as many attempts in its window as
 * its limit allows; otherwise count the attempt (0).  userid NULL counts
 * the address only (a user that does not exist).  Nothing is counted or
 * refused without a client.  If the state cannot be locked or written,
 * the attempt goes on uncounted, with a warning on stderr.
 */
int lockout_reserve(const char *config_dir, const struct lockout_opts *o,
    const char *userid, const char *client, time_t now,
    struct lockout_attempt *a, struct err *err) RG_WARN_UNUSED;

/* The password was right (or not checked): uncount the attempt. */
void lockout_release(const char *config_dir, const struct lockout_opts *o,
    struct lockout_attempt *a, time_t now);

/*
 * The password was wrong: the attempt stays counted, and a user or an
 * address that reached its limit is locked for its lock time.
 */
void lockout_fail(const char *config_dir, const struct lockout_opts *o,
    struct lockout_attempt *a, time_t now);

/* Free what a holds (after release or fail; safe to call twice). */
void lockout_attempt_clear(struct lockout_attempt *a);

/* The current state, pruned at now (for listings). */
int lockout_read(const char *config_dir, const struct lockout_opts *o,
    time_t now, struct lockout_state *s, struct err *err) RG_WARN_UNUSED;

/*
 * Drop the record of a user or an address (its key: an IPv6 address by
 * its /64) with its lock and its attempts; *found_r tells whether there
 * was one.  actor and client are for the audit event.
 */
int lockout_unlock(const char *config_dir, const struct lockout_opts *o,
    enum lockout_kind k, const char *id, time_t now, const char *actor,
    const char *client, bool *found_r, struct err *err) RG_WARN_UNUSED;

/*
 * Where lock, unlock and refusal events go: the daemon and the CLI point
 * it at the audit log.  event: "lock", "unlock" or "refused"; actor: who
 * unlocked (NULL otherwise); detail: free text, never a secret.
 */
typedef void lockout_audit_fn(const char *event, const char *kind,
    const char *id, const char *client, const char *actor,
    const char *detail);
void lockout_set_audit(lockout_audit_fn *fn);

/* The lockout code's now: testpoint_clock(time(NULL)). */
time_t lockout_now(void);

#endif
