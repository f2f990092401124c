/* probe_io: sockets, timer and randomness around the prober and
 * responder cores. */
#include "probe_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "resolver.h"

/* Receive buffer of a probe socket (bytes). */
#define PROBE_IO_RCVBUF (8 * 1024 * 1024)

enum { FAM4, FAM6, NFAM };

struct pio_peer {
	struct probe_io_peer pub;
	struct sockaddr_storage sa;
	socklen_t salen;
};

struct probe_io {
	struct ev_loop *loop;
	struct daemon *d;
	int fd[NFAM];
	ev_io io[NFAM];
	char bound_addr[MEP_HOST_MAX];	/* what fd[] are bound for */
	uint16_t bound_port;
	bool bound_families[NFAM];
	bool bound_local;		/* bound to the resolved address */
	struct resolver *resolver;	/* DNS names of gateways */
	ev_timer timer;
	ev_timer silence;		/* the satellites' silence, per interval */
	uint64_t dead_us;		/* interval * dead-count */
	struct responder resp;
	struct probe_keyring keys;
	char key[MEP_KEY_MAX];
	char local[MEP_NAME_MAX];
	uint16_t port;
	struct pio_peer *peer;
	size_t n_peer;
	struct prober_params params;
	struct probe_rejects rejected;	/* replies no prober took */
	uint64_t rng;
};

uint64_t probe_io_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* xorshift64*: jitter only, no secrecy needed. */
static int jitter(struct probe_io *p)
{
	uint64_t x = p->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng = x;
	x *= 0x2545F4914F6CDD1DULL;
	return (int)((x >> 33) % (2 * PROBER_JITTER_MAX + 1)) -
	       PROBER_JITTER_MAX;
}

static int fam_index(int family)
{
	return family == AF_INET6 ? FAM6 : FAM4;
}

/* host (IP literal or DNS name) and port -> socket address: 0, or -1
 * when it does not resolve or not yet (a lookup runs in the resolver's
 * worker; probe_io_configure runs again when it ends). */
static int resolve(struct probe_io *p, const char *host, uint16_t port,
		   struct sockaddr_storage *sa, socklen_t *len)
{
	if (!p->resolver)
		return -1;
	return resolver_lookup(p->resolver, host, port, sa, len) ==
			       RESOLVER_OK
		       ? 0
		       : -1;
}

static void to_mep_addr(const struct sockaddr_storage *sa,
			struct mep_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->ss_family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(a->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		       16);
	} else {
		a->family = AF_INET;
		memcpy(a->addr, &((const struct sockaddr_in *)sa)->sin_addr,
		       4);
	}
}

static void report(struct probe_io *p, struct pio_peer *pp)
{
	const struct prober *pr = &pp->pub.pr;

	daemon_probe_report(p->d, pp->pub.gw, pr->state, pr->reported_rtt_us,
			    pr->miss_run, pr->drain);
}

/* RIM follows the satellites' silence (rim_feed_set_silence). */
static void silence_changed(struct probe_io *p)
{
	if (p->d->rim)
		rim_feed_silence_changed(p->d->rim);
}

static void log_silence(void *arg, const struct responder_peer *sp)
{
	const struct probe_io *p = arg;

	if (sp->silent)
		log_notice("probe: satellite %s silent (no valid probe for "
			   "%llu ms): its RIM routes are withdrawn",
			   sp->name, (unsigned long long)p->dead_us / 1000u);
	else
		log_notice("probe: satellite %s heard again: its RIM routes "
			   "follow its tunnel again",
			   sp->name);
}

static void on_silence(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe_io *p = w->data;

	(void)loop;
	(void)revents;
	if (responder_silence_tick(&p->resp, probe_io_now_us(), p->dead_us,
				   log_silence, p))
		silence_changed(p);
}

/* A valid probe from a silent satellite: not silent any more, at once. */
static void check_woken(struct probe_io *p)
{
	if (!p->resp.woken)
		return;
	log_silence(p, p->resp.woken);
	p->resp.woken = NULL;
	silence_changed(p);
}

/* Tick the silence once per interval while satellites probe us. */
static void arm_silence(struct probe_io *p)
{
	double every = (double)p->params.interval_ms / 1000.0;

	ev_timer_stop(p->loop, &p->silence);
	if (!p->resp.n_peer || !p->dead_us || every <= 0)
		return;
	ev_timer_set(&p->silence, every, every);
	ev_timer_start(p->loop, &p->silence);
}

void probe_io_fill_silent(const struct probe_io *p, uint8_t *silent,
			  size_t n)
{
	for (size_t i = 0; p && i < p->resp.n_peer; i++) {
		const struct responder_peer *sp = &p->resp.peer[i];

		if (sp->silent && sp->gw >= 0 && (size_t)sp->gw < n)
			silent[sp->gw] = 1;
	}
}

static struct pio_peer *peer_find(struct probe_io *p, const char *name)
{
	for (size_t i = 0; i < p->n_peer; i++)
		if (strcmp(p->peer[i].pub.name, name) == 0)
			return &p->peer[i];
	return NULL;
}

static void arm(struct probe_io *p)
{
	uint64_t now = probe_io_now_us(), next = UINT64_MAX;

	ev_timer_stop(p->loop, &p->timer);
	for (size_t i = 0; i < p->n_peer; i++) {
		uint64_t t = prober_next_event(&p->peer[i].pub.pr);

		if (t < next)
			next = t;
	}
	if (next == UINT64_MAX)
		return;
	ev_timer_set(&p->timer,
		     next > now ? (double)(next - now) / 1e6 : 0.0, 0.0);
	ev_timer_start(p->loop, &p->timer);
}

static void send_request(struct probe_io *p, struct pio_peer *pp,
			 const struct prober_probe *probe)
{
	struct probe_packet pkt = { .type = PROBE_TYPE_REQUEST,
				    .seq = probe->seq,
				    .timestamp_us = probe->timestamp_us };
	uint8_t buf[PROBE_PACKET_LEN];
	int fd = p->fd[fam_index(pp->sa.ss_family)];
	int n;

	snprintf(pkt.sender, sizeof(pkt.sender), "%s", p->local);
	snprintf(pkt.target, sizeof(pkt.target), "%s", pp->pub.name);
	n = probe_encode(&pkt, &p->keys.cur, buf, sizeof(buf));
	if (n < 0 || fd < 0 || !pp->pub.has_addr)
		return;	/* counted lost in time: the verdict says so */
	if (sendto(fd, buf, (size_t)n, 0, (const struct sockaddr *)&pp->sa,
		   pp->salen) < 0)
		log_debug(LOG_DEBUG_RESOLVE, "probe to %s: %s", pp->pub.name,
			  strerror(errno));
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe_io *p = w->data;
	uint64_t now = probe_io_now_us();

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < p->n_peer; i++) {
		struct pio_peer *pp = &p->peer[i];
		struct prober_probe probe;
		unsigned ev;

		if (prober_next_event(&pp->pub.pr) > now)
			continue;
		ev = prober_tick(&pp->pub.pr, now, jitter(p), &probe);
		if (ev & PROBER_SEND)
			send_request(p, pp, &probe);
		if (ev & PROBER_CHANGED)
			report(p, pp);
	}
	arm(p);
}

static void on_reply(struct probe_io *p, const uint8_t *buf, size_t len,
		     uint64_t now)
{
	struct probe_packet pkt;
	enum probe_error err = probe_decode(buf, len, &p->keys, now, &pkt);
	struct pio_peer *pp;
	unsigned ev = 0;

	if (err != PROBE_OK) {
		p->rejected.n[probe_cause_of(err)]++;
		return;
	}
	pp = peer_find(p, pkt.sender);
	if (pkt.type != PROBE_TYPE_REPLY || !pp ||
	    strcmp(pkt.target, p->local) != 0) {
		p->rejected.n[PROBE_CAUSE_UNKNOWN_SENDER]++;
		return;
	}
	prober_reply(&pp->pub.pr, &pkt, now, &ev);
	if (ev & PROBER_CHANGED)
		report(p, pp);
}

/* Is a the address of a center this gateway probes? */
static bool center_address(const struct probe_io *p, const struct mep_addr *a)
{
	for (size_t i = 0; i < p->n_peer; i++) {
		struct mep_addr c;

		if (!p->peer[i].pub.has_addr)
			continue;
		to_mep_addr(&p->peer[i].sa, &c);
		if (mep_addr_equal(&c, a))
			return true;
	}
	return false;
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_io *p = w->data;
	uint8_t buf[512], out[PROBE_PACKET_LEN];

	(void)loop;
	(void)revents;
	for (int i = 0; i < PROBE_IO_BURST; i++) {
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		ssize_t n = recvfrom(w->fd, buf, sizeof(buf),
				     MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&src, &slen);
		uint64_t now = probe_io_now_us();
		size_t len;

		if (n < 0)
			break;
		len = (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n;
		if (len > PROBE_OFF_TYPE && buf[PROBE_OFF_TYPE] ==
						    PROBE_TYPE_REPLY &&
		    len == PROBE_PACKET_LEN) {
			struct mep_addr a;

			/* every datagram meets the token buckets before
			 * its HMAC is computed (PROBE-PROTOCOL §6): a
			 * reply from a center we probe is "known" */
			to_mep_addr(&src, &a);
			if (ratelimit_admit(p->resp.rl, &a,
					    center_address(p, &a), now) !=
			    RATELIMIT_PASS) {
				p->rejected.n[PROBE_CAUSE_RATE_LIMIT]++;
				continue;
			}
			on_reply(p, buf, len, now);
		} else {
			struct mep_addr a;
			enum probe_cause cause;
			size_t olen;

			to_mep_addr(&src, &a);
			if (responder_handle(&p->resp, &a, buf, len, now, out,
					     sizeof(out), &olen, &cause) == 1) {
				sendto(w->fd, out, olen, 0,
				       (struct sockaddr *)&src, slen);
				check_woken(p);
			}
		}
	}
	arm(p);
}

static void close_sockets(struct probe_io *p)
{
	for (int f = 0; f < NFAM; f++) {
		if (p->fd[f] >= 0) {
			ev_io_stop(p->loop, &p->io[f]);
			close(p->fd[f]);
		}
		p->fd[f] = -1;
		p->bound_families[f] = false;
	}
	p->bound_addr[0] = 0;
	p->bound_port = 0;
	p->bound_local = false;
}

/* A socket of family f bound to local (when of that family) or to the
 * wildcard address, on port. */
static int open_socket(struct probe_io *p, int f, const char *addr,
		       const struct sockaddr_storage *local, uint16_t port)
{
	int family = f == FAM6 ? AF_INET6 : AF_INET, one = 1;
	struct sockaddr_storage any = { 0 };
	socklen_t len;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		log_warn("probe: no %s socket: %s",
			 f == FAM6 ? "IPv6" : "IPv4", strerror(errno));
		return -1;
	}
	/* no SO_REUSEADDR: with it another local user's socket could bind
	 * the same address and port and take probes away. A large receive
	 * buffer: under a flood of forged packets the kernel would
	 * otherwise drop the legitimate probes with the rest before the
	 * rate limiter sees them (tools/bench/probe-flood: 0 false downs
	 * with 8 MiB, false downs with the default 208 KiB). FORCE needs
	 * CAP_NET_ADMIN, which the daemon keeps; else the sysctl cap. */
	{
		int rcvbuf = PROBE_IO_RCVBUF;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			       sizeof(rcvbuf)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				   sizeof(rcvbuf));
	}
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&any;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&any;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		len = sizeof(*s4);
	}
	if (local && local->ss_family == family) {
		if (bind(fd, (const struct sockaddr *)local, len) == 0)
			goto bound;
		log_warn("probe: cannot bind to this gateway's address %s "
			 "port %u (%s): probing from any address, the routing "
			 "table picks the source",
			 addr, port, strerror(errno));
	}
	if (bind(fd, (const struct sockaddr *)&any, len) < 0) {
		log_err("probe: cannot bind UDP port %u: %s", port,
			strerror(errno));
		close(fd);
		return -1;
	}
bound:
	p->fd[f] = fd;
	ev_io_init(&p->io[f], on_read, fd, EV_READ);
	p->io[f].data = p;
	ev_io_start(p->loop, &p->io[f]);
	return 0;
}

static void open_sockets(struct probe_io *p, const struct mep_config *cfg,
			 const bool need[NFAM])
{
	const char *addr = cfg->gateways[cfg->local_gateway].address;
	struct sockaddr_storage local;
	socklen_t len;
	bool has_local = resolve(p, addr, p->port, &local, &len) == 0;
	bool same = strcmp(addr, p->bound_addr) == 0 &&
		    p->port == p->bound_port && has_local == p->bound_local;

	for (int f = 0; f < NFAM; f++)
		if (need[f] != p->bound_families[f])
			same = false;
	if (same)
		return;
	close_sockets(p);
	if (addr[0] && !has_local)
		log_warn("probe: cannot resolve this gateway's address %s: "
			 "probing from any address",
			 addr);
	for (int f = 0; f < NFAM; f++)
		if (need[f] || (has_local && fam_index(local.ss_family) == f))
			open_socket(p, f, addr, has_local ? &local : NULL,
				    p->port);
	/* a family whose socket could not be opened is not bound: the next
	 * configuration tries again */
	for (int f = 0; f < NFAM; f++)
		p->bound_families[f] = need[f] && p->fd[f] >= 0;
	snprintf(p->bound_addr, sizeof(p->bound_addr), "%s", addr);
	p->bound_port = p->port;
	p->bound_local = has_local;
}

static void configure_responder(struct probe_io *p,
				const struct mep_config *cfg, bool need[NFAM])
{
	if (responder_configure(&p->resp, cfg) < 0) {
		log_err("probe: out of memory configuring the responder");
		return;
	}
	for (size_t i = 0; i < p->resp.n_peer; i++) {
		const struct mep_gateway *g =
			&cfg->gateways[p->resp.peer[i].gw];
		struct sockaddr_storage sa;
		socklen_t len;
		struct mep_addr a;

		if (resolve(p, g->address, p->port, &sa, &len) < 0)
			continue;
		to_mep_addr(&sa, &a);
		responder_set_address(&p->resp, g->name, &a);
		need[fam_index(sa.ss_family)] = true;
	}
}

/* Centers probed before but not in v (n) any more: their probe verdict
 * is withdrawn (unknown), not left as it last was. */
static void forget_dropped(struct probe_io *p, const struct mep_config *cfg,
			   const struct pio_peer *v, size_t n)
{
	for (size_t i = 0; i < p->n_peer; i++) {
		const char *name = p->peer[i].pub.name;
		bool kept = false;
		int gw;

		for (size_t k = 0; k < n && !kept; k++)
			kept = strcmp(v[k].pub.name, name) == 0;
		gw = mep_config_gateway_index(cfg, name);
		if (!kept && gw >= 0)
			daemon_probe_report(p->d, gw, MEP_LIVE_UNKNOWN, 0, 0,
					    false);
	}
}

static void configure_probers(struct probe_io *p, const struct mep_config *cfg,
			      bool need[NFAM])
{
	int idx[MEP_MAX_CANDIDATES * 4];
	size_t n = prober_targets(cfg, cfg->local_gateway, idx,
				  sizeof(idx) / sizeof(idx[0]));
	struct pio_peer *v;
	uint64_t now = probe_io_now_us();

	if (n > sizeof(idx) / sizeof(idx[0]))
		n = sizeof(idx) / sizeof(idx[0]);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		log_err("probe: out of memory configuring the probers");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mep_gateway *g = &cfg->gateways[idx[i]];
		struct pio_peer *old = peer_find(p, g->name);

		if (old) {
			v[i] = *old;
			prober_set_params(&v[i].pub.pr, &p->params, now,
					  jitter(p));
		} else {
			snprintf(v[i].pub.name, sizeof(v[i].pub.name), "%s",
				 g->name);
			prober_init(&v[i].pub.pr, &p->params, wall_us(), now);
		}
		v[i].pub.gw = idx[i];
		v[i].pub.has_addr = resolve(p, g->address, p->port, &v[i].sa,
					    &v[i].salen) == 0;
		if (v[i].pub.has_addr)
			need[fam_index(v[i].sa.ss_family)] = true;
		else
			log_warn("probe: cannot resolve %s's address '%s': "
				 "not probed (down after dead-count)",
				 g->name, g->address);
	}
	forget_dropped(p, cfg, v, n);
	free(p->peer);
	p->peer = v;
	p->n_peer = n;
}

/* After the responder's satellites changed: a new dead time applies at
 * once, and the gateway indexes RIM asks about are the new ones (RIM
 * computes again after probe_io_configure, daemon_apply). */
static void silence_reconfigured(struct probe_io *p)
{
	if (responder_silence_tick(&p->resp, probe_io_now_us(), p->dead_us,
				   log_silence, p))
		silence_changed(p);
	arm_silence(p);
}

void probe_io_configure(struct probe_io *p, const struct mep_config *cfg)
{
	uint64_t now = probe_io_now_us();
	bool need[NFAM] = { false, false };

	p->params.interval_ms = cfg->probe.interval_ms;
	p->params.dead_count = cfg->probe.dead_count;
	p->params.up_count = cfg->probe.up_count;
	p->dead_us = (uint64_t)cfg->probe.interval_ms * cfg->probe.dead_count *
		     1000u;
	p->port = cfg->probe.port ? cfg->probe.port : PROBE_DEFAULT_PORT;
	if (strcmp(p->key, cfg->probe.key) != 0) {
		probe_keyring_set(&p->keys, cfg->probe.key, now);
		responder_set_key(&p->resp, cfg->probe.key, now);
		snprintf(p->key, sizeof(p->key), "%s", cfg->probe.key);
	}
	responder_set_drain(&p->resp, daemon_draining(p->d));
	if (cfg->local_gateway < 0 || !cfg->probe.key[0]) {
		if (cfg->local_gateway >= 0 &&
		    prober_targets(cfg, cfg->local_gateway, NULL, 0))
			log_warn("probe: no `probe key` configured: no "
				 "probing, centers stay unknown");
		p->local[0] = 0;
		responder_configure(&p->resp, cfg);
		forget_dropped(p, cfg, NULL, 0);
		free(p->peer);
		p->peer = NULL;
		p->n_peer = 0;
		close_sockets(p);
		ev_timer_stop(p->loop, &p->timer);
		p->dead_us = 0;	/* not probing: nobody is silent */
		silence_reconfigured(p);
		return;
	}
	snprintf(p->local, sizeof(p->local), "%s",
		 cfg->gateways[cfg->local_gateway].name);
	configure_responder(p, cfg, need);
	configure_probers(p, cfg, need);
	silence_reconfigured(p);
	if (!p->resp.n_peer && !p->n_peer) {
		close_sockets(p);
		ev_timer_stop(p->loop, &p->timer);
		return;
	}
	open_sockets(p, cfg, need);
	arm(p);
}

/* A DNS name of a gateway resolved (or changed address): configure
 * again with the running configuration; the answers are there now. */
static void on_resolved(void *arg)
{
	struct probe_io *p = arg;

	probe_io_configure(p, &p->d->cfg);
}

struct probe_io *probe_io_new(struct ev_loop *loop, struct daemon *d)
{
	struct probe_io *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loop = loop;
	p->d = d;
	p->fd[FAM4] = p->fd[FAM6] = -1;
	probe_keyring_init(&p->keys);
	if (responder_init(&p->resp, probe_io_now_us()) < 0) {
		free(p);
		return NULL;
	}
	if (getrandom(&p->rng, sizeof(p->rng), 0) != sizeof(p->rng) ||
	    !p->rng)
		p->rng = wall_us() | 1;
	ev_timer_init(&p->timer, on_timer, 0.0, 0.0);
	p->timer.data = p;
	ev_timer_init(&p->silence, on_silence, 0.0, 0.0);
	p->silence.data = p;
	p->resolver = resolver_new(loop, on_resolved, p);
	if (!p->resolver) {
		responder_free(&p->resp);
		free(p);
		return NULL;
	}
	probe_io_configure(p, &d->cfg);
	return p;
}

void probe_io_free(struct probe_io *p)
{
	if (!p)
		return;
	ev_timer_stop(p->loop, &p->timer);
	ev_timer_stop(p->loop, &p->silence);
	close_sockets(p);
	resolver_free(p->resolver);
	responder_free(&p->resp);
	free(p->peer);
	free(p);
}

void probe_io_set_drain(struct probe_io *p, bool drain)
{
	responder_set_drain(&p->resp, drain);
}

size_t probe_io_n_peers(const struct probe_io *p)
{
	return p ? p->n_peer : 0;
}

const struct probe_io_peer *probe_io_peer_at(const struct probe_io *p,
					     size_t i)
{
	return p && i < p->n_peer ? &p->peer[i].pub : NULL;
}

const struct probe_io_peer *probe_io_peer_of(const struct probe_io *p,
					     const char *name)
{
	for (size_t i = 0; p && i < p->n_peer; i++)
		if (strcmp(p->peer[i].pub.name, name) == 0)
			return &p->peer[i].pub;
	return NULL;
}

const struct responder *probe_io_responder(const struct probe_io *p)
{
	return p ? &p->resp : NULL;
}

const struct probe_rejects *probe_io_rejects(const struct probe_io *p)
{
	return p ? &p->rejected : NULL;
}
