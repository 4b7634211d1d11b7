/*
 * The etcd client's authentication and TLS against real etcds: a member
 * with auth enabled and tokens that expire after 1 s idle (the client logs
 * in again, for unary calls and for the watch; wrong passwords, a missing
 * user and missing permissions are ERR_AUTH without the password in the
 * message), and a member serving https with a throw-away CA (verified
 * with the CA, refused without it or with another CA).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfs/etcd_client.h"
#include "etcd_fixture.h"

static int
etcdctl(const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=%s %s "
	    ">/dev/null 2>&1", cl.endpoints, args);
	return system(cmd) == 0 ? 0 : -1;
}

static int
setup_auth(void **state)
{
	(void)state;
	if (etcd_fx_start(&cl, 1, "ETCD_EXTRA_ARGS='--auth-token-ttl 1'") < 0)
		return -1;
	/* alice may read and write /pve/ only */
	if (etcdctl("user add root:rootpw") < 0 ||
	    etcdctl("user add alice:alice-pw") < 0 ||
	    etcdctl("role add rw") < 0 ||
	    etcdctl("role grant-permission rw --prefix=true readwrite /pve/")
	    < 0 || etcdctl("user grant-role alice rw") < 0)
		return -1;
	/* "root user does not have root role" is only a warning */
	etcdctl("auth enable");
	return 0;
}

static struct etcd *
open_as(const char *user, const char *pw)
{
	struct etcd_opts o = {0};
	struct etcd *e;
	struct err err;

	o.endpoints = cl.endpoints;
	o.user = user;
	o.password = pw;
	assert_int_equal(etcd_open(&o, &e, &err), 0);
	return e;
}

static void
put(struct etcd *e, const char *key, const char *val, int rc, struct err *err)
{
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_txn_result r;

	etcd_txn_put(t, true, key, strlen(key), val, strlen(val), 0);
	assert_int_equal(etcd_txn_commit(e, t, &r, err), rc);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
}

static void
test_refused(void **state)
{
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct etcd *e;
	struct err err;

	(void)state;
	e = open_as("alice", "wrong-password-42");
	assert_int_equal(etcd_range(e, "/pve/x", 6, NULL, 0, 0, 0, false, &k,
	    &err), -1);
	assert_int_equal(err.code, ERR_AUTH);
	assert_non_null(strstr(err.msg, "alice"));
	assert_non_null(strstr(err.msg, "authentication failed"));
	assert_null(strstr(err.msg, "wrong-password-42"));
	etcd_close(e);

	e = open_as(NULL, NULL);
	assert_int_equal(etcd_range(e, "/pve/x", 6, NULL, 0, 0, 0, false, &k,
	    &err), -1);
	assert_int_equal(err.code, ERR_AUTH);
	assert_non_null(strstr(err.msg, "authentication required"));
	etcd_close(e);

	e = open_as("alice", "alice-pw");
	put(e, "/other/x", "1", -1, &err);
	assert_int_equal(err.code, ERR_AUTH);
	assert_non_null(strstr(err.msg, "permission denied"));
	assert_null(strstr(err.msg, "alice-pw"));
	etcd_close(e);
}

static int
first_answer(void *arg, int64_t rev, const struct etcd_event *ev, size_t n)
{
	int *events = arg;

	(void)rev;
	(void)ev;
	*events += (int)n;
	return *events > 0;
}

static void
test_token_expiry(void **state)
{
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct etcd *e = open_as("alice", "alice-pw");
	struct err err;
	int64_t rev;
	int events = 0;

	(void)state;
	put(e, "/pve/a", "1", 0, &err);
	assert_int_equal(etcd_range(e, "/pve/a", 6, NULL, 0, 0, 0, false, &k,
	    &err), 0);
	assert_int_equal(k.n, 1);
	etcd_kvs_free(&k);
	/* the token is gone after 1 s idle: the client logs in again */
	usleep(2500 * 1000);
	assert_int_equal(etcd_range(e, "/pve/a", 6, NULL, 0, 0, 0, false, &k,
	    &err), 0);
	assert_int_equal(k.n, 1);
	rev = k.revision;
	etcd_kvs_free(&k);
	/* the watch too (there, the gateway answers 200 and a canceled
	   watch whose reason is the expired token) */
	usleep(2500 * 1000);
	assert_int_equal(etcd_watch(e, "/pve/a", 6, NULL, 0, rev, first_answer,
	    &events, NULL, NULL, &err), 0);
	assert_int_equal(events, 1);
	etcd_close(e);
}

static void
test_tls(void **state)
{
	struct etcd_cluster c;
	struct etcd_opts o = {0};
	struct etcd *e;
	struct err err;
	char dir[64], mkca[256], cmd[1024], env[160], ca[128], other[128];
	int64_t rev;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rg-etcd-tls-XXXXXX");
	assert_non_null(mkdtemp(dir));
	etcd_fx_peer_tool("mkca.sh", mkca, sizeof(mkca));
	snprintf(cmd, sizeof(cmd), "'%s' '%s/ca' && '%s' '%s/other'", mkca,
	    dir, mkca, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(env, sizeof(env), "ETCD_TLSDIR='%s/ca'", dir);
	snprintf(ca, sizeof(ca), "%s/ca/ca.crt", dir);
	snprintf(other, sizeof(other), "%s/other/ca.crt", dir);
	assert_int_equal(etcd_fx_start(&c, 1, env), 0);

	o.endpoints = c.endpoints;
	o.tls = true;
	o.cacert = ca;
	assert_int_equal(etcd_open(&o, &e, &err), 0);
	assert_int_equal(etcd_status(e, &rev, &err), 0);
	etcd_close(e);

	o.cacert = other;
	assert_int_equal(etcd_open(&o, &e, &err), 0);
	assert_int_equal(etcd_status(e, &rev, &err), -1);
	assert_int_equal(err.code, ERR_UNAVAILABLE);
	assert_non_null(strstr(err.msg, "certificate"));
	etcd_close(e);

	o.cacert = NULL;	/* the system's CAs do not know it */
	assert_int_equal(etcd_open(&o, &e, &err), 0);
	assert_int_equal(etcd_status(e, &rev, &err), -1);
	assert_int_equal(err.code, ERR_UNAVAILABLE);
	etcd_close(e);

	etcd_fx_stop(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_token_expiry),
		cmocka_unit_test(test_tls),
	};

	etcd_fx_require();
	return cmocka_run_group_tests(tests, setup_auth, etcd_fx_teardown);
}
