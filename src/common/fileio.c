/*
 * Bounded reads, checked secret reads and atomic writes (see fileio.h).
 */
#include "fileio.h"
#include "str.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int
file_read_secret(const char *path, struct buf *out, struct err *err)
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
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
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

static int
replace_file(const char *path, const void *data, size_t len, mode_t mode,
    bool durable, struct err *err)
{
	struct buf tmp = BUF_INIT;
	const char *p = data;
	int fd = -1, rc = -1;

	buf_putf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	unlink(buf_str(&tmp));
	fd = open(buf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode);
	if (fd < 0) {
		err_set(err, ERR_IO, "unable to create '%s' - %s",
		    buf_str(&tmp), strerror(errno));
		goto out;
	}
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
