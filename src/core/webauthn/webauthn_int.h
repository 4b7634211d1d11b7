/*
 * Internals of the WebAuthn verifier, one parser per piece of the
 * protocol, each usable (and fuzzed) alone: COSE public keys (CBOR from an
 * authenticator, JSON in webauthn-rs' stored form), authenticator data,
 * client data, attestation objects.  Every parser refuses anything it does
 * not fully understand; none of them trusts a length it has not checked.
 */
#ifndef RG_WEBAUTHN_INT_H
#define RG_WEBAUTHN_INT_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* COSE algorithm numbers (IANA "COSE Algorithms") we verify. */
#define WA_ALG_ES256 (-7)
#define WA_ALG_EDDSA (-8)
#define WA_ALG_RS256 (-257)

#define WA_EC_COORD	32	/* P-256 and Ed25519 coordinates */
#define WA_RSA_MIN	128	/* modulus bytes: 1024 bits */
#define WA_RSA_MAX	1024	/* 8192 bits */
#define WA_CRED_ID_MAX	1023	/* WebAuthn's limit on credential ids */

/* A credential public key with what its stored form needs. */
struct wa_key {
	int alg;			/* WA_ALG_* */
	EVP_PKEY *pkey;
	unsigned char x[WA_EC_COORD];	/* ES256, EdDSA */
	unsigned char y[WA_EC_COORD];	/* ES256 */
	struct buf n;			/* RS256 modulus, no leading zeros */
	unsigned char e[3];		/* RS256 exponent, webauthn-rs' [u8; 3] */
};

void wa_key_clear(struct wa_key *k);

/*
 * Build k->pkey from the raw parameters already in k (alg, x, y / n, e),
 * checking that the point is on the curve.
 */
int wa_key_build(struct wa_key *k, struct err *err) RG_WARN_UNUSED;

/*
 * Parse the CBOR COSE_Key at (p, len); *used gets the bytes it took (the
 * key is followed by extensions in authenticator data).  ES256 (EC2,
 * P-256), RS256 (RSA) and EdDSA (OKP, Ed25519) only.
 */
int wa_cose_parse(const unsigned char *p, size_t len, size_t *used,
    struct wa_key *k, struct err *err) RG_WARN_UNUSED;

/*
 * Verify sig over msg with k: ECDSA (DER) with SHA-256, RSASSA-PKCS1-v1_5
 * with SHA-256, or Ed25519.  A bad signature is ERR_AUTH.
 */
int wa_key_verify(const struct wa_key *k, const void *msg, size_t len,
    const void *sig, size_t siglen, struct err *err) RG_WARN_UNUSED;

/* The same with any EVP_PKEY (attestation certificates). */
int wa_pkey_verify(EVP_PKEY *pkey, int alg, const void *msg, size_t len,
    const void *sig, size_t siglen, struct err *err) RG_WARN_UNUSED;

/* webauthn-rs' COSEKey in JSON ({"type_":..,"key":{..}}) and back. */
int wa_key_from_json(const json_t *cred, struct wa_key *k, struct err *err)
    RG_WARN_UNUSED;
json_t *wa_key_to_json(const struct wa_key *k);

/*
 * A byte string in serde's JSON: a base64 string (any of webauthn-rs'
 * accepted variants) or an array of integers 0-255 (webauthn-rs 0.3).
 * Appends to out; max bounds the length.
 */
int wa_json_bytes(const json_t *v, size_t max, struct buf *out,
    const char *what, struct err *err) RG_WARN_UNUSED;
/* (p, len) as an array of integers, webauthn-rs 0.3's Vec<u8>. */
json_t *wa_json_byte_array(const void *p, size_t len);

/* Authenticator data flags. */
#define WA_FLAG_UP 0x01
#define WA_FLAG_UV 0x04
#define WA_FLAG_BE 0x08
#define WA_FLAG_BS 0x10
#define WA_FLAG_AT 0x40
#define WA_FLAG_ED 0x80

#define WA_AUTHDATA_MIN 37
#define WA_AUTHDATA_MAX (64 * 1024)

struct wa_authdata {
	unsigned char rp_id_hash[32];
	uint8_t flags;
	uint32_t counter;
	/* attested credential data, when flags has WA_FLAG_AT */
	unsigned char aaguid[16];
	struct buf cred_id;
	struct wa_key key;
};

/*
 * Parse authenticator data: rpIdHash, flags, counter, the attested
 * credential data when AT is set, extensions (a CBOR map, skipped) when ED
 * is set; nothing may follow.
 */
int wa_authdata_parse(const unsigned char *p, size_t len,
    struct wa_authdata *ad, struct err *err) RG_WARN_UNUSED;
void wa_authdata_clear(struct wa_authdata *ad);

#define WA_CLIENTDATA_MAX (64 * 1024)

/* What the relying party expects to find in the client data. */
struct wa_expect {
	const char *type;		/* "webauthn.create" / "webauthn.get" */
	const unsigned char *challenge;
	size_t challenge_len;
	const char *origin;		/* normalised (wa_origin_normalise) */
	bool allow_subdomains;
};

/*
 * Check clientDataJSON (the raw bytes the browser made): a JSON object
 * whose type, challenge and origin are the expected ones, not cross-origin,
 * no token binding in use.
 */
int wa_clientdata_check(const void *json, size_t len,
    const struct wa_expect *want, struct err *err) RG_WARN_UNUSED;

/*
 * An origin in its serialised form "scheme://host[:port]": lower case,
 * the default port (443, 80) dropped, at most a trailing "/" after it.
 */
int wa_origin_normalise(const char *in, struct buf *out, struct err *err)
    RG_WARN_UNUSED;

/* A parsed attestation object ({fmt, attStmt, authData}). */
struct wa_attestation {
	char fmt[32];
	struct wa_authdata ad;
	struct buf auth_data;		/* the raw authData bytes */
	void *att_stmt;			/* cbor_item_t *, a map */
	void *root;			/* cbor_item_t *, the whole object */
};

int wa_attestation_parse(const unsigned char *p, size_t len,
    struct wa_attestation *att, struct err *err) RG_WARN_UNUSED;
/*
 * Verify the attestation statement as webauthn-rs does without a CA list:
 * "none"; "packed" (self attestation with the credential key, or x5c's
 * first certificate; its AAGUID extension must match); "fido-u2f";
 * "tpm", "android-key" and "apple" are accepted with the statement
 * ignored; anything else is refused.
 */
int wa_attestation_verify(const struct wa_attestation *att,
    const unsigned char client_hash[32], struct err *err) RG_WARN_UNUSED;
void wa_attestation_clear(struct wa_attestation *att);

/*
 * The length of the one well-formed CBOR item at (p, len), checked before
 * libcbor allocates for it (webauthn_cbor.c); false if it is not one.
 * Every cbor_load here goes through it.
 */
bool wa_cbor_item_len(const unsigned char *p, size_t len, size_t *item_len);

/* A stored credential (webauthn.h), parsed. */
struct wa_cred {
	struct buf id;
	struct wa_key key;
	uint32_t counter;
};

int wa_cred_parse(const json_t *entry, struct wa_cred *c, struct err *err)
    RG_WARN_UNUSED;
void wa_cred_clear(struct wa_cred *c);
/* The stored form of a newly registered credential. */
json_t *wa_cred_new_json(const struct wa_authdata *ad);

/* Shared by registration and assertion (webauthn_reg.c). */
json_t *wa_b64url_json(const void *p, size_t len);
/* [{type: "public-key", id}] for the credentials of creds we can read. */
json_t *wa_cred_descriptors(const json_t *const *creds, size_t n);
/* A response's type is "public-key" and its id equals rawId (to raw_id). */
int wa_check_cred_ids(const json_t *response, struct buf *raw_id,
    struct err *err) RG_WARN_UNUSED;
/* rpIdHash is SHA-256 of the RP id, and the user was present. */
int wa_check_rp_hash(const char *rp_id, const struct wa_authdata *ad,
    struct err *err) RG_WARN_UNUSED;

/* Decode a base64url JSON member of obj into out (bounded). */
int wa_member_b64(const json_t *obj, const char *key, size_t max,
    struct buf *out, struct err *err) RG_WARN_UNUSED;

#endif
