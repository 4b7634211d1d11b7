/*
 * The client data (WebAuthn section 5.8.1): JSON the browser writes and
 * the authenticator's signature covers through its hash.  We check what
 * webauthn-rs checks - type, challenge, origin, crossOrigin - and refuse
 * token binding in use, which we cannot verify.  Origins compare in their
 * serialised form; with allow_subdomains a subdomain of the expected host
 * (same scheme and port) also matches, as Proxmox's allow-subdomains.
 */
#include "webauthn_int.h"
#include "secret.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool
host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' ||
	    c == '[' || c == ']' || c == ':';
}

int
wa_origin_normalise(const char *in, struct buf *out, struct err *err)
{
	const char *sep = strstr(in, "://"), *host, *end, *colon;
	size_t i, hlen, plen = 0;
	bool https;

	if (sep == NULL)
		goto bad;
	if ((size_t)(sep - in) == 5 && strncasecmp(in, "https", 5) == 0)
		https = true;
	else if ((size_t)(sep - in) == 4 && strncasecmp(in, "http", 4) == 0)
		https = false;
	else
		goto bad;
	host = sep + 3;
	end = host + strcspn(host, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0)
		goto bad;
	/* the port: after the host, which may be an [IPv6] literal */
	colon = host;
	if (host[0] == '[') {
		colon = memchr(host, ']', (size_t)(end - host));
		if (colon == NULL)
			goto bad;
	}
	colon = memchr(colon, ':', (size_t)(end - colon));
	if (colon != NULL) {
		hlen = (size_t)(colon - host);
		plen = (size_t)(end - colon - 1);
		if (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") <
		    plen)
			goto bad;
	} else {
		hlen = (size_t)(end - host);
	}
	if (hlen == 0 || hlen > 253)
		goto bad;
	for (i = 0; i < hlen; i++)
		if (!host_char(host[i]))
			goto bad;
	buf_puts(out, https ? "https://" : "http://");
	for (i = 0; i < hlen; i++)
		buf_putc(out, (char)tolower((unsigned char)host[i]));
	if (plen > 0 && !((https && plen == 3 && memcmp(colon + 1, "443",
	    3) == 0) || (!https && plen == 2 && memcmp(colon + 1, "80",
	    2) == 0))) {
		buf_putc(out, ':');
		buf_put(out, colon + 1, plen);
	}
	return 0;
bad:
	return err_set(err, ERR_INVALID, "invalid origin '%.200s'", in);
}

/* "scheme://host[:port]" split at the host. */
static void
split_origin(const char *o, const char **host, size_t *hlen,
    const char **port)
{
	const char *h = strstr(o, "://") + 3;
	const char *c = h[0] == '[' ? strchr(h, ']') : h;

	c = c != NULL ? strchr(c, ':') : NULL;
	*host = h;
	*hlen = c != NULL ? (size_t)(c - h) : strlen(h);
	*port = c != NULL ? c : "";
}

static bool
origin_matches(const char *got, const char *want, bool subdomains)
{
	const char *gh, *wh, *gp, *wp;
	size_t gl, wl;

	if (strcmp(got, want) == 0)
		return true;
	if (!subdomains)
		return false;
	split_origin(got, &gh, &gl, &gp);
	split_origin(want, &wh, &wl, &wp);
	/* same scheme, same port, host a subdomain: "x." + wanted host */
	return (size_t)(gh - got) == (size_t)(wh - want) &&
	    memcmp(got, want, (size_t)(gh - got)) == 0 &&
	    strcmp(gp, wp) == 0 && gl > wl + 1 && wh[0] != '[' &&
	    memcmp(gh + gl - wl, wh, wl) == 0 && gh[gl - wl - 1] == '.';
}

static int
check_token_binding(const json_t *tb, struct err *err)
{
	const json_t *status;

	if (tb == NULL || json_is_null(tb))
		return 0;
	status = json_object_get(tb, "status");
	if (!json_is_object(tb) || !json_is_string(status))
		return err_set(err, ERR_INVALID, "client data: malformed "
		    "tokenBinding");
	if (strcmp(json_string_value(status), "present") == 0)
		return err_set(err, ERR_UNSUPPORTED, "client data: token "
		    "binding is not supported");
	if (strcmp(json_string_value(status), "supported") != 0 &&
	    strcmp(json_string_value(status), "not-supported") != 0)
		return err_set(err, ERR_INVALID, "client data: unknown "
		    "tokenBinding status");
	return 0;
}

int
wa_clientdata_check(const void *json, size_t len, const struct wa_expect *want,
    struct err *err)
{
	struct buf challenge = BUF_INIT, origin = BUF_INIT;
	const json_t *type, *cross, *o;
	json_t *cd = NULL;
	int rc = -1;

	if (len > WA_CLIENTDATA_MAX ||
	    (cd = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL || !json_is_object(cd)) {
		err_set(err, ERR_INVALID, "client data is not a JSON object");
		goto out;
	}
	type = json_object_get(cd, "type");
	if (!json_is_string(type) || strcmp(json_string_value(type),
	    want->type) != 0) {
		err_set(err, ERR_INVALID, "client data: type is not '%s'",
		    want->type);
		goto out;
	}
	if (wa_member_b64(cd, "challenge", 1024, &challenge, err) < 0) {
		err_prefix(err, "client data: ");
		goto out;
	}
	if (!secret_equal(challenge.data, challenge.len, want->challenge,
	    want->challenge_len)) {
		err_set(err, ERR_AUTH, "client data: challenge mismatch");
		goto out;
	}
	o = json_object_get(cd, "origin");
	if (!json_is_string(o) ||
	    wa_origin_normalise(json_string_value(o), &origin, err) < 0 ||
	    !origin_matches(buf_str(&origin), want->origin,
	    want->allow_subdomains)) {
		err_set(err, ERR_AUTH, "client data: origin mismatch (got "
		    "'%.200s', expected '%s')", json_is_string(o) ?
		    json_string_value(o) : "", want->origin);
		goto out;
	}
	cross = json_object_get(cd, "crossOrigin");
	if (cross != NULL && !json_is_boolean(cross)) {
		err_set(err, ERR_INVALID, "client data: malformed crossOrigin");
		goto out;
	}
	if (json_is_true(cross)) {
		err_set(err, ERR_AUTH, "client data: cross-origin request "
		    "refused");
		goto out;
	}
	if (check_token_binding(json_object_get(cd, "tokenBinding"), err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(cd);
	buf_clear(&challenge);
	buf_clear(&origin);
	return rc;
}
