/*
 * CSRF prevention tokens (spec 4.3, 12.17): secret derivation from the
 * key file's bytes, token layout, the strict -300 < age < 7200 window,
 * format checks, tampering, and pve-www.key creation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "testutil.h"
#include "ticket/csrf.h"

#define T0 0x6B02FE7E

static struct csrf_secret
secret(const char *bytes)
{
	struct csrf_secret s;

	csrf_secret_derive(bytes, strlen(bytes), &s);
	return s;
}

static int
verify(const struct csrf_secret *s, const char *user, const char *tok,
    time_t now)
{
	struct err err;

	return csrf_token_verify(s, user, tok, strlen(tok), now, &err);
}

static void
test_derive(void **state)
{
	struct csrf_secret a = secret("key bytes"), b = secret("key bytes "),
	    e = secret("");

	(void)state;
	assert_int_equal(strlen(a.s), CSRF_SECRET_LEN);
	assert_string_not_equal(a.s, b.s);
	/* HMAC-SHA256(key = "", msg = ""), base64 without padding */
	assert_string_equal(e.s,
	    "thNnmggU2ex3L5XXeMNfxf8Wl8STcVZTxscSFEKSxa0");
	csrf_secret_wipe(&a);
	assert_int_equal(a.s[0], '\0');
}

static void
test_token(void **state)
{
	struct csrf_secret s = secret("0123456789");
	char tok[CSRF_TOKEN_LEN + 1], tok2[CSRF_TOKEN_LEN + 1];
	struct err err;

	(void)state;
	assert_int_equal(csrf_token_create(&s, "root@pam", T0, tok, &err), 0);
	assert_int_equal(strlen(tok), CSRF_TOKEN_LEN);
	assert_true(strncmp(tok, "6B02FE7E:", 9) == 0);
	assert_null(strchr(tok, '='));
	assert_int_equal(csrf_token_create(&s, "root@pam", T0, tok2, &err), 0);
	assert_string_equal(tok, tok2);
	assert_int_equal(verify(&s, "root@pam", tok, T0), 0);
	/* bound to the user, the time and the secret */
	assert_int_equal(verify(&s, "root@pve", tok, T0), -1);
	assert_int_equal(csrf_token_create(&s, "root@pam", T0 + 1, tok2, &err),
	    0);
	assert_string_not_equal(tok + 9, tok2 + 9);
	{
		struct csrf_secret o = secret("0123456788");

		assert_int_equal(verify(&o, "root@pam", tok, T0), -1);
	}
	assert_int_equal(csrf_token_create(&s, "root@pam", -1, tok, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
}

static void
test_window(void **state)
{
	struct csrf_secret s = secret("w");
	char tok[CSRF_TOKEN_LEN + 1];
	struct err err;

	(void)state;
	assert_int_equal(csrf_token_create(&s, "a@pve", T0, tok, &err), 0);
	assert_int_equal(verify(&s, "a@pve", tok, T0 + 7199), 0);
	assert_int_equal(verify(&s, "a@pve", tok, T0 + 7200), -1);
	assert_int_equal(verify(&s, "a@pve", tok, T0 - 299), 0);
	assert_int_equal(verify(&s, "a@pve", tok, T0 - 300), -1);
	assert_int_equal(csrf_token_verify(&s, "a@pve", tok, strlen(tok),
	    T0 + 99999, &err), -1);
	assert_int_equal(err.code, ERR_AUTH);
	assert_string_equal(err.msg, "Permission denied - invalid csrf token");
}

static void
test_format(void **state)
{
	struct csrf_secret s = secret("f");
	char tok[CSRF_TOKEN_LEN + 1], bad[128];
	struct err err;
	size_t i;

	(void)state;
	assert_int_equal(csrf_token_create(&s, "a@pve", T0, tok, &err), 0);
	for (i = 0; i < CSRF_TOKEN_LEN; i++) {
		memcpy(bad, tok, sizeof(tok));
		bad[i] = bad[i] == 'x' ? 'y' : 'x';
		assert_int_equal(verify(&s, "a@pve", bad, T0), -1);
	}
	snprintf(bad, sizeof(bad), "%s=", tok);		/* padding */
	assert_int_equal(verify(&s, "a@pve", bad, T0), -1);
	snprintf(bad, sizeof(bad), "%s\n", tok);	/* trailing newline */
	assert_int_equal(verify(&s, "a@pve", bad, T0), -1);
	snprintf(bad, sizeof(bad), " %s", tok);
	assert_int_equal(verify(&s, "a@pve", bad, T0), -1);
	memcpy(bad, tok, sizeof(tok));
	bad[20] = ' ';
	assert_int_equal(verify(&s, "a@pve", bad, T0), -1);
	assert_int_equal(verify(&s, "a@pve", "", T0), -1);
	assert_int_equal(verify(&s, "a@pve", "6B02FE7E:", T0), -1);
	assert_int_equal(verify(&s, "a@pve", "6B02FE7E", T0), -1);
	assert_int_equal(verify(&s, "a@pve", tok + 9, T0), -1);
	/* lower-case hex is not the format */
	memcpy(bad, tok, sizeof(tok));
	bad[1] = 'b';
	assert_int_equal(verify(&s, "a@pve", bad, T0), -1);
	/* an embedded NUL is not whitespace but not accepted either */
	memcpy(bad, tok, sizeof(tok));
	bad[30] = '\0';
	assert_int_equal(csrf_token_verify(&s, "a@pve", bad, CSRF_TOKEN_LEN,
	    T0, &err), -1);
	/* truncated signature */
	memcpy(bad, tok, sizeof(tok));
	bad[CSRF_TOKEN_LEN - 1] = '\0';
	assert_int_equal(verify(&s, "a@pve", bad, T0), -1);
}

static void
test_wwwkey(void **state)
{
	char *dir = tu_tmpdir();
	struct csrf_secret a, b, c;
	struct buf bytes = BUF_INIT;
	struct err err;

	(void)state;
	assert_int_equal(csrf_secret_load(dir, false, &a, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_int_equal(csrf_secret_load(dir, true, &a, &err), 0);
	assert_int_equal(tu_mode(tu_path(dir, "pve-www.key")), 0600);
	assert_int_equal(csrf_secret_load(dir, true, &b, &err), 0);
	assert_string_equal(a.s, b.s);	/* generated once */
	assert_int_equal(file_read(tu_path(dir, "pve-www.key"), 1 << 20,
	    &bytes, &err), 0);
	assert_true(strstr(buf_str(&bytes), "-----BEGIN PRIVATE KEY-----") ==
	    buf_str(&bytes));
	csrf_secret_derive(bytes.data, bytes.len, &c);
	assert_string_equal(a.s, c.s);
	buf_clear(&bytes);
	/* any bytes will do */
	tu_write(tu_path(dir, "pve-www.key"), "abc", 3, 0600);
	assert_int_equal(csrf_secret_load(dir, false, &a, &err), 0);
	c = secret("abc");
	assert_string_equal(a.s, c.s);
	/* a world-writable key is refused */
	tu_write(tu_path(dir, "pve-www.key"), "abc", 3, 0666);
	assert_int_equal(csrf_secret_load(dir, true, &a, &err), -1);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_wwwkey),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
