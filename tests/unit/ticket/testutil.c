/*
 * Test helpers (see testutil.h).  Tests abort on any setup failure: a
 * broken fixture must not look like a passing case.
 */
#include "testutil.h"
#include "err.h"
#include "ticket/rsakey.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	char *p;

	snprintf(tmpl, sizeof(tmpl), "%s/rg-ticket-XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	p = mkdtemp(tmpl);
	if (p == NULL)
		abort();
	return strdup(p);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

void
tu_rmtree(char *path)
{
	if (path == NULL)
		return;
	(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(path);
}

const char *
tu_path(const char *dir, const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

void
tu_write(const char *path, const void *data, size_t len, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len ||
	    fchmod(fd, (mode_t)mode) < 0)
		abort();
	close(fd);
}

void
tu_set_mtime(const char *path, time_t mtime)
{
	struct timespec ts[2] = {
		{ .tv_sec = 0, .tv_nsec = UTIME_OMIT },
		{ .tv_sec = mtime, .tv_nsec = 0 },
	};

	if (utimensat(AT_FDCWD, path, ts, 0) < 0)
		abort();
}

time_t
tu_mtime(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return st.st_mtime;
}

int
tu_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

EVP_PKEY *
tu_key(int which)
{
	static EVP_PKEY *keys[3];
	struct err err;

	if (which < 0 || which >= 3)
		abort();
	if (keys[which] == NULL &&
	    rsakey_generate(RSAKEY_BITS, &keys[which], &err) < 0)
		abort();
	return keys[which];
}
