/*
 * Connecting and binding.  Each server gets its own handle: libldap's own
 * URI list would fall back on any failure and hide which server said what,
 * while Proxmox falls back on connection failures only (spec 6.1), and the
 * admin wants each server's reason when all of them fail.
 *
 * TLS options are per handle and take effect only when LDAP_OPT_X_TLS_NEWCTX
 * is set after them.  Verification follows the realm's `verify`; an unset
 * `verify` keeps Proxmox's meaning (off), and realms created by realmgate
 * always get `verify 1` written out.
 */
#include "ldapc_conn.h"
#include "ldapc_search.h"
#include "xalloc.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void
global_init_once(void)
{
	/* our settings come from the realm, never from ldap.conf */
	setenv("LDAPNOINIT", "1", 1);
}

void
ldapc_global_init(void)
{
	pthread_once(&global_once, global_init_once);
}

enum realm_result
ldapc_classify(int rc)
{
	switch (rc) {
	case LDAP_SUCCESS:
		return REALM_OK;
	case LDAP_SERVER_DOWN:
	case LDAP_TIMEOUT:
	case LDAP_CONNECT_ERROR:
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY:
	case LDAP_TIMELIMIT_EXCEEDED:
		return REALM_UNAVAILABLE;
	case LDAP_INVALID_CREDENTIALS:
		return REALM_DENIED;
	default:
		return REALM_ERROR;
	}
}

void
ldapc_diag(struct ldapc *l, struct buf *out)
{
	char *d = NULL;

	if (l->ld != NULL &&
	    ldap_get_option(l->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &d) ==
	    LDAP_OPT_SUCCESS && d != NULL) {
		buf_puts(out, d);
		ldap_memfree(d);
	}
}

enum err_code
ldapc_err_code(int rc)
{
	return ldapc_classify(rc) == REALM_UNAVAILABLE ? ERR_UNAVAILABLE
						       : ERR_INVALID;
}

void
ldapc_reason(struct ldapc *l, int rc, struct buf *out)
{
	struct buf diag = BUF_INIT;

	buf_puts(out, ldap_err2string(rc));
	if (rc == LDAP_TIMEOUT) {
		buf_putf(out, " - no answer within %u s (realm option timeout)",
		    l->conf->timeout);
	} else if (rc == LDAP_SERVER_DOWN && l->io_errno == ERANGE) {
		buf_putf(out, " - the server sent an answer larger than %u MiB",
		    LDAPC_MAX_MESSAGE >> 20);
	} else if (rc == LDAP_SERVER_DOWN || rc == LDAP_DECODING_ERROR) {
		buf_puts(out, " - the connection was lost, or the server's "
		    "answer was not valid LDAP");
	} else {
		ldapc_diag(l, &diag);
		if (diag.len > 0)
			buf_putf(out, " - %s", buf_str(&diag));
	}
	buf_clear(&diag);
}

static int
tls_version(const char *v)
{
	if (v == NULL || strcmp(v, "tlsv1_2") == 0)
		return LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	if (strcmp(v, "tlsv1") == 0)
		return LDAP_OPT_X_TLS_PROTOCOL_TLS1_0;
	if (strcmp(v, "tlsv1_1") == 0)
		return LDAP_OPT_X_TLS_PROTOCOL_TLS1_1;
	return LDAP_OPT_X_TLS_PROTOCOL_TLS1_3;
}

static int
set_tls(LDAP *ld, const struct ldapc_conf *c, struct err *err)
{
	int demand = LDAP_OPT_X_TLS_DEMAND, never = LDAP_OPT_X_TLS_NEVER;
	int zero = 0, minver = tls_version(c->sslversion);
	struct stat st;

	if (c->verify == 1) {
		ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		if (c->capath != NULL) {
			bool dir;

			if (stat(c->capath, &st) < 0)
				return err_set(err, ERR_INVALID, "capath '%s': "
				    "%s", c->capath, strerror(errno));
			dir = S_ISDIR(st.st_mode);

			ldap_set_option(ld, dir ? LDAP_OPT_X_TLS_CACERTDIR
						: LDAP_OPT_X_TLS_CACERTFILE,
			    c->capath);
		}
		if (c->cert != NULL && c->certkey != NULL) {
			ldap_set_option(ld, LDAP_OPT_X_TLS_CERTFILE, c->cert);
			ldap_set_option(ld, LDAP_OPT_X_TLS_KEYFILE,
			    c->certkey);
		}
	} else {
		ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &never);
	}
	ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &minver);
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) !=
	    LDAP_OPT_SUCCESS)
		return err_set(err, ERR_INVALID, "TLS setup failed for realm "
		    "'%s' (check capath, cert and certkey)", c->realm);
	return 0;
}

/* "ldaps://[::1]:636" for one server. */
static void
server_uri(const struct ldapc_conf *c, const char *server, struct buf *out)
{
	buf_puts(out, c->mode == LDAPC_LDAPS ? "ldaps://" : "ldap://");
	if (strchr(server, ':') != NULL)
		buf_putf(out, "[%s]", server);
	else
		buf_puts(out, server);
	buf_putf(out, ":%d", c->port);
}

/*
 * Whether a TCP connection to server:port opens within the timeout.  Tells
 * a failed TLS handshake (libldap reports it as "Can't contact LDAP
 * server") from a server that is not there at all.
 */
static bool
tcp_reachable(const char *server, int port, unsigned timeout_s)
{
	struct addrinfo hints = {0}, *ai = NULL;
	char pbuf[16];
	bool ok = false;
	int fd;

	hints.ai_socktype = SOCK_STREAM;
	snprintf(pbuf, sizeof(pbuf), "%d", port);
	if (getaddrinfo(server, pbuf, &hints, &ai) != 0 || ai == NULL)
		return false;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd >= 0) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ok = true;
		} else if (errno == EINPROGRESS) {
			struct pollfd p = {fd, POLLOUT, 0};
			int e = 0;
			socklen_t el = sizeof(e);

			ok = poll(&p, 1, (int)timeout_s * 1000) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) ==
			    0 && e == 0;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

static void
set_io_timeout(int fd, unsigned secs)
{
	struct timeval tv = {(time_t)secs, 0};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/*
 * Called by libldap once the TCP connection is there, before any TLS:
 * every read and write of the handshake may wait the handle's network
 * timeout (connect-timeout), no longer.  A blocking read that times out
 * is a retry for libldap, which then sees its deadline has passed.
 */
static int
on_connect(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
    struct ldap_conncb *ctx)
{
	struct timeval *tv = NULL;
	ber_socket_t fd = -1;

	(void)srv;
	(void)addr;
	(void)ctx;
	if (ldap_get_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) ==
	    LDAP_OPT_SUCCESS && tv != NULL &&
	    ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) == 1 && fd >= 0)
		set_io_timeout(fd, (unsigned)tv->tv_sec);
	ldap_memfree(tv);
	return 0;
}

static void
on_close(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	(void)ld;
	(void)sb;
	(void)ctx;
}

static const struct ldap_conncb io_timeouts = {on_connect, on_close, NULL};

/* What to check after a failed handshake. */
static const char *
ca_hint(const struct ldapc_conf *c)
{
	if (c->verify != 1)
		return "verification is off: check sslversion and the port";
	return c->capath != NULL ? "is the server's certificate signed by a "
	    "CA in capath?" : "no capath: is the server's certificate signed "
	    "by a CA of the system's store?";
}

/*
 * Open one server.  Returns the libldap code; on failure *ld_r is NULL and
 * why holds the reason.
 */
static int
open_one(const struct ldapc_conf *c, const char *server, LDAP **ld_r,
    struct buf *why, struct err *err)
{
	struct buf uri = BUF_INIT;
	struct timeval nt = {(time_t)c->connect_timeout, 0};
	struct timeval ot = {(time_t)c->timeout, 0};
	ber_len_t max = LDAPC_MAX_MESSAGE;
	int v3 = LDAP_VERSION3, rc, fd = -1;
	Sockbuf *sb = NULL;
	LDAP *ld = NULL;
	char *diag = NULL;
	time_t t0;

	*ld_r = NULL;
	server_uri(c, server, &uri);
	rc = ldap_initialize(&ld, buf_str(&uri));
	if (rc != LDAP_SUCCESS) {
		buf_putf(why, "%s", ldap_err2string(rc));
		goto out;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	/* AD answers with continuation references we do not follow */
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	/* connect and TLS handshake; then every synchronous call */
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &nt);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &ot);
	/*
	 * libldap reads a message whole before parsing it, as long as the
	 * server says it is: without a limit a few bytes claiming 2 GiB make
	 * it allocate and wait for them.  The handle's Sockbuf becomes the
	 * connection's.
	 */
	if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS ||
	    sb == NULL ||
	    ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max) != 1) {
		rc = LDAP_LOCAL_ERROR;
		buf_puts(why, "cannot limit the size of the server's answers");
		ldap_unbind_ext_s(ld, NULL, NULL);
		goto out;
	}
	if (c->mode != LDAPC_PLAIN && set_tls(ld, c, err) < 0) {
		rc = LDAP_PARAM_ERROR;
		buf_puts(why, err->msg);
		ldap_unbind_ext_s(ld, NULL, NULL);
		goto out;
	}
	/*
	 * libldap 2.5 bounds a TLS handshake only in its asynchronous mode,
	 * and even then only until the first byte arrives: the connect
	 * callback gives the socket read and write timeouts as well.
	 */
	if (c->mode != LDAPC_PLAIN) {
		ldap_set_option(ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON);
		ldap_set_option(ld, LDAP_OPT_CONNECT_CB,
		    (void *)(uintptr_t)&io_timeouts);
	}
	t0 = time(NULL);
	rc = ldap_connect(ld);
	if (rc == LDAP_SUCCESS && c->mode == LDAPC_STARTTLS)
		rc = ldap_start_tls_s(ld, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		bool slow = time(NULL) - t0 >= (time_t)c->connect_timeout;

		buf_puts(why, ldap_err2string(rc));
		if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) ==
		    LDAP_OPT_SUCCESS && diag != NULL && diag[0] != '\0' &&
		    strcmp(diag, "(unknown error code)") != 0)
			buf_putf(why, " (%s)", diag);
		ldap_memfree(diag);
		if (c->mode != LDAPC_PLAIN && (slow || rc == LDAP_TIMEOUT))
			buf_putf(why, " - no complete answer within the "
			    "realm's timeouts (connect-timeout %u s, timeout "
			    "%u s)", c->connect_timeout, c->timeout);
		else if (c->mode == LDAPC_STARTTLS && rc != LDAP_SERVER_DOWN &&
		    rc != LDAP_TIMEOUT)
			buf_putf(why, " - TLS handshake after StartTLS failed "
			    "(%s)", ca_hint(c));
		else if (c->mode == LDAPC_LDAPS && (rc == LDAP_SERVER_DOWN ||
		    rc == LDAP_CONNECT_ERROR) &&
		    tcp_reachable(server, c->port, c->connect_timeout))
			buf_putf(why, " - the port is open but the TLS "
			    "handshake failed (%s)", ca_hint(c));
		ldap_unbind_ext_s(ld, NULL, NULL);
		goto out;
	}
	/* from now on a read or write may take the operation timeout */
	if (ldap_get_option(ld, LDAP_OPT_DESC, &fd) == LDAP_OPT_SUCCESS &&
	    fd >= 0)
		set_io_timeout(fd, c->timeout);
	*ld_r = ld;
out:
	buf_clear(&uri);
	return rc;
}

enum realm_result
ldapc_open(const struct ldapc_conf *c, struct ldapc **l_r, struct err *err)
{
	struct buf why = BUF_INIT;
	enum realm_result res = REALM_UNAVAILABLE;
	size_t i;

	ldapc_global_init();
	*l_r = NULL;
	for (i = 0; i < c->nservers; i++) {
		LDAP *ld;
		struct buf one = BUF_INIT;
		int rc = open_one(c, c->servers[i], &ld, &one, err);

		if (rc == LDAP_SUCCESS) {
			struct ldapc *l = xcalloc(1, sizeof(*l));

			l->ld = ld;
			l->conf = c;
			l->server = c->servers[i];
			*l_r = l;
			buf_clear(&one);
			buf_clear(&why);
			return REALM_OK;
		}
		buf_putf(&why, "%s%s: %s", i > 0 ? "; " : "", c->servers[i],
		    buf_str(&one));
		buf_clear(&one);
		/* Proxmox falls back only when a server cannot be reached */
		if (ldapc_classify(rc) != REALM_UNAVAILABLE) {
			res = REALM_ERROR;
			break;
		}
	}
	err_set(err, res == REALM_ERROR ? ERR_INVALID : ERR_UNAVAILABLE,
	    "cannot connect to the directory of realm '%s': %s", c->realm,
	    buf_str(&why));
	buf_clear(&why);
	return res;
}

/* AD packs the real reason into "data 52e" inside the diagnostic text. */
static const char *
ad_reason(const char *diag)
{
	static const struct {
		const char *code, *text;
	} reasons[] = {
		{"525", "user not found"},
		{"52e", "invalid credentials"},
		{"530", "logon not permitted at this time"},
		{"531", "logon not permitted from this workstation"},
		{"532", "password expired"},
		{"533", "account disabled"},
		{"701", "account expired"},
		{"773", "password must be reset"},
		{"775", "account locked out"},
	};
	const char *d = diag != NULL ? strstr(diag, "data ") : NULL;
	size_t i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strncmp(d + 5, reasons[i].code, 3) == 0)
			return reasons[i].text;
	return NULL;
}

enum realm_result
ldapc_bind(struct ldapc *l, const char *dn, const char *pw, struct err *err)
{
	struct berval cred;
	struct buf diag = BUF_INIT, reason = BUF_INIT;
	enum realm_result res;
	const char *why;
	int rc;

	cred.bv_val = (char *)(uintptr_t)(pw != NULL ? pw : "");
	cred.bv_len = pw != NULL ? strlen(pw) : 0;
	errno = 0;
	rc = ldap_sasl_bind_s(l->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	l->io_errno = errno;
	res = ldapc_classify(rc);
	if (res == REALM_OK)
		return REALM_OK;
	ldapc_diag(l, &diag);
	why = ad_reason(buf_str(&diag));
	if (why != NULL)
		buf_putf(&reason, "%s: %s", ldap_err2string(rc), why);
	else
		ldapc_reason(l, rc, &reason);
	err_set(err, res == REALM_UNAVAILABLE ? ERR_UNAVAILABLE
	    : res == REALM_DENIED ? ERR_AUTH : ERR_INVALID,
	    "ldap bind failed: %s (server %s)%s", buf_str(&reason), l->server,
	    /* TLS 1.3 servers refuse a client certificate after the
	     * handshake, so it shows up here */
	    rc == LDAP_SERVER_DOWN && l->conf->mode != LDAPC_PLAIN ?
	    " - the server closed the TLS connection; does it want a client "
	    "certificate (cert, certkey)?" : "");
	buf_clear(&diag);
	buf_clear(&reason);
	return res;
}

enum realm_result
ldapc_bind_service(struct ldapc *l, struct err *err)
{
	const struct ldapc_conf *c = l->conf;

	if (c->bind_dn != NULL) {
		if (c->bind_pw == NULL) {
			err_set(err, ERR_INVALID, "missing password for realm "
			    "%s", c->realm);
			return REALM_ERROR;
		}
		return ldapc_bind(l, c->bind_dn, c->bind_pw, err);
	}
	if (c->cert != NULL && c->certkey != NULL)
		return REALM_OK;	/* skipping anonymous bind with clientcert */
	return ldapc_bind(l, NULL, NULL, err);
}

static int
on_root_dse(struct ldapc *l, LDAPMessage *e, void *arg, struct err *err)
{
	struct buf *out = arg;
	struct berval **v = ldapc_first_values(l, e, "defaultNamingContext");

	(void)err;
	if (v != NULL && ldapc_value_ok(v[0]))
		buf_put(out, v[0]->bv_val, v[0]->bv_len);
	ldap_value_free_len(v);
	return 0;
}

int
ldapc_default_base(struct ldapc *l, struct buf *out, struct err *err)
{
	char *attrs[] = {(char *)(uintptr_t)"defaultNamingContext", NULL};
	struct ldapc_query q = {"search of the root DSE", "", LDAP_SCOPE_BASE,
		"(objectClass=*)", attrs, 1, NULL, on_root_dse, out, 0, NULL, 0};
	size_t len = out->len;

	if (ldapc_search(l, &q, err) < 0)
		return -1;
	ldap_controls_free(q.rctrls);
	if (q.code != LDAP_SUCCESS)
		return err_set(err, ldapc_err_code(q.code), "reading the root "
		    "DSE of %s failed: %s", l->server,
		    ldap_err2string(q.code));
	if (out->len == len)
		return err_set(err, ERR_INVALID, "no base_dn set and %s has no "
		    "defaultNamingContext", l->server);
	return 0;
}

int
ldapc_base_dn(struct ldapc *l, struct buf *out, struct err *err)
{
	if (l->conf->base_dn != NULL) {
		buf_puts(out, l->conf->base_dn);
		return 0;
	}
	return ldapc_default_base(l, out, err);
}

void
ldapc_close(struct ldapc *l)
{
	if (l == NULL)
		return;
	if (l->ld != NULL)
		ldap_unbind_ext_s(l->ld, NULL, NULL);
	free(l);
}
