/*
 * The etcd client's connection and its plain calls (etcd_client.h):
 * options and endpoints, range, leases, compaction, the current revision.
 * Transactions are in etcd_txn.c, the watch in etcd_watch.c, the HTTP side
 * in etcd_http.c.
 */
#include "etcd_int.h"
#include "secret.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* host:port with host a name, an IPv4 or a [IPv6] address */
static bool
endpoint_valid(const char *s, size_t len)
{
	size_t i, colon = len;
	unsigned long port = 0;

	if (len == 0 || len > 255)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == ':' && (s[0] != '[' || (i > 0 && s[i - 1] == ']')))
			colon = i;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == ':' || c == '[' || c == ']'))
			return false;
	}
	if (colon == 0 || colon + 1 >= len || colon + 6 < len)
		return false;
	if (s[0] == '[' && s[colon - 1] != ']')
		return false;
	for (i = colon + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

static int
parse_endpoints(struct etcd *e, const char *list, struct err *err)
{
	const char *p = list, *end;
	size_t len, cap = 0;
	struct buf name = BUF_INIT;

	buf_puts(&name, e->tls ? "etcds://" : "etcd://");
	for (;;) {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (!endpoint_valid(p, len)) {
			buf_clear(&name);
			return err_set(err, ERR_INVALID, "etcd endpoints "
			    "'%.200s': '%.*s' is not host:port", list,
			    (int)(len > 100 ? 100 : len), p);
		}
		if (e->nep == ETCD_ENDPOINTS_MAX) {
			buf_clear(&name);
			return err_set(err, ERR_INVALID, "etcd endpoints: more "
			    "than %d", ETCD_ENDPOINTS_MAX);
		}
		XGROW(e->ep, cap, e->nep + 1);
		e->ep[e->nep++] = xstrndup(p, len);
		buf_putf(&name, "%s%.*s", e->nep > 1 ? "," : "", (int)len, p);
		if (end == NULL)
			break;
		p = end + 1;
	}
	e->name = buf_steal(&name);
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

static void
setup_handle(struct etcd *e)
{
	CURL *c = e->curl;

	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, e->tls ? "https" : "http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, e->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "realmgate");
	/* a dead peer under an idle watch is found within a minute */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 5L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (e->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, e->cacert);
	if (e->cert != NULL)
		curl_easy_setopt(c, CURLOPT_SSLCERT, e->cert);
	if (e->key != NULL)
		curl_easy_setopt(c, CURLOPT_SSLKEY, e->key);
}

int
etcd_open(const struct etcd_opts *o, struct etcd **e_r, struct err *err)
{
	struct etcd *e;

	*e_r = NULL;
	if (o->endpoints == NULL || *o->endpoints == '\0')
		return err_set(err, ERR_INVALID, "etcd: no endpoints");
	if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
		return err_set(err, ERR_INVALID, "etcd: negative timeout");
	if ((o->user != NULL) != (o->password != NULL) ||
	    (o->user != NULL && *o->user == '\0'))
		return err_set(err, ERR_INVALID, "etcd: a user needs a "
		    "password and the other way round");
	if ((o->cert != NULL || o->key != NULL || o->cacert != NULL) &&
	    !o->tls)
		return err_set(err, ERR_INVALID, "etcd: certificates without "
		    "tls");
	if ((o->cert != NULL) != (o->key != NULL))
		return err_set(err, ERR_INVALID, "etcd: a client certificate "
		    "needs its key and the other way round");
	e = xcalloc(1, sizeof(*e));
	e->tls = o->tls;	/* names the store "etcds://" */
	if (parse_endpoints(e, o->endpoints, err) < 0) {
		etcd_close(e);
		return -1;
	}
	e->cacert = dup_or_null(o->cacert);
	e->cert = dup_or_null(o->cert);
	e->key = dup_or_null(o->key);
	e->user = dup_or_null(o->user);
	e->password = o->password != NULL ? xstrdup(o->password) : NULL;
	e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : ETCD_TIMEOUT_MS;
	e->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
	    e->timeout_ms < 1000 ? e->timeout_ms : 1000;
	pthread_once(&curl_once, curl_init);
	e->curl = curl_easy_init();
	e->multi = curl_multi_init();
	if (e->curl == NULL || e->multi == NULL) {
		etcd_close(e);
		return err_set(err, ERR_NOMEM, "etcd: curl_easy_init failed");
	}
	setup_handle(e);
	*e_r = e;
	return 0;
}

void
etcd_close(struct etcd *e)
{
	size_t i;

	if (e == NULL)
		return;
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	if (e->curl != NULL)
		curl_easy_cleanup(e->curl);
	for (i = 0; i < e->nep; i++)
		free(e->ep[i]);
	free(e->ep);
	free(e->name);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	free(e->user);
	secret_free_str(e->password);
	secret_free_str(e->token);
	free(e);
}

const char *
etcd_endpoint_name(const struct etcd *e)
{
	return e->name;
}

void
etcd_prefix_end(const void *prefix, size_t len, struct buf *end)
{
	const unsigned char *p = prefix;

	while (len > 0 && p[len - 1] == 0xff)
		len--;
	if (len == 0) {
		buf_putc(end, '\0');
		return;
	}
	buf_put(end, p, len - 1);
	buf_putc(end, (char)(p[len - 1] + 1));
}

int
etcd_range(struct etcd *e, const void *key, size_t klen, const void *end,
    size_t elen, int64_t revision, int64_t limit, bool keys_only,
    struct etcd_kvs *out, struct err *err)
{
	struct buf b;
	json_t *ans = NULL;
	int rc;

	if (klen == 0)
		return err_set(err, ERR_INVALID, "store %s: empty key",
		    e->name);
	etcd_body_init(&b);
	etcd_json_open(&b, NULL, '{');
	etcd_range_body(&b, key, klen, end, elen, revision, limit, keys_only);
	etcd_json_close(&b, '{');
	rc = etcd_call(e, "/v3/kv/range", &b, &ans, NULL, err);
	if (rc == 0)
		rc = etcd_parse_range(e->name, ans, out, err);
	etcd_json_free(ans);
	buf_clear_secret(&b);
	return rc;
}

/* A call whose body is {"<name>":"<v>"} and whose answer is an object. */
static int
call_i64(struct etcd *e, const char *path, const char *name, int64_t v,
    json_t **ans, bool *resent, struct err *err)
{
	struct buf b;
	int rc;

	etcd_body_init(&b);
	etcd_json_open(&b, NULL, '{');
	etcd_json_i64(&b, name, v);
	etcd_json_close(&b, '{');
	rc = etcd_call(e, path, &b, ans, resent, err);
	buf_clear(&b);
	return rc;
}

int
etcd_lease_grant(struct etcd *e, int64_t ttl_s, int64_t *id_r,
    struct err *err)
{
	json_t *ans = NULL;
	const json_t *msg;
	int64_t ttl;
	int rc;

	*id_r = 0;
	if (ttl_s <= 0)
		return err_set(err, ERR_INVALID, "store %s: lease TTL %lld",
		    e->name, (long long)ttl_s);
	if (call_i64(e, "/v3/lease/grant", "TTL", ttl_s, &ans, NULL,
	    err) < 0)
		return -1;
	/* LeaseGrantResponse has an "error" string of its own */
	msg = json_object_get(ans, "error");
	if (json_is_string(msg) && json_string_length(msg) > 0)
		rc = etcd_error_code(e->name, -1, json_string_value(msg), err);
	else if (etcd_get_i64(ans, "ID", id_r) < 0 ||
	    etcd_get_i64(ans, "TTL", &ttl) < 0 || *id_r <= 0 || ttl <= 0)
		rc = etcd_malformed(e->name, "lease grant answer", err);
	else
		rc = 0;
	if (rc < 0)
		*id_r = 0;
	etcd_json_free(ans);
	return rc;
}

int
etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl_left_r,
    struct err *err)
{
	json_t *ans = NULL;
	const json_t *res;
	int64_t rid;
	int rc;

	*ttl_left_r = 0;
	/* a stream on the gateway: one request, one {"result":...} */
	if (call_i64(e, "/v3/lease/keepalive", "ID", id, &ans, NULL,
	    err) < 0)
		return -1;
	res = json_object_get(ans, "result");
	rc = etcd_stream_error(e->name, ans, err);
	if (rc == 0 && (!json_is_object(res) ||
	    etcd_get_i64(res, "ID", &rid) < 0 || rid != id ||
	    etcd_get_i64(res, "TTL", ttl_left_r) < 0 || *ttl_left_r < 0))
		rc = etcd_malformed(e->name, "lease keepalive answer", err);
	if (rc < 0)
		*ttl_left_r = 0;
	etcd_json_free(ans);
	return rc;
}

int
etcd_lease_revoke(struct etcd *e, int64_t id, struct err *err)
{
	json_t *ans = NULL;
	bool resent = false;

	if (call_i64(e, "/v3/lease/revoke", "ID", id, &ans, &resent,
	    err) < 0) {
		/* our first attempt revoked it */
		if (resent && err->code == ERR_NOT_FOUND)
			return 0;
		return -1;
	}
	etcd_json_free(ans);
	return 0;
}

int
etcd_compact(struct etcd *e, int64_t revision, struct err *err)
{
	json_t *ans = NULL;

	if (revision <= 0)
		return err_set(err, ERR_INVALID, "store %s: compact revision "
		    "%lld", e->name, (long long)revision);
	if (call_i64(e, "/v3/kv/compaction", "revision", revision, &ans,
	    NULL, err) < 0)
		return -1;
	etcd_json_free(ans);
	return 0;
}

int
etcd_status(struct etcd *e, int64_t *revision_r, struct err *err)
{
	static const char probe[] = "\0realmgate-revision";
	struct buf b;
	json_t *ans = NULL;
	int rc;

	*revision_r = 0;
	etcd_body_init(&b);
	etcd_json_open(&b, NULL, '{');
	etcd_json_b64(&b, "key", probe, sizeof(probe) - 1);
	etcd_json_true(&b, "count_only");
	etcd_json_close(&b, '{');
	rc = etcd_call(e, "/v3/kv/range", &b, &ans, NULL, err);
	if (rc == 0 && (etcd_get_header_rev(ans, revision_r) < 0 ||
	    *revision_r <= 0)) {
		*revision_r = 0;
		rc = etcd_malformed(e->name, "range answer (no revision)",
		    err);
	}
	etcd_json_free(ans);
	buf_clear(&b);
	return rc;
}
