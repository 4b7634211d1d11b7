/*
 * Output compatibility of the CLI formatter: tables, key/value tables,
 * the permission dump, JSON, pretty JSON and YAML, each checked byte for
 * byte against the layout Proxmox's pveum prints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "output.h"

#include <stdlib.h>
#include <string.h>

static json_t *
parse(const char *s)
{
	json_error_t err;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &err);

	assert_non_null(v);
	return v;
}

/* Run out_print into memory and compare with the expected text. */
static void
check(const char *json, const struct out_prop *props, size_t n,
    const struct out_opts *opts, const char *want)
{
	json_t *v = json != NULL ? parse(json) : NULL;
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	assert_non_null(f);
	out_print(f, v, props, n, opts);
	fclose(f);
	assert_string_equal(got, want);
	free(got);
	json_decref(v);
}

static void
check_perm(const char *json, const struct out_opts *opts, const char *want)
{
	json_t *v = parse(json);
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	assert_non_null(f);
	out_print_permissions(f, v, opts);
	fclose(f);
	assert_string_equal(got, want);
	free(got);
	json_decref(v);
}

static const struct out_prop user_props[] = {
	{"userid", OT_STRING, false, NULL, NULL},
	{"enable", OT_BOOLEAN, true, NULL, NULL},
	{"expire", OT_INTEGER, true, NULL, NULL},
	{"groups", OT_ARRAY, true, NULL, NULL},
};

static const char users[] =
    "[{\"userid\":\"root@pam\",\"enable\":1,\"expire\":0},"
    "{\"userid\":\"alice@pve\",\"enable\":0,\"expire\":1700000000,"
    "\"groups\":[\"admins\",\"ops\"]},"
    "{\"userid\":\"bob@pve\",\"enable\":true}]";

static struct out_opts
text_opts(enum out_charset cs)
{
	struct out_opts o = OUT_OPTS_INIT;

	o.charset = cs;
	return o;
}

static void
test_table_ascii(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);

	(void)state;
	/* required column first, then optional ones sorted; rows sorted by
	 * userid; integers right-aligned; missing values empty */
	check(users, user_props, 4, &o,
	    "+-----------+--------+------------+------------------+\n"
	    "| userid    | enable |     expire | groups           |\n"
	    "+===========+========+============+==================+\n"
	    "| alice@pve | 0      | 1700000000 | [\"admins\",\"ops\"] |\n"
	    "+-----------+--------+------------+------------------+\n"
	    "| bob@pve   | 1      |            |                  |\n"
	    "+-----------+--------+------------+------------------+\n"
	    "| root@pam  | 1      |          0 |                  |\n"
	    "+-----------+--------+------------+------------------+\n");
}

static void
test_table_utf8(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_UTF8);

	(void)state;
	check("[{\"name\":\"b\",\"n\":10},{\"name\":\"ä€x\",\"n\":2}]",
	    (const struct out_prop[]){{"name", OT_STRING, false, NULL, NULL},
		{"n", OT_INTEGER, true, NULL, NULL}}, 2, &o,
	    "┌──────┬────┐\n"
	    "│ name │  n │\n"
	    "╞══════╪════╡\n"
	    "│ b    │ 10 │\n"
	    "├──────┼────┤\n"
	    "│ ä€x  │  2 │\n"
	    "└──────┴────┘\n");
}

static void
test_table_noborder_noheader(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);

	(void)state;
	o.noborder = true;
	check(users, user_props, 4, &o,
	    "userid    enable     expire groups\n"
	    "alice@pve 0      1700000000 [\"admins\",\"ops\"]\n"
	    "bob@pve   1                 \n"
	    "root@pam  1               0 \n");
	o.noheader = true;
	check(users, user_props, 4, &o,
	    "alice@pve 0      1700000000 [\"admins\",\"ops\"]\n"
	    "bob@pve   1                 \n"
	    "root@pam  1               0 \n");
	o.noborder = false;
	/* no header: no '=' rule, rows separated as usual */
	check("[{\"a\":\"x\"},{\"a\":\"y\"}]", NULL, 0, &o,
	    "+---+\n"
	    "| x |\n"
	    "+---+\n"
	    "| y |\n"
	    "+---+\n");
}

static void
test_table_raw_values(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);

	(void)state;
	/* without --human-readable booleans keep their raw form; nested
	 * objects are compact JSON with sorted keys; one-column ASCII
	 * header rules have no closing '+' (as in Proxmox) */
	o.human_readable = false;
	check("[{\"k\":{\"z\":1,\"a\":[true,null]},\"b\":true}]",
	    (const struct out_prop[]){{"k", OT_OBJECT, false, NULL, NULL},
		{"b", OT_BOOLEAN, false, NULL, NULL}}, 2, &o,
	    "+------+-------------------------+\n"
	    "| b    | k                       |\n"
	    "+======+=========================+\n"
	    "| true | {\"a\":[true,null],\"z\":1} |\n"
	    "+------+-------------------------+\n");
	check("[{\"a\":\"x\"}]", NULL, 0, &o,
	    "+---+\n"
	    "| a |\n"
	    "+===\n"
	    "| x |\n"
	    "+---+\n");
}

static void
test_table_multiline_and_cut(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);

	(void)state;
	o.columns = 12;
	check("[{\"a\":\"one\\ntwo\",\"b\":\"ü\"}]", NULL, 0, &o,
	    "+-----+---+\n"
	    "| a   | b |\n"
	    "+=====+===+\n"
	    "| one | ? |\n"
	    "| two |   |\n"
	    "+-----+---+\n");
	o.columns = 5;
	check("[{\"a\":\"abcdefgh\"}]", NULL, 0, &o,
	    "+----\n| a  \n+====\n| abc\n+----\n");
}

static void
test_object(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);
	static const struct out_prop props[] = {
		{"value", OT_STRING, false, NULL, NULL},
		{"tokenid", OT_STRING, false, NULL, NULL},
		{"privsep", OT_BOOLEAN, true, NULL, NULL},
		{"expire", OT_INTEGER, true, NULL, NULL},
	};

	(void)state;
	/* rows end up sorted by key; null and absent values are skipped */
	check("{\"value\":\"abc\",\"tokenid\":\"t1\",\"privsep\":true,"
	    "\"expire\":null,\"extra\":1}", props, 4, &o,
	    "+---------+-------+\n"
	    "| key     | value |\n"
	    "+=========+=======+\n"
	    "| privsep | 1     |\n"
	    "+---------+-------+\n"
	    "| tokenid | t1    |\n"
	    "+---------+-------+\n"
	    "| value   | abc   |\n"
	    "+---------+-------+\n");
	/* without a schema: every key */
	check("{\"b\":[1],\"a\":\"x\"}", NULL, 0, &o,
	    "+-----+-------+\n"
	    "| key | value |\n"
	    "+=====+=======+\n"
	    "| a   | x     |\n"
	    "+-----+-------+\n"
	    "| b   | [1]   |\n"
	    "+-----+-------+\n");
}

static void
test_scalars_and_null(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);

	(void)state;
	check("\"hello\"", NULL, 0, &o, "hello\n");
	check("42", NULL, 0, &o, "42\n");
	check("null", NULL, 0, &o, "");
	check(NULL, NULL, 0, &o, "");
	check("[]", NULL, 0, &o, "");
	o.format = OUT_JSON;
	check("null", NULL, 0, &o, "");
	o.quiet = true;
	check("{\"a\":1}", NULL, 0, &o, "");
	o.quiet = false;
	o.format = OUT_TEXT;
	/* scalars: one column, no header, but the width still counts the
	 * hidden "value" title */
	check("[\"b\",\"a\"]", NULL, 0, &o,
	    "+-------+\n| a     |\n+-------+\n| b     |\n+-------+\n");
}

static void
test_renderers(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);

	(void)state;
	o.noborder = true;
	o.noheader = true;
	check("[{\"t\":86400,\"d\":90061,\"s\":1536,\"f\":0.5}]",
	    (const struct out_prop[]){
		{"t", OT_INTEGER, false, "timestamp_gmt", NULL},
		{"d", OT_INTEGER, false, "duration", NULL},
		{"s", OT_INTEGER, false, "bytes", NULL},
		{"f", OT_NUMBER, false, "fraction_as_percentage", NULL}},
	    4, &o, "1d 1h 1m 1s 50.00% 1.50 KiB 1970-01-02 00:00:00\n");
}

static void
test_permissions(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);
	static const char map[] =
	    "{\"/vms\":{\"VM.Audit\":1,\"VM.Console\":0},"
	    "\"/\":{\"Sys.Audit\":1}}";

	(void)state;
	check_perm(map, &o,
	    "+----------+---------------+\n"
	    "| ACL path | Permissions   |\n"
	    "+==========+===============+\n"
	    "| /        | Sys.Audit (*) |\n"
	    "+----------+---------------+\n"
	    "| /vms     | VM.Audit (*)  |\n"
	    "|          | VM.Console    |\n"
	    "+----------+---------------+\n"
	    "Permissions marked with '(*)' have the 'propagate' flag set.\n");
}

static void
test_permissions_other(void **state)
{
	struct out_opts o = text_opts(OUT_CHARSET_ASCII);

	(void)state;
	o.quiet = true;
	check_perm("{\"/\":{\"Sys.Audit\":1}}", &o,
	    "Permissions marked with '(*)' have the 'propagate' flag set.\n");
	o.quiet = false;
	check_perm("{}", &o,
	    "Permissions marked with '(*)' have the 'propagate' flag set.\n");
	o.format = OUT_JSON;
	check_perm("{\"/\":{\"Sys.Audit\":1}}", &o,
	    "{\"/\":{\"Sys.Audit\":1}}\n");
}

static void
test_json(void **state)
{
	struct out_opts o = OUT_OPTS_INIT;

	(void)state;
	o.format = OUT_JSON;
	check("{\"b\":[1,2.5,\"x\\u0001/ä\"],\"a\":{},\"c\":false}", NULL, 0,
	    &o, "{\"a\":{},\"b\":[1,2.5,\"x\\u0001/ä\"],\"c\":false}\n");
	o.format = OUT_JSON_PRETTY;
	check("{\"b\":[1,{\"y\":null}],\"a\":{},\"c\":[]}", NULL, 0, &o,
	    "{\n"
	    "   \"a\" : {},\n"
	    "   \"b\" : [\n"
	    "      1,\n"
	    "      {\n"
	    "         \"y\" : null\n"
	    "      }\n"
	    "   ],\n"
	    "   \"c\" : []\n"
	    "}\n");
	check("\"s\"", NULL, 0, &o, "\"s\"\n");
}

static void
test_yaml(void **state)
{
	struct out_opts o = OUT_OPTS_INIT;

	(void)state;
	o.format = OUT_YAML;
	check("{\"users\":[{\"userid\":\"root@pam\",\"enable\":1},"
	    "{\"userid\":\"100\",\"groups\":[]}],\"t\":true,\"n\":null,"
	    "\"e\":\"\",\"m\":{\"k\":\"a: b\"},\"s\":\"x\\ny\","
	    "\"q\":\"-x\",\"r\":\"- x\",\"u\":\"ä\"}", NULL, 0, &o,
	    "---\n"
	    "e: ''\n"
	    "m:\n"
	    "  k: 'a: b'\n"
	    "n: ~\n"
	    "q: -x\n"
	    "r: '- x'\n"
	    "s: \"x\\ny\"\n"
	    "t: true\n"
	    "u: \xc3\x83\xc2\xa4\n"
	    "users:\n"
	    "- enable: 1\n"
	    "  userid: root@pam\n"
	    "- groups: []\n"
	    "  userid: '100'\n");
	check("[[1,2],\"this is a long text\\nwith more than thirty\\n\"]",
	    NULL, 0, &o,
	    "---\n"
	    "- - 1\n"
	    "  - 2\n"
	    "- |\n"
	    "  this is a long text\n"
	    "  with more than thirty\n");
	check("\"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk "
	    "llll mmmm nnnn oooo pppp qqqq\"", NULL, 0, &o,
	    "--- aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk "
	    "llll mmmm nnnn oooo pppp\n  qqqq\n");
	check("{}", NULL, 0, &o, "--- {}\n");
	check("\"😀\"", NULL, 0, &o, "--- \"\\U0001F600\"\n");
}

static void
test_format_parse(void **state)
{
	enum out_format f;

	(void)state;
	assert_true(out_format_parse("json-pretty", &f));
	assert_int_equal(f, OUT_JSON_PRETTY);
	assert_true(out_format_parse("yaml", &f));
	assert_int_equal(f, OUT_YAML);
	assert_true(out_format_parse("text", &f));
	assert_int_equal(f, OUT_TEXT);
	assert_true(out_format_parse("json", &f));
	assert_int_equal(f, OUT_JSON);
	assert_false(out_format_parse("JSON", &f));
	assert_false(out_format_parse("", &f));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_ascii),
		cmocka_unit_test(test_table_utf8),
		cmocka_unit_test(test_table_noborder_noheader),
		cmocka_unit_test(test_table_raw_values),
		cmocka_unit_test(test_table_multiline_and_cut),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_scalars_and_null),
		cmocka_unit_test(test_renderers),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_permissions_other),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_format_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
