/*
 * priv/tfa.cfg transactions (src/api/store.c): a commit writes the whole
 * file atomically, 0600, changing only what was changed; a transaction
 * ended without a commit writes nothing; the lock is file-priv_tfa_cfg;
 * and the lock order tfa.cfg before user.cfg is enforced - asking for
 * the tfa lock while holding the user lock fails at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api.h"
#include "fileio.h"
#include "store.h"
#include "tfa/tfacfg.h"
#include "../tmpdir_fixture.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TMPDIR_FIXTURE("rg-store-tfa")

#define PHONE "6f1c5e2a-9a3b-4c61-8f0e-2d7b3a4c5e6f"

static char *
fixture(void)
{
	struct buf b = BUF_INIT;
	struct err err;

	assert_int_equal(file_read(TFA_FIXTURES "/tfa-proxmox.cfg", 1 << 20,
	    &b, &err), 0);
	return buf_steal(&b);
}

static void
put_tfa(const char *text)
{
	char path[128];
	struct err err;

	snprintf(path, sizeof(path), "%s/priv", dir);
	assert_int_equal(file_mkdirs(path, 0700, &err), 0);
	snprintf(path, sizeof(path), "%s/priv/tfa.cfg", dir);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600,
	    &err), 0);
}

static char *
get_tfa(void)
{
	char path[128];
	struct buf b = BUF_INIT;
	struct err err;

	snprintf(path, sizeof(path), "%s/priv/tfa.cfg", dir);
	assert_int_equal(file_read(path, 1 << 20, &b, &err), 0);
	return buf_steal(&b);
}

static bool
tfa_lock_dir_exists(void)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/priv/lock/file-priv_tfa_cfg", dir);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
test_commit(void **state)
{
	struct api_env env;
	struct store_tfa t;
	struct err err;
	struct stat st;
	char path[128], *orig = fixture(), *got, *at;

	(void)state;
	put_tfa(orig);
	api_env_init(&env, dir, "root@pam");
	env.now = 1767230000;
	assert_int_equal(store_begin_tfa(&env, &t, &err), 0);
	assert_true(tfa_lock_dir_exists());
	assert_int_equal(env.warnings.count, 1);	/* bob's unknown type */
	assert_int_equal(tfacfg_update(t.tfa, "alice@pve", PHONE, "Phone",
	    -1, &err), 0);
	assert_int_equal(store_commit_tfa(&env, &t, &err), 0);
	store_end_tfa(&t);
	assert_false(tfa_lock_dir_exists());
	got = get_tfa();
	at = strstr(orig, "\"phone\"");
	at[1] = 'P';
	assert_string_equal(got, orig);
	snprintf(path, sizeof(path), "%s/priv/tfa.cfg", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(got);
	free(orig);
	api_env_clear(&env);
}

static void
test_not_committed(void **state)
{
	struct api_env env;
	struct store_tfa t;
	struct err err;
	char *orig = fixture(), *got;

	(void)state;
	put_tfa(orig);
	api_env_init(&env, dir, "root@pam");
	assert_int_equal(store_begin_tfa(&env, &t, &err), 0);
	assert_true(tfacfg_delete_user(t.tfa, "alice@pve"));
	store_end_tfa(&t);	/* the change is refused: nothing written */
	got = get_tfa();
	assert_string_equal(got, orig);
	free(got);
	free(orig);
	/* a zeroed transaction is never written */
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_commit_tfa(&env, &t, &err), -1);
	assert_int_equal(err.code, ERR_INTERNAL);
	store_end_tfa(&t);
	api_env_clear(&env);
}

static void
test_lock_order(void **state)
{
	struct api_env env;
	struct store_tfa t;
	struct store_tx tx;
	struct err err;

	(void)state;
	api_env_init(&env, dir, "root@pam");
	/* user.cfg first: refused at once */
	assert_int_equal(store_begin_user(&env, &tx, &err), 0);
	assert_int_equal(store_begin_tfa(&env, &t, &err), -1);
	assert_int_equal(err.code, ERR_INTERNAL);
	assert_string_equal(err.msg, "tfa config lock cannot be acquired while "
	    "holding user config lock");
	assert_false(tfa_lock_dir_exists());
	store_end_tfa(&t);
	store_end(&tx);
	/* tfa.cfg first, then user.cfg: fine */
	assert_int_equal(store_begin_tfa(&env, &t, &err), 0);
	assert_int_equal(store_begin_user(&env, &tx, &err), 0);
	store_end(&tx);
	store_end_tfa(&t);
	/* the user lock is given back by store_end, also after a failure */
	assert_int_equal(store_begin_tfa(&env, &t, &err), 0);
	store_end_tfa(&t);
	api_env_clear(&env);
}

static void
test_read(void **state)
{
	struct api_env env;
	struct tfacfg *tfa;
	struct store_tfa t;
	struct err err;
	char *got;

	(void)state;
	api_env_init(&env, dir, "root@pam");
	assert_int_equal(store_read_tfa(&env, &tfa, &err), 0);
	assert_false(tfacfg_has_user(tfa, "alice@pve"));
	tfacfg_free(tfa);
	/* a new file is created with priv/ */
	assert_int_equal(store_begin_tfa(&env, &t, &err), 0);
	assert_int_equal(tfacfg_set_totp_locked(t.tfa, "x@pve", true, &err),
	    -1);
	assert_int_equal(store_commit_tfa(&env, &t, &err), 0);
	store_end_tfa(&t);
	got = get_tfa();
	assert_string_equal(got, "{}");
	free(got);
	/* an unreadable file refuses the transaction */
	put_tfa("{\"users\":");
	assert_int_equal(store_begin_tfa(&env, &t, &err), -1);
	assert_string_equal(err.msg, "failed to parse TFA file, neither old "
	    "style nor valid json");
	store_end_tfa(&t);
	assert_false(tfa_lock_dir_exists());
	api_env_clear(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_committed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
