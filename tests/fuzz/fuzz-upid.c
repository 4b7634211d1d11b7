/*
 * Fuzz target: task ids and task logs (src/api/task_upid.c).  The first
 * line of the input is a UPID as it comes in the request path of
 * GET /nodes/{node}/tasks/{upid}/..., split by upid_split; the rest is a
 * task log (local/tasks/<UPID>) read as a file is read - exactly its
 * bytes, so an empty log is an empty buffer - whose exit status
 * task_exit_status finds.  A UPID that splits has seven non-empty fields
 * without ':' or NUL and rebuilds to itself; the exit status points into
 * the log or is a constant.
 */
#include "buf.h"
#include "str.h"
#include "task_upid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_upid(const char *upid)
{
	char f[UPID_FIELDS][UPID_FIELD_MAX];
	struct buf again = BUF_INIT;
	int i;

	if (!upid_split(upid, f))
		return;
	buf_puts(&again, "UPID:");
	for (i = 0; i < UPID_FIELDS; i++) {
		if (f[i][0] == '\0' || strchr(f[i], ':') != NULL ||
		    strlen(f[i]) >= UPID_FIELD_MAX)
			abort();
		buf_putf(&again, "%s:", f[i]);
	}
	if (strcmp(buf_str(&again), upid) != 0 || strchr(upid, '/') != NULL)
		abort();
	buf_clear(&again);
}

static void
check_log(const char *p, size_t n)
{
	struct buf log = BUF_INIT;
	const char *es, *line;
	size_t pos = 0, len, lines = 0;

	if (n > 0)	/* as file_read fills it: nothing for an empty file */
		buf_put(&log, p, n);
	es = task_exit_status(&log);
	if (es == NULL || (strcmp(es, "OK") != 0 &&
	    strcmp(es, "unknown") != 0 && (log.data == NULL ||
	    es < log.data || es > log.data + log.len)))
		abort();
	(void)strcspn(es, "\n");
	/* what GET .../log walks */
	while (str_next_line(log.data, log.len, &pos, &line, &len))
		if (++lines > n + 1)
			abort();
	buf_clear(&log);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl = memchr(p, '\n', size);
	size_t n = nl != NULL ? (size_t)(nl - p) : size;
	char *upid = malloc(n + 1);

	if (upid == NULL)
		abort();
	memcpy(upid, p, n);
	upid[n] = '\0';
	check_upid(upid);
	free(upid);
	if (nl != NULL)
		check_log(nl + 1, size - n - 1);
	else
		check_log(p, 0);
	return 0;
}
