/*
 * What the TFA management handlers share (spec 8.5, 10.6, 10.7): the
 * re-authentication Proxmox asks before a change of someone's factors,
 * the realm's `tfa` option, one transaction over tfa.cfg and the `keys`
 * marker in user.cfg, and the pieces the user handlers take from here
 * (lock flags in listings, a removed user's TFA data).
 */
#ifndef RG_API_TFA_INT_H
#define RG_API_TFA_INT_H

#include "api_int.h"
#include "store.h"
#include "tfa/legacy.h"
#include "tfa/tfacfg.h"

/*
 * Proxmox's reauth_user_for_user_modification: userid must exist ("no
 * such user ('<userid>')"); only root@pam changes root@pam's factors
 * (403); any other caller gives its own password in the parameter
 * `password` ("password is required to modify user", a parameter error),
 * checked against the caller's own realm, no second factor asked.  A
 * wrong password is a plain error (HTTP 500, as in Proxmox, whose web UI
 * would log the user out on a 401), "authentication failure".
 */
int api_tfa_reauth(struct api_call *c, const char *userid, struct err *err)
    RG_WARN_UNUSED;

/*
 * The parsed `tfa` option of userid's realm; "auth domain '<realm>' does
 * not exist".  Clear rt with tfa_realm_clear (also after a failure).
 */
int api_tfa_realm(struct api_env *env, const char *userid,
    struct tfa_realm *rt, struct err *err) RG_WARN_UNUSED;

/*
 * A change of tfa.cfg that may also change user.cfg (the `keys` marker),
 * in the lock order tfa.cfg, user.cfg.  tfa.cfg is written first; should
 * user.cfg then fail, tfa.cfg is put back as it was, so a refused change
 * writes nothing.
 */
struct tfa_tx {
	struct store_tfa tfa;
	struct store_side undo;	/* tfa.cfg's bytes at begin */
	struct store_tx user;	/* user.cfg, after tfa_tx_user */
	bool has_user;
	bool user_changed;	/* write user.cfg too */
};

/* Lock and read tfa.cfg. */
int tfa_tx_begin(struct api_env *env, struct tfa_tx *tx, struct err *err)
    RG_WARN_UNUSED;
/* Lock and read user.cfg as well (once). */
int tfa_tx_user(struct api_env *env, struct tfa_tx *tx, struct err *err)
    RG_WARN_UNUSED;
/*
 * Set userid's `keys` field to keys (NULL clears it) if it differs; a
 * user missing from user.cfg is left alone.  Needs tfa_tx_user.
 */
void tfa_tx_set_keys(struct tfa_tx *tx, const char *userid,
    const char *keys);
/* Write tfa.cfg, then user.cfg if it changed. */
int tfa_tx_commit(struct api_env *env, struct tfa_tx *tx, struct err *err)
    RG_WARN_UNUSED;
/* Release both locks; safe after a failed begin. */
void tfa_tx_end(struct tfa_tx *tx);

/*
 * Import userid's legacy `keys` (if they are not the marker) into tx's
 * tfa.cfg as the realm says, and mark the field `x` (spec 10.6): what
 * adding any factor does.  Needs tfa_tx_user; "no such user ('<id>')".
 */
int api_tfa_mark_user(struct api_env *env, struct tfa_tx *tx,
    const char *userid, struct err *err) RG_WARN_UNUSED;

/*
 * POST /access/tfa/{userid}, one entry per type (api_tfa_add.c): a new
 * factor type plugs in here.  check runs before any lock (Proxmox asks
 * the Yubico server there); add runs with tfa.cfg locked, the user marked
 * (api_tfa_mark_user), and changes tfa only: its result is the answer
 * ({id, challenge?, recovery?}).  Parameters not given are NULL.
 */
struct tfa_add_req {
	struct api_env *env;
	const char *userid;
	const char *description, *totp, *value, *challenge;
};

struct tfa_adder {
	const char *type;	/* the `type` parameter */
	int (*check)(const struct tfa_add_req *r, struct err *err);
	int (*add)(const struct tfa_add_req *r, struct tfacfg *tfa,
	    json_t **result_r, struct err *err);
};

/* The adder of a type, NULL for none (the schema's enum prevents it). */
const struct tfa_adder *api_tfa_adder(const char *type);

/*
 * The lock flags of a listing (GET /access/users, GET /access/tfa):
 * `totp-locked` when set, `tfa-locked-until` while in the future.
 */
void api_tfa_lock_fields(const struct tfacfg *tfa, const char *userid,
    time_t now, json_t *o);

/* {userid, entries, totp-locked?, tfa-locked-until?} of GET /access/tfa. */
json_t *api_tfa_user_json(const struct tfacfg *tfa, const char *userid,
    time_t now);
/* The user's entries as GET /access/tfa/{userid} lists them. */
json_t *api_tfa_entries_json(const struct tfacfg *tfa, const char *userid);

/*
 * A user was removed (user.cfg written): drop its TFA data from t (held
 * since before the user.cfg lock) and its failure counters.  A failure
 * leaves an orphan (store_orphan_left): the removal has happened.
 */
void api_tfa_forget_user(struct api_env *env, struct store_tfa *t,
    const char *userid);

#endif
