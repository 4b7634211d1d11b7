/*
 * File input and output with the guarantees config files need: reads are
 * bounded, secret files are checked for type, owner and mode before their
 * bytes are trusted, and writes are atomic (temp file, fsync, rename, fsync
 * of the directory), so a crash leaves the old or the new file, never a
 * torn one; the temp file a crash leaves is removed by the next write.
 */
#ifndef RG_FILEIO_H
#define RG_FILEIO_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <sys/types.h>

#define FILE_MAX_CONFIG (256u * 1024 * 1024)
#define FILE_MAX_SECRET (1024u * 1024)

/*
 * Read the whole file into out (appending).  A missing file is ERR_NOT_FOUND
 * so callers can treat it as empty.
 */
int file_read(const char *path, size_t max, struct buf *out, struct err *err)
    RG_WARN_UNUSED;

/*
 * Read a secret file: O_NOFOLLOW, regular file, one link, not writable by
 * group or others, owned by root or by us.  Contents go into out; wipe it
 * with buf_clear_secret.
 */
int file_read_secret(const char *path, struct buf *out, struct err *err)
    RG_WARN_UNUSED;

/*
 * The same, allowing more than one link: for the store's mirror
 * (cfs.h), whose snapshots share unchanged files by hard links in
 * directories only root can write.
 */
int file_read_secret_linked(const char *path, struct buf *out,
    struct err *err) RG_WARN_UNUSED;

/*
 * Atomically replace path with (data,len), created with the given mode.
 */
int file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct err *err) RG_WARN_UNUSED;

/*
 * The same without the fsyncs: readers see the old or the new file, but a
 * crash may lose the change.  For short-lived state only (pending OpenID
 * logins), where a lost write costs a retried login, not data.
 */
int file_write_volatile(const char *path, const void *data, size_t len,
    mode_t mode, struct err *err) RG_WARN_UNUSED;

/*
 * Remove the temp files ("<file>.tmp.<pid>") that writers killed before
 * their rename left beside path (file_clean_temps; every atomic write
 * does it first) or in dir (file_clean_temps_dir; `serve` does it at
 * start).  A temp file whose writer still runs is kept; on FUSE (pmxcfs),
 * where that cannot be seen, only one older than FILE_TEMP_STALE goes.
 */
#define FILE_TEMP_STALE 120	/* seconds */
void file_clean_temps(const char *path);
void file_clean_temps_dir(const char *dir);

/*
 * Open (creating it 0600, never through a symlink) the lock file path
 * and flock it exclusively, trying again for up to wait_ms (short waits
 * first); *fd_r holds the lock until closed.  ERR_IO if it cannot be
 * opened or locked, ERR_LOCK "can't lock '<path>'" on the timeout.
 */
int file_flock(const char *path, int wait_ms, int *fd_r, struct err *err)
    RG_WARN_UNUSED;

/* mkdir -p with the given mode for the directories it creates. */
int file_mkdirs(const char *path, mode_t mode, struct err *err)
    RG_WARN_UNUSED;

bool file_exists(const char *path);


#endif
