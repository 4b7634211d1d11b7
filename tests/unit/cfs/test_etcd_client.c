/*
 * The etcd client (src/core/cfs) against a real single-member etcd started
 * through tests/etcd/etcd-cluster.sh: transactions and compare-and-swap,
 * ranges (prefix, limit, an older revision, keys only), binary and large
 * values, etcd's limits, leases, the watch (order, stop flag, compacted
 * start), endpoint failover (refused, hung: the retried flag).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfs/etcd_client.h"
#include "etcd_fixture.h"

#include <pthread.h>

static struct etcd *e;

static int
setup(void **state)
{
	struct etcd_opts o = {0};
	struct err err;

	(void)state;
	if (etcd_fx_start(&cl, 1, NULL) < 0)
		return -1;
	o.endpoints = cl.endpoints;
	return etcd_open(&o, &e, &err);
}

static int
teardown(void **state)
{
	etcd_close(e);
	return etcd_fx_teardown(state);
}

static void
put_k(const void *key, size_t klen, const void *val, size_t vlen)
{
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_txn_result r;
	struct err err;

	etcd_txn_put(t, true, key, klen, val, vlen, 0);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_true(r.succeeded);
	assert_int_equal(r.ngets, 0);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
}

static void
put(const char *key, const void *val, size_t vlen)
{
	put_k(key, strlen(key), val, vlen);
}

static void
puts_(const char *key, const char *val)
{
	put(key, val, strlen(val));
}

/* the single key's value as a string; "" when missing (*found false) */
static int64_t
get(const char *key, char *out, size_t size, bool *found)
{
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct err err;
	int64_t mod = 0;

	assert_int_equal(etcd_range(e, key, strlen(key), NULL, 0, 0, 0, false,
	    &k, &err), 0);
	assert_true(k.n <= 1);
	*found = k.n == 1;
	snprintf(out, size, "%s", k.n == 1 ? buf_str(&k.v[0].value) : "");
	if (k.n == 1)
		mod = k.v[0].mod_rev;
	etcd_kvs_free(&k);
	return mod;
}

static void
test_txn_put_get(void **state)
{
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_txn_result r;
	struct err err;
	char v[64];
	bool found;

	(void)state;
	puts_("/t/pg/a", "one");
	etcd_txn_get(t, true, "/t/pg/a", 7);
	etcd_txn_put(t, true, "/t/pg/b", 7, "two", 3, 0);
	etcd_txn_get(t, true, "/t/pg/missing", 13);
	assert_int_equal(etcd_txn_ops(t), 3);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_true(r.succeeded);
	assert_true(r.revision > 0);
	assert_int_equal(r.ngets, 2);
	assert_int_equal(r.gets[0].n, 1);
	assert_string_equal(buf_str(&r.gets[0].v[0].key), "/t/pg/a");
	assert_string_equal(buf_str(&r.gets[0].v[0].value), "one");
	assert_int_equal(r.gets[0].v[0].version, 1);
	assert_int_equal(r.gets[1].n, 0);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
	get("/t/pg/b", v, sizeof(v), &found);
	assert_true(found);
	assert_string_equal(v, "two");
}

static void
test_cas(void **state)
{
	struct etcd_txn *t;
	struct etcd_txn_result r;
	struct err err;
	int64_t mod;
	char v[64];
	bool found;

	(void)state;
	/* create only if missing: VERSION == 0 */
	t = etcd_txn_new();
	etcd_txn_cmp(t, "/t/cas", 6, ETCD_VERSION, ETCD_EQUAL, 0);
	etcd_txn_put(t, true, "/t/cas", 6, "v1", 2, 0);
	etcd_txn_get(t, false, "/t/cas", 6);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_true(r.succeeded);
	assert_int_equal(r.ngets, 0);
	etcd_txn_result_free(&r);
	/* the same again fails and runs the failure branch */
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_false(r.succeeded);
	assert_false(r.retried);
	assert_int_equal(r.ngets, 1);
	assert_string_equal(buf_str(&r.gets[0].v[0].value), "v1");
	etcd_txn_result_free(&r);
	etcd_txn_free(t);

	/* swap on mod revision: the right one wins, a stale one loses */
	mod = get("/t/cas", v, sizeof(v), &found);
	t = etcd_txn_new();
	etcd_txn_cmp(t, "/t/cas", 6, ETCD_MOD, ETCD_EQUAL, mod);
	etcd_txn_put(t, true, "/t/cas", 6, "v2", 2, 0);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_true(r.succeeded);
	etcd_txn_result_free(&r);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_false(r.succeeded);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
	get("/t/cas", v, sizeof(v), &found);
	assert_string_equal(v, "v2");

	/* value compares; one on a missing key is false even NOT_EQUAL */
	t = etcd_txn_new();
	etcd_txn_cmp_value(t, "/t/cas", 6, ETCD_EQUAL, "v2", 2);
	etcd_txn_cmp_value(t, "/t/cas-none", 11, ETCD_NOT_EQUAL, "x", 1);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_false(r.succeeded);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);

	/* missing key: mod and lease are 0 */
	t = etcd_txn_new();
	etcd_txn_cmp(t, "/t/cas-none", 11, ETCD_MOD, ETCD_LESS, 1);
	etcd_txn_cmp(t, "/t/cas-none", 11, ETCD_LEASE, ETCD_EQUAL, 0);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_true(r.succeeded);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);

	/* a misuse of the builder is refused before any I/O */
	t = etcd_txn_new();
	etcd_txn_cmp(t, "/t/cas", 6, ETCD_VALUE, ETCD_EQUAL, 1);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	etcd_txn_free(t);

	/* delete with a compare, then the key is gone */
	t = etcd_txn_new();
	etcd_txn_cmp(t, "/t/cas", 6, ETCD_VERSION, ETCD_GREATER, 0);
	etcd_txn_del(t, true, "/t/cas", 6, NULL, 0);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	assert_true(r.succeeded);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
	get("/t/cas", v, sizeof(v), &found);
	assert_false(found);
}

static void
test_range(void **state)
{
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct buf end = BUF_INIT;
	struct err err;
	int64_t old_rev;
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "/t/r/%d", i);
		puts_(key, key);
	}
	puts_("/t/r0", "outside");	/* '0' follows '/' */
	puts_("/t/q", "outside");
	etcd_prefix_end("/t/r/", 5, &end);
	assert_string_equal(buf_str(&end), "/t/r0");

	assert_int_equal(etcd_range(e, "/t/r/", 5, end.data, end.len, 0, 0,
	    false, &k, &err), 0);
	assert_int_equal(k.n, 5);
	assert_false(k.more);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "/t/r/%d", i);
		assert_string_equal(buf_str(&k.v[i].key), key);
		assert_string_equal(buf_str(&k.v[i].value), key);
	}
	old_rev = k.revision;
	etcd_kvs_free(&k);

	/* limit: the first two and "more"; appending to what is there */
	assert_int_equal(etcd_range(e, "/t/r/", 5, end.data, end.len, 0, 2,
	    false, &k, &err), 0);
	assert_int_equal(k.n, 2);
	assert_true(k.more);
	assert_int_equal(etcd_range(e, "/t/r/2", 6, end.data, end.len, 0, 0,
	    true, &k, &err), 0);
	assert_int_equal(k.n, 5);
	assert_false(k.more);
	/* keys only: no values */
	assert_string_equal(buf_str(&k.v[4].key), "/t/r/4");
	assert_int_equal(k.v[4].value.len, 0);
	assert_true(k.v[4].mod_rev > 0);
	etcd_kvs_free(&k);

	/* an older revision still shows the old value */
	puts_("/t/r/1", "changed");
	assert_int_equal(etcd_range(e, "/t/r/1", 6, NULL, 0, old_rev, 0,
	    false, &k, &err), 0);
	assert_int_equal(k.n, 1);
	assert_string_equal(buf_str(&k.v[0].value), "/t/r/1");
	assert_int_equal(k.revision > old_rev, true);
	etcd_kvs_free(&k);
	assert_int_equal(etcd_range(e, "/t/r/1", 6, NULL, 0, 0, 0, false, &k,
	    &err), 0);
	assert_string_equal(buf_str(&k.v[0].value), "changed");
	assert_int_equal(k.v[0].version, 2);
	etcd_kvs_free(&k);

	/* a future revision */
	assert_int_equal(etcd_range(e, "/t/r/1", 6, NULL, 0, old_rev + 1000,
	    0, false, &k, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, "future revision"));
	assert_int_equal(k.n, 0);

	/* prefix ends */
	buf_reset(&end);
	etcd_prefix_end("a\xff\xff", 3, &end);
	assert_int_equal(end.len, 1);
	assert_int_equal(end.data[0], 'b');
	buf_reset(&end);
	etcd_prefix_end("\xff", 1, &end);
	assert_int_equal(end.len, 1);
	assert_int_equal(end.data[0], '\0');
	buf_clear(&end);
}

static void
test_binary_and_large(void **state)
{
	static const char bin[] = "a\0b\0\xff\x01";
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct err err;
	size_t big_len = 1u << 20, i;
	char *big = malloc(big_len);

	(void)state;
	assert_non_null(big);
	/* a NUL in the key too */
	put_k("/t/bin\0key", 10, bin, sizeof(bin));
	assert_int_equal(etcd_range(e, "/t/bin\0key", 10, NULL, 0, 0, 0,
	    false, &k, &err), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.v[0].key.len, 10);
	assert_memory_equal(k.v[0].key.data, "/t/bin\0key", 10);
	assert_int_equal(k.v[0].value.len, sizeof(bin));
	assert_memory_equal(k.v[0].value.data, bin, sizeof(bin));
	etcd_kvs_free(&k);

	for (i = 0; i < big_len; i++)
		big[i] = (char)(i * 7 + i / 251);
	put("/t/big", big, big_len);
	assert_int_equal(etcd_range(e, "/t/big", 6, NULL, 0, 0, 0, false, &k,
	    &err), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.v[0].value.len, big_len);
	assert_memory_equal(k.v[0].value.data, big, big_len);
	etcd_kvs_free(&k);
	free(big);
}

static void
test_limits(void **state)
{
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_txn_result r;
	struct err err;
	size_t len = 1600 * 1024;
	char key[32], *v;
	int i;

	(void)state;
	for (i = 0; i < 129; i++) {
		snprintf(key, sizeof(key), "/t/many/%d", i);
		etcd_txn_put(t, true, key, strlen(key), "x", 1, 0);
	}
	assert_int_equal(etcd_txn_ops(t), 129);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, "too many operations"));
	assert_non_null(strstr(err.msg, cl.endpoints));
	etcd_txn_free(t);

	v = calloc(1, len);
	assert_non_null(v);
	t = etcd_txn_new();
	etcd_txn_put(t, true, "/t/huge", 7, v, len, 0);
	assert_true(etcd_txn_bytes(t) > len);
	assert_true(etcd_txn_bytes(t) < len + 200);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, "request is too large"));
	etcd_txn_free(t);
	free(v);

	/* two puts of one key in a branch */
	t = etcd_txn_new();
	etcd_txn_put(t, true, "/t/dup", 6, "1", 1, 0);
	etcd_txn_put(t, true, "/t/dup", 6, "2", 1, 0);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, "duplicate key"));
	etcd_txn_free(t);
}

static void
test_lease(void **state)
{
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_txn_result r;
	struct err err;
	int64_t id, ttl;
	char v[16];
	bool found;

	(void)state;
	assert_int_equal(etcd_lease_grant(e, 30, &id, &err), 0);
	assert_true(id > 0);
	etcd_txn_put(t, true, "/t/lease", 8, "held", 4, id);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
	assert_int_equal(etcd_lease_keepalive(e, id, &ttl, &err), 0);
	assert_true(ttl > 0 && ttl <= 30);
	get("/t/lease", v, sizeof(v), &found);
	assert_true(found);

	assert_int_equal(etcd_lease_revoke(e, id, &err), 0);
	get("/t/lease", v, sizeof(v), &found);
	assert_false(found);
	assert_int_equal(etcd_lease_keepalive(e, id, &ttl, &err), 0);
	assert_int_equal(ttl, 0);
	assert_int_equal(etcd_lease_revoke(e, id, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_int_equal(etcd_lease_grant(e, 0, &id, &err), -1);

	/* a put on a lease that does not exist */
	t = etcd_txn_new();
	etcd_txn_put(t, true, "/t/lease", 8, "held", 4, 12345);
	assert_int_equal(etcd_txn_commit(e, t, &r, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "lease not found"));
	etcd_txn_free(t);
}

struct seen {
	char log[1024];
	int events, calls;
	int stop_after;		/* events */
	int64_t last_rev;
};

static int
on_watch(void *arg, int64_t rev, const struct etcd_event *ev, size_t n)
{
	struct seen *s = arg;
	size_t i, len;

	s->calls++;
	s->last_rev = rev;
	for (i = 0; i < n; i++) {
		len = strlen(s->log);
		snprintf(s->log + len, sizeof(s->log) - len, "%s %s=%s@%lld;",
		    ev[i].type == ETCD_EV_PUT ? "put" : "del",
		    buf_str(&ev[i].kv.key), buf_str(&ev[i].kv.value),
		    (long long)ev[i].kv.mod_rev);
		s->events++;
	}
	return s->stop_after > 0 && s->events >= s->stop_after;
}

static void
test_watch(void **state)
{
	struct seen s = {0};
	struct buf end = BUF_INIT;
	struct err err;
	int64_t start, compacted = -1;
	char want[512];

	(void)state;
	assert_int_equal(etcd_status(e, &start, &err), 0);
	start++;
	puts_("/t/w/a", "1");
	puts_("/t/w/b", "2");
	puts_("/t/other", "x");
	{
		struct etcd_txn *t = etcd_txn_new();
		struct etcd_txn_result r;

		etcd_txn_del(t, true, "/t/w/a", 6, NULL, 0);
		etcd_txn_put(t, true, "/t/w/c", 6, "3", 1, 0);
		assert_int_equal(etcd_txn_commit(e, t, &r, &err), 0);
		etcd_txn_result_free(&r);
		etcd_txn_free(t);
	}
	etcd_prefix_end("/t/w/", 5, &end);
	s.stop_after = 4;
	assert_int_equal(etcd_watch(e, "/t/w/", 5, end.data, end.len, start,
	    on_watch, &s, NULL, &compacted, &err), 0);
	/* one transaction: the delete and the put share a revision */
	snprintf(want, sizeof(want), "put /t/w/a=1@%lld;put /t/w/b=2@%lld;"
	    "del /t/w/a=@%lld;put /t/w/c=3@%lld;", (long long)start,
	    (long long)start + 1, (long long)start + 3, (long long)start + 3);
	assert_string_equal(s.log, want);
	assert_int_equal(compacted, 0);
	buf_clear(&end);
}

static volatile bool stop_flag;

static void *
raise_stop(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	stop_flag = true;
	return NULL;
}

static void
test_watch_stop(void **state)
{
	struct seen s = {0};
	struct err err;
	pthread_t th;
	long t0;

	(void)state;
	stop_flag = false;
	assert_int_equal(pthread_create(&th, NULL, raise_stop, NULL), 0);
	t0 = etcd_fx_now_ms();
	assert_int_equal(etcd_watch(e, "/t/quiet", 8, NULL, 0, 0, on_watch,
	    &s, &stop_flag, NULL, &err), 0);
	assert_true(etcd_fx_now_ms() - t0 < 300 + 600);
	assert_true(etcd_fx_now_ms() - t0 >= 250);
	/* the "created" answer came, with the current revision */
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.events, 0);
	assert_true(s.last_rev > 0);
	pthread_join(th, NULL);
}

static void
test_compacted(void **state)
{
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct seen s = {0};
	struct err err;
	int64_t rev, old, compacted = 0;

	(void)state;
	puts_("/t/c", "1");
	assert_int_equal(etcd_status(e, &old, &err), 0);
	puts_("/t/c", "2");
	puts_("/t/c", "3");
	assert_int_equal(etcd_status(e, &rev, &err), 0);
	assert_int_equal(rev, old + 2);
	assert_int_equal(etcd_compact(e, rev, &err), 0);

	assert_int_equal(etcd_watch(e, "/t/c", 4, NULL, 0, old, on_watch, &s,
	    NULL, &compacted, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_int_equal(compacted, rev);
	assert_non_null(strstr(err.msg, "compacted"));
	assert_int_equal(s.events, 0);

	assert_int_equal(etcd_range(e, "/t/c", 4, NULL, 0, old, 0, false, &k,
	    &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "compacted"));
	assert_int_equal(etcd_compact(e, old, &err), -1);
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_int_equal(etcd_compact(e, rev + 1000, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, "future revision"));
}

static void
test_failover(void **state)
{
	struct etcd_opts o = {0};
	struct etcd *f;
	struct err err;
	char eps[300];
	int64_t rev;

	(void)state;
	snprintf(eps, sizeof(eps), "127.0.0.1:%d, %s", etcd_fx_dead_port(),
	    cl.endpoints);
	o.endpoints = eps;
	o.timeout_ms = 2000;
	assert_int_equal(etcd_open(&o, &f, &err), 0);
	assert_non_null(strstr(etcd_endpoint_name(f), cl.endpoints));
	assert_int_equal(strncmp(etcd_endpoint_name(f), "etcd://127.0.0.1:",
	    17), 0);
	assert_int_equal(etcd_status(f, &rev, &err), 0);
	assert_true(rev > 0);
	assert_int_equal(etcd_status(f, &rev, &err), 0);
	etcd_close(f);
}

/* A listening socket that never accepts: the kernel completes the
   handshakes and takes the request, nobody answers (a hung member). */
static int
hung_endpoint(char *out, size_t size)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(out, size, "127.0.0.1:%d", ntohs(sa.sin_port));
	return fd;
}

static int
stop_at_once(void *arg, int64_t rev, const struct etcd_event *ev, size_t n)
{
	(void)arg;
	(void)ev;
	(void)n;
	return rev > 0;
}

static void
test_hung_endpoint(void **state)
{
	struct etcd_opts o = {0};
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_txn_result r;
	struct etcd *f;
	struct err err;
	char hung[32], eps[300];
	int fd = hung_endpoint(hung, sizeof(hung));
	long t0;

	(void)state;
	snprintf(eps, sizeof(eps), "%s,%s", hung, cl.endpoints);
	o.endpoints = eps;
	o.timeout_ms = 500;
	assert_int_equal(etcd_open(&o, &f, &err), 0);

	/* the hung member had the request: its outcome is unknown */
	etcd_txn_put(t, true, "/t/hung", 7, "1", 1, 0);
	t0 = etcd_fx_now_ms();
	assert_int_equal(etcd_txn_commit(f, t, &r, &err), 0);
	assert_true(etcd_fx_now_ms() - t0 >= 500);
	assert_true(r.succeeded);
	assert_true(r.retried);
	etcd_txn_result_free(&r);
	/* the member that answered is used from now on */
	t0 = etcd_fx_now_ms();
	assert_int_equal(etcd_txn_commit(f, t, &r, &err), 0);
	assert_true(etcd_fx_now_ms() - t0 < 400);
	assert_false(r.retried);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
	etcd_close(f);

	/* a watch that gets no answer moves on as well */
	assert_int_equal(etcd_open(&o, &f, &err), 0);
	t0 = etcd_fx_now_ms();
	assert_int_equal(etcd_watch(f, "/t/hung", 7, NULL, 0, 0, stop_at_once,
	    NULL, NULL, NULL, &err), 0);
	assert_true(etcd_fx_now_ms() - t0 >= 500);
	etcd_close(f);
	close(fd);
}

static void
test_all_dead(void **state)
{
	struct etcd_opts o = {0};
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct etcd *f;
	struct err err;
	char eps[64], want[128];
	int port = etcd_fx_dead_port();
	int64_t rev;
	long t0;

	(void)state;
	snprintf(eps, sizeof(eps), "127.0.0.1:%d,127.0.0.1:%d", port,
	    port + 1);
	o.endpoints = eps;
	o.timeout_ms = 1000;
	assert_int_equal(etcd_open(&o, &f, &err), 0);
	t0 = etcd_fx_now_ms();
	assert_int_equal(etcd_range(f, "k", 1, NULL, 0, 0, 0, false, &k,
	    &err), -1);
	assert_true(etcd_fx_now_ms() - t0 < 1500);
	assert_int_equal(err.code, ERR_UNAVAILABLE);
	assert_non_null(strstr(err.msg, "store etcd://127.0.0.1:"));
	assert_non_null(strstr(err.msg, "unavailable"));
	assert_non_null(strstr(err.msg, "connection refused"));
	etcd_close(f);

	/* one endpoint: the message of the brief */
	snprintf(eps, sizeof(eps), "127.0.0.1:%d", port);
	assert_int_equal(etcd_open(&o, &f, &err), 0);
	assert_int_equal(etcd_status(f, &rev, &err), -1);
	snprintf(want, sizeof(want), "store etcd://127.0.0.1:%d: unavailable "
	    "(connection refused)", port);
	assert_string_equal(err.msg, want);
	etcd_close(f);
}

static void
test_open_errors(void **state)
{
	struct etcd_opts o = {0};
	struct etcd *f;
	struct err err;
	static const char *const bad[] = {
		"", "127.0.0.1", "http://127.0.0.1:2379", "127.0.0.1:0",
		"127.0.0.1:65536", "a,,b:1", "127.0.0.1:2379,", "h:12x",
		"[::1]", "h st:1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.endpoints = bad[i];
		assert_int_equal(etcd_open(&o, &f, &err), -1);
		assert_int_equal(err.code, ERR_INVALID);
		assert_null(f);
	}
	o.endpoints = "[::1]:2379,localhost:1";
	assert_int_equal(etcd_open(&o, &f, &err), 0);
	assert_string_equal(etcd_endpoint_name(f),
	    "etcd://[::1]:2379,localhost:1");
	etcd_close(f);
	o.user = "u";
	assert_int_equal(etcd_open(&o, &f, &err), -1);
	o.user = NULL;
	o.cacert = "/x";
	assert_int_equal(etcd_open(&o, &f, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_txn_put_get),
		cmocka_unit_test(test_cas),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_binary_and_large),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_lease),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_watch_stop),
		cmocka_unit_test(test_compacted),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_hung_endpoint),
		cmocka_unit_test(test_all_dead),
	};

	etcd_fx_require();
	return cmocka_run_group_tests(tests, setup, teardown);
}
