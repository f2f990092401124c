/* rim_kernel: the kernel routing backend of RIM (I/O adapter over
 * rtnetlink, libnl-route-3). It owns one NETLINK_ROUTE socket and manages
 * the routes of one protocol number in one routing table, IPv4 and IPv6:
 * list them, add or replace one, delete one. It never lists, changes or
 * deletes a route of another protocol, nor a route in another table.
 *
 * Route priority (the kernel's "metric" as `ip route` prints it) encodes
 * both the administrative distance and the metric the way zebra reads
 * kernel routes:
 *
 *	priority = distance << 24 | metric	(metric capped at 2^24 - 1)
 *
 * e.g. distance 20, metric 10 -> priority 335544330; zebra (which learns
 * protocol 250 as a KERNEL route) shows "[20/10]". Since the priority is
 * part of a kernel route's identity, a change of distance or metric is
 * made before it is broken: the route with the new priority is added
 * first, then the old one is deleted; the prefix is never absent.
 *
 * Calls are blocking but bounded: each request waits at most
 * RIM_KERNEL_TIMEOUT_MS for the kernel's answer (it answers at once), and
 * the socket is non-blocking underneath. Errors are negative errno values
 * with, when err is not NULL, one line saying what failed (including the
 * kernel's extended ack message when it gives one).
 *
 * rim_kernel_backend is RIM's kernel backend over it (rim_backend.h): it
 * keeps our routes of the table as it changed them (a cache, re-read from
 * the kernel at start and at every repair run: kernel-libipsec removes
 * every route via ipsec0 with the device and sends no delete), applies
 * rim_reconcile()'s minimal changes, and moves the routes in place when
 * the interface or next hop changes (never withdrawing them). */
#ifndef RIPD_MEP_RIM_KERNEL_H
#define RIPD_MEP_RIM_KERNEL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "prefix.h"
#include "rim_backend.h"
#include "strbuf.h"

/* Our private route protocol number: outside the kernel's own (0-4), the
 * numbers of common routing daemons (8-18, 42, 99) and FRR's (11, 42,
 * 186-198, which zebra would treat as its own routes). zebra learns
 * routes of protocol 250 as KERNEL routes. */
#define RIM_KERNEL_PROTO 250
/* Largest metric that fits the low 24 bits of the priority. */
#define RIM_KERNEL_METRIC_MAX 0xffffffU
/* Upper bound of one request/answer exchange with the kernel. */
#define RIM_KERNEL_TIMEOUT_MS 2000

/* One route of ours. As input (add_or_replace), prefix, distance, metric
 * and at least one of ifname / via are used. As output (list), ifname is
 * the device's current name ("" if it has none or is gone) and via the
 * gateway (first next hop of a multipath route). */
struct rim_kernel_route {
	struct mep_prefix prefix;
	uint8_t distance;
	uint32_t metric;		/* > RIM_KERNEL_METRIC_MAX is capped */
	char ifname[IF_NAMESIZE];	/* "" for none */
	bool has_via;
	struct mep_addr via;		/* same family as prefix */
};

/* Fill out for prefix p with distance and metric, pointing where the
 * configuration says: rim->interface (may be "") and, when configured,
 * rim->next_hop. (A struct rim_route maps onto it field by field; its tag
 * has no place in a kernel route.) */
void rim_kernel_route_from_config(struct rim_kernel_route *out,
				  const struct mep_prefix *p,
				  uint8_t distance, uint32_t metric,
				  const struct mep_rim_config *rim);

/* Opaque handle; owns the netlink socket. */
struct rim_kernel;

/* Pure helpers (no I/O): the priority of (distance, metric), the metric
 * capped at RIM_KERNEL_METRIC_MAX; and back. */
uint32_t rim_kernel_priority(uint8_t distance, uint32_t metric);
void rim_kernel_priority_split(uint32_t priority, uint8_t *distance,
			       uint32_t *metric);

/* Open a backend for routing table `table` (1..252 or >= 256: 0 and the
 * kernel's default/main/local tables 253..255 are refused) and route
 * protocol `protocol` (normally RIM_KERNEL_PROTO; the kernel's 0..4 and
 * FRR's 11, 42, 186..198 are refused). On success *out owns the socket;
 * release it with rim_kernel_close(). Returns 0 or a negative errno. */
int rim_kernel_open(struct rim_kernel **out, uint32_t table,
		    uint8_t protocol, struct strbuf *err);
void rim_kernel_close(struct rim_kernel *k);

uint32_t rim_kernel_table(const struct rim_kernel *k);
uint8_t rim_kernel_protocol(const struct rim_kernel *k);

/* Every route of our protocol in our table, IPv4 then IPv6 as the kernel
 * dumps them. *routes is a malloc'ed array of *n entries (NULL when
 * empty) that the caller frees with free(). Returns 0 or a negative
 * errno (then *routes is NULL and *n is 0). */
int rim_kernel_list(struct rim_kernel *k, struct rim_kernel_route **routes,
		    size_t *n, struct strbuf *err);

/* Install r, or update our route for r->prefix: same priority -> replaced
 * in place (NLM_F_REPLACE, e.g. a new device or next hop); new priority
 * -> the new route is added, then our routes for the prefix with other
 * priorities are deleted. Errors: -ENODEV when r->ifname does not exist
 * (the caller logs and retries later), -ENETDOWN when it is down,
 * -EEXIST when a route of another protocol holds the same prefix and
 * priority in our table (it is left alone), -EINVAL for a bad route
 * (no device and no next hop, next hop of the other family, bad prefix
 * length, IPv6 priority 0), others from the kernel. */
int rim_kernel_add_or_replace(struct rim_kernel *k,
			      const struct rim_kernel_route *r,
			      struct strbuf *err);

/* Delete every route of ours for prefix p (whatever its priority and next
 * hop). Deleting a route that does not exist succeeds. Returns 0 or a
 * negative errno. */
/* Like rim_kernel_add_or_replace() for a caller that knows what the
 * table holds (its own cache): old is our route for the prefix as the
 * table has it, or NULL when there is none. No dump of the table, so a
 * burst of routes costs one request each. */
int rim_kernel_install(struct rim_kernel *k, const struct rim_kernel_route *r,
		       const struct rim_kernel_route *old, struct strbuf *err);

int rim_kernel_delete(struct rim_kernel *k, const struct mep_prefix *p,
		      struct strbuf *err);

/* The socket for the other rtnetlink users of the daemon (route
 * steering's ip rules), so that there is one request/answer loop: send
 * msg (a libnl struct nl_msg, freed here; it should ask for an ack) and
 * read the answer within RIM_KERNEL_TIMEOUT_MS; each data message of a
 * dump goes to fn (may be NULL), whose negative return is kept. Returns 0
 * or a negative errno; kmsg (kmsglen bytes) gets the kernel's extended
 * ack message, "" when none. */
struct nl_msg;
struct nlmsghdr;
typedef int (*rim_kernel_msg_fn)(struct nlmsghdr *h, void *arg);
int rim_kernel_request(struct rim_kernel *k, struct nl_msg *msg,
		       rim_kernel_msg_fn fn, void *arg, char *kmsg,
		       size_t kmsglen);

extern const struct rim_backend_ops rim_kernel_backend;

#endif
