/*
 * Proxmox's own ticket and CSRF vectors (tests/compat/proxmox/tickets): every
 * ticket verifies with its key at a clock just after the vectors' second,
 * both through explicit key ages and through a key store reading a copy
 * of authkey.pub with a chosen mtime; our PKCS#1 v1.5 signer reproduces
 * Proxmox's tickets byte for byte; CSRF secret and tokens match; any
 * tampering fails.  Skips (77) when the shared directory is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyload.h"
#include "lines.h"
#include "ticket/authkey.h"
#include "ticket/csrf.h"
#include "ticket/pveticket.h"
#include "ticket/rsakey.h"

#define T0 0x6B02FE7E

static const char *dir;
static EVP_PKEY *pub, *priv;
static struct csrf_secret secret;
static char *vectors;

static int
setup(void **state)
{
	size_t len = 0;
	char *www;

	(void)state;
	pub = keyload(dir, "authkey.pub", false);
	priv = keyload(dir, "authkey.key", true);
	www = lines_slurp(dir, "pve-www.key", &len);
	assert_non_null(www);
	csrf_secret_derive(www, len, &secret);
	free(www);
	vectors = lines_slurp(dir, "vectors.txt", NULL);
	assert_non_null(vectors);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	free(vectors);
	return 0;
}

/* every single-character change must fail */
static void
tamper_ticket(const struct pve_pubkeys *k, const char *t)
{
	size_t len = strlen(t), i;
	char *c = strdup(t);
	struct pve_ticket pt;
	struct err err;

	for (i = 0; i < len; i += 7) {
		memcpy(c, t, len + 1);
		c[i] = c[i] == 'Q' ? 'R' : 'Q';
		memset(&pt, 0, sizeof(pt));
		assert_int_equal(pve_ticket_verify(k, c, len, T0 + 1, &pt,
		    &err), -1);
	}
	free(c);
}

static void
check_ticket(const char *kind, const char *user, const char *t)
{
	struct pve_pubkeys k = { pub, T0 - 3600, NULL, 0 };
	struct ticket_info info;
	struct pve_ticket pt;
	struct err err;
	int rc;

	/* the generic layer always accepts it and decodes the data */
	ticket_info_init(&info);
	assert_int_equal(ticket_verify(pub, "PVE", t, strlen(t), NULL, T0 + 1,
	    -300, 7200, &info, &err), 0);
	assert_int_equal(info.pad, strcmp(kind, "ticket-pss") == 0 ?
	    TICKET_PAD_PSS : TICKET_PAD_PKCS1);
	memset(&pt, 0, sizeof(pt));
	rc = pve_ticket_verify(&k, t, strlen(t), T0 + 1, &pt, &err);
	if (strcmp(user, "x%3Ay@pve") == 0) {
		/* spec 12.15: decodes to x:y@pve, which is no user id */
		assert_string_equal(buf_str(&info.data), "x:y@pve");
		assert_int_equal(rc, -1);
	} else {
		assert_string_equal(buf_str(&info.data), user);
		assert_int_equal(rc, 0);
		assert_int_equal(pt.kind, PVE_TICKET_LOGIN);
		assert_string_equal(pt.userid, user);
		assert_int_equal(pt.age, 1);
		pve_ticket_clear(&pt);
	}
	ticket_info_clear(&info);
	/* the window still applies: 2 h later it is gone */
	k.cur_mtime = T0 - 86400;
	assert_int_equal(pve_ticket_verify(&k, t, strlen(t), T0 + 7200, &pt,
	    &err), -1);
	k.cur_mtime = T0 - 3600;
	tamper_ticket(&k, t);

	/* PKCS#1 v1.5 is deterministic: we sign exactly what Proxmox did */
	if (strcmp(kind, "ticket") == 0) {
		char *ours = NULL;

		assert_int_equal(ticket_sign(priv, TICKET_PAD_PKCS1, "PVE",
		    user, NULL, T0, &ours, &err), 0);
		assert_string_equal(ours, t);
		free(ours);
	}
}

static void
check_tfa(const char *user, const char *t)
{
	struct pve_pubkeys k = { pub, T0 - 3600, NULL, 0 };
	struct pve_ticket pt;
	struct err err;
	char *chal = NULL, *ours = NULL;

	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), user, T0 + 1,
	    &chal, &err), 0);
	assert_string_equal(chal, "{\"totp\":true,\"recovery\":[0,1,2]}");
	assert_int_equal(tfa_ticket_create(priv, TICKET_PAD_PKCS1, user, chal,
	    T0, &ours, &err), 0);
	assert_string_equal(ours, t);
	free(ours);
	free(chal);
	assert_int_equal(tfa_ticket_verify(&k, t, strlen(t), "bob@pve",
	    T0 + 1, &chal, &err), -1);
	memset(&pt, 0, sizeof(pt));
	assert_int_equal(pve_ticket_verify(&k, t, strlen(t), T0 + 1, &pt,
	    &err), -1);
}

static void
check_csrf(const char *user, const char *token)
{
	char ours[CSRF_TOKEN_LEN + 1], bad[CSRF_TOKEN_LEN + 1];
	struct err err;
	size_t i;

	assert_int_equal(csrf_token_create(&secret, user, T0, ours, &err), 0);
	assert_string_equal(ours, token);
	assert_int_equal(csrf_token_verify(&secret, user, token,
	    strlen(token), T0 + 1, &err), 0);
	assert_int_equal(csrf_token_verify(&secret, "other@pve", token,
	    strlen(token), T0 + 1, &err), -1);
	for (i = 0; i < strlen(token); i++) {
		memcpy(bad, token, sizeof(bad));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(csrf_token_verify(&secret, user, bad,
		    strlen(bad), T0 + 1, &err), -1);
	}
}

static void
test_vectors(void **state)
{
	char *copy = strdup(vectors), *cur = copy;
	struct line l;
	int n = 0;

	(void)state;
	while (lines_next(&cur, &l)) {
		if (strcmp(l.f[0], "csrf-secret") == 0) {
			assert_int_equal(l.nf, 2);
			assert_string_equal(secret.s, l.f[1]);
		} else if (strcmp(l.f[0], "ticket") == 0 ||
		    strcmp(l.f[0], "ticket-pss") == 0) {
			assert_int_equal(l.nf, 3);
			check_ticket(l.f[0], l.f[1], l.f[2]);
		} else if (strcmp(l.f[0], "tfa-partial") == 0) {
			assert_int_equal(l.nf, 3);
			check_tfa(l.f[1], l.f[2]);
		} else if (strcmp(l.f[0], "csrf") == 0) {
			assert_int_equal(l.nf, 3);
			check_csrf(l.f[1], l.f[2]);
		} else {
			fail_msg("unknown vector '%s'", l.f[0]);
		}
		n++;
	}
	assert_true(n >= 13);
	free(copy);
}

/* The same through the key store: the mtime of a copied authkey.pub. */
static void
test_store_mtime(void **state)
{
	char tmpl[] = "/tmp/rg-vectors-XXXXXX", path[4096];
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { T0 - 60, 0 } };
	struct authkey_store *ks;
	struct pve_pubkeys k;
	struct pve_ticket pt;
	struct err err;
	char *pem, *copy, *cur, *t = NULL;
	struct line l;
	size_t len = 0;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/authkey.pub", tmpl);
	pem = lines_slurp(dir, "authkey.pub", &len);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pem, len), (ssize_t)len);
	close(fd);
	free(pem);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);

	copy = strdup(vectors);
	cur = copy;
	while (lines_next(&cur, &l))
		if (strcmp(l.f[0], "ticket") == 0 &&
		    strcmp(l.f[1], "alice@pve") == 0)
			t = l.f[2];
	assert_non_null(t);
	ks = authkey_store_new(tmpl);
	assert_int_equal(authkey_get_pubkeys(ks, &k, &err), 0);
	assert_int_equal(k.cur_mtime, T0 - 60);
	assert_null(k.old);
	memset(&pt, 0, sizeof(pt));
	/* key age 61 at T0 + 1: max 361, ticket age 1 */
	assert_int_equal(pve_ticket_verify(&k, t, strlen(t), T0 + 1, &pt,
	    &err), 0);
	assert_string_equal(pt.userid, "alice@pve");
	pve_ticket_clear(&pt);
	/* ticket age 400 > key age 460 ... max = 760: fine; at T0 + 7200
	 * the 2 h lifetime is over */
	assert_int_equal(pve_ticket_verify(&k, t, strlen(t), T0 + 7200, &pt,
	    &err), -1);
	pve_pubkeys_clear(&k);
	/* a key written after the ticket (+ 5 min grace) refuses it */
	ts[1].tv_sec = T0 + 301;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(authkey_get_pubkeys(ks, &k, &err), 0);
	assert_int_equal(k.cur_mtime, T0 + 301);
	assert_int_equal(pve_ticket_verify(&k, t, strlen(t), T0 + 302, &pt,
	    &err), -1);
	pve_pubkeys_clear(&k);
	authkey_store_free(ks);
	free(copy);
	unlink(path);
	rmdir(tmpl);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_store_mtime),
	};
	char probe[4096];

	dir = argc > 1 ? argv[1] : "tests/compat/proxmox/tickets";
	snprintf(probe, sizeof(probe), "%s/vectors.txt", dir);
	if (access(probe, R_OK) != 0) {
		fprintf(stderr, "no vectors in %s - skipping\n", dir);
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
