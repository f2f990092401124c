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
#include "mep.h"
#include "strbuf.h"

/* What the daemon knows of one gateway's liveness; kept by name so that
 * it survives configuration changes. */
struct daemon_gateway_state {
	char name[MEP_NAME_MAX];
	struct mep_liveness live;
	bool override;
	time_t last_change;	/* 0: never */
};

/* The last resolved entry point of the local satellite per community and
 * destination domain, to log tracking lines only on changes. */
struct daemon_entry_point {
	int community;
	struct mep_prefix destination;
	struct mep_result result;
};

struct daemon {
	struct ly_ctx *ctx;
	char config_path[4096];
	char *pathspace;		/* NULL without -N */
	struct lyd_node *running;	/* running configuration tree */
	struct mep_config cfg;		/* its plain-C view */
	time_t config_loaded;
	struct mep_engine *engine;
	struct daemon_gateway_state *gw;	/* cfg.n_gateways entries */
	struct mep_liveness *live;		/* same, for mep_resolve() */
	struct daemon_entry_point *entry;	/* local satellite's entry points */
	size_t n_entry;
	struct ipsec_engine *ipsec;	/* strongSwan; NULL until
					 * daemon_start() */
	struct rim_feed *rim;		/* RIM, its subscriber; same */
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
 * clear=true removes it. Returns -1 when the gateway is unknown. */
int daemon_set_override(struct daemon *d, const char *name,
			enum mep_liveness_state state, uint32_t rtt_us,
			bool clear);

/* Re-resolve the local satellite's entry points; log a tracking line for
 * each change where the community has "mep tracking log". */
void daemon_update_entry_points(struct daemon *d);

/* Resolve a query with the current state (show mep resolve). */
enum mep_status daemon_resolve(struct daemon *d, const struct mep_query *q,
			       struct mep_result *res);

#endif
