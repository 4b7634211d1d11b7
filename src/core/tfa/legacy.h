/*
 * The legacy `keys` field of user.cfg (spec 10.6) and the realm's `tfa`
 * option it is read with (spec 10.5): before tfa.cfg existed, a realm
 * with `tfa type=oath` kept each user's TOTP secrets, and one with
 * `tfa type=yubico` the Yubikey ids, in that field.  Proxmox imports them
 * into tfa.cfg when the user adds a factor (and marks the field `x`), and
 * in memory at every login.
 */
#ifndef RG_TFA_LEGACY_H
#define RG_TFA_LEGACY_H

#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct tfacfg;

enum tfa_realm_type {
	TFA_REALM_NONE,		/* no `tfa` option */
	TFA_REALM_OATH,
	TFA_REALM_YUBICO,
};

/* A realm's parsed `tfa` option (pve-tfa-config). */
struct tfa_realm {
	enum tfa_realm_type type;
	unsigned digits;	/* oath: 6 unless set */
	unsigned step;		/* oath: 30 unless set */
	char *id, *key, *url;	/* yubico: API id, key, server (NULL: unset) */
};

/*
 * Parse the option's value (NULL or "": no realm TFA) with the realm
 * schema's rules; errors "invalid format - ...".
 */
int tfa_realm_parse(const char *option, struct tfa_realm *r,
    struct err *err) RG_WARN_UNUSED;
void tfa_realm_clear(struct tfa_realm *r);

enum tfa_keys_when {
	TFA_KEYS_AT_ADD,	/* a factor is added: "x" and "x!..." are marks */
	TFA_KEYS_AT_LOGIN,	/* a login: only "x!..." is (Proxmox's regex) */
};

/*
 * Whether the field holds keys still to import.  At add, like Proxmox's
 * `$keys && $keys !~ /^x(?:!.*)?$/`: not for NULL, "", "0", "x", "x!...".
 * At login, `defined($keys) && $keys !~ /^x(?:!.*)$/`: not for NULL or
 * "x!...", so a bare "x" is read as a key list there.
 */
bool tfa_keys_pending(const char *keys, enum tfa_keys_when when);

/*
 * Add the entries Proxmox makes from keys to cfg for userid: in an oath
 * realm one TOTP entry per valid secret (PVE::OTP's forms: v2-0x<hex>,
 * v2-<base32>, 16 base32 or 40 hex characters; others skipped) with the
 * URI otpauth://totp/Proxmox%20VE:<"Old key for <userid>">?... and the
 * realm's digits and step; in a yubico realm one Yubico entry per item;
 * without realm TFA nothing.  Descriptions "<old userconfig key N>", N
 * counting the keys taken.  *added_r: how many entries were added.
 */
int tfa_legacy_import(struct tfacfg *cfg, const char *userid,
    const struct tfa_realm *realm, const char *keys, time_t now,
    size_t *added_r, struct err *err) RG_WARN_UNUSED;

#endif
