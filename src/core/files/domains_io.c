/*
 * Loading and saving the two realm files under a config directory.  The
 * two writes cannot be one atomic step, so their order is chosen to fail
 * closed: realmgate/domains.cfg first (a new realm's `disable` exists
 * before the realm does), except after a deletion, where domains.cfg goes
 * first (the realm disappears before its restrictions do).
 */
#include "domains_int.h"
#include "fileio.h"
#include "xalloc.h"

#include <stdlib.h>

static int
read_optional(const char *path, struct buf *out, struct err *err)
{
	if (file_read(path, FILE_MAX_CONFIG, out, err) == 0)
		return 0;
	if (err->code == ERR_NOT_FOUND) {
		err_clear(err);
		return 0;
	}
	return -1;
}

int
domains_load(const char *config_dir, struct diag *d,
    struct domains_cfg **cfg_r, struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct domains_cfg *cfg = NULL;
	int ret = -1;

	buf_putf(&path, "%s/%s", config_dir, DOMAINS_FILE);
	if (read_optional(buf_str(&path), &text, err) < 0)
		goto out;
	cfg = domains_parse(buf_str(&text), text.len, DOMAINS_FILE, d);
	buf_reset(&path);
	buf_reset(&text);
	buf_putf(&path, "%s/%s", config_dir, DOMAINS_RG_FILE);
	if (read_optional(buf_str(&path), &text, err) < 0)
		goto out;
	domains_parse_rg(cfg, buf_str(&text), text.len, DOMAINS_RG_FILE, d);
	*cfg_r = cfg;
	cfg = NULL;
	ret = 0;
out:
	domains_free(cfg);
	buf_clear(&path);
	buf_clear(&text);
	return ret;
}

static int
save_main(const char *config_dir, const struct domains_cfg *cfg,
    struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret;

	buf_putf(&path, "%s/%s", config_dir, DOMAINS_FILE);
	domains_write(cfg, &text);
	ret = file_write_atomic(buf_str(&path), buf_str(&text), text.len,
	    0640, err);
	buf_clear(&path);
	buf_clear(&text);
	return ret;
}

static int
save_rg(const char *config_dir, const struct domains_cfg *cfg,
    struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret = -1;

	domains_write_rg(cfg, &text);
	buf_putf(&path, "%s/realmgate", config_dir);
	/* no settings and no file yet: leave the directory alone */
	if (text.len == 0 && !file_exists(buf_str(&path))) {
		ret = 0;
		goto out;
	}
	if (file_mkdirs(buf_str(&path), 0755, err) < 0)
		goto out;
	buf_reset(&path);
	buf_putf(&path, "%s/%s", config_dir, DOMAINS_RG_FILE);
	ret = file_write_atomic(buf_str(&path), buf_str(&text), text.len,
	    0640, err);
out:
	buf_clear(&path);
	buf_clear(&text);
	return ret;
}

int
domains_save(const char *config_dir, const struct domains_cfg *cfg,
    struct err *err)
{
	if (cfg->deleted)
		return save_main(config_dir, cfg, err) < 0 ? -1 :
		    save_rg(config_dir, cfg, err);
	return save_rg(config_dir, cfg, err) < 0 ? -1 :
	    save_main(config_dir, cfg, err);
}
