/* rim_kernel: RIM's kernel routing backend over rtnetlink (libnl-3 for the
 * socket and messages). Owns one NETLINK_ROUTE socket per handle; manages
 * only the routes of its protocol number in its table. See rim_kernel.h
 * for the priority encoding and the make-before-break replacement. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "rim_kernel.h"

#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct rim_kernel {
	struct nl_sock *sk;
	uint32_t table;
	uint8_t protocol;
};

/* A route as dumped, with the fields used to filter it. */
struct rk_entry {
	struct rim_kernel_route r;
	uint32_t priority;
	uint8_t protocol;
};

struct rk_list {
	struct rk_entry *v;
	size_t n;
	size_t cap;
	/* filters */
	int protocol;			/* -1: any */
	const struct mep_prefix *prefix;	/* NULL: any */
};

/* ---- pure helpers ---- */

uint32_t rim_kernel_priority(uint8_t distance, uint32_t metric)
{
	if (metric > RIM_KERNEL_METRIC_MAX)
		metric = RIM_KERNEL_METRIC_MAX;
	return (uint32_t)distance << 24 | metric;
}

void rim_kernel_priority_split(uint32_t priority, uint8_t *distance,
			       uint32_t *metric)
{
	*distance = (uint8_t)(priority >> 24);
	*metric = priority & RIM_KERNEL_METRIC_MAX;
}

void rim_kernel_route_from_config(struct rim_kernel_route *out,
				  const struct mep_prefix *p,
				  uint8_t distance, uint32_t metric,
				  const struct mep_rim_config *rim)
{
	memset(out, 0, sizeof(*out));
	out->prefix = *p;
	out->distance = distance;
	out->metric = metric;
	snprintf(out->ifname, sizeof(out->ifname), "%s", rim->interface);
	if (rim->has_next_hop) {
		out->has_via = true;
		out->via = rim->next_hop;
	}
}

static void rk_err(struct strbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rk_err(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	strbuf_reset(err);
	va_start(ap, fmt);
	strbuf_vprintf(err, fmt, ap);
	va_end(ap);
}

/* The prefix is well formed: known family, length in range, no host
 * bits set. */
/* A route's prefix must be valid and carry no host bits (the kernel
 * refuses those). */
static bool rk_prefix_ok(const struct mep_prefix *p)
{
	struct mep_prefix m;

	if (!mep_prefix_valid(p))
		return false;
	m = mep_prefix_masked(p);
	return mep_prefix_equal(p, &m);
}

/* ---- socket ---- */

int rim_kernel_open(struct rim_kernel **out, uint32_t table,
		    uint8_t protocol, struct strbuf *err)
{
	struct rim_kernel *k;
	int one = 1, fd, rc;

	*out = NULL;
	if (table == RT_TABLE_UNSPEC ||
	    (table >= RT_TABLE_DEFAULT && table <= RT_TABLE_LOCAL)) {
		rk_err(err,
		       "kernel table %u is reserved (use 1..252 or 256 and up)",
		       table);
		return -EINVAL;
	}
	if (protocol <= RTPROT_STATIC || protocol == 11 || protocol == 42 ||
	    (protocol >= 186 && protocol <= 198)) {
		rk_err(err, "route protocol %u belongs to the kernel or to FRR",
		       protocol);
		return -EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		rk_err(err, "out of memory");
		return -ENOMEM;
	}
	k->table = table;
	k->protocol = protocol;
	k->sk = nl_socket_alloc();
	if (!k->sk) {
		free(k);
		rk_err(err, "out of memory");
		return -ENOMEM;
	}
	/* We match answers to requests ourselves. */
	nl_socket_disable_seq_check(k->sk);
	nl_socket_disable_auto_ack(k->sk);
	rc = nl_connect(k->sk, NETLINK_ROUTE);
	if (rc < 0) {
		rk_err(err, "netlink socket: %s", nl_geterror(rc));
		nl_socket_free(k->sk);
		free(k);
		return -EIO;
	}
	fd = nl_socket_get_fd(k->sk);
	/* Best effort: extended ack messages, capped acks, and kernel-side
	 * dump filtering (table, protocol). We filter again ourselves. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
			 sizeof(one));
	rc = nl_socket_set_nonblocking(k->sk);
	if (rc < 0) {
		rk_err(err, "netlink socket: %s", nl_geterror(rc));
		nl_socket_free(k->sk);
		free(k);
		return -EIO;
	}
	*out = k;
	return 0;
}

void rim_kernel_close(struct rim_kernel *k)
{
	if (!k)
		return;
	nl_socket_free(k->sk);
	free(k);
}

uint32_t rim_kernel_table(const struct rim_kernel *k)
{
	return k->table;
}

uint8_t rim_kernel_protocol(const struct rim_kernel *k)
{
	return k->protocol;
}

static int64_t rk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copy the extended ack message of an NLMSG_ERROR h (if any) to kmsg. */
static void rk_ext_ack(const struct nlmsghdr *h, const struct nlmsgerr *e,
		       char *kmsg, size_t kmsglen)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off, total = h->nlmsg_len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_ALIGN(off);
	if (off >= total)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)h + off), (int)(total - off),
		      NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG]) {
		const char *s = nla_data(tb[NLMSGERR_ATTR_MSG]);
		size_t n = (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]);

		n = strnlen(s, n);
		if (n >= kmsglen)
			n = kmsglen - 1;
		memcpy(kmsg, s, n);
		kmsg[n] = '\0';
	}
}

typedef int (*rk_msg_fn)(struct nlmsghdr *h, void *arg);

/* Send msg (freed here) and read the answer: each data message of a dump
 * goes to fn; NLMSG_DONE or an ack ends it. Returns 0, or a negative
 * errno: the kernel's error (kmsg gets its extended ack message),
 * -ETIMEDOUT, -EPROTO for a malformed answer, or fn's error. */
static int rk_transact(struct rim_kernel *k, struct nl_msg *msg,
		       rk_msg_fn fn, void *arg, char *kmsg, size_t kmsglen)
{
	int64_t deadline = rk_now_ms() + RIM_KERNEL_TIMEOUT_MS;
	struct pollfd pfd = {
		.fd = nl_socket_get_fd(k->sk),
		.events = POLLIN,
	};
	uint32_t seq;
	int rc, result = 0;
	bool done = false;

	kmsg[0] = '\0';
	rc = nl_send_auto(k->sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (rc < 0)
		return -EIO;

	while (!done) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int64_t left = deadline - rk_now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = nl_recv(k->sk, &peer, &buf, NULL);
		if (n == -NLE_AGAIN)
			continue;
		if (n <= 0) {
			free(buf);
			return n == -NLE_NOMEM ? -ENOMEM : -EIO;
		}
		if (peer.nl_pid != 0) {		/* not from the kernel */
			free(buf);
			continue;
		}
		for (h = (struct nlmsghdr *)buf; !done && nlmsg_ok(h, n);
		     h = nlmsg_next(h, &n)) {
			/* skip late answers to an old request */
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				/* A dump that failed midway says so here. */
				if (nlmsg_datalen(h) >= (int)sizeof(int)) {
					int e;

					memcpy(&e, nlmsg_data(h), sizeof(e));
					if (e < 0 && result == 0)
						result = e;
				}
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = nlmsg_data(h);

				done = true;
				if (!nlmsg_valid_hdr(h, sizeof(*e))) {
					result = -EPROTO;
				} else if (e->error < 0) {
					result = e->error;
					rk_ext_ack(h, e, kmsg, kmsglen);
				}
			} else if (h->nlmsg_type == NLMSG_NOOP ||
				   h->nlmsg_type == NLMSG_OVERRUN) {
				continue;
			} else if (fn && result == 0) {
				/* keep reading to the end of the dump */
				result = fn(h, arg);
			}
		}
		free(buf);
	}
	return result;
}

int rim_kernel_request(struct rim_kernel *k, struct nl_msg *msg,
		       rim_kernel_msg_fn fn, void *arg, char *kmsg,
		       size_t kmsglen)
{
	return rk_transact(k, msg, fn, arg, kmsg, kmsglen);
}

/* ---- messages ---- */

/* A route request for prefix p in our table and protocol; gateway says
 * whether a new route will have a next hop address. */
static struct nl_msg *rk_route_msg(const struct rim_kernel *k, int type,
				   int flags, const struct mep_prefix *p,
				   bool gateway)
{
	struct rtmsg rtm = {
		.rtm_family = p->family,
		.rtm_dst_len = p->len,
		.rtm_table = k->table < 256 ? (uint8_t)k->table
					    : RT_TABLE_UNSPEC,
		.rtm_protocol = k->protocol,
	};
	struct nl_msg *msg;

	if (type == RTM_NEWROUTE) {
		/* An IPv4 route to a device alone is on-link, as with
		 * `ip route add P dev D`. */
		rtm.rtm_scope = p->family == AF_INET && !gateway
					? RT_SCOPE_LINK
					: RT_SCOPE_UNIVERSE;
		rtm.rtm_type = RTN_UNICAST;
	} else {
		rtm.rtm_scope = RT_SCOPE_NOWHERE;
		rtm.rtm_type = RTN_UNSPEC;
	}
	msg = nlmsg_alloc_simple(type, flags | NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, k->table) < 0 ||
	    (p->len && nla_put(msg, RTA_DST, (int)mep_family_bytes(p->family),
			       p->addr) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Parse one RTM_NEWROUTE of a dump into e. Returns 1 when it is a route
 * of our table (and of the list's filters), 0 to skip it, -EPROTO when
 * malformed. */
static int rk_parse_route(struct nlmsghdr *h, uint32_t table,
			  const struct rk_list *l, struct rk_entry *e)
{
	static struct nla_policy pol[RTA_MAX + 1] = {
		[RTA_TABLE] = { .type = NLA_U32 },
		[RTA_PRIORITY] = { .type = NLA_U32 },
		[RTA_OIF] = { .type = NLA_U32 },
	};
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm;
	uint32_t t, oif = 0;
	size_t alen;

	if (h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (!nlmsg_valid_hdr(h, sizeof(*rtm)))
		return -EPROTO;
	rtm = nlmsg_data(h);
	alen = mep_family_bytes(rtm->rtm_family);
	if (!alen || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if (nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, pol) < 0)
		return -EPROTO;
	t = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (t != table)
		return 0;
	if (l->protocol >= 0 && rtm->rtm_protocol != l->protocol)
		return 0;

	memset(e, 0, sizeof(*e));
	e->protocol = rtm->rtm_protocol;
	e->r.prefix.family = rtm->rtm_family;
	if (rtm->rtm_dst_len > alen * 8)
		return -EPROTO;
	e->r.prefix.len = rtm->rtm_dst_len;
	if (tb[RTA_DST]) {
		if ((size_t)nla_len(tb[RTA_DST]) != alen)
			return -EPROTO;
		memcpy(e->r.prefix.addr, nla_data(tb[RTA_DST]), alen);
	} else if (rtm->rtm_dst_len) {
		return -EPROTO;
	}
	if (l->prefix && !mep_prefix_equal(l->prefix, &e->r.prefix))
		return 0;
	e->priority = tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0;
	rim_kernel_priority_split(e->priority, &e->r.distance, &e->r.metric);

	if (tb[RTA_OIF])
		oif = nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_GATEWAY]) {
		if ((size_t)nla_len(tb[RTA_GATEWAY]) != alen)
			return -EPROTO;
		e->r.has_via = true;
		e->r.via.family = rtm->rtm_family;
		memcpy(e->r.via.addr, nla_data(tb[RTA_GATEWAY]), alen);
	}
	if (tb[RTA_MULTIPATH] && !oif && !e->r.has_via) {
		/* First next hop of a multipath route. */
		struct rtnexthop *nh = nla_data(tb[RTA_MULTIPATH]);
		size_t len = (size_t)nla_len(tb[RTA_MULTIPATH]);

		if (len >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
		    nh->rtnh_len <= len) {
			struct nlattr *ntb[RTA_MAX + 1];
			size_t hl = RTNH_ALIGN(sizeof(*nh));

			oif = (uint32_t)nh->rtnh_ifindex;
			if (nh->rtnh_len > hl &&
			    nla_parse(ntb, RTA_MAX,
				      (struct nlattr *)((char *)nh + hl),
				      (int)(nh->rtnh_len - hl), NULL) == 0 &&
			    ntb[RTA_GATEWAY] &&
			    (size_t)nla_len(ntb[RTA_GATEWAY]) == alen) {
				e->r.has_via = true;
				e->r.via.family = rtm->rtm_family;
				memcpy(e->r.via.addr,
				       nla_data(ntb[RTA_GATEWAY]), alen);
			}
		}
	}
	if (oif && !if_indextoname(oif, e->r.ifname))
		e->r.ifname[0] = '\0';
	return 1;
}

struct rk_dump_arg {
	uint32_t table;
	struct rk_list *l;
};

static int rk_dump_cb(struct nlmsghdr *h, void *arg)
{
	struct rk_dump_arg *a = arg;
	struct rk_list *l = a->l;
	struct rk_entry e;
	int rc = rk_parse_route(h, a->table, l, &e);

	if (rc <= 0)
		return rc;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct rk_entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = e;
	return 0;
}

static int rk_dump_family(struct rim_kernel *k, struct rk_list *l,
			  uint8_t family, struct strbuf *err)
{
	struct rtmsg rtm = {
		.rtm_family = family,
		.rtm_table = k->table < 256 ? (uint8_t)k->table
					    : RT_TABLE_UNSPEC,
		.rtm_protocol = l->protocol >= 0 ? (uint8_t)l->protocol : 0,
	};
	struct rk_dump_arg a = { .table = k->table, .l = l };
	struct nl_msg *msg;
	char kmsg[256];
	int rc;

	msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
	if (!msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, k->table) < 0) {
		nlmsg_free(msg);
		rk_err(err, "out of memory");
		return -ENOMEM;
	}
	rc = rk_transact(k, msg, rk_dump_cb, &a, kmsg, sizeof(kmsg));
	if (rc == -ENOENT)	/* the table does not exist (yet) */
		rc = 0;
	if (rc < 0)
		rk_err(err, "listing IPv%c routes of table %u: %s%s%s",
		       family == AF_INET ? '4' : '6', k->table, strerror(-rc),
		       kmsg[0] ? ": " : "", kmsg);
	return rc;
}

/* Dump our table, IPv4 then IPv6, into l, filtered by l->protocol and
 * l->prefix (the kernel filters by table and protocol too when it can).
 * One dump per family: an AF_UNSPEC dump would also ask MPLS, which
 * refuses the table filter. On error l is emptied. */
static int rk_dump(struct rim_kernel *k, struct rk_list *l,
		   struct strbuf *err)
{
	int rc = 0;

	if (!l->prefix || l->prefix->family == AF_INET)
		rc = rk_dump_family(k, l, AF_INET, err);
	if (rc == 0 && (!l->prefix || l->prefix->family == AF_INET6))
		rc = rk_dump_family(k, l, AF_INET6, err);
	if (rc < 0) {
		free(l->v);
		l->v = NULL;
		l->n = l->cap = 0;
	}
	return rc;
}

/* ---- API ---- */

int rim_kernel_list(struct rim_kernel *k, struct rim_kernel_route **routes,
		    size_t *n, struct strbuf *err)
{
	struct rk_list l = { .protocol = k->protocol };
	struct rim_kernel_route *out;
	size_t i;
	int rc;

	*routes = NULL;
	*n = 0;
	rc = rk_dump(k, &l, err);
	if (rc < 0)
		return rc;
	if (!l.n) {
		free(l.v);
		return 0;
	}
	out = calloc(l.n, sizeof(*out));
	if (!out) {
		free(l.v);
		rk_err(err, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < l.n; i++)
		out[i] = l.v[i].r;
	free(l.v);
	*routes = out;
	*n = i;
	return 0;
}

/* Delete our route for p with this priority; a missing one is fine. */
static int rk_delete_one(struct rim_kernel *k, const struct mep_prefix *p,
			 uint32_t priority, struct strbuf *err)
{
	char kmsg[256], pb[MEP_PREFIX_STRLEN];
	struct nl_msg *msg = rk_route_msg(k, RTM_DELROUTE, 0, p, false);
	int rc;

	if (!msg || nla_put_u32(msg, RTA_PRIORITY, priority) < 0) {
		nlmsg_free(msg);
		rk_err(err, "out of memory");
		return -ENOMEM;
	}
	rc = rk_transact(k, msg, NULL, NULL, kmsg, sizeof(kmsg));
	if (rc == -ESRCH || rc == -ENOENT)
		rc = 0;
	if (rc < 0)
		rk_err(err, "deleting %s priority %u from table %u: %s%s%s",
		       mep_prefix_str(p, pb, sizeof(pb)), priority, k->table,
		       strerror(-rc), kmsg[0] ? ": " : "", kmsg);
	return rc;
}

/* Check r; set its text form, output interface and priority. */
static int rk_check(const struct rim_kernel_route *r, char *pb, size_t pblen,
		    unsigned int *oif, uint32_t *prio, struct strbuf *err)
{
	const struct mep_prefix *p = &r->prefix;

	*prio = rim_kernel_priority(r->distance, r->metric);
	*oif = 0;
	if (!rk_prefix_ok(p)) {
		rk_err(err, "invalid prefix (family %u, length %u)",
		       p->family, p->len);
		return -EINVAL;
	}
	mep_prefix_str(p, pb, pblen);
	if (strnlen(r->ifname, sizeof(r->ifname)) == sizeof(r->ifname)) {
		rk_err(err, "%s: interface name too long", pb);
		return -EINVAL;
	}
	if (!r->ifname[0] && !r->has_via) {
		rk_err(err, "%s: neither an interface nor a next hop", pb);
		return -EINVAL;
	}
	if (r->has_via && r->via.family != p->family) {
		rk_err(err, "%s: next hop of another address family", pb);
		return -EINVAL;
	}
	if (p->family == AF_INET6 && *prio == 0) {
		rk_err(err, "%s: IPv6 routes need distance or metric > 0", pb);
		return -EINVAL;
	}
	if (r->ifname[0]) {
		*oif = if_nametoindex(r->ifname);
		if (!*oif) {
			rk_err(err, "%s: interface %s does not exist", pb,
			       r->ifname);
			return -ENODEV;
		}
	}
	return 0;
}

/* Send RTM_NEWROUTE for r (replace: same priority exists, ours). */
static int rk_new(struct rim_kernel *k, const struct rim_kernel_route *r,
		  const char *pb, unsigned int oif, uint32_t prio, bool replace,
		  struct strbuf *err)
{
	const struct mep_prefix *p = &r->prefix;
	int flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
	struct nl_msg *msg = rk_route_msg(k, RTM_NEWROUTE, flags, p,
					  r->has_via);
	char kmsg[256];
	int rc;

	if (!msg || nla_put_u32(msg, RTA_PRIORITY, prio) < 0 ||
	    (oif && nla_put_u32(msg, RTA_OIF, oif) < 0) ||
	    (r->has_via && nla_put(msg, RTA_GATEWAY, (int)mep_family_bytes(p->family),
				   r->via.addr) < 0)) {
		nlmsg_free(msg);
		rk_err(err, "out of memory");
		return -ENOMEM;
	}
	rc = rk_transact(k, msg, NULL, NULL, kmsg, sizeof(kmsg));
	if (rc < 0)
		rk_err(err, "%s: adding to table %u: %s%s%s", pb, k->table,
		       strerror(-rc), kmsg[0] ? ": " : "", kmsg);
	return rc;
}

int rim_kernel_add_or_replace(struct rim_kernel *k,
			      const struct rim_kernel_route *r,
			      struct strbuf *err)
{
	const struct mep_prefix *p = &r->prefix;
	struct rk_list l = { .protocol = -1, .prefix = p };
	char pb[MEP_PREFIX_STRLEN];
	uint32_t prio;
	unsigned int oif;
	bool ours_same = false;
	size_t i;
	int rc;

	rc = rk_check(r, pb, sizeof(pb), &oif, &prio, err);
	if (rc < 0)
		return rc;
	/* What the table holds for this prefix, whatever the protocol. */
	rc = rk_dump(k, &l, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < l.n; i++) {
		if (l.v[i].priority != prio)
			continue;
		if (l.v[i].protocol == k->protocol) {
			ours_same = true;
		} else {
			rk_err(err,
			       "%s: table %u already has a route of protocol "
			       "%u with priority %u; left alone",
			       pb, k->table, l.v[i].protocol, prio);
			free(l.v);
			return -EEXIST;
		}
	}
	rc = rk_new(k, r, pb, oif, prio, ours_same, err);
	/* Break after make: our routes with another priority go now. */
	for (i = 0; i < l.n && rc == 0; i++)
		if (l.v[i].protocol == k->protocol && l.v[i].priority != prio)
			rc = rk_delete_one(k, p, l.v[i].priority, err);
	free(l.v);
	return rc;
}

int rim_kernel_install(struct rim_kernel *k, const struct rim_kernel_route *r,
		       const struct rim_kernel_route *old, struct strbuf *err)
{
	char pb[MEP_PREFIX_STRLEN];
	uint32_t prio, old_prio;
	unsigned int oif;
	int rc;

	rc = rk_check(r, pb, sizeof(pb), &oif, &prio, err);
	if (rc < 0)
		return rc;
	old_prio = old ? rim_kernel_priority(old->distance, old->metric)
		       : prio;
	/* A foreign route of the same priority makes the kernel refuse the
	 * exclusive add (EEXIST): it is left alone, as in add_or_replace. */
	rc = rk_new(k, r, pb, oif, prio, old && old_prio == prio, err);
	if (rc == 0 && old && old_prio != prio)
		rc = rk_delete_one(k, &r->prefix, old_prio, err);
	return rc;
}

int rim_kernel_delete(struct rim_kernel *k, const struct mep_prefix *p,
		      struct strbuf *err)
{
	struct rk_list l = { .protocol = k->protocol, .prefix = p };
	size_t i;
	int rc;

	if (!rk_prefix_ok(p)) {
		rk_err(err, "invalid prefix (family %u, length %u)",
		       p->family, p->len);
		return -EINVAL;
	}
	rc = rk_dump(k, &l, err);
	for (i = 0; i < l.n && rc == 0; i++)
		rc = rk_delete_one(k, p, l.v[i].priority, err);
	free(l.v);
	return rc;
}

/* ---- the kernel backend of RIM (rim_backend.h) */

struct kernel_backend {
	struct rim_kernel *k;		/* NULL: could not open */
	struct mep_rim_config rim;	/* the rim block in force */
	/* Our routes in the kernel table: read from the kernel when not
	 * valid (start, every repair period), else kept as we changed it,
	 * so an event does not cost a dump of the whole table. */
	struct rim_routes kcache;
	bool kcache_valid;
};

static void kb_open_kernel(struct kernel_backend *b)
{
	struct strbuf err = STRBUF_INIT;

	if (rim_kernel_open(&b->k, b->rim.kernel_table, RIM_KERNEL_PROTO,
			    &err) < 0) {
		b->k = NULL;
		log_err("rim: cannot open the kernel backend (table %u): %s",
			b->rim.kernel_table, strbuf_str(&err));
	} else {
		log_notice("rim: kernel backend, table %u, protocol %u, "
			   "interface %s",
			   b->rim.kernel_table, RIM_KERNEL_PROTO,
			   b->rim.interface);
	}
	strbuf_free(&err);
}

static struct rim_backend *kb_open(const struct rim_backend_host *host,
				   const struct mep_rim_config *rim)
{
	struct kernel_backend *b = calloc(1, sizeof(*b));

	(void)host;
	if (!b)
		return NULL;
	b->rim = *rim;
	rim_routes_init(&b->kcache);
	kb_open_kernel(b);
	return (struct rim_backend *)b;
}

static void kb_free(struct rim_backend *rb)
{
	struct kernel_backend *b = (struct kernel_backend *)rb;

	rim_kernel_close(b->k);
	rim_routes_free(&b->kcache);
	free(b);
}

static bool kb_must_reopen(const struct mep_rim_config *old,
			   const struct mep_rim_config *now)
{
	return now->kernel_table != old->kernel_table;
}

/* The state of the desired route for p in set, or NULL. */
static struct rim_sync_state *kb_find(struct rim_backend_set *set,
				      const struct mep_prefix *p)
{
	long i = rim_route_search(set->v, set->n, p);

	return i < 0 ? NULL : &set->st[i];
}

/* Read the kernel's routes of our protocol and table into the cache. */
static int kb_read(struct kernel_backend *b, struct rim_backend_set *set)
{
	struct rim_kernel_route *kr = NULL;
	struct strbuf err = STRBUF_INIT;
	size_t n = 0;

	if (rim_kernel_list(b->k, &kr, &n, &err) < 0) {
		log_err("rim: cannot list kernel routes: %s", strbuf_str(&err));
		strbuf_free(&err);
		return -1;
	}
	strbuf_free(&err);
	b->kcache.n = 0;
	for (size_t i = 0; i < n; i++) {
		struct rim_route r = { .prefix = kr[i].prefix,
				       .gateway = -1,
				       .distance = kr[i].distance,
				       .metric = kr[i].metric };
		const struct rim_sync_state *d = kb_find(set, &r.prefix);

		/* The kernel keeps no tag: compare on what it keeps. */
		if (d) {
			r.tag = set->v[d - set->st].tag;
			r.gateway = set->v[d - set->st].gateway;
		}
		if (rim_routes_add(&b->kcache, &r) < 0)
			abort();
	}
	free(kr);
	b->kcache_valid = true;
	return 0;
}

static void kb_change(struct kernel_backend *b, struct rim_backend_set *set,
		      const struct rim_change *c)
{
	char pfx[MEP_PREFIX_STRLEN];
	struct strbuf err = STRBUF_INIT;
	struct rim_sync_state *st = kb_find(set, &c->route.prefix);
	int rc;

	mep_prefix_str(&c->route.prefix, pfx, sizeof(pfx));
	if (c->op == RIM_OP_DELETE) {
		rc = rim_kernel_delete(b->k, &c->route.prefix, &err);
		if (rc < 0)
			log_err("rim: withdrawing %s: %s", pfx, strbuf_str(&err));
		else
			log_info("rim: withdrew %s", pfx);
	} else {
		struct rim_kernel_route kr, old;

		rim_kernel_route_from_config(&kr, &c->route.prefix,
					     c->route.distance,
					     c->route.metric, &b->rim);
		rim_kernel_route_from_config(&old, &c->old.prefix,
					     c->old.distance, c->old.metric,
					     &b->rim);
		/* The cache says what the table holds: no dump per route. */
		rc = rim_kernel_install(b->k, &kr,
					c->op == RIM_OP_REPLACE ? &old : NULL,
					&err);
		if (st)
			rim_state_set(st,
				      rc == 0 ? RIM_ROUTE_INSTALLED
					      : RIM_ROUTE_FAILED,
				      rc == 0 ? "" : strbuf_str(&err));
		if (rc < 0)
			log_debug(LOG_DEBUG_CONFIG, "rim: installing %s: %s",
				  pfx, strbuf_str(&err));
		else
			log_info("rim: %s %s (distance %u, metric %u)",
				 c->op == RIM_OP_ADD ? "injected" : "updated",
				 pfx, c->route.distance, c->route.metric);
	}
	strbuf_free(&err);
}

static void kb_apply(struct rim_backend *rb, struct rim_backend_set *set,
		     bool repair)
{
	struct kernel_backend *b = (struct kernel_backend *)rb;
	struct rim_routes desired;
	struct rim_changes changes;

	if (!b->k) {
		for (size_t i = 0; i < set->n; i++)
			rim_state_set(&set->st[i], RIM_ROUTE_FAILED,
				      "kernel backend not open");
		return;
	}
	if (repair)
		b->kcache_valid = false;	/* repair what the kernel lost */
	rim_routes_init(&desired);
	rim_changes_init(&changes);
	if (!b->kcache_valid && kb_read(b, set) < 0)
		goto out;
	for (size_t i = 0; i < set->n; i++) {
		struct rim_route r = set->v[i];

		if (r.metric > RIM_KERNEL_METRIC_MAX)
			r.metric = RIM_KERNEL_METRIC_MAX;
		rim_state_set(&set->st[i], RIM_ROUTE_PENDING, "");
		if (rim_routes_add(&desired, &r) < 0)
			abort();
	}
	/* What the kernel already holds as desired counts as installed. */
	for (size_t i = 0; i < b->kcache.n; i++) {
		struct rim_sync_state *st = kb_find(set, &b->kcache.v[i].prefix);

		if (st)
			rim_state_set(st, RIM_ROUTE_INSTALLED, "");
	}
	if (rim_reconcile(desired.v, desired.n, b->kcache.v, b->kcache.n,
			  &changes) < 0) {
		log_err("rim: out of memory reconciling routes");
		goto out;
	}
	for (size_t i = 0; i < changes.n; i++)
		kb_change(b, set, &changes.v[i]);
	/* The table now holds the desired routes that went in; a failed
	 * delete is found again by the next repair run. */
	b->kcache.n = 0;
	for (size_t i = 0; i < desired.n; i++)
		if (set->st[i].state == RIM_ROUTE_INSTALLED &&
		    rim_routes_add(&b->kcache, &desired.v[i]) < 0)
			abort();
out:
	rim_changes_free(&changes);
	rim_routes_free(&desired);
}

/* Withdraw every route of ours from the open kernel table. */
static void kb_withdraw(struct rim_backend *rb, bool armed, size_t n)
{
	struct kernel_backend *b = (struct kernel_backend *)rb;
	struct rim_backend_set none = { NULL, NULL, 0 };

	(void)n;
	if (armed && b->k)
		kb_apply(rb, &none, false);
}

/* The interface or next hop changed: move our routes in place (same
 * priority, NLM_F_REPLACE), never withdrawing them. */
static void kb_repoint(struct kernel_backend *b)
{
	struct strbuf err = STRBUF_INIT;
	char pfx[MEP_PREFIX_STRLEN];

	for (size_t i = 0; i < b->kcache.n; i++) {
		const struct rim_route *r = &b->kcache.v[i];
		struct rim_kernel_route kr;

		rim_kernel_route_from_config(&kr, &r->prefix, r->distance,
					     r->metric, &b->rim);
		strbuf_reset(&err);
		if (rim_kernel_install(b->k, &kr, &kr, &err) < 0)
			log_err("rim: moving %s to the new next hop: %s",
				mep_prefix_str(&r->prefix, pfx, sizeof(pfx)),
				strbuf_str(&err));
	}
	strbuf_free(&err);
}

static void kb_configure(struct rim_backend *rb,
			 const struct mep_rim_config *rim,
			 struct rim_backend_set *set)
{
	struct kernel_backend *b = (struct kernel_backend *)rb;
	bool repoint = !mep_rim_same_next_hop(&b->rim, rim);

	b->rim = *rim;
	if (!b->k)
		kb_open_kernel(b);	/* it failed the last time */
	else if (repoint && (b->kcache_valid || kb_read(b, set) == 0))
		kb_repoint(b);
}

const struct rim_backend_ops rim_kernel_backend = {
	.name = "kernel",
	.kind = MEP_RIM_KERNEL,
	.linger = 0,
	.open = kb_open,
	.must_reopen = kb_must_reopen,
	.configure = kb_configure,
	.apply = kb_apply,
	.withdraw = kb_withdraw,
	.free = kb_free,
};
