/*
 * The tfa.cfg tree and its readers: which parts realmgate can use (an
 * entry with a string id, an integer `created`, optional string
 * description and boolean enable, and an `entry` of the right shape),
 * the listings in Proxmox's order, and lookups by id.
 */
#include "tfacfg_int.h"
#include "sjson.h"
#include "ids.h"
#include "totp.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

const struct tfa_list_kind tfa_lists[4] = {
	{"totp", TFA_TOTP},
	{"u2f", TFA_U2F},
	{"webauthn", TFA_WEBAUTHN},
	{"yubico", TFA_YUBICO},
};

const char *const tfa_user_keys[7] = {
	"totp", "u2f", "webauthn", "recovery", "yubico", "totp-locked",
	"tfa-locked-until",
};

/* Proxmox's listing order (methods.rs to_data), after the recovery set. */
static const enum tfa_type list_order[] = {
	TFA_TOTP, TFA_WEBAUTHN, TFA_U2F, TFA_YUBICO,
};

const char *
tfa_type_name(enum tfa_type t)
{
	switch (t) {
	case TFA_TOTP: return "totp";
	case TFA_U2F: return "u2f";
	case TFA_WEBAUTHN: return "webauthn";
	case TFA_RECOVERY: return "recovery";
	case TFA_YUBICO: return "yubico";
	}
	return "?";
}

static const char *
list_key(enum tfa_type t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tfa_lists); i++)
		if (tfa_lists[i].type == t)
			return tfa_lists[i].key;
	return NULL;
}

struct tfacfg *
tfacfg_new(void)
{
	struct tfacfg *cfg = xcalloc(1, sizeof(*cfg));

	cfg->root = json_object();
	json_object_set_new(cfg->root, "users", json_object());
	return cfg;
}

void
tfacfg_free(struct tfacfg *cfg)
{
	if (cfg == NULL)
		return;
	json_decref(cfg->root);
	free(cfg);
}

json_t *
tfacfg_users_obj(const struct tfacfg *cfg)
{
	return json_object_get(cfg->root, "users");
}

json_t *
tfacfg_user(const struct tfacfg *cfg, const char *userid)
{
	json_t *u;

	if (userid == NULL || !id_user_valid(userid, strlen(userid), NULL))
		return NULL;
	u = json_object_get(tfacfg_users_obj(cfg), userid);
	return json_is_object(u) ? u : NULL;
}

json_t *
tfacfg_user_make(struct tfacfg *cfg, const char *userid, struct err *err)
{
	json_t *users = tfacfg_users_obj(cfg), *u;

	if (userid == NULL || !id_user_valid(userid, strlen(userid), NULL)) {
		err_set(err, ERR_INVALID, "invalid user id");
		return NULL;
	}
	u = json_object_get(users, userid);
	if (u == NULL) {
		u = json_object();
		json_object_set_new(users, userid, u);
	} else if (!json_is_object(u)) {
		err_set(err, ERR_INVALID, "the TFA data of user '%s' cannot "
		    "be read", userid);
		return NULL;
	}
	return u;
}

const char *
tfa_json_str(const json_t *v)
{
	const char *s = json_string_value(v);

	if (s == NULL || strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

const char *
tfa_totp_uri_of(const json_t *value)
{
	const json_t *lc;

	if (json_is_string(value))
		return tfa_json_str(value);
	if (!json_is_object(value))
		return NULL;
	lc = json_object_get(value, "last-count");
	if (lc != NULL && !json_is_integer(lc))
		return NULL;
	return tfa_json_str(json_object_get(value, "totp"));
}

static bool
totp_value_ok(const json_t *value)
{
	const char *uri = tfa_totp_uri_of(value);
	struct totp t;
	struct err err;

	if (uri == NULL || totp_parse(uri, strlen(uri), &t, &err) < 0)
		return false;
	totp_clear(&t);
	return true;
}

static bool
value_ok(const json_t *value, enum tfa_type t)
{
	switch (t) {
	case TFA_TOTP:
		return totp_value_ok(value);
	case TFA_YUBICO:
		return tfa_json_str(value) != NULL;
	case TFA_U2F:
	case TFA_WEBAUTHN:
		return json_is_object(value);	/* opaque */
	case TFA_RECOVERY:
		break;
	}
	return false;
}

bool
tfa_entry_read(const json_t *e, enum tfa_type t, struct tfa_info *info)
{
	const json_t *desc, *enable, *created;

	if (!json_is_object(e))
		return false;
	info->type = t;
	info->id = tfa_json_str(json_object_get(e, "id"));
	desc = json_object_get(e, "description");
	info->description = desc != NULL ? tfa_json_str(desc) : "";
	created = json_object_get(e, "created");
	enable = json_object_get(e, "enable");
	if (info->id == NULL || info->description == NULL ||
	    !json_is_integer(created) ||
	    (enable != NULL && !json_is_boolean(enable)) ||
	    !value_ok(json_object_get(e, "entry"), t))
		return false;
	info->created = json_integer_value(created);
	info->enable = enable == NULL || json_is_true(enable);
	return true;
}

bool
tfa_recovery_ok(const json_t *r)
{
	const json_t *entries = json_object_get(r, "entries"), *s;
	size_t i;

	if (!json_is_object(r) ||
	    tfa_json_str(json_object_get(r, "secret")) == NULL ||
	    !json_is_integer(json_object_get(r, "created")) ||
	    !json_is_array(entries))
		return false;
	json_array_foreach(entries, i, s)
		if (!json_is_null(s) && tfa_json_str(s) == NULL)
			return false;
	return true;
}

static bool
known_key(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tfa_user_keys); i++)
		if (strcmp(key, tfa_user_keys[i]) == 0)
			return true;
	return false;
}

bool
tfa_user_unusable(const json_t *u)
{
	const json_t *v, *e;
	const char *key;
	size_t i, j;
	struct tfa_info info;

	if (!json_is_object(u))
		return true;
	json_object_foreach(sjson_mut(u), key, v)
		if (!known_key(key))
			return true;
	for (i = 0; i < ARRAY_SIZE(tfa_lists); i++) {
		v = json_object_get(u, tfa_lists[i].key);
		if (v == NULL)
			continue;
		if (!json_is_array(v))
			return true;
		json_array_foreach(v, j, e)
			if (!tfa_entry_read(e, tfa_lists[i].type, &info))
				return true;
	}
	v = json_object_get(u, "recovery");
	if (v != NULL && !json_is_null(v) && !tfa_recovery_ok(v))
		return true;
	v = json_object_get(u, "totp-locked");
	if (v != NULL && !json_is_boolean(v))
		return true;
	v = json_object_get(u, "tfa-locked-until");
	return v != NULL && !json_is_null(v) && !json_is_integer(v);
}

bool
tfa_user_has_entries(const json_t *u)
{
	const json_t *v;
	const char *key;
	size_t i;

	json_object_foreach(sjson_mut(u), key, v)
		if (!known_key(key))
			return true;
	for (i = 0; i < ARRAY_SIZE(tfa_lists); i++) {
		v = json_object_get(u, tfa_lists[i].key);
		if (v != NULL && (!json_is_array(v) || json_array_size(v) > 0))
			return true;
	}
	v = json_object_get(u, "recovery");
	return v != NULL && !json_is_null(v);
}

bool
tfacfg_has_user(const struct tfacfg *cfg, const char *userid)
{
	return userid != NULL && id_user_valid(userid, strlen(userid), NULL) &&
	    json_object_get(tfacfg_users_obj(cfg), userid) != NULL;
}

size_t
tfacfg_users(const struct tfacfg *cfg, const char ***ids_r)
{
	const char **ids = NULL, *key;
	size_t n = 0, cap = 0;
	json_t *v;

	json_object_foreach(tfacfg_users_obj(cfg), key, v) {
		if (!id_user_valid(key, strlen(key), NULL))
			continue;
		XGROW(ids, cap, n + 1);
		ids[n++] = key;
	}
	*ids_r = ids;
	return n;
}

bool
tfacfg_user_unusable(const struct tfacfg *cfg, const char *userid)
{
	json_t *v;

	if (!tfacfg_has_user(cfg, userid))
		return false;
	v = json_object_get(tfacfg_users_obj(cfg), userid);
	return tfa_user_unusable(v);
}

bool
tfacfg_delete_user(struct tfacfg *cfg, const char *userid)
{
	if (!tfacfg_has_user(cfg, userid))
		return false;
	return json_object_del(tfacfg_users_obj(cfg), userid) == 0;
}

json_t *
tfa_info_json(const struct tfa_info *info)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(tfa_type_name(info->type)));
	json_object_set_new(o, "id", json_string(info->id));
	if (info->description[0] != '\0')
		json_object_set_new(o, "description",
		    json_string(info->description));
	json_object_set_new(o, "created", json_integer(info->created));
	if (!info->enable)
		json_object_set_new(o, "enable", json_false());
	return o;
}

/* The recovery set as an entry (TfaInfo::recovery). */
static bool
recovery_info(const json_t *u, struct tfa_info *info)
{
	const json_t *r = json_object_get(u, "recovery");

	if (!tfa_recovery_ok(r))
		return false;
	info->type = TFA_RECOVERY;
	info->id = "recovery";
	info->description = "";
	info->created = json_integer_value(json_object_get(r, "created"));
	info->enable = true;
	return true;
}

size_t
tfacfg_list(const struct tfacfg *cfg, const char *userid,
    struct tfa_info **infos_r)
{
	const json_t *u = tfacfg_user(cfg, userid), *e;
	struct tfa_info *infos = NULL, info;
	size_t n = 0, cap = 0, i, j;

	*infos_r = NULL;
	if (u == NULL)
		return 0;
	if (recovery_info(u, &info)) {
		XGROW(infos, cap, n + 1);
		infos[n++] = info;
	}
	for (i = 0; i < ARRAY_SIZE(list_order); i++) {
		const json_t *list = json_object_get(u,
		    list_key(list_order[i]));

		json_array_foreach(list, j, e) {
			if (!tfa_entry_read(e, list_order[i], &info))
				continue;
			XGROW(infos, cap, n + 1);
			infos[n++] = info;
		}
	}
	*infos_r = infos;
	return n;
}

bool
tfacfg_find(const struct tfacfg *cfg, const char *userid, const char *id,
    struct tfa_info *info_r)
{
	const json_t *u = tfacfg_user(cfg, userid), *e;
	size_t i, j;

	if (u == NULL || id == NULL)
		return false;
	for (i = 0; i < ARRAY_SIZE(list_order); i++) {
		const json_t *list = json_object_get(u,
		    list_key(list_order[i]));

		json_array_foreach(list, j, e)
			if (tfa_entry_read(e, list_order[i], info_r) &&
			    strcmp(info_r->id, id) == 0)
				return true;
	}
	return strcmp(id, "recovery") == 0 && recovery_info(u, info_r);
}

const json_t *
tfacfg_enabled_entry(const struct tfacfg *cfg, const char *userid,
    enum tfa_type t, size_t n, const char **id_r)
{
	const json_t *u = tfacfg_user(cfg, userid), *e;
	struct tfa_info info;
	const char *key = list_key(t);
	size_t j;

	if (u == NULL || key == NULL)
		return NULL;
	json_array_foreach(json_object_get(u, key), j, e) {
		if (!tfa_entry_read(e, t, &info) || !info.enable)
			continue;
		if (n-- > 0)
			continue;
		if (id_r != NULL)
			*id_r = info.id;
		return json_object_get(e, "entry");
	}
	return NULL;
}

size_t
tfacfg_enabled_entries(const struct tfacfg *cfg, const char *userid,
    enum tfa_type t, const json_t **out, size_t max)
{
	size_t n = 0;

	while (n < max && (out[n] = tfacfg_enabled_entry(cfg, userid, t, n,
	    NULL)) != NULL)
		n++;
	return n;
}

bool
tfacfg_has_enabled(const struct tfacfg *cfg, const char *userid,
    enum tfa_type t)
{
	if (t == TFA_RECOVERY)
		return tfa_recovery_ok(json_object_get(tfacfg_user(cfg, userid),
		    "recovery"));
	return tfacfg_enabled_entry(cfg, userid, t, 0, NULL) != NULL;
}
