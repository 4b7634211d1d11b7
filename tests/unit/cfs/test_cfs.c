/*
 * The config file store's pure parts (src/core/cfs): the chunker keeps a
 * change local (a write costs what it changes), manifests round-trip and
 * refuse what is malformed, the --store URL grammar, and which files stay
 * on the node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfs/cfs.h"
#include "cfs/cfs_manifest.h"
#include "cfs/cfs_url.h"

/* A user.cfg-like text of n lines. */
static char *
text(size_t n, size_t *len_r)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_putf(&b, "user:user%05zu@pve:1:0:First%zu:Last:u%zu@"
		    "example.com:comment %zu::\n", i, i, i, i * 7919);
	*len_r = b.len;
	return buf_steal(&b);
}

/* The chunk boundaries of (p, len) into cuts[]; their count. */
static size_t
cut(const char *p, size_t len, size_t *cuts, size_t max)
{
	size_t off = 0, n = 0;

	while (off < len && n < max) {
		off += cfs_chunk_len((const unsigned char *)p + off, len - off);
		cuts[n++] = off;
	}
	return n;
}

static void
test_a_change_stays_local(void **state)
{
	static size_t a[4096], b[4096];
	size_t len, na, nb, i, k, same = 0;
	char *t = text(40000, &len), *u;

	(void)state;
	na = cut(t, len, a, 4096);
	assert_true(na > 100);		/* ~3.4 MB in ~16 KiB pieces */
	assert_true(len / na > 8 * 1024 && len / na < 40 * 1024);
	/* change a few bytes in the middle: the cuts far from it stay */
	u = malloc(len + 16);
	memcpy(u, t, len / 2);
	memcpy(u + len / 2, "CHANGED", 7);
	memcpy(u + len / 2 + 7, t + len / 2, len - len / 2);
	nb = cut(u, len + 7, b, 4096);
	for (i = 0, k = 0; i < na && k < nb;) {
		size_t x = a[i], y = b[k] > len / 2 ? b[k] - 7 : b[k];

		if (x == y) {
			same++;
			i++;
			k++;
		} else if (x < y) {
			i++;
		} else {
			k++;
		}
	}
	assert_true(same >= na - 3);
	free(t);
	free(u);
}

static void
test_manifest_round_trip_and_refusals(void **state)
{
	const char chunked[] = "rgcfs 1\nsize 7\nmode 600\nmtime 5\nchunks 2\n"
	    "0123456789abcdef01234567 3\nfedcba9876543210fedcba98 4\n";
	const char *bad[] = {
		"rgcfs 2\nsize 0\nmode 600\nmtime 0\ninline\n",
		"rgcfs 1\nsize 5\nmode 600\nmtime 0\ninline\nabc",
		"rgcfs 1\nsize 7\nmode 600\nmtime 0\nchunks 1\n"
		    "0123456789abcdef01234567 6\n",
		"rgcfs 1\nsize 3\nmode 600\nmtime 0\nchunks 1\n"
		    "0123456789ABCDEF01234567 3\n",
		"rgcfs 1\nsize 3\nmode 800\nmtime 0\ninline\nabc",
		"rgcfs 1\nsize 99999999999999999999\nmode 600\nmtime 0\n",
	};
	struct cfs_manifest m;
	struct buf out = BUF_INIT;
	struct err err;
	size_t i;

	(void)state;
	assert_int_equal(cfs_manifest_parse(chunked, sizeof(chunked) - 1, &m,
	    &err), 0);
	assert_int_equal(m.nchunks, 2);
	assert_int_equal(m.mode, 0600);
	assert_string_equal(m.chunks[1].id, "fedcba9876543210fedcba98");
	cfs_manifest_format(&m, &out);
	assert_int_equal(out.len, sizeof(chunked) - 1);
	assert_memory_equal(out.data, chunked, out.len);
	cfs_manifest_clear(&m);
	buf_clear(&out);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(cfs_manifest_parse(bad[i], strlen(bad[i]), &m,
		    &err), -1);
		assert_int_equal(err.code, ERR_INVALID);
	}
}

static void
test_store_urls(void **state)
{
	const char *bad[] = {"", "etcd://", "http://a:1", "etcd://a",
	    "etcd://a:0", "etcd://a:65536", "etcd://a:1,", "etcd://a:1/",
	    "etcd://a:1/x y", "etcd://a:1?user=u", "etcd://a:1?cacert=/c",
	    "etcd://a:1?timeout-ms=5", "etcd://a:1?nope=1",
	    "etcds://a:1?cert=/c", "etcd://a:1?lease-ttl"};
	struct cfs_url u;
	struct err err;
	size_t i;

	(void)state;
	assert_int_equal(cfs_url_parse("etcd://127.0.0.1:2379,10.0.0.2:2479",
	    &u, &err), 0);
	assert_string_equal(u.endpoints, "127.0.0.1:2379,10.0.0.2:2479");
	assert_string_equal(u.prefix, "/realmgate/");
	assert_false(u.tls);
	assert_int_equal(u.lease_ttl, CFS_LEASE_TTL_DEFAULT);
	cfs_url_clear(&u);
	assert_int_equal(cfs_url_parse("etcds://h:1/site-a?cacert=/ca.pem&"
	    "timeout-ms=500&lease-ttl=3", &u, &err), 0);
	assert_true(u.tls);
	assert_string_equal(u.prefix, "/site-a/");
	assert_string_equal(u.cacert, "/ca.pem");
	assert_int_equal(u.timeout_ms, 500);
	assert_int_equal(u.lease_ttl, 3);
	assert_string_equal(u.name, "etcds://h:1/site-a");
	cfs_url_clear(&u);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(cfs_url_parse(bad[i], &u, &err), -1);
		assert_int_equal(err.code, ERR_INVALID);
	}
}

static void
test_node_local_files(void **state)
{
	(void)state;
	assert_true(cfs_is_local("local/realmgate-ssl.key"));
	assert_true(cfs_is_local("local/tasks"));
	assert_true(cfs_is_local("local/tasks/UPID:x"));
	assert_true(cfs_is_local("local/mirror"));
	assert_false(cfs_is_local("local/lockout.state"));
	assert_false(cfs_is_local("local/openid/sso.json"));
	assert_false(cfs_is_local("local/tasksX"));
	assert_false(cfs_is_local("user.cfg"));
	assert_false(cfs_is_local("priv/shadow.cfg"));
}

static void
test_store_file_names(void **state)
{
	const char *bad[] = {"", "/etc/passwd", ".hidden", "a/../b", "a/.b",
	    "a//b", "dir/", "local/mirror/r1/user.cfg", "sp ace", "tab\t"};
	size_t i;

	(void)state;
	assert_true(cfs_rel_valid("user.cfg", 8));
	assert_true(cfs_rel_valid("priv/realm/corp.pw", 18));
	assert_false(cfs_rel_valid("user.cfg\0x", 10));
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(cfs_rel_valid(bad[i], strlen(bad[i])));
	assert_true(cfs_rel_private("priv/shadow.cfg"));
	assert_true(cfs_rel_private("local/lockout.state"));
	assert_false(cfs_rel_private("user.cfg"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_change_stays_local),
		cmocka_unit_test(test_manifest_round_trip_and_refusals),
		cmocka_unit_test(test_store_urls),
		cmocka_unit_test(test_node_local_files),
		cmocka_unit_test(test_store_file_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
