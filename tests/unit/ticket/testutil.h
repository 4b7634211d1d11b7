/*
 * Helpers shared by the ticket unit tests: a scratch directory that is
 * removed afterwards, file writing with a given mode and mtime, and one
 * RSA key per process (generation is slow under the sanitizers).
 */
#ifndef RG_TEST_TICKET_UTIL_H
#define RG_TEST_TICKET_UTIL_H

#include <openssl/types.h>
#include <stddef.h>
#include <time.h>

/* mkdtemp under $TMPDIR; the path is owned by the caller (free). */
char *tu_tmpdir(void);
/* rm -rf path, then free it. */
void tu_rmtree(char *path);
/* dir "/" name into a static buffer (one at a time). */
const char *tu_path(const char *dir, const char *name);
void tu_write(const char *path, const void *data, size_t len, int mode);
void tu_set_mtime(const char *path, time_t mtime);
time_t tu_mtime(const char *path);
int tu_mode(const char *path);
/* A 2048-bit key, generated once; borrowed, never free it. */
EVP_PKEY *tu_key(int which);

#endif
