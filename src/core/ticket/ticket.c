/*
 * Generic signed tickets (see ticket.h).  Parsing works on (ptr,len)
 * because tickets arrive from cookies and headers: nothing here trusts a
 * NUL terminator or the length of attacker-controlled data.
 */
#include "ticket.h"
#include "b64.h"
#include "str.h"
#include "xalloc.h"

#include <string.h>

/* Perl's \s on bytes: space, \t, \n, \v, \f, \r. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
ticket_parse_ts(const char *p, uint32_t *ts_r)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < TICKET_TS_LEN; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*ts_r = v;
	return true;
}

/* plain = PREFIX ":" [data ":"] TS; data is \S+ and may contain ':' */
static bool
parse_plain(const char *prefix, struct ticket_parts *t)
{
	size_t plen = strlen(prefix), rest;
	const char *r;

	if (t->plain_len < plen + 1 + TICKET_TS_LEN ||
	    memcmp(t->plain, prefix, plen) != 0 || t->plain[plen] != ':')
		return false;
	r = t->plain + plen + 1;
	rest = t->plain_len - plen - 1;
	if (!ticket_parse_ts(r + rest - TICKET_TS_LEN, &t->ts))
		return false;
	if (rest == TICKET_TS_LEN) {
		t->data = NULL;
		t->data_len = 0;
		return true;
	}
	/* at least one byte of data, then ':' before the timestamp */
	if (rest < TICKET_TS_LEN + 2 || r[rest - TICKET_TS_LEN - 1] != ':')
		return false;
	t->data = r;
	t->data_len = rest - TICKET_TS_LEN - 1;
	return true;
}

bool
ticket_parse(const char *prefix, const char *ticket, size_t len,
    struct ticket_parts *parts_r)
{
	struct ticket_parts t;
	size_t i, last = len;

	if (len == 0 || len > TICKET_MAX_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (str_is_space(ticket[i]) || ticket[i] == '\0')
			return false;
		if (ticket[i] == ':')
			last = i;
	}
	/* the signature is everything after the last ':' and needs "::" */
	if (last == len || last + 1 == len || last < 2 ||
	    ticket[last - 1] != ':')
		return false;
	t.plain = ticket;
	t.plain_len = last - 1;
	t.sig = ticket + last + 1;
	t.sig_len = len - last - 1;
	if (!parse_plain(prefix, &t))
		return false;
	*parts_r = t;
	return true;
}

void
ticket_escape_data(struct buf *out, const char *data)
{
	for (; *data != '\0'; data++) {
		if (*data == ':')
			buf_puts(out, "%3A");
		else
			buf_putc(out, *data);
	}
}

bool
ticket_format_ts(time_t now, char out[TICKET_TS_LEN + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t v;
	int i;

	if (now < 0 || (uint64_t)now > UINT32_MAX)
		return false;
	v = (uint32_t)now;
	for (i = TICKET_TS_LEN - 1; i >= 0; i--) {
		out[i] = hex[v & 15];
		v >>= 4;
	}
	out[TICKET_TS_LEN] = '\0';
	return true;
}

static bool
has_secret(const char *secret_data)
{
	return secret_data != NULL && secret_data[0] != '\0';
}

/* what gets signed: plain[":" secret_data] */
static void
signed_message(struct buf *msg, const char *plain, size_t plain_len,
    const char *secret_data)
{
	buf_put(msg, plain, plain_len);
	if (has_secret(secret_data)) {
		buf_putc(msg, ':');
		buf_puts(msg, secret_data);
	}
}

static bool
data_ok(const char *data)
{
	const char *p;

	if (data[0] == '\0')
		return false;
	for (p = data; *p != '\0'; p++)
		if (str_is_space(*p))
			return false;
	return true;
}

int
ticket_sign(EVP_PKEY *key, enum ticket_pad pad, const char *prefix,
    const char *data, const char *secret_data, time_t now, char **ticket_r,
    struct err *err)
{
	struct buf plain = BUF_INIT, msg = BUF_INIT, sig = BUF_INIT;
	char ts[TICKET_TS_LEN + 1];
	size_t plain_len;
	int rc = -1;

	if (prefix[0] == '\0' || strchr(prefix, ':') != NULL)
		return err_set(err, ERR_INVALID, "invalid ticket prefix");
	if (data != NULL && !data_ok(data))
		return err_set(err, ERR_INVALID,
		    "ticket data must be non-empty and free of whitespace");
	if (!ticket_format_ts(now, ts))
		return err_set(err, ERR_INVALID,
		    "time %lld out of range for a ticket", (long long)now);
	buf_putf(&plain, "%s:", prefix);
	if (data != NULL) {
		ticket_escape_data(&plain, data);
		buf_putc(&plain, ':');
	}
	buf_puts(&plain, ts);
	plain_len = plain.len;
	signed_message(&msg, plain.data, plain_len, secret_data);
	if (rsasig_sign(key, pad, msg.data, msg.len, &sig, err) < 0)
		goto out;
	buf_puts(&plain, "::");
	b64_encode_buf(&plain, sig.data, sig.len, true);
	*ticket_r = buf_steal(&plain);
	rc = 0;
out:
	buf_clear(&plain);
	buf_clear_secret(&msg);
	buf_clear(&sig);
	return rc;
}

bool
ticket_signature_ok(EVP_PKEY *key, const struct ticket_parts *parts,
    const char *secret_data, enum ticket_pad *pad_r)
{
	struct buf msg = BUF_INIT, sig = BUF_INIT;
	bool ok = false;

	if (key == NULL || !b64_decode(parts->sig, parts->sig_len, &sig))
		goto out;
	signed_message(&msg, parts->plain, parts->plain_len, secret_data);
	ok = rsasig_verify_any(key, msg.data, msg.len, sig.data, sig.len,
	    pad_r);
out:
	buf_clear_secret(&msg);
	buf_clear(&sig);
	return ok;
}

void
ticket_info_init(struct ticket_info *info)
{
	memset(info, 0, sizeof(*info));
	buf_init(&info->data, 0);
}

void
ticket_info_clear(struct ticket_info *info)
{
	buf_clear_secret(&info->data);
	info->has_data = false;
	info->age = 0;
}

int
ticket_verify(EVP_PKEY *key, const char *prefix, const char *ticket,
    size_t len, const char *secret_data, time_t now, int64_t min_age,
    int64_t max_age, struct ticket_info *info, struct err *err)
{
	struct ticket_parts t;
	enum ticket_pad pad;
	int64_t age;

	if (!ticket_parse(prefix, ticket, len, &t) ||
	    !ticket_signature_ok(key, &t, secret_data, &pad))
		goto fail;
	age = (int64_t)now - (int64_t)t.ts;
	if (!(age > min_age && age < max_age))
		goto fail;
	buf_reset(&info->data);
	info->has_data = t.data != NULL;
	if (t.data != NULL)
		str_unescape(&info->data, t.data, t.data_len);
	info->age = age;
	info->pad = pad;
	return 0;
fail:
	return err_set(err, ERR_AUTH, "permission denied - invalid %s ticket",
	    prefix);
}
