/*
 * Which relying party a request talks to.  Proxmox reads datacenter.cfg's
 * `webauthn` property string (rp, id, origin, allow-subdomains; origin
 * defaults to https://<request Host>); a standalone realmgate has the same
 * file in its config directory, and without the key uses the request's
 * Host for both origin and RP id.  The RP id must be the origin's host or
 * a parent domain of it, as webauthn-rs' builder insists.
 */
#include "webauthn.h"
#include "cfs/cfs.h"
#include "webauthn_int.h"
#include "fileio.h"
#include "files/domains_int.h"
#include "str.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct ps_key wa_keys[] = {
	{"allow-subdomains", DV_BOOL, NULL, 0, 0, false, NULL},
	{"id", DV_STRING, NULL, 0, 0, true, NULL},
	{"origin", DV_STRING, NULL, 0, 0, false, NULL},
	{"rp", DV_STRING, NULL, 0, 0, true, NULL},
};
static const struct ps_schema wa_schema = {wa_keys, ARRAY_SIZE(wa_keys)};
enum { K_SUBDOMAINS, K_ID, K_ORIGIN, K_RP };

/* A DNS name (or IPv4 address): letters, digits, '-', '.'. */
static bool
domain_valid(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > 253 || p[0] == '.' || p[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '.')
			return false;
	return true;
}

/* The Host header: name or [v6], optional port.  *hlen: without port. */
static bool
host_valid(const char *host, size_t *hlen)
{
	const char *end = host + strlen(host), *colon;

	if (host[0] == '[') {
		colon = strchr(host, ']');
		if (colon == NULL || colon == host + 1 ||
		    strspn(host + 1, "0123456789abcdefABCDEF:.") !=
		    (size_t)(colon - host - 1))
			return false;
		colon++;
		if (*colon != '\0' && *colon != ':')
			return false;
	} else {
		colon = host + strcspn(host, ":");
		if (!domain_valid(host, (size_t)(colon - host)))
			return false;
	}
	*hlen = (size_t)(colon - host);
	if (*colon == ':' && (end - colon < 2 || end - colon > 6 ||
	    strspn(colon + 1, "0123456789") != (size_t)(end - colon - 1)))
		return false;
	return true;
}

static int
set_str(char *dst, size_t size, const char *src, const char *what,
    struct err *err)
{
	if (!str_copy(dst, size, src))
		return err_set(err, ERR_INVALID, "webauthn config error: %s too "
		    "long", what);
	return 0;
}

/* The origin's host must be the RP id or a subdomain of it. */
static int
check_scope(const struct webauthn_rp *rp, struct err *err)
{
	const char *h = strstr(rp->origin, "://") + 3;
	size_t hlen = strcspn(h, ":"), idlen = strlen(rp->id);

	if (h[0] == '[')
		hlen = strcspn(h, "]") + 1;
	if ((hlen == idlen && strncasecmp(h, rp->id, idlen) == 0) ||
	    (hlen > idlen + 1 && h[hlen - idlen - 1] == '.' &&
	    strncasecmp(h + hlen - idlen, rp->id, idlen) == 0))
		return 0;
	return err_set(err, ERR_INVALID, "webauthn config error: origin '%s' "
	    "is not within RP id '%s'", rp->origin, rp->id);
}

static int
set_origin(struct webauthn_rp *rp, const char *origin, struct err *err)
{
	struct buf norm = BUF_INIT;
	int rc;

	rc = wa_origin_normalise(origin, &norm, err);
	if (rc == 0)
		rc = set_str(rp->origin, sizeof(rp->origin), buf_str(&norm),
		    "origin", err);
	buf_clear(&norm);
	return rc;
}

/* The value of `key:` in datacenter.cfg's text, copied; NULL if absent. */
static char *
dc_value(const char *text, size_t len, const char *key)
{
	size_t pos = 0, n, klen = strlen(key);
	const char *line;

	while (str_next_line(text, len, &pos, &line, &n)) {
		str_trim(&line, &n);
		if (n > klen && memcmp(line, key, klen) == 0 &&
		    line[klen] == ':') {
			line += klen + 1;
			n -= klen + 1;
			str_trim(&line, &n);
			return xstrndup(line, n);
		}
	}
	return NULL;
}

int
webauthn_rp_from_dc(const char *dc_text, size_t len, const char *host,
    struct webauthn_rp *rp, struct err *err)
{
	struct ps_values v = {{NULL}};
	struct buf origin = BUF_INIT;
	char *conf = dc_text != NULL ? dc_value(dc_text, len, "webauthn") :
	    NULL;
	size_t hlen = 0;
	int rc = -1;

	memset(rp, 0, sizeof(*rp));
	if (host != NULL && !host_valid(host, &hlen)) {
		err_set(err, ERR_INVALID, "invalid request host");
		goto out;
	}
	if (host != NULL)
		buf_putf(&origin, "https://%s", host);
	if (conf != NULL) {
		if (propstr_check(&wa_schema, conf, &v, err) < 0) {
			err_prefix(err, "webauthn config error: ");
			goto out;
		}
		if (set_str(rp->name, sizeof(rp->name), v.v[K_RP], "rp",
		    err) < 0 || set_str(rp->id, sizeof(rp->id), v.v[K_ID],
		    "id", err) < 0)
			goto out;
		if (!domain_valid(rp->id, strlen(rp->id))) {
			err_set(err, ERR_INVALID, "webauthn config error: "
			    "invalid id '%s'", rp->id);
			goto out;
		}
		rp->allow_subdomains = v.v[K_SUBDOMAINS] == NULL ||
		    strcmp(v.v[K_SUBDOMAINS], "1") == 0;
		if (v.v[K_ORIGIN] != NULL) {
			buf_reset(&origin);
			buf_puts(&origin, v.v[K_ORIGIN]);
		}
	} else if (host != NULL) {
		if (hlen >= sizeof(rp->id)) {
			err_set(err, ERR_INVALID, "invalid request host");
			goto out;
		}
		memcpy(rp->id, host, hlen);
		for (size_t i = 0; i < hlen; i++)
			rp->id[i] = (char)tolower((unsigned char)rp->id[i]);
		str_copy(rp->name, sizeof(rp->name), rp->id);
	}
	if (origin.len == 0) {
		err_set(err, ERR_INVALID, "failed to figure out origin");
		goto out;
	}
	if (set_origin(rp, buf_str(&origin), err) < 0 ||
	    check_scope(rp, err) < 0)
		goto out;
	rc = 0;
out:
	propstr_clear(&v);
	free(conf);
	buf_clear(&origin);
	if (rc < 0)
		memset(rp, 0, sizeof(*rp));
	return rc;
}

int
webauthn_rp_for_host(const char *config_dir, const char *host,
    struct webauthn_rp *rp, struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	bool have = true;
	int rc = -1;

	cfs_path(config_dir, "datacenter.cfg", &path);
	if (file_read(buf_str(&path), FILE_MAX_SECRET, &text, err) < 0) {
		if (err->code != ERR_NOT_FOUND)
			goto out;
		have = false;
	}
	rc = webauthn_rp_from_dc(have ? buf_str(&text) : NULL, text.len, host,
	    rp, err);
out:
	buf_clear(&path);
	buf_clear(&text);
	return rc;
}
