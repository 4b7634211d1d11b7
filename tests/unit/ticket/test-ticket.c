/*
 * The generic signed ticket (spec 4.1): layout and escaping, both RSA
 * paddings, secret data, the strict age window, and the format check
 * against malformed and tampered tickets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ticket/ticket.h"

#define T0 0x6B02FE7E

/* noinline: gcc 12 at -O3 mistakes the result for a pointer to t */
static __attribute__((noinline)) char *
sign(enum ticket_pad pad, const char *prefix, const char *data,
    const char *secret, time_t now)
{
	struct err err;
	char *t = NULL;

	if (ticket_sign(tu_key(0), pad, prefix, data, secret, now, &t,
	    &err) < 0)
		fail_msg("ticket_sign: %s", err.msg);
	return t;
}

static int
verify(const char *prefix, const char *t, const char *secret, time_t now,
    int64_t min, int64_t max, struct ticket_info *info)
{
	struct err err;

	return ticket_verify(tu_key(0), prefix, t, strlen(t), secret, now,
	    min, max, info, &err);
}

static void
test_layout(void **state)
{
	struct ticket_info info;
	char *t;

	(void)state;
	ticket_info_init(&info);
	t = sign(TICKET_PAD_PKCS1, "PVE", "root@pam", NULL, T0);
	assert_true(strncmp(t, "PVE:root@pam:6B02FE7E::", 23) == 0);
	/* 2048-bit key: 256 bytes, 344 base64 characters with padding */
	assert_int_equal(strlen(t), 23 + 344);
	assert_int_equal(t[strlen(t) - 1], '=');
	assert_int_equal(verify("PVE", t, NULL, T0 + 1, -300, 7200, &info), 0);
	assert_true(info.has_data);
	assert_string_equal(buf_str(&info.data), "root@pam");
	assert_int_equal(info.age, 1);
	assert_int_equal(info.pad, TICKET_PAD_PKCS1);
	/* PKCS#1 v1.5 is deterministic */
	{
		char *again = sign(TICKET_PAD_PKCS1, "PVE", "root@pam", NULL,
		    T0);

		assert_string_equal(t, again);
		free(again);
	}
	free(t);
	ticket_info_clear(&info);
}

static void
test_pss(void **state)
{
	struct ticket_info info;
	char *a, *b;

	(void)state;
	ticket_info_init(&info);
	a = sign(TICKET_PAD_PSS, "PVE", "alice@pve", NULL, T0);
	b = sign(TICKET_PAD_PSS, "PVE", "alice@pve", NULL, T0);
	assert_string_not_equal(a, b);	/* randomised salt */
	assert_int_equal(verify("PVE", a, NULL, T0, -300, 7200, &info), 0);
	assert_int_equal(info.pad, TICKET_PAD_PSS);
	assert_int_equal(verify("PVE", b, NULL, T0, -300, 7200, &info), 0);
	free(a);
	free(b);
	ticket_info_clear(&info);
}

static void
test_escaping(void **state)
{
	struct ticket_info info;
	struct buf b = BUF_INIT;
	char *t;

	(void)state;
	ticket_escape_data(&b, "a:b%3Ac:");
	assert_string_equal(buf_str(&b), "a%3Ab%3Ac%3A");
	buf_clear(&b);

	ticket_info_init(&info);
	/* only ':' is escaped, but everything is decoded (spec 12.15) */
	t = sign(TICKET_PAD_PKCS1, "PVE", "x:y%41%zz%4", NULL, T0);
	assert_true(strncmp(t, "PVE:x%3Ay%41%zz%4:6B02FE7E::", 28) == 0);
	assert_int_equal(verify("PVE", t, NULL, T0, -300, 7200, &info), 0);
	assert_string_equal(buf_str(&info.data), "x:yA%zz%4");
	free(t);
	/* %00 decodes to a NUL byte inside the data */
	t = sign(TICKET_PAD_PKCS1, "PVE", "a%00b", NULL, T0);
	assert_int_equal(verify("PVE", t, NULL, T0, -300, 7200, &info), 0);
	assert_int_equal(info.data.len, 3);
	assert_memory_equal(info.data.data, "a\0b", 3);
	free(t);
	ticket_info_clear(&info);
}

static void
test_no_data_and_secret(void **state)
{
	struct ticket_info info;
	char *t;

	(void)state;
	ticket_info_init(&info);
	t = sign(TICKET_PAD_PKCS1, "PVEVNC", NULL, "root@pam:/vms/100", T0);
	assert_true(strncmp(t, "PVEVNC:6B02FE7E::", 17) == 0);
	assert_int_equal(verify("PVEVNC", t, "root@pam:/vms/100", T0, -20,
	    40, &info), 0);
	assert_false(info.has_data);
	assert_int_equal(info.data.len, 0);
	/* the secret data is authenticated */
	assert_int_equal(verify("PVEVNC", t, "root@pam:/vms/101", T0, -20,
	    40, &info), -1);
	assert_int_equal(verify("PVEVNC", t, NULL, T0, -20, 40, &info), -1);
	/* the prefix is checked */
	assert_int_equal(verify("PVE", t, "root@pam:/vms/100", T0, -20, 40,
	    &info), -1);
	free(t);
	/* "" secret is no secret, on both sides */
	t = sign(TICKET_PAD_PKCS1, "PVE", "a@pve", "", T0);
	assert_int_equal(verify("PVE", t, NULL, T0, -300, 7200, &info), 0);
	free(t);
	ticket_info_clear(&info);
}

static void
test_age_window(void **state)
{
	struct ticket_info info;
	char *t;

	(void)state;
	ticket_info_init(&info);
	t = sign(TICKET_PAD_PKCS1, "PVE", "a@pve", NULL, T0);
	/* min < age < max, both strict */
	assert_int_equal(verify("PVE", t, NULL, T0 + 7199, -300, 7200, &info),
	    0);
	assert_int_equal(info.age, 7199);
	assert_int_equal(verify("PVE", t, NULL, T0 + 7200, -300, 7200, &info),
	    -1);
	assert_int_equal(verify("PVE", t, NULL, T0 - 299, -300, 7200, &info),
	    0);
	assert_int_equal(info.age, -299);
	assert_int_equal(verify("PVE", t, NULL, T0 - 300, -300, 7200, &info),
	    -1);
	assert_int_equal(verify("PVE", t, NULL, T0 + 10, 9, 11, &info), 0);
	assert_int_equal(verify("PVE", t, NULL, T0 + 10, 10, 11, &info), -1);
	assert_int_equal(verify("PVE", t, NULL, T0 + 10, 9, 10, &info), -1);
	free(t);
	ticket_info_clear(&info);
}

static void
test_sign_errors(void **state)
{
	struct err err;
	char *t = NULL;

	(void)state;
	assert_int_equal(ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "PVE", "",
	    NULL, T0, &t, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_int_equal(ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "PVE",
	    "a b@pve", NULL, T0, &t, &err), -1);
	assert_int_equal(ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "P:V", "a",
	    NULL, T0, &t, &err), -1);
	assert_int_equal(ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "PVE", "a",
	    NULL, -1, &t, &err), -1);
	assert_int_equal(ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "PVE", "a",
	    NULL, (time_t)0x100000000LL, &t, &err), -1);
	assert_null(t);
	/* the edges of the 8-digit timestamp */
	assert_int_equal(ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "PVE", "a",
	    NULL, 0, &t, &err), 0);
	assert_true(strncmp(t, "PVE:a:00000000::", 16) == 0);
	free(t);
	assert_int_equal(ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "PVE", "a",
	    NULL, (time_t)0xFFFFFFFFLL, &t, &err), 0);
	assert_true(strncmp(t, "PVE:a:FFFFFFFF::", 16) == 0);
	free(t);
}

static bool
parses(const char *prefix, const char *t)
{
	struct ticket_parts p;

	return ticket_parse(prefix, t, strlen(t), &p);
}

static void
test_parse(void **state)
{
	struct ticket_parts p;
	const char *t = "PVE:a%3Ab:c@pve:0000ABCD::c2ln";

	(void)state;
	assert_true(ticket_parse("PVE", t, strlen(t), &p));
	assert_int_equal(p.ts, 0xABCD);
	assert_int_equal(p.data_len, strlen("a%3Ab:c@pve"));
	assert_memory_equal(p.data, "a%3Ab:c@pve", p.data_len);
	assert_int_equal(p.plain_len, strlen("PVE:a%3Ab:c@pve:0000ABCD"));
	assert_int_equal(p.sig_len, 4);

	assert_true(parses("PVE", "PVE:0000ABCD::c2ln"));
	assert_true(parses("PVE", "PVE:x:0000ABCD::c"));
	assert_false(parses("PVE", "PVE::0000ABCD::c2ln"));	/* empty data */
	assert_false(parses("PVE", "PVE:x:0000ABCD::"));	/* no sig */
	assert_false(parses("PVE", "PVE:x:0000ABCD:c2ln"));	/* one colon */
	assert_false(parses("PVE", "PVE:x:0000ABCD::c2:ln"));	/* ':' in sig */
	assert_false(parses("PVE", "PVE:x:0000ABC::c2ln"));	/* 7 digits */
	assert_false(parses("PVE", "PVE:x:00000ABCD::c2ln"));	/* data "x:0" */
	assert_true(parses("PVE", "PVE:x:0:0000ABCD::c2ln"));
	assert_false(parses("PVE", "PVE:x:0000abcd::c2ln"));	/* lower hex */
	assert_false(parses("PVE", "PVE:x:0000ABCG::c2ln"));	/* not hex */
	assert_false(parses("PVE", "PVE:x:ZZZZZZZZ::c2ln"));
	assert_false(parses("PVE", "PVE:x 1:0000ABCD::c2ln"));	/* space */
	assert_false(parses("PVE", "PVE:x:0000ABCD::c2ln\n"));
	assert_false(parses("PVE", "PVEX:x:0000ABCD::c2ln"));
	assert_false(parses("PVE", "PV:x:0000ABCD::c2ln"));
	assert_false(parses("PVE", "pve:x:0000ABCD::c2ln"));
	assert_false(parses("PVE", "PVE:x:0000ABCD:::c2ln"));
	assert_false(parses("PVE", ""));
	assert_false(parses("PVE", "::"));
	assert_false(parses("PVE", "PVE"));
	assert_false(ticket_parse("PVE", "PVE:x\0:0000ABCD::c2ln", 20, &p));
}

static void
test_tampered(void **state)
{
	struct ticket_info info;
	char *t, *copy;
	size_t i, len, sig;

	(void)state;
	ticket_info_init(&info);
	t = sign(TICKET_PAD_PKCS1, "PVE", "alice@pve", NULL, T0);
	len = strlen(t);
	sig = strstr(t, "::") - t + 2;
	copy = strdup(t);
	/* every single-character change of the plain part or signature */
	for (i = 0; i < len; i++) {
		if (i == sig - 1 || i == sig - 2)
			continue;
		memcpy(copy, t, len + 1);
		copy[i] = copy[i] == 'A' ? 'B' : 'A';
		assert_int_equal(verify("PVE", copy, NULL, T0, -300, 7200,
		    &info), -1);
	}
	/* truncated signature, dropped padding changes nothing valid */
	memcpy(copy, t, len + 1);
	copy[len - 4] = '\0';
	assert_int_equal(verify("PVE", copy, NULL, T0, -300, 7200, &info), -1);
	/* a different key */
	{
		struct err err;

		assert_int_equal(ticket_verify(tu_key(1), "PVE", t, len, NULL,
		    T0, -300, 7200, &info, &err), -1);
		assert_int_equal(err.code, ERR_AUTH);
		assert_string_equal(err.msg,
		    "permission denied - invalid PVE ticket");
		assert_int_equal(ticket_verify(NULL, "PVE", t, len, NULL, T0,
		    -300, 7200, &info, &err), -1);
	}
	free(copy);
	free(t);
	ticket_info_clear(&info);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_pss),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_no_data_and_secret),
		cmocka_unit_test(test_age_window),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_tampered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
