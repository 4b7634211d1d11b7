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
#define LDAPC_TIMEOUT_DEFAULT	      10	/* seconds, per operation */

/*
 * What a directory may send, so a hostile or broken server costs one
 * refused login or sync and never the worker's memory: one LDAP message
 * (libldap buffers a message whole before it can be parsed), everything
 * one connection reads, and one value realmgate keeps (no field of
 * user.cfg comes near it; a longer value is skipped with a warning, never
 * copied).
 */
#define LDAPC_MAX_MESSAGE  (16u << 20)
#define LDAPC_MAX_RECEIVED (256u << 20)
#define LDAPC_MAX_VALUE	   (64u << 10)

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
	/* seconds a server may take for one operation (bind, search, one
	 * page of a paged search) */
	unsigned timeout;
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
