/*
 * The order in which the front hands its calls to authd (front.c's
 * dispatch threads): waiting jobs per client address, the addresses
 * served in turn, and a bound on the jobs that go to an external realm.
 *
 * Why the bound: a login, sync, check-connection or OpenID call against an
 * LDAP/AD directory or an OpenID provider holds its authd worker for as
 * long as the peer takes, up to the realm's timeouts (several operations
 * of 10 s each by default).  A few such calls to a directory that hangs
 * would hold every worker, and pve/pam logins and every API write would
 * wait that long.  So at most workers - 1 external jobs are in flight (at
 * least one), which leaves a worker for the local realms and the API, and
 * one realm at most half of those (rounded up), which leaves room for the
 * other external realms.  An external job over its bound waits in its
 * address's queue; the address's other jobs go past it.
 *
 * No locking here: the caller holds its mutex around every call.
 */
#ifndef RG_JOBQUEUE_H
#define RG_JOBQUEUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JQ_CLIENT_LEN 64
#define JQ_REALM_LEN 64		/* a longer realm id is counted by its prefix */

/* What a job is, for the queue; embedded in the caller's job. */
struct jq_item {
	char client[JQ_CLIENT_LEN];	/* the address it is queued under */
	char realm[JQ_REALM_LEN];	/* the external realm, or "" */
	bool external;
	bool counted;		/* in flight, counted against the bounds */
	struct jq_item *next;	/* in its address's queue */
	struct jq_item *run_next;	/* among the counted ones */
};

struct jq_addr;

struct jobqueue {
	struct jq_addr *ring, **ring_tail;	/* addresses with jobs */
	struct jq_item *running;	/* external jobs in flight */
	size_t nrunning;
	size_t ext_cap;		/* external jobs in flight, at most */
	size_t realm_cap;	/* of those, to one realm */
};

/* An empty queue for this many authd workers. */
void jq_init(struct jobqueue *q, size_t workers);

/* Queue it behind the other jobs of its address. */
void jq_push(struct jobqueue *q, struct jq_item *it);

/*
 * The next job to run: the first one within the bounds of the first
 * address that has one; that address goes to the end of the ring.  NULL
 * if no job may run now.  unbounded (the front stops): any job.
 */
struct jq_item *jq_pop(struct jobqueue *q, bool unbounded);

/*
 * The job has ended.  True if it freed room for an external job (wake a
 * dispatch thread that waits).
 */
bool jq_done(struct jobqueue *q, struct jq_item *it);

/* Jobs waiting? */
bool jq_waiting(const struct jobqueue *q);

/*
 * The external realm a call goes to, into realm (""/false: none): a login
 * (POST /access/ticket: the realm of the user name, or the realm
 * parameter) to a realm that domains.cfg of config_dir lists as ldap, ad
 * or openid; any OpenID call (/access/openid/..., the realm from the
 * parameter or the login's state); a realm sync; check-connection.
 * tmpl is the method's path template, params the verified parameters.
 */
bool jq_external_realm(const char *config_dir, const char *method,
    const char *tmpl, const json_t *params, char realm[JQ_REALM_LEN]);

#endif
