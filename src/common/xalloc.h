/*
 * Allocation wrappers that never return NULL.  Running out of memory in an
 * access-control service has no safe partial outcome, so like OpenBSD's
 * daemons we abort instead of threading ENOMEM through every parser.
 * docs/internals/memory.md has the reasoning.
 */
#ifndef RG_XALLOC_H
#define RG_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc for arrays, with overflow check on nmemb * size */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *arr (of *cap elements of size elem) so that it holds need elements. */
void xgrow(void **arr, size_t *cap, size_t need, size_t elem);

#define XGROW(arr, cap, need)                                              \
	xgrow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
