/* test_rim_kernel: tests of the kernel routing backend (rim_kernel.c).
 * The priority encoding is tested everywhere; the rest runs real netlink
 * in a private network namespace (unshare(CLONE_NEWNET)) with TUN devices
 * ipsec0/ipsec1 (up) and ipsec2 (down), so it needs root: without it the
 * program exits 77 (skipped). A route monitor socket checks that a metric
 * change adds the new route before it deletes the old one, and `ip -N -d
 * route show` checks what zebra would read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>

#include "netns_fixture.h"

#include "prefix.h"
#include "rim_kernel.h"
#include "strbuf.h"

#define TABLE 201

static int tun_fd[3] = { -1, -1, -1 };

/* ---- helpers ---- */

static struct rim_kernel_route mkroute(const char *prefix, uint8_t distance,
				       uint32_t metric, const char *ifname,
				       const char *via)
{
	struct rim_kernel_route r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(mep_prefix_parse(prefix, &r.prefix, NULL), 0);
	r.distance = distance;
	r.metric = metric;
	if (ifname)
		snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	if (via) {
		assert_int_equal(mep_addr_parse(via, &r.via), 0);
		r.has_via = true;
	}
	return r;
}

static struct mep_prefix pfx(const char *s)
{
	struct mep_prefix p;

	assert_int_equal(mep_prefix_parse(s, &p, NULL), 0);
	return p;
}

static struct rim_kernel *kopen(uint32_t table)
{
	struct strbuf err = STRBUF_INIT;
	struct rim_kernel *k = NULL;
	int rc = rim_kernel_open(&k, table, RIM_KERNEL_PROTO, &err);

	if (rc)
		fail_msg("open: %s", strbuf_str(&err));
	strbuf_free(&err);
	assert_non_null(k);
	return k;
}

static void must_add(struct rim_kernel *k, const struct rim_kernel_route *r)
{
	struct strbuf err = STRBUF_INIT;
	int rc = rim_kernel_add_or_replace(k, r, &err);

	if (rc)
		fail_msg("add_or_replace: %d %s", rc, strbuf_str(&err));
	strbuf_free(&err);
}

static void must_delete(struct rim_kernel *k, const char *prefix)
{
	struct strbuf err = STRBUF_INIT;
	struct mep_prefix p = pfx(prefix);
	int rc = rim_kernel_delete(k, &p, &err);

	if (rc)
		fail_msg("delete: %d %s", rc, strbuf_str(&err));
	strbuf_free(&err);
}

static size_t must_list(struct rim_kernel *k, struct rim_kernel_route **v)
{
	struct strbuf err = STRBUF_INIT;
	size_t n = 99;
	int rc = rim_kernel_list(k, v, &n, &err);

	if (rc)
		fail_msg("list: %d %s", rc, strbuf_str(&err));
	strbuf_free(&err);
	return n;
}

/* The listed route for prefix, or NULL; counts how many there are. */
static const struct rim_kernel_route *
find(const struct rim_kernel_route *v, size_t n, const char *prefix,
     size_t *count)
{
	struct mep_prefix p = pfx(prefix);
	const struct rim_kernel_route *hit = NULL;
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (mep_prefix_equal(&v[i].prefix, &p)) {
			hit = &v[i];
			c++;
		}
	if (count)
		*count = c;
	return hit;
}

static void check_route(const struct rim_kernel_route *v, size_t n,
			const char *prefix, uint8_t distance, uint32_t metric,
			const char *ifname, const char *via)
{
	const struct rim_kernel_route *r;
	char buf[MEP_PREFIX_STRLEN];
	size_t count;

	r = find(v, n, prefix, &count);
	if (!r)
		fail_msg("%s not listed", prefix);
	assert_int_equal(count, 1);
	assert_int_equal(r->distance, distance);
	assert_int_equal(r->metric, metric);
	assert_string_equal(r->ifname, ifname ? ifname : "");
	assert_int_equal(r->has_via, via != NULL);
	if (via)
		assert_string_equal(mep_addr_str(&r->via, buf, sizeof(buf)),
				    via);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* The line of `ip -N -d [-6] route show table T` about prefix, in line
 * (empty when absent); protocols and priorities print as numbers. */
static void ip_route_line(int family, uint32_t table, const char *proto,
			  const char *prefix, char *line, size_t len)
{
	char cmd[256], buf[512];
	size_t plen = strlen(prefix);
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -N -d %s route show table %u %s%s",
		 family == AF_INET6 ? "-6" : "-4", table,
		 proto ? "proto " : "", proto ? proto : "");
	f = popen(cmd, "r");
	assert_non_null(f);
	line[0] = '\0';
	while (fgets(buf, sizeof(buf), f)) {
		/* "1 PREFIX dev ..." (type, then destination) */
		char *p = strchr(buf, ' ');

		if (p && !strncmp(p + 1, prefix, plen) && p[1 + plen] == ' ')
			snprintf(line, len, "%s", buf);
	}
	pclose(f);
}

/* ---- route monitor ---- */

struct event {
	int type;		/* RTM_NEWROUTE / RTM_DELROUTE */
	struct mep_prefix prefix;
	uint32_t priority;
	uint8_t protocol;
};

static int monitor_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Read the route events of table TABLE until 200 ms of silence. */
static size_t monitor_read(int fd, struct event *ev, size_t max)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[16384];
	size_t n = 0;

	while (poll(&pfd, 1, 200) > 0) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;
		int rem;

		assert_true(len > 0);
		rem = (int)len;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem)) {
			struct rtmsg *rtm = NLMSG_DATA(h);
			struct rtattr *a;
			int alen;
			struct event e;
			uint32_t table;

			if (h->nlmsg_type != RTM_NEWROUTE &&
			    h->nlmsg_type != RTM_DELROUTE)
				continue;
			memset(&e, 0, sizeof(e));
			e.type = h->nlmsg_type;
			e.prefix.family = rtm->rtm_family;
			e.prefix.len = rtm->rtm_dst_len;
			e.protocol = rtm->rtm_protocol;
			table = rtm->rtm_table;
			alen = (int)RTM_PAYLOAD(h);
			for (a = RTM_RTA(rtm); RTA_OK(a, alen);
			     a = RTA_NEXT(a, alen)) {
				if (a->rta_type == RTA_DST &&
				    RTA_PAYLOAD(a) <= 16)
					memcpy(e.prefix.addr, RTA_DATA(a),
					       RTA_PAYLOAD(a));
				else if (a->rta_type == RTA_PRIORITY)
					memcpy(&e.priority, RTA_DATA(a), 4);
				else if (a->rta_type == RTA_TABLE)
					memcpy(&table, RTA_DATA(a), 4);
			}
			if (table == TABLE && n < max)
				ev[n++] = e;
		}
	}
	return n;
}

/* Index of the first event of type for prefix with priority, or -1. */
static int event_index(const struct event *ev, size_t n, int type,
		       const char *prefix, uint32_t priority)
{
	struct mep_prefix p = pfx(prefix);
	size_t i;

	for (i = 0; i < n; i++)
		if (ev[i].type == type && ev[i].priority == priority &&
		    mep_prefix_equal(&ev[i].prefix, &p))
			return (int)i;
	return -1;
}

static size_t count_events(const struct event *ev, size_t n, int type)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ev[i].type == type;
	return c;
}

/* ---- pure tests ---- */

static void test_priority(void **state)
{
	uint8_t d;
	uint32_t m;

	(void)state;
	assert_int_equal(rim_kernel_priority(20, 10), 335544330u);
	assert_int_equal(rim_kernel_priority(0, 7), 7);
	assert_int_equal(rim_kernel_priority(255, 0xffffff), 0xffffffffu);
	/* the metric is capped, never spills into the distance */
	assert_int_equal(rim_kernel_priority(1, 0x1000000), 0x1ffffffu);
	assert_int_equal(rim_kernel_priority(1, 0xffffffffu), 0x1ffffffu);
	rim_kernel_priority_split(335544330u, &d, &m);
	assert_int_equal(d, 20);
	assert_int_equal(m, 10);
	rim_kernel_priority_split(0xfe000001u, &d, &m);
	assert_int_equal(d, 254);
	assert_int_equal(m, 1);
}

static void test_route_from_config(void **state)
{
	struct mep_rim_config rim;
	struct rim_kernel_route r;
	struct mep_prefix p = pfx("fd00:9::/64");
	char buf[MEP_PREFIX_STRLEN];

	(void)state;
	memset(&rim, 0, sizeof(rim));
	snprintf(rim.interface, sizeof(rim.interface), "ipsec0");
	rim_kernel_route_from_config(&r, &p, 20, 10, &rim);
	assert_true(mep_prefix_equal(&r.prefix, &p));
	assert_int_equal(r.distance, 20);
	assert_int_equal(r.metric, 10);
	assert_string_equal(r.ifname, "ipsec0");
	assert_false(r.has_via);
	rim.has_next_hop = true;
	assert_int_equal(mep_addr_parse("fe80::1", &rim.next_hop), 0);
	rim.interface[0] = '\0';
	rim_kernel_route_from_config(&r, &p, 30, 7, &rim);
	assert_string_equal(r.ifname, "");
	assert_true(r.has_via);
	assert_string_equal(mep_addr_str(&r.via, buf, sizeof(buf)), "fe80::1");
	assert_int_equal(r.distance, 30);
	assert_int_equal(r.metric, 7);
}

/* ---- netlink tests ---- */

static void test_open_rejects(void **state)
{
	static const uint32_t tables[] = { 0, 253, 254, 255 };
	static const uint8_t protos[] = { 0, 2, 4, 11, 42, 186, 198 };
	struct strbuf err = STRBUF_INIT;
	struct rim_kernel *k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		k = (struct rim_kernel *)1;
		assert_int_equal(rim_kernel_open(&k, tables[i],
						 RIM_KERNEL_PROTO, &err),
				 -EINVAL);
		assert_null(k);
		assert_non_null(strstr(strbuf_str(&err), "reserved"));
	}
	for (i = 0; i < sizeof(protos) / sizeof(*protos); i++) {
		assert_int_equal(rim_kernel_open(&k, TABLE, protos[i], &err),
				 -EINVAL);
		assert_non_null(strstr(strbuf_str(&err), "protocol"));
	}
	assert_int_equal(rim_kernel_open(&k, TABLE, RIM_KERNEL_PROTO, NULL), 0);
	assert_int_equal(rim_kernel_table(k), TABLE);
	assert_int_equal(rim_kernel_protocol(k), RIM_KERNEL_PROTO);
	rim_kernel_close(k);
	rim_kernel_close(NULL);
	strbuf_free(&err);
}

static void test_add_list_delete(void **state)
{
	struct rim_kernel_route rs[] = {
		mkroute("10.1.0.0/16", 20, 10, "ipsec0", NULL),
		mkroute("fd00:1::/48", 20, 10, "ipsec0", NULL),
		mkroute("10.2.0.0/24", 30, 5, "ipsec0", "10.99.0.2"),
		mkroute("fd00:2::/64", 1, 0, "ipsec0", "fe80::2"),
		mkroute("10.3.3.3/32", 20, 10, NULL, "10.99.0.3"),
		mkroute("0.0.0.0/0", 200, 1, "ipsec1", NULL),
	};
	struct rim_kernel *k = kopen(TABLE);
	struct rim_kernel_route *v;
	char line[512];
	size_t i, n;

	(void)state;
	n = must_list(k, &v);
	assert_int_equal(n, 0);
	assert_null(v);
	for (i = 0; i < sizeof(rs) / sizeof(*rs); i++)
		must_add(k, &rs[i]);
	/* adding the same route again changes nothing */
	must_add(k, &rs[0]);

	n = must_list(k, &v);
	assert_int_equal(n, 6);
	check_route(v, n, "10.1.0.0/16", 20, 10, "ipsec0", NULL);
	check_route(v, n, "fd00:1::/48", 20, 10, "ipsec0", NULL);
	check_route(v, n, "10.2.0.0/24", 30, 5, "ipsec0", "10.99.0.2");
	check_route(v, n, "fd00:2::/64", 1, 0, "ipsec0", "fe80::2");
	/* a next hop alone: the kernel resolves the device */
	check_route(v, n, "10.3.3.3/32", 20, 10, "ipsec0", "10.99.0.3");
	check_route(v, n, "0.0.0.0/0", 200, 1, "ipsec1", NULL);
	free(v);

	/* What zebra reads: protocol 250, priority = distance << 24 | metric
	 * (20 << 24 | 10 = 335544330 -> "[20/10]"). */
	ip_route_line(AF_INET, TABLE, NULL, "10.1.0.0/16", line, sizeof(line));
	assert_non_null(strstr(line, " dev ipsec0 "));
	assert_non_null(strstr(line, " proto 250 "));
	assert_non_null(strstr(line, " metric 335544330 "));
	ip_route_line(AF_INET6, TABLE, NULL, "fd00:1::/48", line,
		      sizeof(line));
	assert_non_null(strstr(line, " proto 250 "));
	assert_non_null(strstr(line, " metric 335544330 "));
	ip_route_line(AF_INET, TABLE, NULL, "10.2.0.0/24", line, sizeof(line));
	assert_non_null(strstr(line, " via 10.99.0.2 "));
	assert_non_null(strstr(line, " metric 503316485 "));	/* 30/5 */
	/* nothing leaked into the main table */
	ip_route_line(AF_INET, 254, "250", "10.1.0.0/16", line, sizeof(line));
	assert_string_equal(line, "");

	for (i = 0; i < sizeof(rs) / sizeof(*rs); i++) {
		char b[MEP_PREFIX_STRLEN];

		must_delete(k, mep_prefix_str(&rs[i].prefix, b, sizeof(b)));
	}
	/* deleting what is not there is fine */
	must_delete(k, "10.1.0.0/16");
	n = must_list(k, &v);
	assert_int_equal(n, 0);
	ip_route_line(AF_INET, TABLE, NULL, "10.1.0.0/16", line, sizeof(line));
	assert_string_equal(line, "");
	rim_kernel_close(k);
}

/* A metric change adds the new route, then deletes the old one: the
 * prefix is in the table throughout. */
static void replace_metric(const char *prefix)
{
	struct rim_kernel_route r = mkroute(prefix, 20, 10, "ipsec0", NULL);
	uint32_t old_prio = rim_kernel_priority(20, 10);
	uint32_t new_prio = rim_kernel_priority(20, 50);
	struct rim_kernel *k = kopen(TABLE);
	struct rim_kernel_route *v;
	struct event ev[32];
	int fd, i_new, i_del;
	size_t n, nev;

	must_add(k, &r);
	fd = monitor_open();
	r.metric = 50;
	must_add(k, &r);
	nev = monitor_read(fd, ev, 32);
	i_new = event_index(ev, nev, RTM_NEWROUTE, prefix, new_prio);
	i_del = event_index(ev, nev, RTM_DELROUTE, prefix, old_prio);
	assert_true(i_new >= 0);
	assert_true(i_del >= 0);
	assert_true(i_new < i_del);
	assert_int_equal(count_events(ev, nev, RTM_DELROUTE), 1);
	assert_int_equal(event_index(ev, nev, RTM_DELROUTE, prefix, new_prio),
			 -1);

	n = must_list(k, &v);
	assert_int_equal(n, 1);
	check_route(v, n, prefix, 20, 50, "ipsec0", NULL);
	free(v);

	/* Same priority, other device: replaced in place, no delete. */
	snprintf(r.ifname, sizeof(r.ifname), "ipsec1");
	must_add(k, &r);
	nev = monitor_read(fd, ev, 32);
	assert_int_equal(count_events(ev, nev, RTM_DELROUTE), 0);
	assert_true(event_index(ev, nev, RTM_NEWROUTE, prefix, new_prio) >= 0);
	n = must_list(k, &v);
	assert_int_equal(n, 1);
	check_route(v, n, prefix, 20, 50, "ipsec1", NULL);
	free(v);

	/* A distance change is a priority change too. */
	r.distance = 5;
	must_add(k, &r);
	nev = monitor_read(fd, ev, 32);
	i_new = event_index(ev, nev, RTM_NEWROUTE, prefix,
			    rim_kernel_priority(5, 50));
	i_del = event_index(ev, nev, RTM_DELROUTE, prefix, new_prio);
	assert_true(i_new >= 0 && i_del > i_new);
	n = must_list(k, &v);
	assert_int_equal(n, 1);
	check_route(v, n, prefix, 5, 50, "ipsec1", NULL);
	free(v);

	must_delete(k, prefix);
	nev = monitor_read(fd, ev, 32);
	assert_int_equal(count_events(ev, nev, RTM_DELROUTE), 1);
	n = must_list(k, &v);
	assert_int_equal(n, 0);
	close(fd);
	rim_kernel_close(k);
}

static void test_replace_v4(void **state)
{
	(void)state;
	replace_metric("10.4.0.0/16");
}

static void test_replace_v6(void **state)
{
	(void)state;
	replace_metric("fd00:4::/64");
}

static void must_install(struct rim_kernel *k,
			 const struct rim_kernel_route *r,
			 const struct rim_kernel_route *old)
{
	struct strbuf err = STRBUF_INIT;
	int rc = rim_kernel_install(k, r, old, &err);

	if (rc)
		fail_msg("install: %d %s", rc, strbuf_str(&err));
	strbuf_free(&err);
}

/* rim_kernel_install: the caller says what the table holds; the same
 * make-before-break and the same refusal of a foreign route. */
static void test_install(void **state)
{
	struct rim_kernel_route r = mkroute("10.5.0.0/16", 20, 10, "ipsec0",
					    NULL);
	struct rim_kernel_route old, *v;
	struct rim_kernel *k = kopen(TABLE);
	struct strbuf err = STRBUF_INIT;
	struct event ev[32];
	char line[512];
	int fd, i_new, i_del;
	size_t n, nev;

	(void)state;
	must_install(k, &r, NULL);
	n = must_list(k, &v);
	assert_int_equal(n, 1);
	check_route(v, n, "10.5.0.0/16", 20, 10, "ipsec0", NULL);
	free(v);

	fd = monitor_open();
	old = r;
	r.metric = 50;
	must_install(k, &r, &old);
	nev = monitor_read(fd, ev, 32);
	i_new = event_index(ev, nev, RTM_NEWROUTE, "10.5.0.0/16",
			    rim_kernel_priority(20, 50));
	i_del = event_index(ev, nev, RTM_DELROUTE, "10.5.0.0/16",
			    rim_kernel_priority(20, 10));
	assert_true(i_new >= 0 && i_del > i_new);
	n = must_list(k, &v);
	assert_int_equal(n, 1);
	check_route(v, n, "10.5.0.0/16", 20, 50, "ipsec0", NULL);
	free(v);

	/* same priority, other device: replaced in place, no delete */
	old = r;
	snprintf(r.ifname, sizeof(r.ifname), "ipsec1");
	must_install(k, &r, &old);
	nev = monitor_read(fd, ev, 32);
	assert_int_equal(count_events(ev, nev, RTM_DELROUTE), 0);
	n = must_list(k, &v);
	check_route(v, n, "10.5.0.0/16", 20, 50, "ipsec1", NULL);
	free(v);
	close(fd);
	must_delete(k, "10.5.0.0/16");

	/* a foreign route of the same priority: refused, left alone */
	run("ip -4 route add 10.51.0.0/16 dev ipsec0 table %d proto 99 "
	    "metric 7", TABLE);
	r = mkroute("10.51.0.0/16", 0, 7, "ipsec1", NULL);
	assert_int_equal(rim_kernel_install(k, &r, NULL, &err), -EEXIST);
	ip_route_line(AF_INET, TABLE, "99", "10.51.0.0/16", line,
		      sizeof(line));
	assert_non_null(strstr(line, " dev ipsec0 "));
	run("ip -4 route del 10.51.0.0/16 table %d proto 99 metric 7", TABLE);
	n = must_list(k, &v);
	assert_int_equal(n, 0);
	free(v);
	strbuf_free(&err);
	rim_kernel_close(k);
}

static void test_metric_cap(void **state)
{
	struct rim_kernel_route r =
		mkroute("10.5.0.0/16", 20, 0x2000000, "ipsec0", NULL);
	struct rim_kernel *k = kopen(TABLE);
	struct rim_kernel_route *v;
	size_t n;

	(void)state;
	must_add(k, &r);
	n = must_list(k, &v);
	check_route(v, n, "10.5.0.0/16", 20, RIM_KERNEL_METRIC_MAX, "ipsec0",
		    NULL);
	free(v);
	must_delete(k, "10.5.0.0/16");
	rim_kernel_close(k);
}

/* Routes of another protocol in our table, and of our protocol in
 * another table, are never listed, replaced or deleted. */
static void test_foreign_untouched(void **state)
{
	struct rim_kernel *k = kopen(TABLE);
	struct strbuf err = STRBUF_INIT;
	struct rim_kernel_route r;
	struct rim_kernel_route *v;
	char line[512];
	size_t n;

	(void)state;
	run("ip -4 route add 10.50.0.0/16 dev ipsec0 table %d proto 99 "
	    "metric 7", TABLE);
	run("ip -6 route add fd00:50::/64 dev ipsec0 table %d proto 99 "
	    "metric 7", TABLE);
	run("ip -4 route add 10.60.0.0/16 dev ipsec0 table 202 proto 250");
	n = must_list(k, &v);
	assert_int_equal(n, 0);

	/* same prefix and priority as the foreign route: refused */
	r = mkroute("10.50.0.0/16", 0, 7, "ipsec1", NULL);
	assert_int_equal(rim_kernel_add_or_replace(k, &r, &err), -EEXIST);
	assert_non_null(strstr(strbuf_str(&err), "protocol 99"));
	r = mkroute("fd00:50::/64", 0, 7, "ipsec1", NULL);
	assert_int_equal(rim_kernel_add_or_replace(k, &r, &err), -EEXIST);
	ip_route_line(AF_INET, TABLE, "99", "10.50.0.0/16", line,
		      sizeof(line));
	assert_non_null(strstr(line, " dev ipsec0 "));
	ip_route_line(AF_INET6, TABLE, "99", "fd00:50::/64", line,
		      sizeof(line));
	assert_non_null(strstr(line, " dev ipsec0 "));

	/* deleting a prefix we do not have leaves theirs */
	must_delete(k, "10.50.0.0/16");
	must_delete(k, "fd00:50::/64");
	must_delete(k, "10.60.0.0/16");

	/* ours beside theirs (another priority), then ours deleted */
	r = mkroute("10.50.0.0/16", 20, 10, "ipsec1", NULL);
	must_add(k, &r);
	r.metric = 11;		/* make-before-break only removes ours */
	must_add(k, &r);
	r = mkroute("fd00:50::/64", 20, 10, "ipsec1", NULL);
	must_add(k, &r);
	n = must_list(k, &v);
	assert_int_equal(n, 2);
	check_route(v, n, "10.50.0.0/16", 20, 11, "ipsec1", NULL);
	check_route(v, n, "fd00:50::/64", 20, 10, "ipsec1", NULL);
	free(v);
	must_delete(k, "10.50.0.0/16");
	must_delete(k, "fd00:50::/64");
	n = must_list(k, &v);
	assert_int_equal(n, 0);

	ip_route_line(AF_INET, TABLE, "99", "10.50.0.0/16", line,
		      sizeof(line));
	assert_non_null(strstr(line, " metric 7 "));
	ip_route_line(AF_INET6, TABLE, "99", "fd00:50::/64", line,
		      sizeof(line));
	assert_non_null(strstr(line, " metric 7 "));
	ip_route_line(AF_INET, 202, "250", "10.60.0.0/16", line,
		      sizeof(line));
	assert_non_null(strstr(line, " dev ipsec0 "));

	run("ip -4 route del 10.50.0.0/16 table %d proto 99", TABLE);
	run("ip -6 route del fd00:50::/64 table %d proto 99", TABLE);
	run("ip -4 route del 10.60.0.0/16 table 202");
	strbuf_free(&err);
	rim_kernel_close(k);
}

static void expect_error(struct rim_kernel *k,
			 const struct rim_kernel_route *r, int code,
			 const char *words)
{
	struct strbuf err = STRBUF_INIT;
	int rc = rim_kernel_add_or_replace(k, r, &err);

	if (rc != code)
		fail_msg("expected %d, got %d (%s)", code, rc,
			 strbuf_str(&err));
	if (!strstr(strbuf_str(&err), words))
		fail_msg("'%s' lacks '%s'", strbuf_str(&err), words);
	strbuf_free(&err);
}

static void test_bad_routes(void **state)
{
	struct rim_kernel *k = kopen(TABLE);
	struct rim_kernel_route r, *v;
	size_t n;

	(void)state;
	r = mkroute("10.7.0.0/16", 20, 10, "nosuch0", NULL);
	expect_error(k, &r, -ENODEV, "interface nosuch0 does not exist");
	r = mkroute("fd00:7::/64", 20, 10, "nosuch0", NULL);
	expect_error(k, &r, -ENODEV, "nosuch0");
	/* a device that exists but is down: the kernel says so */
	r = mkroute("10.7.0.0/16", 20, 10, "ipsec2", NULL);
	expect_error(k, &r, -ENETDOWN, "10.7.0.0/16");
	r = mkroute("10.7.0.0/16", 20, 10, NULL, NULL);
	expect_error(k, &r, -EINVAL, "neither an interface nor a next hop");
	r = mkroute("10.7.0.0/16", 20, 10, "ipsec0", "fe80::1");
	expect_error(k, &r, -EINVAL, "another address family");
	/* an unreachable next hop: the kernel's reason is in the message */
	r = mkroute("10.7.0.0/16", 20, 10, NULL, "192.0.2.1");
	expect_error(k, &r, -ENETUNREACH, "10.7.0.0/16: adding to table 201");
	r = mkroute("fd00:7::/64", 0, 0, "ipsec0", NULL);
	expect_error(k, &r, -EINVAL, "IPv6");
	r = mkroute("10.7.0.0/16", 20, 10, "ipsec0", NULL);
	r.prefix.addr[3] = 1;		/* host bits */
	expect_error(k, &r, -EINVAL, "invalid prefix");
	r.prefix.addr[3] = 0;
	r.prefix.len = 33;
	expect_error(k, &r, -EINVAL, "invalid prefix");
	r.prefix.family = 99;
	r.prefix.len = 8;
	expect_error(k, &r, -EINVAL, "invalid prefix");
	r = mkroute("10.7.0.0/16", 20, 10, "ipsec0", NULL);
	memset(r.ifname, 'x', sizeof(r.ifname));
	expect_error(k, &r, -EINVAL, "too long");
	n = must_list(k, &v);
	assert_int_equal(n, 0);
	rim_kernel_close(k);
}

/* Tables above 255 travel in RTA_TABLE only. */
static void test_big_table(void **state)
{
	struct rim_kernel *k = kopen(100000);
	struct rim_kernel *k201 = kopen(TABLE);
	struct rim_kernel_route r = mkroute("10.8.0.0/16", 20, 10, "ipsec0",
					    NULL);
	struct rim_kernel_route *v;
	char line[512];
	size_t n;

	(void)state;
	must_add(k, &r);
	r = mkroute("fd00:8::/64", 20, 10, "ipsec0", NULL);
	must_add(k, &r);
	n = must_list(k, &v);
	assert_int_equal(n, 2);
	check_route(v, n, "10.8.0.0/16", 20, 10, "ipsec0", NULL);
	free(v);
	n = must_list(k201, &v);
	assert_int_equal(n, 0);
	ip_route_line(AF_INET, 100000, "250", "10.8.0.0/16", line,
		      sizeof(line));
	assert_non_null(strstr(line, " metric 335544330 "));
	must_delete(k, "10.8.0.0/16");
	must_delete(k, "fd00:8::/64");
	n = must_list(k, &v);
	assert_int_equal(n, 0);
	rim_kernel_close(k201);
	rim_kernel_close(k);
}

/* ---- namespace set-up ---- */

static int tun_create(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int netns_setup(void)
{
	static const char *const names[] = { "ipsec0", "ipsec1", "ipsec2" };
	size_t i;

	for (i = 0; i < 3; i++) {
		tun_fd[i] = tun_create(names[i]);
		if (tun_fd[i] < 0) {
			fprintf(stderr, "TUN %s: %s\n", names[i],
				strerror(errno));
			return -1;
		}
	}
	if (system("ip link set lo up && ip link set ipsec0 up && "
		   "ip link set ipsec1 up && "
		   "ip addr add 10.99.0.1/24 dev ipsec0") != 0)
		return -1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_route_from_config),
	};
	const struct CMUnitTest nl[] = {
		cmocka_unit_test(test_open_rejects),
		cmocka_unit_test(test_add_list_delete),
		cmocka_unit_test(test_replace_v4),
		cmocka_unit_test(test_replace_v6),
		cmocka_unit_test(test_install),
		cmocka_unit_test(test_metric_cap),
		cmocka_unit_test(test_foreign_untouched),
		cmocka_unit_test(test_bad_routes),
		cmocka_unit_test(test_big_table),
	};
	int rc, i;

	rc = cmocka_run_group_tests_name("rim_kernel_pure", pure, NULL, NULL);
	if (rc)
		return rc;
	rc = netns_fixture_enter("netlink");
	if (rc)
		return rc;
	if (netns_setup() < 0) {
		fprintf(stderr, "no TUN devices in the namespace: skipped\n");
		return 77;
	}
	rc = cmocka_run_group_tests_name("rim_kernel_netlink", nl, NULL, NULL);
	for (i = 0; i < 3; i++)
		if (tun_fd[i] >= 0)
			close(tun_fd[i]);
	return rc;
}
