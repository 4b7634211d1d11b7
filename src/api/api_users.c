/*
 * /access/users: list, create, read, update and delete users (spec 8.2).
 */
#include "api_check.h"
#include "api_tfa_int.h"
#include "ids.h"
#include "files/shadow.h"
#include "str.h"
#include "testpoint.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static json_t *
token_info(const struct ucfg_token *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "privsep", json_integer(t->privsep));
	json_object_set_new(o, "expire", json_integer(t->expire));
	json_set_str(o, "comment", t->comment);
	return o;
}

static void
user_fields(json_t *o, const struct ucfg_user *u)
{
	json_object_set_new(o, "enable", json_integer(u->enable));
	json_object_set_new(o, "expire", json_integer(u->expire));
	json_set_str(o, "firstname", u->firstname);
	json_set_str(o, "lastname", u->lastname);
	json_set_str(o, "email", u->email);
	json_set_str(o, "comment", u->comment);
	json_set_str(o, "keys", u->keys);
}

json_t *
api_user_groups(const struct ucfg *cfg, const char *userid)
{
	struct ucfg_group *const *g = ucfg_member_of(cfg, userid);
	json_t *a = json_array();

	for (; g != NULL && *g != NULL; g++)
		json_array_append_new(a, json_string((*g)->id));
	return a;
}

/* The caller; the CLI runs as root@pam. */
static const char *
caller(const struct api_call *c)
{
	return c->env->authid != NULL ? c->env->authid : "root@pam";
}

static int
users_index(struct api_call *c, json_t **result_r, struct err *err)
{
	bool full = param_bool(c, "full", false);
	struct tfacfg *tfa = NULL;
	struct err tfa_err;
	struct ucfg *cfg;
	void **users;
	size_t n, i;
	json_t *list, *types;

	/* a listing needs no ACLs, and group lines only for --full */
	if (store_read_user_partial(c->env, UCFG_SKIP_ACL |
	    (full ? 0 : UCFG_SKIP_GROUPS), &cfg, err) < 0)
		return -1;
	/* the lock flags; a listing without them beats none at all */
	if (store_read_tfa(c->env, &tfa, &tfa_err) < 0)
		diag_add(&c->env->warnings, NULL, 0, false, "%s: %s",
		    TFACFG_FILE, tfa_err.msg);
	types = api_realm_types(c->env);
	list = json_array();
	users = hmap_sorted_values(&cfg->users, &n);
	for (i = 0; i < n; i++) {
		const struct ucfg_user *u = users[i];
		json_t *o;
		struct buf realm = BUF_INIT;
		const char *type;

		if (param_has(c, "enabled") &&
		    param_bool(c, "enabled", false) != u->enable)
			continue;
		if (!api_can_see_user(cfg, caller(c), u->id))
			continue;
		o = json_object();
		json_object_set_new(o, "userid", json_string(u->id));
		user_fields(o, u);
		api_realm_of(u->id, &realm);
		type = json_string_value(json_object_get(types,
		    buf_str(&realm)));
		json_set_str(o, "realm-type", type);
		buf_clear(&realm);
		api_tfa_lock_fields(tfa, u->id, c->env->now, o);
		if (full) {
			json_t *groups = api_user_groups(cfg, u->id), *g;
			json_t *tokens = json_array();
			struct buf joined = BUF_INIT;
			struct ucfg_token **t;
			size_t k, nt;

			json_array_foreach(groups, k, g) {
				if (k > 0)
					buf_putc(&joined, ',');
				buf_puts(&joined, json_string_value(g));
			}
			json_object_set_new(o, "groups",
			    json_string(buf_str(&joined)));
			t = (struct ucfg_token **)hmap_sorted_values(&u->tokens,
			    &nt);
			for (k = 0; k < nt; k++) {
				json_t *ti = token_info(t[k]);

				json_object_set_new(ti, "tokenid",
				    json_string(t[k]->name));
				json_array_append_new(tokens, ti);
			}
			free(t);
			json_object_set_new(o, "tokens", tokens);
			json_decref(groups);
			buf_clear(&joined);
		}
		json_array_append_new(list, o);
	}
	free(users);
	store_release_user(cfg);
	tfacfg_free(tfa);
	json_decref(types);
	*result_r = list;
	return 0;
}

/* Check that every group in the list exists. */
struct group_ctx {
	struct ucfg *cfg;
	struct ucfg_user *user;
	const char *missing;
	bool add;
};

static void
group_each(const char *p, size_t len, void *arg)
{
	struct group_ctx *gc = arg;
	char *id = xstrndup(p, len);
	struct ucfg_group *g = ucfg_group(gc->cfg, id);

	if (g == NULL && gc->missing == NULL)
		gc->missing = ucfg_str(gc->cfg, id);
	else if (g != NULL && gc->add)
		ucfg_group_add_member(gc->cfg, g, gc->user->id);
	free(id);
}

static int
apply_groups(struct ucfg *cfg, struct ucfg_user *u, const char *list,
    struct err *err)
{
	struct group_ctx gc = {cfg, u, NULL, false};

	str_split_list(list, strlen(list), group_each, &gc);
	if (gc.missing != NULL)
		return err_set(err, ERR_INVALID, "no such group '%s'",
		    gc.missing);
	gc.add = true;
	str_split_list(list, strlen(list), group_each, &gc);
	return 0;
}

static const char *
opt_text(const struct api_call *c, struct ucfg *cfg, const char *name)
{
	const char *s = param_str(c, name);

	/* stored only if "truthy", as in Proxmox */
	return s != NULL && str_truthy(s, strlen(s)) ? ucfg_str(cfg, s) : NULL;
}

/*
 * Creation and deletion change the realm's files (pve: shadow.cfg) and
 * user.cfg as one transaction: every check first (the user, the groups,
 * user.cfg's unreadable lines), then the realm's file, kept locked with
 * its old bytes, then user.cfg; if that cannot be written the realm's
 * file is put back.  So a refusal changes nothing.
 */
static int
users_create(struct api_call *c, json_t **result_r, struct err *err)
{
	struct store_tx tx;
	struct store_side shadow;
	struct ucfg_user *u;
	const char *userid = param_str(c, "userid"), *found;
	long long expire = param_int(c, "expire", 0);
	int rc = -1;

	store_side_init(&shadow);
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	if (api_user_lookup(c->env, tx.ucfg, userid, &found, err) < 0)
		goto out;
	if (found != NULL) {
		err_set(err, ERR_EXISTS, "user '%s' already exists", userid);
		goto out;
	}
	u = ucfg_user_add(tx.ucfg, userid);
	u->enable = param_bool(c, "enable", true);
	u->expire = expire > 0 ? expire : 0;
	u->firstname = opt_text(c, tx.ucfg, "firstname");
	u->lastname = opt_text(c, tx.ucfg, "lastname");
	u->email = opt_text(c, tx.ucfg, "email");
	u->comment = opt_text(c, tx.ucfg, "comment");
	u->keys = opt_text(c, tx.ucfg, "keys");
	if (param_has(c, "groups") &&
	    apply_groups(tx.ucfg, u, param_str(c, "groups"), err) < 0)
		goto out;
	if (store_check_user(c->env, &tx, err) < 0)
		goto out;
	/*
	 * Without a password, a hash left under the name by a `user add`
	 * killed between its two writes must not become this user's.
	 */
	if (param_has(c, "password") ? api_realm_set_password(c->env, userid,
	    param_str(c, "password"), &shadow, err) < 0 :
	    api_realm_forget_password(c->env, userid, err) < 0)
		goto out;
	rc = store_commit_user(c->env, &tx, err);
	if (rc < 0)
		store_side_undo(c->env, &shadow);
out:
	store_side_end(&shadow);
	store_end(&tx);
	*result_r = json_null();
	return rc < 0 ? api_fail(err, "create user") : 0;
}

static struct ucfg_user *
must_user(struct api_env *env, const struct ucfg *cfg, const char *userid,
    struct err *err)
{
	const char *found = NULL;
	struct ucfg_user *u;

	if (api_user_lookup(env, cfg, userid, &found, err) < 0)
		return NULL;
	u = found != NULL ? ucfg_user(cfg, found) : NULL;
	if (u == NULL)
		err_set(err, ERR_NOT_FOUND, "no such user ('%s')", userid);
	return u;
}

static int
users_read(struct api_call *c, json_t **result_r, struct err *err)
{
	struct ucfg *cfg;
	struct ucfg_user *u;
	struct ucfg_token **t;
	json_t *o, *tokens;
	size_t n, i;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	u = must_user(c->env, cfg, param_str(c, "userid"), err);
	if (u == NULL) {
		store_release_user(cfg);
		return -1;
	}
	o = json_object();
	user_fields(o, u);
	json_object_set_new(o, "groups", api_user_groups(cfg, u->id));
	tokens = json_object();
	t = (struct ucfg_token **)hmap_sorted_values(&u->tokens, &n);
	for (i = 0; i < n; i++)
		json_object_set_new(tokens, t[i]->name, token_info(t[i]));
	free(t);
	json_object_set_new(o, "tokens", tokens);
	store_release_user(cfg);
	*result_r = o;
	return 0;
}

static void
set_text(const struct api_call *c, struct ucfg *cfg, const char *name,
    const char **field)
{
	if (param_has(c, name))
		*field = opt_text(c, cfg, name);
}

static int
users_update(struct api_call *c, json_t **result_r, struct err *err)
{
	struct store_tx tx;
	struct ucfg_user *u;
	struct err bad;
	int rc = -1;

	*result_r = json_null();
	if (param_has(c, "append") && !param_has(c, "groups"))
		return api_param_error(c->env, err, "groups",
		    "missing property - 'append' requires this property");
	/* an id read from the file may hold ',': never into a group list */
	if (param_has(c, "groups") &&
	    id_user_check_new(param_str(c, "userid"), &bad) < 0)
		return api_param_error(c->env, err, "userid", "%s", bad.msg);
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	u = must_user(c->env, tx.ucfg, param_str(c, "userid"), err);
	if (u == NULL)
		goto out;
	if (param_has(c, "enable"))
		u->enable = param_bool(c, "enable", true);
	if (param_has(c, "expire"))
		u->expire = param_int(c, "expire", 0);
	set_text(c, tx.ucfg, "firstname", &u->firstname);
	set_text(c, tx.ucfg, "lastname", &u->lastname);
	set_text(c, tx.ucfg, "email", &u->email);
	set_text(c, tx.ucfg, "comment", &u->comment);
	set_text(c, tx.ucfg, "keys", &u->keys);
	if (param_has(c, "groups")) {
		if (!param_bool(c, "append", false))
			ucfg_user_leave_groups(tx.ucfg, u->id);
		if (apply_groups(tx.ucfg, u, param_str(c, "groups"), err) < 0)
			goto out;
	}
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "update user") : 0;
}

static int
users_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	struct store_tx tx;
	struct store_tfa tfa;
	struct store_side shadow;
	struct api_secrets secrets;
	struct ucfg_user *u;
	const char *userid;
	int rc = -1;

	*result_r = json_null();
	memset(&tx, 0, sizeof(tx));
	store_side_init(&shadow);
	api_secrets_init(&secrets);
	/* its TFA data goes too (spec 12.21): tfa.cfg's lock first */
	if (store_begin_tfa(c->env, &tfa, err) < 0 ||
	    store_begin_user(c->env, &tx, err) < 0)
		goto out;
	u = must_user(c->env, tx.ucfg, param_str(c, "userid"), err);
	if (u == NULL)
		goto out;
	userid = u->id;
	/*
	 * every check before any write: user.cfg, token.cfg (beyond
	 * Proxmox: a removed user's token secrets go with it), then the
	 * realm's driver checks shadow.cfg, all three locks held until the
	 * end
	 */
	if (store_check_user(c->env, &tx, err) < 0 ||
	    api_secrets_purge(c->env, &secrets, &userid, 1, err) < 0 ||
	    api_realm_delete_user_check(c->env, userid, &shadow, err) < 0)
		goto out;
	ucfg_user_leave_groups(tx.ucfg, userid);
	ucfg_acl_purge_subject(tx.ucfg, NULL, ACL_USER, userid);
	{
		size_t it = 0;
		void *v;

		while (hmap_next(&u->tokens, &it, NULL, &v))
			ucfg_acl_purge_subject(tx.ucfg, NULL, ACL_TOKEN,
			    ((struct ucfg_token *)v)->id);
	}
	/*
	 * user.cfg first: once it is written the user (and its tokens) are
	 * gone, and a crash or a failure after it leaves at worst an
	 * orphaned hash or token secret, which nothing refers to and a new
	 * user or token of the same name replaces (users_create,
	 * tokens_create).  The other order left a user without its hash.
	 */
	ucfg_user_del(tx.ucfg, userid);
	if (store_commit_user(c->env, &tx, err) < 0)
		goto out;
	testpoint("between-writes", "user-delete");
	rc = 0;
	api_secrets_write_orphan(c->env, &secrets);
	if (api_realm_delete_user(c->env, userid, &shadow, err) < 0)
		store_orphan_left(c->env, SHADOW_FILE, err);
	/*
	 * after user.cfg: TFA data left by a failure here belongs to no
	 * user and only makes a new user of the name ask for the old
	 * factors; removed first, a failed user.cfg write would have left
	 * the user without them
	 */
	api_tfa_forget_user(c->env, &tfa, userid);
out:
	store_side_end(&shadow);
	api_secrets_end(&secrets);
	store_end(&tx);
	store_end_tfa(&tfa);
	return rc < 0 ? api_fail(err, "delete user") : 0;
}

#define USER_FIELDS                                                         \
	{"enable", PT_BOOL, true, .def = "1",                               \
	    .desc = "Enable the account (default). You can set this to '0' " \
		    "to disable the account"},                              \
	{"expire", PT_INT, true, .min = 0, .max = (1LL << 62),              \
	    .desc = "Account expiration date (seconds since epoch). '0' "   \
		    "means no expiration date."},                           \
	{"firstname", PT_STRING, true, .max_len = 1024,                    \
	    .desc = "First name."},                                         \
	{"lastname", PT_STRING, true, .max_len = 1024,                     \
	    .desc = "Last name."},                                          \
	{"email", PT_STRING, true, .format = "email-opt", .max_len = 254,  \
	    .desc = "E-mail address."},                                     \
	{"comment", PT_STRING, true, .max_len = 2048},                     \
	{"keys", PT_STRING, true, .format = "pve-tfa-keys",                 \
	    .max_len = 4096,                                                \
	    .desc = "Keys for two factor auth (yubico)."},                  \
	{"groups", PT_LIST, true, .format = "pve-groupid",                  \
	    .desc = "Groups the user is a member of (comma-separated)."}

static const struct param_def create_params[] = {
	/* a new id may not hold a separator of any file (issue 9) */
	{"userid", PT_STRING, false, .format = "pve-userid-safe",
	    .desc = "Full User ID, in the `name@realm` format."},
	USER_FIELDS,
	{"password", PT_STRING, true, .min_len = 8, .max_len = 64,
	    .desc = "Initial password."},
	{NULL},
};

static const struct param_def update_params[] = {
	{"userid", PT_STRING, false, .format = "pve-userid"},
	USER_FIELDS,
	{"append", PT_BOOL, true},
	{NULL},
};

static const struct param_def userid_param[] = {
	{"userid", PT_STRING, false, .format = "pve-userid"},
	{NULL},
};

static const struct param_def index_params[] = {
	{"enabled", PT_BOOL, true, .desc = "Optional filter for enable "
	    "property."},
	{"full", PT_BOOL, true, .def = "0", .desc = "Include group and "
	    "token information."},
	{NULL},
};

static const struct return_prop index_returns[] = {
	{"userid", RT_STRING, false, NULL},
	{"comment", RT_STRING, true, NULL},
	{"email", RT_STRING, true, NULL},
	{"enable", RT_BOOLEAN, true, NULL},
	{"expire", RT_INTEGER, true, NULL},
	{"firstname", RT_STRING, true, NULL},
	{"groups", RT_STRING, true, NULL},
	{"keys", RT_STRING, true, NULL},
	{"lastname", RT_STRING, true, NULL},
	{"realm-type", RT_STRING, true, NULL},
	{"tfa-locked-until", RT_INTEGER, true, NULL},
	{"tokens", RT_ARRAY, true, NULL},
	{"totp-locked", RT_BOOLEAN, true, NULL},
	{NULL},
};

const struct api_method api_users_methods[] = {
	/* in authd: the lock flags come from priv/tfa.cfg */
	{"GET", "/access/users", users_index, index_params, index_returns,
	    "User index.", .reads_priv = true},
	{"POST", "/access/users", users_create, create_params, NULL,
	    "Create new user."},
	{"GET", "/access/users/{userid}", users_read, userid_param, NULL,
	    "Get user configuration."},
	{"PUT", "/access/users/{userid}", users_update, update_params, NULL,
	    "Update user configuration."},
	{"DELETE", "/access/users/{userid}", users_delete, userid_param, NULL,
	    "Delete user."},
	{NULL},
};
