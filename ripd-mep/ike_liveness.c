/* ike_liveness: third-party centers' liveness from the engine's IKE_SAs
 * and tunnel table. */
#include "ike_liveness.h"

#include <stdlib.h>

#include "daemon.h"

void ike_liveness_derive(const struct tunnel_table *t,
			 const struct ike_sas *ikes,
			 const struct mep_config *cfg, bool *up)
{
	const struct tunnels_entry *e;
	size_t pos = 0;

	for (size_t i = 0; i < cfg->n_gateways; i++)
		up[i] = ikes && ike_sas_has_gateway(ikes,
						    cfg->gateways[i].name);
	while ((e = tunnels_next(t, &pos)))
		if (e->up && e->gateway >= 0 &&
		    (size_t)e->gateway < cfg->n_gateways)
			up[e->gateway] = true;
}

void ike_liveness_refresh(struct daemon *d)
{
	const struct mep_config *cfg = &d->cfg;
	bool *up;

	if (!d->ipsec || !cfg->n_gateways)
		return;
	up = calloc(cfg->n_gateways, sizeof(*up));
	if (!up)
		return;
	ike_liveness_derive(ipsec_engine_tunnels(d->ipsec),
			    ipsec_engine_ike_sas(d->ipsec), cfg, up);
	for (size_t i = 0; i < cfg->n_gateways; i++)
		if (cfg->gateways[i].third_party &&
		    (int)i != cfg->local_gateway)
			daemon_ike_report(d, (int)i,
					  up[i] ? MEP_LIVE_UP : MEP_LIVE_DOWN);
	free(up);
}

static void on_event(void *arg, const struct ipsec_event *ev)
{
	struct daemon *d = arg;

	switch (ev->kind) {
	case IPSEC_EV_TUNNEL_UP:
	case IPSEC_EV_TUNNEL_DOWN:
	case IPSEC_EV_IKE_UP:
	case IPSEC_EV_IKE_DOWN:
		if (ev->in_resync)
			return;	/* judged once the listing is read */
		break;
	case IPSEC_EV_RESYNCED:
	case IPSEC_EV_GRACE_OVER:
		break;
	default:
		return;
	}
	ike_liveness_refresh(d);
}

int ike_liveness_attach(struct ipsec_engine *e, struct daemon *d)
{
	return ipsec_engine_subscribe(e, on_event, d);
}

void ike_liveness_detach(struct ipsec_engine *e, struct daemon *d)
{
	ipsec_engine_unsubscribe(e, on_event, d);
}
