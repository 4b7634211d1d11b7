/*
 * What realmgate knows about an OpenID provider: its discovery document
 * and its signing keys, cached per process.  Discovery is fetched again
 * after OIDC_DISCOVERY_TTL or when a login through it failed; the JWKS is
 * fetched again whenever a token names a key it does not hold (key
 * rotation at the provider) or its key does not verify the token (a kid
 * reused for a new key, a broken set), at most every OIDC_JWKS_MIN_AGE
 * seconds.
 */
#ifndef RG_OIDC_PROVIDER_H
#define RG_OIDC_PROVIDER_H

#include "err.h"

#include <jansson.h>
#include <stdbool.h>

#define OIDC_DISCOVERY_TTL 300
#define OIDC_JWKS_MIN_AGE  10

/*
 * The discovery document of issuer (a new reference).  It must name the
 * same issuer and the authorization, token and JWKS endpoints.  timeout_s
 * bounds each HTTP call (oidc_http.h).
 */
int oidc_discover(const char *issuer, unsigned timeout_s, json_t **doc_r,
    struct err *err) RG_WARN_UNUSED;

/* Forget what is cached about issuer (after a failed login). */
void oidc_forget(const char *issuer);

/*
 * The JWKS of the provider (a new reference).  With want_kid set and not
 * in the cached set, or with again (the cached keys did not verify a
 * token), fetch the keys again - unless fetched in the last
 * OIDC_JWKS_MIN_AGE seconds.
 */
int oidc_jwks(const char *issuer, const json_t *doc, const char *want_kid,
    bool again, unsigned timeout_s, json_t **jwks_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * The checks of a discovery document (fetched from url, parsed by
 * oidc_http_parse_json) for issuer: it names the same issuer (trailing
 * slashes aside) and the authorization, token and JWKS endpoints.  -1
 * with ERR_INVALID "OpenID discovery failed: ..." otherwise.
 */
int oidc_doc_check(const char *issuer, const char *url, const json_t *doc,
    struct err *err) RG_WARN_UNUSED;

/* A JWKS (fetched from url) must hold a "keys" array; ERR_INVALID if not. */
int oidc_jwks_check(const char *url, const json_t *jwks, struct err *err)
    RG_WARN_UNUSED;

/* Does the JWKS hold a key with this kid? */
bool oidc_jwks_has_kid(const json_t *jwks, const char *kid);

/* A string member of the discovery document, or NULL. */
const char *oidc_doc_str(const json_t *doc, const char *key);

#endif
