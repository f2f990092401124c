/* nat_conntrack: conntrack events and dumps through libnl-nf (see
 * nat_conntrack.h). The sockets are read with recv() into one buffer and
 * split into netlink messages here; each ctnetlink message is parsed by
 * libnl-nf (nfnlmsg_ct_parse). */
#include "nat_conntrack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netlink/addr.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/socket.h>

#define NAT_CT_RCVBUF (8 << 20)
#define NAT_CT_BUF 65536

struct nat_conntrack {
	struct ev_loop *loop;
	struct nat_ct_handler h;
	struct nl_sock *ev_sock;
	ev_io io;
	unsigned char *buf;
};

static int to_addr(struct nl_addr *n, struct mep_addr *a)
{
	unsigned len;

	if (!n)
		return -1;
	len = nl_addr_get_len(n);
	memset(a, 0, sizeof(*a));
	if (nl_addr_get_family(n) == AF_INET && len == 4)
		a->family = AF_INET;
	else if (nl_addr_get_family(n) == AF_INET6 && len == 16)
		a->family = AF_INET6;
	else
		return -1;
	memcpy(a->addr, nl_addr_get_binary_addr(n), len);
	return 0;
}

/* One ctnetlink message; dump: every entry is NEW. */
static void one_msg(struct nat_conntrack *c, struct nlmsghdr *nlh, bool dump)
{
	struct nfnl_ct *ct = NULL;
	enum nat_ct_kind kind;
	struct mep_addr src, mapped;
	unsigned type = NFNL_MSG_TYPE(nlh->nlmsg_type);

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return;
	if (type == IPCTNL_MSG_CT_NEW)
		kind = NAT_CT_NEW;
	else if (type == IPCTNL_MSG_CT_DELETE && !dump)
		kind = NAT_CT_DESTROY;
	else
		return;
	if (nfnlmsg_ct_parse(nlh, &ct) < 0 || !ct)
		return;
	if ((nfnl_ct_get_status(ct) & IPS_SRC_NAT) &&
	    to_addr(nfnl_ct_get_src(ct, 0), &src) == 0 &&
	    to_addr(nfnl_ct_get_dst(ct, 1), &mapped) == 0)
		c->h.event(c->h.arg, kind, &src, &mapped);
	nfnl_ct_put(ct);
}

/* Split a datagram into messages; returns 1 at NLMSG_DONE, -1 at an
 * NLMSG_ERROR, else 0. */
static int split(struct nat_conntrack *c, ssize_t len, bool dump)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)c->buf;

	for (; NLMSG_OK(nlh, (size_t)len); nlh = NLMSG_NEXT(nlh, len)) {
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) &&
			    e->error == 0)
				continue;	/* an ack */
			return -1;
		}
		one_msg(c, nlh, dump);
	}
	return 0;
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct nat_conntrack *c = w->data;
	int fd = nl_socket_get_fd(c->ev_sock);
	size_t msgs = 0;
	bool lost = false;

	(void)loop;
	(void)revents;
	while (msgs < NAT_CT_BATCH) {
		ssize_t n = recv(fd, c->buf, NAT_CT_BUF, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = true;
				continue;
			}
			break;	/* EAGAIN: all read */
		}
		if (n == 0)
			break;
		(void)split(c, n, false);
		/* a datagram holds one event message */
		msgs++;
	}
	if (c->h.batch_done)
		c->h.batch_done(c->h.arg);
	if (lost && c->h.lost)
		c->h.lost(c->h.arg);
}

struct nat_conntrack *nat_conntrack_new(struct ev_loop *loop,
					const struct nat_ct_handler *h,
					struct strbuf *err)
{
	struct nat_conntrack *c = calloc(1, sizeof(*c));
	int fd, rc, sz = NAT_CT_RCVBUF;

	if (!c || !(c->buf = malloc(NAT_CT_BUF)) ||
	    !(c->ev_sock = nl_socket_alloc())) {
		strbuf_puts(err, "out of memory");
		goto fail;
	}
	c->loop = loop;
	c->h = *h;
	nl_socket_disable_seq_check(c->ev_sock);
	nl_socket_disable_auto_ack(c->ev_sock);
	rc = nl_connect(c->ev_sock, NETLINK_NETFILTER);
	if (rc == 0)
		rc = nl_socket_add_memberships(c->ev_sock,
					       NFNLGRP_CONNTRACK_NEW,
					       NFNLGRP_CONNTRACK_DESTROY, 0);
	if (rc < 0) {
		strbuf_printf(err, "conntrack events: %s", nl_geterror(rc));
		goto fail;
	}
	fd = nl_socket_get_fd(c->ev_sock);
	/* as root the limit does not apply; else the default stays */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	ev_io_init(&c->io, on_readable, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	return c;
fail:
	nat_conntrack_free(c);
	return NULL;
}

void nat_conntrack_free(struct nat_conntrack *c)
{
	if (!c)
		return;
	if (c->ev_sock) {
		if (c->loop)
			ev_io_stop(c->loop, &c->io);
		nl_socket_free(c->ev_sock);
	}
	free(c->buf);
	free(c);
}

int nat_conntrack_dump(struct nat_conntrack *c, struct strbuf *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct timeval tv = { .tv_sec = 5 };
	int fd, rc, sz = NAT_CT_RCVBUF, done = 0;

	if (!sk) {
		strbuf_puts(err, "out of memory");
		return -1;
	}
	/* what is queued is older than the dump, which holds it */
	for (int i = 0; i < 1 << 20; i++)
		if (recv(nl_socket_get_fd(c->ev_sock), c->buf, NAT_CT_BUF,
			 MSG_DONTWAIT) < 0 &&
		    errno != ENOBUFS && errno != EINTR)
			break;
	rc = nl_connect(sk, NETLINK_NETFILTER);
	if (rc == 0)
		rc = nfnl_ct_dump_request(sk);
	if (rc < 0) {
		strbuf_printf(err, "conntrack dump: %s", nl_geterror(rc));
		nl_socket_free(sk);
		return -1;
	}
	fd = nl_socket_get_fd(sk);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	while (!done) {
		ssize_t n = recv(fd, c->buf, NAT_CT_BUF, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			strbuf_printf(err, "conntrack dump: %s",
				      n < 0 ? strerror(errno) : "closed");
			nl_socket_free(sk);
			return -1;
		}
		done = split(c, n, true);
		if (done < 0) {
			strbuf_puts(err, "conntrack dump: refused by the "
					 "kernel");
			nl_socket_free(sk);
			return -1;
		}
	}
	nl_socket_free(sk);
	return 0;
}
