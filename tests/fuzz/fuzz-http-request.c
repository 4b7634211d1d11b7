/*
 * Fuzz target: raw HTTP requests through libmicrohttpd, configured as the
 * front configures it (src/daemon/front.c: 128 KiB per connection, no
 * TLS), on a socket pair in MHD's external event loop.  The handler does
 * what the front's does with what MHD parsed, up to the point where it
 * would call a handler: the body collected (1 MiB at most), query
 * arguments as parameters, the body's parameters (http_body_params), the
 * method found by path, the credential chosen from the Authorization
 * header and the PVEAuthCookie cookie (http_auth_parse.c), an API token
 * split, the parameters verified; every other URL goes to static_serve
 * over a scratch www directory.  Several requests may share the input
 * (keep-alive, pipelining).
 *
 * Checks: no crash, no leak, no hang (the connection ends once the input
 * is consumed), and no answer ever carries a file outside www or a
 * hidden one.  (If front.c's request path changes, change this too.)
 */
#include "api.h"
#include "daemon.h"
#include "fuzz-tmpdir.h"
#include "http_auth_parse.h"
#include "static_files.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY (1u << 20)

struct req {
	struct buf body;
	bool too_big;
};

static char www[600];

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, json_string(value != NULL ? value : ""));
	return MHD_YES;
}

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, status, r);

	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
api(struct MHD_Connection *c, struct req *rq, const char *path,
    const char *method)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Authorization");
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
	    "PVEAuthCookie");
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Type");
	json_t *params = json_object();
	const struct api_method *m;
	struct buf decoded = BUF_INIT;
	const char *value, *secret;
	char *tokenid = NULL;
	struct api_env env;
	struct err err;
	unsigned status = 200;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, params);
	(void)MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "CSRFPreventionToken");
	if (rq->too_big) {
		status = 413;
		goto out;
	}
	if (http_body_params(ct, buf_str(&rq->body), rq->body.len, params,
	    &err) < 0) {
		status = 400;
		goto out;
	}
	m = api_find(method, path, params);
	if (m == NULL) {
		status = 501;
		goto out;
	}
	if (http_auth_select(auth, cookie, &value) == HTTP_AUTH_TOKEN &&
	    http_auth_token(value, &decoded, &tokenid, &secret, &err) < 0)
		status = 401;
	api_env_init(&env, "/nonexistent", "root@pam");
	if (api_verify(m, &env, params, &err) < 0)
		status = 400;
	api_env_clear(&env);
out:
	free(tokenid);
	buf_clear_secret(&decoded);
	json_decref(params);
	return answer(c, status);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)version;
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (rq->body.len + *upload_size > MAX_BODY)
			rq->too_big = true;
		else
			buf_put(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strncmp(url, "/api2/json/", 11) == 0)
		return api(c, rq, url + 10, method);
	if (strncmp(url, "/api2/extjs/", 12) == 0)
		return api(c, rq, url + 11, method);
	return static_serve(c, www, url, method);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq == NULL)
		return;
	buf_clear_secret(&rq->body);
	free(rq);
	*con_cls = NULL;
}

static struct MHD_Daemon *
daemon_once(void)
{
	static struct MHD_Daemon *d;

	if (d != NULL)
		return d;
	fuzz_write("www/index.html", "WWW-INDEX", 9);
	fuzz_write("www/app.js", "WWW-APP", 7);
	fuzz_write("www/.hidden", "HIDDEN-FILE", 11);
	fuzz_write("secret.txt", "OUTSIDE-WWW", 11);
	snprintf(www, sizeof(www), "%s/www", fuzz_tmpdir());
	d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, handle,
	    NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	    MHD_OPTION_END);
	if (d == NULL)
		abort();
	return d;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct MHD_Daemon *d = daemon_once();
	struct sockaddr_in sin;
	struct buf out = BUF_INIT;
	char chunk[16384];
	int sv[2], i;
	bool eof = false;

	if (size > 100000 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[0], SHUT_WR);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (MHD_add_connection(d, sv[1], (const struct sockaddr *)&sin,
	    sizeof(sin)) != MHD_YES)
		abort();
	/* MHD_run never blocks: spin until MHD has closed its end */
	for (i = 0; i < 100000 && !eof; i++) {
		struct pollfd pfd = {sv[0], POLLIN, 0};
		ssize_t n;

		if (MHD_run(d) != MHD_YES)
			abort();
		while (poll(&pfd, 1, 0) == 1) {
			n = read(sv[0], chunk, sizeof(chunk));
			if (n <= 0) {
				eof = true;
				break;
			}
			buf_put(&out, chunk, (size_t)n);
		}
	}
	if (!eof)
		abort();	/* MHD kept the connection: a hang */
	if (out.data != NULL && (memmem(out.data, out.len, "OUTSIDE-WWW", 11) ||
	    memmem(out.data, out.len, "HIDDEN-FILE", 11)))
		abort();
	close(sv[0]);
	buf_clear(&out);
	return 0;
}
