/*
 * serde_json's compact writer (see sjson.h).  Escapes follow its table:
 * '"' and '\\', and below 0x20 the short forms \b \t \n \f \r or \u00xx.
 * Reals follow ryu's formatting as serde_json uses it: the shortest digits
 * that read back to the same double, placed by the decimal exponent.
 */
#include "sjson.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sjson_string(const char *s, size_t len, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_put(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\f': esc = "\\f"; break;
		case '\r': esc = "\\r"; break;
		default:
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 0xf];
			u[6] = '\0';
			esc = u;
		}
		buf_puts(out, esc);
	}
	buf_put(out, s + run, len - run);
	buf_putc(out, '"');
}

void
sjson_key(const char *key, struct buf *out)
{
	sjson_string(key, strlen(key), out);
	buf_putc(out, ':');
}

/*
 * The shortest decimal digits of d (> 0, finite) that read back as d, and
 * the exponent of the first digit: d = 0.<digits> * 10^point.
 */
static void
shortest_digits(double d, char digits[20], int *point)
{
	char tmp[40];
	int prec, exp10;
	char *e, *p, *q;

	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	e = strchr(tmp, 'e');
	exp10 = atoi(e + 1);
	*e = '\0';
	for (p = tmp, q = digits; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			*q++ = *p;
	*q = '\0';
	while (q > digits + 1 && q[-1] == '0')	/* "1.50e3": keep "15" */
		*--q = '\0';
	*point = exp10 + 1;
}

static void
dump_real(double d, struct buf *out)
{
	char digits[20];
	int point, n, i;

	if (!isfinite(d)) {
		buf_puts(out, "null");
		return;
	}
	if (signbit(d))
		buf_putc(out, '-');
	d = fabs(d);
	if (d == 0) {
		buf_puts(out, "0.0");
		return;
	}
	shortest_digits(d, digits, &point);
	n = (int)strlen(digits);
	if (point >= n && point <= 16) {
		/* 1234e7 -> 12340000000.0 */
		buf_puts(out, digits);
		for (i = n; i < point; i++)
			buf_putc(out, '0');
		buf_puts(out, ".0");
	} else if (point > 0 && point <= 16) {
		/* 1234e-2 -> 12.34 */
		buf_put(out, digits, (size_t)point);
		buf_putc(out, '.');
		buf_puts(out, digits + point);
	} else if (point > -5 && point <= 0) {
		/* 1234e-6 -> 0.001234 */
		buf_puts(out, "0.");
		for (i = point; i < 0; i++)
			buf_putc(out, '0');
		buf_puts(out, digits);
	} else {
		/* 1e30, 1.234e33, 1.5e-7 */
		buf_putc(out, digits[0]);
		if (n > 1) {
			buf_putc(out, '.');
			buf_puts(out, digits + 1);
		}
		buf_putf(out, "e%d", point - 1);
	}
}

void
sjson_dump(const json_t *v, struct buf *out)
{
	const char *key;
	json_t *m;
	size_t i, klen;
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_putc(out, '{');
		json_object_keylen_foreach(sjson_mut(v), key, klen, m) {
			if (!first)
				buf_putc(out, ',');
			first = false;
			sjson_string(key, klen, out);	/* may hold a NUL */
			buf_putc(out, ':');
			sjson_dump(m, out);
		}
		buf_putc(out, '}');
		break;
	case JSON_ARRAY:
		buf_putc(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				buf_putc(out, ',');
			sjson_dump(json_array_get(v, i), out);
		}
		buf_putc(out, ']');
		break;
	case JSON_STRING:
		sjson_string(json_string_value(v), json_string_length(v), out);
		break;
	case JSON_INTEGER:
		buf_putf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		dump_real(json_real_value(v), out);
		break;
	case JSON_TRUE:
		buf_puts(out, "true");
		break;
	case JSON_FALSE:
		buf_puts(out, "false");
		break;
	case JSON_NULL:
		buf_puts(out, "null");
		break;
	}
}
