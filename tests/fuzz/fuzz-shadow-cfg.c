/* priv/shadow.cfg parser: no crash, and the writer is a fixed point. */
#include "files/shadow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct shadow_cfg *cfg, *cfg2;
	struct diag d;

	diag_init(&d);
	cfg = shadow_parse((const char *)data, size, "shadow.cfg", &d);
	shadow_write(cfg, &out);
	cfg2 = shadow_parse(buf_str(&out), out.len, "again", &d);
	shadow_write(cfg2, &out2);
	if (strcmp(buf_str(&out), buf_str(&out2)) != 0 ||
	    shadow_count(cfg) != shadow_count(cfg2))
		abort();
	shadow_free(cfg);
	shadow_free(cfg2);
	buf_clear(&out);
	buf_clear(&out2);
	diag_clear(&d);
	return 0;
}
