/* steer_child_swanctl: `show mep swanctl`, the swanctl.conf connections
 * that match the MEP configuration of the local satellite (pure: config
 * in, text out), so that strongSwan's configuration and ripd-mep's
 * cannot drift.
 *
 * One connection per center of the local satellite's explicit MEP
 * communities (named steer_child_conn(): its ike-connection, else the
 * center's name), with local_addrs/remote_addrs from the gateways'
 * addresses, IKE identities the gateways' names (as the tunnel table
 * matches peers), psk authentication (the operator adds the secrets, or
 * changes both sections to pubkey), UDP encapsulation, and dpd_delay =
 * 10 x the probe dead time (interval x dead-count) rounded up to whole
 * seconds: DPD is the fallback behind the probes and must never fire
 * first. Each connection has one child per MEP destination of its
 * communities (steer_child_name()), local_ts the satellite's own domains,
 * remote_ts the destination, start_action = none (ripd-mep initiates and
 * terminates them), dpd_action = clear, close_action = none. The lines a
 * route-steered community needs per center (if_id_in/if_id_out) come from
 * one place, steer_child_swanctl_route_lines(). */
#ifndef RIPD_MEP_STEER_CHILD_SWANCTL_H
#define RIPD_MEP_STEER_CHILD_SWANCTL_H

#include <stddef.h>

#include "config.h"
#include "prefix.h"
#include "strbuf.h"

/* The whole text; returns the number of connections (0: a comment says
 * there are none). */
size_t steer_child_swanctl(const struct mep_config *cfg, struct strbuf *out);

/* One child of center gw for destination dst, on one line (for error
 * messages: what `show mep swanctl` prints for it). */
void steer_child_swanctl_child_line(const struct mep_config *cfg, int gw,
				    const struct mep_prefix *dst,
				    struct strbuf *out);

/* The dpd_delay in seconds for the probe timers of cfg. */
unsigned steer_child_swanctl_dpd_s(const struct mep_config *cfg);

#endif
