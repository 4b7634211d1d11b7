/*
 * libcurl for the OpenID Connect calls (see oidc_http.h).  One easy handle
 * per call: logins are rare enough, and a handle never carries state from
 * one provider or realm to the next.
 */
#include "oidc_http.h"
#include "buf.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	struct buf body;
	bool too_big;
	unsigned timeout_s;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (s->body.len + len > OIDC_HTTP_MAX_BODY) {
		s->too_big = true;
		return 0;
	}
	buf_put(&s->body, p, len);
	return len;
}

void
oidc_url_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			buf_putc(out, (char)*p);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[*p >> 4]);
			buf_putc(out, hex[*p & 15]);
		}
	}
}

static CURL *
new_handle(const char *url, unsigned timeout_s, struct sink *s)
{
	long ms;
	CURL *c;

	s->timeout_s = timeout_s != 0 ? timeout_s : OIDC_HTTP_TIMEOUT;
	ms = (long)s->timeout_s * 1000;

	pthread_once(&curl_once, curl_init);
	c = curl_easy_init();
	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* the whole call, however slowly the provider drips its answer */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    ms < OIDC_HTTP_CONNECT_MS ? ms : (long)OIDC_HTTP_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "realmgate");
	return c;
}

/* Time this thread spent waiting for providers (benchmarks). */
static __thread uint64_t wait_ns;

uint64_t
oidc_http_wait_ns(void)
{
	return wait_ns;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
oidc_http_parse_json(const char *body, size_t len, const char *url,
    long status, json_t **out, struct err *err)
{
	json_error_t je;

	*out = json_loadb(body != NULL ? body : "", len,
	    JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return err_set(err, ERR_INVALID, "%s: HTTP %ld, the answer is "
		    "not a JSON object", url, status);
	}
	return 0;
}

/*
 * Perform; the body stays in s->body.  Status codes >= 400 fail unless
 * ok4xx.  Cleans up c.
 */
static int
fetch(CURL *c, const char *url, struct sink *s, bool ok4xx, long *status_r,
    struct err *err)
{
	uint64_t t0 = now_ns();
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	int rc = -1;

	wait_ns += now_ns() - t0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status_r != NULL)
		*status_r = status;
	if (cc != CURLE_OK && s->too_big) {
		err_set(err, ERR_INVALID, "%s: answer larger than %u MiB", url,
		    OIDC_HTTP_MAX_BODY >> 20);
		goto out;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		err_set(err, ERR_UNAVAILABLE, "%s: no complete answer within "
		    "%u s (realm option timeout)", url, s->timeout_s);
		goto out;
	}
	if (cc != CURLE_OK) {
		err_set(err, ERR_UNAVAILABLE, "%s: %s", url,
		    curl_easy_strerror(cc));
		goto out;
	}
	if (status >= 400 && !ok4xx) {
		err_set(err, ERR_INVALID, "%s: HTTP %ld", url, status);
		goto out;
	}
	rc = 0;
out:
	curl_easy_cleanup(c);
	return rc;
}

/* Perform, then parse the body as a JSON object. */
static int
perform(CURL *c, const char *url, struct sink *s, bool ok4xx, json_t **out,
    long *status_r, struct err *err)
{
	long status = 0;
	int rc;

	*out = NULL;
	rc = fetch(c, url, s, ok4xx, &status, err);
	if (status_r != NULL)
		*status_r = status;
	if (rc == 0)
		rc = oidc_http_parse_json(s->body.data, s->body.len, url,
		    status, out, err);
	buf_clear(&s->body);
	return rc;
}

int
oidc_http_get_text(const char *url, unsigned timeout_s, struct buf *body,
    struct err *err)
{
	struct sink s = {BUF_INIT, false, 0};
	CURL *c = new_handle(url, timeout_s, &s);
	int rc;

	if (c == NULL)
		return err_set(err, ERR_NOMEM, "curl_easy_init failed");
	rc = fetch(c, url, &s, false, NULL, err);
	buf_reset(body);
	if (rc == 0)
		buf_put(body, s.body.data != NULL ? s.body.data : "",
		    s.body.len);
	buf_clear(&s.body);
	return rc;
}

int
oidc_http_get_json(const char *url, const char *bearer, unsigned timeout_s,
    json_t **out, long *status_r, struct err *err)
{
	struct sink s = {BUF_INIT, false, 0};
	struct curl_slist *hdr = NULL;
	struct buf auth = BUF_INIT;
	CURL *c = new_handle(url, timeout_s, &s);
	int rc;

	if (c == NULL)
		return err_set(err, ERR_NOMEM, "curl_easy_init failed");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (bearer != NULL) {
		buf_putf(&auth, "Authorization: Bearer %s", bearer);
		hdr = curl_slist_append(hdr, buf_str(&auth));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	rc = perform(c, url, &s, false, out, status_r, err);
	curl_slist_free_all(hdr);
	buf_clear_secret(&auth);
	return rc;
}

int
oidc_http_post_form(const char *url, const struct oidc_form *form, size_t n,
    const char *basic_user, const char *basic_pw, unsigned timeout_s,
    json_t **out, long *status_r, struct err *err)
{
	struct sink s = {BUF_INIT, false, 0};
	struct curl_slist *hdr = NULL;
	struct buf body = BUF_INIT, user = BUF_INIT, pw = BUF_INIT;
	CURL *c = new_handle(url, timeout_s, &s);
	size_t i;
	int rc;

	if (c == NULL)
		return err_set(err, ERR_NOMEM, "curl_easy_init failed");
	for (i = 0; i < n; i++) {
		if (form[i].value == NULL)
			continue;
		if (body.len > 0)
			buf_putc(&body, '&');
		oidc_url_encode(&body, form[i].key);
		buf_putc(&body, '=');
		oidc_url_encode(&body, form[i].value);
	}
	hdr = curl_slist_append(hdr, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, buf_str(&body));
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
	if (basic_user != NULL) {
		/* RFC 6749 2.3.1: both parts form-encoded before Basic */
		oidc_url_encode(&user, basic_user);
		oidc_url_encode(&pw, basic_pw != NULL ? basic_pw : "");
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, buf_str(&user));
		curl_easy_setopt(c, CURLOPT_PASSWORD, buf_str(&pw));
	}
	rc = perform(c, url, &s, true, out, status_r, err);
	curl_slist_free_all(hdr);
	buf_clear_secret(&body);
	buf_clear_secret(&user);
	buf_clear_secret(&pw);
	return rc;
}
