/* prefix: parsing, printing and set relations of addresses and prefixes. */
#include "prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int mep_addr_parse(const char *s, struct mep_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* Is every bit of addr past the first len bits zero? */
static bool host_bits_clear(const uint8_t *addr, size_t bytes, unsigned len)
{
	for (size_t i = 0; i < bytes; i++) {
		unsigned first = (unsigned)i * 8;
		uint8_t mask;

		if (first + 8 <= len)
			continue;
		mask = first >= len ? 0xff : (uint8_t)(0xff >> (len - first));
		if (addr[i] & mask)
			return false;
	}
	return true;
}

int mep_prefix_parse(const char *s, struct mep_prefix *out, const char **err)
{
	char host[MEP_PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	struct mep_addr a;
	char *end;
	unsigned long len;
	size_t hostlen;

	memset(out, 0, sizeof(*out));
	if (err)
		*err = "malformed prefix (expected A.B.C.D/M or X:X::X:X/M)";
	if (!slash)
		return -1;
	hostlen = (size_t)(slash - s);
	if (hostlen == 0 || hostlen >= sizeof(host))
		return -1;
	memcpy(host, s, hostlen);
	host[hostlen] = '\0';
	if (mep_addr_parse(host, &a) < 0)
		return -1;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0')
		return -1;
	if (len > mep_family_bytes(a.family) * 8) {
		if (err)
			*err = "prefix length out of range";
		return -1;
	}
	if (!host_bits_clear(a.addr, mep_family_bytes(a.family), (unsigned)len)) {
		if (err)
			*err = "host bits set past the prefix length";
		return -1;
	}
	out->family = a.family;
	out->len = (uint8_t)len;
	memcpy(out->addr, a.addr, sizeof(out->addr));
	if (err)
		*err = NULL;
	return 0;
}

const char *mep_addr_str(const struct mep_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->addr, buf,
		       (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *mep_prefix_str(const struct mep_prefix *p, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family == AF_INET ? AF_INET : AF_INET6, p->addr, host,
		       sizeof(host)))
		snprintf(host, sizeof(host), "?");
	snprintf(buf, len, "%s/%u", host, p->len);
	return buf;
}

/* Do a and b agree on their first len bits? */
static bool same_leading_bits(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool mep_prefix_contains(const struct mep_prefix *p, const struct mep_addr *a)
{
	return p->family == a->family &&
	       same_leading_bits(p->addr, a->addr, p->len);
}

bool mep_prefix_overlaps(const struct mep_prefix *p, const struct mep_prefix *q)
{
	unsigned shorter = p->len < q->len ? p->len : q->len;

	return p->family == q->family &&
	       same_leading_bits(p->addr, q->addr, shorter);
}

bool mep_prefix_covers(const struct mep_prefix *outer,
		       const struct mep_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       same_leading_bits(outer->addr, inner->addr, outer->len);
}

bool mep_prefix_equal(const struct mep_prefix *p, const struct mep_prefix *q)
{
	return p->family == q->family && p->len == q->len &&
	       memcmp(p->addr, q->addr, mep_family_bytes(p->family)) == 0;
}

bool mep_addr_equal(const struct mep_addr *a, const struct mep_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->addr, b->addr, mep_family_bytes(a->family)) == 0;
}


bool mep_prefix_valid(const struct mep_prefix *p)
{
	size_t bytes = mep_family_bytes(p->family);

	return bytes && p->len <= bytes * 8;
}

void mep_prefix_mask(struct mep_prefix *p)
{
	size_t bytes = mep_family_bytes(p->family);

	for (size_t i = 0; i < sizeof(p->addr); i++) {
		unsigned first = (unsigned)i * 8;

		if (i >= bytes || first >= p->len)
			p->addr[i] = 0;
		else if (first + 8 > p->len)
			p->addr[i] &= (uint8_t)(0xff << (first + 8 - p->len));
	}
}

struct mep_prefix mep_prefix_masked(const struct mep_prefix *p)
{
	struct mep_prefix m = *p;

	mep_prefix_mask(&m);
	return m;
}
