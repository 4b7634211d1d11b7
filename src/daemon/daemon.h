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
#define LOGIN_FAIL_DELAY_MS 3000
#define AUTHD_MAX_WORKERS 16
#define FRONT_USER "realmgate"	/* the front's user by default */

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
};

/* `realmgate serve ...` (argv[0] is "serve"); returns the exit status. */
int serve_main(const char *config_dir, int argc, char **argv);

/* One root helper worker's loop; returns when the front is gone. */
int authd_run(const struct serve_opts *opts, int fd);

/* The realm-sync job scheduler's loop (root); returns on SIGTERM. */
int scheduler_run(const char *config_dir);

/* The front: serves until SIGTERM; returns the exit status. */
int front_run(const struct serve_opts *opts, const struct buf *cert_pem,
    const struct buf *key_pem, const int *fds, size_t nfds);

/*
 * A call from the front to authd: send the request, wait for the answer.
 * Serialised (one request on the wire at a time).  *status_r is an HTTP
 * status; *data_r, *message_r, *errors_r are set when present (caller
 * frees).  Fails only when authd cannot be reached.
 */
struct authd_reply {
	unsigned status;
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
void authd_client_init(const int *fds, size_t count);
int authd_client_hello(struct buf *csrf_secret_r, struct err *err)
    RG_WARN_UNUSED;
int authd_client_call(const char *method, const char *path,
    const json_t *params, const struct authd_cred *cred, const char *client,
    struct authd_reply *reply, struct err *err) RG_WARN_UNUSED;
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
 * Add a request body's parameters to params: application/json (an
 * object: strings, numbers and booleans kept as JSON values) or
 * application/x-www-form-urlencoded.  Fails on malformed input.
 */
int http_body_params(const char *content_type, const char *body, size_t len,
    json_t *params, struct err *err) RG_WARN_UNUSED;

#endif
