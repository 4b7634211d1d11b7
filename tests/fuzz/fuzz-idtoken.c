/*
 * ID token checks (src/realms/oidc_idtoken.c) on hostile input: no crash,
 * no leak, and only the one genuine key can make a token pass - a token
 * that passes must carry exactly the claims the check demands.
 */
#include "oidc_idtoken.h"
#include "idtoken-jwk.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_expect e = {"https://op.example", "pve", "extra other",
		"n0nce", 1800000000};
	json_t *jwks = json_pack("{s:[o]}", "keys", json_loads(jwk, 0, NULL));
	json_t *claims = NULL;
	char *token = malloc(size + 1);
	struct err err;

	memcpy(token, data, size);
	token[size] = '\0';
	if (oidc_idtoken_check(token, jwks, &e, &claims, &err) == 0) {
		const char *nonce = json_string_value(json_object_get(claims,
		    "nonce"));
		const char *iss = json_string_value(json_object_get(claims,
		    "iss"));

		if (nonce == NULL || strcmp(nonce, e.nonce) != 0 ||
		    iss == NULL || strcmp(iss, e.issuer) != 0)
			abort();
	}
	json_decref(claims);
	json_decref(jwks);
	free(token);
	return 0;
}
