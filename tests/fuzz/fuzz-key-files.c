/*
 * Fuzz target: the key files a daemon reads at start and on rotation -
 * authkey.key (PEM private key, PKCS#1 or PKCS#8), authkey.pub and
 * authkey.pub.old (PEM public keys; src/core/ticket/rsakey.c) and
 * priv/pve-www.key (any bytes, the CSRF secret derived from them;
 * src/core/ticket/csrf.c).  Whatever the bytes: no crash, no leak; a
 * private key that parses yields a public key that parses back and
 * verifies what the private key signed; a public key that parses never
 * accepts a ticket it did not sign; the CSRF secret issues tokens that
 * verify.
 */
#include "ticket/csrf.h"
#include "ticket/pveticket.h"
#include "ticket/rsakey.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 0x6B02FE7E

static const char foreign[] = "PVE:root@pam:6B02FE7E::"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

static void
check_priv(const uint8_t *data, size_t size)
{
	struct pve_pubkeys pk = {NULL, NOW - 3600, NULL, 0};
	EVP_PKEY *key = NULL, *pub = NULL;
	struct buf pem = BUF_INIT;
	char *ticket = NULL, *userid = NULL;
	int64_t age;
	struct err err;

	if (rsakey_parse_priv(data, size, "authkey.key", &key, &err) < 0)
		return;
	if (rsakey_pub_pem(key, &pem, &err) < 0 ||
	    rsakey_parse_pub(pem.data, pem.len, "pub", &pub, &err) < 0)
		abort();
	/* keys too small or broken may refuse to sign, never sign wrongly */
	if (pve_ticket_create(key, TICKET_PAD_PKCS1, "root@pam", NOW, &ticket,
	    &err) == 0) {
		pk.cur = pub;
		if (pve_ticket_verify_login(&pk, ticket, strlen(ticket), NOW,
		    &userid, &age, &err) < 0 || strcmp(userid, "root@pam") != 0)
			abort();
	}
	free(userid);
	free(ticket);
	buf_clear(&pem);
	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
}

static void
check_pub(const uint8_t *data, size_t size)
{
	struct pve_pubkeys pk = {NULL, NOW - 3600, NULL, 0};
	char *userid = NULL;
	int64_t age;
	struct err err;

	if (rsakey_parse_pub(data, size, "authkey.pub", &pk.cur, &err) < 0)
		return;
	if (pve_ticket_verify_login(&pk, foreign, strlen(foreign), NOW,
	    &userid, &age, &err) == 0)
		abort();
	EVP_PKEY_free(pk.cur);
}

static void
check_www(const uint8_t *data, size_t size)
{
	struct csrf_secret s;
	char tok[CSRF_TOKEN_LEN + 1];
	struct err err;

	csrf_secret_derive(size > 0 ? (const char *)data : "", size, &s);
	if (csrf_token_create(&s, "root@pam", NOW, tok, &err) < 0 ||
	    csrf_token_verify(&s, "root@pam", tok, strlen(tok), NOW,
	    &err) < 0 ||
	    csrf_token_verify(&s, "alice@pve", tok, strlen(tok), NOW,
	    &err) == 0)
		abort();
	csrf_secret_wipe(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_priv(data, size);
	check_pub(data, size);
	check_www(data, size);
	return 0;
}
