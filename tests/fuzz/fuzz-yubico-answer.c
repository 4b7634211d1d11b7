/*
 * Fuzz target: a Yubico validation server's answer as yubico_verify
 * reads it (src/realms/yubico.c): `key=value` lines, split in place,
 * signature h over the others, status, the echoed otp and nonce.  An
 * accepted answer must be one the test key signed with status OK for this
 * very request; to make that reachable, a first input line "SIGN" has the
 * target sign the rest itself before the check.
 */
#include "yubico.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key[] = "cmVhbG1nYXRlLXl1Ymljby10ZXN0LWtleS0wMTIz";
static const char otp[] = "ccccccbcgujhcbdefghijkcbdefghijkcbdefghijk";
static const char nonce[] = "0123456789abcdef0123456789abcdef";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf body = BUF_INIT, sig = BUF_INIT;
	struct err err;
	bool signed_here = size >= 5 && memcmp(data, "SIGN\n", 5) == 0;
	int rc;

	if (signed_here) {
		/* sign the lines joined with '&' as given (sorted or not) */
		struct buf joined = BUF_INIT;
		size_t i;

		buf_put(&body, (const char *)data + 5, size - 5);
		for (i = 0; i < body.len; i++)
			buf_putc(&joined, body.data[i] == '\n' ? '&' :
			    body.data[i]);
		if (memchr(buf_str(&body), '\0', body.len) == NULL &&
		    yubico_sign(key, buf_str(&joined), &sig) == 0)
			buf_putf(&body, "\nh=%s\n", buf_str(&sig));
		buf_clear(&joined);
	} else {
		buf_put(&body, (const char *)data, size);
	}
	rc = yubico_answer_check(key, &body, otp, nonce, &err);
	if (rc < 0 && (err.code != ERR_AUTH || err.msg[0] == '\0'))
		abort();
	/* only an answer signed with the key can pass */
	if (rc == 0 && !signed_here)
		abort();
	buf_clear(&body);
	buf_clear(&sig);
	return 0;
}
