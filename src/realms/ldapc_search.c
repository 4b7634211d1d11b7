/*
 * Paged subtree searches and AD range retrieval (see ldapc_search.h).
 */
#include "ldapc_search.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
search_failed(struct ldapc *l, int rc, const char *what, struct err *err)
{
	struct buf diag = BUF_INIT;

	ldapc_diag(l, &diag);
	err_set(err, ldapc_classify(rc) == REALM_UNAVAILABLE ? ERR_UNAVAILABLE
							    : ERR_INVALID,
	    "ldap search %s failed on %s: %s%s%s", what, l->server,
	    ldap_err2string(rc), diag.len > 0 ? " - " : "", buf_str(&diag));
	buf_clear(&diag);
	return -1;
}

int
ldapc_search_paged(struct ldapc *l, const char *base, const char *filter,
    char **attrs, int page_size, ldapc_entry_fn fn, void *arg,
    size_t *pages_r, struct err *err)
{
	struct berval cookie = {0, NULL};
	size_t pages = 0;
	int rc = 0;

	do {
		LDAPControl *pc = NULL, *sctrls[2] = {NULL, NULL};
		LDAPControl **rctrls = NULL, *rp;
		LDAPMessage *res = NULL, *e;
		int code = LDAP_SUCCESS;

		rc = ldap_create_page_control(l->ld, page_size,
		    cookie.bv_val != NULL ? &cookie : NULL, 1, &pc);
		if (rc != LDAP_SUCCESS)
			return search_failed(l, rc, "paging setup", err);
		sctrls[0] = pc;
		rc = ldap_search_ext_s(l->ld, base, LDAP_SCOPE_SUBTREE, filter,
		    attrs, 0, sctrls, NULL, NULL, 0, &res);
		ldap_control_free(pc);
		if (rc == LDAP_SUCCESS)
			rc = ldap_parse_result(l->ld, res, &code, NULL, NULL,
			    NULL, &rctrls, 0);
		if (rc == LDAP_SUCCESS)
			rc = code;
		if (rc != LDAP_SUCCESS) {
			ldap_controls_free(rctrls);
			ldap_msgfree(res);
			ber_memfree(cookie.bv_val);
			return search_failed(l, rc, filter, err);
		}
		pages++;
		for (e = ldap_first_entry(l->ld, res); e != NULL;
		    e = ldap_next_entry(l->ld, e)) {
			if (fn(l, e, arg, err) < 0) {
				ldap_controls_free(rctrls);
				ldap_msgfree(res);
				ber_memfree(cookie.bv_val);
				return -1;
			}
		}
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		rp = rctrls != NULL ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS,
		    rctrls, NULL) : NULL;
		if (rp != NULL) {
			ber_int_t count;

			rc = ldap_parse_pageresponse_control(l->ld, rp, &count,
			    &cookie);
		}
		ldap_controls_free(rctrls);
		ldap_msgfree(res);
		if (rc != LDAP_SUCCESS) {
			ber_memfree(cookie.bv_val);
			return search_failed(l, rc, "paging response", err);
		}
	} while (cookie.bv_val != NULL && cookie.bv_len > 0);
	ber_memfree(cookie.bv_val);
	if (pages_r != NULL)
		*pages_r = pages;
	return 0;
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

/* Fetch the ranges of attr from next on, from the entry dn. */
static long
fetch_ranges(struct ldapc *l, const char *dn, const char *attr,
    unsigned long next, ldapc_value_fn fn, void *arg, struct err *err)
{
	long total = 0;
	bool more = true;

	while (more) {
		char req[128], *attrs[2] = {req, NULL}, *name;
		unsigned long asked = next;
		LDAPMessage *res = NULL, *e;
		BerElement *ber = NULL;
		bool found = false;
		int rc;

		snprintf(req, sizeof(req), "%s;range=%lu-*", attr, next);
		rc = ldap_search_ext_s(l->ld, dn, LDAP_SCOPE_BASE,
		    "(objectClass=*)", attrs, 0, NULL, NULL, NULL, 0, &res);
		if (rc != LDAP_SUCCESS) {
			ldap_msgfree(res);
			return search_failed(l, rc, req, err);
		}
		e = ldap_first_entry(l->ld, res);
		for (name = e != NULL ? ldap_first_attribute(l->ld, e, &ber)
				      : NULL;
		    name != NULL; name = ldap_next_attribute(l->ld, e, ber)) {
			if (!found && ldapc_range_parse(name, attr, &more, &next)) {
				found = true;
				total += emit(l, e, name, fn, arg);
			}
			ldap_memfree(name);
		}
		ber_free(ber, 0);
		ldap_msgfree(res);
		if (!found)
			break;
		/* a hostile or broken server must not keep us in the loop */
		if (more && next <= asked)
			return err_set(err, ERR_INVALID, "ldap search %s on %s: "
			    "the server's range answer does not advance", req,
			    l->server);
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
