/*
 * domains.cfg and realmgate/domains.cfg parsers: any input must parse
 * without crashing, and writing is a fixed point (what we write parses
 * back to the same bytes).
 */
#include "files/domains.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, rg = BUF_INIT, out2 = BUF_INIT,
		   rg2 = BUF_INIT;
	struct domains_cfg *cfg, *cfg2;
	struct diag d;

	diag_init(&d);
	cfg = domains_parse((const char *)data, size, "domains.cfg", &d);
	domains_parse_rg(cfg, (const char *)data, size, "rg", &d);
	domains_write(cfg, &out);
	domains_write_rg(cfg, &rg);
	cfg2 = domains_parse(buf_str(&out), out.len, "again", NULL);
	domains_parse_rg(cfg2, buf_str(&rg), rg.len, "again", NULL);
	domains_write(cfg2, &out2);
	domains_write_rg(cfg2, &rg2);
	if (out.len != out2.len || memcmp(buf_str(&out), buf_str(&out2),
	    out.len) != 0 || strcmp(buf_str(&rg), buf_str(&rg2)) != 0)
		abort();
	domains_free(cfg);
	domains_free(cfg2);
	buf_clear(&out);
	buf_clear(&rg);
	buf_clear(&out2);
	buf_clear(&rg2);
	diag_clear(&d);
	return 0;
}
