/*
 * Transitive group membership computed on our side, for directories
 * without a server-side "in chain" search (OpenLDAP and most others).
 * Each group's member set grows by the direct members of every group
 * reachable through member DNs that name other fetched groups; a visited
 * mark per walk makes cycles (a in b, b in a) harmless.
 */
#include "sync.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
sync_resolve_nested(struct sync_data *d)
{
	unsigned *seen = xcalloc(d->ngroups ? d->ngroups : 1, sizeof(*seen));
	size_t *stack = xcalloc(d->ngroups ? d->ngroups : 1, sizeof(*stack));
	size_t *direct = xcalloc(d->ngroups ? d->ngroups : 1, sizeof(*direct));
	size_t i;

	/* members added below must not count as direct members */
	for (i = 0; i < d->ngroups; i++)
		direct[i] = d->groups[i].nmembers;
	for (i = 0; i < d->ngroups; i++) {
		struct sync_group *root = &d->groups[i];
		size_t top = 0;

		seen[i] = (unsigned)i + 1;
		stack[top++] = i;
		while (top > 0) {
			struct sync_group *g = &d->groups[stack[--top]];
			size_t s, m;

			if (g != root)
				for (m = 0; m < direct[g - d->groups]; m++)
					sync_group_add_member(d, root,
					    g->members[m]);
			for (s = 0; s < g->nsub; s++) {
				uintptr_t gi = (uintptr_t)hmap_get(
				    &d->group_by_dn, g->subgroups[s]);

				if (gi == 0 || seen[gi - 1] == i + 1)
					continue;
				seen[gi - 1] = (unsigned)i + 1;
				stack[top++] = gi - 1;
			}
		}
	}
	free(seen);
	free(stack);
	free(direct);
	sync_data_finish(d);
}
