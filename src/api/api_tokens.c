/*
 * /access/users/{userid}/token: API token metadata (user.cfg) and secrets
 * (priv/token.cfg), spec 8.2, changed together as one transaction (see
 * commit_with_secrets): the token.cfg lock nested inside the user.cfg
 * lock, both files checked before either is written, a new secret first
 * and removed secrets last; the secret is shown once, at creation or
 * regeneration.
 */
#include "api_int.h"
#include "files/tokencfg.h"
#include "secret.h"
#include "str.h"
#include "testpoint.h"
#include "uuid.h"

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

enum secret_op { SECRET_SET, SECRET_DELETE, SECRET_DELETE_USERS };

void
api_secrets_init(struct api_secrets *s)
{
	store_side_init(&s->side);
	buf_init(&s->text, 0);
	s->changed = false;
}

/*
 * Lock and read priv/token.cfg, refuse it if it holds lines that could
 * not be read (without --force), and work out its new text: set or delete
 * the secret of one token (ids[0]), or delete every secret of the users
 * in ids.  Nothing is written yet.
 */
static int
secrets_prepare(struct api_env *env, struct api_secrets *s,
    enum secret_op op, const char *const *ids, size_t n, const char *secret,
    struct err *err)
{
	struct tokencfg *t = NULL;
	struct diag d;
	size_t i;
	int rc = -1;

	diag_init(&d);
	if (store_side_begin(env, TOKENCFG_FILE, TOKENCFG_TIMEOUT, &s->side,
	    err) < 0)
		goto out;
	t = tokencfg_parse(buf_str(&s->side.orig), s->side.orig.len,
	    TOKENCFG_FILE, &d);
	if (store_check_dropped(env, TOKENCFG_FILE, &d, err) < 0)
		goto out;
	if (op == SECRET_SET) {
		if (tokencfg_set_hashed(t, ids[0], secret, err) < 0)
			goto out;
		s->changed = true;
	} else if (op == SECRET_DELETE) {
		s->changed = tokencfg_delete(t, ids[0]);
	} else {
		for (i = 0; i < n; i++)
			if (tokencfg_delete_user(t, ids[i]) > 0)
				s->changed = true;
	}
	if (s->changed)
		tokencfg_write(t, &s->text);
	rc = 0;
out:
	tokencfg_free(t);
	diag_clear(&d);
	return rc;
}

int
api_secrets_purge(struct api_env *env, struct api_secrets *s,
    const char *const *userids, size_t n, struct err *err)
{
	return secrets_prepare(env, s, SECRET_DELETE_USERS, userids, n, NULL,
	    err);
}

int
api_secrets_write(struct api_env *env, struct api_secrets *s,
    struct err *err)
{
	if (!s->changed)
		return 0;
	if (store_side_write(&s->side, s->text.data, s->text.len, err) < 0) {
		store_side_undo(env, &s->side);
		return -1;
	}
	return 0;
}

void
api_secrets_write_orphan(struct api_env *env, struct api_secrets *s)
{
	struct err err;

	err_clear(&err);
	if (api_secrets_write(env, s, &err) < 0)
		store_orphan_left(env, TOKENCFG_FILE, &err);
}

void
api_secrets_undo(struct api_env *env, struct api_secrets *s)
{
	store_side_undo(env, &s->side);
}

void
api_secrets_end(struct api_secrets *s)
{
	store_side_end(&s->side);
	buf_clear_secret(&s->text);
	s->changed = false;
}

/*
 * Commit tx (user.cfg) and priv/token.cfg as one transaction.  Everything
 * that can refuse is checked before either file is written (unreadable
 * lines in user.cfg or token.cfg, without --force), so a refusal changes
 * nothing.  The order makes a crash between the two writes leave the old
 * state or the new one plus an orphaned secret, never a token without
 * its secret:
 * - a new secret (token created or regenerated) is written first, and
 *   put back as it was if user.cfg then cannot be written: until
 *   user.cfg names the token the secret is an orphan, and a token
 *   created anew under that id gets a secret of its own (set replaces);
 * - secrets removed (token or users deleted) go last, after user.cfg: the
 *   tokens are gone with it, what is left of their secrets is an orphan
 *   (store_orphan_left if that write fails).
 */
static int
commit_with_secrets(struct api_env *env, struct store_tx *tx,
    enum secret_op op, const char *const *ids, size_t n, const char *secret,
    struct err *err)
{
	struct api_secrets s;
	int rc = -1;

	api_secrets_init(&s);
	if (store_check_user(env, tx, err) < 0 ||
	    secrets_prepare(env, &s, op, ids, n, secret, err) < 0)
		goto out;
	if (op != SECRET_SET) {
		if (store_commit_user(env, tx, err) < 0)
			goto out;
		testpoint("between-writes", op == SECRET_DELETE ?
		    "token-delete" : "token-purge");
		rc = 0;
		api_secrets_write_orphan(env, &s);
		goto out;
	}
	if (api_secrets_write(env, &s, err) < 0)
		goto out;
	testpoint("between-writes", "token-secret");
	if (store_commit_user(env, tx, err) < 0) {
		api_secrets_undo(env, &s);
		goto out;
	}
	rc = 0;
out:
	api_secrets_end(&s);
	return rc;
}

int
api_tokens_commit_purge(struct api_env *env, struct store_tx *tx,
    const char *const *userids, size_t n, struct err *err)
{
	if (n == 0)
		return store_commit_user(env, tx, err);
	return commit_with_secrets(env, tx, SECRET_DELETE_USERS, userids, n,
	    NULL, err);
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
	if (uuid_v4(secret, err) < 0 ||
	    commit_with_secrets(c->env, &tx, SECRET_SET, &t->id, 1, secret,
	    err) < 0)
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
	if (param_bool(c, "regenerate", false)) {
		if (uuid_v4(secret, err) < 0 ||
		    commit_with_secrets(c->env, &tx, SECRET_SET, &t->id, 1,
		    secret, err) < 0)
			goto out;
	} else if (store_commit_user(c->env, &tx, err) < 0) {
		goto out;
	}
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
	const char *id;
	int rc = -1;

	*result_r = json_null();
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	t = get_token(tx.ucfg, param_str(c, "userid"),
	    param_str(c, "tokenid"), err);
	if (t == NULL)
		goto out;
	id = t->id;
	/* the token's ACLs would vanish at Proxmox's next write anyway */
	ucfg_acl_purge_subject(tx.ucfg, NULL, ACL_TOKEN, id);
	ucfg_token_del(tx.ucfg, t->user, t->name);
	rc = commit_with_secrets(c->env, &tx, SECRET_DELETE, &id, 1, NULL,
	    err);
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
