/*
 * The pam realm through pam_wrapper: scripts/pamwrap-env.sh runs this test
 * with libpam reading services from a private temp directory and
 * pam_matrix checking a private passdb, so the machine's users and
 * /etc/pam.d are never involved.  Without pam_wrapper the test fails (it
 * checks that the wrapper is really loaded); it never skips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "realm.h"

static struct realm_ctx realm = {
	.name = "pam",
	.type = "pam",
	.pam_service = "rg-test",
};

static enum realm_result
auth(const char *service, const char *user, const char *pw, struct err *err)
{
	struct realm_ctx r = realm;

	r.pam_service = service;
	return realm_authenticate(&r, user, pw, "192.0.2.10", err);
}

static void
test_alice_ok(void **state)
{
	struct err err;

	(void)state;
	assert_int_equal(auth("rg-test", "alice", "secret", &err), REALM_OK);
	assert_int_equal(auth("rg-test", "bob", "bobpw", &err), REALM_OK);
	/* No client address is fine too. */
	assert_int_equal(realm_authenticate(&realm, "alice", "secret", NULL,
	    &err), REALM_OK);
}

static void
test_wrong_password(void **state)
{
	struct err err;

	(void)state;
	assert_int_equal(auth("rg-test", "alice", "Secret", &err),
	    REALM_DENIED);
	assert_int_equal(err.code, ERR_AUTH);
	assert_non_null(strstr(err.msg, "pam_authenticate"));
	assert_non_null(strstr(err.msg, "Authentication failure"));
	assert_int_equal(auth("rg-test", "alice", "bobpw", &err),
	    REALM_DENIED);
}

static void
test_unknown_user(void **state)
{
	struct err err;

	(void)state;
	assert_int_equal(auth("rg-test", "mallory", "secret", &err),
	    REALM_DENIED);
	assert_int_equal(err.code, ERR_AUTH);
	assert_non_null(strstr(err.msg, "pam_authenticate"));
}

static void
test_account_not_allowed(void **state)
{
	struct err err;

	(void)state;
	/* carol's password is right, but only for service "othersvc". */
	assert_int_equal(auth("rg-test", "carol", "carolpw", &err),
	    REALM_DENIED);
	assert_int_equal(err.code, ERR_AUTH);
	assert_non_null(strstr(err.msg, "pam_acct_mgmt"));
	assert_non_null(strstr(err.msg, "Permission denied"));
}

static void
test_empty_password_never_reaches_pam(void **state)
{
	struct err err;

	(void)state;
	/* rg-permit accepts anything, so only the dispatch can refuse. */
	assert_int_equal(auth("rg-permit", "anyone", "x", &err), REALM_OK);
	assert_int_equal(auth("rg-permit", "anyone", "", &err),
	    REALM_DENIED);
	assert_string_equal(err.msg, "empty password refused");
	assert_int_equal(auth("rg-test", "alice", "", &err), REALM_DENIED);
	assert_string_equal(err.msg, "empty password refused");
}

static void
test_default_service(void **state)
{
	struct err err;

	(void)state;
	/* proxmox-ve-auth is not in the private dir: 'other' denies. */
	assert_int_equal(auth(NULL, "alice", "secret", &err), REALM_DENIED);
	assert_int_equal(auth("", "alice", "secret", &err), REALM_DENIED);
}

static void
test_timeout(void **state)
{
	struct realm_ctx r = realm;
	struct timespec a, b;
	struct err err;
	long ms;

	(void)state;
	r.pam_service = "rg-hang";
	r.timeout_ms = 300;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(realm_authenticate(&r, "alice", "secret", NULL,
	    &err), REALM_UNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(err.code, ERR_UNAVAILABLE);
	assert_non_null(strstr(err.msg, "did not answer"));
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms < 2500);
	/* The killed child is reaped: no zombie left behind. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void
test_many_in_a_row(void **state)
{
	struct err err;
	int i;

	(void)state;
	/* Each login forks; nothing may pile up (fds, children). */
	for (i = 0; i < 50; i++) {
		assert_int_equal(auth("rg-test", "alice", "secret", &err),
		    REALM_OK);
		assert_int_equal(auth("rg-test", "alice", "nope", &err),
		    REALM_DENIED);
	}
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* Refuse to run against the real PAM configuration. */
static int
wrapper_loaded(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "libpam_wrapper") != NULL;
	fclose(f);
	return found;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alice_ok),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_account_not_allowed),
		cmocka_unit_test(test_empty_password_never_reaches_pam),
		cmocka_unit_test(test_default_service),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_many_in_a_row),
	};
	const char *dir = getenv("PAM_WRAPPER_SERVICE_DIR");

	if (getenv("PAM_WRAPPER") == NULL || dir == NULL ||
	    !wrapper_loaded()) {
		fprintf(stderr, "test-realm-pam: pam_wrapper is not active; "
		    "run through scripts/pamwrap-env.sh with libpam-wrapper "
		    "installed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
