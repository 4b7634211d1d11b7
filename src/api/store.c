/*
 * Config transactions for API handlers (see store.h).
 */
#include "store.h"
#include "fileio.h"
#include "cfs/cfs.h"
#include "files/lock.h"
#include "tfa/tfacfg.h"
#include "ticket/authkey.h"
#include "xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_TIMEOUT 10

/* user.cfg locks this thread holds: tfa.cfg may not be locked then */
static __thread unsigned user_locks_held;

void
store_path(const struct api_env *env, const char *rel, struct buf *out)
{
	cfs_path(env->config_dir, rel, out);
}

static int
read_user(const char *path, struct diag *diag, unsigned skip,
    struct ucfg **cfg_r, struct err *err)
{
	struct buf text = BUF_INIT;

	if (file_read(path, FILE_MAX_CONFIG, &text, err) < 0 &&
	    err->code != ERR_NOT_FOUND) {
		buf_clear(&text);
		return -1;
	}
	*cfg_r = ucfg_parse_partial(buf_str(&text), text.len, path, diag,
	    skip);
	buf_clear(&text);
	return 0;
}

static void
warn_all(struct api_env *env, const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		api_env_warn(env, &d->items[i]);
}

static int
read_user_warn(struct api_env *env, unsigned skip, struct ucfg **cfg_r,
    struct err *err)
{
	struct buf path = BUF_INIT;
	struct diag d;
	int rc;

	store_path(env, "user.cfg", &path);
	diag_init(&d);
	rc = read_user(buf_str(&path), &d, skip, cfg_r, err);
	warn_all(env, &d);
	diag_clear(&d);
	buf_clear(&path);
	return rc;
}

/*
 * The daemon's snapshot: the parsed file and the identity of what was
 * parsed.  An atomic rewrite gives a new inode, so (inode, size, mtime)
 * changes with every write by us, the CLI or a Proxmox node.
 */
static struct {
	pthread_mutex_t mu;
	bool enabled;
	struct ucfg *cfg;
	struct stat st;
	char *path;
	unsigned long generation;
} cache = {PTHREAD_MUTEX_INITIALIZER, false, NULL, {0}, NULL, 0};

bool
store_cache_enabled(void)
{
	return cache.enabled;
}

unsigned long
store_user_generation(const struct ucfg *cfg)
{
	unsigned long gen = 0;

	if (!cache.enabled || cfg == NULL)
		return 0;
	pthread_mutex_lock(&cache.mu);
	/*
	 * cfg is referenced by the caller, so it cannot have been freed and
	 * its address reused by a newer snapshot: equal pointers are the
	 * same snapshot.
	 */
	if (cfg == cache.cfg)
		gen = cache.generation;
	pthread_mutex_unlock(&cache.mu);
	return gen;
}

void
store_cache_enable(void)
{
	cache.enabled = true;
}

void
store_cache_drop(void)
{
	pthread_mutex_lock(&cache.mu);
	ucfg_unref(cache.cfg);
	cache.cfg = NULL;
	cache.generation++;
	pthread_mutex_unlock(&cache.mu);
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int
read_cached(struct api_env *env, struct ucfg **cfg_r, struct err *err)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int rc = 0;

	store_path(env, "user.cfg", &path);
	if (stat(buf_str(&path), &st) < 0)
		memset(&st, 0, sizeof(st));	/* missing: the defaults */
	pthread_mutex_lock(&cache.mu);
	if (cache.cfg == NULL || !same_file(&st, &cache.st) ||
	    cache.path == NULL || strcmp(cache.path, env->config_dir) != 0) {
		struct ucfg *fresh;

		rc = read_user_warn(env, 0, &fresh, err);
		if (rc == 0) {
			ucfg_unref(cache.cfg);
			cache.cfg = fresh;
			cache.st = st;
			cache.generation++;
			free(cache.path);
			cache.path = xstrdup(env->config_dir);
		}
	}
	if (rc == 0)
		*cfg_r = ucfg_ref(cache.cfg);
	pthread_mutex_unlock(&cache.mu);
	buf_clear(&path);
	return rc;
}

int
store_read_user(struct api_env *env, struct ucfg **cfg_r, struct err *err)
{
	if (cache.enabled)
		return read_cached(env, cfg_r, err);
	return read_user_warn(env, 0, cfg_r, err);
}

void
store_release_user(struct ucfg *cfg)
{
	ucfg_unref(cfg);
}

int
store_read_user_partial(struct api_env *env, unsigned skip,
    struct ucfg **cfg_r, struct err *err)
{
	/* the daemon's full snapshot serves every partial need */
	if (cache.enabled)
		return read_cached(env, cfg_r, err);
	return read_user_warn(env, skip, cfg_r, err);
}

int
store_lock(struct api_env *env, const char *rel, int timeout,
    struct store_tx *tx, struct err *err)
{
	char *lockid = cfg_lockid_for_file(rel);
	int rc;

	memset(tx, 0, sizeof(*tx));
	diag_init(&tx->diag);
	tx->config_dir = env->config_dir;
	rc = cfs_lock(env->config_dir, lockid, timeout, &tx->lock, err);
	free(lockid);
	/* read what the lock protects as of the lock: store_path now */
	if (rc == 0)
		store_path(env, rel, &tx->path);
	return rc;
}

int
store_begin_user(struct api_env *env, struct store_tx *tx, struct err *err)
{
	/*
	 * In a shared store, what the transaction writes besides user.cfg
	 * (token.cfg, shadow.cfg, tfa.cfg) goes in one commit with it.
	 */
	if (store_lock(env, "user.cfg", LOCK_TIMEOUT, tx, err) < 0)
		return -1;
	cfs_group_begin();
	tx->grouped = true;
	tx->holds_user = true;
	user_locks_held++;
	if (read_user(buf_str(&tx->path), &tx->diag, 0, &tx->ucfg, err) < 0)
		return -1;
	warn_all(env, &tx->diag);
	return 0;
}

int
store_check_dropped(const struct api_env *env, const char *rel,
    const struct diag *diag, struct err *err)
{
	struct buf lines = BUF_INIT;
	size_t i, n = 0;

	if (env->force)
		return 0;
	for (i = 0; i < diag->count; i++) {
		if (!diag->items[i].dropped)
			continue;
		if (n++ < 5)
			buf_putf(&lines, "%s%s line %u: %s", n > 1 ? "; " : "",
			    rel, diag->items[i].line, diag->items[i].msg);
	}
	if (n == 0) {
		buf_clear(&lines);
		return 0;
	}
	err_set(err, ERR_INVALID,
	    "refusing to rewrite %s: %zu line(s) could not be read and would "
	    "be lost (%s%s) - fix them, or use --force to drop them", rel, n,
	    buf_str(&lines), n > 5 ? "; ..." : "");
	buf_clear(&lines);
	return -1;
}

int
store_commit_user(struct api_env *env, struct store_tx *tx, struct err *err)
{
	struct buf out = BUF_INIT;
	int rc;

	if (store_check_dropped(env, "user.cfg", &tx->diag, err) < 0)
		return -1;
	ucfg_write(tx->ucfg, &out);
	rc = cfs_write(env->config_dir, "user.cfg", out.data, out.len, 0640, 0,
	    err);
	buf_clear(&out);
	/* the side files staged in this transaction go with it, or nothing */
	if (rc == 0)
		rc = cfs_group_commit(env->config_dir, err);
	if (rc == 0)
		ucfg_reindex(tx->ucfg);
	return rc;
}

int
store_flush(struct api_env *env, struct err *err)
{
	return cfs_group_commit(env->config_dir, err);
}

int
store_check_user(const struct api_env *env, const struct store_tx *tx,
    struct err *err)
{
	return store_check_dropped(env, "user.cfg", &tx->diag, err);
}

void
store_side_init(struct store_side *s)
{
	memset(s, 0, sizeof(*s));
}

int
store_side_begin(struct api_env *env, const char *rel, int timeout,
    struct store_side *s, struct err *err)
{
	char *lockid;
	int rc;

	store_side_init(s);
	s->config_dir = env->config_dir;
	buf_puts(&s->path, rel);
	if (timeout >= 0) {
		lockid = cfg_lockid_for_file(rel);
		rc = cfs_lock(env->config_dir, lockid, timeout, &s->lock, err);
		free(lockid);
		if (rc < 0)
			return -1;
	}
	if (cfs_read(env->config_dir, rel, 0, &s->orig, err) < 0) {
		if (err->code != ERR_NOT_FOUND)
			return -1;
		err_clear(err);
		buf_clear_secret(&s->orig);
		return 0;
	}
	s->existed = true;
	return 0;
}

int
store_side_write(struct store_side *s, const void *data, size_t len,
    struct err *err)
{
	/* a failed write may still have replaced it (fsync after rename) */
	s->written = true;
	return cfs_write(s->config_dir, buf_str(&s->path), data, len, 0600, 0,
	    err);
}

int
store_side_remove(struct store_side *s, struct err *err)
{
	if (cfs_remove(s->config_dir, buf_str(&s->path), err) < 0)
		return -1;
	s->written = true;
	return 0;
}

void
store_side_touched(struct store_side *s)
{
	s->written = true;
}

void
store_side_undo(struct api_env *env, struct store_side *s)
{
	struct err err;
	int rc;

	if (!s->written)
		return;
	if (s->existed)
		rc = cfs_write(s->config_dir, buf_str(&s->path), s->orig.data,
		    s->orig.len, 0600, 0, &err);
	else
		rc = cfs_remove(s->config_dir, buf_str(&s->path), &err);
	if (rc < 0)
		diag_add(&env->warnings, NULL, 0, false, "%s could not be put "
		    "back as it was: %s", buf_str(&s->path), err.msg);
	else
		s->written = false;
}

void
store_orphan_left(struct api_env *env, const char *rel, struct err *err)
{
	diag_add(&env->warnings, NULL, 0, false, "%s was not updated (%s): "
	    "it keeps an unused entry of the removed object", rel, err->msg);
	err_clear(err);
}

void
store_side_end(struct store_side *s)
{
	cfs_unlock(s->lock);
	s->lock = NULL;
	buf_clear_secret(&s->orig);
	buf_clear(&s->path);
	s->existed = false;
	s->written = false;
}

void
store_end(struct store_tx *tx)
{
	/* before the lock goes: what is left staged is fenced by it */
	if (tx->grouped)
		cfs_group_end(tx->config_dir);
	tx->grouped = false;
	cfs_unlock(tx->lock);
	tx->lock = NULL;
	if (tx->holds_user)
		user_locks_held--;
	tx->holds_user = false;
	ucfg_free(tx->ucfg);
	tx->ucfg = NULL;
	diag_clear(&tx->diag);
	buf_clear(&tx->path);
}

int
store_read_tfa(struct api_env *env, struct tfacfg **tfa_r, struct err *err)
{
	struct diag d;
	int rc;

	diag_init(&d);
	rc = tfacfg_load(env->config_dir, env->now, &d, tfa_r, err);
	warn_all(env, &d);
	diag_clear(&d);
	return rc;
}

int
store_begin_tfa(struct api_env *env, struct store_tfa *t, struct err *err)
{
	char *lockid;
	int rc;

	memset(t, 0, sizeof(*t));
	if (user_locks_held > 0)
		return err_set(err, ERR_INTERNAL, "tfa config lock cannot be "
		    "acquired while holding user config lock");
	lockid = cfg_lockid_for_file(TFACFG_FILE);	/* file-priv_tfa_cfg */
	rc = cfs_lock(env->config_dir, lockid, LOCK_TIMEOUT, &t->lock, err);
	free(lockid);
	if (rc < 0)
		return -1;
	return store_read_tfa(env, &t->tfa, err);
}

int
store_commit_tfa(struct api_env *env, struct store_tfa *t, struct err *err)
{
	if (t->lock == NULL || t->tfa == NULL)
		return err_set(err, ERR_INTERNAL,
		    "tfa config written without its lock");
	return tfacfg_save(env->config_dir, t->tfa, err);
}

void
store_end_tfa(struct store_tfa *t)
{
	cfs_unlock(t->lock);
	tfacfg_free(t->tfa);
	memset(t, 0, sizeof(*t));
}

struct keystore_entry {
	struct keystore_entry *next;
	struct authkey_store *ks;
	char dir[];
};

struct authkey_store *
store_authkeys(const struct api_env *env)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static struct keystore_entry *stores;
	struct keystore_entry *e;
	size_t n;

	pthread_mutex_lock(&mu);
	for (e = stores; e != NULL; e = e->next)
		if (strcmp(e->dir, env->config_dir) == 0)
			break;
	if (e == NULL) {
		n = strlen(env->config_dir);
		e = xmalloc(sizeof(*e) + n + 1);
		memcpy(e->dir, env->config_dir, n + 1);
		e->ks = authkey_store_new(env->config_dir);
		e->next = stores;
		stores = e;
	}
	pthread_mutex_unlock(&mu);
	return e->ks;
}
