/*
 * The TFA challenge JSON (src/core/tfa/challenge.c): written compactly
 * in proxmox-tfa's order with only the keys present, read back the same,
 * built from tfa.cfg, and anything of the wrong shape refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tfa/challenge.h"
#include "tfa/tfacfg.h"

#include <stdlib.h>
#include <string.h>

static char *
round_trip(const char *in)
{
	struct tfa_challenge c;
	struct buf b = BUF_INIT;
	struct err err;

	if (tfa_challenge_parse(in, strlen(in), &c, &err) < 0)
		return NULL;
	tfa_challenge_write(&c, &b);
	tfa_challenge_clear(&c);
	return buf_steal(&b);
}

static void
assert_round(const char *in, const char *out)
{
	char *got = round_trip(in);

	assert_non_null(got);
	assert_string_equal(got, out);
	free(got);
}

static void
test_write_parse(void **state)
{
	struct tfa_challenge c;
	struct buf b = BUF_INIT;
	unsigned idx[] = {0, 3, 9};

	(void)state;
	tfa_challenge_init(&c);
	assert_true(tfa_challenge_empty(&c));
	tfa_challenge_write(&c, &b);
	assert_string_equal(buf_str(&b), "{}");
	c.totp = true;
	c.recovery = true;
	c.recovery_idx = malloc(sizeof(idx));
	memcpy(c.recovery_idx, idx, sizeof(idx));
	c.n_recovery = 3;
	c.yubico = true;
	c.webauthn = json_pack("{s:{s:s,s:i}}", "publicKey", "challenge",
	    "abc/def", "timeout", 60000);
	c.u2f = json_pack("{s:[]}", "keys");
	buf_reset(&b);
	tfa_challenge_write(&c, &b);
	assert_string_equal(buf_str(&b), "{\"totp\":true,\"recovery\":[0,3,9],"
	    "\"u2f\":{\"keys\":[]},\"webauthn\":{\"publicKey\":{\"challenge\":"
	    "\"abc/def\",\"timeout\":60000}},\"yubico\":true}");
	assert_round(buf_str(&b), buf_str(&b));
	tfa_challenge_clear(&c);
	buf_clear(&b);
	/* all codes used: an empty list, still present */
	assert_round("{\"recovery\":[]}", "{\"recovery\":[]}");
	/* null is absent; false is left out; unknown keys ignored */
	assert_round("{\"totp\":false,\"recovery\":null,\"u2f\":null,"
	    "\"webauthn\":null,\"yubico\":true,\"future\":1}",
	    "{\"yubico\":true}");
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"", "[]", "null", "{", "{\"totp\":1}", "{\"totp\":\"true\"}",
		"{\"recovery\":[-1]}", "{\"recovery\":[1.5]}",
		"{\"recovery\":{}}", "{\"recovery\":[\"1\"]}",
		"{\"webauthn\":[]}", "{\"u2f\":\"x\"}", "{\"yubico\":null}",
		"{\"totp\":true,\"totp\":true}", "{\"recovery\":[4294967296]}",
		"{} x",
	};
	struct tfa_challenge c;
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(tfa_challenge_parse(bad[i], strlen(bad[i]), &c,
		    &err), -1);
		assert_string_equal(err.msg, "invalid tfa challenge");
		assert_true(tfa_challenge_empty(&c));
	}
}

static void
test_from_cfg(void **state)
{
	const char *text = "{\"users\":{\"a@pve\":{\"totp\":[{\"id\":\"t\","
	    "\"created\":1,\"enable\":false,\"entry\":\"otpauth://totp/a?"
	    "secret=MZXW6\"}],\"recovery\":{\"secret\":\"00\",\"entries\":"
	    "[null,\"x\",null,\"y\"],\"created\":1},\"yubico\":[{\"id\":\"y\","
	    "\"created\":1,\"entry\":\"ccccccbcgujh\"}]}}}";
	struct tfa_challenge c;
	struct tfacfg *cfg;
	struct buf b = BUF_INIT;
	struct err err;

	(void)state;
	assert_int_equal(tfacfg_parse(text, strlen(text), 100, "f", NULL, &cfg,
	    &err), 0);
	tfa_challenge_init(&c);
	tfa_challenge_from_cfg(&c, cfg, "a@pve");
	tfa_challenge_write(&c, &b);
	/* the TOTP entry is disabled */
	assert_string_equal(buf_str(&b), "{\"recovery\":[1,3],\"yubico\":true}");
	tfa_challenge_clear(&c);
	tfa_challenge_from_cfg(&c, cfg, "b@pve");
	assert_true(tfa_challenge_empty(&c));
	tfa_challenge_clear(&c);
	tfacfg_free(cfg);
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_from_cfg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
