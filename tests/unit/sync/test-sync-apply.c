/*
 * Applying a directory answer to user.cfg (spec 6.3): each case parses a
 * small user.cfg, builds a struct sync_data as the LDAP side would, runs
 * sync_apply() and compares the rewritten user.cfg, Proxmox's task log
 * lines and the diff byte for byte.  Also the guard (empty answers, mass
 * removal, dry run and override), exact realm matching, AD's disabled
 * flag and nested groups resolved on our side.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sync/sync.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* user.cfg's five blocks: users, groups, pools, roles, ACLs */
#define CFG(users, groups, acls) users "\n" groups "\n\n\n" acls
#define ROOT "user:root@pam:1:0::::::\n"

struct fx {
	struct ucfg *cfg;
	struct sync_data d;
	struct sync_opts o;
	struct sync_stats st;
	struct buf log, diff, out;
	struct err err;
	int rc;
};

static void
fx_init(struct fx *f, const char *text, const char *realm)
{
	memset(f, 0, sizeof(*f));
	f->cfg = ucfg_parse(text, strlen(text), "user.cfg", NULL);
	sync_data_init(&f->d);
	f->o.realm = realm;
	f->o.users = true;
	f->o.enable_new = true;
	f->o.rv_text = "none";
	f->o.max_remove_pct = 100;
}

/* remove-vanished as the API passes it: "none" or "acl;entry;..." */
static void
fx_rv(struct fx *f, const char *rv)
{
	f->o.rv_text = rv;
	f->o.rv_acl = strstr(rv, "acl") != NULL;
	f->o.rv_entry = strstr(rv, "entry") != NULL;
	f->o.rv_properties = strstr(rv, "properties") != NULL;
}

static void
fx_set(struct fx *f, struct sync_user *u, enum sync_field field,
    const char *v)
{
	sync_user_set(&f->d, u, field, v, strlen(v));
}

/* A directory user with an optional DN and email. */
static struct sync_user *
fx_user(struct fx *f, const char *id, const char *dn, const char *email)
{
	struct sync_user *u = sync_add_user(&f->d, id, dn);

	assert_non_null(u);
	if (email != NULL)
		fx_set(f, u, SF_EMAIL, email);
	return u;
}

/* A directory group with members given as user ids, NULL-terminated. */
static struct sync_group *
fx_group(struct fx *f, const char *id, const char *dn, ...)
{
	struct sync_group *g = sync_add_group(&f->d, id, dn);
	const char *m;
	va_list ap;

	assert_non_null(g);
	va_start(ap, dn);
	while ((m = va_arg(ap, const char *)) != NULL)
		sync_group_add_member(&f->d, g, m);
	va_end(ap);
	return g;
}

static void
fx_run(struct fx *f)
{
	sync_data_finish(&f->d);
	buf_reset(&f->log);
	buf_reset(&f->diff);
	f->rc = sync_apply(f->cfg, &f->d, &f->o, &f->log, &f->diff, &f->st,
	    &f->err);
	buf_reset(&f->out);
	ucfg_write(f->cfg, &f->out);
}

static void
fx_done(struct fx *f)
{
	sync_stats_clear(&f->st);
	ucfg_free(f->cfg);
	sync_data_clear(&f->d);
	buf_clear(&f->log);
	buf_clear(&f->diff);
	buf_clear(&f->out);
}

static void
expect(const struct fx *f, const char *cfg, const char *log,
    const char *diff)
{
	assert_int_equal(f->rc, 0);
	assert_string_equal(buf_str(&f->out), cfg);
	assert_string_equal(buf_str(&f->log), log);
	assert_string_equal(buf_str(&f->diff), diff);
}

/* --- users --- */

static void
test_new_user_enable_new(void **state)
{
	struct fx f;
	struct sync_user *u;

	(void)state;
	/* enable-new 0 wins over enable=1 from the directory */
	fx_init(&f, "", "corp");
	f.o.enable_new = false;
	u = fx_user(&f, "u1@corp", "uid=u1,ou=p,dc=corp", "u1@x.org");
	fx_set(&f, u, SF_ENABLE, "1");
	fx_set(&f, u, SF_FIRSTNAME, "First");
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u1@corp:0:0:First::u1@x.org:::\n", "", ""),
	    "syncing users (remove-vanished opts: none)\n"
	    "adding user 'u1@corp'\n",
	    "+ user u1@corp (disabled)\n");
	assert_int_equal(f.st.users_added, 1);
	fx_done(&f);

	/* enable-new 1 wins over enable=0 from the directory */
	fx_init(&f, "", "corp");
	u = fx_user(&f, "u2@corp", NULL, NULL);
	fx_set(&f, u, SF_ENABLE, "0");
	fx_set(&f, u, SF_COMMENT, "a:b%c");
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u2@corp:1:0::::a%3Ab%25c::\n", "", ""),
	    "syncing users (remove-vanished opts: none)\n"
	    "adding user 'u2@corp'\n",
	    "+ user u2@corp\n");
	fx_done(&f);
}

static void
test_update_keeps_local_fields(void **state)
{
	struct fx f;
	struct sync_user *u;

	(void)state;
	fx_init(&f, "user:u1@corp:1:1767225600:First:Last:u1@x.org:"
	    "local note:x:\n"
	    "user:u2@corp:0:0:Same::same@x.org:::\n", "corp");
	u = fx_user(&f, "u1@corp", NULL, "new@x.org");
	fx_set(&f, u, SF_FIRSTNAME, "First");
	u = fx_user(&f, "u2@corp", NULL, "same@x.org");
	fx_run(&f);
	expect(&f, CFG(ROOT
	    "user:u1@corp:1:1767225600:First:Last:new@x.org:local note:x:\n"
	    "user:u2@corp:0:0:Same::same@x.org:::\n", "", ""),
	    "syncing users (remove-vanished opts: none)\n"
	    "updating user 'u1@corp'\n"
	    "updating user 'u2@corp'\n",
	    "~ user u1@corp: email 'u1@x.org' -> 'new@x.org'\n");
	assert_int_equal(f.st.users_changed, 1);
	assert_int_equal(f.st.users_unchanged, 1);
	assert_int_equal(f.st.users_added, 0);
	fx_done(&f);

	/* without properties a synced enable overwrites the stored one */
	fx_init(&f, "user:u1@corp:1:0::::::\n", "corp");
	u = fx_user(&f, "u1@corp", NULL, NULL);
	fx_set(&f, u, SF_ENABLE, "0");
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u1@corp:0:0::::::\n", "", ""),
	    "syncing users (remove-vanished opts: none)\n"
	    "updating user 'u1@corp'\n",
	    "~ user u1@corp: enable '1' -> '0'\n");
	fx_done(&f);
}

static void
test_properties_replace_keep_enable_tokens(void **state)
{
	struct fx f;
	struct sync_user *u;

	(void)state;
	fx_init(&f, "user:u1@corp:0:1767225600:First:Last:u1@x.org:"
	    "local note:x:\n"
	    "token:u1@corp!t1:0:1:tok:\n"
	    "acl:1:/vms:u1@corp!t1:PVEVMUser:\n", "corp");
	fx_rv(&f, "properties");
	u = fx_user(&f, "u1@corp", NULL, "new@x.org");
	fx_set(&f, u, SF_LASTNAME, "Newlast");
	fx_set(&f, u, SF_ENABLE, "1");	/* ignored: enable is kept */
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u1@corp:0:0::Newlast:new@x.org:::\n"
	    "token:u1@corp!t1:0:1:tok:\n", "",
	    "acl:1:/vms:u1@corp!t1:PVEVMUser:\n"),
	    "syncing users (remove-vanished opts: properties)\n"
	    "overwriting user 'u1@corp'\n",
	    "~ user u1@corp: expire '1767225600' -> '0'\n"
	    "~ user u1@corp: firstname 'First' -> ''\n"
	    "~ user u1@corp: lastname 'Last' -> 'Newlast'\n"
	    "~ user u1@corp: email 'u1@x.org' -> 'new@x.org'\n"
	    "~ user u1@corp: comment 'local note' -> ''\n"
	    "~ user u1@corp: keys 'x' -> ''\n");
	assert_int_equal(f.st.users_changed, 1);
	fx_done(&f);
}

static void
test_entry_exact_realm(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "user:a@corp.net:1:0::::::\n"
	    "user:b@corp.net:1:0::::::\n"
	    "token:b@corp.net!tok:0:1::\n"
	    "user:c@corpXnet:1:0::::::\n"
	    "user:d@xcorp.net:1:0::::::\n"
	    "user:e@pve:1:0::::::\n"
	    "group:g1-corp.net:b@corp.net::\n"
	    "acl:1:/vms:b@corp.net:PVEVMUser:\n", "corp.net");
	fx_rv(&f, "entry");
	fx_user(&f, "a@corp.net", NULL, NULL);
	fx_run(&f);
	/*
	 * b goes with its token; its group membership and its ACL entries
	 * stay (acl not given).  c@corpXnet would match Proxmox's regex
	 * /\@corp.net$/ but is of another realm: untouched.
	 */
	expect(&f, CFG("user:a@corp.net:1:0::::::\n"
	    "user:c@corpXnet:1:0::::::\n"
	    "user:d@xcorp.net:1:0::::::\n"
	    "user:e@pve:1:0::::::\n" ROOT,
	    "group:g1-corp.net:b@corp.net::\n",
	    "acl:1:/vms:b@corp.net:PVEVMUser:\n"),
	    "syncing users (remove-vanished opts: entry)\n"
	    "deleting outdated existing users first\n"
	    "remove user 'b@corp.net'\n"
	    "updating user 'a@corp.net'\n",
	    "- user b@corp.net\n");
	assert_int_equal(f.st.users_removed, 1);
	assert_null(ucfg_user(f.cfg, "b@corp.net"));
	assert_null(ucfg_token(f.cfg, "b@corp.net!tok"));
	assert_true(sync_in_realm("a@corp.net", '@', "corp.net"));
	assert_false(sync_in_realm("c@corpXnet", '@', "corp.net"));
	assert_false(sync_in_realm("d@xcorp.net", '@', "corp.net"));
	assert_false(sync_in_realm("@corp.net", '@', "corp.net"));
	assert_false(sync_in_realm("corp.net", '@', "corp.net"));
	assert_true(sync_in_realm("g-corp.net", '-', "corp.net"));
	assert_false(sync_in_realm("g-corpXnet", '-', "corp.net"));
	fx_done(&f);
}

static void
test_acl_user_entries_only(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "user:a@corp:1:0::::::\n"
	    "user:b@corp:1:0::::::\n"
	    "token:b@corp!tok:0:1::\n"
	    "acl:1:/vms:b@corp,b@corp!tok:PVEVMUser:\n"
	    "acl:0:/storage:b@corp:PVEDatastoreUser:\n"
	    "acl:1:/:a@corp:PVEAuditor:\n", "corp");
	fx_rv(&f, "acl");
	fx_user(&f, "a@corp", NULL, NULL);
	fx_run(&f);
	/* b stays (no entry); its user ACLs go, its token's ACL stays */
	expect(&f, CFG("user:a@corp:1:0::::::\n"
	    "user:b@corp:1:0::::::\n"
	    "token:b@corp!tok:0:1::\n" ROOT, "",
	    "acl:1:/:a@corp:PVEAuditor:\n"
	    "acl:1:/vms:b@corp!tok:PVEVMUser:\n"),
	    "syncing users (remove-vanished opts: acl)\n"
	    "purge users 'b@corp' ACL entries\n"
	    "updating user 'a@corp'\n",
	    "- acl /storage b@corp PVEDatastoreUser (propagate 0)\n"
	    "- acl /vms b@corp PVEVMUser\n");
	assert_int_equal(f.st.acl_removed, 2);
	assert_int_equal(f.st.users_removed, 0);
	fx_done(&f);
}

static void
test_entry_and_acl(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "user:u1@corp:1:0:First:Last:u1@x.org:::\n"
	    "user:u2@corp:1:0::::::\n"
	    "user:u3@corp:1:0::::::\n"
	    "acl:1:/vms:u1@corp:PVEVMUser:\n"
	    "acl:1:/vms:u2@corp:PVEAdmin:\n", "corp");
	fx_rv(&f, "acl;entry");
	fx_user(&f, "u2@corp", NULL, NULL);
	fx_user(&f, "u3@corp", NULL, NULL);
	fx_user(&f, "u4@corp", NULL, NULL);
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u2@corp:1:0::::::\n"
	    "user:u3@corp:1:0::::::\n"
	    "user:u4@corp:1:0::::::\n", "",
	    "acl:1:/vms:u2@corp:PVEAdmin:\n"),
	    "syncing users (remove-vanished opts: acl;entry)\n"
	    "deleting outdated existing users first\n"
	    "remove user 'u1@corp'\n"
	    "purge users 'u1@corp' ACL entries\n"
	    "updating user 'u2@corp'\n"
	    "updating user 'u3@corp'\n"
	    "adding user 'u4@corp'\n",
	    "- user u1@corp\n"
	    "- acl /vms u1@corp PVEVMUser\n"
	    "+ user u4@corp\n");
	assert_int_equal(f.st.users_removed, 1);
	assert_int_equal(f.st.users_added, 1);
	assert_int_equal(f.st.users_unchanged, 2);
	assert_int_equal(f.st.acl_removed, 1);
	fx_done(&f);
}

static void
test_ad_disabled(void **state)
{
	struct fx f;
	struct sync_user *u;

	(void)state;
	fx_init(&f, "user:u1@corp:1:0::::::\n"
	    "user:u2@corp:0:0::::::\n", "corp");
	u = fx_user(&f, "u1@corp", NULL, NULL);
	u->disabled = true;
	u = fx_user(&f, "u2@corp", NULL, NULL);
	u->disabled = true;
	u = fx_user(&f, "u3@corp", NULL, NULL);
	fx_set(&f, u, SF_ENABLE, "1");
	u->disabled = true;
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u1@corp:0:0::::::\n"
	    "user:u2@corp:0:0::::::\n"
	    "user:u3@corp:0:0::::::\n", "", ""),
	    "syncing users (remove-vanished opts: none)\n"
	    "updating user 'u1@corp'\n"
	    "updating user 'u2@corp'\n"
	    "adding user 'u3@corp'\n",
	    "~ user u1@corp: disabled in the directory\n"
	    "+ user u3@corp (disabled)\n");
	assert_int_equal(f.st.users_changed, 1);
	assert_int_equal(f.st.users_unchanged, 1);
	fx_done(&f);

	/* properties keeps the stored enable, but a disabled account wins */
	fx_init(&f, "user:u1@corp:1:0::::::\n", "corp");
	fx_rv(&f, "properties");
	u = fx_user(&f, "u1@corp", NULL, NULL);
	u->disabled = true;
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u1@corp:0:0::::::\n", "", ""),
	    "syncing users (remove-vanished opts: properties)\n"
	    "overwriting user 'u1@corp'\n",
	    "~ user u1@corp: disabled in the directory\n");
	fx_done(&f);
}

/* A schema check as the API passes one in: no digits in first names. */
static const char *
validate(enum sync_field field, const char *v, struct buf *msg)
{
	(void)msg;
	if (field == SF_FIRSTNAME && strpbrk(v, "0123456789") != NULL)
		return "digits in a name";
	return NULL;
}

/* A directory answering with a million bad entries gets a bounded log. */
static void
test_warnings_are_bounded(void **state)
{
	struct sync_data d;
	char *huge = xmalloc(100000);
	const char *p;
	size_t i, lines = 0;

	(void)state;
	memset(huge, 'x', 99999);
	huge[99999] = '\0';
	sync_data_init(&d);
	for (i = 0; i < 5000; i++)
		sync_warn(&d, "skipping user '%s': bad", huge);
	for (p = buf_str(&d.warnings); *p != '\0'; p++)
		if (*p == '\n')
			lines++;
	assert_int_equal(lines, SYNC_MAX_WARNINGS + 1);
	assert_true(d.warnings.len < (SYNC_MAX_WARNINGS + 2) *
	    (SYNC_WARNING_MAX + 4));
	assert_non_null(strstr(buf_str(&d.warnings), "xxx...\n"));
	assert_non_null(strstr(buf_str(&d.warnings), "(more than 1000 "
	    "warnings: the rest are not shown)\n"));
	sync_data_clear(&d);
	free(huge);
}

static void
test_sync_data_building(void **state)
{
	struct fx f;
	struct sync_user *u;

	(void)state;
	fx_init(&f, "", "corp");
	f.d.validate = validate;
	assert_null(sync_add_user(&f.d, "no realm", "uid=x"));
	/* a directory name holding a list separator is never stored */
	assert_null(sync_add_user(&f.d, "x@corp,admin@corp", "uid=x2"));
	u = fx_user(&f, "u1@corp", "UID=U1,OU=People", NULL);
	assert_null(sync_add_user(&f.d, "u1@corp", "uid=dup"));
	fx_set(&f, u, SF_FIRSTNAME, "R2D2");
	sync_user_set(&f.d, u, SF_LASTNAME, "a\nb", 3);
	sync_user_set(&f.d, u, SF_COMMENT, "a\0b", 3);
	fx_set(&f, u, SF_EMAIL, "u1@x.org");
	assert_null(u->val[SF_FIRSTNAME]);
	assert_null(u->val[SF_LASTNAME]);
	assert_null(u->val[SF_COMMENT]);
	assert_string_equal(u->val[SF_EMAIL], "u1@x.org");
	assert_string_equal(buf_str(&f.d.warnings),
	    "skipping user 'no realm': value 'no realm' does not look like "
	    "a valid user name\n"
	    "skipping user 'x@corp,admin@corp': user name "
	    "'x@corp,admin@corp' may not contain ',' (a list separator in "
	    "user.cfg)\n"
	    "skipping duplicate user 'u1@corp' (uid=dup)\n"
	    "skipping attribute mapping firstname for user 'u1@corp': "
	    "digits in a name\n"
	    "skipping attribute mapping lastname for user 'u1@corp': "
	    "value contains a NUL or newline\n"
	    "skipping attribute mapping comment for user 'u1@corp': "
	    "value contains a NUL or newline\n");
	assert_int_equal(sync_field_find("email"), SF_EMAIL);
	assert_int_equal(sync_field_find("mail"), -1);
	assert_string_equal(sync_field_name(SF_KEYS), "keys");
	assert_string_equal(sync_field_name(SF_COUNT), "?");
	fx_done(&f);
}

/* --- groups --- */

static void
test_groups_update_and_vanished(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "user:u1@corp:1:0::::::\n"
	    "user:u2@corp:1:0::::::\n"
	    "user:u3@corp:1:0::::::\n"
	    "group:g1-corp:u1@corp:keep me:\n"
	    "group:same-corp:u1@corp,u2@corp:same:\n"
	    "group:old-corp:u1@corp::\n"
	    "group:local:u1@corp::\n"
	    "group:x-corpXnet:u1@corp::\n"
	    "acl:1:/vms:@old-corp:PVEVMUser:\n"
	    "acl:1:/:@local:PVEAuditor:\n", "corp");
	f.o.users = false;
	f.o.groups = true;
	fx_rv(&f, "acl;entry");
	fx_user(&f, "u1@corp", NULL, NULL);
	fx_user(&f, "u2@corp", NULL, NULL);
	fx_user(&f, "u3@corp", NULL, NULL);
	fx_group(&f, "g1-corp", "cn=g1,ou=g", "u3@corp", "u2@corp", NULL);
	fx_group(&f, "same-corp", "cn=same,ou=g", "u2@corp", "u1@corp",
	    NULL);
	fx_group(&f, "new-corp", "cn=new,ou=g", "u1@corp", NULL);
	fx_run(&f);
	/* g1: members replaced, comment kept; same: untouched */
	expect(&f, CFG(ROOT "user:u1@corp:1:0::::::\n"
	    "user:u2@corp:1:0::::::\n"
	    "user:u3@corp:1:0::::::\n",
	    "group:g1-corp:u2@corp,u3@corp:keep me:\n"
	    "group:local:u1@corp::\n"
	    "group:new-corp:u1@corp::\n"
	    "group:same-corp:u1@corp,u2@corp:same:\n"
	    "group:x-corpXnet:u1@corp::\n",
	    "acl:1:/:@local:PVEAuditor:\n"),
	    "syncing groups (remove-vanished opts: acl;entry)\n"
	    "deleting outdated existing groups first\n"
	    "remove group 'old-corp'\n"
	    "purge group 'old-corp' ACL entries\n"
	    "updating group 'g1-corp'\n"
	    "adding group 'new-corp'\n"
	    "updating group 'same-corp'\n",
	    "- group old-corp\n"
	    "- acl /vms @old-corp PVEVMUser\n"
	    "~ group g1-corp: - member u1@corp\n"
	    "~ group g1-corp: + member u2@corp\n"
	    "~ group g1-corp: + member u3@corp\n"
	    "+ group new-corp (1 members)\n");
	assert_int_equal(f.st.groups_removed, 1);
	assert_int_equal(f.st.groups_added, 1);
	assert_int_equal(f.st.groups_changed, 1);
	assert_int_equal(f.st.acl_removed, 1);
	fx_done(&f);
}

static void
test_groups_properties(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "user:u1@corp:1:0::::::\n"
	    "group:g1-corp:u1@corp:drop me:\n"
	    "group:old-corp:u1@corp:stays:\n", "corp");
	f.o.groups = true;
	fx_rv(&f, "properties");
	fx_user(&f, "u1@corp", NULL, NULL);
	fx_group(&f, "g1-corp", "cn=g1,ou=g", "u1@corp", NULL);
	fx_run(&f);
	/* old-corp vanished, but neither entry nor acl: kept */
	expect(&f, CFG(ROOT "user:u1@corp:1:0::::::\n",
	    "group:g1-corp:u1@corp::\n"
	    "group:old-corp:u1@corp:stays:\n", ""),
	    "syncing users (remove-vanished opts: properties)\n"
	    "overwriting user 'u1@corp'\n"
	    "syncing groups (remove-vanished opts: properties)\n"
	    "overwriting group 'g1-corp'\n",
	    "~ group g1-corp: comment 'drop me' -> ''\n");
	assert_int_equal(f.st.groups_changed, 1);
	fx_done(&f);
}

static void
test_groups_unchanged_no_diff(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "user:u1@corp:1:0::::::\n"
	    "group:g1-corp:u1@corp:c:\n", "corp");
	f.o.users = false;
	f.o.groups = true;
	fx_user(&f, "u1@corp", NULL, NULL);
	fx_group(&f, "g1-corp", "cn=g1,ou=g", "u1@corp", NULL);
	fx_run(&f);
	/*
	 * Regression: set_members() once compared the synced members with
	 * the member set's marker values instead of its keys, so every
	 * re-sync reported (and counted) every group as changed.
	 */
	expect(&f, CFG(ROOT "user:u1@corp:1:0::::::\n",
	    "group:g1-corp:u1@corp:c:\n", ""),
	    "syncing groups (remove-vanished opts: none)\n"
	    "updating group 'g1-corp'\n", "");
	assert_int_equal(f.st.groups_changed, 0);
	fx_done(&f);
}

/* --- the guard --- */

static const char four_users[] =
    "user:a@corp:1:0::::::\n"
    "user:b@corp:1:0::::::\n"
    "user:c@corp:1:0::::::\n"
    "user:d@corp:1:0::::::\n"
    "user:e@other:1:0::::::\n"
    "acl:1:/vms:b@corp:PVEVMUser:\n";

static void
test_guard_empty_answer(void **state)
{
	static const char empty_warn[] = "WARNING: the directory returned "
	    "no users for realm 'corp'";
	struct fx f;
	struct buf before = BUF_INIT;

	(void)state;
	fx_init(&f, four_users, "corp");
	fx_rv(&f, "acl;entry;properties");
	ucfg_write(f.cfg, &before);
	fx_run(&f);
	assert_int_equal(f.rc, -1);
	assert_int_equal(f.err.code, ERR_INVALID);
	assert_non_null(strstr(f.err.msg, "returned no users for realm "
	    "'corp'"));
	assert_string_equal(buf_str(&f.out), buf_str(&before));
	assert_string_equal(buf_str(&f.log), "");
	assert_string_equal(buf_str(&f.diff), "");
	fx_done(&f);

	/* also without any remove-vanished option */
	fx_init(&f, four_users, "corp");
	fx_run(&f);
	assert_int_equal(f.rc, -1);
	assert_int_equal(f.err.code, ERR_INVALID);
	assert_string_equal(buf_str(&f.out), buf_str(&before));
	fx_done(&f);

	/* override: a warning, then every user of the realm goes */
	fx_init(&f, four_users, "corp");
	fx_rv(&f, "entry");
	f.o.override_guard = true;
	fx_run(&f);
	assert_int_equal(f.rc, 0);
	assert_string_equal(buf_str(&f.out), CFG(
	    "user:e@other:1:0::::::\n" ROOT, "",
	    "acl:1:/vms:b@corp:PVEVMUser:\n"));
	assert_true(strncmp(buf_str(&f.log), empty_warn,
	    sizeof(empty_warn) - 1) == 0);
	assert_non_null(strstr(buf_str(&f.log), ")\n"
	    "syncing users (remove-vanished opts: entry)\n"
	    "deleting outdated existing users first\n"
	    "remove user 'a@corp'\n"
	    "remove user 'b@corp'\n"
	    "remove user 'c@corp'\n"
	    "remove user 'd@corp'\n"));
	assert_int_equal(f.st.users_removed, 4);
	fx_done(&f);
	buf_clear(&before);
}

static void
test_guard_mass_removal(void **state)
{
	static const char warn[] = "WARNING: the sync would remove 3 of the "
	    "4 users of realm 'corp', more than the 50% allowed "
	    "(sync-max-remove)";
	struct fx f;
	struct buf before = BUF_INIT;
	const char *log;

	(void)state;
	fx_init(&f, four_users, "corp");
	fx_rv(&f, "entry");
	f.o.max_remove_pct = 50;
	ucfg_write(f.cfg, &before);
	fx_user(&f, "a@corp", NULL, NULL);
	fx_run(&f);
	assert_int_equal(f.rc, -1);
	assert_int_equal(f.err.code, ERR_INVALID);
	assert_non_null(strstr(f.err.msg, "would remove 3 of the 4 users of "
	    "realm 'corp', more than the 50% allowed"));
	assert_string_equal(buf_str(&f.out), buf_str(&before));
	assert_string_equal(buf_str(&f.log), "");
	assert_string_equal(buf_str(&f.diff), "");
	fx_done(&f);

	/* exactly at the limit is allowed: 3 of 4 is 75% */
	fx_init(&f, four_users, "corp");
	fx_rv(&f, "entry");
	f.o.max_remove_pct = 75;
	fx_user(&f, "a@corp", NULL, NULL);
	fx_run(&f);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.st.users_removed, 3);
	fx_done(&f);

	/* without entry nothing is removed, so nothing to guard */
	fx_init(&f, four_users, "corp");
	fx_rv(&f, "acl");
	f.o.max_remove_pct = 0;
	fx_user(&f, "a@corp", NULL, NULL);
	fx_run(&f);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.st.acl_removed, 1);
	fx_done(&f);

	/* dry run and override: a warning line, then the sync goes on */
	for (int mode = 0; mode < 2; mode++) {
		fx_init(&f, four_users, "corp");
		fx_rv(&f, "entry");
		f.o.max_remove_pct = 50;
		if (mode == 0)
			f.o.dry_run = true;
		else
			f.o.override_guard = true;
		fx_user(&f, "a@corp", NULL, NULL);
		fx_run(&f);
		assert_int_equal(f.rc, 0);
		log = buf_str(&f.log);
		assert_true(strncmp(log, warn, sizeof(warn) - 1) == 0);
		log = strchr(log, '\n');
		assert_non_null(log);
		assert_string_equal(log + 1,
		    "syncing users (remove-vanished opts: entry)\n"
		    "deleting outdated existing users first\n"
		    "remove user 'b@corp'\n"
		    "remove user 'c@corp'\n"
		    "remove user 'd@corp'\n"
		    "updating user 'a@corp'\n");
		assert_string_equal(buf_str(&f.diff), "- user b@corp\n"
		    "- user c@corp\n- user d@corp\n");
		assert_string_equal(buf_str(&f.out), CFG(
		    "user:a@corp:1:0::::::\nuser:e@other:1:0::::::\n" ROOT,
		    "", "acl:1:/vms:b@corp:PVEVMUser:\n"));
		fx_done(&f);
	}
	buf_clear(&before);
}

static void
test_guard_groups(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "user:a@corp:1:0::::::\n"
	    "group:g1-corp:a@corp::\n", "corp");
	f.o.groups = true;
	fx_rv(&f, "entry");
	fx_user(&f, "a@corp", NULL, NULL);
	fx_run(&f);
	assert_int_equal(f.rc, -1);
	assert_int_equal(f.err.code, ERR_INVALID);
	assert_non_null(strstr(f.err.msg, "returned no groups for realm "
	    "'corp' but 1 synced groups exist"));
	assert_string_equal(buf_str(&f.out), CFG("user:a@corp:1:0::::::\n"
	    ROOT, "group:g1-corp:a@corp::\n", ""));
	fx_done(&f);
}

/* --- nested groups --- */

static void
test_nested_cycle_and_chain(void **state)
{
	struct fx f;
	struct sync_group *a, *b, *c1, *c2, *c3, *lone;

	(void)state;
	fx_init(&f, "", "corp");
	f.o.groups = true;
	fx_user(&f, "u1@corp", "uid=u1,ou=p,dc=corp", NULL);
	fx_user(&f, "u2@corp", "uid=u2,ou=p,dc=corp", NULL);
	fx_user(&f, "u3@corp", "uid=u3,ou=p,dc=corp", NULL);
	fx_user(&f, "u4@corp", "uid=u4,ou=p,dc=corp", NULL);
	a = sync_add_group(&f.d, "a-corp", "CN=a,OU=g,DC=corp");
	b = sync_add_group(&f.d, "b-corp", "cn=b,ou=g,dc=corp");
	c1 = sync_add_group(&f.d, "c1-corp", "cn=c1,ou=g,dc=corp");
	c2 = sync_add_group(&f.d, "c2-corp", "cn=c2,ou=g,dc=corp");
	c3 = sync_add_group(&f.d, "c3-corp", "cn=c3,ou=g,dc=corp");
	lone = sync_add_group(&f.d, "lone-corp", "cn=lone,ou=g,dc=corp");
	assert_null(sync_add_group(&f.d, "a-corp", "cn=other,ou=g"));
#define MDN(g, s) sync_group_member_dn(&f.d, g, s, strlen(s))
	/* a <-> b, DNs in any case */
	MDN(a, "UID=U1,OU=P,DC=CORP");
	MDN(a, "cn=b,ou=g,dc=corp");
	MDN(b, "uid=u2,ou=p,dc=corp");
	MDN(b, "cn=A,ou=G,dc=corp");
	/* c1 > c2 > c3, and c1 also holds c3 directly */
	MDN(c1, "uid=u1,ou=p,dc=corp");
	MDN(c1, "cn=c2,ou=g,dc=corp");
	MDN(c2, "uid=u2,ou=p,dc=corp");
	MDN(c2, "cn=c3,ou=g,dc=corp");
	MDN(c3, "uid=u3,ou=p,dc=corp");
	MDN(c3, "uid=u3,ou=p,dc=corp");
	MDN(c1, "cn=c3,ou=g,dc=corp");
	/* unknown DNs (not fetched) are ignored */
	MDN(lone, "uid=u4,ou=p,dc=corp");
	MDN(lone, "cn=elsewhere,ou=x");
	MDN(lone, "cn=lone,ou=g,dc=corp");	/* itself */
#undef MDN
	assert_int_equal(a->nmembers, 1);
	assert_int_equal(a->nsub, 1);
	assert_string_equal(a->subgroups[0], "cn=b,ou=g,dc=corp");
	sync_resolve_nested(&f.d);
	assert_int_equal(a->nmembers, 2);
	assert_int_equal(b->nmembers, 2);
	assert_int_equal(c1->nmembers, 3);
	assert_string_equal(c1->members[0], "u1@corp");
	assert_string_equal(c1->members[1], "u2@corp");
	assert_string_equal(c1->members[2], "u3@corp");
	assert_int_equal(c2->nmembers, 2);
	assert_int_equal(c3->nmembers, 1);
	assert_int_equal(lone->nmembers, 1);
	fx_run(&f);
	expect(&f, CFG(ROOT "user:u1@corp:1:0::::::\n"
	    "user:u2@corp:1:0::::::\n"
	    "user:u3@corp:1:0::::::\n"
	    "user:u4@corp:1:0::::::\n",
	    "group:a-corp:u1@corp,u2@corp::\n"
	    "group:b-corp:u1@corp,u2@corp::\n"
	    "group:c1-corp:u1@corp,u2@corp,u3@corp::\n"
	    "group:c2-corp:u2@corp,u3@corp::\n"
	    "group:c3-corp:u3@corp::\n"
	    "group:lone-corp:u4@corp::\n", ""),
	    "syncing users (remove-vanished opts: none)\n"
	    "adding user 'u1@corp'\n"
	    "adding user 'u2@corp'\n"
	    "adding user 'u3@corp'\n"
	    "adding user 'u4@corp'\n"
	    "syncing groups (remove-vanished opts: none)\n"
	    "adding group 'a-corp'\n"
	    "adding group 'b-corp'\n"
	    "adding group 'c1-corp'\n"
	    "adding group 'c2-corp'\n"
	    "adding group 'c3-corp'\n"
	    "adding group 'lone-corp'\n",
	    "+ user u1@corp\n+ user u2@corp\n+ user u3@corp\n"
	    "+ user u4@corp\n"
	    "+ group a-corp (2 members)\n"
	    "+ group b-corp (2 members)\n"
	    "+ group c1-corp (3 members)\n"
	    "+ group c2-corp (2 members)\n"
	    "+ group c3-corp (1 members)\n"
	    "+ group lone-corp (1 members)\n");
	/* the membership index is rebuilt */
	assert_non_null(ucfg_member_of(f.cfg, "u3@corp"));
	fx_done(&f);
}

static void
test_nested_long_dn(void **state)
{
	struct fx f;
	struct sync_group *g, *h;
	char dn[1200];

	(void)state;
	/* a DN longer than sync_group_member_dn's stack buffer */
	memset(dn, 'x', sizeof(dn) - 1);
	memcpy(dn, "cn=", 3);
	dn[sizeof(dn) - 1] = '\0';
	fx_init(&f, "", "corp");
	f.o.groups = true;
	fx_user(&f, "u1@corp", "uid=u1", NULL);
	g = sync_add_group(&f.d, "g-corp", "cn=g");
	h = sync_add_group(&f.d, "h-corp", dn);
	dn[3] = 'X';
	sync_group_member_dn(&f.d, g, dn, strlen(dn));
	sync_group_member_dn(&f.d, h, "UID=u1", 6);
	sync_resolve_nested(&f.d);
	assert_int_equal(g->nmembers, 1);
	assert_string_equal(g->members[0], "u1@corp");
	fx_done(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_user_enable_new),
		cmocka_unit_test(test_update_keeps_local_fields),
		cmocka_unit_test(test_properties_replace_keep_enable_tokens),
		cmocka_unit_test(test_entry_exact_realm),
		cmocka_unit_test(test_acl_user_entries_only),
		cmocka_unit_test(test_entry_and_acl),
		cmocka_unit_test(test_ad_disabled),
		cmocka_unit_test(test_sync_data_building),
		cmocka_unit_test(test_groups_update_and_vanished),
		cmocka_unit_test(test_groups_properties),
		cmocka_unit_test(test_groups_unchanged_no_diff),
		cmocka_unit_test(test_guard_empty_answer),
		cmocka_unit_test(test_guard_mass_removal),
		cmocka_unit_test(test_guard_groups),
		cmocka_unit_test(test_nested_cycle_and_chain),
		cmocka_unit_test(test_nested_long_dn),
		cmocka_unit_test(test_warnings_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
