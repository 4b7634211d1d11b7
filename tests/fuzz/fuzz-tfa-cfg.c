/*
 * priv/tfa.cfg (src/core/tfa/tfacfg*.c, sjson.c), both formats: no
 * crash, and what realmgate writes is stable - the written text reads
 * back (as JSON) and writes the same bytes again.  Every reader runs on
 * every user (listing, lookups, recovery state, the challenge), and a
 * change to one entry and a TOTP check must keep the file readable and
 * its other users' bytes as they were.
 */
#include "tfa/challenge.h"
#include "tfa/tfacfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767230000

static struct tfacfg *
must_parse(const char *text, size_t len)
{
	struct tfacfg *cfg;
	struct err err;

	if (tfacfg_parse(text, len, NOW, "again", NULL, &cfg, &err) < 0)
		abort();	/* our own output must read back */
	return cfg;
}

static void
written(const struct tfacfg *cfg, struct buf *out)
{
	buf_reset(out);
	tfacfg_write(cfg, out);
	if (out->len > 0 && out->data[0] != '{')
		abort();
}

/* Every reader on every user; change the first entry of the first one. */
static void
exercise(struct tfacfg *cfg)
{
	const char **users;
	struct tfa_info *infos, info;
	struct tfa_challenge c;
	unsigned idx[16];
	struct err err;
	size_t n, i, k;

	n = tfacfg_users(cfg, &users);
	for (i = 0; i < n; i++) {
		k = tfacfg_list(cfg, users[i], &infos);
		if (k > 0 && !tfacfg_find(cfg, users[i], infos[0].id, &info))
			abort();
		free(infos);
		(void)tfacfg_user_unusable(cfg, users[i]);
		(void)tfacfg_recovery_unused(cfg, users[i], idx, 16);
		(void)tfacfg_totp_locked(cfg, users[i]);
		(void)tfacfg_locked_until(cfg, users[i]);
		(void)tfacfg_enabled_entry(cfg, users[i], TFA_WEBAUTHN, 0,
		    NULL);
		tfa_challenge_init(&c);
		tfa_challenge_from_cfg(&c, cfg, users[i]);
		tfa_challenge_clear(&c);
	}
	if (n > 0) {
		k = tfacfg_list(cfg, users[0], &infos);
		if (k > 0 && infos[0].type != TFA_RECOVERY &&
		    tfacfg_update(cfg, users[0], infos[0].id, "fuzz", 0,
		    &err) < 0)
			abort();
		free(infos);
		(void)tfacfg_totp_verify(cfg, users[0], "123456", NOW);
		(void)tfacfg_recovery_use(cfg, users[0], "0000-0000-0000-0000");
	}
	free(users);
}

/* cfg's text reads back and writes the same bytes. */
static void
check_stable(const struct tfacfg *cfg)
{
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct tfacfg *again;

	written(cfg, &out);
	again = must_parse(buf_str(&out), out.len);
	written(again, &out2);
	if (strcmp(buf_str(&out), buf_str(&out2)) != 0)
		abort();
	tfacfg_free(again);
	buf_clear(&out);
	buf_clear(&out2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tfacfg *cfg;
	struct err err;
	struct diag d;

	diag_init(&d);
	if (tfacfg_parse((const char *)data, size, NOW, "tfa.cfg", &d, &cfg,
	    &err) < 0) {
		diag_clear(&d);
		return 0;
	}
	check_stable(cfg);
	exercise(cfg);
	check_stable(cfg);
	tfacfg_free(cfg);
	diag_clear(&d);
	return 0;
}
