/*
 * The front's credential caches (see authcache.h).
 */
#include "authcache.h"
#include "hmap.h"
#include "xalloc.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void
authcache_digest(const void *p, size_t len, char out[65])
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256(p, len, md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
}

struct cached_ticket {
	char *userid;
	time_t until;
};

static struct {
	pthread_mutex_t mu;
	struct hmap map;	/* digest -> struct cached_ticket */
	unsigned long keygen;	/* the keys every entry was verified with */
} tc = {PTHREAD_MUTEX_INITIALIZER};

static void
cached_ticket_free(void *v)
{
	free(((struct cached_ticket *)v)->userid);
	free(v);
}

/* Move to keygen if it is newer; true if entries of keygen may be used. */
static bool
tc_at(unsigned long keygen)
{
	if (keygen == 0)
		return false;
	if (keygen > tc.keygen) {
		hmap_clear_owned(&tc.map, cached_ticket_free);
		tc.keygen = keygen;
	}
	return keygen == tc.keygen;
}

char *
ticket_cache_get(const char *digest, unsigned long keygen, time_t now)
{
	struct cached_ticket *t;
	char *userid = NULL;

	pthread_mutex_lock(&tc.mu);
	if (tc_at(keygen)) {
		t = hmap_get(&tc.map, digest);
		if (t != NULL && now < t->until)
			userid = xstrdup(t->userid);
	}
	pthread_mutex_unlock(&tc.mu);
	return userid;
}

void
ticket_cache_put(const char *digest, const char *userid, unsigned long keygen,
    time_t ts, time_t now)
{
	struct cached_ticket *t;
	time_t until = ts + 7200;

	if (until > now + TICKET_CACHE_TTL)
		until = now + TICKET_CACHE_TTL;
	pthread_mutex_lock(&tc.mu);
	/* verified with keys older than the cache's: keep nothing */
	if (tc_at(keygen) && hmap_get(&tc.map, digest) == NULL) {
		if (tc.map.count >= TICKET_CACHE_MAX)
			hmap_clear_owned(&tc.map, cached_ticket_free);
		t = xmalloc(sizeof(*t));
		t->userid = xstrdup(userid);
		t->until = until;
		hmap_put(&tc.map, xstrdup(digest), t);
	}
	pthread_mutex_unlock(&tc.mu);
}

static struct {
	pthread_mutex_t mu;
	struct hmap map;	/* digest -> (void *)(uintptr_t)until */
	unsigned long ucfg_gen;	/* the snapshot every entry belongs to */
	unsigned long epoch;	/* grows with every emptying */
	uint64_t tokencfg;	/* token.cfg as authd last reported it */
	bool tokencfg_known;
} kc = {PTHREAD_MUTEX_INITIALIZER};

static void
kc_empty(void)
{
	hmap_clear_owned(&kc.map, NULL);
	kc.epoch++;
}

static bool
kc_at(unsigned long ucfg_gen)
{
	if (ucfg_gen == 0)
		return false;
	if (ucfg_gen > kc.ucfg_gen) {
		kc_empty();
		kc.ucfg_gen = ucfg_gen;
	}
	return ucfg_gen == kc.ucfg_gen;
}

bool
token_cache_get(const char *digest, unsigned long ucfg_gen, time_t now,
    unsigned long *epoch_r)
{
	bool hit = false;

	pthread_mutex_lock(&kc.mu);
	if (kc_at(ucfg_gen))
		hit = (time_t)(uintptr_t)hmap_get(&kc.map, digest) > now;
	*epoch_r = kc.epoch;
	pthread_mutex_unlock(&kc.mu);
	return hit;
}

void
token_cache_put(const char *digest, unsigned long ucfg_gen,
    unsigned long epoch, time_t now)
{
	pthread_mutex_lock(&kc.mu);
	/* emptied since the lookup (a change, a new snapshot): too late */
	if (kc_at(ucfg_gen) && epoch == kc.epoch &&
	    hmap_get(&kc.map, digest) == NULL) {
		if (kc.map.count >= TOKEN_CACHE_MAX)
			hmap_clear_owned(&kc.map, NULL);
		hmap_put(&kc.map, xstrdup(digest),
		    (void *)(uintptr_t)(now + TOKEN_CACHE_TTL));
	}
	pthread_mutex_unlock(&kc.mu);
}

void
token_cache_seen(uint64_t tokencfg)
{
	pthread_mutex_lock(&kc.mu);
	if (!kc.tokencfg_known || tokencfg != kc.tokencfg) {
		kc_empty();
		kc.tokencfg = tokencfg;
		kc.tokencfg_known = true;
	}
	pthread_mutex_unlock(&kc.mu);
}

void
token_cache_flush(void)
{
	pthread_mutex_lock(&kc.mu);
	kc_empty();
	pthread_mutex_unlock(&kc.mu);
}

void
authcache_reset(void)
{
	pthread_mutex_lock(&tc.mu);
	hmap_clear_owned(&tc.map, cached_ticket_free);
	tc.keygen = 0;
	pthread_mutex_unlock(&tc.mu);
	pthread_mutex_lock(&kc.mu);
	hmap_clear_owned(&kc.map, NULL);
	kc.ucfg_gen = 0;
	kc.epoch++;
	kc.tokencfg = 0;
	kc.tokencfg_known = false;
	pthread_mutex_unlock(&kc.mu);
}
