/*
 * The realm registry and the common dispatch: driver lookup by type,
 * capability checks, the registry slots of drivers not built yet, and the
 * rules every realm shares (empty password and bad user names refused
 * before a driver runs, spec 12.31).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "realm.h"

/* A pve realm whose shadow file does not exist: the driver would say
 * "no password set", so any other reason proves the dispatch answered. */
static const struct realm_ctx pve_realm = {
	.name = "pve",
	.type = "pve",
	.config_dir = "/nonexistent/realmgate-test",
};

/* A pam realm with a service no test sets up. */
static const struct realm_ctx pam_realm = {
	.name = "pam",
	.type = "pam",
	.pam_service = "rg-no-such-service",
};

static void
test_registry(void **state)
{
	const struct realm_ops *ops;
	size_t i;

	(void)state;
	ops = realm_driver("pve");
	assert_non_null(ops);
	assert_ptr_equal(ops, &realm_ops_pve);
	assert_non_null(ops->authenticate);
	assert_non_null(ops->set_password);
	assert_non_null(ops->delete_user);
	assert_true(realm_has_caps("pve",
	    REALM_CAP_PASSWORD | REALM_CAP_STORE_PW));

	ops = realm_driver("pam");
	assert_ptr_equal(ops, &realm_ops_pam);
	assert_non_null(ops->authenticate);
	assert_true(realm_has_caps("pam",
	    REALM_CAP_PASSWORD | REALM_CAP_STORE_PW));

	ops = realm_driver("openid");
	assert_ptr_equal(ops, &realm_ops_openid);
	assert_null(ops->authenticate);
	assert_true(realm_has_caps("openid", REALM_CAP_REDIRECT));
	assert_false(realm_has_caps("openid", REALM_CAP_PASSWORD));
	assert_null(realm_driver("ldaps"));
	assert_null(realm_driver(""));
	assert_null(realm_driver(NULL));
	assert_null(realm_driver("PVE"));
	assert_false(realm_has_caps("nope", 0));
	assert_true(realm_has_caps("ldap", 0));

	for (i = 0; i < 2; i++) {
		ops = realm_driver(i == 0 ? "ldap" : "ad");
		assert_non_null(ops);
		assert_non_null(ops->authenticate);
		assert_non_null(ops->check);
		assert_null(ops->set_password);
		assert_true(realm_has_caps(ops->type,
		    REALM_CAP_PASSWORD | REALM_CAP_SYNC));
	}
}

static void
test_openid_refuses_passwords(void **state)
{
	struct realm_ctx r = { .name = "sso", .type = "openid" };
	struct err err;

	(void)state;
	assert_int_equal(realm_authenticate(&r, "alice", "secret", NULL,
	    &err), REALM_ERROR);
	assert_int_equal(err.code, ERR_UNSUPPORTED);
	assert_string_equal(err.msg,
	    "OpenID realm does not allow password verification.");
	assert_int_equal(realm_set_password(&r, "alice", "x", &err), -1);
	assert_string_equal(err.msg, "can't set password on auth type "
	    "'openid'");
	/* Nothing is stored for such users: deleting is a no-op. */
	assert_int_equal(realm_delete_user(&r, "alice", &err), 0);
}

static void
test_unknown_type(void **state)
{
	struct realm_ctx r = { .name = "x", .type = "kerberos" };
	struct realm_ctx none = { .name = "x" };
	struct err err;

	(void)state;
	assert_int_equal(realm_authenticate(&r, "alice", "pw", NULL, &err),
	    REALM_ERROR);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "unknown realm type 'kerberos'");
	assert_int_equal(realm_authenticate(&none, "alice", "pw", NULL,
	    &err), REALM_ERROR);
	assert_int_equal(err.code, ERR_INVALID);
	assert_int_equal(realm_set_password(&r, "alice", "pw", &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_int_equal(realm_delete_user(&r, "alice", &err), -1);
}

static void
test_empty_password(void **state)
{
	const struct realm_ctx *realms[] = { &pve_realm, &pam_realm };
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(realm_authenticate(realms[i], "alice", "",
		    "192.0.2.1", &err), REALM_DENIED);
		assert_int_equal(err.code, ERR_AUTH);
		assert_string_equal(err.msg, "empty password refused");
		assert_int_equal(realm_authenticate(realms[i], "alice", NULL,
		    NULL, &err), REALM_DENIED);
		assert_string_equal(err.msg, "empty password refused");
	}
	/* Distinct from a wrong password in the log. */
	assert_int_equal(realm_authenticate(&pve_realm, "alice", "x", NULL,
	    &err), REALM_DENIED);
	assert_string_equal(err.msg, "no password set");

	assert_int_equal(realm_set_password(&pve_realm, "alice", "", &err),
	    -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.msg, "empty password refused");
}

static void
test_bad_user_names(void **state)
{
	const char *bad[] = {
		"", "a b", "a:b", "a/b", "a\tb", "a\nb", "a\x7f",
		"x123456789012345678901234567890123456789012345678901234567890"
		"12345",
	};
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(realm_authenticate(&pve_realm, bad[i], "pw",
		    NULL, &err), REALM_DENIED);
		assert_string_equal(err.msg, "invalid user name");
		assert_int_equal(realm_set_password(&pve_realm, bad[i], "pw",
		    &err), -1);
		assert_int_equal(err.code, ERR_INVALID);
		assert_int_equal(realm_delete_user(&pve_realm, bad[i], &err),
		    -1);
	}
	assert_int_equal(realm_authenticate(&pve_realm, NULL, "pw", NULL,
	    &err), REALM_DENIED);
	assert_string_equal(err.msg, "invalid user name");
}

/*
 * pam: the password goes to `usermod -p <sha256-crypt> <user>`; the test
 * points REALMGATE_USERMOD at a script that records its arguments (never
 * at the machine's own user database) and checks the hash it received.
 */
static void
test_pam_store(void **state)
{
	char dir[] = "/tmp/rg-usermod-XXXXXX", script[256], out[256];
	char line[512], user[64], *hash;
	struct crypt_data cd;
	struct err err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/usermod", dir);
	snprintf(out, sizeof(out), "%s/args", dir);
	f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nprintf '%%s %%s %%s\\n' \"$1\" \"$2\" \"$3\" "
	    "> %s\n", out);
	fclose(f);
	assert_int_equal(chmod(script, 0700), 0);
	setenv("REALMGATE_USERMOD", script, 1);
	assert_int_equal(realm_set_password(&pam_realm, "alice", "new-pw-1",
	    &err), 0);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_true(strncmp(line, "-p $5$", 6) == 0);
	hash = line + 3;
	*strchr(hash, ' ') = '\0';
	sscanf(hash + strlen(hash) + 1, "%63s", user);
	assert_string_equal(user, "alice");
	/* the hash checks against the password, not against another */
	memset(&cd, 0, sizeof(cd));
	assert_string_equal(crypt_r("new-pw-1", hash, &cd), hash);
	assert_string_not_equal(crypt_r("other-pw", hash, &cd), hash);
	/* usermod failing is an error, and a user name cannot be an option */
	setenv("REALMGATE_USERMOD", "/bin/false", 1);
	assert_int_equal(realm_set_password(&pam_realm, "alice", "new-pw-1",
	    &err), -1);
	assert_int_equal(realm_set_password(&pam_realm, "-rf", "new-pw-1",
	    &err), -1);
	unsetenv("REALMGATE_USERMOD");
	assert_int_equal(realm_delete_user(&pam_realm, "alice", &err), 0);
	unlink(script);
	unlink(out);
	rmdir(dir);
}

static void
test_result_str(void **state)
{
	(void)state;
	assert_string_equal(realm_result_str(REALM_OK), "ok");
	assert_string_equal(realm_result_str(REALM_DENIED), "denied");
	assert_string_equal(realm_result_str(REALM_UNAVAILABLE),
	    "unavailable");
	assert_string_equal(realm_result_str(REALM_ERROR), "error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_openid_refuses_passwords),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_empty_password),
		cmocka_unit_test(test_bad_user_names),
		cmocka_unit_test(test_pam_store),
		cmocka_unit_test(test_result_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
