/*
 * A scratch directory for the unit tests that touch files: `dir`, made
 * fresh by setup and removed with everything in it by teardown (cmocka
 * group or test fixtures).  TMPDIR_FIXTURE("rg-name") in the test file.
 */
#ifndef RG_TEST_TMPDIR_FIXTURE_H
#define RG_TEST_TMPDIR_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#define TMPDIR_FIXTURE(prefix)                                             \
	static char dir[64];                                               \
                                                                           \
	static int                                                         \
	setup(void **state)                                                \
	{                                                                  \
		(void)state;                                               \
		snprintf(dir, sizeof(dir), "/tmp/" prefix "-XXXXXX");      \
		return mkdtemp(dir) != NULL ? 0 : -1;                      \
	}                                                                  \
                                                                           \
	static int                                                         \
	teardown(void **state)                                             \
	{                                                                  \
		char cmd[128];                                             \
                                                                           \
		(void)state;                                               \
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);            \
		return system(cmd) == 0 ? 0 : -1;                          \
	}

#endif
