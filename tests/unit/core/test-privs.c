/*
 * The 47 privileges and the 17 built-in roles with their exact privilege
 * sets, written out from the table in spec 2.2 (the code generates them
 * from category lists; this test pins the result).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "privs.h"

static const char *const expected[][2] = {
	{"Administrator", "*"},
	{"NoAccess", ""},
	{"PVEAdmin", "Datastore.Allocate,Datastore.AllocateSpace,"
	    "Datastore.AllocateTemplate,Datastore.Audit,Group.Allocate,"
	    "Mapping.Audit,Mapping.Use,Pool.Allocate,Pool.Audit,"
	    "Realm.AllocateUser,SDN.Allocate,SDN.Audit,SDN.Use,Sys.Audit,"
	    "Sys.Console,Sys.Syslog,User.Modify,VM.Allocate,VM.Audit,VM.Backup,"
	    "VM.Clone,VM.Config.CDROM,VM.Config.CPU,VM.Config.Cloudinit,"
	    "VM.Config.Disk,VM.Config.HWType,VM.Config.Memory,"
	    "VM.Config.Network,VM.Config.Options,VM.Console,"
	    "VM.GuestAgent.Audit,VM.GuestAgent.FileRead,"
	    "VM.GuestAgent.FileSystemMgmt,VM.GuestAgent.FileWrite,"
	    "VM.GuestAgent.Unrestricted,VM.Migrate,VM.PowerMgmt,VM.Replicate,"
	    "VM.Snapshot,VM.Snapshot.Rollback"},
	{"PVEAuditor", "Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,"
	    "Sys.Audit,VM.Audit,VM.GuestAgent.Audit"},
	{"PVEDatastoreAdmin", "Datastore.Allocate,Datastore.AllocateSpace,"
	    "Datastore.AllocateTemplate,Datastore.Audit"},
	{"PVEDatastoreUser", "Datastore.AllocateSpace,Datastore.Audit"},
	{"PVEMappingAdmin", "Mapping.Audit,Mapping.Modify,Mapping.Use"},
	{"PVEMappingUser", "Mapping.Audit,Mapping.Use"},
	{"PVEPoolAdmin", "Pool.Allocate,Pool.Audit"},
	{"PVEPoolUser", "Pool.Audit"},
	{"PVESDNAdmin", "SDN.Allocate,SDN.Audit,SDN.Use"},
	{"PVESDNUser", "SDN.Audit,SDN.Use"},
	{"PVESysAdmin", "Sys.Audit,Sys.Console,Sys.Syslog"},
	{"PVETemplateUser", "VM.Audit,VM.Clone"},
	{"PVEUserAdmin", "Group.Allocate,Realm.AllocateUser,User.Modify"},
	{"PVEVMAdmin", "VM.Allocate,VM.Audit,VM.Backup,VM.Clone,"
	    "VM.Config.CDROM,VM.Config.CPU,VM.Config.Cloudinit,VM.Config.Disk,"
	    "VM.Config.HWType,VM.Config.Memory,VM.Config.Network,"
	    "VM.Config.Options,VM.Console,VM.GuestAgent.Audit,"
	    "VM.GuestAgent.FileRead,VM.GuestAgent.FileSystemMgmt,"
	    "VM.GuestAgent.FileWrite,VM.GuestAgent.Unrestricted,VM.Migrate,"
	    "VM.PowerMgmt,VM.Replicate,VM.Snapshot,VM.Snapshot.Rollback"},
	{"PVEVMUser", "VM.Audit,VM.Backup,VM.Config.CDROM,VM.Config.Cloudinit,"
	    "VM.Console,VM.GuestAgent.Audit,VM.GuestAgent.FileRead,"
	    "VM.GuestAgent.FileSystemMgmt,VM.GuestAgent.FileWrite,"
	    "VM.PowerMgmt"},
};

static void
join(privset_t set, struct buf *out)
{
	unsigned i;

	buf_reset(out);
	for (i = 0; i < PRIV_COUNT; i++) {
		if (set & (UINT64_C(1) << i)) {
			if (out->len)
				buf_putc(out, ',');
			buf_puts(out, priv_name(i));
		}
	}
}

static void
test_priv_names(void **state)
{
	unsigned i;

	(void)state;
	for (i = 1; i < PRIV_COUNT; i++)
		assert_true(strcmp(priv_name(i - 1), priv_name(i)) < 0);
	assert_null(priv_name(PRIV_COUNT));
	assert_int_equal(priv_index("VM.Audit", 8), 25);
	assert_int_equal(priv_index("VM.Aud", 6), -1);
	assert_int_equal(priv_index("VM.Bogus", 8), -1);
	assert_int_equal(priv_index("Permissions.Modify", 18), 8);
}

static void
test_builtin_roles(void **state)
{
	struct buf b = BUF_INIT;
	const struct builtin_role *r;
	size_t n, i;

	(void)state;
	r = privs_builtin_roles(&n);
	assert_int_equal(n, 17);
	assert_int_equal(n, sizeof(expected) / sizeof(expected[0]));
	for (i = 0; i < n; i++) {
		assert_string_equal(r[i].name, expected[i][0]);
		if (strcmp(expected[i][1], "*") == 0) {
			assert_true(r[i].privs == PRIV_ALL);
			continue;
		}
		join(r[i].privs, &b);
		assert_string_equal(buf_str(&b), expected[i][1]);
	}
	assert_non_null(privs_builtin_find("PVEVMUser"));
	assert_null(privs_builtin_find("PVESysUser"));
	assert_null(privs_builtin_find("PVEUserUser"));
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priv_names),
		cmocka_unit_test(test_builtin_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
