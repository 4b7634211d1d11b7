/*
 * The 47 privileges and the 17 built-in roles of Proxmox VE (spec 2).
 * A privilege set is a 64-bit mask; bit i is the i-th privilege in byte
 * order of its name, so walking the bits yields names already sorted.
 */
#ifndef RG_PRIVS_H
#define RG_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRIV_COUNT 47
#define PRIV_ALL   ((UINT64_C(1) << PRIV_COUNT) - 1)

typedef uint64_t privset_t;

/* Name of privilege i (0 <= i < PRIV_COUNT). */
const char *priv_name(unsigned i);
/* Index of a privilege name, or -1. */
int priv_index(const char *p, size_t len);

struct builtin_role {
	const char *name;
	privset_t privs;
};

/* The built-in roles, sorted by name; count in *count_r. */
const struct builtin_role *privs_builtin_roles(size_t *count_r);
const struct builtin_role *privs_builtin_find(const char *name);

#endif
