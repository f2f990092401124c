/* responder: verify, check and answer probe requests (pure; see
 * responder.h). */
#include "responder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prober.h"

int responder_init(struct responder *r, uint64_t now_us)
{
	memset(r, 0, sizeof(*r));
	probe_keyring_init(&r->keys);
	r->rl = malloc(sizeof(*r->rl));
	if (!r->rl)
		return -1;
	ratelimit_init(r->rl, NULL, now_us);
	return 0;
}

void responder_free(struct responder *r)
{
	free(r->peer);
	free(r->rl);
	memset(r, 0, sizeof(*r));
}

static struct responder_peer *peer_find(const struct responder *r,
					const char *name)
{
	for (size_t i = 0; i < r->n_peer; i++)
		if (strcmp(r->peer[i].name, name) == 0)
			return &r->peer[i];
	return NULL;
}

const struct responder_peer *responder_peer(const struct responder *r,
					    const char *name)
{
	return name ? peer_find(r, name) : NULL;
}

static int peer_ptr_cmp(const void *a, const void *b)
{
	const struct responder_peer *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The old peer called name, from old peers sorted by name (by_name, n). */
static struct responder_peer *old_peer(struct responder_peer **by_name,
				       size_t n, const char *name)
{
	struct responder_peer key, *k = &key, **hit;

	if (!n)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	hit = bsearch(&k, by_name, n, sizeof(*by_name), peer_ptr_cmp);
	return hit ? *hit : NULL;
}

int responder_configure(struct responder *r, const struct mep_config *cfg)
{
	struct responder_peer *v = NULL, *old, **by_name = NULL;
	int local = cfg ? cfg->local_gateway : -1;
	size_t n = 0;
	bool *probers = NULL;

	if (local >= 0 && (size_t)local < cfg->n_gateways) {
		v = calloc(cfg->n_gateways ? cfg->n_gateways : 1, sizeof(*v));
		probers = calloc(cfg->n_gateways, sizeof(*probers));
		by_name = calloc(r->n_peer ? r->n_peer : 1, sizeof(*by_name));
		if (!v || !probers || !by_name) {
			free(v);
			free(probers);
			free(by_name);
			return -1;
		}
		/* the old peers by name: their replay windows carry over */
		for (size_t i = 0; i < r->n_peer; i++)
			by_name[i] = &r->peer[i];
		qsort(by_name, r->n_peer, sizeof(*by_name), peer_ptr_cmp);
		prober_probers_of(cfg, local, probers);
		for (size_t g = 0; g < cfg->n_gateways; g++) {
			if (!probers[g])
				continue;
			old = old_peer(by_name, r->n_peer,
				       cfg->gateways[g].name);
			if (old)
				v[n] = *old;
			else
				replay_window_init(&v[n].window);
			snprintf(v[n].name, sizeof(v[n].name), "%s",
				 cfg->gateways[g].name);
			v[n].gw = (int)g;
			n++;
		}
		snprintf(r->local, sizeof(r->local), "%s",
			 cfg->gateways[local].name);
	} else {
		r->local[0] = '\0';
	}
	free(probers);
	free(by_name);
	free(r->peer);
	r->peer = v;
	r->n_peer = n;
	r->woken = NULL;
	return 0;
}

int responder_set_key(struct responder *r, const char *key, uint64_t now_us)
{
	return probe_keyring_set(&r->keys, key, now_us);
}

int responder_set_address(struct responder *r, const char *name,
			  const struct mep_addr *addr)
{
	struct responder_peer *p = name ? peer_find(r, name) : NULL;

	if (!p)
		return -1;
	p->has_addr = addr != NULL;
	if (addr)
		p->addr = *addr;
	return 0;
}

void responder_set_drain(struct responder *r, bool drain)
{
	r->drain = drain;
}

/* The known satellite whose resolved address is a, or NULL. */
static struct responder_peer *peer_by_addr(struct responder *r,
					   const struct mep_addr *a)
{
	for (size_t i = 0; i < r->n_peer; i++)
		if (r->peer[i].has_addr && mep_addr_equal(&r->peer[i].addr, a))
			return &r->peer[i];
	return NULL;
}

/* Count a reject in total and for from (the satellite whose address the
 * datagram came from, NULL: none). */
static int drop(struct responder *r, struct responder_peer *from,
		enum probe_cause c, enum probe_cause *cause)
{
	r->count.rejected.n[c]++;
	if (from)
		from->rejected.n[c]++;
	if (cause)
		*cause = c;
	return 0;
}

bool responder_silent(bool heard, uint64_t last_heard_us, uint64_t now_us,
		      uint64_t dead_us)
{
	if (!heard || !dead_us || now_us < last_heard_us)
		return false;
	return now_us - last_heard_us >= dead_us;
}

size_t responder_silence_tick(struct responder *r, uint64_t now_us,
			      uint64_t dead_us,
			      void (*fn)(void *arg,
					 const struct responder_peer *peer),
			      void *arg)
{
	size_t changed = 0;

	r->woken = NULL;
	for (size_t i = 0; i < r->n_peer; i++) {
		struct responder_peer *p = &r->peer[i];
		bool s = responder_silent(p->heard, p->last_heard_us, now_us,
					  dead_us);

		if (s == p->silent)
			continue;
		p->silent = s;
		changed++;
		if (fn)
			fn(arg, p);
	}
	return changed;
}

int responder_handle(struct responder *r, const struct mep_addr *src,
		     const uint8_t *buf, size_t len, uint64_t now_us,
		     uint8_t *out, size_t out_cap, size_t *out_len,
		     enum probe_cause *cause)
{
	struct probe_packet req, rep;
	const struct probe_key *k;
	struct responder_peer *p, *from = peer_by_addr(r, src);
	enum probe_error e;
	int n;

	r->count.received++;
	r->woken = NULL;
	if (cause)
		*cause = PROBE_CAUSE_COUNT;
	if (ratelimit_admit(r->rl, src, from != NULL, now_us) !=
	    RATELIMIT_PASS)
		return drop(r, from, PROBE_CAUSE_RATE_LIMIT, cause);
	e = probe_decode(buf, len, &r->keys, now_us, &req);
	if (e != PROBE_OK)
		return drop(r, from, probe_cause_of(e), cause);
	/* a reply here is not for us: no request of a responder */
	if (req.type != PROBE_TYPE_REQUEST || !r->local[0] ||
	    strcmp(req.target, r->local) != 0)
		return drop(r, from, PROBE_CAUSE_UNKNOWN_SENDER, cause);
	p = peer_find(r, req.sender);
	if (!p)
		return drop(r, from, PROBE_CAUSE_UNKNOWN_SENDER, cause);
	if (replay_window_check(&p->window, req.seq) != REPLAY_NEW)
		return drop(r, from, PROBE_CAUSE_REPLAY, cause);
	k = probe_keyring_find(&r->keys, req.key_id, now_us);
	memset(&rep, 0, sizeof(rep));
	rep.type = PROBE_TYPE_REPLY;
	rep.flags = r->drain ? PROBE_FLAG_DRAIN : 0;
	rep.seq = req.seq;
	rep.timestamp_us = req.timestamp_us;
	memcpy(rep.sender, r->local, sizeof(rep.sender));
	memcpy(rep.target, req.sender, sizeof(rep.target));
	n = k ? probe_encode(&rep, k, out, out_cap) : -1;
	if (n < 0 || (size_t)n > len)
		return drop(r, from, PROBE_CAUSE_UNKNOWN_SENDER, cause);
	/* accepted: only now does any state change */
	replay_window_accept(&p->window, req.seq);
	p->heard = true;
	p->last_heard_us = now_us;
	p->answered++;
	if (p->silent) {
		p->silent = false;
		r->woken = p;
	}
	r->count.answered++;
	*out_len = (size_t)n;
	return 1;
}
