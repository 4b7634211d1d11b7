/*
 * Reading the line-oriented vector files of this directory: whole file
 * into memory, split into space-separated fields.  Test-only helper.
 */
#ifndef RG_TEST_TICKET_LINES_H
#define RG_TEST_TICKET_LINES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINES_MAX_FIELDS 8

struct line {
	int nf;
	char *f[LINES_MAX_FIELDS];
};

/* Read dir/name; NULL if missing.  Caller frees *buf_r. */
static inline char *
lines_slurp(const char *dir, const char *name, size_t *len_r)
{
	char path[4096];
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;

	if (len_r != NULL)
		*len_r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	do {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 8192;
			data = realloc(data, cap);
			if (data == NULL)
				abort();
		}
		n = fread(data + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	data[len] = '\0';
	if (len_r != NULL)
		*len_r = len;
	return data;
}

/* Split the next line of *cursor (modified in place); 0 at the end. */
static inline int
lines_next(char **cursor, struct line *l)
{
	char *p = *cursor, *end;

	while (*p == '\n')
		p++;
	if (*p == '\0')
		return 0;
	end = strchr(p, '\n');
	if (end != NULL)
		*end = '\0';
	*cursor = end != NULL ? end + 1 : p + strlen(p);
	l->nf = 0;
	while (*p != '\0' && l->nf < LINES_MAX_FIELDS) {
		while (*p == ' ')
			*p++ = '\0';
		if (*p == '\0')
			break;
		l->f[l->nf++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	return 1;
}

#endif
