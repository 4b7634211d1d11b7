/*
 * The pve realm's password functions on their own, for callers that hold
 * the shadow.cfg lock and a parsed shadow object (API, CLI): hashing a new
 * password, applying it, and checking a password against a stored hash.
 * The realm_ops entry points in realm_ops_pve read and write the file.
 */
#ifndef RG_REALM_PVE_H
#define RG_REALM_PVE_H

#include "compiler.h"
#include "err.h"
#include "realm.h"

struct shadow_cfg;

/*
 * A new crypt hash of password: yescrypt ("$y$", libxcrypt's default cost)
 * with a salt from getrandom.  *hash_r is owned by the caller (free with
 * secret_free_str).  Fails only on an empty password or a crypt failure.
 */
int realm_pve_hash_password(const char *password, char **hash_r,
    struct err *err) RG_WARN_UNUSED;

/* Hash password and store it as user's entry in s (added or replaced). */
int realm_pve_shadow_set_password(struct shadow_cfg *s, const char *user,
    const char *password, struct err *err) RG_WARN_UNUSED;

/*
 * Check password against the crypt hash stored, any scheme libxcrypt
 * knows ($5$ as Proxmox writes, $6$, $1$, $y$, $2b$...), comparing in
 * constant time.  REALM_DENIED with "invalid credentials" on a mismatch,
 * with a distinct reason for an empty password or an unusable hash.
 */
enum realm_result realm_pve_verify(const char *stored, const char *password,
    struct err *err);

/*
 * realm_pve_verify against user's entry; "no password set" if none (after
 * the same work, see realm_pve_equal_work).
 */
enum realm_result realm_pve_check(const struct shadow_cfg *s, const char *user,
    const char *password, struct err *err);

/*
 * The work of checking password against a hash of realmgate's scheme and
 * cost, with nothing to compare: a login refused before any hash was
 * checked (no such user, disabled, no password set...) costs what a wrong
 * password costs, so its time does not tell which users exist.
 */
void realm_pve_equal_work(const char *password);

#endif
