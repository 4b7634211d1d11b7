/*
 * Yubico OTP validation (see yubico.h).  The request carries id, a random
 * nonce, the otp and timestamp=1, signed; the answer is `key=value` lines,
 * signed the same way over every key but h.  Beyond what Proxmox checks,
 * the answer must echo our otp and nonce, so that a signed answer seen
 * once (over plain http, or from a test server) cannot be replayed for
 * another login.
 */
#include "yubico.h"
#include "oidc_http.h"
#include "secret.h"
#include "ticket/b64.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAIRS 32	/* an answer has about ten */

struct pair {
	const char *key, *value;
};

int
yubico_sign(const char *api_key, const char *data, struct buf *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	struct buf key = BUF_INIT;
	int rc = -1;

	buf_reset(out);
	if (!b64_decode(api_key, strlen(api_key), &key) || key.len == 0)
		goto out;
	if (HMAC(EVP_sha1(), key.data, (int)key.len,
	    (const unsigned char *)data, strlen(data), mac, &len) == NULL)
		goto out;
	b64_encode_buf(out, mac, len, true);
	rc = 0;
out:
	buf_clear_secret(&key);
	return rc;
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct pair *)a)->key,
	    ((const struct pair *)b)->key);
}

/* "k=v&k=v" of pairs, sorted by key. */
static void
join_sorted(struct pair *p, size_t n, struct buf *out)
{
	size_t i;

	qsort(p, n, sizeof(*p), by_key);
	buf_reset(out);
	for (i = 0; i < n; i++)
		buf_putf(out, "%s%s=%s", i > 0 ? "&" : "", p[i].key,
		    p[i].value);
}

/*
 * Split the answer into pairs in place: lines "key=value", the value
 * without white space (as Proxmox reads it); other lines are ignored.
 */
static int
parse_answer(char *text, struct pair *p, size_t *n_r, struct err *err)
{
	char *line, *save = NULL, *eq, *r, *w;
	size_t n = 0, i;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (eq == NULL || eq == line || strchr(" \t\r", line[0]))
			continue;
		*eq = '\0';
		for (r = w = eq + 1; *r != '\0'; r++)
			if (!strchr(" \t\r\f\v", *r))
				*w++ = *r;
		*w = '\0';
		for (i = 0; i < n; i++)
			if (strcmp(p[i].key, line) == 0)
				return err_set(err, ERR_AUTH, "yubico auth "
				    "failed: key '%s' twice in the answer",
				    line);
		if (n == MAX_PAIRS)
			return err_set(err, ERR_AUTH, "yubico auth failed: "
			    "answer too long");
		p[n].key = line;
		p[n].value = eq + 1;
		n++;
	}
	*n_r = n;
	return 0;
}

static const char *
value_of(const struct pair *p, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].key, key) == 0)
			return p[i].value;
	return NULL;
}

/* Is the answer's signature h that of the other pairs (in place)? */
static bool
answer_signed(const char *api_key, struct pair *p, size_t n)
{
	struct buf data = BUF_INIT, sig = BUF_INIT;
	const char *h = NULL;
	size_t i, m = 0;
	bool ok;

	for (i = 0; i < n; i++) {
		if (strcmp(p[i].key, "h") == 0)
			h = p[i].value;
		else
			p[m++] = p[i];
	}
	join_sorted(p, m, &data);
	ok = h != NULL && yubico_sign(api_key, buf_str(&data), &sig) == 0 &&
	    secret_streq(h, buf_str(&sig));
	buf_clear(&data);
	buf_clear(&sig);
	return ok;
}

static bool
otp_chars_ok(const char *otp, size_t len)
{
	size_t i;

	if (len < YUBICO_OTP_MIN || len > YUBICO_OTP_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((otp[i] >= 'a' && otp[i] <= 'z') ||
		    (otp[i] >= 'A' && otp[i] <= 'Z') ||
		    (otp[i] >= '0' && otp[i] <= '9')))
			return false;
	return true;
}

/* The request URL: <url>?h=..&id=..&nonce=..&otp=..&timestamp=1. */
static int
request_url(const struct yubico_client *yc, const char *otp,
    const char *nonce, struct buf *url, struct err *err)
{
	struct pair p[4] = {{"id", yc->api_id}, {"nonce", nonce},
	    {"otp", otp}, {"timestamp", "1"}};
	struct buf data = BUF_INIT, sig = BUF_INIT;

	join_sorted(p, 4, &data);
	if (yubico_sign(yc->api_key, buf_str(&data), &sig) < 0) {
		buf_clear(&data);
		return err_set(err, ERR_AUTH, "yubico: API key is not base64");
	}
	buf_reset(url);
	buf_putf(url, "%s?%s&h=", yc->url != NULL ? yc->url :
	    YUBICO_DEFAULT_URL, buf_str(&data));
	oidc_url_encode(url, buf_str(&sig));
	buf_clear(&data);
	buf_clear(&sig);
	return 0;
}

int
yubico_answer_check(const char *api_key, struct buf *body, const char *otp,
    const char *nonce, struct err *err)
{
	struct pair p[MAX_PAIRS];
	const char *status, *echo;
	size_t n = 0;

	if (body->len == 0 || memchr(body->data, '\0', body->len) != NULL)
		return err_set(err, ERR_AUTH, "yubico auth failed: empty answer "
		    "or NUL in it");
	if (parse_answer(body->data, p, &n, err) < 0)
		return -1;
	if (!answer_signed(api_key, p, n))
		return err_set(err, ERR_AUTH, "yubico auth failed: response "
		    "signature mismatch");
	status = value_of(p, n, "status");
	if (status == NULL || strcmp(status, "OK") != 0)
		return err_set(err, ERR_AUTH, "yubico auth failed: %s",
		    status != NULL ? status : "no status");
	echo = value_of(p, n, "otp");
	if (echo == NULL || strcmp(echo, otp) != 0 ||
	    (echo = value_of(p, n, "nonce")) == NULL ||
	    strcmp(echo, nonce) != 0)
		return err_set(err, ERR_AUTH, "yubico auth failed: the answer "
		    "is not about this request");
	return 0;
}

static bool
id_listed(const char *id, const char *const *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] != NULL && strcmp(ids[i], id) == 0)
			return true;
	return false;
}

int
yubico_verify(const struct yubico_client *yc, const char *otp,
    const char *const *ids, size_t n_ids, struct buf *public_id_r,
    struct err *err)
{
	struct buf url = BUF_INIT, body = BUF_INIT;
	unsigned char rnd[16];
	char nonce[33], id[YUBICO_ID_LEN + 1];
	size_t i;
	int rc = -1;

	if (yc->api_id == NULL || yc->api_id[0] == '\0')
		return err_set(err, ERR_AUTH, "yubico: missing API ID");
	if (yc->api_key == NULL || yc->api_key[0] == '\0')
		return err_set(err, ERR_AUTH, "yubico: missing API KEY");
	if (!otp_chars_ok(otp, strlen(otp)))
		return err_set(err, ERR_AUTH, "yubico: wrong OTP length");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return err_set(err, ERR_INTERNAL, "unable to get random bytes");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
	if (request_url(yc, otp, nonce, &url, err) < 0)
		goto out;
	if (oidc_http_get_text(buf_str(&url), yc->timeout_s, &body,
	    err) < 0) {
		if (err->code != ERR_UNAVAILABLE)
			err->code = ERR_AUTH;
		goto out;
	}
	if (yubico_answer_check(yc->api_key, &body, otp, nonce, err) < 0)
		goto out;
	for (i = 0; i < YUBICO_ID_LEN; i++)
		id[i] = (char)(otp[i] >= 'A' && otp[i] <= 'Z' ?
		    otp[i] - 'A' + 'a' : otp[i]);
	id[YUBICO_ID_LEN] = '\0';
	if (ids != NULL && !id_listed(id, ids, n_ids)) {
		err_set(err, ERR_AUTH, "yubico auth failed: key does not belong "
		    "to me");
		goto out;
	}
	if (public_id_r != NULL) {
		buf_reset(public_id_r);
		buf_puts(public_id_r, id);
	}
	rc = 0;
out:
	buf_clear(&url);
	buf_clear(&body);
	return rc;
}
