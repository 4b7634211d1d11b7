/*
 * How a file lives in etcd.  A small file is one key, its manifest with
 * the bytes inline.  A large one (user.cfg of 100,000 users is 47 MB,
 * and etcd takes 1.5 MiB per request) is cut into content-defined chunks
 * of about 16 KiB, each its own immutable key named by a random id; the
 * manifest lists them.  Cut points depend only on the bytes just before
 * them, so a change of one user rewrites one chunk and the manifest, not
 * the file: a write costs what it changes.
 *
 * Manifest text (bounded, parsed strictly):
 *   rgcfs 1\n size N\n mode OCTAL\n mtime N\n
 *   then "inline\n" and the N bytes, or "chunks COUNT\n" and COUNT lines
 *   "ID LEN\n" whose LENs add up to N.
 */
#ifndef RG_CFS_MANIFEST_H
#define RG_CFS_MANIFEST_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CFS_CHUNK_ID_LEN   24		/* hex digits: 96 random bits */
#define CFS_INLINE_MAX	   (32u * 1024)	/* larger files are chunked */
#define CFS_CHUNK_MIN	   (4u * 1024)
#define CFS_CHUNK_MAX	   (128u * 1024)
#define CFS_CHUNKS_MAX	   (1u << 20)	/* per file: 128 GiB at most */
#define CFS_FILE_MAX	   (256u * 1024 * 1024)	/* FILE_MAX_CONFIG */

struct cfs_chunkref {
	char id[CFS_CHUNK_ID_LEN + 1];
	size_t len;
};

struct cfs_manifest {
	size_t size;
	mode_t mode;
	int64_t mtime;
	bool is_inline;
	const unsigned char *data;	/* inline bytes, inside the parsed value */
	struct cfs_chunkref *chunks;
	size_t nchunks;
};

/*
 * Parse a manifest value (the inline bytes are not copied: m->data points
 * into value).  ERR_INVALID naming what is wrong.
 */
int cfs_manifest_parse(const void *value, size_t len, struct cfs_manifest *m,
    struct err *err) RG_WARN_UNUSED;
void cfs_manifest_clear(struct cfs_manifest *m);

/* The value for m; with inline content (data, size) when m->is_inline. */
void cfs_manifest_format(const struct cfs_manifest *m, struct buf *out);

/* The length of the chunk starting at p (of len bytes left), > 0. */
size_t cfs_chunk_len(const unsigned char *p, size_t len);

/* A new random chunk id (CFS_CHUNK_ID_LEN hex digits and a NUL). */
void cfs_chunk_id_new(char id[CFS_CHUNK_ID_LEN + 1]);

#endif
