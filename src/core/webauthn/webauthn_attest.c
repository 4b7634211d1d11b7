/*
 * The attestation object of a registration (WebAuthn section 6.5): a CBOR
 * map {"fmt": text, "attStmt": map, "authData": bytes}, and the check of
 * its statement the way webauthn-rs does it when no CA list is configured
 * (Proxmox's case): signatures are verified, certificate chains are not
 * (without trusted roots they prove nothing about the device).
 */
#include "webauthn_int.h"

#include <cbor.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#define ATT_MAX (256 * 1024)

void
wa_attestation_clear(struct wa_attestation *att)
{
	cbor_item_t *root = att->root;

	wa_authdata_clear(&att->ad);
	buf_clear(&att->auth_data);
	if (root != NULL)
		cbor_decref(&root);
	memset(att, 0, sizeof(*att));
}

/* The value of text key in a definite map, NULL if absent; dup: twice. */
static cbor_item_t *
map_text(const cbor_item_t *map, const char *key, bool *dup)
{
	struct cbor_pair *pairs = cbor_map_handle(map);
	size_t i, klen = strlen(key);
	cbor_item_t *found = NULL;

	for (i = 0; i < cbor_map_size(map); i++) {
		const cbor_item_t *k = pairs[i].key;

		if (!cbor_isa_string(k) || !cbor_string_is_definite(k) ||
		    cbor_string_length(k) != klen ||
		    memcmp(cbor_string_handle(k), key, klen) != 0)
			continue;
		if (found != NULL)
			*dup = true;
		found = pairs[i].value;
	}
	return found;
}

static bool
definite_bytes(const cbor_item_t *it)
{
	return it != NULL && cbor_isa_bytestring(it) &&
	    cbor_bytestring_is_definite(it);
}

int
wa_attestation_parse(const unsigned char *p, size_t len,
    struct wa_attestation *att, struct err *err)
{
	struct cbor_load_result res;
	cbor_item_t *root, *fmt, *stmt, *ad;
	bool dup = false;
	size_t used;

	memset(att, 0, sizeof(*att));
	if (len > ATT_MAX)
		return err_set(err, ERR_INVALID, "attestation object too large");
	if (!wa_cbor_item_len(p, len, &used) || used != len)
		return err_set(err, ERR_INVALID, "attestation object is not one "
		    "CBOR item");
	root = cbor_load(p, len, &res);
	if (root == NULL || res.error.code != CBOR_ERR_NONE) {
		if (root != NULL)
			cbor_decref(&root);
		return err_set(err, ERR_INVALID, "malformed attestation object");
	}
	att->root = root;
	if (res.read != len || !cbor_isa_map(root) ||
	    !cbor_map_is_definite(root)) {
		err_set(err, ERR_INVALID, "attestation object is not one map");
		goto fail;
	}
	fmt = map_text(root, "fmt", &dup);
	stmt = map_text(root, "attStmt", &dup);
	ad = map_text(root, "authData", &dup);
	if (dup || fmt == NULL || !cbor_isa_string(fmt) ||
	    !cbor_string_is_definite(fmt) || stmt == NULL ||
	    !cbor_isa_map(stmt) || !cbor_map_is_definite(stmt) ||
	    !definite_bytes(ad)) {
		err_set(err, ERR_INVALID, "attestation object without valid "
		    "fmt, attStmt and authData");
		goto fail;
	}
	if (cbor_string_length(fmt) == 0 || cbor_string_length(fmt) >=
	    sizeof(att->fmt) || memchr(cbor_string_handle(fmt), '\0',
	    cbor_string_length(fmt)) != NULL) {
		err_set(err, ERR_INVALID, "attestation object: invalid fmt");
		goto fail;
	}
	memcpy(att->fmt, cbor_string_handle(fmt), cbor_string_length(fmt));
	att->att_stmt = stmt;
	buf_put(&att->auth_data, cbor_bytestring_handle(ad),
	    cbor_bytestring_length(ad));
	if (wa_authdata_parse((const unsigned char *)att->auth_data.data,
	    att->auth_data.len, &att->ad, err) < 0)
		goto fail;
	return 0;
fail:
	wa_attestation_clear(att);
	return -1;
}

/* attStmt's "sig" (bytes) and "alg" (integer, may be absent). */
static int
stmt_sig(const cbor_item_t *stmt, const unsigned char **sig, size_t *siglen,
    int *alg, struct err *err)
{
	bool dup = false;
	cbor_item_t *s = map_text(stmt, "sig", &dup);
	cbor_item_t *a = map_text(stmt, "alg", &dup);
	uint64_t v;

	if (dup || !definite_bytes(s))
		return err_set(err, ERR_INVALID, "attestation statement "
		    "without a valid sig");
	*sig = cbor_bytestring_handle(s);
	*siglen = cbor_bytestring_length(s);
	*alg = 0;
	if (a != NULL) {
		if (!cbor_isa_negint(a) || (v = cbor_get_int(a)) > 65535)
			return err_set(err, ERR_INVALID, "attestation "
			    "statement with an invalid alg");
		*alg = -1 - (int)v;
	}
	return 0;
}

/* The first certificate of attStmt's x5c; one only if single. */
static X509 *
stmt_cert(const cbor_item_t *stmt, bool single, struct err *err)
{
	bool dup = false;
	cbor_item_t *x5c = map_text(stmt, "x5c", &dup), *c;
	const unsigned char *der;
	X509 *cert;

	if (dup || x5c == NULL || !cbor_isa_array(x5c) ||
	    !cbor_array_is_definite(x5c) || cbor_array_size(x5c) == 0 ||
	    (single && cbor_array_size(x5c) != 1)) {
		err_set(err, ERR_INVALID, "attestation statement: invalid x5c");
		return NULL;
	}
	c = cbor_array_handle(x5c)[0];
	if (!definite_bytes(c)) {
		err_set(err, ERR_INVALID, "attestation statement: invalid x5c");
		return NULL;
	}
	der = cbor_bytestring_handle(c);
	cert = d2i_X509(NULL, &der, (long)cbor_bytestring_length(c));
	if (cert == NULL || der != cbor_bytestring_handle(c) +
	    cbor_bytestring_length(c)) {
		X509_free(cert);
		ERR_clear_error();
		err_set(err, ERR_INVALID, "attestation statement: invalid "
		    "certificate");
		return NULL;
	}
	return cert;
}

/* authData || clientDataHash */
static void
signed_data(const struct wa_attestation *att, const unsigned char hash[32],
    struct buf *out)
{
	buf_put(out, att->auth_data.data, att->auth_data.len);
	buf_put(out, hash, 32);
}

/*
 * id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4): if the certificate has
 * it, it must name the authenticator data's AAGUID.
 */
static int
check_cert_aaguid(X509 *cert, const unsigned char aaguid[16],
    struct err *err)
{
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	int at = oid != NULL ? X509_get_ext_by_OBJ(cert, oid, -1) : -1;
	const ASN1_OCTET_STRING *v;
	ASN1_OCTET_STRING *inner = NULL;
	const unsigned char *p;
	int rc = 0;

	ASN1_OBJECT_free(oid);
	if (at < 0)
		return 0;
	v = X509_EXTENSION_get_data(X509_get_ext(cert, at));
	p = ASN1_STRING_get0_data(v);
	inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(v));
	if (inner == NULL || ASN1_STRING_length(inner) != 16 ||
	    memcmp(ASN1_STRING_get0_data(inner), aaguid, 16) != 0)
		rc = err_set(err, ERR_INVALID, "attestation certificate "
		    "AAGUID mismatch");
	ASN1_OCTET_STRING_free(inner);
	ERR_clear_error();
	return rc;
}

static int
verify_packed(const struct wa_attestation *att, const unsigned char hash[32],
    struct err *err)
{
	struct buf data = BUF_INIT;
	const unsigned char *sig;
	bool dup = false;
	size_t siglen;
	X509 *cert;
	int alg, rc = -1;

	if (stmt_sig(att->att_stmt, &sig, &siglen, &alg, err) < 0)
		return -1;
	signed_data(att, hash, &data);
	if (map_text(att->att_stmt, "x5c", &dup) == NULL) {
		if (map_text(att->att_stmt, "ecdaaKeyId", &dup) != NULL) {
			err_set(err, ERR_UNSUPPORTED, "ECDAA attestation is not "
			    "supported");
			goto out;
		}
		/* self attestation: signed by the credential key itself */
		if (alg != att->ad.key.alg) {
			err_set(err, ERR_INVALID, "packed attestation: alg does "
			    "not match the credential key");
			goto out;
		}
		rc = wa_key_verify(&att->ad.key, data.data, data.len, sig,
		    siglen, err);
		goto out;
	}
	if ((cert = stmt_cert(att->att_stmt, false, err)) == NULL)
		goto out;
	rc = wa_pkey_verify(X509_get0_pubkey(cert), alg, data.data, data.len,
	    sig, siglen, err);
	if (rc == 0)
		rc = check_cert_aaguid(cert, att->ad.aaguid, err);
	X509_free(cert);
out:
	if (rc < 0)
		err_prefix(err, "packed attestation: ");
	buf_clear(&data);
	return rc;
}

static int
verify_fido_u2f(const struct wa_attestation *att,
    const unsigned char hash[32], struct err *err)
{
	struct buf data = BUF_INIT;
	const unsigned char *sig;
	size_t siglen;
	X509 *cert;
	int alg, rc = -1;

	if (att->ad.key.alg != WA_ALG_ES256)
		return err_set(err, ERR_INVALID, "fido-u2f attestation needs "
		    "an ES256 credential");
	if (stmt_sig(att->att_stmt, &sig, &siglen, &alg, err) < 0 ||
	    (cert = stmt_cert(att->att_stmt, true, err)) == NULL)
		return -1;
	/* 0x00 || rpIdHash || clientDataHash || credentialId || 04 x y */
	buf_putc(&data, '\0');
	buf_put(&data, att->ad.rp_id_hash, 32);
	buf_put(&data, hash, 32);
	buf_put(&data, att->ad.cred_id.data, att->ad.cred_id.len);
	buf_putc(&data, 0x04);
	buf_put(&data, att->ad.key.x, WA_EC_COORD);
	buf_put(&data, att->ad.key.y, WA_EC_COORD);
	rc = wa_pkey_verify(X509_get0_pubkey(cert), WA_ALG_ES256, data.data,
	    data.len, sig, siglen, err);
	if (rc < 0)
		err_prefix(err, "fido-u2f attestation: ");
	X509_free(cert);
	buf_clear(&data);
	return rc;
}

int
wa_attestation_verify(const struct wa_attestation *att,
    const unsigned char client_hash[32], struct err *err)
{
	static const char *const ignored[] = {"tpm", "android-key", "apple"};
	size_t i;

	if (!(att->ad.flags & WA_FLAG_AT))
		return err_set(err, ERR_INVALID, "registration without "
		    "attested credential data");
	if (strcmp(att->fmt, "none") == 0)
		return 0;
	if (strcmp(att->fmt, "packed") == 0)
		return verify_packed(att, client_hash, err);
	if (strcmp(att->fmt, "fido-u2f") == 0)
		return verify_fido_u2f(att, client_hash, err);
	for (i = 0; i < ARRAY_SIZE(ignored); i++)
		if (strcmp(att->fmt, ignored[i]) == 0)
			return 0;
	return err_set(err, ERR_UNSUPPORTED, "attestation format '%s' is not "
	    "supported", att->fmt);
}
