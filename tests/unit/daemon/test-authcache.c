/*
 * The front's credential caches (src/daemon/authcache.c), with the
 * interleavings of a request racing a change played out step by step: a
 * verification that started before a change must not be filed after it,
 * and nothing verified under old keys, an old user.cfg snapshot or an old
 * priv/token.cfg is served once the new one has been seen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "authcache.h"

#include <stdlib.h>
#include <string.h>

#define NOW 1700000000

static int
reset(void **state)
{
	(void)state;
	authcache_reset();
	return 0;
}

static void
digest(const char *s, char out[65])
{
	authcache_digest(s, strlen(s), out);
}

static void
test_ticket_basic(void **state)
{
	char d[65], *u;

	(void)state;
	digest("PVE:alice@pve:1::sig", d);
	assert_null(ticket_cache_get(d, 3, NOW));
	ticket_cache_put(d, "alice@pve", 3, NOW - 10, NOW);
	u = ticket_cache_get(d, 3, NOW);
	assert_string_equal(u, "alice@pve");
	free(u);
	/* at most TICKET_CACHE_TTL, and never past the ticket's 2 h */
	assert_null(ticket_cache_get(d, 3, NOW + TICKET_CACHE_TTL));
	digest("PVE:alice@pve:2::sig", d);
	ticket_cache_put(d, "alice@pve", 3, NOW - 7200 + 5, NOW);
	u = ticket_cache_get(d, 3, NOW + 4);
	assert_string_equal(u, "alice@pve");
	free(u);
	assert_null(ticket_cache_get(d, 3, NOW + 5));
	/* keygen 0 (keys not from the store): nothing kept */
	ticket_cache_put(d, "alice@pve", 0, NOW, NOW);
	assert_null(ticket_cache_get(d, 0, NOW));
}

/*
 * Request A verifies a ticket with the keys of generation 3; meanwhile
 * the keys change and request B looks up with generation 4; A files its
 * answer only then.  It must not be served under generation 4.
 */
static void
test_ticket_race_with_key_change(void **state)
{
	char d[65], *u;

	(void)state;
	digest("PVE:root@pam:1::forged-after-rotation", d);
	assert_null(ticket_cache_get(d, 3, NOW));		/* A: miss */
	assert_null(ticket_cache_get(d, 4, NOW));		/* B: new keys */
	ticket_cache_put(d, "root@pam", 3, NOW, NOW);		/* A: late */
	assert_null(ticket_cache_get(d, 4, NOW));
	/* nor does an old lookup move the cache back */
	assert_null(ticket_cache_get(d, 3, NOW));
	ticket_cache_put(d, "root@pam", 4, NOW, NOW);
	u = ticket_cache_get(d, 4, NOW);
	assert_string_equal(u, "root@pam");
	free(u);
	assert_null(ticket_cache_get(d, 3, NOW));
	/* newer keys: every older entry goes */
	assert_null(ticket_cache_get(d, 5, NOW));
	assert_null(ticket_cache_get(d, 4, NOW));
}

static void
test_token_basic(void **state)
{
	unsigned long epoch;
	char d[65];

	(void)state;
	digest("alice@pve!t\0secret", d);
	token_cache_seen(42);
	assert_false(token_cache_get(d, 7, NOW, &epoch));
	token_cache_put(d, 7, epoch, NOW);
	assert_true(token_cache_get(d, 7, NOW, &epoch));
	assert_false(token_cache_get(d, 7, NOW + TOKEN_CACHE_TTL, &epoch));
	/* no snapshot (generation 0): never cached */
	assert_false(token_cache_get(d, 0, NOW, &epoch));
	token_cache_put(d, 0, epoch, NOW);
	assert_false(token_cache_get(d, 0, NOW, &epoch));
}

/*
 * A verifies a secret through authd; B regenerates the token through the
 * daemon, which flushes the cache; A's answer arrives after the flush.
 * It must not be filed: the old secret would work again.
 */
static void
test_token_race_with_flush(void **state)
{
	unsigned long epoch_a;
	char d[65];

	(void)state;
	digest("alice@pve!t\0old-secret", d);
	token_cache_seen(42);
	assert_false(token_cache_get(d, 7, NOW, &epoch_a));	/* A: miss */
	token_cache_flush();					/* B: change */
	token_cache_put(d, 7, epoch_a, NOW);			/* A: late */
	assert_false(token_cache_get(d, 7, NOW, &epoch_a));
}

/*
 * A looks up under snapshot 7; the CLI rewrites user.cfg and token.cfg
 * and B's request sees snapshot 8; A files its answer for 7.  It must not
 * be served under 8, and an old snapshot's lookup does not move back.
 */
static void
test_token_race_with_new_snapshot(void **state)
{
	unsigned long epoch_a, epoch_b;
	char d[65];

	(void)state;
	digest("alice@pve!t\0old-secret", d);
	token_cache_seen(42);
	assert_false(token_cache_get(d, 7, NOW, &epoch_a));
	assert_false(token_cache_get(d, 8, NOW, &epoch_b));
	token_cache_put(d, 7, epoch_a, NOW);
	assert_false(token_cache_get(d, 8, NOW, &epoch_b));
	assert_false(token_cache_get(d, 7, NOW, &epoch_a));
	/* even with an epoch taken after the change, 7 is gone */
	token_cache_put(d, 7, epoch_b, NOW);
	assert_false(token_cache_get(d, 8, NOW, &epoch_b));
}

/*
 * token.cfg changes beside the daemon (user.cfg untouched): the front
 * learns it from the identity authd reports with its next answer.  An
 * entry verified before is dropped, and A's verification that raced it
 * is not filed.
 */
static void
test_token_race_with_tokencfg_change(void **state)
{
	unsigned long epoch_a, epoch;
	char d[65], e[65];

	(void)state;
	digest("alice@pve!t\0old-secret", d);
	digest("bob@pve!t\0other", e);
	token_cache_seen(42);
	assert_false(token_cache_get(e, 7, NOW, &epoch));
	token_cache_put(e, 7, epoch, NOW);
	assert_true(token_cache_get(e, 7, NOW, &epoch));
	assert_false(token_cache_get(d, 7, NOW, &epoch_a));	/* A */
	token_cache_seen(43);		/* any answer of authd after it */
	token_cache_put(d, 7, epoch_a, NOW);			/* A: late */
	assert_false(token_cache_get(d, 7, NOW, &epoch));
	assert_false(token_cache_get(e, 7, NOW, &epoch));
	/* the same identity again changes nothing */
	token_cache_put(e, 7, epoch, NOW);
	token_cache_seen(43);
	assert_true(token_cache_get(e, 7, NOW, &epoch));
	/* a late answer with the old identity empties it again */
	token_cache_seen(42);
	assert_false(token_cache_get(e, 7, NOW, &epoch));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ticket_basic, reset),
		cmocka_unit_test_setup(test_ticket_race_with_key_change, reset),
		cmocka_unit_test_setup(test_token_basic, reset),
		cmocka_unit_test_setup(test_token_race_with_flush, reset),
		cmocka_unit_test_setup(test_token_race_with_new_snapshot,
		    reset),
		cmocka_unit_test_setup(test_token_race_with_tokencfg_change,
		    reset),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	authcache_reset();
	return rc;
}
