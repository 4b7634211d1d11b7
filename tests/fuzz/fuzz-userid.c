/*
 * Fuzz target: user id and token id grammar.  Checks internal consistency:
 * a valid token id's user part is a valid user id, the split offsets
 * point at the right characters, and an id realmgate may create holds no
 * list separator and is not read as a token or a group.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t at, bang;
	char *s;
	struct err err;

	if (id_user_valid(p, size, &at) && (p[at] != '@' || at == 0))
		abort();
	if (id_token_valid(p, size, &bang)) {
		if (p[bang] != '!' || !id_user_valid(p, bang, NULL))
			abort();
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (id_user_check(s, &err) == 0 && !id_user_valid(s, strlen(s), NULL))
		abort();
	if (id_user_check_new(s, &err) == 0 &&
	    (!id_user_valid(s, strlen(s), NULL) ||
	    !id_list_safe(s, strlen(s)) || s[0] == '@' ||
	    id_token_valid(s, strlen(s), NULL) || strpbrk(s, "!=:") != NULL))
		abort();
	free(s);
	(void)id_storage_valid(p, size);
	(void)id_pool_valid(p, size);
	(void)id_group_valid(p, size);
	(void)id_realm_valid(p, size);
	return 0;
}
