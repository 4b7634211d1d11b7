/*
 * priv/shadow.cfg reader and writer.  Proxmox trims each line and takes
 * `^(\S+):(\S+):$` greedily, so the name is everything before the last
 * inner ':'; "0" as name or hash is false in Perl and skipped.  Hashes are
 * not plaintext secrets, but they are still kept out of diagnostics.
 */
#include "shadow.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct shadow_cfg *
shadow_new(void)
{
	struct shadow_cfg *cfg = xcalloc(1, sizeof(*cfg));

	secmap_init(&cfg->users);
	return cfg;
}

void
shadow_free(struct shadow_cfg *cfg)
{
	if (cfg == NULL)
		return;
	secmap_clear(&cfg->users);
	free(cfg);
}

static bool
no_space(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (str_is_space(p[i]) || p[i] == '\0')
			return false;
	return true;
}

/* One trimmed line; false if it does not match. */
static bool
parse_line(struct shadow_cfg *cfg, const char *p, size_t len)
{
	const char *c;
	size_t nlen, hlen;

	if (len < 4 || p[len - 1] != ':' || !no_space(p, len))
		return false;
	len--;
	c = memrchr(p, ':', len);
	if (c == NULL)
		return false;
	nlen = (size_t)(c - p);
	hlen = len - nlen - 1;
	if (nlen == 0 || hlen == 0)
		return false;
	/* Perl: `if ($1 && $2)` */
	if ((nlen == 1 && p[0] == '0') || (hlen == 1 && c[1] == '0'))
		return true;
	secmap_put(&cfg->users, p, nlen, c + 1, hlen);
	return true;
}

struct shadow_cfg *
shadow_parse(const char *text, size_t len, const char *file, struct diag *d)
{
	struct shadow_cfg *cfg = shadow_new();
	const char *p;
	size_t pos = 0, n;
	unsigned line = 0;

	while (str_next_line(text, len, &pos, &p, &n)) {
		line++;
		str_trim(&p, &n);
		if (n == 0 || parse_line(cfg, p, n))
			continue;
		if (d != NULL)
			diag_add(d, file, line, true,
			    "shadow config - ignore invalid line");
	}
	return cfg;
}

void
shadow_write(const struct shadow_cfg *cfg, struct buf *out)
{
	size_t n, i;
	const struct secmap_entry **v = secmap_sorted(&cfg->users, &n);

	for (i = 0; i < n; i++)
		buf_putf(out, "%s:%s:\n", v[i]->key, v[i]->value);
	free(v);
}

const char *
shadow_get(const struct shadow_cfg *cfg, const char *name)
{
	return secmap_get(&cfg->users, name);
}

static bool
field_ok(const char *s)
{
	return *s != '\0' && no_space(s, strlen(s)) && strchr(s, ':') == NULL;
}

int
shadow_set(struct shadow_cfg *cfg, const char *name, const char *hash,
    struct err *err)
{
	if (!field_ok(name) || strcmp(name, "0") == 0)
		return err_set(err, ERR_INVALID, "invalid user name '%s'",
		    name);
	if (!field_ok(hash) || strcmp(hash, "0") == 0)
		return err_set(err, ERR_INVALID, "invalid password hash");
	secmap_put(&cfg->users, name, strlen(name), hash, strlen(hash));
	return 0;
}

bool
shadow_delete(struct shadow_cfg *cfg, const char *name)
{
	return secmap_del(&cfg->users, name);
}

size_t
shadow_count(const struct shadow_cfg *cfg)
{
	return secmap_count(&cfg->users);
}

int
shadow_load(const char *config_dir, struct diag *d,
    struct shadow_cfg **cfg_r, struct err *err)
{
	struct buf text = BUF_INIT;

	if (secmap_file_read(config_dir, SHADOW_FILE, &text, err) < 0)
		return -1;
	*cfg_r = shadow_parse(buf_str(&text), text.len, SHADOW_FILE, d);
	buf_clear_secret(&text);
	return 0;
}

int
shadow_save(const char *config_dir, const struct shadow_cfg *cfg,
    struct err *err)
{
	struct buf text = BUF_INIT;
	int ret;

	shadow_write(cfg, &text);
	ret = secmap_file_write(config_dir, SHADOW_FILE, &text, err);
	buf_clear_secret(&text);
	return ret;
}
