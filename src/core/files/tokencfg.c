/*
 * priv/token.cfg reader and writer.  pmxcfs authenticates a token by
 * looking for the line "<tokenid> <secret>" byte for byte, so the format
 * is strict: exactly one space, no trimming (a CRLF line does not match).
 * Secrets are wiped when freed and never appear in diagnostics.
 */
#include "tokencfg.h"
#include "ids.h"
#include "secret.h"
#include "str.h"
#include "xalloc.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

struct tokencfg *
tokencfg_new(void)
{
	struct tokencfg *cfg = xcalloc(1, sizeof(*cfg));

	secmap_init(&cfg->tokens);
	return cfg;
}

void
tokencfg_free(struct tokencfg *cfg)
{
	if (cfg == NULL)
		return;
	secmap_clear(&cfg->tokens);
	free(cfg);
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
	const char *p;
	size_t pos = 0, n;
	unsigned line = 0;

	while (str_next_line(text, len, &pos, &p, &n)) {
		const char *sp;
		size_t idlen;

		line++;
		sp = memchr(p, ' ', n);
		idlen = sp != NULL ? (size_t)(sp - p) : n;
		if (sp != NULL && nonspace(p, idlen) &&
		    nonspace(sp + 1, n - idlen - 1) &&
		    id_token_valid(p, idlen, NULL)) {
			secmap_put(&cfg->tokens, p, idlen, sp + 1,
			    n - idlen - 1);
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
	const struct secmap_entry **v = secmap_sorted(&cfg->tokens, &n);

	for (i = 0; i < n; i++)
		buf_putf(out, "%s %s\n", v[i]->key, v[i]->value);
	free(v);
}

const char *
tokencfg_get(const struct tokencfg *cfg, const char *tokenid)
{
	return secmap_get(&cfg->tokens, tokenid);
}

#define HASH_TAG "$rgt1$"
#define SALT_LEN 16	/* bytes, 32 hex digits */

static void
hex(const unsigned char *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* "<salt hex>$" + secret through SHA-256, as hex into out[65]. */
static bool
salted_sha256(const char *salt_hex, size_t salt_len, const char *secret,
    char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL &&
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, salt_hex, salt_len) == 1 &&
	    EVP_DigestUpdate(ctx, "$", 1) == 1 &&
	    EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	if (ok)
		hex(md, sizeof(md), out);
	secret_wipe(md, sizeof(md));
	return ok;
}

bool
tokencfg_verify(const struct tokencfg *cfg, const char *tokenid,
    const char *secret)
{
	const char *s = tokencfg_get(cfg, tokenid), *salt, *dollar;
	char calc[2 * SHA256_DIGEST_LENGTH + 1];
	bool ok;

	if (s == NULL || secret == NULL)
		return false;
	if (strncmp(s, HASH_TAG, strlen(HASH_TAG)) != 0)
		return secret_streq(s, secret);	/* Proxmox's plain form */
	salt = s + strlen(HASH_TAG);
	dollar = strchr(salt, '$');
	if (dollar == NULL ||
	    !salted_sha256(salt, (size_t)(dollar - salt), secret, calc))
		return false;
	ok = secret_streq(dollar + 1, calc);
	secret_wipe(calc, sizeof(calc));
	return ok;
}

int
tokencfg_set_hashed(struct tokencfg *cfg, const char *tokenid,
    const char *secret, struct err *err)
{
	unsigned char salt[SALT_LEN];
	char salt_hex[2 * SALT_LEN + 1], calc[2 * SHA256_DIGEST_LENGTH + 1];
	struct buf stored = BUF_INIT;
	int rc;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return err_set(err, ERR_INTERNAL, "unable to get random bytes");
	hex(salt, sizeof(salt), salt_hex);
	if (!salted_sha256(salt_hex, strlen(salt_hex), secret, calc))
		return err_set(err, ERR_INTERNAL, "unable to hash a secret");
	buf_putf(&stored, "%s%s$%s", HASH_TAG, salt_hex, calc);
	rc = tokencfg_set(cfg, tokenid, buf_str(&stored), err);
	buf_clear(&stored);
	secret_wipe(calc, sizeof(calc));
	return rc;
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
	secmap_put(&cfg->tokens, tokenid, strlen(tokenid), secret,
	    strlen(secret));
	return 0;
}

bool
tokencfg_delete(struct tokencfg *cfg, const char *tokenid)
{
	return secmap_del(&cfg->tokens, tokenid);
}

size_t
tokencfg_delete_user(struct tokencfg *cfg, const char *userid)
{
	struct buf prefix = BUF_INIT;
	size_t count;

	/* token ids are "<userid>!<name>"; the '!' keeps "ab@pve" apart */
	buf_putf(&prefix, "%s!", userid);
	count = secmap_del_prefix(&cfg->tokens, buf_str(&prefix));
	buf_clear(&prefix);
	return count;
}

size_t
tokencfg_count(const struct tokencfg *cfg)
{
	return secmap_count(&cfg->tokens);
}

int
tokencfg_load(const char *config_dir, struct diag *d,
    struct tokencfg **cfg_r, struct err *err)
{
	struct buf text = BUF_INIT;

	if (secmap_file_read(config_dir, TOKENCFG_FILE, &text, err) < 0)
		return -1;
	*cfg_r = tokencfg_parse(buf_str(&text), text.len, TOKENCFG_FILE, d);
	buf_clear_secret(&text);
	return 0;
}

int
tokencfg_save(const char *config_dir, const struct tokencfg *cfg,
    struct err *err)
{
	struct buf text = BUF_INIT;
	int ret;

	tokencfg_write(cfg, &text);
	ret = secmap_file_write(config_dir, TOKENCFG_FILE, &text, err);
	buf_clear_secret(&text);
	return ret;
}
