/*
 * Fault-injection points for the crash tests (see testpoint.h).  The
 * environment variable is read only in builds made with RG_TEST_HOOKS
 * (meson's debug buildtype), so a release binary cannot be made to kill
 * itself by whoever sets its environment.
 */
#include "testpoint.h"

#include <errno.h>
#include <fcntl.h>
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
	want = getenv("REALMGATE_TEST_STOP_AT");
	if (want != NULL && env_matches(want, name, detail))
		kill(getpid(), SIGSTOP);
#endif
	if (testpoint_hook != NULL)
		testpoint_hook(name, detail);
}

#ifdef RG_TEST_HOOKS
static long long
clock_offset(void)
{
	const char *path = getenv("REALMGATE_TEST_CLOCK_FILE");
	char text[32], *end;
	long long v;
	ssize_t n;
	int fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || (*end != '\0' && *end != '\n') ||
	    v < -(1LL << 32) || v > (1LL << 32))
		return 0;
	return v;
}
#endif

time_t
testpoint_clock(time_t now)
{
#ifdef RG_TEST_HOOKS
	return now + (time_t)clock_offset();
#else
	return now;
#endif
}
