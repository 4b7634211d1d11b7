/*
 * The front's caches of verified credentials (used by front_auth.c; apart
 * so that they can be tested alone).  Each entry is tied to what it was
 * verified against, and a verification that raced a change is never
 * stored after the change was seen:
 *
 * - tickets, by SHA-256: valid for one pair of ticket keys (the key
 *   store's generation, pve_pubkeys.gen) and at most a minute;
 * - API-token secrets authd confirmed, by SHA-256 of id and secret: valid
 *   for one user.cfg snapshot (store_user_generation), one identity of
 *   priv/token.cfg as authd last reported it, and until a change goes
 *   through the daemon; at most TOKEN_CACHE_TTL.  A lookup hands out an
 *   epoch; the put of a verification that started then is dropped if
 *   anything emptied the cache in between.
 *
 * Generations only grow: an answer computed under an older one than the
 * cache's is never kept.  Thread-safe.
 */
#ifndef RG_AUTHCACHE_H
#define RG_AUTHCACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define TICKET_CACHE_MAX 16384
#define TICKET_CACHE_TTL 60
#define TOKEN_CACHE_MAX	 4096
#define TOKEN_CACHE_TTL	 10

/* Lower-case hex SHA-256 of len bytes at p (65 bytes with the NUL). */
void authcache_digest(const void *p, size_t len, char out[65]);

/*
 * The user id of a ticket verified under keygen, still valid at now
 * (caller frees), or NULL.  keygen 0: nothing is cached.
 */
char *ticket_cache_get(const char *digest, unsigned long keygen, time_t now);
/* A ticket of userid signed at ts, verified now with the keys of keygen. */
void ticket_cache_put(const char *digest, const char *userid,
    unsigned long keygen, time_t ts, time_t now);

/*
 * Was this token secret confirmed under the user.cfg snapshot ucfg_gen
 * (0: none; never a hit) and is the entry still valid?  *epoch_r is for
 * token_cache_put after asking authd.
 */
bool token_cache_get(const char *digest, unsigned long ucfg_gen, time_t now,
    unsigned long *epoch_r);
/* authd confirmed the secret; epoch as token_cache_get gave it. */
void token_cache_put(const char *digest, unsigned long ucfg_gen,
    unsigned long epoch, time_t now);
/* authd reported priv/token.cfg with this identity (IPC_T_TOKENCFG). */
void token_cache_seen(uint64_t tokencfg);
/* A change went through the daemon: forget every confirmed secret. */
void token_cache_flush(void);

/* Free both caches and reset them (tests, shutdown). */
void authcache_reset(void);

#endif
