/*
 * Fuzz target for registration's CBOR: the attestation object and its
 * statement (webauthn_attest.c) and, on the same bytes, a bare COSE key
 * (webauthn_cose.c).  Invariants: an object that parses has a fmt and
 * authenticator data that parse alone to the same flags; its statement
 * never passes without attested credential data; a COSE key that parses
 * consumed no more than the input and has a key.
 */
#include "webauthn/webauthn_int.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char hash[32] = {1};
	struct wa_attestation att;
	struct wa_authdata ad;
	struct wa_key k;
	struct err err;
	size_t used;

	if (wa_attestation_parse(data, size, &att, &err) == 0) {
		if (att.fmt[0] == '\0' ||
		    wa_authdata_parse((const unsigned char *)att.auth_data.data,
		    att.auth_data.len, &ad, &err) < 0 ||
		    ad.flags != att.ad.flags)
			abort();
		wa_authdata_clear(&ad);
		if (wa_attestation_verify(&att, hash, &err) == 0 &&
		    !(att.ad.flags & WA_FLAG_AT))
			abort();
		wa_attestation_clear(&att);
	}
	if (wa_cose_parse(data, size, &used, &k, &err) == 0) {
		if (used == 0 || used > size || k.pkey == NULL)
			abort();
		wa_key_clear(&k);
	}
	return 0;
}
