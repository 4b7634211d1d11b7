/*
 * Fuzz target: a realm-sync job's run state, priv/jobs/realm-sync-<id>.json
 * (src/core/jobs/jobs_io.c jobs_state_parse), which the scheduler reads
 * to decide whether the job is due.  Parsed as file_read hands it over
 * (an empty file is no buffer at all).  An accepted state has a positive
 * time and NUL-terminated upid and error; what jobs_state_write would
 * write for it parses back to the same state.
 */
#include "jobs/jobs_state.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jobs_state st, again;
	json_t *j;
	char *text;

	if (jobs_state_parse(size > 0 ? (const char *)data : NULL, size,
	    &st) < 0)
		return 0;
	if (st.time <= 0 || memchr(st.upid, '\0', sizeof(st.upid)) == NULL ||
	    memchr(st.error, '\0', sizeof(st.error)) == NULL)
		abort();
	/* jobs_state_write's encoding */
	j = json_object();
	json_object_set_new(j, "time", json_integer((json_int_t)st.time));
	if (st.upid[0] != '\0')
		json_object_set_new(j, "upid", json_string(st.upid));
	if (st.error[0] != '\0')
		json_object_set_new(j, "error", json_string(st.error));
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (text == NULL)
		abort();
	if (jobs_state_parse(text, strlen(text), &again) < 0 ||
	    again.time != st.time || strcmp(again.upid, st.upid) != 0 ||
	    strcmp(again.error, st.error) != 0)
		abort();
	free(text);
	return 0;
}
