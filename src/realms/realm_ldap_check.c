/*
 * `realmgate realm check REALM` and the API's check-connection: try every
 * server of the realm on its own, then bind and read the base DN on the
 * first one that answers, and say which step failed and why.  Proxmox
 * only reports "bind failed"; an admin fixing a realm wants to know
 * whether it is the network, the certificate, the bind account or the DN.
 */
#include "ldapc_conf.h"
#include "ldapc_conn.h"
#include "ldapc_search.h"
#include "realm.h"

#include <stdint.h>
#include <string.h>

static const char *
mode_name(enum ldapc_mode m)
{
	return m == LDAPC_LDAPS ? "ldaps" : m == LDAPC_STARTTLS
	    ? "ldap+starttls" : "ldap";
}

static const char *
verify_name(const struct ldapc_conf *c)
{
	if (c->mode == LDAPC_PLAIN)
		return "no TLS";
	if (c->verify == 1)
		return "certificate verified";
	if (c->verify == 0)
		return "certificate NOT verified (verify 0)";
	return "certificate NOT verified (verify unset: Proxmox's default; "
	       "set verify 1)";
}

/* Connect to each server alone; the first that answers is kept in *l_r. */
static int
check_servers(struct ldapc_conf *c, struct ldapc **l_r, struct buf *report)
{
	const char *all[LDAPC_MAX_SERVERS];
	size_t n = c->nservers, i;
	int ok = 0;

	memcpy(all, c->servers, n * sizeof(all[0]));
	for (i = 0; i < n; i++) {
		struct ldapc *l = NULL;
		struct err e;

		c->servers[0] = all[i];
		c->nservers = 1;
		if (ldapc_open(c, &l, &e) == REALM_OK) {
			buf_putf(report, "server %s port %d (%s): connected, "
			    "%s\n", all[i], c->port, mode_name(c->mode),
			    verify_name(c));
			if (*l_r == NULL) {
				*l_r = l;
				ok = 1;
			} else {
				ldapc_close(l);
			}
		} else {
			buf_putf(report, "server %s port %d (%s): FAILED: %s\n",
			    all[i], c->port, mode_name(c->mode), e.msg);
		}
	}
	memcpy(c->servers, all, n * sizeof(all[0]));
	c->nservers = n;
	if (*l_r != NULL)
		(*l_r)->conf = c;
	return ok;
}

static int
check_base(struct ldapc *l, struct buf *report, struct err *err)
{
	struct buf base = BUF_INIT;
	char *attrs[] = {(char *)(uintptr_t)LDAP_NO_ATTRS, NULL};
	struct ldapc_query q = {"search of the base DN", NULL, LDAP_SCOPE_BASE,
		"(objectClass=*)", attrs, 1, NULL, NULL, NULL, 0, NULL, 0};
	int rc;

	if (ldapc_base_dn(l, &base, err) < 0) {
		buf_putf(report, "base_dn: FAILED: %s\n", err->msg);
		buf_clear(&base);
		return -1;
	}
	q.base = buf_str(&base);
	rc = ldapc_search(l, &q, err);
	if (rc == 0) {
		ldap_controls_free(q.rctrls);
		if (q.code != LDAP_SUCCESS)
			rc = err_set(err, ERR_INVALID, "base_dn '%s' cannot be "
			    "read: %s", buf_str(&base),
			    ldap_err2string(q.code));
	}
	if (rc < 0) {
		buf_putf(report, "base_dn: FAILED: %s\n", err->msg);
		buf_clear(&base);
		return -1;
	}
	buf_putf(report, "base_dn %s%s: found\n", buf_str(&base),
	    l->conf->base_dn == NULL ? " (from the root DSE)" : "");
	buf_clear(&base);
	return 0;
}

int
realm_ldap_check(const struct realm_ctx *realm, const char *password,
    struct buf *report, struct err *err)
{
	struct ldapc_conf conf;
	struct ldapc *l = NULL;
	int rc = -1;

	if (ldapc_conf_load(&conf, realm, err) < 0)
		return -1;
	if (password != NULL)
		ldapc_conf_set_password(&conf, password);
	if (!check_servers(&conf, &l, report)) {
		err_set(err, ERR_UNAVAILABLE, "no server of realm '%s' could "
		    "be reached", conf.realm);
		goto out;
	}
	if (ldapc_bind_service(l, err) != REALM_OK) {
		buf_putf(report, "bind as %s: FAILED: %s\n",
		    conf.bind_dn != NULL ? conf.bind_dn : "anonymous",
		    err->msg);
		goto out;
	}
	buf_putf(report, "bind as %s: ok\n",
	    conf.bind_dn != NULL ? conf.bind_dn
	    : conf.cert != NULL && conf.certkey != NULL ? "client certificate"
	    : "anonymous");
	if (check_base(l, report, err) < 0)
		goto out;
	rc = 0;
out:
	ldapc_close(l);
	ldapc_conf_clear(&conf);
	return rc;
}
