/*
 * Task ids (UPIDs) and task logs as the task API reads them: the UPID
 * comes from the request path, the log from local/tasks/<UPID>.  Split out
 * of api_tasks.c so that tests/fuzz/fuzz-upid.c runs the same code.
 */
#ifndef RG_TASK_UPID_H
#define RG_TASK_UPID_H

#include "buf.h"

#include <stdbool.h>

#define UPID_FIELDS	7
#define UPID_FIELD_MAX	128	/* bytes per field, with the NUL */
#define UPID_MAX	512

/*
 * Split "UPID:node:pid:pstart:starttime:type:id:user:" into its seven
 * fields (each non-empty, shorter than UPID_FIELD_MAX, NUL-terminated in
 * f).  False for anything else, a '/' anywhere or more than UPID_MAX
 * characters.
 */
bool upid_split(const char *upid, char f[UPID_FIELDS][UPID_FIELD_MAX]);

/*
 * The exit status of a finished task log: "OK" for a last "TASK OK"
 * line, the text after "TASK ERROR: " (up to the end of the log), the
 * last "TASK ..." line as it is, or "unknown" without one.  Points into
 * log (or at a constant).
 */
const char *task_exit_status(const struct buf *log);

#endif
