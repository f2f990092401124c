/* config: the plain-C view of a validated configuration.
 *
 * conf_model.c builds a struct mep_config from the libyang tree (after
 * libyang has validated it); conf_rules.c then checks the rules YANG cannot
 * state; the pure modules (mep, later rim and pool) read only this struct.
 * Gateways are referred to by their index in cfg->gateways. All arrays are
 * owned by the struct and released by mep_config_free(). */
#ifndef RIPD_MEP_CONFIG_H
#define RIPD_MEP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

#define MEP_NAME_MAX 64	    /* names are 1..63 characters (YANG) */
#define MEP_HOST_MAX 256    /* IP literal or DNS name */
#define MEP_KEY_MAX 129	    /* probe key, 8..128 characters */
#define MEP_LEVELS 3	    /* primary, secondary, tertiary */

enum mep_community_type { MEP_COMMUNITY_STAR, MEP_COMMUNITY_MESHED };

enum mep_method {
	MEP_METHOD_FIRST_TO_RESPOND,
	MEP_METHOD_VPN_DOMAIN,
	MEP_METHOD_RANDOM,
	MEP_METHOD_PRIORITY_LIST,
};

enum mep_tie_break { MEP_TIE_FIRST_TO_RESPOND, MEP_TIE_RANDOM };

enum mep_return_path {
	MEP_RETURN_RIM,
	MEP_RETURN_IP_POOL_NAT,
	MEP_RETURN_NONE,
};

/* How a satellite makes its traffic follow the entry point (SPEC,
 * "Satellite steering"): which CHILD_SA is up (policy-based IPsec), or
 * routes and marks over one interface per center (route-based). */
enum mep_steering { MEP_STEERING_CHILD_SA, MEP_STEERING_ROUTE };

enum mep_rim_backend { MEP_RIM_ZEBRA, MEP_RIM_KERNEL };

/* A list of gateway indices. */
struct mep_gw_list {
	int *idx;
	size_t n;
};

struct mep_gateway {
	char name[MEP_NAME_MAX];
	char address[MEP_HOST_MAX];	/* "" when not configured */
	struct mep_prefix *domain;	/* vpn-domain, in configuration order */
	size_t n_domain;
	bool has_pool;
	struct mep_prefix pool;
	char ike_connection[128];	/* "" when not configured */
	struct mep_gw_list backups;	/* ordered backup-gateway list */
	bool third_party;
	/* Route steering: the XFRM if_id of the satellite's route-based
	 * tunnel to this center (0: none) and the satellite's interface of
	 * it (default "xfrm-IFID", see mep_gateway_steer_ifname). */
	uint32_t if_id;
	char interface[16];		/* "" when not configured */
};

/* A MEP rule: the default one has no satellites. */
struct mep_priority_rule {
	struct mep_gw_list satellites;
	struct mep_gw_list level[MEP_LEVELS];
};

struct mep_community {
	char name[MEP_NAME_MAX];
	enum mep_community_type type;
	struct mep_gw_list centers;	/* star */
	struct mep_gw_list satellites;	/* star */
	struct mep_gw_list members;	/* meshed */
	bool permanent_tunnels;
	bool mep_enabled;		/* explicit MEP */
	enum mep_method method;		/* default first-to-respond */
	enum mep_tie_break tie_break;	/* default first-to-respond */
	bool tracking_log;		/* default none */
	bool has_default_rule;
	struct mep_priority_rule default_rule;
	struct mep_priority_rule *rules;	/* exception rules, in order */
	size_t n_rules;
	/* Effective return path: configured, else rim when RIM is on,
	 * else none (ip-pool-nat is never implied). return_path_set says
	 * whether it was configured. */
	enum mep_return_path return_path;
	bool return_path_set;
	/* Effective steering: configured, else route for a random entry
	 * point or implicit load distribution (rule 11), else child-sa.
	 * steering_set says whether it was configured. */
	enum mep_steering steering;
	bool steering_set;
};

struct mep_probe_config {
	uint32_t interval_ms;	/* default 500 */
	uint32_t dead_count;	/* default 3 */
	uint32_t up_count;	/* default 2: answers before up */
	uint16_t port;		/* default 18259 */
	char key[MEP_KEY_MAX];	/* "" when not configured */
};

struct mep_rim_config {
	bool enabled;		/* the rim block exists */
	uint8_t distance;	/* default 20 */
	uint32_t metric;	/* default 10 */
	uint32_t backup_metric; /* default 100 */
	uint32_t tag;		/* default 0 */
	enum mep_rim_backend backend;	/* default zebra */
	/* Backend zebra: FRR route type of our routes, as zebra's type
	 * number and its configuration keyword (default 12 "nhrp"; see
	 * mep_rim_route_types), its instance (default 0) and the graceful
	 * restart stale time (default 120 s, 1..3600). */
	uint8_t route_type;
	char route_type_name[16];
	uint16_t instance;
	uint32_t stale_time_s;
	uint32_t kernel_table;	/* default 201 */
	char interface[16];	/* default "ipsec0": device of kernel routes */
	bool has_next_hop;	/* next-hop ADDR instead of the device alone */
	struct mep_addr next_hop;
};

/* Text block "steering": the satellite's route steering tables. */
struct mep_steering_config {
	uint32_t table;		/* default 210: per-destination routes; the
				 * center with if-id N uses table + N */
	uint8_t protocol;	/* default 251: of routes and ip rules */
	uint32_t buckets;	/* default 256 (256..65536) */
};

/* Text block "ipsec": how to reach the IPsec engine (strongSwan). */
struct mep_ipsec_config {
	char vici_socket[108];	/* default "/var/run/charon.vici" */
	uint32_t grace_s;	/* routes kept this long after losing the
				 * engine; default 10 */
	/* Where decrypted traffic enters the kernel (IP Pool NAT's match):
	 * libipsec, in from rim.interface (default); xfrm, a packet with a
	 * security path. */
	bool datapath_xfrm;
};

struct mep_config {
	struct mep_gateway *gateways;
	size_t n_gateways;
	struct mep_community *communities;
	size_t n_communities;
	int local_gateway;	/* index, -1 when not configured */
	struct mep_probe_config probe;
	bool load_distribution;
	struct mep_rim_config rim;
	struct mep_ipsec_config ipsec;
	struct mep_steering_config steering;
};

/* Set every field to its default (empty lists, defaults above). */
void mep_config_init(struct mep_config *cfg);
/* Release everything the struct owns and re-initialise it. */
void mep_config_free(struct mep_config *cfg);

/* Index of the gateway called name, or -1. */
int mep_config_gateway_index(const struct mep_config *cfg, const char *name);
/* Configuration keywords of the enums: "first-to-respond"... */
const char *mep_method_name(enum mep_method m);
const char *mep_tie_break_name(enum mep_tie_break t);

/* The FRR route types `rim route-type` accepts (the YANG enum), with
 * zebra's type numbers of FRR 8.2-8.5: nhrp 12, eigrp 11, table 15,
 * babel 22. All of them can be redistributed by ospfd and bgpd (eigrp
 * only for IPv4). Not allowed: types of daemons every FRR node runs or
 * that carry other meaning (kernel, connected, static, bgp, ospf, ...),
 * and sharp (ospfd and bgpd cannot redistribute it). */
struct mep_route_type {
	const char *name;
	uint8_t zebra_type;
};

/* The table, terminated by { NULL, 0 }. */
extern const struct mep_route_type mep_rim_route_types[];
/* Entry called name, or NULL. */
const struct mep_route_type *mep_rim_route_type_by_name(const char *name);

/* Do the two rim blocks send routes the same way (interface and next
 * hop)? */
bool mep_rim_same_next_hop(const struct mep_rim_config *a,
			   const struct mep_rim_config *b);

/* Does list contain gateway index gw? */
bool mep_gw_list_has(const struct mep_gw_list *list, int gw);
/* Is gateway gw a center (star) or member (meshed) of c: a gateway that
 * terminates the community's tunnels and owns its return path (RIM, IP
 * Pool NAT)? False for gw < 0. */
bool mep_community_is_entry(const struct mep_community *c, int gw);
/* The role of a gateway in a community. The model forbids a gateway to be
 * both center and satellite of one community (rule 8). */
enum mep_role {
	MEP_ROLE_NONE,
	MEP_ROLE_CENTER,
	MEP_ROLE_SATELLITE,
	MEP_ROLE_MEMBER,
};
/* gw's role in c (MEP_ROLE_NONE for gw < 0 or not in c; a star community
 * checks the satellites first). */
enum mep_role mep_community_role(const struct mep_community *c, int gw);
/* The role whose gateways a gateway of role r builds tunnels to: centers
 * reach satellites and satellites centers; members reach members. */
enum mep_role mep_role_peers(enum mep_role r);
/* The gateways of c that have role r (NULL for MEP_ROLE_NONE). */
const struct mep_gw_list *mep_community_list(const struct mep_community *c,
					     enum mep_role r);
/* The community peer lookup: the gateways gw builds tunnels to through c,
 * i.e. the centers when gw is a satellite, the satellites when it is a
 * center, the members when it is a member of a meshed community (gw
 * itself is in that list: callers skip it); NULL when gw is not in c. */
const struct mep_gw_list *mep_community_peers(const struct mep_community *c,
					      int gw);

/* Does gateway local do IP Pool NAT: is it an entry (center, meshed
 * member) of a community whose effective return path is ip-pool-nat, and
 * has it an ip-pool? Then *pool (may be NULL) is its pool. */
bool mep_nat_pool(const struct mep_config *cfg, int local,
		  struct mep_prefix *pool);

/* "rim", "ip-pool-nat", "none". */
const char *mep_return_path_name(enum mep_return_path rp);
/* "child-sa", "route". */
const char *mep_steering_name(enum mep_steering s);
/* The satellite's interface to gateway gw for route steering: its
 * `interface`, else "xfrm-IFID" (at most 15 characters), "" without an
 * if-id. Writes into buf (16 bytes) and returns it. */
const char *mep_gateway_steer_ifname(const struct mep_gateway *gw,
				     char buf[16]);

#endif
