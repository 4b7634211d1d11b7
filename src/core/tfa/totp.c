/*
 * The otpauth://totp/ URI (see totp.h), following proxmox-tfa's totp.rs:
 * the label is split at its first raw ':' and decoded leniently (invalid
 * UTF-8 becomes U+FFFD), parameter names strictly; a parameter without
 * '=' or with an unknown name refuses the whole URI, and a later one wins
 * over an earlier one of the same name.  Beyond Proxmox, values it would
 * take but could not use are refused here: a period of 0 (its code
 * divides by it), digits outside 6-8, a NUL byte in a name.
 */
#include "totp.h"
#include "base32.h"
#include "secret.h"
#include "str.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URI_PREFIX "otpauth://totp/"

static const char *const algo_names[] = {
	[TOTP_SHA1] = "SHA1", [TOTP_SHA256] = "SHA256", [TOTP_SHA512] = "SHA512",
};

void
totp_clear(struct totp *t)
{
	if (t->secret != NULL)
		secret_wipe(t->secret, t->secret_len);
	free(t->secret);
	free(t->issuer);
	free(t->account);
	memset(t, 0, sizeof(*t));
}

void
totp_copy(struct totp *dst, const struct totp *src)
{
	*dst = *src;
	dst->secret = xmalloc(src->secret_len);
	memcpy(dst->secret, src->secret, src->secret_len);
	dst->issuer = src->issuer != NULL ? xstrdup(src->issuer) : NULL;
	dst->account = xstrdup(src->account);
}

/* Percent-decode (p, n) as a string; lossy UTF-8.  NULL if it holds NUL. */
static char *
decode_lossy(const char *p, size_t n)
{
	struct buf b = BUF_INIT;

	str_unescape(&b, p, n);
	if (memchr(buf_str(&b), '\0', b.len) != NULL) {
		buf_clear(&b);
		return NULL;
	}
	utf8_sanitize(&b);
	return buf_steal(&b);
}

/* Percent-decode (p, n) into b; false unless valid UTF-8 without NUL. */
static bool
decode_strict(const char *p, size_t n, struct buf *b)
{
	buf_reset(b);
	str_unescape(b, p, n);
	return utf8_valid(b->data != NULL ? b->data : "", b->len) &&
	    memchr(buf_str(b), '\0', b->len) == NULL;
}

/* Rust's str::parse for an unsigned integer: optional '+', digits. */
static bool
parse_unsigned(const char *s, size_t len, unsigned long long max,
    unsigned long long *v)
{
	if (len > 0 && s[0] == '+') {
		s++;
		len--;
	}
	return str_to_u64(s, len, v) && *v <= max;
}

static int
parse_algo(const char *s, enum totp_algo *a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(algo_names); i++) {
		if (strcasecmp(s, algo_names[i]) == 0) {
			*a = (enum totp_algo)i;
			return 0;
		}
	}
	return -1;
}

static int
set_param(struct totp *t, const char *key, const char *raw, size_t rawlen,
    struct err *err)
{
	struct buf v = BUF_INIT;
	unsigned long long n;
	int rc = -1;

	if (strcmp(key, "issuer") == 0) {
		char *s = decode_lossy(raw, rawlen);

		if (s == NULL) {
			err_set(err, ERR_INVALID,
			    "failed to decode value 'issuer'");
			goto out;
		}
		free(t->issuer);
		t->issuer = s;
		rc = 0;
		goto out;
	}
	if (!decode_strict(raw, rawlen, &v)) {
		err_set(err, ERR_INVALID, "failed to decode value '%s'", key);
		goto out;
	}
	if (strcmp(key, "secret") == 0) {
		struct buf sec = BUF_INIT;

		if (!base32_decode(v.data != NULL ? v.data : "", v.len, &sec) ||
		    sec.len > TOTP_SECRET_MAX) {
			buf_clear_secret(&sec);
			err_set(err, ERR_INVALID, "failed to decode otp secret "
			    "in otpauth url");
			goto out;
		}
		if (t->secret != NULL)
			secret_wipe(t->secret, t->secret_len);
		free(t->secret);
		t->secret_len = sec.len;
		t->secret = (unsigned char *)buf_steal(&sec);
		rc = 0;
	} else if (strcmp(key, "digits") == 0) {
		if (!parse_unsigned(buf_str(&v), v.len, 255, &n))
			err_set(err, ERR_INVALID, "failed to parse value "
			    "'digits'");
		else if (n < TOTP_DIGITS_MIN || n > TOTP_DIGITS_MAX)
			err_set(err, ERR_INVALID, "unsupported number of "
			    "digits: %llu (%d to %d)", n, TOTP_DIGITS_MIN,
			    TOTP_DIGITS_MAX);
		else
			rc = 0;
		if (rc == 0)
			t->digits = (unsigned)n;
	} else if (strcmp(key, "algorithm") == 0) {
		rc = parse_algo(buf_str(&v), &t->algo);
		if (rc < 0)
			err_set(err, ERR_INVALID, "failed to parse value "
			    "'algorithm'");
	} else if (strcmp(key, "period") == 0) {
		if (!parse_unsigned(buf_str(&v), v.len, TOTP_PERIOD_MAX, &n) ||
		    n == 0)
			err_set(err, ERR_INVALID, "failed to parse value "
			    "'period'");
		else
			rc = 0;
		if (rc == 0)
			t->period = (unsigned long)n;
	} else {
		err_set(err, ERR_INVALID, "unknown otpauth uri parameter: "
		    "'%.64s'", key);
	}
out:
	buf_clear_secret(&v);
	return rc;
}

static int
parse_query(struct totp *t, const char *q, size_t len, struct err *err)
{
	struct buf key = BUF_INIT;
	size_t pos = 0;
	int rc = 0;

	for (;;) {
		const char *part = q + pos, *amp, *eq;
		size_t n;

		amp = memchr(part, '&', len - pos);
		n = amp != NULL ? (size_t)(amp - part) : len - pos;
		eq = memchr(part, '=', n);
		if (eq == NULL) {
			rc = err_set(err, ERR_INVALID,
			    "bad value in otpauth uri");
			break;
		}
		if (!decode_strict(part, (size_t)(eq - part), &key)) {
			rc = err_set(err, ERR_INVALID,
			    "failed to decode key");
			break;
		}
		rc = set_param(t, buf_str(&key), eq + 1,
		    n - (size_t)(eq - part) - 1, err);
		if (rc < 0 || amp == NULL)
			break;
		pos += n + 1;
	}
	buf_clear(&key);
	return rc;
}

int
totp_parse(const char *uri, size_t len, struct totp *t, struct err *err)
{
	const char *label, *q, *colon;
	size_t llen;

	memset(t, 0, sizeof(*t));
	t->digits = 6;
	t->algo = TOTP_SHA1;
	t->period = 30;
	if (len < strlen(URI_PREFIX) ||
	    memcmp(uri, URI_PREFIX, strlen(URI_PREFIX)) != 0)
		return err_set(err, ERR_INVALID, "not an otpauth uri");
	label = uri + strlen(URI_PREFIX);
	q = memchr(label, '?', len - strlen(URI_PREFIX));
	if (q == NULL)
		return err_set(err, ERR_INVALID, "missing '?' in otp uri");
	llen = (size_t)(q - label);
	colon = memchr(label, ':', llen);
	if (colon != NULL) {
		t->issuer = decode_lossy(label, (size_t)(colon - label));
		t->account = decode_lossy(colon + 1,
		    llen - (size_t)(colon - label) - 1);
	} else {
		t->account = decode_lossy(label, llen);
	}
	if (t->account == NULL || (colon != NULL && t->issuer == NULL)) {
		totp_clear(t);
		return err_set(err, ERR_INVALID,
		    "failed to decode account in otpauth uri");
	}
	q++;
	if (parse_query(t, q, len - (size_t)(q - uri), err) < 0) {
		totp_clear(t);
		return -1;
	}
	if (t->secret_len == 0) {
		totp_clear(t);
		return err_set(err, ERR_INVALID,
		    "missing secret in otpauth url");
	}
	return 0;
}

/* Every byte but [A-Za-z0-9] as %XX (percent_encoding's NON_ALPHANUMERIC). */
static void
put_encoded(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')) {
			buf_putc(out, (char)c);
			continue;
		}
		buf_putc(out, '%');
		buf_putc(out, hex[c >> 4]);
		buf_putc(out, hex[c & 15]);
	}
}

void
totp_uri(const struct totp *t, struct buf *out)
{
	buf_puts(out, URI_PREFIX);
	if (t->issuer != NULL) {
		put_encoded(out, t->issuer);
		buf_putc(out, ':');
	}
	put_encoded(out, t->account);
	buf_puts(out, "?secret=");
	base32_encode(t->secret, t->secret_len, out);
	buf_putf(out, "&digits=%u&algorithm=%s&period=%lu", t->digits,
	    algo_names[t->algo], t->period);
	if (t->issuer != NULL) {
		buf_puts(out, "&issuer=");
		put_encoded(out, t->issuer);
	}
}
