/*
 * The config file store's front door (see cfs.h): chooses the backend,
 * keeps each thread's staged writes and held locks, and does the
 * directory backend itself, which is what realmgate always did.
 */
#include "cfs_int.h"
#include "fileio.h"
#include "files/lock.h"
#include "xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool use_etcd;
bool cfs_watched;

/* this thread's open groups and staged writes */
static __thread unsigned group_depth;
static __thread struct cfs_staged *staged;
/* this thread's etcd locks, newest first */
static __thread struct cfs_lock *held;

/*
 * Files that belong to one node even when the configuration is shared:
 * its HTTPS key and certificate, its task logs, the mirror itself and
 * the flock files beside node-local state.  One row per prefix.
 */
static const char *const local_prefixes[] = {
	"local/realmgate-ssl.",
	"local/tasks/",
	"local/mirror/",
	"local/audit",
};

int
cfs_setup(const char *url, struct err *err)
{
	if (url == NULL || url[0] == '\0') {
		use_etcd = false;
		return 0;
	}
	if (cfs_etcd_setup(url, err) < 0)
		return -1;
	use_etcd = true;
	return 0;
}

bool
cfs_is_etcd(void)
{
	return use_etcd;
}

const char *
cfs_store_name(void)
{
	return use_etcd ? cfs_etcd_name() : "the config directory";
}

void
cfs_set_watched(bool watched)
{
	cfs_watched = watched;
}

bool
cfs_is_local(const char *rel)
{
	size_t i;

	for (i = 0; i < sizeof(local_prefixes) / sizeof(*local_prefixes); i++) {
		const char *p = local_prefixes[i];
		size_t n = strlen(p);

		/* "dir/" covers the directory itself too */
		if (strncmp(rel, p, n) == 0 || (p[n - 1] == '/' &&
		    strncmp(rel, p, n - 1) == 0 && rel[n - 1] == '\0'))
			return true;
	}
	return false;
}

void
cfs_forget_store(void)
{
	if (use_etcd)
		cfs_etcd_forget();
}

int
cfs_store_sweep(size_t *removed_r, struct err *err)
{
	if (!use_etcd)
		return err_set(err, ERR_UNSUPPORTED, "no shared store");
	return cfs_sweep(removed_r, err);
}

bool
cfs_rel_valid(const char *rel, size_t n)
{
	size_t i;

	if (n == 0 || n > 255 || rel[0] == '/' || rel[0] == '.' ||
	    rel[n - 1] == '/' || memmem(rel, n, "/.", 2) != NULL ||
	    memmem(rel, n, "//", 2) != NULL || memchr(rel, '\0', n) != NULL ||
	    (n >= 13 && strncmp(rel, "local/mirror/", 13) == 0))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)rel[i] <= 0x20 || rel[i] == 0x7f)
			return false;
	return true;
}

bool
cfs_rel_private(const char *rel)
{
	return strncmp(rel, "priv/", 5) == 0 || strncmp(rel, "local/", 6) == 0;
}

int
cfs_ready(const char *config_dir, struct err *err)
{
	if (!use_etcd)
		return 0;
	return cfs_mirror_ready(config_dir, cfs_watched, err);
}

void
cfs_path(const char *config_dir, const char *rel, struct buf *out)
{
	buf_reset(out);
	if (!use_etcd || cfs_is_local(rel))
		buf_putf(out, "%s/%s", config_dir, rel);
	else
		cfs_mirror_path(config_dir, rel, out);
}

int
cfs_read(const char *config_dir, const char *rel, size_t max,
    struct buf *out, struct err *err)
{
	struct buf path = BUF_INIT;
	int rc;

	cfs_path(config_dir, rel, &path);
	if (max != 0)
		rc = file_read(buf_str(&path), max, out, err);
	else if (use_etcd && !cfs_is_local(rel))
		rc = file_read_secret_linked(buf_str(&path), out, err);
	else
		rc = file_read_secret(buf_str(&path), out, err);
	buf_clear(&path);
	return rc;
}

void
cfs_refresh(void)
{
	if (use_etcd && held == NULL && group_depth == 0)
		cfs_mirror_unpin();
}

/* mkdir -p the directory of config_dir/rel: private under priv/, local/ */
static int
mkdirs_for(const char *config_dir, const char *rel, struct err *err)
{
	const char *slash = strrchr(rel, '/');
	struct buf dir = BUF_INIT;
	bool private;
	int rc;

	if (slash == NULL)
		return 0;
	private = cfs_rel_private(rel);
	buf_putf(&dir, "%s/%.*s", config_dir, (int)(slash - rel), rel);
	rc = file_mkdirs(buf_str(&dir), private ? 0700 : 0755, err);
	buf_clear(&dir);
	return rc;
}

static void
staged_free(struct cfs_staged *s)
{
	free(s->rel);
	buf_clear_secret(&s->data);
	free(s);
}

/* Stage a write (data NULL: a removal), replacing one of the same file. */
static void
stage(const char *rel, const void *data, size_t len, mode_t mode,
    time_t mtime)
{
	struct cfs_staged **pp, *s;

	for (pp = &staged; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->rel, rel) == 0)
			break;
	if (*pp != NULL) {
		s = *pp;
		buf_clear_secret(&s->data);
	} else {
		s = xcalloc(1, sizeof(*s));
		s->rel = xstrdup(rel);
		*pp = s;	/* kept in order: the first write comes first */
	}
	s->remove = data == NULL;
	s->mode = mode;
	s->mtime = mtime;
	if (data != NULL)
		buf_put(&s->data, data, len);
}

static void
staged_drop(void)
{
	struct cfs_staged *s;

	while ((s = staged) != NULL) {
		staged = s->next;
		staged_free(s);
	}
}

static int
etcd_write_now(const char *config_dir, const char *rel, const void *data,
    size_t len, mode_t mode, time_t mtime, struct err *err)
{
	int rc;

	stage(rel, data, len, mode, mtime);
	if (group_depth > 0)
		return 0;
	rc = cfs_etcd_commit(config_dir, staged, err);
	staged_drop();
	return rc;
}

int
cfs_write(const char *config_dir, const char *rel, const void *data,
    size_t len, mode_t mode, unsigned flags, struct err *err)
{
	struct buf path = BUF_INIT;
	int rc;

	if (use_etcd && !cfs_is_local(rel))
		return etcd_write_now(config_dir, rel, data != NULL ? data : "",
		    len, mode, 0, err);
	if (mkdirs_for(config_dir, rel, err) < 0)
		return -1;
	buf_putf(&path, "%s/%s", config_dir, rel);
	if (flags & CFS_VOLATILE)
		rc = file_write_volatile(buf_str(&path), data, len, mode, err);
	else
		rc = file_write_atomic(buf_str(&path), data, len, mode, err);
	buf_clear(&path);
	return rc;
}

int
cfs_write_dated(const char *config_dir, const char *rel, const void *data,
    size_t len, mode_t mode, time_t mtime, struct err *err)
{
	struct timespec times[2] = {
		{ .tv_sec = 0, .tv_nsec = UTIME_OMIT },
		{ .tv_sec = mtime, .tv_nsec = 0 },
	};
	struct buf path = BUF_INIT;
	int rc;

	if (use_etcd && !cfs_is_local(rel))
		return etcd_write_now(config_dir, rel, data != NULL ? data : "",
		    len, mode, mtime, err);
	if (cfs_write(config_dir, rel, data, len, mode, 0, err) < 0)
		return -1;
	buf_putf(&path, "%s/%s", config_dir, rel);
	rc = utimensat(AT_FDCWD, buf_str(&path), times, 0);
	if (rc < 0)
		err_set(err, ERR_IO, "unable to set mtime of '%s' - %s",
		    buf_str(&path), strerror(errno));
	buf_clear(&path);
	return rc < 0 ? -1 : 0;
}

int
cfs_remove(const char *config_dir, const char *rel, struct err *err)
{
	struct buf path = BUF_INIT;
	int rc = 0;

	if (use_etcd && !cfs_is_local(rel))
		return etcd_write_now(config_dir, rel, NULL, 0, 0, 0, err);
	buf_putf(&path, "%s/%s", config_dir, rel);
	/* as an atomic write does: a killed writer's temp file goes too */
	file_clean_temps(buf_str(&path));
	if (unlink(buf_str(&path)) < 0 && errno != ENOENT)
		rc = err_set(err, ERR_IO, "unable to delete '%s' - %s",
		    buf_str(&path), strerror(errno));
	buf_clear(&path);
	return rc;
}

void
cfs_group_begin(void)
{
	group_depth++;
}

int
cfs_group_commit(const char *config_dir, struct err *err)
{
	int rc;

	if (!use_etcd || staged == NULL)
		return 0;
	rc = cfs_etcd_commit(config_dir, staged, err);
	staged_drop();
	return rc;
}

void
cfs_group_end(const char *config_dir)
{
	struct err err;

	if (group_depth == 0 || --group_depth > 0 || staged == NULL)
		return;
	/*
	 * Written and not committed: what a config directory would hold
	 * now, so it goes to the store as well (a failed or refused
	 * commit has dropped its writes already).
	 */
	if (cfs_etcd_commit(config_dir, staged, &err) < 0)
		fprintf(stderr, "realmgate: %s: %s\n", staged->rel, err.msg);
	staged_drop();
}

int
cfs_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	/* signals stay with the threads that wait for them (serve's
	   supervisor takes SIGTERM through a signalfd) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

struct cfs_lock *
cfs_held_locks(void)
{
	return held;
}

static int
etcd_lock(const char *config_dir, const char *name, int timeout_ms,
    struct cfs_lock **lock_r, struct err *err)
{
	struct cfs_lock *l = xcalloc(1, sizeof(*l));

	l->fd = -1;
	if (cfs_etcd_lock(config_dir, name, timeout_ms, l, err) < 0) {
		free(l);
		return -1;
	}
	l->next_held = held;
	held = l;
	*lock_r = l;
	return 0;
}

int
cfs_lock(const char *config_dir, const char *lockid, int timeout_sec,
    struct cfs_lock **lock_r, struct err *err)
{
	struct cfs_lock *l;

	*lock_r = NULL;
	if (use_etcd)
		return etcd_lock(config_dir, lockid, timeout_sec * 1000,
		    lock_r, err);
	l = xcalloc(1, sizeof(*l));
	l->fd = -1;
	if (cfg_lock(config_dir, lockid, timeout_sec, &l->dir, err) < 0) {
		free(l);
		return -1;
	}
	*lock_r = l;
	return 0;
}

int
cfs_flock(const char *config_dir, const char *lockrel, int wait_ms,
    struct cfs_lock **lock_r, struct err *err)
{
	struct buf path = BUF_INIT;
	struct cfs_lock *l;
	int rc;

	*lock_r = NULL;
	if (use_etcd)
		return etcd_lock(config_dir, lockrel, wait_ms, lock_r, err);
	if (mkdirs_for(config_dir, lockrel, err) < 0)
		return -1;
	l = xcalloc(1, sizeof(*l));
	buf_putf(&path, "%s/%s", config_dir, lockrel);
	rc = file_flock(buf_str(&path), wait_ms, &l->fd, err);
	buf_clear(&path);
	if (rc < 0) {
		free(l);
		return -1;
	}
	*lock_r = l;
	return 0;
}

void
cfs_unlock(struct cfs_lock *l)
{
	struct cfs_lock **pp;

	if (l == NULL)
		return;
	if (l->key != NULL) {
		for (pp = &held; *pp != NULL; pp = &(*pp)->next_held)
			if (*pp == l) {
				*pp = l->next_held;
				break;
			}
		cfs_etcd_unlock(l);
		free(l->key);
	}
	if (l->dir != NULL)
		cfg_unlock(l->dir);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
