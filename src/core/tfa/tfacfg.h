/*
 * priv/tfa.cfg (spec 1.7): every user's second factors, read and written
 * as Proxmox 8/9 does (one compact JSON document; the legacy version-1
 * line format is read and converted).
 *
 * The document is held as a JSON tree, so that what realmgate does not use
 * survives a read-modify-write byte for byte: U2F and WebAuthn entries,
 * unknown entry types, unknown fields.  Proxmox refuses such a file; we
 * keep the parts we cannot read and never use them.  A user whose data
 * holds such a part is "unusable" (tfacfg_user_unusable): the login must
 * then fail closed if the user has no usable factor, never fall back to
 * the password alone.  Ids that are not valid user ids are kept, unused,
 * with a warning (Proxmox drops them).
 *
 * Borrowed strings (ids, descriptions) stay valid until the next change
 * of the same cfg.
 */
#ifndef RG_TFA_TFACFG_H
#define RG_TFA_TFACFG_H

#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "err.h"
#include "recovery.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TFACFG_FILE   "priv/tfa.cfg"
#define TFACFG_LOCKID "file-priv_tfa_cfg"
#define TFA_ID_MAX    64	/* longest entry id realmgate accepts */

struct totp;
struct tfacfg;

enum tfa_type {
	TFA_TOTP,
	TFA_U2F,
	TFA_WEBAUTHN,
	TFA_RECOVERY,
	TFA_YUBICO,
};

/* "totp", "u2f", "webauthn", "recovery", "yubico" */
const char *tfa_type_name(enum tfa_type t);

/* What the API lists of an entry: borrowed from the cfg. */
struct tfa_info {
	enum tfa_type type;
	const char *id;
	const char *description;	/* "" when absent */
	int64_t created;
	bool enable;
};

/* {type, id, description?, created, enable?} as Proxmox lists it. */
json_t *tfa_info_json(const struct tfa_info *info);

struct tfacfg *tfacfg_new(void);
void tfacfg_free(struct tfacfg *cfg);

/*
 * Read a tfa.cfg (empty text: empty config).  JSON first; if that fails,
 * the version-1 line format; if both fail, "failed to parse TFA file,
 * neither old style nor valid json" (ERR_INVALID; nothing is usable, so
 * logins of TFA users must fail).  On load, as Proxmox does: a
 * `tfa-locked-until` before now is dropped, TOTP URIs are re-written in
 * their canonical form, the top-level u2f/webauthn server settings (a
 * file from PBS) are dropped.  Warnings (invalid user ids, parts that
 * cannot be used) go to d (may be NULL).
 */
int tfacfg_parse(const char *text, size_t len, time_t now, const char *file,
    struct diag *d, struct tfacfg **cfg_r, struct err *err) RG_WARN_UNUSED;

/*
 * Proxmox's bytes: `{}` or `{"users":{...}}`, no trailing newline; per
 * user totp, u2f, webauthn, recovery, yubico, totp-locked,
 * tfa-locked-until (empty lists, false and null omitted); per entry id,
 * description (omitted if empty), created, enable (omitted when true),
 * entry.  Members realmgate does not know follow the known ones in their
 * original order; values it cannot read are written back unchanged.
 */
void tfacfg_write(const struct tfacfg *cfg, struct buf *out);

/* <config_dir>/priv/tfa.cfg; missing: empty.  No lock (see store.h). */
int tfacfg_load(const char *config_dir, time_t now, struct diag *d,
    struct tfacfg **cfg_r, struct err *err) RG_WARN_UNUSED;
/* Atomic write, 0600, priv/ created 0700.  Hold file-priv_tfa_cfg. */
int tfacfg_save(const char *config_dir, const struct tfacfg *cfg,
    struct err *err) RG_WARN_UNUSED;

/* ---- users ---- */

/* Whether userid (a valid id) has an entry in the file, usable or not. */
bool tfacfg_has_user(const struct tfacfg *cfg, const char *userid);
/* The valid user ids with TFA data, in file order (borrowed strings). */
size_t tfacfg_users(const struct tfacfg *cfg, const char ***ids_r);
/* The user's data holds parts realmgate cannot read or use (see top). */
bool tfacfg_user_unusable(const struct tfacfg *cfg, const char *userid);
/* Remove the user's data; false if there was none. */
bool tfacfg_delete_user(struct tfacfg *cfg, const char *userid);

/* ---- entries ---- */

/*
 * The user's readable entries as Proxmox lists them: the recovery set
 * first (id "recovery"), then totp, webauthn, u2f, yubico.  Returns the
 * count; *infos_r is the caller's (free), NULL when there are none.
 */
size_t tfacfg_list(const struct tfacfg *cfg, const char *userid,
    struct tfa_info **infos_r);
/*
 * One entry by id, searched as Proxmox does: totp, webauthn, u2f, yubico,
 * then "recovery" for the recovery set.  False if there is none.
 */
bool tfacfg_find(const struct tfacfg *cfg, const char *userid,
    const char *id, struct tfa_info *info_r);
/* Whether the user has an enabled, readable entry of type t. */
bool tfacfg_has_enabled(const struct tfacfg *cfg, const char *userid,
    enum tfa_type t);
/*
 * The `entry` value of the n-th enabled entry of type t (WebAuthn
 * credentials, U2F registrations, Yubico ids): borrowed, NULL past the
 * end.  Its id goes to *id_r if id_r is not NULL.
 */
const json_t *tfacfg_enabled_entry(const struct tfacfg *cfg,
    const char *userid, enum tfa_type t, size_t n, const char **id_r);

#define TFA_ENTRIES_MAX 64	/* entries of one type a login looks at */
/*
 * The `entry` values of the first max enabled entries of type t, in
 * order, into out (borrowed); returns how many.
 */
size_t tfacfg_enabled_entries(const struct tfacfg *cfg, const char *userid,
    enum tfa_type t, const json_t **out, size_t max);

/*
 * New entries get a random UUID v4 id (written to id_out) and created =
 * now, as Proxmox's TfaEntry::new.  userid must be a valid user id and
 * description a string without NUL (may be "").
 */
int tfacfg_add_totp(struct tfacfg *cfg, const char *userid,
    const char *description, const struct totp *t, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err) RG_WARN_UNUSED;
/* key: the 12-character public id of the Yubikey (not checked here). */
int tfacfg_add_yubico(struct tfacfg *cfg, const char *userid,
    const char *description, const char *key, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err) RG_WARN_UNUSED;
/* entry: the webauthn-rs credential, stored as given (copied). */
int tfacfg_add_webauthn(struct tfacfg *cfg, const char *userid,
    const char *description, const json_t *entry, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err) RG_WARN_UNUSED;

/*
 * Change an entry's description (NULL: keep) and enable flag (< 0: keep;
 * 0 or 1).  The recovery set cannot be changed.  "no such entry".
 */
int tfacfg_update(struct tfacfg *cfg, const char *userid, const char *id,
    const char *description, int enable, struct err *err) RG_WARN_UNUSED;
/*
 * Delete one entry ("recovery": the recovery set).  A user left without
 * any entry (and nothing realmgate does not know) is removed; *left_r
 * says whether the user still has entries.  "no such entry".
 */
int tfacfg_delete(struct tfacfg *cfg, const char *userid, const char *id,
    bool *left_r, struct err *err) RG_WARN_UNUSED;

/* ---- recovery codes ---- */

/*
 * A new set of ten codes, copied to codes (secret: the caller wipes
 * them).  "user already has recovery keys" unless replace.
 */
int tfacfg_add_recovery(struct tfacfg *cfg, const char *userid, bool replace,
    time_t now, char codes[RECOVERY_COUNT][RECOVERY_CODE_LEN + 1],
    struct err *err) RG_WARN_UNUSED;
/*
 * The indices of the unused codes, ascending, into idx[max]; returns how
 * many, or -1 if the user has no (readable) recovery set.
 */
int tfacfg_recovery_unused(const struct tfacfg *cfg, const char *userid,
    unsigned *idx, size_t max);
/*
 * Use a recovery code: on a match the slot becomes null and, as Proxmox
 * does on a successful recovery login, totp-locked and tfa-locked-until
 * are cleared.  Returns the slot, or -1 (no set, or no unused slot
 * matches).  The caller saves the cfg before it lets the login on.
 */
int tfacfg_recovery_use(struct tfacfg *cfg, const char *userid,
    const char *code);

/* ---- TOTP ---- */

enum tfa_totp_result {
	TFA_TOTP_OK,		/* matched; last-count updated, save the cfg */
	TFA_TOTP_FAILED,	/* "totp verification failed" */
	TFA_TOTP_REUSED,	/* "rejecting reused TOTP value" */
};

/*
 * Proxmox's verify_totp: the user's enabled, readable TOTP entries in
 * order; the first whose window (previous, current, next period) holds
 * code decides: a counter not above the entry's last-count is a reuse,
 * otherwise last-count becomes the counter.  Neither totp-locked nor the
 * failure counters are looked at here (the caller's job).
 */
enum tfa_totp_result tfacfg_totp_verify(struct tfacfg *cfg,
    const char *userid, const char *code, time_t now);
/* Set a TOTP entry's last-count: entry becomes {"totp":uri,"last-count":n}. */
int tfacfg_set_last_count(struct tfacfg *cfg, const char *userid,
    const char *id, int64_t count, struct err *err) RG_WARN_UNUSED;
/* The entry's last-count; INT64_MIN when none is stored. */
int64_t tfacfg_last_count(const struct tfacfg *cfg, const char *userid,
    const char *id);

/* ---- lock flags ---- */

bool tfacfg_totp_locked(const struct tfacfg *cfg, const char *userid);
/* 0 when not set. */
int64_t tfacfg_locked_until(const struct tfacfg *cfg, const char *userid);
/* Both need the user to have data (ERR_NOT_FOUND "no such user"). */
int tfacfg_set_totp_locked(struct tfacfg *cfg, const char *userid, bool on,
    struct err *err) RG_WARN_UNUSED;
/* until 0 clears the flag. */
int tfacfg_set_locked_until(struct tfacfg *cfg, const char *userid,
    int64_t until, struct err *err) RG_WARN_UNUSED;
/*
 * The admin unlock: clear both flags; *was_locked_r says whether either
 * was in force at now.  "no such user" if the user has no TFA data.
 */
int tfacfg_unlock(struct tfacfg *cfg, const char *userid, time_t now,
    bool *was_locked_r, struct err *err) RG_WARN_UNUSED;

#endif
