/*
 * Request parameters and credentials as the front parses them
 * (src/daemon/http_params.c, http_auth_parse.c): what the fuzz targets
 * http-params and http-auth found, and the shapes they must keep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon.h"
#include "http_auth_parse.h"

#include <stdlib.h>
#include <string.h>

/*
 * A JSON body with an object or array value names the parameter in its
 * error; the name was read after the body was freed (heap use after
 * free, before authentication, its bytes sent back in the 400 answer).
 */
static void
test_json_unsupported_type(void **state)
{
	static const char *const bodies[] = {
		"{\"path\":\"/\",\"roles\":{\"a\":1}}",
		"{\"users\":[\"a@pve\"]}",
	};
	static const char *const names[] = {"roles", "users"};
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		json_t *params = json_object();
		struct err err;
		char want[128];

		assert_int_equal(http_body_params("application/json",
		    bodies[i], strlen(bodies[i]), params, &err), -1);
		assert_int_equal(err.code, ERR_INVALID);
		snprintf(want, sizeof(want),
		    "parameter '%s' has an unsupported type", names[i]);
		assert_string_equal(err.msg, want);
		json_decref(params);
	}
}

/* A real out of the integer range was cast anyway (undefined behaviour). */
static void
test_json_real_range(void **state)
{
	static const char ok[] = "{\"expire\":1.5e9}";
	static const char big[] = "{\"expire\":1e300}";
	json_t *params = json_object();
	struct err err;

	(void)state;
	assert_int_equal(http_body_params("application/json", ok,
	    strlen(ok), params, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(params, "expire")),
	    1500000000);
	assert_int_equal(http_body_params("application/json", big,
	    strlen(big), params, &err), -1);
	assert_string_equal(err.msg, "parameter 'expire' is out of range");
	json_decref(params);
}

static void
test_form(void **state)
{
	static const char body[] = "userid=a%40pve&comment=a+b&enable";
	json_t *params = json_object();
	struct err err;

	(void)state;
	assert_int_equal(http_body_params(NULL, body, strlen(body), params,
	    &err), 0);
	assert_string_equal(json_string_value(json_object_get(params,
	    "userid")), "a@pve");
	assert_string_equal(json_string_value(json_object_get(params,
	    "comment")), "a b");
	assert_string_equal(json_string_value(json_object_get(params,
	    "enable")), "");
	/* kept whole, NUL and all: parameter checking refuses it by name */
	assert_int_equal(http_body_params(NULL, "a=%00", 5, params, &err), 0);
	assert_int_equal(json_string_length(json_object_get(params, "a")), 1);
	json_decref(params);
}

static void
test_auth_select(void **state)
{
	const char *v;

	(void)state;
	assert_int_equal(http_auth_select("PVEAPIToken=x", "c", &v),
	    HTTP_AUTH_TOKEN);
	assert_string_equal(v, "x");
	assert_int_equal(http_auth_select("PVEAuthCookie=t", "c", &v),
	    HTTP_AUTH_TICKET);
	assert_string_equal(v, "c");
	assert_int_equal(http_auth_select("PVEAuthCookie=t", NULL, &v),
	    HTTP_AUTH_TICKET);
	assert_string_equal(v, "t");
	assert_int_equal(http_auth_select("Basic x", NULL, &v), HTTP_AUTH_NONE);
	assert_null(v);
}

static void
test_auth_token(void **state)
{
	struct buf d = BUF_INIT;
	const char *secret;
	char *id;
	struct err err;

	(void)state;
	assert_int_equal(http_auth_token("a@pve!tok=s=x", &d, &id, &secret,
	    &err), -1);	/* split at the last '=': "a@pve!tok=s" is no id */
	assert_string_equal(err.msg, "invalid token id");
	assert_null(id);
	assert_int_equal(http_auth_token("a%40pve%21tok%3Dsec", &d, &id,
	    &secret, &err), 0);
	assert_string_equal(id, "a@pve!tok");
	assert_string_equal(secret, "sec");
	free(id);
	assert_int_equal(http_auth_token("a@pve!tok sec", &d, &id, &secret,
	    &err), 0);
	assert_string_equal(secret, "sec");
	free(id);
	assert_int_equal(http_auth_token("nothing", &d, &id, &secret, &err),
	    -1);
	assert_string_equal(err.msg, "invalid API token");
	buf_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_unsupported_type),
		cmocka_unit_test(test_json_real_range),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_auth_select),
		cmocka_unit_test(test_auth_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
