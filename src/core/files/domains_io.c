/*
 * Loading and saving the two realm files of the configuration.  In a
 * config directory the two writes cannot be one atomic step (in etcd
 * they are one transaction), so their order is chosen to fail
 * closed: realmgate/domains.cfg first (a new realm's `disable` exists
 * before the realm does), except after a deletion, where domains.cfg goes
 * first (the realm disappears before its restrictions do).
 */
#include "domains_int.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "xalloc.h"

#include <stdlib.h>

static int
read_optional(const char *config_dir, const char *rel, struct buf *out,
    struct err *err)
{
	if (cfs_read(config_dir, rel, FILE_MAX_CONFIG, out, err) == 0)
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
	struct buf text = BUF_INIT;
	struct domains_cfg *cfg = NULL;
	int ret = -1;

	if (read_optional(config_dir, DOMAINS_FILE, &text, err) < 0)
		goto out;
	cfg = domains_parse(buf_str(&text), text.len, DOMAINS_FILE, d);
	buf_reset(&text);
	if (read_optional(config_dir, DOMAINS_RG_FILE, &text, err) < 0)
		goto out;
	domains_parse_rg(cfg, buf_str(&text), text.len, DOMAINS_RG_FILE, d);
	*cfg_r = cfg;
	cfg = NULL;
	ret = 0;
out:
	domains_free(cfg);
	buf_clear(&text);
	return ret;
}

static int
save_main(const char *config_dir, const struct domains_cfg *cfg,
    struct err *err)
{
	struct buf text = BUF_INIT;
	int ret;

	domains_write(cfg, &text);
	ret = cfs_write(config_dir, DOMAINS_FILE, buf_str(&text), text.len,
	    0640, 0, err);
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
	cfs_path(config_dir, DOMAINS_RG_FILE, &path);
	/* no settings and no file yet: leave it alone */
	if (text.len == 0 && !file_exists(buf_str(&path))) {
		ret = 0;
		goto out;
	}
	ret = cfs_write(config_dir, DOMAINS_RG_FILE, buf_str(&text), text.len,
	    0640, 0, err);
out:
	buf_clear(&path);
	buf_clear(&text);
	return ret;
}

int
domains_save(const char *config_dir, const struct domains_cfg *cfg,
    struct err *err)
{
	int rc;

	/* one transaction in a shared store (the order matters on disk) */
	cfs_group_begin();
	if (cfg->deleted)
		rc = save_main(config_dir, cfg, err) < 0 ? -1 :
		    save_rg(config_dir, cfg, err);
	else
		rc = save_rg(config_dir, cfg, err) < 0 ? -1 :
		    save_main(config_dir, cfg, err);
	if (rc == 0)
		rc = cfs_group_commit(config_dir, err);
	cfs_group_end(config_dir);
	return rc;
}
