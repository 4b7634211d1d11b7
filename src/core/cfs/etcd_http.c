/*
 * The HTTP side of the etcd client: POSTs to the gateway through one curl
 * easy handle (keep-alive) driven by a multi handle, so that a long watch
 * looks at its stop flag every 250 ms whatever curl's progress callback
 * would do; endpoint failover; logging in with a user and password.
 *
 * Failover: an endpoint that cannot be reached, times out or answers 5xx
 * (etcd's "no leader", "request timed out") is left for the next one, and
 * the one that answered is remembered for the next call.  While members
 * answer "no leader" (an election: about 1-3 s after the leader died), the
 * rounds over the endpoints go on, 100 ms apart, for up to timeout_ms.
 * When the request may have reached the member before it failed, sending
 * it again may apply it twice; x->resent tells the caller (see
 * etcd_txn_result.retried).
 */
#include "etcd_int.h"
#include "monoclock.h"
#include "secret.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* between rounds over the endpoints while they answer "no leader" */
#define ELECTION_PAUSE_MS 100

void
etcd_xfer_init(struct etcd_xfer *x, const char *path, const struct buf *body)
{
	memset(x, 0, sizeof(*x));
	x->path = path;
	x->body = body;
	x->with_token = true;
	buf_init_secret(&x->answer, ETCD_ANSWER_MAX);
}

void
etcd_xfer_clear(struct etcd_xfer *x)
{
	buf_clear_secret(&x->answer);
}

static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct etcd_xfer *x = arg;
	size_t len = size * n;

	x->got += len;
	if (x->on_data != NULL)
		return x->on_data(p, len, x->arg);
	return buf_add(&x->answer, p, len) == 0 ? len : 0;
}

/* curl_slist_free_all, the strings wiped first (the token is one) */
static void
headers_free(struct curl_slist *h)
{
	struct curl_slist *p;

	for (p = h; p != NULL; p = p->next)
		secret_wipe(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

static struct curl_slist *
headers(const struct etcd *e, const struct etcd_xfer *x)
{
	struct curl_slist *h = NULL;
	struct buf auth;

	h = curl_slist_append(h, "Content-Type: application/json");
	/* no "Expect: 100-continue" wait before large bodies */
	h = curl_slist_append(h, "Expect:");
	/* a member without a leader answers "no leader" at once instead of
	   holding the request, and cancels our watch instead of going
	   silent (etcd's clientv3.WithRequireLeader) */
	h = curl_slist_append(h, "Grpc-Metadata-hasleader: true");
	if (x->with_token && e->token != NULL) {
		buf_init_secret(&auth, 0);
		buf_putf(&auth, "Authorization: %s", e->token);
		h = curl_slist_append(h, buf_str(&auth));
		buf_clear_secret(&auth);
	}
	return h;
}

static void
setup(struct etcd *e, size_t idx, const struct etcd_xfer *x,
    struct curl_slist *h, struct buf *url)
{
	CURL *c = e->curl;

	buf_reset(url);
	buf_putf(url, "%s://%s%s", e->tls ? "https" : "http", e->ep[idx],
	    x->path);
	curl_easy_setopt(c, CURLOPT_URL, buf_str(url));
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, buf_str(x->body));
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)x->body->len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    x->on_data != NULL ? 0L : (long)e->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)e->connect_ms);
	e->errbuf[0] = '\0';
}


/* Run the transfer, looking at *stop between curl's steps. */
static CURLcode
run(struct etcd *e, struct etcd_xfer *x)
{
	long long t0 = mono_ms();
	CURLcode cc = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;
	bool late = false;

	mc = curl_multi_add_handle(e->multi, e->curl);
	if (mc != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running > 0) {
		mc = curl_multi_perform(e->multi, &running);
		if (mc != CURLM_OK) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (x->stop != NULL && *x->stop) {
			x->stopped = true;
			break;
		}
		/* curl's time limit is off for a stream; not for its start */
		if (x->on_data != NULL && x->got == 0 &&
		    mono_ms() - t0 > e->timeout_ms) {
			late = true;
			break;
		}
		if (running > 0 && curl_multi_poll(e->multi, NULL, 0, 250,
		    NULL) != CURLM_OK) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
	}
	while ((msg = curl_multi_info_read(e->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			cc = msg->data.result;
	curl_multi_remove_handle(e->multi, e->curl);
	return late ? CURLE_OPERATION_TIMEDOUT : cc;
}

/* Why the attempt failed, short; *unsent_r: the request never left. */
static void
failure_reason(struct etcd *e, CURLcode cc, char *out, size_t size,
    bool *unsent_r)
{
	long oserr = 0, reqsize = 0;

	curl_easy_getinfo(e->curl, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(e->curl, CURLINFO_REQUEST_SIZE, &reqsize);
	*unsent_r = reqsize == 0;
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		*unsent_r = true;
		if (oserr == ECONNREFUSED)
			snprintf(out, size, "connection refused");
		else if (oserr != 0)
			snprintf(out, size, "cannot connect: %s",
			    strerror((int)oserr));
		else
			snprintf(out, size, "cannot connect");
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		*unsent_r = true;
		snprintf(out, size, "unknown host");
		return;
	case CURLE_OPERATION_TIMEDOUT:
		if (reqsize == 0)
			snprintf(out, size, "no connection within %d ms",
			    e->connect_ms);
		else
			snprintf(out, size, "no answer within %d ms",
			    e->timeout_ms);
		return;
	default:
		etcd_clean_msg(out, size, e->errbuf[0] != '\0' ? e->errbuf :
		    curl_easy_strerror(cc));
		return;
	}
}

/* The message of a 5xx answer, for the reason; whether it was applied. */
static void
answer_reason(const struct etcd_xfer *x, char *out, size_t size,
    bool *unsent_r)
{
	char msg[120];
	int64_t code;

	etcd_error_fields(x->answer.data, x->answer.len, msg, sizeof(msg),
	    &code);
	snprintf(out, size, "HTTP %ld%s%s", x->status, msg[0] != '\0' ?
	    ": " : "", msg);
	/* etcd refused it before proposing it */
	*unsent_r = strstr(msg, "no leader") != NULL;
}

enum attempt { ANSWERED, TOO_BIG, FAILED, NO_LEADER };

/* One try on endpoint idx; FAILED and NO_LEADER say why in reason. */
static enum attempt
attempt(struct etcd *e, struct etcd_xfer *x, size_t idx,
    struct curl_slist *h, struct buf *url, char *reason, size_t size,
    bool *unsent)
{
	CURLcode cc;

	secret_wipe(x->answer.data, x->answer.len);
	buf_reset(&x->answer);
	x->got = 0;
	x->status = 0;
	setup(e, idx, x, h, url);
	cc = x->cc = run(e, x);
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->stopped || (cc == CURLE_OK && x->status < 500 &&
	    x->status >= 100))
		return ANSWERED;
	if (cc == CURLE_WRITE_ERROR && x->on_data == NULL)
		return TOO_BIG;
	/* a stream that had begun: the caller says why it ended */
	if (x->on_data != NULL && x->got > 0)
		return ANSWERED;
	if (cc != CURLE_OK) {
		failure_reason(e, cc, reason, size, unsent);
		return FAILED;
	}
	answer_reason(x, reason, size, unsent);
	/* unsent here: etcd refused it before proposing it, no leader */
	return *unsent ? NO_LEADER : FAILED;
}

int
etcd_post(struct etcd *e, struct etcd_xfer *x, struct err *err)
{
	struct curl_slist *h = headers(e, x);
	struct buf url = BUF_INIT, why = BUF_INIT;
	long long t_elect = 0;	/* the first "no leader" */
	char reason[160];
	bool unknown = false, unsent, electing;
	size_t i, idx;
	int rc = -1;

	for (;;) {
		electing = false;
		buf_reset(&why);
		for (i = 0; i < e->nep; i++) {
			idx = (e->cur + i) % e->nep;
			x->resent = x->resent || unknown;
			switch (attempt(e, x, idx, h, &url, reason,
			    sizeof(reason), &unsent)) {
			case ANSWERED:
				e->cur = idx;
				rc = 0;
				goto out;
			case TOO_BIG:
				err_set(err, ERR_INVALID, "store %s: answer "
				    "larger than %u MiB from %s", e->name,
				    ETCD_ANSWER_MAX >> 20, e->ep[idx]);
				goto out;
			case NO_LEADER:
				electing = true;
				if (t_elect == 0)
					t_elect = mono_ms();
				break;
			case FAILED:
				break;
			}
			unknown = unknown || !unsent;
			if (e->nep == 1)
				buf_puts(&why, reason);
			else
				buf_putf(&why, "%s%s: %s", why.len > 0 ?
				    "; " : "", e->ep[idx], reason);
		}
		/* the cluster is electing a leader: wait up to timeout_ms */
		if (!electing || mono_ms() - t_elect + ELECTION_PAUSE_MS >
		    e->timeout_ms)
			break;
		usleep(ELECTION_PAUSE_MS * 1000);
		if (x->stop != NULL && *x->stop) {
			x->stopped = true;
			rc = 0;
			goto out;
		}
	}
	err_set(err, ERR_UNAVAILABLE, "store %s: unavailable (%s)", e->name,
	    buf_str(&why));
out:
	headers_free(h);
	buf_clear(&url);
	buf_clear(&why);
	return rc;
}

static int
login(struct etcd *e, struct err *err)
{
	struct etcd_xfer x;
	json_t *req, *ans = NULL;
	const json_t *tok;
	char *body;
	struct buf b;
	bool expired;
	int rc = -1;

	secret_free_str(e->token);
	e->token = NULL;
	req = json_pack("{s:s, s:s}", "name", e->user, "password",
	    e->password);
	body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	etcd_json_free(req);
	if (body == NULL)
		return err_set(err, ERR_INVALID, "store %s: the user name or "
		    "password is not valid UTF-8", e->name);
	buf_init_secret(&b, 0);
	buf_puts(&b, body);
	secret_free_str(body);
	etcd_xfer_init(&x, "/v3/auth/authenticate", &b);
	x.with_token = false;
	if (etcd_post(e, &x, err) < 0)
		goto out;
	if (x.status != 200) {
		etcd_error_answer(e->name, x.status, x.answer.data,
		    x.answer.len, &expired, err);
		err_prefix(err, "login as %s: ", e->user);
		/* "authentication failed" is ERR_AUTH already; "auth not
		   enabled" and the like are a wrong setup as well */
		err->code = err->code == ERR_UNAVAILABLE ? ERR_UNAVAILABLE :
		    ERR_AUTH;
		goto out;
	}
	if (etcd_json_load(e->name, x.answer.data, x.answer.len, &ans,
	    err) < 0)
		goto out;
	tok = json_object_get(ans, "token");
	if (!json_is_string(tok) || json_string_length(tok) == 0 ||
	    json_string_length(tok) > 4096 ||
	    strpbrk(json_string_value(tok), "\r\n") != NULL) {
		etcd_malformed(e->name, "answer to the login", err);
		goto out;
	}
	e->token = xstrdup(json_string_value(tok));
	rc = 0;
out:
	etcd_json_free(ans);
	etcd_xfer_clear(&x);
	buf_clear_secret(&b);
	return rc;
}

int
etcd_relogin(struct etcd *e, struct err *err)
{
	if (e->user == NULL)
		return err_set(err, ERR_AUTH, "store %s: authentication "
		    "required (no user configured)", e->name);
	return login(e, err);
}

int
etcd_call(struct etcd *e, const char *path, const struct buf *body,
    json_t **ans, bool *resent_r, struct err *err)
{
	struct etcd_xfer x;
	bool expired = false, resent = false;
	int attempt, rc = -1;

	*ans = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		if (e->user != NULL && e->token == NULL &&
		    login(e, err) < 0)
			break;
		etcd_xfer_init(&x, path, body);
		rc = etcd_post(e, &x, err);
		resent = resent || x.resent;
		if (rc == 0 && x.status == 200)
			rc = etcd_json_load(e->name, x.answer.data,
			    x.answer.len, ans, err);
		else if (rc == 0)
			rc = etcd_error_answer(e->name, x.status,
			    x.answer.data, x.answer.len, &expired, err);
		etcd_xfer_clear(&x);
		if (rc == 0 || !expired || e->user == NULL)
			break;
		/* the token expired or the member forgot it: once more */
		secret_free_str(e->token);
		e->token = NULL;
	}
	if (resent_r != NULL)
		*resent_r = resent;
	return rc;
}
