/*
 * A private scratch config directory for the fuzz targets that read real
 * files (pending OpenID logins, priv/realm/<realm>.pw): made once per
 * process under $TMPDIR (or /tmp), removed at exit.  Header-only so each
 * target stays one file.
 */
#ifndef RG_FUZZ_TMPDIR_H
#define RG_FUZZ_TMPDIR_H

#include "compiler.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir[512];

static int
fuzz_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
fuzz_tmpdir_remove(void)
{
	if (fuzz_dir[0] != '\0')
		nftw(fuzz_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The scratch directory (created on the first call; aborts on failure). */
static const char *
fuzz_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	if (fuzz_dir[0] != '\0')
		return fuzz_dir;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/rg-fuzz-XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	atexit(fuzz_tmpdir_remove);
	return fuzz_dir;
}

/*
 * Write data to <dir>/<rel> (mode 0600, parent directories made 0700),
 * replacing what was there.
 */
static RG_UNUSED void
fuzz_write(const char *rel, const void *data, size_t len)
{
	char path[1024], *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), rel);
	for (p = path + strlen(fuzz_dir) + 1; (p = strchr(p, '/')) != NULL;
	    p++) {
		*p = '\0';
		(void)mkdir(path, 0700);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len))
		abort();
	close(fd);
}

/* Remove <dir>/<rel> if it is there. */
static RG_UNUSED void
fuzz_unlink(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), rel);
	(void)unlink(path);
}

#endif
