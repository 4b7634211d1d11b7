/*
 * Identifier validation (spec 1.2).  Everything works on (ptr,len) so the
 * parsers can validate fields in place without copying.
 */
#include "ids.h"
#include "str.h"
#include "utf8.h"

#include <string.h>

/* Character classes, one table lookup per byte in the parser's hot path. */
#define C_ALPHA	  0x01
#define C_DIGIT	  0x02
#define C_PUNCT	  0x04	/* '.', '-', '_' */
#define C_NONAME  0x08	/* not in a user name: whitespace, ':', '/' */
#define C_ID	  (C_ALPHA | C_DIGIT | C_PUNCT)

static const unsigned char char_class[256] = {
	['\t'] = C_NONAME, ['\n'] = C_NONAME, ['\v'] = C_NONAME,
	['\f'] = C_NONAME, ['\r'] = C_NONAME, [' '] = C_NONAME,
	[':'] = C_NONAME, ['/'] = C_NONAME,
	['.'] = C_PUNCT, ['-'] = C_PUNCT, ['_'] = C_PUNCT,
	['0' ... '9'] = C_DIGIT,
	['A' ... 'Z'] = C_ALPHA, ['a' ... 'z'] = C_ALPHA,
};

static bool
is_class(char c, unsigned cls)
{
	return (char_class[(unsigned char)c] & cls) != 0;
}

static bool
is_alpha(char c)
{
	return is_class(c, C_ALPHA);
}

static bool
is_id_char(char c)
{
	return is_class(c, C_ID);
}

static bool
all_id_chars(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_id_char(p[i]))
			return false;
	return true;
}

bool
id_realm_valid(const char *p, size_t len)
{
	return len >= 2 && is_alpha(p[0]) && all_id_chars(p + 1, len - 1);
}

bool
id_tokenname_valid(const char *p, size_t len)
{
	return id_realm_valid(p, len);
}

bool
id_group_valid(const char *p, size_t len)
{
	return len >= 1 && all_id_chars(p, len);
}

bool
id_role_valid(const char *p, size_t len)
{
	return id_group_valid(p, len);
}

bool
id_pool_valid(const char *p, size_t len)
{
	size_t i, start = 0;
	int levels = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			if (i == start)
				return false;
			levels++;
			start = i + 1;
		} else if (!is_id_char(p[i])) {
			return false;
		}
	}
	return levels >= 1 && levels <= 3;
}

static bool
name_char_ok(char c)
{
	return !is_class(c, C_NONAME);
}

bool
id_user_valid(const char *p, size_t len, size_t *at_r)
{
	size_t at, i;

	if (len < 3 || len > USERID_MAX)
		return false;
	for (at = len; at > 0 && p[at - 1] != '@'; at--)
		;
	if (at == 0)
		return false;
	at--;
	if (at == 0 || !id_realm_valid(p + at + 1, len - at - 1))
		return false;
	for (i = 0; i < at; i++)
		if (!name_char_ok(p[i]))
			return false;
	if (at_r != NULL)
		*at_r = at;
	return true;
}

int
id_user_check(const char *s, struct err *err)
{
	size_t len = strlen(s);

	if (len < 3)
		return err_set(err, ERR_INVALID, "user name '%s' is too short",
		    s);
	if (len > USERID_MAX)
		return err_set(err, ERR_INVALID,
		    "user name '%s' is too long (%zu > %d)", s, len, USERID_MAX);
	if (!id_user_valid(s, len, NULL))
		return err_set(err, ERR_INVALID,
		    "value '%s' does not look like a valid user name", s);
	return 0;
}

/* Why byte c may not be in a new user name, or NULL if it may. */
static const char *
name_byte_refused(unsigned char c)
{
	switch (c) {
	case ',':
	case ';':
		return "a list separator in user.cfg";
	case '!':
		return "it separates the name of an API token";
	case '=':
		return "it separates the secret of an API token";
	default:
		return NULL;
	}
}

int
id_user_check_new(const char *s, struct err *err)
{
	size_t len = strlen(s), at = 0, i;

	if (id_user_check(s, err) < 0)
		return -1;
	(void)id_user_valid(s, len, &at);
	if (!utf8_valid(s, at))
		return err_set(err, ERR_INVALID, "user name is not valid UTF-8");
	if (s[0] == '@')
		return err_set(err, ERR_INVALID, "user name '%s' may not start "
		    "with '@' (it marks a group in ACL lists)", s);
	for (i = 0; i < at; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *why = name_byte_refused(c);

		if (c < 0x20 || c == 0x7f)
			return err_set(err, ERR_INVALID,
			    "user name may not contain control characters");
		if (why != NULL)
			return err_set(err, ERR_INVALID,
			    "user name '%s' may not contain '%c' (%s)", s, c,
			    why);
	}
	return 0;
}

bool
id_list_safe(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] == ',' || p[i] == ';' || str_is_space(p[i]))
			return false;
	return true;
}

bool
id_storage_valid(const char *p, size_t len)
{
	size_t i;

	if (len < 2)
		return false;
	for (i = 0; i < len; i++) {
		char c = (char)(p[i] | 0x20);	/* case-insensitive */
		bool alpha = c >= 'a' && c <= 'z';
		bool digit = p[i] >= '0' && p[i] <= '9';

		if (i == 0 && !alpha)
			return false;
		if (i == len - 1 && !alpha && !digit)
			return false;
		if (!alpha && !digit && p[i] != '.' && p[i] != '-' &&
		    p[i] != '_')
			return false;
	}
	return true;
}

bool
id_token_valid(const char *p, size_t len, size_t *bang_r)
{
	size_t bang;

	for (bang = len; bang > 0 && p[bang - 1] != '!'; bang--)
		;
	if (bang == 0)
		return false;
	bang--;
	if (!id_tokenname_valid(p + bang + 1, len - bang - 1) ||
	    !id_user_valid(p, bang, NULL))
		return false;
	if (bang_r != NULL)
		*bang_r = bang;
	return true;
}

bool
id_realm_of(const char *authid, const char **realm_r, size_t *len_r)
{
	size_t len = strlen(authid), at, bang;

	if (id_token_valid(authid, len, &bang))
		len = bang;
	if (!id_user_valid(authid, len, &at))
		return false;
	*realm_r = authid + at + 1;
	*len_r = len - at - 1;
	return true;
}

/* Already normal: starts with '/', no "//", no trailing '/', valid chars. */
static bool
path_is_normal(const char *p, size_t len)
{
	size_t i;

	if (p[0] != '/' || (len > 1 && p[len - 1] == '/'))
		return false;
	for (i = 1; i < len; i++)
		if ((p[i] == '/' && p[i - 1] == '/') ||
		    (p[i] != '/' && !is_id_char(p[i])))
			return false;
	return true;
}

bool
id_path_normalize(const char *p, size_t len, struct buf *out)
{
	size_t i;

	buf_reset(out);
	if (p == NULL || len == 0)
		return false;
	if (path_is_normal(p, len)) {
		buf_put(out, p, len);
		return true;
	}
	if (p[0] != '/')
		buf_putc(out, '/');
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (c == '/' && out->len > 0 && out->data[out->len - 1] == '/')
			continue;
		if (c != '/' && !is_id_char(c))
			return false;
		buf_putc(out, c);
	}
	if (out->len > 1 && out->data[out->len - 1] == '/')
		out->data[--out->len] = '\0';
	return true;
}
