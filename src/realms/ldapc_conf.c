/*
 * Reading an ldap/ad realm's options into struct ldapc_conf.  Defaults
 * follow Proxmox (spec 6.1): mode from `mode`, else `secure`; port 636 for
 * ldaps, 389 otherwise.  realmgate adds `servers` (more fallbacks after
 * server1 and server2), `connect-timeout` (seconds per server, default
 * 2 instead of Proxmox's 10) and `timeout` (seconds per operation, default
 * 10; Proxmox waits without a limit), all stored in realmgate/domains.cfg.
 */
#include "ldapc_conf.h"
#include "cfs/cfs.h"
#include "buf.h"
#include "fileio.h"
#include "secret.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void
add_server(struct ldapc_conf *c, const char *s)
{
	if (s != NULL && c->nservers < LDAPC_MAX_SERVERS)
		c->servers[c->nservers++] = s;
}

/* Split the `servers` list (comma or space separated) into c->servers. */
static void
add_server_list(struct ldapc_conf *c, const char *list)
{
	char *p, *save = NULL, *tok;

	if (list == NULL)
		return;
	c->servers_copy = xstrdup(list);
	for (p = c->servers_copy; (tok = strtok_r(p, ", \t", &save)) != NULL;
	    p = NULL)
		add_server(c, tok);
}

static int
read_password(struct ldapc_conf *c, const char *config_dir, struct err *err)
{
	struct buf path = BUF_INIT, pw = BUF_INIT;
	struct err e;
	size_t n;
	int rc = 0;

	buf_putf(&path, "priv/realm/%s.pw", c->realm);
	if (cfs_read(config_dir, buf_str(&path), 0, &pw, &e) < 0) {
		/* no file: "missing password" when a bind needs it */
		if (e.code != ERR_NOT_FOUND)
			rc = err_set(err, e.code, "%s", e.msg);
		goto out;
	}
	/* Proxmox reads the first line; an empty one is no password */
	for (n = 0; n < pw.len && pw.data[n] != '\n' && pw.data[n] != '\r' &&
	    pw.data[n] != '\0'; n++)
		;
	if (n > 0)
		c->bind_pw = xstrndup(pw.data, n);
out:
	buf_clear_secret(&pw);
	buf_clear(&path);
	return rc;
}

int
ldapc_conf_load(struct ldapc_conf *c, const struct realm_ctx *r,
    struct err *err)
{
	const char *mode, *v;

	memset(c, 0, sizeof(*c));
	c->realm = r->name;
	c->ad = r->type != NULL && strcmp(r->type, "ad") == 0;
	add_server(c, realm_opt(r, "server1"));
	add_server(c, realm_opt(r, "server2"));
	add_server_list(c, realm_opt(r, "servers"));
	if (c->nservers == 0)
		return err_set(err, ERR_INVALID, "realm '%s' has no server",
		    r->name);
	mode = realm_opt(r, "mode");
	if (mode == NULL)
		c->mode = realm_opt_bool(r, "secure", false) ? LDAPC_LDAPS
							: LDAPC_PLAIN;
	else if (strcmp(mode, "ldaps") == 0)
		c->mode = LDAPC_LDAPS;
	else if (strcmp(mode, "ldap+starttls") == 0)
		c->mode = LDAPC_STARTTLS;
	else
		c->mode = LDAPC_PLAIN;
	v = realm_opt(r, "port");
	c->port = v != NULL ? atoi(v) : 0;
	if (c->port <= 0 || c->port > 65535)
		c->port = c->mode == LDAPC_LDAPS ? 636 : 389;
	v = realm_opt(r, "verify");
	c->verify = v == NULL ? -1 : strcmp(v, "0") != 0;
	c->capath = realm_opt(r, "capath");
	c->cert = realm_opt(r, "cert");
	c->certkey = realm_opt(r, "certkey");
	c->sslversion = realm_opt(r, "sslversion");
	c->base_dn = realm_opt(r, "base_dn");
	c->bind_dn = realm_opt(r, "bind_dn");
	c->user_attr = realm_opt(r, "user_attr");
	c->domain = realm_opt(r, "domain");
	v = realm_opt(r, "connect-timeout");
	c->connect_timeout = v != NULL ? (unsigned)atoi(v) : 0;
	if (c->connect_timeout == 0)
		c->connect_timeout = LDAPC_CONNECT_TIMEOUT_DEFAULT;
	v = realm_opt(r, "timeout");
	c->timeout = v != NULL ? (unsigned)atoi(v) : 0;
	if (c->timeout == 0 || c->timeout > 3600)
		c->timeout = LDAPC_TIMEOUT_DEFAULT;
	if (c->bind_dn != NULL && r->config_dir != NULL &&
	    read_password(c, r->config_dir, err) < 0) {
		ldapc_conf_clear(c);
		return -1;
	}
	return 0;
}

void
ldapc_conf_set_password(struct ldapc_conf *c, const char *pw)
{
	secret_free_str(c->bind_pw);
	/* an empty password is no password (never an anonymous bind) */
	c->bind_pw = pw != NULL && pw[0] != '\0' ? xstrdup(pw) : NULL;
}

const char *
ldapc_conf_user_attr(const struct ldapc_conf *c)
{
	if (c->user_attr != NULL)
		return c->user_attr;
	return c->ad ? "sAMAccountName" : "uid";
}

void
ldapc_conf_clear(struct ldapc_conf *c)
{
	secret_free_str(c->bind_pw);
	free(c->servers_copy);
	memset(c, 0, sizeof(*c));
}
