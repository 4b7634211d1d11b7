/*
 * Handling of secrets in memory: wiping that the compiler may not elide,
 * and comparison in constant time for MACs, tokens and hashes.
 */
#ifndef RG_SECRET_H
#define RG_SECRET_H

#include <stdbool.h>
#include <stddef.h>

void secret_wipe(void *p, size_t len);
/* Wipe and free a NUL-terminated secret string; accepts NULL. */
void secret_free_str(char *s);
/* Constant-time equality of two byte strings (time depends on lengths only). */
bool secret_equal(const void *a, size_t alen, const void *b, size_t blen);
bool secret_streq(const char *a, const char *b);

#endif
