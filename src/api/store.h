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
struct cfg_lock;

struct store_tx {
	struct cfg_lock *lock;
	struct buf path;
	struct diag diag;	/* warnings of the read under lock */
	struct ucfg *ucfg;	/* for user.cfg transactions */
};

/* "<config_dir>/<rel>" */
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
