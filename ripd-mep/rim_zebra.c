/* rim_zebra: desired RIM routes -> zebra over ZAPI. */
#include "rim_zebra.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "zapi_session.h"

struct rim_zebra {
	struct zapi_session *session;
	struct mep_rim_config rim;
	struct rim_zebra_cbs cbs;
	void *arg;
	bool replayed;		/* this session got the full set */
	bool resend;		/* next hop changed: send everything again */
	unsigned int ifindex;	/* of rim.interface, read once per update */
	unsigned int sent_ifindex;	/* the one the routes in zebra use */
	struct rim_routes sent;	/* what zebra holds from this session */
};

static void on_connect(void *arg)
{
	struct rim_zebra *z = arg;

	log_notice("zebra: connected (route type %s, instance %u, stale "
		   "time %u s)",
		   z->rim.route_type_name, z->rim.instance,
		   z->rim.stale_time_s);
	z->replayed = false;
	z->sent.n = 0;
	z->cbs.on_connect(z->arg);
}

static void on_disconnect(void *arg, const char *reason)
{
	struct rim_zebra *z = arg;

	log_warn("zebra: connection lost (%s); zebra keeps our routes for "
		 "%u s",
		 reason, z->rim.stale_time_s);
	for (size_t i = 0; i < z->sent.n; i++)
		z->cbs.on_note(z->arg, &z->sent.v[i].prefix, RIM_ZEBRA_DOWN,
			       "zebra not connected");
	z->replayed = false;
	z->sent.n = 0;
}

static void on_notify(void *arg, const struct zapi_notify *n)
{
	struct rim_zebra *z = arg;
	static const struct {
		enum rim_zebra_note note;
		const char *why;
	} map[] = {
		[ZAPI_NOTE_FAIL_INSTALL] = { RIM_ZEBRA_FAILED,
					     "zebra failed to install it" },
		[ZAPI_NOTE_BETTER_ADMIN_WON] = { RIM_ZEBRA_BETTER_WON,
						 "a route of lower distance "
						 "won in zebra" },
		[ZAPI_NOTE_INSTALLED] = { RIM_ZEBRA_INSTALLED, "" },
		[ZAPI_NOTE_REMOVED] = { RIM_ZEBRA_REMOVED,
					"removed by zebra" },
		[ZAPI_NOTE_REMOVE_FAIL] = { RIM_ZEBRA_FAILED,
					    "zebra failed to remove it" },
	};

	if (n->note >= sizeof(map) / sizeof(map[0]))
		return;
	if (n->note == ZAPI_NOTE_REMOVED)
		z->resend = true;	/* zebra dropped it: send it again */
	z->cbs.on_note(z->arg, &n->prefix, map[n->note].note,
		       map[n->note].why);
}

struct rim_zebra *rim_zebra_new(struct ev_loop *loop, const char *zserv,
				const struct mep_rim_config *rim,
				const struct rim_zebra_cbs *cbs, void *arg)
{
	static const struct zapi_session_cbs zcbs = {
		.on_connect = on_connect,
		.on_disconnect = on_disconnect,
		.on_notify = on_notify,
	};
	struct rim_zebra *z = calloc(1, sizeof(*z));
	struct zapi_session_cfg cfg;

	if (!z)
		return NULL;
	z->rim = *rim;
	z->cbs = *cbs;
	z->arg = arg;
	rim_routes_init(&z->sent);
	zapi_session_cfg_init(&cfg);
	cfg.path = zserv;
	cfg.route_type = rim->route_type;
	cfg.instance = rim->instance;
	cfg.stale_time = rim->stale_time_s;
	z->session = zapi_session_new(loop, &cfg, &zcbs, z);
	if (!z->session) {
		free(z);
		return NULL;
	}
	zapi_session_start(z->session);
	return z;
}

void rim_zebra_free(struct rim_zebra *z)
{
	if (!z)
		return;
	zapi_session_free(z->session);
	rim_routes_free(&z->sent);
	free(z);
}

void rim_zebra_configure(struct rim_zebra *z, const struct mep_rim_config *rim)
{
	if (!mep_rim_same_next_hop(&z->rim, rim))
		z->resend = true;
	z->rim = *rim;
}

bool rim_zebra_up(const struct rim_zebra *z)
{
	return zapi_session_up(z->session);
}

/* The ZAPI form of r: next hop from the rim block. Returns -1 (with why)
 * when it has none (interface missing, family mismatch). */
static int to_zapi(const struct rim_zebra *z, const struct rim_route *r,
		   struct zapi_route *out, const char **why)
{
	unsigned int ifindex = z->ifindex;

	memset(out, 0, sizeof(*out));
	out->prefix = r->prefix;
	out->has_nexthop = true;
	if (z->rim.has_next_hop) {
		if (z->rim.next_hop.family != r->prefix.family) {
			*why = "next-hop is of the other address family";
			return -1;
		}
		out->nh.gate = z->rim.next_hop;
		out->nh.ifindex = ifindex;
		if (r->prefix.family == AF_INET)
			out->nh.type = ifindex ? ZAPI_NH_IPV4_IFINDEX
					       : ZAPI_NH_IPV4;
		else
			out->nh.type = ifindex ? ZAPI_NH_IPV6_IFINDEX
					       : ZAPI_NH_IPV6;
	} else {
		if (!ifindex) {
			*why = "interface missing (is strongSwan running?)";
			return -1;
		}
		out->nh.type = ZAPI_NH_IFINDEX;
		out->nh.ifindex = ifindex;
	}
	out->has_distance = out->has_metric = true;
	out->distance = r->distance;
	out->metric = r->metric;
	out->has_tag = r->tag != 0;
	out->tag = r->tag;
	return 0;
}

/* Send r; on success it joins now. Returns false when it could not be
 * sent (the caller decides what zebra still holds). */
static bool send_add(struct rim_zebra *z, const struct rim_route *r,
		     struct rim_routes *now)
{
	struct zapi_route zr;
	const char *why = NULL;

	if (to_zapi(z, r, &zr, &why) < 0) {
		z->cbs.on_note(z->arg, &r->prefix, RIM_ZEBRA_UNSENDABLE, why);
		return false;
	}
	if (zapi_session_route_add(z->session, &zr) < 0) {
		z->cbs.on_note(z->arg, &r->prefix, RIM_ZEBRA_DOWN,
			       "zebra not connected");
		return false;
	}
	z->cbs.on_note(z->arg, &r->prefix, RIM_ZEBRA_SENT, "");
	if (rim_routes_add(now, r) < 0)
		abort();
	return true;
}

void rim_zebra_set(struct rim_zebra *z, const struct rim_route *desired,
		   size_t n)
{
	struct rim_routes now;
	size_t a = 0, b = 0;

	if (!zapi_session_up(z->session))
		return;
	/* One lookup per update, not per route (it is a system call). A new
	 * index (charon recreated ipsec0) means every route points at a
	 * dead interface: send them all again. */
	z->ifindex = if_nametoindex(z->rim.interface);
	if (z->replayed && z->ifindex != z->sent_ifindex)
		z->resend = true;
	rim_routes_init(&now);
	if (!z->replayed) {
		for (size_t i = 0; i < n; i++)
			send_add(z, &desired[i], &now);
		zapi_session_update_complete(z->session);
		z->replayed = true;
		log_info("zebra: sent %zu route(s) and update-complete", now.n);
		goto done;
	}
	/* Both sets are sorted by prefix: one merge pass sends what is new
	 * or changed (ROUTE_ADD replaces) and deletes what is gone. */
	while (a < n || b < z->sent.n) {
		int c = a == n		   ? 1
			: b == z->sent.n ? -1
					 : rim_prefix_cmp(&desired[a].prefix,
							  &z->sent.v[b].prefix);

		if (c < 0) {
			send_add(z, &desired[a++], &now);
		} else if (c > 0) {
			zapi_session_route_delete(z->session,
						  &z->sent.v[b++].prefix);
		} else {
			if (!z->resend &&
			    rim_route_same_attrs(&desired[a], &z->sent.v[b])) {
				if (rim_routes_add(&now, &z->sent.v[b]) < 0)
					abort();
			} else if (!send_add(z, &desired[a], &now) &&
				   rim_routes_add(&now, &z->sent.v[b]) < 0) {
				/* not re-sent: zebra still holds the old one */
				abort();
			}
			a++;
			b++;
		}
	}
	z->resend = false;
	z->sent_ifindex = z->ifindex;
done:
	rim_routes_free(&z->sent);
	z->sent = now;
}
