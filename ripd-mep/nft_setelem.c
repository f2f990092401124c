/* nft_setelem: set elements and a counter over raw nf_tables netlink
 * messages (see nft_setelem.h). Messages are built with libnl's nl_msg
 * and attribute helpers; replies are read with recv() and split here,
 * their attributes read with libnl's nla parsers. */
#include "nft_setelem.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#define NFT_SE_RCVBUF (1 << 20)
#define NFT_SE_BUF (256 * 1024)

struct nft_setelem {
	struct nl_sock *sk;
	uint8_t family;
	uint32_t seq;
	unsigned char *buf;
};

struct nft_setelem *nft_setelem_new(uint8_t family)
{
	struct nft_setelem *s = calloc(1, sizeof(*s));
	/* a local kernel answers at once; a silent one must not hold the
	 * loop (and the probe responder) long */
	struct timeval tv = { .tv_sec = 1 };
	int sz = NFT_SE_RCVBUF;

	if (!s)
		return NULL;
	s->family = family;
	s->seq = (uint32_t)time(NULL);
	s->buf = malloc(NFT_SE_BUF);
	s->sk = nl_socket_alloc();
	if (!s->buf || !s->sk)
		goto fail;
	nl_socket_disable_auto_ack(s->sk);
	nl_socket_disable_seq_check(s->sk);
	if (nl_connect(s->sk, NETLINK_NETFILTER) < 0)
		goto fail;
	(void)setsockopt(nl_socket_get_fd(s->sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
			 sizeof(tv));
	(void)setsockopt(nl_socket_get_fd(s->sk), SOL_SOCKET, SO_RCVBUF, &sz,
			 sizeof(sz));
	return s;
fail:
	nft_setelem_free(s);
	return NULL;
}

void nft_setelem_free(struct nft_setelem *s)
{
	if (!s)
		return;
	if (s->sk)
		nl_socket_free(s->sk);
	free(s->buf);
	free(s);
}

/* A message of type (nf_tables) with its nfgenmsg, room for size bytes
 * of attributes. */
static struct nl_msg *new_msg(struct nft_setelem *s, int type, int flags,
			      size_t size, uint32_t seq)
{
	struct nl_msg *m = nlmsg_alloc_size(size + 256);
	struct nlmsghdr *h;
	struct nfgenmsg *g;

	if (!m)
		return NULL;
	h = nlmsg_put(m, NL_AUTO_PORT, seq,
		      (NFNL_SUBSYS_NFTABLES << 8) | type, sizeof(*g), flags);
	if (!h) {
		nlmsg_free(m);
		return NULL;
	}
	g = nlmsg_data(h);
	g->nfgen_family = s->family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return m;
}

/* Send m unless building it failed (built is false), then free it:
 * 0 or -EIO. */
static int send_built(struct nft_setelem *s, struct nl_msg *m, bool built)
{
	int rc = 0;

	if (!built ||
	    nl_sendto(s->sk, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len) < 0)
		rc = -EIO;
	nlmsg_free(m);
	return rc;
}

/* The next datagram into s->buf: its length (> 0), or -errno (-EIO when
 * the socket reads nothing). */
static ssize_t recv_reply(struct nft_setelem *s)
{
	for (;;) {
		ssize_t n = recv(nl_socket_get_fd(s->sk), s->buf, NFT_SE_BUF, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		return n;
	}
}

/* The error an NLMSG_ERROR message h carries (0 for an ack), -EIO when
 * it is too short to carry one. */
static int nl_error_of(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);

	return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ? e->error : -EIO;
}

/* Read replies until the NLMSG_ERROR (ack or error) of seq, or an error
 * of a sequence number in [lo, hi]: 0 or -errno. */
static int wait_ack(struct nft_setelem *s, uint32_t seq, uint32_t lo,
		    uint32_t hi)
{
	for (;;) {
		ssize_t n = recv_reply(s);
		const struct nlmsghdr *h = (const struct nlmsghdr *)s->buf;

		if (n < 0)
			return (int)n;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type != NLMSG_ERROR ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				continue;
			if (e->error && h->nlmsg_seq >= lo && h->nlmsg_seq <= hi)
				return e->error;
			if (h->nlmsg_seq == seq)
				return e->error;
		}
	}
}

int nft_setelem_change(struct nft_setelem *s, const char *table,
		       const char *set, bool add, const struct mep_addr *a,
		       size_t n)
{
	struct {
		struct nlmsghdr h;
		struct nfgenmsg g;
	} __attribute__((packed)) begin, end;
	uint32_t seq0 = s->seq;
	struct nlattr *list, *elem, *key;
	struct nl_msg *m;
	unsigned char *out;
	size_t len;
	int rc;

	if (n == 0)
		return 0;
	s->seq += 3;
	m = new_msg(s, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
		    NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE : 0),
		    strlen(table) + strlen(set) + n * 40, seq0 + 1);
	if (!m)
		return -ENOMEM;
	rc = -ENOMEM;
	if (nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, table) < 0 ||
	    nla_put_string(m, NFTA_SET_ELEM_LIST_SET, set) < 0 ||
	    !(list = nla_nest_start(m, NFTA_SET_ELEM_LIST_ELEMENTS)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!(elem = nla_nest_start(m, NFTA_LIST_ELEM)) ||
		    !(key = nla_nest_start(m, NFTA_SET_ELEM_KEY)) ||
		    nla_put(m, NFTA_DATA_VALUE,
			    (int)mep_family_bytes(a[i].family),
			    a[i].addr) < 0)
			goto out;
		nla_nest_end(m, key);
		nla_nest_end(m, elem);
	}
	nla_nest_end(m, list);
	/* batch begin, the message, batch end: one datagram, one
	 * transaction */
	memset(&begin, 0, sizeof(begin));
	begin.h.nlmsg_len = sizeof(begin);
	begin.h.nlmsg_type = NFNL_MSG_BATCH_BEGIN;
	begin.h.nlmsg_flags = NLM_F_REQUEST;
	begin.h.nlmsg_seq = seq0;
	begin.g.res_id = htobe16(NFNL_SUBSYS_NFTABLES);
	end = begin;
	end.h.nlmsg_type = NFNL_MSG_BATCH_END;
	end.h.nlmsg_seq = seq0 + 2;
	len = sizeof(begin) + nlmsg_hdr(m)->nlmsg_len + sizeof(end);
	out = malloc(len);
	if (!out)
		goto out;
	memcpy(out, &begin, sizeof(begin));
	memcpy(out + sizeof(begin), nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
	memcpy(out + len - sizeof(end), &end, sizeof(end));
	if (nl_sendto(s->sk, out, len) < 0)
		rc = -EIO;
	else
		rc = wait_ack(s, seq0 + 1, seq0, seq0 + 2);
	free(out);
out:
	nlmsg_free(m);
	return rc;
}

/* The elements of one NEWSETELEM message. */
static long elements_of(const struct nlmsghdr *h,
			void (*fn)(void *arg, const struct mep_addr *a),
			void *arg)
{
	struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1], *e;
	long count = 0;
	int rem;

	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(struct nfgenmsg), tb,
			NFTA_SET_ELEM_LIST_MAX, NULL) < 0 ||
	    !tb[NFTA_SET_ELEM_LIST_ELEMENTS])
		return 0;
	nla_for_each_nested(e, tb[NFTA_SET_ELEM_LIST_ELEMENTS], rem) {
		struct nlattr *et[NFTA_SET_ELEM_MAX + 1];
		struct nlattr *kt[NFTA_DATA_MAX + 1];
		struct mep_addr a;
		int len;

		if (nla_parse_nested(et, NFTA_SET_ELEM_MAX, e, NULL) < 0 ||
		    !et[NFTA_SET_ELEM_KEY] ||
		    nla_parse_nested(kt, NFTA_DATA_MAX, et[NFTA_SET_ELEM_KEY],
				     NULL) < 0 ||
		    !kt[NFTA_DATA_VALUE])
			continue;
		len = nla_len(kt[NFTA_DATA_VALUE]);
		if (len != 4 && len != 16)
			continue;
		memset(&a, 0, sizeof(a));
		a.family = len == 4 ? AF_INET : AF_INET6;
		memcpy(a.addr, nla_data(kt[NFTA_DATA_VALUE]), (size_t)len);
		fn(arg, &a);
		count++;
	}
	return count;
}

long nft_setelem_dump(struct nft_setelem *s, const char *table,
		      const char *set,
		      void (*fn)(void *arg, const struct mep_addr *a),
		      void *arg)
{
	uint32_t seq = s->seq++;
	struct nl_msg *m = new_msg(s, NFT_MSG_GETSETELEM,
				   NLM_F_REQUEST | NLM_F_DUMP,
				   strlen(table) + strlen(set), seq);
	long count = 0;
	bool built;

	if (!m)
		return -ENOMEM;
	built = nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, table) >= 0 &&
		nla_put_string(m, NFTA_SET_ELEM_LIST_SET, set) >= 0;
	if (send_built(s, m, built) < 0)
		return -EIO;
	for (;;) {
		ssize_t n = recv_reply(s);
		const struct nlmsghdr *h = (const struct nlmsghdr *)s->buf;

		if (n < 0)
			return n;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;	/* a late reply */
			if (h->nlmsg_type == NLMSG_DONE)
				return count;
			if (h->nlmsg_type == NLMSG_ERROR)
				return nl_error_of(h);
			count += elements_of(h, fn, arg);
		}
	}
}

int nft_counter_packets(struct nft_setelem *s, const char *table,
			const char *name, uint64_t *packets)
{
	uint32_t seq = s->seq++;
	struct nl_msg *m = new_msg(s, NFT_MSG_GETOBJ, NLM_F_REQUEST,
				   strlen(table) + strlen(name) + 8, seq);
	bool built;

	if (!m)
		return -ENOMEM;
	built = nla_put_string(m, NFTA_OBJ_TABLE, table) >= 0 &&
		nla_put_string(m, NFTA_OBJ_NAME, name) >= 0 &&
		nla_put_u32(m, NFTA_OBJ_TYPE, htobe32(NFT_OBJECT_COUNTER)) >= 0;
	if (send_built(s, m, built) < 0)
		return -EIO;
	for (;;) {
		ssize_t n = recv_reply(s);
		const struct nlmsghdr *h = (const struct nlmsghdr *)s->buf;

		if (n < 0)
			return (int)n;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct nlattr *tb[NFTA_OBJ_MAX + 1];
			struct nlattr *ct[NFTA_COUNTER_MAX + 1];

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int err = nl_error_of(h);

				return err ? err : -EIO;
			}
			if (nlmsg_parse((struct nlmsghdr *)h,
					sizeof(struct nfgenmsg), tb,
					NFTA_OBJ_MAX, NULL) < 0 ||
			    !tb[NFTA_OBJ_DATA] ||
			    nla_parse_nested(ct, NFTA_COUNTER_MAX,
					     tb[NFTA_OBJ_DATA], NULL) < 0 ||
			    !ct[NFTA_COUNTER_PACKETS] ||
			    nla_len(ct[NFTA_COUNTER_PACKETS]) != 8)
				return -EIO;
			*packets = be64toh(
				nla_get_u64(ct[NFTA_COUNTER_PACKETS]));
			return 0;
		}
	}
}
