/*
 * Login state files: small JSON documents under <config>/local/ that
 * every worker process shares (pending OpenID logins, pending WebAuthn
 * challenges) - and, with a shared store, every node, so a login begun
 * on one node can finish on another.
 * Each file is read and rewritten under its lock (an exclusive flock on
 * a ".lck" beside it, or the store's lock), so a read-change-write is
 * atomic among our processes; the write replaces the file whole, so
 * readers never see half of it.
 */
#ifndef RG_LOCALSTATE_H
#define RG_LOCALSTATE_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <jansson.h>

struct cfs_lock;
#include <stdbool.h>

#define LOCALSTATE_MAX (1u << 20)	/* bytes read at most */

struct localstate {
	struct cfs_lock *lock;
	const char *config_dir;
	struct buf rel;
	json_t *root;	/* the document; NULL if missing or not JSON */
};

/*
 * Lock and read <config_dir>/local/<dir>/<name>.json (directories made
 * 0700), waiting up to 10 s for the lock.  name must be a single path
 * component (the caller validates it).  s->root is NULL when the file is
 * missing or not JSON; the caller checks its shape and may replace it.
 * Always release with localstate_close.
 */
int localstate_open(const char *config_dir, const char *dir,
    const char *name, struct localstate *s, struct err *err) RG_WARN_UNUSED;

/*
 * Write s->root back (0600) with jansson's dump flags.  durable: fsync as
 * file_write_atomic; otherwise file_write_volatile (state whose loss
 * costs only a retry).
 */
int localstate_save(struct localstate *s, size_t json_flags, bool durable,
    struct err *err) RG_WARN_UNUSED;

void localstate_close(struct localstate *s);

#endif
