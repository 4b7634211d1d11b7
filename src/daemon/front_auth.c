/*
 * Request authentication for the front (see front_auth.h).
 */
#include "front_auth.h"
#include "daemon.h"
#include "hmap.h"
#include "http_auth_parse.h"
#include "secret.h"
#include "store.h"
#include "ticket/authkey.h"
#include "ticket/csrf.h"
#include "ticket/pveticket.h"
#include "xalloc.h"

#include <microhttpd.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct authkey_store *keys;
static struct csrf_secret csrf;

/*
 * Verified tickets, so that a client's requests do not each pay an RSA
 * verification.  A ticket valid now stays valid until TS + 7200 unless the
 * keys change (spec 4.2: the windows move with the key's age at the rate
 * the ticket ages), so an entry lives until then, at most a minute, and
 * all go when authkey.pub or .old change.  Keys are SHA-256 of the ticket.
 * Whether the user may still log in, and the CSRF token, are checked on
 * every request regardless.
 */
#define TICKET_CACHE_MAX 16384
#define TICKET_CACHE_TTL 60

struct cached_ticket {
	char *userid;
	time_t until;
};

static struct {
	pthread_mutex_t mu;
	struct hmap map;	/* hex SHA-256 -> struct cached_ticket */
	time_t cur_mtime, old_mtime;
} tcache = {PTHREAD_MUTEX_INITIALIZER};

static void
cached_ticket_free(void *v)
{
	free(((struct cached_ticket *)v)->userid);
	free(v);
}

static void
tcache_flush(void)
{
	hmap_clear_owned(&tcache.map, cached_ticket_free);
}

static void
ticket_digest(const struct buf *ticket, char out[65])
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i;

	SHA256((const unsigned char *)ticket->data, ticket->len, md);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
}

/* The user id of a cached, still valid ticket (caller frees), or NULL. */
static char *
tcache_get(const char *digest, const struct pve_pubkeys *pk, time_t now)
{
	struct cached_ticket *t;
	char *userid = NULL;

	pthread_mutex_lock(&tcache.mu);
	if (pk->cur_mtime != tcache.cur_mtime ||
	    pk->old_mtime != tcache.old_mtime) {
		tcache_flush();
		tcache.cur_mtime = pk->cur_mtime;
		tcache.old_mtime = pk->old_mtime;
	}
	t = hmap_get(&tcache.map, digest);
	if (t != NULL && now < t->until)
		userid = strdup(t->userid);
	pthread_mutex_unlock(&tcache.mu);
	return userid;
}

static void
tcache_put(const char *digest, const char *userid, time_t ts, time_t now)
{
	struct cached_ticket *t;
	time_t until = ts + 7200;

	if (until > now + TICKET_CACHE_TTL)
		until = now + TICKET_CACHE_TTL;
	pthread_mutex_lock(&tcache.mu);
	if (tcache.map.count >= TICKET_CACHE_MAX)
		tcache_flush();
	if (hmap_get(&tcache.map, digest) == NULL) {
		t = xmalloc(sizeof(*t));
		t->userid = xstrdup(userid);
		t->until = until;
		hmap_put(&tcache.map, xstrdup(digest), t);
	}
	pthread_mutex_unlock(&tcache.mu);
}

/*
 * Verified API-token secrets, so that token requests do not each wait for
 * authd (busy hashing passwords under a login load).  Keys are hex
 * SHA-256 of "tokenid NUL secret": the secret itself is never kept.  An
 * entry lives TOKEN_CACHE_TTL and only while the user.cfg snapshot is the
 * one it was verified under; every change made through the daemon flushes
 * them all (front_auth_changed), so a regenerated or removed secret stops
 * working at once.  Changes made beside the daemon (the CLI writing
 * priv/token.cfg) apply within the TTL.
 */
#define TOKEN_CACHE_MAX 4096
#define TOKEN_CACHE_TTL 10

static struct {
	pthread_mutex_t mu;
	struct hmap map;	/* digest -> (void *)(uintptr_t)until */
	unsigned long generation;
} kcache = {PTHREAD_MUTEX_INITIALIZER};

static void
token_digest(const char *tokenid, const char *secret, char out[65])
{
	struct buf b = BUF_INIT;

	buf_puts(&b, tokenid);
	buf_putc(&b, '\0');
	buf_puts(&b, secret);
	ticket_digest(&b, out);
	buf_clear_secret(&b);
}

static bool
kcache_hit(const char *digest, time_t now)
{
	unsigned long gen = store_cache_generation();
	bool hit = false;

	if (gen == 0)
		return false;	/* no snapshot to tie entries to */
	pthread_mutex_lock(&kcache.mu);
	if (gen != kcache.generation) {
		hmap_clear_owned(&kcache.map, NULL);
		kcache.generation = gen;
	}
	hit = (time_t)(uintptr_t)hmap_get(&kcache.map, digest) > now;
	pthread_mutex_unlock(&kcache.mu);
	return hit;
}

static void
kcache_put(const char *digest, time_t now)
{
	unsigned long gen = store_cache_generation();

	pthread_mutex_lock(&kcache.mu);
	if (gen != 0 && gen == kcache.generation) {
		if (kcache.map.count >= TOKEN_CACHE_MAX)
			hmap_clear_owned(&kcache.map, NULL);
		if (hmap_get(&kcache.map, digest) == NULL)
			hmap_put(&kcache.map, xstrdup(digest),
			    (void *)(uintptr_t)(now + TOKEN_CACHE_TTL));
	}
	pthread_mutex_unlock(&kcache.mu);
}

void
front_auth_changed(void)
{
	pthread_mutex_lock(&kcache.mu);
	hmap_clear_owned(&kcache.map, NULL);
	pthread_mutex_unlock(&kcache.mu);
}

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
	const char *secret;
	const struct ucfg_token *t;
	char *tokenid = NULL, digest[65];
	bool ok = false;
	int rc = -1;

	if (http_auth_token(value, &decoded, &tokenid, &secret, err) < 0)
		goto out;
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
	token_digest(tokenid, secret, digest);
	if (kcache_hit(digest, now)) {
		ok = true;
	} else {
		if (authd_client_token(tokenid, secret, &ok, err) < 0)
			goto out;
		if (!ok) {
			err_set(err, ERR_AUTH, "invalid token value for '%s'",
			    tokenid);
			goto out;
		}
		kcache_put(digest, now);
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
	ticket_digest(&ticket, digest);
	userid = tcache_get(digest, &pk, now);
	if (userid == NULL) {
		if (pve_ticket_verify_login(&pk, buf_str(&ticket), ticket.len,
		    now, &userid, &age, err) < 0) {
			err->code = ERR_AUTH;
			goto out;
		}
		tcache_put(digest, userid, now - (time_t)age, now);
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
