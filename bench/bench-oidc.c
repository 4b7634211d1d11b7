/*
 * bench-oidc: the time realmgate itself adds to an OpenID login (issue 5:
 * p50 under 2 ms), provider time excluded.  Each round runs the two API
 * calls in-process exactly as authd does (POST /access/openid/auth-url,
 * then POST /access/openid/login: state file, token exchange, ID token
 * verification, userinfo, user lookup, ticket), measures their wall time,
 * and subtracts the time the same thread spent waiting on the provider
 * (oidc_http_wait_ns).  Between the two calls it plays the browser at the
 * provider's login and consent pages with libcurl; that part is not timed.
 *
 *   bench-oidc CONFIG_DIR REALM REDIRECT_URL USER PASSWORD [ROUNDS]
 */
#include "api.h"
#include "buf.h"
#include "oidc_http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WARMUP 3

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	buf_put(arg, p, size * n);
	return size * n;
}

/* The value of query parameter key in url, decoded, or "". */
static void
query_value(const char *url, const char *key, struct buf *out)
{
	const char *q = strchr(url, '?');
	size_t klen = strlen(key);
	char *v;

	while (q != NULL) {
		q++;
		if (strncmp(q, key, klen) == 0 && q[klen] == '=') {
			const char *end = strchr(q, '&');
			int n;

			v = curl_easy_unescape(NULL, q + klen + 1, end != NULL ?
			    (int)(end - q - klen - 1) : 0, &n);
			buf_put(out, v, (size_t)n);
			curl_free(v);
			return;
		}
		q = strchr(q, '&');
	}
}

/* The browser's part: provider login and consent, up to the redirect. */
static int
browse(const char *auth_url, const char *redirect, const char *user,
    const char *pw, struct buf *code, struct buf *state)
{
	CURL *c = curl_easy_init();
	struct buf url = BUF_INIT, body = BUF_INIT, form = BUF_INIT;
	int step, rc = -1;

	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	buf_puts(&url, auth_url);
	for (step = 0; step < 12; step++) {
		char *loc = NULL;
		long status = 0;

		buf_reset(&body);
		curl_easy_setopt(c, CURLOPT_URL, buf_str(&url));
		if (form.len > 0) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, buf_str(&form));
		} else {
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		}
		if (curl_easy_perform(c) != CURLE_OK)
			break;
		buf_reset(&form);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);
		if (loc != NULL && strncmp(loc, redirect, strlen(redirect)) ==
		    0) {
			query_value(loc, "code", code);
			query_value(loc, "state", state);
			rc = code->len > 0 && state->len > 0 ? 0 : -1;
			break;
		}
		if (loc != NULL) {
			buf_reset(&url);
			buf_puts(&url, loc);
			continue;
		}
		if (status != 200 || body.data == NULL)
			break;
		if (strstr(body.data, "name=\"login\"") != NULL) {
			char *u = curl_easy_escape(c, user, 0);
			char *p = curl_easy_escape(c, pw, 0);

			buf_putf(&form, "prompt=login&login=%s&password=%s", u,
			    p);
			curl_free(u);
			curl_free(p);
		} else {
			buf_puts(&form, "prompt=consent");
		}
	}
	curl_easy_cleanup(c);
	buf_clear(&url);
	buf_clear(&body);
	buf_clear(&form);
	return rc;
}

static int
call(const char *config_dir, const char *path, json_t *params,
    json_t **result)
{
	const struct api_method *m = api_find_template("POST", path);
	struct api_env env;
	struct err err;
	int rc;

	api_env_init(&env, config_dir, NULL);
	env.now = time(NULL);
	rc = m != NULL ? api_call(m, &env, params, result, &err) : -1;
	if (rc < 0)
		fprintf(stderr, "bench-oidc: %s: %s\n", path,
		    m != NULL ? err.msg : "no such method");
	api_env_clear(&env);
	json_decref(params);
	return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *dir, *realm, *redirect, *user, *pw;
	int rounds = argc > 6 ? atoi(argv[6]) : 200, i;
	uint64_t *own, *total;

	if (argc < 6) {
		fprintf(stderr, "usage: bench-oidc CONFIG_DIR REALM REDIRECT "
		    "USER PASSWORD [ROUNDS]\n");
		return 2;
	}
	dir = argv[1], realm = argv[2], redirect = argv[3];
	user = argv[4], pw = argv[5];
	own = calloc((size_t)rounds, sizeof(*own));
	total = calloc((size_t)rounds, sizeof(*total));
	for (i = -WARMUP; i < rounds; i++) {
		struct buf code = BUF_INIT, state = BUF_INIT;
		json_t *url = NULL, *ticket = NULL;
		uint64_t w0 = oidc_http_wait_ns(), t0 = now_ns(), t1, t2, t3;

		if (call(dir, "/access/openid/auth-url", json_pack("{s:s,s:s}",
		    "realm", realm, "redirect-url", redirect), &url) < 0)
			return 1;
		t1 = now_ns();
		if (browse(json_string_value(url), redirect, user, pw, &code,
		    &state) < 0) {
			fprintf(stderr, "bench-oidc: the provider login failed\n");
			return 1;
		}
		t2 = now_ns();
		if (call(dir, "/access/openid/login", json_pack("{s:s,s:s,s:s}",
		    "state", buf_str(&state), "code", buf_str(&code),
		    "redirect-url", redirect), &ticket) < 0)
			return 1;
		t3 = now_ns();
		if (i >= 0) {
			total[i] = (t1 - t0) + (t3 - t2);
			own[i] = total[i] - (oidc_http_wait_ns() - w0);
		}
		json_decref(url);
		json_decref(ticket);
		buf_clear(&code);
		buf_clear(&state);
	}
	qsort(own, (size_t)rounds, sizeof(*own), cmp_u64);
	qsort(total, (size_t)rounds, sizeof(*total), cmp_u64);
	printf("openid.rounds %d\n", rounds);
	printf("openid.own.p50 %.3f ms\n", own[rounds / 2] / 1e6);
	printf("openid.own.p90 %.3f ms\n", own[rounds * 9 / 10] / 1e6);
	printf("openid.own.max %.3f ms\n", own[rounds - 1] / 1e6);
	printf("openid.total.p50 %.3f ms\n", total[rounds / 2] / 1e6);
	free(own);
	free(total);
	return 0;
}
