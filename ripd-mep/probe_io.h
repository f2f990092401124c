/* probe_io: the probe protocol on the libev loop (the I/O adapter of the
 * prober and responder cores, docs/PROBE-PROTOCOL).
 *
 * Sockets: one UDP socket per address family in use, bound to the local
 * gateway's own `address` and the probe port, so that a multi-homed
 * gateway probes over the right path; the same socket serves the
 * responder (requests) and the probers (replies). The other family, when
 * a peer needs it, is bound to the wildcard address. A DNS name as
 * `address` (of the local gateway or of a peer) is resolved by the
 * resolver (a worker thread, first answer, refreshed every 60 s; the
 * configuration is applied again when an answer arrives); an `address`
 * that is not local to this host cannot be bound: it is logged and the
 * socket is bound to the wildcard address instead (the routing table
 * then picks the source).
 *
 * Roles: the responder runs on every gateway (it answers exactly the
 * satellites that probe it: prober_relation, so only centers of a MEP
 * community, explicit or implicit, answer anyone); one prober runs per
 * center the local gateway probes (prober_targets: every center of each
 * MEP community it is a satellite of, not third-party ones). Without a
 * local gateway or a probe key nothing is sent or answered.
 *
 * Time is CLOCK_MONOTONIC in µs (never the wall clock, except the first
 * sequence number, see prober.h); jitter comes from a generator seeded
 * from getrandom() here, never in the cores. One timer drives every
 * prober. A read event reads at most PROBE_IO_BURST datagrams per
 * socket per loop turn, so that a flood leaves the loop serving the vty,
 * VICI and ZAPI (the rest waits for the next turn; the kernel drops what
 * does not fit the socket buffer).
 *
 * Centers follow their satellites' probes: a timer ticks the
 * responder's silence once per interval (responder_silence_tick: a
 * satellite heard in this run and then silent for interval * dead-count
 * is silent within one interval more), a valid probe from a silent
 * satellite ends its silence at once; each change is logged and makes
 * RIM compute again (rim_feed_silence_changed), which asks
 * probe_io_fill_silent() which satellites are silent.
 *
 * Verdicts go to the daemon (daemon_probe_report) when a prober reports
 * a change (state, drain flag, reported RTT); configuration changes
 * reconfigure the probers in place (prober_set_params: no false down). */
#ifndef RIPD_MEP_PROBE_IO_H
#define RIPD_MEP_PROBE_IO_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "prober.h"
#include "responder.h"

#define PROBE_IO_BURST 32	/* datagrams read per socket per loop turn */

struct daemon;
struct probe_io;

/* One probed center. */
struct probe_io_peer {
	char name[MEP_NAME_MAX];
	int gw;				/* index in the running config */
	bool has_addr;			/* its address resolved */
	struct prober pr;
};

/* A probing adapter for d on loop; it follows d->cfg from
 * probe_io_configure() on (called by probe_io_new() too). NULL when
 * memory is short. */
struct probe_io *probe_io_new(struct ev_loop *loop, struct daemon *d);
void probe_io_free(struct probe_io *p);

/* Follow the running configuration cfg (d->cfg): key, port, address,
 * probers (carried over by name), responder's satellites. */
void probe_io_configure(struct probe_io *p, const struct mep_config *cfg);

/* silent[gw] = 1 for each satellite (gateway index gw < n of the running
 * configuration) that is silent now; p may be NULL (nobody). */
void probe_io_fill_silent(const struct probe_io *p, uint8_t *silent,
			  size_t n);

/* `mep drain`: the responder's replies carry the drain flag. */
void probe_io_set_drain(struct probe_io *p, bool drain);

/* For show: the probers, the responder, and the replies rejected before
 * any prober could take them (not a packet, bad HMAC, unknown sender). */
size_t probe_io_n_peers(const struct probe_io *p);
const struct probe_io_peer *probe_io_peer_at(const struct probe_io *p,
					     size_t i);
const struct probe_io_peer *probe_io_peer_of(const struct probe_io *p,
					     const char *name);
const struct responder *probe_io_responder(const struct probe_io *p);
const struct probe_rejects *probe_io_rejects(const struct probe_io *p);
/* The monotonic time in µs, as the cores see it. */
uint64_t probe_io_now_us(void);

#endif
