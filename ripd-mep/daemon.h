/* daemon: the running state of ripd-mep and the transitions on it:
 * applying a checked configuration (the transaction's last phase),
 * reloading the file, writing it back, and the operator's liveness
 * overrides. The event loop and the sockets live in main.c. */
#ifndef RIPD_MEP_DAEMON_H
#define RIPD_MEP_DAEMON_H

#include <libyang/libyang.h>
#include <stdbool.h>
#include <time.h>

#include "conf_load.h"
#include "conf_merge.h"
#include "ipsec_engine.h"
#include "rim_feed.h"
#include "config.h"
#include "liveness.h"
#include "mep.h"
#include "strbuf.h"

/* The last resolved entry point of the local satellite per community and
 * destination domain. It is also the table of existing connections,
 * (satellite, source, destination) -> entry point used: until steering
 * reports the real connections, the one connection the daemon knows of
 * toward a destination domain is the local satellite's tunnel to it, the
 * pair (the local gateway's first domain's address, the domain's
 * address) in query. Re-resolving that pair passes the gateway used as
 * `existing`, so primary-backup keeps it on the backup after the primary
 * returns (new connections, any other pair, go to the primary). */
struct daemon_entry_point {
	int community;
	struct mep_prefix destination;
	struct mep_query query;
	struct mep_result result;
};

/* An entry-point change event: the entry point of (community, satellite,
 * destination) changed from old to now, because of why. Published for
 * each destination of the local satellite whose gateway or status
 * changed (old NULL: first resolution since the configuration was
 * applied); not for random entry points (chosen per pair, no single
 * one). repeat is true when an earlier destination of the same
 * re-resolution had the same result (community, gateway, rank, status):
 * the tracking log prints one line per community choice. */
struct daemon_entry_change {
	int community;
	int satellite;
	const struct mep_prefix *destination;
	const struct mep_query *query;
	const struct mep_result *old;	/* NULL: none before */
	const struct mep_result *now;
	const char *why;		/* "configuration applied", ... */
	bool repeat;
};

struct daemon;
struct probe_io;
struct steer_child_io;
struct nat;
typedef void (*daemon_entry_fn)(void *arg, struct daemon *d,
				const struct daemon_entry_change *ch);

struct daemon_entry_subscriber {
	daemon_entry_fn fn;
	void *arg;
};

#define DAEMON_ENTRY_SUBSCRIBERS_MAX 8

/* Called after every re-resolution of the entry points (configuration
 * applied, a liveness change), whether or not an entry point changed:
 * for consumers that also need the per-pair choices, which publish no
 * change event (route steering's buckets). */
typedef void (*daemon_resolved_fn)(void *arg, struct daemon *d);
struct steer_route_io;

struct daemon {
	struct ly_ctx *ctx;
	char config_path[4096];
	char *pathspace;		/* NULL without -N */
	struct lyd_node *running;	/* running configuration tree */
	struct mep_config cfg;		/* its plain-C view */
	time_t config_loaded;
	struct mep_engine *engine;
	struct liveness_table live;	/* one record per gateway, by name */
	struct daemon_entry_point *entry;	/* local satellite's entry points */
	size_t n_entry;
	/* The entries are of a previous configuration: the next
	 * re-resolution reports every destination as new (old NULL). */
	bool entry_fresh;
	struct daemon_entry_subscriber entry_sub[DAEMON_ENTRY_SUBSCRIBERS_MAX];
	size_t n_entry_sub;
	daemon_resolved_fn resolved_fn;	/* one consumer, or NULL */
	void *resolved_arg;
	struct steer_route_io *steer_route;	/* route steering; NULL
						 * until daemon_start() */
	struct ipsec_engine *ipsec;	/* strongSwan; NULL until
					 * daemon_start() */
	struct rim_feed *rim;		/* RIM, its subscriber; same */
	struct steer_child_io *steer;	/* steering child-sa; same */
	struct probe_io *probe;		/* probing (probe_io); NULL until
					 * daemon_start() */
	struct nat *nat;		/* IP Pool NAT; NULL until
					 * daemon_start() (and while held) */
	/* `mep drain`: this center's replies carry the drain flag. Run-time
	 * state, not configuration (kept across configuration changes). */
	bool drain;
	/* The IPsec engine was lost (its VICI session closed) and has not
	 * connected again: this center cannot carry tunnels, so its probe
	 * replies carry the drain flag too (satellites move away at once
	 * instead of waiting for their DPD and failed initiates). Never set
	 * before the first connection (a gateway without strongSwan). */
	bool engine_lost;
	/* Who changed the running configuration, for the merge of
	 * concurrent configuration sessions (conf_merge). */
	struct conf_history history;
	unsigned next_session;		/* last vty session number given */
	unsigned config_lock;		/* session holding `configure
					 * exclusive`, 0: none */
	/* Started with an invalid file: no backend session (zebra keeps the
	 * routes of the last run meanwhile) until a valid configuration is
	 * applied; then the link starts on loop with zserv. */
	bool held;
	char held_reason[512];
	struct ev_loop *loop;
	char zserv[4200];
};

/* Initialise with a context and an empty configuration. Returns 0 or -1. */
int daemon_init(struct daemon *d, struct ly_ctx *ctx, const char *config_path,
		const char *pathspace);
void daemon_fini(struct daemon *d);

/* Start the I/O of the running configuration on loop: the strongSwan
 * link and the routing backend (zserv: zebra's socket). With held (the
 * start-up file was invalid; why says how) nothing is opened until the
 * next daemon_apply(). Returns 0 or -1. */
int daemon_start(struct daemon *d, struct ev_loop *loop, const char *zserv,
		 bool held, const char *why);

/* Apply a checked candidate (takes it over; cannot fail). Logs its
 * warnings, carries liveness over by gateway name and re-resolves the
 * entry points; a held daemon starts its link (out of memory: logged,
 * stays held). */
void daemon_apply(struct daemon *d, struct conf_candidate *cand);

/* daemon_apply, recording the commit in the history as made by source
 * ("vty session 3", "file reload"). */
void daemon_apply_from(struct daemon *d, struct conf_candidate *cand,
		       const char *source);

/* Reload the configuration file as one transaction (refused while a vty
 * session holds `configure exclusive`). On error the running
 * configuration is untouched and err says why. Returns 0 or -1. */
int daemon_reload(struct daemon *d, struct strbuf *err);

/* Write the running configuration to the file atomically (temporary file,
 * fsync, rename). Refused while held (the running configuration is the
 * empty stand-in, the file the operator's to fix). Returns 0 or -1 with
 * err set. */
int daemon_write_config(struct daemon *d, struct strbuf *err);

/* Operator override of a gateway's liveness (debug mep gateway ...);
 * clear=true removes it, and the gateway's other source (probe, or IKE
 * for a third-party gateway) applies again. Returns -1 when the gateway
 * is unknown. */
int daemon_set_override(struct daemon *d, const char *name,
			enum mep_liveness_state state, uint32_t rtt_us,
			bool clear);

/* Subscribe fn(arg, ...) to entry-point change events (in subscription
 * order; the tracking log subscribes in daemon_init). Returns 0, or -1
 * when the list is full. */
int daemon_entry_subscribe(struct daemon *d, daemon_entry_fn fn, void *arg);
void daemon_entry_unsubscribe(struct daemon *d, daemon_entry_fn fn, void *arg);

/* Re-resolve the local satellite's entry points and publish a change
 * event for each change; why says what caused the re-resolution. */
void daemon_update_entry_points(struct daemon *d, const char *why);

/* Re-resolve only the entry points gateway gw can change: those of the
 * communities where gw is an entry (center or meshed member), or whose
 * result names gw; the others keep their result and publish nothing. */
void daemon_update_entry_points_of(struct daemon *d, int gw, const char *why);

/* What the prober says about gateway gw (a center of the local
 * satellite): verdict, reported RTT, consecutive losses and the drain
 * flag of its last reply. Updates the liveness table and, when the
 * verdict changed, re-resolves the entry points gw can change
 * (daemon_update_entry_points_of). */
void daemon_probe_report(struct daemon *d, int gw,
			 enum mep_liveness_state state, uint32_t rtt_us,
			 uint32_t losses, bool drain);

/* What the IPsec engine says about third-party gateway gw (IKE_SA
 * established: up; gone: down); as daemon_probe_report. */
void daemon_ike_report(struct daemon *d, int gw,
		       enum mep_liveness_state state);

/* `mep drain` / `no mep drain` on this center: the responder's replies
 * carry the drain flag from now on. */
void daemon_set_drain(struct daemon *d, bool drain);

/* Whether this center's probe replies carry the drain flag: `mep drain`,
 * or the IPsec engine lost (engine_lost). */
bool daemon_draining(const struct daemon *d);

/* The gateway an existing connection of q's (satellite, source,
 * destination) uses (see struct daemon_entry_point), or -1. */
int daemon_existing_entry(const struct daemon *d, const struct mep_query *q);

/* Resolve a query with the current state (show mep resolve): an existing
 * connection's gateway is passed as q->existing when q->existing < 0. */
enum mep_status daemon_resolve(struct daemon *d, const struct mep_query *q,
			       struct mep_result *res);

#endif
