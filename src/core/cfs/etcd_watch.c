/*
 * The streaming watch (etcd_client.h): POST /v3/watch with one
 * create_request, then the gateway keeps the answer open and writes one
 * JSON object per watch response:
 *   {"result":{"header":{..},"created":true}}                  at once
 *   {"result":{"header":{..},"events":[{"kv":{..}},{"type":"DELETE",..}]}}
 *   {"result":{"header":{..}}}                  a progress notification
 *   {"result":{..,"canceled":true,"compact_revision":"3"}}    compacted
 *   {"result":{..,"canceled":true,"cancel_reason":"rpc error: .."}}
 *   {"error":{"grpc_code":14,"message":"etcdserver: no leader",..}}
 * etcd_split.c cuts the stream into objects; each is parsed and checked
 * here as it comes.
 */
#include "etcd_int.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
etcd_watch_msg_free(struct etcd_watch_msg *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		etcd_kv_free(&w->ev[i].kv);
	free(w->ev);
	memset(w, 0, sizeof(*w));
}

/* {"error":{"grpc_code":N,"message":..}} in the stream, or a plain error
   answer {"error":"..","message":"..","code":N} before it */
static int
parse_error(const json_t *m, struct etcd_watch_msg *w)
{
	const json_t *er = json_object_get(m, "error"), *msg;
	int64_t code;

	w->is_error = true;
	if (json_is_object(er)) {
		msg = json_object_get(er, "message");
		if (etcd_get_i64(er, "grpc_code", &code) < 0)
			return -1;
	} else {
		msg = json_object_get(m, "message");
		if (!json_is_string(msg))
			msg = er;
		if (etcd_get_i64(m, "code", &code) < 0)
			return -1;
	}
	if (msg != NULL && !json_is_string(msg))
		return -1;
	w->error_code = (long)(json_is_object(er) || code != 0 ? code : -1);
	etcd_clean_msg(w->reason, sizeof(w->reason), msg != NULL ?
	    json_string_value(msg) : "watch failed");
	return 0;
}

static int
parse_event(const json_t *o, struct etcd_event *ev)
{
	const json_t *type = json_object_get(o, "type");

	if (!json_is_object(o))
		return -1;
	if (type == NULL || (json_is_string(type) &&
	    strcmp(json_string_value(type), "PUT") == 0))
		ev->type = ETCD_EV_PUT;
	else if (json_is_string(type) &&
	    strcmp(json_string_value(type), "DELETE") == 0)
		ev->type = ETCD_EV_DELETE;
	else
		return -1;
	return etcd_parse_kv(json_object_get(o, "kv"), &ev->kv);
}

int
etcd_parse_watch(const char *store, const json_t *m, struct etcd_watch_msg *w,
    struct err *err)
{
	const json_t *res = json_object_get(m, "result"), *evs, *reason, *o;
	size_t i;

	memset(w, 0, sizeof(*w));
	if (json_object_get(m, "error") != NULL) {
		if (parse_error(m, w) < 0)
			return etcd_malformed(store, "error in the watch "
			    "stream", err);
		return 0;
	}
	evs = json_object_get(res, "events");
	reason = json_object_get(res, "cancel_reason");
	if (!json_is_object(res) ||
	    etcd_get_header_rev(res, &w->header_rev) < 0 ||
	    etcd_get_bool(res, "created", &w->created) < 0 ||
	    etcd_get_bool(res, "canceled", &w->canceled) < 0 ||
	    etcd_get_i64(res, "compact_revision", &w->compact_rev) < 0 ||
	    (reason != NULL && !json_is_string(reason)) ||
	    (evs != NULL && !json_is_array(evs)))
		return etcd_malformed(store, "watch response", err);
	if (reason != NULL)
		etcd_clean_msg(w->reason, sizeof(w->reason),
		    json_string_value(reason));
	if (json_array_size(evs) > 0)
		w->ev = xcalloc(json_array_size(evs), sizeof(*w->ev));
	json_array_foreach(evs, i, o) {
		if (parse_event(o, &w->ev[i]) < 0) {
			etcd_watch_msg_free(w);
			return etcd_malformed(store, "event in a watch "
			    "response", err);
		}
		w->n++;
	}
	return 0;
}

struct watch {
	struct etcd *e;
	etcd_watch_cb cb;
	void *arg;
	int64_t start_rev;
	int64_t *compact_rev_r;
	struct etcd_split split;
	struct err *err;
	bool done;		/* cb asked to stop */
	bool failed;		/* err says why */
	bool expired;		/* "invalid auth token": log in, once more */
};

/* What a message that ends the watch means, in w->err. */
static int
watch_end(struct watch *st, const struct etcd_watch_msg *m)
{
	const char *name = st->e->name;
	char what[300];

	st->failed = true;
	if (m->canceled && m->compact_rev > 0) {
		if (st->compact_rev_r != NULL)
			*st->compact_rev_r = m->compact_rev;
		return err_set(st->err, ERR_NOT_FOUND, "store %s: watch from "
		    "revision %lld: compacted (the oldest revision is %lld)",
		    name, (long long)st->start_rev,
		    (long long)m->compact_rev);
	}
	st->expired = strstr(m->reason, "invalid auth token") != NULL;
	snprintf(what, sizeof(what), "%s: watch", name);
	return etcd_error_code(what, m->is_error ? m->error_code : -1,
	    m->reason[0] != '\0' ? m->reason : "canceled", st->err);
}

static int
on_object(void *arg, const char *p, size_t len)
{
	struct watch *st = arg;
	struct etcd_watch_msg m;
	json_t *j = NULL;
	int rc = -1;

	if (etcd_json_load(st->e->name, p, len, &j, st->err) < 0 ||
	    etcd_parse_watch(st->e->name, j, &m, st->err) < 0) {
		st->failed = true;
		etcd_json_free(j);
		return -1;
	}
	if (m.is_error || m.canceled)
		watch_end(st, &m);
	else if (st->cb(st->arg, m.header_rev, m.ev, m.n) != 0)
		st->done = true;
	else
		rc = 0;
	etcd_watch_msg_free(&m);
	etcd_json_free(j);
	return rc;
}

static size_t
on_data(const char *p, size_t n, void *arg)
{
	struct watch *st = arg;

	if (etcd_split_feed(&st->split, p, n, on_object, st, st->err) != 0) {
		/* the splitter's own errors; on_object's are set already */
		st->failed = !st->done;
		return 0;
	}
	return n;
}

/* One watch stream; -1 with st->expired for an expired token. */
static int
watch_once(struct watch *st, const struct buf *body, volatile bool *stop)
{
	struct etcd *e = st->e;
	struct etcd_xfer x;
	int rc = -1;

	etcd_split_init(&st->split, ETCD_ANSWER_MAX);
	etcd_xfer_init(&x, "/v3/watch", body);
	x.on_data = on_data;
	x.arg = st;
	x.stop = stop;
	if (etcd_post(e, &x, st->err) < 0)
		goto out;
	if (st->done || x.stopped) {
		rc = 0;
	} else if (st->failed) {
		/* err set */
	} else if (x.cc != CURLE_OK) {
		err_set(st->err, ERR_UNAVAILABLE, "store %s: watch stream "
		    "from %s broke: %s", e->name, e->ep[e->cur],
		    e->errbuf[0] != '\0' ? e->errbuf :
		    curl_easy_strerror(x.cc));
	} else {
		err_set(st->err, ERR_UNAVAILABLE, "store %s: watch stream "
		    "from %s ended (HTTP %ld)", e->name, e->ep[e->cur],
		    x.status);
	}
out:
	etcd_xfer_clear(&x);
	etcd_split_clear(&st->split);
	return rc;
}

int
etcd_watch(struct etcd *e, const void *key, size_t klen, const void *end,
    size_t elen, int64_t start_rev, etcd_watch_cb cb, void *arg,
    volatile bool *stop, int64_t *compact_rev_r, struct err *err)
{
	struct watch st;
	struct buf b;
	int attempt, rc = -1;

	if (compact_rev_r != NULL)
		*compact_rev_r = 0;
	if (klen == 0 || start_rev < 0)
		return err_set(err, ERR_INVALID, "store %s: watch: empty key "
		    "or negative revision", e->name);
	memset(&st, 0, sizeof(st));
	st.e = e;
	st.cb = cb;
	st.arg = arg;
	st.start_rev = start_rev;
	st.compact_rev_r = compact_rev_r;
	st.err = err;
	etcd_body_init(&b);
	etcd_json_open(&b, NULL, '{');
	etcd_json_open(&b, "create_request", '{');
	etcd_range_body(&b, key, klen, end, elen, 0, 0, false);
	if (start_rev > 0)
		etcd_json_i64(&b, "start_revision", start_rev);
	etcd_json_true(&b, "progress_notify");
	etcd_json_close(&b, '{');
	etcd_json_close(&b, '{');
	for (attempt = 0; attempt < 2; attempt++) {
		if (e->user != NULL && e->token == NULL &&
		    etcd_relogin(e, err) < 0)
			break;
		st.expired = st.failed = false;
		rc = watch_once(&st, &b, stop);
		if (rc == 0 || !st.expired || e->user == NULL)
			break;
		if (etcd_relogin(e, err) < 0)
			break;
	}
	buf_clear(&b);
	return rc;
}
