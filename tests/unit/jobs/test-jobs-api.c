/*
 * realm-sync job create/update/delete with Proxmox's checks and messages,
 * and the guarantee that a failed call changes nothing: the written file
 * is compared before and after.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/jobs_cfg.h"

#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char base[] =
    "vzdump: backup-1\n"
    "\tschedule sun 01:00\n"
    "\tenabled 1\n"
    "\tstorage local\n"
    "\n"
    "realm-sync: nightly\n"
    "\trealm corp-ldap\n"
    "\tschedule 02:30\n"
    "\tscope both\n"
    "\tenabled 1\n"
    "\n";

static const struct jobs_param good[] = {
	{"realm", "corp"},
	{"schedule", "mon..fri 06:00"},
	{"scope", "users"},
};

static struct jobs_cfg *
load(void)
{
	struct diag d;
	struct jobs_cfg *cfg;

	diag_init(&d);
	cfg = jobs_cfg_parse(base, strlen(base), "jobs.cfg", &d);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
	return cfg;
}

static char *
text(const struct jobs_cfg *cfg)
{
	struct buf out = BUF_INIT;

	jobs_cfg_write(cfg, &out);
	return buf_steal(&out);
}

static void
expect_err(int ret, const struct err *err, enum err_code code,
    const char *msg)
{
	assert_int_equal(ret, -1);
	assert_int_equal(err->code, code);
	if (strstr(err->msg, msg) == NULL)
		fail_msg("got '%s', want '%s'", err->msg, msg);
}

static void
test_create(void **state)
{
	struct jobs_cfg *cfg = load();
	const struct jobs_param more[] = {
		{"realm", "corp"},
		{"schedule", "sat 3:00 UTC"},
		{"scope", "both"},
		{"enable-new", "no"},
		{"enabled", "TRUE"},
		{"remove-vanished", "acl;properties"},
		{"comment", "weekly: caf\xc3\xa9"},
	};
	struct err err;
	char *t;

	(void)state;
	assert_int_equal(jobs_sync_create(cfg, "new-job", good, N(good),
	    &err), 0);
	assert_int_equal(jobs_sync_create(cfg, "more", more, N(more), &err),
	    0);
	/* created jobs are appended; no `enabled` unless given (Proxmox) */
	t = text(cfg);
	assert_string_equal(t, "vzdump: backup-1\n"
	    "\tschedule sun 01:00\n\tenabled 1\n\tstorage local\n\n"
	    "realm-sync: nightly\n\trealm corp-ldap\n\tschedule 02:30\n"
	    "\tscope both\n\tenabled 1\n\n"
	    "realm-sync: new-job\n\trealm corp\n\tschedule mon..fri 06:00\n"
	    "\tscope users\n\n"
	    "realm-sync: more\n\tcomment weekly%3A caf%C3%A9\n\trealm corp\n"
	    "\tschedule sat 3:00 UTC\n\tscope both\n\tenable-new 0\n"
	    "\tenabled 1\n\tremove-vanished acl;properties\n\n");
	free(t);
	assert_true(jobs_sync_enabled(jobs_sync_find(cfg, "new-job")));
	assert_string_equal(jobs_sync_get(jobs_sync_find(cfg, "more"),
	    JP_COMMENT), "weekly: caf\xc3\xa9");
	assert_int_equal(jobs_sync_count(cfg), 3);
	jobs_cfg_free(cfg);
}

static void
test_create_errors(void **state)
{
	static const struct {
		const char *id;
		struct jobs_param p[4];
		size_t n;
		enum err_code code;
		const char *msg;
	} c[] = {
		{"1abc", {{"realm", "corp"}}, 1, ERR_INVALID,
		    "id: invalid format - invalid configuration ID '1abc'"},
		{"a.b", {{"realm", "corp"}}, 1, ERR_INVALID,
		    "invalid configuration ID 'a.b'"},
		{"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
		    "abcde", {{"realm", "corp"}}, 1, ERR_INVALID,
		    "id: value may only be 64 characters long"},
		{"j", {{"realm", "corp"}}, 1, ERR_INVALID,
		    "invalid configuration ID 'j'"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"}}, 2,
		    ERR_INVALID, "scope: property is missing and it is not "
		    "optional"},
		{"j1", {{"schedule", "daily"}, {"scope", "both"}}, 2,
		    ERR_INVALID, "realm: property is missing"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}, {"full", "1"}}, 4, ERR_INVALID,
		    "full: property is not defined in schema and the schema "
		    "does not allow additional properties"},
		{"j1", {{"realm", "corp"}, {"schedule", "02:61"},
		    {"scope", "both"}}, 3, ERR_INVALID,
		    "schedule: invalid format - invalid calendar event "
		    "'02:61' - unable to parse calendar event at '61' - "
		    "value 61 too large (maximum 59)"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "all"}}, 3, ERR_INVALID,
		    "scope: value 'all' does not have a value in the "
		    "enumeration 'users, groups, both'"},
		{"j1", {{"realm", "c"}, {"schedule", "daily"},
		    {"scope", "both"}}, 3, ERR_INVALID,
		    "realm: invalid format - value does not look like a "
		    "valid realm"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}, {"enabled", "maybe"}}, 4, ERR_INVALID,
		    "enabled: type check ('boolean') failed - got 'maybe'"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}, {"scope", "users"}}, 4, ERR_INVALID,
		    "duplicate parameter 'scope'"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}, {"comment", "a\nb"}}, 4, ERR_INVALID,
		    "comment: property contains a line feed"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}, {"remove-vanished", "all"}}, 4,
		    ERR_INVALID, "remove-vanished: value does not match the "
		    "regex pattern"},
		{"j1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}, {"comment", NULL}}, 4, ERR_INVALID,
		    "got undefined value for option 'comment'"},
		/* ids are shared with every job type */
		{"nightly", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}}, 3, ERR_EXISTS,
		    "Job 'nightly' already exists"},
		{"backup-1", {{"realm", "corp"}, {"schedule", "daily"},
		    {"scope", "both"}}, 3, ERR_EXISTS,
		    "Job 'backup-1' already exists"},
	};
	struct jobs_cfg *cfg = load();
	char *before = text(cfg), *after;
	size_t i;

	(void)state;
	for (i = 0; i < N(c); i++) {
		struct err err;

		expect_err(jobs_sync_create(cfg, c[i].id, c[i].p, c[i].n,
		    &err), &err, c[i].code, c[i].msg);
	}
	after = text(cfg);
	assert_string_equal(before, after);
	free(before);
	free(after);
	jobs_cfg_free(cfg);
}

static void
test_update(void **state)
{
	const struct jobs_param set[] = {
		{"schedule", "*/30"},
		{"comment", "every half hour"},
		{"enable-new", "on"},
	};
	const struct jobs_param off[] = {{"enabled", "0"}};
	const char *const del[] = {"comment", "enable-new"};
	struct jobs_cfg *cfg = load();
	struct err err;
	char *t;

	(void)state;
	assert_int_equal(jobs_sync_update(cfg, "nightly", set, N(set), NULL,
	    0, &err), 0);
	t = text(cfg);
	assert_non_null(strstr(t, "realm-sync: nightly\n"
	    "\tcomment every half hour\n\trealm corp-ldap\n"
	    "\tschedule */30\n\tscope both\n\tenable-new 1\n\tenabled 1\n\n"));
	free(t);
	assert_int_equal(jobs_sync_update(cfg, "nightly", off, N(off), del,
	    N(del), &err), 0);
	t = text(cfg);
	assert_non_null(strstr(t, "realm-sync: nightly\n\trealm corp-ldap\n"
	    "\tschedule */30\n\tscope both\n\tenabled 0\n\n"));
	/* the vzdump job is untouched and still first */
	assert_memory_equal(t, base, 64);
	free(t);
	assert_false(jobs_sync_enabled(jobs_sync_find(cfg, "nightly")));

	/* deleting `enabled` leaves it unset: written without it */
	{
		const struct jobs_param c[] = {{"comment", "x"}};
		const char *const d[] = {"enabled"};

		assert_int_equal(jobs_sync_update(cfg, "nightly", c, 1, d, 1,
		    &err), 0);
		assert_null(jobs_sync_get(jobs_sync_find(cfg, "nightly"),
		    JP_ENABLED));
		assert_true(jobs_sync_enabled(jobs_sync_find(cfg,
		    "nightly")));
	}
	jobs_cfg_free(cfg);
}

static void
test_update_errors(void **state)
{
	const struct jobs_param realm[] = {{"realm", "other"}};
	const struct jobs_param bad[] = {{"schedule", "never"}};
	const struct jobs_param ok[] = {{"comment", "c"}};
	const struct jobs_param sched[] = {{"schedule", "daily"}};
	const char *const del_req[] = {"scope"};
	const char *const del_realm[] = {"realm"};
	const char *const del_unknown[] = {"full"};
	const char *const del_both[] = {"comment"};
	struct jobs_cfg *cfg = load();
	char *before = text(cfg), *after;
	struct err err;

	(void)state;
	expect_err(jobs_sync_update(cfg, "nightly", NULL, 0, del_both, 1,
	    &err), &err, ERR_INVALID, "no job options specified");
	expect_err(jobs_sync_update(cfg, "nightly", realm, 1, NULL, 0, &err),
	    &err, ERR_INVALID, "can't change value of fixed parameter "
	    "'realm'");
	expect_err(jobs_sync_update(cfg, "nightly", bad, 1, NULL, 0, &err),
	    &err, ERR_INVALID, "schedule: invalid format - invalid calendar "
	    "event 'never'");
	/* parameters are checked before the job is looked up */
	expect_err(jobs_sync_update(cfg, "nope", bad, 1, NULL, 0, &err),
	    &err, ERR_INVALID, "schedule: invalid format");
	expect_err(jobs_sync_update(cfg, "nope", ok, 1, NULL, 0, &err),
	    &err, ERR_NOT_FOUND, "no such realm-sync job");
	expect_err(jobs_sync_update(cfg, "backup-1", ok, 1, NULL, 0, &err),
	    &err, ERR_NOT_FOUND, "no such realm-sync job");
	expect_err(jobs_sync_update(cfg, "nightly", ok, 1, del_req, 1, &err),
	    &err, ERR_INVALID, "unable to delete required option 'scope'");
	expect_err(jobs_sync_update(cfg, "nightly", ok, 1, del_realm, 1,
	    &err), &err, ERR_INVALID, "unable to delete required option "
	    "'realm'");
	expect_err(jobs_sync_update(cfg, "nightly", ok, 1, del_unknown, 1,
	    &err), &err, ERR_INVALID, "no such option 'full'");
	expect_err(jobs_sync_update(cfg, "nightly", ok, 1, del_both, 1,
	    &err), &err, ERR_INVALID, "cannot set and delete property "
	    "'comment' at the same time!");
	/* a delete error after valid params: nothing applied */
	{
		const char *const del2[] = {"comment", "scope"};

		expect_err(jobs_sync_update(cfg, "nightly", sched, 1, del2, 2,
		    &err), &err, ERR_INVALID, "unable to delete required");
	}
	after = text(cfg);
	assert_string_equal(before, after);
	free(before);
	free(after);
	jobs_cfg_free(cfg);
}

static void
test_delete(void **state)
{
	const struct jobs_param c[] = {{"comment", "x"}};
	struct jobs_cfg *cfg = load();
	struct err err;
	char *t;

	(void)state;
	expect_err(jobs_sync_delete(cfg, "nope", &err), &err, ERR_NOT_FOUND,
	    "No such job 'nope'");
	expect_err(jobs_sync_delete(cfg, "backup-1", &err), &err,
	    ERR_NOT_FOUND, "No such job 'backup-1'");
	assert_int_equal(jobs_sync_delete(cfg, "nightly", &err), 0);
	assert_null(jobs_sync_find(cfg, "nightly"));
	assert_false(jobs_id_used(cfg, "nightly"));
	t = text(cfg);
	assert_string_equal(t, "vzdump: backup-1\n\tschedule sun 01:00\n"
	    "\tenabled 1\n\tstorage local\n\n");
	free(t);
	expect_err(jobs_sync_update(cfg, "nightly", c, 1, NULL, 0, &err),
	    &err, ERR_NOT_FOUND, "no such realm-sync job");
	/* the id is free again */
	assert_int_equal(jobs_sync_create(cfg, "nightly", good, N(good),
	    &err), 0);
	assert_int_equal(jobs_sync_count(cfg), 1);
	jobs_cfg_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_update_errors),
		cmocka_unit_test(test_delete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
