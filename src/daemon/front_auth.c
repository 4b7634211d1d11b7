/*
 * Request authentication for the front (see front_auth.h).
 */
#include "front_auth.h"
#include "daemon.h"
#include "ids.h"
#include "secret.h"
#include "ticket/authkey.h"
#include "ticket/csrf.h"
#include "ticket/pveticket.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

static struct authkey_store *keys;
static struct csrf_secret csrf;

void
front_auth_init(const char *config_dir, const char *csrf_secret)
{
	keys = authkey_store_new(config_dir);
	memset(&csrf, 0, sizeof(csrf));
	snprintf(csrf.s, sizeof(csrf.s), "%s", csrf_secret);
}

/* The user behind an identity must exist, be enabled and unexpired. */
static int
user_usable(const struct ucfg *cfg, const char *userid, time_t now,
    struct err *err)
{
	const struct ucfg_user *u = ucfg_user(cfg, userid);

	if (u == NULL)
		return err_set(err, ERR_AUTH, "user '%s' does not exist",
		    userid);
	if (!u->enable)
		return err_set(err, ERR_AUTH, "user '%s' is disabled", userid);
	if (u->expire > 0 && u->expire < now)
		return err_set(err, ERR_AUTH, "user '%s' access expired",
		    userid);
	return 0;
}

static int
by_token(const char *value, const struct ucfg *cfg, time_t now,
    struct front_identity *id, struct err *err)
{
	struct buf decoded = BUF_INIT;
	const char *v, *sep;
	const struct ucfg_token *t;
	char *tokenid = NULL;
	bool ok = false;
	int rc = -1;

	http_unescape(&decoded, value, strlen(value), false);
	v = buf_str(&decoded);
	/* USER@REALM!TOKEN=SECRET, a space allowed instead of the '=' */
	sep = strrchr(v, '=');
	if (sep == NULL)
		sep = strchr(v, ' ');
	if (sep == NULL) {
		err_set(err, ERR_AUTH, "invalid API token");
		goto out;
	}
	tokenid = strndup(v, (size_t)(sep - v));
	if (tokenid == NULL || !id_token_valid(tokenid, strlen(tokenid), NULL)) {
		err_set(err, ERR_AUTH, "invalid token id");
		goto out;
	}
	t = ucfg_token(cfg, tokenid);
	if (t == NULL) {
		err_set(err, ERR_AUTH, "no such token '%s'", tokenid);
		goto out;
	}
	if (user_usable(cfg, t->user->id, now, err) < 0)
		goto out;
	if (t->expire > 0 && t->expire < now) {
		err_set(err, ERR_AUTH, "token '%s' access expired", tokenid);
		goto out;
	}
	if (authd_client_token(tokenid, sep + 1, &ok, err) < 0)
		goto out;
	if (!ok) {
		err_set(err, ERR_AUTH, "invalid token value for '%s'", tokenid);
		goto out;
	}
	buf_reset(&id->authid);
	buf_puts(&id->authid, tokenid);
	id->is_token = true;
	rc = 0;
out:
	free(tokenid);
	buf_clear_secret(&decoded);
	return rc;
}

static int
by_ticket(struct MHD_Connection *c, const char *raw, const char *method,
    const struct ucfg *cfg, time_t now, struct front_identity *id,
    struct err *err)
{
	struct buf ticket = BUF_INIT;
	struct pve_pubkeys pk;
	char *userid = NULL;
	const char *token;
	int64_t age;
	int rc = -1;

	memset(&pk, 0, sizeof(pk));
	http_unescape(&ticket, raw, strlen(raw), false);
	if (authkey_get_pubkeys(keys, &pk, err) < 0 ||
	    pve_ticket_verify_login(&pk, buf_str(&ticket), ticket.len, now,
	    &userid, &age, err) < 0) {
		err->code = ERR_AUTH;
		goto out;
	}
	if (user_usable(cfg, userid, now, err) < 0)
		goto out;
	if (strcmp(method, "GET") != 0) {
		token = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "CSRFPreventionToken");
		if (token == NULL || csrf_token_verify(&csrf, userid, token,
		    strlen(token), now, err) < 0) {
			err_set(err, ERR_AUTH,
			    "Permission denied - invalid csrf token");
			goto out;
		}
	}
	buf_reset(&id->authid);
	buf_puts(&id->authid, userid);
	id->is_token = false;
	rc = 0;
out:
	free(userid);
	pve_pubkeys_clear(&pk);
	buf_clear(&ticket);
	return rc;
}

int
front_authenticate(struct MHD_Connection *c, const char *method,
    const struct ucfg *cfg, time_t now, struct front_identity *id,
    struct err *err)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Authorization");
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
	    "PVEAuthCookie");

	if (auth != NULL && strncmp(auth, "PVEAPIToken=", 12) == 0)
		return by_token(auth + 12, cfg, now, id, err);
	if (cookie != NULL)
		return by_ticket(c, cookie, method, cfg, now, id, err);
	if (auth != NULL && strncmp(auth, "PVEAuthCookie=", 14) == 0)
		return by_ticket(c, auth + 14, method, cfg, now, id, err);
	return err_set(err, ERR_AUTH, "No ticket");
}
