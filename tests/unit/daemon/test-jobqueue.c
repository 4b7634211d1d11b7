/*
 * The front's queue of calls to authd (src/daemon/jobqueue.c, job_realm.c):
 * addresses served in turn, jobs to external realms never holding the last
 * worker nor, for one realm, more than half of the external share; and
 * which calls count as external.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobqueue.h"

static struct jq_item items[16];

static struct jq_item *
job(size_t i, const char *client, const char *realm)
{
	struct jq_item *it = &items[i];

	memset(it, 0, sizeof(*it));
	snprintf(it->client, sizeof(it->client), "%s", client);
	if (realm != NULL) {
		snprintf(it->realm, sizeof(it->realm), "%s", realm);
		it->external = true;
	}
	return it;
}

static void
test_round_robin(void **state)
{
	struct jobqueue q;

	(void)state;
	jq_init(&q, 2);
	jq_push(&q, job(0, "a", NULL));
	jq_push(&q, job(1, "a", NULL));
	jq_push(&q, job(2, "a", NULL));
	jq_push(&q, job(3, "b", NULL));
	assert_ptr_equal(jq_pop(&q, false), &items[0]);
	assert_ptr_equal(jq_pop(&q, false), &items[3]);
	jq_push(&q, job(4, "c", NULL));
	assert_ptr_equal(jq_pop(&q, false), &items[1]);
	assert_ptr_equal(jq_pop(&q, false), &items[4]);
	assert_ptr_equal(jq_pop(&q, false), &items[2]);
	assert_null(jq_pop(&q, false));
	assert_false(jq_waiting(&q));
}

/* Two workers: one external job in flight; local jobs go past the rest. */
static void
test_external_leaves_a_worker(void **state)
{
	struct jobqueue q;

	(void)state;
	jq_init(&q, 2);
	assert_int_equal(q.ext_cap, 1);
	jq_push(&q, job(0, "attacker", "corp"));
	jq_push(&q, job(1, "attacker", "corp"));
	jq_push(&q, job(2, "attacker", "other"));
	jq_push(&q, job(3, "attacker", NULL));
	jq_push(&q, job(4, "local", NULL));
	assert_ptr_equal(jq_pop(&q, false), &items[0]);
	/* the attacker's own local job overtakes its external ones */
	assert_ptr_equal(jq_pop(&q, false), &items[4]);
	assert_ptr_equal(jq_pop(&q, false), &items[3]);
	assert_null(jq_pop(&q, false));
	assert_true(jq_waiting(&q));
	assert_false(jq_done(&q, &items[4]));	/* local: no room freed */
	assert_null(jq_pop(&q, false));
	assert_true(jq_done(&q, &items[0]));
	assert_ptr_equal(jq_pop(&q, false), &items[1]);
	assert_null(jq_pop(&q, false));
	assert_true(jq_done(&q, &items[1]));
	assert_ptr_equal(jq_pop(&q, false), &items[2]);
	assert_true(jq_done(&q, &items[2]));
	assert_false(jq_waiting(&q));
	assert_int_equal(q.nrunning, 0);
}

/* Five workers: four external jobs in flight, two to one realm. */
static void
test_realm_share(void **state)
{
	struct jobqueue q;

	(void)state;
	jq_init(&q, 5);
	assert_int_equal(q.ext_cap, 4);
	assert_int_equal(q.realm_cap, 2);
	jq_push(&q, job(0, "a", "corp"));
	jq_push(&q, job(1, "a", "corp"));
	jq_push(&q, job(2, "a", "corp"));
	jq_push(&q, job(3, "b", "corp2"));
	jq_push(&q, job(4, "b", "corp2"));
	jq_push(&q, job(5, "b", "corp2"));
	jq_push(&q, job(6, "c", "corp3"));
	assert_ptr_equal(jq_pop(&q, false), &items[0]);
	assert_ptr_equal(jq_pop(&q, false), &items[3]);
	assert_ptr_equal(jq_pop(&q, false), &items[6]);
	assert_ptr_equal(jq_pop(&q, false), &items[1]);
	/* four in flight: nothing more, not even corp2's second */
	assert_null(jq_pop(&q, false));
	jq_push(&q, job(7, "d", NULL));
	assert_ptr_equal(jq_pop(&q, false), &items[7]);
	assert_true(jq_done(&q, &items[6]));
	/* room for one more, but corp has its two: corp2 */
	assert_ptr_equal(jq_pop(&q, false), &items[4]);
	assert_true(jq_done(&q, &items[3]));
	assert_ptr_equal(jq_pop(&q, false), &items[5]);
	assert_null(jq_pop(&q, false));	/* corp 2, corp2 2 */
	assert_true(jq_done(&q, &items[0]));
	assert_ptr_equal(jq_pop(&q, false), &items[2]);
	assert_false(jq_waiting(&q));
}

/* One worker: the one external job in flight is all there is. */
static void
test_one_worker_and_stop(void **state)
{
	struct jobqueue q;

	(void)state;
	jq_init(&q, 1);
	assert_int_equal(q.ext_cap, 1);
	assert_int_equal(q.realm_cap, 1);
	jq_push(&q, job(0, "a", "corp"));
	jq_push(&q, job(1, "a", "corp"));
	assert_ptr_equal(jq_pop(&q, false), &items[0]);
	assert_null(jq_pop(&q, false));
	/* stopping: every job goes out, and comes back in */
	assert_ptr_equal(jq_pop(&q, true), &items[1]);
	assert_int_equal(q.nrunning, 2);
	assert_true(jq_done(&q, &items[1]));
	assert_true(jq_done(&q, &items[0]));
	assert_int_equal(q.nrunning, 0);
	assert_null(q.running);
}

static char config_dir[64];

static int
make_config(void **state)
{
	static const char domains[] =
	    "pam: pam\n\tcomment Linux PAM\n\n"
	    "pve: pve\n\tcomment realmgate\n\n"
	    "ldap: corp\n\tbase_dn dc=example,dc=org\n\tserver1 127.0.0.1\n"
	    "\tuser_attr uid\n\n"
	    "ad: win\n\tdomain example.org\n\tserver1 127.0.0.1\n\n"
	    "openid: oid\n\tclient-id rg\n\tissuer-url https://127.0.0.1\n";
	char path[128];
	FILE *f;

	(void)state;
	snprintf(config_dir, sizeof(config_dir), "/tmp/rg-jobqueue-XXXXXX");
	if (mkdtemp(config_dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/domains.cfg", config_dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(domains, f);
	return fclose(f);
}

static int
remove_config(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/domains.cfg", config_dir);
	unlink(path);
	return rmdir(config_dir);
}

static bool
ext(const char *method, const char *tmpl, const char *params_json,
    const char *want_realm)
{
	json_t *p = json_loads(params_json, 0, NULL);
	char realm[JQ_REALM_LEN];
	bool e;

	assert_non_null(p);
	e = jq_external_realm(config_dir, method, tmpl, p, realm);
	json_decref(p);
	if (want_realm != NULL)
		assert_string_equal(realm, want_realm);
	return e;
}

static void
test_classify(void **state)
{
	const char *t = "/access/ticket";

	(void)state;
	assert_true(ext("POST", t, "{\"username\":\"x@corp\"}", "corp"));
	assert_true(ext("POST", t, "{\"username\":\"x@win\"}", "win"));
	assert_true(ext("POST", t, "{\"username\":\"x@oid\"}", "oid"));
	assert_true(ext("POST", t,
	    "{\"username\":\"x\",\"realm\":\"corp\"}", "corp"));
	/* the user's own realm wins over the parameter, as in the login */
	assert_false(ext("POST", t,
	    "{\"username\":\"x@pve\",\"realm\":\"corp\"}", "pve"));
	assert_false(ext("POST", t, "{\"username\":\"root@pam\"}", "pam"));
	assert_false(ext("POST", t, "{\"username\":\"x@nosuch\"}", NULL));
	assert_false(ext("POST", t, "{\"username\":\"x\"}", ""));
	assert_true(ext("POST", "/access/openid/auth-url",
	    "{\"realm\":\"oid\"}", "oid"));
	assert_true(ext("POST", "/access/openid/login",
	    "{\"state\":\"{\\\"realm\\\":\\\"oid\\\"}\"}", "oid"));
	assert_true(ext("POST", "/access/openid/login",
	    "{\"state\":\"garbage\"}", ""));
	assert_true(ext("POST", "/access/domains/{realm}/sync",
	    "{\"realm\":\"corp\"}", "corp"));
	assert_true(ext("PUT", "/access/domains/{realm}",
	    "{\"realm\":\"corp\",\"check-connection\":true}", "corp"));
	assert_true(ext("POST", "/access/domains",
	    "{\"realm\":\"new\",\"check-connection\":true}", "new"));
	assert_false(ext("PUT", "/access/domains/{realm}",
	    "{\"realm\":\"corp\",\"check-connection\":false}", NULL));
	assert_false(ext("POST", "/access/users",
	    "{\"userid\":\"x@corp\"}", NULL));
	assert_false(ext("PUT", "/access/password",
	    "{\"userid\":\"x@corp\"}", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_external_leaves_a_worker),
		cmocka_unit_test(test_realm_share),
		cmocka_unit_test(test_one_worker_and_stop),
		cmocka_unit_test_setup_teardown(test_classify, make_config,
		    remove_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
