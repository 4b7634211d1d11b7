/*
 * Registration: the creation options Proxmox's web UI hands to
 * navigator.credentials.create(), and the verification of what comes back
 * (WebAuthn section 7.1), with the policy proxmox-tfa gives webauthn-rs:
 * user presence required, user verification not, no attestation CA, only
 * the offered algorithms, no credential registered twice.
 */
#include "webauthn.h"
#include "webauthn_int.h"
#include "ticket/b64.h"

#include <openssl/sha.h>
#include <string.h>

json_t *
wa_b64url_json(const void *p, size_t len)
{
	struct buf b = BUF_INIT;
	json_t *s;

	b64url_encode_buf(&b, p, len);
	s = json_string(buf_str(&b));
	buf_clear(&b);
	return s;
}

static json_t *
cred_param(int alg)
{
	return json_pack("{s:s, s:i}", "type", "public-key", "alg", alg);
}

/* {type, id} descriptors of the credentials we can read. */
json_t *
wa_cred_descriptors(const json_t *const *creds, size_t n)
{
	json_t *list = json_array();
	struct wa_cred c;
	struct err err;
	size_t i;

	for (i = 0; i < n; i++) {
		if (wa_cred_parse(creds[i], &c, &err) < 0)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:o}", "type",
		    "public-key", "id", wa_b64url_json(c.id.data, c.id.len)));
		wa_cred_clear(&c);
	}
	return list;
}

json_t *
webauthn_register_options(const struct webauthn_rp *rp, const char *userid,
    const unsigned char user_handle[16], const unsigned char *challenge,
    size_t clen, const json_t *const *existing, size_t n)
{
	json_t *params = json_array(), *pk;

	json_array_append_new(params, cred_param(WA_ALG_ES256));
	json_array_append_new(params, cred_param(WA_ALG_RS256));
	if (rp->allow_eddsa)
		json_array_append_new(params, cred_param(WA_ALG_EDDSA));
	/* webauthn-rs 0.5's CreationChallengeResponse, member by member */
	pk = json_pack("{s:{s:s, s:s}, s:{s:o, s:s, s:s}, s:o, s:o, s:i, s:o,"
	    " s:{s:s, s:b, s:s}, s:[s], s:s, s:{s:b, s:b}}",
	    "rp", "name", rp->name, "id", rp->id,
	    "user", "id", wa_b64url_json(user_handle, 16), "name", userid,
	    "displayName", userid,
	    "challenge", wa_b64url_json(challenge, clen),
	    "pubKeyCredParams", params,
	    "timeout", WEBAUTHN_TIMEOUT_MS,
	    "excludeCredentials", wa_cred_descriptors(existing, n),
	    "authenticatorSelection", "residentKey", "discouraged",
	    "requireResidentKey", 0, "userVerification", "discouraged",
	    "hints", "security-key",
	    "attestation", "none",
	    "extensions", "uvm", 1, "credProps", 1);
	return json_pack("{s:o}", "publicKey", pk);
}

int
wa_check_cred_ids(const json_t *response, struct buf *raw_id,
    struct err *err)
{
	struct buf id = BUF_INIT;
	const json_t *type = json_object_get(response, "type");
	int rc = -1;

	if (!json_is_string(type) || strcmp(json_string_value(type),
	    "public-key") != 0) {
		err_set(err, ERR_INVALID, "credential type is not "
		    "'public-key'");
		goto out;
	}
	if (wa_member_b64(response, "rawId", WA_CRED_ID_MAX, raw_id, err) < 0 ||
	    wa_member_b64(response, "id", WA_CRED_ID_MAX, &id, err) < 0)
		goto out;
	if (raw_id->len == 0 || id.len != raw_id->len ||
	    memcmp(id.data, raw_id->data, id.len) != 0) {
		err_set(err, ERR_INVALID, "credential id and rawId differ");
		goto out;
	}
	rc = 0;
out:
	buf_clear(&id);
	return rc;
}

static bool
alg_offered(const struct webauthn_rp *rp, int alg)
{
	return alg == WA_ALG_ES256 || alg == WA_ALG_RS256 ||
	    (alg == WA_ALG_EDDSA && rp->allow_eddsa);
}

static int
check_new_credential(const struct webauthn_rp *rp,
    const struct wa_authdata *ad, const struct buf *raw_id,
    const json_t *const *existing, size_t n, struct err *err)
{
	struct buf id = BUF_INIT;
	struct err ignore;
	size_t i;
	bool dup = false;

	if (ad->cred_id.len != raw_id->len || memcmp(ad->cred_id.data,
	    raw_id->data, raw_id->len) != 0)
		return err_set(err, ERR_INVALID, "credential id differs from "
		    "the authenticator data's");
	if (!alg_offered(rp, ad->key.alg))
		return err_set(err, ERR_INVALID, "authenticator ignored the "
		    "requested algorithms");
	if ((ad->flags & WA_FLAG_BS) && !(ad->flags & WA_FLAG_BE))
		return err_set(err, ERR_INVALID, "credential backed up but not "
		    "backup eligible");
	for (i = 0; i < n && !dup; i++) {
		buf_reset(&id);
		if (wa_json_bytes(json_object_get(existing[i], "cred_id"),
		    WA_CRED_ID_MAX, &id, "cred_id", &ignore) == 0)
			dup = id.len == raw_id->len && memcmp(id.data,
			    raw_id->data, id.len) == 0;
	}
	buf_clear(&id);
	if (dup)
		return err_set(err, ERR_EXISTS, "credential id already present");
	return 0;
}

int
wa_check_rp_hash(const char *rp_id, const struct wa_authdata *ad,
    struct err *err)
{
	unsigned char want[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)rp_id, strlen(rp_id), want);
	if (memcmp(want, ad->rp_id_hash, sizeof(want)) != 0)
		return err_set(err, ERR_AUTH, "authenticator data: RP id hash "
		    "mismatch");
	if (!(ad->flags & WA_FLAG_UP))
		return err_set(err, ERR_AUTH, "authenticator data: user not "
		    "present");
	return 0;
}

int
webauthn_register_verify(const struct webauthn_rp *rp,
    const unsigned char *challenge, size_t clen, const json_t *response,
    const json_t *const *existing, size_t n, json_t **entry_r,
    struct err *err)
{
	struct wa_expect want = {"webauthn.create", challenge, clen,
	    rp->origin, rp->allow_subdomains};
	struct buf raw_id = BUF_INIT, cd = BUF_INIT, ao = BUF_INIT;
	unsigned char hash[SHA256_DIGEST_LENGTH];
	struct wa_attestation att;
	const json_t *r;
	int rc = -1;

	*entry_r = NULL;
	memset(&att, 0, sizeof(att));
	r = json_object_get(response, "response");
	if (!json_is_object(response) || !json_is_object(r)) {
		err_set(err, ERR_INVALID, "invalid webauthn registration "
		    "response");
		goto out;
	}
	if (wa_check_cred_ids(response, &raw_id, err) < 0 ||
	    wa_member_b64(r, "clientDataJSON", WA_CLIENTDATA_MAX, &cd,
	    err) < 0 ||
	    wa_member_b64(r, "attestationObject", 256 * 1024, &ao, err) < 0 ||
	    wa_clientdata_check(cd.data, cd.len, &want, err) < 0 ||
	    wa_attestation_parse((const unsigned char *)ao.data, ao.len, &att,
	    err) < 0 ||
	    wa_check_rp_hash(rp->id, &att.ad, err) < 0)
		goto out;
	if (!(att.ad.flags & WA_FLAG_AT)) {
		err_set(err, ERR_INVALID, "registration without attested "
		    "credential data");
		goto out;
	}
	if (check_new_credential(rp, &att.ad, &raw_id, existing, n, err) < 0)
		goto out;
	SHA256((const unsigned char *)cd.data, cd.len, hash);
	if (wa_attestation_verify(&att, hash, err) < 0)
		goto out;
	*entry_r = wa_cred_new_json(&att.ad);
	rc = 0;
out:
	if (rc < 0)
		err_prefix(err, "webauthn registration failed: ");
	wa_attestation_clear(&att);
	buf_clear(&raw_id);
	buf_clear(&cd);
	buf_clear(&ao);
	return rc;
}
