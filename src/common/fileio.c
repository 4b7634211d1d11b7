/*
 * Bounded reads, checked secret reads and atomic writes (see fileio.h).
 */
#include "fileio.h"
#include "str.h"
#include "testpoint.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define FUSE_MAGIC 0x65735546

static int
read_fd(int fd, const char *path, size_t max, struct buf *out,
    struct err *err)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, ERR_IO, "unable to read '%s' - %s",
			    path, strerror(errno));
		}
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > max)
			return err_set(err, ERR_IO,
			    "file '%s' too large (limit %zu bytes)", path, max);
		buf_put(out, chunk, (size_t)n);
	}
}

int
file_read(const char *path, size_t max, struct buf *out, struct err *err)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
		    "unable to open '%s' - %s", path, strerror(errno));
	rc = read_fd(fd, path, max, out, err);
	close(fd);
	return rc;
}

static int
read_secret(const char *path, bool links_ok, struct buf *out,
    struct err *err)
{
	struct stat st;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
		    "unable to open '%s' - %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err_set(err, ERR_IO, "unable to stat '%s' - %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_nlink != 1 && !links_ok)) {
		err_set(err, ERR_IO, "'%s' is not a plain file", path);
		goto out;
	}
	if ((st.st_mode & 022) != 0) {
		err_set(err, ERR_IO,
		    "'%s' is writable by group or others - refusing it", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		err_set(err, ERR_IO, "'%s' has an unexpected owner", path);
		goto out;
	}
	rc = read_fd(fd, path, FILE_MAX_SECRET, out, err);
out:
	close(fd);
	return rc;
}

int
file_read_secret(const char *path, struct buf *out, struct err *err)
{
	return read_secret(path, false, out, err);
}

int
file_read_secret_linked(const char *path, struct buf *out, struct err *err)
{
	return read_secret(path, true, out, err);
}

static int
fsync_dir(const char *path, struct err *err)
{
	char *copy = xstrdup(path);
	int fd, rc = 0;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = err_set(err, ERR_IO, "unable to sync directory of '%s' - %s",
		    path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/*
 * If name is "<base>.tmp.<pid>" (base NULL: any base), the pid; else 0.
 * The writers' temp names, realmgate's and Proxmox's alike.
 */
static long
temp_pid(const char *name, const char *base)
{
	const char *p;
	char *end;
	long pid;

	if (base != NULL) {
		size_t n = strlen(base);

		if (strncmp(name, base, n) != 0 ||
		    strncmp(name + n, ".tmp.", 5) != 0)
			return 0;
		p = name + n + 5;
	} else {
		p = strstr(name, ".tmp.");
		if (p == NULL || p == name)
			return 0;
		while (strstr(p + 1, ".tmp.") != NULL)
			p = strstr(p + 1, ".tmp.");
		p += 5;
	}
	if (*p < '1' || *p > '9')
		return 0;
	errno = 0;
	pid = strtol(p, &end, 10);
	return *end == '\0' && errno == 0 && pid > 0 ? pid : 0;
}

/*
 * Remove a temp file whose writer is gone.  A realmgate writer holds an
 * flock on its temp file until the rename, so a free flock plus a pid
 * that no longer runs (or a file older than FILE_TEMP_STALE, for a reused
 * pid) means it was killed.  On FUSE (pmxcfs) the writer may be a Proxmox
 * process on another node, which neither the flock nor the pid shows:
 * there only the age counts.  The name is removed only if it still is the
 * file we looked at.
 */
static void
clean_one(int dfd, const char *name, long pid, bool fuse)
{
	struct stat st, now;
	bool old, stale;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	old = st.st_mtime + FILE_TEMP_STALE < time(NULL);
	if (fuse) {
		stale = old;
	} else {
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
			goto out;	/* its writer is still at work */
		stale = old || (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
	}
	if (stale && fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_dev == st.st_dev && now.st_ino == st.st_ino)
		(void)unlinkat(dfd, name, 0);
out:
	close(fd);
}

static void
clean_dir(const char *dir, const char *base)
{
	struct statfs sf;
	struct dirent *de;
	bool fuse;
	DIR *d;
	long pid;

	d = opendir(dir);
	if (d == NULL)
		return;
	fuse = fstatfs(dirfd(d), &sf) == 0 &&
	    (unsigned long)sf.f_type == (unsigned long)FUSE_MAGIC;
	while ((de = readdir(d)) != NULL) {
		if ((pid = temp_pid(de->d_name, base)) != 0 &&
		    pid != (long)getpid())
			clean_one(dirfd(d), de->d_name, pid, fuse);
	}
	closedir(d);
}

void
file_clean_temps(const char *path)
{
	char *copy = xstrdup(path);

	clean_dir(dirname(copy), base_name(path));
	free(copy);
}

void
file_clean_temps_dir(const char *dir)
{
	clean_dir(dir, NULL);
}

static int
replace_file(const char *path, const void *data, size_t len, mode_t mode,
    bool durable, struct err *err)
{
	struct buf tmp = BUF_INIT;
	const char *p = data;
	int fd = -1, rc = -1;

	file_clean_temps(path);
	buf_putf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	unlink(buf_str(&tmp));
	fd = open(buf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode);
	if (fd < 0) {
		err_set(err, ERR_IO, "unable to create '%s' - %s",
		    buf_str(&tmp), strerror(errno));
		goto out;
	}
	/* held until the rename: a writer still at work is never cleaned */
	(void)flock(fd, LOCK_EX | LOCK_NB);
	/* the umask must not widen or narrow what the caller asked for */
	if (fchmod(fd, mode) < 0)
		goto io_error;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto io_error;
		p += n;
		len -= (size_t)n;
	}
	if (durable && fsync(fd) < 0)
		goto io_error;
	if (close(fd) < 0) {
		fd = -1;
		goto io_error;
	}
	fd = -1;
	testpoint("write-tmp", base_name(path));
	if (rename(buf_str(&tmp), path) < 0)
		goto io_error;
	rc = durable ? fsync_dir(path, err) : 0;
	goto out;
io_error:
	err_set(err, ERR_IO, "unable to write '%s' - %s", path,
	    strerror(errno));
	unlink(buf_str(&tmp));
out:
	if (fd >= 0) {
		close(fd);
		unlink(buf_str(&tmp));
	}
	buf_clear(&tmp);
	return rc;
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct err *err)
{
	return replace_file(path, data, len, mode, true, err);
}

int
file_write_volatile(const char *path, const void *data, size_t len,
    mode_t mode, struct err *err)
{
	return replace_file(path, data, len, mode, false, err);
}

int
file_mkdirs(const char *path, mode_t mode, struct err *err)
{
	char *copy = xstrdup(path);
	char *p;
	int rc = 0;

	for (p = copy + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, mode) < 0 && errno != EEXIST) {
				rc = err_set(err, ERR_IO,
				    "unable to create directory '%s' - %s",
				    copy, strerror(errno));
				break;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(copy);
	return rc;
}

bool
file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int
file_flock(const char *path, int wait_ms, int *fd_r, struct err *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int waited = 0, step = 1;

	*fd_r = -1;
	if (fd < 0)
		return err_set(err, ERR_IO, "%s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= wait_ms) {
			err_set(err, errno == EWOULDBLOCK ? ERR_LOCK : ERR_IO,
			    "can't lock '%s'%s%s", path, errno == EWOULDBLOCK ?
			    "" : ": ", errno == EWOULDBLOCK ? "" :
			    strerror(errno));
			close(fd);
			return -1;
		}
		/* short waits first: holders rewrite a small file */
		poll(NULL, 0, step);
		waited += step;
		if (step < 32)
			step *= 2;
	}
	*fd_r = fd;
	return 0;
}
