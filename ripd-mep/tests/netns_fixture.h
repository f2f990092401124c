/* netns_fixture: the start of a unit test program that works on the real
 * kernel (netlink, nftables) in a private network namespace, so that the
 * host's interfaces, routes and rules are never touched. */
#ifndef RIPD_MEP_TESTS_NETNS_FIXTURE_H
#define RIPD_MEP_TESTS_NETNS_FIXTURE_H

/* Enter a private network namespace (unshare(CLONE_NEWNET)): 0 when the
 * program now runs in one; 77 (automake's "skipped") with a line on
 * stderr when it does not run as root or the kernel refuses the
 * namespace. what names the tests skipped (e.g. "nftables"). */
int netns_fixture_enter(const char *what);

#endif
