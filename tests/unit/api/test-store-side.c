/*
 * The second file of a transaction (src/api/store.c, struct store_side):
 * its bytes are kept when it is locked, and undo after a failed commit of
 * the main file puts them back exactly, or removes a file that did not
 * exist; a side that was not written is left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api.h"
#include "fileio.h"
#include "store.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/rg-side-XXXXXX";

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
path_of(const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", dir, rel);
}

static void
put(const char *rel, const char *text)
{
	char path[128];
	struct err err;

	path_of(rel, path, sizeof(path));
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600,
	    &err), 0);
}

/* The file's contents (caller frees), or NULL if it does not exist. */
static char *
get(const char *rel)
{
	char path[128];
	struct buf b = BUF_INIT;
	struct err err;

	path_of(rel, path, sizeof(path));
	if (file_read(path, 1 << 20, &b, &err) < 0) {
		assert_int_equal(err.code, ERR_NOT_FOUND);
		return NULL;
	}
	return buf_steal(&b);
}

static void
test_write_undo(void **state)
{
	struct api_env env;
	struct store_side s;
	struct err err;
	char *now;

	(void)state;
	api_env_init(&env, dir, NULL);
	put("priv/token.cfg", "a@pve!x old\n");
	assert_int_equal(store_side_begin(&env, "priv/token.cfg", 5, &s,
	    &err), 0);
	assert_true(s.existed);
	assert_int_equal(store_side_write(&s, "new\n", 4, &err), 0);
	now = get("priv/token.cfg");
	assert_string_equal(now, "new\n");
	free(now);
	store_side_undo(&env, &s);
	now = get("priv/token.cfg");
	assert_string_equal(now, "a@pve!x old\n");
	free(now);
	store_side_end(&s);
	assert_int_equal(env.warnings.count, 0);
	api_env_clear(&env);
}

static void
test_new_file_undo_removes(void **state)
{
	struct api_env env;
	struct store_side s;
	struct err err;
	char *now;

	(void)state;
	api_env_init(&env, dir, NULL);
	assert_int_equal(store_side_begin(&env, "priv/realm/r.pw", -1, &s,
	    &err), 0);
	assert_false(s.existed);
	assert_int_equal(store_side_write(&s, "pw", 2, &err), 0);
	now = get("priv/realm/r.pw");
	assert_string_equal(now, "pw");
	free(now);
	store_side_undo(&env, &s);
	assert_null(get("priv/realm/r.pw"));
	store_side_end(&s);
	api_env_clear(&env);
}

static void
test_remove_undo_restores(void **state)
{
	struct api_env env;
	struct store_side s;
	struct err err;
	char *now;

	(void)state;
	api_env_init(&env, dir, NULL);
	put("priv/realm/q.pw", "secret");
	assert_int_equal(store_side_begin(&env, "priv/realm/q.pw", -1, &s,
	    &err), 0);
	assert_int_equal(store_side_remove(&s, &err), 0);
	assert_null(get("priv/realm/q.pw"));
	store_side_undo(&env, &s);
	now = get("priv/realm/q.pw");
	assert_string_equal(now, "secret");
	free(now);
	store_side_end(&s);
	api_env_clear(&env);
}

/* Not written: undo does not touch the file (its inode stays). */
static void
test_unwritten_untouched(void **state)
{
	struct api_env env;
	struct store_side s;
	struct stat a, b;
	struct err err;
	char path[128];

	(void)state;
	api_env_init(&env, dir, NULL);
	put("priv/shadow.cfg", "u:$5$x:\n");
	path_of("priv/shadow.cfg", path, sizeof(path));
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(store_side_begin(&env, "priv/shadow.cfg", 5, &s,
	    &err), 0);
	store_side_undo(&env, &s);
	store_side_end(&s);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_ino == b.st_ino);
	/* the lock was released: it can be taken again at once */
	assert_int_equal(store_side_begin(&env, "priv/shadow.cfg", 0, &s,
	    &err), 0);
	store_side_end(&s);
	api_env_clear(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_undo),
		cmocka_unit_test(test_new_file_undo_removes),
		cmocka_unit_test(test_remove_undo_restores),
		cmocka_unit_test(test_unwritten_untouched),
	};
	char path[128];
	int rc;

	assert_non_null(mkdtemp(dir));
	path_of("priv", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
