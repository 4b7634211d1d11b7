/*
 * Realm changes as Proxmox's /access/domains API makes them (spec 8.4):
 * strict where the file parser is lenient.  Each call validates everything
 * before it touches cfg, so a failed call leaves cfg unchanged.  The bind
 * password is not a config value here: the caller writes priv/realm/<realm>.pw.
 */
#include "domains_int.h"
#include "ids.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void
vals_free(char **vals)
{
	size_t i;

	for (i = 0; i < DP_COUNT; i++) {
		free(vals[i]);
		vals[i] = NULL;
	}
}

/*
 * Validate params for type t into vals (which may already hold values).
 * create selects check_config's create mode (fixed keys allowed).
 */
static int
apply_params(enum realm_type t, const struct domains_param *params, size_t n,
    bool create, char **vals, struct err *err)
{
	bool seen[DP_COUNT] = {false};
	size_t i;

	for (i = 0; i < n; i++) {
		const char *k = params[i].key, *v = params[i].value;
		struct buf norm = BUF_INIT;
		int p = domains_prop_find(k);

		if (strcmp(k, "password") == 0)
			continue;
		if (p < 0)
			return err_set(err, ERR_INVALID, "%s: property is not "
			    "defined in schema and the schema does not allow "
			    "additional properties", k);
		if (seen[p])
			return err_set(err, ERR_INVALID,
			    "duplicate parameter '%s'", k);
		seen[p] = true;
		if (!create && domains_prop_def(p)->fixed)
			return err_set(err, ERR_INVALID,
			    "can't change value of fixed parameter '%s'", k);
		if ((domains_prop_def(p)->types & RT_BIT(t)) == 0)
			return err_set(err, ERR_INVALID,
			    "unexpected property '%s'", k);
		if (v == NULL)
			return err_set(err, ERR_INVALID,
			    "got undefined value for option '%s'", k);
		if (domains_prop_def(p)->vtype == DV_BOOL)
			v = str_bool01(v);
		if (p == DP_SYNC_DEFAULTS) {
			if (domains_sync_opts_map(v, true, &norm, err) < 0)
				return err_prefix(err, "%s: ", k);
		} else if (domains_value_check(p, v, &norm, err) < 0) {
			buf_clear(&norm);
			return err_prefix(err, "%s: ", k);
		}
		free(vals[p]);
		vals[p] = buf_steal(&norm);
	}
	return 0;
}

static int
check_required(const char *realm, enum realm_type t, char **vals,
    bool create, struct err *err)
{
	size_t i;

	for (i = 0; i < DP_COUNT; i++) {
		if ((domains_prop_def(i)->required & RT_BIT(t)) == 0 ||
		    vals[i] != NULL)
			continue;
		if (create)
			return err_set(err, ERR_INVALID, "missing value for "
			    "required option '%s'", domains_prop_def(i)->name);
		/* what Proxmox's writer dies with after such a delete */
		return err_set(err, ERR_INVALID, "section '%s' - missing value "
		    "for required option '%s'", realm,
		    domains_prop_def(i)->name);
	}
	return 0;
}

static void
clear_defaults(struct domains_cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->count; i++)
		domains_val_set(cfg->realms[i], DP_DEFAULT, NULL);
}

static void
commit(struct domains_cfg *cfg, struct domains_realm *r, char **vals)
{
	size_t i;

	if (vals[DP_DEFAULT] != NULL && strcmp(vals[DP_DEFAULT], "1") == 0) {
		clear_defaults(cfg);
		free(r->val[DP_DEFAULT]);
		r->val[DP_DEFAULT] = NULL;
	}
	for (i = 0; i < DP_COUNT; i++) {
		free(r->val[i]);
		r->val[i] = vals[i];
		vals[i] = NULL;
	}
}

int
domains_realm_create(struct domains_cfg *cfg, const char *realm,
    const char *type, const struct domains_param *params, size_t n,
    struct err *err)
{
	char *vals[DP_COUNT] = {NULL};
	struct domains_realm *r;
	enum realm_type t;
	int ret = -1;

	if (!id_realm_valid(realm, strlen(realm)))
		return err_set(err, ERR_INVALID, "realm: value '%s' does not "
		    "look like a valid realm", realm);
	if (strlen(realm) > REALMID_MAX)
		return err_set(err, ERR_INVALID, "realm: value may only be %d "
		    "characters long", REALMID_MAX);
	if (!realm_type_parse(type, &t))
		return err_set(err, ERR_INVALID, "type: value '%s' does not "
		    "have a value in the enumeration 'ad, ldap, openid, pam, "
		    "pve'", type);
	if (hmap_get(&cfg->index, realm) != NULL)
		return err_set(err, ERR_EXISTS, "domain '%s' already exists",
		    realm);
	if (strcmp(realm, "pam") == 0 || strcmp(realm, "pve") == 0)
		return err_set(err, ERR_INVALID,
		    "unable to use reserved name '%s'", realm);
	if (t == REALM_PAM || t == REALM_PVE)
		return err_set(err, ERR_INVALID,
		    "unable to create builtin type '%s'", type);
	if (apply_params(t, params, n, true, vals, err) < 0 ||
	    check_required(realm, t, vals, true, err) < 0)
		goto out;
	domains_orphan_drop(cfg, realm);
	r = domains_realm_append(cfg, realm, t);
	commit(cfg, r, vals);
	ret = 0;
out:
	vals_free(vals);
	return ret;
}

int
domains_realm_update(struct domains_cfg *cfg, const char *realm,
    const struct domains_param *params, size_t n, const char *const *del,
    size_t del_count, const char *digest, struct err *err)
{
	char *vals[DP_COUNT] = {NULL};
	struct domains_realm *r;
	size_t i;
	int ret = -1;

	if (digest != NULL && *digest != '\0' &&
	    strcmp(digest, cfg->digest) != 0)
		return err_set(err, ERR_INVALID, "detected modified "
		    "configuration - file changed by other user? Try again.");
	if ((r = domains_realm_require(cfg, realm, err)) == NULL)
		return -1;
	if (n == 0 && del_count == 0)
		return err_set(err, ERR_INVALID, "no options specified");
	for (i = 0; i < DP_COUNT; i++)
		vals[i] = r->val[i] != NULL ? xstrdup(r->val[i]) : NULL;
	for (i = 0; i < del_count; i++) {
		int p = domains_prop_find(del[i]);

		/* unknown keys: Proxmox deletes a hash key that is absent */
		if (p >= 0) {
			free(vals[p]);
			vals[p] = NULL;
		}
	}
	if (apply_params(r->type, params, n, false, vals, err) < 0 ||
	    check_required(realm, r->type, vals, false, err) < 0)
		goto out;
	commit(cfg, r, vals);
	ret = 0;
out:
	vals_free(vals);
	return ret;
}

struct domains_realm *
domains_realm_require(struct domains_cfg *cfg, const char *realm,
    struct err *err)
{
	struct domains_realm *r = hmap_get(&cfg->index, realm);

	if (r == NULL)
		err_set(err, ERR_NOT_FOUND, "domain '%s' does not exist",
		    realm);
	return r;
}

int
domains_realm_delete(struct domains_cfg *cfg, const char *realm,
    struct err *err)
{
	if (domains_realm_require(cfg, realm, err) == NULL)
		return -1;
	domains_realm_remove(cfg, realm);
	domains_orphan_drop(cfg, realm);
	cfg->deleted = true;
	return 0;
}

int
domains_set_default(struct domains_cfg *cfg, const char *realm,
    struct err *err)
{
	struct domains_realm *r = domains_realm_require(cfg, realm, err);

	if (r == NULL)
		return -1;
	clear_defaults(cfg);
	domains_val_set(r, DP_DEFAULT, "1");
	return 0;
}
