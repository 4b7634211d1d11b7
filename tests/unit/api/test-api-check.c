/*
 * The API permission layer (src/api/api_check.c): the table against the
 * handlers' method tables, every check kind allowed and refused with
 * Proxmox's messages, template substitution, tokens with and without
 * privilege separation, root@pam and its tokens, the index visibility
 * helpers, PUT /access/acl's role rules and GET /access/permissions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "api.h"
#include "api_check.h"
#include "api_int.h"


static struct ucfg *
parse(const char *text)
{
	return ucfg_parse(text, strlen(text), "test", NULL);
}

/*
 * Run api_check with params built from "k=v" pairs (NULL-terminated);
 * return NULL on success or the error message (static).
 */
static const char *
run(const struct ucfg *cfg, const char *authid, const char *method,
    const char *tmpl, ...)
{
	static struct err err;
	json_t *params = json_object();
	const char *kv;
	va_list ap;
	int rc;

	va_start(ap, tmpl);
	while ((kv = va_arg(ap, const char *)) != NULL) {
		const char *eq = strchr(kv, '=');
		char key[64];

		assert_non_null(eq);
		assert_true((size_t)(eq - kv) < sizeof(key));
		memcpy(key, kv, (size_t)(eq - kv));
		key[eq - kv] = '\0';
		json_object_set_new(params, key, json_string(eq + 1));
	}
	va_end(ap);
	memset(&err, 0, sizeof(err));
	rc = api_check(cfg, authid, method, tmpl, params, &err);
	json_decref(params);
	if (rc == 0) {
		assert_int_equal(err.code, ERR_NONE);
		return NULL;
	}
	assert_int_equal(rc, -1);
	return err.msg;
}

#define ALLOW(...)	    assert_null(run(__VA_ARGS__, NULL))
#define DENY(msg, ...)	    assert_string_equal(run(__VA_ARGS__, NULL), (msg))
#define PCF		    "Permission check failed"

/* Every handler's (method, template) is declared; the table is sound. */
static void
test_table(void **state)
{
	const struct api_method *m;
	struct ucfg *cfg = parse("");
	struct err err;
	size_t it = 0, n = 0;

	(void)state;
	assert_int_equal(api_check_table_verify(&err), 0);
	/* every method the API serves, not a list kept here by hand */
	while ((m = api_method_each(&it)) != NULL) {
		if (m->cli_only)
			continue;	/* pveum's own: never served */
		/* undeclared would mean root-only */
		const char *msg = run(cfg, "nobody@pve", m->method, m->path,
		    NULL);

		if (msg != NULL && strcmp(msg, PCF " (user != root@pam)") == 0)
			fail_msg("%s %s has no declaration", m->method,
			    m->path);
		n++;
	}
	assert_true(n > 50);
	ucfg_free(cfg);
}

/* Every format a method's parameters name exists (no request can hit one). */
static void
test_formats_known(void **state)
{
	const struct api_method *m;
	const struct param_def *d;
	struct buf msg = BUF_INIT;
	size_t it = 0;

	(void)state;
	api_domains_init();
	while ((m = api_method_each(&it)) != NULL) {
		for (d = m->params; d->name != NULL; d++) {
			const char *bad;

			if (d->format == NULL)
				continue;
			buf_reset(&msg);
			bad = api_check_format(d->format, "x", &msg);
			if (bad != NULL && strncmp(bad, "unknown format", 14) == 0)
				fail_msg("%s %s: %s", m->method, m->path, bad);
		}
	}
	buf_reset(&msg);
	assert_string_equal(api_check_format("no-such", "x", &msg),
	    "unknown format 'no-such'");
	buf_clear(&msg);
}

static void
test_access_flags(void **state)
{
	(void)state;
	assert_int_equal(api_check_access("GET", "/access/domains"),
	    API_WORLD);
	assert_int_equal(api_check_access("GET", "/access/ticket"), API_WORLD);
	assert_int_equal(api_check_access("POST", "/access/ticket"),
	    API_WORLD);
	assert_int_equal(api_check_access("POST", "/access/vncticket"),
	    API_WORLD);
	assert_int_equal(api_check_access("POST", "/access/openid/auth-url"),
	    API_WORLD);
	assert_int_equal(api_check_access("POST", "/access/openid/login"),
	    API_WORLD);
	assert_int_equal(api_check_access("GET", "/access/openid"), API_AUTH);
	assert_int_equal(api_check_access("GET", "/access/users"), API_AUTH);
	assert_int_equal(api_check_access("GET", "/nowhere"), API_AUTH);
	assert_int_equal(api_check_access(NULL, NULL), API_AUTH);

	assert_false(api_check_allows_token("POST", "/access/ticket"));
	assert_false(api_check_allows_token("PUT", "/access/password"));
	assert_false(api_check_allows_token("POST", "/access/tfa/{userid}"));
	assert_false(api_check_allows_token("PUT",
	    "/access/tfa/{userid}/{id}"));
	assert_false(api_check_allows_token("DELETE",
	    "/access/tfa/{userid}/{id}"));
	assert_true(api_check_allows_token("GET", "/access/tfa/{userid}"));
	assert_true(api_check_allows_token("GET", "/access/tfa"));
	assert_true(api_check_allows_token("PUT", "/access/acl"));
	assert_true(api_check_allows_token("POST",
	    "/access/users/{userid}/token/{tokenid}"));

	assert_true(api_check_is_protected("PUT", "/access/acl"));
	assert_true(api_check_is_protected("GET", "/access/users"));
	assert_true(api_check_is_protected("POST", "/access/openid/login"));
	assert_false(api_check_is_protected("GET", "/access/acl"));
	assert_false(api_check_is_protected("GET", "/access/ticket"));
	assert_false(api_check_is_protected("GET", "/nowhere"));
}

static void
test_root_and_anonymous(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\n"
	    "token:root@pam!tk:0:1::\ntoken:root@pam!full:0:0::\n"
	    "acl:1:/:root@pam!tk:Administrator:\n");

	(void)state;
	/* no declaration: root@pam only, not even its tokens */
	ALLOW(cfg, "root@pam", "GET", "/nodes");
	DENY(PCF " (user != root@pam)", cfg, "root@pam!tk", "GET", "/nodes");
	DENY(PCF " (user != root@pam)", cfg, "root@pam!full", "GET",
	    "/nodes");
	DENY(PCF " (user != root@pam)", cfg, "u@pve", "GET", "/nodes");
	/* exactly root@pam */
	DENY(PCF " (user != root@pam)", cfg, "Root@pam", "GET", "/nodes");
	/* root passes every check, even with nonsense parameters */
	ALLOW(cfg, "root@pam", "DELETE", "/access/users/{userid}",
	    "userid=bad");
	ALLOW(cfg, "root@pam", "POST", "/access/ticket");
	/*
	 * but declared checks see their privileges: a privsep token's own
	 * ACLs (root's are not intersected), or root's for a full one
	 */
	ALLOW(cfg, "root@pam!tk", "POST", "/access/groups", "groupid=g");
	ALLOW(cfg, "root@pam!full", "POST", "/access/groups", "groupid=g");
	DENY(PCF " (/access/groups, Group.Allocate)", cfg, "root@pam!none",
	    "POST", "/access/groups", "groupid=g");
	/* and they are not root@pam for "self" */
	DENY(PCF, cfg, "root@pam!none", "GET", "/access/tfa/{userid}",
	    "userid=root@pam");

	/* anonymous: world only */
	ALLOW(cfg, NULL, "GET", "/access/domains");
	ALLOW(cfg, NULL, "POST", "/access/ticket");
	ALLOW(cfg, "", "POST", "/access/vncticket");
	DENY(PCF " (user != null)", cfg, NULL, "GET", "/access");
	DENY(PCF " (user != null)", cfg, NULL, "GET", "/nodes");
	DENY(PCF " (user != null)", cfg, NULL, "POST", "/access/groups");
	/* a world method reached with an identity fails (spec 8) */
	DENY(PCF, cfg, "u@pve", "GET", "/access/domains");
	ALLOW(cfg, "root@pam", "GET", "/access/domains");
	ucfg_free(cfg);
}

static void
test_all(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\ntoken:u@pve!tk:0:1::\n");

	(void)state;
	ALLOW(cfg, "u@pve", "GET", "/access");
	ALLOW(cfg, "u@pve!tk", "GET", "/access/users");
	ALLOW(cfg, "u@pve", "GET", "/version");
	ALLOW(cfg, "u@pve", "GET", "/pools");
	ALLOW(cfg, "u@pve!tk", "GET", "/access/permissions");
	/* "all" does not look at the config */
	ALLOW(cfg, "ghost@pve", "GET", "/access/roles/{roleid}",
	    "roleid=x");
	ucfg_free(cfg);
}

static void
test_perm(void **state)
{
	struct ucfg *cfg = parse("user:a@pve:1\nuser:b@pve:1\nuser:c@pve:1\n"
	    "role:GA:Group.Allocate:\nrole:SA:Sys.Audit:\n"
	    "acl:1:/access/groups:a@pve:GA:\n"
	    "acl:1:/access/groups:b@pve:SA:\n"
	    "acl:0:/access:c@pve:PVEAuditor:\n");

	(void)state;
	ALLOW(cfg, "a@pve", "POST", "/access/groups", "groupid=x");
	DENY(PCF " (/access/groups, Group.Allocate)", cfg, "b@pve", "POST",
	    "/access/groups", "groupid=x");
	/* any: either privilege */
	ALLOW(cfg, "a@pve", "GET", "/access/groups/{groupid}", "groupid=x");
	ALLOW(cfg, "b@pve", "GET", "/access/groups/{groupid}", "groupid=x");
	DENY(PCF " (/access/groups, Sys.Audit|Group.Allocate)", cfg, "c@pve",
	    "GET", "/access/groups/{groupid}", "groupid=x");
	/* non-propagated entry: only on /access itself */
	DENY(PCF " (/access, Sys.Modify)", cfg, "c@pve", "POST",
	    "/access/roles", "roleid=r");
	DENY(PCF " (/access/realm, Realm.Allocate|Sys.Audit)", cfg, "c@pve",
	    "GET", "/access/domains/{realm}", "realm=pve");
	ucfg_free(cfg);
}

static void
test_template(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\npool:dev::::\n"
	    "role:PA:Pool.Allocate:\nrole:RU:Realm.AllocateUser:\n"
	    "acl:1:/pool/dev:u@pve:PA:\n"
	    "acl:1:/access/realm/corp:u@pve:RU:\n");

	(void)state;
	ALLOW(cfg, "u@pve", "POST", "/pools", "poolid=dev");
	ALLOW(cfg, "u@pve", "POST", "/pools", "poolid=dev/sub");
	DENY(PCF " (/pool/ops, Pool.Allocate)", cfg, "u@pve", "POST",
	    "/pools", "poolid=ops");
	/* missing or false (Perl) parameters become "-" */
	DENY(PCF " (/pool/-, Pool.Allocate)", cfg, "u@pve", "DELETE",
	    "/pools");
	DENY(PCF " (/pool/-, Pool.Allocate)", cfg, "u@pve", "DELETE",
	    "/pools", "poolid=0");
	DENY(PCF " (/pool/-, Pool.Allocate)", cfg, "u@pve", "DELETE",
	    "/pools", "poolid=");
	/* normalised */
	DENY(PCF " (/pool/a/b, Pool.Audit)", cfg, "u@pve", "GET",
	    "/pools/{poolid}", "poolid=/a//b/");
	/* not normalisable: the undefined path grants nothing */
	DENY(PCF " (, Pool.Audit)", cfg, "u@pve", "GET", "/pools/{poolid}",
	    "poolid=a b");
	/* and of two perms: the first failure names itself */
	DENY(PCF " (/access/groups, User.Modify)", cfg, "u@pve", "POST",
	    "/access/domains/{realm}/sync", "realm=corp");
	DENY(PCF " (/access/realm/ldap, Realm.AllocateUser)", cfg, "u@pve",
	    "POST", "/access/domains/{realm}/sync", "realm=ldap");
	ucfg_free(cfg);
}

/* Integer and boolean parameters (HTTP) substitute like Perl values. */
static void
test_template_typed(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\n");
	json_t *p = json_pack("{s:i}", "poolid", 100);
	struct err err;

	(void)state;
	assert_int_equal(api_check(cfg, "u@pve", "POST", "/pools", p, &err),
	    -1);
	assert_string_equal(err.msg, PCF " (/pool/100, Pool.Allocate)");
	json_object_set_new(p, "poolid", json_integer(0));
	assert_int_equal(api_check(cfg, "u@pve", "POST", "/pools", p, &err),
	    -1);
	assert_string_equal(err.msg, PCF " (/pool/-, Pool.Allocate)");
	json_object_set_new(p, "poolid", json_true());
	assert_int_equal(api_check(cfg, "u@pve", "POST", "/pools", p, &err),
	    -1);
	assert_string_equal(err.msg, PCF " (/pool/1, Pool.Allocate)");
	assert_int_equal(err.code, ERR_DENIED);
	assert_int_equal(api_check(cfg, "u@pve", "POST", "/pools", NULL,
	    &err), -1);
	assert_string_equal(err.msg, PCF " (/pool/-, Pool.Allocate)");
	json_decref(p);
	ucfg_free(cfg);
}

static void
test_perm_modify(void **state)
{
	struct ucfg *cfg = parse("user:v@pve:1\nuser:s@pve:1\nuser:p@pve:1\n"
	    "user:m@pve:1\n"
	    "role:VA:VM.Allocate:\nrole:DA:Datastore.Allocate:\n"
	    "role:PA:Pool.Allocate:\nrole:PM:Permissions.Modify:\n"
	    "acl:1:/:v@pve:VA:\nacl:1:/:s@pve:DA:\nacl:1:/:p@pve:PA:\n"
	    "acl:1:/access:m@pve:PM:\n");

	(void)state;
	ALLOW(cfg, "v@pve", "PUT", "/access/acl", "path=/vms/100");
	ALLOW(cfg, "v@pve", "PUT", "/access/acl", "path=//vms//100/");
	DENY(PCF " (/vms, Permissions.Modify)", cfg, "v@pve", "PUT",
	    "/access/acl", "path=/vms");
	DENY(PCF " (/storage/local, Permissions.Modify|Datastore.Allocate)",
	    cfg, "v@pve", "PUT", "/access/acl", "path=/storage/local");
	ALLOW(cfg, "s@pve", "PUT", "/access/acl", "path=storage/local");
	ALLOW(cfg, "p@pve", "PUT", "/access/acl", "path=/pool/x");
	DENY(PCF " (/pool, Permissions.Modify)", cfg, "p@pve", "PUT",
	    "/access/acl", "path=/pool");
	DENY(PCF " (/vms/1, Permissions.Modify|VM.Allocate)", cfg, "p@pve",
	    "PUT", "/access/acl", "path=/vms/1");
	/* a path that does not normalise: Permissions.Modify on /access */
	DENY(PCF " (/access, Permissions.Modify)", cfg, "v@pve", "PUT",
	    "/access/acl", "path=/vms/a b");
	ALLOW(cfg, "m@pve", "PUT", "/access/acl", "path=/vms/a b");
	ALLOW(cfg, "m@pve", "PUT", "/access/acl", "path=/access/groups");
	ucfg_free(cfg);
}

static void
test_userid_self(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\nuser:w@pve:1\n"
	    "token:u@pve!tk:0:0::\n");

	(void)state;
	ALLOW(cfg, "u@pve", "GET", "/access/users/{userid}/token",
	    "userid=u@pve");
	ALLOW(cfg, "u@pve", "POST", "/access/users/{userid}/token/{tokenid}",
	    "userid=u@pve", "tokenid=x");
	ALLOW(cfg, "u@pve", "GET", "/access/tfa/{userid}", "userid=u@pve");
	/* another user, and a token (never equal to a user id) */
	DENY(PCF, cfg, "u@pve", "GET", "/access/users/{userid}/token",
	    "userid=w@pve");
	DENY(PCF, cfg, "u@pve!tk", "GET", "/access/users/{userid}/token",
	    "userid=u@pve");
	/* an unknown user is a quiet refusal inside the "or" */
	DENY(PCF, cfg, "x@pve", "GET", "/access/users/{userid}/token",
	    "userid=x@pve");
	/* a malformed user id always fails with its own message */
	DENY("value 'nobody' does not look like a valid user name", cfg,
	    "u@pve", "GET", "/access/users/{userid}/token", "userid=nobody");
	DENY("user name '' is too short", cfg, "u@pve", "GET",
	    "/access/users/{userid}/token");
	ucfg_free(cfg);
}

static const char users_cfg[] =
    "user:boss@pve:1\nuser:hr@pve:1\nuser:a@pve:1\nuser:b@pve:1\n"
    "user:c@corp:1\nuser:aud@pve:1\n"
    "token:hr@pve!sep:0:1::\ntoken:hr@pve!full:0:0::\n"
    "group:staff:a@pve,c@corp::\ngroup:other:b@pve::\n"
    "role:UM:User.Modify:\nrole:RU:Realm.AllocateUser:\n"
    "role:SA:Sys.Audit:\n"
    "acl:1:/access/groups:boss@pve:UM:\n"
    "acl:1:/access/realm:boss@pve:RU:\n"
    "acl:1:/access/groups/staff:hr@pve:UM:\n"
    "acl:1:/access/realm/pve:hr@pve:RU:\n"
    "acl:1:/access/groups/staff:hr@pve!sep:UM:\n"
    "acl:1:/access/groups/other:aud@pve:SA:\n";

static void
test_userid_group(void **state)
{
	struct ucfg *cfg = parse(users_cfg);
	const char *url = "/access/users/{userid}";

	(void)state;
	/* rights on /access/groups: anyone */
	ALLOW(cfg, "boss@pve", "GET", url, "userid=b@pve");
	ALLOW(cfg, "boss@pve", "PUT", url, "userid=b@pve");
	/* group manager: members of its groups only */
	ALLOW(cfg, "hr@pve", "GET", url, "userid=a@pve");
	DENY(PCF, cfg, "hr@pve", "GET", url, "userid=b@pve");
	DENY(PCF, cfg, "hr@pve", "GET", url, "userid=boss@pve");
	/* either privilege of the list */
	ALLOW(cfg, "aud@pve", "GET", url, "userid=b@pve");
	DENY(PCF, cfg, "aud@pve", "GET", url, "userid=a@pve");
	/* without groups_param the user must exist */
	DENY("no such user ('ghost@pve')", cfg, "hr@pve", "GET", url,
	    "userid=ghost@pve");

	/* update: a group manager must pass groups it manages */
	DENY(PCF " (/access/groups, User.Modify)", cfg, "hr@pve", "PUT", url,
	    "userid=a@pve");
	DENY(PCF " (/access/groups, User.Modify)", cfg, "hr@pve", "PUT", url,
	    "userid=a@pve", "groups=");
	ALLOW(cfg, "hr@pve", "PUT", url, "userid=a@pve", "groups=staff");
	DENY(PCF " (/access/groups/other, User.Modify)", cfg, "hr@pve",
	    "PUT", url, "userid=a@pve", "groups=staff,other");
	DENY(PCF " (/access/groups/nogroup, User.Modify)", cfg, "hr@pve",
	    "PUT", url, "userid=a@pve", "groups=staff nogroup");
	/* ...and the user must be in one of them already */
	DENY(PCF, cfg, "hr@pve", "PUT", url, "userid=b@pve",
	    "groups=staff");

	/* create: realm right, then groups; no membership needed */
	ALLOW(cfg, "hr@pve", "POST", "/access/users", "userid=new@pve",
	    "groups=staff");
	DENY(PCF " (/access/groups, User.Modify)", cfg, "hr@pve", "POST",
	    "/access/users", "userid=new@pve");
	DENY(PCF " (/access/realm/corp, Realm.AllocateUser)", cfg, "hr@pve",
	    "POST", "/access/users", "userid=new@corp", "groups=staff");
	ALLOW(cfg, "boss@pve", "POST", "/access/users", "userid=new@corp");
	DENY("user name 'x' is too short", cfg, "boss@pve", "POST",
	    "/access/users", "userid=x");

	/* delete: realm right and membership */
	ALLOW(cfg, "hr@pve", "DELETE", url, "userid=a@pve");
	DENY(PCF " (/access/realm/corp, Realm.AllocateUser)", cfg, "hr@pve",
	    "DELETE", url, "userid=c@corp");
	DENY(PCF, cfg, "hr@pve", "DELETE", url, "userid=b@pve");
	DENY(PCF " (/access/realm/pve, Realm.AllocateUser)", cfg, "aud@pve",
	    "DELETE", url, "userid=b@pve");

	/* unlock-tfa: User.Modify only, Sys.Audit is not enough */
	ALLOW(cfg, "hr@pve", "PUT", "/access/users/{userid}/unlock-tfa",
	    "userid=a@pve");
	DENY(PCF, cfg, "aud@pve", "PUT", "/access/users/{userid}/unlock-tfa",
	    "userid=b@pve");
	ucfg_free(cfg);
}

/* Tokens: a privsep token is limited by its ACLs and its owner's. */
static void
test_tokens(void **state)
{
	struct ucfg *cfg = parse(users_cfg);
	const char *url = "/access/users/{userid}";

	(void)state;
	ALLOW(cfg, "hr@pve!sep", "GET", url, "userid=a@pve");
	ALLOW(cfg, "hr@pve!full", "GET", url, "userid=a@pve");
	/* the privsep token has no realm ACL of its own */
	DENY(PCF " (/access/realm/pve, Realm.AllocateUser)", cfg,
	    "hr@pve!sep", "DELETE", url, "userid=a@pve");
	ALLOW(cfg, "hr@pve!full", "DELETE", url, "userid=a@pve");
	/* unknown tokens have no privileges */
	DENY(PCF, cfg, "hr@pve!nope", "GET", url, "userid=a@pve");
	/* token self checks: a token is not its owner */
	DENY(PCF, cfg, "b@pve!xk", "GET", "/access/tfa/{userid}",
	    "userid=b@pve");
	ucfg_free(cfg);
}

/* PUT /access/password: an "and" inside an "or" raises its own message. */
static void
test_password(void **state)
{
	struct ucfg *cfg = parse(users_cfg);

	(void)state;
	ALLOW(cfg, "a@pve", "PUT", "/access/password", "userid=a@pve");
	ALLOW(cfg, "hr@pve", "PUT", "/access/password", "userid=a@pve");
	DENY(PCF, cfg, "hr@pve", "PUT", "/access/password", "userid=b@pve");
	DENY(PCF " (/access/realm/corp, Realm.AllocateUser)", cfg, "hr@pve",
	    "PUT", "/access/password", "userid=c@corp");
	DENY(PCF " (/access/realm/pve, Realm.AllocateUser)", cfg, "b@pve",
	    "PUT", "/access/password", "userid=a@pve");
	DENY("no such user ('ghost@pve')", cfg, "hr@pve", "PUT",
	    "/access/password", "userid=ghost@pve");
	ucfg_free(cfg);
}

static void
test_check_privs(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\nacl:1:/vms:u@pve:PVEVMUser:\n");
	static const char *const bad[] = {"VM.Audit", "Foo.Bar", NULL};
	static const char *const two[] = {"VM.Allocate", "VM.Audit", NULL};
	static const char *const none[] = {"VM.Allocate", "Sys.Audit", NULL};
	struct err err;

	(void)state;
	assert_int_equal(api_check_privs(cfg, "u@pve", "/vms/1", bad, true,
	    &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "invalid privilege 'Foo.Bar'");
	assert_int_equal(api_check_privs(cfg, "u@pve", "/vms/1", two, true,
	    &err), 0);
	assert_int_equal(api_check_privs(cfg, "u@pve", "/vms/1", two, false,
	    &err), -1);
	assert_int_equal(err.code, ERR_DENIED);
	assert_string_equal(err.msg, PCF " (/vms/1, VM.Allocate)");
	assert_int_equal(api_check_privs(cfg, "u@pve", "/vms/1", none, true,
	    &err), -1);
	assert_string_equal(err.msg, PCF " (/vms/1, VM.Allocate|Sys.Audit)");
	assert_int_equal(api_check_privs(cfg, "root@pam", "/x", none, false,
	    &err), 0);

	assert_int_equal(api_check_perm_modify(cfg, "u@pve", NULL, &err), -1);
	assert_string_equal(err.msg, PCF " (/access, Permissions.Modify)");
	assert_int_equal(api_check_perm_modify(cfg, "u@pve", "/vms/1", &err),
	    -1);
	assert_string_equal(err.msg,
	    PCF " (/vms/1, Permissions.Modify|VM.Allocate)");
	assert_int_equal(api_check_perm_modify(cfg, "root@pam", "/vms/1",
	    &err), 0);
	ucfg_free(cfg);
}

static void
test_visibility(void **state)
{
	struct ucfg *cfg = parse(users_cfg);

	(void)state;
	assert_true(api_can_see_user(cfg, "boss@pve", "b@pve"));
	assert_true(api_can_see_user(cfg, "root@pam", "b@pve"));
	assert_true(api_can_see_user(cfg, "hr@pve", "a@pve"));
	assert_true(api_can_see_user(cfg, "hr@pve", "c@corp"));
	assert_true(api_can_see_user(cfg, "hr@pve", "hr@pve"));
	assert_false(api_can_see_user(cfg, "hr@pve", "b@pve"));
	assert_true(api_can_see_user(cfg, "aud@pve", "b@pve"));
	assert_false(api_can_see_user(cfg, "aud@pve", "a@pve"));
	assert_true(api_can_see_user(cfg, "b@pve", "b@pve"));
	assert_false(api_can_see_user(cfg, "b@pve", "a@pve"));
	assert_true(api_can_see_user(cfg, "hr@pve!sep", "a@pve"));
	assert_false(api_can_see_user(cfg, "b@pve!xk", "b@pve"));
	assert_false(api_can_see_user(cfg, NULL, "b@pve"));

	assert_true(api_can_see_group(cfg, "hr@pve", "staff"));
	assert_false(api_can_see_group(cfg, "hr@pve", "other"));
	assert_true(api_can_see_group(cfg, "aud@pve", "other"));
	assert_true(api_can_see_group(cfg, "boss@pve", "other"));
	assert_false(api_can_see_group(cfg, "b@pve", "other"));
	ucfg_free(cfg);

	cfg = parse("user:a@pve:1\nuser:v@pve:1\nuser:g@pve:1\n"
	    "role:VA:VM.Allocate:\nrole:GA:Group.Allocate:\n"
	    "acl:0:/access:a@pve:PVEAuditor:\n"
	    "acl:1:/vms:v@pve:VA:\n"
	    "acl:1:/access/groups/x:g@pve:GA:\n");
	assert_true(api_can_see_acl_path(cfg, "a@pve", "/storage/s"));
	assert_true(api_can_see_acl_path(cfg, "v@pve", "/vms/1"));
	assert_false(api_can_see_acl_path(cfg, "v@pve", "/vms"));
	assert_false(api_can_see_acl_path(cfg, "v@pve", "/"));
	assert_true(api_can_see_acl_path(cfg, "root@pam", "/"));
	assert_true(api_can_see_group(cfg, "g@pve", "x"));
	assert_false(api_can_see_group(cfg, "g@pve", "y"));
	ucfg_free(cfg);
}

static void
test_acl_modify(void **state)
{
	struct ucfg *cfg = parse("user:v@pve:1\nuser:w@pve:1\nuser:m@pve:1\n"
	    "role:VA:VM.Allocate,VM.Audit:\nrole:AU:VM.Audit:\n"
	    "role:PM:Permissions.Modify:\n"
	    "acl:1:/vms:v@pve:VA:\n"
	    "acl:0:/vms/1:w@pve:VA:\n"
	    "acl:1:/vms:m@pve:PM:\n");
	struct err err;

	(void)state;
	/* a subset of the caller's privileges */
	assert_int_equal(api_check_acl_modify(cfg, "v@pve", "/vms/1", "AU",
	    true, false, &err), 0);
	assert_int_equal(api_check_acl_modify(cfg, "v@pve", "/vms/1",
	    "AU,PVEVMUser", true, false, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "Cannot add role 'PVEVMUser' - requires "
	    "'Permissions.Modify' or superset of privileges.");
	assert_int_equal(api_check_acl_modify(cfg, "v@pve", "/vms/1",
	    "PVEVMUser", true, true, &err), -1);
	assert_string_equal(err.msg, "Cannot remove role 'PVEVMUser' - "
	    "requires 'Permissions.Modify' or superset of privileges.");
	/* non-propagated privileges: only without propagation */
	assert_int_equal(api_check_acl_modify(cfg, "w@pve", "/vms/1", "VA",
	    true, false, &err), -1);
	assert_string_equal(err.msg, "Cannot add role 'VA' with propagation - "
	    "requires 'Permissions.Modify' or propagated superset of "
	    "privileges.");
	assert_int_equal(api_check_acl_modify(cfg, "w@pve", "/vms/1", "VA",
	    false, false, &err), 0);
	assert_int_equal(api_check_acl_modify(cfg, "w@pve", "/vms/1", "VA",
	    true, true, &err), 0);
	/* NoAccess needs Permissions.Modify */
	assert_int_equal(api_check_acl_modify(cfg, "v@pve", "/vms/1",
	    "NoAccess", false, false, &err), -1);
	assert_string_equal(err.msg, "Cannot add role 'NoAccess' - requires "
	    "'Permissions.Modify'");
	assert_int_equal(api_check_acl_modify(cfg, "m@pve", "/vms/1",
	    "NoAccess,Administrator", true, false, &err), 0);
	assert_int_equal(api_check_acl_modify(cfg, "root@pam", "/",
	    "NoAccess", true, false, &err), 0);
	/* roles must exist, in list order */
	assert_int_equal(api_check_acl_modify(cfg, "m@pve", "/vms/1",
	    "AU;ghost", true, false, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_string_equal(err.msg, "role 'ghost' does not exist");
	assert_int_equal(api_check_acl_modify(cfg, "v@pve", "/vms/1",
	    "ghost PVEVMUser", true, false, &err), -1);
	assert_string_equal(err.msg, "role 'ghost' does not exist");
	/* the caller's privileges on the normalised path */
	assert_int_equal(api_check_acl_modify(cfg, "v@pve", "vms//2/", "AU",
	    true, false, &err), 0);
	ucfg_free(cfg);
}

static void
test_permissions_read(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\nuser:w@pve:1\nuser:a@pve:1\n"
	    "token:u@pve!tk:0:1::\ntoken:u@pve!sk:0:1::\n"
	    "token:a@pve!tk:0:1::\n"
	    "acl:0:/access:a@pve:PVEAuditor:\n"
	    "acl:0:/access:a@pve!tk:PVEAuditor:\n");
	struct err err;

	(void)state;
	assert_int_equal(api_check_permissions_read(cfg, "u@pve", NULL,
	    &err), 0);
	assert_int_equal(api_check_permissions_read(cfg, "u@pve", "u@pve",
	    &err), 0);
	assert_int_equal(api_check_permissions_read(cfg, "u@pve", "u@pve!tk",
	    &err), 0);
	assert_int_equal(api_check_permissions_read(cfg, "u@pve", "w@pve",
	    &err), -1);
	assert_int_equal(err.code, ERR_DENIED);
	assert_string_equal(err.msg, PCF " (/access, Sys.Audit)");
	assert_int_equal(api_check_permissions_read(cfg, "u@pve",
	    "u@pvex!tk", &err), -1);
	/* a token sees itself only */
	assert_int_equal(api_check_permissions_read(cfg, "u@pve!tk",
	    "u@pve!tk", &err), 0);
	assert_int_equal(api_check_permissions_read(cfg, "u@pve!tk", "u@pve",
	    &err), -1);
	assert_int_equal(api_check_permissions_read(cfg, "u@pve!tk",
	    "u@pve!sk", &err), -1);
	/* Sys.Audit on /access: anyone */
	assert_int_equal(api_check_permissions_read(cfg, "a@pve", "w@pve!xk",
	    &err), 0);
	assert_int_equal(api_check_permissions_read(cfg, "a@pve!tk", "u@pve",
	    &err), 0);
	assert_int_equal(api_check_permissions_read(cfg, "root@pam", "u@pve",
	    &err), 0);
	ucfg_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_access_flags),
		cmocka_unit_test(test_root_and_anonymous),
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_perm),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_template_typed),
		cmocka_unit_test(test_perm_modify),
		cmocka_unit_test(test_userid_self),
		cmocka_unit_test(test_userid_group),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_formats_known),
		cmocka_unit_test(test_check_privs),
		cmocka_unit_test(test_visibility),
		cmocka_unit_test(test_acl_modify),
		cmocka_unit_test(test_permissions_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
