/*
 * Authenticator data (WebAuthn section 6.1): rpIdHash (32), flags (1),
 * signCount (4, big endian), then the attested credential data when AT is
 * set (AAGUID 16, credential id length 2, credential id, COSE key) and a
 * CBOR map of extensions when ED is set.  Every length is checked against
 * what is left; trailing bytes are refused.
 */
#include "webauthn_int.h"

#include <cbor.h>
#include <string.h>

void
wa_authdata_clear(struct wa_authdata *ad)
{
	buf_clear(&ad->cred_id);
	wa_key_clear(&ad->key);
	memset(ad, 0, sizeof(*ad));
}

/* Skip one CBOR map at (p, len); *used gets its size. */
static int
skip_extensions(const unsigned char *p, size_t len, size_t *used,
    struct err *err)
{
	struct cbor_load_result res;
	cbor_item_t *it = NULL;
	bool ok;

	if (wa_cbor_item_len(p, len, &len))
		it = cbor_load(p, len, &res);
	ok = it != NULL && res.error.code == CBOR_ERR_NONE && cbor_isa_map(it);

	if (it != NULL)
		cbor_decref(&it);
	if (!ok)
		return err_set(err, ERR_INVALID, "authenticator data: malformed "
		    "extensions");
	*used = res.read;
	return 0;
}

int
wa_authdata_parse(const unsigned char *p, size_t len, struct wa_authdata *ad,
    struct err *err)
{
	size_t pos = WA_AUTHDATA_MIN, n, used;

	memset(ad, 0, sizeof(*ad));
	if (len < WA_AUTHDATA_MIN || len > WA_AUTHDATA_MAX)
		return err_set(err, ERR_INVALID, "authenticator data has an "
		    "invalid length (%zu bytes)", len);
	memcpy(ad->rp_id_hash, p, 32);
	ad->flags = p[32];
	ad->counter = (uint32_t)p[33] << 24 | (uint32_t)p[34] << 16 |
	    (uint32_t)p[35] << 8 | p[36];
	if (ad->flags & WA_FLAG_AT) {
		if (len - pos < 18)
			goto short_data;
		memcpy(ad->aaguid, p + pos, 16);
		n = (size_t)p[pos + 16] << 8 | p[pos + 17];
		pos += 18;
		if (n == 0 || n > WA_CRED_ID_MAX) {
			err_set(err, ERR_INVALID, "authenticator data: invalid "
			    "credential id length %zu", n);
			goto fail;
		}
		if (len - pos < n)
			goto short_data;
		buf_put(&ad->cred_id, p + pos, n);
		pos += n;
		if (wa_cose_parse(p + pos, len - pos, &used, &ad->key,
		    err) < 0) {
			err_prefix(err, "authenticator data: ");
			goto fail;
		}
		pos += used;
	}
	if (ad->flags & WA_FLAG_ED) {
		if (skip_extensions(p + pos, len - pos, &used, err) < 0)
			goto fail;
		pos += used;
	}
	if (pos != len) {
		err_set(err, ERR_INVALID, "authenticator data: %zu unexpected "
		    "trailing bytes", len - pos);
		goto fail;
	}
	return 0;
short_data:
	err_set(err, ERR_INVALID, "authenticator data is truncated");
fail:
	wa_authdata_clear(ad);
	return -1;
}
