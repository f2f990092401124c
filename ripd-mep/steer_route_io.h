/* steer_route_io: route steering on a satellite, the adapter (I/O on the
 * libev loop). After every re-resolution of the entry points it computes
 * the desired steering (steer_route.c) and makes the kernel equal to it:
 *   - routes of the steering protocol in the steering table and in each
 *     center's table, over rtnetlink (rim_kernel's handles and request
 *     loop; one handle per table);
 *   - ip rules of the steering protocol (fwmark -> a center's table, and
 *     the steering table), over the same netlink code;
 *   - for per-pair entry points, the nftables table inet ripd_mep_steer
 *     (comment "ripd-mep steering") through nft_run: one transaction per
 *     change, a center's failure rewriting only the map elements of its
 *     buckets. A table of that name without the comment is someone
 *     else's: it is never touched, and the per-pair destinations are
 *     shown failed with the reason.
 * Nothing is read or written while no community is route-steered on this
 * node and nothing was steered in this run.
 *
 * Start-up: the daemon adopts what a previous run left (routes, rules,
 * the table and its map, read back) and changes nothing until every
 * route-steered center has a first verdict (or its probe dead time has
 * passed), so a restart does not move traffic. Exit: the state is left
 * in place (traffic keeps flowing while the daemon is away). A failed
 * change (an interface that does not exist yet, the kernel refusing) is
 * shown and retried every second. */
#ifndef RIPD_MEP_STEER_ROUTE_IO_H
#define RIPD_MEP_STEER_ROUTE_IO_H

#include <ev.h>
#include <stdbool.h>
#include <time.h>

#include "prefix.h"
#include "steer_route.h"

struct daemon;
struct steer_route_io;

/* Subscribe to d's re-resolutions and converge once. NULL when out of
 * memory (logged). */
struct steer_route_io *steer_route_io_new(struct ev_loop *loop,
					  struct daemon *d);
/* Unsubscribe and release; the kernel state is left as it is. */
void steer_route_io_free(struct steer_route_io *s);

/* Recompute and apply now (the re-resolution hook calls it). */
void steer_route_io_update(struct steer_route_io *s);

/* The steering of one destination for show mep entry-points: state
 * ("up", "moving: ...", "failed: ..."), what carries it and since when.
 * False when s is NULL or the destination is not route-steered. */
bool steer_route_io_show(const struct steer_route_io *s, int community,
			 const struct mep_prefix *dst, const char **state,
			 const char **via, time_t *since);

/* The last desired state (show mep steering); NULL when s is NULL. */
const struct steer_route_desired *
steer_route_io_desired(const struct steer_route_io *s);
/* The nftables table's status: "absent", "ours", "foreign" (refused). */
const char *steer_route_io_nft_status(const struct steer_route_io *s);
/* The last apply error, "" when the kernel holds the desired state. */
const char *steer_route_io_error(const struct steer_route_io *s);

#endif
