/* netns_fixture: entering a private network namespace for a unit test
 * program (see netns_fixture.h). */
#define _GNU_SOURCE
#include "netns_fixture.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int netns_fixture_enter(const char *what)
{
	if (geteuid() != 0) {
		fprintf(stderr, "not root: %s tests skipped\n", what);
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "no private network namespace (%s): skipped\n",
			strerror(errno));
		return 77;
	}
	return 0;
}
