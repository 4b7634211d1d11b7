/*
 * LDAP filter building (RFC 4515 escaping, the login and sync filter
 * shapes) and the parsing of AD's ranged attribute names
 * ("member;range=0-1499"), all without a server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ldapc_filter.h"
#include "ldapc_search.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static void
test_escape(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	ldapc_filter_escape(&out, "a*b(c)d\\e", 9);
	assert_string_equal(buf_str(&out), "a\\2ab\\28c\\29d\\5ce");
	buf_reset(&out);
	ldapc_filter_escape(&out, "x\0y", 3);
	assert_string_equal(buf_str(&out), "x\\00y");
	buf_reset(&out);
	/* everything else, UTF-8 included, passes through */
	ldapc_filter_escape(&out, "J\xc3\xbcrgen =,+<>;\"#&|!~", 20);
	assert_string_equal(buf_str(&out), "J\xc3\xbcrgen =,+<>;\"#&|!~");
	buf_reset(&out);
	ldapc_filter_escape(&out, "\xff\x80", 2);
	assert_string_equal(buf_str(&out), "\xff\x80");
	buf_reset(&out);
	/* only len bytes are read */
	ldapc_filter_escape(&out, "abc*", 3);
	assert_string_equal(buf_str(&out), "abc");
	ldapc_filter_escape(&out, "", 0);
	assert_string_equal(buf_str(&out), "abc");
	buf_clear(&out);
}

static void
test_eq(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	ldapc_filter_eq(&out, "uid", "alice");
	assert_string_equal(buf_str(&out), "uid=alice");
	buf_reset(&out);
	/* a login name cannot widen the search */
	ldapc_filter_eq(&out, "uid", "*)(uid=*");
	assert_string_equal(buf_str(&out), "uid=\\2a\\29\\28uid=\\2a");
	buf_reset(&out);
	ldapc_filter_eq(&out, "sAMAccountName", "");
	assert_string_equal(buf_str(&out), "sAMAccountName=");
	buf_clear(&out);
}

static void
test_wrap(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	ldapc_filter_wrap(&out, NULL);
	ldapc_filter_wrap(&out, "");
	assert_int_equal(out.len, 0);
	ldapc_filter_wrap(&out, "memberOf=cn=pve,ou=g");
	assert_string_equal(buf_str(&out), "(memberOf=cn=pve,ou=g)");
	buf_reset(&out);
	ldapc_filter_wrap(&out, "(&(a=1)(b=2))");
	assert_string_equal(buf_str(&out), "(&(a=1)(b=2))");
	buf_reset(&out);
	/* appends to what is there */
	buf_puts(&out, "(&");
	ldapc_filter_wrap(&out, "a=1");
	buf_putc(&out, ')');
	assert_string_equal(buf_str(&out), "(&(a=1))");
	buf_clear(&out);
}

static void
test_any(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	/* attr fixed, list of values */
	ldapc_filter_any(&out, "objectclass",
	    "inetorgperson, posixaccount person;user\tx", NULL);
	assert_string_equal(buf_str(&out), "(|(objectclass=inetorgperson)"
	    "(objectclass=posixaccount)(objectclass=person)"
	    "(objectclass=user)(objectclass=x))");
	buf_reset(&out);
	ldapc_filter_any(&out, "objectclass", "group", NULL);
	assert_string_equal(buf_str(&out), "(|(objectclass=group))");
	buf_reset(&out);
	ldapc_filter_any(&out, "objectclass", " ,a*(b), ", NULL);
	assert_string_equal(buf_str(&out), "(|(objectclass=a\\2a\\28b\\29))");
	buf_reset(&out);
	/* list of attributes, value fixed: "*" is a presence test */
	ldapc_filter_any(&out, NULL, "uid,mail givenName", "*");
	assert_string_equal(buf_str(&out), "(|(uid=*)(mail=*)(givenName=*))");
	buf_reset(&out);
	ldapc_filter_any(&out, NULL, "uid,mail", "a*b");
	assert_string_equal(buf_str(&out), "(|(uid=a\\2ab)(mail=a\\2ab))");
	buf_reset(&out);
	/* nothing in the list: RFC 4526's absolute false, matching nothing */
	ldapc_filter_any(&out, "objectclass", ", ;", NULL);
	assert_string_equal(buf_str(&out), "(|)");
	buf_clear(&out);
}

struct range_case {
	const char *name;
	const char *attr;
	bool ok, more;
	unsigned long next;
};

static void
test_range_parse(void **state)
{
	static char ulong_max[64], ulong_max_minus1[80];
	const struct range_case cases[] = {
		{"member;range=0-1499", "member", true, true, 1500},
		{"member;range=1500-2999", "member", true, true, 3000},
		{"member;range=1500-*", "member", true, false, 0},
		{"Member;range=0-10", "member", true, true, 11},
		{"member;range=0-10", "Member", true, true, 11},
		{"member;binary;range=0-5", "member", true, true, 6},
		{"member;range=0-0", "member", true, true, 1},
		{ulong_max_minus1, "member", true, true, ULONG_MAX},
		/* overflow and garbage */
		{"member;range=0-99999999999999999999999", "member", false,
		    false, 0},
		{ulong_max, "member", false, false, 0},
		{"member;range=0-", "member", false, false, 0},
		{"member;range=0-abc", "member", false, false, 0},
		{"member;range=0-12x", "member", false, false, 0},
		{"member;range=0-+5", "member", false, false, 0},
		{"member;range=0--5", "member", false, false, 0},
		{"member;range=0- 5", "member", false, false, 0},
		{"member;range=0-*x", "member", false, false, 0},
		{"member;range=", "member", false, false, 0},
		{"member;range", "member", false, false, 0},
		{"member;", "member", false, false, 0},
		{"member", "member", false, false, 0},
		{"", "member", false, false, 0},
		/* another attribute */
		{"memberOf;range=0-10", "member", false, false, 0},
		{"uniqueMember;range=0-10", "member", false, false, 0},
		{"mem;range=0-10", "member", false, false, 0},
		{"member;range=0-10", "uniqueMember", false, false, 0},
	};
	size_t i;

	(void)state;
	snprintf(ulong_max, sizeof(ulong_max), "member;range=0-%lu",
	    ULONG_MAX);
	snprintf(ulong_max_minus1, sizeof(ulong_max_minus1),
	    "member;range=0-%lu", ULONG_MAX - 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct range_case *c = &cases[i];
		bool more = !c->more;
		unsigned long next = 12345;
		bool ok = ldapc_range_parse(c->name, c->attr, &more, &next);

		if (ok != c->ok)
			fail_msg("'%s' (%s): got %d", c->name, c->attr, ok);
		if (!ok)
			continue;
		if (more != c->more)
			fail_msg("'%s': more %d", c->name, more);
		if (more && next != c->next)
			fail_msg("'%s': next %lu", c->name, next);
	}
}

static void
test_range_option_case(void **state)
{
	bool more = false;
	unsigned long next = 0;

	(void)state;
	/* attribute options are case-insensitive too (RFC 4512 2.5) */
	assert_true(ldapc_range_parse("Member;Range=0-10", "member", &more,
	    &next));
	assert_true(more);
	assert_int_equal(next, 11);
	more = true;
	assert_true(ldapc_range_parse("MEMBER;RANGE=1500-*", "member", &more,
	    &next));
	assert_false(more);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_eq),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_range_parse),
		cmocka_unit_test(test_range_option_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
