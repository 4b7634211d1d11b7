/*
 * Pending WebAuthn challenges, node-local as Proxmox keeps them (there in
 * /run/pve-private/tfa/<userid>): <config>/local/webauthn/<userid>.json,
 * {"register":[..],"auth":[..]}, each entry {"challenge","created",...}.
 * A challenge is taken out before it is checked, so it can be tried once;
 * one older than WEBAUTHN_CHALLENGE_TTL is gone.
 */
#include "webauthn.h"
#include "ids.h"
#include "localstate.h"
#include "secret.h"
#include "ticket/b64.h"

#include <string.h>

static const char *
op_key(enum webauthn_op op)
{
	return op == WEBAUTHN_REGISTER ? "register" : "auth";
}

static int
open_user(const char *config_dir, const char *userid, struct localstate *s,
    struct err *err)
{
	if (!id_user_valid(userid, strlen(userid), NULL))
		return err_set(err, ERR_INVALID, "invalid user id");
	if (localstate_open(config_dir, "webauthn", userid, s, err) < 0)
		return -1;
	if (!json_is_object(s->root)) {
		json_decref(s->root);
		s->root = json_object();
	}
	return 0;
}

/* The list of op in s, created if missing, without expired entries. */
static json_t *
live_list(struct localstate *s, enum webauthn_op op, time_t now)
{
	json_t *list = json_object_get(s->root, op_key(op));
	size_t i = 0;

	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(s->root, op_key(op), list);
	}
	while (i < json_array_size(list)) {
		const json_t *e = json_array_get(list, i);
		json_int_t t = json_integer_value(json_object_get(e,
		    "created"));

		/* t is whatever the file says: compare, no arithmetic on it */
		if (!json_is_object(e) || !json_is_string(json_object_get(e,
		    "challenge")) || t < now - WEBAUTHN_CHALLENGE_TTL ||
		    t > now + 60)
			json_array_remove(list, i);
		else
			i++;
	}
	return list;
}

int
webauthn_pending_add(const char *config_dir, const char *userid,
    enum webauthn_op op, const unsigned char *challenge, size_t clen,
    json_t *data, time_t now, struct err *err)
{
	struct buf enc = BUF_INIT;
	struct localstate s = {.lock = NULL};
	json_t *list;
	int rc = -1;

	if (!json_is_object(data)) {
		json_decref(data);
		return err_set(err, ERR_INTERNAL, "pending challenge data is "
		    "not an object");
	}
	if (open_user(config_dir, userid, &s, err) < 0)
		goto out;
	list = live_list(&s, op, now);
	while (json_array_size(list) >= WEBAUTHN_PENDING_MAX)
		json_array_remove(list, 0);	/* the oldest */
	b64url_encode_buf(&enc, challenge, clen);
	json_object_set_new(data, "challenge", json_string(buf_str(&enc)));
	json_object_set_new(data, "created", json_integer(now));
	json_array_append(list, data);
	/* a challenge lost in a crash costs a retried login: no fsync */
	rc = localstate_save(&s, JSON_COMPACT, false, err);
out:
	localstate_close(&s);
	json_decref(data);
	buf_clear(&enc);
	return rc;
}

int
webauthn_pending_take(const char *config_dir, const char *userid,
    enum webauthn_op op, const char *challenge, time_t now, json_t **data_r,
    struct err *err)
{
	struct localstate s = {.lock = NULL};
	json_t *list;
	size_t i;
	int rc = -1;

	*data_r = NULL;
	if (open_user(config_dir, userid, &s, err) < 0)
		goto out;
	list = live_list(&s, op, now);
	for (i = 0; i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);

		if (!secret_streq(json_string_value(json_object_get(e,
		    "challenge")), challenge))
			continue;
		*data_r = json_incref(e);
		json_array_remove(list, i);
		/* used once: removed on disk before anyone checks it */
		rc = localstate_save(&s, JSON_COMPACT, false, err);
		if (rc < 0) {
			json_decref(*data_r);
			*data_r = NULL;
		}
		goto out;
	}
	err_set(err, ERR_AUTH, "no such challenge");
out:
	localstate_close(&s);
	return rc;
}
