/*
 * The front of `realmgate serve`: libmicrohttpd (a thread pool, TLS,
 * suspended connections for delayed answers) and the path of an API
 * request: parameters, method, authentication, parameter verification,
 * permission check, then the handler, run here for reads (against the
 * shared user.cfg snapshot) or in authd for everything that writes or logs
 * in.  Everything outside /api2/ is the web page.
 */
#include "cfs/cfs.h"
#include "daemon.h"
#include "api.h"
#include "api_check.h"
#include "audit.h"
#include "delay.h"
#include "front_auth.h"
#include "jobqueue.h"
#include "secret.h"
#include "static_files.h"
#include "store.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const struct serve_opts *opts;

/* Per-connection state, from the first call of the handler to the end. */
struct request {
	struct buf body;
	size_t received;	/* body bytes, kept or not */
	bool too_big;
	bool started;		/* the headers were seen */
	bool auth_checked, authorized;	/* for a body past max_anon_body */
	size_t nparams;		/* in the query string */
	/*
	 * The decoded path when it holds a NUL (%00): libmicrohttpd's URL
	 * ends there, and the rest of the segment would be lost.
	 */
	struct buf nul_path;
	struct timespec start;
	/* an answer waiting for its delay to pass */
	struct MHD_Response *pending;
	unsigned pending_status;
};

static void
client_addr(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	out[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)len);
}

static struct MHD_Response *
json_response(unsigned status, json_t *data, const char *message,
    json_t *errors)
{
	json_t *body = json_object();
	struct MHD_Response *r;
	char *text;

	json_object_set(body, "data", data != NULL ? data : json_null());
	if (message != NULL && status != 200)
		json_object_set_new(body, "message", json_string(message));
	if (errors != NULL)
		json_object_set(body, "errors", errors);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	r = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type",
	    "application/json;charset=UTF-8");
	MHD_add_response_header(r, "Cache-Control", "max-age=0");
	MHD_add_response_header(r, "Pragma", "no-cache");
	return r;
}

/* {"data": <text>} around JSON text that is already serialized. */
static struct MHD_Response *
raw_response(const struct api_blob *b)
{
	static const char head[] = "{\"data\":", tail[] = "}";
	size_t len = sizeof(head) - 1 + b->len + sizeof(tail) - 1;
	char *text = malloc(len);
	struct MHD_Response *r;

	if (text == NULL)
		return json_response(500, NULL, "out of memory", NULL);
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, b->text, b->len);
	memcpy(text + sizeof(head) - 1 + b->len, tail, sizeof(tail) - 1);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type",
	    "application/json;charset=UTF-8");
	MHD_add_response_header(r, "Cache-Control", "max-age=0");
	MHD_add_response_header(r, "Pragma", "no-cache");
	return r;
}

/*
 * When a 401 is sent: LOGIN_FAIL_DELAY_MS after the request arrived,
 * whatever failed and however long it took to find out.  The work behind
 * a failure (a hash, PAM, a directory) normally ends well before; if it
 * overran, the answer waits for the next whole LOGIN_FAIL_QUANTUM_MS
 * step, so that the overrun does not tell which check failed either.
 */
static void
fail_due(const struct timespec *start, struct timespec *due)
{
	struct timespec now;
	long long late_ms, steps;

	*due = *start;
	due->tv_sec += LOGIN_FAIL_DELAY_MS / 1000;
	due->tv_nsec += (long)(LOGIN_FAIL_DELAY_MS % 1000) * 1000000L;
	if (due->tv_nsec >= 1000000000L) {
		due->tv_sec++;
		due->tv_nsec -= 1000000000L;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	late_ms = (long long)(now.tv_sec - due->tv_sec) * 1000 +
	    (now.tv_nsec - due->tv_nsec) / 1000000;
	if (late_ms < 0)
		return;
	steps = late_ms / LOGIN_FAIL_QUANTUM_MS + 1;
	due->tv_sec += (time_t)(steps * LOGIN_FAIL_QUANTUM_MS / 1000);
	due->tv_nsec += (long)(steps * LOGIN_FAIL_QUANTUM_MS % 1000) *
	    1000000L;
	if (due->tv_nsec >= 1000000000L) {
		due->tv_sec++;
		due->tv_nsec -= 1000000000L;
	}
}

static enum MHD_Result
respond(struct MHD_Connection *c, struct request *req, unsigned status,
    struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (status == 401) {
		/* every 401 at the same mark after arrival */
		struct timespec due;

		fail_due(&req->start, &due);
		req->pending = r;
		req->pending_status = status;
		delay_suspend(c, &due);
		return MHD_YES;
	}
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
fail(struct MHD_Connection *c, struct request *req, unsigned status,
    const char *message)
{
	return respond(c, req, status, json_response(status, NULL, message,
	    NULL));
}

static enum MHD_Result
too_many_params(struct MHD_Connection *c, struct request *req)
{
	struct buf msg = BUF_INIT;
	enum MHD_Result ret;

	buf_putf(&msg, "too many parameters (at most %u)", opts->max_params);
	ret = fail(c, req, 400, buf_str(&msg));
	buf_clear(&msg);
	return ret;
}

/* With their lengths: a %00 must not cut a value off (http_param_add). */
static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	(void)kind;
	http_param_add(cls, key, key_size, value, value != NULL ? value_size :
	    0);
	return MHD_YES;
}

/* Log a login attempt with its real reason (the client sees only 401). */
static void
audit_ticket(const char *path, const json_t *params, const json_t *answer,
    const char *client, bool ok, const char *reason)
{
	const char *user = json_string_value(json_object_get(params,
	    "username"));
	const char *realm = json_string_value(json_object_get(params, "realm"));
	const char *pw = json_string_value(json_object_get(params, "password"));
	const char *how = pw != NULL && strncmp(pw, "PVE:", 4) == 0 ? "ticket"
	    : "password";

	if (strcmp(path, "/access/openid/login") == 0) {
		/* the user is known from the provider's answer only */
		user = json_string_value(json_object_get(answer, "username"));
		how = "openid";
	}
	auditlog_login(ok, user != NULL ? user : "", realm, client, how,
	    ok ? NULL : reason);
}

/*
 * Calls to authd run on a few dispatch threads, not on the HTTP threads:
 * the connection is suspended, a dispatch thread makes the (blocking)
 * call, keeps the answer in the request and resumes the connection (a
 * failed login: at its 3 s mark, through the delay queue).
 *
 * The waiting jobs are queued per client address and the addresses are
 * served in turn (round robin), one job each: an address with hundreds of
 * password guesses queued delays another address's login by at most one
 * job per dispatch thread, not by all of its guesses.  Jobs that go to an
 * external realm (a directory or an OpenID provider that may hang for the
 * realm's timeouts) never take the last authd worker (jobqueue.h).
 */
struct job {
	struct jq_item q;	/* first: the queue hands this back */
	struct MHD_Connection *c;
	struct request *req;
	char *method, *path;
	char *authid;		/* for the audit log; authd finds its own */
	char *ticket;		/* the credential, for authd to verify */
	char *tokenid, *secret;
	char *host;		/* the Host header (WebAuthn's origin) */
	json_t *params;
	bool is_login;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct jobqueue queue;
	bool stop;
	pthread_t threads[AUTHD_MAX_WORKERS * 2];
	size_t nthreads;
} jobs = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static void
job_free(struct job *j)
{
	free(j->method);
	free(j->path);
	free(j->authid);
	secret_free_str(j->ticket);
	free(j->tokenid);
	secret_free_str(j->secret);
	free(j->host);
	json_decref(j->params);
	free(j);
}

static void
dispatch(struct MHD_Connection *c, struct request *req, const char *method,
    const char *tmpl, const char *path, json_t *params,
    const struct front_identity *id, const char *client, bool is_login)
{
	struct job *j = xcalloc(1, sizeof(*j));
	const char *host;

	snprintf(j->q.client, sizeof(j->q.client), "%s", client);
	j->q.external = jq_external_realm(opts->config_dir, method, tmpl,
	    params, j->q.realm);
	j->c = c;
	j->req = req;
	j->method = xstrdup(method);
	j->path = xstrdup(path);
	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);
	j->host = host != NULL ? xstrdup(host) : NULL;
	if (id != NULL) {
		j->authid = xstrdup(buf_str(&id->authid));
		if (id->is_token) {
			j->tokenid = xstrdup(buf_str(&id->authid));
			j->secret = xstrdup(buf_str(&id->secret));
		} else {
			j->ticket = xstrdup(buf_str(&id->ticket));
		}
	}
	j->params = json_incref(params);
	j->is_login = is_login;
	MHD_suspend_connection(c);
	pthread_mutex_lock(&jobs.mu);
	if (jobs.stop) {
		/*
		 * Shutting down (a kept-alive connection's request after the
		 * dispatchers left): answer now, never stay suspended, or
		 * MHD_stop_daemon aborts.
		 */
		pthread_mutex_unlock(&jobs.mu);
		req->pending_status = 503;
		req->pending = json_response(503, NULL, "server shutting down",
		    NULL);
		job_free(j);
		MHD_resume_connection(c);
		return;
	}
	jq_push(&jobs.queue, &j->q);
	pthread_cond_signal(&jobs.cv);
	pthread_mutex_unlock(&jobs.mu);
}

/* Keep the answer to a job in its request; the 3 s rule for 401s. */
static void
complete(struct job *j)
{
	struct authd_reply reply;
	struct authd_cred cred = {j->ticket, j->tokenid, j->secret};
	struct err err;
	json_t *errors = NULL;
	unsigned status;
	bool anon;

	if (authd_client_call(j->method, j->path, j->params, &cred,
	    j->q.client, j->host, &reply, &err) < 0) {
		memset(&reply, 0, sizeof(reply));
		reply.status = 500;
		reply.message = xstrdup("internal error");
	} else {
		front_auth_tokencfg(reply.tokencfg);
	}
	status = reply.status;
	snprintf(err.msg, sizeof(err.msg), "%s",
	    reply.message != NULL ? reply.message : "error");
	errors = reply.errors;
	/*
	 * An anonymous call that is not a login (openid auth-url, vncticket)
	 * changes no configuration: not a change, no cache to flush.
	 */
	anon = j->authid == NULL && !j->is_login;
	if (status == 200 && strcmp(j->method, "GET") != 0 && !anon)
		front_auth_changed();
	if (status == 200 && !j->is_login && !anon &&
	    strcmp(j->method, "GET") != 0)
		auditlog_change(j->authid, j->q.client, j->method, j->path, NULL);
	/* every login failure but a malformed request looks the same */
	if (j->is_login && status != 400) {
		audit_ticket(j->path, j->params, reply.data, j->q.client,
		    status == 200, err.msg);
		if (status != 200) {
			status = 401;
			snprintf(err.msg, sizeof(err.msg),
			    "authentication failure");
			errors = NULL;
		}
	}
	j->req->pending_status = status;
	if (status == 200 && reply.raw != NULL)
		j->req->pending = raw_response(reply.raw);
	else if (status == 200)
		j->req->pending = json_response(200, reply.data, NULL, NULL);
	else
		j->req->pending = json_response(status, NULL, err.msg, errors);
	authd_reply_clear(&reply);
	if (status == 401) {
		struct timespec due;

		fail_due(&j->req->start, &due);
		delay_resume_at(j->c, &due);
	} else {
		MHD_resume_connection(j->c);
	}
}

static void *
dispatcher(void *arg)
{
	(void)arg;
	for (;;) {
		struct jq_item *it;
		struct job *j;

		pthread_mutex_lock(&jobs.mu);
		/* stopping: whatever waits, then the threads end */
		while ((it = jq_pop(&jobs.queue, jobs.stop)) == NULL &&
		    !jobs.stop)
			pthread_cond_wait(&jobs.cv, &jobs.mu);
		pthread_mutex_unlock(&jobs.mu);
		if (it == NULL)
			return NULL;	/* stopping, queue empty */
		j = (struct job *)(void *)it;
		complete(j);
		pthread_mutex_lock(&jobs.mu);
		/* room for an external job that waits */
		if (jq_done(&jobs.queue, it))
			pthread_cond_broadcast(&jobs.cv);
		pthread_mutex_unlock(&jobs.mu);
		job_free(j);
	}
}

/* Two dispatch threads per authd worker: one waiting, one queued. */
static int
dispatch_start(size_t workers)
{
	size_t n = workers * 2;

	jq_init(&jobs.queue, workers);
	jobs.stop = false;
	for (jobs.nthreads = 0; jobs.nthreads < n; jobs.nthreads++)
		if (pthread_create(&jobs.threads[jobs.nthreads], NULL,
		    dispatcher, NULL) != 0)
			return -1;
	return 0;
}

static void
dispatch_stop(void)
{
	size_t i;

	pthread_mutex_lock(&jobs.mu);
	jobs.stop = true;
	pthread_cond_broadcast(&jobs.cv);
	pthread_mutex_unlock(&jobs.mu);
	for (i = 0; i < jobs.nthreads; i++)
		pthread_join(jobs.threads[i], NULL);
	jobs.nthreads = 0;
}

static enum MHD_Result
api_request(struct MHD_Connection *c, struct request *req, const char *path,
    size_t path_len, const char *method)
{
	json_t *params = json_object(), *result = NULL;
	struct front_identity id = FRONT_IDENTITY_INIT;
	const struct api_method *m;
	struct ucfg *cfg = NULL;
	struct api_env env;
	struct err err;
	const char *ctype;
	char client[64];
	bool world, is_login;
	unsigned status = 200;
	enum MHD_Result ret;
	time_t now = time(NULL);

	client_addr(c, client, sizeof(client));
	api_env_init(&env, opts->config_dir, NULL);
	env.client = client;
	env.now = now;
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, add_arg, params);
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (req->nparams + http_body_param_count(ctype, buf_str(&req->body),
	    req->body.len) > opts->max_params) {
		ret = too_many_params(c, req);
		goto out;
	}
	if (http_body_params(ctype, buf_str(&req->body), req->body.len, params,
	    &err) < 0) {
		ret = fail(c, req, 400, err.msg);
		goto out;
	}
	m = api_find_n(method, path, path_len, params);
	if (m == NULL) {
		struct buf msg = BUF_INIT;

		buf_putf(&msg, "Method '%s %s' not implemented", method, path);
		ret = fail(c, req, 501, buf_str(&msg));
		buf_clear(&msg);
		goto out;
	}
	if (store_read_user(&env, &cfg, &err) < 0) {
		ret = fail(c, req, 500, err.msg);
		goto out;
	}
	world = api_check_access(method, m->path) == API_WORLD;
	/* both answer every failure the same way, after 3 s */
	is_login = strcmp(method, "POST") == 0 &&
	    (strcmp(m->path, "/access/ticket") == 0 ||
	    strcmp(m->path, "/access/openid/login") == 0);
	if (!world) {
		if (front_authenticate(c, method, cfg, now, &id, &err) < 0) {
			auditlog_login(false, "", NULL, client, "request",
			    err.msg);
			ret = fail(c, req, 401, strncmp(err.msg, "Permission",
			    10) == 0 ? err.msg : "No ticket");
			goto out;
		}
		if (id.is_token && !api_check_allows_token(method, m->path)) {
			struct buf msg = BUF_INIT;

			buf_putf(&msg, "URI '%s' not available with API token, "
			    "need proper ticket.", path);
			ret = fail(c, req, 403, buf_str(&msg));
			buf_clear(&msg);
			goto out;
		}
	}
	env.authid = world ? NULL : buf_str(&id.authid);
	if (api_verify(m, &env, params, &err) < 0) {
		ret = respond(c, req, 400, json_response(400, NULL, err.msg,
		    env.param_errors));
		goto out;
	}
	if (!world && api_check(cfg, env.authid, method, m->path, params,
	    &err) < 0) {
		ret = fail(c, req, http_status_for(&err, false), err.msg);
		goto out;
	}
	if (strcmp(method, "GET") != 0 || m->reads_priv) {
		/* authd may take a while (PAM, hashing): not on this thread */
		dispatch(c, req, method, m->path, path, params,
		    world ? NULL : &id, client, is_login);
		ret = MHD_YES;
		goto out;
	}
	if (api_run(m, &env, params, &result, &err) < 0)
		status = http_status_for(&err, env.param_errors != NULL);
	if (status == 200 && env.raw_result != NULL)
		ret = respond(c, req, 200, raw_response(env.raw_result));
	else if (status == 200)
		ret = respond(c, req, 200, json_response(200, result, NULL,
		    NULL));
	else
		ret = respond(c, req, status, json_response(status, NULL,
		    err.msg, env.param_errors));
out:
	json_decref(result);
	json_decref(params);
	store_release_user(cfg);
	api_env_clear(&env);
	front_identity_clear(&id);
	return ret;
}

/*
 * May this request's body grow past max_anon_body?  Only if the request
 * is authenticated (a ticket with its CSRF token, or an API token); a
 * login never needs that much.  Checked once per request.
 */
static bool
body_authorized(struct MHD_Connection *c, struct request *req,
    const char *url, const char *method)
{
	struct front_identity id = FRONT_IDENTITY_INIT;
	struct ucfg *cfg = NULL;
	struct api_env env;
	struct err err;

	if (req->auth_checked)
		return req->authorized;
	req->auth_checked = true;
	if (strncmp(url, "/api2/", 6) != 0)
		return false;
	api_env_init(&env, opts->config_dir, NULL);
	if (store_read_user(&env, &cfg, &err) == 0 &&
	    front_authenticate(c, method, cfg, time(NULL), &id, &err) == 0)
		req->authorized = true;
	store_release_user(cfg);
	api_env_clear(&env);
	front_identity_clear(&id);
	return req->authorized;
}

/* Keep the decoded path in req if it holds a NUL (%00). */
static void
keep_nul_path(const char *uri, size_t len, struct request *req)
{
	const char *p;

	for (p = uri; (p = memchr(p, '%', len - (size_t)(p - uri))) != NULL;
	    p++) {
		if (len - (size_t)(p - uri) >= 3 && p[1] == '0' && p[2] == '0') {
			http_unescape(&req->nul_path, uri, len, false);
			return;
		}
	}
}

/*
 * A new request line (MHD's URI log callback, before MHD parses the query
 * string): the request's state starts here, with its arrival time.  A
 * query string with more than max_params parameters is cut off before
 * MHD parses it (its memory pool would run out and the client wait for
 * the timeout); the request is then refused at once.
 */
static void *
request_begin(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct request *req = calloc(1, sizeof(*req));
	char *q = strchr(uri, '?');

	(void)cls;
	/* back from the idle timeout of a kept-alive connection */
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
	    opts->request_timeout);
	if (req == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	keep_nul_path(uri, q != NULL ? (size_t)(q - uri) : strlen(uri), req);
	if (q != NULL) {
		req->nparams = http_query_param_count(q + 1);
		if (req->nparams > opts->max_params)
			q[1] = '\0';	/* MHD's own buffer: it parses none */
	}
	return req;
}

/*
 * The headers are in: refuse what is too big before reading a body.  A
 * client that waits for "100 Continue", or announces more than any
 * request may send, is answered at once.  Any other client is already
 * sending its body: hanging up on it mid-upload resets the connection and
 * the client sees a TLS error instead of the 413, so a body within
 * MAX_BODY is read, thrown away, and answered 413 at its end.
 */
static enum MHD_Result
request_checks(struct MHD_Connection *c, struct request *req,
    const char *url, const char *method)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_EXPECT);
	unsigned long long len;

	if (req->nparams > opts->max_params)
		return too_many_params(c, req);
	if (cl == NULL)
		return MHD_YES;
	len = strtoull(cl, NULL, 10);
	if (len <= opts->max_anon_body || (len <= MAX_BODY &&
	    body_authorized(c, req, url, method)))
		return MHD_YES;
	if (len > MAX_BODY || expect != NULL)
		return fail(c, req, 413, "request body too large");
	req->too_big = true;	/* drained by request_body */
	return MHD_YES;
}

/* Keep a piece of the body, within the limits. */
static enum MHD_Result
request_body(struct MHD_Connection *c, struct request *req, const char *url,
    const char *method, const char *data, size_t len)
{
	size_t total = req->body.len + len;

	req->received += len;
	if (!req->too_big && (total > MAX_BODY ||
	    (total > opts->max_anon_body &&
	    !body_authorized(c, req, url, method)))) {
		/* answered 413 at the end; nothing more is kept */
		req->too_big = true;
		buf_clear_secret(&req->body);
	}
	if (!req->too_big)
		buf_put(&req->body, data, len);
	/* a body without length that goes on and on: hang up */
	return req->received > MAX_BODY + opts->max_anon_body ? MHD_NO :
	    MHD_YES;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct request *req = *con_cls;
	const char *api = url;
	size_t api_len = strlen(url);

	(void)cls;
	(void)version;
	cfs_refresh();	/* each request reads the newest snapshot */
	if (req == NULL) {
		/* request_begin could not allocate: once more */
		req = calloc(1, sizeof(*req));
		if (req == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &req->start);
		*con_cls = req;
	}
	if (!req->started) {
		req->started = true;
		return request_checks(c, req, url, method);
	}
	if (req->pending != NULL) {
		/* resumed after the delay: send what was kept */
		enum MHD_Result ret = MHD_queue_response(c,
		    req->pending_status, req->pending);

		MHD_destroy_response(req->pending);
		req->pending = NULL;
		return ret;
	}
	if (*upload_size != 0) {
		enum MHD_Result ret = request_body(c, req, url, method, upload,
		    *upload_size);

		*upload_size = 0;
		return ret;
	}
	if (req->too_big)
		return fail(c, req, 413, "request body too large");
	if (req->nul_path.len != 0) {
		api = buf_str(&req->nul_path);
		api_len = req->nul_path.len;
	}
	if (api_len >= 11 && strncmp(api, "/api2/json/", 11) == 0)
		return api_request(c, req, api + 10, api_len - 10, method);
	if (api_len >= 12 && strncmp(api, "/api2/extjs/", 12) == 0)
		return api_request(c, req, api + 11, api_len - 11, method);
	return static_serve(c, opts->www, url, method);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	(void)cls;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		/* idle until the next request of a kept-alive connection */
		MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
		    opts->idle_timeout);
	if (req == NULL)
		return;
	if (req->pending != NULL)
		MHD_destroy_response(req->pending);
	buf_clear_secret(&req->body);	/* may hold a password */
	buf_clear(&req->nul_path);
	free(req);
	*con_cls = NULL;
}

static struct MHD_Daemon *
start_one(const char *listen, int fd, const struct buf *cert,
    const struct buf *key, unsigned threads, struct err *err)
{
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;

	if (!opts->plain_http)
		flags |= MHD_USE_TLS;
	/*
	 * Bounded per client address well below the total, so that one
	 * address cannot take every connection; a connection that makes no
	 * progress on its request for request_timeout is closed.
	 */
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_URI_LOG_CALLBACK, request_begin, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, opts->max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, opts->max_conns_per_addr,
	    MHD_OPTION_CONNECTION_TIMEOUT, opts->request_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	    opts->plain_http ? MHD_OPTION_END : MHD_OPTION_HTTPS_MEM_KEY,
	    buf_str(key), MHD_OPTION_HTTPS_MEM_CERT, buf_str(cert),
	    MHD_OPTION_END);
	if (d == NULL)
		err_set(err, ERR_IO, "unable to serve on %s - %s", listen,
		    strerror(errno));
	return d;
}

int
front_run(const struct serve_opts *o, const struct buf *cert_pem,
    const struct buf *key_pem, size_t nworkers, int ctl,
    const int *listen_fds)
{
	struct MHD_Daemon *d[SERVE_MAX_LISTEN] = {0};
	struct buf csrf = BUF_INIT;
	unsigned threads;
	sigset_t set;
	struct err err;
	size_t i;
	int sig, rc = 1;

	opts = o;
	/* when the supervisor dies, so do we */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (authd_client_init(nworkers, ctl, &err) < 0 ||
	    authd_client_hello(&csrf, &err) < 0) {
		fprintf(stderr, "realmgate: %s\n", err.msg);
		authd_client_stop();
		return 1;
	}
	front_auth_init(o->config_dir, buf_str(&csrf));
	buf_clear_secret(&csrf);
	store_cache_enable();
	if (delay_start() < 0 || dispatch_start(nworkers) < 0)
		goto out;
	threads = o->threads != 0 ? o->threads :
	    (unsigned)sysconf(_SC_NPROCESSORS_ONLN) * 2;
	for (i = 0; i < o->listen_count; i++) {
		d[i] = start_one(o->listen[i], listen_fds[i], cert_pem, key_pem,
		    threads, &err);
		if (d[i] == NULL) {
			fprintf(stderr, "realmgate: %s\n", err.msg);
			goto out;
		}
		fprintf(stderr, "realmgate: listening on %s://%s\n",
		    o->plain_http ? "http" : "https", o->listen[i]);
	}
	authd_client_ready();
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			store_cache_drop();
			continue;
		}
		break;
	}
	rc = 0;
out:
	for (i = 0; i < o->listen_count; i++)
		if (d[i] != NULL)
			MHD_quiesce_daemon(d[i]);
	dispatch_stop();
	delay_stop();
	for (i = 0; i < o->listen_count; i++)
		if (d[i] != NULL)
			MHD_stop_daemon(d[i]);
	authd_client_stop();
	store_cache_drop();
	return rc;
}
