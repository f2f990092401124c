/* steer_child: the pure core of `steering child-sa` (see steer_child.h for
 * the contract: destinations, actions, states, the races it handles). */
#include "steer_child.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What this core knows of one center for one destination. */
struct center_try {
	unsigned failures;	/* initiates failed in a row */
	double next_try;	/* no initiate before */
	double pending;		/* initiate sent at, < 0: none */
	double given_up_until;	/* < 0: not given up */
	bool report;		/* a give-up the next step reports */
	char error[200];	/* last failure */
};

struct dest {
	char community_name[MEP_NAME_MAX];
	int community;
	struct mep_prefix dst;
	char child[STEER_CHILD_NAME_MAX];
	bool have_entry;	/* an entry point was set */
	int target;		/* entry point, -1 none */
	char entry_reason[256];
	bool *allowed;		/* per gateway: the method may use it */
	struct center_try *tries;	/* per gateway */
	enum steer_child_state state;
	double since;
	char reason[256];
	bool carried;
	uint32_t ike_id, child_id;
	int carrier_gw;
	char carrier_name[MEP_NAME_MAX];	/* kept across configurations */
};

/* A terminate asked for and not yet seen done. */
struct term {
	uint32_t ike_id, child_id;
	double sent;
	bool failed;
	double retry_at;
	bool seen;		/* still in the table (step's mark) */
};

struct steer_child {
	struct steer_child_params p;
	const struct mep_config *cfg;
	struct dest *d;
	size_t n;
	struct term *terms;
	size_t n_terms, cap_terms;
	double *ike_sent;	/* per gateway, < 0: never */
	size_t n_gw;
	unsigned generation;
	bool engine_up;
};

void steer_child_params_default(struct steer_child_params *p)
{
	p->install_timeout = 10;
	p->retry_min = 0.5;
	p->retry_max = 8;
	p->give_up_after = 3;
	p->give_up_hold = 60;
	p->terminate_retry = 2;
	p->ike_refresh = 60;
	p->make_before_break = true;
	p->overlap = 2;
}

struct steer_child *steer_child_new(const struct steer_child_params *p)
{
	struct steer_child *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (p)
		s->p = *p;
	else
		steer_child_params_default(&s->p);
	s->engine_up = true;
	return s;
}

static void dest_free(struct dest *d)
{
	free(d->allowed);
	free(d->tries);
}

void steer_child_free(struct steer_child *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		dest_free(&s->d[i]);
	free(s->d);
	free(s->terms);
	free(s->ike_sent);
	free(s);
}

const char *steer_child_name(const struct mep_prefix *dst, char *buf,
			     size_t len)
{
	char pfx[MEP_PREFIX_STRLEN];
	size_t o = 0;

	mep_prefix_str(dst, pfx, sizeof(pfx));
	o = (size_t)snprintf(buf, len, "net-");
	for (const char *c = pfx; *c && o + 1 < len; c++) {
		char ch = *c;

		if (ch == '.' || ch == ':')
			ch = '-';
		else if (ch == '/')
			ch = '_';
		buf[o++] = ch;
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
	return buf;
}

const char *steer_child_conn(const struct mep_config *cfg, int gw)
{
	const struct mep_gateway *g = &cfg->gateways[gw];

	return g->ike_connection[0] ? g->ike_connection : g->name;
}

bool steer_child_community(const struct mep_config *cfg, size_t ci)
{
	const struct mep_community *c = &cfg->communities[ci];

	return cfg->local_gateway >= 0 && c->type == MEP_COMMUNITY_STAR &&
	       c->mep_enabled && c->steering == MEP_STEERING_CHILD_SA &&
	       c->method != MEP_METHOD_RANDOM &&
	       mep_community_role(c, cfg->local_gateway) == MEP_ROLE_SATELLITE;
}

static void reset_tries(struct dest *d, size_t n_gw)
{
	for (size_t g = 0; g < n_gw; g++) {
		d->tries[g] = (struct center_try){ .pending = -1,
						   .given_up_until = -1 };
		d->allowed[g] = false;
	}
}

static struct dest *find_old(struct dest *old, size_t n, const char *cname,
			     const struct mep_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (old[i].community_name[0] &&
		    strcmp(old[i].community_name, cname) == 0 &&
		    mep_prefix_equal(&old[i].dst, p))
			return &old[i];
	return NULL;
}

static bool have_dest(const struct dest *d, size_t n,
		      const struct mep_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (mep_prefix_equal(&d[i].dst, p))
			return true;
	return false;
}

int steer_child_configure(struct steer_child *s, const struct mep_config *cfg,
			  double now)
{
	struct dest *nd = NULL;
	size_t n = 0, cap = 0, n_gw = cfg ? cfg->n_gateways : 0;
	double *ike_sent = NULL;
	int rc = 0;

	s->generation++;
	if (n_gw) {
		ike_sent = malloc(n_gw * sizeof(*ike_sent));
		if (!ike_sent)
			goto oom;
		for (size_t g = 0; g < n_gw; g++)
			ike_sent[g] = -1;
	}
	for (size_t ci = 0; cfg && ci < cfg->n_communities; ci++) {
		const struct mep_community *c = &cfg->communities[ci];

		if (!steer_child_community(cfg, ci))
			continue;
		for (size_t k = 0; k < c->centers.n; k++) {
			const struct mep_gateway *g =
				&cfg->gateways[c->centers.idx[k]];

			for (size_t di = 0; di < g->n_domain; di++) {
				const struct mep_prefix *p = &g->domain[di];
				struct dest *d, *old;

				if (have_dest(nd, n, p))
					continue;
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 4;
					struct dest *t =
						realloc(nd, nc * sizeof(*nd));

					if (!t)
						goto oom;
					nd = t;
					cap = nc;
				}
				d = &nd[n];
				memset(d, 0, sizeof(*d));
				d->allowed = calloc(n_gw, sizeof(bool));
				d->tries = calloc(n_gw, sizeof(*d->tries));
				n++;
				if (!d->allowed || !d->tries)
					goto oom;
				snprintf(d->community_name,
					 sizeof(d->community_name), "%s",
					 c->name);
				d->community = (int)ci;
				d->dst = *p;
				steer_child_name(p, d->child, sizeof(d->child));
				d->target = -1;
				reset_tries(d, n_gw);
				/* until an entry point says otherwise, the
				 * community's centers */
				for (size_t m = 0; m < c->centers.n; m++)
					d->allowed[c->centers.idx[m]] = true;
				old = find_old(s->d, s->n, c->name, p);
				if (old) {
					int cg = old->carried
							 ? mep_config_gateway_index(
								   cfg,
								   old->carrier_name)
							 : -1;

					d->state = old->state;
					d->since = old->since;
					memcpy(d->reason, old->reason,
					       sizeof(d->reason));
					if (cg >= 0) {
						d->carried = true;
						d->ike_id = old->ike_id;
						d->child_id = old->child_id;
						d->carrier_gw = cg;
						memcpy(d->carrier_name,
						       old->carrier_name,
						       sizeof(d->carrier_name));
					}
				} else {
					d->state = STEER_CHILD_MOVING;
					d->since = now;
					snprintf(d->reason, sizeof(d->reason),
						 "no entry point yet");
				}
			}
		}
	}
	goto done;
oom:
	for (size_t i = 0; i < n; i++)
		dest_free(&nd[i]);
	free(nd);
	nd = NULL;
	n = 0;
	free(ike_sent);
	ike_sent = NULL;
	n_gw = 0;
	rc = -1;
done:
	for (size_t i = 0; i < s->n; i++)
		dest_free(&s->d[i]);
	free(s->d);
	free(s->ike_sent);
	s->d = nd;
	s->n = n;
	s->ike_sent = ike_sent;
	s->n_gw = n_gw;
	s->cfg = rc ? NULL : cfg;
	s->n_terms = 0;
	return rc;
}

size_t steer_child_count(const struct steer_child *s)
{
	return s->n;
}

int steer_child_find(const struct steer_child *s, const struct mep_prefix *dst)
{
	for (size_t i = 0; i < s->n; i++)
		if (mep_prefix_equal(&s->d[i].dst, dst))
			return (int)i;
	return -1;
}

void steer_child_get(const struct steer_child *s, size_t i,
		     struct steer_child_view *v)
{
	const struct dest *d = &s->d[i];

	*v = (struct steer_child_view){
		.destination = &d->dst,
		.community = d->community,
		.child = d->child,
		.gateway = d->target,
		.state = d->state,
		.since = d->since,
		.reason = d->reason,
		.carried = d->carried,
		.ike_id = d->ike_id,
		.child_id = d->child_id,
	};
}

void steer_child_set_entry(struct steer_child *s, size_t i,
			   const struct mep_result *r, double now)
{
	struct dest *d;

	(void)now;
	if (i >= s->n || !r)
		return;
	d = &s->d[i];
	d->have_entry = true;
	d->target = r->status == MEP_RESOLVED && r->gateway >= 0 &&
				    (size_t)r->gateway < s->n_gw
			    ? r->gateway
			    : -1;
	snprintf(d->entry_reason, sizeof(d->entry_reason), "%s", r->reason);
	if (r->n_candidates) {
		for (size_t g = 0; g < s->n_gw; g++)
			d->allowed[g] = false;
		for (size_t k = 0; k < r->n_candidates; k++) {
			int g = r->candidates[k].gateway;

			if (g >= 0 && (size_t)g < s->n_gw &&
			    r->candidates[k].rank != MEP_RANK_NONE)
				d->allowed[g] = true;
		}
	}
	if (d->target >= 0)
		d->allowed[d->target] = true;
}

bool steer_child_given_up(const struct steer_child *s, size_t i, int gw,
			  double now)
{
	if (i >= s->n || gw < 0 || (size_t)gw >= s->n_gw)
		return false;
	return s->d[i].tries[gw].given_up_until >= 0 &&
	       now < s->d[i].tries[gw].given_up_until;
}

void steer_child_engine(struct steer_child *s, bool up, double now)
{
	(void)now;
	s->engine_up = up;
	if (!up)
		return;
	/* re-listed: what was in flight may be gone with a restarted
	 * charon; the table is the truth, ask again where needed */
	for (size_t i = 0; i < s->n; i++)
		for (size_t g = 0; g < s->n_gw; g++)
			s->d[i].tries[g].pending = -1;
	s->n_terms = 0;
	for (size_t g = 0; g < s->n_gw; g++)
		s->ike_sent[g] = -1;
}

unsigned steer_child_generation(const struct steer_child *s)
{
	return s->generation;
}

static double retry_delay(const struct steer_child *s, unsigned failures)
{
	double dly = s->p.retry_min;

	for (unsigned k = 1; k < failures && dly < s->p.retry_max; k++)
		dly *= 2;
	return dly < s->p.retry_max ? dly : s->p.retry_max;
}

/* An initiate on gw for destination d failed (error): back off, or give
 * up on gw for d. Returns true when it gave up. */
static bool failed(struct steer_child *s, struct dest *d, int gw,
		   const char *error, double now)
{
	struct center_try *t = &d->tries[gw];

	t->pending = -1;
	snprintf(t->error, sizeof(t->error), "%s", error);
	t->failures++;
	if (t->failures >= s->p.give_up_after) {
		t->failures = 0;
		t->given_up_until = now + s->p.give_up_hold;
		t->next_try = now;
		t->report = true;
		return true;
	}
	t->next_try = now + retry_delay(s, t->failures);
	return false;
}

void steer_child_initiate_done(struct steer_child *s, unsigned generation,
			       size_t i, int gw, bool ok, const char *error,
			       double now)
{
	if (generation != s->generation || i >= s->n || gw < 0 ||
	    (size_t)gw >= s->n_gw || ok)
		return;	/* ok: the CHILD_SA's arrival is awaited */
	if (s->d[i].tries[gw].pending < 0)
		return;	/* already judged (timeout, resync) */
	/* a give-up is reported by the next step */
	failed(s, &s->d[i], gw, error ? error : "initiate failed", now);
}

static struct term *find_term(struct steer_child *s, uint32_t ike_id,
			      uint32_t child_id)
{
	for (size_t k = 0; k < s->n_terms; k++)
		if (s->terms[k].ike_id == ike_id &&
		    s->terms[k].child_id == child_id)
			return &s->terms[k];
	return NULL;
}

void steer_child_terminate_done(struct steer_child *s, uint32_t ike_id,
				uint32_t child_id, bool ok, const char *error,
				double now)
{
	struct term *t = find_term(s, ike_id, child_id);

	(void)error;
	if (!t || ok)
		return;
	t->failed = true;
	t->retry_at = now + s->p.terminate_retry;
}

static void set_state(struct dest *d, enum steer_child_state st, double now,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_state(struct dest *d, enum steer_child_state st, double now,
		      const char *fmt, ...)
{
	va_list ap;

	if (d->state != st)
		d->since = now;
	d->state = st;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* Is the CHILD_SA being terminated (asked, not failed, or failed and not
 * yet due again)? */
static bool terminating(struct steer_child *s, const struct tunnels_entry *e,
			double now)
{
	struct term *t = find_term(s, e->ike_id, e->child_id);

	if (!t)
		return false;
	t->seen = true;
	if (t->failed)
		return now < t->retry_at;
	/* asked and answered, still listed: ask again after a while */
	return now < t->sent + 5 * s->p.terminate_retry;
}

struct out {
	struct steer_child_action *v;
	size_t n, max;
	double wake;
};

static struct steer_child_action *emit(struct out *o)
{
	if (o->n == o->max)
		return NULL;
	memset(&o->v[o->n], 0, sizeof(o->v[0]));
	return &o->v[o->n++];
}

static void wake_at(struct out *o, double t)
{
	if (o->wake < 0 || t < o->wake)
		o->wake = t;
}

static void terminate(struct steer_child *s, struct out *o, size_t i,
		      const struct tunnels_entry *e, double now,
		      const char *why)
{
	struct steer_child_action *a;
	struct term *t = find_term(s, e->ike_id, e->child_id);
	bool appended = false;

	if (!t) {
		if (s->n_terms == s->cap_terms) {
			size_t nc = s->cap_terms ? s->cap_terms * 2 : 8;
			struct term *v = realloc(s->terms, nc * sizeof(*v));

			if (!v)
				return;	/* asked again at the next step */
			s->terms = v;
			s->cap_terms = nc;
		}
		t = &s->terms[s->n_terms++];
		appended = true;
	}
	a = emit(o);
	if (!a) {
		/* drop only the record just appended: an existing one (this
		 * tunnel's earlier terminate) stays as it was */
		if (appended)
			s->n_terms--;
		return;
	}
	*t = (struct term){ .ike_id = e->ike_id,
			    .child_id = e->child_id,
			    .sent = now,
			    .seen = true };
	a->kind = STEER_CHILD_TERMINATE;
	a->dest = i;
	a->gateway = e->gateway;
	a->ike_id = e->ike_id;
	a->child_id = e->child_id;
	snprintf(a->conn, sizeof(a->conn), "%s",
		 steer_child_conn(s->cfg, e->gateway));
	snprintf(a->child, sizeof(a->child), "%s", s->d[i].child);
	snprintf(a->why, sizeof(a->why), "%s", why);
	wake_at(o, now + 5 * s->p.terminate_retry);
}

static void give_up(struct steer_child *s, struct out *o, size_t i, int g)
{
	struct dest *d = &s->d[i];
	struct steer_child_action *a = emit(o);

	if (!a)
		return;	/* reported by the next step */
	d->tries[g].report = false;
	a->kind = STEER_CHILD_GIVE_UP;
	a->dest = i;
	a->gateway = g;
	snprintf(a->conn, sizeof(a->conn), "%s", steer_child_conn(s->cfg, g));
	snprintf(a->child, sizeof(a->child), "%s", d->child);
	snprintf(a->why, sizeof(a->why), "%s did not install %s: %s",
		 s->cfg->gateways[g].name, d->child, d->tries[g].error);
}

/* Is e a CHILD_SA of destination d (its child name, to a center of its
 * community)? */
static bool of_dest(const struct steer_child *s, const struct dest *d,
		    const struct tunnels_entry *e)
{
	const struct mep_community *c = &s->cfg->communities[d->community];

	return e->gateway >= 0 && mep_gw_list_has(&c->centers, e->gateway) &&
	       strcmp(tunnels_entry_child_name(e), d->child) == 0;
}

static void step_dest(struct steer_child *s, const struct tunnel_table *tt,
		      size_t i, double now, struct out *o)
{
	struct dest *d = &s->d[i];
	const struct mep_gateway *gws = s->cfg->gateways;
	const struct tunnels_entry *e, *best = NULL;
	bool in_progress = false;
	size_t pos = 0;
	char why[256];
	int tg = d->target;
	double carrier_since = now;

	/* give-ups to report, holds that are over */
	for (size_t g = 0; g < s->n_gw; g++) {
		struct center_try *t = &d->tries[g];

		if (t->report)
			give_up(s, o, i, (int)g);
		if (t->given_up_until >= 0) {
			if (now >= t->given_up_until)
				t->given_up_until = -1;
			else
				wake_at(o, t->given_up_until);
		}
	}
	if (!d->have_entry)
		return;
	/* the entry point's installed CHILD_SA: the current carrier if
	 * still there, else the first listed */
	while ((e = tunnels_next(tt, &pos))) {
		if (!of_dest(s, d, e) || terminating(s, e, now))
			continue;
		/* an initiate on this center was answered by this CHILD_SA
		 * (wanted or not now): nothing is pending there any more */
		if (e->up)
			d->tries[e->gateway].pending = -1;
		if (e->gateway != tg)
			continue;
		if (!e->up) {
			in_progress = true;
			continue;
		}
		if (!best || (d->carried && e->ike_id == d->ike_id &&
			      e->child_id == d->child_id))
			best = e;
	}
	/* what must go: excluded centers always; with no entry point
	 * everything; other centers once the carrier has been up for the
	 * overlap (or at once when break-before-make) */
	if (best)
		carrier_since = d->state != STEER_CHILD_UP || !d->carried ||
					d->carrier_gw != tg
				? now
				: d->since;
	pos = 0;
	while ((e = tunnels_next(tt, &pos))) {
		if (!of_dest(s, d, e) || e == best || e->gateway == tg ||
		    terminating(s, e, now))
			continue;
		if (!d->allowed[e->gateway])
			snprintf(why, sizeof(why),
				 "%s is not a center %s may use for %s",
				 gws[e->gateway].name,
				 gws[s->cfg->local_gateway].name, d->child);
		else if (tg < 0)
			snprintf(why, sizeof(why), "no center serves %s",
				 d->child);
		else if (best && now < carrier_since + s->p.overlap) {
			wake_at(o, carrier_since + s->p.overlap);
			continue;
		} else if (best)
			snprintf(why, sizeof(why),
				 "moved to %s (CHILD_SA #%u/#%u installed)",
				 gws[tg].name, best->ike_id, best->child_id);
		else if (!s->p.make_before_break)
			snprintf(why, sizeof(why),
				 "moving to %s (break before make)",
				 gws[tg].name);
		else
			continue;
		terminate(s, o, i, e, now, why);
	}
	if (tg < 0) {
		d->carried = false;
		set_state(d, STEER_CHILD_FAILED, now, "no center serves it: %s",
			  d->entry_reason);
		return;
	}
	if (best) {
		struct center_try *t = &d->tries[tg];

		t->failures = 0;
		t->pending = -1;
		t->next_try = now;
		/* a rekey (another CHILD_SA to the same center) keeps since */
		if (d->state != STEER_CHILD_UP || !d->carried ||
		    d->carrier_gw != tg)
			d->since = now;
		d->state = STEER_CHILD_UP;
		d->carried = true;
		d->ike_id = best->ike_id;
		d->child_id = best->child_id;
		d->carrier_gw = tg;
		snprintf(d->carrier_name, sizeof(d->carrier_name), "%s",
			 gws[tg].name);
		snprintf(d->reason, sizeof(d->reason), "%s", "");
		return;
	}
	d->carried = false;
	{
		struct center_try *t = &d->tries[tg];
		struct steer_child_action *a;

		if (t->given_up_until >= 0) {
			set_state(d, STEER_CHILD_FAILED, now,
				  "%s does not install %s (%s); waiting for "
				  "another entry point",
				  gws[tg].name, d->child, t->error);
			return;
		}
		if (t->pending >= 0) {
			if (in_progress || now < t->pending + s->p.install_timeout) {
				wake_at(o, t->pending + s->p.install_timeout);
				set_state(d, STEER_CHILD_MOVING, now,
					  "waiting for %s on %s", d->child,
					  gws[tg].name);
				return;
			}
			snprintf(why, sizeof(why),
				 "not installed within %g s",
				 s->p.install_timeout);
			if (failed(s, d, tg, why, now)) {
				give_up(s, o, i, tg);
				set_state(d, STEER_CHILD_FAILED, now,
					  "%s does not install %s (%s); "
					  "waiting for another entry point",
					  gws[tg].name, d->child, why);
				wake_at(o, t->given_up_until);
				return;
			}
		}
		if (now < t->next_try) {
			set_state(d, STEER_CHILD_FAILED, now,
				  "initiate on %s failed: %s (retry in %.1f s)",
				  gws[tg].name, t->error, t->next_try - now);
			wake_at(o, t->next_try);
			return;
		}
		a = emit(o);
		if (!a)
			return;
		a->kind = STEER_CHILD_INITIATE;
		a->dest = i;
		a->gateway = tg;
		snprintf(a->conn, sizeof(a->conn), "%s",
			 steer_child_conn(s->cfg, tg));
		snprintf(a->child, sizeof(a->child), "%s", d->child);
		snprintf(a->why, sizeof(a->why), "entry point %s",
			 gws[tg].name);
		t->pending = now;
		wake_at(o, now + s->p.install_timeout);
		if (t->failures)
			set_state(d, STEER_CHILD_FAILED, now,
				  "initiate on %s failed: %s (retrying)",
				  gws[tg].name, t->error);
		else
			set_state(d, STEER_CHILD_MOVING, now,
				  "initiating %s on %s", d->child,
				  gws[tg].name);
	}
}

/* IKE_SAs kept up to the centers of permanent-tunnels communities that
 * some destination may use and that have no CHILD_SA. */
static void step_ike(struct steer_child *s, const struct tunnel_table *tt,
		     double now, struct out *o)
{
	for (size_t g = 0; g < s->n_gw; g++) {
		const struct tunnels_entry *e;
		struct steer_child_action *a;
		bool want = false, has = false;
		size_t pos = 0;

		bool busy = false;

		for (size_t i = 0; i < s->n; i++) {
			const struct mep_community *c =
				&s->cfg->communities[s->d[i].community];

			want |= c->permanent_tunnels && s->d[i].allowed[g] &&
				mep_gw_list_has(&c->centers, (int)g);
			/* a CHILD_SA initiated there brings the IKE_SA: an
			 * IKE-only initiate beside it could race it */
			busy |= s->d[i].target == (int)g ||
				s->d[i].tries[g].pending >= 0;
		}
		if (!want || busy)
			continue;
		while ((e = tunnels_next(tt, &pos)) && !has)
			has = e->gateway == (int)g;
		if (has)
			continue;
		if (s->ike_sent[g] >= 0 &&
		    (s->p.ike_refresh <= 0 ||
		     now < s->ike_sent[g] + s->p.ike_refresh)) {
			if (s->p.ike_refresh > 0)
				wake_at(o, s->ike_sent[g] + s->p.ike_refresh);
			continue;
		}
		a = emit(o);
		if (!a)
			return;
		a->kind = STEER_CHILD_INITIATE_IKE;
		a->dest = 0;
		a->gateway = (int)g;
		snprintf(a->conn, sizeof(a->conn), "%s",
			 steer_child_conn(s->cfg, (int)g));
		snprintf(a->why, sizeof(a->why),
			 "permanent-tunnels: IKE_SA to %s",
			 s->cfg->gateways[g].name);
		s->ike_sent[g] = now;
	}
}

size_t steer_child_step(struct steer_child *s, const struct tunnel_table *t,
			double now, struct steer_child_action *out, size_t max,
			double *wake)
{
	struct out o = { .v = out, .max = max, .wake = -1 };
	size_t k = 0;

	if (!s->engine_up || !s->cfg || !t) {
		if (wake)
			*wake = -1;
		return 0;
	}
	for (size_t i = 0; i < s->n_terms; i++)
		s->terms[i].seen = false;
	for (size_t i = 0; i < s->n; i++)
		step_dest(s, t, i, now, &o);
	step_ike(s, t, now, &o);
	/* terminates of CHILD_SAs no longer listed are done */
	for (size_t i = 0; i < s->n_terms; i++)
		if (s->terms[i].seen || tunnels_find(t, s->terms[i].ike_id,
						     s->terms[i].child_id))
			s->terms[k++] = s->terms[i];
	s->n_terms = k;
	if (wake)
		*wake = o.wake;
	return o.n;
}

const char *steer_child_state_name(enum steer_child_state st)
{
	switch (st) {
	case STEER_CHILD_UP:
		return "up";
	case STEER_CHILD_MOVING:
		return "moving";
	case STEER_CHILD_FAILED:
		return "failed";
	}
	return "?";
}
