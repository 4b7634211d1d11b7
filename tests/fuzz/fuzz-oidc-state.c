/*
 * Fuzz target: the pending OpenID logins of a realm,
 * <config>/local/openid/<realm>.json (src/realms/oidc_state.c), as
 * auth-url and login read and rewrite it.  The input is the file; then
 * login takes the entry of a CSRF token, auth-url adds a new entry, and
 * login takes that one.  Whatever the file held, taking never hands out
 * an over-long value, the entry just added is found again with exactly
 * its values (unless the file already held its token), and the file
 * auth-url rewrote is a JSON array of at most OIDC_STATE_MAX objects.
 */
#include "fuzz-tmpdir.h"
#include "oidc_state.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1800000000
#define FILE_REL "local/openid/r.json"

static const char csrf_seed[] = "c0000000000000000000000000000000000000000000";
static const char csrf_new[] = "NEWxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

static void
check_taken(const struct oidc_pending *p)
{
	if (strlen(p->csrf) > OIDC_TOKEN_CHARS ||
	    strlen(p->nonce) > OIDC_TOKEN_CHARS ||
	    strlen(p->verifier) > OIDC_TOKEN_CHARS)
		abort();
}

static void
check_file(void)
{
	char path[1024];
	json_t *list, *e;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), FILE_REL);
	list = json_load_file(path, 0, NULL);
	if (!json_is_array(list) || json_array_size(list) > OIDC_STATE_MAX)
		abort();
	json_array_foreach(list, i, e)
		if (!json_is_object(e))
			abort();
	json_decref(list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_tmpdir();
	struct oidc_pending p, mine, got;
	struct err err;
	bool held = memmem(data, size, csrf_new, strlen(csrf_new)) != NULL;

	fuzz_write(FILE_REL, data, size);
	if (oidc_state_take(dir, "r", csrf_seed, NOW, &p, &err) == 0)
		check_taken(&p);
	else if (err.code != ERR_AUTH && err.code != ERR_IO)
		abort();
	memset(&mine, 0, sizeof(mine));
	strcpy(mine.csrf, csrf_new);
	strcpy(mine.nonce, "n0nce");
	strcpy(mine.verifier, "v3rifier");
	mine.ctime = NOW;
	if (oidc_state_add(dir, "r", &mine, "127.0.0.1", NOW, &err) == 0) {
		check_file();
		if (oidc_state_take(dir, "r", csrf_new, NOW, &got, &err) < 0) {
			if (!held)
				abort();
		} else if (!held && (strcmp(got.csrf, mine.csrf) != 0 ||
		    strcmp(got.nonce, mine.nonce) != 0 ||
		    strcmp(got.verifier, mine.verifier) != 0 ||
		    got.ctime != mine.ctime)) {
			abort();
		}
	} else if (err.code != ERR_INVALID) {
		abort();	/* only "too many pending" may refuse it */
	}
	fuzz_unlink(FILE_REL);
	return 0;
}
