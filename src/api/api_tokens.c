/*
 * /access/users/{userid}/token: API token metadata (user.cfg) and secrets
 * (priv/token.cfg), spec 8.2.  The secret is written first, under the
 * token.cfg lock nested inside the user.cfg lock, then the metadata; the
 * secret is shown once, at creation or regeneration.
 */
#include "api_int.h"
#include "files/lock.h"
#include "files/tokencfg.h"
#include "secret.h"
#include "str.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
token_info(const struct ucfg_token *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "privsep", json_integer(t->privsep));
	if (t->expire != 0)
		json_object_set_new(o, "expire", json_integer(t->expire));
	json_set_str(o, "comment", t->comment);
	return o;
}

/* A random version-4 UUID, lower-case, as Proxmox's token secrets. */
static int
new_secret(char out[37], struct err *err)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return err_set(err, ERR_INTERNAL, "unable to get random bytes");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	secret_wipe(b, sizeof(b));
	return 0;
}

enum secret_op { SECRET_SET, SECRET_DELETE, SECRET_DELETE_USER };

/*
 * Change priv/token.cfg under its own lock: set or delete the secret of
 * one token (id), or delete every secret of a user (id is the user id).
 */
static int
edit_secrets(struct api_env *env, enum secret_op op, const char *id,
    const char *secret, struct err *err)
{
	struct cfg_lock *lock = NULL;
	struct tokencfg *t = NULL;
	bool changed = true;
	int rc = -1;

	if (cfg_lock(env->config_dir, "file-priv_token_cfg", TOKENCFG_TIMEOUT,
	    &lock, err) < 0)
		return -1;
	if (tokencfg_load(env->config_dir, NULL, &t, err) < 0)
		goto out;
	if (op == SECRET_SET) {
		if (tokencfg_set_hashed(t, id, secret, err) < 0)
			goto out;
	} else if (op == SECRET_DELETE) {
		changed = tokencfg_delete(t, id);
	} else {
		changed = tokencfg_delete_user(t, id) > 0;
	}
	rc = changed ? tokencfg_save(env->config_dir, t, err) : 0;
out:
	tokencfg_free(t);
	cfg_unlock(lock);
	return rc;
}

int
api_tokens_purge_user(struct api_env *env, const char *userid,
    struct err *err)
{
	return edit_secrets(env, SECRET_DELETE_USER, userid, NULL, err);
}

static struct ucfg_user *
get_user(const struct ucfg *cfg, const char *userid, struct err *err)
{
	struct ucfg_user *u = ucfg_user(cfg, userid);

	if (u == NULL)
		err_set(err, ERR_NOT_FOUND, "no such user ('%s')", userid);
	return u;
}

static int
tokens_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct ucfg *cfg;
	struct ucfg_user *u;
	struct ucfg_token **t;
	size_t n, i;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	u = get_user(cfg, param_str(c, "userid"), err);
	if (u == NULL) {
		store_release_user(cfg);
		return -1;
	}
	*result_r = json_array();
	t = (struct ucfg_token **)hmap_sorted_values(&u->tokens, &n);
	for (i = 0; i < n; i++) {
		json_t *o = token_info(t[i]);

		json_object_set_new(o, "tokenid", json_string(t[i]->name));
		json_array_append_new(*result_r, o);
	}
	free(t);
	store_release_user(cfg);
	return 0;
}

static struct ucfg_token *
get_token(const struct ucfg *cfg, const char *userid, const char *name,
    struct err *err)
{
	struct ucfg_user *u = get_user(cfg, userid, err);
	struct ucfg_token *t;

	if (u == NULL)
		return NULL;
	t = ucfg_user_token(cfg, u, name);
	if (t == NULL)
		err_set(err, ERR_NOT_FOUND, "no such token '%s' for user '%s'",
		    name, userid);
	return t;
}

static int
tokens_read(struct api_call *c, json_t **result_r, struct err *err)
{
	struct ucfg *cfg;
	struct ucfg_token *t;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	t = get_token(cfg, param_str(c, "userid"), param_str(c, "tokenid"),
	    err);
	if (t != NULL)
		*result_r = token_info(t);
	store_release_user(cfg);
	return t != NULL ? 0 : -1;
}

static json_t *
secret_result(const struct ucfg_token *t, const char *secret)
{
	json_t *o = json_object();

	json_object_set_new(o, "info", token_info(t));
	json_object_set_new(o, "value", json_string(secret));
	json_object_set_new(o, "full-tokenid", json_string(t->id));
	return o;
}

static int
tokens_create(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *name = param_str(c, "tokenid"), *comment;
	struct store_tx tx;
	struct ucfg_user *u;
	struct ucfg_token *t;
	char secret[37] = "";
	int rc = -1;

	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	u = get_user(tx.ucfg, param_str(c, "userid"), err);
	if (u == NULL)
		goto out;
	if (ucfg_user_token(tx.ucfg, u, name) != NULL) {
		rc = api_param_error(c->env, err, "tokenid",
		    "Token already exists.");
		goto out;
	}
	t = ucfg_token_add(tx.ucfg, u, name);
	t->privsep = param_bool(c, "privsep", true);
	t->expire = param_int(c, "expire", 0);
	comment = param_str(c, "comment");
	if (comment != NULL && str_truthy(comment, strlen(comment)))
		t->comment = ucfg_str(tx.ucfg, comment);
	if (new_secret(secret, err) < 0 ||
	    edit_secrets(c->env, SECRET_SET, t->id, secret, err) < 0)
		goto out;
	if (store_commit_user(c->env, &tx, err) < 0)
		goto out;
	*result_r = secret_result(t, secret);
	rc = 0;
out:
	secret_wipe(secret, sizeof(secret));
	store_end(&tx);
	return rc < 0 ? api_fail(err, "generating token") : 0;
}

static int
tokens_update(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *del = param_str(c, "delete"), *comment;
	struct store_tx tx;
	struct ucfg_token *t;
	char secret[37] = "";
	int rc = -1;

	if (del != NULL && strcmp(del, "comment") != 0)
		return api_param_error(c->env, err, "delete",
		    "value '%s' does not have a value in the enumeration "
		    "'comment'", del);
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	t = get_token(tx.ucfg, param_str(c, "userid"),
	    param_str(c, "tokenid"), err);
	if (t == NULL)
		goto out;
	if (param_has(c, "privsep"))
		t->privsep = param_bool(c, "privsep", true);
	if (param_has(c, "expire"))
		t->expire = param_int(c, "expire", 0);
	comment = param_str(c, "comment");
	if (comment != NULL)
		t->comment = str_truthy(comment, strlen(comment)) ?
		    ucfg_str(tx.ucfg, comment) : NULL;
	if (del != NULL)
		t->comment = NULL;
	if (param_bool(c, "regenerate", false) &&
	    (new_secret(secret, err) < 0 ||
	    edit_secrets(c->env, SECRET_SET, t->id, secret, err) < 0))
		goto out;
	if (store_commit_user(c->env, &tx, err) < 0)
		goto out;
	*result_r = secret[0] != '\0' ? secret_result(t, secret) :
	    token_info(t);
	rc = 0;
out:
	secret_wipe(secret, sizeof(secret));
	store_end(&tx);
	return rc < 0 ? api_fail(err, "updating token") : 0;
}

static int
tokens_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	struct store_tx tx;
	struct ucfg_token *t;
	int rc = -1;

	*result_r = json_null();
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	t = get_token(tx.ucfg, param_str(c, "userid"),
	    param_str(c, "tokenid"), err);
	if (t == NULL)
		goto out;
	if (edit_secrets(c->env, SECRET_DELETE, t->id, NULL, err) < 0)
		goto out;
	/* the token's ACLs would vanish at Proxmox's next write anyway */
	ucfg_acl_purge_subject(tx.ucfg, NULL, ACL_TOKEN, t->id);
	ucfg_token_del(tx.ucfg, t->user, t->name);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "deleting token") : 0;
}

#define TOKEN_PARAMS                                                    \
	{"userid", PT_STRING, false, .format = "pve-userid"},           \
	{"tokenid", PT_STRING, false, .format = "pve-token-subid",      \
	    .desc = "User-specific token identifier."}

static const struct param_def userid_param[] = {
	{"userid", PT_STRING, false, .format = "pve-userid"},
	{NULL},
};

static const struct param_def token_params[] = {
	TOKEN_PARAMS,
	{NULL},
};

static const struct param_def create_params[] = {
	/* no token for an id that would split in an ACL list (issue 9) */
	{"userid", PT_STRING, false, .format = "pve-userid-safe"},
	{"tokenid", PT_STRING, false, .format = "pve-token-subid",
	    .desc = "User-specific token identifier."},
	{"expire", PT_INT, true, .min = 0, .max = (1LL << 62),
	    .desc = "API token expiration date (seconds since epoch). '0' "
		    "means no expiration date."},
	{"privsep", PT_BOOL, true, .def = "1", .desc = "Restrict API token "
	    "privileges with separate ACLs (default), or give full privileges "
	    "of corresponding user."},
	{"comment", PT_STRING, true, .max_len = 2048},
	{NULL},
};

static const struct param_def update_params[] = {
	TOKEN_PARAMS,
	{"expire", PT_INT, true, .min = 0, .max = (1LL << 62)},
	{"privsep", PT_BOOL, true},
	{"comment", PT_STRING, true, .max_len = 2048},
	{"delete", PT_LIST, true, .desc = "A list of settings you want to "
	    "delete (only 'comment')."},
	{"regenerate", PT_BOOL, true, .def = "0", .desc = "Regenerate the "
	    "secret, keeping the token's ACLs."},
	{NULL},
};

static const struct return_prop index_returns[] = {
	{"tokenid", RT_STRING, false, NULL},
	{"comment", RT_STRING, true, NULL},
	{"expire", RT_INTEGER, true, NULL},
	{"privsep", RT_BOOLEAN, true, NULL},
	{NULL},
};

const struct api_method api_tokens_methods[] = {
	{"GET", "/access/users/{userid}/token", tokens_index, userid_param,
	    index_returns, "Get user API tokens."},
	{"GET", "/access/users/{userid}/token/{tokenid}", tokens_read,
	    token_params, NULL, "Get specific API token information."},
	{"POST", "/access/users/{userid}/token/{tokenid}", tokens_create,
	    create_params, NULL, "Generate a new API token for a specific "
	    "user."},
	{"PUT", "/access/users/{userid}/token/{tokenid}", tokens_update,
	    update_params, NULL, "Update API token for a specific user."},
	{"DELETE", "/access/users/{userid}/token/{tokenid}", tokens_delete,
	    token_params, NULL, "Remove API token for a specific user."},
	{NULL},
};
