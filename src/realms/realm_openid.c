/*
 * OpenID Connect logins (spec 7.1, 7.2): authorization-code flow with
 * state, nonce and PKCE S256; the token request authenticates the way the
 * provider advertises (client_secret_basic, else client_secret_post, or
 * only client_id for a public client); the ID token is verified in full
 * (oidc_idtoken.c) before userinfo is asked for.  A failure after
 * discovery drops the cached discovery document, so a provider that moved
 * its endpoints is found again at the next login.
 */
#include "realm_openid.h"
#include "oidc_http.h"
#include "oidc_idtoken.h"
#include "oidc_provider.h"
#include "oidc_state.h"
#include "str.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCOPES "email profile"

/* Seconds each call to the provider may take (realm option timeout). */
static unsigned
timeout_of(const struct realm_ctx *realm)
{
	const char *v = realm_opt(realm, "timeout");
	long n = v != NULL ? atol(v) : 0;

	return n > 0 && n <= 600 ? (unsigned)n : OIDC_HTTP_TIMEOUT;
}

static void
query_param(struct buf *url, const char *key, const char *value)
{
	buf_putc(url, '&');
	buf_puts(url, key);
	buf_putc(url, '=');
	oidc_url_encode(url, value);
}

/* "openid" plus the realm's scopes, space separated, without repeats. */
static void
scopes(const struct realm_ctx *realm, struct buf *out)
{
	const char *s = realm_opt(realm, "scopes");
	struct str_list l = {NULL, 0};
	size_t i;

	str_list_split(&l, s != NULL ? s : DEFAULT_SCOPES);
	buf_puts(out, "openid");
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i], "openid") != 0)
			buf_putf(out, " %s", l.v[i]);
	str_list_clear(&l);
}

/* acr-values as the space-separated list the parameter wants */
static void
list_param(struct buf *url, const char *key, const char *list)
{
	struct str_list l = {NULL, 0};
	struct buf v = BUF_INIT;
	size_t i;

	str_list_split(&l, list);
	for (i = 0; i < l.n; i++)
		buf_putf(&v, "%s%s", i > 0 ? " " : "", l.v[i]);
	if (v.len > 0)
		query_param(url, key, buf_str(&v));
	str_list_clear(&l);
	buf_clear(&v);
}

int
realm_openid_auth_url(const struct realm_ctx *realm, const char *redirect,
    const char *from, time_t now, struct buf *url, struct err *err)
{
	const char *issuer = realm_opt(realm, "issuer-url");
	const char *client = realm_opt(realm, "client-id");
	const char *prompt = realm_opt(realm, "prompt");
	const char *acr = realm_opt(realm, "acr-values");
	char challenge[OIDC_TOKEN_CHARS + 1];
	struct oidc_pending p;
	struct buf sc = BUF_INIT;
	json_t *doc = NULL, *state = NULL;
	const char *ep;
	char *state_text = NULL;
	int rc = -1;

	if (issuer == NULL || client == NULL)
		return err_set(err, ERR_INVALID, "realm '%s' has no issuer-url "
		    "or client-id", realm->name);
	if (oidc_discover(issuer, timeout_of(realm), &doc, err) < 0)
		goto out;
	if (oidc_pending_new(&p, now, err) < 0 ||
	    oidc_state_add(realm->config_dir, realm->name, &p, from, now,
	    err) < 0)
		goto out;
	state = json_pack("{s:s, s:s}", "csrf_token", p.csrf, "realm",
	    realm->name);
	state_text = json_dumps(state, JSON_COMPACT);
	oidc_pkce_challenge(p.verifier, challenge);
	scopes(realm, &sc);
	ep = oidc_doc_str(doc, "authorization_endpoint");
	buf_puts(url, ep);
	buf_puts(url, strchr(ep, '?') != NULL ? "&" : "?");
	buf_puts(url, "response_type=code");
	query_param(url, "client_id", client);
	query_param(url, "redirect_uri", redirect);
	query_param(url, "scope", buf_str(&sc));
	query_param(url, "state", state_text);
	query_param(url, "nonce", p.nonce);
	query_param(url, "code_challenge", challenge);
	query_param(url, "code_challenge_method", "S256");
	query_param(url, "display", "page");
	if (prompt != NULL)
		query_param(url, "prompt", prompt);
	if (acr != NULL)
		list_param(url, "acr_values", acr);
	rc = 0;
out:
	free(state_text);
	json_decref(state);
	json_decref(doc);
	buf_clear(&sc);
	return rc;
}

/* Does the provider list method among token_endpoint_auth_methods? */
static bool
advertises(const json_t *doc, const char *method)
{
	const json_t *m = json_object_get(doc,
	    "token_endpoint_auth_methods_supported"), *v;
	size_t i;

	if (m == NULL)	/* the default is client_secret_basic */
		return strcmp(method, "client_secret_basic") == 0;
	json_array_foreach(m, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), method)
		    == 0)
			return true;
	return false;
}

/* One token request, the secret sent by HTTP Basic or in the form. */
static int
token_request(const struct realm_ctx *realm, const char *url,
    const char *code, const char *redirect, const char *verifier, bool basic,
    json_t **tokens_r, long *status, struct err *err)
{
	const char *client = realm_opt(realm, "client-id");
	const char *secret = realm_opt(realm, "client-key");
	struct oidc_form form[] = {
		{"grant_type", "authorization_code"},
		{"code", code},
		{"redirect_uri", redirect},
		{"code_verifier", verifier},
		{"client_id", basic ? NULL : client},
		{"client_secret", basic ? NULL : secret},
	};

	*tokens_r = NULL;
	return oidc_http_post_form(url, form, sizeof(form) / sizeof(form[0]),
	    basic ? client : NULL, basic ? secret : NULL, timeout_of(realm),
	    tokens_r, status, err);
}

static bool
invalid_client(const json_t *tokens, long status)
{
	const char *e = json_string_value(json_object_get(tokens, "error"));

	return status == 401 || (e != NULL && strcmp(e, "invalid_client") ==
	    0);
}

/*
 * The token request; *tokens_r is the provider's JSON answer.  Discovery
 * lists the client authentication methods of the provider, not of this
 * client: the preferred one (Basic) is tried first, and when the provider
 * refuses the client with it, the other advertised one once more (a
 * refused client authentication does not use up the code).
 */
static int
exchange(const struct realm_ctx *realm, const json_t *doc, const char *code,
    const char *redirect, const char *verifier, json_t **tokens_r,
    struct err *err)
{
	const char *secret = realm_opt(realm, "client-key");
	const char *url = oidc_doc_str(doc, "token_endpoint");
	bool can_basic = advertises(doc, "client_secret_basic");
	bool can_post = advertises(doc, "client_secret_post");
	bool basic = secret != NULL && (can_basic || !can_post);
	const char *e, *ed;
	long status = 0;

	if (token_request(realm, url, code, redirect, verifier, basic, tokens_r,
	    &status, err) < 0)
		return err_prefix(err, "token request failed: ");
	if (secret != NULL && invalid_client(*tokens_r, status) &&
	    (basic ? can_post : can_basic)) {
		json_decref(*tokens_r);
		if (token_request(realm, url, code, redirect, verifier, !basic,
		    tokens_r, &status, err) < 0)
			return err_prefix(err, "token request failed: ");
	}
	if (status == 200 && json_is_string(json_object_get(*tokens_r,
	    "id_token")))
		return 0;
	e = json_string_value(json_object_get(*tokens_r, "error"));
	ed = json_string_value(json_object_get(*tokens_r,
	    "error_description"));
	if (status == 200)
		return err_set(err, ERR_AUTH, "the token endpoint %s answered "
		    "without an ID token", url);
	return err_set(err, ERR_AUTH, "the token endpoint %s refused the code "
	    "(HTTP %ld, %s%s%s)%s", url, status, e != NULL ? e : "no error",
	    ed != NULL ? ": " : "", ed != NULL ? ed : "",
	    invalid_client(*tokens_r, status) ? " - is client-key right?"
	    : "");
}

/* Add userinfo claims the ID token did not set (ID token wins). */
static int
merge_userinfo(const json_t *doc, const json_t *tokens, json_t *claims,
    unsigned timeout_s, struct err *err)
{
	const char *url = oidc_doc_str(doc, "userinfo_endpoint");
	const char *at = json_string_value(json_object_get(tokens,
	    "access_token"));
	const char *sub, *usub, *k;
	json_t *info = NULL, *v;

	if (url == NULL || at == NULL)
		return 0;
	if (oidc_http_get_json(url, at, timeout_s, &info, NULL, err) < 0)
		return err_prefix(err, "userinfo request failed: ");
	sub = json_string_value(json_object_get(claims, "sub"));
	usub = json_string_value(json_object_get(info, "sub"));
	if (usub == NULL || sub == NULL || strcmp(sub, usub) != 0) {
		json_decref(info);
		return err_set(err, ERR_AUTH, "userinfo is about another "
		    "subject ('%s', the ID token says '%s')", usub != NULL ?
		    usub : "", sub != NULL ? sub : "");
	}
	json_object_foreach(info, k, v)
		if (json_object_get(claims, k) == NULL)
			json_object_set(claims, k, v);
	json_decref(info);
	return 0;
}

int
realm_openid_login(const struct realm_ctx *realm, const char *csrf,
    const char *code, const char *redirect, time_t now, json_t **claims_r,
    struct err *err)
{
	const char *issuer = realm_opt(realm, "issuer-url");
	struct oidc_pending p;
	struct oidc_expect e;
	json_t *doc = NULL, *tokens = NULL, *claims = NULL;
	int rc = -1;

	*claims_r = NULL;
	if (issuer == NULL)
		return err_set(err, ERR_AUTH, "realm '%s' has no issuer-url",
		    realm->name);
	if (oidc_state_take(realm->config_dir, realm->name, csrf, now, &p,
	    err) < 0)
		return -1;
	if (oidc_discover(issuer, timeout_of(realm), &doc, err) < 0)
		goto out;
	if (exchange(realm, doc, code, redirect, p.verifier, &tokens, err) < 0)
		goto fail;
	e.issuer = oidc_doc_str(doc, "issuer");
	e.client_id = realm_opt(realm, "client-id");
	e.audiences = realm_opt(realm, "audiences");
	e.nonce = p.nonce;
	e.now = now;
	if (oidc_idtoken_verify(json_string_value(json_object_get(tokens,
	    "id_token")), issuer, doc, &e, timeout_of(realm), &claims, err) <
	    0)
		goto out;
	if (realm_opt_bool(realm, "query-userinfo", true) &&
	    merge_userinfo(doc, tokens, claims, timeout_of(realm), err) < 0)
		goto fail;
	*claims_r = claims;
	claims = NULL;
	rc = 0;
	goto out;
fail:
	/* the provider may have moved: discover it again next time */
	oidc_forget(issuer);
out:
	if (rc < 0 && err->code != ERR_UNAVAILABLE)
		err->code = ERR_AUTH;
	json_decref(claims);
	json_decref(tokens);
	json_decref(doc);
	return rc;
}

/* Logins only through the provider: no password, nothing stored. */
const struct realm_ops realm_ops_openid = {
	.type = "openid",
	.caps = REALM_CAP_REDIRECT,
};
