/* prefix: IPv4/IPv6 addresses and prefixes as plain values (pure, no I/O).
 * Parsing is strict: a prefix with host bits set is rejected. */
#ifndef RIPD_MEP_PREFIX_H
#define RIPD_MEP_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* family is AF_INET or AF_INET6; addr holds 4 or 16 significant bytes. */
struct mep_addr {
	uint8_t family;
	uint8_t addr[16];
};

struct mep_prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

/* Longest text form of an address or prefix, with the NUL. */
#define MEP_PREFIX_STRLEN 48

/* Return 0 on success, -1 on a malformed string.  On error, if err is not
 * NULL, a short reason ("host bits set", "length out of range", ...) is
 * written there. */
int mep_addr_parse(const char *s, struct mep_addr *out);
int mep_prefix_parse(const char *s, struct mep_prefix *out, const char **err);

/* Write the canonical text form into buf (MEP_PREFIX_STRLEN bytes). */
const char *mep_addr_str(const struct mep_addr *a, char *buf, size_t len);
const char *mep_prefix_str(const struct mep_prefix *p, char *buf, size_t len);

bool mep_prefix_contains(const struct mep_prefix *p, const struct mep_addr *a);
/* True when p and q share at least one address. */
bool mep_prefix_overlaps(const struct mep_prefix *p, const struct mep_prefix *q);
/* True when outer contains every address of inner. */
bool mep_prefix_covers(const struct mep_prefix *outer,
		       const struct mep_prefix *inner);
bool mep_prefix_equal(const struct mep_prefix *p, const struct mep_prefix *q);
bool mep_addr_equal(const struct mep_addr *a, const struct mep_addr *b);

/* Significant bytes of an address of family: 4 (AF_INET), 16 (AF_INET6),
 * 0 for any other family. Inline: the route sort's comparator calls it. */
static inline size_t mep_family_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}
/* Is p usable: family AF_INET with len <= 32, or AF_INET6 with len <= 128?
 * (Prefixes built from the wire or by hand must pass this before the set
 * relations above are trusted on them.) */
bool mep_prefix_valid(const struct mep_prefix *p);
/* Clear the host bits past p->len and every byte past the family's
 * address, so that equal prefixes compare equal byte for byte. */
void mep_prefix_mask(struct mep_prefix *p);
/* A masked copy of p. */
struct mep_prefix mep_prefix_masked(const struct mep_prefix *p);

#endif
