/*
 * Fuzz target: an OpenID provider's discovery document
 * (/.well-known/openid-configuration) as the realm reads it: the body
 * parsed by oidc_http_parse_json (src/realms/oidc_http.c) and checked by
 * oidc_doc_check (src/realms/oidc_provider.c) for a configured issuer.
 * An accepted document names the same issuer (trailing slashes aside) and
 * non-empty authorization, token and JWKS endpoints; a refused one is
 * ERR_INVALID with a message.
 */
#include "oidc_http.h"
#include "oidc_provider.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const issuers[] = {"https://op.example",
	"https://op.example/", "https://op.example/realms/x//"};

static size_t
trimmed(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char url[] = "https://op.example/.well-known/"
	    "openid-configuration";
	json_t *doc;
	struct err err;
	size_t i;

	if (oidc_http_parse_json((const char *)data, size, url, 200, &doc,
	    &err) < 0) {
		if (doc != NULL || err.code != ERR_INVALID)
			abort();
		return 0;
	}
	if (!json_is_object(doc))
		abort();
	for (i = 0; i < sizeof(issuers) / sizeof(issuers[0]); i++) {
		const char *iss;

		if (oidc_doc_check(issuers[i], url, doc, &err) < 0) {
			if (err.code != ERR_INVALID || err.msg[0] == '\0')
				abort();
			continue;
		}
		iss = oidc_doc_str(doc, "issuer");
		if (iss == NULL || trimmed(iss) != trimmed(issuers[i]) ||
		    strncmp(iss, issuers[i], trimmed(iss)) != 0 ||
		    oidc_doc_str(doc, "authorization_endpoint") == NULL ||
		    oidc_doc_str(doc, "token_endpoint") == NULL ||
		    oidc_doc_str(doc, "jwks_uri") == NULL)
			abort();
	}
	(void)oidc_doc_str(doc, "userinfo_endpoint");
	json_decref(doc);
	return 0;
}
