/*
 * Fuzz target: what the etcd store hands a node besides etcd's own JSON
 * (src/core/cfs): a file's manifest as any member (or anyone who can
 * write the prefix) stored it, and the --store URL.  Invariants:
 *  - a manifest is refused with ERR_INVALID and a message, or accepted
 *    with chunk lengths adding up to its size; an accepted one formats to
 *    bytes that parse to the same manifest and format to themselves;
 *  - the chunker cuts any bytes into pieces of 1..CFS_CHUNK_MAX bytes
 *    (at least CFS_CHUNK_MIN but for the last) that add up to the input;
 *  - a URL is refused or accepted without a crash; an accepted one has
 *    endpoints and a prefix that starts and ends with '/'.
 */
#include "cfs/cfs_manifest.h"
#include "cfs/cfs_url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same(const struct cfs_manifest *a, const struct cfs_manifest *b)
{
	if (a->size != b->size || a->mode != b->mode || a->mtime != b->mtime ||
	    a->is_inline != b->is_inline || a->nchunks != b->nchunks ||
	    (a->is_inline && memcmp(a->data, b->data, a->size) != 0) ||
	    (!a->is_inline && a->nchunks > 0 && memcmp(a->chunks, b->chunks,
	    a->nchunks * sizeof(*a->chunks)) != 0))
		abort();
}

static void
manifest(const uint8_t *data, size_t size)
{
	struct cfs_manifest m, m2;
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct err err;
	size_t i, total = 0;

	err_clear(&err);
	if (cfs_manifest_parse(data, size, &m, &err) < 0) {
		if (err.code != ERR_INVALID || err.msg[0] == '\0')
			abort();
		return;
	}
	for (i = 0; i < m.nchunks; i++)
		total += m.chunks[i].len;
	if (!m.is_inline && total != m.size)
		abort();
	cfs_manifest_format(&m, &out);
	if (cfs_manifest_parse(out.data, out.len, &m2, &err) < 0)
		abort();
	same(&m, &m2);
	cfs_manifest_format(&m2, &out2);
	if (out.len != out2.len || memcmp(out.data, out2.data, out.len) != 0)
		abort();
	cfs_manifest_clear(&m);
	cfs_manifest_clear(&m2);
	buf_clear(&out);
	buf_clear(&out2);
}

static void
chunks(const uint8_t *data, size_t size)
{
	size_t off = 0, n;

	while (off < size) {
		n = cfs_chunk_len(data + off, size - off);
		if (n == 0 || n > CFS_CHUNK_MAX || n > size - off ||
		    (n < CFS_CHUNK_MIN && n != size - off))
			abort();
		off += n;
	}
}

static void
url(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct cfs_url u;
	struct err err;

	memcpy(s, data, size);
	s[size] = '\0';
	if (cfs_url_parse(s, &u, &err) == 0) {
		size_t n = strlen(u.prefix);

		if (u.endpoints == NULL || u.endpoints[0] == '\0' || n < 3 ||
		    u.prefix[0] != '/' || u.prefix[n - 1] != '/')
			abort();
		cfs_url_clear(&u);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	manifest(data, size);
	chunks(data, size);
	url(data, size);
	return 0;
}
