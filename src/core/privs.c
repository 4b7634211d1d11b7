/*
 * Privilege names and built-in roles.  The roles are generated from the
 * per-category admin/user/audit lists the way Proxmox defines them, rather
 * than spelled out, so that the tables cannot drift apart.
 */
#include "privs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* byte-sorted; the index is the bit position */
static const char *const priv_names[PRIV_COUNT] = {
	"Datastore.Allocate", "Datastore.AllocateSpace",
	"Datastore.AllocateTemplate", "Datastore.Audit", "Group.Allocate",
	"Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify",
	"Pool.Allocate", "Pool.Audit", "Realm.Allocate", "Realm.AllocateUser",
	"SDN.Allocate", "SDN.Audit", "SDN.Use", "Sys.AccessNetwork",
	"Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify",
	"Sys.PowerMgmt", "Sys.Syslog", "User.Modify", "VM.Allocate",
	"VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM",
	"VM.Config.CPU", "VM.Config.Cloudinit", "VM.Config.Disk",
	"VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network",
	"VM.Config.Options", "VM.Console", "VM.GuestAgent.Audit",
	"VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt",
	"VM.GuestAgent.FileWrite", "VM.GuestAgent.Unrestricted", "VM.Migrate",
	"VM.PowerMgmt", "VM.Replicate", "VM.Snapshot", "VM.Snapshot.Rollback",
};

const char *
priv_name(unsigned i)
{
	return i < PRIV_COUNT ? priv_names[i] : NULL;
}

int
priv_index(const char *p, size_t len)
{
	int lo = 0, hi = PRIV_COUNT - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const char *n = priv_names[mid];
		int c = strncmp(n, p, len);

		if (c == 0 && n[len] != '\0')
			c = 1;
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* One privilege category as Proxmox groups them. */
struct category {
	const char *role_stem;	/* PVE<stem>Admin / PVE<stem>User */
	const char *root;	/* only in Administrator */
	const char *admin;
	const char *user;
	const char *audit;
};

static const struct category categories[] = {
	{"VM", "",
	    "VM.Config.Disk VM.Config.CPU VM.Config.Memory VM.Config.Network "
	    "VM.Config.HWType VM.Config.Options VM.Allocate VM.Clone "
	    "VM.GuestAgent.Unrestricted VM.Migrate VM.Replicate VM.Snapshot "
	    "VM.Snapshot.Rollback",
	    "VM.Config.CDROM VM.Config.Cloudinit VM.Console VM.Backup "
	    "VM.GuestAgent.FileRead VM.GuestAgent.FileSystemMgmt "
	    "VM.GuestAgent.FileWrite VM.PowerMgmt",
	    "VM.Audit VM.GuestAgent.Audit"},
	{"Sys", "Sys.PowerMgmt Sys.Modify Sys.Incoming Sys.AccessNetwork",
	    "Sys.Console Sys.Syslog", "", "Sys.Audit"},
	{"Datastore", "", "Datastore.Allocate Datastore.AllocateTemplate",
	    "Datastore.AllocateSpace", "Datastore.Audit"},
	{"SDN", "", "SDN.Allocate SDN.Audit", "SDN.Use", "SDN.Audit"},
	{"User", "Realm.Allocate", "User.Modify Group.Allocate "
	    "Realm.AllocateUser", "", ""},
	{"Pool", "", "Pool.Allocate", "Pool.Audit", "Pool.Audit"},
	{"Mapping", "", "Mapping.Modify", "Mapping.Use", "Mapping.Audit"},
};

static privset_t
parse_list(const char *s)
{
	privset_t set = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, " ");
		int i = priv_index(s, n);

		if (i >= 0)
			set |= UINT64_C(1) << i;
		s += n;
		while (*s == ' ')
			s++;
	}
	return set;
}

#define BUILTIN_MAX 24
static struct builtin_role builtins[BUILTIN_MAX];
static char builtin_names[BUILTIN_MAX][32];
static size_t builtin_count;

static void
add_role(const char *a, const char *b, const char *c, privset_t privs)
{
	char *name = builtin_names[builtin_count];

	snprintf(name, sizeof(builtin_names[0]), "%s%s%s", a, b, c);
	builtins[builtin_count].name = name;
	builtins[builtin_count].privs = privs;
	builtin_count++;
}

static int
role_cmp(const void *a, const void *b)
{
	return strcmp(((const struct builtin_role *)a)->name,
	    ((const struct builtin_role *)b)->name);
}

static void
build_roles(void)
{
	privset_t pveadmin = 0, auditor = 0;
	size_t i;

	for (i = 0; i < sizeof(categories) / sizeof(categories[0]); i++) {
		const struct category *c = &categories[i];
		privset_t admin = parse_list(c->admin);
		privset_t user = parse_list(c->user);
		privset_t audit = parse_list(c->audit);

		add_role("PVE", c->role_stem, "Admin", admin | user | audit);
		if (user != 0)
			add_role("PVE", c->role_stem, "User", user | audit);
		pveadmin |= admin | user | audit;
		auditor |= audit;
	}
	pveadmin &= ~parse_list("Mapping.Modify");
	add_role("PVEAdmin", "", "", pveadmin);
	add_role("PVEAuditor", "", "", auditor);
	add_role("PVETemplateUser", "", "", parse_list("VM.Audit VM.Clone"));
	add_role("NoAccess", "", "", 0);
	add_role("Administrator", "", "", PRIV_ALL);
	qsort(builtins, builtin_count, sizeof(builtins[0]), role_cmp);
}

const struct builtin_role *
privs_builtin_roles(size_t *count_r)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, build_roles);
	*count_r = builtin_count;
	return builtins;
}

const struct builtin_role *
privs_builtin_find(const char *name)
{
	struct builtin_role key = {name, 0};
	size_t n;
	const struct builtin_role *r = privs_builtin_roles(&n);

	return bsearch(&key, r, n, sizeof(*r), role_cmp);
}
