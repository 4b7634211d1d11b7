/*
 * Paged subtree searches and AD range retrieval (see ldapc_search.h).
 */
#include "ldapc_search.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Pages in a row without an entry that a paged search accepts. */
#define LDAPC_MAX_EMPTY_PAGES 100

static int
search_failed(struct ldapc *l, int rc, const char *what, struct err *err)
{
	struct buf why = BUF_INIT;

	ldapc_reason(l, rc, &why);
	err_set(err, ldapc_err_code(rc), "ldap %s failed on %s: %s", what,
	    l->server, buf_str(&why));
	buf_clear(&why);
	return -1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Walk the whole entry once before anyone reads it: libldap parses an
 * entry only when asked, and its getters answer a malformed one with NULL,
 * which reads as "no such attribute" - a damaged answer would quietly turn
 * into a user without an email, or a user that vanished.  Then count the
 * entry against LDAPC_MAX_RECEIVED.
 */
static int
check_entry(struct ldapc *l, LDAPMessage *e, const char *what,
    struct err *err)
{
	BerElement *ber = NULL;
	struct berval dn = {0, NULL}, attr;
	ber_len_t rest = 0;
	int rc;

	rc = ldap_get_dn_ber(l->ld, e, &ber, &dn);
	if (rc == LDAP_SUCCESS) {
		(void)ber_get_option(ber, LBER_OPT_BER_REMAINING_BYTES, &rest);
		do {
			BerVarray vals = NULL;

			rc = ldap_get_attribute_ber(l->ld, e, ber, &attr, &vals);
			ber_memfree(vals);
		} while (rc == LDAP_SUCCESS && attr.bv_val != NULL);
	}
	ber_free(ber, 0);
	if (rc != LDAP_SUCCESS)
		return err_set(err, ERR_INVALID, "ldap %s failed on %s: the "
		    "server sent an entry that is not valid LDAP (%s)", what,
		    l->server, ldap_err2string(rc));
	l->received += dn.bv_len + rest;
	if (l->received > LDAPC_MAX_RECEIVED)
		return err_set(err, ERR_INVALID, "ldap %s failed on %s: the "
		    "server sent more than %u MiB on one connection", what,
		    l->server, LDAPC_MAX_RECEIVED >> 20);
	return 0;
}

int
ldapc_search(struct ldapc *l, struct ldapc_query *q, struct err *err)
{
	uint64_t budget = (uint64_t)l->conf->timeout * 1000000000u, waited = 0;
	LDAPMessage *m = NULL;
	int msgid, rc, type;

	q->code = LDAP_OTHER;
	q->rctrls = NULL;
	q->entries = 0;
	rc = ldap_search_ext(l->ld, q->base, q->scope, q->filter, q->attrs, 0,
	    q->sctrls, NULL, NULL, q->sizelimit, &msgid);
	if (rc != LDAP_SUCCESS)
		return search_failed(l, rc, q->what, err);
	for (;;) {
		/* only the time spent waiting for the server counts */
		uint64_t left = waited < budget ? budget - waited : 0, t0;
		struct timeval tv = {(time_t)(left / 1000000000u),
		    (suseconds_t)(left % 1000000000u / 1000u)};

		t0 = now_ns();
		errno = 0;
		type = ldap_result(l->ld, msgid, LDAP_MSG_ONE, &tv, &m);
		l->io_errno = errno;
		waited += now_ns() - t0;
		if (type == 0) {
			ldap_abandon_ext(l->ld, msgid, NULL, NULL);
			return search_failed(l, LDAP_TIMEOUT, q->what, err);
		}
		if (type < 0) {
			rc = LDAP_SERVER_DOWN;
			(void)ldap_get_option(l->ld, LDAP_OPT_RESULT_CODE, &rc);
			ldap_msgfree(m);
			return search_failed(l, rc != LDAP_SUCCESS ? rc
			    : LDAP_SERVER_DOWN, q->what, err);
		}
		if (type == LDAP_RES_SEARCH_RESULT)
			break;
		if (type == LDAP_RES_SEARCH_ENTRY) {
			rc = 0;
			if (q->sizelimit > 0 &&
			    ++q->entries > (size_t)q->sizelimit)
				rc = err_set(err, ERR_INVALID, "ldap %s failed "
				    "on %s: the server sent more entries than "
				    "the size limit of %d", q->what, l->server,
				    q->sizelimit);
			if (q->sizelimit <= 0)
				q->entries++;
			if (rc == 0)
				rc = check_entry(l, m, q->what, err);
			if (rc == 0 && q->fn != NULL)
				rc = q->fn(l, m, q->arg, err);
			ldap_msgfree(m);
			m = NULL;
			if (rc < 0) {
				ldap_abandon_ext(l->ld, msgid, NULL, NULL);
				return -1;
			}
			continue;
		}
		ldap_msgfree(m);
		m = NULL;
		if (type != LDAP_RES_SEARCH_REFERENCE) {
			ldap_abandon_ext(l->ld, msgid, NULL, NULL);
			return err_set(err, ERR_INVALID, "ldap %s failed on %s: "
			    "the server answered with a message of type 0x%x",
			    q->what, l->server, (unsigned)type);
		}
	}
	rc = ldap_parse_result(l->ld, m, &q->code, NULL, NULL, NULL,
	    &q->rctrls, 1);
	if (rc != LDAP_SUCCESS) {
		ldap_controls_free(q->rctrls);
		q->rctrls = NULL;
		return search_failed(l, rc, q->what, err);
	}
	return 0;
}

static int
on_dn(struct ldapc *l, LDAPMessage *e, void *arg, struct err *err)
{
	struct buf *dn = arg;
	char *d = ldap_get_dn(l->ld, e);

	(void)err;
	buf_reset(dn);
	if (d != NULL)
		buf_puts(dn, d);
	ldap_memfree(d);
	return 0;
}

int
ldapc_search_dn(struct ldapc *l, const char *what, const char *base,
    const char *filter, struct buf *dn, int *code_r, struct err *err)
{
	char *attrs[] = {(char *)(uintptr_t)LDAP_NO_ATTRS, NULL};
	struct ldapc_query q = {what, base, LDAP_SCOPE_SUBTREE, filter, attrs,
		1, NULL, on_dn, dn, 0, NULL, 0};

	buf_reset(dn);
	if (ldapc_search(l, &q, err) < 0)
		return -1;
	ldap_controls_free(q.rctrls);
	*code_r = q.code;
	return 0;
}

/* Did the paged-results control of a page end the search?  *cookie is
 * the next page's cookie (empty: done). */
static int
next_cookie(struct ldapc *l, LDAPControl **rctrls, struct berval *cookie,
    struct err *err)
{
	LDAPControl *rp;
	ber_int_t count;
	int rc;

	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	rp = rctrls != NULL ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS,
	    rctrls, NULL) : NULL;
	if (rp == NULL)
		return 0;
	rc = ldap_parse_pageresponse_control(l->ld, rp, &count, cookie);
	if (rc != LDAP_SUCCESS)
		return search_failed(l, rc, "paging response", err);
	return 0;
}

static bool
same_cookie(const struct berval *a, const struct berval *b)
{
	return a->bv_len == b->bv_len && a->bv_len > 0 &&
	    memcmp(a->bv_val, b->bv_val, a->bv_len) == 0;
}

int
ldapc_search_paged(struct ldapc *l, const char *base, const char *filter,
    char **attrs, int page_size, ldapc_entry_fn fn, void *arg,
    size_t *pages_r, struct err *err)
{
	struct berval cookie = {0, NULL}, prev = {0, NULL};
	struct buf what = BUF_INIT;
	size_t pages = 0, empty = 0;
	int rc = -1;

	buf_putf(&what, "search %s", filter);
	do {
		LDAPControl *pc = NULL, *sctrls[2] = {NULL, NULL};
		struct ldapc_query q = {buf_str(&what), base,
			LDAP_SCOPE_SUBTREE, filter, attrs, 0, sctrls, fn, arg, 0,
			NULL, 0};
		int lrc;

		lrc = ldap_create_page_control(l->ld, page_size,
		    cookie.bv_val != NULL ? &cookie : NULL, 1, &pc);
		if (lrc != LDAP_SUCCESS) {
			search_failed(l, lrc, "paging setup", err);
			goto out;
		}
		sctrls[0] = pc;
		lrc = ldapc_search(l, &q, err);
		ldap_control_free(pc);
		if (lrc < 0)
			goto out;
		if (q.code != LDAP_SUCCESS) {
			ldap_controls_free(q.rctrls);
			search_failed(l, q.code, buf_str(&what), err);
			goto out;
		}
		pages++;
		empty = q.entries > 0 ? 0 : empty + 1;
		ber_memfree(prev.bv_val);
		prev = cookie;
		lrc = next_cookie(l, q.rctrls, &cookie, err);
		ldap_controls_free(q.rctrls);
		if (lrc < 0)
			goto out;
		/* a hostile server must not keep us paging for ever */
		if (cookie.bv_len > 0 && (same_cookie(&cookie, &prev) ||
		    empty > LDAPC_MAX_EMPTY_PAGES)) {
			err_set(err, ERR_INVALID, "ldap %s failed on %s: the "
			    "server's paging does not advance", buf_str(&what),
			    l->server);
			goto out;
		}
	} while (cookie.bv_val != NULL && cookie.bv_len > 0);
	if (pages_r != NULL)
		*pages_r = pages;
	rc = 0;
out:
	ber_memfree(cookie.bv_val);
	ber_memfree(prev.bv_val);
	buf_clear(&what);
	return rc;
}

struct berval **
ldapc_first_values(struct ldapc *l, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(l->ld, e, attr);

	if (v != NULL && v[0] == NULL) {
		ldap_value_free_len(v);
		return NULL;
	}
	return v;
}

bool
ldapc_range_parse(const char *name, const char *attr, bool *more,
    unsigned long *next)
{
	size_t n = strlen(attr);
	const char *r, *dash;
	char *end;
	unsigned long hi;

	if (strncasecmp(name, attr, n) != 0 || name[n] != ';')
		return false;
	r = strcasestr(name + n, ";range=");
	if (r == NULL || (dash = strchr(r, '-')) == NULL)
		return false;
	if (strcmp(dash + 1, "*") == 0) {
		*more = false;
		return true;
	}
	errno = 0;
	hi = strtoul(dash + 1, &end, 10);
	if (end == dash + 1 || *end != '\0' || errno != 0 || hi == ULONG_MAX ||
	    !isdigit((unsigned char)dash[1]))
		return false;
	*more = true;
	*next = hi + 1;
	return true;
}

static long
emit(struct ldapc *l, LDAPMessage *e, const char *name, ldapc_value_fn fn,
    void *arg)
{
	struct berval **vals = ldap_get_values_len(l->ld, e, name);
	long n = 0;

	for (; vals != NULL && vals[n] != NULL; n++)
		fn(vals[n]->bv_val, vals[n]->bv_len, arg);
	ldap_value_free_len(vals);
	return n;
}

struct range_step {
	const char *attr;
	ldapc_value_fn fn;
	void *arg;
	bool found, more;
	unsigned long next;
	long n;
};

static int
on_range(struct ldapc *l, LDAPMessage *e, void *arg, struct err *err)
{
	struct range_step *r = arg;
	BerElement *ber = NULL;
	char *name;

	(void)err;
	for (name = ldap_first_attribute(l->ld, e, &ber); name != NULL;
	    name = ldap_next_attribute(l->ld, e, ber)) {
		if (!r->found && ldapc_range_parse(name, r->attr, &r->more,
		    &r->next)) {
			r->found = true;
			r->n = emit(l, e, name, r->fn, r->arg);
		}
		ldap_memfree(name);
	}
	ber_free(ber, 0);
	return 0;
}

/* Fetch the ranges of attr from next on, from the entry dn. */
static long
fetch_ranges(struct ldapc *l, const char *dn, const char *attr,
    unsigned long next, ldapc_value_fn fn, void *arg, struct err *err)
{
	long total = 0;
	bool more = true;

	while (more) {
		char req[128], what[160], *attrs[2] = {req, NULL};
		struct range_step r = {attr, fn, arg, false, false, next, 0};
		struct ldapc_query q = {what, dn, LDAP_SCOPE_BASE,
			"(objectClass=*)", attrs, 1, NULL, on_range, &r, 0, NULL,
			0};

		snprintf(req, sizeof(req), "%s;range=%lu-*", attr, next);
		snprintf(what, sizeof(what), "search %s", req);
		if (ldapc_search(l, &q, err) < 0)
			return -1;
		ldap_controls_free(q.rctrls);
		if (q.code != LDAP_SUCCESS)
			return search_failed(l, q.code, what, err);
		if (!r.found)
			break;
		total += r.n;
		/* a hostile or broken server must not keep us in the loop */
		if (r.more && (r.next <= next || r.n == 0))
			return err_set(err, ERR_INVALID, "ldap search %s on %s: "
			    "the server's range answer does not advance", req,
			    l->server);
		more = r.more;
		next = r.next;
	}
	return total;
}

long
ldapc_entry_values(struct ldapc *l, LDAPMessage *entry, const char *attr,
    ldapc_value_fn fn, void *arg, struct err *err)
{
	BerElement *ber = NULL;
	char *name;
	long total = 0;
	bool ranged = false, more = false;
	unsigned long next = 0;

	for (name = ldap_first_attribute(l->ld, entry, &ber); name != NULL;
	    name = ldap_next_attribute(l->ld, entry, ber)) {
		if (strcasecmp(name, attr) == 0) {
			total += emit(l, entry, name, fn, arg);
		} else if (!ranged && ldapc_range_parse(name, attr, &more, &next)) {
			ranged = true;
			total += emit(l, entry, name, fn, arg);
		}
		ldap_memfree(name);
	}
	ber_free(ber, 0);
	if (ranged && more) {
		char *dn = ldap_get_dn(l->ld, entry);
		long n = dn != NULL ? fetch_ranges(l, dn, attr, next, fn, arg,
		    err) : -1;

		ldap_memfree(dn);
		if (n < 0) {
			if (dn == NULL)
				err_set(err, ERR_INVALID, "entry without DN");
			return -1;
		}
		total += n;
	}
	return total;
}
