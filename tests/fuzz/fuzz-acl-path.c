/*
 * Fuzz target: ACL path normalisation.  A normalised path starts with '/',
 * never ends with '/' (unless it is "/"), has no "//", and normalising it
 * again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;

	if (id_path_normalize((const char *)data, size, &a)) {
		if (a.len == 0 || a.data[0] != '/' || strstr(a.data, "//") ||
		    (a.len > 1 && a.data[a.len - 1] == '/'))
			abort();
		if (!id_path_normalize(a.data, a.len, &b) ||
		    strcmp(a.data, b.data) != 0)
			abort();
	}
	buf_clear(&a);
	buf_clear(&b);
	return 0;
}
