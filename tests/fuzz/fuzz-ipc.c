/*
 * Fuzz target for IPC frames (src/daemon/ipc.c).  The input is a frame
 * without its length word, as ipc_parse takes it.  What the unprivileged
 * front sends is what authd parses, so beyond "no crash" this checks that
 * an accepted frame is exactly the bytes given, that every getter agrees
 * with a walk of the fields (strings, u32 and the u64 of IPC_T_TOKENCFG),
 * and that rebuilding it with ipc_add_bytes gives the same body.  The
 * seeds include IPC_CALL with each credential (ticket; token id and
 * secret; none) as the front sends them to authd.
 */
#include "ipc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The first field with this tag, found independently of ipc.c. */
static const uint8_t *
first(const uint8_t *p, size_t n, uint16_t tag, size_t *len_r)
{
	size_t off = 0;

	while (off < n) {
		uint16_t t = (uint16_t)(p[off] << 8 | p[off + 1]);
		size_t len = be32(p + off + 2);

		if (t == tag) {
			*len_r = len;
			return p + off + 6;
		}
		off += 6 + len;
	}
	return NULL;
}

static void
check_getters(const struct ipc_msg *m, const uint8_t *body, size_t n)
{
	unsigned tag;

	/* one past each end of the tag range too */
	for (tag = 0; tag <= IPC_T_LAST + 1; tag++) {
		const uint8_t *want, *got;
		size_t wlen = 0, glen = 0;
		uint32_t v;
		uint64_t v64;
		char *s;

		want = first(body, n, (uint16_t)tag, &wlen);
		got = ipc_get_bytes(m, (uint16_t)tag, &glen);
		if ((want == NULL) != (got == NULL))
			abort();
		if (want != NULL &&
		    (wlen != glen || memcmp(want, got, wlen) != 0))
			abort();
		s = ipc_get_str(m, (uint16_t)tag);
		if ((s != NULL) != (want != NULL &&
		    memchr(want, '\0', wlen) == NULL))
			abort();
		if (s != NULL && (strlen(s) != wlen || memcmp(s, want, wlen)))
			abort();
		free(s);
		if (ipc_get_u32(m, (uint16_t)tag, &v) !=
		    (want != NULL && wlen == 4))
			abort();
		if (want != NULL && wlen == 4 && v != be32(want))
			abort();
		if (ipc_get_u64(m, (uint16_t)tag, &v64) !=
		    (want != NULL && wlen == 8))
			abort();
		if (want != NULL && wlen == 8 &&
		    v64 != ((uint64_t)be32(want) << 32 | be32(want + 4)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_msg m, again;
	struct err err;
	const uint8_t *body;
	size_t n, off;

	if (ipc_parse(data, size, &m, &err) < 0) {
		if (err.code != ERR_INVALID || m.body.len != 0)
			abort();
		ipc_msg_clear(&m);
		return 0;
	}
	/* accepted: type and id as given, the rest is the body, verbatim */
	body = data + 8;
	n = size - 8;
	if (m.type != be32(data) || m.id != be32(data + 4) ||
	    m.body.len != n || (n != 0 && memcmp(m.body.data, body, n) != 0))
		abort();
	check_getters(&m, body, n);

	ipc_msg_init(&again, m.type, m.id);
	for (off = 0; off < n;) {
		uint16_t tag = (uint16_t)(body[off] << 8 | body[off + 1]);
		size_t len = be32(body + off + 2);

		ipc_add_bytes(&again, tag, body + off + 6, len);
		off += 6 + len;
	}
	if (again.too_big || again.body.len != n ||
	    (n != 0 && memcmp(again.body.data, body, n) != 0))
		abort();
	ipc_msg_clear(&again);
	ipc_msg_clear(&m);
	return 0;
}
