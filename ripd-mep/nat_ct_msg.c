/* nat_ct_msg: source, mapped address and kind of a ctnetlink event,
 * bounds-checked (see nat_ct_msg.h). */
#include "nat_ct_msg.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#define ALIGN4(x) (((x) + 3u) & ~(size_t)3u)

/* The attribute of type want among the attributes in [p, p + len), its
 * payload in *val and *vlen; 1 found, 0 not, -1 malformed. */
static int find_attr(const uint8_t *p, size_t len, unsigned want,
		     const uint8_t **val, size_t *vlen)
{
	while (len >= sizeof(struct nlattr)) {
		struct nlattr a;

		memcpy(&a, p, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > len)
			return -1;
		if ((a.nla_type & NLA_TYPE_MASK) == want) {
			*val = p + sizeof(a);
			*vlen = a.nla_len - sizeof(a);
			return 1;
		}
		if (ALIGN4(a.nla_len) >= len)
			return 0;
		p += ALIGN4(a.nla_len);
		len -= ALIGN4(a.nla_len);
	}
	return len ? -1 : 0;
}

/* The attributes (p, len) -> tuple (CTA_TUPLE_ORIG or _REPLY) ->
 * CTA_TUPLE_IP -> the v4 or v6 address of type v4 / v4 + 2 (SRC 1 /
 * V6_SRC 3, DST 2 / V6_DST 4). 1 found, 0 not, -1 malformed. */
static int tuple_addr(const uint8_t *p, size_t len, unsigned tuple,
		      unsigned v4, struct mep_addr *out)
{
	const uint8_t *t, *ip, *v;
	size_t tlen, iplen, vlen;
	int r = find_attr(p, len, tuple, &t, &tlen);

	if (r <= 0)
		return r;
	r = find_attr(t, tlen, CTA_TUPLE_IP, &ip, &iplen);
	if (r <= 0)
		return r;
	memset(out, 0, sizeof(*out));
	r = find_attr(ip, iplen, v4, &v, &vlen);
	if (r < 0)
		return r;
	if (r == 1) {
		if (vlen != 4)
			return -1;
		out->family = AF_INET;
		memcpy(out->addr, v, 4);
		return 1;
	}
	r = find_attr(ip, iplen, v4 + 2, &v, &vlen);
	if (r <= 0)
		return r;
	if (vlen != 16)
		return -1;
	out->family = AF_INET6;
	memcpy(out->addr, v, 16);
	return 1;
}

enum nat_ct_msg_result nat_ct_msg_parse(const void *msg, size_t len,
					bool dump, enum nat_ct_kind *kind,
					struct mep_addr *src,
					struct mep_addr *mapped)
{
	const uint8_t *p = msg, *v;
	struct nlmsghdr h;
	size_t off = NLMSG_HDRLEN + ALIGN4(sizeof(struct nfgenmsg)), vlen;
	unsigned type;
	uint32_t status;
	int r;

	if (len < sizeof(h))
		return NAT_CT_MSG_BAD;
	memcpy(&h, p, sizeof(h));
	if (h.nlmsg_len < off || h.nlmsg_len > len)
		return NAT_CT_MSG_BAD;
	if (NFNL_SUBSYS_ID(h.nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return NAT_CT_MSG_SKIP;
	type = NFNL_MSG_TYPE(h.nlmsg_type);
	if (type == IPCTNL_MSG_CT_NEW)
		*kind = NAT_CT_NEW;
	else if (type == IPCTNL_MSG_CT_DELETE && !dump)
		*kind = NAT_CT_DESTROY;
	else
		return NAT_CT_MSG_SKIP;
	p += off;
	len = h.nlmsg_len - off;
	r = find_attr(p, len, CTA_STATUS, &v, &vlen);
	if (r < 0 || (r == 1 && vlen != 4))
		return NAT_CT_MSG_BAD;
	if (r == 0)
		return NAT_CT_MSG_SKIP;
	memcpy(&status, v, 4);
	if (!(ntohl(status) & IPS_SRC_NAT))
		return NAT_CT_MSG_SKIP;
	r = tuple_addr(p, len, CTA_TUPLE_ORIG, CTA_IP_V4_SRC, src);
	if (r > 0)
		r = tuple_addr(p, len, CTA_TUPLE_REPLY, CTA_IP_V4_DST, mapped);
	if (r <= 0)
		return r < 0 ? NAT_CT_MSG_BAD : NAT_CT_MSG_SKIP;
	return NAT_CT_MSG_EVENT;
}

int nat_ct_msg_id(const void *msg, size_t len, uint32_t *id)
{
	const uint8_t *p = msg, *v;
	struct nlmsghdr h;
	size_t off = NLMSG_HDRLEN + ALIGN4(sizeof(struct nfgenmsg)), vlen;
	int r;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	if (h.nlmsg_len < off || h.nlmsg_len > len)
		return -1;
	r = find_attr(p + off, h.nlmsg_len - off, CTA_ID, &v, &vlen);
	if (r <= 0)
		return r;
	if (vlen != 4)
		return -1;
	memcpy(id, v, 4);
	*id = ntohl(*id);
	return 1;
}
