/*
 * Base32 for TOTP secrets (see base32.h).  Each 8-character chunk gives
 * five bytes; '=' inside the data counts as a zero digit, as in the crate.
 */
#include "base32.h"
#include "secret.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void
base32_encode(const void *data, size_t len, struct buf *out)
{
	const unsigned char *p = data;
	unsigned bits = 0, acc = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			buf_putc(out, alphabet[(acc >> bits) & 31]);
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		buf_putc(out, alphabet[(acc << (5 - bits)) & 31]);
	acc = 0;
}

static int
digit_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	if (c == '=')
		return 0;
	return -1;
}

bool
base32_decode(const char *p, size_t len, struct buf *out)
{
	size_t unpadded = len, want, i, start = out->len;
	unsigned bits = 0, acc = 0;

	for (i = 0; i < 6 && i < len && p[len - 1 - i] == '='; i++)
		unpadded--;
	want = unpadded * 5 / 8;
	for (i = 0; i < len; i++) {
		int v = digit_value(p[i]);

		if (v < 0) {
			if (out->data != NULL) {
				secret_wipe(out->data + start, out->len - start);
				out->data[start] = '\0';
			}
			out->len = start;
			return false;
		}
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (out->len - start < want)
				buf_putc(out, (char)((acc >> bits) & 0xff));
			acc &= (1u << bits) - 1;
		}
	}
	acc = 0;
	return true;
}
