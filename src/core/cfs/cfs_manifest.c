/*
 * Manifests and content-defined chunking (see cfs_manifest.h).  The cut
 * rule is a gear hash: h = (h << 1) + gear[byte], a cut where its top
 * bits are zero once the chunk has CFS_CHUNK_MIN bytes, or at
 * CFS_CHUNK_MAX.  A 64-bit shift register forgets a byte after 64 more,
 * so the cut points resynchronise right after a change.
 */
#include "cfs_manifest.h"
#include "xalloc.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUT_MASK 0xFFFC000000000000ull	/* 14 bits: ~16 KiB past the minimum */

static uint64_t gear[256];

static void
gear_init(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;	/* splitmix64, fixed seed */
	size_t i;

	for (i = 0; i < 256; i++) {
		uint64_t z = (x += 0x9E3779B97F4A7C15ull);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		gear[i] = z ^ (z >> 31);
	}
}

size_t
cfs_chunk_len(const unsigned char *p, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uint64_t h = 0;
	size_t i, max = len < CFS_CHUNK_MAX ? len : CFS_CHUNK_MAX;

	pthread_once(&once, gear_init);
	if (len <= CFS_CHUNK_MIN)
		return len;
	for (i = 0; i < max; i++) {
		h = (h << 1) + gear[p[i]];
		if (i + 1 >= CFS_CHUNK_MIN && (h & CUT_MASK) == 0)
			return i + 1;
	}
	return max;
}

void
cfs_chunk_id_new(char id[CFS_CHUNK_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[CFS_CHUNK_ID_LEN / 2];
	size_t i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		abort();	/* no randomness: nothing safe to do */
	for (i = 0; i < sizeof(r); i++) {
		id[2 * i] = hex[r[i] >> 4];
		id[2 * i + 1] = hex[r[i] & 15];
	}
	id[CFS_CHUNK_ID_LEN] = '\0';
}

void
cfs_manifest_clear(struct cfs_manifest *m)
{
	free(m->chunks);
	memset(m, 0, sizeof(*m));
}

/* The next "\n"-terminated line of [*p, end) into line (without it). */
static bool
next_line(const char **p, const char *end, const char **line, size_t *n)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return false;
	*line = *p;
	*n = (size_t)(nl - *p);
	*p = nl + 1;
	return true;
}

/* Digits in base (8 or 10), at most 22 of them, value at most max. */
static bool
parse_num(const char *s, size_t n, unsigned base, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 22)
		return false;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d >= base || x > (max - d) / base)
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

/* The line "<word> <number>" */
static bool
field(const char **p, const char *end, const char *word, unsigned base,
    uint64_t max, uint64_t *v)
{
	size_t wl = strlen(word), n;
	const char *line;

	return next_line(p, end, &line, &n) && n > wl + 1 &&
	    memcmp(line, word, wl) == 0 && line[wl] == ' ' &&
	    parse_num(line + wl + 1, n - wl - 1, base, max, v);
}

static bool
id_valid(const char *s, size_t n)
{
	size_t i;

	if (n != CFS_CHUNK_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int
parse_chunks(const char *p, const char *end, size_t count,
    struct cfs_manifest *m, struct err *err)
{
	size_t i, n, total = 0;
	const char *line, *sp;

	if (count > CFS_CHUNKS_MAX)
		return err_set(err, ERR_INVALID, "manifest: too many chunks");
	m->chunks = xcalloc(count > 0 ? count : 1, sizeof(*m->chunks));
	for (i = 0; i < count; i++) {
		uint64_t len;

		if (!next_line(&p, end, &line, &n) ||
		    (sp = memchr(line, ' ', n)) == NULL ||
		    !id_valid(line, (size_t)(sp - line)))
			return err_set(err, ERR_INVALID,
			    "manifest: bad chunk line %zu", i + 1);
		if (!parse_num(sp + 1, (size_t)(line + n - sp - 1), 10,
		    CFS_CHUNK_MAX, &len) || len == 0)
			return err_set(err, ERR_INVALID,
			    "manifest: bad chunk length on line %zu", i + 1);
		memcpy(m->chunks[i].id, line, CFS_CHUNK_ID_LEN);
		m->chunks[i].len = (size_t)len;
		total += (size_t)len;
		if (total > CFS_FILE_MAX)
			return err_set(err, ERR_INVALID,
			    "manifest: file too large");
	}
	m->nchunks = count;
	if (p != end)
		return err_set(err, ERR_INVALID, "manifest: trailing bytes");
	if (total != m->size)
		return err_set(err, ERR_INVALID,
		    "manifest: chunks add up to %zu bytes, not %zu", total,
		    m->size);
	return 0;
}

int
cfs_manifest_parse(const void *value, size_t len, struct cfs_manifest *m,
    struct err *err)
{
	const char *p = value, *end = p + len, *line;
	uint64_t size, mode, mtime, count;
	size_t n;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!next_line(&p, end, &line, &n) || n != 7 ||
	    memcmp(line, "rgcfs 1", 7) != 0)
		return err_set(err, ERR_INVALID, "manifest: not a realmgate "
		    "file (or a newer version)");
	if (!field(&p, end, "size", 10, CFS_FILE_MAX, &size) ||
	    !field(&p, end, "mode", 8, 07777, &mode) ||
	    !field(&p, end, "mtime", 10, INT64_MAX, &mtime))
		return err_set(err, ERR_INVALID, "manifest: bad header");
	m->size = (size_t)size;
	m->mode = (mode_t)mode;
	m->mtime = (int64_t)mtime;
	if ((size_t)(end - p) >= 7 && memcmp(p, "inline\n", 7) == 0) {
		p += 7;
		if ((size_t)(end - p) != m->size)
			return err_set(err, ERR_INVALID, "manifest: inline "
			    "content is not %zu bytes", m->size);
		m->is_inline = true;
		m->data = (const unsigned char *)p;
		return 0;
	}
	if (!field(&p, end, "chunks", 10, CFS_CHUNKS_MAX, &count))
		return err_set(err, ERR_INVALID, "manifest: no content");
	rc = parse_chunks(p, end, (size_t)count, m, err);
	if (rc < 0)
		cfs_manifest_clear(m);
	return rc;
}

void
cfs_manifest_format(const struct cfs_manifest *m, struct buf *out)
{
	size_t i;

	buf_putf(out, "rgcfs 1\nsize %zu\nmode %o\nmtime %lld\n", m->size,
	    (unsigned)m->mode & 07777, (long long)m->mtime);
	if (m->is_inline) {
		buf_puts(out, "inline\n");
		buf_put(out, m->data, m->size);
		return;
	}
	buf_putf(out, "chunks %zu\n", m->nchunks);
	for (i = 0; i < m->nchunks; i++)
		buf_putf(out, "%s %zu\n", m->chunks[i].id, m->chunks[i].len);
}
