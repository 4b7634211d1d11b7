/*
 * Legacy user.cfg `keys` (see legacy.h), as PVE::AccessControl's
 * add_old_keys_to_realm_tfa does it.  Secrets are decoded the way its
 * normalize_totp_secret does with MIME::Base32 and pack('H*'), then used
 * as the secret of a new TOTP entry.
 */
#include "legacy.h"
#include "files/domains_int.h"
#include "ids.h"
#include "secret.h"
#include "str.h"
#include "tfacfg.h"
#include "totp.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
realm_value(const struct ps_values *v, const char *name)
{
	size_t i;

	for (i = 0; i < propstr_tfa.count; i++)
		if (strcmp(propstr_tfa.keys[i].name, name) == 0)
			return v->v[i];
	return NULL;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
tfa_realm_parse(const char *option, struct tfa_realm *r, struct err *err)
{
	struct ps_values v;
	const char *type, *n;

	memset(r, 0, sizeof(*r));
	r->digits = 6;
	r->step = 30;
	if (option == NULL || option[0] == '\0')
		return 0;
	memset(&v, 0, sizeof(v));
	if (propstr_check(&propstr_tfa, option, &v, err) < 0) {
		propstr_clear(&v);
		return -1;
	}
	type = realm_value(&v, "type");
	r->type = strcmp(type, "oath") == 0 ? TFA_REALM_OATH : TFA_REALM_YUBICO;
	/* `digits || 6`, `step || 30`: the schema has them 6-8 and >= 10 */
	if ((n = realm_value(&v, "digits")) != NULL && atoi(n) != 0)
		r->digits = (unsigned)atoi(n);
	if ((n = realm_value(&v, "step")) != NULL && atol(n) != 0)
		r->step = (unsigned)atol(n);
	r->id = dup_or_null(realm_value(&v, "id"));
	r->key = dup_or_null(realm_value(&v, "key"));
	r->url = dup_or_null(realm_value(&v, "url"));
	propstr_clear(&v);
	return 0;
}

void
tfa_realm_clear(struct tfa_realm *r)
{
	free(r->id);
	secret_free_str(r->key);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

bool
tfa_keys_pending(const char *keys, enum tfa_keys_when when)
{
	if (keys == NULL || str_has_prefix(keys, "x!"))
		return false;
	if (when == TFA_KEYS_AT_LOGIN)
		return true;
	return str_truthy(keys, strlen(keys)) && strcmp(keys, "x") != 0;
}

static bool
all_of(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr(set, s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

#define B32_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567="
#define HEX_CHARS "0123456789abcdefABCDEF"

/* pack('H*', hex): an odd last digit is the high nibble of a byte. */
static void
pack_hex(const char *s, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		buf_putc(out, (char)(str_hex_digit(s[i]) << 4 |
		    (i + 1 < n ? str_hex_digit(s[i + 1]) : 0)));
}

/*
 * MIME::Base32::decode_rfc3548: each character's byte (A-Z2-7 mapped to
 * 0-31, others such as '=' as they are) as bits, then s/000(.....)/$1/g
 * over that bit string, cut to whole bytes.
 */
static void
mime_base32_decode(const char *s, size_t n, struct buf *out)
{
	char *bits = xmalloc(8 * n + 1), *kept = xmalloc(8 * n + 1);
	size_t i, p = 0, k = 0;

	for (i = 0; i < n; i++) {
		const char *at = strchr(B32_CHARS, s[i]);
		unsigned c = at != NULL && s[i] != '=' ?
		    (unsigned)(at - B32_CHARS) : (unsigned char)s[i];
		int b;

		for (b = 7; b >= 0; b--)
			bits[8 * i + (size_t)(7 - b)] = (char)('0' + ((c >> b) & 1));
	}
	n *= 8;
	while (p < n) {
		if (p + 8 <= n && memcmp(bits + p, "000", 3) == 0) {
			memcpy(kept + k, bits + p + 3, 5);
			k += 5;
			p += 8;
		} else {
			kept[k++] = bits[p++];
		}
	}
	for (i = 0; i + 8 <= k; i += 8) {
		unsigned v = 0;
		int b;

		for (b = 0; b < 8; b++)
			v = (v << 1) | (unsigned)(kept[i + (size_t)b] - '0');
		buf_putc(out, (char)v);
	}
	secret_wipe(bits, n + 1);
	secret_wipe(kept, n + 1);
	free(bits);
	free(kept);
}

/* normalize_totp_secret: the binary key, or false (skipped). */
static bool
legacy_secret(const char *k, size_t n, struct buf *out)
{
	if (n > 5 && memcmp(k, "v2-0x", 5) == 0 &&
	    all_of(k + 5, n - 5, HEX_CHARS))
		pack_hex(k + 5, n - 5, out);
	else if (n > 3 && memcmp(k, "v2-", 3) == 0 &&
	    all_of(k + 3, n - 3, B32_CHARS))
		mime_base32_decode(k + 3, n - 3, out);
	else if (n == 16 && all_of(k, n, B32_CHARS))
		mime_base32_decode(k, n, out);
	else if (n == 40 && all_of(k, n, HEX_CHARS))
		pack_hex(k, n, out);
	else
		return false;
	return true;
}

struct import {
	struct tfacfg *cfg;
	const char *userid;
	const struct tfa_realm *realm;
	time_t now;
	unsigned count;		/* keys taken, for the descriptions */
	size_t added;
	int rc;
	struct err *err;
};

/*
 * One oath key: 1 when it is not a secret (skipped, not counted), 0 when
 * taken (added, or - an empty secret - warned about by Proxmox and
 * skipped, still counted), -1 on error.
 */
static int
import_totp(struct import *im, const char *k, size_t n, const char *desc)
{
	char id[TFA_ID_MAX + 1], account[16 + USERID_MAX];
	struct buf key = BUF_INIT;
	struct totp t;
	int rc = 0;

	if (!legacy_secret(k, n, &key)) {
		buf_clear_secret(&key);
		return 1;
	}
	if (key.len > 0 && key.len <= TOTP_SECRET_MAX) {
		memset(&t, 0, sizeof(t));
		snprintf(account, sizeof(account), "Old key for %s",
		    im->userid);
		t.secret = (unsigned char *)key.data;
		t.secret_len = key.len;
		t.digits = im->realm->digits;
		t.algo = TOTP_SHA1;
		t.period = im->realm->step;
		t.issuer = (char *)(uintptr_t)"Proxmox VE";
		t.account = account;
		rc = tfacfg_add_totp(im->cfg, im->userid, desc, &t, im->now,
		    id, im->err);
		if (rc == 0)
			im->added++;
	}
	buf_clear_secret(&key);
	return rc;
}

static int
import_yubico(struct import *im, const char *k, size_t n, const char *desc)
{
	char id[TFA_ID_MAX + 1], *item = xstrndup(k, n);
	int rc;

	rc = tfacfg_add_yubico(im->cfg, im->userid, desc, item, im->now, id,
	    im->err);
	free(item);
	if (rc == 0)
		im->added++;
	return rc;
}

static void
import_one(const char *k, size_t n, void *arg)
{
	struct import *im = arg;
	char desc[48];
	int rc;

	if (im->rc < 0)
		return;
	snprintf(desc, sizeof(desc), "<old userconfig key %u>", im->count);
	if (im->realm->type == TFA_REALM_OATH)
		rc = import_totp(im, k, n, desc);
	else
		rc = import_yubico(im, k, n, desc);
	if (rc == 1)
		return;
	im->count++;
	if (rc < 0)
		im->rc = -1;
}

int
tfa_legacy_import(struct tfacfg *cfg, const char *userid,
    const struct tfa_realm *realm, const char *keys, time_t now,
    size_t *added_r, struct err *err)
{
	struct import im = {cfg, userid, realm, now, 0, 0, 0, err};

	*added_r = 0;
	if (realm == NULL || realm->type == TFA_REALM_NONE || keys == NULL)
		return 0;
	str_split_list(keys, strlen(keys), import_one, &im);
	*added_r = im.added;
	return im.rc;
}
