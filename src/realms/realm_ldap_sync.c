/*
 * The directory side of a realm sync.  Users: one paged subtree search
 * (900 per page, as Proxmox) for entries of the user classes that carry
 * any mapped attribute, under the admin's filter.  Groups: a second paged
 * search (100 per page) of the group classes; members come from `member`
 * (read in full with AD range retrieval) or else `uniqueMember`, and are
 * matched to users by DN.
 *
 * Beyond Proxmox: nested groups when the realm asks for them (AD resolves
 * them on the server with the in-chain matching rule, other directories
 * through our cycle-safe closure), AD's userAccountControl and
 * accountExpires mapped to disabled and expired users, and group names
 * Proxmox cannot store mapped instead of dropped.
 */
#include "realm_ldap_sync.h"
#include "realm_ldap_int.h"
#include "ldapc_conf.h"
#include "ldapc_conn.h"
#include "ldapc_filter.h"
#include "ldapc_search.h"
#include "ids.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define USER_PAGE  900
#define GROUP_PAGE 100
#define MAX_MAPPED 32

#define DEFAULT_USER_CLASSES  "inetorgperson,posixaccount,person,user"
#define DEFAULT_GROUP_CLASSES "groupOfNames,group,univentionGroup,ipausergroup"

#define DN_SHOWN	 200	/* of an oversized DN in a warning */

#define AD_UAC_DISABLED	 0x2
#define AD_EPOCH_OFFSET	 11644473600LL	/* 1601-01-01 to 1970-01-01 */

/* An LDAP attribute and the user field it fills. */
struct amap {
	const char *attr;
	enum sync_field field;
};

struct fetch {
	const struct realm_ctx *realm;
	struct ldapc_conf *conf;
	struct sync_data *d;
	const char *user_attr;
	struct amap map[MAX_MAPPED];
	size_t nmap;
	bool ad, expire_mapped;
	struct buf tmp;
};

/* An attribute description we may put into a filter: name or OID. */
static bool
attr_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 64)
		return false;
	if (isdigit((unsigned char)s[0])) {
		for (i = 0; i < len; i++)
			if (!isdigit((unsigned char)s[i]) && s[i] != '.')
				return false;
		return true;
	}
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static void
add_map(struct fetch *f, const char *attr, enum sync_field field)
{
	size_t i;

	for (i = 0; i < f->nmap; i++)
		if (strcasecmp(f->map[i].attr, attr) == 0) {
			f->map[i].field = field;
			return;
		}
	if (f->nmap < MAX_MAPPED) {
		f->map[f->nmap].attr = attr;
		f->map[f->nmap++].field = field;
	}
}

/*
 * Identity mappings for the seven fields, then sync_attributes
 * "ours=theirs,..." (theirs -> ours).  Strings live in f->d's pool.
 */
static void
build_map(struct fetch *f)
{
	const char *sa = realm_opt(f->realm, "sync_attributes"), *p;
	int i;

	for (i = 0; i < SF_COUNT; i++)
		add_map(f, sync_field_name((enum sync_field)i),
		    (enum sync_field)i);
	for (p = sa; p != NULL && *p != '\0';) {
		const char *eq = strchr(p, '='), *end;
		size_t klen, vlen;
		int field;

		if (eq == NULL)
			break;
		end = strchr(eq, ',');
		if (end == NULL)
			end = eq + strlen(eq);
		while (*p == ' ')
			p++;
		klen = (size_t)(eq - p);
		vlen = (size_t)(end - eq - 1);
		{
			const char *ours = strpool_copy(&f->d->pool, p, klen);
			const char *theirs = strpool_copy(&f->d->pool, eq + 1,
			    vlen);

			field = sync_field_find(ours);
			if (field < 0)
				sync_warn(f->d, "skipping sync_attributes entry "
				    "'%s=%s': '%s' is not a user field", ours,
				    theirs, ours);
			else if (!attr_name_ok(theirs, vlen))
				sync_warn(f->d, "skipping sync_attributes entry "
				    "'%s=%s': not an attribute name", ours,
				    theirs);
			else
				add_map(f, theirs, (enum sync_field)field);
		}
		p = *end == ',' ? end + 1 : end;
	}
	for (i = 0; (size_t)i < f->nmap; i++)
		if (f->map[i].field == SF_EXPIRE)
			f->expire_mapped = strcmp(f->map[i].attr, "expire") != 0;
}

static void
user_filter(struct fetch *f, struct buf *out)
{
	const char *classes = realm_opt(f->realm, "user_classes");
	size_t i;

	buf_puts(out, "(&");
	ldapc_filter_wrap(out, realm_opt(f->realm, "filter"));
	buf_puts(out, "(|(");
	buf_puts(out, f->user_attr);
	buf_puts(out, "=*)");
	for (i = 0; i < f->nmap; i++)
		buf_putf(out, "(%s=*)", f->map[i].attr);
	buf_putc(out, ')');
	ldapc_filter_any(out, "objectclass", classes != NULL ? classes
	    : DEFAULT_USER_CLASSES, NULL);
	buf_putc(out, ')');
}

static void
ad_account(struct fetch *f, struct ldapc *l, LDAPMessage *e,
    struct sync_user *u)
{
	struct berval **v;
	char num[32];

	if ((v = ldapc_first_values(l, e, "userAccountControl")) != NULL) {
		unsigned long uac = strtoul(v[0]->bv_val, NULL, 10);

		u->disabled = (uac & AD_UAC_DISABLED) != 0;
		ldap_value_free_len(v);
	}
	if (!f->expire_mapped &&
	    (v = ldapc_first_values(l, e, "accountExpires")) != NULL) {
		long long ft = strtoll(v[0]->bv_val, NULL, 10);

		ldap_value_free_len(v);
		/* 0 and 0x7fffffffffffffff mean "never" */
		if (ft > 0 && ft != 0x7fffffffffffffffLL) {
			long long t = ft / 10000000LL - AD_EPOCH_OFFSET;

			snprintf(num, sizeof(num), "%lld", t > 0 ? t : 1);
			sync_user_set(f->d, u, SF_EXPIRE, num, strlen(num));
		}
	}
}

static int
on_user(struct ldapc *l, LDAPMessage *e, void *arg, struct err *err)
{
	struct fetch *f = arg;
	struct berval **name;
	struct sync_user *u;
	size_t i;
	char *dn;

	(void)err;
	name = ldapc_first_values(l, e, f->user_attr);
	if (name == NULL)
		return 0;
	dn = ldap_get_dn(l->ld, e);
	if (dn == NULL || strlen(dn) > LDAPC_MAX_VALUE ||
	    !ldapc_value_ok(name[0])) {
		/* never copied, never printed whole */
		sync_warn(f->d, "skipping entry %.*s%s: its DN or %s is longer "
		    "than %u bytes", DN_SHOWN, dn != NULL ? dn : "(none)",
		    dn != NULL && strlen(dn) > DN_SHOWN ? "..." : "",
		    f->user_attr, LDAPC_MAX_VALUE);
		ldap_value_free_len(name);
		ldap_memfree(dn);
		return 0;
	}
	buf_reset(&f->tmp);
	buf_put(&f->tmp, name[0]->bv_val, name[0]->bv_len);
	buf_putf(&f->tmp, "@%s", f->conf->realm);
	ldap_value_free_len(name);
	u = sync_add_user(f->d, buf_str(&f->tmp), dn);
	ldap_memfree(dn);
	if (u == NULL)
		return 0;
	for (i = 0; i < f->nmap; i++) {
		struct berval **v = ldapc_first_values(l, e, f->map[i].attr);

		if (v == NULL)
			continue;
		if (!ldapc_value_ok(v[0]))
			sync_warn(f->d, "skipping attribute mapping %s for user "
			    "'%s': the value of %s is %lu bytes long",
			    sync_field_name(f->map[i].field), u->id,
			    f->map[i].attr, (unsigned long)v[0]->bv_len);
		else
			sync_user_set(f->d, u, f->map[i].field, v[0]->bv_val,
			    v[0]->bv_len);
		ldap_value_free_len(v);
	}
	if (f->ad)
		ad_account(f, l, e, u);
	return 0;
}

static int
fetch_users(struct fetch *f, struct ldapc *l, const char *base,
    struct ldap_fetch_stats *st, struct err *err)
{
	char *attrs[MAX_MAPPED + 4];
	struct buf filter = BUF_INIT;
	size_t i, n = 0;
	int rc;

	attrs[n++] = (char *)(uintptr_t)f->user_attr;
	for (i = 0; i < f->nmap; i++)
		attrs[n++] = (char *)(uintptr_t)f->map[i].attr;
	if (f->ad) {
		attrs[n++] = (char *)(uintptr_t)"userAccountControl";
		attrs[n++] = (char *)(uintptr_t)"accountExpires";
	}
	attrs[n] = NULL;
	user_filter(f, &filter);
	rc = ldapc_search_paged(l, base, buf_str(&filter), attrs, USER_PAGE,
	    on_user, f, &st->user_pages, err);
	buf_clear(&filter);
	st->user_entries = f->d->nusers;
	return rc;
}

/* --- groups --- */

struct member_ctx {
	struct sync_data *d;
	struct sync_group *g;
	size_t skipped;		/* values longer than LDAPC_MAX_VALUE */
};

static void
on_member(const char *val, size_t len, void *arg)
{
	struct member_ctx *m = arg;

	if (len > LDAPC_MAX_VALUE)
		m->skipped++;
	else
		sync_group_member_dn(m->d, m->g, val, len);
}

/*
 * The group id of a directory group entry into id: group_name_attr or the
 * first RDN value, mapped if needed, plus "-<realm>".  false (with a
 * warning in d) when the group cannot be stored.
 */
bool
realm_ldap_group_id(const struct realm_ctx *realm, const char *realm_name,
    struct ldapc *l, LDAPMessage *e, const char *dn, struct sync_data *d,
    struct buf *id)
{
	const char *name_attr = realm_opt(realm, "group_name_attr");
	struct buf name = BUF_INIT;
	bool mapped, have = false, ok = false;

	if (name_attr != NULL) {
		struct berval **v = ldapc_first_values(l, e, name_attr);

		if (v != NULL && ldapc_value_ok(v[0])) {
			buf_put(&name, v[0]->bv_val, v[0]->bv_len);
			have = name.len > 0;
		}
		ldap_value_free_len(v);
	}
	if (!have && !sync_dn_first_value(dn, &name)) {
		sync_warn(d, "skipping group %s: no name", dn);
		goto out;
	}
	if (!sync_group_name(name.data, name.len, realm_opt(realm,
	    "group-name-map"), id, &mapped)) {
		sync_warn(d, "skipping group '%s' (%s): nothing of its name "
		    "can be used in a group id; add it to group-name-map",
		    buf_str(&name), dn);
		goto out;
	}
	buf_putf(id, "-%s", realm_name);
	if (!id_group_valid(id->data, id->len)) {
		sync_warn(d, "skipping group '%s': '%s' is not a valid group "
		    "id", buf_str(&name), buf_str(id));
		goto out;
	}
	if (mapped)
		sync_warn(d, "group '%s' is stored as '%s'", buf_str(&name),
		    buf_str(id));
	ok = true;
out:
	buf_clear(&name);
	return ok;
}

static int
on_group(struct ldapc *l, LDAPMessage *e, void *arg, struct err *err)
{
	struct fetch *f = arg;
	struct buf id = BUF_INIT;
	struct member_ctx m;
	struct sync_group *g;
	char *dn = ldap_get_dn(l->ld, e);
	long n;
	int rc = 0;

	if (dn != NULL && strlen(dn) > LDAPC_MAX_VALUE) {
		sync_warn(f->d, "skipping group %.*s...: its DN is longer than "
		    "%u bytes", DN_SHOWN, dn, LDAPC_MAX_VALUE);
		goto out;
	}
	if (dn == NULL ||
	    !realm_ldap_group_id(f->realm, f->conf->realm, l, e, dn, f->d, &id))
		goto out;
	g = sync_add_group(f->d, buf_str(&id), dn);
	if (g == NULL)
		goto out;
	m.d = f->d;
	m.g = g;
	m.skipped = 0;
	n = ldapc_entry_values(l, e, "member", on_member, &m, err);
	if (n == 0)
		n = ldapc_entry_values(l, e, "uniqueMember", on_member, &m,
		    err);
	if (n < 0)
		rc = -1;
	if (m.skipped > 0)
		sync_warn(f->d, "group '%s': skipped %zu member values longer "
		    "than %u bytes", g->id, m.skipped, LDAPC_MAX_VALUE);
out:
	ldap_memfree(dn);
	buf_clear(&id);
	return rc;
}

void
realm_ldap_group_filter(const struct realm_ctx *realm, struct buf *out)
{
	const char *classes = realm_opt(realm, "group_classes");

	ldapc_filter_wrap(out, realm_opt(realm, "group_filter"));
	ldapc_filter_any(out, "objectclass", classes != NULL ? classes
	    : DEFAULT_GROUP_CLASSES, NULL);
}

static int
fetch_groups(struct fetch *f, struct ldapc *l, const char *base,
    struct ldap_fetch_stats *st, struct err *err)
{
	const char *gdn = realm_opt(f->realm, "group_dn");
	const char *name_attr = realm_opt(f->realm, "group_name_attr");
	char *attrs[4];
	struct buf filter = BUF_INIT;
	size_t n = 0;
	int rc;

	/*
	 * AD caps a multi-valued read at MaxValRange (1500) values; asking
	 * for the first range explicitly makes every AD (and Samba, which
	 * has no cap of its own) answer in ranges, which ldapc_entry_values
	 * follows to the end.
	 */
	attrs[n++] = (char *)(uintptr_t)(f->ad ? "member;range=0-1499"
					       : "member");
	attrs[n++] = (char *)(uintptr_t)"uniqueMember";
	if (name_attr != NULL)
		attrs[n++] = (char *)(uintptr_t)name_attr;
	attrs[n] = NULL;
	buf_puts(&filter, "(&");
	realm_ldap_group_filter(f->realm, &filter);
	buf_putc(&filter, ')');
	rc = ldapc_search_paged(l, gdn != NULL ? gdn : base, buf_str(&filter),
	    attrs, GROUP_PAGE, on_group, f, &st->group_pages, err);
	buf_clear(&filter);
	st->group_entries = f->d->ngroups;
	return rc;
}

struct chain_ctx {
	struct sync_data *d;
	struct sync_group *g;
};

static int
on_chain_user(struct ldapc *l, LDAPMessage *e, void *arg, struct err *err)
{
	struct chain_ctx *c = arg;
	char *dn = ldap_get_dn(l->ld, e);

	(void)err;
	if (dn != NULL && strlen(dn) <= LDAPC_MAX_VALUE)
		sync_group_member_dn(c->d, c->g, dn, strlen(dn));
	ldap_memfree(dn);
	return 0;
}

/* AD: every user in the chain of each group, resolved by the server. */
static int
ad_nested(struct fetch *f, struct ldapc *l, const char *base,
    struct err *err)
{
	char *attrs[] = {(char *)(uintptr_t)LDAP_NO_ATTRS, NULL};
	struct buf filter = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < f->d->ngroups && rc == 0; i++) {
		struct chain_ctx c = {f->d, &f->d->groups[i]};

		/* only users count; group DNs found here are not subgroups */
		c.g->nsub = 0;
		buf_reset(&filter);
		buf_puts(&filter, "(memberOf:" AD_IN_CHAIN ":=");
		ldapc_filter_escape(&filter, c.g->dn, strlen(c.g->dn));
		buf_putc(&filter, ')');
		rc = ldapc_search_paged(l, base, buf_str(&filter), attrs,
		    USER_PAGE, on_chain_user, &c, NULL, err);
		c.g->nsub = 0;
	}
	buf_clear(&filter);
	return rc;
}

int
realm_ldap_fetch(const struct realm_ctx *realm, bool groups,
    struct sync_data *d, struct ldap_fetch_stats *st, struct err *err)
{
	struct ldapc_conf conf;
	struct ldapc *l = NULL;
	struct buf base = BUF_INIT;
	struct fetch f;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&f, 0, sizeof(f));
	if (ldapc_conf_load(&conf, realm, err) < 0)
		return -1;
	f.realm = realm;
	f.conf = &conf;
	f.d = d;
	f.ad = conf.ad;
	f.user_attr = ldapc_conf_user_attr(&conf);
	buf_init(&f.tmp, 0);
	build_map(&f);
	if (ldapc_open(&conf, &l, err) != REALM_OK ||
	    ldapc_bind_service(l, err) != REALM_OK ||
	    ldapc_base_dn(l, &base, err) < 0)
		goto out;
	st->server = l->server;
	if (fetch_users(&f, l, buf_str(&base), st, err) < 0)
		goto out;
	if (groups) {
		if (fetch_groups(&f, l, buf_str(&base), st, err) < 0)
			goto out;
		if (realm_opt_bool(realm, "nested-groups", false)) {
			if (f.ad && ad_nested(&f, l, buf_str(&base), err) < 0)
				goto out;
			if (!f.ad)
				sync_resolve_nested(d);
		}
	}
	sync_data_finish(d);
	rc = 0;
out:
	if (rc < 0 && err->msg[0] != '\0')
		err_prefix(err, "sync of realm '%s' aborted, nothing was "
		    "changed: ", conf.realm);
	ldapc_close(l);
	buf_clear(&base);
	buf_clear(&f.tmp);
	ldapc_conf_clear(&conf);
	return rc;
}
