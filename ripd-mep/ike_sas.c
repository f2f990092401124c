/* ike_sas: established IKE_SAs per gateway name (pure; see ike_sas.h). */
#include "ike_sas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ike_sas_init(struct ike_sas *s)
{
	memset(s, 0, sizeof(*s));
}

void ike_sas_free(struct ike_sas *s)
{
	free(s->v);
	ike_sas_init(s);
}

static struct ike_sa_rec *ike_sas_find(const struct ike_sas *s,
				       uint32_t ike_id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].ike_id == ike_id)
			return &s->v[i];
	return NULL;
}

int ike_sas_up(struct ike_sas *s, uint32_t ike_id, const char *gateway)
{
	struct ike_sa_rec *r = ike_sas_find(s, ike_id);

	if (!r) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 8;
			struct ike_sa_rec *v = realloc(s->v, cap * sizeof(*v));

			if (!v)
				return -1;
			s->v = v;
			s->cap = cap;
		}
		r = &s->v[s->n++];
		r->ike_id = ike_id;
	}
	snprintf(r->gateway, sizeof(r->gateway), "%s", gateway);
	r->seen = true;
	return 0;
}

bool ike_sas_remove(struct ike_sas *s, uint32_t ike_id)
{
	struct ike_sa_rec *r = ike_sas_find(s, ike_id);

	if (!r)
		return false;
	*r = s->v[--s->n];
	return true;
}

void ike_sas_clear(struct ike_sas *s)
{
	s->n = 0;
}

void ike_sas_resync_begin(struct ike_sas *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->v[i].seen = false;
}

size_t ike_sas_resync_end(struct ike_sas *s)
{
	size_t w = 0, gone;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].seen)
			s->v[w++] = s->v[i];
	gone = s->n - w;
	s->n = w;
	return gone;
}

bool ike_sas_has_gateway(const struct ike_sas *s, const char *gateway)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].gateway, gateway) == 0)
			return true;
	return false;
}
