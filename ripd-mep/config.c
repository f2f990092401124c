/* config: lifetime and lookups of struct mep_config. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mep_config_init(struct mep_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->local_gateway = -1;
	cfg->probe.interval_ms = 500;
	cfg->probe.dead_count = 3;
	cfg->probe.up_count = 2;
	cfg->probe.port = 18259;
	cfg->rim.distance = 20;
	cfg->rim.metric = 10;
	cfg->rim.backup_metric = 100;
	cfg->rim.backend = MEP_RIM_ZEBRA;
	cfg->rim.route_type = 12;
	snprintf(cfg->rim.route_type_name, sizeof(cfg->rim.route_type_name),
		 "nhrp");
	cfg->rim.instance = 0;
	cfg->rim.stale_time_s = 120;
	cfg->rim.kernel_table = 201;
	snprintf(cfg->rim.interface, sizeof(cfg->rim.interface), "ipsec0");
	snprintf(cfg->ipsec.vici_socket, sizeof(cfg->ipsec.vici_socket),
		 "/var/run/charon.vici");
	cfg->ipsec.grace_s = 10;
	cfg->steering.table = 210;
	cfg->steering.protocol = 251;
	cfg->steering.buckets = 256;
}

static void rule_free(struct mep_priority_rule *r)
{
	free(r->satellites.idx);
	for (int l = 0; l < MEP_LEVELS; l++)
		free(r->level[l].idx);
}

void mep_config_free(struct mep_config *cfg)
{
	for (size_t i = 0; i < cfg->n_gateways; i++) {
		free(cfg->gateways[i].domain);
		free(cfg->gateways[i].backups.idx);
	}
	free(cfg->gateways);
	for (size_t i = 0; i < cfg->n_communities; i++) {
		struct mep_community *c = &cfg->communities[i];

		free(c->centers.idx);
		free(c->satellites.idx);
		free(c->members.idx);
		rule_free(&c->default_rule);
		for (size_t r = 0; r < c->n_rules; r++)
			rule_free(&c->rules[r]);
		free(c->rules);
	}
	free(cfg->communities);
	mep_config_init(cfg);
}

int mep_config_gateway_index(const struct mep_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_gateways; i++)
		if (strcmp(cfg->gateways[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool mep_rim_same_next_hop(const struct mep_rim_config *a,
			   const struct mep_rim_config *b)
{
	return strcmp(a->interface, b->interface) == 0 &&
	       a->has_next_hop == b->has_next_hop &&
	       (!a->has_next_hop ||
		mep_addr_equal(&a->next_hop, &b->next_hop));
}

bool mep_gw_list_has(const struct mep_gw_list *list, int gw)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->idx[i] == gw)
			return true;
	return false;
}

const char *mep_method_name(enum mep_method m)
{
	switch (m) {
	case MEP_METHOD_FIRST_TO_RESPOND:
		return "first-to-respond";
	case MEP_METHOD_VPN_DOMAIN:
		return "vpn-domain";
	case MEP_METHOD_RANDOM:
		return "random";
	case MEP_METHOD_PRIORITY_LIST:
		return "priority-list";
	}
	return "unknown";
}

const char *mep_tie_break_name(enum mep_tie_break t)
{
	switch (t) {
	case MEP_TIE_FIRST_TO_RESPOND:
		return "first-to-respond";
	case MEP_TIE_RANDOM:
		return "random";
	}
	return "unknown";
}

const struct mep_route_type mep_rim_route_types[] = {
	{ "nhrp", 12 },
	{ "eigrp", 11 },
	{ "table", 15 },
	{ "babel", 22 },
	{ NULL, 0 },
};

const struct mep_route_type *mep_rim_route_type_by_name(const char *name)
{
	for (const struct mep_route_type *t = mep_rim_route_types; t->name;
	     t++)
		if (name && strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

bool mep_community_is_entry(const struct mep_community *c, int gw)
{
	if (gw < 0)
		return false;
	return c->type == MEP_COMMUNITY_MESHED
		       ? mep_gw_list_has(&c->members, gw)
		       : mep_gw_list_has(&c->centers, gw);
}

enum mep_role mep_community_role(const struct mep_community *c, int gw)
{
	if (gw < 0)
		return MEP_ROLE_NONE;
	if (c->type == MEP_COMMUNITY_MESHED)
		return mep_gw_list_has(&c->members, gw) ? MEP_ROLE_MEMBER
							: MEP_ROLE_NONE;
	if (mep_gw_list_has(&c->satellites, gw))
		return MEP_ROLE_SATELLITE;
	return mep_gw_list_has(&c->centers, gw) ? MEP_ROLE_CENTER
						: MEP_ROLE_NONE;
}

enum mep_role mep_role_peers(enum mep_role r)
{
	switch (r) {
	case MEP_ROLE_SATELLITE:
		return MEP_ROLE_CENTER;
	case MEP_ROLE_CENTER:
		return MEP_ROLE_SATELLITE;
	case MEP_ROLE_MEMBER:
		return MEP_ROLE_MEMBER;
	case MEP_ROLE_NONE:
		break;
	}
	return MEP_ROLE_NONE;
}

const struct mep_gw_list *mep_community_list(const struct mep_community *c,
					     enum mep_role r)
{
	switch (r) {
	case MEP_ROLE_CENTER:
		return &c->centers;
	case MEP_ROLE_SATELLITE:
		return &c->satellites;
	case MEP_ROLE_MEMBER:
		return &c->members;
	case MEP_ROLE_NONE:
		break;
	}
	return NULL;
}

const struct mep_gw_list *mep_community_peers(const struct mep_community *c,
					      int gw)
{
	return mep_community_list(c, mep_role_peers(mep_community_role(c, gw)));
}

const char *mep_steering_name(enum mep_steering s)
{
	return s == MEP_STEERING_ROUTE ? "route" : "child-sa";
}

const char *mep_return_path_name(enum mep_return_path rp)
{
	switch (rp) {
	case MEP_RETURN_RIM:
		return "rim";
	case MEP_RETURN_IP_POOL_NAT:
		return "ip-pool-nat";
	case MEP_RETURN_NONE:
		break;
	}
	return "none";
}

const char *mep_gateway_steer_ifname(const struct mep_gateway *gw,
				     char buf[16])
{
	if (gw->interface[0])
		snprintf(buf, 16, "%s", gw->interface);
	else if (gw->if_id)
		snprintf(buf, 16, "xfrm-%u", gw->if_id);
	else
		buf[0] = '\0';
	return buf;
}

bool mep_nat_pool(const struct mep_config *cfg, int local,
		  struct mep_prefix *pool)
{
	if (!cfg || local < 0 || (size_t)local >= cfg->n_gateways ||
	    !cfg->gateways[local].has_pool)
		return false;
	for (size_t k = 0; k < cfg->n_communities; k++) {
		const struct mep_community *c = &cfg->communities[k];

		if (c->return_path == MEP_RETURN_IP_POOL_NAT &&
		    mep_community_is_entry(c, local)) {
			if (pool)
				*pool = cfg->gateways[local].pool;
			return true;
		}
	}
	return false;
}
