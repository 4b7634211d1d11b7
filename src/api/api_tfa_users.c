/*
 * The TFA calls under /access/users (spec 8.2, 10.4): a user's TFA types
 * as Proxmox's older clients ask for them, and the admin unlock of
 * Proxmox's two lockouts.
 */
#include "api_tfa_int.h"
#include "tfa/failures.h"

#include <stdlib.h>
#include <string.h>

/*
 * The type the old single-factor API knew the user by, as pve-rs's
 * legacy view computes it: u2f, oath, yubico (any entry, enabled or not,
 * in that order of preference), "incompatible" for anything else, none
 * without TFA data.
 */
static const char *
legacy_type(const struct tfacfg *tfa, const char *userid)
{
	static const struct {
		enum tfa_type type;
		const char *name;
	} pref[] = {
		{TFA_U2F, "u2f"}, {TFA_TOTP, "oath"}, {TFA_YUBICO, "yubico"},
	};
	struct tfa_info *infos;
	size_t n = tfacfg_list(tfa, userid, &infos), i, k;
	const char *type = NULL;

	for (k = 0; k < ARRAY_SIZE(pref) && type == NULL; k++)
		for (i = 0; i < n; i++)
			if (infos[i].type == pref[k].type)
				type = pref[k].name;
	free(infos);
	if (type == NULL && tfacfg_has_user(tfa, userid) &&
	    (n > 0 || tfacfg_user_unusable(tfa, userid)))
		type = "incompatible";
	return type;
}

/*
 * With `multiple`: the types the user has entries of.  Proxmox's Perl
 * dies on a user with recovery codes here (spec 12.23); realmgate lists
 * them, in tfa.cfg's order.
 */
static json_t *
user_types(const struct tfacfg *tfa, const char *userid)
{
	static const enum tfa_type order[] = {TFA_TOTP, TFA_U2F, TFA_WEBAUTHN,
	    TFA_RECOVERY, TFA_YUBICO};
	struct tfa_info *infos;
	size_t n = tfacfg_list(tfa, userid, &infos), i, k;
	json_t *a = json_array();

	for (k = 0; k < ARRAY_SIZE(order); k++)
		for (i = 0; i < n; i++)
			if (infos[i].type == order[k]) {
				json_array_append_new(a,
				    json_string(tfa_type_name(order[k])));
				break;
			}
	free(infos);
	return a;
}

static int
user_tfa_types(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *userid = param_str(c, "userid");
	struct tfacfg *tfa = NULL;
	struct tfa_realm rt;
	const char *type;
	json_t *o;

	if (api_tfa_realm(c->env, userid, &rt, err) < 0 ||
	    store_read_tfa(c->env, &tfa, err) < 0) {
		tfa_realm_clear(&rt);
		return -1;
	}
	o = json_object();
	if (rt.type != TFA_REALM_NONE)
		json_object_set_new(o, "realm", json_string(rt.type ==
		    TFA_REALM_OATH ? "oath" : "yubico"));
	if (param_bool(c, "multiple", false))
		json_object_set_new(o, "user", user_types(tfa, userid));
	else if ((type = legacy_type(tfa, userid)) != NULL)
		json_object_set_new(o, "user", json_string(type));
	tfacfg_free(tfa);
	tfa_realm_clear(&rt);
	*result_r = o;
	return 0;
}

/*
 * Clear both lock flags (written only if one was set) and the node's
 * failure counters; "no such user" without TFA data.
 */
static int
unlock_tfa(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *userid = param_str(c, "userid");
	struct store_tfa t;
	bool was_locked = false;
	int rc = -1;

	if (store_begin_tfa(c->env, &t, err) < 0 ||
	    tfacfg_unlock(t.tfa, userid, c->env->now, &was_locked, err) < 0)
		goto out;
	if (tfa_failures_reset(c->env->config_dir, userid, err) < 0 ||
	    (was_locked && store_commit_tfa(c->env, &t, err) < 0))
		goto out;
	*result_r = json_boolean(was_locked);
	rc = 0;
out:
	store_end_tfa(&t);
	return rc;
}

static const struct param_def types_params[] = {
	{"userid", PT_STRING, false, .format = "pve-userid"},
	{"multiple", PT_BOOL, true, .def = "0",
	    .desc = "Request all entries as an array."},
	{NULL},
};

static const struct param_def unlock_params[] = {
	{"userid", PT_STRING, false, .format = "pve-userid"},
	{NULL},
};

const struct api_method api_tfa_users_methods[] = {
	{"GET", "/access/users/{userid}/tfa", user_tfa_types, types_params,
	    NULL, "Get user TFA types (Personal and Realm).",
	    .reads_priv = true},
	{"PUT", "/access/users/{userid}/unlock-tfa", unlock_tfa,
	    unlock_params, NULL, "Unlock a user's TFA authentication."},
	{NULL},
};
