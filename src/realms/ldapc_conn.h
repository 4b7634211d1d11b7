/*
 * One connection to an LDAP or AD server of a realm: the server list tried
 * in order with a short connect timeout each, TLS set up per handle
 * (ldaps, StartTLS, verification, client certificate), and binds whose
 * failures are sorted into "server unreachable" and "credentials refused"
 * so the log can tell a dead directory from a wrong password.
 */
#ifndef RG_LDAPC_CONN_H
#define RG_LDAPC_CONN_H

#include "buf.h"
#include "ldapc_conf.h"
#include "realm.h"

#include <ldap.h>

struct ldapc {
	LDAP *ld;
	const struct ldapc_conf *conf;
	const char *server;	/* the server that answered */
	size_t received;	/* bytes of entries read (LDAPC_MAX_RECEIVED) */
	int io_errno;		/* errno when the connection was lost */
};

/*
 * Connect to the first server that accepts a connection (and, for
 * ldap+starttls, completes StartTLS).  REALM_UNAVAILABLE when none did,
 * with each server's reason in err; REALM_ERROR for a setup problem.
 */
enum realm_result ldapc_open(const struct ldapc_conf *c, struct ldapc **l_r,
    struct err *err) RG_WARN_UNUSED;

/*
 * Simple bind.  REALM_DENIED for refused credentials (AD's reason code
 * decoded into err), REALM_UNAVAILABLE when the server went away, else
 * REALM_ERROR.  Messages start "ldap bind failed: ".
 */
enum realm_result ldapc_bind(struct ldapc *l, const char *dn,
    const char *pw, struct err *err) RG_WARN_UNUSED;

/*
 * The bind for searching (spec 6.1): bind_dn with the realm's password,
 * else no bind when a client certificate is set, else anonymous.
 */
enum realm_result ldapc_bind_service(struct ldapc *l, struct err *err)
    RG_WARN_UNUSED;

/* defaultNamingContext of the root DSE (AD realms without base_dn). */
int ldapc_default_base(struct ldapc *l, struct buf *out, struct err *err)
    RG_WARN_UNUSED;

/* The base DN of the realm, read from the root DSE when unset. */
int ldapc_base_dn(struct ldapc *l, struct buf *out, struct err *err)
    RG_WARN_UNUSED;

/* Result class of an LDAP result code (for searches as well as binds). */
enum realm_result ldapc_classify(int rc);

/* The server's diagnostic text after a failed call ("" when none). */
void ldapc_diag(struct ldapc *l, struct buf *out);

/*
 * Why an operation failed with rc, for the log: libldap's text, then what
 * it means here ("no answer within 10 s (realm option timeout)", "the
 * connection was lost or the answer was not valid LDAP", an answer over
 * LDAPC_MAX_MESSAGE) or the server's diagnostic text.
 */
void ldapc_reason(struct ldapc *l, int rc, struct buf *out);

/* The error code for a failed operation's rc (ERR_UNAVAILABLE ...). */
enum err_code ldapc_err_code(int rc);

void ldapc_close(struct ldapc *l);

/* Once per process: make libldap ignore ldap.conf and ~/.ldaprc. */
void ldapc_global_init(void);

#endif
