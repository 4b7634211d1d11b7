/*
 * The ticket signing keys in the config directory (spec 1.10):
 *
 *   authkey.pub        current public key (PEM SubjectPublicKeyInfo), 0644
 *   authkey.pub.old    previous public key, rewritten at rotation, 0644
 *   priv/authkey.key   current private key (PKCS#1 or PKCS#8 PEM), 0600
 *
 * File mtimes are semantic: they give the key ages that decide which
 * tickets each key accepts (pveticket.h).  Keys live in an explicit store
 * object that caches the parsed keys and re-reads a file when its mtime
 * (or inode or size) changes.  A store may be shared by threads: its
 * cache is guarded by a mutex inside it, and the keys it hands out are
 * separate references that stay valid after a reload.
 *
 * Rotation is NOT locked here: the caller must hold the cluster lock
 * `authkey` (priv/lock/authkey) around authkey_rotate(), which re-checks
 * after dropping the cache, as Proxmox does once it has the lock.
 */
#ifndef RG_AUTHKEY_H
#define RG_AUTHKEY_H

#include "compiler.h"
#include "err.h"
#include "pveticket.h"

#include <openssl/types.h>
#include <stdbool.h>
#include <time.h>

#define AUTHKEY_PUB_FILE  "authkey.pub"
#define AUTHKEY_OLD_FILE  "authkey.pub.old"
#define AUTHKEY_PRIV_DIR  "priv"
#define AUTHKEY_PRIV_FILE "priv/authkey.key"

struct authkey_store;

/* A store for the keys under config_dir (copied).  Never NULL. */
struct authkey_store *authkey_store_new(const char *config_dir);
/* Accepts NULL. */
void authkey_store_free(struct authkey_store *ks);

/* Forget every cached key, so the next call re-reads the files. */
void authkey_store_invalidate(struct authkey_store *ks);

/*
 * The current and previous public keys with their mtimes, for
 * pve_ticket_verify().  *keys_r holds new references: release them with
 * pve_pubkeys_clear().  A missing or unusable authkey.pub.old just leaves
 * keys_r->old NULL.  Errors: ERR_NOT_FOUND when authkey.pub is missing,
 * ERR_IO / ERR_INVALID when it cannot be read or parsed.
 */
int authkey_get_pubkeys(struct authkey_store *ks, struct pve_pubkeys *keys_r,
    struct err *err) RG_WARN_UNUSED;

/*
 * The private key for signing (priv/authkey.key, read with the secret-file
 * checks).  *key_r is a new reference: EVP_PKEY_free() it.  Errors:
 * ERR_NOT_FOUND, ERR_IO, ERR_INVALID.
 */
int authkey_get_privkey(struct authkey_store *ks, EVP_PKEY **key_r,
    struct err *err) RG_WARN_UNUSED;

enum authkey_state {
	AUTHKEY_OK,		/* new enough */
	AUTHKEY_MISSING,	/* authkey.pub missing or unusable: rotate */
	AUTHKEY_TOO_OLD,	/* older than 24 h: rotate */
	AUTHKEY_FUTURE,		/* mtime > 5 min in the future: rotate */
	AUTHKEY_FUTURE_TOLERATED, /* ... but the previous key is not newer
				   * and < 2 h older: keep it, warn */
};

/* The rotation rules of spec 1.10, applied to the files as they are now. */
enum authkey_state authkey_check(struct authkey_store *ks, time_t now);

/* authkey_check() says MISSING, TOO_OLD or FUTURE. */
bool authkey_needs_rotation(struct authkey_store *ks, time_t now);

/* Proxmox's log line for a state ("auth key pair too old, rotating.."). */
const char *authkey_state_str(enum authkey_state state);

/*
 * Rotate if (still) needed: drop the cache, re-check, then write the
 * current public key to authkey.pub.old, a new RSA-2048 public key to
 * authkey.pub (restoring the old contents if that fails) and the new
 * private key to priv/authkey.key (priv/ created 0700).  If the private
 * key cannot be written, authkey.pub and priv/authkey.key are deleted so
 * the next attempt regenerates both.  Both public files get mtime `now`.
 * The first call on an empty directory generates the first key pair.
 * *rotated_r (may be NULL) tells whether anything was written.
 * The caller holds the `authkey` lock.
 */
int authkey_rotate(struct authkey_store *ks, time_t now, bool *rotated_r,
    struct err *err) RG_WARN_UNUSED;

/* The config directory the store reads (borrowed, lives as the store). */
const char *authkey_store_dir(const struct authkey_store *ks);

#endif
