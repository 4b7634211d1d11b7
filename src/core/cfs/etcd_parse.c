/*
 * etcd's JSON answers, as the gateway writes them (proto3 JSON): int64s
 * as strings (numbers accepted too), bytes as base64, and every zero
 * value, false and empty list left out.  Each answer may come from a
 * broken or hostile server, so each member's type is checked and a
 * mismatch is an error, never a crash; keys and values may be secrets, so
 * every string is wiped before the tree is released.
 */
#include "etcd_int.h"
#include "ticket/b64.h"
#include "secret.h"
#include "xalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
etcd_malformed(const char *store, const char *what, struct err *err)
{
	return err_set(err, ERR_INVALID, "store %s: malformed %s", store,
	    what);
}

int
etcd_json_load(const char *store, const char *p, size_t len, json_t **out,
    struct err *err)
{
	json_error_t je;
	char why[81];

	*out = json_loadb(p != NULL ? p : "", len, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL) {
		/* jansson quotes the bytes it choked on */
		etcd_clean_msg(why, sizeof(why), je.text);
		return err_set(err, ERR_INVALID, "store %s: the answer is not "
		    "JSON (line %d: %s)", store, je.line, why);
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return err_set(err, ERR_INVALID, "store %s: the answer is not "
		    "a JSON object", store);
	}
	return 0;
}

static void
wipe_strings(json_t *j, unsigned depth)
{
	const char *k;
	json_t *v;
	size_t i;

	/* jansson's own parser stops at 2048 levels; so do we */
	if (depth > 2048)
		return;
	if (json_is_string(j)) {
		/* jansson's strings are its own mutable copies */
		secret_wipe((char *)(uintptr_t)json_string_value(j),
		    json_string_length(j));
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			wipe_strings(v, depth + 1);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			wipe_strings(v, depth + 1);
	}
}

void
etcd_json_free(json_t *j)
{
	if (j != NULL && j->refcount == 1)
		wipe_strings(j, 0);
	json_decref(j);
}

/* a decimal int64, nothing else ("-1", "6912..."; no sign +, no spaces) */
static bool
parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long n;

	if ((*s < '0' || *s > '9') && *s != '-')
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*v = (int64_t)n;
	return true;
}

int
etcd_get_i64(const json_t *o, const char *name, int64_t *v)
{
	const json_t *j = json_object_get(o, name);

	*v = 0;
	if (j == NULL)
		return 0;
	if (json_is_integer(j)) {
		*v = (int64_t)json_integer_value(j);
		return 0;
	}
	if (json_is_string(j) && parse_i64(json_string_value(j), v))
		return 0;
	return -1;
}

int
etcd_get_bool(const json_t *o, const char *name, bool *v)
{
	const json_t *j = json_object_get(o, name);

	*v = false;
	if (j == NULL)
		return 0;
	if (!json_is_boolean(j))
		return -1;
	*v = json_is_true(j);
	return 0;
}

int
etcd_get_b64(const json_t *o, const char *name, struct buf *out)
{
	const json_t *j = json_object_get(o, name);

	if (j == NULL)
		return 0;
	if (!json_is_string(j))
		return -1;
	return b64_decode(json_string_value(j), json_string_length(j), out) ?
	    0 : -1;
}

int
etcd_get_header_rev(const json_t *ans, int64_t *rev)
{
	const json_t *h = json_object_get(ans, "header");

	*rev = 0;
	if (h == NULL)
		return 0;
	if (!json_is_object(h))
		return -1;
	return etcd_get_i64(h, "revision", rev);
}

void
etcd_kv_free(struct etcd_kv *kv)
{
	buf_clear_secret(&kv->key);
	buf_clear_secret(&kv->value);
}

int
etcd_parse_kv(const json_t *o, struct etcd_kv *kv)
{
	memset(kv, 0, sizeof(*kv));
	buf_init_secret(&kv->key, 0);
	buf_init_secret(&kv->value, 0);
	if (!json_is_object(o) || etcd_get_b64(o, "key", &kv->key) < 0 ||
	    etcd_get_b64(o, "value", &kv->value) < 0 ||
	    etcd_get_i64(o, "create_revision", &kv->create_rev) < 0 ||
	    etcd_get_i64(o, "mod_revision", &kv->mod_rev) < 0 ||
	    etcd_get_i64(o, "version", &kv->version) < 0 ||
	    etcd_get_i64(o, "lease", &kv->lease) < 0) {
		etcd_kv_free(kv);
		return -1;
	}
	return 0;
}

void
etcd_kvs_free(struct etcd_kvs *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		etcd_kv_free(&k->v[i]);
	free(k->v);
	k->v = NULL;
	k->n = 0;
	k->more = false;
	k->revision = 0;
}

static void
kvs_truncate(struct etcd_kvs *k, size_t n)
{
	while (k->n > n)
		etcd_kv_free(&k->v[--k->n]);
}

int
etcd_parse_range(const char *store, const json_t *ans, struct etcd_kvs *out,
    struct err *err)
{
	const json_t *kvs = json_object_get(ans, "kvs"), *o;
	size_t n0 = out->n, cap = out->n, i;
	int64_t rev;
	bool more;

	if (etcd_get_header_rev(ans, &rev) < 0 ||
	    etcd_get_bool(ans, "more", &more) < 0 ||
	    (kvs != NULL && !json_is_array(kvs)))
		return etcd_malformed(store, "range answer", err);
	json_array_foreach(kvs, i, o) {
		XGROW(out->v, cap, out->n + 1);
		if (etcd_parse_kv(o, &out->v[out->n]) < 0) {
			kvs_truncate(out, n0);
			return etcd_malformed(store, "key-value in a range "
			    "answer", err);
		}
		out->n++;
	}
	out->more = more;
	out->revision = rev;
	return 0;
}

void
etcd_clean_msg(char *out, size_t size, const char *msg)
{
	size_t i, o = 0;

	for (i = 0; msg != NULL && msg[i] != '\0' && o + 1 < size; i++)
		out[o++] = msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '?';
	if (size > 0)
		out[o] = '\0';
}

static bool
has(const char *msg, const char *what)
{
	return strstr(msg, what) != NULL;
}

/* gRPC status codes (google.golang.org/grpc/codes) */
enum {
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNAVAILABLE = 14,
	GRPC_UNAUTHENTICATED = 16,
};

int
etcd_error_code(const char *store, long code, const char *msg,
    struct err *err)
{
	char m[200];
	enum err_code ec;

	etcd_clean_msg(m, sizeof(m), msg != NULL && *msg != '\0' ? msg :
	    "no message");
	if (has(m, "user name is empty"))
		return err_set(err, ERR_AUTH, "store %s: authentication "
		    "required (no user configured): %s", store, m);
	if (has(m, "authentication failed") || has(m, "invalid auth token") ||
	    has(m, "permission denied") || code == GRPC_UNAUTHENTICATED ||
	    code == GRPC_PERMISSION_DENIED)
		ec = ERR_AUTH;
	else if (has(m, "required revision has been compacted") ||
	    code == GRPC_NOT_FOUND)
		ec = ERR_NOT_FOUND;
	else if (has(m, "database space exceeded"))
		ec = ERR_IO;
	else if (code == GRPC_UNAVAILABLE || code == GRPC_DEADLINE_EXCEEDED ||
	    has(m, "too many requests") || has(m, "no leader") ||
	    has(m, "code = Unavailable"))
		ec = ERR_UNAVAILABLE;
	else
		ec = ERR_INVALID;	/* 3, 9, 11 and the rest */
	return err_set(err, ec, "store %s: %s%s", store,
	    ec == ERR_UNAVAILABLE ? "unavailable: " : "", m);
}

void
etcd_error_fields(const char *p, size_t len, char *msg, size_t size,
    int64_t *code)
{
	json_t *j = NULL;
	const json_t *m;
	struct err dummy;

	msg[0] = '\0';
	*code = -1;
	if (etcd_json_load("", p, len, &j, &dummy) < 0)
		return;
	m = json_object_get(j, "message");
	if (!json_is_string(m))
		m = json_object_get(j, "error");
	if (json_is_string(m))
		etcd_clean_msg(msg, size, json_string_value(m));
	if (etcd_get_i64(j, "code", code) < 0)
		*code = -1;
	etcd_json_free(j);
}

int
etcd_error_answer(const char *store, long status, const char *p, size_t len,
    bool *expired_r, struct err *err)
{
	char msg[200];
	int64_t code;

	etcd_error_fields(p, len, msg, sizeof(msg), &code);
	*expired_r = has(msg, "invalid auth token");
	if (msg[0] != '\0')
		return etcd_error_code(store, (long)code, msg, err);
	if (status == 404)
		return err_set(err, ERR_UNSUPPORTED, "store %s: HTTP 404: not "
		    "an etcd v3 JSON gateway?", store);
	return err_set(err, status >= 500 ? ERR_UNAVAILABLE : ERR_INVALID,
	    "store %s: HTTP %ld", store, status);
}

int
etcd_stream_error(const char *store, const json_t *ans, struct err *err)
{
	const json_t *er = json_object_get(ans, "error"), *m;
	int64_t code;

	if (er == NULL)
		return 0;
	m = json_object_get(er, "message");
	if (!json_is_object(er) || !json_is_string(m) ||
	    etcd_get_i64(er, "grpc_code", &code) < 0)
		return etcd_malformed(store, "error answer", err);
	return etcd_error_code(store, (long)code, json_string_value(m), err);
}
