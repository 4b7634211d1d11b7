/*
 * A small etcd v3 client over etcd's JSON gateway (HTTP/1.1 POST /v3/...,
 * libcurl + jansson), for the config store backend: ranges, transactions,
 * leases, compaction and a streaming watch.  One struct etcd is one
 * keep-alive connection and is NOT shared between threads: each thread
 * opens its own.
 *
 * Errors carry the store's name ("store etcd://h1:p1,h2:p2: ...") and
 * never a password or token:
 *   ERR_UNAVAILABLE  no endpoint could be reached or answered in time, or
 *                    they answered 5xx ("no leader", "request timed out");
 *                    each call tries the endpoints in turn, starting with
 *                    the one that answered last
 *   ERR_INVALID      etcd refused the request ("request is too large",
 *                    "too many operations in txn request", a future
 *                    revision, ...) with etcd's message, or the answer was
 *                    malformed or larger than ETCD_ANSWER_MAX
 *   ERR_NOT_FOUND    "required revision has been compacted" (range, compact,
 *                    watch), a lease that does not exist
 *   ERR_AUTH         authentication failed, the store wants a user and none
 *                    was configured, permission denied
 *   ERR_IO           the store is out of space (etcd's NOSPACE alarm)
 */
#ifndef RG_CFS_ETCD_CLIENT_H
#define RG_CFS_ETCD_CLIENT_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETCD_TIMEOUT_MS	   3000		  /* default per unary request */
#define ETCD_ANSWER_MAX	   (64u << 20)	  /* an answer, a watch message */
#define ETCD_ENDPOINTS_MAX 16

struct etcd;

struct etcd_opts {
	/* "127.0.0.1:2379,127.0.0.1:2479": host:port, the scheme is tls's */
	const char *endpoints;
	bool tls;		/* https:// instead of http:// */
	/* PEM paths; cacert NULL: the system's CAs; the client certificate
	   is optional; the server is always verified (chain and name) */
	const char *cacert, *cert, *key;
	/* etcd auth: POST /v3/auth/authenticate gives a token sent as
	   "Authorization: <token>"; an "invalid auth token" answer (the token
	   expired, the member restarted) makes the client log in again once */
	const char *user, *password;
	/* per unary request and endpoint tried; while members answer "no
	   leader" (an election) the call waits up to timeout_ms more;
	   0: 3000 */
	int timeout_ms;
	int connect_timeout_ms;	/* per endpoint; 0: min(timeout_ms, 1000) */
};

/* No network I/O: the first call connects.  ERR_INVALID for bad options. */
int etcd_open(const struct etcd_opts *o, struct etcd **e_r, struct err *err)
    RG_WARN_UNUSED;
void etcd_close(struct etcd *e);	/* accepts NULL */
/* "etcd://127.0.0.1:2379,127.0.0.1:2479", for messages */
const char *etcd_endpoint_name(const struct etcd *e);

struct etcd_kv {
	struct buf key, value;	/* value empty with keys_only */
	int64_t create_rev, mod_rev, version, lease;
};

struct etcd_kvs {
	struct etcd_kv *v;
	size_t n;
	bool more;		/* the limit cut the range short */
	int64_t revision;	/* the answer's header revision */
};

#define ETCD_KVS_INIT {NULL, 0, false, 0}

/* Wipes the keys and values (they may be secrets), frees, resets. */
void etcd_kvs_free(struct etcd_kvs *k);

/*
 * The keys in [key, end) (end NULL: the single key; etcd_prefix_end() for
 * a prefix) as of revision (0: the latest, linearizable), at most limit
 * of them (0: all), without values with keys_only.  Appends to out
 * (out->more and out->revision are this answer's).
 */
int etcd_range(struct etcd *e, const void *key, size_t klen, const void *end,
    size_t elen, int64_t revision, int64_t limit, bool keys_only,
    struct etcd_kvs *out, struct err *err) RG_WARN_UNUSED;

/* The range end covering every key that starts with prefix (appended to
   end): the prefix with its last byte below 0xff incremented; "\0" (all
   keys) for a prefix of only 0xff bytes or an empty one. */
void etcd_prefix_end(const void *prefix, size_t len, struct buf *end);

/*
 * Transactions: compares, then the success or the failure operations,
 * applied atomically at one new revision.  A compare on a missing key sees
 * version, create and mod revision and lease 0 (so "VERSION EQUAL 0" means
 * "the key does not exist"); a VALUE compare on a missing key is always
 * false, even NOT_EQUAL.
 */
enum etcd_target { ETCD_VERSION, ETCD_CREATE, ETCD_MOD, ETCD_VALUE,
	ETCD_LEASE };
enum etcd_cmp { ETCD_EQUAL, ETCD_NOT_EQUAL, ETCD_GREATER, ETCD_LESS };

struct etcd_txn;

/* The builder never fails (the allocation aborts); a misuse (a VALUE
   target in etcd_txn_cmp) makes etcd_txn_commit fail with ERR_INVALID. */
struct etcd_txn *etcd_txn_new(void);
void etcd_txn_free(struct etcd_txn *t);	/* wipes; accepts NULL */
/* version / create_revision / mod_revision / lease compared to value */
void etcd_txn_cmp(struct etcd_txn *t, const void *key, size_t klen,
    enum etcd_target tg, enum etcd_cmp c, int64_t value);
void etcd_txn_cmp_value(struct etcd_txn *t, const void *key, size_t klen,
    enum etcd_cmp c, const void *val, size_t vlen);
/* lease 0: none.  etcd refuses two puts (or a put and a delete) of one
   key in the same branch: "duplicate key given in txn request". */
void etcd_txn_put(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen, const void *val, size_t vlen, int64_t lease);
/* [key, end); end NULL: the single key */
void etcd_txn_del(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen, const void *end, size_t elen);
/* One key; its result is the next of r->gets (in the order of the gets). */
void etcd_txn_get(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen);
/* A range read in the transaction, like etcd_range at its revision. */
void etcd_txn_range(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen, const void *end, size_t elen, int64_t limit,
    bool keys_only);
/* max(#compares, #success ops, #failure ops): etcd's --max-txn-ops
   (128 by default) bounds each of the three */
size_t etcd_txn_ops(const struct etcd_txn *t);
/* About the request's size as etcd counts it (raw bytes before base64,
   plus a little per operation), for --max-request-bytes (1.5 MiB by
   default); keep a margin of a few hundred bytes */
size_t etcd_txn_bytes(const struct etcd_txn *t);

struct etcd_txn_result {
	bool succeeded;		/* the compares held: the success branch ran */
	int64_t revision;	/* the answer's header revision */
	struct etcd_kvs *gets;	/* one per get/range of the branch that ran */
	size_t ngets;
	/*
	 * The request was sent again to another endpoint after an attempt
	 * whose outcome is unknown (the endpoint died or timed out after it
	 * got the request): succeeded false may then mean that the first
	 * attempt was applied.  Re-read before concluding there was a race.
	 */
	bool retried;
};

#define ETCD_TXN_RESULT_INIT {false, 0, NULL, 0, false}

int etcd_txn_commit(struct etcd *e, struct etcd_txn *t,
    struct etcd_txn_result *r, struct err *err) RG_WARN_UNUSED;
void etcd_txn_result_free(struct etcd_txn_result *r);

/* Leases (TTL in seconds).  keepalive: *ttl_left_r 0 means the lease is
   gone (expired or revoked); revoking a missing lease is ERR_NOT_FOUND. */
int etcd_lease_grant(struct etcd *e, int64_t ttl_s, int64_t *id_r,
    struct err *err) RG_WARN_UNUSED;
int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl_left_r,
    struct err *err) RG_WARN_UNUSED;
int etcd_lease_revoke(struct etcd *e, int64_t id, struct err *err)
    RG_WARN_UNUSED;

/* Compact the history before revision: ERR_NOT_FOUND if it was compacted
   already up to there, ERR_INVALID for a future revision. */
int etcd_compact(struct etcd *e, int64_t revision, struct err *err)
    RG_WARN_UNUSED;
/* The current revision (a linearizable count-only range). */
int etcd_status(struct etcd *e, int64_t *revision_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * Watch [key, end) (end NULL: one key) from start_rev (0: from now on).
 * Blocks, calling cb with each watch response's header revision and its
 * events in order - also for responses without events (the "created"
 * answer and progress notifications, n 0), so the caller learns how far
 * the store is - until:
 *   cb returns non-zero                               returns 0
 *   *stop becomes true (checked every 250 ms or less)   returns 0
 *   start_rev was compacted: ERR_NOT_FOUND, *compact_rev_r (may be NULL)
 *   gets the oldest revision still there              returns -1
 *   the stream fails or ends, the member loses its leader: ERR_UNAVAILABLE
 *   (resume from the last revision seen + 1)          returns -1
 * Only the connection is tried on each endpoint in turn; a stream that
 * broke is not resumed here.  A PUT event's kv has everything, a DELETE's
 * only the key and mod_rev (the deletion's revision); the events are the
 * client's, valid during the call of cb only (copy what you keep).
 * Events of one transaction share a revision and come in one response.
 */
enum etcd_ev_type { ETCD_EV_PUT, ETCD_EV_DELETE };

struct etcd_event {
	enum etcd_ev_type type;
	struct etcd_kv kv;
};

typedef int (*etcd_watch_cb)(void *arg, int64_t header_rev,
    const struct etcd_event *ev, size_t n);

int etcd_watch(struct etcd *e, const void *key, size_t klen, const void *end,
    size_t elen, int64_t start_rev, etcd_watch_cb cb, void *arg,
    volatile bool *stop, int64_t *compact_rev_r, struct err *err)
    RG_WARN_UNUSED;

#endif
