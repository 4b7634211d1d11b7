/*
 * Pending OpenID logins (spec 1.9): what auth-url created and login must
 * find again - CSRF token (the `state`), nonce and PKCE verifier - kept
 * per realm in a node-local file that every authd worker shares, under an
 * exclusive lock.  An entry lives 10 minutes and is used once; a realm
 * holds at most 100, so a flood of auth-url calls cannot grow it, and one
 * client address (an IPv6 address by its /64) at most 10, so that a flood
 * from one address cannot fill it.  A full realm makes room for an address
 * by dropping the oldest entry of the address that holds the most, if
 * that is more than the new one's address holds.
 */
#ifndef RG_OIDC_STATE_H
#define RG_OIDC_STATE_H

#include "err.h"

#include <time.h>

#define OIDC_STATE_TTL	   600
#define OIDC_STATE_MAX	   100
#define OIDC_STATE_PER_CLIENT 10
#define OIDC_TOKEN_CHARS   43	/* 32 random bytes, base64url */

struct oidc_pending {
	char csrf[OIDC_TOKEN_CHARS + 1];
	char nonce[OIDC_TOKEN_CHARS + 1];
	char verifier[OIDC_TOKEN_CHARS + 1];
	time_t ctime;
};

/* Fill p with fresh random values (ctime = now). */
int oidc_pending_new(struct oidc_pending *p, time_t now, struct err *err)
    RG_WARN_UNUSED;

/* Add p to the realm's pending logins, for client (an address, or NULL). */
int oidc_state_add(const char *config_dir, const char *realm,
    const struct oidc_pending *p, const char *client, time_t now,
    struct err *err) RG_WARN_UNUSED;

/*
 * Find and remove the entry with this CSRF token.  "no openid auth state
 * found (possible timeout)" when it is missing, expired or used.
 */
int oidc_state_take(const char *config_dir, const char *realm,
    const char *csrf, time_t now, struct oidc_pending *p, struct err *err)
    RG_WARN_UNUSED;

/* The S256 PKCE challenge of a verifier (base64url of its SHA-256). */
void oidc_pkce_challenge(const char *verifier, char out[OIDC_TOKEN_CHARS + 1]);

#endif
