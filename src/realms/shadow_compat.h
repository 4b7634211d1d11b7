/*
 * Transitional: the pve realm is written against the shadow.cfg API of
 * src/core/files/shadow.h.  Until that header exists this file declares the
 * same API and shadow_compat.c provides a minimal implementation; once it
 * exists both step aside (__has_include), and they can be deleted.
 */
#ifndef RG_SHADOW_COMPAT_H
#define RG_SHADOW_COMPAT_H

#if __has_include("files/shadow.h")
#include "files/shadow.h"
#else
#define RG_SHADOW_COMPAT 1

#include "buf.h"
#include "diag.h"

#include <stddef.h>

struct shadow;

/* Parse priv/shadow.cfg; bad lines are skipped with a diag.  Never NULL. */
struct shadow *shadow_parse(const char *text, size_t len, const char *file,
    struct diag *d);
void shadow_write(const struct shadow *s, struct buf *out);
/* The hash stored for name (borrowed, valid until changed), or NULL. */
const char *shadow_get(const struct shadow *s, const char *name);
void shadow_set(struct shadow *s, const char *name, const char *hash);
void shadow_del(struct shadow *s, const char *name);
void shadow_free(struct shadow *s);
#endif

#endif
