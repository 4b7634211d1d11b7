/*
 * Inside the etcd client (etcd_client.h): the connection, the HTTP layer
 * with endpoint failover and the parsers of etcd's JSON answers.  The
 * parsers take bytes or a jansson tree and no connection, so the fuzz
 * target (tests/fuzz/fuzz-etcd-answer.c) calls them directly.
 */
#ifndef RG_CFS_ETCD_INT_H
#define RG_CFS_ETCD_INT_H

#include "etcd_client.h"

#include <curl/curl.h>
#include <jansson.h>

struct etcd {
	CURL *curl;		/* one easy handle: keep-alive */
	CURLM *multi;		/* drives it, so a watch sees *stop in time */
	char **ep;		/* "host:port" */
	size_t nep;
	size_t cur;		/* the endpoint that answered last */
	char *name;		/* "etcd://host:port,..." */
	bool tls;
	char *cacert, *cert, *key;
	char *user, *password, *token;	/* password and token: secrets */
	int timeout_ms, connect_ms;
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * One POST to the endpoints in turn (etcd_http.c).  A unary call collects
 * the answer in `answer` within timeout_ms; a stream (watch) hands the
 * bytes to on_data as they come, without an overall time limit.
 */
struct etcd_xfer {
	const char *path;		/* "/v3/kv/range" */
	const struct buf *body;		/* JSON */
	bool with_token;
	size_t (*on_data)(const char *p, size_t n, void *arg);	/* stream */
	void *arg;
	volatile bool *stop;		/* stream: checked every 250 ms; a
					   stream without an answer within
					   timeout_ms fails over as well */
	/* results */
	struct buf answer;		/* unary; secret, ETCD_ANSWER_MAX */
	long status;			/* HTTP status */
	CURLcode cc;			/* how the transfer ended */
	bool resent;			/* see etcd_txn_result.retried */
	bool stopped;			/* *stop ended the transfer */
	size_t got;			/* bytes of the answer so far */
};

void etcd_xfer_init(struct etcd_xfer *x, const char *path,
    const struct buf *body);
void etcd_xfer_clear(struct etcd_xfer *x);	/* wipes the answer */

/*
 * POST x->body to x->path on the endpoint that answered last, moving on
 * to the next while one cannot be reached, times out or answers 5xx (a
 * stream only while it has not answered).  0 with x->status when an
 * endpoint answered (any status < 500) or *stop ended it; -1 with
 * ERR_UNAVAILABLE naming every endpoint's reason, or ERR_INVALID for an
 * answer over ETCD_ANSWER_MAX.
 */
int etcd_post(struct etcd *e, struct etcd_xfer *x, struct err *err)
    RG_WARN_UNUSED;

/*
 * A unary call: POST body to path and parse the 200 answer as a JSON
 * object into *ans (free with etcd_json_free).  Logs in first when a user
 * is set, and once more after an "invalid auth token" answer.  Error
 * answers become errors (etcd_error_answer).  *resent_r (may be NULL): the
 * request was sent again after an attempt with an unknown outcome.
 */
int etcd_call(struct etcd *e, const char *path, const struct buf *body,
    json_t **ans, bool *resent_r, struct err *err) RG_WARN_UNUSED;

/* Log in again (the watch's "invalid auth token"); ERR_AUTH without user. */
int etcd_relogin(struct etcd *e, struct err *err) RG_WARN_UNUSED;

/* ---- JSON requests (etcd_json.c); bufs from etcd_body_init ---- */

/* An empty request body that wipes what it held when it grows. */
void etcd_body_init(struct buf *b);
/* Members "name":..., a comma put before them when needed. */
void etcd_json_b64(struct buf *b, const char *name, const void *p,
    size_t len);
void etcd_json_i64(struct buf *b, const char *name, int64_t v);
void etcd_json_true(struct buf *b, const char *name);
void etcd_json_word(struct buf *b, const char *name, const char *word);
/* The members of a RangeRequest (end NULL: one key; 0: not sent). */
void etcd_range_body(struct buf *b, const void *key, size_t klen,
    const void *end, size_t elen, int64_t revision, int64_t limit,
    bool keys_only);
/* "name":{ or "name":[ (name NULL: only the bracket), and the closing */
void etcd_json_open(struct buf *b, const char *name, char bracket);
void etcd_json_close(struct buf *b, char bracket);

/* ---- JSON answers (etcd_parse.c) ---- */

/* ERR_INVALID "store S: malformed <what>" (what: "range answer", ...) */
int etcd_malformed(const char *store, const char *what, struct err *err);
/* {"error":{"grpc_code":N,"message":..}}, how the gateway ends a stream
   (watch, lease keepalive) on an error: -1 with err set; 0 without */
int etcd_stream_error(const char *store, const json_t *ans, struct err *err);

/* A JSON object, duplicate keys refused; ERR_INVALID "store S: ...". */
int etcd_json_load(const char *store, const char *p, size_t len,
    json_t **out, struct err *err) RG_WARN_UNUSED;
/* Wipe every string in j (values, tokens), then release it. */
void etcd_json_free(json_t *j);

/* Members of an answer: absent is 0 / false / empty (proto3 JSON). */
int etcd_get_i64(const json_t *o, const char *name, int64_t *v) RG_WARN_UNUSED;
int etcd_get_bool(const json_t *o, const char *name, bool *v) RG_WARN_UNUSED;
/* the base64 string member, decoded and appended to out */
int etcd_get_b64(const json_t *o, const char *name, struct buf *out)
    RG_WARN_UNUSED;
/* header.revision (0 when absent) */
int etcd_get_header_rev(const json_t *ans, int64_t *rev) RG_WARN_UNUSED;
int etcd_parse_kv(const json_t *o, struct etcd_kv *kv) RG_WARN_UNUSED;
void etcd_kv_free(struct etcd_kv *kv);	/* wipes */

/* A RangeResponse (kvs, more, header): appends to out, nothing on error. */
int etcd_parse_range(const char *store, const json_t *ans,
    struct etcd_kvs *out, struct err *err) RG_WARN_UNUSED;

/*
 * A TxnResponse: succeeded, header revision, and the responses of the
 * branch that ran, which must match its operations: kinds holds one
 * letter per operation ('p' put, 'd' delete, 'g' get/range).
 */
int etcd_parse_txn(const char *store, const json_t *ans,
    const char *succ_kinds, const char *fail_kinds,
    struct etcd_txn_result *r, struct err *err) RG_WARN_UNUSED;

/*
 * An error answer {"error":..,"message":..,"code":N} with HTTP status:
 * always -1 with err set (codes in etcd_client.h).  *expired_r: it was
 * "invalid auth token" (log in again and retry once).
 */
int etcd_error_answer(const char *store, long status, const char *p,
    size_t len, bool *expired_r, struct err *err);
/* The message (cleaned; "" when none) and gRPC code (-1) of an error
   answer. */
void etcd_error_fields(const char *p, size_t len, char *msg, size_t size,
    int64_t *code);
/* err for a gRPC status code and etcd's message (also the watch's) */
int etcd_error_code(const char *store, long code, const char *msg,
    struct err *err);
/* msg made printable and short for an error message */
void etcd_clean_msg(char *out, size_t size, const char *msg);

/* ---- the watch stream (etcd_split.c, etcd_watch_parse.c) ---- */

/*
 * Cuts a byte stream of concatenated JSON objects (whitespace between
 * them) into whole objects, without parsing them: only braces, brackets
 * and strings are tracked.  An object over max bytes or a stray byte
 * between objects is an error.
 */
struct etcd_split {
	struct buf buf;		/* unconsumed bytes; secret */
	size_t scan;		/* bytes of buf already scanned */
	size_t start;		/* where the object being scanned starts */
	size_t max;
	unsigned depth;
	uint64_t arrays;	/* bit i: level i is a '[' */
	bool in_str, esc;
};

typedef int (*etcd_split_fn)(void *arg, const char *obj, size_t len);

void etcd_split_init(struct etcd_split *s, size_t max);
void etcd_split_clear(struct etcd_split *s);
/*
 * Feed n bytes; fn gets each whole object as soon as it is complete.
 * -1 (ERR_INVALID) on a malformed or oversized stream, or fn's non-zero
 * value (returned as is, err up to fn).
 */
int etcd_split_feed(struct etcd_split *s, const char *p, size_t n,
    etcd_split_fn fn, void *arg, struct err *err) RG_WARN_UNUSED;

/* One message of the watch stream. */
struct etcd_watch_msg {
	int64_t header_rev;
	bool created, canceled;
	int64_t compact_rev;		/* canceled: start revision compacted */
	char reason[256];		/* canceled: cancel_reason; or error */
	long error_code;		/* {"error":{"grpc_code":N,...}}: N */
	bool is_error;
	struct etcd_event *ev;
	size_t n;
};

int etcd_parse_watch(const char *store, const json_t *m,
    struct etcd_watch_msg *w, struct err *err) RG_WARN_UNUSED;
void etcd_watch_msg_free(struct etcd_watch_msg *w);

#endif
