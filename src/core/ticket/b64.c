/*
 * Base64 encoder and strict decoder (see b64.h).  Our own few lines rather
 * than OpenSSL's EVP_Encode*, which insert line breaks and accept
 * whitespace and trailing garbage.
 */
#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
b64_encoded_len(size_t len, bool pad)
{
	size_t full = len / 3 * 4, rest = len % 3;

	if (rest == 0)
		return full;
	return full + (pad ? 4 : rest + 1);
}

void
b64_encode(char *out, const void *data, size_t len, bool pad)
{
	const unsigned char *p = data;
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 |
		    (unsigned long)p[i + 1] << 8 | p[i + 2];

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		out[o++] = alphabet[p[i] >> 2];
		out[o++] = alphabet[(p[i] & 3) << 4];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		unsigned long v = (unsigned long)p[i] << 8 | p[i + 1];

		out[o++] = alphabet[v >> 10 & 63];
		out[o++] = alphabet[v >> 4 & 63];
		out[o++] = alphabet[(v & 15) << 2];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
}

void
b64_encode_buf(struct buf *b, const void *data, size_t len, bool pad)
{
	char chunk[4 * 64 + 1];
	const unsigned char *p = data;

	/* whole groups of 3 keep the chunks independent of each other */
	while (len > 0) {
		size_t take = len > 3 * 64 ? 3 * 64 : len;

		b64_encode(chunk, p, take, pad);
		buf_puts(b, chunk);
		p += take;
		len -= take;
	}
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool
b64_decode(const char *p, size_t len, struct buf *out)
{
	size_t start = out->len, i, n;
	unsigned long acc = 0;
	int bits = 0;

	/* strip correct padding: total length a multiple of 4 */
	if (len > 0 && p[len - 1] == '=') {
		if (len % 4 != 0)
			return false;
		len--;
		if (len > 0 && p[len - 1] == '=')
			len--;
	}
	n = len % 4;
	if (n == 1)
		return false;
	for (i = 0; i < len; i++) {
		int v = b64_value(p[i]);

		if (v < 0) {
			out->len = start;
			if (out->data != NULL)
				out->data[start] = '\0';
			return false;
		}
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)(acc >> bits & 0xff));
		}
	}
	/* leftover bits must be zero: one encoding per byte string */
	if ((acc & ((1ul << bits) - 1)) != 0) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return false;
	}
	return true;
}

void
b64url_encode_buf(struct buf *b, const void *data, size_t len)
{
	size_t start = b->len, i;

	b64_encode_buf(b, data, len, false);
	for (i = start; i < b->len; i++) {
		if (b->data[i] == '+')
			b->data[i] = '-';
		else if (b->data[i] == '/')
			b->data[i] = '_';
	}
}

bool
b64url_decode(const char *p, size_t len, struct buf *out)
{
	struct buf std = BUF_INIT;
	bool url = false, plain = false, ok;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		url |= c == '-' || c == '_';
		plain |= c == '+' || c == '/';
		buf_putc(&std, c == '-' ? '+' : c == '_' ? '/' : c);
	}
	ok = !(url && plain) && b64_decode(buf_str(&std), std.len, out);
	buf_clear(&std);
	return ok;
}
