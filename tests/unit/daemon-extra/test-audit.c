/*
 * The audit log: the syslog wording admins and fail2ban grep for, the
 * JSON-lines file (fields, one object per line, append, mode 0600,
 * reopen), and above all that hostile values (newlines, quotes, terminal
 * escapes, malformed UTF-8, huge names) cannot forge or break a line.
 * Syslog itself is replaced by the test hook.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "fileio.h"
#include "xalloc.h"

#define MAX_LINES 64

static pthread_mutex_t lines_lock = PTHREAD_MUTEX_INITIALIZER;
static char *lines[MAX_LINES];
static int prios[MAX_LINES];
static size_t line_count;

static void
hook(int priority, const char *msg)
{
	pthread_mutex_lock(&lines_lock);
	if (line_count < MAX_LINES) {
		prios[line_count] = priority;
		lines[line_count++] = xstrdup(msg);
	}
	pthread_mutex_unlock(&lines_lock);
}

static void
lines_reset(void)
{
	size_t i;

	for (i = 0; i < line_count; i++)
		free(lines[i]);
	line_count = 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct fixture {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/rg-audit-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/audit.json", f->dir);
	auditlog_set_syslog_hook(hook);
	lines_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	auditlog_close();
	lines_reset();
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The file's lines, parsed; every line must be one JSON object. */
static size_t
read_json_lines(const char *path, json_t **out, size_t max)
{
	struct buf b = BUF_INIT;
	struct err err;
	const char *p, *nl;
	size_t n = 0;

	if (file_read(path, 64u << 20, &b, &err) < 0)
		fail_msg("read %s: %s", path, err.msg);
	p = buf_str(&b);
	while (*p != '\0') {
		json_error_t jerr;
		json_t *v;

		nl = strchr(p, '\n');
		assert_non_null(nl);	/* every line is terminated */
		v = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		if (v == NULL || !json_is_object(v))
			fail_msg("line %zu is not a JSON object: %.*s", n + 1,
			    (int)(nl - p), p);
		if (n < max)
			out[n] = v;
		else
			json_decref(v);
		n++;
		p = nl + 1;
	}
	buf_clear(&b);
	return n;
}

static const char *
sget(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void
check_time(const char *t)
{
	/* 2024-05-01T12:00:00.123Z */
	assert_non_null(t);
	assert_int_equal(strlen(t), 24);
	assert_int_equal(t[4], '-');
	assert_int_equal(t[10], 'T');
	assert_int_equal(t[19], '.');
	assert_int_equal(t[23], 'Z');
}

static void
test_syslog_wording(void **state)
{
	(void)state;
	assert_int_equal(auditlog_open(NULL, &(struct err){0}), 0);
	auditlog_login(true, "alice@pve", NULL, "10.0.0.5", "password", NULL);
	auditlog_login(false, "alice@pve", NULL, "10.0.0.5", "password",
	    "invalid credentials");
	auditlog_login(false, "root", "pam", "::1", "ticket", "ticket expired");
	auditlog_login(false, "alice@pve!tok", NULL, "10.0.0.6", "token", NULL);
	auditlog_change("root@pam", "10.0.0.5", "user add", "alice@pve",
	    "comment=x enable=1");
	auditlog_change("root@pam", "10.0.0.5", "acl modify", "/vms", NULL);
	assert_int_equal(line_count, 6);
	assert_string_equal(lines[0], "successful auth for user 'alice@pve'; "
	    "rhost=10.0.0.5 method=password");
	assert_int_equal(prios[0], LOG_AUTHPRIV | LOG_NOTICE);
	assert_string_equal(lines[1], "authentication failure; "
	    "rhost=10.0.0.5 user=alice@pve msg=invalid credentials");
	assert_int_equal(prios[1], LOG_AUTHPRIV | LOG_WARNING);
	assert_string_equal(lines[2], "authentication verification failure; "
	    "rhost=::1 user=root@pam msg=ticket expired");
	assert_string_equal(lines[3], "authentication verification failure; "
	    "rhost=10.0.0.6 user=alice@pve!tok msg=authentication failure");
	assert_string_equal(lines[4], "change by user 'root@pam'; "
	    "rhost=10.0.0.5 action='user add' object='alice@pve' "
	    "detail='comment=x enable=1'");
	assert_int_equal(prios[4], LOG_AUTHPRIV | LOG_INFO);
	assert_string_equal(lines[5], "change by user 'root@pam'; "
	    "rhost=10.0.0.5 action='acl modify' object='/vms'");
}

static void
test_json_file(void **state)
{
	struct fixture *f = *state;
	struct err err;
	struct stat st;
	json_t *v[8];
	mode_t old = umask(0);

	assert_int_equal(auditlog_open(f->path, &err), 0);
	umask(old);
	auditlog_login(true, "alice", "pve", "10.0.0.5", "password", NULL);
	auditlog_login(false, "bob@ldap", NULL, "10.0.0.7", "password",
	    "LDAP bind failed: invalid credentials");
	auditlog_change("root@pam", "10.0.0.5", "user add", "alice@pve",
	    "comment=x");
	auditlog_close();

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(read_json_lines(f->path, v, 8), 3);

	check_time(sget(v[0], "time"));
	assert_string_equal(sget(v[0], "event"), "login");
	assert_string_equal(sget(v[0], "result"), "success");
	assert_string_equal(sget(v[0], "user"), "alice@pve");
	assert_string_equal(sget(v[0], "realm"), "pve");
	assert_string_equal(sget(v[0], "client"), "10.0.0.5");
	assert_string_equal(sget(v[0], "method"), "password");
	assert_null(json_object_get(v[0], "reason"));

	assert_string_equal(sget(v[1], "result"), "failure");
	assert_string_equal(sget(v[1], "user"), "bob@ldap");
	assert_string_equal(sget(v[1], "realm"), "ldap");
	assert_string_equal(sget(v[1], "reason"),
	    "LDAP bind failed: invalid credentials");

	check_time(sget(v[2], "time"));
	assert_string_equal(sget(v[2], "event"), "change");
	assert_string_equal(sget(v[2], "actor"), "root@pam");
	assert_string_equal(sget(v[2], "client"), "10.0.0.5");
	assert_string_equal(sget(v[2], "action"), "user add");
	assert_string_equal(sget(v[2], "object"), "alice@pve");
	assert_string_equal(sget(v[2], "detail"), "comment=x");
	for (int i = 0; i < 3; i++)
		json_decref(v[i]);
}

static void
test_json_compact_time_first(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	struct err err;

	assert_int_equal(auditlog_open(f->path, &err), 0);
	auditlog_change("a@pve", "c", "x", "y", NULL);
	auditlog_close();
	assert_int_equal(file_read(f->path, 4096, &b, &err), 0);
	/* compact, one object per line, time first */
	assert_true(strncmp(buf_str(&b), "{\"time\":\"", 9) == 0);
	assert_null(strstr(buf_str(&b), ", "));
	assert_null(strstr(buf_str(&b), "detail"));
	buf_clear(&b);
}

#define FORGED "bob\nJan  1 00:00:00 pve realmgate[1]: " \
	"successful auth for user 'root@pam'"

static void
test_hostile_values(void **state)
{
	struct fixture *f = *state;
	struct err err;
	json_t *v[8];
	size_t i;

	assert_int_equal(auditlog_open(f->path, &err), 0);
	auditlog_login(false, FORGED "@pve", NULL, "10.0.0.5\r\n", "password",
	    "no such user\n");
	auditlog_login(true, "it's@pve", NULL, "a b", "password", NULL);
	auditlog_login(false, "x\033[2J\xc2\x85y\\z@pve", NULL, "h", "password",
	    "bad\xff\xfe");
	auditlog_login(true, "J\xc3\xb6rg@pve", NULL, "h", "openid", NULL);
	auditlog_change("root@pam", "h", "user add", "evil' detail='x", NULL);
	auditlog_close();

	/* syslog: no control byte, quotes and spaces escaped where needed */
	assert_int_equal(line_count, 5);
	for (i = 0; i < line_count; i++) {
		for (const unsigned char *p = (const unsigned char *)lines[i];
		     *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p != 0x7f);
	}
	assert_string_equal(lines[0], "authentication failure; "
	    "rhost=10.0.0.5\\x0d\\x0a user=bob\\x0aJan\\x20\\x20"
	    "1\\x2000:00:00\\x20pve\\x20realmgate[1]:\\x20successful"
	    "\\x20auth\\x20for\\x20user\\x20\\x27root@pam\\x27@pve "
	    "msg=no such user\\x0a");
	assert_string_equal(lines[1], "successful auth for user "
	    "'it\\x27s@pve'; rhost=a\\x20b method=password");
	assert_string_equal(lines[2], "authentication failure; rhost=h "
	    "user=x\\x1b[2J\\xc2\\x85y\\x5cz@pve msg=bad\\xff\\xfe");
	assert_string_equal(lines[3], "successful auth for user "
	    "'J\xc3\xb6rg@pve'; rhost=h method=openid");
	assert_string_equal(lines[4], "change by user 'root@pam'; rhost=h "
	    "action='user add' object='evil\\x27 detail=\\x27x'");

	/* JSON: still 5 lines; valid UTF-8 round-trips exactly */
	assert_int_equal(read_json_lines(f->path, v, 8), 5);
	assert_string_equal(sget(v[0], "user"), FORGED "@pve");
	assert_string_equal(sget(v[0], "client"), "10.0.0.5\r\n");
	assert_string_equal(sget(v[1], "user"), "it's@pve");
	assert_string_equal(sget(v[2], "user"), "x\033[2J\xc2\x85y\\z@pve");
	/* jansson only takes UTF-8: malformed bytes become text */
	assert_string_equal(sget(v[2], "reason"), "bad\\xff\\xfe");
	assert_string_equal(sget(v[3], "user"), "J\xc3\xb6rg@pve");
	assert_string_equal(sget(v[4], "object"), "evil' detail='x");
	for (i = 0; i < 5; i++)
		json_decref(v[i]);
}

static void
test_long_value_cut(void **state)
{
	struct fixture *f = *state;
	char name[2001];
	struct err err;
	json_t *v[2];
	const char *u;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(auditlog_open(f->path, &err), 0);
	auditlog_login(false, name, NULL, "h", "password", NULL);
	auditlog_close();
	assert_int_equal(line_count, 1);
	assert_non_null(strstr(lines[0], "aaa... msg="));
	assert_true(strlen(lines[0]) < 600);
	assert_int_equal(read_json_lines(f->path, v, 2), 1);
	u = sget(v[0], "user");
	assert_int_equal(strlen(u), 512 + 3);
	assert_string_equal(u + 512, "...");
	json_decref(v[0]);
}

static void
test_nulls(void **state)
{
	struct fixture *f = *state;
	struct err err;
	json_t *v[2];

	assert_int_equal(auditlog_open(f->path, &err), 0);
	auditlog_login(false, NULL, NULL, NULL, NULL, NULL);
	auditlog_change(NULL, NULL, NULL, NULL, NULL);
	auditlog_close();
	assert_string_equal(lines[0], "authentication failure; rhost=- "
	    "user=- msg=authentication failure");
	assert_string_equal(lines[1], "change by user '-'; rhost=- "
	    "action='-' object='-'");
	assert_int_equal(read_json_lines(f->path, v, 2), 2);
	assert_string_equal(sget(v[0], "event"), "login");
	assert_null(json_object_get(v[0], "user"));
	assert_string_equal(sget(v[1], "event"), "change");
	json_decref(v[0]);
	json_decref(v[1]);
}

static void
test_append_and_reopen(void **state)
{
	struct fixture *f = *state;
	char moved[160];
	struct err err;
	struct stat st;
	json_t *v[4];

	/*
	 * an existing file keeps its content; opened by root it becomes
	 * root's alone (an earlier version gave it to the front's user)
	 */
	assert_int_equal(file_write_atomic(f->path, "{\"old\":1}\n", 10, 0640,
	    &err), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(f->path, 1, 1), 0);
	assert_int_equal(auditlog_open(f->path, &err), 0);
	auditlog_change("a@pve", "h", "user add", "b@pve", NULL);
	/* logrotate: move the file away, SIGHUP reopens a new one */
	snprintf(moved, sizeof(moved), "%s.1", f->path);
	assert_int_equal(rename(f->path, moved), 0);
	auditlog_change("a@pve", "h", "user add", "c@pve", NULL);
	assert_int_equal(auditlog_open(f->path, &err), 0);
	auditlog_change("a@pve", "h", "user add", "d@pve", NULL);
	auditlog_close();

	assert_int_equal(stat(moved, &st), 0);
	assert_int_equal(st.st_mode & 07777, geteuid() == 0 ? 0600 : 0640);
	if (geteuid() == 0)
		assert_true(st.st_uid == 0 && st.st_gid == 0);
	assert_int_equal(read_json_lines(moved, v, 4), 3);
	assert_int_equal(json_integer_value(json_object_get(v[0], "old")), 1);
	assert_string_equal(sget(v[1], "object"), "b@pve");
	assert_string_equal(sget(v[2], "object"), "c@pve");
	for (int i = 0; i < 3; i++)
		json_decref(v[i]);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(read_json_lines(f->path, v, 4), 1);
	assert_string_equal(sget(v[0], "object"), "d@pve");
	json_decref(v[0]);
}

static void
test_open_errors(void **state)
{
	struct fixture *f = *state;
	char link[160];
	struct err err;
	json_t *v[4];

	/* not a regular file */
	assert_int_equal(auditlog_open(f->dir, &err), -1);
	assert_int_equal(err.code, ERR_IO);
	assert_non_null(strstr(err.msg, f->dir));
	/* a symlink is refused (root writes this file) */
	snprintf(link, sizeof(link), "%s/link.json", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	assert_int_equal(auditlog_open(link, &err), -1);
	assert_int_equal(err.code, ERR_IO);
	assert_false(file_exists(f->path));
	/* a failed reopen keeps the file in use */
	assert_int_equal(auditlog_open(f->path, &err), 0);
	assert_int_equal(auditlog_open("/nonexistent/dir/a.json", &err), -1);
	auditlog_change("a@pve", "h", "x", "still-here", NULL);
	auditlog_close();
	assert_int_equal(read_json_lines(f->path, v, 4), 1);
	assert_string_equal(sget(v[0], "object"), "still-here");
	json_decref(v[0]);
}

#define THREADS	 8
#define PER_THREAD 500

static void *
worker(void *arg)
{
	char obj[32];
	int i, t = (int)(intptr_t)arg;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(obj, sizeof(obj), "t%d-%d", t, i);
		if (i % 2 == 0)
			auditlog_change("root@pam", "10.0.0.1", "user modify",
			    obj, "comment=a long enough detail to make "
			    "lines of a few hundred bytes, a long enough "
			    "detail to make lines of a few hundred bytes");
		else
			auditlog_login(false, obj, "pve", "10.0.0.2",
			    "password", "invalid credentials");
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	pthread_t th[THREADS];
	struct err err;
	int i;

	/* keep the syslog capture out of it: it holds 64 lines */
	assert_int_equal(auditlog_open(f->path, &err), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	auditlog_close();
	/* every line parses as a whole object */
	assert_int_equal(read_json_lines(f->path, NULL, 0),
	    THREADS * PER_THREAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syslog_wording, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_compact_time_first,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_values, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_value_cut, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nulls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_and_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
