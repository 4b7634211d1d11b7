/*
 * The ACL tree: nodes keyed by path component and indexed by full path,
 * children kept sorted by name (the writer walks them in that order and
 * the permission walk bisects), entries kept sorted by (kind, subject,
 * role) so that the entries of one subject form a contiguous run found by
 * bisection.  Subjects and roles are interned, so the order is by pointer
 * and comparisons are cheap.  A bulk load (the parser) appends children
 * and entries and ucfg_acl_sort orders them once: sorted inserts would
 * cost a memmove each.
 */
#include "ucfg.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
name_cmp(const char *a, const char *b, size_t blen)
{
	int c = strncmp(a, b, blen);

	if (c == 0 && a[blen] != '\0')
		return 1;
	return c;
}

/* Index of the first child >= name. */
static size_t
child_pos(const struct acl_node *n, const char *name, size_t len)
{
	size_t lo = 0, hi = n->child_count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (name_cmp(n->children[mid]->name, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct acl_node *
acl_node_child(const struct acl_node *n, const char *name, size_t len)
{
	size_t i = child_pos(n, name, len);

	if (i < n->child_count && name_cmp(n->children[i]->name, name, len) == 0)
		return n->children[i];
	return NULL;
}

/* Add a new child c named (name,len) under n. */
static void
link_child(struct ucfg *mcfg, struct acl_node *n, struct acl_node *c,
    const char *name, size_t len)
{
	size_t i;

	XGROW(n->children, n->child_cap, n->child_count + 1);
	if (mcfg->acl_bulk) {
		n->children[n->child_count] = c;
	} else {
		i = child_pos(n, name, len);
		memmove(&n->children[i + 1], &n->children[i],
		    (n->child_count - i) * sizeof(n->children[0]));
		n->children[i] = c;
	}
	n->child_count++;
}

/*
 * The node of the normalised path (path,len), creating missing nodes when
 * mcfg is set.  Every node is also indexed by its full path, so a lookup
 * is one hash of the path (and of its prefixes only when nodes must be
 * created); the hash of a missing path serves its insertion too.
 */
static struct acl_node *
walk(const struct ucfg *cfg, struct ucfg *mcfg, const char *path,
    size_t len)
{
	unsigned h = hmap_hash(path, len);
	struct acl_node *n = hmap_getn_h(&cfg->acl_paths, path, len, h), *c;
	size_t plen;

	if (n != NULL || (len == 1 && path[0] == '/'))
		return n != NULL ? n : cfg->acl_root;
	if (mcfg == NULL)
		return NULL;
	/* find the deepest existing ancestor, then create downwards */
	for (plen = len; plen > 1 && path[plen - 1] != '/'; plen--)
		;
	n = plen > 1 ? walk(cfg, mcfg, path, plen - 1) : cfg->acl_root;
	c = strpool_alloc(&mcfg->pool, sizeof(*c));
	/* found through acl_paths, so plain copies (not interned) do */
	c->name = ucfg_text(mcfg, path + plen, len - plen);
	c->path = ucfg_text(mcfg, path, len);
	c->parent = n;
	link_child(mcfg, n, c, c->name, len - plen);
	hmap_putn_h(&mcfg->acl_paths, c->path, len, h, c);
	return c;
}

/*
 * Sorting children by name after a bulk load (/vms alone may have tens of
 * thousands): each is keyed by its first 8 name bytes as a big-endian
 * word, which orders like strcmp, so strcmp runs only on ties.
 */
struct child_key {
	uint64_t prefix;
	struct acl_node *node;
};

static uint64_t
name_prefix(const char *name)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < 8; i++) {
		w <<= 8;
		if (*name != '\0')
			w |= (unsigned char)*name++;
	}
	return w;
}

static int
child_key_cmp(const struct child_key *a, const struct child_key *b)
{
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return strcmp(a->node->name, b->node->name);
}

static void
insertion_sort_keys(struct child_key *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct child_key k = v[i];

		for (j = i; j > 0 && child_key_cmp(&v[j - 1], &k) > 0; j--)
			v[j] = v[j - 1];
		v[j] = k;
	}
}

/* Merge sort of v[0..n) using tmp[0..n/2). */
static void
sort_keys(struct child_key *v, struct child_key *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n <= 16) {
		insertion_sort_keys(v, n);
		return;
	}
	sort_keys(v, tmp, mid);
	sort_keys(v + mid, tmp, n - mid);
	memcpy(tmp, v, mid * sizeof(*v));
	while (i < mid && j < n)
		v[k++] = child_key_cmp(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
	while (i < mid)
		v[k++] = tmp[i++];
}

static bool
children_sorted(const struct acl_node *n)
{
	size_t i;

	for (i = 1; i < n->child_count; i++)
		if (strcmp(n->children[i - 1]->name, n->children[i]->name) > 0)
			return false;
	return true;
}

static void
sort_children(struct acl_node *n)
{
	size_t count = n->child_count, i;
	struct child_key *keys;

	/* files written by Proxmox list paths in order: often sorted already */
	if (children_sorted(n))
		return;
	keys = xreallocarray(NULL, count + count / 2, sizeof(*keys));
	for (i = 0; i < count; i++) {
		keys[i].prefix = name_prefix(n->children[i]->name);
		keys[i].node = n->children[i];
	}
	sort_keys(keys, keys + count, count);
	for (i = 0; i < count; i++)
		n->children[i] = keys[i].node;
	free(keys);
}

struct acl_node *
ucfg_acl_find(const struct ucfg *cfg, const char *path)
{
	return walk(cfg, NULL, path, strlen(path));
}

struct acl_node *
ucfg_acl_node(struct ucfg *cfg, const char *path)
{
	return walk(cfg, cfg, path, strlen(path));
}

static int
entry_key_cmp(const struct acl_entry *e, unsigned kind, const char *subject,
    const char *role)
{
	if (e->kind != kind)
		return e->kind < kind ? -1 : 1;
	if (e->subject != subject)
		return (uintptr_t)e->subject < (uintptr_t)subject ? -1 : 1;
	if (role == NULL || e->role == role)
		return 0;
	return (uintptr_t)e->role < (uintptr_t)role ? -1 : 1;
}

/* First entry >= key; with role NULL, the first entry of the subject. */
static size_t
entry_pos(const struct acl_node *n, unsigned kind, const char *subject,
    const char *role)
{
	size_t lo = 0, hi = n->entry_count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (entry_key_cmp(&n->entries[mid], kind, subject, role) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A bulk load appends entries as they come (ucfg_parse.c); sorting them
 * once at the end is stable, so of repeated (kind, subject, role) keys the
 * last one read sets propagate, as ucfg_acl_set_interned would have.
 */
static int
entry_cmp(const struct acl_entry *a, const struct acl_entry *b)
{
	return entry_key_cmp(a, b->kind, b->subject, b->role);
}

static void
insertion_sort_entries(struct acl_entry *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct acl_entry e = v[i];

		for (j = i; j > 0 && entry_cmp(&v[j - 1], &e) > 0; j--)
			v[j] = v[j - 1];
		v[j] = e;
	}
}

/* Stable merge sort of v[0..n) using tmp[0..n/2). */
static void
sort_entries(struct acl_entry *v, struct acl_entry *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n <= 16) {
		insertion_sort_entries(v, n);
		return;
	}
	sort_entries(v, tmp, mid);
	sort_entries(v + mid, tmp, n - mid);
	memcpy(tmp, v, mid * sizeof(*v));
	while (i < mid && j < n)
		v[k++] = entry_cmp(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
	while (i < mid)
		v[k++] = tmp[i++];
}

static void
order_entries(struct acl_node *n)
{
	struct acl_entry *tmp = NULL;
	size_t i, j = 0;

	if (n->entry_count > 16)
		tmp = xreallocarray(NULL, n->entry_count / 2, sizeof(*tmp));
	sort_entries(n->entries, tmp, n->entry_count);
	free(tmp);
	for (i = 0; i < n->entry_count; i++) {
		if (j > 0 && entry_cmp(&n->entries[j - 1], &n->entries[i]) == 0)
			n->entries[j - 1].propagate = n->entries[i].propagate;
		else
			n->entries[j++] = n->entries[i];
	}
	n->entry_count = j;
}

static void
sort_node(struct acl_node *n)
{
	size_t i;

	order_entries(n);
	sort_children(n);
	for (i = 0; i < n->child_count; i++)
		sort_node(n->children[i]);
}

void
ucfg_acl_sort(struct ucfg *cfg)
{
	sort_node(cfg->acl_root);
	cfg->acl_bulk = false;
}

size_t
acl_node_entries(const struct acl_node *n, enum acl_kind kind,
    const char *subject, const struct acl_entry **first_r)
{
	size_t i, j;

	if (subject == NULL || n->entry_count == 0)
		return 0;
	i = entry_pos(n, kind, subject, NULL);
	for (j = i; j < n->entry_count && n->entries[j].kind == kind &&
	     n->entries[j].subject == subject;
	     j++)
		;
	*first_r = &n->entries[i];
	return j - i;
}

void
ucfg_acl_set(struct ucfg *cfg, struct acl_node *n, enum acl_kind kind,
    const char *subject, const char *role, bool propagate)
{
	ucfg_acl_set_interned(n, kind, ucfg_str(cfg, subject),
	    ucfg_str(cfg, role), propagate);
}

void
ucfg_acl_set_interned(struct acl_node *n, enum acl_kind kind,
    const char *s, const char *r, bool propagate)
{
	size_t i = entry_pos(n, kind, s, r);

	if (i < n->entry_count &&
	    entry_key_cmp(&n->entries[i], kind, s, r) == 0) {
		n->entries[i].propagate = propagate;
		return;
	}
	if (n->entry_count == n->entry_cap)
		XGROW(n->entries, n->entry_cap, n->entry_count + 1);
	memmove(&n->entries[i + 1], &n->entries[i],
	    (n->entry_count - i) * sizeof(n->entries[0]));
	n->entries[i].kind = (uint8_t)kind;
	n->entries[i].subject = s;
	n->entries[i].role = r;
	n->entries[i].propagate = propagate;
	n->entry_count++;
}

static void
remove_at(struct acl_node *n, size_t i, size_t count)
{
	memmove(&n->entries[i], &n->entries[i + count],
	    (n->entry_count - i - count) * sizeof(n->entries[0]));
	n->entry_count -= count;
}

void
ucfg_acl_unset(struct ucfg *cfg, struct acl_node *n, enum acl_kind kind,
    const char *subject, const char *role)
{
	const char *s = strpool_find(&cfg->pool, subject);
	const char *r = strpool_find(&cfg->pool, role);
	size_t i;

	if (s == NULL || r == NULL)
		return;
	i = entry_pos(n, kind, s, r);
	if (i < n->entry_count && entry_key_cmp(&n->entries[i], kind, s, r) == 0)
		remove_at(n, i, 1);
}

static void
purge(struct acl_node *n, enum acl_kind kind, const char *s)
{
	const struct acl_entry *first;
	size_t count = acl_node_entries(n, kind, s, &first), i;

	if (count > 0)
		remove_at(n, (size_t)(first - n->entries), count);
	for (i = 0; i < n->child_count; i++)
		purge(n->children[i], kind, s);
}

void
ucfg_acl_purge_subject(struct ucfg *cfg, struct acl_node *from,
    enum acl_kind kind, const char *subject)
{
	const char *s = strpool_find(&cfg->pool, subject);

	if (s != NULL)
		purge(from != NULL ? from : cfg->acl_root, kind, s);
}

static void
purge_role(struct acl_node *n, const char *role)
{
	size_t i, j = 0;

	for (i = 0; i < n->entry_count; i++)
		if (n->entries[i].role != role)
			n->entries[j++] = n->entries[i];
	n->entry_count = j;
	for (i = 0; i < n->child_count; i++)
		purge_role(n->children[i], role);
}

void
ucfg_acl_purge_role(struct ucfg *cfg, const char *role)
{
	const char *r = strpool_find(&cfg->pool, role);

	if (r != NULL)
		purge_role(cfg->acl_root, r);
}
