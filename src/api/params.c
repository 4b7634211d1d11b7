/*
 * Parameter verification against a method's schema, with the messages of
 * Proxmox's JSON schema checker ("invalid format - ...", "value may only be
 * N characters long", "property is missing and it is not optional", ...),
 * collected per parameter under "Parameter verification failed.".
 */
#include "api.h"
#include "api_int.h"
#include "ids.h"
#include "jobs/jobs_cfg.h"
#include "netaddr.h"
#include "privs.h"
#include "str.h"
#include "utf8.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
api_env_init(struct api_env *env, const char *config_dir, const char *authid)
{
	api_domains_init();
	memset(env, 0, sizeof(*env));
	env->config_dir = config_dir;
	env->authid = authid;
	env->now = time(NULL);
	diag_init(&env->warnings);
}

struct api_blob *
api_blob_new(const char *text, size_t len)
{
	struct api_blob *b = xmalloc(sizeof(*b) + len + 1);

	b->refs = 1;
	b->len = len;
	memcpy(b->text, text, len);
	b->text[len] = '\0';
	return b;
}

struct api_blob *
api_blob_ref(struct api_blob *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

void
api_blob_unref(struct api_blob *b)
{
	if (b != NULL && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

void
api_env_clear(struct api_env *env)
{
	api_blob_unref(env->raw_result);
	env->raw_result = NULL;
	json_decref(env->param_errors);
	env->param_errors = NULL;
	diag_clear(&env->warnings);
}

void
api_env_warn(struct api_env *env, const struct diag_item *item)
{
	size_t i;

	for (i = 0; i < env->warnings.count; i++) {
		const struct diag_item *w = &env->warnings.items[i];

		if (w->line == item->line && strcmp(w->msg, item->msg) == 0 &&
		    strcmp(w->file, item->file) == 0)
			return;
	}
	diag_add(&env->warnings, item->file, item->line, item->dropped, "%s",
	    item->msg);
}

int
api_param_error(struct api_env *env, struct err *err, const char *param,
    const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	struct buf text = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the cut at ERR_MSG_MAX may split a character: never lose it */
	buf_puts(&text, msg);
	utf8_sanitize(&text);
	if (env->param_errors == NULL)
		env->param_errors = json_object();
	json_object_set_new(env->param_errors, param,
	    json_string(buf_str(&text)));
	buf_clear(&text);
	return err_set(err, ERR_INVALID, "Parameter verification failed.");
}

/* A format check: NULL if fine, else the message (static or in buf). */
typedef const char *(*format_fn)(const char *s, struct buf *msg);

static const char *
fmt_userid(const char *s, struct buf *msg)
{
	struct err e;

	if (id_user_check(s, &e) == 0)
		return NULL;
	buf_puts(msg, e.msg);
	return buf_str(msg);
}

/* A user id that is created, or goes into a list (issue 9). */
static const char *
fmt_userid_safe(const char *s, struct buf *msg)
{
	struct err e;

	if (id_user_check_new(s, &e) == 0)
		return NULL;
	buf_puts(msg, e.msg);
	return buf_str(msg);
}

static const char *
fmt_tokenid_full(const char *s, struct buf *msg)
{
	if (id_token_valid(s, strlen(s), NULL))
		return NULL;
	buf_putf(msg, "value '%s' does not look like a valid token ID", s);
	return buf_str(msg);
}

static const char *
fmt_user_or_token(const char *s, struct buf *msg)
{
	if (id_token_valid(s, strlen(s), NULL))
		return NULL;
	return fmt_userid(s, msg);
}

static const char *
fmt_tokenname(const char *s, struct buf *msg)
{
	if (id_tokenname_valid(s, strlen(s)))
		return NULL;
	buf_putf(msg, "value '%s' does not look like a valid token ID", s);
	return buf_str(msg);
}

static const char *
fmt_groupid(const char *s, struct buf *msg)
{
	if (id_group_valid(s, strlen(s)))
		return NULL;
	buf_putf(msg, "group name '%s' contains invalid characters", s);
	return buf_str(msg);
}

static const char *
fmt_roleid(const char *s, struct buf *msg)
{
	if (id_role_valid(s, strlen(s)))
		return NULL;
	buf_putf(msg, "role name '%s' contains invalid characters", s);
	return buf_str(msg);
}

static const char *
fmt_poolid(const char *s, struct buf *msg)
{
	if (id_pool_valid(s, strlen(s)))
		return NULL;
	buf_putf(msg, "pool name '%s' contains invalid characters", s);
	return buf_str(msg);
}

static const char *
fmt_realm(const char *s, struct buf *msg)
{
	if (id_realm_valid(s, strlen(s)))
		return NULL;
	buf_putf(msg, "realm name '%s' contains invalid characters", s);
	return buf_str(msg);
}

static const char *
fmt_priv(const char *s, struct buf *msg)
{
	if (priv_index(s, strlen(s)) >= 0)
		return NULL;
	buf_putf(msg, "invalid privilege '%s'", s);
	return buf_str(msg);
}

static bool
email_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '+' || c == '-' ||
	    c == '~';
}

/* ^[\w+-~]+(\.[\w+-~]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$ */
static const char *
fmt_email(const char *s, struct buf *msg)
{
	const char *at = strrchr(s, '@'), *p;
	bool ok = at != NULL && at != s && at[1] != '\0';

	for (p = s; ok && p < at; p++)
		if (!email_word_char(*p) &&
		    !(*p == '.' && p != s && p[1] != '@' && p[-1] != '.'))
			ok = false;
	for (p = at ? at + 1 : s; ok && *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' &&
		    !(*p == '.' && p[-1] != '@' && p[-1] != '.' && p[1] != '\0'))
			ok = false;
	if (ok)
		return NULL;
	buf_putf(msg, "value does not look like a valid email address");
	return buf_str(msg);
}

static const char *
fmt_email_opt(const char *s, struct buf *msg)
{
	return *s == '\0' ? NULL : fmt_email(s, msg);
}

static const char *
fmt_path(const char *s, struct buf *msg)
{
	struct buf norm = BUF_INIT;
	bool ok = id_path_normalize(s, strlen(s), &norm);

	buf_clear(&norm);
	if (ok)
		return NULL;
	buf_putf(msg, "invalid path '%s'", s);
	return buf_str(msg);
}

static const char *
fmt_vmid(const char *s, struct buf *msg)
{
	unsigned long long v;

	if (str_to_u64(s, strlen(s), &v) && s[0] != '0' && v >= 100 &&
	    v <= 999999999)
		return NULL;
	buf_puts(msg, "value does not look like a valid VM ID");
	return buf_str(msg);
}

static const char *
fmt_storage(const char *s, struct buf *msg)
{
	if (id_storage_valid(s, strlen(s)))
		return NULL;
	if (strlen(s) < 2)
		buf_putf(msg, "storage ID '%s' cannot be shorter than 2 "
		    "characters", s);
	else
		buf_putf(msg, "storage ID '%s' contains illegal characters", s);
	return buf_str(msg);
}

static const char *
fmt_configid(const char *s, struct buf *msg)
{
	if (jobs_id_valid(s))
		return NULL;
	buf_putf(msg, "invalid configuration ID '%s'", s);
	return buf_str(msg);
}

static const char *
fmt_keys(const char *s, struct buf *msg)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '!' && *s != '=')
			break;
	if (*s == '\0')
		return NULL;
	buf_puts(msg, "value does not match the regex pattern");
	return buf_str(msg);
}

static const char *
fmt_ip(const char *s, struct buf *msg)
{
	struct netaddr a;

	if (netaddr_parse(s, &a))
		return NULL;
	buf_puts(msg, "value does not look like a valid IP address");
	return buf_str(msg);
}

static const struct {
	const char *name;
	format_fn fn;
} formats[] = {
	{"pve-userid", fmt_userid},
	{"pve-userid-safe", fmt_userid_safe},
	{"pve-tokenid", fmt_tokenid_full},
	{"pve-userid-or-token", fmt_user_or_token},
	{"pve-token-subid", fmt_tokenname},
	{"pve-groupid", fmt_groupid},
	{"pve-roleid", fmt_roleid},
	{"pve-poolid", fmt_poolid},
	{"pve-realm", fmt_realm},
	{"pve-priv", fmt_priv},
	{"email", fmt_email},
	{"email-opt", fmt_email_opt},
	{"pve-acl-path", fmt_path},
	{"pve-tfa-keys", fmt_keys},
	{"pve-vmid", fmt_vmid},
	{"pve-storage-id", fmt_storage},
	{"pve-configid", fmt_configid},
	{"ip", fmt_ip},
};

const char *
api_check_format(const char *format, const char *s, struct buf *msg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (strcmp(formats[i].name, format) == 0)
			return formats[i].fn(s, msg);
	/* a schema bug (test-api-check finds it): refuse, never abort */
	buf_putf(msg, "unknown format '%s'", format);
	return buf_str(msg);
}

static bool
parse_int(const char *s, long long *v)
{
	char *end;

	if (*s == '\0')
		return false;
	*v = strtoll(s, &end, 10);
	return *end == '\0';
}

static bool
enum_has(const char *values, const char *s)
{
	size_t n = strlen(s);

	while (*values != '\0') {
		size_t len = strcspn(values, "|");

		if (len == n && strncmp(values, s, n) == 0)
			return true;
		values += len;
		if (*values == '|')
			values++;
	}
	return false;
}

struct list_check {
	const char *format;
	struct buf *msg;
	const char *bad;
};

static void
list_item(const char *p, size_t len, void *arg)
{
	struct list_check *lc = arg;
	char *item;

	if (lc->bad != NULL)
		return;
	item = xstrndup(p, len);
	lc->bad = api_check_format(lc->format, item, lc->msg);
	free(item);
}

/* Validate and convert one parameter; NULL on success, else the message. */
static const char *
check_param(const struct param_def *d, json_t *params, struct buf *msg)
{
	json_t *v = json_object_get(params, d->name);
	const char *s;

	if (json_is_boolean(v) || json_is_integer(v)) {
		/* typed already (HTTP JSON body); stringify for the checks */
		if ((d->type == PT_BOOL && json_is_boolean(v)) ||
		    (d->type == PT_INT && json_is_integer(v)))
			goto range;
		if (json_is_integer(v)) {
			buf_putf(msg, "%lld", (long long)json_integer_value(v));
		} else {
			buf_puts(msg, json_is_true(v) ? "1" : "0");
		}
		json_object_set_new(params, d->name, json_string(buf_str(msg)));
		buf_reset(msg);
		v = json_object_get(params, d->name);
	}
	if (!json_is_string(v))
		return "type check failed";
	s = json_string_value(v);
	switch (d->type) {
	case PT_BOOL: {
		bool b;

		if (!str_parse_bool(s, &b)) {
			buf_putf(msg, "type check ('boolean') failed - got '%s'",
			    s);
			return buf_str(msg);
		}
		json_object_set_new(params, d->name, json_boolean(b));
		return NULL;
	}
	case PT_INT: {
		long long n;

		if (!parse_int(s, &n)) {
			buf_putf(msg, "type check ('integer') failed - got '%s'",
			    s);
			return buf_str(msg);
		}
		json_object_set_new(params, d->name, json_integer(n));
		goto range;
	}
	case PT_ENUM:
		if (!enum_has(d->enum_values, s)) {
			const char *e;

			buf_putf(msg, "value '%s' does not have a value in the "
			    "enumeration '", s);
			for (e = d->enum_values; *e != '\0'; e++) {
				if (*e == '|')
					buf_puts(msg, ", ");
				else
					buf_putc(msg, *e);
			}
			buf_putc(msg, '\'');
			return buf_str(msg);
		}
		return NULL;
	case PT_LIST:
	case PT_STRING:
		if (d->max_len != 0 && strlen(s) > d->max_len) {
			buf_putf(msg, "value may only be %zu characters long",
			    d->max_len);
			return buf_str(msg);
		}
		if (strlen(s) < d->min_len) {
			buf_putf(msg, "value must be at least %zu characters long",
			    d->min_len);
			return buf_str(msg);
		}
		if (d->format == NULL)
			return NULL;
		if (d->type == PT_LIST) {
			struct list_check lc = {d->format, msg, NULL};
			struct buf inner = BUF_INIT;

			lc.msg = &inner;
			str_split_list(s, strlen(s), list_item, &lc);
			if (lc.bad != NULL) {
				buf_putf(msg, "invalid format - %s", lc.bad);
				buf_clear(&inner);
				return buf_str(msg);
			}
			buf_clear(&inner);
			return NULL;
		} else {
			struct buf inner = BUF_INIT;
			const char *bad = api_check_format(d->format, s, &inner);

			if (bad != NULL)
				buf_putf(msg, "invalid format - %s", bad);
			buf_clear(&inner);
			return bad != NULL ? buf_str(msg) : NULL;
		}
	}
	return NULL;
range:
	if (d->type == PT_INT && d->min < d->max) {
		long long n = json_integer_value(json_object_get(params, d->name));

		if (n < d->min) {
			buf_putf(msg, "value must have a minimum value of %lld",
			    d->min);
			return buf_str(msg);
		}
		if (n > d->max) {
			buf_putf(msg, "value must have a maximum value of %lld",
			    d->max);
			return buf_str(msg);
		}
	}
	return NULL;
}

/*
 * The HTTP layer and the CLI hand over strings as they came (jansson's
 * _nocheck calls), so that a value that is not UTF-8 is refused here,
 * naming it, instead of vanishing (json_string gives NULL for it).  A bad
 * name is reported with its invalid bytes as \xNN.
 */
static const char *
text_problem(const char *p, size_t len)
{
	if (memchr(p, '\0', len) != NULL)
		return "value contains a NUL byte";
	if (!utf8_valid(p, len))
		return "value is not valid UTF-8";
	return NULL;
}

static bool
text_ok(const char *p, size_t len)
{
	return text_problem(p, len) == NULL;
}

static void
printable_name(const char *key, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t len = strlen(key), i = 0, n;

	buf_reset(out);
	while (i < len) {
		n = utf8_seq_len(p + i, len - i);
		if (n > 0 && p[i] >= 0x20) {
			buf_put(out, key + i, n);
			i += n;
		} else {
			buf_putf(out, "\\x%02x", p[i]);
			i++;
		}
	}
}

static int
verify(const struct api_method *m, struct api_env *env, json_t *params,
    struct err *err)
{
	const struct param_def *d;
	struct buf msg = BUF_INIT;
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach(params, key, v) {
		bool name_ok = text_ok(key, strlen(key));

		for (d = m->params; name_ok && d->name != NULL; d++)
			if (strcmp(d->name, key) == 0)
				break;
		if (!name_ok || d->name == NULL) {
			printable_name(key, &msg);
			rc = api_param_error(env, err, buf_str(&msg),
			    "property is not defined in schema and the schema "
			    "does not allow additional properties");
		} else if (json_is_string(v) && !text_ok(json_string_value(v),
		    json_string_length(v))) {
			rc = api_param_error(env, err, key, "%s",
			    text_problem(json_string_value(v),
			    json_string_length(v)));
		}
	}
	for (d = m->params; d->name != NULL; d++) {
		const char *bad;
		json_t *pv = json_object_get(params, d->name);

		if (pv == NULL) {
			if (!d->optional)
				rc = api_param_error(env, err, d->name,
				    "property is missing and it is not optional");
			continue;
		}
		if (json_is_string(pv) && !text_ok(json_string_value(pv),
		    json_string_length(pv)))
			continue;	/* reported above */
		buf_reset(&msg);
		bad = check_param(d, params, &msg);
		if (bad != NULL)
			rc = api_param_error(env, err, d->name, "%s", bad);
	}
	buf_clear(&msg);
	return rc;
}

int
api_verify(const struct api_method *m, struct api_env *env, json_t *params,
    struct err *err)
{
	json_decref(env->param_errors);
	env->param_errors = NULL;
	return verify(m, env, params, err);
}

int
api_run(const struct api_method *m, struct api_env *env, json_t *params,
    json_t **result_r, struct err *err)
{
	struct api_call call = {env, params};

	*result_r = NULL;
	return m->handler(&call, result_r, err);
}

int
api_call(const struct api_method *m, struct api_env *env, json_t *params,
    json_t **result_r, struct err *err)
{
	*result_r = NULL;
	if (api_verify(m, env, params, err) < 0)
		return -1;
	return api_run(m, env, params, result_r, err);
}

const char *
param_str(const struct api_call *c, const char *name)
{
	return json_string_value(json_object_get(c->params, name));
}

bool
param_has(const struct api_call *c, const char *name)
{
	return json_object_get(c->params, name) != NULL;
}

bool
param_bool(const struct api_call *c, const char *name, bool def)
{
	json_t *v = json_object_get(c->params, name);

	return v != NULL ? json_is_true(v) : def;
}

long long
param_int(const struct api_call *c, const char *name, long long def)
{
	json_t *v = json_object_get(c->params, name);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}
