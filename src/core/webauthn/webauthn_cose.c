/*
 * Credential public keys: the CBOR COSE_Key an authenticator sends
 * (RFC 8152 section 13, with WebAuthn's three algorithms), turned into an
 * OpenSSL key, and signature checks with it.  Only the combinations
 * webauthn-rs accepts are: ES256 on P-256, RS256, EdDSA on Ed25519.
 */
#include "webauthn_int.h"

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <string.h>

/* COSE key labels and values */
#define COSE_KTY	1
#define COSE_ALG	3
#define COSE_CRV	(-1)	/* EC2, OKP; RSA: n */
#define COSE_X		(-2)	/* EC2, OKP; RSA: e */
#define COSE_Y		(-3)
#define KTY_OKP		1
#define KTY_EC2		2
#define KTY_RSA		3
#define CRV_P256	1
#define CRV_ED25519	6

void
wa_key_clear(struct wa_key *k)
{
	EVP_PKEY_free(k->pkey);
	buf_clear(&k->n);
	memset(k, 0, sizeof(*k));
}

/* An integer item as int64_t; false for anything else or out of range. */
static bool
cbor_int(const cbor_item_t *it, int64_t *v)
{
	uint64_t u;

	if (!cbor_isa_uint(it) && !cbor_isa_negint(it))
		return false;
	u = cbor_get_int(it);
	if (u > INT64_MAX)
		return false;
	*v = cbor_isa_uint(it) ? (int64_t)u : -1 - (int64_t)u;
	return true;
}

/* The value of integer label in map, NULL if absent; dup: seen twice. */
static const cbor_item_t *
map_get(const cbor_item_t *map, int64_t label, bool *dup)
{
	struct cbor_pair *pairs = cbor_map_handle(map);
	const cbor_item_t *found = NULL;
	size_t i;
	int64_t k;

	for (i = 0; i < cbor_map_size(map); i++) {
		if (!cbor_int(pairs[i].key, &k) || k != label)
			continue;
		if (found != NULL)
			*dup = true;
		found = pairs[i].value;
	}
	return found;
}

/* A definite byte string of exactly want bytes (0: 1..max) into out. */
static bool
cbor_bytes(const cbor_item_t *it, size_t want, size_t max,
    const unsigned char **p, size_t *len)
{
	if (it == NULL || !cbor_isa_bytestring(it) ||
	    !cbor_bytestring_is_definite(it))
		return false;
	*p = cbor_bytestring_handle(it);
	*len = cbor_bytestring_length(it);
	if (want != 0)
		return *len == want;
	return *len >= 1 && *len <= max;
}

static int
parse_map(const cbor_item_t *map, struct wa_key *k, struct err *err)
{
	const cbor_item_t *kty_i, *alg_i, *a, *b, *c;
	const unsigned char *p;
	int64_t kty, alg, crv;
	bool dup = false;
	size_t len;

	if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
		return err_set(err, ERR_INVALID, "COSE key is not a map");
	kty_i = map_get(map, COSE_KTY, &dup);
	alg_i = map_get(map, COSE_ALG, &dup);
	a = map_get(map, COSE_CRV, &dup);
	b = map_get(map, COSE_X, &dup);
	c = map_get(map, COSE_Y, &dup);
	if (dup)
		return err_set(err, ERR_INVALID, "COSE key has a duplicate "
		    "label");
	if (kty_i == NULL || !cbor_int(kty_i, &kty) || alg_i == NULL ||
	    !cbor_int(alg_i, &alg))
		return err_set(err, ERR_INVALID, "COSE key without valid key "
		    "type or algorithm");
	if (alg == WA_ALG_ES256 && kty == KTY_EC2) {
		if (a == NULL || !cbor_int(a, &crv) || crv != CRV_P256)
			return err_set(err, ERR_UNSUPPORTED, "COSE key: ES256 "
			    "needs curve P-256");
		if (!cbor_bytes(b, WA_EC_COORD, 0, &p, &len))
			return err_set(err, ERR_INVALID, "COSE key: bad x");
		memcpy(k->x, p, WA_EC_COORD);
		if (!cbor_bytes(c, WA_EC_COORD, 0, &p, &len))
			return err_set(err, ERR_INVALID, "COSE key: bad y");
		memcpy(k->y, p, WA_EC_COORD);
	} else if (alg == WA_ALG_EDDSA && kty == KTY_OKP) {
		if (a == NULL || !cbor_int(a, &crv) || crv != CRV_ED25519)
			return err_set(err, ERR_UNSUPPORTED, "COSE key: EdDSA "
			    "needs curve Ed25519");
		if (!cbor_bytes(b, WA_EC_COORD, 0, &p, &len) || c != NULL)
			return err_set(err, ERR_INVALID, "COSE key: bad x");
		memcpy(k->x, p, WA_EC_COORD);
	} else if (alg == WA_ALG_RS256 && kty == KTY_RSA) {
		if (!cbor_bytes(a, 0, WA_RSA_MAX + 1, &p, &len))
			return err_set(err, ERR_INVALID, "COSE key: bad n");
		buf_put(&k->n, p, len);
		if (!cbor_bytes(b, sizeof(k->e), 0, &p, &len))
			return err_set(err, ERR_UNSUPPORTED, "COSE key: the RSA "
			    "exponent must have 3 bytes");
		memcpy(k->e, p, sizeof(k->e));
	} else {
		return err_set(err, ERR_UNSUPPORTED, "unsupported COSE key "
		    "(key type %lld, algorithm %lld)", (long long)kty,
		    (long long)alg);
	}
	k->alg = (int)alg;
	return wa_key_build(k, err);
}

int
wa_cose_parse(const unsigned char *p, size_t len, size_t *used,
    struct wa_key *k, struct err *err)
{
	struct cbor_load_result res;
	cbor_item_t *map;
	int rc;

	memset(k, 0, sizeof(*k));
	*used = 0;
	if (!wa_cbor_item_len(p, len, &len))
		return err_set(err, ERR_INVALID, "malformed COSE key");
	map = cbor_load(p, len, &res);
	if (map == NULL || res.error.code != CBOR_ERR_NONE)
		return err_set(err, ERR_INVALID, "malformed COSE key");
	rc = parse_map(map, k, err);
	cbor_decref(&map);
	if (rc < 0) {
		wa_key_clear(k);
		return -1;
	}
	*used = res.read;
	return 0;
}

/*
 * check: the full public key check - for EC keys, that the point is on
 * the curve.  Not for RSA: OpenSSL's RSA check tests the modulus with
 * random Miller-Rabin bases, so a crafted modulus would pass one login
 * and fail the next (found by the fuzz targets), and it is costly; RSA
 * gets deterministic checks in build_rsa instead.
 */
static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, bool check_key)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	if (!check_key)
		goto out;
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	ERR_clear_error();
	return pkey;
}

static EVP_PKEY *
build_ec(const struct wa_key *k)
{
	unsigned char point[1 + 2 * WA_EC_COORD];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *pkey = NULL;

	point[0] = 0x04;
	memcpy(point + 1, k->x, WA_EC_COORD);
	memcpy(point + 1 + WA_EC_COORD, k->y, WA_EC_COORD);
	if (bld != NULL && OSSL_PARAM_BLD_push_utf8_string(bld,
	    OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    point, sizeof(point)) == 1)
		pkey = pkey_fromdata("EC", bld, true);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *
build_rsa(const struct wa_key *k)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = BN_bin2bn((const unsigned char *)k->n.data, (int)k->n.len,
	    NULL);
	BIGNUM *e = BN_bin2bn(k->e, sizeof(k->e), NULL);
	EVP_PKEY *pkey = NULL;

	/* a modulus of 1024-8192 bits, both odd, 3 <= e < n */
	if (bld != NULL && n != NULL && e != NULL &&
	    BN_num_bytes(n) >= WA_RSA_MIN && BN_num_bytes(n) <= WA_RSA_MAX &&
	    BN_is_odd(n) && BN_is_odd(e) && !BN_is_one(e) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
		pkey = pkey_fromdata("RSA", bld, false);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

int
wa_key_build(struct wa_key *k, struct err *err)
{
	size_t skip = 0;

	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	switch (k->alg) {
	case WA_ALG_ES256:
		k->pkey = build_ec(k);
		break;
	case WA_ALG_EDDSA:
		k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    k->x, WA_EC_COORD);
		ERR_clear_error();
		break;
	case WA_ALG_RS256:
		/* one form per key: the modulus without leading zeros */
		while (skip < k->n.len && k->n.data[skip] == '\0')
			skip++;
		if (skip > 0) {
			memmove(k->n.data, k->n.data + skip, k->n.len - skip);
			k->n.len -= skip;
		}
		k->pkey = build_rsa(k);
		break;
	default:
		return err_set(err, ERR_UNSUPPORTED, "unsupported key "
		    "algorithm %d", k->alg);
	}
	if (k->pkey == NULL)
		return err_set(err, ERR_INVALID, "invalid public key");
	return 0;
}

int
wa_pkey_verify(EVP_PKEY *pkey, int alg, const void *msg, size_t len,
    const void *sig, size_t siglen, struct err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = alg == WA_ALG_EDDSA ? NULL : EVP_sha256();
	int id = pkey != NULL ? EVP_PKEY_get_base_id(pkey) : 0, ok = 0;

	/* the key must be of the algorithm's kind: no RSA key for ES256 */
	if ((alg == WA_ALG_ES256 && id != EVP_PKEY_EC) ||
	    (alg == WA_ALG_RS256 && id != EVP_PKEY_RSA) ||
	    (alg == WA_ALG_EDDSA && id != EVP_PKEY_ED25519) ||
	    (alg != WA_ALG_ES256 && alg != WA_ALG_RS256 &&
	    alg != WA_ALG_EDDSA)) {
		EVP_MD_CTX_free(ctx);
		return err_set(err, ERR_UNSUPPORTED, "key does not match "
		    "signature algorithm %d", alg);
	}
	if (ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1)
		ok = EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return err_set(err, ERR_AUTH, "invalid signature");
	return 0;
}

int
wa_key_verify(const struct wa_key *k, const void *msg, size_t len,
    const void *sig, size_t siglen, struct err *err)
{
	return wa_pkey_verify(k->pkey, k->alg, msg, len, sig, siglen, err);
}
