/* steer_route_io: route steering applied to the kernel (routes and ip
 * rules over rtnetlink through rim_kernel, the mark map through nft_run);
 * see steer_route_io.h for the contract. */
#include "steer_route_io.h"

#include <errno.h>
#include <net/if.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "daemon.h"
#include "liveness.h"
#include "log.h"
#include "nft_run.h"
#include "rim_kernel.h"

#define SR_RETRY_S 1.0
#define SR_T "inet " STEER_ROUTE_NFT_TABLE

struct sr_table {
	uint32_t table;
	struct rim_kernel *k;
};

/* What show prints for one destination. */
struct sr_show {
	int community;
	struct mep_prefix destination;
	char state[200];
	char via[256];
	time_t since;
};

enum sr_nft { SR_NFT_UNKNOWN, SR_NFT_ABSENT, SR_NFT_OURS, SR_NFT_FOREIGN };

struct steer_route_io {
	struct ev_loop *loop;
	struct daemon *d;
	uint8_t protocol;		/* of the open handles */
	struct sr_table *tables;
	size_t n_tables;
	struct nft_run *nft;
	enum sr_nft nft_state;
	uint32_t nft_buckets;		/* map size in the kernel, 0: none */
	uint32_t *have_marks;		/* the map as we left it */
	struct mep_prefix *have_dst;	/* the sets as we left them */
	size_t n_have_dst;
	bool have_dst_known;
	struct steer_route_desired want;
	struct sr_show *show;
	size_t n_show;
	bool active;			/* the kernel was read in this run */
	bool adopting;			/* start-up: waiting for verdicts */
	ev_timer adopt_timer;
	ev_timer retry;
	char error[512];
	/* per apply: errors by (table, prefix) */
	struct strbuf errs;
	struct steer_route_route *failed;
	size_t n_failed;
};

/* ---- netlink: tables and rules ---- */

static struct rim_kernel *sr_handle(struct steer_route_io *s, uint32_t table,
				    struct strbuf *err)
{
	struct sr_table *v;
	struct rim_kernel *k;

	for (size_t i = 0; i < s->n_tables; i++)
		if (s->tables[i].table == table)
			return s->tables[i].k;
	if (rim_kernel_open(&k, table, s->protocol, err) < 0)
		return NULL;
	v = realloc(s->tables, (s->n_tables + 1) * sizeof(*v));
	if (!v) {
		rim_kernel_close(k);
		strbuf_puts(err, "out of memory");
		return NULL;
	}
	s->tables = v;
	s->tables[s->n_tables].table = table;
	s->tables[s->n_tables].k = k;
	s->n_tables++;
	return k;
}

static void sr_close_tables(struct steer_route_io *s)
{
	for (size_t i = 0; i < s->n_tables; i++)
		rim_kernel_close(s->tables[i].k);
	free(s->tables);
	s->tables = NULL;
	s->n_tables = 0;
}

struct sr_rules {
	struct steer_route_rule *v;
	size_t n, cap;
	uint8_t protocol;
	int err;
};

static int sr_rule_cb(struct nlmsghdr *h, void *arg)
{
	struct sr_rules *l = arg;
	struct nlattr *tb[FRA_MAX + 1];
	struct fib_rule_hdr *frh;
	struct steer_route_rule r = { 0 };

	if (h->nlmsg_type != RTM_NEWRULE)
		return 0;
	if (!nlmsg_valid_hdr(h, sizeof(*frh)) ||
	    nlmsg_parse(h, sizeof(*frh), tb, FRA_MAX, NULL) < 0)
		return -EPROTO;
	frh = nlmsg_data(h);
	if (!tb[FRA_PROTOCOL] || nla_get_u8(tb[FRA_PROTOCOL]) != l->protocol)
		return 0;
	r.family = frh->family;
	r.table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : frh->table;
	r.priority = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0;
	r.mark = tb[FRA_FWMARK] ? nla_get_u32(tb[FRA_FWMARK]) : 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct steer_route_rule *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = r;
	return 0;
}

/* Our rules, both families, sorted. */
static int sr_list_rules(struct steer_route_io *s, struct rim_kernel *k,
			 struct sr_rules *l, struct strbuf *err)
{
	static const uint8_t fam[2] = { AF_INET, AF_INET6 };

	l->protocol = s->protocol;
	for (int f = 0; f < 2; f++) {
		struct fib_rule_hdr frh = { .family = fam[f] };
		struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETRULE,
							NLM_F_REQUEST |
								NLM_F_DUMP);
		char kmsg[256];
		int rc;

		if (!msg || nlmsg_append(msg, &frh, sizeof(frh),
					 NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			strbuf_puts(err, "out of memory");
			return -ENOMEM;
		}
		rc = rim_kernel_request(k, msg, sr_rule_cb, l, kmsg,
					sizeof(kmsg));
		if (rc < 0) {
			strbuf_printf(err, "listing ip rules: %s%s%s",
				      strerror(-rc), kmsg[0] ? ": " : "",
				      kmsg);
			return rc;
		}
	}
	steer_route_sort_rules(l->v, l->n);
	return 0;
}

static int sr_rule_op(struct steer_route_io *s, struct rim_kernel *k,
		      int type, const struct steer_route_rule *r,
		      struct strbuf *err)
{
	struct fib_rule_hdr frh = {
		.family = r->family,
		.action = FR_ACT_TO_TBL,
		.table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
	};
	int flags = type == RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL : 0;
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags | NLM_F_REQUEST |
							      NLM_F_ACK);
	char kmsg[256];
	int rc;

	if (!msg || nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, FRA_PRIORITY, r->priority) < 0 ||
	    nla_put_u32(msg, FRA_TABLE, r->table) < 0 ||
	    nla_put_u8(msg, FRA_PROTOCOL, s->protocol) < 0 ||
	    (r->mark && (nla_put_u32(msg, FRA_FWMARK, r->mark) < 0 ||
			 nla_put_u32(msg, FRA_FWMASK, 0xffffffffU) < 0))) {
		nlmsg_free(msg);
		strbuf_puts(err, "out of memory");
		return -ENOMEM;
	}
	rc = rim_kernel_request(k, msg, NULL, NULL, kmsg, sizeof(kmsg));
	if (rc == -EEXIST && type == RTM_NEWRULE)
		rc = 0;
	if ((rc == -ENOENT || rc == -ESRCH) && type == RTM_DELRULE)
		rc = 0;
	if (rc < 0)
		strbuf_printf(err, "%s ip rule pref %" PRIu32 " fwmark 0x%"
				   PRIx32 " lookup %" PRIu32 ": %s%s%s; ",
			      type == RTM_NEWRULE ? "adding" : "deleting",
			      r->priority, r->mark, r->table,
			      strerror(-rc), kmsg[0] ? ": " : "", kmsg);
	return rc;
}

struct sr_rule_apply {
	struct steer_route_io *s;
	struct rim_kernel *k;
	struct steer_route_rule *dels;
	size_t n_dels;
	int rc;
};

static void sr_rule_add(void *arg, const struct steer_route_rule *r)
{
	struct sr_rule_apply *a = arg;

	if (sr_rule_op(a->s, a->k, RTM_NEWRULE, r, &a->s->errs) < 0)
		a->rc = -1;
}

static void sr_rule_del(void *arg, const struct steer_route_rule *r)
{
	struct sr_rule_apply *a = arg;
	struct steer_route_rule *v =
		realloc(a->dels, (a->n_dels + 1) * sizeof(*v));

	if (!v) {
		a->rc = -1;
		return;
	}
	a->dels = v;
	a->dels[a->n_dels++] = *r;
}

/* ---- routes ---- */

static void sr_to_kernel(const struct steer_route_route *r,
			 struct rim_kernel_route *k)
{
	memset(k, 0, sizeof(*k));
	k->prefix = r->prefix;
	/* priority 1: below any route zebra or an operator adds by default
	 * (the table is ours anyway) and valid for IPv6 */
	k->distance = 0;
	k->metric = 1;
	snprintf(k->ifname, sizeof(k->ifname), "%s", r->ifname);
}

struct sr_apply {
	struct steer_route_io *s;
	struct steer_route_route *dels;
	size_t n_dels;
	int rc;
};

static void sr_fail(struct steer_route_io *s,
		    const struct steer_route_route *r)
{
	struct steer_route_route *v =
		realloc(s->failed, (s->n_failed + 1) * sizeof(*v));

	if (!v)
		return;
	s->failed = v;
	s->failed[s->n_failed++] = *r;
}

static void sr_put(void *arg, const struct steer_route_route *want,
		   const struct steer_route_route *old)
{
	struct sr_apply *a = arg;
	struct rim_kernel_route kr, ko;
	struct rim_kernel *k = sr_handle(a->s, want->table, &a->s->errs);
	int rc;

	sr_to_kernel(want, &kr);
	if (old)
		sr_to_kernel(old, &ko);
	rc = k ? rim_kernel_install(k, &kr, old ? &ko : NULL, &a->s->errs)
	       : -ENOMEM;
	if (rc < 0) {
		strbuf_puts(&a->s->errs, "; ");
		sr_fail(a->s, want);
		a->rc = rc;
	}
}

static void sr_del(void *arg, const struct steer_route_route *old)
{
	struct sr_apply *a = arg;
	struct steer_route_route *v =
		realloc(a->dels, (a->n_dels + 1) * sizeof(*v));

	if (!v) {
		a->rc = -ENOMEM;
		return;
	}
	a->dels = v;
	a->dels[a->n_dels++] = *old;
}

static bool sr_has_table(const uint32_t *t, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == x)
			return true;
	return false;
}

/* Every route of ours in the tables we may have used: the steering
 * table, the desired tables, and the tables our rules point to. */
static int sr_list_routes(struct steer_route_io *s,
			  const struct sr_rules *rules,
			  struct steer_route_route **out, size_t *n_out)
{
	const struct mep_config *cfg = &s->d->cfg;
	uint32_t *tables;
	size_t nt = 0, n = 0;
	struct steer_route_route *v = NULL;
	int rc = 0;

	tables = calloc(1 + s->want.n_routes + rules->n + s->n_tables,
			sizeof(*tables));
	if (!tables)
		return -ENOMEM;
	tables[nt++] = cfg->steering.table;
	for (size_t i = 0; i < s->want.n_routes; i++)
		if (!sr_has_table(tables, nt, s->want.routes[i].table))
			tables[nt++] = s->want.routes[i].table;
	for (size_t i = 0; i < rules->n; i++)
		if (!sr_has_table(tables, nt, rules->v[i].table))
			tables[nt++] = rules->v[i].table;
	for (size_t i = 0; i < s->n_tables; i++)
		if (!sr_has_table(tables, nt, s->tables[i].table))
			tables[nt++] = s->tables[i].table;
	for (size_t t = 0; t < nt && rc == 0; t++) {
		struct rim_kernel *k = sr_handle(s, tables[t], &s->errs);
		struct rim_kernel_route *kr = NULL;
		size_t nk = 0;
		struct steer_route_route *nv;

		if (!k)
			continue;	/* a reserved table: not ours */
		rc = rim_kernel_list(k, &kr, &nk, &s->errs);
		if (rc < 0)
			break;
		nv = nk ? realloc(v, (n + nk) * sizeof(*v)) : v;
		if (nk && !nv) {
			free(kr);
			rc = -ENOMEM;
			break;
		}
		v = nv;
		for (size_t i = 0; i < nk; i++) {
			memset(&v[n], 0, sizeof(v[n]));
			v[n].table = tables[t];
			v[n].prefix = kr[i].prefix;
			snprintf(v[n].ifname, sizeof(v[n].ifname), "%s",
				 kr[i].ifname);
			v[n].gateway = -1;
			n++;
		}
		free(kr);
	}
	free(tables);
	if (rc < 0) {
		free(v);
		return rc;
	}
	steer_route_sort_routes(v, n);
	*out = v;
	*n_out = n;
	return 0;
}

/* ---- nftables ---- */

/* Look at the table: absent, ours (its map read back), or foreign. */
static int sr_nft_adopt(struct steer_route_io *s)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	enum nft_table_owner owner;
	const char *p;
	unsigned long n = 0;
	int rc = 0;

	if (!s->nft)
		s->nft = nft_run_new();
	if (!s->nft) {
		strbuf_puts(&s->errs, "nftables: out of memory; ");
		return -1;
	}
	if (nft_run_look_table(s->nft, SR_T, STEER_ROUTE_NFT_COMMENT, &out,
			       &owner, &err) < 0) {
		strbuf_printf(&s->errs, "nftables: %s; ", strbuf_str(&err));
		rc = -1;
		goto done;
	}
	if (owner == NFT_TABLE_ABSENT) {
		s->nft_state = SR_NFT_ABSENT;
		goto done;
	}
	if (owner == NFT_TABLE_FOREIGN) {
		if (s->nft_state != SR_NFT_FOREIGN)
			log_err("route steering: nftables table %s exists and "
				"is not ripd-mep's (no comment \"%s\"): left "
				"alone; random entry points are not steered "
				"until it is removed",
				SR_T, STEER_ROUTE_NFT_COMMENT);
		s->nft_state = SR_NFT_FOREIGN;
		goto done;
	}
	s->nft_state = SR_NFT_OURS;
	s->nft_buckets = 0;
	free(s->have_marks);
	s->have_marks = NULL;
	s->have_dst_known = false;
	p = strstr(strbuf_str(&out), "typeof numgen inc mod ");
	if (p)
		n = strtoul(p + strlen("typeof numgen inc mod "), NULL, 10);
	if (n && n <= 65536) {
		s->nft_buckets = (uint32_t)n;
		s->have_marks = calloc(n, sizeof(uint32_t));
		if (s->have_marks &&
		    steer_route_parse_buckets(strbuf_str(&out), s->have_marks,
					      (uint32_t)n) < 0) {
			free(s->have_marks);
			s->have_marks = NULL;
		}
	}
	log_notice("route steering: adopted nftables table %s (%lu "
		   "buckets)", SR_T, n);
done:
	strbuf_free(&out);
	strbuf_free(&err);
	return rc;
}

static bool sr_same_dst(const struct steer_route_io *s)
{
	if (!s->have_dst_known || s->n_have_dst != s->want.n_pair_dst)
		return false;
	for (size_t i = 0; i < s->n_have_dst; i++)
		if (!mep_prefix_equal(&s->have_dst[i], &s->want.pair_dst[i]))
			return false;
	return true;
}

/* One transaction taking the table to the desired marks. */
static int sr_nft_apply(struct steer_route_io *s)
{
	const struct steer_route_desired *w = &s->want;
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;
	bool fresh;
	uint32_t changed;
	int rc = 0;

	/* Look before creating: the table may have appeared meanwhile
	 * (someone else's, or ours from a previous run). */
	if (s->nft_state != SR_NFT_OURS &&
	    (w->n_pair_dst || s->nft_state == SR_NFT_UNKNOWN) &&
	    sr_nft_adopt(s) < 0)
		return -1;
	if (s->nft_state == SR_NFT_FOREIGN)
		return -1;
	if (!w->n_pair_dst) {
		if (s->nft_state == SR_NFT_OURS &&
		    nft_run_batch(s->nft, "delete table " SR_T, &err) < 0) {
			strbuf_printf(&s->errs, "nftables: %s; ",
				      strbuf_str(&err));
			rc = -1;
		} else {
			s->nft_state = SR_NFT_ABSENT;
			s->nft_buckets = 0;
			s->have_dst_known = false;
		}
		strbuf_free(&err);
		return rc;
	}
	fresh = s->nft_state != SR_NFT_OURS || s->nft_buckets != w->n_buckets;
	if (fresh) {
		/* A map of another size goes, with the rules using it, in
		 * the same transaction that builds the new one. */
		if (s->nft_state == SR_NFT_OURS)
			strbuf_puts(&b, "flush chain " SR_T " prerouting\n"
					"flush chain " SR_T " output\n"
					"delete map " SR_T " buckets\n");
		steer_route_nft_table(&b, w->n_buckets);
	}
	if (fresh || !sr_same_dst(s))
		steer_route_nft_dst(&b, w->pair_dst, w->n_pair_dst);
	changed = steer_route_nft_buckets(
		&b, w->bucket_mark,
		fresh || s->nft_buckets != w->n_buckets ? NULL : s->have_marks,
		w->n_buckets);
	if (b.len && nft_run_batch(s->nft, strbuf_str(&b), &err) < 0) {
		strbuf_printf(&s->errs, "nftables: %s; ", strbuf_str(&err));
		/* we no longer know what the kernel holds: read it again */
		s->nft_state = SR_NFT_UNKNOWN;
		rc = -1;
	} else if (b.len) {
		uint32_t *m = s->nft_buckets == w->n_buckets && s->have_marks
				      ? s->have_marks
				      : calloc(w->n_buckets, sizeof(*m));
		struct mep_prefix *dst =
			realloc(s->have_dst, (w->n_pair_dst + 1) * sizeof(*dst));

		if (m != s->have_marks)
			free(s->have_marks);
		s->have_marks = m;
		s->nft_state = SR_NFT_OURS;
		s->nft_buckets = w->n_buckets;
		if (m)
			memcpy(m, w->bucket_mark, w->n_buckets * sizeof(*m));
		else
			s->nft_state = SR_NFT_UNKNOWN;
		if (dst) {
			s->have_dst = dst;
			memcpy(dst, w->pair_dst,
			       w->n_pair_dst * sizeof(*dst));
			s->n_have_dst = w->n_pair_dst;
			s->have_dst_known = true;
		} else {
			s->have_dst_known = false;
		}
		if (changed)
			log_info("route steering: %" PRIu32
				 " bucket(s) changed their center", changed);
	}
	strbuf_free(&b);
	strbuf_free(&err);
	return rc;
}

/* ---- show ---- */

static bool sr_dest_failed_route(const struct steer_route_io *s,
				 const struct steer_route_dest *ds)
{
	for (size_t i = 0; i < s->n_failed; i++)
		if (mep_prefix_equal(&s->failed[i].prefix, &ds->destination))
			return true;
	return false;
}

static void sr_update_show(struct steer_route_io *s, const char *pending)
{
	const struct steer_route_desired *w = &s->want;
	struct sr_show *nv = calloc(w->n_dests + 1, sizeof(*nv));
	time_t now = time(NULL);

	if (!nv)
		return;
	for (size_t i = 0; i < w->n_dests; i++) {
		const struct steer_route_dest *ds = &w->dests[i];
		struct sr_show *e = &nv[i];

		e->community = ds->community;
		e->destination = ds->destination;
		if (pending)
			snprintf(e->state, sizeof(e->state), "moving: %s",
				 pending);
		else if (ds->failed)
			snprintf(e->state, sizeof(e->state), "failed: %s",
				 ds->reason);
		else if (ds->per_pair && s->nft_state == SR_NFT_FOREIGN)
			snprintf(e->state, sizeof(e->state),
				 "failed: nftables table %s is not "
				 "ripd-mep's",
				 SR_T);
		else if (sr_dest_failed_route(s, ds) ||
			 (ds->per_pair && s->error[0]))
			snprintf(e->state, sizeof(e->state),
				 "failed: %.150s (retrying)", s->error);
		else
			snprintf(e->state, sizeof(e->state), "up");
		snprintf(e->via, sizeof(e->via), "%s", ds->via);
		e->since = now;
		for (size_t k = 0; k < s->n_show; k++) {
			const struct sr_show *o = &s->show[k];

			if (o->community == e->community &&
			    mep_prefix_equal(&o->destination,
					     &e->destination) &&
			    strcmp(o->state, e->state) == 0 &&
			    strcmp(o->via, e->via) == 0)
				e->since = o->since;
		}
	}
	free(s->show);
	s->show = nv;
	s->n_show = w->n_dests;
}

/* ---- the update ---- */

/* `steering protocol` changed: remove the routes and rules of the old
 * protocol (in the tables its rules point to and the tables we had
 * open), then forget the handles, which carry the protocol. */
static void sr_clear(struct steer_route_io *s)
{
	struct sr_rules rules = { 0 };
	struct steer_route_route *have = NULL;
	size_t n = 0;
	struct rim_kernel *k = s->n_tables ? s->tables[0].k : NULL;

	steer_route_desired_free(&s->want);
	if (k && sr_list_rules(s, k, &rules, &s->errs) == 0 &&
	    sr_list_routes(s, &rules, &have, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			struct rim_kernel *t =
				sr_handle(s, have[i].table, &s->errs);

			if (t)
				(void)rim_kernel_delete(t, &have[i].prefix,
							&s->errs);
		}
		for (size_t i = 0; i < rules.n; i++)
			(void)sr_rule_op(s, k, RTM_DELRULE, &rules.v[i],
					 &s->errs);
		log_notice("route steering: protocol %u changed to %u: %zu "
			   "route(s) and %zu rule(s) of the old one removed",
			   s->protocol, s->d->cfg.steering.protocol, n,
			   rules.n);
	}
	free(have);
	free(rules.v);
	sr_close_tables(s);
	s->protocol = s->d->cfg.steering.protocol;
}

/* Is a center of a route-steered community still without a verdict? */
static bool sr_waiting(const struct steer_route_io *s)
{
	const struct mep_config *cfg = &s->d->cfg;
	const struct mep_liveness *live = liveness_view(&s->d->live);

	for (size_t ci = 0; ci < cfg->n_communities; ci++) {
		const struct mep_community *c = &cfg->communities[ci];

		if (!steer_route_applies(cfg, ci))
			continue;
		for (size_t j = 0; j < c->centers.n; j++)
			if (live[c->centers.idx[j]].state == MEP_LIVE_UNKNOWN)
				return true;
	}
	return false;
}

static void sr_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct steer_route_io *s = w->data;

	(void)loop;
	(void)revents;
	steer_route_io_update(s);
}

static void sr_adopt_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct steer_route_io *s = w->data;

	(void)loop;
	(void)revents;
	if (s->adopting) {
		s->adopting = false;
		steer_route_io_update(s);
	}
}

static void sr_resolved(void *arg, struct daemon *d)
{
	(void)d;
	steer_route_io_update(arg);
}

/* Compute the desired state from the daemon's entry points and which
 * centers' interfaces exist. */
static int sr_compute(struct steer_route_io *s)
{
	struct daemon *d = s->d;
	struct steer_route_input *in = NULL;
	bool *have_if;
	char ifname[16];
	int rc;

	have_if = calloc(d->cfg.n_gateways + 1, sizeof(*have_if));
	if (!have_if)
		return -1;
	for (size_t g = 0; g < d->cfg.n_gateways; g++)
		have_if[g] = d->cfg.gateways[g].if_id &&
			     if_nametoindex(mep_gateway_steer_ifname(
				     &d->cfg.gateways[g], ifname)) != 0;
	if (d->n_entry) {
		in = calloc(d->n_entry, sizeof(*in));
		if (!in) {
			free(have_if);
			return -1;
		}
	}
	for (size_t i = 0; i < d->n_entry; i++) {
		in[i].community = d->entry[i].community;
		in[i].destination = d->entry[i].destination;
		in[i].result = &d->entry[i].result;
	}
	steer_route_desired_free(&s->want);
	rc = steer_route_desired(&d->cfg, liveness_view(&d->live), have_if,
				 in, d->n_entry, &s->want);
	free(in);
	free(have_if);
	return rc;
}

void steer_route_io_update(struct steer_route_io *s)
{
	const struct mep_config *cfg;
	struct sr_rules rules = { 0 };
	struct steer_route_route *have = NULL;
	size_t n_have = 0;
	struct sr_apply a = { .s = s };
	struct sr_rule_apply ra = { .s = s };
	struct rim_kernel *k;
	int rc = 0;

	if (!s)
		return;
	cfg = &s->d->cfg;
	if (!steer_route_any(cfg) && !s->active)
		return;
	if (s->active && s->protocol != cfg->steering.protocol)
		sr_clear(s);
	if (sr_compute(s) < 0) {
		log_err("route steering: out of memory");
		return;
	}
	if (s->adopting && sr_waiting(s)) {
		sr_update_show(s, "start-up, waiting for the centers' first "
				  "verdicts");
		return;
	}
	s->adopting = false;
	ev_timer_stop(s->loop, &s->adopt_timer);
	ev_timer_stop(s->loop, &s->retry);
	s->active = true;
	strbuf_reset(&s->errs);
	s->n_failed = 0;
	if (s->protocol != cfg->steering.protocol) {
		sr_close_tables(s);
		s->protocol = cfg->steering.protocol;
	}
	k = sr_handle(s, cfg->steering.table, &s->errs);
	ra.k = k;
	if (!k || sr_list_rules(s, k, &rules, &s->errs) < 0 ||
	    sr_list_routes(s, &rules, &have, &n_have) < 0) {
		rc = -1;
		goto out;
	}
	/* routes first: a rule or a mark never points to an empty table */
	steer_route_diff_routes(s->want.routes, s->want.n_routes, have,
				n_have, sr_put, sr_del, &a);
	steer_route_diff_rules(s->want.rules, s->want.n_rules, rules.v,
			       rules.n, sr_rule_add, sr_rule_del, &ra);
	if (ra.rc < 0)
		rc = -1;
	/* then the marks; what is no longer wanted goes last */
	if (sr_nft_apply(s) < 0 &&
	    (s->want.n_pair_dst || s->nft_state == SR_NFT_OURS))
		rc = -1;
	for (size_t i = 0; i < ra.n_dels; i++)
		if (sr_rule_op(s, k, RTM_DELRULE, &ra.dels[i], &s->errs) < 0)
			rc = -1;
	for (size_t i = 0; i < a.n_dels; i++) {
		struct rim_kernel *t = sr_handle(s, a.dels[i].table, &s->errs);

		if (!t || rim_kernel_delete(t, &a.dels[i].prefix, &s->errs) <
				  0)
			rc = -1;
	}
	if (a.rc < 0)
		rc = -1;
out:
	free(ra.dels);
	free(a.dels);
	free(have);
	free(rules.v);
	if (rc < 0) {
		if (strcmp(s->error, strbuf_str(&s->errs)) != 0)
			log_err("route steering: %s (retrying every %.0f s)",
				strbuf_str(&s->errs), SR_RETRY_S);
		snprintf(s->error, sizeof(s->error), "%s",
			 strbuf_str(&s->errs));
		ev_timer_set(&s->retry, SR_RETRY_S, 0.);
		ev_timer_start(s->loop, &s->retry);
	} else {
		if (s->error[0])
			log_notice("route steering: the kernel holds the "
				   "desired state again");
		s->error[0] = '\0';
		/* a tunnel interface that is not there yet: look again */
		if (s->want.missing_if) {
			ev_timer_set(&s->retry, SR_RETRY_S, 0.);
			ev_timer_start(s->loop, &s->retry);
		}
	}
	sr_update_show(s, NULL);
}

struct steer_route_io *steer_route_io_new(struct ev_loop *loop,
					  struct daemon *d)
{
	struct steer_route_io *s = calloc(1, sizeof(*s));
	double hold;

	if (!s) {
		log_err("out of memory: no route steering");
		return NULL;
	}
	s->loop = loop;
	s->d = d;
	s->adopting = true;
	ev_timer_init(&s->retry, sr_retry_cb, SR_RETRY_S, 0.);
	s->retry.data = s;
	/* at most one probe dead time plus the answers before up */
	hold = (double)d->cfg.probe.interval_ms *
		       (d->cfg.probe.dead_count + d->cfg.probe.up_count) /
		       1000.0 +
	       0.5;
	ev_timer_init(&s->adopt_timer, sr_adopt_cb, hold, 0.);
	s->adopt_timer.data = s;
	ev_timer_start(loop, &s->adopt_timer);
	d->resolved_fn = sr_resolved;
	d->resolved_arg = s;
	steer_route_io_update(s);
	return s;
}

void steer_route_io_free(struct steer_route_io *s)
{
	if (!s)
		return;
	if (s->d->resolved_arg == s) {
		s->d->resolved_fn = NULL;
		s->d->resolved_arg = NULL;
	}
	ev_timer_stop(s->loop, &s->retry);
	ev_timer_stop(s->loop, &s->adopt_timer);
	sr_close_tables(s);
	nft_run_free(s->nft);
	free(s->have_marks);
	free(s->have_dst);
	steer_route_desired_free(&s->want);
	free(s->show);
	free(s->failed);
	strbuf_free(&s->errs);
	free(s);
}

bool steer_route_io_show(const struct steer_route_io *s, int community,
			 const struct mep_prefix *dst, const char **state,
			 const char **via, time_t *since)
{
	if (!s)
		return false;
	for (size_t i = 0; i < s->n_show; i++)
		if (s->show[i].community == community &&
		    mep_prefix_equal(&s->show[i].destination, dst)) {
			*state = s->show[i].state;
			*via = s->show[i].via;
			*since = s->show[i].since;
			return true;
		}
	return false;
}

const struct steer_route_desired *
steer_route_io_desired(const struct steer_route_io *s)
{
	return s ? &s->want : NULL;
}

const char *steer_route_io_nft_status(const struct steer_route_io *s)
{
	if (!s)
		return "absent";
	switch (s->nft_state) {
	case SR_NFT_OURS:
		return "ours";
	case SR_NFT_FOREIGN:
		return "foreign";
	default:
		return "absent";
	}
}

const char *steer_route_io_error(const struct steer_route_io *s)
{
	return s ? s->error : "";
}
