/*
 * JSON text as serde_json writes it (to_vec, compact): Proxmox's Rust code
 * writes priv/tfa.cfg and the TFA challenge that way, so a value read with
 * jansson and written back here gives the same bytes.  Differences from
 * jansson's own dump: "\u001f" in lower-case hex, '/' and non-ASCII never
 * escaped, NUL allowed inside strings, reals in Rust's shortest form
 * ("1.0", "1e30", "1.5e-7"), non-finite reals as null.
 */
#ifndef RG_TFA_SJSON_H
#define RG_TFA_SJSON_H

#include "buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* jansson's iterators take json_t * even to read: for const values. */
static inline json_t *
sjson_mut(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* Append v; object members in jansson's (insertion) order. */
void sjson_dump(const json_t *v, struct buf *out);
/* Append (s, len) as a JSON string literal. */
void sjson_string(const char *s, size_t len, struct buf *out);
/* Append a string member name and its ':' ("key": ). */
void sjson_key(const char *key, struct buf *out);

#endif
