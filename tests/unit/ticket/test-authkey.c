/*
 * Ticket keys on disk (spec 1.10): first-use generation, the rotation
 * rules (24 h, mtime in the future, tolerated skew), what rotation writes
 * and with which modes and mtimes, old tickets accepted through
 * authkey.pub.old only within their window, the cache following mtime
 * changes, PKCS#1 and PKCS#8 private keys, and the failure clean-up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "testutil.h"
#include "ticket/authkey.h"
#include "ticket/rsakey.h"

#define T0   0x6B02FE7E
#define HOUR 3600
#define DAY  86400

static char *
read_file(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;
	struct err err;

	if (file_read(tu_path(dir, name), 1 << 20, &b, &err) < 0)
		return NULL;
	return buf_steal(&b);
}

static char *
sign(struct authkey_store *ks, const char *user, time_t now)
{
	EVP_PKEY *key = NULL;
	struct err err;
	char *t = NULL;

	if (authkey_get_privkey(ks, &key, &err) < 0)
		fail_msg("privkey: %s", err.msg);
	if (pve_ticket_create(key, TICKET_PAD_PKCS1, user, now, &t, &err) < 0)
		fail_msg("sign: %s", err.msg);
	EVP_PKEY_free(key);
	return t;
}

/* 1 when valid with the current key, 2 with the old one, 0 invalid */
static int
valid(struct authkey_store *ks, const char *t, time_t now)
{
	struct pve_pubkeys k;
	struct pve_ticket pt;
	struct err err;
	int rc = 0;

	if (authkey_get_pubkeys(ks, &k, &err) < 0)
		return 0;
	memset(&pt, 0, sizeof(pt));
	if (pve_ticket_verify(&k, t, strlen(t), now, &pt, &err) == 0)
		rc = pt.old_key ? 2 : 1;
	pve_ticket_clear(&pt);
	pve_pubkeys_clear(&k);
	return rc;
}

static void
rotate(struct authkey_store *ks, time_t now, bool expect)
{
	struct err err;
	bool rotated = !expect;

	if (authkey_rotate(ks, now, &rotated, &err) < 0)
		fail_msg("rotate: %s", err.msg);
	assert_int_equal(rotated, expect);
}

static void
test_first_use(void **state)
{
	char *dir = tu_tmpdir(), *pem, *t;
	struct authkey_store *ks = authkey_store_new(dir);
	struct pve_pubkeys k;
	EVP_PKEY *key = NULL;
	BIGNUM *e = NULL;
	struct err err;

	(void)state;
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_MISSING);
	assert_true(authkey_needs_rotation(ks, T0));
	assert_int_equal(authkey_get_pubkeys(ks, &k, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_int_equal(authkey_get_privkey(ks, &key, &err), -1);
	rotate(ks, T0, true);
	assert_int_equal(tu_mode(tu_path(dir, "authkey.pub")), 0644);
	assert_int_equal(tu_mode(tu_path(dir, "priv")), 0700);
	assert_int_equal(tu_mode(tu_path(dir, "priv/authkey.key")), 0600);
	assert_int_equal(tu_mode(tu_path(dir, "authkey.pub.old")), -1);
	assert_int_equal(tu_mtime(tu_path(dir, "authkey.pub")), T0);
	pem = read_file(dir, "authkey.pub");
	assert_true(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
	free(pem);
	pem = read_file(dir, "priv/authkey.key");
	assert_true(strncmp(pem, "-----BEGIN RSA PRIVATE KEY-----\n", 32) ==
	    0);
	free(pem);
	/* RSA-2048, e = 65537 */
	assert_int_equal(authkey_get_privkey(ks, &key, &err), 0);
	assert_int_equal(EVP_PKEY_get_bits(key), 2048);
	assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E,
	    &e), 1);
	assert_true(BN_is_word(e, 65537));
	BN_free(e);
	EVP_PKEY_free(key);
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_OK);
	rotate(ks, T0 + 100, false);
	t = sign(ks, "root@pam", T0 + 10);
	assert_int_equal(valid(ks, t, T0 + 20), 1);
	free(t);
	authkey_store_free(ks);
	tu_rmtree(dir);
}

static void
test_rotation_24h(void **state)
{
	char *dir = tu_tmpdir(), *pub1, *old, *pub2;
	struct authkey_store *ks = authkey_store_new(dir);
	time_t now = T0 + DAY, rot;
	char *before, *late;

	(void)state;
	rotate(ks, T0, true);
	pub1 = read_file(dir, "authkey.pub");
	/* exactly 24 h is not "older than 24 h" */
	assert_int_equal(authkey_check(ks, now), AUTHKEY_OK);
	now++;
	assert_int_equal(authkey_check(ks, now), AUTHKEY_TOO_OLD);
	/* a ticket from the key's last hour, one signed too late */
	before = sign(ks, "alice@pve", now - HOUR);
	late = sign(ks, "alice@pve", now - 1);
	assert_int_equal(valid(ks, before, now), 1);
	assert_int_equal(valid(ks, late, now), 0);	/* min = 1 */

	rot = now;
	rotate(ks, rot, true);
	old = read_file(dir, "authkey.pub.old");
	pub2 = read_file(dir, "authkey.pub");
	assert_string_equal(old, pub1);
	assert_string_not_equal(pub2, pub1);
	assert_int_equal(tu_mtime(tu_path(dir, "authkey.pub.old")), rot);
	assert_int_equal(tu_mtime(tu_path(dir, "authkey.pub")), rot);
	assert_int_equal(tu_mode(tu_path(dir, "authkey.pub.old")), 0644);
	assert_int_equal(authkey_check(ks, rot), AUTHKEY_OK);

	/* the old ticket lives on through authkey.pub.old ... */
	assert_int_equal(valid(ks, before, rot + 60), 2);
	assert_int_equal(valid(ks, before, rot + HOUR - 1), 2);
	/* ... until its own 2 h are over */
	assert_int_equal(valid(ks, before, rot + HOUR), 0);
	/* new tickets use the new key */
	{
		char *t = sign(ks, "bob@pve", rot + 5);

		assert_int_equal(valid(ks, t, rot + 10), 1);
		free(t);
	}
	free(before);
	free(late);
	free(pub1);
	free(pub2);
	free(old);
	authkey_store_free(ks);
	tu_rmtree(dir);
}

static void
test_old_key_window(void **state)
{
	char *dir = tu_tmpdir(), *t;
	struct authkey_store *ks = authkey_store_new(dir);
	time_t rot = T0 + DAY + 1;

	(void)state;
	rotate(ks, T0, true);
	t = sign(ks, "alice@pve", rot - 100);
	rotate(ks, rot, true);
	assert_int_equal(valid(ks, t, rot), 2);
	assert_int_equal(valid(ks, t, rot + 7199 - 100), 2);
	assert_int_equal(valid(ks, t, rot + 7200 - 100), 0);
	/* when .old is older than 2 h 5 min it is no longer looked at */
	tu_set_mtime(tu_path(dir, "authkey.pub.old"), rot - 7501);
	assert_int_equal(valid(ks, t, rot), 0);
	tu_set_mtime(tu_path(dir, "authkey.pub.old"), rot - 7500);
	assert_int_equal(valid(ks, t, rot), 0);	/* min 7200 > age 100 */
	free(t);
	authkey_store_free(ks);
	tu_rmtree(dir);
}

static void
test_future_mtime(void **state)
{
	char *dir = tu_tmpdir();
	struct authkey_store *ks = authkey_store_new(dir);
	char *pub, *old;

	(void)state;
	rotate(ks, T0, true);
	rotate(ks, T0 + DAY + 1, true);
	pub = strdup(tu_path(dir, "authkey.pub"));
	old = strdup(tu_path(dir, "authkey.pub.old"));
	tu_set_mtime(pub, T0 + 300);
	tu_set_mtime(old, T0 - 5000);
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_OK);
	tu_set_mtime(pub, T0 + 301);
	/* old key 5301 s older: tolerated */
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_FUTURE_TOLERATED);
	assert_false(authkey_needs_rotation(ks, T0));
	/* 2 h apart: rotate */
	tu_set_mtime(old, T0 + 301 - 7200);
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_FUTURE);
	tu_set_mtime(old, T0 + 301 - 7199);
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_FUTURE_TOLERATED);
	/* old key newer than the current one: rotate */
	tu_set_mtime(old, T0 + 302);
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_FUTURE);
	assert_true(authkey_needs_rotation(ks, T0));
	/* no old key at all: rotate */
	unlink(old);
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_FUTURE);
	rotate(ks, T0, true);
	assert_int_equal(tu_mtime(pub), T0);
	assert_int_equal(tu_mtime(old), T0);
	assert_non_null(authkey_state_str(AUTHKEY_FUTURE));
	free(pub);
	free(old);
	authkey_store_free(ks);
	tu_rmtree(dir);
}

static void
test_cache_follows_files(void **state)
{
	char *dir = tu_tmpdir(), *t;
	struct authkey_store *ks = authkey_store_new(dir);
	struct buf pem = BUF_INIT;
	struct pve_pubkeys k;
	EVP_PKEY *key = NULL;
	struct err err;

	(void)state;
	rotate(ks, T0, true);
	t = sign(ks, "alice@pve", T0 + 10);
	assert_int_equal(valid(ks, t, T0 + 20), 1);
	/* another process installs a different key in place (same size) */
	assert_int_equal(rsakey_pub_pem(tu_key(2), &pem, &err), 0);
	tu_write(tu_path(dir, "authkey.pub"), pem.data, pem.len, 0644);
	tu_set_mtime(tu_path(dir, "authkey.pub"), T0 + 1);
	assert_int_equal(valid(ks, t, T0 + 20), 0);
	buf_reset(&pem);
	/* and the PKCS#8 private key that goes with it */
	assert_int_equal(rsakey_priv_pem(tu_key(2), RSAKEY_PKCS8, &pem, &err),
	    0);
	assert_true(strncmp(buf_str(&pem), "-----BEGIN PRIVATE KEY-----", 27) ==
	    0);
	tu_write(tu_path(dir, "priv/authkey.key"), pem.data, pem.len, 0600);
	free(t);
	t = sign(ks, "alice@pve", T0 + 10);
	assert_int_equal(valid(ks, t, T0 + 20), 1);
	buf_clear_secret(&pem);
	/* the mtime counts, not our clock: key age is now - mtime */
	assert_int_equal(authkey_get_pubkeys(ks, &k, &err), 0);
	assert_int_equal(k.cur_mtime, T0 + 1);
	pve_pubkeys_clear(&k);
	/* broken files are errors, not crashes */
	tu_write(tu_path(dir, "authkey.pub"), "junk", 4, 0644);
	assert_int_equal(authkey_get_pubkeys(ks, &k, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_int_equal(authkey_check(ks, T0), AUTHKEY_MISSING);
	tu_write(tu_path(dir, "priv/authkey.key"), "junk", 4, 0600);
	assert_int_equal(authkey_get_privkey(ks, &key, &err), -1);
	/* a private key others can write to is refused */
	tu_write(tu_path(dir, "priv/authkey.key"), "junk", 4, 0622);
	assert_int_equal(authkey_get_privkey(ks, &key, &err), -1);
	assert_int_equal(err.code, ERR_IO);
	free(t);
	authkey_store_free(ks);
	tu_rmtree(dir);
}

static void
test_private_write_failure(void **state)
{
	char *dir = tu_tmpdir(), *pub1, *old;
	struct authkey_store *ks = authkey_store_new(dir);
	struct err err;
	bool rotated = true;

	(void)state;
	rotate(ks, T0, true);
	pub1 = read_file(dir, "authkey.pub");
	/* make priv/authkey.key unwritable: priv is a file, not a dir */
	unlink(tu_path(dir, "priv/authkey.key"));
	rmdir(tu_path(dir, "priv"));
	tu_write(tu_path(dir, "priv"), "x", 1, 0600);
	assert_int_equal(authkey_rotate(ks, T0 + DAY + 1, &rotated, &err), -1);
	assert_false(rotated);
	assert_non_null(strstr(err.msg, "auth key rotation failed"));
	/* both gone, so the next attempt regenerates; .old kept the key */
	assert_false(file_exists(tu_path(dir, "authkey.pub")));
	old = read_file(dir, "authkey.pub.old");
	assert_string_equal(old, pub1);
	assert_int_equal(authkey_check(ks, T0 + DAY + 1), AUTHKEY_MISSING);
	unlink(tu_path(dir, "priv"));
	rotate(ks, T0 + DAY + 2, true);
	assert_true(file_exists(tu_path(dir, "priv/authkey.key")));
	free(pub1);
	free(old);
	authkey_store_free(ks);
	tu_rmtree(dir);
}

struct reader {
	struct authkey_store *ks;
	const char *ticket;
	int ok;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	int i;

	for (i = 0; i < 200; i++)
		if (valid(r->ks, r->ticket, T0 + 20) == 1)
			r->ok++;
	return NULL;
}

static void
test_threads(void **state)
{
	char *dir = tu_tmpdir(), *t;
	struct authkey_store *ks = authkey_store_new(dir);
	struct reader r[4];
	pthread_t th[4];
	int i;

	(void)state;
	rotate(ks, T0, true);
	t = sign(ks, "alice@pve", T0 + 10);
	for (i = 0; i < 4; i++) {
		r[i].ks = ks;
		r[i].ticket = t;
		r[i].ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, reader_main,
		    &r[i]), 0);
	}
	/* mtime changes force reloads under the readers' feet */
	for (i = 0; i < 50; i++) {
		tu_set_mtime(tu_path(dir, "authkey.pub"), T0 + (i & 1));
		authkey_store_invalidate(ks);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].ok, 200);
	}
	free(t);
	authkey_store_free(ks);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_use),
		cmocka_unit_test(test_rotation_24h),
		cmocka_unit_test(test_old_key_window),
		cmocka_unit_test(test_future_mtime),
		cmocka_unit_test(test_cache_follows_files),
		cmocka_unit_test(test_private_write_failure),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
