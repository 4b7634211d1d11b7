/*
 * The etcd client against a real 3-member cluster: the leader, which is
 * also the member the client talks to, is SIGKILLed in the middle of a run
 * of writes; the writes go on through the others (the client moves to the
 * next endpoint; a write may wait for the election), the watch sees every
 * write, and the member rejoins and catches up after a restart.
 * With two members of three down the last one has no leader: writes and
 * watches fail with ERR_UNAVAILABLE instead of hanging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfs/etcd_client.h"
#include "etcd_fixture.h"

#define WRITES 60
#define KILL_AT 20

static int
setup(void **state)
{
	(void)state;
	return etcd_fx_start(&cl, 3, NULL);
}

static struct etcd *
open_on(const char *endpoints)
{
	struct etcd_opts o = {0};
	struct etcd *e;
	struct err err;

	o.endpoints = endpoints;
	o.timeout_ms = 2000;
	assert_int_equal(etcd_open(&o, &e, &err), 0);
	return e;
}

/* Put key=val; an unavailable answer (the election) is tried again
   after a pause. */
static int
put_retrying(struct etcd *e, const char *key, const char *val, int *failures)
{
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_txn_result r;
	struct err err;
	int tries, rc = -1;

	etcd_txn_put(t, true, key, strlen(key), val, strlen(val), 0);
	for (tries = 0; tries < 10 && rc < 0; tries++) {
		rc = etcd_txn_commit(e, t, &r, &err);
		if (rc < 0) {
			assert_int_equal(err.code, ERR_UNAVAILABLE);
			(*failures)++;
			fprintf(stderr, "write %s: %s\n", key, err.msg);
			usleep(500 * 1000);
		}
		etcd_txn_result_free(&r);
	}
	etcd_txn_free(t);
	return rc;
}

struct count {
	int puts;
	int64_t last;
};

static int
count_puts(void *arg, int64_t rev, const struct etcd_event *ev, size_t n)
{
	struct count *c = arg;
	size_t i;

	(void)rev;
	for (i = 0; i < n; i++) {
		assert_true(ev[i].kv.mod_rev > c->last);
		c->last = ev[i].kv.mod_rev;
		c->puts += ev[i].type == ETCD_EV_PUT;
	}
	return c->puts >= WRITES;
}

static void
test_member_killed(void **state)
{
	int lead = etcd_fx_leader(&cl), i, failures = 0;
	struct etcd *e, *m1;
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct buf end = BUF_INIT;
	struct count c = {0, 0};
	struct err err;
	char key[32], val[32], ep[3][32], eps[100];
	int64_t start;
	long t0, slowest = 0;

	(void)state;
	/* the leader first: the client talks to it */
	assert_true(lead >= 1 && lead <= 3);
	for (i = 0; i < 3; i++)
		etcd_fx_endpoint(&cl, (lead - 1 + i) % 3 + 1, ep[i],
		    sizeof(ep[i]));
	snprintf(eps, sizeof(eps), "%s,%s,%s", ep[0], ep[1], ep[2]);
	e = open_on(eps);
	assert_int_equal(etcd_status(e, &start, &err), 0);
	for (i = 0; i < WRITES; i++) {
		if (i == KILL_AT)
			assert_int_equal(etcd_fx_member(&cl, "kill", lead), 0);
		snprintf(key, sizeof(key), "/k/%02d", i);
		snprintf(val, sizeof(val), "v%d", i);
		t0 = etcd_fx_now_ms();
		assert_int_equal(put_retrying(e, key, val, &failures), 0);
		if (etcd_fx_now_ms() - t0 > slowest)
			slowest = etcd_fx_now_ms() - t0;
	}
	fprintf(stderr, "leader m%d killed: %d failed writes, the slowest "
	    "took %ld ms\n", lead, failures, slowest);
	/* at most the election's few seconds of refusals */
	assert_true(failures <= 4);

	etcd_prefix_end("/k/", 3, &end);
	assert_int_equal(etcd_range(e, "/k/", 3, end.data, end.len, 0, 0,
	    false, &k, &err), 0);
	assert_int_equal(k.n, WRITES);
	for (i = 0; i < WRITES; i++) {
		snprintf(val, sizeof(val), "v%d", i);
		assert_string_equal(buf_str(&k.v[i].value), val);
	}
	etcd_kvs_free(&k);

	/* the watch connects to a live member and sees every write once */
	assert_int_equal(etcd_watch(e, "/k/", 3, end.data, end.len, start + 1,
	    count_puts, &c, NULL, NULL, &err), 0);
	assert_int_equal(c.puts, WRITES);

	/* back, the member has the writes it missed (a linearizable read) */
	assert_int_equal(etcd_fx_member(&cl, "restart", lead), 0);
	m1 = open_on(ep[0]);
	assert_int_equal(etcd_range(m1, "/k/", 3, end.data, end.len, 0, 0,
	    true, &k, &err), 0);
	assert_int_equal(k.n, WRITES);
	etcd_kvs_free(&k);
	etcd_close(m1);
	buf_clear(&end);
	etcd_close(e);
}

static int
never(void *arg, int64_t rev, const struct etcd_event *ev, size_t n)
{
	(void)arg;
	(void)rev;
	(void)ev;
	(void)n;
	return 0;
}

static void
test_no_quorum(void **state)
{
	struct etcd *e = open_on(cl.endpoints);
	struct err err;
	char ep3[32];
	int failures = 0;
	long t0;
	int64_t rev;

	(void)state;
	assert_int_equal(etcd_fx_member(&cl, "kill", 1), 0);
	assert_int_equal(etcd_fx_member(&cl, "kill", 2), 0);
	etcd_fx_endpoint(&cl, 3, ep3, sizeof(ep3));

	t0 = etcd_fx_now_ms();
	assert_int_equal(etcd_status(e, &rev, &err), -1);
	assert_int_equal(err.code, ERR_UNAVAILABLE);
	assert_non_null(strstr(err.msg, "connection refused"));
	assert_non_null(strstr(err.msg, ep3));
	/* two refused at once, the third waited for at most its timeout */
	assert_true(etcd_fx_now_ms() - t0 < 2000 + 1000);

	/* a watch on a member without a leader is refused, not left hanging */
	t0 = etcd_fx_now_ms();
	assert_int_equal(etcd_watch(e, "/k/", 3, NULL, 0, 0, never, NULL, NULL,
	    NULL, &err), -1);
	assert_int_equal(err.code, ERR_UNAVAILABLE);
	fprintf(stderr, "watch without quorum: %s (%ld ms)\n", err.msg,
	    etcd_fx_now_ms() - t0);

	assert_int_equal(etcd_fx_member(&cl, "restart", 1), 0);
	assert_int_equal(etcd_fx_member(&cl, "restart", 2), 0);
	assert_int_equal(put_retrying(e, "/k/after", "x", &failures), 0);
	etcd_close(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_killed),
		cmocka_unit_test(test_no_quorum),
	};

	etcd_fx_require();
	return cmocka_run_group_tests(tests, setup, etcd_fx_teardown);
}
