/*
 * Request authentication for the front (see front_auth.h).
 */
#include "front_auth.h"
#include "api_auth.h"
#include "authcache.h"
#include "daemon.h"
#include "http_auth_parse.h"
#include "store.h"
#include "ticket/authkey.h"
#include "ticket/csrf.h"
#include "ticket/pveticket.h"
#include "xalloc.h"

#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct authkey_store *keys;
static struct csrf_secret csrf;

/*
 * Verified tickets, so that a client's requests do not each pay an RSA
 * verification, and verified API-token secrets, so that token requests do
 * not each wait for authd (busy hashing passwords under a login load):
 * authcache.h says what keeps them honest.  Whether the user (and token)
 * may still log in, and the CSRF token, are checked on every request
 * regardless.  The secret itself is never kept, only SHA-256 of
 * "tokenid NUL secret".
 */
static void
token_digest(const char *tokenid, const char *secret, char out[65])
{
	struct buf b = BUF_INIT;

	buf_puts(&b, tokenid);
	buf_putc(&b, '\0');
	buf_puts(&b, secret);
	authcache_digest(b.data, b.len, out);
	buf_clear_secret(&b);
}

void
front_auth_changed(void)
{
	token_cache_flush();
}

void
front_auth_tokencfg(uint64_t identity)
{
	token_cache_seen(identity);
}

void
front_auth_init(const char *config_dir, const char *csrf_secret)
{
	keys = authkey_store_new(config_dir);
	memset(&csrf, 0, sizeof(csrf));
	snprintf(csrf.s, sizeof(csrf.s), "%s", csrf_secret);
}

static int
by_token(const char *value, const struct ucfg *cfg, time_t now,
    struct front_identity *id, struct err *err)
{
	struct buf decoded = BUF_INIT;
	const char *secret;
	char *tokenid = NULL, digest[65];
	unsigned long gen = store_user_generation(cfg), epoch;
	uint64_t tokencfg;
	bool ok = false;
	int rc = -1;

	if (http_auth_token(value, &decoded, &tokenid, &secret, err) < 0)
		goto out;
	if (api_auth_token_usable(cfg, tokenid, now, err) < 0)
		goto out;
	token_digest(tokenid, secret, digest);
	if (!token_cache_get(digest, gen, now, &epoch)) {
		if (authd_client_token(tokenid, secret, &ok, &tokencfg,
		    err) < 0)
			goto out;
		token_cache_seen(tokencfg);
		if (!ok) {
			err_set(err, ERR_AUTH, "invalid token value for '%s'",
			    tokenid);
			goto out;
		}
		token_cache_put(digest, gen, epoch, now);
	}
	buf_reset(&id->authid);
	buf_puts(&id->authid, tokenid);
	buf_reset(&id->secret);
	buf_puts(&id->secret, secret);
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
	char *userid = NULL, digest[65];
	const char *token;
	int64_t age;
	int rc = -1;

	memset(&pk, 0, sizeof(pk));
	http_unescape(&ticket, raw, strlen(raw), false);
	if (authkey_get_pubkeys(keys, &pk, err) < 0) {
		err->code = ERR_AUTH;
		goto out;
	}
	authcache_digest(ticket.data, ticket.len, digest);
	userid = ticket_cache_get(digest, pk.gen, now);
	if (userid == NULL) {
		if (pve_ticket_verify_login(&pk, buf_str(&ticket), ticket.len,
		    now, &userid, &age, err) < 0) {
			err->code = ERR_AUTH;
			goto out;
		}
		/* filed under the keys it was verified with */
		ticket_cache_put(digest, userid, pk.gen, now - (time_t)age,
		    now);
	}
	if (api_auth_user_usable(cfg, userid, now, err) < 0)
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
	/* authd verifies it again before it acts on it */
	buf_reset(&id->ticket);
	buf_put(&id->ticket, ticket.data, ticket.len);
	id->is_token = false;
	rc = 0;
out:
	free(userid);
	pve_pubkeys_clear(&pk);
	buf_clear_secret(&ticket);
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
	const char *value;

	switch (http_auth_select(auth, cookie, &value)) {
	case HTTP_AUTH_TOKEN:
		return by_token(value, cfg, now, id, err);
	case HTTP_AUTH_TICKET:
		return by_ticket(c, value, method, cfg, now, id, err);
	case HTTP_AUTH_NONE:
		break;
	}
	return err_set(err, ERR_AUTH, "No ticket");
}

void
front_identity_clear(struct front_identity *id)
{
	buf_clear(&id->authid);
	buf_clear_secret(&id->ticket);
	buf_clear_secret(&id->secret);
	id->is_token = false;
}
