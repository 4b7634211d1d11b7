/*
 * The TFA challenge of a partial ticket (src/core/tfa/challenge.c): no
 * crash, and what parses is written in a form that parses back to the
 * same text (a fixed point).
 */
#include "tfa/challenge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct tfa_challenge c;
	struct err err;

	if (tfa_challenge_parse((const char *)data, size, &c, &err) < 0) {
		if (!tfa_challenge_empty(&c))
			abort();
		return 0;
	}
	tfa_challenge_write(&c, &out);
	tfa_challenge_clear(&c);
	if (tfa_challenge_parse(buf_str(&out), out.len, &c, &err) < 0)
		abort();
	tfa_challenge_write(&c, &out2);
	if (strcmp(buf_str(&out), buf_str(&out2)) != 0)
		abort();
	tfa_challenge_clear(&c);
	buf_clear(&out);
	buf_clear(&out2);
	return 0;
}
