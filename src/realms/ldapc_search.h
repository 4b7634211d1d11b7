/*
 * Searches that return every entry: the paged-results control (RFC 2696)
 * so a server's size limit (AD's MaxPageSize, slapd's sizelimit) never
 * truncates a sync, continuation references skipped, and AD's range
 * retrieval (member;range=0-1499) followed so groups of any size read
 * completely.  Any failure part-way fails the whole search: a sync must
 * never act on half an answer.
 *
 * Every search streams: entries are handed over one by one as they
 * arrive and freed after, so memory never holds more than one message
 * (at most LDAPC_MAX_MESSAGE) of an answer; a search may wait for the
 * server the realm's timeout in all, one connection may read at most
 * LDAPC_MAX_RECEIVED, and a server that ignores the size limit or whose
 * paging or ranges do not advance is refused.
 */
#ifndef RG_LDAPC_SEARCH_H
#define RG_LDAPC_SEARCH_H

#include "ldapc_conn.h"

#include <stddef.h>

/*
 * Called for each entry.  Return 0 to go on, -1 to stop the search (with
 * err set).
 */
typedef int (*ldapc_entry_fn)(struct ldapc *l, LDAPMessage *entry,
    void *arg, struct err *err);

/* One search request and what came back. */
struct ldapc_query {
	const char *what;	/* for messages: "user search", a filter... */
	const char *base;
	int scope;		/* LDAP_SCOPE_BASE, _SUBTREE */
	const char *filter;
	char **attrs;		/* NULL-terminated; NULL for all */
	int sizelimit;		/* 0: none; more entries are refused */
	LDAPControl **sctrls;	/* may be NULL */
	ldapc_entry_fn fn;	/* the entry is freed after it returns */
	void *arg;
	/* out */
	int code;		/* the search's result code */
	LDAPControl **rctrls;	/* the result's controls, or NULL */
	size_t entries;
};

/*
 * Run q, streaming its entries to q->fn.  0 when the server finished the
 * search, whatever q->code says (LDAP_SIZELIMIT_EXCEEDED, ...); the caller
 * frees q->rctrls with ldap_controls_free.  -1 with err set when it did
 * not: no answer within the realm's timeout, connection lost, an answer
 * that is not valid LDAP or too large, too many entries, or fn failed.
 * Messages start "ldap <what> failed on <server>: ".
 */
int ldapc_search(struct ldapc *l, struct ldapc_query *q, struct err *err)
    RG_WARN_UNUSED;

/*
 * The DN of the first entry of a subtree search for filter (sizelimit 1);
 * an empty dn when none matched.  *code_r: the search's result code.
 */
int ldapc_search_dn(struct ldapc *l, const char *what, const char *base,
    const char *filter, struct buf *dn, int *code_r, struct err *err)
    RG_WARN_UNUSED;

/* A value that realmgate keeps must not be longer than LDAPC_MAX_VALUE. */
static inline bool
ldapc_value_ok(const struct berval *v)
{
	return v->bv_len <= LDAPC_MAX_VALUE;
}

/*
 * Subtree search under base with filter, asking for attrs (NULL-terminated;
 * NULL for none), page_size entries per page.  *pages_r (may be NULL) gets
 * the number of pages read.
 */
int ldapc_search_paged(struct ldapc *l, const char *base, const char *filter,
    char **attrs, int page_size, ldapc_entry_fn fn, void *arg,
    size_t *pages_r, struct err *err) RG_WARN_UNUSED;

/* Called for each value of an attribute. */
typedef void (*ldapc_value_fn)(const char *val, size_t len, void *arg);

/*
 * Every value of attr in entry, including the further ranges of a ranged
 * attribute ("member;range=0-1499"), which are fetched from the server.
 * Returns the number of values, or -1 when a range query failed.
 */
long ldapc_entry_values(struct ldapc *l, LDAPMessage *entry,
    const char *attr, ldapc_value_fn fn, void *arg, struct err *err);

/*
 * If name is "<attr>;range=<lo>-<hi>" (attr compared case-insensitively),
 * return true and set *more, and *next to hi + 1 when hi is not "*".
 */
bool ldapc_range_parse(const char *name, const char *attr, bool *more,
    unsigned long *next);

/* The values of attr when it has at least one, else NULL (free with
 * ldap_value_free_len). */
struct berval **ldapc_first_values(struct ldapc *l, LDAPMessage *e,
    const char *attr);

#endif
