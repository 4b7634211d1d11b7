/*
 * The pure parsing of a request's credentials (no keys, no user.cfg, no
 * I/O), split out of front_auth.c so that the fuzz target
 * tests/fuzz/fuzz-http-auth.c runs exactly the code the front runs on
 * the Authorization header and the PVEAuthCookie cookie.
 */
#ifndef RG_HTTP_AUTH_PARSE_H
#define RG_HTTP_AUTH_PARSE_H

#include "buf.h"
#include "err.h"

enum http_auth_kind {
	HTTP_AUTH_NONE,		/* neither: "No ticket" */
	HTTP_AUTH_TOKEN,	/* Authorization: PVEAPIToken=... */
	HTTP_AUTH_TICKET,	/* the cookie, or Authorization: PVEAuthCookie= */
};

/*
 * Which credential a request carries, given its Authorization header and
 * PVEAuthCookie cookie values (either may be NULL): an API token header
 * wins, then the cookie, then a ticket in the header.  *value_r points
 * into auth or cookie, past any "PVEAPIToken=" or "PVEAuthCookie=".
 */
enum http_auth_kind http_auth_select(const char *auth, const char *cookie,
    const char **value_r);

/*
 * An API token header value (after "PVEAPIToken="): percent-decoded into
 * decoded, split at the last '=' (or else the first space) into the token
 * id, a malloc'ed copy in *tokenid_r that must be a valid full token id,
 * and the secret, *secret_r pointing into decoded.  -1 with ERR_AUTH
 * "invalid API token" or "invalid token id" (*tokenid_r then NULL).
 */
int http_auth_token(const char *value, struct buf *decoded, char **tokenid_r,
    const char **secret_r, struct err *err) RG_WARN_UNUSED;

#endif
