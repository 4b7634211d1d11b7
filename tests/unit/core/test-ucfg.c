/*
 * The user.cfg model's mutations, as the API handlers use them: ACL
 * entries set, replaced, removed and purged, group membership and its
 * index, pool VM exclusivity, and that a changed model writes back in
 * canonical form; user ids holding a list separator (issue 9), which must
 * never read back as two ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ucfg.h"

static const char *
write_cfg(const struct ucfg *cfg, struct buf *b)
{
	buf_reset(b);
	ucfg_write(cfg, b);
	return buf_str(b);
}

static void
test_acl_set_unset(void **state)
{
	struct ucfg *cfg = ucfg_new();
	struct buf b = BUF_INIT;
	struct acl_node *n;
	const struct acl_entry *e;

	(void)state;
	n = ucfg_acl_node(cfg, "/vms/100");
	assert_string_equal(n->path, "/vms/100");
	assert_ptr_equal(ucfg_acl_find(cfg, "/vms/100"), n);
	assert_null(ucfg_acl_find(cfg, "/vms/101"));
	ucfg_acl_set(cfg, n, ACL_USER, "a@pve", "PVEAuditor", true);
	ucfg_acl_set(cfg, n, ACL_USER, "a@pve", "PVEAuditor", false);
	assert_int_equal(n->entry_count, 1);
	assert_int_equal(acl_node_entries(n, ACL_USER,
	    strpool_find(&cfg->pool, "a@pve"), &e), 1);
	assert_int_equal(e->propagate, 0);
	ucfg_acl_set(cfg, n, ACL_GROUP, "g", "NoAccess", true);
	assert_string_equal(write_cfg(cfg, &b), "user:root@pam:1:0::::::\n"
	    "\n\n\n\nacl:0:/vms/100:a@pve:PVEAuditor:\n"
	    "acl:1:/vms/100:@g:NoAccess:\n");
	ucfg_acl_unset(cfg, n, ACL_USER, "a@pve", "PVEAuditor");
	ucfg_acl_unset(cfg, n, ACL_USER, "never@pve", "PVEAuditor");
	assert_int_equal(n->entry_count, 1);
	ucfg_acl_set(cfg, ucfg_acl_node(cfg, "/"), ACL_GROUP, "g", "X", true);
	ucfg_acl_purge_subject(cfg, NULL, ACL_GROUP, "g");
	assert_int_equal(n->entry_count, 0);
	assert_int_equal(cfg->acl_root->entry_count, 0);
	buf_clear(&b);
	ucfg_free(cfg);
}

static void
test_acl_purge_role(void **state)
{
	struct ucfg *cfg = ucfg_new();
	struct acl_node *n = ucfg_acl_node(cfg, "/storage");

	(void)state;
	ucfg_acl_set(cfg, n, ACL_USER, "a@pve", "Mine", true);
	ucfg_acl_set(cfg, n, ACL_USER, "a@pve", "PVEAuditor", true);
	ucfg_acl_set(cfg, n, ACL_USER, "b@pve", "Mine", true);
	ucfg_acl_purge_role(cfg, "Mine");
	assert_int_equal(n->entry_count, 1);
	assert_string_equal(n->entries[0].role, "PVEAuditor");
	ucfg_free(cfg);
}

static void
test_children_sorted(void **state)
{
	struct ucfg *cfg = ucfg_new();
	const char *names[] = {"vms", "access", "storage", "nodes", "pool"};
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/%s", names[i]);
		ucfg_acl_node(cfg, path);
	}
	assert_int_equal(cfg->acl_root->child_count, 5);
	for (i = 1; i < 5; i++)
		assert_true(strcmp(cfg->acl_root->children[i - 1]->name,
		    cfg->acl_root->children[i]->name) < 0);
	ucfg_free(cfg);
}

static void
test_groups_index(void **state)
{
	struct ucfg *cfg = ucfg_new();
	struct ucfg_group *a = ucfg_group_add(cfg, "a");
	struct ucfg_group *z = ucfg_group_add(cfg, "z");
	struct ucfg_group *const *m;

	(void)state;
	ucfg_group_add_member(cfg, z, "u@pve");
	ucfg_group_add_member(cfg, a, "u@pve");
	assert_false(cfg->index_valid);
	ucfg_reindex(cfg);
	m = ucfg_member_of(cfg, "u@pve");
	assert_non_null(m);
	assert_ptr_equal(m[0], a);	/* sorted by group id */
	assert_ptr_equal(m[1], z);
	assert_null(m[2]);
	ucfg_user_leave_groups(cfg, "u@pve");
	ucfg_reindex(cfg);
	assert_null(ucfg_member_of(cfg, "u@pve"));
	ucfg_free(cfg);
}

static void
test_pools(void **state)
{
	struct ucfg *cfg = ucfg_new();
	struct ucfg_pool *c = ucfg_pool_add(cfg, "a/b/c");
	struct ucfg_pool *other = ucfg_pool_add(cfg, "x");

	(void)state;
	assert_non_null(ucfg_pool(cfg, "a"));
	assert_ptr_equal(c->parent, ucfg_pool(cfg, "a/b"));
	assert_ptr_equal(c->parent->parent, ucfg_pool(cfg, "a"));
	assert_true(ucfg_pool_add_vm(cfg, c, "100"));
	assert_true(ucfg_pool_add_vm(cfg, c, "100"));
	assert_false(ucfg_pool_add_vm(cfg, other, "100"));
	ucfg_pool_del_vm(cfg, c, "100");
	assert_true(ucfg_pool_add_vm(cfg, other, "100"));
	ucfg_pool_del(cfg, "x");
	assert_null(hmap_get(&cfg->vm_pool, "100"));
	ucfg_free(cfg);
}

static void
test_token_lookup(void **state)
{
	struct ucfg *cfg = ucfg_new();
	struct ucfg_user *u = ucfg_user_add(cfg, "a@pve");
	struct ucfg_token *t = ucfg_token_add(cfg, u, "ci");

	(void)state;
	assert_string_equal(t->id, "a@pve!ci");
	assert_ptr_equal(ucfg_token(cfg, "a@pve!ci"), t);
	assert_null(ucfg_token(cfg, "a@pve!cd"));
	assert_null(ucfg_token(cfg, "b@pve!ci"));
	assert_null(ucfg_token(cfg, "garbage"));
	ucfg_free(cfg);
}

static bool
is_member(const struct ucfg *cfg, const char *group, const char *user)
{
	struct ucfg_group *g = ucfg_group(cfg, group);
	size_t it = 0;
	const char *k;

	while (g != NULL && hmap_next(&g->members, &it, &k, NULL))
		if (strcmp(k, user) == 0)
			return true;
	return false;
}

static size_t
acl_entries(const struct ucfg *cfg, const char *path)
{
	const struct acl_node *n = ucfg_acl_find(cfg, path);

	return n != NULL ? n->entry_count : 0;
}

static bool
has_warning(const struct diag *d, const char *text, bool dropped)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		if (strstr(d->items[i].msg, text) != NULL &&
		    d->items[i].dropped == dropped)
			return true;
	return false;
}

/*
 * 'x@pve,admin@pve' is a valid Proxmox user: its group and ACL lists must
 * not give admin@pve (or x@pve) anything, wherever the user line is.
 */
static void
test_split_ids_never_read_as_two(void **state)
{
	static const char text[] =
	    "group:g:x@pve,admin@pve::\n"	/* before the user line */
	    "group:h:admin@pve,x@pve,admin@pve::\n"
	    "group:k:a@pve;b@pve,c@pve::\n"
	    "user:admin@pve:1:0::::::\n"
	    "user: x@pve,admin@pve :1:0::::::\n"
	    "token:x@pve,admin@pve!t1:0:0::\n"
	    "user:a@pve;b@pve:1:0::::::\n"
	    "user:b@pve,c@pve:1:0::::::\n"
	    "acl:1:/:x@pve,admin@pve:Administrator:\n"
	    "acl:1:/vms:x@pve,admin@pve!t1:PVEVMAdmin:\n"
	    "acl:1:/pool/p:x@pve,admin@pvex:PVEAuditor:\n";
	struct diag d;
	struct ucfg *cfg;
	struct buf b = BUF_INIT;
	const char *out;

	(void)state;
	diag_init(&d);
	cfg = ucfg_parse(text, sizeof(text) - 1, "user.cfg", &d);
	/* the users exist (Proxmox allows them) but are warned about */
	assert_non_null(ucfg_user(cfg, "x@pve,admin@pve"));
	assert_true(has_warning(&d, "user 'x@pve,admin@pve' contains a list "
	    "separator", false));
	assert_false(is_member(cfg, "g", "admin@pve"));
	assert_false(is_member(cfg, "g", "x@pve"));
	assert_int_equal(ucfg_group(cfg, "g")->members.count, 0);
	/* a real member next to the split id stays */
	assert_true(is_member(cfg, "h", "admin@pve"));
	assert_false(is_member(cfg, "h", "x@pve"));
	/* overlapping split ids hide nothing: a, b and c all go */
	assert_int_equal(ucfg_group(cfg, "k")->members.count, 0);
	assert_ptr_equal(ucfg_member_of(cfg, "admin@pve")[0],
	    ucfg_group(cfg, "h"));
	assert_null(ucfg_member_of(cfg, "admin@pve")[1]);
	assert_int_equal(acl_entries(cfg, "/"), 0);
	assert_int_equal(acl_entries(cfg, "/vms"), 0);
	/* not that id: 'admin@pvex' is another (unknown) user */
	assert_int_equal(acl_entries(cfg, "/pool/p"), 2);
	assert_true(has_warning(&d, "ignore acl member 'x@pve,admin@pve!t1'",
	    false));
	/* written back without them */
	out = write_cfg(cfg, &b);
	assert_non_null(strstr(out, "group:g:::\n"));
	assert_non_null(strstr(out, "group:h:admin@pve::\n"));
	assert_null(strstr(out, "acl:1:/:"));
	assert_null(strstr(out, "acl:1:/vms:"));
	ucfg_free(cfg);
	diag_clear(&d);
	buf_clear(&b);
}

/* The writer's last guard: a list item with a separator is left out. */
static void
test_writer_never_writes_a_split_id(void **state)
{
	struct ucfg *cfg = ucfg_new();
	struct ucfg_group *g = ucfg_group_add(cfg, "g");
	struct ucfg_pool *p = ucfg_pool_add(cfg, "p");
	struct buf b = BUF_INIT;
	const char *out;

	(void)state;
	ucfg_user_add(cfg, "x@pve,admin@pve");
	ucfg_group_add_member(cfg, g, "x@pve,admin@pve");
	ucfg_group_add_member(cfg, g, "ok@pve");
	ucfg_pool_add_storage(cfg, p, "a:b");
	ucfg_pool_add_storage(cfg, p, "local");
	ucfg_acl_set(cfg, ucfg_acl_node(cfg, "/"), ACL_USER, "y@pve;admin@pve",
	    "Administrator", true);
	ucfg_acl_set(cfg, ucfg_acl_node(cfg, "/"), ACL_USER, "@admins",
	    "Administrator", true);
	out = write_cfg(cfg, &b);
	assert_non_null(strstr(out, "group:g:ok@pve::\n"));
	assert_non_null(strstr(out, "pool:p:::local:\n"));
	assert_null(strstr(out, "acl:"));
	ucfg_free(cfg);
	buf_clear(&b);
}

/* A stale index is rebuilt by the lookup (it used to abort the daemon). */
static void
test_stale_index_lookups(void **state)
{
	struct ucfg *cfg = ucfg_new();
	struct ucfg_pool *p = ucfg_pool_add(cfg, "p");
	struct ucfg_group *g = ucfg_group_add(cfg, "g");
	struct ucfg_pool *const *pools;

	(void)state;
	ucfg_pool_add_storage(cfg, p, "st1");
	assert_false(cfg->index_valid);
	pools = ucfg_storage_pools(cfg, "st1");
	assert_non_null(pools);
	assert_ptr_equal(pools[0], p);
	ucfg_pool_add_storage(cfg, p, "st2");
	ucfg_group_add_member(cfg, g, "u@pve");
	assert_non_null(ucfg_storage_pools(cfg, "st2"));
	assert_true(cfg->index_valid);
	ucfg_group_del_member(cfg, g, "u@pve");
	assert_null(ucfg_member_of(cfg, "u@pve"));
	ucfg_group_add_member(cfg, g, "u@pve");
	assert_ptr_equal(ucfg_member_of_i(cfg, ucfg_str(cfg, "u@pve"))[0], g);
	ucfg_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_set_unset),
		cmocka_unit_test(test_acl_purge_role),
		cmocka_unit_test(test_children_sorted),
		cmocka_unit_test(test_groups_index),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_token_lookup),
		cmocka_unit_test(test_split_ids_never_read_as_two),
		cmocka_unit_test(test_writer_never_writes_a_split_id),
		cmocka_unit_test(test_stale_index_lookups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
