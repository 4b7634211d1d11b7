/*
 * Assertion (login): the request options for navigator.credentials.get()
 * and the verification of the response (WebAuthn section 7.2): a
 * credential the challenge was made for, client data of type
 * "webauthn.get" with our challenge and origin, our RP id hash, user
 * presence, a valid signature over authenticatorData || SHA-256(client
 * data), and a signature counter that moved forward.
 */
#include "webauthn.h"
#include "webauthn_int.h"
#include "ticket/b64.h"

#include <openssl/sha.h>
#include <string.h>

json_t *
webauthn_auth_options(const struct webauthn_rp *rp,
    const unsigned char *challenge, size_t clen, const json_t *const *creds,
    size_t n)
{
	/* webauthn-rs 0.5's RequestChallengeResponse, member by member */
	return json_pack("{s:{s:o, s:i, s:s, s:o, s:s, s:[s]}}", "publicKey",
	    "challenge", wa_b64url_json(challenge, clen),
	    "timeout", WEBAUTHN_TIMEOUT_MS,
	    "rpId", rp->id,
	    "allowCredentials", wa_cred_descriptors(creds, n),
	    "userVerification", "discouraged",
	    "hints", "security-key");
}

/* Is id (raw) one of allowed (base64url strings)? */
static bool
id_allowed(const json_t *allowed, const struct buf *id)
{
	struct buf enc = BUF_INIT;
	size_t i;
	bool ok = false;

	if (allowed == NULL)
		return true;
	b64url_encode_buf(&enc, id->data, id->len);
	for (i = 0; i < json_array_size(allowed) && !ok; i++) {
		const json_t *a = json_array_get(allowed, i);

		ok = json_is_string(a) && strcmp(json_string_value(a),
		    buf_str(&enc)) == 0;
	}
	buf_clear(&enc);
	return ok;
}

/* The readable credential of creds with this id: its index, or -1. */
static int
find_cred(const json_t *const *creds, size_t n, const struct buf *id,
    struct wa_cred *c, struct err *err)
{
	struct err ignore;
	size_t i;

	for (i = 0; i < n; i++) {
		if (wa_cred_parse(creds[i], c, &ignore) < 0)
			continue;
		if (c->id.len == id->len && memcmp(c->id.data, id->data,
		    id->len) == 0)
			return (int)i;
		wa_cred_clear(c);
	}
	return err_set(err, ERR_AUTH, "unknown or disabled credential");
}

static int
check_counter(uint32_t stored, uint32_t got, struct err *err)
{
	if (stored == 0 && got == 0)
		return 0;	/* an authenticator without a counter */
	if (got <= stored)
		return err_set(err, ERR_AUTH, "signature counter did not "
		    "increase (%u after %u): possibly cloned authenticator",
		    got, stored);
	return 0;
}

int
webauthn_auth_verify(const struct webauthn_rp *rp,
    const unsigned char *challenge, size_t clen, const json_t *allowed,
    const json_t *response, const json_t *const *creds, size_t n,
    size_t *which_r, uint32_t *counter_r, struct err *err)
{
	struct wa_expect want = {"webauthn.get", challenge, clen, rp->origin,
	    rp->allow_subdomains};
	struct buf raw_id = BUF_INIT, cd = BUF_INIT, adb = BUF_INIT,
	    sig = BUF_INIT;
	unsigned char hash[SHA256_DIGEST_LENGTH];
	struct wa_authdata ad;
	struct wa_cred c;
	const json_t *r;
	int at = -1, rc = -1;

	memset(&ad, 0, sizeof(ad));
	memset(&c, 0, sizeof(c));
	r = json_object_get(response, "response");
	if (!json_is_object(response) || !json_is_object(r)) {
		err_set(err, ERR_INVALID, "invalid webauthn response");
		goto out;
	}
	if (wa_check_cred_ids(response, &raw_id, err) < 0)
		goto out;
	if (!id_allowed(allowed, &raw_id)) {
		err_set(err, ERR_AUTH, "credential not allowed by the "
		    "challenge");
		goto out;
	}
	if ((at = find_cred(creds, n, &raw_id, &c, err)) < 0 ||
	    wa_member_b64(r, "clientDataJSON", WA_CLIENTDATA_MAX, &cd,
	    err) < 0 ||
	    wa_member_b64(r, "authenticatorData", WA_AUTHDATA_MAX, &adb,
	    err) < 0 ||
	    wa_member_b64(r, "signature", 4096, &sig, err) < 0 ||
	    wa_clientdata_check(cd.data, cd.len, &want, err) < 0 ||
	    wa_authdata_parse((const unsigned char *)adb.data, adb.len, &ad,
	    err) < 0 ||
	    wa_check_rp_hash(rp->id, &ad, err) < 0)
		goto out;
	if (ad.flags & WA_FLAG_AT) {
		err_set(err, ERR_INVALID, "assertion with attested credential "
		    "data");
		goto out;
	}
	SHA256((const unsigned char *)cd.data, cd.len, hash);
	buf_put(&adb, hash, sizeof(hash));
	if (wa_key_verify(&c.key, adb.data, adb.len, sig.data, sig.len,
	    err) < 0 || check_counter(c.counter, ad.counter, err) < 0)
		goto out;
	*which_r = (size_t)at;
	*counter_r = ad.counter;
	rc = 0;
out:
	if (rc < 0)
		err_prefix(err, "webauthn authentication failed: ");
	wa_authdata_clear(&ad);
	wa_cred_clear(&c);
	buf_clear(&raw_id);
	buf_clear(&cd);
	buf_clear(&adb);
	buf_clear(&sig);
	return rc;
}
