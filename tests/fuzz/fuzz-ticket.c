/*
 * Fuzz target for PVE tickets: the input is run through the format check,
 * the signature check and every verifier as an untrusted ticket, and then
 * used as ticket data: signed, verified and decoded again, which must
 * round-trip (only ':' escaped, everything decoded) or be refused.
 */
#include "ticket/b64.h"
#include "ticket/pveticket.h"
#include "ticket/rsakey.h"
#include "str.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 0x6B02FE7E

static EVP_PKEY *
fuzz_key(void)
{
	static EVP_PKEY *key;
	struct err err;

	/* small key: the fuzzer is after the parsers, not RSA */
	if (key == NULL && rsakey_generate(1024, &key, &err) < 0)
		abort();
	return key;
}

static void
as_ticket(const char *p, size_t len)
{
	struct pve_pubkeys keys = { fuzz_key(), NOW - 3600, fuzz_key(),
		NOW - 60 };
	struct ticket_parts parts;
	struct ticket_info info;
	struct pve_ticket t;
	struct buf b = BUF_INIT;
	struct err err;
	char *s = NULL;

	if (ticket_parse("PVE", p, len, &parts))
		(void)ticket_signature_ok(fuzz_key(), &parts, NULL, NULL);
	ticket_info_init(&info);
	if (ticket_verify(fuzz_key(), "PVE", p, len, "x", NOW, -300, 7200,
	    &info, &err) == 0)
		abort();	/* nobody can forge our signature */
	ticket_info_clear(&info);
	memset(&t, 0, sizeof(t));
	if (pve_ticket_verify(&keys, p, len, NOW, &t, &err) == 0)
		abort();
	if (tfa_ticket_verify(&keys, p, len, "alice@pve", NOW, &s, &err) == 0)
		abort();
	if (b64_decode(p, len, &b) && b.len > len)
		abort();
	buf_clear(&b);
}

static void
as_data(const char *data)
{
	struct pve_pubkeys keys = { fuzz_key(), NOW - 3600, NULL, 0 };
	struct ticket_info info;
	struct buf esc = BUF_INIT, want = BUF_INIT;
	struct pve_ticket t;
	struct err err;
	char *ticket = NULL;

	if (ticket_sign(fuzz_key(), TICKET_PAD_PKCS1, "PVE", data, NULL, NOW,
	    &ticket, &err) < 0)
		return;
	ticket_info_init(&info);
	if (ticket_verify(fuzz_key(), "PVE", ticket, strlen(ticket), NULL,
	    NOW, -300, 7200, &info, &err) < 0)
		abort();
	/* the verified data is the percent-decoding of the escaped data */
	ticket_escape_data(&esc, data);
	str_unescape(&want, esc.data, esc.len);
	if (!info.has_data || info.data.len != want.len ||
	    memcmp(info.data.data, want.data, want.len) != 0)
		abort();
	memset(&t, 0, sizeof(t));
	if (pve_ticket_verify(&keys, ticket, strlen(ticket), NOW, &t,
	    &err) == 0) {
		if (t.kind == PVE_TICKET_LOGIN && t.userid == NULL)
			abort();
		pve_ticket_clear(&t);
	}
	ticket_info_clear(&info);
	buf_clear(&esc);
	buf_clear(&want);
	free(ticket);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	as_ticket((const char *)data, size);
	if (size == 0 || size > 4096 || memchr(data, '\0', size) != NULL)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	as_data(s);
	free(s);
	return 0;
}
