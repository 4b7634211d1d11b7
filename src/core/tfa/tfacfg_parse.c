/*
 * Reading tfa.cfg (see tfacfg.h): the JSON document, or else the
 * version-1 line format, then what Proxmox does on load - an expired
 * `tfa-locked-until` dropped, TOTP URIs canonical, PBS's server settings
 * dropped - and a warning for every part that will be kept but not used.
 */
#include "tfacfg_int.h"
#include "ids.h"
#include "files/secmap.h"
#include "totp.h"
#include "xalloc.h"

#include <string.h>

#define PARSE_ERROR "failed to parse TFA file, neither old style nor valid json"

static void
canonical_totp_value(json_t *e)
{
	json_t *v = json_object_get(e, "entry"), *holder = e;
	const char *key = "entry", *uri;
	struct buf out = BUF_INIT;
	struct totp t;
	struct err err;

	if (json_is_object(v)) {
		holder = v;
		key = "totp";
	}
	uri = tfa_totp_uri_of(v);
	if (uri == NULL || totp_parse(uri, strlen(uri), &t, &err) < 0)
		return;
	totp_uri(&t, &out);
	totp_clear(&t);
	if (strcmp(buf_str(&out), uri) != 0)
		json_object_set_new(holder, key, json_stringn(buf_str(&out),
		    out.len));
	buf_clear_secret(&out);
}

void
tfa_user_canonical_totp(json_t *u)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(u, "totp"), i, e)
		if (json_is_object(e))
			canonical_totp_value(e);
}

static void
load_user(const char *userid, json_t *u, time_t now, const char *file,
    struct diag *d)
{
	json_t *until;

	if (!id_user_valid(userid, strlen(userid), NULL)) {
		if (d != NULL)
			diag_add(d, file, 0, false, "user tfa config - ignore "
			    "user '%.100s' - invalid user name", userid);
		return;
	}
	if (json_is_object(u)) {
		until = json_object_get(u, "tfa-locked-until");
		if (json_is_integer(until) &&
		    json_integer_value(until) < (json_int_t)now)
			json_object_del(u, "tfa-locked-until");
		tfa_user_canonical_totp(u);
	}
	if (d != NULL && tfa_user_unusable(u))
		diag_add(d, file, 0, false, "user tfa config - user '%s': "
		    "data realmgate cannot read or use is kept unchanged, "
		    "and never used", userid);
}

static int
parse_json(const char *text, size_t len, struct tfacfg **cfg_r)
{
	json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, NULL), *users;
	struct tfacfg *cfg;

	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	users = json_object_get(root, "users");
	if (users == NULL) {
		users = json_object();
		json_object_set_new(root, "users", users);
	}
	if (!json_is_object(users)) {
		json_decref(root);
		return -1;
	}
	/* in PVE these come from datacenter.cfg: a copy from PBS loses them */
	json_object_del(root, "u2f");
	json_object_del(root, "webauthn");
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->root = root;
	*cfg_r = cfg;
	return 0;
}

int
tfacfg_parse(const char *text, size_t len, time_t now, const char *file,
    struct diag *d, struct tfacfg **cfg_r, struct err *err)
{
	struct tfacfg *cfg;
	const char *key;
	json_t *u;

	*cfg_r = NULL;
	if (parse_json(text, len, &cfg) < 0 &&
	    tfacfg_parse_v1(text, len, &cfg, err) < 0)
		return err_set(err, ERR_INVALID, PARSE_ERROR);
	json_object_foreach(tfacfg_users_obj(cfg), key, u)
		load_user(key, u, now, file, d);
	*cfg_r = cfg;
	return 0;
}

int
tfacfg_load(const char *config_dir, time_t now, struct diag *d,
    struct tfacfg **cfg_r, struct err *err)
{
	struct buf text = BUF_INIT;
	int rc;

	*cfg_r = NULL;
	if (secmap_file_read(config_dir, TFACFG_FILE, &text, err) < 0)
		return -1;
	rc = tfacfg_parse(buf_str(&text), text.len, now, TFACFG_FILE, d,
	    cfg_r, err);
	buf_clear_secret(&text);
	return rc;
}

int
tfacfg_save(const char *config_dir, const struct tfacfg *cfg,
    struct err *err)
{
	struct buf text = BUF_INIT;
	int rc;

	tfacfg_write(cfg, &text);
	rc = secmap_file_write(config_dir, TFACFG_FILE, &text, err);
	buf_clear_secret(&text);
	return rc;
}
