/*
 * UTF-8 checks.  Proxmox decodes text fields as UTF-8 after percent
 * decoding; malformed sequences become U+FFFD, which we reproduce so that
 * a rewrite gives the same bytes.
 */
#ifndef RG_UTF8_H
#define RG_UTF8_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if malformed. */
size_t utf8_seq_len(const unsigned char *p, size_t avail);
bool utf8_valid(const char *p, size_t len);
/* Number of characters of valid UTF-8 (p,len). */
size_t utf8_count(const char *p, size_t len);
/* Replace every malformed sequence in b with U+FFFD (EF BF BD). */
void utf8_sanitize(struct buf *b);

#endif
