/*
 * Proxmox's second-factor failure counters (spec 10.4), per user and
 * node-local as in Proxmox (which keeps them in /run/pve-private/
 * tfa-challenges/<userid>): `tfa_failures` counts every failed second
 * factor, `totp_failures` failed or replayed TOTP codes.  Here they live
 * in <config>/local/tfa-failures.json, rewritten atomically under an
 * flock.  The callers turn the limits into tfa.cfg's lock flags:
 * totp_failures >= 8 sets totp-locked, tfa_failures >= 100 sets
 * tfa-locked-until = now + 3600.  As in Proxmox the counters are not
 * reset when a limit is reached, only by a success or an admin unlock.
 */
#ifndef RG_TFA_FAILURES_H
#define RG_TFA_FAILURES_H

#include "compiler.h"
#include "err.h"

#include <stdbool.h>

#define TFA_FAILURES_FILE      "local/tfa-failures.json"
#define TFA_TOTP_FAILURE_LIMIT 8
#define TFA_FAILURE_LIMIT      100
#define TFA_FAILURE_LOCK_TIME  3600	/* seconds */

struct tfa_failures {
	unsigned tfa;		/* tfa_failures */
	unsigned totp;		/* totp_failures */
	bool totp_limit;	/* a TOTP failure, and totp >= 8 */
	bool tfa_limit;		/* tfa >= 100 */
};

/*
 * A failed second factor: tfa_failures + 1, and totp_failures + 1 when
 * it was a TOTP code (wrong or reused).  *f gets the counts and whether
 * each limit is reached.
 */
int tfa_failures_record(const char *config_dir, const char *userid,
    bool totp, struct tfa_failures *f, struct err *err) RG_WARN_UNUSED;
/*
 * A second factor succeeded: tfa_failures = 0; totp_failures = 0 too for
 * a TOTP code or a recovery code (which also lifts totp-locked).
 */
int tfa_failures_success(const char *config_dir, const char *userid,
    bool reset_totp, struct err *err) RG_WARN_UNUSED;
/* The admin unlock (and user deletion): both counters to 0. */
int tfa_failures_reset(const char *config_dir, const char *userid,
    struct err *err) RG_WARN_UNUSED;
/* The current counts (limits not set). */
int tfa_failures_get(const char *config_dir, const char *userid,
    struct tfa_failures *f, struct err *err) RG_WARN_UNUSED;

#endif
