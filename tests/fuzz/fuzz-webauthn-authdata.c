/*
 * Fuzz target for authenticator data (webauthn_authdata.c, and the COSE
 * key inside it, webauthn_cose.c).  Invariants: what parses has at least
 * the fixed 37 bytes, a credential id of 1-1023 bytes when AT is set and a
 * usable key whose stored form (webauthn_keyjson.c) reads back to the
 * same key; a signature check with it on the input never passes for a
 * signature of zeros.
 */
#include "webauthn/webauthn_int.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char zeros[72];
	struct wa_authdata ad;
	struct wa_key back;
	struct err err;
	json_t *j;

	if (wa_authdata_parse(data, size, &ad, &err) < 0)
		return 0;
	if (size < WA_AUTHDATA_MIN)
		abort();
	if (ad.flags & WA_FLAG_AT) {
		if (ad.cred_id.len == 0 || ad.cred_id.len > WA_CRED_ID_MAX ||
		    ad.key.pkey == NULL)
			abort();
		j = wa_key_to_json(&ad.key);
		if (wa_key_from_json(j, &back, &err) < 0 ||
		    back.alg != ad.key.alg ||
		    EVP_PKEY_eq(back.pkey, ad.key.pkey) != 1)
			abort();
		if (wa_key_verify(&ad.key, data, size, zeros, sizeof(zeros),
		    &err) == 0)
			abort();
		wa_key_clear(&back);
		json_decref(j);
	}
	wa_authdata_clear(&ad);
	return 0;
}
