/*
 * POST /access/openid/auth-url and /access/openid/login (spec 7, 8.6).
 * The realm driver (src/realms/realm_openid.c) runs the protocol and
 * returns verified claims; this file turns them into a user: the user id
 * from the username claim, autocreate, the groups claim mapped as Proxmox
 * does (suffix, autocreate, overwrite) - except that group names Proxmox
 * cannot store are mapped by sync's rule and reported instead of dropped
 * - and then the same ticket answer as a password login.  Everything that
 * changes user.cfg happens in one transaction after every check passed,
 * so a refused login creates nothing.
 */
#include "api_int.h"
#include "api_login.h"
#include "api_openid.h"
#include "files/domains.h"
#include "ids.h"
#include "realm.h"
#include "realm_openid.h"
#include "store.h"
#include "sync/sync.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* The openid realm of a request, or an error as Proxmox words it. */
static int
openid_realm(struct api_env *env, const char *realm, struct domains_cfg **d_r,
    const struct domains_realm **r_r, struct err *err)
{
	const struct domains_realm *r;

	if (domains_load(env->config_dir, NULL, d_r, err) < 0)
		return -1;
	r = domains_realm_find(*d_r, realm);
	if (r == NULL)
		return err_set(err, ERR_INVALID, "authentication domain '%s' "
		    "does not exist", realm);
	if (r->type != REALM_OPENID)
		return err_set(err, ERR_INVALID, "wrong realm type (%s != "
		    "openid)", realm_type_name(r->type));
	if (domains_realm_bool(r, DP_DISABLE, false))
		return err_set(err, ERR_INVALID, "realm '%s' is disabled",
		    realm);
	*r_r = r;
	return 0;
}

static int
openid_auth_url(struct api_call *c, json_t **result_r, struct err *err)
{
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	struct realm_ctx ctx;
	struct buf url = BUF_INIT;
	int rc = -1;

	if (openid_realm(c->env, param_str(c, "realm"), &d, &r, err) < 0)
		goto out;
	api_realm_ctx(c->env, r, &ctx);
	if (realm_openid_auth_url(&ctx, param_str(c, "redirect-url"),
	    c->env->client, c->env->now, &url, err) < 0)
		goto out;
	*result_r = json_string(buf_str(&url));
	rc = 0;
out:
	domains_free(d);
	buf_clear(&url);
	return rc;
}

/* user id from the username claim (spec 7.2 step 4) */
static int
user_from_claims(const struct domains_realm *r, const json_t *claims,
    struct buf *userid, struct err *err)
{
	const char *claim = domains_realm_get(r, DP_USERNAME_CLAIM);
	const json_t *v;

	if (claim == NULL)
		claim = "sub";
	v = json_object_get(claims, claim);
	if (v == NULL && strcmp(claim, "subject") == 0)
		v = json_object_get(claims, "sub");
	if (v == NULL && strcmp(claim, "username") == 0) {
		v = json_object_get(claims, "preferred_username");
		if (v == NULL)
			return err_set(err, ERR_AUTH, "missing claim "
			    "'preferred_username'");
	}
	if (!json_is_string(v))
		return err_set(err, ERR_AUTH, "missing configured claim '%s' in "
		    "returned info object", claim);
	/*
	 * The provider's value, often chosen by the user: a list separator
	 * would make the id read back from user.cfg as two (issue 9); a NUL
	 * (jansson refuses one as we parse claims today) would cut it into
	 * another user's name.
	 */
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    strpbrk(json_string_value(v), ",;") != NULL)
		return err_set(err, ERR_AUTH, "claim '%s' gives no valid user "
		    "id: it contains a NUL, ',' or ';'", claim);
	buf_putf(userid, "%s@%s", json_string_value(v), r->id);
	if (id_user_check_new(buf_str(userid), err) < 0)
		return err_prefix(err, "claim '%s' gives no valid user id: ",
		    claim);
	return 0;
}

static const char *
claim_str(const json_t *claims, const char *key)
{
	const char *v = json_string_value(json_object_get(claims, key));

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A group name we could not take as is: to the caller and to syslog. */
static void RG_PRINTF(2, 3)
warn(struct api_env *env, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(&env->warnings, NULL, 0, false, "%s", msg);
	syslog(LOG_AUTHPRIV | LOG_WARNING, "openid: %s", msg);
}

/*
 * Groups from the groups claim (spec 7.2 step 6); userid is the user
 * record's (interned) id.  Returns whether the memberships changed.
 */
static bool
apply_groups(struct api_env *env, struct ucfg *cfg,
    const struct domains_realm *r, const char *userid, const json_t *claims)
{
	const char *name = domains_realm_get(r, DP_GROUPS_CLAIM);
	bool create = domains_realm_bool(r, DP_GROUPS_AUTOCREATE, false);
	bool overwrite = domains_realm_bool(r, DP_GROUPS_OVERWRITE, false);
	const json_t *list = name != NULL ? json_object_get(claims, name)
					  : NULL, *g;
	struct buf id = BUF_INIT;
	bool changed = false;
	size_t i;

	if (name == NULL)
		return false;
	if (!json_is_array(list)) {
		warn(env, "openid groups claim '%s' %s; memberships unchanged",
		    name, list == NULL ? "missing" : "is not a list");
		return false;
	}
	if (overwrite) {
		/* as in Proxmox: every group, not only the realm's */
		ucfg_user_leave_groups(cfg, userid);
		changed = true;
	}
	json_array_foreach(list, i, g) {
		const char *v = json_string_value(g);
		struct ucfg_group *grp;
		bool mapped;

		if (v == NULL || !sync_group_name(v, strlen(v), NULL, &id,
		    &mapped)) {
			warn(env, "openid group %s cannot be a group id; "
			    "skipped", v != NULL ? v : "(not a string)");
			continue;
		}
		buf_putf(&id, "-%s", r->id);
		if (!id_group_valid(id.data, id.len)) {
			warn(env, "openid group '%s' gives invalid id '%s'; "
			    "skipped", v, buf_str(&id));
			continue;
		}
		if (mapped)
			warn(env, "openid group '%s' is stored as '%s'", v,
			    buf_str(&id));
		grp = ucfg_group(cfg, buf_str(&id));
		if (grp == NULL && !create)
			continue;
		if (grp == NULL)
			grp = ucfg_group_add(cfg, buf_str(&id));
		ucfg_group_add_member(cfg, grp, userid);
		changed = true;
	}
	buf_clear(&id);
	return changed;
}

/* The user record: existing and usable, or created (spec 7.2 step 5). */
static int
user_record(struct api_env *env, struct ucfg *cfg,
    const struct domains_realm *r, const char *userid, const json_t *claims,
    bool *created, struct err *err)
{
	struct ucfg_user *u = ucfg_user(cfg, userid);
	const char *v;

	*created = false;
	if (u != NULL)
		return api_user_usable(u, env->now, err);
	if (!domains_realm_bool(r, DP_AUTOCREATE, false))
		return err_set(err, ERR_AUTH, "user '%s' does not exist "
		    "(autocreate is off)", userid);
	u = ucfg_user_add(cfg, userid);
	u->enable = true;
	if ((v = claim_str(claims, "email")) != NULL) {
		struct buf msg = BUF_INIT;

		/*
		 * user.cfg stores the e-mail as it is: a ':' or a newline
		 * in it (users often set their own at the provider) would
		 * write other fields or lines, an ACL line among them.
		 */
		if (strlen(v) <= 254 && api_check_format("email", v, &msg) ==
		    NULL)
			u->email = ucfg_text(cfg, v, strlen(v));
		else
			warn(env, "openid user %s: the email claim is not an "
			    "e-mail address; not stored", userid);
		buf_clear(&msg);
	}
	if ((v = claim_str(claims, "given_name")) != NULL)
		u->firstname = ucfg_text(cfg, v, strlen(v));
	if ((v = claim_str(claims, "family_name")) != NULL)
		u->lastname = ucfg_text(cfg, v, strlen(v));
	*created = true;
	return 0;
}

int
api_openid_userid(const struct domains_realm *r, const json_t *claims,
    struct buf *userid, struct err *err)
{
	return user_from_claims(r, claims, userid, err);
}

int
api_openid_apply(struct api_env *env, struct ucfg *cfg,
    const struct domains_realm *r, const char *userid, const json_t *claims,
    bool *created, bool *changed, struct err *err)
{
	*changed = false;
	if (user_record(env, cfg, r, userid, claims, created, err) < 0)
		return -1;
	/* the record's id: interned, as the member sets need it */
	*changed = apply_groups(env, cfg, r, ucfg_user(cfg, userid)->id,
	    claims);
	return 0;
}

static int
openid_login(struct api_call *c, json_t **result_r, struct err *err)
{
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	struct realm_ctx ctx;
	struct store_tx tx;
	struct buf userid = BUF_INIT;
	json_t *state, *claims = NULL;
	const char *realm, *csrf;
	bool created, changed;
	int rc = -1;

	memset(&tx, 0, sizeof(tx));
	state = json_loads(param_str(c, "state"), 0, NULL);
	realm = json_string_value(json_object_get(state, "realm"));
	csrf = json_string_value(json_object_get(state, "csrf_token"));
	if (realm == NULL || csrf == NULL) {
		err_set(err, ERR_AUTH, "invalid openid state: no realm or "
		    "csrf_token");
		goto out;
	}
	if (openid_realm(c->env, realm, &d, &r, err) < 0)
		goto fail;
	api_realm_ctx(c->env, r, &ctx);
	if (realm_openid_login(&ctx, csrf, param_str(c, "code"),
	    param_str(c, "redirect-url"), c->env->now, &claims, err) < 0 ||
	    api_openid_userid(r, claims, &userid, err) < 0 ||
	    store_begin_user(c->env, &tx, err) < 0 ||
	    api_openid_apply(c->env, tx.ucfg, r, buf_str(&userid), claims,
	    &created, &changed, err) < 0)
		goto fail;
	if ((created || changed) && store_commit_user(c->env, &tx, err) < 0)
		goto fail;
	store_end(&tx);
	if (api_ticket_answer(c->env, buf_str(&userid), result_r, err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	/* every refusal is an authentication failure to the client */
	if (err->code != ERR_UNAVAILABLE)
		err->code = ERR_AUTH;
out:
	store_end(&tx);
	json_decref(claims);
	json_decref(state);
	domains_free(d);
	buf_clear(&userid);
	return rc;
}

static const struct param_def auth_url_params[] = {
	{"realm", PT_STRING, false, .format = "pve-realm", .max_len = 32},
	{"redirect-url", PT_STRING, false, .max_len = 255},
	{NULL},
};

static const struct param_def login_params[] = {
	{"state", PT_STRING, false, .max_len = 1024},
	{"code", PT_STRING, false, .max_len = 4096},
	{"redirect-url", PT_STRING, false, .max_len = 255},
	{NULL},
};

const struct api_method api_openid_methods[] = {
	{"POST", "/access/openid/auth-url", openid_auth_url, auth_url_params,
	    NULL, "Get the OpenId Authorization Url for the specified realm."},
	{"POST", "/access/openid/login", openid_login, login_params, NULL,
	    " Verify OpenID authorization code and create a ticket."},
	{NULL},
};
