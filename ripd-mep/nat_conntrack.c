/* nat_conntrack: conntrack events and dumps through libnl-nf (see
 * nat_conntrack.h). libnl opens the sockets and asks for the dump; they
 * are read with recvmmsg()/recv() and each ctnetlink message is read by
 * nat_ct_msg (the fields needed, no allocation). */
#define _GNU_SOURCE
#include "nat_conntrack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/socket.h>

#include "nat_ct_ids.h"
#include "nat_ct_msg.h"

#define NAT_CT_RCVBUF (8 << 20)
#define NAT_CT_PAUSE_S 0.01	/* between reads under a stream */
#define NAT_CT_VEC 64		/* datagrams per recvmmsg */
#define NAT_CT_SLOT 1024	/* bytes per event datagram (an event is
				 * ~250; a longer one is truncated: counted
				 * as a lost event, and a resync follows) */
#define NAT_CT_BUF 65536	/* >= NAT_CT_VEC * NAT_CT_SLOT; dumps */
#define NAT_CT_SETTLE_MAX 65536	/* events read after a dump at most (the
				 * buffer holds ~30k) */

struct nat_conntrack {
	struct ev_loop *loop;
	struct nat_ct_handler h;
	struct nl_sock *ev_sock;
	ev_io io;
	ev_timer pause;
	unsigned char *buf;
	struct mmsghdr vec[NAT_CT_VEC];
	struct iovec iov[NAT_CT_VEC];
	/* a dump's connections, then those of NEW events read after it */
	struct nat_ct_ids ids;
	bool ids_failed;	/* out of memory: the set is incomplete */
	bool settling;		/* reading the events queued during a dump */
};

/* One ctnetlink message; dump: every entry is NEW. */
static void one_msg(struct nat_conntrack *c, const struct nlmsghdr *nlh,
		    size_t len, bool dump)
{
	enum nat_ct_kind kind;
	struct mep_addr src, mapped;

	uint32_t id;

	if (nat_ct_msg_parse(nlh, len, dump, &kind, &src, &mapped) !=
	    NAT_CT_MSG_EVENT)
		return;
	if ((dump || c->settling) && nat_ct_msg_id(nlh, len, &id) == 1) {
		int r = nat_ct_ids_add(&c->ids, id);

		if (r < 0)
			c->ids_failed = true;
		/* a NEW the dump counted; a DESTROY of a connection
		 * never counted (ended before the dump reached it) */
		if (!dump && !c->ids_failed &&
		    (kind == NAT_CT_NEW ? r == 0 : r == 1))
			return;
	}
	c->h.event(c->h.arg, kind, &src, &mapped);
}

/* Split a datagram into messages; returns 1 at NLMSG_DONE, -1 at an
 * NLMSG_ERROR, else 0. */
static int split(struct nat_conntrack *c, const unsigned char *buf,
		 ssize_t len, bool dump)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

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
		one_msg(c, nlh, (size_t)len, dump);
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
	/* NAT_CT_VEC datagrams (one event each) per system call */
	while (msgs < NAT_CT_BATCH) {
		int n = recvmmsg(fd, c->vec, NAT_CT_VEC, MSG_DONTWAIT, NULL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = true;
				continue;
			}
			break;	/* EAGAIN: all read */
		}
		for (int i = 0; i < n; i++) {
			if (c->vec[i].msg_hdr.msg_flags & MSG_TRUNC) {
				/* longer than a slot: its event is lost,
				 * counted and repaired as one (a resync) */
				if (c->h.lost)
					c->h.lost(c->h.arg);
				continue;
			}
			(void)split(c, c->buf + (size_t)i * NAT_CT_SLOT,
				    (ssize_t)c->vec[i].msg_len, false);
		}
		msgs += (size_t)n;
		if (n < NAT_CT_VEC)
			break;
	}
	if (c->h.batch_done)
		c->h.batch_done(c->h.arg);
	if (lost && c->h.lost)
		c->h.lost(c->h.arg);
	/* let events gather: one wake-up per NAT_CT_PAUSE_S at most (a
	 * wake-up per event cost more than reading it) */
	ev_io_stop(c->loop, &c->io);
	ev_timer_set(&c->pause, NAT_CT_PAUSE_S, 0.);
	ev_timer_start(c->loop, &c->pause);
}

static void on_pause_over(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nat_conntrack *c = w->data;

	(void)revents;
	ev_io_start(loop, &c->io);
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
	for (int i = 0; i < NAT_CT_VEC; i++) {
		c->iov[i].iov_base = c->buf + (size_t)i * NAT_CT_SLOT;
		c->iov[i].iov_len = NAT_CT_SLOT;
		c->vec[i].msg_hdr.msg_iov = &c->iov[i];
		c->vec[i].msg_hdr.msg_iovlen = 1;
	}
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
	ev_timer_init(&c->pause, on_pause_over, 0., 0.);
	c->pause.data = c;
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
		if (c->loop) {
			ev_io_stop(c->loop, &c->io);
			ev_timer_stop(c->loop, &c->pause);
		}
		nl_socket_free(c->ev_sock);
	}
	nat_ct_ids_free(&c->ids);
	free(c->buf);
	free(c);
}

/* After a dump: the events queued meanwhile, each applied once (see
 * one_msg()); then the ids are forgotten. */
static void settle(struct nat_conntrack *c)
{
	int fd = nl_socket_get_fd(c->ev_sock);
	bool lost = c->ids_failed;

	c->settling = true;
	for (int i = 0; i < NAT_CT_SETTLE_MAX; i++) {
		ssize_t n = recv(fd, c->buf, NAT_CT_BUF, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			lost = true;
			continue;
		}
		if (n <= 0)
			break;	/* EAGAIN: all read */
		(void)split(c, c->buf, n, false);
	}
	c->settling = false;
	lost = lost || c->ids_failed;
	nat_ct_ids_free(&c->ids);
	c->ids_failed = false;
	if (lost && c->h.lost)
		c->h.lost(c->h.arg);
}

int nat_conntrack_dump(struct nat_conntrack *c, struct strbuf *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct timeval tv = { .tv_sec = 1 };	/* per read, not the whole */
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
			goto fail;
		}
		done = split(c, c->buf, n, true);
		if (done < 0) {
			strbuf_puts(err, "conntrack dump: refused by the "
					 "kernel");
			goto fail;
		}
	}
	nl_socket_free(sk);
	settle(c);
	return 0;
fail:
	nl_socket_free(sk);
	nat_ct_ids_free(&c->ids);
	c->ids_failed = false;
	return -1;
}
