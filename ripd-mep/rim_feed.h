/* rim_feed: RIM as a subscriber of the IPsec engine. It turns tunnel
 * events into desired route sets (rim_desired() over the engine's tunnel
 * table) and feeds them to the route synchroniser (rim_sync), which it
 * owns:
 *
 *  - engine synced (listing done): routes follow the tunnel table;
 *  - engine lost: routes are held while the engine holds its tunnels
 *    (grace); at the end of the grace the emptied table withdraws them;
 *  - start-up: the routes a previous run left in the backend are held
 *    until the first listing (or the grace period), then reconciled, so a
 *    restart converges to exactly the right set;
 *  - a burst of events costs one computation after the events at hand;
 *    a stream of events at most one per computation time (reading events
 *    keeps at least half of the time);
 *  - centers follow their satellites' probes: the selectors of a silent
 *    satellite's tunnels (one whose valid probes stopped, responder.h)
 *    are withdrawn while the tunnel stays up, and injected again once it
 *    is heard; the silence comes from a source given with
 *    rim_feed_set_silence() (probe_io's responder), asked at each
 *    computation, and rim_feed_silence_changed() recomputes at once;
 *  - routes of tunnels that come up are streamed to the backend as they
 *    are read (batches of 256, or what one loop turn read), also while a
 *    listing of thousands is read; the full computation that confirms
 *    them waits 1 s or until the loop is idle. */
#ifndef RIPD_MEP_RIM_FEED_H
#define RIPD_MEP_RIM_FEED_H

#include <ev.h>

#include "config.h"
#include "ipsec_engine.h"
#include "rim_sync.h"

struct rim_feed;

/* Subscribe to engine (which must outlive the feed) and open the backend
 * for cfg (borrowed, as for the engine). zserv: zebra's socket (zebra
 * backend). NULL on allocation failure. */
struct rim_feed *rim_feed_new(struct ev_loop *loop,
			      struct ipsec_engine *engine,
			      const struct mep_config *cfg, const char *zserv);
/* Unsubscribe and stop; routes stay in the backend. */
void rim_feed_free(struct rim_feed *f);
/* Follow a new configuration (after ipsec_engine_configure()). */
void rim_feed_configure(struct rim_feed *f, const struct mep_config *cfg);

/* The silence source: fill(arg, silent, n) sets silent[gw] nonzero for
 * each gateway index gw (< n, the running configuration's gateways) that
 * is a silent satellite; silent is zeroed before. NULL: nobody silent. */
typedef void (*rim_feed_silence_fn)(void *arg, uint8_t *silent, size_t n);
void rim_feed_set_silence(struct rim_feed *f, rim_feed_silence_fn fill,
			  void *arg);
/* A satellite's silence changed: recompute the routes at once (the next
 * loop turn, without the wait a stream of tunnel events gets). */
void rim_feed_silence_changed(struct rim_feed *f);
/* The selectors of the last computation not injected because their
 * satellite is silent (reason RIM_IGNORE_SATELLITE_SILENT), for show. */
const struct rim_ignored_list *rim_feed_silenced(const struct rim_feed *f);

/* The synchroniser, for show (routes and their states, backend name). */
const struct rim_sync *rim_feed_sync(const struct rim_feed *f);

/* The engine event handler (exposed for tests). */
void rim_feed_on_event(void *arg, const struct ipsec_event *ev);

#endif
