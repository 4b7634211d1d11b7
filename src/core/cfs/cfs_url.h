/*
 * The --store URL: etcd://HOST:PORT[,HOST:PORT...][/PREFIX][?OPTIONS] or
 * etcds://... (TLS), options separated by '&':
 *   cacert=PATH cert=PATH key=PATH    TLS (the server is always verified)
 *   user=NAME password-file=PATH      etcd authentication; the password
 *                                     is read from a file, never given on
 *                                     a command line
 *   timeout-ms=N                      per request (default 3000)
 *   lease-ttl=N                       seconds a dead node's locks outlive
 *                                     it (default 10)
 * PREFIX (default "realmgate") keeps several configurations apart in one
 * etcd.  Everything is checked here, before any connection.
 */
#ifndef RG_CFS_URL_H
#define RG_CFS_URL_H

#include "compiler.h"
#include "err.h"

#include <stdbool.h>

#define CFS_LEASE_TTL_DEFAULT 10

struct cfs_url {
	bool tls;
	char *endpoints;	/* "h:p,h:p" */
	char *prefix;		/* "/realmgate/" */
	char *cacert, *cert, *key, *user, *password;
	int timeout_ms, lease_ttl;
	char *name;		/* "etcd://h:p,h:p/realmgate", for messages */
};

int cfs_url_parse(const char *url, struct cfs_url *u, struct err *err)
    RG_WARN_UNUSED;
void cfs_url_clear(struct cfs_url *u);

#endif
