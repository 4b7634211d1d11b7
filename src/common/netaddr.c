/*
 * Client addresses and CIDR blocks (see netaddr.h).  inet_pton does the
 * parsing; the rest is byte masks.
 */
#include "netaddr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff};

bool
netaddr_parse(const char *s, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->a) != 1)
		return false;
	out->family = AF_INET6;
	if (memcmp(out->a, v4_mapped, sizeof(v4_mapped)) == 0) {
		memmove(out->a, out->a + 12, 4);
		memset(out->a + 4, 0, 12);
		out->family = AF_INET;
	}
	return true;
}

static unsigned
family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Clear every bit of a from bit `bits` on. */
static void
mask(struct netaddr *a, unsigned bits)
{
	unsigned i;

	for (i = bits; i < family_bits(a->family); i++)
		a->a[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

bool
netaddr_cidr_parse(const char *s, struct netaddr_cidr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	struct netaddr masked;
	unsigned long bits;
	char *end;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	if (!netaddr_parse(host, &out->net))
		return false;
	/* "::ffff:10.0.0.0/104" is spelled 10.0.0.0/8 */
	if (out->net.family == AF_INET && strchr(host, ':') != NULL)
		return false;
	bits = family_bits(out->net.family);
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return false;
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits > family_bits(out->net.family))
			return false;
	}
	out->bits = (unsigned)bits;
	masked = out->net;
	mask(&masked, out->bits);
	return memcmp(&masked, &out->net, sizeof(masked)) == 0;
}

bool
netaddr_cidr_contains(const struct netaddr_cidr *c, const struct netaddr *a)
{
	struct netaddr m = *a;

	if (a->family != c->net.family)
		return false;
	mask(&m, c->bits);
	return memcmp(m.a, c->net.a, sizeof(m.a)) == 0;
}

void
netaddr_cidr_format(const struct netaddr_cidr *c,
    char out[NETADDR_KEY_MAX + 4])
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(c->net.family, c->net.a, host, sizeof(host)) == NULL)
		host[0] = '\0';
	snprintf(out, NETADDR_KEY_MAX + 4, "%s/%u", host, c->bits);
}

void
netaddr_client_key(const char *client, char out[NETADDR_KEY_MAX])
{
	struct netaddr a;

	if (client == NULL || !netaddr_parse(client, &a)) {
		snprintf(out, NETADDR_KEY_MAX, "%s", client != NULL ? client :
		    "");
		return;
	}
	if (a.family == AF_INET6)
		mask(&a, 64);
	if (inet_ntop(a.family, a.a, out, NETADDR_KEY_MAX) == NULL)
		out[0] = '\0';
}
