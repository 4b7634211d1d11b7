/*
 * The pending-login file of a realm: <config>/local/openid/<realm>.json,
 * a JSON array with Proxmox's keys (csrf_token, nonce, pkce_verifier,
 * ctime) and realmgate's "client" (the address that asked, for the limit
 * per address), rewritten atomically under an flock on <realm>.lck
 * (localstate.h).
 */
#include "oidc_state.h"
#include "buf.h"
#include "localstate.h"
#include "netaddr.h"
#include "secret.h"
#include "ticket/b64.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* base64url without padding of (data, len) into out. */
static void
b64url(const void *data, size_t len, char *out)
{
	char *p;

	b64_encode(out, data, len, false);
	for (p = out; *p != '\0'; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
}

static int
random_token(char out[OIDC_TOKEN_CHARS + 1], struct err *err)
{
	unsigned char r[32];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, ERR_INTERNAL, "getrandom: %s",
			    strerror(errno));
		got += (size_t)n;
	}
	b64url(r, sizeof(r), out);
	secret_wipe(r, sizeof(r));
	return 0;
}

int
oidc_pending_new(struct oidc_pending *p, time_t now, struct err *err)
{
	memset(p, 0, sizeof(*p));
	p->ctime = now;
	if (random_token(p->csrf, err) < 0 || random_token(p->nonce, err) < 0 ||
	    random_token(p->verifier, err) < 0)
		return -1;
	return 0;
}

void
oidc_pkce_challenge(const char *verifier, char out[OIDC_TOKEN_CHARS + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	b64url(md, sizeof(md), out);
}

/* The realm's pending logins, locked; f->root is always an array. */
static int
open_locked(const char *config_dir, const char *realm, struct localstate *f,
    struct err *err)
{
	if (localstate_open(config_dir, "openid", realm, f, err) < 0) {
		if (err->code == ERR_LOCK)
			err_set(err, ERR_LOCK, "can't lock the openid state of "
			    "realm '%s'", realm);
		return -1;
	}
	if (!json_is_array(f->root)) {
		json_decref(f->root);
		f->root = json_array();
	}
	return 0;
}

/* Drop entries older than the TTL (or from the future). */
static void
expire(json_t *list, time_t now)
{
	size_t i = 0;

	while (i < json_array_size(list)) {
		json_t *e = json_array_get(list, i);
		json_int_t t = json_integer_value(json_object_get(e, "ctime"));

		/* t is anything the file says: no arithmetic on it */
		if (!json_is_object(e) || t < now - OIDC_STATE_TTL ||
		    t > now + 60)
			json_array_remove(list, i);
		else
			i++;
	}
}

static int
save(struct localstate *f, struct err *err)
{
	/* pending logins may be lost in a crash: no fsync per login */
	return localstate_save(f, JSON_INDENT(1), false, err);
}

static const char *
entry_client(const json_t *e)
{
	const char *c = json_string_value(json_object_get(e, "client"));

	return c != NULL ? c : "";
}

static size_t
count_client(const json_t *list, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < json_array_size(list); i++)
		n += strcmp(entry_client(json_array_get(list, i)), key) == 0;
	return n;
}

/*
 * A full list and a new entry for key: drop the oldest entry of the
 * address that holds the most, if it holds more than key does.
 */
static bool
make_room(json_t *list, const char *key)
{
	size_t i, n, most = 0, at = 0, own = count_client(list, key);

	for (i = 0; i < json_array_size(list); i++) {
		n = count_client(list, entry_client(json_array_get(list, i)));
		if (n > most) {
			most = n;
			at = i;	/* the first, so the oldest, of that address */
		}
	}
	if (most <= own)
		return false;
	json_array_remove(list, at);
	return true;
}

int
oidc_state_add(const char *config_dir, const char *realm,
    const struct oidc_pending *p, const char *client, time_t now,
    struct err *err)
{
	char key[NETADDR_KEY_MAX];
	struct localstate f = {.lock = NULL};
	json_t *e;
	int rc = -1;

	netaddr_client_key(client, key);
	if (open_locked(config_dir, realm, &f, err) < 0)
		goto out;
	expire(f.root, now);
	if (count_client(f.root, key) >= OIDC_STATE_PER_CLIENT) {
		err_set(err, ERR_INVALID, "too many pending openid auth request "
		    "for realm %s from %s", realm, key[0] != '\0' ? key :
		    "this client");
		goto out;
	}
	/* a file already over the bound (written by hand) comes back to it */
	while (json_array_size(f.root) >= OIDC_STATE_MAX) {
		if (!make_room(f.root, key)) {
			err_set(err, ERR_INVALID, "too many pending openid auth "
			    "request for realm %s", realm);
			goto out;
		}
	}
	e = json_object();
	json_object_set_new(e, "csrf_token", json_string(p->csrf));
	json_object_set_new(e, "nonce", json_string(p->nonce));
	json_object_set_new(e, "pkce_verifier", json_string(p->verifier));
	json_object_set_new(e, "ctime", json_integer(p->ctime));
	json_object_set_new(e, "client", json_string(key));
	json_array_append_new(f.root, e);
	rc = save(&f, err);
out:
	localstate_close(&f);
	return rc;
}

static bool
copy_field(const json_t *e, const char *key, char *out)
{
	const char *v = json_string_value(json_object_get(e, key));

	if (v == NULL || strlen(v) > OIDC_TOKEN_CHARS)
		return false;
	strcpy(out, v);
	return true;
}

int
oidc_state_take(const char *config_dir, const char *realm, const char *csrf,
    time_t now, struct oidc_pending *p, struct err *err)
{
	struct localstate f = {.lock = NULL};
	size_t i;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (open_locked(config_dir, realm, &f, err) < 0)
		goto out;
	expire(f.root, now);
	for (i = 0; i < json_array_size(f.root); i++) {
		json_t *e = json_array_get(f.root, i);
		const char *c = json_string_value(json_object_get(e,
		    "csrf_token"));

		if (c == NULL || !secret_streq(c, csrf))
			continue;
		if (!copy_field(e, "csrf_token", p->csrf) ||
		    !copy_field(e, "nonce", p->nonce) ||
		    !copy_field(e, "pkce_verifier", p->verifier))
			break;
		p->ctime = (time_t)json_integer_value(json_object_get(e,
		    "ctime"));
		json_array_remove(f.root, i);
		/* used once: written back before the login goes on */
		rc = save(&f, err);
		goto out;
	}
	err_set(err, ERR_AUTH, "no openid auth state found (possible "
	    "timeout)");
out:
	localstate_close(&f);
	return rc;
}
