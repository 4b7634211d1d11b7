/*
 * Verifying an ID token (OpenID Connect Core 3.1.3.7) in full before any
 * claim in it is believed: the signature against the provider's published
 * keys (found by kid, fetched again on rotation), an algorithm from an
 * allow-list of public-key algorithms only (`none` and every HMAC are
 * refused, so the provider's public key can never serve as a shared
 * secret), the issuer, the audience (our client id, plus only the extra
 * audiences the realm trusts; azp when there are several), expiry,
 * issue time and the nonce of this login.
 */
#ifndef RG_OIDC_IDTOKEN_H
#define RG_OIDC_IDTOKEN_H

#include "err.h"

#include <jansson.h>
#include <time.h>

#define OIDC_CLOCK_SKEW 60	/* seconds of clock difference tolerated */

struct oidc_expect {
	const char *issuer;	/* the discovery document's issuer */
	const char *client_id;
	const char *audiences;	/* the realm's extra audiences, or NULL */
	const char *nonce;
	time_t now;
};

/*
 * Verify token.  On success *claims_r is the payload (a new reference).
 * Each refusal has its own message (for the log, never the client).
 * timeout_s bounds fetching the provider's keys (oidc_jwks).
 */
int oidc_idtoken_verify(const char *token, const char *issuer_cfg,
    const json_t *doc, const struct oidc_expect *e, unsigned timeout_s,
    json_t **claims_r, struct err *err) RG_WARN_UNUSED;

/* The same against a given key set (no network; fuzzing, tests). */
int oidc_idtoken_check(const char *token, const json_t *jwks,
    const struct oidc_expect *e, json_t **claims_r, struct err *err)
    RG_WARN_UNUSED;

#endif
