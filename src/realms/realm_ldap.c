/*
 * The ldap and ad realm drivers' login (spec 6.2).
 *
 * ldap: search bind, find the user's DN with `<user_attr>=<name>` (value
 * escaped; no parentheses and no `filter`/`user_classes`, as Proxmox does),
 * then bind as that DN with the password.  ad: no search, bind as
 * `name@domain` (UPN) or as the name itself when it holds an '@'.
 *
 * The result keeps "directory unreachable" (REALM_UNAVAILABLE) apart from
 * "credentials refused" (REALM_DENIED) for the log; the client sees the
 * same answer for both.
 */
#include "ldapc_conf.h"
#include "ldapc_conn.h"
#include "ldapc_filter.h"
#include "ldapc_search.h"
#include "realm.h"

#include <stdint.h>
#include <string.h>

/* The DN of user under the realm's base, via the service bind. */
static enum realm_result
find_user_dn(struct ldapc *l, const char *user, struct buf *dn,
    struct err *err)
{
	struct buf base = BUF_INIT, filter = BUF_INIT;
	enum realm_result r;
	int code;

	r = ldapc_bind_service(l, err);
	if (r != REALM_OK)
		goto out;
	if (ldapc_base_dn(l, &base, err) < 0) {
		r = err->code == ERR_UNAVAILABLE ? REALM_UNAVAILABLE
						 : REALM_ERROR;
		goto out;
	}
	ldapc_filter_eq(&filter, ldapc_conf_user_attr(l->conf), user);
	if (ldapc_search_dn(l, "user search", buf_str(&base),
	    buf_str(&filter), dn, &code, err) < 0) {
		r = err->code == ERR_UNAVAILABLE ? REALM_UNAVAILABLE
						 : REALM_ERROR;
		goto out;
	}
	if (code != LDAP_SUCCESS && code != LDAP_SIZELIMIT_EXCEEDED) {
		r = ldapc_classify(code) == REALM_UNAVAILABLE
		    ? REALM_UNAVAILABLE : REALM_ERROR;
		err_set(err, ldapc_err_code(code), "ldap user search failed on "
		    "%s: %s", l->server, ldap_err2string(code));
		goto out;
	}
	if (dn->len == 0) {
		r = REALM_DENIED;
		err_set(err, ERR_AUTH, "user dn is empty (no entry %s under "
		    "%s)", buf_str(&filter), buf_str(&base));
		goto out;
	}
	r = REALM_OK;
out:
	buf_clear(&base);
	buf_clear(&filter);
	return r;
}

static enum realm_result
login(const struct realm_ctx *realm, const char *user, const char *password,
    struct err *err)
{
	struct ldapc_conf conf;
	struct ldapc *l = NULL;
	struct buf who = BUF_INIT;
	enum realm_result r;

	if (ldapc_conf_load(&conf, realm, err) < 0)
		return REALM_ERROR;
	r = ldapc_open(&conf, &l, err);
	if (r != REALM_OK)
		goto out;
	if (conf.ad) {
		if (strchr(user, '@') == NULL && conf.domain != NULL)
			buf_putf(&who, "%s@%s", user, conf.domain);
		else
			buf_puts(&who, user);
	} else {
		r = find_user_dn(l, user, &who, err);
		if (r != REALM_OK)
			goto out;
	}
	r = ldapc_bind(l, buf_str(&who), password, err);
out:
	ldapc_close(l);
	ldapc_conf_clear(&conf);
	buf_clear(&who);
	return r;
}

static enum realm_result
authenticate(const struct realm_ctx *realm, const char *user,
    const char *password, const char *rhost, struct err *err)
{
	(void)rhost;
	return login(realm, user, password, err);
}

const struct realm_ops realm_ops_ldap = {
	.type = "ldap",
	.caps = REALM_CAP_PASSWORD | REALM_CAP_SYNC,
	.authenticate = authenticate,
	.check = realm_ldap_check,
	.user_groups = realm_ldap_user_groups,
};

const struct realm_ops realm_ops_ad = {
	.type = "ad",
	.caps = REALM_CAP_PASSWORD | REALM_CAP_SYNC,
	.authenticate = authenticate,
	.check = realm_ldap_check,
	.user_groups = realm_ldap_user_groups,
};
