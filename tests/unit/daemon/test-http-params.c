/*
 * Parameter counting of the front (src/daemon/http_params.c): the counts
 * that refuse a flood of parameters before anything is parsed must never
 * count fewer parameters than the parsers would take.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "daemon.h"

static size_t
parsed(const char *ct, const char *body)
{
	json_t *p = json_object();
	struct err err;
	size_t n;

	assert_int_equal(http_body_params(ct, body, strlen(body), p, &err), 0);
	n = json_object_size(p);
	json_decref(p);
	return n;
}

static void
test_query(void **state)
{
	(void)state;
	assert_int_equal(http_query_param_count(""), 0);
	assert_int_equal(http_query_param_count("a=1"), 1);
	assert_int_equal(http_query_param_count("a=1&b=2&c"), 3);
	/* empty pairs are not parameters */
	assert_int_equal(http_query_param_count("&&a=1&&b=&"), 2);
	/* a fragment ends the query */
	assert_int_equal(http_query_param_count("a=1#b=2&c=3"), 1);
}

static void
test_form_body(void **state)
{
	static const char *const bodies[] = {"", "a=1", "a=1&b=2&&c=&d",
	    "&x=%26&y=a+b&"};
	const char *form = "application/x-www-form-urlencoded";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		assert_true(http_body_param_count(form, bodies[i],
		    strlen(bodies[i])) >= parsed(form, bodies[i]));
	assert_int_equal(http_body_param_count(NULL, "a=1&b=2", 7), 2);
	assert_int_equal(http_body_param_count(form, "a=1&b=2&&", 9), 2);
}

static void
test_json_body(void **state)
{
	static const char *const bodies[] = {"{}", "{\"a\":1}",
	    "{\"a\":\"x:y\",\"b\":true}", "{\"a\\\":\":\"\\\\\",\"c\":null}",
	    "{ \"k\" : \"v\" , \"l\" : 2 }"};
	const char *json = "application/json; charset=utf-8";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		assert_true(http_body_param_count(json, bodies[i],
		    strlen(bodies[i])) >= parsed(json, bodies[i]));
	/* colons in strings are not keys */
	assert_int_equal(http_body_param_count(json, bodies[2],
	    strlen(bodies[2])), 2);
	assert_int_equal(http_body_param_count(json, bodies[3],
	    strlen(bodies[3])), 2);
}

/* Values keep their NUL bytes and length; a name with a NUL is not cut. */
static void
test_param_bytes(void **state)
{
	static const char form[] = "comment=ab%00cd&pass%00word=x&v=caf%E9";
	json_t *p = json_object(), *v;
	struct err err;

	(void)state;
	http_param_add(p, "k\0x", 3, "a\0b", 3);
	http_param_add(p, "n", 1, NULL, 0);
	assert_null(json_object_get(p, "k"));
	v = json_object_get(p, "k\\x00x");
	assert_non_null(v);
	assert_int_equal(json_string_length(v), 3);
	assert_memory_equal(json_string_value(v), "a\0b", 3);
	assert_string_equal(json_string_value(json_object_get(p, "n")), "");
	json_decref(p);

	p = json_object();
	assert_int_equal(http_body_params(NULL, form, strlen(form), p, &err),
	    0);
	v = json_object_get(p, "comment");
	assert_int_equal(json_string_length(v), 5);
	assert_memory_equal(json_string_value(v), "ab\0cd", 5);
	assert_null(json_object_get(p, "pass"));
	assert_non_null(json_object_get(p, "pass\\x00word"));
	v = json_object_get(p, "v");
	assert_int_equal(json_string_length(v), 4);
	assert_memory_equal(json_string_value(v), "caf\xe9", 4);
	json_decref(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_form_body),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_param_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
