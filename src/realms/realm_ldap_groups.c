/*
 * Login-time group refresh (realm option `login-groups`, beyond Proxmox):
 * after a successful ldap/ad login, ask the directory which of the realm's
 * groups the user is in, so a membership change applies at the next login
 * instead of the next sync.  Nested membership follows the realm's
 * `nested-groups`: AD answers it with the in-chain matching rule, other
 * directories are walked upwards (group in group) with a visited set.
 */
#include "realm_ldap_int.h"
#include "ldapc_conf.h"
#include "ldapc_filter.h"
#include "ldapc_search.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST_STEPS 10000

/* The DN of the user's entry, found as the login would. */
static int
user_dn(struct ldapc *l, const struct ldapc_conf *c, const char *user,
    const char *base, struct buf *dn, struct err *err)
{
	struct buf filter = BUF_INIT;
	int code = LDAP_SUCCESS, rc;

	if (c->ad && c->user_attr == NULL && strchr(user, '@') != NULL)
		ldapc_filter_eq(&filter, "userPrincipalName", user);
	else
		ldapc_filter_eq(&filter, ldapc_conf_user_attr(c), user);
	rc = ldapc_search_dn(l, "group refresh: user search", base,
	    buf_str(&filter), dn, &code, err);
	if (rc == 0 && dn->len == 0)
		rc = err_set(err, code == LDAP_SUCCESS ? ERR_NOT_FOUND
		    : ldapc_err_code(code), "group refresh: user entry %s not "
		    "found under %s: %s", buf_str(&filter), base,
		    ldap_err2string(code));
	buf_clear(&filter);
	return rc;
}

struct walk {
	const struct realm_ctx *realm;
	const char *realm_name;
	struct sync_data *d;
	struct hmap seen;	/* lower-cased DNs of groups found (owned) */
	/* DNs found and not yet searched for parents */
	char **todo;
	size_t ntodo, cap;
};

static int
on_parent(struct ldapc *l, LDAPMessage *e, void *arg, struct err *err)
{
	struct walk *w = arg;
	struct buf id = BUF_INIT, lc = BUF_INIT;
	char *dn = ldap_get_dn(l->ld, e);
	size_t i;

	(void)err;
	if (dn == NULL)
		return 0;
	for (i = 0; dn[i] != '\0'; i++)
		buf_putc(&lc, (char)tolower((unsigned char)dn[i]));
	if (!hmap_has(&w->seen, buf_str(&lc))) {
		hmap_set_add(&w->seen, buf_steal(&lc));
		if (realm_ldap_group_id(w->realm, w->realm_name, l, e, dn, w->d,
		    &id))
			sync_add_group(w->d, buf_str(&id), dn);
		/* walked even when unusable: its parents may be usable */
		if (w->ntodo == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 16;
			w->todo = xreallocarray(w->todo, w->cap,
			    sizeof(*w->todo));
		}
		w->todo[w->ntodo++] = xstrdup(dn);
	}
	buf_clear(&id);
	buf_clear(&lc);
	ldap_memfree(dn);
	return 0;
}

/* Groups with member DN `member` (or, on AD with chain, in its chain). */
static int
parents(struct ldapc *l, struct walk *w, const char *base, const char *member,
    bool chain, struct err *err)
{
	const char *name_attr = realm_opt(w->realm, "group_name_attr");
	char *attrs[] = {(char *)(uintptr_t)(name_attr != NULL ? name_attr
	    : LDAP_NO_ATTRS), NULL};
	struct buf f = BUF_INIT;
	int rc;

	buf_puts(&f, "(&");
	realm_ldap_group_filter(w->realm, &f);
	if (chain) {
		buf_puts(&f, "(member:" AD_IN_CHAIN ":=");
		ldapc_filter_escape(&f, member, strlen(member));
		buf_puts(&f, "))");
	} else {
		buf_puts(&f, "(|(member=");
		ldapc_filter_escape(&f, member, strlen(member));
		buf_puts(&f, ")(uniqueMember=");
		ldapc_filter_escape(&f, member, strlen(member));
		buf_puts(&f, ")))");
	}
	rc = ldapc_search_paged(l, base, buf_str(&f), attrs, 100, on_parent, w,
	    NULL, err);
	buf_clear(&f);
	return rc;
}

int
realm_ldap_user_groups(const struct realm_ctx *realm, const char *user,
    struct sync_data *d, struct err *err)
{
	struct ldapc_conf conf;
	struct ldapc *l = NULL;
	struct buf base = BUF_INIT, dn = BUF_INIT;
	const char *gdn;
	bool deep = realm_opt_bool(realm, "nested-groups", false);
	struct walk w = {realm, realm->name, d, {0}, NULL, 0, 0};
	size_t steps = 0;
	int rc = -1;

	if (ldapc_conf_load(&conf, realm, err) < 0)
		return -1;
	hmap_init(&w.seen);
	if (ldapc_open(&conf, &l, err) != REALM_OK ||
	    ldapc_bind_service(l, err) != REALM_OK ||
	    ldapc_base_dn(l, &base, err) < 0 ||
	    user_dn(l, &conf, user, buf_str(&base), &dn, err) < 0)
		goto out;
	gdn = realm_opt(realm, "group_dn");
	if (gdn == NULL)
		gdn = buf_str(&base);
	if (parents(l, &w, gdn, buf_str(&dn), deep && conf.ad, err) < 0)
		goto out;
	/* other directories: walk up group by group */
	while (deep && !conf.ad && w.ntodo > 0 && steps++ < MAX_NEST_STEPS) {
		char *next = w.todo[--w.ntodo];
		int r = parents(l, &w, gdn, next, false, err);

		free(next);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	while (w.ntodo > 0)
		free(w.todo[--w.ntodo]);
	free(w.todo);
	hmap_clear_owned(&w.seen, NULL);
	ldapc_close(l);
	ldapc_conf_clear(&conf);
	buf_clear(&base);
	buf_clear(&dn);
	return rc;
}
