/*
 * oidc_idtoken_check against tokens made with Python's cryptography (the
 * fuzz seeds in tests/fuzz/corpus/idtoken): the genuine one passes, every
 * forgery or wrong claim fails with its own reason.
 */
#include "buf.h"
#include "oidc_idtoken.h"
#include "../../fuzz/idtoken-jwk.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char *
seed(const char *name)
{
	char path[512];
	FILE *f;
	char *buf = calloc(1, 8192);

	snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_true(fread(buf, 1, 8191, f) > 0);
	fclose(f);
	return buf;
}

static int
check(const char *name, const char *audiences, time_t now, struct err *err)
{
	struct oidc_expect e = {"https://op.example", "pve", audiences,
		"n0nce", now};
	json_t *jwks = json_pack("{s:[o]}", "keys", json_loads(jwk, 0, NULL));
	json_t *claims = NULL;
	char *t = seed(name);
	int rc = oidc_idtoken_check(t, jwks, &e, &claims, err);

	if (rc == 0)
		assert_string_equal(json_string_value(json_object_get(claims,
		    "sub")), "alice");
	json_decref(claims);
	json_decref(jwks);
	free(t);
	return rc;
}

static void
test_genuine_passes(void **state)
{
	struct err err;

	(void)state;
	assert_int_equal(check("valid", NULL, 1800000000, &err), 0);
	/* several audiences: the others must be trusted, azp ours */
	assert_int_equal(check("aud-list", NULL, 1800000000, &err), -1);
	assert_non_null(strstr(err.msg, "audience 'other' is not trusted"));
	assert_int_equal(check("aud-list", "other", 1800000000, &err), 0);
}

static void
test_forgeries_fail(void **state)
{
	static const struct {
		const char *seed, *why;
	} cases[] = {
		{"alg-none", "unsigned (alg none)"},
		{"hs256", "alg HS256 is a shared-secret MAC"},
		{"unknown-kid", "which the provider does not publish"},
		{"expired", "expired"},
		{"garbage", "header is not base64url JSON"},
		{"no-dots", "not a JWT"},
		/* '=' inside a part: cjose 0.6 asserted (the worker died) */
		{"pad-in-payload", "three base64url parts"},
	};
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(check(cases[i].seed, NULL, 1800000000, &err),
		    -1);
		if (strstr(err.msg, cases[i].why) == NULL)
			fail_msg("%s: '%s' lacks '%s'", cases[i].seed, err.msg,
			    cases[i].why);
	}
	/* the genuine token is not valid before it was issued */
	assert_int_equal(check("valid", NULL, 1600000000, &err), -1);
	assert_non_null(strstr(err.msg, "issued in the future"));
}

/* A key with '=' inside a member made cjose assert: it is skipped. */
static void
test_key_with_padding(void **state)
{
	json_t *k = json_loads(jwk, 0, NULL), *jwks, *claims = NULL;
	struct oidc_expect e = {"https://op.example", "pve", NULL, "n0nce",
		1800000000};
	struct buf n = BUF_INIT;
	struct err err;
	char *t = seed("valid");

	(void)state;
	buf_puts(&n, json_string_value(json_object_get(k, "n")));
	n.data[17] = '=';
	json_object_set_new(k, "n", json_string(buf_str(&n)));
	jwks = json_pack("{s:[o]}", "keys", k);
	assert_int_equal(oidc_idtoken_check(t, jwks, &e, &claims, &err), -1);
	assert_non_null(strstr(err.msg, "does not verify"));
	assert_null(claims);
	json_decref(jwks);
	buf_clear(&n);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genuine_passes),
		cmocka_unit_test(test_forgeries_fail),
		cmocka_unit_test(test_key_with_padding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
