/*
 * priv/token.cfg reader and writer.  pmxcfs authenticates a token by
 * looking for the line "<tokenid> <secret>" byte for byte, so the format
 * is strict: exactly one space, no trimming (a CRLF line does not match).
 * Secrets are wiped when freed and never appear in diagnostics.
 */
#include "tokencfg.h"
#include "fileio.h"
#include "ids.h"
#include "secret.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct tokencfg_entry {
	char *id;
	char *secret;
};

static void
entry_free(struct tokencfg_entry *e)
{
	if (e == NULL)
		return;
	free(e->id);
	secret_free_str(e->secret);
	free(e);
}

struct tokencfg *
tokencfg_new(void)
{
	struct tokencfg *cfg = xcalloc(1, sizeof(*cfg));

	hmap_init(&cfg->tokens);
	return cfg;
}

void
tokencfg_free(struct tokencfg *cfg)
{
	size_t it = 0;
	void *v;

	if (cfg == NULL)
		return;
	while (hmap_next(&cfg->tokens, &it, NULL, &v))
		entry_free(v);
	hmap_clear(&cfg->tokens);
	free(cfg);
}

static void
put(struct tokencfg *cfg, const char *id, size_t idlen, const char *secret,
    size_t slen)
{
	struct tokencfg_entry *e = xcalloc(1, sizeof(*e));

	e->id = xstrndup(id, idlen);
	e->secret = xstrndup(secret, slen);
	entry_free(hmap_del(&cfg->tokens, e->id));
	hmap_put(&cfg->tokens, e->id, e);
}

static bool
nonspace(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (str_is_space(p[i]) || p[i] == '\0')
			return false;
	return len > 0;
}

struct tokencfg *
tokencfg_parse(const char *text, size_t len, const char *file,
    struct diag *d)
{
	struct tokencfg *cfg = tokencfg_new();
	size_t pos = 0;
	unsigned line = 0;

	while (pos < len) {
		const char *p = text + pos, *nl, *sp;
		size_t n, idlen;

		nl = memchr(p, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - p) : len - pos;
		pos += n + (nl != NULL);
		line++;
		sp = memchr(p, ' ', n);
		idlen = sp != NULL ? (size_t)(sp - p) : n;
		if (sp != NULL && nonspace(p, idlen) &&
		    nonspace(sp + 1, n - idlen - 1) &&
		    id_token_valid(p, idlen, NULL)) {
			put(cfg, p, idlen, sp + 1, n - idlen - 1);
			continue;
		}
		if (d == NULL)
			continue;
		if (nonspace(p, idlen) && idlen <= 200)
			diag_add(d, file, line, true, "token config - ignore "
			    "invalid line for token '%.*s'", (int)idlen, p);
		else
			diag_add(d, file, line, true,
			    "token config - ignore invalid line");
	}
	return cfg;
}

void
tokencfg_write(const struct tokencfg *cfg, struct buf *out)
{
	size_t n, i;
	struct tokencfg_entry **v =
	    (struct tokencfg_entry **)hmap_sorted_values(&cfg->tokens, &n);

	for (i = 0; i < n; i++)
		buf_putf(out, "%s %s\n", v[i]->id, v[i]->secret);
	free(v);
}

const char *
tokencfg_get(const struct tokencfg *cfg, const char *tokenid)
{
	const struct tokencfg_entry *e = hmap_get(&cfg->tokens, tokenid);

	return e != NULL ? e->secret : NULL;
}

bool
tokencfg_verify(const struct tokencfg *cfg, const char *tokenid,
    const char *secret)
{
	const char *s = tokencfg_get(cfg, tokenid);

	return s != NULL && secret != NULL && secret_streq(s, secret);
}

int
tokencfg_set(struct tokencfg *cfg, const char *tokenid, const char *secret,
    struct err *err)
{
	if (!id_token_valid(tokenid, strlen(tokenid), NULL))
		return err_set(err, ERR_INVALID, "invalid token id '%s'",
		    tokenid);
	if (!nonspace(secret, strlen(secret)))
		return err_set(err, ERR_INVALID, "invalid token secret");
	put(cfg, tokenid, strlen(tokenid), secret, strlen(secret));
	return 0;
}

bool
tokencfg_delete(struct tokencfg *cfg, const char *tokenid)
{
	struct tokencfg_entry *e = hmap_del(&cfg->tokens, tokenid);

	entry_free(e);
	return e != NULL;
}

size_t
tokencfg_delete_user(struct tokencfg *cfg, const char *userid)
{
	size_t n, i, count = 0, ulen = strlen(userid);
	struct tokencfg_entry **v =
	    (struct tokencfg_entry **)hmap_sorted_values(&cfg->tokens, &n);

	for (i = 0; i < n; i++) {
		if (strncmp(v[i]->id, userid, ulen) != 0 ||
		    v[i]->id[ulen] != '!')
			continue;
		entry_free(hmap_del(&cfg->tokens, v[i]->id));
		count++;
	}
	free(v);
	return count;
}

size_t
tokencfg_count(const struct tokencfg *cfg)
{
	return cfg->tokens.count;
}

int
tokencfg_load(const char *config_dir, struct diag *d,
    struct tokencfg **cfg_r, struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret = -1;

	buf_putf(&path, "%s/%s", config_dir, TOKENCFG_FILE);
	if (file_read_secret(buf_str(&path), &text, err) < 0) {
		if (err->code != ERR_NOT_FOUND)
			goto out;
		err_clear(err);
	}
	*cfg_r = tokencfg_parse(buf_str(&text), text.len, TOKENCFG_FILE, d);
	ret = 0;
out:
	buf_clear(&path);
	buf_clear_secret(&text);
	return ret;
}

int
tokencfg_save(const char *config_dir, const struct tokencfg *cfg,
    struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret = -1;

	buf_putf(&path, "%s/priv", config_dir);
	if (file_mkdirs(buf_str(&path), 0700, err) < 0)
		goto out;
	buf_reset(&path);
	buf_putf(&path, "%s/%s", config_dir, TOKENCFG_FILE);
	tokencfg_write(cfg, &text);
	ret = file_write_atomic(buf_str(&path), buf_str(&text), text.len,
	    0600, err);
out:
	buf_clear(&path);
	buf_clear_secret(&text);
	return ret;
}
