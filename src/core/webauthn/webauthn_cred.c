/*
 * Credentials as tfa.cfg stores them (proxmox-tfa's WebauthnCredential,
 * see webauthn.h): read for verification, written for new keys, and the
 * counter updated in place so that members we do not know survive.
 */
#include "webauthn.h"
#include "webauthn_int.h"
#include "ticket/b64.h"

#include <string.h>

void
wa_cred_clear(struct wa_cred *c)
{
	buf_clear(&c->id);
	wa_key_clear(&c->key);
	memset(c, 0, sizeof(*c));
}

int
wa_cred_parse(const json_t *entry, struct wa_cred *c, struct err *err)
{
	const json_t *counter;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(entry))
		return err_set(err, ERR_INVALID, "webauthn credential is not an "
		    "object");
	if (wa_json_bytes(json_object_get(entry, "cred_id"), WA_CRED_ID_MAX,
	    &c->id, "webauthn credential: cred_id", err) < 0)
		goto fail;
	if (c->id.len == 0) {
		err_set(err, ERR_INVALID, "webauthn credential: empty cred_id");
		goto fail;
	}
	counter = json_object_get(entry, "counter");
	if (!json_is_integer(counter) || json_integer_value(counter) < 0 ||
	    json_integer_value(counter) > UINT32_MAX) {
		err_set(err, ERR_INVALID, "webauthn credential: invalid counter");
		goto fail;
	}
	c->counter = (uint32_t)json_integer_value(counter);
	if (wa_key_from_json(json_object_get(entry, "cred"), &c->key, err) < 0)
		goto fail;
	return 0;
fail:
	wa_cred_clear(c);
	return -1;
}

int
webauthn_cred_check(const json_t *entry, struct err *err)
{
	struct wa_cred c;

	if (wa_cred_parse(entry, &c, err) < 0)
		return -1;
	wa_cred_clear(&c);
	return 0;
}

bool
webauthn_cred_id(const json_t *entry, char *out, size_t size)
{
	struct buf id = BUF_INIT, enc = BUF_INIT;
	struct err err;
	bool ok;

	ok = wa_json_bytes(json_object_get(entry, "cred_id"), WA_CRED_ID_MAX,
	    &id, "cred_id", &err) == 0 && id.len > 0;
	if (ok) {
		b64url_encode_buf(&enc, id.data, id.len);
		ok = enc.len < size;
		if (ok)
			memcpy(out, enc.data, enc.len + 1);
	}
	buf_clear(&id);
	buf_clear(&enc);
	return ok;
}

int
webauthn_cred_set_counter(json_t *entry, uint32_t counter, struct err *err)
{
	if (!json_is_object(entry) || !json_is_integer(json_object_get(entry,
	    "counter")))
		return err_set(err, ERR_INVALID, "not a webauthn credential");
	json_object_set_new(entry, "counter", json_integer(counter));
	return 0;
}

json_t *
wa_cred_new_json(const struct wa_authdata *ad)
{
	json_t *c = json_object();

	/* proxmox-tfa's member order; byte strings as webauthn-rs 0.3 */
	json_object_set_new(c, "cred_id",
	    wa_json_byte_array(ad->cred_id.data, ad->cred_id.len));
	json_object_set_new(c, "cred", wa_key_to_json(&ad->key));
	json_object_set_new(c, "counter", json_integer(ad->counter));
	json_object_set_new(c, "backup_eligible",
	    json_boolean(ad->flags & WA_FLAG_BE));
	json_object_set_new(c, "backup_state",
	    json_boolean(ad->flags & WA_FLAG_BS));
	return c;
}
