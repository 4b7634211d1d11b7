/*
 * Recovery codes (src/core/tfa/recovery.c): the slot value is the hex
 * HMAC-SHA256 keyed with the secret string over the code with its dashes
 * (checked against a value computed independently, with Python's hmac),
 * a fresh set looks like Proxmox's, and a match reports the first unused
 * slot holding the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tfa/recovery.h"

#include <string.h>

static void
test_hash(void **state)
{
	char h[RECOVERY_HASH_LEN + 1];

	(void)state;
	recovery_hash("5f0c7e9a1b2d3c4e", "3f2a-09bc-77d1-e4a0", h);
	assert_string_equal(h, "092a0665df3ab06a2c829210f0b174eed0da8289a8f9e2de"
	    "1c1e5f2a251f482d");
	/* without dashes it is another value */
	recovery_hash("5f0c7e9a1b2d3c4e", "3f2a09bc77d1e4a0", h);
	assert_string_equal(h, "30a5a5b7a2b0ee4f62be2bb4b86b0dd7b6a6f747a6b602fc"
	    "8afda26755e13f6d");
}

static bool
code_shaped(const char *c)
{
	size_t i;

	if (strlen(c) != RECOVERY_CODE_LEN)
		return false;
	for (i = 0; i < RECOVERY_CODE_LEN; i++) {
		if (i % 5 == 4) {
			if (c[i] != '-')
				return false;
		} else if (strchr("0123456789abcdef", c[i]) == NULL) {
			return false;
		}
	}
	return true;
}

static void
test_generate_match(void **state)
{
	struct recovery_set set;
	const char *slots[RECOVERY_COUNT];
	char h[RECOVERY_HASH_LEN + 1];
	struct err err;
	size_t i;

	(void)state;
	assert_int_equal(recovery_generate(&set, &err), 0);
	assert_int_equal(strlen(set.secret), RECOVERY_SECRET_LEN);
	assert_int_equal(strspn(set.secret, "0123456789abcdef"),
	    RECOVERY_SECRET_LEN);
	for (i = 0; i < RECOVERY_COUNT; i++) {
		assert_true(code_shaped(set.codes[i]));
		recovery_hash(set.secret, set.codes[i], h);
		assert_string_equal(h, set.hashes[i]);
		slots[i] = set.hashes[i];
	}
	assert_int_equal(recovery_match(set.secret, slots, RECOVERY_COUNT,
	    set.codes[4]), 4);
	slots[4] = NULL;	/* used */
	assert_int_equal(recovery_match(set.secret, slots, RECOVERY_COUNT,
	    set.codes[4]), -1);
	assert_int_equal(recovery_match(set.secret, slots, RECOVERY_COUNT,
	    set.codes[9]), 9);
	assert_int_equal(recovery_match(set.secret, slots, RECOVERY_COUNT,
	    ""), -1);
	assert_int_equal(recovery_match(set.secret, slots, RECOVERY_COUNT,
	    set.hashes[0]), -1);
	recovery_wipe(&set);
	assert_int_equal(set.codes[0][0], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_generate_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
