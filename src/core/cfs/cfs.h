/*
 * The config file store: every file of the shared configuration (user.cfg,
 * domains.cfg, priv/..., the ticket keys, the shared login state) is read,
 * written and locked through here, so that the same code runs on either
 * backend:
 *
 *   - the config directory (the default): paths under --config-dir,
 *     Proxmox's mkdir locks, atomic rename - exactly as before;
 *   - etcd v3 (--store etcd://...), shared by several nodes: a write is
 *     one compare-and-swap transaction fenced by the etcd locks its thread
 *     holds; every node keeps a "mirror" of the files under
 *     <config-dir>/local/mirror/r<revision>/, one directory per store
 *     revision, so readers (the unprivileged HTTP front among them) read
 *     ordinary files and a request always sees one whole snapshot.
 *
 * Readers ask cfs_path() for a file's path.  In etcd mode a thread is
 * pinned to one snapshot until cfs_refresh() (the start of a request), a
 * lock is taken (the pin moves to a snapshot at least as new as the
 * lock), a commit lands (the pin moves to include it), or - holding no
 * lock - half a second has passed.  A commit replaces the version of each
 * file its thread read (docs/internals/cfs.md).  Files under
 * local/ that belong to this node alone (TLS key, task logs, the mirror)
 * never go to the store: cfs_is_local().
 *
 * Writes (cfs_write, cfs_remove) made while a group is open
 * (cfs_group_begin) are staged and reach the store together at
 * cfs_group_commit, all or nothing; outside a group each write commits
 * on its own.  In directory mode groups change nothing: files are
 * written at once, as before.
 */
#ifndef RG_CFS_H
#define RG_CFS_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* cfs_write flags */
#define CFS_VOLATILE 0x1	/* directory mode: no fsync (state whose loss costs a retry) */

/*
 * Choose the backend for this process: url NULL or "" keeps the config
 * directory; "etcd://HOST:PORT[,HOST:PORT...][/PREFIX][?OPTIONS]" or
 * "etcds://..." (TLS) selects etcd (options: cacert, cert, key, user,
 * password-file, timeout-ms, lease-ttl).  No network I/O happens here.
 * Call once, before any other cfs function and before threads start.
 */
int cfs_setup(const char *url, struct err *err) RG_WARN_UNUSED;

/* The store is etcd (not the config directory). */
bool cfs_is_etcd(void);

/* "etcd://127.0.0.1:2379" (no options), or "the config directory". */
const char *cfs_store_name(void);

/*
 * A daemon whose node mirror is kept current by a watcher (realmgate
 * serve) says so before it forks: readers then use the mirror as it is.
 * Otherwise (the CLI) cfs_ready brings the mirror up to the store's
 * latest revision.
 */
void cfs_set_watched(bool watched);

/*
 * In etcd mode: a thread that keeps the node's mirror current (watching
 * the store, rebuilding the snapshot within moments of each commit) and
 * compacts the store's history now and then.  `serve` runs it in its
 * scheduler process.  Nothing happens in directory mode.
 */
int cfs_watch_start(const char *config_dir, struct err *err) RG_WARN_UNUSED;

/*
 * Remove the chunks of the store that no file uses (left by writers
 * killed between their upload and their commit); how many went.  `serve`
 * does it every few minutes; `store sweep` at once.
 */
int cfs_store_sweep(size_t *removed_r, struct err *err) RG_WARN_UNUSED;

/*
 * This process gives up the store: its credentials are wiped and every
 * later lock or write fails (ERR_DENIED); reads still come from the
 * node's mirror.  `serve` calls it in the unprivileged front, which must
 * not be able to write the configuration even if it were taken over.
 */
void cfs_forget_store(void);

/*
 * rel (n bytes) may name a file of the store: a relative path of at most
 * 255 printable bytes, no "." or empty parts, not inside the mirror.
 */
bool cfs_rel_valid(const char *rel, size_t n);

/* rel lives in a directory only root may read (priv/, local/). */
bool cfs_rel_private(const char *rel);

/* rel stays on this node in etcd mode (local/tasks/, the TLS files...). */
bool cfs_is_local(const char *rel);

/*
 * Make the node's mirror usable before anything reads: in etcd mode
 * bring it up to the store's latest revision (the CLI), or rebuild it
 * from the store (`serve`, watched); ERR_UNAVAILABLE naming the store
 * when etcd cannot be reached.  Nothing to do in directory mode.
 */
int cfs_ready(const char *config_dir, struct err *err) RG_WARN_UNUSED;

/*
 * The path to read rel at: config_dir/rel in directory mode and for
 * node-local files; otherwise the file in this thread's pinned mirror
 * snapshot.  Before cfs_ready succeeded, a path that does not exist.
 */
void cfs_path(const char *config_dir, const char *rel, struct buf *out);

/*
 * Read rel (at cfs_path) into out, appending: at most max bytes, or, for
 * a secret (max 0), with fileio's secret-file checks.  A missing file is
 * ERR_NOT_FOUND.
 */
int cfs_read(const char *config_dir, const char *rel, size_t max,
    struct buf *out, struct err *err) RG_WARN_UNUSED;

/* Forget the pinned snapshot: the next cfs_path sees the newest one. */
void cfs_refresh(void);

/*
 * Replace rel with (data, len), mode as the file's mode (also on export);
 * directories are created (0700 under priv/ and local/, else 0755).
 */
int cfs_write(const char *config_dir, const char *rel, const void *data,
    size_t len, mode_t mode, unsigned flags, struct err *err)
    RG_WARN_UNUSED;

/* The same with the file's mtime set to mtime (a ticket key's age). */
int cfs_write_dated(const char *config_dir, const char *rel,
    const void *data, size_t len, mode_t mode, time_t mtime,
    struct err *err) RG_WARN_UNUSED;

/* Remove rel; a missing file is not an error. */
int cfs_remove(const char *config_dir, const char *rel, struct err *err)
    RG_WARN_UNUSED;

/*
 * Staged writes (see above).  Groups nest; cfs_group_commit sends
 * everything staged so far as one transaction (nothing staged: nothing
 * sent; staged writes are gone after it, sent or refused).  cfs_group_end
 * closes one level; at the outermost it sends what is still staged, as a
 * config directory would hold it by then (a failure goes to stderr: a
 * caller that must know commits first).  A caller that changes its mind
 * puts the old bytes back with another write (store_side_undo).
 */
void cfs_group_begin(void);
int cfs_group_commit(const char *config_dir, struct err *err) RG_WARN_UNUSED;
void cfs_group_end(const char *config_dir);

/*
 * Locks.  cfs_lock takes one of Proxmox's named config locks ("file-
 * user_cfg", "domain-config", ...): priv/lock/<id> in directory mode, a
 * leased key in etcd mode; errors ERR_LOCK ("cfs-lock '<id>' error: got
 * lock request timeout") or ERR_UNAVAILABLE (the store).  cfs_flock
 * takes the lock that guards a small state file that Proxmox has no lock
 * for (an flock of config_dir/lockrel in directory mode).  Not
 * re-entrant; a thread may hold several.  In etcd mode every commit of
 * the thread is fenced by every lock it holds: a lock lost (its lease
 * expired while the process was paused) makes the commit fail.
 */
struct cfs_lock;

int cfs_lock(const char *config_dir, const char *lockid, int timeout_sec,
    struct cfs_lock **lock_r, struct err *err) RG_WARN_UNUSED;
int cfs_flock(const char *config_dir, const char *lockrel, int wait_ms,
    struct cfs_lock **lock_r, struct err *err) RG_WARN_UNUSED;
void cfs_unlock(struct cfs_lock *lock);	/* accepts NULL */

#endif
