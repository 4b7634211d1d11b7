/*
 * Declarations shared by the two processes of `realmgate serve`: the
 * unprivileged HTTP front and the root helper (authd).  The design and the
 * message table are in docs/internals/daemon.md.
 */
#ifndef RG_DAEMON_H
#define RG_DAEMON_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SERVE_MAX_LISTEN 8
#define DEFAULT_LISTEN "127.0.0.1:8006"
#define LOGIN_FAIL_DELAY_MS 3000	/* a failed login's answer, after arrival */
#define LOGIN_FAIL_QUANTUM_MS 1000	/* later, if the work overran it */
#define AUTHD_MAX_WORKERS 16
#define FRONT_USER "realmgate"	/* the front's user by default */

/* Defaults of the serve options that bound what one client can take. */
#define DEFAULT_MAX_CONNS 1000
#define DEFAULT_MAX_CONNS_PER_ADDR 50
#define DEFAULT_REQUEST_TIMEOUT 10	/* s without progress on a request */
#define DEFAULT_IDLE_TIMEOUT 30		/* s an idle keep-alive connection stays */
#define DEFAULT_MAX_PARAMS 1000		/* query and body together */
#define DEFAULT_MAX_ANON_BODY (64u << 10)	/* before authentication */
#define MAX_BODY (1u << 20)		/* of an authenticated request */

struct serve_opts {
	const char *config_dir;
	const char *listen[SERVE_MAX_LISTEN];
	size_t listen_count;
	bool plain_http;
	const char *user;	/* front's user; NULL: FRONT_USER */
	const char *cert, *key;	/* NULL: DIR/local/realmgate-ssl.{pem,key} */
	const char *www;	/* static files */
	const char *audit_log;	/* JSON-lines file, or NULL */
	unsigned threads;	/* 0: a sensible default */
	unsigned workers;	/* authd processes; 0: one per CPU */
	unsigned max_conns;	/* connections in total */
	unsigned max_conns_per_addr;	/* from one client address */
	unsigned request_timeout;	/* seconds */
	unsigned idle_timeout;	/* seconds, keep-alive between requests */
	unsigned max_params;	/* parameters of one request */
	size_t max_anon_body;	/* body bytes before authentication */
};

/* `realmgate serve ...` (argv[0] is "serve"); returns the exit status. */
int serve_main(const char *config_dir, int argc, char **argv);

/* One root helper worker's loop; returns when the front is gone. */
int authd_run(const struct serve_opts *opts, int fd);
/*
 * What authd_run does with one message it received: run it and send the
 * answer on fd (the fuzz target for authd's input drives this).
 */
struct ipc_msg;
void authd_handle(const struct serve_opts *opts, int fd,
    const struct ipc_msg *m);

/* The realm-sync job scheduler's loop (root); returns on SIGTERM. */
int scheduler_run(const char *config_dir);

/*
 * The front: serves until SIGTERM; returns the exit status.  listen_fds
 * (one per opts->listen[]) are the supervisor's listening sockets; ctl is
 * the control socket over which the supervisor hands over the socket of
 * each of the nworkers authd workers (at start and whenever one was
 * restarted) and the front reports that it is ready.
 */
int front_run(const struct serve_opts *opts, const struct buf *cert_pem,
    const struct buf *key_pem, size_t nworkers, int ctl,
    const int *listen_fds);

/* A bound, listening, non-blocking socket for "ADDR:PORT" / "[ADDR6]:PORT". */
int serve_listen(const char *spec, int *fd_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * A call from the front to authd: send the request, wait for the answer.
 * One request on a worker's socket at a time.  *status_r is an HTTP
 * status; *data_r, *message_r, *errors_r are set when present (caller
 * frees).  Fails only when no worker can be reached or the worker died
 * with the request (the caller answers 500 for that request alone).
 */
struct api_blob;

struct authd_reply {
	unsigned status;
	/*
	 * The data: a GET's as authd serialized it, passed on unparsed (a
	 * user listing can be megabytes), anything else's parsed.
	 */
	struct api_blob *raw;
	json_t *data;
	char *message;
	json_t *errors;
	uint64_t tokencfg;	/* identity of priv/token.cfg (authd.c) */
};
/*
 * What the client presented, passed on for authd to verify itself: a
 * ticket, or a token id and secret; all NULL for a world method.
 */
struct authd_cred {
	const char *ticket;
	const char *tokenid;
	const char *secret;
};
int authd_client_init(size_t count, int ctl, struct err *err)
    RG_WARN_UNUSED;
int authd_client_hello(struct buf *csrf_secret_r, struct err *err)
    RG_WARN_UNUSED;
void authd_client_ready(void);
void authd_client_stop(void);
/* client: the caller's address; host: its Host header (both may be NULL) */
int authd_client_call(const char *method, const char *path,
    const json_t *params, const struct authd_cred *cred, const char *client,
    const char *host, struct authd_reply *reply, struct err *err)
    RG_WARN_UNUSED;
/* *tokencfg_r: the identity of priv/token.cfg the secret was checked in. */
int authd_client_token(const char *tokenid, const char *secret,
    bool *ok_r, uint64_t *tokencfg_r, struct err *err) RG_WARN_UNUSED;
void authd_reply_clear(struct authd_reply *r);

/* HTTP status for a failed API call. */
unsigned http_status_for(const struct err *err, bool param_errors);

/*
 * Percent-decoding of cookie and header values (and, with plus_space,
 * of form fields): %XX -> byte, '+' -> ' ' when asked.
 */
void http_unescape(struct buf *out, const char *p, size_t len,
    bool plus_space);

/*
 * Add one parameter to params as it came (key and value of klen and vlen
 * bytes, from the query string or a form body), for api_verify to judge:
 * a value that is not UTF-8 or holds a NUL is kept whole, and refused
 * naming its parameter (jansson's json_stringn gives NULL for it, and a
 * C string ends at the NUL: the value vanished or was cut off).  A name
 * holding a NUL (jansson's keys end at one) goes in with the NUL written
 * \x00: it names no parameter and is refused as such, never cut down to
 * one that exists.  A later parameter of the same name replaces it.
 */
void http_param_add(json_t *params, const char *key, size_t klen,
    const char *val, size_t vlen);

/*
 * Add a request body's parameters to params: application/json (an
 * object: strings, numbers and booleans kept as JSON values) or
 * application/x-www-form-urlencoded.  Fails on malformed input.
 */
int http_body_params(const char *content_type, const char *body, size_t len,
    json_t *params, struct err *err) RG_WARN_UNUSED;

/*
 * How many parameters a query string or a body holds at most (counted
 * without decoding anything, to refuse a flood before parsing it).
 */
size_t http_query_param_count(const char *query);
size_t http_body_param_count(const char *content_type, const char *body,
    size_t len);

#endif
