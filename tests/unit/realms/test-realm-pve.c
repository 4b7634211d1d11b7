/*
 * The pve realm against priv/shadow.cfg in a temp config directory: every
 * crypt scheme libxcrypt offers verifies (hashes made here with
 * crypt_gensalt_rn + crypt_r), wrong and empty passwords and unknown users
 * are denied with distinct reasons, and new hashes are yescrypt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "diag.h"
#include "fileio.h"
#include "realm.h"
#include "realm_pve.h"
#include "files/shadow.h"

/* Prefixes Proxmox or an admin may have written, newest first. */
static const struct scheme {
	const char *prefix;
	unsigned long cost;	/* crypt_gensalt count, low for speed */
	const char *user;
	bool required;	/* others: tested if libxcrypt has them */
} schemes[] = {
	{ "$y$", 1, "u-yescrypt", true },
	{ "$gy$", 1, "u-gost", false },
	{ "$7$", 6, "u-scrypt", false },
	{ "$2b$", 0, "u-bcrypt-2b", true },
	{ "$2y$", 0, "u-bcrypt-2y", true },
	{ "$2a$", 0, "u-bcrypt-2a", false },
	{ "$6$", 0, "u-sha512", true },
	{ "$5$", 0, "u-sha256", true },
	{ "$sha1", 1000, "u-sha1", false },
	{ "$md5", 0, "u-sunmd5", false },
	{ "$1$", 0, "u-md5", true },
	{ "_", 0, "u-bsdi", false },
	{ "", 0, "u-des", false },
};

struct fixture {
	char dir[64];
	struct realm_ctx realm;
	unsigned int count;	/* schemes in the file */
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
write_shadow(struct fixture *fx, const char *text)
{
	char path[128];
	struct err err;

	snprintf(path, sizeof(path), "%s/priv", fx->dir);
	assert_int_equal(file_mkdirs(path, 0700, &err), 0);
	snprintf(path, sizeof(path), "%s/priv/shadow.cfg", fx->dir);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600,
	    &err), 0);
}

/* The stored line of user, read back through the shadow API. */
static char *
stored_hash(struct fixture *fx, const char *user)
{
	char path[128];
	struct buf text = BUF_INIT;
	struct shadow_cfg *s;
	struct diag d;
	struct err err;
	const char *h;
	char *ret;

	snprintf(path, sizeof(path), "%s/priv/shadow.cfg", fx->dir);
	assert_int_equal(file_read(path, 1 << 20, &text, &err), 0);
	diag_init(&d);
	s = shadow_parse(buf_str(&text), text.len, path, &d);
	h = shadow_get(s, user);
	ret = h != NULL ? strdup(h) : NULL;
	shadow_free(s);
	diag_clear(&d);
	buf_clear(&text);
	return ret;
}

/* A password per user; DES reads 8 bytes, so they differ early. */
static void
password_of(const char *user, char *out, size_t size)
{
	snprintf(out, size, "%.3s-pw-\xc3\xbc-%s", user + 2, user);
}

/*
 * A config dir whose shadow.cfg has one user per scheme; with all false
 * only the required schemes (the others are slow by design: scrypt, sha1
 * and sunmd5 default to high costs).
 */
static int
make_fixture(void **state, bool all)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct buf text = BUF_INIT;
	size_t i;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rg-pve-test.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->realm = (struct realm_ctx){
		.name = "pve", .type = "pve", .config_dir = fx->dir,
	};
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		char setting[CRYPT_GENSALT_OUTPUT_SIZE], pw[64];
		struct crypt_data cd;
		const char *h;

		if (!all && !schemes[i].required)
			continue;
		memset(&cd, 0, sizeof(cd));
		password_of(schemes[i].user, pw, sizeof(pw));
		h = crypt_gensalt_rn(schemes[i].prefix, schemes[i].cost, NULL,
		    0, setting, sizeof(setting));
		if (h == NULL) {
			assert_false(schemes[i].required);
			continue;
		}
		h = crypt_r(pw, setting, &cd);
		assert_non_null(h);
		assert_true(h[0] != '*');
		buf_putf(&text, "%s:%s:\n", schemes[i].user, h);
		fx->count++;
	}
	write_shadow(fx, buf_str(&text));
	buf_clear(&text);
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	return make_fixture(state, false);
}

static int
setup_all(void **state)
{
	return make_fixture(state, true);
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void
test_every_scheme(void **state)
{
	struct fixture *fx = *state;
	unsigned int ok = 0;
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		char pw[64], wrong[72];
		char *h = stored_hash(fx, schemes[i].user);

		if (h == NULL)
			continue;
		password_of(schemes[i].user, pw, sizeof(pw));
		snprintf(wrong, sizeof(wrong), "X%s", pw);
		assert_int_equal(realm_authenticate(&fx->realm,
		    schemes[i].user, pw, "192.0.2.7", &err), REALM_OK);
		assert_int_equal(realm_authenticate(&fx->realm,
		    schemes[i].user, wrong, NULL, &err), REALM_DENIED);
		assert_int_equal(err.code, ERR_AUTH);
		assert_string_equal(err.msg, "invalid credentials");
		/* Another user's password is wrong too. */
		assert_int_equal(realm_authenticate(&fx->realm,
		    schemes[i].user, "-pw-", NULL, &err), REALM_DENIED);
		free(h);
		ok++;
	}
	assert_int_equal(ok, fx->count);
	assert_true(ok >= 6);
}

static void
test_missing_user_and_file(void **state)
{
	struct fixture *fx = *state;
	struct realm_ctx empty = fx->realm;
	struct err err;

	assert_int_equal(realm_authenticate(&fx->realm, "nobody", "pw", NULL,
	    &err), REALM_DENIED);
	assert_int_equal(err.code, ERR_AUTH);
	assert_string_equal(err.msg, "no password set");

	empty.config_dir = "/nonexistent/rg-test";
	assert_int_equal(realm_authenticate(&empty, "u-sha256", "pw", NULL,
	    &err), REALM_DENIED);
	assert_string_equal(err.msg, "no password set");

	empty.config_dir = NULL;
	assert_int_equal(realm_authenticate(&empty, "u-sha256", "pw", NULL,
	    &err), REALM_ERROR);
	assert_int_equal(err.code, ERR_INVALID);
}

static void
test_empty_password(void **state)
{
	struct fixture *fx = *state;
	struct err err;
	char *h = stored_hash(fx, "u-sha256");

	assert_int_equal(realm_authenticate(&fx->realm, "u-sha256", "", NULL,
	    &err), REALM_DENIED);
	assert_string_equal(err.msg, "empty password refused");
	/* The driver's own check, for callers of the pure function. */
	assert_int_equal(realm_pve_verify(h, "", &err), REALM_DENIED);
	assert_string_equal(err.msg, "no password");
	free(h);
}

static void
test_bad_stored_hash(void **state)
{
	struct fixture *fx = *state;
	struct err err;

	write_shadow(fx, "bad:$y$broken:\ngarbage:!!!:\nstar:*:\n");
	assert_int_equal(realm_authenticate(&fx->realm, "bad", "pw", NULL,
	    &err), REALM_DENIED);
	assert_string_equal(err.msg, "stored password hash is invalid or "
	    "uses an unsupported scheme");
	assert_int_equal(realm_authenticate(&fx->realm, "garbage", "!!!",
	    NULL, &err), REALM_DENIED);
	assert_int_equal(realm_authenticate(&fx->realm, "star", "*", NULL,
	    &err), REALM_DENIED);
}

static void
test_file_must_be_private(void **state)
{
	struct fixture *fx = *state;
	char path[128];
	struct err err;

	snprintf(path, sizeof(path), "%s/priv/shadow.cfg", fx->dir);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(realm_authenticate(&fx->realm, "u-sha256", "x",
	    NULL, &err), REALM_ERROR);
	assert_int_equal(chmod(path, 0600), 0);
}

static void
test_hash_is_yescrypt(void **state)
{
	char *a = NULL, *b = NULL;
	struct err err;

	(void)state;
	assert_int_equal(realm_pve_hash_password("s3cret", &a, &err), 0);
	assert_int_equal(realm_pve_hash_password("s3cret", &b, &err), 0);
	assert_true(strncmp(a, "$y$", 3) == 0);
	assert_string_not_equal(a, b);	/* fresh salt every time */
	assert_int_equal(realm_pve_verify(a, "s3cret", &err), REALM_OK);
	assert_int_equal(realm_pve_verify(b, "s3cret", &err), REALM_OK);
	assert_int_equal(realm_pve_verify(a, "s3cre", &err), REALM_DENIED);
	assert_int_equal(realm_pve_hash_password("", &a, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	free(a);
	free(b);
}

static void
test_set_password(void **state)
{
	struct fixture *fx = *state;
	char path[128], pw[64];
	struct stat st;
	struct err err;
	char *h;

	assert_int_equal(realm_set_password(&fx->realm, "u-sha256", "new pw",
	    &err), 0);
	h = stored_hash(fx, "u-sha256");
	assert_true(strncmp(h, "$y$", 3) == 0);
	free(h);
	assert_int_equal(realm_authenticate(&fx->realm, "u-sha256", "new pw",
	    NULL, &err), REALM_OK);
	password_of("u-sha256", pw, sizeof(pw));
	assert_int_equal(realm_authenticate(&fx->realm, "u-sha256", pw, NULL,
	    &err), REALM_DENIED);
	/* Others untouched. */
	password_of("u-sha512", pw, sizeof(pw));
	assert_int_equal(realm_authenticate(&fx->realm, "u-sha512", pw, NULL,
	    &err), REALM_OK);
	/* A new user is added. */
	assert_int_equal(realm_set_password(&fx->realm, "newbie", "hello",
	    &err), 0);
	assert_int_equal(realm_authenticate(&fx->realm, "newbie", "hello",
	    NULL, &err), REALM_OK);
	snprintf(path, sizeof(path), "%s/priv/shadow.cfg", fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_set_password_fresh_dir(void **state)
{
	struct fixture *fx = *state;
	struct realm_ctx r = fx->realm;
	char dir[128];
	struct err err;

	snprintf(dir, sizeof(dir), "%s/fresh", fx->dir);
	r.config_dir = dir;
	assert_int_equal(realm_set_password(&r, "root", "pw1", &err), 0);
	assert_int_equal(realm_authenticate(&r, "root", "pw1", NULL, &err),
	    REALM_OK);
}

static void
test_refuse_rewrite_of_bad_file(void **state)
{
	struct fixture *fx = *state;
	struct err err;

	write_shadow(fx, "good:$5$abc$def:\nthis line is bad\n");
	assert_int_equal(realm_set_password(&fx->realm, "good", "pw", &err),
	    -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, "refusing to rewrite"));
	assert_int_equal(realm_delete_user(&fx->realm, "good", &err), -1);
}

static void
test_delete_user(void **state)
{
	struct fixture *fx = *state;
	char pw[64];
	struct err err;
	char *h;

	assert_int_equal(realm_delete_user(&fx->realm, "u-md5", &err), 0);
	h = stored_hash(fx, "u-md5");
	assert_null(h);
	password_of("u-md5", pw, sizeof(pw));
	assert_int_equal(realm_authenticate(&fx->realm, "u-md5", pw, NULL,
	    &err), REALM_DENIED);
	assert_string_equal(err.msg, "no password set");
	/* Absent user: success, nothing else changes. */
	assert_int_equal(realm_delete_user(&fx->realm, "u-md5", &err), 0);
	password_of("u-sha512", pw, sizeof(pw));
	assert_int_equal(realm_authenticate(&fx->realm, "u-sha512", pw, NULL,
	    &err), REALM_OK);
}

static void
test_shadow_object(void **state)
{
	struct shadow_cfg *s;
	struct diag d;
	struct err err;

	(void)state;
	diag_init(&d);
	s = shadow_parse("", 0, "shadow.cfg", &d);
	assert_int_equal(realm_pve_check(s, "alice", "pw", &err),
	    REALM_DENIED);
	assert_string_equal(err.msg, "no password set");
	assert_int_equal(realm_pve_shadow_set_password(s, "alice", "pw",
	    &err), 0);
	assert_true(strncmp(shadow_get(s, "alice"), "$y$", 3) == 0);
	assert_int_equal(realm_pve_check(s, "alice", "pw", &err), REALM_OK);
	assert_int_equal(realm_pve_check(s, "alice", "pW", &err),
	    REALM_DENIED);
	assert_int_equal(realm_pve_shadow_set_password(s, "alice", "", &err),
	    -1);
	assert_int_equal(realm_pve_check(s, "alice", "pw", &err), REALM_OK);
	shadow_free(s);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_scheme, setup_all,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_user_and_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_password, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_stored_hash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_must_be_private,
		    setup, teardown),
		cmocka_unit_test(test_hash_is_yescrypt),
		cmocka_unit_test_setup_teardown(test_set_password, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_set_password_fresh_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_rewrite_of_bad_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_user, setup,
		    teardown),
		cmocka_unit_test(test_shadow_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
