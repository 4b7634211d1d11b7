/*
 * ID token verification with cjose (see oidc_idtoken.h).
 */
#include "oidc_idtoken.h"
#include "oidc_provider.h"
#include "secret.h"
#include "str.h"
#include "ticket/b64.h"

#include <cjose/cjose.h>
#include <stdlib.h>
#include <string.h>

/* Public-key algorithms and the key type each needs. */
static const struct {
	const char *alg;
	cjose_jwk_kty_t kty;
} algs[] = {
	{"RS256", CJOSE_JWK_KTY_RSA}, {"RS384", CJOSE_JWK_KTY_RSA},
	{"RS512", CJOSE_JWK_KTY_RSA}, {"PS256", CJOSE_JWK_KTY_RSA},
	{"PS384", CJOSE_JWK_KTY_RSA}, {"PS512", CJOSE_JWK_KTY_RSA},
	{"ES256", CJOSE_JWK_KTY_EC}, {"ES384", CJOSE_JWK_KTY_EC},
	{"ES512", CJOSE_JWK_KTY_EC},
};

static int
alg_kty(const char *alg, cjose_jwk_kty_t *kty, struct err *err)
{
	size_t i;

	if (alg == NULL)
		return err_set(err, ERR_INVALID, "ID token without 'alg'");
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strcmp(algs[i].alg, alg) == 0) {
			*kty = algs[i].kty;
			return 0;
		}
	}
	if (strcasecmp(alg, "none") == 0)
		return err_set(err, ERR_INVALID, "ID token refused: unsigned "
		    "(alg none)");
	if (strncmp(alg, "HS", 2) == 0)
		return err_set(err, ERR_INVALID, "ID token refused: alg %s is "
		    "a shared-secret MAC, only the provider's public keys are "
		    "accepted", alg);
	return err_set(err, ERR_INVALID, "ID token refused: alg '%s' is not "
	    "allowed", alg);
}

/*
 * Is s (len bytes) base64url as JOSE writes it: the URL alphabet, no
 * '=' padding, no impossible length?  cjose 0.6's decoder asserts on an
 * '=' inside its input: the process aborts.  Nothing from the provider
 * reaches cjose without this check.
 */
static bool
b64url_clean(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' &&
		    s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '-' && s[i] != '_')
			return false;
	return len % 4 != 1;
}

/* A compact JWS: three clean base64url parts. */
static bool
jws_clean(const char *token)
{
	const char *p = token, *dot;
	int i;

	for (i = 0; i < 3; i++) {
		dot = strchr(p, '.');
		if ((dot == NULL) != (i == 2))
			return false;
		if (dot == NULL)
			dot = p + strlen(p);
		if (!b64url_clean(p, (size_t)(dot - p)))
			return false;
		p = dot + 1;
	}
	return true;
}

/* The key members cjose decodes as base64url. */
static bool
jwk_clean(const json_t *k)
{
	static const char *const b64members[] = {"n", "e", "d", "p", "q",
		"dp", "dq", "qi", "x", "y", "k", NULL};
	const json_t *v;
	size_t i;

	for (i = 0; b64members[i] != NULL; i++) {
		v = json_object_get(k, b64members[i]);
		if (json_is_string(v) && !b64url_clean(json_string_value(v),
		    json_string_length(v)))
			return false;
	}
	return true;
}

/* Try the keys of jwks that may have signed the token. */
static bool
verify_with(cjose_jws_t *jws, const json_t *jwks, const char *kid,
    cjose_jwk_kty_t kty, const char *alg)
{
	const json_t *k;
	size_t i;
	bool ok = false;

	json_array_foreach(json_object_get(jwks, "keys"), i, k) {
		const char *kkid = json_string_value(json_object_get(k, "kid"));
		const char *kalg = json_string_value(json_object_get(k, "alg"));
		const char *use = json_string_value(json_object_get(k, "use"));
		cjose_jwk_t *jwk;
		cjose_err cerr;
		char *text;

		if (kid != NULL && (kkid == NULL || strcmp(kid, kkid) != 0))
			continue;
		if ((kalg != NULL && strcmp(kalg, alg) != 0) ||
		    (use != NULL && strcmp(use, "sig") != 0) || !jwk_clean(k))
			continue;
		text = json_dumps(k, JSON_COMPACT);
		jwk = text != NULL ? cjose_jwk_import(text, strlen(text),
		    &cerr) : NULL;
		free(text);
		if (jwk == NULL)
			continue;
		if (cjose_jwk_get_kty(jwk, &cerr) == kty &&
		    cjose_jws_verify(jws, jwk, &cerr))
			ok = true;
		cjose_jwk_release(jwk);
		if (ok)
			break;
	}
	return ok;
}

static bool
has_key(const json_t *jwks, const char *kid)
{
	const json_t *k;
	size_t i;

	if (kid == NULL)
		return json_array_size(json_object_get(jwks, "keys")) > 0;
	json_array_foreach(json_object_get(jwks, "keys"), i, k) {
		const char *v = json_string_value(json_object_get(k, "kid"));

		if (v != NULL && strcmp(v, kid) == 0)
			return true;
	}
	return false;
}

static int
check_signature(cjose_jws_t *jws, const json_t *jwks, bool *key_failed,
    struct err *err)
{
	cjose_header_t *h = cjose_jws_get_protected(jws);
	cjose_err cerr;
	const char *alg = h != NULL ? cjose_header_get(h, CJOSE_HDR_ALG, &cerr)
				    : NULL;
	const char *kid = h != NULL ? cjose_header_get(h, CJOSE_HDR_KID, &cerr)
				    : NULL;
	cjose_jwk_kty_t kty;

	if (alg_kty(alg, &kty, err) < 0)
		return -1;
	*key_failed = true;
	if (!has_key(jwks, kid))
		return err_set(err, ERR_INVALID, "ID token refused: signed with "
		    "key '%s', which the provider does not publish",
		    kid != NULL ? kid : "(no kid)");
	if (!verify_with(jws, jwks, kid, kty, alg))
		return err_set(err, ERR_INVALID, "ID token refused: the %s "
		    "signature does not verify with the provider's key '%s'",
		    alg, kid != NULL ? kid : "(no kid)");
	*key_failed = false;
	return 0;
}

/* Is s one of the items of the list (space or comma separated)? */
static bool
in_list(const char *list, const char *s)
{
	struct str_list l = {NULL, 0};
	bool found = false;
	size_t i;

	str_list_split(&l, list);
	for (i = 0; i < l.n && !found; i++)
		found = strcmp(l.v[i], s) == 0;
	str_list_clear(&l);
	return found;
}

static int
check_audience(const json_t *claims, const struct oidc_expect *e,
    struct err *err)
{
	const json_t *aud = json_object_get(claims, "aud"), *a;
	const char *azp = json_string_value(json_object_get(claims, "azp"));
	bool ours = false;
	size_t i, n = 0;

	if (json_is_string(aud)) {
		ours = strcmp(json_string_value(aud), e->client_id) == 0;
		n = 1;
		if (!ours && e->audiences != NULL &&
		    in_list(e->audiences, json_string_value(aud)))
			ours = true;
	} else if (json_is_array(aud)) {
		json_array_foreach(aud, i, a) {
			const char *v = json_string_value(a);

			n++;
			if (v == NULL)
				return err_set(err, ERR_INVALID, "ID token "
				    "refused: malformed 'aud'");
			if (strcmp(v, e->client_id) == 0)
				ours = true;
			else if (e->audiences == NULL ||
			    !in_list(e->audiences, v))
				return err_set(err, ERR_INVALID, "ID token "
				    "refused: audience '%s' is not trusted "
				    "(client-id %s, audiences %s)", v,
				    e->client_id, e->audiences != NULL ?
				    e->audiences : "none");
		}
	}
	if (!ours)
		return err_set(err, ERR_INVALID, "ID token refused: issued for "
		    "another audience, not client-id '%s'", e->client_id);
	if (n > 1 && azp != NULL && strcmp(azp, e->client_id) != 0)
		return err_set(err, ERR_INVALID, "ID token refused: azp '%s' is "
		    "not client-id '%s'", azp, e->client_id);
	return 0;
}

static int
check_claims(const json_t *claims, const struct oidc_expect *e,
    struct err *err)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	const char *nonce = json_string_value(json_object_get(claims,
	    "nonce"));
	const json_t *exp = json_object_get(claims, "exp");
	const json_t *iat = json_object_get(claims, "iat");

	if (iss == NULL || strcmp(iss, e->issuer) != 0)
		return err_set(err, ERR_INVALID, "ID token refused: issuer '%s' "
		    "is not '%s'", iss != NULL ? iss : "", e->issuer);
	if (check_audience(claims, e, err) < 0)
		return -1;
	if (!json_is_number(exp) ||
	    json_number_value(exp) + OIDC_CLOCK_SKEW < (double)e->now)
		return err_set(err, ERR_INVALID, "ID token refused: expired "
		    "(exp %.0f, now %lld)", json_number_value(exp),
		    (long long)e->now);
	if (!json_is_number(iat) ||
	    json_number_value(iat) > (double)e->now + OIDC_CLOCK_SKEW)
		return err_set(err, ERR_INVALID, "ID token refused: issued in "
		    "the future or without iat (iat %.0f, now %lld)",
		    json_number_value(iat), (long long)e->now);
	if (nonce == NULL || !secret_streq(nonce, e->nonce))
		return err_set(err, ERR_INVALID, "ID token refused: the nonce "
		    "is not the one of this login");
	return 0;
}

/*
 * The header's alg, read before cjose sees the token, so that an unsigned
 * or MAC'd token is refused with its own reason even where cjose would
 * only say "invalid".
 */
static int
precheck_alg(const char *token, struct buf *kid, struct err *err)
{
	const char *dot = strchr(token, '.');
	struct buf b64 = BUF_INIT, raw = BUF_INIT;
	cjose_jwk_kty_t kty;
	json_t *hdr = NULL;
	size_t i;
	int rc = -1;

	if (dot == NULL || dot == token)
		return err_set(err, ERR_INVALID, "ID token refused: not a JWT");
	for (i = 0; token + i < dot; i++)
		buf_putc(&b64, token[i] == '-' ? '+' : token[i] == '_' ? '/'
		    : token[i]);
	if (!b64_decode(b64.data, b64.len, &raw) ||
	    (hdr = json_loadb(raw.data != NULL ? raw.data : "", raw.len, 0,
	    NULL)) == NULL || !json_is_object(hdr)) {
		err_set(err, ERR_INVALID, "ID token refused: the header is not "
		    "base64url JSON");
		goto out;
	}
	rc = alg_kty(json_string_value(json_object_get(hdr, "alg")), &kty,
	    err);
	if (json_is_string(json_object_get(hdr, "kid")))
		buf_puts(kid, json_string_value(json_object_get(hdr, "kid")));
out:
	json_decref(hdr);
	buf_clear(&b64);
	buf_clear(&raw);
	return rc;
}

/* oidc_idtoken_check; *key_failed: refused because of the keys. */
static int
check_token(const char *token, const json_t *jwks,
    const struct oidc_expect *e, json_t **claims_r, bool *key_failed,
    struct err *err)
{
	struct buf kid = BUF_INIT;
	cjose_jws_t *jws = NULL;
	cjose_err cerr;
	uint8_t *pl = NULL;
	size_t pln = 0;
	json_t *claims = NULL;
	int rc = -1;

	*claims_r = NULL;
	if (precheck_alg(token, &kid, err) < 0)
		goto out;
	if (!jws_clean(token)) {
		err_set(err, ERR_INVALID, "ID token refused: not a signed JWT "
		    "(three base64url parts)");
		goto out;
	}
	jws = cjose_jws_import(token, strlen(token), &cerr);
	if (jws == NULL) {
		err_set(err, ERR_INVALID, "ID token refused: not a signed JWT "
		    "(%s)", cerr.message != NULL ? cerr.message : "cjose");
		goto out;
	}
	if (check_signature(jws, jwks, key_failed, err) < 0)
		goto out;
	if (!cjose_jws_get_plaintext(jws, &pl, &pln, &cerr) ||
	    (claims = json_loadb((const char *)pl, pln, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(claims)) {
		err_set(err, ERR_INVALID, "ID token refused: the payload is not "
		    "a JSON object");
		goto out;
	}
	if (check_claims(claims, e, err) < 0)
		goto out;
	*claims_r = json_incref(claims);
	rc = 0;
out:
	json_decref(claims);
	cjose_jws_release(jws);
	buf_clear(&kid);
	return rc;
}

int
oidc_idtoken_check(const char *token, const json_t *jwks,
    const struct oidc_expect *e, json_t **claims_r, struct err *err)
{
	bool key_failed = false;

	return check_token(token, jwks, e, claims_r, &key_failed, err);
}

int
oidc_idtoken_verify(const char *token, const char *issuer_cfg,
    const json_t *doc, const struct oidc_expect *e, unsigned timeout_s,
    json_t **claims_r, struct err *err)
{
	struct buf kid = BUF_INIT;
	json_t *jwks = NULL, *fresh = NULL;
	bool key_failed = false;
	struct err e2;
	int rc = -1;

	*claims_r = NULL;
	/* the kid decides whether the cached keys will do */
	if (precheck_alg(token, &kid, err) < 0 ||
	    oidc_jwks(issuer_cfg, doc, kid.len > 0 ? buf_str(&kid) : NULL,
	    false, timeout_s, &jwks, err) < 0)
		goto out;
	rc = check_token(token, jwks, e, claims_r, &key_failed, err);
	/*
	 * Cached keys under the right kid that do not verify may be stale
	 * (a provider that reuses a kid for a new key) or broken: fetch them
	 * again, at most every OIDC_JWKS_MIN_AGE seconds, and try once more.
	 */
	if (rc < 0 && key_failed &&
	    oidc_jwks(issuer_cfg, doc, NULL, true, timeout_s, &fresh, &e2) ==
	    0 && fresh != jwks)
		rc = check_token(token, fresh, e, claims_r, &key_failed, err);
	json_decref(fresh);
out:
	json_decref(jwks);
	buf_clear(&kid);
	return rc;
}
