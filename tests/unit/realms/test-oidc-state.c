/*
 * Pending OpenID logins (src/realms/oidc_state.c): an entry added is
 * taken once; entries too old or from the future are dropped; a ctime
 * at the edge of the integer range (the file is only JSON) is dropped
 * without arithmetic overflow (found by the oidc-state fuzz target).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oidc_state.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tmpdir_fixture.h"

#define NOW 1800000000

TMPDIR_FIXTURE("rg-oidcst")

static void
put_file(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/local", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/local/openid", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/local/openid/r.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_add_take(void **state)
{
	struct oidc_pending p, got;
	struct err err;

	(void)state;
	assert_int_equal(oidc_pending_new(&p, NOW, &err), 0);
	assert_int_equal(oidc_state_add(dir, "r", &p, "127.0.0.1", NOW, &err), 0);
	assert_int_equal(oidc_state_take(dir, "r", p.csrf, NOW + 10, &got,
	    &err), 0);
	assert_string_equal(got.nonce, p.nonce);
	assert_string_equal(got.verifier, p.verifier);
	assert_int_equal(oidc_state_take(dir, "r", p.csrf, NOW + 10, &got,
	    &err), -1);
	assert_int_equal(err.code, ERR_AUTH);
}

static void
test_ctime_extremes(void **state)
{
	static const char *const times[] = {"9223372036854775807",
		"-9223372036854775808", "1799999399", "1800000061"};
	struct oidc_pending got;
	struct err err;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		snprintf(text, sizeof(text), "[{\"csrf_token\":\"c\","
		    "\"nonce\":\"n\",\"pkce_verifier\":\"v\",\"ctime\":%s}]",
		    times[i]);
		put_file(text);
		assert_int_equal(oidc_state_take(dir, "r", "c", NOW, &got,
		    &err), -1);
		assert_int_equal(err.code, ERR_AUTH);
	}
	put_file("[{\"csrf_token\":\"c\",\"nonce\":\"n\",\"pkce_verifier\":"
	    "\"v\",\"ctime\":1799999401}]");
	assert_int_equal(oidc_state_take(dir, "r", "c", NOW, &got, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctime_extremes, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
