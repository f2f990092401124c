/* steer_child_swanctl: `show mep swanctl` (see steer_child_swanctl.h). */
#include "steer_child_swanctl.h"

#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "steer_child.h"

/* The communities rendered: explicit MEP star communities where the local
 * gateway is a satellite (either steering). */
static bool rendered(const struct mep_config *cfg, size_t ci)
{
	const struct mep_community *c = &cfg->communities[ci];

	return cfg->local_gateway >= 0 && c->type == MEP_COMMUNITY_STAR &&
	       c->mep_enabled &&
	       mep_community_role(c, cfg->local_gateway) == MEP_ROLE_SATELLITE;
}

unsigned steer_child_swanctl_dpd_s(const struct mep_config *cfg)
{
	uint64_t ms = (uint64_t)cfg->probe.interval_ms * cfg->probe.dead_count;

	ms *= 10;
	return (unsigned)((ms + 999) / 1000) ? (unsigned)((ms + 999) / 1000)
					     : 1;
}

static void local_ts(const struct mep_config *cfg, struct strbuf *out)
{
	const struct mep_gateway *g = &cfg->gateways[cfg->local_gateway];
	char pfx[MEP_PREFIX_STRLEN];

	if (!g->n_domain) {
		strbuf_puts(out, "dynamic");
		return;
	}
	for (size_t i = 0; i < g->n_domain; i++)
		strbuf_printf(out, "%s%s", i ? "," : "",
			      mep_prefix_str(&g->domain[i], pfx, sizeof(pfx)));
}

/* The single place for the per-center lines of route steering
 * (if_id_in/if_id_out of the center's XFRM interface): nothing for
 * child-sa steering. */
static void steer_child_swanctl_route_lines(const struct mep_config *cfg,
					    size_t ci, int gw,
					    struct strbuf *out)
{
	uint32_t id = cfg->gateways[gw].if_id;

	if (cfg->communities[ci].steering != MEP_STEERING_ROUTE)
		return;
	if (!id) {
		strbuf_puts(out, "\t\t\t\t# no if-id configured for this center: route steering cannot use it\n");
		return;
	}
	strbuf_printf(out, "\t\t\t\tif_id_in = %" PRIu32 "\n"
			   "\t\t\t\tif_id_out = %" PRIu32 "\n",
		      id, id);
}

static bool seen_dst(const struct mep_config *cfg, int gw, size_t ci_end,
		     size_t k_end, size_t di_end, const struct mep_prefix *p)
{
	/* Was p already rendered for center gw (an earlier community,
	 * center or domain in the same walk)? */
	for (size_t ci = 0; ci <= ci_end; ci++) {
		const struct mep_community *c = &cfg->communities[ci];

		if (!rendered(cfg, ci) || !mep_gw_list_has(&c->centers, gw))
			continue;
		for (size_t k = 0; k < c->centers.n; k++) {
			const struct mep_gateway *g =
				&cfg->gateways[c->centers.idx[k]];

			for (size_t di = 0; di < g->n_domain; di++) {
				if (ci == ci_end && k == k_end && di == di_end)
					return false;
				if (mep_prefix_equal(&g->domain[di], p))
					return true;
			}
		}
	}
	return false;
}

static void child_block(const struct mep_config *cfg, size_t ci, int gw,
			const struct mep_prefix *p, struct strbuf *out)
{
	char name[STEER_CHILD_NAME_MAX], pfx[MEP_PREFIX_STRLEN];

	strbuf_printf(out, "\t\t\t%s {\n", steer_child_name(p, name,
							     sizeof(name)));
	strbuf_puts(out, "\t\t\t\tlocal_ts = ");
	local_ts(cfg, out);
	strbuf_printf(out, "\n\t\t\t\tremote_ts = %s\n",
		      mep_prefix_str(p, pfx, sizeof(pfx)));
	/* child-sa: ripd-mep initiates and terminates the child; route:
	 * charon keeps the children to every center up, ripd-mep steers
	 * with routes and marks */
	if (cfg->communities[ci].steering == MEP_STEERING_ROUTE)
		strbuf_puts(out, "\t\t\t\tstart_action = start\n"
				 "\t\t\t\tdpd_action = restart\n"
				 "\t\t\t\tclose_action = start\n");
	else
		strbuf_puts(out, "\t\t\t\tstart_action = none\n"
				 "\t\t\t\tdpd_action = clear\n"
				 "\t\t\t\tclose_action = none\n");
	steer_child_swanctl_route_lines(cfg, ci, gw, out);
	strbuf_puts(out, "\t\t\t}\n");
}

void steer_child_swanctl_child_line(const struct mep_config *cfg, int gw,
				    const struct mep_prefix *p,
				    struct strbuf *out)
{
	char name[STEER_CHILD_NAME_MAX], pfx[MEP_PREFIX_STRLEN];

	strbuf_printf(out, "connections { %s { children { %s { local_ts = ",
		      steer_child_conn(cfg, gw),
		      steer_child_name(p, name, sizeof(name)));
	local_ts(cfg, out);
	strbuf_printf(out, " remote_ts = %s start_action = none } } } }",
		      mep_prefix_str(p, pfx, sizeof(pfx)));
}

static void connection(const struct mep_config *cfg, int gw,
		       struct strbuf *out)
{
	const struct mep_gateway *me = &cfg->gateways[cfg->local_gateway];
	const struct mep_gateway *g = &cfg->gateways[gw];
	bool first = true;

	strbuf_printf(out, "\t%s {\n", steer_child_conn(cfg, gw));
	strbuf_printf(out, "\t\t# center %s of", g->name);
	for (size_t ci = 0; ci < cfg->n_communities; ci++)
		if (rendered(cfg, ci) &&
		    mep_gw_list_has(&cfg->communities[ci].centers, gw)) {
			strbuf_printf(out, "%s %s", first ? "" : ",",
				      cfg->communities[ci].name);
			first = false;
		}
	strbuf_puts(out, "\n\t\tversion = 2\n");
	if (me->address[0])
		strbuf_printf(out, "\t\tlocal_addrs = %s\n", me->address);
	else
		strbuf_printf(out, "\t\t# local_addrs: %s has no address "
				   "configured\n", me->name);
	if (g->address[0])
		strbuf_printf(out, "\t\tremote_addrs = %s\n", g->address);
	else
		strbuf_printf(out, "\t\tremote_addrs = %%any  # %s has no "
				   "address configured\n", g->name);
	strbuf_printf(out,
		      "\t\tencap = yes\n"
		      "\t\t# 10 x the probe dead time (%u ms x %u): DPD is "
		      "the fallback behind the probes\n"
		      "\t\tdpd_delay = %us\n",
		      cfg->probe.interval_ms, cfg->probe.dead_count,
		      steer_child_swanctl_dpd_s(cfg));
	strbuf_printf(out,
		      "\t\t# authentication: psk with the gateways' names as "
		      "identities (add the secret),\n"
		      "\t\t# or auth = pubkey with certs = ... in both "
		      "sections; keep the ids\n"
		      "\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n"
		      "\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n"
		      "\t\tchildren {\n",
		      me->name, g->name);
	for (size_t ci = 0; ci < cfg->n_communities; ci++) {
		const struct mep_community *c = &cfg->communities[ci];

		if (!rendered(cfg, ci) || !mep_gw_list_has(&c->centers, gw))
			continue;
		for (size_t k = 0; k < c->centers.n; k++) {
			const struct mep_gateway *d =
				&cfg->gateways[c->centers.idx[k]];

			for (size_t di = 0; di < d->n_domain; di++)
				if (!seen_dst(cfg, gw, ci, k, di,
					      &d->domain[di]))
					child_block(cfg, ci, gw,
						    &d->domain[di], out);
		}
	}
	strbuf_puts(out, "\t\t}\n\t}\n");
}

size_t steer_child_swanctl(const struct mep_config *cfg, struct strbuf *out)
{
	size_t n = 0;

	if (cfg->local_gateway < 0) {
		strbuf_puts(out, "# no local-gateway configured: nothing to "
				 "print\n");
		return 0;
	}
	for (size_t gw = 0; gw < cfg->n_gateways; gw++) {
		bool center = false;

		for (size_t ci = 0; ci < cfg->n_communities && !center; ci++)
			center = rendered(cfg, ci) &&
				 mep_gw_list_has(&cfg->communities[ci].centers,
						 (int)gw);
		if (!center)
			continue;
		if (!n++)
			strbuf_printf(out,
				      "# swanctl.conf connections of satellite "
				      "%s (ripd-mep: show mep swanctl).\n"
				      "# ripd-mep initiates and terminates "
				      "the children; keep the names.\n"
				      "connections {\n",
				      cfg->gateways[cfg->local_gateway].name);
		connection(cfg, (int)gw, out);
	}
	if (n)
		strbuf_puts(out, "}\n");
	else
		strbuf_printf(out, "# %s is a satellite of no explicit MEP "
				   "community: nothing to print\n",
			      cfg->gateways[cfg->local_gateway].name);
	return n;
}
