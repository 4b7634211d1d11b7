/*
 * SectionConfig tokenizer: header matching, property lines, comments,
 * section ends and junk lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "files/section.h"

#include <string.h>

static void
tokenize(const char *text, struct section_list *l, struct diag *d)
{
	section_list_init(l);
	diag_init(d);
	section_parse(text, strlen(text), "t.cfg", d, l);
}

static void
test_basic(void **state)
{
	struct section_list l;
	struct diag d;

	(void)state;
	tokenize("# top\nLDAP: corp  \n\tkey value with  spaces  \n"
	    "  # comment\n\tflag\n\nad:x\n\tk v\r\n", &l, &d);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.items[0].type, "ldap");
	assert_string_equal(l.items[0].id, "corp");
	assert_int_equal(l.items[0].line, 2);
	assert_int_equal(l.items[0].kv_count, 2);
	assert_string_equal(l.items[0].kv[0].key, "key");
	assert_string_equal(l.items[0].kv[0].value, "value with  spaces");
	assert_int_equal(l.items[0].kv[0].line, 3);
	assert_null(l.items[0].kv[1].value);
	assert_string_equal(l.items[1].id, "x");
	assert_string_equal(l.items[1].kv[0].value, "v");
	assert_int_equal(d.count, 0);
	section_list_clear(&l);
	diag_clear(&d);
}

static void
test_greedy_header(void **state)
{
	struct section_list l;
	struct diag d;

	(void)state;
	tokenize("a:b:c\n\nx:y z\nnocolon\n", &l, &d);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.items[0].type, "a:b");
	assert_string_equal(l.items[0].id, "c");
	assert_int_equal(d.count, 2);
	assert_int_equal(d.items[0].line, 3);
	assert_true(d.items[0].dropped);
	section_list_clear(&l);
	diag_clear(&d);
}

static void
test_junk_in_section(void **state)
{
	struct section_list l;
	struct diag d;

	(void)state;
	/* a non-indented line inside a section, a blank-only line, "0" */
	tokenize("pve: pve\nnot indented\n   \n\tk v\n0\n\tafter\n", &l, &d);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].kv_count, 1);
	assert_int_equal(d.count, 3);
	assert_non_null(strstr(d.items[0].msg, "(section 'pve')"));
	assert_non_null(strstr(d.items[2].msg, "ignore config line"));
	section_list_clear(&l);
	diag_clear(&d);
}

static void
test_nul(void **state)
{
	static const char text[] = "pve: pve\n\tcomment a\0b\n\tk v\n";
	struct section_list l;
	struct diag d;

	(void)state;
	section_list_init(&l);
	diag_init(&d);
	section_parse(text, sizeof(text) - 1, "t", &d, &l);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.items[0].kv_count, 1);
	assert_int_equal(d.count, 1);
	section_list_clear(&l);
	diag_clear(&d);
}

static void
test_write(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	section_write_header(&b, "ldap", "corp");
	section_write_kv(&b, "verify", "1");
	section_write_kv(&b, "flag", NULL);
	section_write_end(&b);
	assert_string_equal(buf_str(&b), "ldap: corp\n\tverify 1\n\tflag\n\n");
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_greedy_header),
		cmocka_unit_test(test_junk_in_section),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
