/*
 * Fuzz target: what an etcd server (or anything posing as one) answers the
 * etcd client (src/core/cfs): each input is read as a range answer, a txn
 * answer, an error answer and a watch stream.  Invariants:
 *  - a refused range answer leaves what the caller had untouched, an
 *    accepted one appends exactly its kvs;
 *  - an accepted txn answer has one get result per get of the branch that
 *    ran (the kinds below);
 *  - an error answer always gives an error with a code and a printable
 *    message;
 *  - the stream splitter hands out the same objects, each from '{' to
 *    '}', and ends the same way, whether the stream comes at once or in
 *    small pieces (HTTP chunks may cut anywhere); each object either parses
 *    as a watch message whose events are all there, or is refused.
 */
#include "cfs/etcd_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char store[] = "etcd://fuzz:2379";

static void
check_msg(const struct err *err)
{
	const char *p;

	if (err->code == ERR_NONE || err->msg[0] == '\0')
		abort();
	for (p = err->msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

static void
range_answer(const json_t *ans)
{
	struct etcd_kvs k = ETCD_KVS_INIT;
	struct err err;

	/* one entry there before */
	k.v = calloc(1, sizeof(*k.v));
	if (k.v == NULL)
		abort();
	buf_puts(&k.v[0].key, "mine");
	k.n = 1;
	if (etcd_parse_range(store, ans, &k, &err) == 0) {
		if (k.n != 1 + json_array_size(json_object_get(ans, "kvs")))
			abort();
	} else {
		check_msg(&err);
		if (k.n != 1 || strcmp(buf_str(&k.v[0].key), "mine") != 0)
			abort();
	}
	etcd_kvs_free(&k);
}

static void
txn_answer(const json_t *ans)
{
	struct etcd_txn_result r;
	struct err err;

	if (etcd_parse_txn(store, ans, "gpgd", "dg", &r, &err) == 0) {
		if (r.ngets != (r.succeeded ? 2u : 1u))
			abort();
		etcd_txn_result_free(&r);
	} else {
		check_msg(&err);
	}
}

/* the objects a split hands out, one after the other, \0-separated */
struct collect {
	struct buf objs;
	int n;
};

static int
collect(void *arg, const char *obj, size_t len)
{
	struct collect *c = arg;
	struct etcd_watch_msg m;
	struct err err;
	json_t *j = NULL;

	if (len < 2 || obj[0] != '{' || obj[len - 1] != '}')
		abort();
	buf_put(&c->objs, obj, len);
	buf_putc(&c->objs, '\0');
	c->n++;
	if (etcd_json_load(store, obj, len, &j, &err) == 0 &&
	    etcd_parse_watch(store, j, &m, &err) == 0) {
		if (!m.is_error && m.n != json_array_size(json_object_get(
		    json_object_get(j, "result"), "events")))
			abort();
		etcd_watch_msg_free(&m);
	}
	etcd_json_free(j);
	/* a cap on the objects, so that the stop path is taken too */
	return c->n >= 64 ? 1 : 0;
}

static int
split(const uint8_t *data, size_t size, size_t step, size_t max,
    struct collect *c)
{
	struct etcd_split s;
	struct err err;
	size_t off, n;
	int rc = 0;

	etcd_split_init(&s, max);
	for (off = 0; off < size && rc == 0; off += n) {
		n = step == 0 ? size : 1 + (off + data[off]) % step;
		if (n > size - off)
			n = size - off;
		rc = etcd_split_feed(&s, (const char *)data + off, n, collect,
		    c, &err);
		if (rc < 0)
			check_msg(&err);
	}
	etcd_split_clear(&s);
	return rc;
}

static void
watch_stream(const uint8_t *data, size_t size)
{
	struct collect whole = {BUF_INIT, 0}, pieces = {BUF_INIT, 0};
	int rc1, rc2;

	rc1 = split(data, size, 0, 4096, &whole);
	rc2 = split(data, size, 7, 4096, &pieces);
	if (rc1 != rc2 || whole.n != pieces.n || whole.objs.len !=
	    pieces.objs.len || (whole.objs.len > 0 &&
	    memcmp(whole.objs.data, pieces.objs.data, whole.objs.len) != 0))
		abort();
	buf_clear(&whole.objs);
	buf_clear(&pieces.objs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err;
	json_t *ans = NULL;
	bool expired;

	if (etcd_json_load(store, (const char *)data, size, &ans, &err) == 0) {
		range_answer(ans);
		txn_answer(ans);
	} else {
		check_msg(&err);
	}
	etcd_json_free(ans);
	if (etcd_error_answer(store, 400, (const char *)data, size, &expired,
	    &err) != -1)
		abort();
	check_msg(&err);
	watch_stream(data, size);
	return 0;
}
