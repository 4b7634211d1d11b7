/*
 * jobs.cfg parsing and writing: a file as Proxmox writes it round-trips
 * byte for byte, other tools' sections survive untouched whatever they
 * contain, and every leniency rule of the realm-sync reader reports
 * file:line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/jobs_cfg.h"

#include <stdlib.h>
#include <string.h>

/* As Proxmox writes it: every section, the last too, ends in "\n\n". */
static const char example[] =
    "vzdump: backup-7c8f1a2b-33d1\n"
    "\tschedule sun 01:00\n"
    "\tcompress zstd\n"
    "\tenabled 1\n"
    "\tmode snapshot\n"
    "\tnotes-template {{guestname}}\n"
    "\tstorage local\n"
    "\tvmid 100,101\n"
    "\n"
    "realm-sync: nightly-corp\n"
    "\trealm corp-ldap\n"
    "\tschedule 02:30\n"
    "\tscope both\n"
    "\tenable-new 1\n"
    "\tenabled 1\n"
    "\tremove-vanished acl;entry\n"
    "\n"
    "realm-sync: weekly-ad\n"
    "\tcomment AD%3A weekly sync caf%C3%A9 100%25\n"
    "\trealm corp\n"
    "\tschedule sat 03:00\n"
    "\tscope users\n"
    "\tenable-new 0\n"
    "\tenabled 0\n"
    "\tremove-vanished none\n"
    "\n"
    "realm-sync: every_5-min\n"
    "\trealm ad.example\n"
    "\tschedule */5\n"
    "\tscope groups\n"
    "\tenabled 1\n"
    "\n";

struct run {
	struct jobs_cfg *cfg;
	struct diag d;
	struct buf out;
};

static void
run(struct run *r, const char *text, size_t len)
{
	diag_init(&r->d);
	buf_init(&r->out, 0);
	r->cfg = jobs_cfg_parse(text, len, "jobs.cfg", &r->d);
	jobs_cfg_write(r->cfg, &r->out);
}

static void
run_str(struct run *r, const char *text)
{
	run(r, text, strlen(text));
}

static void
done(struct run *r)
{
	jobs_cfg_free(r->cfg);
	diag_clear(&r->d);
	buf_clear(&r->out);
}

static bool
has_diag(const struct run *r, unsigned line, const char *needle)
{
	size_t i;

	for (i = 0; i < r->d.count; i++)
		if ((line == 0 || r->d.items[i].line == line) &&
		    strstr(r->d.items[i].msg, needle) != NULL &&
		    strcmp(r->d.items[i].file, "jobs.cfg") == 0)
			return true;
	return false;
}

static void
dump_diag(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->d.count; i++)
		print_message("%s:%u: %s\n", r->d.items[i].file,
		    r->d.items[i].line, r->d.items[i].msg);
}

static void
test_example_round_trip(void **state)
{
	const struct jobs_sync *j;
	struct run x;

	(void)state;
	run_str(&x, example);
	if (x.d.count != 0)
		dump_diag(&x);
	assert_int_equal(x.d.count, 0);
	assert_string_equal(buf_str(&x.out), example);
	assert_int_equal(jobs_sync_count(x.cfg), 3);
	assert_string_equal(jobs_sync_at(x.cfg, 0)->id, "nightly-corp");
	assert_string_equal(jobs_sync_at(x.cfg, 2)->id, "every_5-min");
	assert_null(jobs_sync_at(x.cfg, 3));
	/* the vzdump job is no realm-sync job, but its id is taken */
	assert_null(jobs_sync_find(x.cfg, "backup-7c8f1a2b-33d1"));
	assert_true(jobs_id_used(x.cfg, "backup-7c8f1a2b-33d1"));
	assert_false(jobs_id_used(x.cfg, "nope"));

	j = jobs_sync_find(x.cfg, "weekly-ad");
	assert_non_null(j);
	assert_string_equal(jobs_sync_get(j, JP_COMMENT),
	    "AD: weekly sync caf\xc3\xa9 100%");
	assert_string_equal(jobs_sync_get(j, JP_SCHEDULE), "sat 03:00");
	assert_string_equal(jobs_sync_get(j, JP_REMOVE_VANISHED), "none");
	assert_false(jobs_sync_enabled(j));
	j = jobs_sync_find(x.cfg, "nightly-corp");
	assert_true(jobs_sync_enabled(j));
	assert_null(jobs_sync_get(j, JP_COMMENT));
	assert_string_equal(jobs_sync_get(j, JP_REALM), "corp-ldap");
	done(&x);
}

static void
test_canonical_order(void **state)
{
	struct run x;

	(void)state;
	/* any key order; a bare boolean is 1; enabled defaults to 1 */
	run_str(&x, "realm-sync: j1\n"
	    "\tremove-vanished entry;properties\n"
	    "\tenable-new\n"
	    "\tscope users\n"
	    "\tcomment   two  words  \n"
	    "\tschedule   mon..fri 8:00 \n"
	    "\trealm r1\n");
	assert_int_equal(x.d.count, 0);
	assert_string_equal(buf_str(&x.out), "realm-sync: j1\n"
	    "\tcomment two  words\n"
	    "\trealm r1\n"
	    "\tschedule mon..fri 8:00\n"
	    "\tscope users\n"
	    "\tenable-new 1\n"
	    "\tenabled 1\n"
	    "\tremove-vanished entry;properties\n"
	    "\n");
	done(&x);

	/* a comment of "0" is false in Perl: not written */
	run_str(&x, "realm-sync: j2\n\tcomment 0\n\trealm r1\n"
	    "\tschedule daily\n\tscope both\n\tenabled 1\n");
	assert_string_equal(buf_str(&x.out), "realm-sync: j2\n\trealm r1\n"
	    "\tschedule daily\n\tscope both\n\tenabled 1\n\n");
	done(&x);

	/* comments decode and encode as user.cfg's do */
	run_str(&x, "REALM-SYNC: j3\n\tcomment a%3ab%20c%FFd%0A\n"
	    "\trealm r1\n\tschedule daily\n\tscope both\n\tenabled 1\n");
	assert_string_equal(jobs_sync_get(jobs_sync_find(x.cfg, "j3"),
	    JP_COMMENT), "a:b c\xef\xbf\xbd" "d\n");
	assert_string_equal(buf_str(&x.out), "realm-sync: j3\n"
	    "\tcomment a%3Ab c%EF%BF%BDd%0A\n\trealm r1\n"
	    "\tschedule daily\n\tscope both\n\tenabled 1\n\n");
	done(&x);
}

/* Sections of other types come back exactly as they were. */
static void
test_foreign_kept(void **state)
{
	static const char foreign[] =
	    "vzdump: backup-1\n"
	    "\tschedule  sun 01:00   \n"
	    "# a comment inside\n"
	    "  junk-without-indent? no, indented junk is a property\n"
	    "not a property line\n"
	    "\tcomment raw%20text\r\n"
	    "\tfull 1\n";
	static const char foreign2[] =
	    "future-type: 1-bad-id\n"
	    "\tanything goes\n"
	    "\tenabled yes";
	struct buf in = BUF_INIT, want = BUF_INIT;
	struct run x;

	(void)state;
	buf_puts(&in, "# leading comment, dropped as Proxmox does\n");
	buf_puts(&in, foreign);
	buf_puts(&in, "\nrealm-sync: mine\n\trealm r1\n\tschedule daily\n"
	    "\tscope both\n\tenabled 1\n\n0\n");
	buf_puts(&in, foreign2);	/* no newline at the end */
	run(&x, in.data, in.len);
	if (x.d.count != 0)
		dump_diag(&x);
	/* junk inside another tool's section is not ours to report */
	assert_int_equal(x.d.count, 0);
	buf_puts(&want, foreign);
	buf_puts(&want, "\nrealm-sync: mine\n\trealm r1\n\tschedule daily\n"
	    "\tscope both\n\tenabled 1\n\n");
	buf_puts(&want, foreign2);
	buf_puts(&want, "\n\n");
	assert_int_equal(x.out.len, want.len);
	assert_memory_equal(x.out.data, want.data, want.len);
	assert_int_equal(jobs_sync_count(x.cfg), 1);
	assert_true(jobs_id_used(x.cfg, "1-bad-id"));
	done(&x);

	/* writing again is a fixed point */
	run(&x, want.data, want.len);
	assert_int_equal(x.out.len, want.len);
	assert_memory_equal(x.out.data, want.data, want.len);
	done(&x);
	buf_clear(&in);
	buf_clear(&want);

	/* a NUL byte inside a foreign section is kept too */
	run(&x, "vzdump: b\n\tx\0y\n\tz 1\n", 20);
	assert_int_equal(x.d.count, 0);
	assert_int_equal(x.out.len, 21);
	assert_memory_equal(x.out.data, "vzdump: b\n\tx\0y\n\tz 1\n\n", 21);
	done(&x);
}

static void
test_bad_values(void **state)
{
	struct run x;

	(void)state;
	run_str(&x, "realm-sync: j1\n"		/* 1 */
	    "\trealm r1\n"			/* 2 */
	    "\tschedule daily\n"		/* 3 */
	    "\tscope both\n"			/* 4 */
	    "\tenabled yes\n"			/* 5 */
	    "\tenable-new 2\n"			/* 6 */
	    "\tremove-vanished acl;users\n"	/* 7 */
	    "\tfull 1\n"			/* 8 */
	    "\tpurge 1\n"			/* 9 */
	    "\tscope users\n"			/* 10 */
	    "\tcomment\n"			/* 11 */
	    "\tunknown x\n"			/* 12 */
	    "realm-sync: j2\n"			/* 13 */
	    "\n"
	    "realm-sync: j3\n"			/* 15 */
	    "\trealm 1r\n"			/* 16 */
	    "\tschedule 25:61\n"		/* 17 */
	    "\tscope all\n"			/* 18 */
	    "\n"
	    "realm-sync: 9lives\n"		/* 20 */
	    "\trealm r1\n"
	    "\n"
	    "realm-sync: a.b\n"			/* 23 */
	    "\n"
	    "realm-sync: j4\n"			/* 25 */
	    "\trealm abcdefghijabcdefghijabcdefghijabc\n"	/* 26 */
	    "\tschedule daily\n"
	    "\tscope both\n");
	if (x.d.count != 17)
		dump_diag(&x);
	assert_true(has_diag(&x, 5, "(section 'j1') - unable to parse value "
	    "of 'enabled': type check ('boolean') failed - got 'yes'"));
	assert_true(has_diag(&x, 6, "type check ('boolean') failed - got "
	    "'2'"));
	assert_true(has_diag(&x, 7, "'remove-vanished': value does not match "
	    "the regex pattern"));
	assert_true(has_diag(&x, 8, "'full': unexpected property 'full'"));
	assert_true(has_diag(&x, 9, "unexpected property 'purge'"));
	assert_true(has_diag(&x, 10, "'scope': duplicate attribute"));
	assert_true(has_diag(&x, 11, "'comment': got undefined value"));
	assert_true(has_diag(&x, 12, "unexpected property 'unknown'"));
	/* the header line inside j1 is junk to the tokenizer */
	assert_true(has_diag(&x, 13, "(section 'j1') - ignore config line: "
	    "realm-sync: j2"));
	assert_true(has_diag(&x, 16, "'realm': invalid format - value does "
	    "not look like a valid realm"));
	assert_true(has_diag(&x, 17, "'schedule': invalid format - invalid "
	    "calendar event '25:61' - unable to parse calendar event at "
	    "'61' - value 61 too large (maximum 59)"));
	assert_true(has_diag(&x, 18, "value 'all' does not have a value in "
	    "the enumeration 'users, groups, both'"));
	assert_true(has_diag(&x, 15, "(skip section 'j3'): missing value for "
	    "required option 'realm'"));
	assert_true(has_diag(&x, 20, "(skip section '9lives'): invalid "
	    "configuration ID '9lives'"));
	assert_true(has_diag(&x, 23, "invalid configuration ID 'a.b'"));
	assert_true(has_diag(&x, 26, "'realm': value may only be 32 "
	    "characters long"));
	assert_true(has_diag(&x, 25, "missing value for required option "
	    "'realm'"));
	assert_int_equal(x.d.count, 17);
	assert_int_equal(diag_dropped_count(&x.d), 17);
	/* j1 survives with its good keys */
	assert_string_equal(buf_str(&x.out), "realm-sync: j1\n\trealm r1\n"
	    "\tschedule daily\n\tscope both\n\tenabled 1\n\n");
	done(&x);
}

static void
test_length_limits(void **state)
{
	struct buf in = BUF_INIT;
	struct run x;
	int i;

	(void)state;
	/* comment: 512 bytes as written in the file, encoded */
	buf_puts(&in, "realm-sync: j1\n\trealm r1\n\tschedule daily\n"
	    "\tscope both\n\tcomment ");
	for (i = 0; i < 170; i++)
		buf_puts(&in, "%3A");
	buf_puts(&in, "ab\n\n");
	run(&x, in.data, in.len);
	assert_int_equal(x.d.count, 0);
	assert_int_equal(strlen(jobs_sync_get(jobs_sync_at(x.cfg, 0),
	    JP_COMMENT)), 172);
	done(&x);
	in.len -= 2;
	buf_puts(&in, "c\n\n");
	run(&x, in.data, in.len);
	assert_true(has_diag(&x, 5, "value may only be 512 characters long"));
	assert_null(jobs_sync_get(jobs_sync_at(x.cfg, 0), JP_COMMENT));
	done(&x);
	buf_clear(&in);

	/* schedule: 128 characters ("00,0,0,...") */
	buf_puts(&in, "realm-sync: j1\n\trealm r1\n\tscope both\n"
	    "\tschedule 00");
	for (i = 0; i < 63; i++)
		buf_puts(&in, ",0");
	buf_puts(&in, "\n");
	run(&x, in.data, in.len);
	assert_int_equal(x.d.count, 0);
	done(&x);
	in.len--;
	buf_puts(&in, "0\n");
	run(&x, in.data, in.len);
	assert_true(has_diag(&x, 4, "value may only be 128 characters long"));
	assert_int_equal(jobs_sync_count(x.cfg), 0);
	done(&x);
	buf_clear(&in);
}

static void
test_duplicate_ids(void **state)
{
	static const char body[] = "\trealm r1\n\tschedule daily\n"
	    "\tscope both\n\tenabled 1\n\n";
	struct buf in = BUF_INIT;
	struct run x;

	(void)state;
	/* two realm-sync sections: the later wins, at its position */
	buf_puts(&in, "realm-sync: aa\n\tcomment first\n");
	buf_puts(&in, body);
	buf_puts(&in, "realm-sync: bb\n");
	buf_puts(&in, body);
	buf_puts(&in, "realm-sync: aa\n\tcomment second\n");
	buf_puts(&in, body);
	run(&x, in.data, in.len);
	assert_true(has_diag(&x, 14, "(section 'aa') - duplicate section, "
	    "earlier one dropped"));
	assert_int_equal(jobs_sync_count(x.cfg), 2);
	assert_string_equal(jobs_sync_at(x.cfg, 0)->id, "bb");
	assert_string_equal(jobs_sync_get(jobs_sync_at(x.cfg, 1),
	    JP_COMMENT), "second");
	done(&x);
	buf_clear(&in);

	/* an id shared with another type: the other section stays */
	buf_puts(&in, "realm-sync: xx\n");
	buf_puts(&in, body);
	buf_puts(&in, "vzdump: xx\n\tschedule daily\n\n");
	buf_puts(&in, "vzdump: yy\n\tschedule daily\n\n");
	buf_puts(&in, "realm-sync: yy\n");
	buf_puts(&in, body);
	run(&x, in.data, in.len);
	assert_true(has_diag(&x, 1, "(skip section 'xx'): id also used by a "
	    "section of another type"));
	assert_true(has_diag(&x, 13, "(skip section 'yy')"));
	assert_int_equal(jobs_sync_count(x.cfg), 0);
	assert_string_equal(buf_str(&x.out), "vzdump: xx\n\tschedule daily\n\n"
	    "vzdump: yy\n\tschedule daily\n\n");
	done(&x);
	buf_clear(&in);

	/* two foreign sections with one id: not ours to judge */
	run_str(&x, "vzdump: z\n\ta 1\n\nvzdump: z\n\ta 2\n\n");
	assert_int_equal(x.d.count, 0);
	assert_string_equal(buf_str(&x.out),
	    "vzdump: z\n\ta 1\n\nvzdump: z\n\ta 2\n\n");
	done(&x);
}

static void
test_empty_and_junk(void **state)
{
	struct run x;

	(void)state;
	run_str(&x, "");
	assert_int_equal(x.out.len, 0);
	assert_int_equal(jobs_sync_count(x.cfg), 0);
	done(&x);
	run_str(&x, "# only a comment\n\n\n");
	assert_int_equal(x.out.len, 0);
	assert_int_equal(x.d.count, 0);
	done(&x);
	run_str(&x, "garbage line\n\tindented\n");
	assert_true(has_diag(&x, 1, "ignore config line: garbage line"));
	assert_true(has_diag(&x, 2, "ignore config line"));
	assert_int_equal(x.out.len, 0);
	done(&x);
	/* CRLF: the CR is whitespace, values are trimmed */
	run_str(&x, "realm-sync: jj\r\n\trealm r1\r\n\tschedule daily\r\n"
	    "\tscope both\r\n\r\n");
	assert_int_equal(jobs_sync_count(x.cfg), 1);
	assert_string_equal(jobs_sync_get(jobs_sync_at(x.cfg, 0),
	    JP_SCHEDULE), "daily");
	done(&x);
	/* a new config is empty */
	{
		struct jobs_cfg *cfg = jobs_cfg_new();
		struct buf out = BUF_INIT;

		jobs_cfg_write(cfg, &out);
		assert_int_equal(out.len, 0);
		jobs_cfg_free(cfg);
		jobs_cfg_free(NULL);
	}
}

static void
test_schema(void **state)
{
	static const struct {
		enum job_prop p;
		const char *v, *msg;	/* msg NULL: valid */
	} c[] = {
		{JP_REALM, "corp-ldap", NULL},
		{JP_REALM, "a.b_c-d9", NULL},
		{JP_REALM, "x", "invalid format - value does not look like a "
		    "valid realm"},
		{JP_REALM, "ab cd", "does not look like a valid realm"},
		{JP_SCHEDULE, "mon..fri 02:30", NULL},
		{JP_SCHEDULE, "", "invalid format - invalid calendar event '' "
		    "- unable to parse calendar event - event is empty"},
		{JP_SCHEDULE, "sometimes", "invalid calendar event "
		    "'sometimes' - unable to parse calendar event at "
		    "'sometimes' - expected a weekday"},
		{JP_SCOPE, "users", NULL},
		{JP_SCOPE, "groups", NULL},
		{JP_SCOPE, "both", NULL},
		{JP_SCOPE, "Both", "value 'Both' does not have a value in the "
		    "enumeration 'users, groups, both'"},
		{JP_REMOVE_VANISHED, "none", NULL},
		{JP_REMOVE_VANISHED, "acl", NULL},
		{JP_REMOVE_VANISHED, "acl;entry;properties", NULL},
		{JP_REMOVE_VANISHED, "entry;entry", NULL},
		{JP_REMOVE_VANISHED, "none;acl", "does not match the regex"},
		{JP_REMOVE_VANISHED, "acl;", "does not match the regex"},
		{JP_REMOVE_VANISHED, "", "does not match the regex"},
		{JP_REMOVE_VANISHED, "acl,entry", "does not match the regex"},
		{JP_ENABLED, "0", NULL},
		{JP_ENABLED, "true", "type check ('boolean') failed - got "
		    "'true'"},
		{JP_ENABLE_NEW, "1", NULL},
		{JP_COMMENT, "", NULL},
		{JP_COMMENT, "a\rb", "property contains a line feed"},
		{JP_SCHEDULE, "daily\n", "property contains a line feed"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct buf norm = BUF_INIT;
		struct err err;
		int ret = jobs_value_check(c[i].p, c[i].v, &norm, &err);

		if (c[i].msg == NULL && ret < 0)
			fail_msg("%s '%s': %s", jobs_prop_name(c[i].p),
			    c[i].v, err.msg);
		if (c[i].msg != NULL && (ret == 0 ||
		    strstr(err.msg, c[i].msg) == NULL))
			fail_msg("%s '%s': got '%s'", jobs_prop_name(c[i].p),
			    c[i].v, ret == 0 ? "ok" : err.msg);
		if (ret == 0)
			assert_string_equal(buf_str(&norm), c[i].v);
		buf_clear(&norm);
	}
}

static void
test_table_and_ids(void **state)
{
	static const char *const good[] = {"ab", "a1", "nightly-corp",
		"A_b-C", "backup-7c8f1a2b-33d1"};
	static const char *const bad[] = {"", "a", "1a", "-a", "_a", "a.b",
		"a b", "a:b", "a/b", "\xc3\xa9t\xc3\xa9"};
	size_t i;
	int p;

	(void)state;
	/* the writer's order is the table's: sorted by name */
	for (p = 1; p < JP_COUNT; p++)
		assert_true(strcmp(jobs_prop_name(p - 1),
		    jobs_prop_name(p)) < 0);
	for (p = 0; p < JP_COUNT; p++)
		assert_int_equal(jobs_prop_find(jobs_prop_name(p)), p);
	assert_int_equal(jobs_prop_find("full"), -1);
	assert_int_equal(jobs_prop_find("purge"), -1);
	assert_true(jobs_prop_required(JP_REALM));
	assert_true(jobs_prop_required(JP_SCHEDULE));
	assert_true(jobs_prop_required(JP_SCOPE));
	assert_false(jobs_prop_required(JP_ENABLED));
	assert_false(jobs_prop_required(JP_COMMENT));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(jobs_id_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(jobs_id_valid(bad[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_round_trip),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_foreign_kept),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_duplicate_ids),
		cmocka_unit_test(test_empty_and_junk),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_table_and_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
