/*
 * The few HTTP calls an OpenID Connect relying party makes (discovery,
 * JWKS, token exchange, userinfo), each answering JSON.  libcurl with TLS
 * verification always on, only http and https, no redirects, bounded time
 * and size: a provider that hangs or floods costs a login, not a worker.
 */
#ifndef RG_OIDC_HTTP_H
#define RG_OIDC_HTTP_H

#include "err.h"

#include <jansson.h>
#include <stdint.h>

#define OIDC_HTTP_TIMEOUT	  10	/* seconds per call: realm option timeout */
#define OIDC_HTTP_CONNECT_MS	  3000	/* at most, within the call's time */
#define OIDC_HTTP_MAX_BODY	  (1u << 20)

struct oidc_form {
	const char *key, *value;
};

/*
 * GET url (with "Authorization: Bearer <bearer>" when bearer is not NULL)
 * and parse the answer as a JSON object, all within timeout_s seconds
 * (0: OIDC_HTTP_TIMEOUT).  ERR_UNAVAILABLE when the provider cannot be
 * reached or does not answer in time, ERR_INVALID for an HTTP error
 * status, an answer over OIDC_HTTP_MAX_BODY or one that is not a JSON
 * object; *status_r (may be NULL) gets the HTTP status (0 without an
 * answer).
 */
int oidc_http_get_json(const char *url, const char *bearer,
    unsigned timeout_s, json_t **out, long *status_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * POST an application/x-www-form-urlencoded form; with basic_user set the
 * client authenticates with HTTP Basic (client_secret_basic), otherwise
 * the caller put client_id/client_secret into the form.  The JSON answer
 * is returned even for 4xx statuses (OAuth errors come as JSON).
 */
int oidc_http_post_form(const char *url, const struct oidc_form *form,
    size_t n, const char *basic_user, const char *basic_pw,
    unsigned timeout_s, json_t **out, long *status_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * GET url and keep the answer's body as it is (Yubico's validation
 * server answers `key=value` lines); the same limits and errors as
 * oidc_http_get_json, an HTTP error status is ERR_INVALID.
 */
struct buf;
int oidc_http_get_text(const char *url, unsigned timeout_s, struct buf *body,
    struct err *err) RG_WARN_UNUSED;

/*
 * An answer's body (len bytes, body may be NULL when empty) as a JSON
 * object in *out (a new reference), duplicate keys refused; otherwise -1
 * with ERR_INVALID "<url>: HTTP <status>, the answer is not a JSON object".
 */
int oidc_http_parse_json(const char *body, size_t len, const char *url,
    long status, json_t **out, struct err *err) RG_WARN_UNUSED;

/*
 * Nanoseconds this thread has spent waiting on HTTP calls so far; the
 * OpenID benchmark subtracts it to get realmgate's own share of a login.
 */
uint64_t oidc_http_wait_ns(void);

/* Append (key, value) percent-encoded as in a form body or query. */
void oidc_url_encode(struct buf *out, const char *s);

#endif
