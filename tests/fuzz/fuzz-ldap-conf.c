/*
 * Fuzz target: an ldap or ad realm's connection settings as login and
 * sync read them - the realm's section of domains.cfg (and
 * realmgate/domains.cfg) through api_realm_ctx into ldapc_conf_load
 * (src/realms/ldapc_conf.c), which also reads the bind password from
 * priv/realm/<realm>.pw.  The input is the domains.cfg text, then a NUL
 * byte and the .pw file (no NUL: no .pw file).  The settings are
 * resolved (1-16 servers, a port, a connect timeout, a login attribute);
 * the bind password is the file's first line, without CR or LF.
 */
#include "api.h"
#include "files/domains.h"
#include "fuzz-tmpdir.h"
#include "ldapc_conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REALMS 8

static void
check_realm(struct api_env *env, const struct domains_realm *r,
    const char *pw, size_t pwlen)
{
	char rel[128];
	struct realm_ctx ctx;
	struct ldapc_conf c;
	struct err err;

	snprintf(rel, sizeof(rel), "priv/realm/%s.pw", r->id);
	if (pw != NULL)
		fuzz_write(rel, pw, pwlen);
	api_realm_ctx(env, r, &ctx);
	if (ldapc_conf_load(&c, &ctx, &err) < 0) {
		if (err.msg[0] == '\0')
			abort();
		if (pw != NULL)
			fuzz_unlink(rel);
		return;
	}
	if (c.nservers == 0 || c.nservers > LDAPC_MAX_SERVERS ||
	    c.port <= 0 || c.port > 65535 || c.connect_timeout == 0 ||
	    ldapc_conf_user_attr(&c) == NULL)
		abort();
	if (c.bind_pw != NULL && (pw == NULL || strpbrk(c.bind_pw, "\r\n") ||
	    strlen(c.bind_pw) > pwlen ||
	    strncmp(c.bind_pw, pw, strlen(c.bind_pw)) != 0))
		abort();
	ldapc_conf_clear(&c);
	if (pw != NULL)
		fuzz_unlink(rel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size), *pw = NULL;
	size_t tlen = nul != NULL ? (size_t)(nul - text) : size, pwlen = 0;
	struct domains_cfg *cfg;
	struct api_env env;
	size_t i, n = 0;

	if (nul != NULL) {
		pw = nul + 1;
		pwlen = size - tlen - 1;
	}
	cfg = domains_parse(text, tlen, "domains.cfg", NULL);
	domains_parse_rg(cfg, text, tlen, "realmgate/domains.cfg", NULL);
	api_env_init(&env, fuzz_tmpdir(), "root@pam");
	for (i = 0; i < cfg->count && n < MAX_REALMS; i++) {
		const struct domains_realm *r = cfg->realms[i];

		if (r->type != REALM_LDAP && r->type != REALM_AD)
			continue;
		check_realm(&env, r, pw, pwlen);
		n++;
	}
	api_env_clear(&env);
	domains_free(cfg);
	return 0;
}
