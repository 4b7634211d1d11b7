/*
 * The two ceremonies end to end, as the API calls them: a fresh random
 * challenge remembered in the pending file with what step 2 needs, and
 * step 2 taking it out (once) before verifying the browser's answer.
 */
#include "webauthn.h"
#include "webauthn_int.h"
#include "xalloc.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <string.h>

#define RESPONSE_MAX (512 * 1024)

static int
random_bytes(unsigned char *p, size_t len, struct err *err)
{
	if (RAND_bytes(p, (int)len) != 1) {
		ERR_clear_error();
		return err_set(err, ERR_INTERNAL, "no random bytes");
	}
	return 0;
}

int
webauthn_register_begin(const char *config_dir, const struct webauthn_rp *rp,
    const char *userid, const char *description,
    const json_t *const *existing, size_t n, time_t now, json_t **options_r,
    struct err *err)
{
	unsigned char challenge[WEBAUTHN_CHALLENGE_LEN], handle[16];
	json_t *options;

	*options_r = NULL;
	if (random_bytes(challenge, sizeof(challenge), err) < 0 ||
	    random_bytes(handle, sizeof(handle), err) < 0)
		return -1;
	/* a random user handle per key, as proxmox-tfa (a UUID v4) */
	handle[6] = (unsigned char)((handle[6] & 0x0f) | 0x40);
	handle[8] = (unsigned char)((handle[8] & 0x3f) | 0x80);
	options = webauthn_register_options(rp, userid, handle, challenge,
	    sizeof(challenge), existing, n);
	if (webauthn_pending_add(config_dir, userid, WEBAUTHN_REGISTER,
	    challenge, sizeof(challenge), json_pack("{s:s}", "description",
	    description), now, err) < 0) {
		json_decref(options);
		return -1;
	}
	*options_r = options;
	return 0;
}

/* Take the pending challenge out (once) and decode its bytes. */
static int
take_pending(const char *config_dir, const char *userid, enum webauthn_op op,
    const char *challenge, time_t now, json_t **pending, struct buf *bytes,
    struct err *err)
{
	if (webauthn_pending_take(config_dir, userid, op, challenge, now,
	    pending, err) < 0)
		return -1;
	if (wa_member_b64(*pending, "challenge", 1024, bytes, err) < 0)
		return err_set(err, ERR_INTERNAL, "corrupt pending challenge");
	return 0;
}

static int
parse_response(const char *text, size_t len, json_t **r, struct err *err)
{
	if (len > RESPONSE_MAX || (*r = json_loadb(text, len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(*r)) {
		json_decref(*r);
		*r = NULL;
		return err_set(err, ERR_INVALID, "invalid webauthn response, "
		    "must be a json object");
	}
	return 0;
}

int
webauthn_register_finish(const char *config_dir,
    const struct webauthn_rp *rp, const char *userid, const char *challenge,
    const char *response, size_t len, const json_t *const *existing,
    size_t n, time_t now, json_t **entry_r, char **description_r,
    struct err *err)
{
	struct buf bytes = BUF_INIT;
	json_t *pending = NULL, *r = NULL;
	const char *desc;
	int rc = -1;

	*entry_r = NULL;
	*description_r = NULL;
	if (take_pending(config_dir, userid, WEBAUTHN_REGISTER, challenge, now,
	    &pending, &bytes, err) < 0 ||
	    parse_response(response, len, &r, err) < 0 ||
	    webauthn_register_verify(rp, (const unsigned char *)bytes.data,
	    bytes.len, r, existing, n, entry_r, err) < 0)
		goto out;
	desc = json_string_value(json_object_get(pending, "description"));
	*description_r = xstrdup(desc != NULL ? desc : "");
	rc = 0;
out:
	json_decref(pending);
	json_decref(r);
	buf_clear(&bytes);
	return rc;
}

/* The base64url ids of the credentials of creds we can use. */
static json_t *
usable_ids(const json_t *const *creds, size_t n)
{
	json_t *ids = json_array(), *d = wa_cred_descriptors(creds, n);
	size_t i;

	for (i = 0; i < json_array_size(d); i++)
		json_array_append(ids, json_object_get(json_array_get(d, i),
		    "id"));
	json_decref(d);
	return ids;
}

int
webauthn_auth_begin(const char *config_dir, const struct webauthn_rp *rp,
    const char *userid, const json_t *const *creds, size_t n, time_t now,
    json_t **options_r, struct err *err)
{
	unsigned char challenge[WEBAUTHN_CHALLENGE_LEN];
	json_t *ids, *options;

	*options_r = NULL;
	ids = usable_ids(creds, n);
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		return err_set(err, ERR_UNSUPPORTED, "no usable webauthn "
		    "credential");
	}
	if (random_bytes(challenge, sizeof(challenge), err) < 0) {
		json_decref(ids);
		return -1;
	}
	options = webauthn_auth_options(rp, challenge, sizeof(challenge),
	    creds, n);
	if (webauthn_pending_add(config_dir, userid, WEBAUTHN_AUTH, challenge,
	    sizeof(challenge), json_pack("{s:o}", "allow", ids), now,
	    err) < 0) {
		json_decref(options);
		return -1;
	}
	*options_r = options;
	return 0;
}

int
webauthn_auth_finish(const char *config_dir, const struct webauthn_rp *rp,
    const char *userid, const char *response, size_t len,
    const json_t *const *creds, size_t n, time_t now, size_t *which_r,
    uint32_t *counter_r, struct err *err)
{
	struct buf bytes = BUF_INIT;
	json_t *pending = NULL, *r = NULL, *challenge;
	int rc = -1;

	if (parse_response(response, len, &r, err) < 0)
		goto out;
	/* Proxmox's UI adds the challenge to the PublicKeyCredential */
	challenge = json_object_get(r, "challenge");
	if (!json_is_string(challenge)) {
		err_set(err, ERR_INVALID, "missing challenge data in response");
		goto out;
	}
	if (take_pending(config_dir, userid, WEBAUTHN_AUTH,
	    json_string_value(challenge), now, &pending, &bytes, err) < 0)
		goto out;
	/* never NULL here: that would allow any credential */
	if (!json_is_array(json_object_get(pending, "allow"))) {
		err_set(err, ERR_INTERNAL, "corrupt pending challenge");
		goto out;
	}
	if (webauthn_auth_verify(rp, (const unsigned char *)bytes.data,
	    bytes.len, json_object_get(pending, "allow"), r, creds, n,
	    which_r, counter_r, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(pending);
	json_decref(r);
	buf_clear(&bytes);
	return rc;
}
