/*
 * etcd transactions (etcd_client.h): a builder that writes the request's
 * JSON as operations are added, the commit, and the answer's check - the
 * responses of the branch that ran must be one per operation, of the
 * operation's kind, or the answer is refused.
 */
#include "etcd_int.h"
#include "secret.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* etcd's protobuf framing per operation is a few bytes; count generously */
#define OP_OVERHEAD 24

struct etcd_txn {
	struct buf cmp, succ, fail;	/* the arrays' members, JSON */
	struct buf succ_kinds, fail_kinds;	/* 'p' put, 'd' del, 'g' get */
	size_t ncmp;
	size_t bytes;
	const char *misuse;
};

struct etcd_txn *
etcd_txn_new(void)
{
	struct etcd_txn *t = xcalloc(1, sizeof(*t));

	etcd_body_init(&t->cmp);
	etcd_body_init(&t->succ);
	etcd_body_init(&t->fail);
	buf_init(&t->succ_kinds, 0);
	buf_init(&t->fail_kinds, 0);
	t->bytes = OP_OVERHEAD;
	return t;
}

void
etcd_txn_free(struct etcd_txn *t)
{
	if (t == NULL)
		return;
	buf_clear_secret(&t->cmp);
	buf_clear_secret(&t->succ);
	buf_clear_secret(&t->fail);
	buf_clear(&t->succ_kinds);
	buf_clear(&t->fail_kinds);
	free(t);
}

static const char *
cmp_word(enum etcd_cmp c)
{
	switch (c) {
	case ETCD_EQUAL:
		return "EQUAL";
	case ETCD_NOT_EQUAL:
		return "NOT_EQUAL";
	case ETCD_GREATER:
		return "GREATER";
	case ETCD_LESS:
		return "LESS";
	}
	return NULL;
}

/* {"key":..,"target":..,"result":.. - the caller adds the operand */
static bool
cmp_open(struct etcd_txn *t, const void *key, size_t klen, const char *target,
    enum etcd_cmp c)
{
	const char *word = cmp_word(c);

	if (word == NULL) {
		t->misuse = "unknown comparison";
		return false;
	}
	etcd_json_open(&t->cmp, NULL, '{');
	etcd_json_b64(&t->cmp, "key", key, klen);
	etcd_json_word(&t->cmp, "target", target);
	etcd_json_word(&t->cmp, "result", word);
	t->ncmp++;
	t->bytes += klen + OP_OVERHEAD;
	return true;
}

void
etcd_txn_cmp(struct etcd_txn *t, const void *key, size_t klen,
    enum etcd_target tg, enum etcd_cmp c, int64_t value)
{
	static const char *const target[] = {
		[ETCD_VERSION] = "VERSION", [ETCD_CREATE] = "CREATE",
		[ETCD_MOD] = "MOD", [ETCD_LEASE] = "LEASE",
	};
	static const char *const field[] = {
		[ETCD_VERSION] = "version", [ETCD_CREATE] = "create_revision",
		[ETCD_MOD] = "mod_revision", [ETCD_LEASE] = "lease",
	};

	if ((unsigned)tg >= sizeof(target) / sizeof(target[0]) ||
	    target[tg] == NULL) {
		t->misuse = "etcd_txn_cmp on a value (etcd_txn_cmp_value)";
		return;
	}
	if (!cmp_open(t, key, klen, target[tg], c))
		return;
	etcd_json_i64(&t->cmp, field[tg], value);
	etcd_json_close(&t->cmp, '{');
}

void
etcd_txn_cmp_value(struct etcd_txn *t, const void *key, size_t klen,
    enum etcd_cmp c, const void *val, size_t vlen)
{
	if (!cmp_open(t, key, klen, "VALUE", c))
		return;
	etcd_json_b64(&t->cmp, "value", val, vlen);
	etcd_json_close(&t->cmp, '{');
	t->bytes += vlen;
}

/* open {"request_<what>":{ in the branch, note its kind */
static struct buf *
op_open(struct etcd_txn *t, bool on_success, const char *what, char kind)
{
	struct buf *b = on_success ? &t->succ : &t->fail;

	buf_putc(on_success ? &t->succ_kinds : &t->fail_kinds, kind);
	etcd_json_open(b, NULL, '{');
	etcd_json_open(b, what, '{');
	t->bytes += OP_OVERHEAD;
	return b;
}

static void
op_close(struct buf *b)
{
	etcd_json_close(b, '{');
	etcd_json_close(b, '{');
}

void
etcd_txn_put(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen, const void *val, size_t vlen, int64_t lease)
{
	struct buf *b = op_open(t, on_success, "request_put", 'p');

	etcd_json_b64(b, "key", key, klen);
	etcd_json_b64(b, "value", val, vlen);
	if (lease != 0)
		etcd_json_i64(b, "lease", lease);
	op_close(b);
	t->bytes += klen + vlen;
}

void
etcd_txn_del(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen, const void *end, size_t elen)
{
	struct buf *b = op_open(t, on_success, "request_delete_range", 'd');

	etcd_json_b64(b, "key", key, klen);
	if (end != NULL)
		etcd_json_b64(b, "range_end", end, elen);
	op_close(b);
	t->bytes += klen + elen;
}

void
etcd_txn_range(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen, const void *end, size_t elen, int64_t limit,
    bool keys_only)
{
	struct buf *b = op_open(t, on_success, "request_range", 'g');

	etcd_range_body(b, key, klen, end, elen, 0, limit, keys_only);
	op_close(b);
	t->bytes += klen + elen;
}

void
etcd_txn_get(struct etcd_txn *t, bool on_success, const void *key,
    size_t klen)
{
	etcd_txn_range(t, on_success, key, klen, NULL, 0, 0, false);
}

size_t
etcd_txn_ops(const struct etcd_txn *t)
{
	size_t n = t->ncmp;

	if (t->succ_kinds.len > n)
		n = t->succ_kinds.len;
	if (t->fail_kinds.len > n)
		n = t->fail_kinds.len;
	return n;
}

size_t
etcd_txn_bytes(const struct etcd_txn *t)
{
	return t->bytes;
}

void
etcd_txn_result_free(struct etcd_txn_result *r)
{
	size_t i;

	for (i = 0; i < r->ngets; i++)
		etcd_kvs_free(&r->gets[i]);
	free(r->gets);
	memset(r, 0, sizeof(*r));
}

static const char *
response_name(char kind)
{
	return kind == 'p' ? "response_put" : kind == 'd' ?
	    "response_delete_range" : "response_range";
}

int
etcd_parse_txn(const char *store, const json_t *ans, const char *succ_kinds,
    const char *fail_kinds, struct etcd_txn_result *r, struct err *err)
{
	const json_t *resp = json_object_get(ans, "responses"), *item, *o;
	const char *kinds;
	size_t i, n, g;

	memset(r, 0, sizeof(*r));
	if (etcd_get_bool(ans, "succeeded", &r->succeeded) < 0 ||
	    etcd_get_header_rev(ans, &r->revision) < 0 ||
	    (resp != NULL && !json_is_array(resp)))
		return etcd_malformed(store, "txn answer", err);
	kinds = r->succeeded ? succ_kinds : fail_kinds;
	n = strlen(kinds);
	if (json_array_size(resp) != n)
		return err_set(err, ERR_INVALID, "store %s: txn answer with "
		    "%zu responses for %zu operations", store,
		    json_array_size(resp), n);
	for (i = 0; i < n; i++)
		if (kinds[i] == 'g')
			r->ngets++;
	r->gets = xcalloc(r->ngets > 0 ? r->ngets : 1, sizeof(*r->gets));
	for (i = g = 0; i < n; i++) {
		item = json_array_get(resp, i);
		o = json_object_get(item, response_name(kinds[i]));
		if (!json_is_object(o) || (kinds[i] == 'g' &&
		    etcd_parse_range(store, o, &r->gets[g++], err) < 0)) {
			etcd_txn_result_free(r);
			return etcd_malformed(store, "txn answer (a response "
			    "that does not fit its operation)", err);
		}
	}
	return 0;
}

int
etcd_txn_commit(struct etcd *e, struct etcd_txn *t, struct etcd_txn_result *r,
    struct err *err)
{
	struct buf b;
	json_t *ans = NULL;
	bool resent = false;
	int rc;

	memset(r, 0, sizeof(*r));
	if (t->misuse != NULL)
		return err_set(err, ERR_INVALID, "store %s: txn: %s", e->name,
		    t->misuse);
	etcd_body_init(&b);
	etcd_json_open(&b, NULL, '{');
	if (t->ncmp > 0) {
		etcd_json_open(&b, "compare", '[');
		buf_put(&b, t->cmp.data, t->cmp.len);
		etcd_json_close(&b, '[');
	}
	if (t->succ_kinds.len > 0) {
		etcd_json_open(&b, "success", '[');
		buf_put(&b, t->succ.data, t->succ.len);
		etcd_json_close(&b, '[');
	}
	if (t->fail_kinds.len > 0) {
		etcd_json_open(&b, "failure", '[');
		buf_put(&b, t->fail.data, t->fail.len);
		etcd_json_close(&b, '[');
	}
	etcd_json_close(&b, '{');
	rc = etcd_call(e, "/v3/kv/txn", &b, &ans, &resent, err);
	buf_clear_secret(&b);
	if (rc == 0)
		rc = etcd_parse_txn(e->name, ans, buf_str(&t->succ_kinds),
		    buf_str(&t->fail_kinds), r, err);
	etcd_json_free(ans);
	r->retried = resent;
	return rc;
}
