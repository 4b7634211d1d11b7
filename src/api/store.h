/*
 * Access to the config directory for API handlers: reading a file, and
 * transactions that follow Proxmox's discipline (take the file's lock,
 * re-read, change, write the whole file atomically, release).  A file
 * holding lines that could not be parsed is never rewritten silently: the
 * commit refuses and names those lines unless the caller passed --force.
 */
#ifndef RG_STORE_H
#define RG_STORE_H

#include "api.h"
#include "buf.h"
#include "ucfg.h"

struct authkey_store;
struct cfs_lock;
struct tfacfg;

struct store_tx {
	struct cfs_lock *lock;
	struct buf path;
	struct diag diag;	/* warnings of the read under lock */
	bool grouped;		/* opened a cfs group (store_end closes it) */
	const char *config_dir;
	struct ucfg *ucfg;	/* for user.cfg transactions */
	bool holds_user;	/* lock is user.cfg's (see store_begin_tfa) */
};

/* Where to read rel: "<config_dir>/<rel>", or its file in the node's
 * mirror of the shared store (cfs_path). */
void store_path(const struct api_env *env, const char *rel, struct buf *out);

/*
 * Read user.cfg without a lock (warnings go to env->warnings).  The result
 * is read-only and must be given back with store_release_user: with the
 * cache on (the daemon) it is a shared snapshot, re-read only when the
 * file changes on disk.
 */
int store_read_user(struct api_env *env, struct ucfg **cfg_r,
    struct err *err) RG_WARN_UNUSED;
void store_release_user(struct ucfg *cfg);

/* Keep one parsed user.cfg per config dir (the daemon); drop it. */
void store_cache_enable(void);
void store_cache_drop(void);
bool store_cache_enabled(void);
/*
 * The generation of a snapshot from store_read_user: grows with every
 * snapshot the cache takes, and is 0 when cfg is no longer the cache's
 * current one (or there is no cache).  Caches of results computed from a
 * snapshot key them with the generation of the snapshot they were
 * computed from, taken from that snapshot, never "the current one" read
 * afterwards: a request that read the old file and finishes after a
 * change must not file its old answer under the new generation.
 */
unsigned long store_user_generation(const struct ucfg *cfg);

/*
 * The ticket keys of env's config dir, one store per dir for the life of
 * the process: it re-reads a key file only when it changes on disk, so a
 * login does not decode the private key again (OpenSSL 3's PEM decoder
 * costs more than the signature).  Never freed; thread-safe.
 */
struct authkey_store *store_authkeys(const struct api_env *env);

/* The same, skipping UCFG_SKIP_* kinds of lines (for listings). */
int store_read_user_partial(struct api_env *env, unsigned skip,
    struct ucfg **cfg_r, struct err *err) RG_WARN_UNUSED;

/* Lock user.cfg and read it into tx->ucfg. */
int store_begin_user(struct api_env *env, struct store_tx *tx,
    struct err *err) RG_WARN_UNUSED;
/* Write tx->ucfg back (refusing to drop lines unless env->force). */
int store_commit_user(struct api_env *env, struct store_tx *tx,
    struct err *err) RG_WARN_UNUSED;
/* Release the lock and free everything; safe after a failed begin. */
void store_end(struct store_tx *tx);

/*
 * Send what this thread's open user.cfg transaction wrote to other files
 * without changing user.cfg (in a shared store they wait for
 * store_commit_user); nothing to do on a config directory.
 */
int store_flush(struct api_env *env, struct err *err) RG_WARN_UNUSED;

/*
 * Refuse now what store_commit_user would refuse (lines of user.cfg that
 * could not be read, without --force): a transaction that writes another
 * file too calls this before it writes anything, so that a refusal
 * changes nothing.
 */
int store_check_user(const struct api_env *env, const struct store_tx *tx,
    struct err *err) RG_WARN_UNUSED;

/*
 * A second file written in the same transaction as user.cfg (priv/
 * token.cfg, priv/shadow.cfg) or domains.cfg (priv/realm/<realm>.pw):
 * locked, and its bytes kept, before anything is written, so that
 * everything can be checked first and, should writing the main file fail
 * afterwards, the file can be put back as it was.  Locks are taken in
 * the order user.cfg (or domains.cfg), priv/token.cfg, priv/shadow.cfg.
 */
struct store_side {
	struct cfs_lock *lock;
	const char *config_dir;
	struct buf path;	/* relative to the config dir */
	struct buf orig;	/* the bytes at begin (secret: wiped) */
	bool existed;		/* the file existed at begin */
	bool written;		/* changed since: undo has work to do */
};

/* An empty side; store_side_end is safe on it. */
void store_side_init(struct store_side *s);
/*
 * Take rel's lock (Proxmox's lock id for the path, waiting up to timeout
 * s; timeout < 0: the caller holds the lock that covers rel) and read it
 * with the secret-file checks (a missing file is empty).
 */
int store_side_begin(struct api_env *env, const char *rel, int timeout,
    struct store_side *s, struct err *err) RG_WARN_UNUSED;
/* Replace the file atomically (mode 0600, directories created 0700). */
int store_side_write(struct store_side *s, const void *data, size_t len,
    struct err *err) RG_WARN_UNUSED;
/* Remove the file (nothing to do if it is missing). */
int store_side_remove(struct store_side *s, struct err *err)
    RG_WARN_UNUSED;
/* Someone holding the side's lock (a realm driver) changed the file. */
void store_side_touched(struct store_side *s);
/*
 * The main file could not be written: put the side's bytes back as they
 * were at begin, if it was changed.  Best effort; a failure is left as a
 * warning in env.
 */
void store_side_undo(struct api_env *env, struct store_side *s);
/* Release the lock, wipe and free. */
void store_side_end(struct store_side *s);
/*
 * A removal wrote its main file (the object is gone) and then failed to
 * write side file rel: what is left there (a hash, token secret or bind
 * password of an object that no longer exists) is a harmless orphan -
 * nothing refers to it, and a new object of the same name replaces or
 * drops it before its main file is written.  The removal has happened,
 * so it succeeds: err is cleared and left as a warning in env (printed
 * by the CLI), never undone.
 */
void store_orphan_left(struct api_env *env, const char *rel,
    struct err *err);

/*
 * priv/tfa.cfg (spec 1.7), read and changed the way user.cfg is: lock
 * file-priv_tfa_cfg, re-read, change tfa, write the whole file atomically
 * (temp, fsync, rename; 0600), release.  Nothing is written before the
 * commit, so a change the caller refuses half-way writes nothing.
 *
 * Lock order (Proxmox's rule): tfa.cfg BEFORE user.cfg.  A thread that
 * holds the user.cfg lock (a store_begin_user not yet ended) cannot begin
 * a tfa.cfg transaction: ERR_INTERNAL "tfa config lock cannot be acquired
 * while holding user config lock", at once, never a deadlock.  A tfa.cfg
 * transaction may take the user.cfg lock inside it.
 */
struct store_tfa {
	struct cfs_lock *lock;
	struct tfacfg *tfa;
};

/* Read tfa.cfg without a lock (warnings to env->warnings); free it. */
int store_read_tfa(struct api_env *env, struct tfacfg **tfa_r,
    struct err *err) RG_WARN_UNUSED;
/* Lock tfa.cfg and read it into t->tfa (a missing file is empty). */
int store_begin_tfa(struct api_env *env, struct store_tfa *t,
    struct err *err) RG_WARN_UNUSED;
/* Write t->tfa back. */
int store_commit_tfa(struct api_env *env, struct store_tfa *t,
    struct err *err) RG_WARN_UNUSED;
/* Release the lock and free; safe after a failed begin. */
void store_end_tfa(struct store_tfa *t);

/*
 * Lock any file by its path relative to the config dir, Proxmox lock id
 * derived from it ("priv/token.cfg" -> "file-priv_token_cfg").
 */
int store_lock(struct api_env *env, const char *rel, int timeout,
    struct store_tx *tx, struct err *err) RG_WARN_UNUSED;

/*
 * The refusal check used by every commit: fails if diag holds dropped
 * lines and env->force is not set, naming them.
 */
int store_check_dropped(const struct api_env *env, const char *rel,
    const struct diag *diag, struct err *err) RG_WARN_UNUSED;

#endif
