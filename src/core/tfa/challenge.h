/*
 * The TFA challenge (spec 4.4) carried in a partial `PVE:!tfa!` ticket:
 * what the user may answer with.  JSON with kebab-case keys, only those
 * present, compact and in proxmox-tfa's TfaChallenge order: totp,
 * recovery (indices of unused codes), u2f, webauthn, yubico.  U2F and
 * WebAuthn challenges are opaque JSON objects here.
 */
#ifndef RG_TFA_CHALLENGE_H
#define RG_TFA_CHALLENGE_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define TFA_CHALLENGE_RECOVERY_MAX 256	/* indices a challenge may carry */

struct tfacfg;

struct tfa_challenge {
	bool totp;
	bool recovery;		/* the key is present (maybe empty: all used) */
	unsigned *recovery_idx;
	size_t n_recovery;
	json_t *u2f;		/* owned; NULL: absent */
	json_t *webauthn;	/* owned; NULL: absent */
	bool yubico;
};

void tfa_challenge_init(struct tfa_challenge *c);
void tfa_challenge_clear(struct tfa_challenge *c);
/* Nothing to answer with (TfaChallenge::is_empty). */
bool tfa_challenge_empty(const struct tfa_challenge *c);

/*
 * The parts tfa.cfg decides: totp and yubico when the user has an
 * enabled, readable entry of that kind, recovery when the user has a
 * recovery set (its unused indices).  U2F and WebAuthn are the caller's.
 */
void tfa_challenge_from_cfg(struct tfa_challenge *c, const struct tfacfg *cfg,
    const char *userid);

/* Append the JSON text. */
void tfa_challenge_write(const struct tfa_challenge *c, struct buf *out);

/*
 * Parse a challenge: an object whose known keys have the right types
 * (null counts as absent for recovery, u2f and webauthn, as in serde);
 * unknown keys are ignored, as Proxmox does, duplicate keys refused.
 * ERR_INVALID "invalid tfa challenge" otherwise; c is then empty.
 */
int tfa_challenge_parse(const char *text, size_t len, struct tfa_challenge *c,
    struct err *err) RG_WARN_UNUSED;

#endif
