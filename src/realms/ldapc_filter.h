/*
 * LDAP search filters built from values we do not control (RFC 4515).
 * Every user name, class name or admin-supplied fragment that ends up in a
 * filter goes through here, so no login name can widen a search: Proxmox
 * escapes the login value too, but builds its sync filters by string
 * concatenation; we build both from escaped parts.
 */
#ifndef RG_LDAPC_FILTER_H
#define RG_LDAPC_FILTER_H

#include "buf.h"

#include <stddef.h>

/* Append value with '*', '(', ')', '\' and NUL escaped as \XX. */
void ldapc_filter_escape(struct buf *out, const char *value, size_t len);

/* Append "attr=<escaped value>" (Proxmox's unparenthesised login filter). */
void ldapc_filter_eq(struct buf *out, const char *attr, const char *value);

/*
 * Append an admin's extra filter, wrapped in parentheses unless it already
 * starts with '(' (spec 6.3); nothing when filter is NULL or empty.
 */
void ldapc_filter_wrap(struct buf *out, const char *filter);

/*
 * Append "(|(attr=v1)(attr=v2)...)" for the items of a comma- or
 * space-separated list, each value escaped; value "*" gives a presence
 * test.  With a single item the "(|...)" is kept: it is a valid filter.
 */
void ldapc_filter_any(struct buf *out, const char *attr, const char *list,
    const char *value);

#endif
