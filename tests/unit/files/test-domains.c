/*
 * domains.cfg parsing and writing: the spec's constructed example round
 * trip, every leniency rule of spec 1.4, and realmgate/domains.cfg.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "files/domains.h"

#include <string.h>

static const char example[] =
    "pam: pam\n"
    "\tcomment Linux PAM standard authentication\n"
    "\n"
    "pve: pve\n"
    "\tcomment Proxmox VE authentication server\n"
    "\tdefault 1\n"
    "\ttfa type=oath,digits=6,step=30\n"
    "\n"
    "ldap: corp-ldap\n"
    "\tbase_dn ou=People,dc=example,dc=com\n"
    "\tserver1 ldap1.example.com\n"
    "\tuser_attr uid\n"
    "\tbind_dn cn=reader,dc=example,dc=com\n"
    "\tcase-sensitive 1\n"
    "\tmode ldaps\n"
    "\tserver2 ldap2.example.com\n"
    "\tsync-defaults-options enable-new=1,remove-vanished=acl;entry,"
    "scope=both\n"
    "\tsync_attributes email=mail,firstname=givenName,lastname=sn\n"
    "\tverify 1\n"
    "\n"
    "ad: corp\n"
    "\tdomain corp.example.com\n"
    "\tserver1 dc1.corp.example.com\n"
    "\tbind_dn CN=svc-pve,OU=Service,DC=corp,DC=example,DC=com\n"
    "\tcase-sensitive 0\n"
    "\tmode ldap+starttls\n"
    "\n"
    "openid: sso\n"
    "\tclient-id pve\n"
    "\tissuer-url https://sso.example.com/realms/main\n"
    "\tautocreate 1\n"
    "\tgroups-claim groups\n"
    "\tusername-claim preferred_username\n";

struct run {
	struct domains_cfg *cfg;
	struct diag d;
	struct buf out;
};

static void
run(struct run *r, const char *text)
{
	diag_init(&r->d);
	buf_init(&r->out, 0);
	r->cfg = domains_parse(text, strlen(text), "domains.cfg", &r->d);
	domains_write(r->cfg, &r->out);
}

static void
done(struct run *r)
{
	domains_free(r->cfg);
	diag_clear(&r->d);
	buf_clear(&r->out);
}

static bool
has_diag(const struct run *r, unsigned line, const char *needle)
{
	size_t i;

	for (i = 0; i < r->d.count; i++)
		if ((line == 0 || r->d.items[i].line == line) &&
		    strstr(r->d.items[i].msg, needle) != NULL)
			return true;
	return false;
}

static void
test_example_round_trip(void **state)
{
	struct buf want = BUF_INIT;
	const struct domains_realm *r;
	struct run x;

	(void)state;
	run(&x, example);
	assert_int_equal(x.d.count, 0);
	buf_puts(&want, example);
	buf_putc(&want, '\n');
	assert_string_equal(buf_str(&x.out), buf_str(&want));
	assert_int_equal(domains_realm_count(x.cfg), 5);
	r = domains_realm_find(x.cfg, "corp");
	assert_non_null(r);
	assert_int_equal(r->type, REALM_AD);
	assert_false(domains_realm_bool(r, DP_CASE_SENSITIVE, true));
	assert_string_equal(domains_default(x.cfg)->id, "pve");
	/* SHA-1 of the raw text */
	assert_int_equal(strlen(x.cfg->digest), 40);
	buf_clear(&want);
	done(&x);
}

static void
test_canonical_order(void **state)
{
	struct run x;

	(void)state;
	run(&x, "ldap: l1\n\tverify\n\tport 0389\n\tuser_attr uid\n"
	    "\tcomment caf%C3%A9 x\n\tserver1 10.0.0.1\n\tbase_dn dc=x\n"
	    "\tfilter \n");
	assert_string_equal(buf_str(&x.out),
	    "ldap: l1\n\tcomment caf%C3%A9 x\n\tbase_dn dc=x\n"
	    "\tserver1 10.0.0.1\n\tuser_attr uid\n\tport 389\n\tverify 1\n"
	    "\n"
	    "pam: pam\n\tcomment Linux PAM standard authentication\n\n"
	    "pve: pve\n\tcomment Proxmox VE authentication server\n\n");
	assert_string_equal(domains_realm_find(x.cfg, "l1")->val[DP_COMMENT],
	    "caf\xc3\xa9 x");
	/* filter without value: "got undefined value" */
	assert_true(has_diag(&x, 8, "got undefined value"));
	done(&x);
}

static void
test_skip_sections(void **state)
{
	struct run x;

	(void)state;
	run(&x, "ldap: 1bad\n\tserver1 a\n\n"
	    "kerberos: krb\n\tx y\n\n"
	    "ldap: noreq\n\tserver1 a\n\tbase_dn b\n\n"
	    "ad: ok\n\tserver1 a\n\tdomain d\n");
	assert_true(has_diag(&x, 1, "does not look like a valid realm"));
	assert_true(has_diag(&x, 4, "unsupported type 'kerberos'"));
	assert_true(has_diag(&x, 7,
	    "missing value for required option 'user_attr'"));
	assert_null(domains_realm_find(x.cfg, "1bad"));
	assert_null(domains_realm_find(x.cfg, "krb"));
	assert_null(domains_realm_find(x.cfg, "noreq"));
	assert_non_null(domains_realm_find(x.cfg, "ok"));
	assert_int_equal(diag_dropped_count(&x.d), 3);
	done(&x);
}

static void
test_bad_values(void **state)
{
	struct run x;
	const struct domains_realm *r;

	(void)state;
	run(&x, "ad: ad1\n\tserver1 dc1\n\tdomain d\n\tport 70000\n"
	    "\tport 636\n\tmode ldapx\n\tverify yes\n\tserver2 bad_host!\n"
	    "\tgroups-claim g\n\tdisable 1\n\tdomain e\n\tuser_attr u\n"
	    "\tgroup_name_attr a-b\n\tuser_classes a, b;c\n"
	    "\tsync_attributes email=mail, x\n\ttfa type=oath,digits=9\n"
	    "\tsync-defaults-options scope=all\n\tcomment a\rb\n");
	r = domains_realm_find(x.cfg, "ad1");
	assert_non_null(r);
	assert_true(has_diag(&x, 4, "maximum value of 65535"));
	/* the first bad port was dropped, so this is no duplicate */
	assert_string_equal(r->val[DP_PORT], "636");
	assert_true(has_diag(&x, 6, "enumeration"));
	assert_true(has_diag(&x, 7, "type check ('boolean') failed"));
	assert_true(has_diag(&x, 8, "valid address"));
	assert_true(has_diag(&x, 9, "unexpected property 'groups-claim'"));
	/* realmgate-only keys do not belong in domains.cfg */
	assert_true(has_diag(&x, 10, "unexpected property 'disable'"));
	assert_true(has_diag(&x, 11, "duplicate attribute"));
	assert_string_equal(r->val[DP_DOMAIN], "d");
	assert_true(has_diag(&x, 12, "pattern"));
	assert_true(has_diag(&x, 13, "simple ldap attribute"));
	assert_string_equal(r->val[DP_USER_CLASSES], "a, b;c");
	assert_true(has_diag(&x, 15, "pattern"));
	assert_true(has_diag(&x, 16, "digits"));
	assert_true(has_diag(&x, 17, "scope"));
	assert_true(has_diag(&x, 18, "line feed"));
	done(&x);
}

static void
test_default_once_and_builtins(void **state)
{
	struct run x;
	const struct domains_realm *r;

	(void)state;
	run(&x, "pve: pve\n\tdefault 0\n\n"
	    "openid: a1\n\tissuer-url u\n\tclient-id c\n\tdefault 1\n\n"
	    "openid: a2\n\tissuer-url u\n\tclient-id c\n\tdefault 1\n\n"
	    "ldap: pam\n\tserver1 s\n\tbase_dn b\n\tuser_attr uid\n"
	    "\tcomment 0\n\ttfa type=yubico\n");
	assert_string_equal(domains_default(x.cfg)->id, "a1");
	assert_null(domains_realm_find(x.cfg, "a2")->val[DP_DEFAULT]);
	assert_true(has_diag(&x, 0, "drop 'default'"));
	r = domains_realm_find(x.cfg, "pam");
	assert_int_equal(r->type, REALM_PAM);
	assert_null(r->val[DP_SERVER1]);
	assert_string_equal(r->val[DP_TFA], "type=yubico");
	assert_string_equal(r->val[DP_COMMENT],
	    "Linux PAM standard authentication");
	assert_true(has_diag(&x, 0, "type forced"));
	/* default 0 is kept and written as 0 */
	assert_non_null(strstr(buf_str(&x.out), "pve: pve\n\tcomment Proxmox "
	    "VE authentication server\n\tdefault 0\n\n"));
	/* original order: pve first, pam where the ldap section was */
	assert_string_equal(domains_realm_at(x.cfg, 0)->id, "pve");
	assert_string_equal(domains_realm_at(x.cfg, 3)->id, "pam");
	done(&x);
}

static void
test_duplicate_section(void **state)
{
	struct run x;

	(void)state;
	run(&x, "openid: oo\n\tissuer-url a\n\tclient-id c\n\n"
	    "pam: pam\n\n"
	    "openid: oo\n\tissuer-url b\n\tclient-id c\n");
	assert_string_equal(domains_realm_find(x.cfg, "oo")->val[DP_ISSUER_URL],
	    "b");
	assert_string_equal(domains_realm_at(x.cfg, 0)->id, "pam");
	assert_true(has_diag(&x, 7, "duplicate section"));
	done(&x);
}

static void
test_empty_and_crlf(void **state)
{
	struct run x;

	(void)state;
	run(&x, "");
	assert_string_equal(buf_str(&x.out),
	    "pam: pam\n\tcomment Linux PAM standard authentication\n\n"
	    "pve: pve\n\tcomment Proxmox VE authentication server\n\n");
	assert_string_equal(x.cfg->digest,
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	done(&x);
	run(&x, "pve: pve\r\n\tcomment hi\r\n\tdefault\r\n");
	assert_int_equal(x.d.count, 0);
	assert_string_equal(domains_realm_find(x.cfg, "pve")->val[DP_COMMENT],
	    "hi");
	assert_true(domains_realm_bool(domains_realm_find(x.cfg, "pve"),
	    DP_DEFAULT, false));
	done(&x);
}

static void
test_rg_file(void **state)
{
	struct run x;
	struct buf rg = BUF_INIT;
	const char *text = "ldap: corp\n\tdisable\n\tserver1 x\n\tdisable 0\n\n"
	    "openid: gone\n\tdisable 1\n\n"
	    "pam: pam\n\tdisable 0\n";

	(void)state;
	run(&x, example);
	domains_parse_rg(x.cfg, text, strlen(text), "realmgate/domains.cfg",
	    &x.d);
	assert_true(domains_realm_bool(domains_realm_find(x.cfg, "corp"),
	    DP_DISABLE, false));
	assert_true(has_diag(&x, 1, "differs"));
	assert_true(has_diag(&x, 3, "unexpected property 'server1'"));
	assert_true(has_diag(&x, 4, "duplicate attribute"));
	assert_true(has_diag(&x, 6, "not in domains.cfg"));
	assert_null(domains_realm_find(x.cfg, "gone"));
	domains_write_rg(x.cfg, &rg);
	assert_string_equal(buf_str(&rg), "pam: pam\n\tdisable 0\n\n"
	    "ad: corp\n\tdisable 1\n\n"
	    "openid: gone\n\tdisable 1\n\n");
	/* domains.cfg output is unchanged by realmgate-only settings */
	buf_reset(&x.out);
	domains_write(x.cfg, &x.out);
	assert_null(strstr(buf_str(&x.out), "disable"));
	buf_clear(&rg);
	done(&x);
}

static void
test_table_covers_spec(void **state)
{
	static const char *const names[] = {
		"comment", "default", "tfa", "server1", "server2", "port",
		"mode", "secure", "sslversion", "verify", "capath", "cert",
		"certkey", "base_dn", "bind_dn", "password", "user_attr",
		"filter", "sync_attributes", "user_classes", "group_dn",
		"group_name_attr", "group_filter", "group_classes",
		"sync-defaults-options", "case-sensitive", "domain",
		"issuer-url", "client-id", "client-key", "autocreate",
		"username-claim", "groups-claim", "groups-autocreate",
		"groups-overwrite", "prompt", "scopes", "acr-values",
		"audiences", "query-userinfo",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_true(domains_prop_find(names[i]) >= 0);
	assert_true(domains_prop_def(DP_USERNAME_CLAIM)->fixed);
	assert_false(domains_prop_def(DP_TFA)->types &
	    RT_BIT(REALM_OPENID));
	assert_int_equal(domains_prop_def(DP_DISABLE)->store, DS_REALMGATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_round_trip),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_skip_sections),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_default_once_and_builtins),
		cmocka_unit_test(test_duplicate_section),
		cmocka_unit_test(test_empty_and_crlf),
		cmocka_unit_test(test_rg_file),
		cmocka_unit_test(test_table_covers_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
