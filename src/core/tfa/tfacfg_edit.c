/*
 * Changes to tfa.cfg that the management API makes: adding entries (new
 * UUID, created = now, as proxmox-tfa's TfaEntry::new), changing an
 * entry's description or enable flag, deleting an entry or a user, and
 * the two lock flags.  Entries realmgate cannot read are never changed;
 * an id is searched in Proxmox's order.
 */
#include "tfacfg_int.h"
#include "totp.h"
#include "uuid.h"

#include <string.h>

/* A description goes into tfa.cfg as a JSON string: no NUL, valid UTF-8. */
static json_t *
description_value(const char *description, struct err *err)
{
	json_t *s = json_string(description != NULL ? description : "");

	if (s == NULL)
		err_set(err, ERR_INVALID, "description must be UTF-8 text");
	return s;
}

json_t *
tfa_entry_new(const char *description, json_t *value, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err)
{
	char id[UUID_STR_SIZE];
	json_t *e, *desc;

	desc = description_value(description, err);
	if (desc == NULL || uuid_v4(id, err) < 0) {
		json_decref(desc);
		json_decref(value);
		return NULL;
	}
	e = json_object();
	json_object_set_new(e, "id", json_string(id));
	json_object_set_new(e, "description", desc);
	json_object_set_new(e, "created", json_integer((json_int_t)now));
	json_object_set_new(e, "entry", value);
	memcpy(id_out, id, sizeof(id));
	return e;
}

int
tfa_entry_append(struct tfacfg *cfg, const char *userid, enum tfa_type t,
    json_t *entry, struct err *err)
{
	json_t *u = tfacfg_user_make(cfg, userid, err), *list;
	const char *key = tfa_type_name(t);

	if (u == NULL) {
		json_decref(entry);
		return -1;
	}
	list = json_object_get(u, key);
	if (list == NULL) {
		list = json_array();
		json_object_set_new(u, key, list);
	}
	if (!json_is_array(list)) {
		json_decref(entry);
		return err_set(err, ERR_INVALID, "the %s entries of user '%s' "
		    "cannot be read", key, userid);
	}
	json_array_append_new(list, entry);
	return 0;
}

static int
add_entry(struct tfacfg *cfg, const char *userid, enum tfa_type t,
    const char *description, json_t *value, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err)
{
	char id[TFA_ID_MAX + 1];
	json_t *e = tfa_entry_new(description, value, now, id, err);

	/* id_out changes only with the cfg */
	if (e == NULL || tfa_entry_append(cfg, userid, t, e, err) < 0)
		return -1;
	memcpy(id_out, id, strlen(id) + 1);
	return 0;
}

int
tfacfg_add_totp(struct tfacfg *cfg, const char *userid,
    const char *description, const struct totp *t, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err)
{
	struct buf uri = BUF_INIT;
	json_t *v;

	totp_uri(t, &uri);
	v = json_stringn(buf_str(&uri), uri.len);
	buf_clear_secret(&uri);
	if (v == NULL)
		return err_set(err, ERR_INVALID, "TOTP names must be UTF-8");
	return add_entry(cfg, userid, TFA_TOTP, description, v, now, id_out,
	    err);
}

int
tfacfg_add_yubico(struct tfacfg *cfg, const char *userid,
    const char *description, const char *key, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err)
{
	json_t *v = json_string(key);

	if (v == NULL)
		return err_set(err, ERR_INVALID, "invalid yubico key id");
	return add_entry(cfg, userid, TFA_YUBICO, description, v, now, id_out,
	    err);
}

int
tfacfg_add_webauthn(struct tfacfg *cfg, const char *userid,
    const char *description, const json_t *entry, time_t now,
    char id_out[TFA_ID_MAX + 1], struct err *err)
{
	if (!json_is_object(entry))
		return err_set(err, ERR_INVALID,
		    "a webauthn credential must be an object");
	return add_entry(cfg, userid, TFA_WEBAUTHN, description,
	    json_deep_copy(entry), now, id_out, err);
}

/*
 * The readable entry object with this id (Proxmox's find_entry_mut:
 * totp, webauthn, u2f, yubico), or NULL.
 */
static json_t *
find_entry(struct tfacfg *cfg, const char *userid, const char *id,
    json_t **list_r, size_t *index_r)
{
	static const enum tfa_type order[] = {
		TFA_TOTP, TFA_WEBAUTHN, TFA_U2F, TFA_YUBICO,
	};
	json_t *u = tfacfg_user(cfg, userid), *list, *e;
	struct tfa_info info;
	size_t i, j;

	if (u == NULL || id == NULL)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		list = json_object_get(u, tfa_type_name(order[i]));
		json_array_foreach(list, j, e) {
			if (!tfa_entry_read(e, order[i], &info) ||
			    strcmp(info.id, id) != 0)
				continue;
			if (list_r != NULL)
				*list_r = list;
			if (index_r != NULL)
				*index_r = j;
			return e;
		}
	}
	return NULL;
}

int
tfacfg_update(struct tfacfg *cfg, const char *userid, const char *id,
    const char *description, int enable, struct err *err)
{
	json_t *e = find_entry(cfg, userid, id, NULL, NULL), *desc = NULL;

	if (e == NULL)
		return err_set(err, ERR_NOT_FOUND, "no such entry");
	if (description != NULL) {
		desc = description_value(description, err);
		if (desc == NULL)
			return -1;
		json_object_set_new(e, "description", desc);
	}
	if (enable >= 0)
		json_object_set_new(e, "enable", json_boolean(enable));
	return 0;
}

int
tfacfg_delete(struct tfacfg *cfg, const char *userid, const char *id,
    bool *left_r, struct err *err)
{
	json_t *list = NULL, *u = tfacfg_user(cfg, userid), *r;
	size_t index = 0;

	*left_r = u != NULL;
	if (find_entry(cfg, userid, id, &list, &index) != NULL) {
		json_array_remove(list, index);	/* empty: not written */
	} else if (u != NULL && id != NULL && strcmp(id, "recovery") == 0 &&
	    (r = json_object_get(u, "recovery")) != NULL && !json_is_null(r)) {
		json_object_del(u, "recovery");
	} else {
		return err_set(err, ERR_NOT_FOUND, "no such entry");
	}
	if (!tfa_user_has_entries(u)) {
		json_object_del(tfacfg_users_obj(cfg), userid);
		*left_r = false;
	}
	return 0;
}

bool
tfacfg_totp_locked(const struct tfacfg *cfg, const char *userid)
{
	const json_t *v = json_object_get(tfacfg_user(cfg, userid),
	    "totp-locked");

	/* anything but false (or nothing) locks: fail closed */
	return v != NULL && !json_is_false(v);
}

int64_t
tfacfg_locked_until(const struct tfacfg *cfg, const char *userid)
{
	const json_t *v = json_object_get(tfacfg_user(cfg, userid),
	    "tfa-locked-until");

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return INT64_MAX;	/* unreadable: fail closed */
	return json_integer_value(v);
}

static json_t *
existing_user(struct tfacfg *cfg, const char *userid, struct err *err)
{
	json_t *u = tfacfg_user(cfg, userid);

	if (u == NULL)
		err_set(err, ERR_NOT_FOUND, "no such user");
	return u;
}

int
tfacfg_set_totp_locked(struct tfacfg *cfg, const char *userid, bool on,
    struct err *err)
{
	json_t *u = existing_user(cfg, userid, err);

	if (u == NULL)
		return -1;
	if (on)
		json_object_set_new(u, "totp-locked", json_true());
	else
		json_object_del(u, "totp-locked");
	return 0;
}

int
tfacfg_set_locked_until(struct tfacfg *cfg, const char *userid,
    int64_t until, struct err *err)
{
	json_t *u = existing_user(cfg, userid, err);

	if (u == NULL)
		return -1;
	if (until != 0)
		json_object_set_new(u, "tfa-locked-until",
		    json_integer((json_int_t)until));
	else
		json_object_del(u, "tfa-locked-until");
	return 0;
}

int
tfacfg_unlock(struct tfacfg *cfg, const char *userid, time_t now,
    bool *was_locked_r, struct err *err)
{
	json_t *u = existing_user(cfg, userid, err);

	if (u == NULL)
		return -1;
	*was_locked_r = tfacfg_totp_locked(cfg, userid) ||
	    tfacfg_locked_until(cfg, userid) > (int64_t)now;
	json_object_del(u, "totp-locked");
	json_object_del(u, "tfa-locked-until");
	return 0;
}
