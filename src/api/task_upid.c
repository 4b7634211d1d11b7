/*
 * UPID and task-log parsing (see task_upid.h).
 */
#include "task_upid.h"

#include <string.h>

bool
upid_split(const char *upid, char f[UPID_FIELDS][UPID_FIELD_MAX])
{
	const char *p = upid;
	int i;

	if (strncmp(p, "UPID:", 5) != 0 || strchr(p, '/') != NULL ||
	    strlen(p) > UPID_MAX)
		return false;
	p += 5;
	for (i = 0; i < UPID_FIELDS; i++) {
		const char *c = strchr(p, ':');
		size_t n;

		if (c == NULL || (n = (size_t)(c - p)) >= UPID_FIELD_MAX ||
		    n == 0 || memchr(p, '\0', n) != NULL)
			return false;
		memcpy(f[i], p, n);
		f[i][n] = '\0';
		p = c + 1;
	}
	return *p == '\0';
}

const char *
task_exit_status(const struct buf *log)
{
	/* an empty file leaves no buffer at all */
	const char *last = strstr(buf_str(log), "TASK ");

	while (last != NULL && strstr(last + 1, "\nTASK ") != NULL)
		last = strstr(last + 1, "\nTASK ") + 1;
	if (last == NULL)
		return "unknown";
	if (strncmp(last, "TASK OK", 7) == 0)
		return "OK";
	return strncmp(last, "TASK ERROR: ", 12) == 0 ? last + 12 : last;
}
