/*
 * PVE login and TFA partial tickets (spec 4.2, 4.4, 12.15, 12.29): the key
 * age windows for the current and the previous key, the data kinds, and
 * the binding of partial tickets to their user.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ticket/pveticket.h"

#define T0   0x6B02FE7E
#define HOUR 3600
#define DAY  86400

static void
window(time_t now, time_t mtime, bool rotated, bool ok, int64_t min,
    int64_t max)
{
	int64_t a = 0, b = 0;

	assert_int_equal(pve_ticket_window(now, mtime, rotated, &a, &b), ok);
	assert_int_equal(a, min);
	assert_int_equal(b, max);
}

static void
test_windows(void **state)
{
	(void)state;
	/* current key: new key caps the age at key age + 300 */
	window(T0, T0, false, true, -300, 300);
	window(T0, T0 - 100, false, true, -300, 400);
	window(T0, T0 - 6899, false, true, -300, 7199);
	window(T0, T0 - 6900, false, true, -300, 7200);
	window(T0, T0 - 7199, false, true, -300, 7499);
	window(T0, T0 - 7200, false, true, -300, 7200);
	window(T0, T0 - DAY, false, true, -300, 7200);
	/* past 24 h only tickets from before the rotation was due */
	window(T0, T0 - DAY - 1, false, true, 1, 7200);
	window(T0, T0 - DAY - 7200, false, true, 7200, 7200);
	/* past 26 h nothing validates (spec 12.29) */
	window(T0, T0 - DAY - 7201, false, false, 7201, 7200);
	/* mtime in the future counts as age 0 */
	window(T0, T0 + 1000, false, true, -300, 300);
	/* previous key: tickets from before the rotation (+300) */
	window(T0, T0, true, true, -300, 7200);
	window(T0, T0 - HOUR, true, true, HOUR - 300, 7200);
	window(T0, T0 - 7500, true, true, 7200, 7200);
	window(T0, T0 - 7501, true, false, 7201, 7200);
	window(T0, T0 + 50, true, true, -300, 7200);
}

static struct pve_pubkeys
keys(EVP_PKEY *cur, time_t cur_mtime, EVP_PKEY *old, time_t old_mtime)
{
	struct pve_pubkeys k = { cur, cur_mtime, old, old_mtime };

	return k;
}

static char *
login(int key, const char *user, time_t now)
{
	struct err err;
	char *t = NULL;

	if (pve_ticket_create(tu_key(key), TICKET_PAD_PKCS1, user, now, &t,
	    &err) < 0)
		fail_msg("pve_ticket_create: %s", err.msg);
	return t;
}

static int
check(const struct pve_pubkeys *k, const char *t, time_t now,
    struct pve_ticket *out)
{
	struct err err;

	memset(out, 0, sizeof(*out));
	return pve_ticket_verify(k, t, strlen(t), now, out, &err);
}

static void
test_login(void **state)
{
	struct pve_pubkeys k = keys(tu_key(0), T0 - HOUR, NULL, 0);
	struct pve_ticket pt;
	char *t = login(0, "alice@pve", T0), *user = NULL;
	struct err err;
	int64_t age;

	(void)state;
	assert_int_equal(check(&k, t, T0 + 5, &pt), 0);
	assert_int_equal(pt.kind, PVE_TICKET_LOGIN);
	assert_string_equal(pt.userid, "alice@pve");
	assert_null(pt.tfa_data);
	assert_int_equal(pt.age, 5);
	assert_false(pt.old_key);
	pve_ticket_clear(&pt);
	assert_int_equal(pve_ticket_verify_login(&k, t, strlen(t), T0 + 5,
	    &user, &age, &err), 0);
	assert_string_equal(user, "alice@pve");
	assert_int_equal(age, 5);
	free(user);
	/* lifetime 2 h, strict */
	assert_int_equal(check(&k, t, T0 + 7199, &pt), 0);
	pve_ticket_clear(&pt);
	assert_int_equal(check(&k, t, T0 + 7200, &pt), -1);
	/* 5 minutes of clock skew, strict */
	assert_int_equal(check(&k, t, T0 - 299, &pt), 0);
	pve_ticket_clear(&pt);
	assert_int_equal(check(&k, t, T0 - 300, &pt), -1);
	/* invalid user names never make a ticket */
	assert_int_equal(pve_ticket_create(tu_key(0), TICKET_PAD_PKCS1,
	    "nouser", T0, &user, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	free(t);
}

static void
test_ticket_older_than_key(void **state)
{
	/* key written at T0: a ticket "from" T0 - 301 is refused */
	struct pve_pubkeys k = keys(tu_key(0), T0, NULL, 0);
	struct pve_ticket pt;
	char *t = login(0, "alice@pve", T0 - 400);

	(void)state;
	/* now = T0 + 10: key age 10, max 310; ticket age 410 */
	assert_int_equal(check(&k, t, T0 + 10, &pt), -1);
	/* now = T0 + 90: key age 90, max 390, age 490 */
	assert_int_equal(check(&k, t, T0 + 90, &pt), -1);
	free(t);
	t = login(0, "alice@pve", T0 - 299);
	/* key age 0, max 300, age 299 */
	assert_int_equal(check(&k, t, T0, &pt), 0);
	pve_ticket_clear(&pt);
	/* key age 10, max 310, age 309 */
	assert_int_equal(check(&k, t, T0 + 10, &pt), 0);
	pve_ticket_clear(&pt);
	free(t);
	t = login(0, "alice@pve", T0 - 300);
	assert_int_equal(check(&k, t, T0, &pt), -1);	/* age 300 !< 300 */
	free(t);
}

static void
test_key_past_lifetime(void **state)
{
	/* key 25 h old: only tickets signed in its first 24 h */
	time_t now = T0, mtime = T0 - DAY - HOUR;
	struct pve_pubkeys k = keys(tu_key(0), mtime, NULL, 0);
	struct pve_ticket pt;
	char *t;

	(void)state;
	t = login(0, "a@pve", mtime + DAY - 1);	/* age 3601 > min 3600 */
	assert_int_equal(check(&k, t, now, &pt), 0);
	pve_ticket_clear(&pt);
	free(t);
	t = login(0, "a@pve", mtime + DAY);	/* age 3600, min 3600 */
	assert_int_equal(check(&k, t, now, &pt), -1);
	free(t);
	t = login(0, "a@pve", now - 10);
	assert_int_equal(check(&k, t, now, &pt), -1);
	free(t);
	/* 26 h + 1 s: nothing at all */
	k.cur_mtime = now - DAY - 7201;
	t = login(0, "a@pve", now - 7199);
	assert_int_equal(check(&k, t, now, &pt), -1);
	free(t);
}

static void
test_old_key(void **state)
{
	/* rotated one hour ago: key 0 is now the old one */
	time_t now = T0, rot = T0 - HOUR;
	struct pve_pubkeys k = keys(tu_key(1), rot, tu_key(0), rot);
	struct pve_ticket pt;
	char *t;

	(void)state;
	t = login(0, "a@pve", rot - 100);	/* signed before the rotation */
	assert_int_equal(check(&k, t, now, &pt), 0);
	assert_true(pt.old_key);
	assert_string_equal(pt.userid, "a@pve");
	pve_ticket_clear(&pt);
	free(t);
	t = login(0, "a@pve", rot + 299);	/* within the 5 min grace */
	assert_int_equal(check(&k, t, now, &pt), 0);
	pve_ticket_clear(&pt);
	free(t);
	t = login(0, "a@pve", rot + 300);	/* age 3300 == min: refused */
	assert_int_equal(check(&k, t, now, &pt), -1);
	free(t);
	t = login(0, "a@pve", now - 7199);	/* before rotation, too old? */
	assert_int_equal(check(&k, t, now, &pt), 0);
	pve_ticket_clear(&pt);
	free(t);
	t = login(0, "a@pve", now - 7200);
	assert_int_equal(check(&k, t, now, &pt), -1);
	free(t);
	/* the new key works too, and is tried first */
	t = login(1, "b@pve", now - 10);
	assert_int_equal(check(&k, t, now, &pt), 0);
	assert_false(pt.old_key);
	pve_ticket_clear(&pt);
	free(t);
	/* rotated > 2 h 5 min ago: the old key is not considered */
	k.cur_mtime = k.old_mtime = now - 7501;
	t = login(0, "a@pve", now - 7502 + 100);
	assert_int_equal(check(&k, t, now, &pt), -1);
	free(t);
	/* no keys at all */
	k = keys(NULL, 0, NULL, 0);
	t = login(0, "a@pve", now);
	assert_int_equal(check(&k, t, now, &pt), -1);
	free(t);
}

static char *
raw(const char *data, const char *secret, time_t now)
{
	struct err err;
	char *t = NULL;

	if (ticket_sign(tu_key(0), TICKET_PAD_PKCS1, "PVE", data, secret, now,
	    &t, &err) < 0)
		fail_msg("ticket_sign: %s", err.msg);
	return t;
}

static void
test_kinds(void **state)
{
	struct pve_pubkeys k = keys(tu_key(0), T0 - HOUR, NULL, 0);
	struct pve_ticket pt;
	struct err err;
	char *t, *user;

	(void)state;
	t = raw("tfa!alice@pve", NULL, T0);
	assert_int_equal(check(&k, t, T0, &pt), 0);
	assert_int_equal(pt.kind, PVE_TICKET_HALF);
	assert_string_equal(pt.userid, "alice@pve");
	pve_ticket_clear(&pt);
	/* half-authenticated is not a login */
	assert_int_equal(pve_ticket_verify_login(&k, t, strlen(t), T0, &user,
	    NULL, &err), -1);
	assert_int_equal(err.code, ERR_AUTH);
	free(t);

	t = raw("u2f!bob@pve!AbC/+=._-9", NULL, T0);
	assert_int_equal(check(&k, t, T0, &pt), 0);
	assert_int_equal(pt.kind, PVE_TICKET_HALF);
	assert_string_equal(pt.userid, "bob@pve");
	assert_string_equal(pt.tfa_data, "AbC/+=._-9");
	pve_ticket_clear(&pt);
	free(t);

	t = raw("u2f!bob@pve!verified", NULL, T0);
	assert_int_equal(check(&k, t, T0, &pt), 0);
	assert_int_equal(pt.kind, PVE_TICKET_HALF);
	pve_ticket_clear(&pt);
	free(t);

	/* not the u2f form (challenge charset): a plain, valid user id */
	t = raw("u2f!b@x!c@pve", NULL, T0);
	assert_int_equal(check(&k, t, T0, &pt), 0);
	assert_int_equal(pt.kind, PVE_TICKET_LOGIN);
	assert_string_equal(pt.userid, "u2f!b@x!c@pve");
	pve_ticket_clear(&pt);
	free(t);

	/* "!tfa!" without secret data: recognised, never a login */
	t = raw("!tfa!{}", NULL, T0);
	assert_int_equal(check(&k, t, T0, &pt), 0);
	assert_int_equal(pt.kind, PVE_TICKET_TFA_PARTIAL);
	assert_null(pt.userid);
	assert_string_equal(pt.tfa_data, "{}");
	pve_ticket_clear(&pt);
	free(t);

	/* data that is no user id, or no data at all */
	static const char *bad[] = { "nouser", "a%20b@pve", "a%00b@pve",
		"tfa!nouser", "u2f!nouser!abc", "a@p", NULL };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = raw(bad[i], NULL, T0);
		assert_int_equal(check(&k, t, T0, &pt), -1);
		free(t);
	}
}

static void
test_percent_edge(void **state)
{
	/* user x%3Ay@pve signs "x%3Ay@pve", which decodes to "x:y@pve" */
	struct pve_pubkeys k = keys(tu_key(0), T0 - HOUR, NULL, 0);
	struct pve_ticket pt;
	char *t = login(0, "x%3Ay@pve", T0);

	(void)state;
	assert_true(strncmp(t, "PVE:x%3Ay@pve:", 14) == 0);
	assert_int_equal(check(&k, t, T0, &pt), -1);
	free(t);
	/* %41 is 'A': the verified user differs from the signed one */
	t = login(0, "b%41@pve", T0);
	assert_int_equal(check(&k, t, T0, &pt), 0);
	assert_string_equal(pt.userid, "bA@pve");
	pve_ticket_clear(&pt);
	free(t);
}

static void
test_tfa_partial(void **state)
{
	struct pve_pubkeys k = keys(tu_key(0), T0 - HOUR, tu_key(1),
	    T0 - HOUR);
	const char *json = "{\"totp\":true,\"recovery\":[0,1,2]}";
	struct pve_ticket pt;
	struct err err;
	char *t = NULL, *chal = NULL;

	(void)state;
	assert_int_equal(tfa_ticket_create(tu_key(0), TICKET_PAD_PKCS1,
	    "alice@pve", json, T0, &t, &err), 0);
	assert_true(strncmp(t, "PVE:!tfa!{\"totp\"%3Atrue,\"recovery\"%3A"
	    "[0,1,2]}:6B02FE7E::", 56) == 0);
	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), "alice@pve",
	    T0 + 10, &chal, &err), 0);
	assert_string_equal(chal, json);
	free(chal);
	/* bound to the user */
	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), "bob@pve",
	    T0 + 10, &chal, &err), -1);
	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), "", T0 + 10,
	    &chal, &err), -1);
	/* not usable as a login, with or without secret */
	assert_int_equal(check(&k, t, T0 + 10, &pt), -1);
	/* same 2 h window */
	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), "alice@pve",
	    T0 + 7200, &chal, &err), -1);
	free(t);
	/* a login ticket is not a partial ticket */
	t = login(0, "alice@pve", T0);
	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), "alice@pve", T0,
	    &chal, &err), -1);
	free(t);
	/* PSS works for partial tickets too */
	assert_int_equal(tfa_ticket_create(tu_key(0), TICKET_PAD_PSS,
	    "alice@pve", "{}", T0, &t, &err), 0);
	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), "alice@pve", T0,
	    &chal, &err), 0);
	assert_string_equal(chal, "{}");
	free(chal);
	free(t);
	assert_int_equal(tfa_ticket_create(tu_key(0), TICKET_PAD_PKCS1,
	    "nouser", "{}", T0, &t, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_ticket_older_than_key),
		cmocka_unit_test(test_key_past_lifetime),
		cmocka_unit_test(test_old_key),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_percent_edge),
		cmocka_unit_test(test_tfa_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
