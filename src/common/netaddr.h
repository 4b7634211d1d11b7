/*
 * Client addresses as the front hands them on (inet_ntop's text): parsing
 * (an IPv4-mapped IPv6 address is its IPv4 address), CIDR blocks for
 * lists of trusted networks, and the key by which per-address limits count
 * a client: an IPv4 address as is, an IPv6 address by its /64, because one
 * host usually has a whole /64 to pick addresses from.
 */
#ifndef RG_NETADDR_H
#define RG_NETADDR_H

#include <arpa/inet.h>
#include <stdbool.h>

struct netaddr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char a[16];	/* 4 bytes used for AF_INET */
};

struct netaddr_cidr {
	struct netaddr net;	/* host bits cleared */
	unsigned bits;
};

#define NETADDR_KEY_MAX INET6_ADDRSTRLEN

/* A bare IPv4 or IPv6 address (no brackets, zone or port). */
bool netaddr_parse(const char *s, struct netaddr *out);

/*
 * "addr/bits" or a bare address (a /32 or /128).  Host bits set below the
 * prefix are refused ("10.0.0.1/8" is a typo more often than not).
 */
bool netaddr_cidr_parse(const char *s, struct netaddr_cidr *out);

bool netaddr_cidr_contains(const struct netaddr_cidr *c,
    const struct netaddr *a);

/* The canonical text of c ("10.0.0.0/8", "::1/128"). */
void netaddr_cidr_format(const struct netaddr_cidr *c,
    char out[NETADDR_KEY_MAX + 4]);

/*
 * The counting key of a client address (see above); a string that is not
 * an address is copied as it is, cut to fit.
 */
void netaddr_client_key(const char *client, char out[NETADDR_KEY_MAX]);

#endif
