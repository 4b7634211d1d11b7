/*
 * Internals shared by the tfacfg*.c files: the tree and the rules that
 * say which parts of it realmgate can read.
 */
#ifndef RG_TFA_TFACFG_INT_H
#define RG_TFA_TFACFG_INT_H

#include "tfacfg.h"

struct tfacfg {
	json_t *root;	/* an object whose "users" member is an object */
};

/* The per-user lists of entries, in tfa.cfg's (and Proxmox's) order. */
struct tfa_list_kind {
	const char *key;
	enum tfa_type type;
};
extern const struct tfa_list_kind tfa_lists[4];	/* totp u2f webauthn yubico */

/* Members of a user object that realmgate knows, in write order. */
extern const char *const tfa_user_keys[7];

json_t *tfacfg_users_obj(const struct tfacfg *cfg);
/* The user's object (valid user id, object value), or NULL. */
json_t *tfacfg_user(const struct tfacfg *cfg, const char *userid);
/* The user's object, created empty if missing.  NULL for an invalid id. */
json_t *tfacfg_user_make(struct tfacfg *cfg, const char *userid,
    struct err *err);

/* A JSON string without NUL: its value, else NULL. */
const char *tfa_json_str(const json_t *v);
/* Read an entry's common fields; false unless it is a readable entry. */
bool tfa_entry_read(const json_t *e, enum tfa_type t, struct tfa_info *info);
/* The TOTP URI of a TOTP entry's `entry` value (string or object form). */
const char *tfa_totp_uri_of(const json_t *value);
/* Whether a recovery member is a readable set. */
bool tfa_recovery_ok(const json_t *r);
/* Whether the user object holds anything unreadable (see tfacfg.h). */
bool tfa_user_unusable(const json_t *u);
/* The entries left: lists non-empty, a recovery set, unknown members. */
bool tfa_user_has_entries(const json_t *u);

/* A new entry object: id (new UUID), description, created, entry. */
json_t *tfa_entry_new(const char *description, json_t *value, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err);
/* Append entry to the user's list of type t (creating the user). */
int tfa_entry_append(struct tfacfg *cfg, const char *userid,
    enum tfa_type t, json_t *entry, struct err *err) RG_WARN_UNUSED;

/* Canonical URIs for the TOTP entries of u (load and legacy import). */
void tfa_user_canonical_totp(json_t *u);

/* The version-1 line format into a fresh cfg (tfacfg_v1.c). */
int tfacfg_parse_v1(const char *text, size_t len, struct tfacfg **cfg_r,
    struct err *err) RG_WARN_UNUSED;

#endif
