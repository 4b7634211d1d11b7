/*
 * A pre-check of CBOR before libcbor sees it.  libcbor 0.8 allocates an
 * array or map of the size its header declares before reading a single
 * element, so five bytes claiming 3 billion entries make it ask for tens
 * of gigabytes (found by fuzz-webauthn-authdata).  This walk reads one
 * item without allocating: every declared count must fit in the bytes
 * that are left (each element takes at least one byte), nesting is
 * bounded, and indefinite lengths - which CTAP2's canonical CBOR never
 * uses - are refused.  What passes costs libcbor memory linear in its size.
 */
#include "webauthn_int.h"

#define CBOR_DEPTH_MAX 16

static bool
scan(const unsigned char *p, size_t len, size_t *pos, int depth)
{
	uint64_t n = 0;
	unsigned major, info, i, extra;

	if (depth > CBOR_DEPTH_MAX || *pos >= len)
		return false;
	major = p[*pos] >> 5;
	info = p[*pos] & 31;
	(*pos)++;
	if (info < 24) {
		n = info;
	} else if (info <= 27) {
		extra = 1u << (info - 24);
		if (len - *pos < extra)
			return false;
		for (i = 0; i < extra; i++)
			n = n << 8 | p[(*pos)++];
	} else {
		return false;	/* reserved, or an indefinite length */
	}
	switch (major) {
	case 0:		/* unsigned and negative integers */
	case 1:
	case 7:		/* simple values and floats: the head is all */
		return true;
	case 2:		/* byte and text strings */
	case 3:
		if (n > len - *pos)
			return false;
		*pos += (size_t)n;
		return true;
	case 6:		/* a tag and its item */
		return scan(p, len, pos, depth + 1);
	case 5:		/* a map: n pairs */
		if (n > (len - *pos) / 2)
			return false;
		n *= 2;
		break;
	default:	/* 4: an array */
		if (n > len - *pos)
			return false;
		break;
	}
	while (n-- > 0)
		if (!scan(p, len, pos, depth + 1))
			return false;
	return true;
}

bool
wa_cbor_item_len(const unsigned char *p, size_t len, size_t *item_len)
{
	size_t pos = 0;

	if (!scan(p, len, &pos, 0))
		return false;
	*item_len = pos;
	return true;
}
