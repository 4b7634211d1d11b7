/*
 * /access/tfa (spec 8.5, 10.7): list everyone's second factors, list,
 * read, add, change and delete one user's, as Proxmox's API2::TFA does.
 * Changes re-authenticate a caller other than root@pam with its own
 * password, and run in one transaction over tfa.cfg and user.cfg's
 * `keys` marker: adding any factor imports the legacy keys and sets it
 * to `x`, deleting the last one clears it.
 */
#include "api_check.h"
#include "api_tfa_int.h"

#include <stdlib.h>
#include <string.h>

static const char *
caller(const struct api_call *c)
{
	return c->env->authid != NULL ? c->env->authid : "root@pam";
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every user's entries the caller may see, sorted by user id. */
static int
tfa_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct tfacfg *tfa = NULL;
	struct ucfg *cfg = NULL;
	const char **ids;
	size_t n, i;

	if (store_read_user(c->env, &cfg, err) < 0 ||
	    store_read_tfa(c->env, &tfa, err) < 0) {
		store_release_user(cfg);
		return -1;
	}
	n = tfacfg_users(tfa, &ids);
	qsort(ids, n, sizeof(*ids), cmp_str);
	*result_r = json_array();
	for (i = 0; i < n; i++)
		if (api_can_see_user(cfg, caller(c), ids[i]))
			json_array_append_new(*result_r,
			    api_tfa_user_json(tfa, ids[i], c->env->now));
	free(ids);
	tfacfg_free(tfa);
	store_release_user(cfg);
	return 0;
}

static int
tfa_user_list(struct api_call *c, json_t **result_r, struct err *err)
{
	struct tfacfg *tfa;

	if (store_read_tfa(c->env, &tfa, err) < 0)
		return -1;
	*result_r = api_tfa_entries_json(tfa, param_str(c, "userid"));
	tfacfg_free(tfa);
	return 0;
}

static int
tfa_entry_read(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "id");
	struct tfa_info info;
	struct tfacfg *tfa;
	int rc = 0;

	if (store_read_tfa(c->env, &tfa, err) < 0)
		return -1;
	if (tfacfg_find(tfa, param_str(c, "userid"), id, &info))
		*result_r = tfa_info_json(&info);
	else
		rc = err_set(err, ERR_NO_OBJECT, "No such tfa entry '%s'", id);
	tfacfg_free(tfa);
	return rc;
}

static int
tfa_add(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *userid = param_str(c, "userid");
	const struct tfa_adder *a = api_tfa_adder(param_str(c, "type"));
	struct tfa_add_req r = {
		c->env, userid, param_str(c, "description"),
		param_str(c, "totp"), param_str(c, "value"),
		param_str(c, "challenge"),
	};
	struct tfa_tx tx;
	json_t *result = NULL;
	int rc = -1;

	if (api_tfa_reauth(c, userid, err) < 0)
		return -1;
	if (a == NULL)
		return err_set(err, ERR_INVALID, "unknown tfa type");
	if (a->check != NULL && a->check(&r, err) < 0)
		return -1;
	if (tfa_tx_begin(c->env, &tx, err) < 0 ||
	    tfa_tx_user(c->env, &tx, err) < 0 ||
	    api_tfa_mark_user(c->env, &tx, userid, err) < 0 ||
	    a->add(&r, tx.tfa.tfa, &result, err) < 0 ||
	    tfa_tx_commit(c->env, &tx, err) < 0)
		goto out;
	*result_r = result;
	result = NULL;
	rc = 0;
out:
	json_decref(result);
	tfa_tx_end(&tx);
	return rc;
}

static int
tfa_update(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *userid = param_str(c, "userid");
	struct tfa_tx tx;
	int rc = -1;

	*result_r = json_null();
	if (api_tfa_reauth(c, userid, err) < 0)
		return -1;
	if (tfa_tx_begin(c->env, &tx, err) == 0 &&
	    tfacfg_update(tx.tfa.tfa, userid, param_str(c, "id"),
	    param_str(c, "description"), param_has(c, "enable") ?
	    param_bool(c, "enable", true) : -1, err) == 0)
		rc = tfa_tx_commit(c->env, &tx, err);
	tfa_tx_end(&tx);
	return rc;
}

/*
 * Delete one entry (id NULL: all of the user's TFA data, pveum's `user
 * tfa delete` without --id); clear the `keys` marker when nothing is
 * left.
 */
static int
delete_entry(struct api_env *env, const char *userid, const char *id,
    struct err *err)
{
	struct tfa_tx tx;
	bool left = false;
	int rc = -1;

	if (tfa_tx_begin(env, &tx, err) < 0)
		goto out;
	if (id == NULL)
		tfacfg_delete_user(tx.tfa.tfa, userid);
	else if (tfacfg_delete(tx.tfa.tfa, userid, id, &left, err) < 0)
		goto out;
	if (!left) {
		if (tfa_tx_user(env, &tx, err) < 0)
			goto out;
		tfa_tx_set_keys(&tx, userid, NULL);
	}
	rc = tfa_tx_commit(env, &tx, err);
out:
	tfa_tx_end(&tx);
	return rc;
}

static int
tfa_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *userid = param_str(c, "userid");

	*result_r = json_null();
	if (api_tfa_reauth(c, userid, err) < 0)
		return -1;
	return delete_entry(c->env, userid, param_str(c, "id"), err);
}

/* pveum user tfa list [<userid>] (text printed by the CLI). */
static int
cli_tfa_list(struct api_call *c, json_t **result_r, struct err *err)
{
	if (param_has(c, "userid"))
		return tfa_user_list(c, result_r, err);
	return tfa_index(c, result_r, err);
}

/* pveum user tfa delete <userid> [--id <id>] */
static int
cli_tfa_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	*result_r = json_null();
	return delete_entry(c->env, param_str(c, "userid"),
	    param_str(c, "id"), err);
}

#define USERID_PARAM {"userid", PT_STRING, false, .format = "pve-userid"}
#define ID_PARAM                                                           \
	{"id", PT_STRING, false, .desc = "A TFA entry id."}
#define PASSWORD_PARAM                                                     \
	{"password", PT_STRING, true, .min_len = 5, .max_len = 64,         \
	    .desc = "The current password."}
#define DESCRIPTION_PARAM                                                  \
	{"description", PT_STRING, true, .max_len = 255,                   \
	    .desc = "A description to distinguish multiple entries from "  \
		    "one another"}

static const struct param_def no_params[] = {{NULL}};

static const struct param_def user_params[] = {
	USERID_PARAM,
	{NULL},
};

static const struct param_def entry_params[] = {
	USERID_PARAM,
	ID_PARAM,
	{NULL},
};

static const struct param_def add_params[] = {
	USERID_PARAM,
	{"type", PT_ENUM, false,
	    .enum_values = "totp|u2f|webauthn|recovery|yubico",
	    .desc = "TFA Entry Type."},
	DESCRIPTION_PARAM,
	{"totp", PT_STRING, true, .desc = "A totp URI."},
	{"value", PT_STRING, true, .desc = "The current value for the "
	    "provided totp URI, or a Webauthn/U2F challenge response"},
	{"challenge", PT_STRING, true, .desc = "When responding to a u2f "
	    "challenge: the original challenge string"},
	PASSWORD_PARAM,
	{NULL},
};

static const struct param_def update_params[] = {
	USERID_PARAM,
	ID_PARAM,
	DESCRIPTION_PARAM,
	{"enable", PT_BOOL, true, .desc = "Whether the entry should be "
	    "enabled for login."},
	PASSWORD_PARAM,
	{NULL},
};

static const struct param_def delete_params[] = {
	USERID_PARAM,
	ID_PARAM,
	PASSWORD_PARAM,
	{NULL},
};

static const struct param_def cli_list_params[] = {
	{"userid", PT_STRING, true, .format = "pve-userid"},
	{NULL},
};

static const struct param_def cli_delete_params[] = {
	USERID_PARAM,
	{"id", PT_STRING, true, .desc = "The TFA ID, if none provided, all "
	    "TFA entries will be deleted."},
	{NULL},
};

const struct api_method api_tfa_methods[] = {
	{"GET", "/access/tfa", tfa_index, no_params, NULL,
	    "List TFA configurations of users.", .reads_priv = true},
	{"GET", "/access/tfa/{userid}", tfa_user_list, user_params, NULL,
	    "List TFA configurations of users.", .reads_priv = true},
	{"GET", "/access/tfa/{userid}/{id}", tfa_entry_read, entry_params,
	    NULL, "Fetch a requested TFA entry if present.",
	    .reads_priv = true},
	{"POST", "/access/tfa/{userid}", tfa_add, add_params, NULL,
	    "Add a TFA entry for a user."},
	{"PUT", "/access/tfa/{userid}/{id}", tfa_update, update_params, NULL,
	    "Add a TFA entry for a user."},
	{"DELETE", "/access/tfa/{userid}/{id}", tfa_delete, delete_params,
	    NULL, "Delete a TFA entry by ID."},
	/* pveum's own words (PVE::CLI::pveum), never served over HTTP */
	{"GET", "pveum user tfa list", cli_tfa_list, cli_list_params, NULL,
	    "List TFA entries.", .cli_only = true},
	{"PUT", "pveum user tfa delete", cli_tfa_delete, cli_delete_params,
	    NULL, "Delete TFA entries from a user.", .cli_only = true},
	{NULL},
};
