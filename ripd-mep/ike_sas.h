/* ike_sas: the set of established IKE_SAs the IPsec engine follows for
 * liveness (pure: no I/O). An IKE_SA is recorded by its unique id with
 * the name of the configured gateway it goes to; a gateway is "up by
 * IKE" while the set holds an IKE_SA to it, also one without any
 * CHILD_SA (which the tunnel table never sees).
 *
 * The engine records only the IKE_SAs of `third-party` gateways (the
 * only users; a handful, so a flat array with linear search is enough),
 * from charon's ike-updown up=yes and from listings; ike-updown down (or
 * the IKE_SA gone from a listing) removes it. A listing marks every
 * record unseen (ike_sas_resync_begin), each listed IKE_SA is recorded
 * again (seen), and ike_sas_resync_end() drops the rest. Names, not
 * gateway indexes, so that a configuration change cannot make a record
 * point at another gateway. */
#ifndef RIPD_MEP_IKE_SAS_H
#define RIPD_MEP_IKE_SAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct ike_sa_rec {
	uint32_t ike_id;
	char gateway[MEP_NAME_MAX];
	bool seen;			/* resync mark */
};

struct ike_sas {
	struct ike_sa_rec *v;
	size_t n;
	size_t cap;
};

void ike_sas_init(struct ike_sas *s);
void ike_sas_free(struct ike_sas *s);
/* Record IKE_SA ike_id to gateway (insert, or update its gateway), seen.
 * 0, or -1 on allocation failure (s unchanged). */
int ike_sas_up(struct ike_sas *s, uint32_t ike_id, const char *gateway);
/* Remove IKE_SA ike_id; true when it was recorded. */
bool ike_sas_remove(struct ike_sas *s, uint32_t ike_id);
void ike_sas_clear(struct ike_sas *s);
void ike_sas_resync_begin(struct ike_sas *s);
/* Drop the records not seen since resync_begin; how many. */
size_t ike_sas_resync_end(struct ike_sas *s);
/* Is an IKE_SA to gateway recorded? */
bool ike_sas_has_gateway(const struct ike_sas *s, const char *gateway);

#endif
