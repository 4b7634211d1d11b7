/*
 * ID token checks (src/realms/oidc_idtoken.c) on hostile input: no crash,
 * no leak, and only the one genuine key can make a token pass - a token
 * that passes must carry exactly the claims the check demands.
 */
#include "oidc_idtoken.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The public half of the key that signed the "valid" seed. */
static const char jwk[] =
    "{\"kty\":\"RSA\",\"kid\":\"fz\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"4"
    "8tA5uVuo5ZMz0JGEhU2LabwyzXwOPRI9vdAd3rzr5dgO6eCH1OeKSnAA"
    "XyTBidQPNQNkUu65iYo0xnpWZFqpFFfAvkxSgU-9UYC5_IchsYUokFam"
    "I4B3gLzUgaHiefp8nOv3AWmF3Lt41KkXCHcHez_Uh4jaFlYQtri0v4bt"
    "S5Xu2jFOEHTqJVhUBvmAh_jFKlIuqs7zicuvs5YBFSMkRLDtOGE0pz59"
    "fzlzpZROFNuQyhMloNbJRR61b1BFDLp-dRXWJfbDd0SX0EDfTVbOCBMO"
    "Cl1nhBgIZIht1OaYdRijLYUMa7g9SmTJF_frgs7JrT2ekCnJvSqutL1A"
    "zMg4w\",\"e\":\"AQAB\"}";

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
