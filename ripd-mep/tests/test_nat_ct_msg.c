/* test_nat_ct_msg: the ctnetlink event reader (nat_ct_msg.c) on messages
 * built here the way the kernel lays them out: NEW and DESTROY events of
 * source-NATed IPv4 and IPv6 connections; not NATed, another subsystem,
 * a dump's DELETE: skipped; every truncation and a bad attribute length:
 * rejected (never read past). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#include "nat_ct_msg.h"

struct msg {
	uint8_t b[512];
	size_t n;
};

static size_t attr_begin(struct msg *m, uint16_t type)
{
	size_t at = m->n;
	struct nlattr a = { .nla_len = 0, .nla_type = type };

	memcpy(m->b + m->n, &a, sizeof(a));
	m->n += sizeof(a);
	return at;
}

static void attr_end(struct msg *m, size_t at)
{
	uint16_t len = (uint16_t)(m->n - at);

	memcpy(m->b + at, &len, 2);
	while (m->n % 4)
		m->b[m->n++] = 0;
}

static void attr(struct msg *m, uint16_t type, const void *v, size_t len)
{
	size_t at = attr_begin(m, type);

	memcpy(m->b + m->n, v, len);
	m->n += len;
	attr_end(m, at);
}

static void tuple(struct msg *m, uint16_t which, int family,
		  const char *src, const char *dst)
{
	size_t t = attr_begin(m, which | NLA_F_NESTED);
	size_t ip = attr_begin(m, CTA_TUPLE_IP | NLA_F_NESTED);
	uint8_t a[16];
	uint16_t port = htons(80);
	size_t proto;

	inet_pton(family, src, a);
	attr(m, family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, a,
	     family == AF_INET ? 4 : 16);
	inet_pton(family, dst, a);
	attr(m, family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST, a,
	     family == AF_INET ? 4 : 16);
	attr_end(m, ip);
	proto = attr_begin(m, CTA_TUPLE_PROTO | NLA_F_NESTED);
	attr(m, CTA_PROTO_SRC_PORT, &port, 2);
	attr_end(m, proto);
	attr_end(m, t);
}

/* An event: type NEW or DELETE, status, the two tuples. */
static void build(struct msg *m, unsigned type, uint32_t status, int family,
		  const char *osrc, const char *odst, const char *rsrc,
		  const char *rdst)
{
	struct nlmsghdr h = { 0 };
	struct nfgenmsg g = { .nfgen_family = (uint8_t)family };
	uint32_t st = htonl(status);

	memset(m, 0, sizeof(*m));
	m->n = NLMSG_HDRLEN;
	memcpy(m->b + m->n, &g, sizeof(g));
	m->n += 4;
	tuple(m, CTA_TUPLE_ORIG, family, osrc, odst);
	tuple(m, CTA_TUPLE_REPLY, family, rsrc, rdst);
	attr(m, CTA_STATUS, &st, 4);
	h.nlmsg_len = (uint32_t)m->n;
	h.nlmsg_type = (uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | type);
	memcpy(m->b, &h, sizeof(h));
}

static void test_events(void **state)
{
	struct msg m;
	enum nat_ct_kind k;
	struct mep_addr s, d;
	char buf[64];

	(void)state;
	build(&m, IPCTNL_MSG_CT_NEW, IPS_SRC_NAT | IPS_CONFIRMED, AF_INET,
	      "10.13.0.2", "10.1.0.2", "10.1.0.2", "172.16.2.2");
	assert_int_equal(nat_ct_msg_parse(m.b, m.n, false, &k, &s, &d),
			 NAT_CT_MSG_EVENT);
	assert_int_equal(k, NAT_CT_NEW);
	assert_string_equal(mep_addr_str(&s, buf, sizeof(buf)), "10.13.0.2");
	assert_string_equal(mep_addr_str(&d, buf, sizeof(buf)), "172.16.2.2");
	/* a dump's entry: NEW too */
	assert_int_equal(nat_ct_msg_parse(m.b, m.n, true, &k, &s, &d),
			 NAT_CT_MSG_EVENT);
	build(&m, IPCTNL_MSG_CT_DELETE, IPS_SRC_NAT, AF_INET6,
	      "2001:db8:11::5", "fd00:1::2", "fd00:1::2", "fd00:16::7");
	assert_int_equal(nat_ct_msg_parse(m.b, m.n, false, &k, &s, &d),
			 NAT_CT_MSG_EVENT);
	assert_int_equal(k, NAT_CT_DESTROY);
	assert_string_equal(mep_addr_str(&s, buf, sizeof(buf)),
			    "2001:db8:11::5");
	assert_string_equal(mep_addr_str(&d, buf, sizeof(buf)), "fd00:16::7");
	assert_int_equal(nat_ct_msg_parse(m.b, m.n, true, &k, &s, &d),
			 NAT_CT_MSG_SKIP);
	/* not source-NATed */
	build(&m, IPCTNL_MSG_CT_NEW, IPS_DST_NAT | IPS_CONFIRMED, AF_INET,
	      "10.13.0.2", "10.1.0.2", "10.1.0.2", "10.13.0.2");
	assert_int_equal(nat_ct_msg_parse(m.b, m.n, false, &k, &s, &d),
			 NAT_CT_MSG_SKIP);
	/* another message type, another subsystem */
	build(&m, IPCTNL_MSG_CT_GET, IPS_SRC_NAT, AF_INET, "10.13.0.2",
	      "10.1.0.2", "10.1.0.2", "172.16.2.2");
	assert_int_equal(nat_ct_msg_parse(m.b, m.n, false, &k, &s, &d),
			 NAT_CT_MSG_SKIP);
	m.b[5] = NFNL_SUBSYS_QUEUE;	/* high byte of nlmsg_type */
	assert_int_equal(nat_ct_msg_parse(m.b, m.n, false, &k, &s, &d),
			 NAT_CT_MSG_SKIP);
}

static void test_malformed(void **state)
{
	struct msg m, c;
	enum nat_ct_kind k;
	struct mep_addr s, d;

	(void)state;
	build(&m, IPCTNL_MSG_CT_NEW, IPS_SRC_NAT, AF_INET, "10.13.0.2",
	      "10.1.0.2", "10.1.0.2", "172.16.2.2");
	/* every truncation of the buffer, and of the message's length */
	for (size_t n = 0; n < m.n; n++) {
		uint32_t len = (uint32_t)n;

		assert_int_equal(nat_ct_msg_parse(m.b, n, false, &k, &s, &d),
				 NAT_CT_MSG_BAD);
		c = m;
		memcpy(c.b, &len, 4);
		assert_int_not_equal(nat_ct_msg_parse(c.b, m.n, false, &k, &s,
						      &d),
				     NAT_CT_MSG_EVENT);
	}
	/* an attribute longer than the message; one shorter than its
	 * header */
	c = m;
	c.b[NLMSG_HDRLEN + 4] = 0xff;
	c.b[NLMSG_HDRLEN + 5] = 0x7f;
	assert_int_equal(nat_ct_msg_parse(c.b, c.n, false, &k, &s, &d),
			 NAT_CT_MSG_BAD);
	c = m;
	c.b[NLMSG_HDRLEN + 4] = 2;
	c.b[NLMSG_HDRLEN + 5] = 0;
	assert_int_equal(nat_ct_msg_parse(c.b, c.n, false, &k, &s, &d),
			 NAT_CT_MSG_BAD);
}

/* CTA_ID: found and in host order; none; a wrong length; truncations. */
static void test_id(void **state)
{
	struct msg m;
	uint32_t id = 0, be = htonl(0x12345678u), len;

	(void)state;
	build(&m, IPCTNL_MSG_CT_NEW, IPS_SRC_NAT, AF_INET, "10.13.0.2",
	      "10.1.0.2", "10.1.0.2", "172.16.2.2");
	assert_int_equal(nat_ct_msg_id(m.b, m.n, &id), 0);
	attr(&m, CTA_ID, &be, 4);
	len = (uint32_t)m.n;
	memcpy(m.b, &len, 4);
	assert_int_equal(nat_ct_msg_id(m.b, m.n, &id), 1);
	assert_int_equal(id, 0x12345678u);
	for (size_t n = 0; n < m.n; n++)
		assert_int_equal(nat_ct_msg_id(m.b, n, &id), -1);
	/* the id 2 bytes long */
	m.b[m.n - 8] = 6;
	assert_int_equal(nat_ct_msg_id(m.b, m.n, &id), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
