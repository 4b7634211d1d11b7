/*
 * API permissions: one declarative table of what each method requires, in
 * the check language of Proxmox's API schemas (spec 3.5), and its
 * evaluator, written after PVE::RPCEnvironment's check_api2_permissions
 * and exec_api2_perm_check so that the order of checks, and therefore
 * which message a refused caller sees, is the same.  A check is a small
 * tree built from compound literals at compile time; nothing is parsed at
 * run time.  Privileges come from perm_compute, nothing is cached: a
 * request runs a handful of checks.
 */
#include "api_check.h"
#include "buf.h"
#include "ids.h"
#include "perm.h"
#include "str.h"
#include "xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum chk_kind {
	CHK_AND,
	CHK_OR,
	CHK_PERM,	 /* all privs on the path template */
	CHK_PERM_ANY,	 /* at least one */
	CHK_SELF,	 /* userid-param self */
	CHK_REALM_USER,	 /* userid-param Realm.AllocateUser */
	CHK_USER_GROUP,	 /* userid-group */
	CHK_PERM_MODIFY, /* perm-modify */
};

enum groups_param { GP_NONE, GP_CREATE, GP_UPDATE };

struct chk {
	enum chk_kind kind;
	const char *path;		/* PERM*, PERM_MODIFY: a template */
	const char *const *privs;	/* PERM*, USER_GROUP; NULL-ended */
	enum groups_param groups;	/* USER_GROUP */
	const struct chk *const *subs;	/* AND, OR; NULL-ended */
};

enum access { ACC_ROOT, ACC_WORLD, ACC_ALL, ACC_CHECK };

#define F_PROTECTED (1u << 0)
#define F_NOTOKEN   (1u << 1)	/* allowtoken => 0 */

struct check_def {
	const char *method;
	const char *path;
	enum access access;
	const struct chk *check;
	unsigned flags;
};

#define PRIVS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define PERM(p, ...)                                                       \
	(&(const struct chk){.kind = CHK_PERM, .path = (p),                \
	    .privs = PRIVS(__VA_ARGS__)})
#define PERM_ANY(p, ...)                                                   \
	(&(const struct chk){.kind = CHK_PERM_ANY, .path = (p),            \
	    .privs = PRIVS(__VA_ARGS__)})
#define SELF	   (&(const struct chk){.kind = CHK_SELF})
#define REALM_USER (&(const struct chk){.kind = CHK_REALM_USER})
#define USER_GROUP(gp, ...)                                                \
	(&(const struct chk){.kind = CHK_USER_GROUP, .groups = (gp),       \
	    .privs = PRIVS(__VA_ARGS__)})
#define PERM_MODIFY(p)                                                     \
	(&(const struct chk){.kind = CHK_PERM_MODIFY, .path = (p)})
#define SUBS(...) ((const struct chk *const[]){__VA_ARGS__, NULL})
#define AND(...)                                                           \
	(&(const struct chk){.kind = CHK_AND, .subs = SUBS(__VA_ARGS__)})
#define OR(...)                                                            \
	(&(const struct chk){.kind = CHK_OR, .subs = SUBS(__VA_ARGS__)})

#define WORLD	   ACC_WORLD, NULL
#define ALL	   ACC_ALL, NULL
#define CHECK(c)   ACC_CHECK, (c)
#define PROT	   F_PROTECTED
#define NOTOKEN	   F_NOTOKEN

/* Shared expressions. */
#define SELF_OR_MODIFY	  OR(SELF, USER_GROUP(GP_NONE, "User.Modify"))
#define SELF_OR_AUDIT                                                      \
	OR(SELF, USER_GROUP(GP_NONE, "User.Modify", "Sys.Audit"))
#define REALM_SYNC                                                         \
	AND(PERM("/access/realm/{realm}", "Realm.AllocateUser"),            \
	    PERM("/access/groups", "User.Modify"))

/* Spec 8.1-8.7, in the order of its tables. */
static const struct check_def checks[] = {
	/* 8.1 root and login */
	{"GET", "/access", ALL, 0},
	{"GET", "/access/ticket", WORLD, 0},
	{"POST", "/access/ticket", WORLD, PROT | NOTOKEN},
	{"POST", "/access/vncticket", WORLD, PROT},
	{"PUT", "/access/password", CHECK(OR(SELF, AND(REALM_USER,
	    USER_GROUP(GP_NONE, "User.Modify")))), PROT | NOTOKEN},
	{"GET", "/access/permissions", ALL, 0},
	/* realmgate's extension; the handler applies the rules of 8.1 */
	{"GET", "/access/permissions/why", ALL, 0},
	/* 8.2 users and tokens */
	{"GET", "/access/users", ALL, PROT},
	{"POST", "/access/users", CHECK(AND(REALM_USER,
	    USER_GROUP(GP_CREATE, "User.Modify"))), PROT},
	{"GET", "/access/users/{userid}",
	    CHECK(USER_GROUP(GP_NONE, "User.Modify", "Sys.Audit")), 0},
	{"PUT", "/access/users/{userid}",
	    CHECK(USER_GROUP(GP_UPDATE, "User.Modify")), PROT},
	{"DELETE", "/access/users/{userid}", CHECK(AND(REALM_USER,
	    USER_GROUP(GP_NONE, "User.Modify"))), PROT},
	{"GET", "/access/users/{userid}/tfa", CHECK(SELF_OR_AUDIT), PROT},
	{"PUT", "/access/users/{userid}/unlock-tfa",
	    CHECK(USER_GROUP(GP_NONE, "User.Modify")), PROT},
	{"GET", "/access/users/{userid}/token", CHECK(SELF_OR_MODIFY), 0},
	{"GET", "/access/users/{userid}/token/{tokenid}",
	    CHECK(SELF_OR_MODIFY), 0},
	{"POST", "/access/users/{userid}/token/{tokenid}",
	    CHECK(SELF_OR_MODIFY), PROT},
	{"PUT", "/access/users/{userid}/token/{tokenid}",
	    CHECK(SELF_OR_MODIFY), PROT},
	{"DELETE", "/access/users/{userid}/token/{tokenid}",
	    CHECK(SELF_OR_MODIFY), PROT},
	/* 8.3 groups, roles, ACLs */
	{"GET", "/access/groups", ALL, 0},
	{"POST", "/access/groups",
	    CHECK(PERM("/access/groups", "Group.Allocate")), PROT},
	{"GET", "/access/groups/{groupid}", CHECK(PERM_ANY("/access/groups",
	    "Sys.Audit", "Group.Allocate")), 0},
	{"PUT", "/access/groups/{groupid}",
	    CHECK(PERM("/access/groups", "Group.Allocate")), PROT},
	{"DELETE", "/access/groups/{groupid}",
	    CHECK(PERM("/access/groups", "Group.Allocate")), PROT},
	{"GET", "/access/roles", ALL, 0},
	{"POST", "/access/roles", CHECK(PERM("/access", "Sys.Modify")), PROT},
	{"GET", "/access/roles/{roleid}", ALL, 0},
	{"PUT", "/access/roles/{roleid}", CHECK(PERM("/access", "Sys.Modify")),
	    PROT},
	{"DELETE", "/access/roles/{roleid}",
	    CHECK(PERM("/access", "Sys.Modify")), PROT},
	{"GET", "/access/acl", ALL, 0},
	{"PUT", "/access/acl", CHECK(PERM_MODIFY("{path}")), PROT},
	/* 8.4 realms */
	{"GET", "/access/domains", WORLD, 0},
	{"POST", "/access/domains",
	    CHECK(PERM("/access/realm", "Realm.Allocate")), PROT},
	{"GET", "/access/domains/{realm}", CHECK(PERM_ANY("/access/realm",
	    "Realm.Allocate", "Sys.Audit")), 0},
	{"PUT", "/access/domains/{realm}",
	    CHECK(PERM("/access/realm", "Realm.Allocate")), PROT},
	{"DELETE", "/access/domains/{realm}",
	    CHECK(PERM("/access/realm", "Realm.Allocate")), PROT},
	{"POST", "/access/domains/{realm}/sync", CHECK(REALM_SYNC), PROT},
	/* 8.5 TFA */
	{"GET", "/access/tfa", ALL, PROT},
	{"GET", "/access/tfa/{userid}", CHECK(SELF_OR_AUDIT), PROT},
	{"GET", "/access/tfa/{userid}/{id}", CHECK(SELF_OR_AUDIT), PROT},
	{"POST", "/access/tfa/{userid}", CHECK(SELF_OR_MODIFY),
	    PROT | NOTOKEN},
	{"PUT", "/access/tfa/{userid}/{id}", CHECK(SELF_OR_MODIFY),
	    PROT | NOTOKEN},
	{"DELETE", "/access/tfa/{userid}/{id}", CHECK(SELF_OR_MODIFY),
	    PROT | NOTOKEN},
	/* 8.6 OpenID */
	{"GET", "/access/openid", ALL, 0},
	{"POST", "/access/openid/auth-url", WORLD, PROT},
	{"POST", "/access/openid/login", WORLD, PROT},
	/* realmgate's first-factor lockouts (api_lockout.c) */
	{"GET", "/access/lockouts", CHECK(PERM("/access", "Sys.Audit")), PROT},
	{"DELETE", "/access/lockouts/user/{userid}",
	    CHECK(USER_GROUP(GP_NONE, "User.Modify")), PROT},
	{"DELETE", "/access/lockouts/address/{address}",
	    CHECK(PERM("/access", "Sys.Modify")), PROT},
	{"GET", "/access/lockouts/options", CHECK(PERM("/access", "Sys.Audit")),
	    PROT},
	{"PUT", "/access/lockouts/options",
	    CHECK(PERM("/access", "Sys.Modify")), PROT},
	/* 8.7 outside /access */
	{"GET", "/version", ALL, 0},
	{"GET", "/pools", ALL, 0},
	{"POST", "/pools", CHECK(PERM("/pool/{poolid}", "Pool.Allocate")),
	    PROT},
	{"PUT", "/pools", CHECK(PERM("/pool/{poolid}", "Pool.Allocate")),
	    PROT},
	{"DELETE", "/pools", CHECK(PERM("/pool/{poolid}", "Pool.Allocate")),
	    PROT},
	{"GET", "/pools/{poolid}",
	    CHECK(PERM("/pool/{poolid}", "Pool.Audit")), 0},
	{"PUT", "/pools/{poolid}",
	    CHECK(PERM("/pool/{poolid}", "Pool.Allocate")), PROT},
	{"DELETE", "/pools/{poolid}",
	    CHECK(PERM("/pool/{poolid}", "Pool.Allocate")), PROT},
	{"GET", "/cluster/jobs/realm-sync", CHECK(PERM("/", "Sys.Audit")), 0},
	{"GET", "/cluster/jobs/realm-sync/{id}",
	    CHECK(PERM("/", "Sys.Audit")), 0},
	{"POST", "/cluster/jobs/realm-sync/{id}", CHECK(REALM_SYNC), PROT},
	{"PUT", "/cluster/jobs/realm-sync/{id}", CHECK(REALM_SYNC), PROT},
	{"DELETE", "/cluster/jobs/realm-sync/{id}",
	    CHECK(PERM("/", "Sys.Modify")), PROT},
	/* the owner, or Sys.Audit on /nodes/{node} (checked by the handler) */
	{"GET", "/nodes/{node}/tasks/{upid}/status", ALL, 0},
	{"GET", "/nodes/{node}/tasks/{upid}/log", ALL, 0},
};

static const struct check_def *
find_def(const char *method, const char *tmpl)
{
	size_t i;

	if (method == NULL || tmpl == NULL)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(checks); i++)
		if (strcmp(checks[i].method, method) == 0 &&
		    strcmp(checks[i].path, tmpl) == 0)
			return &checks[i];
	return NULL;
}

enum api_access
api_check_access(const char *method, const char *tmpl)
{
	const struct check_def *d = find_def(method, tmpl);

	return d != NULL && d->access == ACC_WORLD ? API_WORLD : API_AUTH;
}

bool
api_check_allows_token(const char *method, const char *tmpl)
{
	const struct check_def *d = find_def(method, tmpl);

	return d == NULL || (d->flags & F_NOTOKEN) == 0;
}

bool
api_check_is_protected(const char *method, const char *tmpl)
{
	const struct check_def *d = find_def(method, tmpl);

	return d != NULL && (d->flags & F_PROTECTED) != 0;
}

static int
deny(struct err *err, const char *what)
{
	if (what == NULL)
		return err_set(err, ERR_DENIED, "Permission check failed");
	return err_set(err, ERR_DENIED, "Permission check failed (%s)", what);
}

/* "<path>, <p1>|<p2>|..." as Proxmox names a failed check_any. */
static int
deny_any(struct err *err, const char *path, const char *const *privs)
{
	struct buf what = BUF_INIT;
	size_t i;
	int rc;

	buf_putf(&what, "%s, ", path);
	for (i = 0; privs[i] != NULL; i++)
		buf_putf(&what, "%s%s", i > 0 ? "|" : "", privs[i]);
	rc = deny(err, buf_str(&what));
	buf_clear(&what);
	return rc;
}

static int
privs_valid(const char *const *privs, struct err *err)
{
	size_t i;

	for (i = 0; privs[i] != NULL; i++)
		if (priv_index(privs[i], strlen(privs[i])) < 0)
			return err_set(err, ERR_INVALID,
			    "invalid privilege '%s'", privs[i]);
	return 0;
}

/*
 * check() and check_any() with Proxmox's noerr: 1 granted, 0 refused
 * (only when noerr), -1 with err set.  A NULL path is Proxmox's undefined
 * path (a template that did not normalise): it grants nothing.
 */
static int
has_privs(const struct ucfg *cfg, const char *authid, const char *path,
    const char *const *privs, bool any, bool noerr, struct err *err)
{
	struct perm_set ps = {0, 0};
	size_t i;
	int idx;

	if (privs_valid(privs, err) < 0)
		return -1;
	if (path != NULL)
		perm_compute(cfg, authid, path, &ps, NULL);
	for (i = 0; privs[i] != NULL; i++) {
		idx = priv_index(privs[i], strlen(privs[i]));
		if ((ps.privs & (UINT64_C(1) << idx)) != 0) {
			if (any)
				return 1;
		} else if (!any) {
			struct buf what = BUF_INIT;

			if (noerr)
				return 0;
			buf_putf(&what, "%s, %s", path != NULL ? path : "",
			    privs[i]);
			deny(err, buf_str(&what));
			buf_clear(&what);
			return -1;
		}
	}
	if (!any)
		return 1;
	if (noerr)
		return 0;
	return deny_any(err, path != NULL ? path : "", privs);
}

/* has_privs for predicates: errors (bad names) count as refusals. */
static bool
granted(const struct ucfg *cfg, const char *authid, const char *path,
    const char *const *privs, bool any)
{
	struct err err;

	return has_privs(cfg, authid, path, privs, any, true, &err) == 1;
}

/*
 * PVE::Tools::template_replace: "{name}" becomes the parameter, or "-"
 * when it is missing or false in Perl's sense ("", "0", 0, false).
 */
static void
template_fill(const char *tmpl, const json_t *params, struct buf *out)
{
	const char *p = tmpl, *close;

	buf_reset(out);
	while (*p != '\0') {
		const json_t *v;
		char *name;

		if (*p != '{' || (close = strchr(p, '}')) == NULL) {
			buf_putc(out, *p++);
			continue;
		}
		name = xstrndup(p + 1, (size_t)(close - p - 1));
		v = params != NULL ? json_object_get(params, name) : NULL;
		free(name);
		if (json_is_string(v) && str_truthy(json_string_value(v),
		    json_string_length(v)))
			buf_put(out, json_string_value(v),
			    json_string_length(v));
		else if (json_is_integer(v) && json_integer_value(v) != 0)
			buf_putf(out, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else if (json_is_true(v))
			buf_putc(out, '1');
		else
			buf_putc(out, '-');
		p = close + 1;
	}
}

/* Fill and normalise a path template; NULL if the result is invalid. */
static const char *
template_path(const char *tmpl, const json_t *params, struct buf *raw,
    struct buf *out)
{
	template_fill(tmpl, params, raw);
	buf_reset(out);
	if (!id_path_normalize(buf_str(raw), raw->len, out))
		return NULL;
	return buf_str(out);
}

static bool
has_prefix_below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && path[n] != '\0';
}

static int
perm_modify(const struct ucfg *cfg, const char *authid, const char *path,
    bool noerr, struct err *err)
{
	const char *privs[3] = {"Permissions.Modify", NULL, NULL};

	if (path == NULL)
		return has_privs(cfg, authid, "/access", privs, false, noerr,
		    err);
	if (has_prefix_below(path, "/storage/"))
		privs[1] = "Datastore.Allocate";
	else if (has_prefix_below(path, "/vms/"))
		privs[1] = "VM.Allocate";
	else if (has_prefix_below(path, "/pool/"))
		privs[1] = "Pool.Allocate";
	return has_privs(cfg, authid, path, privs, true, noerr, err);
}

static const char *
param_string(const json_t *params, const char *name)
{
	return params != NULL ?
	    json_string_value(json_object_get(params, name)) : NULL;
}

/*
 * check_user_exist: 1 if userid names a user; with noerr an invalid or
 * unknown id is a quiet 0, without it an error.
 */
static int
user_exists(const struct ucfg *cfg, const char *userid, bool noerr,
    struct err *err)
{
	struct err quiet;

	if (id_user_check(userid != NULL ? userid : "",
	    noerr ? &quiet : err) < 0)
		return noerr ? 0 : -1;
	if (ucfg_user(cfg, userid) != NULL)
		return 1;
	if (noerr)
		return 0;
	return err_set(err, ERR_NOT_FOUND, "no such user ('%s')", userid);
}

/* Does the caller have any of privs on /access/groups/<g>? */
static bool
group_granted(const struct ucfg *cfg, const char *authid, const char *g,
    const char *const *privs)
{
	struct buf path = BUF_INIT;
	bool ok;

	buf_putf(&path, "/access/groups/%s", g);
	ok = granted(cfg, authid, buf_str(&path), privs, true);
	buf_clear(&path);
	return ok;
}

static bool
group_has_member(const struct ucfg_group *g, const char *userid)
{
	size_t it = 0;
	const char *k;

	while (hmap_next(&g->members, &it, &k, NULL))
		if (strcmp(k, userid) == 0)
			return true;
	return false;
}

/*
 * Is userid a member of a group on which the caller has any of privs?
 * (Proxmox joins the members of all such groups; asking the other way
 * round costs one check per group of the user.)
 */
static bool
member_of_granted(const struct ucfg *cfg, const char *authid,
    const char *userid, const char *const *privs)
{
	struct ucfg_group *const *gs;
	size_t it = 0;
	void *v;

	if (userid == NULL)
		return false;
	if (cfg->index_valid) {
		gs = ucfg_member_of(cfg, userid);
		for (; gs != NULL && *gs != NULL; gs++)
			if (group_granted(cfg, authid, (*gs)->id, privs))
				return true;
		return false;
	}
	while (hmap_next(&cfg->groups, &it, NULL, &v)) {
		const struct ucfg_group *g = v;

		if (group_has_member(g, userid) &&
		    group_granted(cfg, authid, g->id, privs))
			return true;
	}
	return false;
}

struct group_list {
	char **v;
	size_t count, cap;
};

static void
group_list_add(const char *p, size_t len, void *arg)
{
	struct group_list *l = arg;

	XGROW(l->v, l->cap, l->count + 1);
	l->v[l->count++] = xstrndup(p, len);
}

static void
group_list_clear(struct group_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->v[i]);
	free(l->v);
}

/* The groups parameter: a list string, or (HTTP) an array of strings. */
static void
group_list_get(const json_t *params, struct group_list *l)
{
	const json_t *v = params != NULL ?
	    json_object_get(params, "groups") : NULL;
	const json_t *item;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (json_is_string(v)) {
		str_split_list(json_string_value(v), json_string_length(v),
		    group_list_add, l);
		return;
	}
	json_array_foreach(v, i, item)
		if (json_is_string(item))
			str_split_list(json_string_value(item),
			    json_string_length(item), group_list_add, l);
}

/* "/access/groups[/<g>], <p1>|<p2>" */
static int
deny_groups(struct err *err, const char *group, const char *const *privs)
{
	struct buf path = BUF_INIT;
	int rc;

	buf_puts(&path, "/access/groups");
	if (group != NULL)
		buf_putf(&path, "/%s", group);
	rc = deny_any(err, buf_str(&path), privs);
	buf_clear(&path);
	return rc;
}

static int
user_group(const struct ucfg *cfg, const char *authid, const struct chk *c,
    const json_t *params, bool noerr, struct err *err)
{
	const char *userid = param_string(params, "userid");
	struct group_list groups;
	size_t i;
	int rc;

	if (c->groups == GP_NONE &&
	    (rc = user_exists(cfg, userid, noerr, err)) != 1)
		return rc;
	if (privs_valid(c->privs, err) < 0)
		return -1;
	if (granted(cfg, authid, "/access/groups", c->privs, true))
		return 1;
	if (c->groups != GP_NONE) {
		/* Proxmox raises these even inside an "or" */
		group_list_get(params, &groups);
		rc = 0;
		if (groups.count == 0)
			rc = deny_groups(err, NULL, c->privs);
		for (i = 0; rc == 0 && i < groups.count; i++)
			if (ucfg_group(cfg, groups.v[i]) == NULL ||
			    !group_granted(cfg, authid, groups.v[i], c->privs))
				rc = deny_groups(err, groups.v[i], c->privs);
		group_list_clear(&groups);
		if (rc < 0)
			return -1;
	}
	if (c->groups == GP_CREATE ||
	    member_of_granted(cfg, authid, userid, c->privs))
		return 1;
	return noerr ? 0 : deny(err, NULL);
}

static int
userid_param(const struct ucfg *cfg, const char *authid, const struct chk *c,
    const json_t *params, bool noerr, struct err *err)
{
	const char *userid = param_string(params, "userid");
	static const char *const alloc[] = {"Realm.AllocateUser", NULL};
	const char *realm;
	size_t len;
	struct buf path = BUF_INIT;
	int rc;

	/* verify_username without noerr: a bad id always fails */
	if (id_user_check(userid != NULL ? userid : "", err) < 0)
		return -1;
	if (c->kind == CHK_SELF) {
		if ((rc = user_exists(cfg, userid, noerr, err)) != 1)
			return rc;
		if (strcmp(authid, userid) == 0)
			return 1;
		return noerr ? 0 : deny(err, NULL);
	}
	if (!id_realm_of(userid, &realm, &len))
		return err_set(err, ERR_INVALID,
		    "value '%s' does not look like a valid user name", userid);
	buf_puts(&path, "/access/realm/");
	buf_put(&path, realm, len);
	rc = has_privs(cfg, authid, buf_str(&path), alloc, false, noerr, err);
	buf_clear(&path);
	return rc;
}

/*
 * exec_api2_perm_check: 1 passed, 0 refused quietly (noerr: a direct
 * child of an "or"), -1 refused or failed with err set.  An "and" runs
 * its children without noerr, so their refusals escape an enclosing "or"
 * with their own message, as in Proxmox.
 */
static int
eval_chk(const struct ucfg *cfg, const char *authid, const struct chk *c,
    const json_t *params, bool noerr, struct err *err)
{
	struct buf raw = BUF_INIT, norm = BUF_INIT;
	const char *path;
	size_t i;
	int rc = -1;

	switch (c->kind) {
	case CHK_AND:
		for (i = 0; c->subs[i] != NULL; i++) {
			rc = eval_chk(cfg, authid, c->subs[i], params, false,
			    err);
			if (rc < 0)
				return -1;
			if (rc == 0)
				return deny(err, NULL);
		}
		return 1;
	case CHK_OR:
		for (i = 0; c->subs[i] != NULL; i++) {
			rc = eval_chk(cfg, authid, c->subs[i], params, true,
			    err);
			if (rc != 0)
				return rc;
		}
		return noerr ? 0 : deny(err, NULL);
	case CHK_PERM:
	case CHK_PERM_ANY:
		path = template_path(c->path, params, &raw, &norm);
		rc = has_privs(cfg, authid, path, c->privs,
		    c->kind == CHK_PERM_ANY, noerr, err);
		break;
	case CHK_PERM_MODIFY:
		path = template_path(c->path, params, &raw, &norm);
		rc = perm_modify(cfg, authid, path, noerr, err);
		break;
	case CHK_SELF:
	case CHK_REALM_USER:
		return userid_param(cfg, authid, c, params, noerr, err);
	case CHK_USER_GROUP:
		return user_group(cfg, authid, c, params, noerr, err);
	}
	buf_clear(&raw);
	buf_clear(&norm);
	return rc;
}

int
api_check(const struct ucfg *cfg, const char *authid, const char *method,
    const char *tmpl, const json_t *params, struct err *err)
{
	const struct check_def *d = find_def(method, tmpl);

	err_clear(err);
	if (authid == NULL || *authid == '\0') {
		if (d != NULL && d->access == ACC_WORLD)
			return 0;
		return deny(err, "user != null");
	}
	if (strcmp(authid, "root@pam") == 0)
		return 0;
	if (d == NULL || d->access == ACC_ROOT)
		return deny(err, "user != root@pam");
	switch (d->access) {
	case ACC_ALL:
		return 0;
	case ACC_CHECK:
		/* 0 cannot come back without noerr; fail closed anyway */
		if (eval_chk(cfg, authid, d->check, params, false, err) == 1)
			return 0;
		if (err->code == ERR_NONE)
			deny(err, NULL);
		return -1;
	case ACC_ROOT:
	case ACC_WORLD:
		break;
	}
	/* world, reached with an identity */
	return deny(err, NULL);
}

static int
chk_verify(const struct check_def *d, const struct chk *c, struct err *err)
{
	struct buf raw = BUF_INIT, norm = BUF_INIT;
	size_t i;
	int rc = 0;

	if (c->privs != NULL && privs_valid(c->privs, err) < 0)
		rc = -1;
	if (rc == 0 && c->path != NULL &&
	    template_path(c->path, NULL, &raw, &norm) == NULL)
		rc = err_set(err, ERR_INVALID, "bad path template '%s'",
		    c->path);
	buf_clear(&raw);
	buf_clear(&norm);
	if (rc == 0 && (c->kind == CHK_AND || c->kind == CHK_OR) &&
	    (c->subs == NULL || c->subs[0] == NULL))
		rc = err_set(err, ERR_INVALID, "empty and/or");
	for (i = 0; rc == 0 && c->subs != NULL && c->subs[i] != NULL; i++)
		rc = chk_verify(d, c->subs[i], err);
	if (rc < 0)
		return err_set(err, ERR_INTERNAL, "%s %s: %s", d->method,
		    d->path, err->msg);
	return 0;
}

int
api_check_table_verify(struct err *err)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		const struct check_def *d = &checks[i];

		for (j = 0; j < i; j++)
			if (strcmp(checks[j].method, d->method) == 0 &&
			    strcmp(checks[j].path, d->path) == 0)
				return err_set(err, ERR_INTERNAL,
				    "%s %s: declared twice", d->method,
				    d->path);
		if ((d->access == ACC_CHECK) != (d->check != NULL))
			return err_set(err, ERR_INTERNAL,
			    "%s %s: check without CHECK", d->method, d->path);
		if (d->check != NULL && chk_verify(d, d->check, err) < 0)
			return -1;
	}
	return 0;
}

int
api_check_privs(const struct ucfg *cfg, const char *authid, const char *path,
    const char *const *privs, bool any, struct err *err)
{
	return has_privs(cfg, authid, path, privs, any, false, err) == 1 ?
	    0 : -1;
}

int
api_check_perm_modify(const struct ucfg *cfg, const char *authid,
    const char *path, struct err *err)
{
	struct buf norm = BUF_INIT;
	const char *p = NULL;
	int rc;

	if (path != NULL && id_path_normalize(path, strlen(path), &norm))
		p = buf_str(&norm);
	rc = perm_modify(cfg, authid, path != NULL ? p : NULL, false, err);
	buf_clear(&norm);
	return rc == 1 ? 0 : -1;
}

bool
api_can_see_user(const struct ucfg *cfg, const char *authid,
    const char *userid)
{
	static const char *const privs[] = {"User.Modify", "Sys.Audit", NULL};

	if (authid == NULL || userid == NULL)
		return false;
	if (granted(cfg, authid, "/access/groups", privs, true) ||
	    strcmp(authid, userid) == 0)
		return true;
	return member_of_granted(cfg, authid, userid, privs);
}

bool
api_can_see_group(const struct ucfg *cfg, const char *authid,
    const char *groupid)
{
	static const char *const privs[] = {"User.Modify", "Sys.Audit",
	    "Group.Allocate", NULL};

	if (authid == NULL || groupid == NULL)
		return false;
	return group_granted(cfg, authid, groupid, privs);
}

bool
api_can_see_acl_path(const struct ucfg *cfg, const char *authid,
    const char *path)
{
	static const char *const audit[] = {"Sys.Audit", NULL};
	struct err err;

	if (authid == NULL)
		return false;
	if (granted(cfg, authid, "/access", audit, false))
		return true;
	return perm_modify(cfg, authid, path, true, &err) == 1;
}

struct role_ctx {
	const struct ucfg *cfg;
	struct perm_set caller;
	bool modify;	/* the caller has Permissions.Modify on the path */
	bool propagate, del;
	struct err *err;
	int rc;
};

static void
role_each(const char *p, size_t len, void *arg)
{
	struct role_ctx *rc = arg;
	const char *verb = rc->del ? "remove" : "add";
	const struct ucfg_role *role;
	char *name;

	if (rc->rc < 0)
		return;
	name = xstrndup(p, len);
	role = ucfg_role(rc->cfg, name);
	if (role == NULL)
		rc->rc = err_set(rc->err, ERR_NOT_FOUND,
		    "role '%s' does not exist", name);
	else if (rc->modify)
		;
	else if ((role->privs & ~rc->caller.privs) != 0)
		rc->rc = err_set(rc->err, ERR_INVALID, "Cannot %s role '%s' - "
		    "requires 'Permissions.Modify' or superset of privileges.",
		    verb, name);
	else if (rc->propagate && !rc->del &&
	    (role->privs & ~rc->caller.prop) != 0)
		rc->rc = err_set(rc->err, ERR_INVALID, "Cannot %s role '%s' "
		    "with propagation - requires 'Permissions.Modify' or "
		    "propagated superset of privileges.", verb, name);
	else if (strcmp(name, "NoAccess") == 0)
		/* it has no privileges to compare */
		rc->rc = err_set(rc->err, ERR_INVALID, "Cannot %s role '%s' - "
		    "requires 'Permissions.Modify'", verb, name);
	free(name);
}

int
api_check_acl_modify(const struct ucfg *cfg, const char *authid,
    const char *path, const char *roles, bool propagate, bool del,
    struct err *err)
{
	static const char pm[] = "Permissions.Modify";
	struct role_ctx rc;
	struct buf norm = BUF_INIT;

	memset(&rc, 0, sizeof(rc));
	rc.cfg = cfg;
	rc.propagate = propagate;
	rc.del = del;
	rc.err = err;
	if (authid != NULL && path != NULL &&
	    id_path_normalize(path, strlen(path), &norm))
		perm_compute(cfg, authid, buf_str(&norm), &rc.caller, NULL);
	buf_clear(&norm);
	rc.modify = (rc.caller.privs &
	    (UINT64_C(1) << priv_index(pm, sizeof(pm) - 1))) != 0;
	if (roles != NULL)
		str_split_list(roles, strlen(roles), role_each, &rc);
	return rc.rc;
}

int
api_check_permissions_read(const struct ucfg *cfg, const char *caller,
    const char *target, struct err *err)
{
	static const char *const audit[] = {"Sys.Audit", NULL};
	size_t bang;

	if (caller == NULL)
		return deny(err, "user != null");
	if (target == NULL || strcmp(target, caller) == 0)
		return 0;
	/* a token of the caller: Proxmox's split_tokenid(userid, 1) */
	if (id_token_valid(target, strlen(target), &bang) &&
	    strlen(caller) == bang && strncmp(target, caller, bang) == 0)
		return 0;
	return api_check_privs(cfg, caller, "/access", audit, false, err);
}
