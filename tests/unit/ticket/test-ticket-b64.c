/*
 * Base64 as tickets and CSRF tokens use it: RFC 4648 test vectors with and
 * without padding, and a strict decoder that refuses anything a Proxmox
 * signer would not produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ticket/b64.h"

static const struct {
	const char *raw, *pad, *nopad;
} rfc[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static void
test_encode(void **state)
{
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		size_t n = strlen(rfc[i].raw);

		assert_int_equal(b64_encoded_len(n, true), strlen(rfc[i].pad));
		assert_int_equal(b64_encoded_len(n, false),
		    strlen(rfc[i].nopad));
		b64_encode(out, rfc[i].raw, n, true);
		assert_string_equal(out, rfc[i].pad);
		b64_encode(out, rfc[i].raw, n, false);
		assert_string_equal(out, rfc[i].nopad);
	}
}

static void
test_encode_buf_long(void **state)
{
	unsigned char raw[1000];
	char direct[1400];
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	b64_encode(direct, raw, sizeof(raw), true);
	b64_encode_buf(&b, raw, sizeof(raw), true);
	assert_string_equal(buf_str(&b), direct);
	buf_reset(&b);
	assert_true(b64_decode(direct, strlen(direct), &b));
	assert_int_equal(b.len, sizeof(raw));
	assert_memory_equal(b.data, raw, sizeof(raw));
	buf_clear(&b);
}

static void
test_decode(void **state)
{
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		buf_reset(&b);
		assert_true(b64_decode(rfc[i].pad, strlen(rfc[i].pad), &b));
		assert_string_equal(buf_str(&b), rfc[i].raw);
		buf_reset(&b);
		assert_true(b64_decode(rfc[i].nopad, strlen(rfc[i].nopad),
		    &b));
		assert_string_equal(buf_str(&b), rfc[i].raw);
	}
	buf_clear(&b);
}

static void
test_decode_strict(void **state)
{
	static const char *bad[] = {
		"Z", "Zg=", "Zg===", "Z===", "Zm9v\n", " Zm9v", "Zm9v=",
		"Zm-v", "Zm_v", "Zm9v*", "Zh==", "Zm9=", "=Zm9", "Zg==Zg==",
		"Zm\0v",
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);

		if (i == sizeof(bad) / sizeof(bad[0]) - 1)
			n = 4;	/* the embedded NUL */
		buf_reset(&b);
		assert_false(b64_decode(bad[i], n, &b));
		assert_int_equal(b.len, 0);
	}
	/* a failure keeps what was there before */
	buf_puts(&b, "keep");
	assert_false(b64_decode("Zm9vYm*y", 8, &b));
	assert_string_equal(buf_str(&b), "keep");
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_buf_long),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
