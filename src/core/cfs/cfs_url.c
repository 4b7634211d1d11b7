/*
 * Parsing the --store URL (see cfs_url.h).
 */
#include "cfs_url.h"
#include "buf.h"
#include "fileio.h"
#include "secret.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static bool
endpoint_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' ||
	    c == '[' || c == ']';
}

/* "host:port" with a port of 1..65535 */
static bool
endpoint_valid(const char *s, size_t n)
{
	size_t i, colon = n;
	long port = 0;

	for (i = 0; i < n; i++) {
		if (!endpoint_char(s[i]))
			return false;
		if (s[i] == ':')
			colon = i;
	}
	if (colon == 0 || colon + 1 >= n || n - colon - 1 > 5)
		return false;
	for (i = colon + 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

static bool
prefix_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* A path or a name: printable, no separators of the URL */
static bool
value_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 4096)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f ||
		    s[i] == '&' || s[i] == '?')
			return false;
	return true;
}

static int
number(const char *s, size_t n, int lo, int hi, int *v)
{
	unsigned long long x;

	if (!str_to_u64(s, n, &x) || x < (unsigned long long)lo ||
	    x > (unsigned long long)hi)
		return -1;
	*v = (int)x;
	return 0;
}

static int
read_password(const char *path, struct cfs_url *u, struct err *err)
{
	struct buf b = BUF_INIT;
	size_t n;

	if (file_read_secret(path, &b, err) < 0)
		return err_prefix(err, "--store password-file: ");
	for (n = 0; n < b.len && b.data[n] != '\n' && b.data[n] != '\r'; n++)
		;
	if (n == 0 || memchr(b.data, '\0', n) != NULL) {
		buf_clear_secret(&b);
		return err_set(err, ERR_INVALID, "--store password-file '%s' "
		    "holds no password on its first line", path);
	}
	u->password = xstrndup(b.data, n);
	buf_clear_secret(&b);
	return 0;
}

static int
option(const char *s, size_t n, struct cfs_url *u, struct err *err)
{
	static const char *const names[] = {"cacert", "cert", "key", "user",
	    "password-file", "timeout-ms", "lease-ttl"};
	const char *eq = memchr(s, '=', n), *v;
	size_t klen, vlen, i;
	char *val;
	int rc = 0;

	if (eq == NULL)
		return err_set(err, ERR_INVALID, "--store: option '%.*s' "
		    "has no value", (int)(n > 64 ? 64 : n), s);
	klen = (size_t)(eq - s);
	v = eq + 1;
	vlen = n - klen - 1;
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strlen(names[i]) == klen && memcmp(names[i], s, klen) == 0)
			break;
	if (i == sizeof(names) / sizeof(*names))
		return err_set(err, ERR_INVALID, "--store: unknown option "
		    "'%.*s'", (int)(klen > 64 ? 64 : klen), s);
	if (!value_valid(v, vlen))
		return err_set(err, ERR_INVALID, "--store: bad value for %s",
		    names[i]);
	val = xstrndup(v, vlen);
	switch (i) {
	case 0: free(u->cacert); u->cacert = val; val = NULL; break;
	case 1: free(u->cert); u->cert = val; val = NULL; break;
	case 2: free(u->key); u->key = val; val = NULL; break;
	case 3: free(u->user); u->user = val; val = NULL; break;
	case 4: rc = read_password(val, u, err); break;
	case 5:
		if (number(v, vlen, 100, 600000, &u->timeout_ms) < 0)
			rc = err_set(err, ERR_INVALID, "--store: timeout-ms "
			    "must be 100..600000");
		break;
	default:
		if (number(v, vlen, 2, 3600, &u->lease_ttl) < 0)
			rc = err_set(err, ERR_INVALID, "--store: lease-ttl "
			    "must be 2..3600 seconds");
		break;
	}
	free(val);
	return rc;
}

static int
parse(const char *url, struct cfs_url *u, struct err *err)
{
	const char *p, *end, *q;
	struct buf b = BUF_INIT;

	if (strncmp(url, "etcd://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "etcds://", 8) == 0) {
		p = url + 8;
		u->tls = true;
	} else
		return err_set(err, ERR_INVALID, "--store: expected etcd://"
		    "HOST:PORT[,HOST:PORT...] or etcds://...");
	end = p + strcspn(p, "/?");
	for (q = p; q < end;) {
		const char *c = memchr(q, ',', (size_t)(end - q));
		size_t n = (size_t)((c != NULL ? c : end) - q);

		if (!endpoint_valid(q, n))
			return err_set(err, ERR_INVALID, "--store: bad "
			    "endpoint '%.*s' (HOST:PORT)",
			    (int)(n > 64 ? 64 : n), q);
		q += n + (c != NULL);
		if (c != NULL && q == end)
			return err_set(err, ERR_INVALID,
			    "--store: empty endpoint");
	}
	if (end == p)
		return err_set(err, ERR_INVALID, "--store: no endpoint");
	u->endpoints = xstrndup(p, (size_t)(end - p));
	p = end;
	buf_puts(&b, "/realmgate/");
	if (*p == '/') {
		p++;
		end = p + strcspn(p, "?");
		if (!prefix_valid(p, (size_t)(end - p))) {
			buf_clear(&b);
			return err_set(err, ERR_INVALID, "--store: the prefix "
			    "may hold letters, digits, '.', '_' and '-'");
		}
		buf_reset(&b);
		buf_putf(&b, "/%.*s/", (int)(end - p), p);
		p = end;
	}
	u->prefix = buf_steal(&b);
	buf_putf(&b, "%s://%s%.*s", u->tls ? "etcds" : "etcd", u->endpoints,
	    (int)(strlen(u->prefix) - 1), u->prefix);
	u->name = buf_steal(&b);
	if (*p == '?')
		for (p++; *p != '\0';) {
			size_t n = strcspn(p, "&");

			if (option(p, n, u, err) < 0)
				return -1;
			p += n + (p[n] == '&');
		}
	if ((u->cert == NULL) != (u->key == NULL))
		return err_set(err, ERR_INVALID, "--store: cert and key go "
		    "together");
	if ((u->user == NULL) != (u->password == NULL))
		return err_set(err, ERR_INVALID, "--store: user and "
		    "password-file go together");
	if (!u->tls && (u->cacert != NULL || u->cert != NULL))
		return err_set(err, ERR_INVALID, "--store: TLS options need "
		    "etcds://");
	return 0;
}

int
cfs_url_parse(const char *url, struct cfs_url *u, struct err *err)
{
	memset(u, 0, sizeof(*u));
	u->timeout_ms = 3000;
	u->lease_ttl = CFS_LEASE_TTL_DEFAULT;
	if (parse(url, u, err) < 0) {
		cfs_url_clear(u);
		return -1;
	}
	return 0;
}

void
cfs_url_clear(struct cfs_url *u)
{
	free(u->endpoints);
	free(u->prefix);
	free(u->cacert);
	free(u->cert);
	free(u->key);
	free(u->user);
	if (u->password != NULL)
		secret_free_str(u->password);
	free(u->name);
	memset(u, 0, sizeof(*u));
}
