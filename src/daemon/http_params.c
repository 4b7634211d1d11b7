/*
 * Request parameters for the API: form-encoded and JSON bodies, percent
 * decoding, and the mapping of API errors to HTTP statuses (400 for
 * parameter errors, 401, 403, else 500 as Proxmox's server does).
 */
#include "daemon.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
http_unescape(struct buf *out, const char *p, size_t len, bool plus_space)
{
	buf_reset(out);
	str_unescape_form(out, p, len, plus_space);
}

void
http_param_add(json_t *params, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	struct buf name = BUF_INIT;
	size_t i;

	if (memchr(key, '\0', klen) != NULL) {
		for (i = 0; i < klen; i++) {
			if (key[i] == '\0')
				buf_puts(&name, "\\x00");
			else
				buf_putc(&name, key[i]);
		}
	} else {
		buf_put(&name, key, klen);
	}
	json_object_set_new_nocheck(params, buf_str(&name),
	    json_stringn_nocheck(val != NULL ? val : "", vlen));
	buf_clear(&name);
}

static int
form_params(const char *body, size_t len, json_t *params)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	size_t pos = 0;

	while (pos < len) {
		const char *pair = body + pos, *amp, *eq;
		size_t plen;

		amp = memchr(pair, '&', len - pos);
		plen = amp != NULL ? (size_t)(amp - pair) : len - pos;
		pos += plen + 1;
		if (plen == 0)
			continue;
		eq = memchr(pair, '=', plen);
		http_unescape(&key, pair, eq != NULL ? (size_t)(eq - pair) : plen,
		    true);
		if (eq != NULL)
			http_unescape(&val, eq + 1, plen - (size_t)(eq - pair) - 1,
			    true);
		else
			buf_reset(&val);
		http_param_add(params, buf_str(&key), key.len, buf_str(&val),
		    val.len);
	}
	buf_clear(&key);
	buf_clear_secret(&val);
	return 0;
}

/* Does the real convert to a json_int_t (64 bits)?  Not NaN, not 1e300. */
static bool
real_fits(double d)
{
	return d >= -9223372036854775808.0 && d < 9223372036854775808.0;
}

static int
json_params(const char *body, size_t len, json_t *params, struct err *err)
{
	json_error_t jerr;
	json_t *obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *k;
	json_t *v;

	if (!json_is_object(obj)) {
		json_decref(obj);
		return err_set(err, ERR_INVALID, "malformed JSON body");
	}
	json_object_foreach(obj, k, v) {
		if (json_is_string(v) || json_is_integer(v) ||
		    json_is_boolean(v))
			json_object_set(params, k, v);
		else if (json_is_real(v) && real_fits(json_real_value(v)))
			json_object_set_new(params, k,
			    json_integer((json_int_t)json_real_value(v)));
		else if (json_is_real(v)) {
			err_set(err, ERR_INVALID,
			    "parameter '%s' is out of range", k);
			json_decref(obj);
			return -1;
		} else if (!json_is_null(v)) {
			/* k belongs to obj: the message first */
			err_set(err, ERR_INVALID,
			    "parameter '%s' has an unsupported type", k);
			json_decref(obj);
			return -1;
		}
	}
	json_decref(obj);
	return 0;
}

int
http_body_params(const char *content_type, const char *body, size_t len,
    json_t *params, struct err *err)
{
	if (len == 0)
		return 0;
	if (content_type != NULL &&
	    strncasecmp(content_type, "application/json", 16) == 0)
		return json_params(body, len, params, err);
	return form_params(body, len, params);
}

size_t
http_query_param_count(const char *q)
{
	size_t n = 0;
	bool in_pair = false;

	for (; *q != '\0' && *q != '#'; q++) {
		if (*q == '&')
			in_pair = false;
		else if (!in_pair) {
			in_pair = true;
			n++;
		}
	}
	return n;
}

/* Colons outside strings: at least as many as the object has keys. */
static size_t
json_key_bound(const char *p, size_t len)
{
	bool in_str = false, esc = false;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (esc)
				esc = false;
			else if (p[i] == '\\')
				esc = true;
			else if (p[i] == '"')
				in_str = false;
		} else if (p[i] == '"') {
			in_str = true;
		} else if (p[i] == ':') {
			n++;
		}
	}
	return n;
}

size_t
http_body_param_count(const char *content_type, const char *body, size_t len)
{
	size_t i, n = 0;
	bool in_pair = false;

	if (len == 0)
		return 0;
	if (content_type != NULL &&
	    strncasecmp(content_type, "application/json", 16) == 0)
		return json_key_bound(body, len);
	for (i = 0; i < len; i++) {
		if (body[i] == '&')
			in_pair = false;
		else if (!in_pair) {
			in_pair = true;
			n++;
		}
	}
	return n;
}

unsigned
http_status_for(const struct err *err, bool param_errors)
{
	if (param_errors)
		return 400;
	switch (err->code) {
	case ERR_AUTH:
		return 401;
	case ERR_DENIED:
		return 403;
	case ERR_UNSUPPORTED:
		return 501;
	case ERR_NO_OBJECT:
		return 404;
	default:
		return 500;
	}
}
