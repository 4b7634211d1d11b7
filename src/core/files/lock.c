/*
 * cfg_lock: an flock for realmgate processes on the same host, then
 * Proxmox's mkdir lock directory for everyone else (see lock.h).
 *
 * While we hold the flock, an existing lock directory belongs either to a
 * Proxmox process or to a realmgate process that died holding it.  To tell
 * them apart, the holder records the directory's device and inode in the
 * flock file; a successor that finds the same directory removes it at
 * once instead of waiting for it to go stale.  Where the flock file cannot
 * be created or locked (pmxcfs refuses some operations), only the
 * directory protocol is used.  On pmxcfs (a FUSE mount) waiting touches
 * the directory with utime(0, 0) as Proxmox does, which asks pmxcfs to
 * expire it if it is old; elsewhere a directory older than 120 s is stale.
 */
#include "lock.h"
#include "buf.h"
#include "fileio.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define FUSE_MAGIC 0x65735546

struct cfg_lock {
	char *dir;	/* priv/lock/<lockid> */
	int fd;		/* flock file, -1 if unsupported */
	bool flocked;	/* we hold the flock on fd */
	bool fuse;	/* priv/lock is on a FUSE mount (pmxcfs) */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap(unsigned *ms)
{
	struct timespec ts = {0, (long)*ms * 1000000L};

	nanosleep(&ts, NULL);
	if (*ms < 100)
		*ms *= 2;
}

static bool
lockid_valid(const char *id)
{
	return *id != '\0' && strchr(id, '/') == NULL &&
	    strcmp(id, ".") != 0 && strcmp(id, "..") != 0 && id[0] != '.';
}

static int
flock_wait(int fd, long long deadline)
{
	unsigned ms = 5;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -2;	/* unsupported: fall back */
		if (now_ms() >= deadline)
			return -1;
		nap(&ms);
	}
}

/* Is dir the one a crashed realmgate holder recorded in fd? */
static bool
dir_is_ours(int fd, const struct stat *st)
{
	char rec[64], want[64];
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, rec, sizeof(rec) - 1, 0);
	if (n <= 0)
		return false;
	rec[n] = '\0';
	snprintf(want, sizeof(want), "%llu %llu\n",
	    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
	return strcmp(rec, want) == 0;
}

static void
record_dir(int fd, const char *dir)
{
	struct stat st;
	char rec[64];
	int n;

	if (fd < 0 || stat(dir, &st) < 0)
		return;
	n = snprintf(rec, sizeof(rec), "%llu %llu\n",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, rec, (size_t)n, 0) != n)
		return;	/* only costs the fast crash recovery */
}

static bool
on_fuse(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type ==
	    (unsigned long)FUSE_MAGIC;
}

static int
mkdir_wait(struct cfg_lock *l, long long deadline, struct err *err,
    const char *lockid)
{
	unsigned ms = 5;
	struct stat st;

	for (;;) {
		if (mkdir(l->dir, 0700) == 0) {
			record_dir(l->fd, l->dir);
			return 0;
		}
		if (errno != EEXIST)
			return err_set(err, ERR_LOCK, "cfs-lock '%s' error: "
			    "%s", lockid, strerror(errno));
		if (stat(l->dir, &st) == 0) {
			if (dir_is_ours(l->fd, &st) ||
			    st.st_mtime + CFG_LOCK_STALE < time(NULL)) {
				rmdir(l->dir);
				continue;
			}
			if (l->fuse)
				utime(l->dir, &(struct utimbuf){0, 0});
		}
		if (now_ms() >= deadline)
			return err_set(err, ERR_LOCK, "cfs-lock '%s' error: "
			    "got lock request timeout", lockid);
		nap(&ms);
	}
}

int
cfg_lock(const char *config_dir, const char *lockid, int timeout_sec,
    struct cfg_lock **lock_r, struct err *err)
{
	long long deadline = now_ms() + (long long)timeout_sec * 1000;
	struct buf path = BUF_INIT;
	struct cfg_lock *l;
	int rc;

	if (!lockid_valid(lockid))
		return err_set(err, ERR_INVALID, "cfs-lock '%s' error: "
		    "invalid lock id", lockid);
	buf_putf(&path, "%s/priv/lock", config_dir);
	if (file_mkdirs(buf_str(&path), 0700, err) < 0) {
		buf_clear(&path);
		return err_prefix(err, "cfs-lock '%s' error: ", lockid);
	}
	l = xcalloc(1, sizeof(*l));
	l->fuse = on_fuse(buf_str(&path));
	buf_putf(&path, "/.%s.flock", lockid);
	l->fd = open(buf_str(&path), O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	buf_clear(&path);
	buf_putf(&path, "%s/priv/lock/%s", config_dir, lockid);
	l->dir = buf_steal(&path);
	if (l->fd >= 0) {
		rc = flock_wait(l->fd, deadline);
		if (rc == -1) {
			free(l->dir);
			l->dir = NULL;
			cfg_unlock(l);
			return err_set(err, ERR_LOCK, "cfs-lock '%s' error: "
			    "got lock request timeout", lockid);
		}
		if (rc == -2) {
			close(l->fd);
			l->fd = -1;
		}
		l->flocked = rc == 0;
	}
	if (mkdir_wait(l, deadline, err, lockid) < 0) {
		free(l->dir);
		l->dir = NULL;
		cfg_unlock(l);
		return -1;
	}
	*lock_r = l;
	return 0;
}

void
cfg_unlock(struct cfg_lock *l)
{
	if (l == NULL)
		return;
	if (l->dir != NULL)
		rmdir(l->dir);
	/* a failed truncate leaves a record of a directory now gone */
	if (l->flocked && ftruncate(l->fd, 0) < 0)
		l->flocked = false;
	if (l->fd >= 0)
		close(l->fd);
	free(l->dir);
	free(l);
}

char *
cfg_lockid_for_file(const char *path)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "file-");
	for (; *path != '\0'; path++)
		buf_putc(&b, *path == '.' || *path == '/' ? '_' : *path);
	return buf_steal(&b);
}
