/*
 * Fuzz target: an OpenID provider's JWKS as the realm reads it: the body
 * parsed by oidc_http_parse_json, checked by oidc_jwks_check and searched
 * by oidc_jwks_has_kid (src/realms/oidc_provider.c), then every key
 * tried on ID tokens by oidc_idtoken_check (src/realms/oidc_idtoken.c,
 * which imports each key with cjose).  Whatever the key set, a token with
 * a changed payload, an HS256 MAC or no signature never passes; the
 * genuine token passes only with its claims.
 */
#include "idtoken-tokens.h"
#include "oidc_http.h"
#include "oidc_idtoken.h"
#include "oidc_provider.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct oidc_expect expect = {"https://op.example", "pve", NULL,
	"n0nce", 1800000000};

/* token_valid with one payload character changed */
static char *
tampered(void)
{
	char *t = strdup(token_valid), *dot = strchr(t, '.');

	if (t == NULL || dot == NULL)
		abort();
	dot[20] = dot[20] == 'A' ? 'B' : 'A';
	return t;
}

static bool
passes(const char *token, const json_t *jwks)
{
	json_t *claims = NULL;
	struct err err;
	bool ok = oidc_idtoken_check(token, jwks, &expect, &claims, &err) == 0;

	if (ok) {
		const char *sub = json_string_value(json_object_get(claims,
		    "sub"));

		if (sub == NULL || strcmp(sub, "alice") != 0)
			abort();
	} else if (claims != NULL || err.msg[0] == '\0') {
		abort();
	}
	json_decref(claims);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *bad;
	json_t *jwks;
	struct err err;

	if (bad == NULL)
		bad = tampered();
	if (oidc_http_parse_json((const char *)data, size,
	    "https://op.example/jwks", 200, &jwks, &err) < 0)
		return 0;
	if (oidc_jwks_check("https://op.example/jwks", jwks, &err) < 0) {
		if (err.code != ERR_INVALID)
			abort();
		json_decref(jwks);
		return 0;
	}
	(void)oidc_jwks_has_kid(jwks, "fz");
	(void)oidc_jwks_has_kid(jwks, "");
	(void)passes(token_valid, jwks);
	if (passes(bad, jwks) || passes(token_hs256, jwks) ||
	    passes(token_none, jwks))
		abort();
	json_decref(jwks);
	return 0;
}
