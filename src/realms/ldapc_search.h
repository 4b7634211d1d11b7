/*
 * Searches that return every entry: the paged-results control (RFC 2696)
 * so a server's size limit (AD's MaxPageSize, slapd's sizelimit) never
 * truncates a sync, continuation references skipped, and AD's range
 * retrieval (member;range=0-1499) followed so groups of any size read
 * completely.  Any failure part-way fails the whole search: a sync must
 * never act on half an answer.
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
