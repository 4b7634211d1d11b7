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

static int
form_params(const char *body, size_t len, json_t *params, struct err *err)
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
		if (memchr(buf_str(&key), '\0', key.len) != NULL ||
		    memchr(buf_str(&val), '\0', val.len) != NULL) {
			buf_clear(&key);
			buf_clear_secret(&val);
			return err_set(err, ERR_INVALID,
			    "NUL byte in a form field");
		}
		json_object_set_new(params, buf_str(&key),
		    json_stringn(buf_str(&val), val.len));
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
	return form_params(body, len, params, err);
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
	default:
		return 500;
	}
}
