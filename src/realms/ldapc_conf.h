/*
 * The connection settings of an ldap or ad realm, read once from the
 * realm's options (spec 5.1, 6.1) into plain fields, so the connection
 * code never parses option strings and never guesses defaults twice.
 */
#ifndef RG_LDAPC_CONF_H
#define RG_LDAPC_CONF_H

#include "err.h"
#include "realm.h"

#include <stdbool.h>

#define LDAPC_MAX_SERVERS	      16
#define LDAPC_CONNECT_TIMEOUT_DEFAULT 2	/* seconds, per server */
#define LDAPC_OP_TIMEOUT	      60	/* seconds, per operation */

enum ldapc_mode { LDAPC_PLAIN, LDAPC_LDAPS, LDAPC_STARTTLS };

struct ldapc_conf {
	const char *realm;
	bool ad;
	/* server1, server2, then realmgate's `servers` list, in order */
	const char *servers[LDAPC_MAX_SERVERS];
	size_t nservers;
	char *servers_copy;	/* owns the strings of the `servers` list */
	int port;		/* resolved: 636 for ldaps, else 389 */
	enum ldapc_mode mode;
	/* 1 verify, 0 off, -1 unset in the file (Proxmox's meaning: off) */
	int verify;
	const char *capath, *cert, *certkey, *sslversion;
	const char *base_dn, *bind_dn;
	const char *user_attr;	/* NULL: uid (ldap) / sAMAccountName (ad) */
	const char *domain;	/* ad: UPN suffix */
	char *bind_pw;		/* owned secret, NULL when none */
	unsigned connect_timeout;	/* seconds */
};

/*
 * Fill c from the realm's options (realm->opt) and read the bind password
 * from <config_dir>/priv/realm/<realm>.pw when bind_dn is set.  The
 * strings stay owned by the realm context except servers_copy/bind_pw.
 */
int ldapc_conf_load(struct ldapc_conf *c, const struct realm_ctx *realm,
    struct err *err) RG_WARN_UNUSED;

/* Replace the bind password (check-connection); "" or NULL: none. */
void ldapc_conf_set_password(struct ldapc_conf *c, const char *pw);

/* The login attribute: user_attr or the type's default. */
const char *ldapc_conf_user_attr(const struct ldapc_conf *c);

void ldapc_conf_clear(struct ldapc_conf *c);

#endif
