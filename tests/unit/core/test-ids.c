/*
 * Identifier grammar (spec 1.2): user ids split at the last '@', realm and
 * token-name grammar, pool levels, ACL path normalisation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ids.h"

static bool
uv(const char *s)
{
	return id_user_valid(s, strlen(s), NULL);
}

static void
test_userid(void **state)
{
	size_t at;

	(void)state;
	assert_true(uv("root@pam"));
	assert_true(uv("a@pve"));
	assert_true(uv("john@example.com@sso"));
	assert_true(id_user_valid("john@example.com@sso", 20, &at));
	assert_int_equal(at, 16);
	assert_true(uv("we!rd%name@pve"));
	assert_false(uv("@pve"));
	assert_false(uv("a@p"));	/* realm needs 2 chars */
	assert_false(uv("a@1pve"));	/* realm starts with a letter */
	assert_false(uv("a b@pve"));
	assert_false(uv("a:b@pve"));
	assert_false(uv("a/b@pve"));
	assert_false(uv("nouser"));
	assert_false(uv("a@pve!tok"));
	/* 64 bytes is the limit */
	assert_true(uv("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@pve"));
	assert_false(uv("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@pve"));
}

static void
test_userid_messages(void **state)
{
	struct err err;

	(void)state;
	assert_int_equal(id_user_check("a@", &err), -1);
	assert_string_equal(err.msg, "user name 'a@' is too short");
	assert_int_equal(id_user_check("bad user@pve", &err), -1);
	assert_string_equal(err.msg,
	    "value 'bad user@pve' does not look like a valid user name");
	assert_int_equal(id_user_check("ok@pve", &err), 0);
}

/* The grammar of ids realmgate creates (issue 9): no separator of any file. */
static int
newid(const char *s, const char *want)
{
	struct err err;
	int rc = id_user_check_new(s, &err);

	if (want != NULL) {
		assert_int_equal(rc, -1);
		assert_string_equal(err.msg, want);
	}
	return rc;
}

static void
test_userid_new(void **state)
{
	(void)state;
	assert_int_equal(newid("ok@pve", NULL), 0);
	assert_int_equal(newid("john@example.com@sso", NULL), 0);
	assert_int_equal(newid("j\xc3\xbcrgen@pve", NULL), 0);
	assert_int_equal(newid("a.b-c_d+e%f~g@pve", NULL), 0);
	/* Proxmox accepts all of these; realmgate does not create them */
	newid("x@pve,admin@pve", "user name 'x@pve,admin@pve' may not "
	    "contain ',' (a list separator in user.cfg)");
	newid("x;y@pve", "user name 'x;y@pve' may not contain ';' (a list "
	    "separator in user.cfg)");
	newid("x!y@pve", "user name 'x!y@pve' may not contain '!' (it "
	    "separates the name of an API token)");
	newid("x=y@pve", "user name 'x=y@pve' may not contain '=' (it "
	    "separates the secret of an API token)");
	newid("@ops@pve", "user name '@ops@pve' may not start with '@' (it "
	    "marks a group in ACL lists)");
	newid("x\001y@pve", "user name may not contain control characters");
	newid("x\177y@pve", "user name may not contain control characters");
	newid("caf\xe9@pve", "user name is not valid UTF-8");
	/* and the base grammar's messages first */
	newid("a@", "user name 'a@' is too short");
	newid("a b@pve", "value 'a b@pve' does not look like a valid user name");
	newid("a:b@pve", "value 'a:b@pve' does not look like a valid user name");
	/* the realm part is the realm grammar: never a separator */
	newid("a@pve,x", "value 'a@pve,x' does not look like a valid user name");
}

static void
test_list_safe_and_storage(void **state)
{
	(void)state;
	assert_true(id_list_safe("a@pve", 5));
	assert_true(id_list_safe("a!b=c@pve", 9));
	assert_false(id_list_safe("a,b", 3));
	assert_false(id_list_safe("a;b", 3));
	assert_false(id_list_safe("a b", 3));
	assert_false(id_list_safe("a\nb", 3));
	assert_true(id_storage_valid("local", 5));
	assert_true(id_storage_valid("Local-LVM.2_x", 13));
	assert_false(id_storage_valid("a", 1));
	assert_false(id_storage_valid("1st", 3));
	assert_false(id_storage_valid("st-", 3));
	assert_false(id_storage_valid("a:b", 3));
	assert_false(id_storage_valid("a,b", 3));
	assert_false(id_storage_valid("a b", 3));
	assert_false(id_storage_valid("ab\n", 3));
}

static void
test_token(void **state)
{
	size_t bang;

	(void)state;
	assert_true(id_token_valid("a@pve!tok", 9, &bang));
	assert_int_equal(bang, 5);
	assert_true(id_token_valid("a!b@pve!t2", 10, &bang));
	assert_int_equal(bang, 7);
	assert_false(id_token_valid("a@pve!t", 7, NULL));	/* 2 chars min */
	assert_false(id_token_valid("a@pve!1t", 8, NULL));
	assert_false(id_token_valid("a@pve", 5, NULL));
}

static void
test_groups_pools(void **state)
{
	(void)state;
	assert_true(id_group_valid("a.b-c_d9", 8));
	assert_false(id_group_valid("", 0));
	assert_false(id_group_valid("a b", 3));
	assert_true(id_pool_valid("a", 1));
	assert_true(id_pool_valid("a/b/c", 5));
	assert_false(id_pool_valid("a/b/c/d", 7));
	assert_false(id_pool_valid("a//b", 4));
	assert_false(id_pool_valid("/a", 2));
	assert_false(id_pool_valid("a/", 2));
}

static void
check_path(const char *in, const char *want)
{
	struct buf b = BUF_INIT;
	bool ok = id_path_normalize(in, strlen(in), &b);

	if (want == NULL) {
		assert_false(ok);
	} else {
		assert_true(ok);
		assert_string_equal(buf_str(&b), want);
	}
	buf_clear(&b);
}

static void
test_paths(void **state)
{
	(void)state;
	check_path("/", "/");
	check_path("//", "/");
	check_path("vms", "/vms");
	check_path("/vms//100/", "/vms/100");
	check_path("///vms///100///", "/vms/100");
	check_path("/storage/local-lvm", "/storage/local-lvm");
	check_path("", NULL);
	check_path("/vms/1 00", NULL);
	check_path("/vms/a:b", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userid),
		cmocka_unit_test(test_userid_messages),
		cmocka_unit_test(test_userid_new),
		cmocka_unit_test(test_list_safe_and_storage),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_groups_pools),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
