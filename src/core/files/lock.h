/*
 * Config locks that interoperate with Proxmox (spec 1.13): a lock is the
 * directory priv/lock/<lockid>, created with mkdir, which pmxcfs makes
 * atomic cluster-wide and expires after 120 s.  On an ordinary filesystem
 * a crashed holder would leave that directory behind, so realmgate
 * processes first serialise on an flock of priv/lock/.<lockid>.flock,
 * which the kernel releases when the holder dies, and record in that file
 * which directory they made, so that a directory left by a realmgate
 * process that died (even between its mkdir and its record) is removed at
 * once while one made by a Proxmox process still expires after 120 s.
 */
#ifndef RG_LOCK_H
#define RG_LOCK_H

#include "compiler.h"
#include "err.h"

#define CFG_LOCK_TIMEOUT 10	/* seconds, Proxmox's default */
#define CFG_LOCK_STALE	 120	/* seconds after which a lock dir is stale */

struct cfg_lock;

/*
 * Acquire lockid (e.g. "file-user_cfg", "authkey") under config_dir,
 * waiting up to timeout_sec.  On success *lock_r is the caller's; release
 * it with cfg_unlock.  Errors (ERR_LOCK): "cfs-lock '<id>' error: got lock
 * request timeout", or "cfs-lock '<id>' error: <reason>".  Not re-entrant.
 */
int cfg_lock(const char *config_dir, const char *lockid, int timeout_sec,
    struct cfg_lock **lock_r, struct err *err) RG_WARN_UNUSED;

/* Release and free; accepts NULL. */
void cfg_unlock(struct cfg_lock *lock);

/*
 * Proxmox's lock id of a config file: "file-" + path with '.' and '/'
 * replaced by '_' ("priv/token.cfg" -> "file-priv_token_cfg").  The
 * result is the caller's (free).
 */
char *cfg_lockid_for_file(const char *path);

#endif
