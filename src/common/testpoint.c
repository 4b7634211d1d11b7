/*
 * Fault-injection points for the crash tests (see testpoint.h).  The
 * environment variable is read only in builds made with RG_TEST_HOOKS
 * (meson's debug buildtype), so a release binary cannot be made to kill
 * itself by whoever sets its environment.
 */
#include "testpoint.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void (*testpoint_hook)(const char *name, const char *detail);

bool
testpoint_env_enabled(void)
{
#ifdef RG_TEST_HOOKS
	return true;
#else
	return false;
#endif
}

#ifdef RG_TEST_HOOKS
/* "name" matches any detail, "name:detail" only that one. */
static bool
env_matches(const char *want, const char *name, const char *detail)
{
	size_t n = strlen(name);

	if (strncmp(want, name, n) != 0)
		return false;
	if (want[n] == '\0')
		return true;
	return want[n] == ':' && detail != NULL &&
	    strcmp(want + n + 1, detail) == 0;
}
#endif

void
testpoint(const char *name, const char *detail)
{
#ifdef RG_TEST_HOOKS
	const char *want = getenv("REALMGATE_TEST_KILL_AT");

	if (want != NULL && env_matches(want, name, detail))
		kill(getpid(), SIGKILL);
#endif
	if (testpoint_hook != NULL)
		testpoint_hook(name, detail);
}
