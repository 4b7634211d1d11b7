/*
 * Snapshot-keyed result caches (src/api/snapcache.c, store.c's
 * store_user_generation), with a request racing a change of user.cfg
 * played out step by step: request A reads the old snapshot, the file
 * changes, request B reads the new one, then A files what it computed
 * from the old one.  B, and every later request, must not get A's
 * answer.  This is the pattern of the permission dumps (GET
 * /access/permissions in the front) and of the caps of a login answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api.h"
#include "fileio.h"
#include "snapcache.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/rg-snapcache-XXXXXX";

static void
ref(void *v)
{
	json_incref(v);
}

static void
unref(void *v)
{
	json_decref(v);
}

static void
write_user_cfg(const char *text)
{
	char path[128];
	struct err err;

	snprintf(path, sizeof(path), "%s/user.cfg", dir);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0640,
	    &err), 0);
}

static struct ucfg *
snapshot(void)
{
	struct api_env env;
	struct ucfg *cfg;
	struct err err;

	api_env_init(&env, dir, NULL);
	assert_int_equal(store_read_user(&env, &cfg, &err), 0);
	api_env_clear(&env);
	return cfg;
}

static void
test_generation_of_snapshot(void **state)
{
	struct ucfg *a, *b, *c;

	(void)state;
	write_user_cfg("user:root@pam:1:0:::::::\n");
	a = snapshot();
	c = snapshot();
	assert_ptr_equal(a, c);			/* same file: same snapshot */
	assert_true(store_user_generation(a) != 0);
	write_user_cfg("user:root@pam:1:0:::::::\nuser:x@pve:1:0:::::::\n");
	b = snapshot();
	assert_ptr_not_equal(a, b);
	assert_true(store_user_generation(b) != 0);
	/* a is not current any more: it has no generation to file under */
	assert_int_equal(store_user_generation(a), 0);
	store_release_user(a);
	store_release_user(b);
	store_release_user(c);
	assert_int_equal(store_user_generation(NULL), 0);
}

static void
test_race(void **state)
{
	static struct snapcache cache = SNAPCACHE_INIT(16, 1 << 20, ref,
	    unref);
	struct ucfg *old, *fresh;
	json_t *stale = json_string("computed from the old file");
	json_t *good = json_string("computed from the new file"), *v;

	(void)state;
	write_user_cfg("user:root@pam:1:0:::::::\nacl:1:/:x@pve:Admin:\n");
	old = snapshot();				/* A reads */
	write_user_cfg("user:root@pam:1:0:::::::\n");	/* the change */
	fresh = snapshot();				/* B reads */
	assert_null(snapcache_get(&cache, fresh, "x@pve"));	/* B misses */
	snapcache_put(&cache, old, "x@pve", stale, 10);	/* A files, late */
	assert_null(snapcache_get(&cache, fresh, "x@pve"));
	snapcache_put(&cache, fresh, "x@pve", good, 10);
	v = snapcache_get(&cache, fresh, "x@pve");
	assert_ptr_equal(v, good);
	json_decref(v);
	/* A, still holding the old snapshot, is not served B's answer */
	assert_null(snapcache_get(&cache, old, "x@pve"));
	store_release_user(old);
	store_release_user(fresh);
	/* the next change: B's entry is not served for it */
	write_user_cfg("user:root@pam:1:0:::::::\nuser:y@pve:1:0:::::::\n");
	fresh = snapshot();
	assert_null(snapcache_get(&cache, fresh, "x@pve"));
	store_release_user(fresh);
	snapcache_clear(&cache);
	json_decref(stale);
	json_decref(good);
}

/* Without the daemon's cache (the CLI) nothing is kept. */
static void
test_no_cache_no_entries(void **state)
{
	static struct snapcache cache = SNAPCACHE_INIT(16, 1 << 20, ref,
	    unref);
	json_t *v = json_string("v");
	struct ucfg *cfg;

	(void)state;
	write_user_cfg("user:root@pam:1:0:::::::\n");
	cfg = snapshot();
	snapcache_put(&cache, cfg, "k", v, 1);
	assert_null(snapcache_get(&cache, cfg, "k"));
	store_release_user(cfg);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generation_of_snapshot),
		cmocka_unit_test(test_race),
	};
	const struct CMUnitTest nocache[] = {
		cmocka_unit_test(test_no_cache_no_entries),
	};
	char path[128];
	int rc;

	assert_non_null(mkdtemp(dir));
	rc = cmocka_run_group_tests(nocache, NULL, NULL);
	store_cache_enable();
	rc |= cmocka_run_group_tests(tests, NULL, NULL);
	store_cache_drop();
	snprintf(path, sizeof(path), "%s/user.cfg", dir);
	unlink(path);
	rmdir(dir);
	return rc;
}
