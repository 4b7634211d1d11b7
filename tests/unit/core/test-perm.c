/*
 * Permission provenance (the "why"): each grant names the ACL node, the
 * kind and subject of the entry, and the pool it came through; token
 * intersection and the root bypass.  The results themselves are pinned by
 * the compat fixtures; this checks what --why is built on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "perm.h"

static struct ucfg *
parse(const char *text)
{
	return ucfg_parse(text, strlen(text), "test", NULL);
}

static void
test_group_grant(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\ngroup:ops:u@pve:\n"
	    "acl:1:/vms:@ops:PVEVMUser:\n");
	struct perm_roles why;
	struct perm_set ps;

	(void)state;
	perm_roles_init(&why);
	perm_compute(cfg, "u@pve", "/vms/100", &ps, &why);
	assert_int_equal(why.count, 1);
	assert_string_equal(why.grants[0].role, "PVEVMUser");
	assert_int_equal(why.grants[0].kind, ACL_GROUP);
	assert_string_equal(why.grants[0].subject, "ops");
	assert_string_equal(why.grants[0].node->path, "/vms");
	assert_null(why.grants[0].pool);
	assert_true(ps.privs & ps.prop);
	perm_roles_clear(&why);
	ucfg_free(cfg);
}

static void
test_pool_grant(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\npool:dev::100::\n"
	    "acl:1:/pool/dev:u@pve:PVEAuditor:\n");
	struct perm_roles why;
	struct perm_set ps;

	(void)state;
	perm_roles_init(&why);
	perm_compute(cfg, "u@pve", "/vms/100", &ps, &why);
	assert_int_equal(why.count, 1);
	assert_non_null(why.grants[0].pool);
	assert_string_equal(why.grants[0].pool->id, "dev");
	assert_false(why.grants[0].propagate);	/* pool roles: flag 0 */
	assert_int_equal(ps.prop, 0);
	assert_true(ps.privs != 0);
	perm_roles_clear(&why);
	ucfg_free(cfg);
}

static void
test_token_intersection_flags(void **state)
{
	struct ucfg *cfg = parse("user:u@pve:1\ntoken:u@pve!tk:0:1::\n"
	    "acl:0:/vms/1:u@pve:PVEAuditor:\n"
	    "acl:1:/vms/1:u@pve!tk:PVEAuditor:\n");
	struct perm_set ps;

	(void)state;
	perm_compute(cfg, "u@pve!tk", "/vms/1", &ps, NULL);
	assert_true(ps.privs != 0);
	assert_int_equal(ps.prop, 0);	/* owner flag 0 AND token flag 1 */
	ucfg_free(cfg);
}

static void
test_root(void **state)
{
	struct ucfg *cfg = parse("");
	struct perm_roles why;
	struct perm_set ps;

	(void)state;
	perm_roles_init(&why);
	perm_compute(cfg, "root@pam", "/anything", &ps, &why);
	assert_true(ps.privs == PRIV_ALL && ps.prop == PRIV_ALL);
	assert_int_equal(why.count, 1);
	assert_null(why.grants[0].node);
	perm_compute(cfg, "root@pam", NULL, &ps, &why);
	assert_true(ps.privs == 0);
	perm_roles_clear(&why);
	ucfg_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_grant),
		cmocka_unit_test(test_pool_grant),
		cmocka_unit_test(test_token_intersection_flags),
		cmocka_unit_test(test_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
