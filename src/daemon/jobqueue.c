/*
 * The front's queue of calls to authd: round robin over client addresses,
 * external-realm jobs bounded so that they never hold every authd worker
 * (why: jobqueue.h).
 */
#include "jobqueue.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The jobs of one client address, while it has any waiting. */
struct jq_addr {
	char client[JQ_CLIENT_LEN];
	struct jq_item *head, **tail;
	struct jq_addr *next;	/* in the ring */
};

void
jq_init(struct jobqueue *q, size_t workers)
{
	memset(q, 0, sizeof(*q));
	q->ring_tail = &q->ring;
	q->ext_cap = workers > 1 ? workers - 1 : 1;
	q->realm_cap = (q->ext_cap + 1) / 2;
}

void
jq_push(struct jobqueue *q, struct jq_item *it)
{
	struct jq_addr *a;

	it->next = NULL;
	it->counted = false;
	for (a = q->ring; a != NULL; a = a->next)
		if (strcmp(a->client, it->client) == 0)
			break;
	if (a == NULL) {
		a = xcalloc(1, sizeof(*a));
		memcpy(a->client, it->client, sizeof(a->client));
		a->client[sizeof(a->client) - 1] = '\0';
		a->tail = &a->head;
		*q->ring_tail = a;
		q->ring_tail = &a->next;
	}
	*a->tail = it;
	a->tail = &it->next;
}

/* May an external job to realm start now? */
static bool
room_for(const struct jobqueue *q, const char *realm)
{
	const struct jq_item *r;
	size_t n = 0;

	if (q->nrunning >= q->ext_cap)
		return false;
	for (r = q->running; r != NULL; r = r->run_next)
		if (strcmp(r->realm, realm) == 0)
			n++;
	return n < q->realm_cap;
}

struct jq_item *
jq_pop(struct jobqueue *q, bool unbounded)
{
	struct jq_addr *a, **ap;
	struct jq_item *it, **ip;

	for (ap = &q->ring; (a = *ap) != NULL; ap = &a->next) {
		for (ip = &a->head; (it = *ip) != NULL; ip = &it->next)
			if (!it->external || unbounded ||
			    room_for(q, it->realm))
				break;
		if (it != NULL)
			break;
	}
	if (a == NULL)
		return NULL;
	/* out of its address's queue */
	*ip = it->next;
	if (a->tail == &it->next)
		a->tail = ip;
	it->next = NULL;
	/* the address out of the ring; to its end if it has more */
	*ap = a->next;
	if (q->ring_tail == &a->next)
		q->ring_tail = ap;
	if (a->head != NULL) {
		a->next = NULL;
		*q->ring_tail = a;
		q->ring_tail = &a->next;
	} else {
		free(a);
	}
	if (it->external) {
		it->counted = true;
		it->run_next = q->running;
		q->running = it;
		q->nrunning++;
	}
	return it;
}

bool
jq_done(struct jobqueue *q, struct jq_item *it)
{
	struct jq_item **rp;

	if (!it->counted)
		return false;
	for (rp = &q->running; *rp != NULL; rp = &(*rp)->run_next)
		if (*rp == it) {
			*rp = it->run_next;
			q->nrunning--;
			break;
		}
	it->counted = false;
	return true;
}

bool
jq_waiting(const struct jobqueue *q)
{
	return q->ring != NULL;
}
