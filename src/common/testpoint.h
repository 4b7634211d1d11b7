/*
 * Named points in the write paths where the fault tests kill a process:
 * between a lock directory's mkdir and its owner record, after a temp
 * file is written and before its rename, and so on.  Nothing happens
 * unless a test asked for it: a unit test sets testpoint_hook (every
 * build); an integration test sets REALMGATE_TEST_KILL_AT=<name> or
 * <name>:<detail>, which debug builds only (RG_TEST_HOOKS) obey with
 * SIGKILL, or REALMGATE_TEST_STOP_AT=<name>[:<detail>], which they obey
 * with SIGSTOP: the whole process, its lease keeper too, freezes there
 * until the test sends SIGCONT (a writer paused past its etcd lease).
 */
#ifndef RG_TESTPOINT_H
#define RG_TESTPOINT_H

#include <stdbool.h>
#include <time.h>

/* Called at every point with its name and detail (may be NULL). */
extern void (*testpoint_hook)(const char *name, const char *detail);

void testpoint(const char *name, const char *detail);

/* Whether this build obeys REALMGATE_TEST_KILL_AT and _STOP_AT. */
bool testpoint_env_enabled(void);

/*
 * The clock of the lockout counters: now, plus in debug builds only the
 * offset in seconds (a decimal integer, may be negative) that the file
 * named by REALMGATE_TEST_CLOCK_FILE holds, read at every call, so that
 * an integration test moves a running daemon's notion of time forward
 * and sees a 15-minute lock expire at once.  A missing or malformed file
 * is an offset of 0.
 */
time_t testpoint_clock(time_t now);

#endif
