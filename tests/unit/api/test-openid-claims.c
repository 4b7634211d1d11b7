/*
 * The claims half of an OpenID login (src/api/api_openid.c): a username
 * claim with a list separator made the new user's id read back from
 * user.cfg as two group members (another account joined the user's
 * groups; found by the openid-claims fuzz target).  One with a NUL would
 * be cut into another user's name; jansson refuses "\u0000" as the
 * claims are parsed today, so that is checked here with JSON_ALLOW_NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_openid.h"

#include <string.h>

static struct domains_cfg *
realm(void)
{
	static const char text[] = "openid: oidc\n"
	    "\tissuer-url https://op.example\n\tclient-id pve\n"
	    "\tautocreate 1\n\tusername-claim username\n"
	    "\tgroups-claim groups\n";

	return domains_parse(text, sizeof(text) - 1, "domains.cfg", NULL);
}

static int
userid_of(const char *claims_json, struct buf *userid, struct err *err)
{
	struct domains_cfg *d = realm();
	json_t *claims = json_loads(claims_json, JSON_ALLOW_NUL, NULL);
	int rc;

	assert_non_null(claims);
	buf_reset(userid);
	rc = api_openid_userid(domains_realm_find(d, "oidc"), claims, userid,
	    err);
	json_decref(claims);
	domains_free(d);
	return rc;
}

static void
test_userid(void **state)
{
	struct buf id = BUF_INIT;
	struct err err;

	(void)state;
	assert_int_equal(userid_of("{\"preferred_username\":\"bob\"}", &id,
	    &err), 0);
	assert_string_equal(buf_str(&id), "bob@oidc");
	assert_int_equal(userid_of("{\"preferred_username\":"
	    "\"x@pve,admin@pve\"}", &id, &err), -1);
	assert_int_equal(err.code, ERR_AUTH);
	assert_int_equal(userid_of("{\"preferred_username\":\"a;b\"}", &id,
	    &err), -1);
	assert_int_equal(userid_of("{\"preferred_username\":"
	    "\"alice\\u0000x\"}", &id, &err), -1);
	assert_int_equal(err.code, ERR_AUTH);
	buf_clear(&id);
}

static void
test_groups(void **state)
{
	static const char cfg_text[] = "user:admin@pve:1:0::::::\n"
	    "group:staff-oidc:::\n";
	struct domains_cfg *d = realm();
	struct ucfg *cfg = ucfg_parse(cfg_text, sizeof(cfg_text) - 1,
	    "user.cfg", NULL);
	json_t *claims = json_loads("{\"preferred_username\":\"bob\","
	    "\"groups\":[\"staff\"]}", 0, NULL);
	struct api_env env;
	struct buf out = BUF_INIT;
	struct err err;
	bool created, changed;

	(void)state;
	api_env_init(&env, "/nonexistent", NULL);
	assert_int_equal(api_openid_apply(&env, cfg,
	    domains_realm_find(d, "oidc"), "bob@oidc", claims, &created,
	    &changed, &err), 0);
	assert_true(created);
	assert_true(changed);
	ucfg_write(cfg, &out);
	assert_non_null(strstr(buf_str(&out), "group:staff-oidc:bob@oidc:"));
	buf_clear(&out);
	api_env_clear(&env);
	json_decref(claims);
	ucfg_free(cfg);
	domains_free(d);
}

/*
 * The e-mail claim is stored in user.cfg as it is: one with a newline
 * wrote an ACL line (Administrator on / for the new user), one with ':'
 * shifted the fields.  Found by the openid-claims fuzz target.
 */
static void
test_email(void **state)
{
	static const char *const bad[] = {
		"{\"preferred_username\":\"bob\",\"email\":"
		    "\"b@x\\nacl:1:/:bob@oidc:Administrator:\"}",
		"{\"preferred_username\":\"bob\",\"email\":"
		    "\"bob@x:comment:x!oath\"}",
	};
	struct domains_cfg *d = realm();
	struct api_env env;
	size_t i;

	(void)state;
	api_env_init(&env, "/nonexistent", NULL);
	for (i = 0; i < 3; i++) {
		struct ucfg *cfg = ucfg_new();
		json_t *claims = json_loads(i < 2 ? bad[i] :
		    "{\"preferred_username\":\"bob\",\"email\":"
		    "\"bob@example.com\"}", 0, NULL);
		struct buf out = BUF_INIT;
		struct err err;
		bool created, changed;

		assert_int_equal(api_openid_apply(&env, cfg,
		    domains_realm_find(d, "oidc"), "bob@oidc", claims,
		    &created, &changed, &err), 0);
		ucfg_write(cfg, &out);
		assert_non_null(strstr(buf_str(&out), i < 2 ?
		    "user:bob@oidc:1:0::::::\n" :
		    "user:bob@oidc:1:0:::bob@example.com:::\n"));
		assert_null(strstr(buf_str(&out), "acl:"));
		buf_clear(&out);
		json_decref(claims);
		ucfg_free(cfg);
	}
	api_env_clear(&env);
	domains_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userid),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_email),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
