/*
 * The version-1 tfa.cfg (PVE 6 and older), read and converted as
 * pve-rs's parse_old_config does: one line `<userid>:<type>:<base64 JSON>`
 * per user (a later line for the same user replaces an earlier one),
 * type oath (TOTP secrets sharing one step/digits), yubico (key ids) or
 * u2f (one registration).  Entries get id "v1-entry", description
 * "<old version 1 entry>" and created 0.  Any bad line fails the whole
 * file, as in Proxmox.
 */
#include "tfacfg_int.h"
#include "base32.h"
#include "str.h"
#include "ticket/b64.h"
#include "totp.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Rust's u8::is_ascii_whitespace (no vertical tab). */
static bool
rust_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && rust_space(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && rust_space((*p)[*n - 1]))
		(*n)--;
}

static json_t *
v1_entry(json_t *value)
{
	json_t *e = json_object();

	json_object_set_new(e, "id", json_string("v1-entry"));
	json_object_set_new(e, "description",
	    json_string("<old version 1 entry>"));
	json_object_set_new(e, "created", json_integer(0));
	json_object_set_new(e, "entry", value);
	return e;
}

/* Append entry to list key of u. */
static void
add_to(json_t *u, const char *key, json_t *entry)
{
	json_t *list = json_object_get(u, key);

	if (list == NULL) {
		list = json_array();
		json_object_set_new(u, key, list);
	}
	json_array_append_new(list, entry);
}

/* usize_from_perl: a non-negative JSON integer, or a string of digits. */
static bool
perl_uint(const json_t *v, unsigned long long max, unsigned long long *out)
{
	const char *s;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (unsigned long long)json_integer_value(v);
		return *out <= max;
	}
	s = tfa_json_str(v);
	if (s == NULL)
		return false;
	if (s[0] == '+')
		s++;
	return str_to_u64(s, strlen(s), out) && *out <= max;
}

/* Rust's hex::decode: an even number of hex digits. */
static bool
hex_decode(const char *k, size_t n, struct buf *out)
{
	size_t i;

	if (n % 2 != 0)
		return false;
	for (i = 0; i < n; i += 2) {
		int hi = str_hex_digit(k[i]), lo = str_hex_digit(k[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		buf_putc(out, (char)(hi << 4 | lo));
	}
	return true;
}

/* One oath key as PVE::OTP took them: v2-0x<hex>, v2-<b32>, b32, hex. */
static bool
oath_key(const char *k, size_t n, struct buf *out)
{
	if (n >= 5 && memcmp(k, "v2-0x", 5) == 0)
		return hex_decode(k + 5, n - 5, out);
	if (n >= 3 && memcmp(k, "v2-", 3) == 0)
		return base32_decode(k + 3, n - 3, out);
	if (n == 16)
		return base32_decode(k, n, out);
	if (n == 40)
		return hex_decode(k, n, out);
	return false;
}

struct oath_ctx {
	json_t *u;
	struct totp t;
	bool bad;
};

static void
oath_one(const char *item, size_t n, void *arg)
{
	struct oath_ctx *c = arg;
	struct buf key = BUF_INIT, uri = BUF_INIT;

	trim(&item, &n);
	if (n == 0 || c->bad)
		return;
	if (!oath_key(item, n, &key) || key.len == 0 ||
	    key.len > TOTP_SECRET_MAX) {
		c->bad = true;
		buf_clear_secret(&key);
		return;
	}
	c->t.secret = (unsigned char *)key.data;
	c->t.secret_len = key.len;
	totp_uri(&c->t, &uri);
	c->t.secret = NULL;
	c->t.secret_len = 0;
	add_to(c->u, "totp", v1_entry(json_stringn(buf_str(&uri), uri.len)));
	buf_clear_secret(&key);
	buf_clear_secret(&uri);
}

/* Split like Rust's str::split([',', ';', ' ']): empty items included. */
static void
split_keys(const char *s, void (*fn)(const char *, size_t, void *),
    void *arg)
{
	for (;;) {
		size_t n = strcspn(s, ",; ");

		fn(s, n, arg);
		if (s[n] == '\0')
			return;
		s += n + 1;
	}
}

static int
decode_oath(json_t *obj, const char *user, json_t *u)
{
	json_t *config = json_object_get(obj, "config"), *v;
	struct oath_ctx c = {.u = u};
	unsigned long long n;
	const char *keys, *k;
	int rc = -1;

	if (!json_is_object(config))
		return -1;
	c.t.digits = 6;
	c.t.algo = TOTP_SHA1;
	c.t.period = 30;
	json_object_foreach(config, k, v) {
		if (strcmp(k, "step") == 0 && perl_uint(v, TOTP_PERIOD_MAX, &n) &&
		    n > 0)
			c.t.period = (unsigned long)n;
		else if (strcmp(k, "digits") == 0 && perl_uint(v, 255, &n) &&
		    n >= TOTP_DIGITS_MIN && n <= TOTP_DIGITS_MAX)
			c.t.digits = (unsigned)n;
		else
			return -1;	/* a bad value, or an unhandled key */
	}
	keys = tfa_json_str(json_object_get(obj, "keys"));
	if (keys == NULL || !utf8_valid(user, strlen(user)))
		return -1;
	c.t.account = xstrdup(user);
	split_keys(keys, oath_one, &c);
	rc = c.bad ? -1 : 0;
	free(c.t.account);
	return rc;
}

static void
yubico_one(const char *item, size_t n, void *arg)
{
	json_t *u = arg;

	trim(&item, &n);
	if (n > 0)
		add_to(u, "yubico", v1_entry(json_stringn(item, n)));
}

static int
decode_yubico(json_t *obj, json_t *u)
{
	const char *keys = tfa_json_str(json_object_get(obj, "keys"));

	if (keys == NULL || !utf8_valid(keys, strlen(keys)))
		return -1;
	split_keys(keys, yubico_one, u);
	return 0;
}

/* base64url without padding, checked (decoded and dropped). */
static bool
b64url_ok(const char *s)
{
	struct buf std = BUF_INIT, bin = BUF_INIT;
	bool ok = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == strlen(s);
	const char *p;

	for (p = s; ok && *p != '\0'; p++)
		buf_putc(&std, *p == '-' ? '+' : *p == '_' ? '/' : *p);
	ok = ok && b64_decode(buf_str(&std), std.len, &bin);
	buf_clear(&std);
	buf_clear(&bin);
	return ok;
}

static int
decode_u2f(json_t *obj, json_t *u)
{
	const char *handle, *pub;
	struct buf bin = BUF_INIT, b64 = BUF_INIT;
	json_t *key, *reg;

	if (json_object_get(obj, "challenge") != NULL)
		return 0;	/* an unfinished registration: dropped */
	handle = tfa_json_str(json_object_get(obj, "keyHandle"));
	pub = tfa_json_str(json_object_get(obj, "publicKey"));
	if (handle == NULL || pub == NULL || json_object_size(obj) != 2 ||
	    !b64url_ok(handle) || !b64_decode(pub, strlen(pub), &bin)) {
		buf_clear(&bin);
		return -1;
	}
	key = json_object();
	json_object_set_new(key, "keyHandle", json_string(handle));
	json_object_set_new(key, "version", json_string("U2F_V2"));
	reg = json_object();
	json_object_set_new(reg, "key", key);
	b64_encode_buf(&b64, bin.data, bin.len, true);
	json_object_set_new(reg, "public-key", json_string(buf_str(&b64)));
	add_to(u, "u2f", v1_entry(reg));
	buf_clear(&bin);
	buf_clear(&b64);
	return 0;
}

static int
decode_line(const char *line, size_t n, json_t *users)
{
	const char *c1, *c2, *type, *data;
	struct buf user = BUF_INIT, bin = BUF_INIT;
	size_t tlen;
	json_t *obj = NULL, *u = NULL;
	int rc = -1;

	c1 = memchr(line, ':', n);
	c2 = c1 != NULL ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line)) :
	    NULL;
	if (c2 == NULL)
		return -1;	/* "bad line in tfa config" */
	buf_put(&user, line, (size_t)(c1 - line));
	type = c1 + 1;
	tlen = (size_t)(c2 - type);
	data = c2 + 1;
	if (!utf8_valid(buf_str(&user), user.len) ||
	    memchr(buf_str(&user), '\0', user.len) != NULL ||
	    !b64_decode(data, n - (size_t)(data - line), &bin))
		goto out;
	obj = json_loadb(bin.data != NULL ? bin.data : "", bin.len,
	    JSON_DECODE_ANY, NULL);
	if (!json_is_object(obj))
		goto out;
	u = json_object();
	if (tlen == 4 && memcmp(type, "oath", 4) == 0)
		rc = decode_oath(obj, buf_str(&user), u);
	else if (tlen == 6 && memcmp(type, "yubico", 6) == 0)
		rc = decode_yubico(obj, u);
	else if (tlen == 3 && memcmp(type, "u2f", 3) == 0)
		rc = decode_u2f(obj, u);
	if (rc == 0)
		json_object_set(users, buf_str(&user), u);
out:
	json_decref(obj);
	json_decref(u);
	buf_clear(&user);
	buf_clear_secret(&bin);
	return rc;
}

int
tfacfg_parse_v1(const char *text, size_t len, struct tfacfg **cfg_r,
    struct err *err)
{
	struct tfacfg *cfg = tfacfg_new();
	size_t pos = 0, n;
	const char *line;

	while (str_next_line(text, len, &pos, &line, &n)) {
		trim(&line, &n);
		if (n == 0 || line[0] == '#')
			continue;
		if (decode_line(line, n, tfacfg_users_obj(cfg)) < 0) {
			tfacfg_free(cfg);
			return err_set(err, ERR_INVALID,
			    "bad line in tfa config");
		}
	}
	*cfg_r = cfg;
	return 0;
}
