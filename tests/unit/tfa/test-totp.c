/*
 * TOTP (src/core/tfa/totp.c, totp_code.c, base32.c): RFC 6238 appendix B
 * for SHA1/SHA256/SHA512, proxmox-tfa's own test values, the otpauth URI
 * as totp.rs parses it and its canonical form, and the window of one
 * period either side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tfa/base32.h"
#include "tfa/totp.h"

#include <stdlib.h>
#include <string.h>

static void
must_parse(const char *uri, struct totp *t)
{
	struct err err;

	if (totp_parse(uri, strlen(uri), t, &err) < 0)
		fail_msg("%s: %s", uri, err.msg);
}

static void
must_fail(const char *uri, const char *msg)
{
	struct totp t;
	struct err err;

	assert_int_equal(totp_parse(uri, strlen(uri), &t, &err), -1);
	assert_string_equal(err.msg, msg);
}

/* A TOTP with a raw secret (RFC vectors are ASCII secrets). */
static void
rfc_totp(struct totp *t, const char *secret, enum totp_algo algo)
{
	memset(t, 0, sizeof(*t));
	t->secret_len = strlen(secret);
	t->secret = malloc(t->secret_len);
	memcpy(t->secret, secret, t->secret_len);
	t->digits = 8;
	t->algo = algo;
	t->period = 30;
	t->account = strdup("rfc");
}

static void
test_rfc6238(void **state)
{
	static const struct {
		uint64_t time;
		const char *sha1, *sha256, *sha512;
	} v[] = {
		{59, "94287082", "46119246", "90693936"},
		{1111111109, "07081804", "68084774", "25091201"},
		{1111111111, "14050471", "67062674", "99943326"},
		{1234567890, "89005924", "91819424", "93441116"},
		{2000000000, "69279037", "90698825", "38618901"},
		{20000000000ULL, "65353130", "77737706", "47863826"},
	};
	struct totp s1, s256, s512;
	char code[TOTP_DIGITS_MAX + 1];
	int64_t counter;
	size_t i;

	(void)state;
	rfc_totp(&s1, "12345678901234567890", TOTP_SHA1);
	rfc_totp(&s256, "12345678901234567890123456789012", TOTP_SHA256);
	rfc_totp(&s512, "1234567890123456789012345678901234567890123456789012"
	    "345678901234", TOTP_SHA512);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		totp_code(&s1, v[i].time / 30, code);
		assert_string_equal(code, v[i].sha1);
		totp_code(&s256, v[i].time / 30, code);
		assert_string_equal(code, v[i].sha256);
		totp_code(&s512, v[i].time / 30, code);
		assert_string_equal(code, v[i].sha512);
		assert_true(totp_verify(&s1, v[i].sha1, (time_t)v[i].time,
		    &counter));
		assert_int_equal(counter, (int64_t)(v[i].time / 30));
	}
	totp_clear(&s1);
	totp_clear(&s256);
	totp_clear(&s512);
}

/* proxmox-tfa's test_otp: oathtool values for a hex secret. */
static void
test_proxmox_values(void **state)
{
	struct totp t;
	char code[TOTP_DIGITS_MAX + 1];

	(void)state;
	/* hex 87259aa6550f059bca8c in base32 */
	must_parse("otpauth://totp/x?secret=Q4SZVJSVB4CZXSUM", &t);
	totp_code(&t, 1, code);
	assert_string_equal(code, "337037");
	totp_code(&t, 2, code);
	assert_string_equal(code, "296746");
	totp_code(&t, 3, code);
	assert_string_equal(code, "251167");
	t.digits = 8;
	totp_code(&t, 4, code);
	assert_string_equal(code, "11899249");
	totp_clear(&t);
	/* a60b1b20679b1a64e21a, 7 digits at 2020-08-04 15:14:23 UTC */
	must_parse("otpauth://totp/x?secret=UYFRWIDHTMNGJYQ2&digits=7", &t);
	totp_code(&t, 1596554063 / 30, code);
	assert_string_equal(code, "7757717");
	totp_clear(&t);
}

static void
test_window(void **state)
{
	struct totp t;
	char code[TOTP_DIGITS_MAX + 1];
	int64_t counter = 0;
	time_t now = 1767225600 + 7;

	(void)state;
	must_parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP", &t);
	totp_code(&t, (uint64_t)now / 30, code);
	assert_true(totp_verify(&t, code, now, &counter));
	assert_int_equal(counter, now / 30);
	assert_true(totp_verify(&t, code, now - 30, &counter));
	assert_int_equal(counter, now / 30);
	assert_true(totp_verify(&t, code, now + 30, &counter));
	assert_false(totp_verify(&t, code, now + 60, &counter));
	assert_false(totp_verify(&t, code, now - 60, &counter));
	/* not exactly six digits: never */
	code[5] = '\0';
	assert_false(totp_verify(&t, code, now, &counter));
	assert_false(totp_verify(&t, "+12345", now, &counter));
	assert_false(totp_verify(&t, "", now, &counter));
	assert_false(totp_verify(&t, "123456", -1, &counter));
	totp_clear(&t);
}

static void
assert_canonical(const char *in, const char *want)
{
	struct buf out = BUF_INIT;
	struct totp t;

	must_parse(in, &t);
	totp_uri(&t, &out);
	assert_string_equal(buf_str(&out), want);
	totp_clear(&t);
	/* a fixed point */
	must_parse(buf_str(&out), &t);
	buf_reset(&out);
	totp_uri(&t, &out);
	assert_string_equal(buf_str(&out), want);
	totp_clear(&t);
	buf_clear(&out);
}

static void
test_uri(void **state)
{
	struct totp t;

	(void)state;
	/* proxmox-tfa's test_algorithm_parsing */
	must_parse("otpauth://totp/user%40hostname?secret=AA&issuer=ISSUER&"
	    "algorithm=sha1&digits=6&period=30", &t);
	assert_string_equal(t.issuer, "ISSUER");
	assert_string_equal(t.account, "user@hostname");
	assert_int_equal(t.secret_len, 1);
	assert_int_equal(t.algo, TOTP_SHA1);
	totp_clear(&t);
	assert_canonical("otpauth://totp/user%40hostname?secret=AA&issuer="
	    "ISSUER&algorithm=sha1&digits=6&period=30",
	    "otpauth://totp/ISSUER:user%40hostname?secret=AA&digits=6&"
	    "algorithm=SHA1&period=30&issuer=ISSUER");
	assert_canonical("otpauth://totp/Proxmox%20VE:alice%40pve?secret="
	    "JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30&issuer="
	    "Proxmox%20VE",
	    "otpauth://totp/Proxmox%20VE:alice%40pve?secret="
	    "JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30&issuer="
	    "Proxmox%20VE");
	/* padding, lower case, label issuer overridden by the parameter */
	assert_canonical("otpauth://totp/A B:c-d.e?secret=jbswy3dpehpk3pxp"
	    "&issuer=Z%2F1&period=60&digits=8&algorithm=Sha512",
	    "otpauth://totp/Z%2F1:c%2Dd%2Ee?secret=JBSWY3DPEHPK3PXP&"
	    "digits=8&algorithm=SHA512&period=60&issuer=Z%2F1");
	assert_canonical("otpauth://totp/x?secret=MZXW6YQ=",
	    "otpauth://totp/x?secret=MZXW6YQ&digits=6&algorithm=SHA1&"
	    "period=30");
	/* Rust's integer parsing takes a '+' */
	assert_canonical("otpauth://totp/x?secret=MZXW6&digits=+7",
	    "otpauth://totp/x?secret=MZXW6&digits=7&algorithm=SHA1&"
	    "period=30");
	/* invalid UTF-8 in the label becomes U+FFFD */
	assert_canonical("otpauth://totp/%FF?secret=MZXW6",
	    "otpauth://totp/%EF%BF%BD?secret=MZXW6&digits=6&algorithm=SHA1&"
	    "period=30");
	must_fail("otpauth://hotp/x?secret=AA", "not an otpauth uri");
	must_fail("otpauth://totp/x", "missing '?' in otp uri");
	must_fail("otpauth://totp/x?", "bad value in otpauth uri");
	must_fail("otpauth://totp/x?secret=AA&", "bad value in otpauth uri");
	must_fail("otpauth://totp/x?digits=6",
	    "missing secret in otpauth url");
	must_fail("otpauth://totp/x?secret=A",
	    "missing secret in otpauth url");
	must_fail("otpauth://totp/x?secret=AB1",
	    "failed to decode otp secret in otpauth url");
	must_fail("otpauth://totp/x?secret=AA&foo=1",
	    "unknown otpauth uri parameter: 'foo'");
	must_fail("otpauth://totp/x?secret=AA&digits=x",
	    "failed to parse value 'digits'");
	must_fail("otpauth://totp/x?secret=AA&digits=9",
	    "unsupported number of digits: 9 (6 to 8)");
	must_fail("otpauth://totp/x?secret=AA&period=0",
	    "failed to parse value 'period'");
	must_fail("otpauth://totp/x?secret=AA&algorithm=MD5",
	    "failed to parse value 'algorithm'");
	must_fail("otpauth://totp/a%00b?secret=AA",
	    "failed to decode account in otpauth uri");
	must_fail("otpauth://totp/x?secret=AA&%FF=1", "failed to decode key");
}

static void
test_base32(void **state)
{
	static const struct {
		const char *plain, *enc;
	} v[] = {
		{"", ""}, {"f", "MY"}, {"fo", "MZXQ"}, {"foo", "MZXW6"},
		{"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"},
		{"foobar", "MZXW6YTBOI"},
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		buf_reset(&b);
		base32_encode(v[i].plain, strlen(v[i].plain), &b);
		assert_string_equal(buf_str(&b), v[i].enc);
		buf_reset(&b);
		assert_true(base32_decode(v[i].enc, strlen(v[i].enc), &b));
		assert_int_equal(b.len, strlen(v[i].plain));
		assert_memory_equal(buf_str(&b), v[i].plain, b.len);
	}
	buf_reset(&b);
	assert_true(base32_decode("mzxw6ytboi======", 16, &b));
	assert_string_equal(buf_str(&b), "foobar");
	buf_reset(&b);
	assert_false(base32_decode("MZ1W", 4, &b));
	assert_int_equal(b.len, 0);
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238),
		cmocka_unit_test(test_proxmox_values),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_base32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
