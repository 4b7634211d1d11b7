/*
 * The ACL tree: nodes keyed by path component and indexed by full path,
 * children kept sorted by name (the writer walks them in that order and
 * the permission walk bisects; a bulk load appends and sorts once), entries
 * kept sorted by (kind, subject, role) so that the entries of one subject
 * form a contiguous run found by bisection.  Subjects and roles are
 * interned, so the order is by pointer and comparisons are cheap.
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

/*
 * The node of a normalised path, creating missing nodes when mcfg is set.
 * Every node is also indexed by its full path, so a lookup is one hash of
 * the path (and of its prefixes only when nodes must be created).
 */
static struct acl_node *
walk(const struct ucfg *cfg, struct ucfg *mcfg, const char *path)
{
	struct acl_node *n = hmap_get(&cfg->acl_paths, path), *c;
	const char *p;
	size_t len;

	if (n != NULL || strcmp(path, "/") == 0)
		return n != NULL ? n : cfg->acl_root;
	if (mcfg == NULL)
		return NULL;
	/* find the deepest existing ancestor, then create downwards */
	len = strlen(path);
	while (len > 1 && path[len - 1] != '/')
		len--;
	n = cfg->acl_root;
	if (len > 1) {
		char *parent = xstrndup(path, len - 1);

		n = walk(cfg, mcfg, parent);
		free(parent);
	}
	p = path + len;
	c = strpool_alloc(&mcfg->pool, sizeof(*c));
	/* found through acl_paths, so plain copies (not interned) do */
	c->name = ucfg_text(mcfg, p, strlen(p));
	c->path = ucfg_text(mcfg, path, strlen(path));
	c->parent = n;
	XGROW(n->children, n->child_cap, n->child_count + 1);
	if (mcfg->acl_bulk) {
		n->children[n->child_count] = c;
	} else {
		size_t i = child_pos(n, p, strlen(p));

		memmove(&n->children[i + 1], &n->children[i],
		    (n->child_count - i) * sizeof(n->children[0]));
		n->children[i] = c;
	}
	n->child_count++;
	hmap_put(&mcfg->acl_paths, c->path, c);
	return c;
}

static int
node_cmp(const void *a, const void *b)
{
	return strcmp((*(struct acl_node *const *)a)->name,
	    (*(struct acl_node *const *)b)->name);
}

static void
sort_children(struct acl_node *n)
{
	size_t i;

	/* files written by Proxmox list paths in order: often sorted already */
	for (i = 1; i < n->child_count; i++)
		if (node_cmp(&n->children[i - 1], &n->children[i]) > 0)
			break;
	if (i < n->child_count)
		qsort(n->children, n->child_count, sizeof(n->children[0]),
		    node_cmp);
	for (i = 0; i < n->child_count; i++)
		sort_children(n->children[i]);
}

void
ucfg_acl_sort(struct ucfg *cfg)
{
	sort_children(cfg->acl_root);
	cfg->acl_bulk = false;
}

struct acl_node *
ucfg_acl_find(const struct ucfg *cfg, const char *path)
{
	return walk(cfg, NULL, path);
}

struct acl_node *
ucfg_acl_node(struct ucfg *cfg, const char *path)
{
	return walk(cfg, cfg, path);
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
