/*
 * Discovery and JWKS caches (see oidc_provider.h).  A handful of
 * providers at most: a small array under one mutex.
 */
#include "oidc_provider.h"
#include "buf.h"
#include "oidc_http.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PROVIDERS 16

struct cached {
	char *issuer;
	json_t *doc, *jwks;
	time_t doc_at, jwks_at;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct cached cache[MAX_PROVIDERS];

const char *
oidc_doc_str(const json_t *doc, const char *key)
{
	const char *v = json_string_value(json_object_get(doc, key));

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* issuer without trailing slashes has length *n */
static size_t
trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	return n;
}

static bool
same_issuer(const char *a, const char *b)
{
	size_t n = trimmed_len(a);

	return n == trimmed_len(b) && strncmp(a, b, n) == 0;
}

/* The cache slot of issuer (mu held); a free or the oldest one if new. */
static struct cached *
slot(const char *issuer)
{
	struct cached *oldest = &cache[0];
	size_t i;

	for (i = 0; i < MAX_PROVIDERS; i++)
		if (cache[i].issuer != NULL &&
		    strcmp(cache[i].issuer, issuer) == 0)
			return &cache[i];
	for (i = 0; i < MAX_PROVIDERS; i++) {
		if (cache[i].issuer == NULL) {
			oldest = &cache[i];
			break;
		}
		if (cache[i].doc_at < oldest->doc_at)
			oldest = &cache[i];
	}
	free(oldest->issuer);
	json_decref(oldest->doc);
	json_decref(oldest->jwks);
	memset(oldest, 0, sizeof(*oldest));
	oldest->issuer = xstrdup(issuer);
	return oldest;
}

int
oidc_doc_check(const char *issuer, const char *url, const json_t *doc,
    struct err *err)
{
	static const char *const need[] = {"authorization_endpoint",
		"token_endpoint", "jwks_uri", NULL};
	const char *iss = oidc_doc_str(doc, "issuer");
	size_t i;

	if (iss == NULL || !same_issuer(iss, issuer))
		return err_set(err, ERR_INVALID, "OpenID discovery failed: %s "
		    "names issuer '%s', not '%s'", url, iss != NULL ? iss : "",
		    issuer);
	for (i = 0; need[i] != NULL; i++)
		if (oidc_doc_str(doc, need[i]) == NULL)
			return err_set(err, ERR_INVALID, "OpenID discovery "
			    "failed: %s has no %s", url, need[i]);
	return 0;
}

static int
fetch_doc(const char *issuer, unsigned timeout_s, json_t **doc_r,
    struct err *err)
{
	struct buf url = BUF_INIT;
	json_t *doc = NULL;
	int rc = -1;

	buf_put(&url, issuer, trimmed_len(issuer));
	buf_puts(&url, "/.well-known/openid-configuration");
	if (oidc_http_get_json(buf_str(&url), NULL, timeout_s, &doc, NULL,
	    err) < 0) {
		err_prefix(err, "OpenID discovery failed: ");
		goto out;
	}
	if (oidc_doc_check(issuer, buf_str(&url), doc, err) < 0)
		goto out;
	*doc_r = doc;
	doc = NULL;
	rc = 0;
out:
	json_decref(doc);
	buf_clear(&url);
	return rc;
}

int
oidc_discover(const char *issuer, unsigned timeout_s, json_t **doc_r,
    struct err *err)
{
	time_t now = time(NULL);
	struct cached *c;
	json_t *doc;

	pthread_mutex_lock(&mu);
	c = slot(issuer);
	if (c->doc != NULL && now - c->doc_at < OIDC_DISCOVERY_TTL) {
		*doc_r = json_incref(c->doc);
		pthread_mutex_unlock(&mu);
		return 0;
	}
	pthread_mutex_unlock(&mu);
	if (fetch_doc(issuer, timeout_s, &doc, err) < 0)
		return -1;
	pthread_mutex_lock(&mu);
	c = slot(issuer);
	json_decref(c->doc);
	c->doc = json_incref(doc);
	c->doc_at = now;
	pthread_mutex_unlock(&mu);
	*doc_r = doc;
	return 0;
}

void
oidc_forget(const char *issuer)
{
	size_t i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < MAX_PROVIDERS; i++) {
		if (cache[i].issuer != NULL &&
		    strcmp(cache[i].issuer, issuer) == 0) {
			json_decref(cache[i].doc);
			cache[i].doc = NULL;
			cache[i].doc_at = 0;
		}
	}
	pthread_mutex_unlock(&mu);
}

bool
oidc_jwks_has_kid(const json_t *jwks, const char *kid)
{
	const json_t *k;
	size_t i;

	json_array_foreach(json_object_get(jwks, "keys"), i, k) {
		const char *v = json_string_value(json_object_get(k, "kid"));

		if (v != NULL && strcmp(v, kid) == 0)
			return true;
	}
	return false;
}

int
oidc_jwks_check(const char *url, const json_t *jwks, struct err *err)
{
	if (!json_is_array(json_object_get(jwks, "keys")))
		return err_set(err, ERR_INVALID, "the provider's JWKS (%s) has "
		    "no keys", url);
	return 0;
}

int
oidc_jwks(const char *issuer, const json_t *doc, const char *want_kid,
    bool again, unsigned timeout_s, json_t **jwks_r, struct err *err)
{
	time_t now = time(NULL);
	struct cached *c;
	json_t *jwks = NULL;

	pthread_mutex_lock(&mu);
	c = slot(issuer);
	if (c->jwks != NULL && (now - c->jwks_at < OIDC_JWKS_MIN_AGE ||
	    (!again && (want_kid == NULL ||
	    oidc_jwks_has_kid(c->jwks, want_kid))))) {
		*jwks_r = json_incref(c->jwks);
		pthread_mutex_unlock(&mu);
		return 0;
	}
	pthread_mutex_unlock(&mu);
	if (oidc_http_get_json(oidc_doc_str(doc, "jwks_uri"), NULL, timeout_s,
	    &jwks, NULL, err) < 0)
		return err_prefix(err, "fetching the provider's keys failed: ");
	if (oidc_jwks_check(oidc_doc_str(doc, "jwks_uri"), jwks, err) < 0) {
		json_decref(jwks);
		return -1;
	}
	pthread_mutex_lock(&mu);
	c = slot(issuer);
	json_decref(c->jwks);
	c->jwks = json_incref(jwks);
	c->jwks_at = now;
	pthread_mutex_unlock(&mu);
	*jwks_r = jwks;
	return 0;
}
