/*
 * /access/ticket and /access/password (spec 8.1): login tickets with their
 * CSRF token and `cap`, and password changes through the user's realm.
 * Ticket keys are rotated lazily before signing, under the `authkey` lock,
 * as Proxmox does.
 */
#include "cfs/cfs.h"
#include "api_int.h"
#include "api_login.h"
#include "api_tfa_login.h"
#include "files/lock.h"
#include "ids.h"
#include "perm.h"
#include "secret.h"
#include "snapcache.h"
#include "xalloc.h"
#include "ticket/authkey.h"
#include "ticket/csrf.h"
#include "ticket/pveticket.h"
#include "ticket/ticket.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Padding for new tickets: PKCS#1 v1.5 (what Proxmox nodes on Debian 12
 * sign with) unless REALMGATE_TICKET_PADDING=pss, for clusters whose Perl
 * stack signs with RSA-PSS.  Verification always accepts both.
 */
static enum ticket_pad
ticket_padding(void)
{
	const char *v = getenv("REALMGATE_TICKET_PADDING");

	return v != NULL && strcmp(v, "pss") == 0 ? TICKET_PAD_PSS :
	    TICKET_PAD_PKCS1;
}

/*
 * A login ticket for userid, or with challenge (not NULL) a partial one
 * bound to userid that carries the second-factor challenge (spec 4.4).
 */
static int
sign_ticket(struct api_env *env, const char *userid, const char *challenge,
    char **ticket_r, struct err *err)
{
	struct authkey_store *ks = store_authkeys(env);
	struct cfs_lock *lock = NULL;
	EVP_PKEY *key = NULL;
	bool rotated;
	int rc = -1;

	if (authkey_needs_rotation(ks, env->now)) {
		if (cfs_lock(env->config_dir, "authkey", CFG_LOCK_TIMEOUT, &lock,
		    err) < 0 ||
		    authkey_rotate(ks, env->now, &rotated, err) < 0)
			goto out;
	}
	if (authkey_get_privkey(ks, &key, err) < 0)
		goto out;
	rc = challenge != NULL ?
	    tfa_ticket_create(key, ticket_padding(), userid, challenge,
	    env->now, ticket_r, err) :
	    pve_ticket_create(key, ticket_padding(), userid, env->now,
	    ticket_r, err);
out:
	if (lock != NULL)
		cfs_unlock(lock);
	EVP_PKEY_free(key);
	return rc;
}

/* Category of a path for `cap` (spec 3.6), or NULL to ignore it. */
static const char *
cap_category(const char *path)
{
	static const char *const cats[] = {"vms", "access", "storage", "nodes",
	    "sdn", "mapping"};
	size_t i, n;

	if (strcmp(path, "/") == 0)
		return "dc";
	path++;
	n = strcspn(path, "/");
	for (i = 0; i < ARRAY_SIZE(cats); i++)
		if (strlen(cats[i]) == n && strncmp(path, cats[i], n) == 0)
			return cats[i];
	if (n == 4 && strncmp(path, "pool", 4) == 0)
		return "pool";
	return NULL;
}

static bool
cap_wants(const char *cat, const char *priv)
{
	bool pm = strcmp(priv, "Permissions.Modify") == 0;

	if (strcmp(cat, "vms") == 0)
		return pm || strncmp(priv, "VM.", 3) == 0;
	if (strcmp(cat, "access") == 0)
		return pm || strncmp(priv, "User.", 5) == 0 ||
		    strncmp(priv, "Group.", 6) == 0;
	if (strcmp(cat, "storage") == 0)
		return pm || strncmp(priv, "Datastore.", 10) == 0;
	if (strcmp(cat, "nodes") == 0)
		return pm || strncmp(priv, "Sys.", 4) == 0;
	if (strcmp(cat, "sdn") == 0)
		return pm || strncmp(priv, "SDN.", 4) == 0;
	if (strcmp(cat, "mapping") == 0)
		return pm || strncmp(priv, "Mapping.", 8) == 0;
	/* dc */
	return strcmp(priv, "Sys.Audit") == 0 ||
	    strcmp(priv, "Sys.Modify") == 0 || strncmp(priv, "SDN.", 4) == 0;
}

static void
cap_add(json_t *cap, const char *cat, const char *priv)
{
	json_object_set_new(json_object_get(cap, cat), priv, json_integer(1));
}

static void
cap_path(const struct ucfg *cfg, const char *userid, const char *path,
    json_t *cap, struct perm_roles *scratch)
{
	const char *cat = cap_category(path);
	struct perm_set ps;
	unsigned i;

	if (cat == NULL)
		return;
	perm_compute(cfg, userid, path, &ps, scratch);
	for (i = 0; i < PRIV_COUNT; i++) {
		const char *p = priv_name(i);

		if (!(ps.privs & (UINT64_C(1) << i)))
			continue;
		if (strcmp(cat, "pool") == 0) {
			if (strncmp(p, "VM.", 3) == 0 ||
			    strcmp(p, "Permissions.Modify") == 0)
				cap_add(cap, "vms", p);
			if (strncmp(p, "Datastore.", 10) == 0 ||
			    strcmp(p, "Permissions.Modify") == 0)
				cap_add(cap, "storage", p);
		} else if (cap_wants(cat, p)) {
			cap_add(cap, cat, p);
		}
	}
}

static void
cap_tree(const struct ucfg *cfg, const char *userid, const struct acl_node *n,
    json_t *cap, struct perm_roles *scratch)
{
	size_t i;

	cap_path(cfg, userid, n->path, cap, scratch);
	for (i = 0; i < n->child_count; i++)
		cap_tree(cfg, userid, n->children[i], cap, scratch);
}

static json_t *
cap_of(const struct ucfg *cfg, const char *userid)
{
	static const char *const cats[] = {"vms", "access", "storage",
	    "nodes", "sdn", "dc", "mapping"};
	static const char *const paths[] = {"/", "/nodes", "/access/groups",
	    "/vms", "/storage", "/sdn", "/mapping"};
	struct perm_roles scratch;
	json_t *cap = json_object();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cats); i++)
		json_object_set_new(cap, cats[i], json_object());
	perm_roles_init(&scratch);
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		cap_path(cfg, userid, paths[i], cap, &scratch);
	cap_tree(cfg, userid, cfg->acl_root, cap, &scratch);
	perm_roles_clear(&scratch);
	return cap;
}

/*
 * The cap of a user.  In the daemon it is cached per config snapshot: a
 * renewal every 15 minutes from an open page need not walk the whole ACL
 * tree.
 */
static void
cap_ref(void *v)
{
	json_incref(v);
}

static void
cap_unref(void *v)
{
	json_decref(v);
}

static struct snapcache caps = SNAPCACHE_INIT(4096, SIZE_MAX, cap_ref,
    cap_unref);

static json_t *
compute_cap(struct api_env *env, const char *userid)
{
	struct ucfg *cfg;
	struct err err;
	json_t *cap;

	if (store_read_user(env, &cfg, &err) < 0)
		return json_object();
	cap = snapcache_get(&caps, cfg, userid);
	if (cap == NULL) {
		cap = cap_of(cfg, userid);
		snapcache_put(&caps, cfg, userid, cap, 0);
	}
	store_release_user(cfg);
	return cap;
}

/* Every privilege of the privs parameter on path (else ERR_AUTH). */
static int
check_path_privs(const struct api_call *c, const char *userid,
    struct err *err)
{
	const char *path = param_str(c, "path"), *privs = param_str(c, "privs");
	struct buf norm = BUF_INIT;
	struct perm_set ps;
	struct ucfg *cfg;
	const char *p = privs;
	int rc = 0;

	if (!id_path_normalize(path, strlen(path), &norm))
		return err_set(err, ERR_AUTH, "no permission (%s, %s)", path,
		    privs);
	if (store_read_user(c->env, &cfg, err) < 0) {
		buf_clear(&norm);
		return -1;
	}
	perm_compute(cfg, userid, buf_str(&norm), &ps, NULL);
	while (*p != '\0' && rc == 0) {
		size_t n = strcspn(p, ",; ");
		int i = priv_index(p, n);

		if (n > 0 && (i < 0 || !(ps.privs & (UINT64_C(1) << i))))
			rc = err_set(err, ERR_AUTH, "no permission (%s, %s)",
			    path, privs);
		p += n;
		p += strspn(p, ",; ");
	}
	store_release_user(cfg);
	buf_clear(&norm);
	return rc;
}

/*
 * username, ticket and CSRFPreventionToken; with a challenge the ticket
 * is partial and NeedTFA: 1 is added, without cap (spec 8.1).
 */
static int
ticket_answer(struct api_env *env, const char *userid, const char *challenge,
    json_t **result_r, struct err *err)
{
	struct csrf_secret secret;
	char csrf[CSRF_TOKEN_LEN + 1], *ticket = NULL;
	int rc = -1;

	if (sign_ticket(env, userid, challenge, &ticket, err) < 0 ||
	    csrf_secret_load(env->config_dir, true, &secret, err) < 0)
		goto out;
	rc = csrf_token_create(&secret, userid, env->now, csrf, err);
	csrf_secret_wipe(&secret);
	if (rc < 0)
		goto out;
	*result_r = json_object();
	json_object_set_new(*result_r, "username", json_string(userid));
	json_object_set_new(*result_r, "ticket", json_string(ticket));
	json_object_set_new(*result_r, "CSRFPreventionToken",
	    json_string(csrf));
	if (challenge != NULL)
		json_object_set_new(*result_r, "NeedTFA", json_integer(1));
	else
		json_object_set_new(*result_r, "cap", compute_cap(env,
		    userid));
out:
	free(ticket);
	return rc;
}

int
api_ticket_answer(struct api_env *env, const char *userid, json_t **result_r,
    struct err *err)
{
	return ticket_answer(env, userid, NULL, result_r, err);
}

/*
 * The answer to a partial ticket (tfa-challenge): the ticket must be one
 * of this user's, within its 2 h, and password the answer to the
 * challenge it carries.  The first factor is not asked again.
 */
static int
second_step(struct api_call *c, const char *username, json_t **result_r,
    struct err *err)
{
	const char *partial = param_str(c, "tfa-challenge");
	struct buf userid = BUF_INIT;
	struct pve_pubkeys keys;
	char *challenge = NULL;
	int rc = -1;

	memset(&keys, 0, sizeof(keys));
	if (param_has(c, "otp")) {
		err_set(err, ERR_AUTH, "TFA response should be in 'password', "
		    "not 'otp' when 'tfa-challenge' is set");
		goto out;
	}
	if (api_login_user(c->env, username, &userid, err) < 0 ||
	    authkey_get_pubkeys(store_authkeys(c->env), &keys, err) < 0 ||
	    tfa_ticket_verify(&keys, partial, strlen(partial),
	    buf_str(&userid), c->env->now, &challenge, err) < 0) {
		err->code = ERR_AUTH;
		goto out;
	}
	if (api_tfa_respond(c->env, buf_str(&userid), challenge,
	    param_str(c, "password"), err) < 0)
		goto out;
	rc = api_ticket_answer(c->env, buf_str(&userid), result_r, err);
out:
	free(challenge);
	pve_pubkeys_clear(&keys);
	buf_clear(&userid);
	return rc;
}

static int
ticket_create(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *username = param_str(c, "username");
	const char *password = param_str(c, "password");
	struct buf userid = BUF_INIT, full = BUF_INIT, challenge = BUF_INIT;
	bool by_ticket = false;
	int rc = -1;

	if (param_has(c, "path") != param_has(c, "privs"))
		return api_param_error(c->env, err,
		    param_has(c, "path") ? "privs" : "path",
		    "missing property - 'privs' requires this property");
	buf_puts(&full, username);
	if (param_has(c, "realm") && strchr(username, '@') == NULL)
		buf_putf(&full, "@%s", param_str(c, "realm"));
	if (param_has(c, "tfa-challenge") && !param_has(c, "path")) {
		rc = second_step(c, buf_str(&full), result_r, err);
		goto out;
	}
	if (api_login(c->env, buf_str(&full), password, true, &by_ticket,
	    &userid, err) < 0)
		goto out;
	if (param_has(c, "path")) {
		/* path/privs mode: a credential check, no ticket (spec 8.1) */
		rc = check_path_privs(c, buf_str(&userid), err);
		if (rc == 0) {
			*result_r = json_object();
			json_object_set_new(*result_r, "username",
			    json_string(buf_str(&userid)));
			json_object_set_new(*result_r, "cap",
			    compute_cap(c->env, buf_str(&userid)));
		}
		goto out;
	}
	/* a ticket renewal asks for no second factor (spec 12.19) */
	if (!by_ticket && api_tfa_after_password(c->env, buf_str(&userid),
	    param_str(c, "otp"), &challenge, err) < 0)
		goto out;
	rc = ticket_answer(c->env, buf_str(&userid), challenge.len > 0 ?
	    buf_str(&challenge) : NULL, result_r, err);
out:
	buf_clear(&challenge);
	buf_clear(&userid);
	buf_clear(&full);
	return rc;
}

/*
 * POST /access/vncticket (spec 4.6, 8.1): is vncticket a VNC ticket for
 * this authid, path and port, signed with the current key (at most a day
 * old) within the last 40 s, and does authid hold privs on path?
 */
static int
vncticket_check(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *authid = param_str(c, "authid");
	const char *ticket = param_str(c, "vncticket");
	const char *path = param_str(c, "path");
	struct authkey_store *ks = store_authkeys(c->env);
	struct buf norm = BUF_INIT, secret = BUF_INIT;
	struct ticket_info info;
	struct pve_pubkeys pk;
	struct perm_set ps;
	struct ucfg *cfg = NULL;
	const char *p;
	int rc = -1;

	*result_r = json_null();
	memset(&pk, 0, sizeof(pk));
	ticket_info_init(&info);
	/* a leading 8-character password "xxxxxxxx:" is allowed */
	if (strncmp(ticket, "PVEVNC:", 7) != 0 && strlen(ticket) > 9 &&
	    ticket[8] == ':')
		ticket += 9;
	if (!id_path_normalize(path, strlen(path), &norm)) {
		err_set(err, ERR_AUTH, "invalid path '%s'", path);
		goto out;
	}
	buf_putf(&secret, "%s:%s", authid, buf_str(&norm));
	if (param_has(c, "port"))
		buf_putf(&secret, ":%lld", param_int(c, "port", 0));
	if (authkey_get_pubkeys(ks, &pk, err) < 0)
		goto out;
	if (c->env->now - pk.cur_mtime > PVE_AUTHKEY_LIFETIME) {
		err_set(err, ERR_AUTH, "ticket key too old for VNC tickets");
		goto out;
	}
	if (ticket_verify(pk.cur, "PVEVNC", ticket, strlen(ticket),
	    buf_str(&secret), c->env->now, -20, 40, &info, err) < 0) {
		err->code = ERR_AUTH;
		goto out;
	}
	if (store_read_user(c->env, &cfg, err) < 0)
		goto out;
	perm_compute(cfg, authid, buf_str(&norm), &ps, NULL);
	for (p = param_str(c, "privs"); *p != '\0';) {
		size_t n = strcspn(p, ",; ");
		int i = priv_index(p, n);

		if (n > 0 && (i < 0 || !(ps.privs & (UINT64_C(1) << i)))) {
			err_set(err, ERR_AUTH, "no permission (%s, %.*s)", path,
			    (int)n, p);
			goto out;
		}
		p += n;
		p += strspn(p, ",; ");
	}
	rc = 0;
out:
	store_release_user(cfg);
	pve_pubkeys_clear(&pk);
	ticket_info_clear(&info);
	buf_clear(&norm);
	buf_clear(&secret);
	return rc;
}

static int
ticket_get(struct api_call *c, json_t **result_r, struct err *err)
{
	(void)c;
	(void)err;
	*result_r = json_null();
	return 0;
}

/* Is userid in the pam realm (by name, as Proxmox tests, or by type)? */
static bool
is_pam_user(struct api_env *env, const char *userid)
{
	struct buf realm = BUF_INIT;
	const char *type;
	bool pam;

	api_realm_of(userid, &realm);
	type = api_realm_type(env, buf_str(&realm));
	pam = strcmp(buf_str(&realm), "pam") == 0 ||
	    (type != NULL && strcmp(type, "pam") == 0);
	buf_clear(&realm);
	return pam;
}

static int
password_change(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *userid = param_str(c, "userid");
	const char *caller = c->env->authid;
	struct buf me = BUF_INIT;
	struct ucfg *cfg = NULL;
	const struct ucfg_user *u;
	struct store_side side;
	int rc = -1;

	*result_r = json_null();
	store_side_init(&side);
	if (store_read_user(c->env, &cfg, err) < 0)
		goto out;
	u = ucfg_user(cfg, userid);
	if (u == NULL) {
		err_set(err, ERR_NOT_FOUND, "no such user ('%s')", userid);
		goto out;
	}
	/*
	 * Proxmox's change_password: besides root@pam, a user changes only
	 * its own password when it is root's or a pam one (the system
	 * password: usermod), whatever the caller's privileges.
	 */
	if (strcmp(caller, "root@pam") != 0 && strcmp(caller, userid) != 0 &&
	    (strcmp(userid, "root@pam") == 0 || is_pam_user(c->env, userid))) {
		err_set(err, ERR_DENIED, "Permission check failed");
		goto out;
	}
	if (strcmp(caller, "root@pam") != 0) {
		/* non-root callers confirm with their own password */
		const char *confirm = param_str(c, "confirmation-password");

		if (confirm == NULL) {
			rc = api_param_error(c->env, err,
			    "confirmation-password", "property is missing and "
			    "it is not optional");
			goto out;
		}
		if (api_login(c->env, caller, confirm, false, NULL, &me,
		    err) < 0)
			goto out;
		if (strcmp(caller, userid) == 0 &&
		    api_user_usable(u, c->env->now, err) < 0)
			goto out;
	}
	/* the side (shadow.cfg's lock and staged write) is committed here:
	   no user.cfg transaction takes it along */
	rc = api_realm_set_password(c->env, userid, param_str(c, "password"),
	    &side, err);
	if (rc == 0)
		rc = cfs_group_commit(c->env->config_dir, err);
	if (rc < 0)
		store_side_undo(c->env, &side);
out:
	store_side_end(&side);
	store_release_user(cfg);
	buf_clear(&me);
	return rc;
}

static const struct param_def ticket_params[] = {
	{"username", PT_STRING, false, .max_len = 64,
	    .desc = "User name"},
	{"realm", PT_STRING, true, .format = "pve-realm", .max_len = 32},
	{"password", PT_STRING, false, .desc = "The secret password. This "
	    "can also be a valid ticket."},
	{"otp", PT_STRING, true},
	{"path", PT_STRING, true, .max_len = 64},
	{"privs", PT_LIST, true, .format = "pve-priv", .max_len = 64},
	{"new-format", PT_BOOL, true},
	{"tfa-challenge", PT_STRING, true},
	{NULL},
};

static const struct param_def password_params[] = {
	{"userid", PT_STRING, false, .format = "pve-userid"},
	{"password", PT_STRING, false, .min_len = 8, .max_len = 64},
	{"confirmation-password", PT_STRING, true, .min_len = 5,
	    .max_len = 64},
	{NULL},
};

static const struct param_def vnc_params[] = {
	{"authid", PT_STRING, false, .format = "pve-userid-or-token",
	    .max_len = 64},
	{"vncticket", PT_STRING, false, .desc = "Ticket from previous call to "
	    "vncproxy."},
	{"path", PT_STRING, false, .max_len = 64},
	{"privs", PT_LIST, false, .format = "pve-priv", .max_len = 64},
	{"port", PT_INT, true, .min = 5900, .max = 5999},
	{NULL},
};

static const struct param_def no_params[] = {{NULL}};

const struct api_method api_ticket_methods[] = {
	{"POST", "/access/vncticket", vncticket_check, vnc_params, NULL,
	    "verify VNC authentication ticket."},
	{"GET", "/access/ticket", ticket_get, no_params, NULL,
	    "Dummy. Useful for formatters which want to provide a login "
	    "page."},
	{"POST", "/access/ticket", ticket_create, ticket_params, NULL,
	    "Create or verify authentication ticket."},
	{"PUT", "/access/password", password_change, password_params, NULL,
	    "Change user password."},
	{NULL},
};
