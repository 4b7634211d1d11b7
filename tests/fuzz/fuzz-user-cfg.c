/*
 * Fuzz target: user.cfg parser and writer.  Whatever the input, parsing
 * must not crash, and rewriting must settle: from the second rewrite on
 * the bytes do not change.  (Not from the first: like Proxmox's writer,
 * ours leaves spaces unescaped, and the reader trims fields, so a comment
 * "a%20" comes back as "a" - byte compatibility wins.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ucfg.h"
#include "perm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf once = BUF_INIT, twice = BUF_INIT;
	struct diag diag;
	struct ucfg *cfg, *again;
	struct perm_set ps;

	diag_init(&diag);
	cfg = ucfg_parse((const char *)data, size, "fuzz", &diag);
	ucfg_write(cfg, &once);
	perm_compute(cfg, "a@pve", "/vms/100", &ps, NULL);
	perm_compute(cfg, "a@pve!tok", "/storage/x", &ps, NULL);
	again = ucfg_parse(once.data, once.len, "fuzz2", NULL);
	ucfg_write(again, &twice);
	ucfg_free(again);
	buf_reset(&once);
	again = ucfg_parse(twice.data, twice.len, "fuzz3", NULL);
	ucfg_write(again, &once);
	if (once.len != twice.len || memcmp(once.data, twice.data, once.len))
		abort();
	ucfg_free(cfg);
	ucfg_free(again);
	diag_clear(&diag);
	buf_clear(&once);
	buf_clear(&twice);
	return 0;
}
