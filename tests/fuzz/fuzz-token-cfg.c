/* priv/token.cfg parser: no crash, and the writer is a fixed point. */
#include "files/tokencfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct tokencfg *cfg, *cfg2;
	struct diag d;

	diag_init(&d);
	cfg = tokencfg_parse((const char *)data, size, "token.cfg", &d);
	tokencfg_write(cfg, &out);
	cfg2 = tokencfg_parse(buf_str(&out), out.len, "again", &d);
	tokencfg_write(cfg2, &out2);
	if (strcmp(buf_str(&out), buf_str(&out2)) != 0 ||
	    tokencfg_count(cfg) != tokencfg_count(cfg2))
		abort();
	tokencfg_free(cfg);
	tokencfg_free(cfg2);
	buf_clear(&out);
	buf_clear(&out2);
	diag_clear(&d);
	return 0;
}
