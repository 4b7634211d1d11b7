/*
 * Fuzz target: a request's credentials as the front reads them
 * (src/daemon/http_auth_parse.c, front_auth.c).  The input is up to three
 * lines: the Authorization header, the PVEAuthCookie cookie value and the
 * CSRFPreventionToken header (a missing line is a missing header).
 * "@@TICKET@@" in a line becomes a ticket signed for root@pam now, and
 * "@@CSRF@@" root@pam's CSRF token, so the accepting paths run too.
 *
 * Checks: the credential chosen is the one front_auth.c documents; an
 * API token splits into a valid token id and a secret that tokencfg
 * accepts only when it is the stored one; a ticket is percent-decoded and
 * verified like by_ticket() does and passes only when it is exactly the
 * ticket we signed; the CSRF token passes only when it is the real one.
 */
#include "daemon.h"
#include "files/tokencfg.h"
#include "http_auth_parse.h"
#include "ids.h"
#include "ticket/csrf.h"
#include "ticket/pveticket.h"
#include "ticket/rsakey.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 0x6B02FE7E

static const char token_cfg[] =
    "root@pam!api 0b0e5a5c-6b5e-4f4e-9d7a-3c2d1e0f9a8b\n"
    "a@pve!tok secret-with=equals\n";

static struct {
	EVP_PKEY *key;
	char *ticket;
	char csrf_tok[CSRF_TOKEN_LEN + 1];
	struct csrf_secret csrf;
	struct tokencfg *tokens;
} g;

static void
setup(void)
{
	struct err err;

	if (g.key != NULL)
		return;
	/* small key: the target is after the parsing, not RSA */
	if (rsakey_generate(1024, &g.key, &err) < 0 ||
	    pve_ticket_create(g.key, TICKET_PAD_PKCS1, "root@pam", NOW,
	    &g.ticket, &err) < 0)
		abort();
	csrf_secret_derive("fuzz-www-key", 12, &g.csrf);
	if (csrf_token_create(&g.csrf, "root@pam", NOW, g.csrf_tok, &err) < 0)
		abort();
	g.tokens = tokencfg_parse(token_cfg, sizeof(token_cfg) - 1,
	    "token.cfg", NULL);
}

/* Line n of the input (NULL if absent), placeholders replaced. */
static char *
line(const char *p, size_t size, int n)
{
	const char *end = p + size, *nl;
	struct buf b = BUF_INIT;
	const char *at;

	for (; n > 0; n--) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
		return NULL;	/* HTTP header values hold no NUL */
	while (p < nl) {
		at = memmem(p, (size_t)(nl - p), "@@", 2);
		if (at == NULL) {
			buf_put(&b, p, (size_t)(nl - p));
			break;
		}
		buf_put(&b, p, (size_t)(at - p));
		if ((size_t)(nl - at) >= 10 && memcmp(at, "@@TICKET@@", 10) == 0) {
			buf_puts(&b, g.ticket);
			p = at + 10;
		} else if ((size_t)(nl - at) >= 8 &&
		    memcmp(at, "@@CSRF@@", 8) == 0) {
			buf_puts(&b, g.csrf_tok);
			p = at + 8;
		} else {
			buf_put(&b, at, 2);
			p = at + 2;
		}
	}
	return buf_steal(&b);
}

static void
check_token(const char *value)
{
	struct buf decoded = BUF_INIT;
	const char *secret, *want;
	char *tokenid;
	struct err err;

	if (http_auth_token(value, &decoded, &tokenid, &secret, &err) < 0) {
		if (err.code != ERR_AUTH || tokenid != NULL)
			abort();
		buf_clear_secret(&decoded);
		return;
	}
	if (!id_token_valid(tokenid, strlen(tokenid), NULL) ||
	    strlen(tokenid) + 1 + strlen(secret) > decoded.len)
		abort();
	want = tokencfg_get(g.tokens, tokenid);
	if (tokencfg_verify(g.tokens, tokenid, secret) !=
	    (want != NULL && strcmp(want, secret) == 0))
		abort();
	free(tokenid);
	buf_clear_secret(&decoded);
}

static void
check_ticket(const char *value, const char *csrf)
{
	struct pve_pubkeys pk = {g.key, NOW - 3600, NULL, 0};
	struct buf ticket = BUF_INIT;
	char *userid = NULL;
	int64_t age;
	struct err err;

	http_unescape(&ticket, value, strlen(value), false);
	if (pve_ticket_verify_login(&pk, buf_str(&ticket), ticket.len, NOW,
	    &userid, &age, &err) == 0) {
		/* nobody can forge our signature */
		if (strcmp(buf_str(&ticket), g.ticket) != 0 ||
		    ticket.len != strlen(g.ticket) ||
		    strcmp(userid, "root@pam") != 0)
			abort();
		if (csrf != NULL && csrf_token_verify(&g.csrf, userid, csrf,
		    strlen(csrf), NOW, &err) == 0 &&
		    strcmp(csrf, g.csrf_tok) != 0)
			abort();
	}
	free(userid);
	buf_clear(&ticket);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *value;
	char *auth, *cookie, *csrf;

	setup();
	auth = line(p, size, 0);
	cookie = line(p, size, 1);
	csrf = line(p, size, 2);
	switch (http_auth_select(auth, cookie, &value)) {
	case HTTP_AUTH_TOKEN:
		if (auth == NULL || strncmp(auth, "PVEAPIToken=", 12) != 0 ||
		    value != auth + 12)
			abort();
		check_token(value);
		break;
	case HTTP_AUTH_TICKET:
		if (value != cookie && (cookie != NULL || auth == NULL ||
		    strncmp(auth, "PVEAuthCookie=", 14) != 0 ||
		    value != auth + 14))
			abort();
		check_ticket(value, csrf);
		break;
	case HTTP_AUTH_NONE:
		if (cookie != NULL || (auth != NULL &&
		    (strncmp(auth, "PVEAPIToken=", 12) == 0 ||
		    strncmp(auth, "PVEAuthCookie=", 14) == 0)) || value != NULL)
			abort();
		break;
	}
	free(auth);
	free(cookie);
	free(csrf);
	return 0;
}
