/*
 * Realm create/update/delete/default with Proxmox's API messages, the
 * legacy sync-defaults-options mapping, and load/save of both files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "files/domains.h"
#include "fileio.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define P(k, v) {k, v}
#define N(a)	(sizeof(a) / sizeof((a)[0]))

static void
expect_fail(int rc, const struct err *err, const char *msg)
{
	assert_int_equal(rc, -1);
	if (strstr(err->msg, msg) == NULL)
		fail_msg("'%s' does not contain '%s'", err->msg, msg);
}

static void
test_create(void **state)
{
	struct domains_cfg *cfg = domains_new();
	const struct domains_param ldap[] = {
		P("server1", "ldap.example.com"), P("base_dn", "dc=x"),
		P("user_attr", "uid"), P("verify", "true"),
		P("password", "secret"), P("default", "1"),
		P("sync-defaults-options", "full=1,purge=yes,scope=users"),
	};
	const struct domains_param bad_key[] = {P("domain", "x")};
	const struct domains_param unknown[] = {P("nonsense", "x")};
	const struct domains_param bad_val[] = {P("port", "x")};
	const struct domains_param oid[] = {P("issuer-url", "https://i"),
		P("client-id", "c"), P("username-claim", "email"),
		P("disable", "1")};
	const struct domains_realm *r;
	struct err err;

	(void)state;
	assert_int_equal(domains_set_default(cfg, "pam", &err), 0);
	assert_int_equal(domains_realm_create(cfg, "corp", "ldap", ldap,
	    N(ldap), &err), 0);
	r = domains_realm_find(cfg, "corp");
	assert_string_equal(r->val[DP_VERIFY], "1");
	assert_null(r->val[DP_PASSWORD]);
	assert_string_equal(r->val[DP_SYNC_DEFAULTS],
	    "remove-vanished=entry;properties;acl,scope=users");
	assert_string_equal(domains_default(cfg)->id, "corp");
	assert_null(domains_realm_find(cfg, "pam")->val[DP_DEFAULT]);

	expect_fail(domains_realm_create(cfg, "corp", "ldap", ldap, N(ldap),
	    &err), &err, "domain 'corp' already exists");
	/* pve always exists, so Proxmox's existence check answers first */
	expect_fail(domains_realm_create(cfg, "pve", "openid", oid, N(oid),
	    &err), &err, "domain 'pve' already exists");
	expect_fail(domains_realm_create(cfg, "x2", "pam", NULL, 0, &err),
	    &err, "unable to create builtin type 'pam'");
	expect_fail(domains_realm_create(cfg, "x2", "ldap", bad_key,
	    N(bad_key), &err), &err, "unexpected property 'domain'");
	expect_fail(domains_realm_create(cfg, "x2", "ldap", unknown,
	    N(unknown), &err), &err, "not defined in schema");
	expect_fail(domains_realm_create(cfg, "x2", "ad", bad_val,
	    N(bad_val), &err), &err, "port: type check ('integer')");
	expect_fail(domains_realm_create(cfg, "x2", "ad", NULL, 0, &err),
	    &err, "missing value for required option");
	expect_fail(domains_realm_create(cfg, "x", "ad", NULL, 0, &err),
	    &err, "valid realm");
	expect_fail(domains_realm_create(cfg, "x2", "krb", NULL, 0, &err),
	    &err, "enumeration");
	assert_null(domains_realm_find(cfg, "x2"));

	assert_int_equal(domains_realm_create(cfg, "sso", "openid", oid,
	    N(oid), &err), 0);
	assert_true(domains_realm_bool(domains_realm_find(cfg, "sso"),
	    DP_DISABLE, false));
	assert_string_equal(domains_realm_at(cfg, 3)->id, "sso");
	domains_free(cfg);
}

static void
test_update(void **state)
{
	struct domains_cfg *cfg = domains_new();
	const struct domains_param oid[] = {P("issuer-url", "https://i"),
		P("client-id", "c"), P("username-claim", "email")};
	const struct domains_param fixed[] = {P("username-claim", "email")};
	const struct domains_param ok[] = {P("autocreate", "1"),
		P("comment", "hello"), P("default", "1")};
	const struct domains_param tfa[] = {P("tfa", "type=oath")};
	const char *const del[] = {"autocreate", "username-claim", "bogus"};
	const char *const del_req[] = {"client-id"};
	const struct domains_realm *r;
	struct err err;

	(void)state;
	assert_int_equal(domains_realm_create(cfg, "sso", "openid", oid,
	    N(oid), &err), 0);
	expect_fail(domains_realm_update(cfg, "nope", ok, N(ok), NULL, 0,
	    NULL, &err), &err, "domain 'nope' does not exist");
	expect_fail(domains_realm_update(cfg, "sso", NULL, 0, NULL, 0, NULL,
	    &err), &err, "no options specified");
	expect_fail(domains_realm_update(cfg, "sso", fixed, N(fixed), NULL, 0,
	    NULL, &err), &err,
	    "can't change value of fixed parameter 'username-claim'");
	expect_fail(domains_realm_update(cfg, "sso", tfa, N(tfa), NULL, 0,
	    NULL, &err), &err, "unexpected property 'tfa'");
	expect_fail(domains_realm_update(cfg, "sso", ok, N(ok), NULL, 0,
	    "0000", &err), &err, "detected modified configuration");
	assert_int_equal(domains_realm_update(cfg, "sso", ok, N(ok), NULL, 0,
	    cfg->digest, &err), 0);
	r = domains_realm_find(cfg, "sso");
	assert_string_equal(r->val[DP_COMMENT], "hello");
	assert_string_equal(domains_default(cfg)->id, "sso");
	assert_int_equal(domains_realm_update(cfg, "sso", NULL, 0, del,
	    N(del), NULL, &err), 0);
	assert_null(r->val[DP_AUTOCREATE]);
	assert_null(r->val[DP_USERNAME_CLAIM]);
	expect_fail(domains_realm_update(cfg, "sso", NULL, 0, del_req,
	    N(del_req), NULL, &err), &err,
	    "section 'sso' - missing value for required option 'client-id'");
	assert_string_equal(r->val[DP_CLIENT_ID], "c");
	domains_free(cfg);
}

static void
test_sync_opts_map(void **state)
{
	struct buf b = BUF_INIT;
	struct err err;

	(void)state;
	assert_int_equal(domains_sync_opts_map("scope=both,purge=1", false,
	    &b, &err), 0);
	assert_string_equal(buf_str(&b), "purge=1,remove-vanished=acl,"
	    "scope=both");
	buf_reset(&b);
	assert_int_equal(domains_sync_opts_map("full=1,remove-vanished=none",
	    true, &b, &err), 0);
	assert_string_equal(buf_str(&b), "remove-vanished=none");
	buf_reset(&b);
	expect_fail(domains_sync_opts_map("scope=both,scope=users", true, &b,
	    &err), &err, "duplicate key");
	expect_fail(domains_sync_opts_map("foo=1", true, &b, &err), &err,
	    "invalid key");
	expect_fail(domains_sync_opts_map("remove-vanished=acl;x", true, &b,
	    &err), &err, "remove-vanished");
	buf_clear(&b);
}

static void
test_delete_and_files(void **state)
{
	char dir[] = "/tmp/rg-dom-XXXXXX";
	struct domains_cfg *cfg = domains_new(), *back = NULL;
	const struct domains_param oid[] = {P("issuer-url", "https://i"),
		P("client-id", "c"), P("disable", "1")};
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct diag d;
	struct stat st;
	struct err err;

	(void)state;
	diag_init(&d);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(domains_realm_create(cfg, "sso", "openid", oid,
	    N(oid), &err), 0);
	assert_int_equal(domains_save(dir, cfg, &err), 0);
	buf_putf(&path, "%s/domains.cfg", dir);
	assert_int_equal(stat(buf_str(&path), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(file_read(buf_str(&path), 1 << 20, &text, &err), 0);
	assert_null(strstr(buf_str(&text), "disable"));

	assert_int_equal(domains_load(dir, &d, &back, &err), 0);
	assert_int_equal(d.count, 0);
	assert_true(domains_realm_bool(domains_realm_find(back, "sso"),
	    DP_DISABLE, false));
	assert_int_equal(strlen(back->digest), 40);
	expect_fail(domains_realm_delete(back, "nope", &err), &err,
	    "domain 'nope' does not exist");
	assert_int_equal(domains_realm_delete(back, "sso", &err), 0);
	assert_int_equal(domains_save(dir, back, &err), 0);
	domains_free(back);
	back = NULL;

	buf_reset(&text);
	buf_reset(&path);
	buf_putf(&path, "%s/realmgate/domains.cfg", dir);
	assert_int_equal(file_read(buf_str(&path), 1 << 20, &text, &err), 0);
	assert_int_equal(text.len, 0);
	unlink(buf_str(&path));
	buf_reset(&path);
	buf_putf(&path, "%s/realmgate", dir);
	rmdir(buf_str(&path));
	buf_reset(&path);
	buf_putf(&path, "%s/domains.cfg", dir);
	unlink(buf_str(&path));
	rmdir(dir);
	buf_clear(&path);
	buf_clear(&text);
	diag_clear(&d);
	domains_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_sync_opts_map),
		cmocka_unit_test(test_delete_and_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
