/* zapi_session: zebra client on the libev loop (socket, batched output
 * queue, frame dispatch, reconnect). See zapi_session.h. */
#include "zapi_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "backoff.h"

/* Write at once (instead of waiting for the loop) past this many bytes. */
#define ZAPI_SESSION_EAGER_WRITE (256u << 10)
#define ZAPI_SESSION_READ_CHUNK 65536

struct zapi_session {
	struct ev_loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct zapi_session_cfg cfg;
	struct zapi_ident id;
	struct zapi_session_cbs cbs;
	void *arg;

	int fd;
	bool up;
	ev_io rio, wio;
	ev_timer retry;
	struct log_ratelimit retry_log;	/* the reconnect lines */
	struct backoff backoff;
	bool got_frame;		/* a valid frame on this connection */
	bool logged_unknown;	/* one log line per connection */

	struct zapi_splitter in;
	uint8_t *out;
	size_t out_off, out_len, out_cap;

	struct zapi_session_stats stats;
};

static void zapi_session_connect(struct zapi_session *s);

void zapi_session_cfg_init(struct zapi_session_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->route_type = ZAPI_ROUTE_NHRP;
	cfg->gr = true;
	cfg->stale_time = 120;
}

/* ---- connection teardown ------------------------------------------- */

static void zapi_session_close(struct zapi_session *s)
{
	if (s->fd >= 0) {
		ev_io_stop(s->loop, &s->rio);
		ev_io_stop(s->loop, &s->wio);
		close(s->fd);
		s->fd = -1;
	}
	s->up = false;
	zapi_splitter_reset(&s->in);
	s->out_off = s->out_len = 0;
}

static void zapi_session_schedule(struct zapi_session *s)
{
	ev_timer_stop(s->loop, &s->retry);
	ev_timer_set(&s->retry, backoff_next(&s->backoff), 0.);
	ev_timer_start(s->loop, &s->retry);
}

/* Drop the connection because of reason, tell the owner, retry later. */
static void zapi_session_fail(struct zapi_session *s, const char *reason)
{
	bool was_up = s->up;

	log_ratelimited(&s->retry_log, reason, LOG_ERR,
			"zebra %s: %s; reconnecting", s->path, reason);
	zapi_session_close(s);
	s->stats.disconnects++;
	zapi_session_schedule(s);
	if (was_up && s->cbs.on_disconnect)
		s->cbs.on_disconnect(s->arg, reason);
}

/* ---- output -------------------------------------------------------- */

/* Write what the socket takes. 0, or -1 on a socket error (reason in
 * buf). */
static int zapi_session_write(struct zapi_session *s, char *why, size_t wlen)
{
	while (s->out_off < s->out_len) {
		ssize_t n = send(s->fd, s->out + s->out_off,
				 s->out_len - s->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			snprintf(why, wlen, "write failed: %s",
				 strerror(errno));
			return -1;
		}
		s->out_off += (size_t)n;
	}
	if (s->out_off == s->out_len) {
		s->out_off = s->out_len = 0;
		ev_io_stop(s->loop, &s->wio);
	} else {
		ev_io_start(s->loop, &s->wio);
	}
	return 0;
}

static void zapi_session_on_writable(struct ev_loop *loop, ev_io *w,
				     int revents)
{
	struct zapi_session *s = w->data;
	char why[160];

	(void)loop;
	(void)revents;
	if (zapi_session_write(s, why, sizeof(why)) < 0)
		zapi_session_fail(s, why);
}

/* Room for need more bytes at out + out_len; NULL when over the limit. */
static uint8_t *zapi_session_reserve(struct zapi_session *s, size_t need)
{
	/* Reclaim the sent bytes before growing: when half of the buffer
	 * went out, or when it is full and at most half of it waits (each
	 * move then frees at least half: amortised O(1) per byte). */
	if (s->out_off > 0 &&
	    (s->out_off >= s->out_cap / 2 ||
	     (need > s->out_cap - s->out_len &&
	      s->out_len - s->out_off <= s->out_cap / 2))) {
		memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
		s->out_len -= s->out_off;
		s->out_off = 0;
	}
	if (need > s->out_cap - s->out_len) {
		size_t cap = s->out_cap ? s->out_cap : 65536;

		while (cap - s->out_len < need) {
			if (cap >= ZAPI_SESSION_MAX_QUEUE)
				return NULL;
			cap *= 2;
		}
		uint8_t *nb = realloc(s->out, cap);

		if (!nb)
			return NULL;
		s->out = nb;
		s->out_cap = cap;
	}
	return s->out + s->out_len;
}

/* Account for len encoded bytes and get them moving: a write watcher for
 * the loop, or a write now once much is queued. */
static void zapi_session_queued_bytes(struct zapi_session *s, int len)
{
	s->out_len += (size_t)len;
	if (s->out_len - s->out_off >= ZAPI_SESSION_EAGER_WRITE) {
		char why[160];

		/* an error is found again (and handled) by the watcher */
		if (zapi_session_write(s, why, sizeof(why)) < 0)
			ev_io_start(s->loop, &s->wio);
	} else {
		ev_io_start(s->loop, &s->wio);
	}
}

/* ---- input --------------------------------------------------------- */

/* Handle one frame. 0, or -1 with a reason (the connection is dropped). */
static int zapi_session_dispatch(struct zapi_session *s,
				 const struct zapi_frame *f, char *why,
				 size_t wlen)
{
	const char *err = NULL;
	enum zapi_cmd cmd = zapi_release_lookup(s->cfg.release, f->hdr.cmd);

	switch (cmd) {
	case ZAPI_CMD_ROUTE_NOTIFY_OWNER: {
		struct zapi_notify n;

		if (zapi_decode_notify(f->body, f->body_len, &n, &err) < 0)
			break;
		s->stats.notifies++;
		if (s->cbs.on_notify)
			s->cbs.on_notify(s->arg, &n);
		return 0;
	}
	case ZAPI_CMD_REDISTRIBUTE_ROUTE_ADD: {
		struct zapi_redist_route r;

		/* one we cannot read is skipped: asked again every connect,
		 * dropping the session for it would loop */
		if (zapi_decode_redist_route(f->body, f->body_len, &r, &err) <
		    0) {
			s->stats.unknown++;
			return 0;
		}
		if (s->cbs.on_redist)
			s->cbs.on_redist(s->arg, &r);
		return 0;
	}
	case ZAPI_CMD_REDISTRIBUTE_ROUTE_DEL:
		return 0;	/* we only ask for the routes there are */
	case ZAPI_CMD_CAPABILITIES:
		if (zapi_decode_capabilities(f->body, f->body_len,
					     &s->stats.caps, &err) < 0)
			break;
		s->stats.have_caps = true;
		return 0;
	case ZAPI_CMD_ERROR: {
		uint32_t code;

		if (zapi_decode_error(f->body, f->body_len, &code, &err) < 0)
			break;
		s->stats.last_error = code;
		snprintf(why, wlen, "zebra answered ERROR %u (%s)", code,
			 zapi_error_name(code));
		return -1;
	}
	default:
		/* Commands we never ask for (VRF/interface news...) */
		s->stats.unknown++;
		if (!s->logged_unknown) {
			s->logged_unknown = true;
			log_info("zebra %s: skipping message %u (%zu bytes) "
				 "and others not used by %s", s->path,
				 f->hdr.cmd, (size_t)f->hdr.len,
				 s->cfg.release->name);
		}
		return 0;
	}
	snprintf(why, wlen, "bad %s message from zebra (%zu bytes): %s",
		 zapi_cmd_name(cmd), (size_t)f->hdr.len,
		 err ? err : "malformed");
	return -1;
}

static void zapi_session_on_readable(struct ev_loop *loop, ev_io *w,
				     int revents)
{
	struct zapi_session *s = w->data;
	uint8_t buf[ZAPI_SESSION_READ_CHUNK];
	char why[200];

	(void)loop;
	(void)revents;
	/* a few reads per wakeup so writes are not starved */
	for (int i = 0; i < 8; i++) {
		ssize_t n = read(s->fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			snprintf(why, sizeof(why), "read failed: %s",
				 strerror(errno));
			zapi_session_fail(s, why);
			return;
		}
		if (n == 0) {
			zapi_session_fail(s, "zebra closed the connection");
			return;
		}
		if (zapi_splitter_feed(&s->in, buf, (size_t)n) < 0) {
			zapi_session_fail(s, "out of memory reading zebra");
			return;
		}
		for (;;) {
			struct zapi_frame f;
			const char *err = NULL;
			int rc = zapi_splitter_next(&s->in, &f, &err);

			if (rc == 0)
				break;
			if (rc < 0) {
				snprintf(why, sizeof(why),
					 "bad frame from zebra: %s", err);
				zapi_session_fail(s, why);
				return;
			}
			if (zapi_session_dispatch(s, &f, why, sizeof(why)) <
			    0) {
				zapi_session_fail(s, why);
				return;
			}
			if (!s->got_frame) {
				s->got_frame = true;
				backoff_reset(&s->backoff);
			}
			if (s->fd < 0) /* callback side effects */
				return;
		}
		if ((size_t)n < sizeof(buf))
			return;
	}
}

/* ---- connect ------------------------------------------------------- */

static void zapi_session_on_retry(struct ev_loop *loop, ev_timer *w,
				  int revents)
{
	(void)loop;
	(void)revents;
	zapi_session_connect(w->data);
}

static void zapi_session_connect(struct zapi_session *s)
{
	struct sockaddr_un sa;
	char why[200];
	int fd;

	zapi_session_close(s);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("zebra: socket: %s", strerror(errno));
		zapi_session_schedule(s);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->path, strlen(s->path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(why, sizeof(why), "cannot connect to zebra %s: %s",
			 s->path, strerror(errno));
		/* every 0.2-5 s while zebra is away: one line a minute
		 * with the count; a new error is logged at once */
		log_ratelimited(&s->retry_log, why, LOG_WARNING,
				"%s (retrying)", why);
		close(fd);
		zapi_session_schedule(s);
		return;
	}
	s->fd = fd;
	s->got_frame = false;
	s->logged_unknown = false;
	ev_io_set(&s->rio, fd, EV_READ);
	ev_io_set(&s->wio, fd, EV_WRITE);
	ev_io_start(s->loop, &s->rio);

	uint8_t *p = zapi_session_reserve(s, 64);
	int n = p ? zapi_encode_hello(p, 64, s->cfg.release, &s->id, true,
				      false) : -1;
	if (n < 0) {
		zapi_session_fail(s, "cannot encode HELLO");
		return;
	}
	s->out_len += (size_t)n;
	if (s->cfg.gr) {
		p = zapi_session_reserve(s, 64);
		n = p ? zapi_encode_gr(p, 64, s->cfg.release, &s->id,
				       s->cfg.stale_time) : -1;
		if (n < 0) {
			zapi_session_fail(s, "cannot encode GR capability");
			return;
		}
		s->out_len += (size_t)n;
	}
	ev_io_start(s->loop, &s->wio);
	s->up = true;
	s->stats.connects++;
	log_notice("zebra %s: connected as route type %u instance %u%s",
		   s->path, s->id.type, s->id.instance,
		   s->cfg.gr ? " with graceful restart" : "");
	if (s->cbs.on_connect)
		s->cbs.on_connect(s->arg);
}

/* ---- public -------------------------------------------------------- */

struct zapi_session *zapi_session_new(struct ev_loop *loop,
				      const struct zapi_session_cfg *cfg,
				      const struct zapi_session_cbs *cbs,
				      void *arg)
{
	const char *path = cfg->path ? cfg->path : ZAPI_SESSION_DEFAULT_PATH;
	struct zapi_session *s;

	if (strlen(path) == 0 ||
	    strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return NULL;
	if (cfg->route_type >= ZAPI_ROUTE_MAX)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = loop;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->cfg = *cfg;
	s->cfg.path = s->path;
	if (!s->cfg.release)
		s->cfg.release = &zapi_release_frr8;
	s->id.type = cfg->route_type;
	s->id.instance = cfg->instance;
	s->id.vrf = cfg->vrf;
	if (cbs)
		s->cbs = *cbs;
	s->arg = arg;
	s->fd = -1;
	s->retry_log.window_s = 60;
	backoff_set(&s->backoff, 0.2, 5.0);
	zapi_splitter_init(&s->in);
	ev_io_init(&s->rio, zapi_session_on_readable, -1, EV_READ);
	ev_io_init(&s->wio, zapi_session_on_writable, -1, EV_WRITE);
	ev_timer_init(&s->retry, zapi_session_on_retry, 0., 0.);
	s->rio.data = s->wio.data = s->retry.data = s;
	return s;
}

void zapi_session_free(struct zapi_session *s)
{
	char why[128];

	if (!s)
		return;
	/* Best effort: what the caller queued last (e.g. the withdrawal of
	 * every route when RIM is switched off) still reaches zebra. */
	if (s->fd >= 0 && s->out_off < s->out_len)
		(void)zapi_session_write(s, why, sizeof(why));
	zapi_session_close(s);
	ev_timer_stop(s->loop, &s->retry);
	zapi_splitter_free(&s->in);
	free(s->out);
	free(s);
}

void zapi_session_start(struct zapi_session *s)
{
	ev_timer_stop(s->loop, &s->retry);
	zapi_session_connect(s);
}

void zapi_session_set_backoff(struct zapi_session *s, double min, double max)
{
	backoff_set(&s->backoff, min, max);
}

bool zapi_session_up(const struct zapi_session *s)
{
	return s->up;
}

static int zapi_session_route_msg(struct zapi_session *s, enum zapi_cmd cmd,
				  const struct zapi_route *r)
{
	char pbuf[MEP_PREFIX_STRLEN];
	uint8_t *p;
	int n;

	if (!s->up)
		return -1;
	p = zapi_session_reserve(s, ZAPI_ROUTE_MAX_FRAME);
	if (!p) {
		log_err("zebra %s: output queue full (%zu bytes), %s %s "
			"dropped", s->path, s->out_len - s->out_off,
			zapi_cmd_name(cmd),
			mep_prefix_str(&r->prefix, pbuf, sizeof(pbuf)));
		return -1;
	}
	n = zapi_encode_route(p, ZAPI_ROUTE_MAX_FRAME, s->cfg.release, cmd,
			      &s->id, r);
	if (n < 0) {
		log_err("zebra: cannot encode %s for %s (bad prefix or "
			"nexthop)", zapi_cmd_name(cmd),
			mep_prefix_str(&r->prefix, pbuf, sizeof(pbuf)));
		return -1;
	}
	if (cmd == ZAPI_CMD_ROUTE_ADD)
		s->stats.routes_added++;
	else
		s->stats.routes_deleted++;
	zapi_session_queued_bytes(s, n);
	return 0;
}

int zapi_session_route_add(struct zapi_session *s, const struct zapi_route *r)
{
	return zapi_session_route_msg(s, ZAPI_CMD_ROUTE_ADD, r);
}

int zapi_session_route_delete(struct zapi_session *s,
			      const struct mep_prefix *p)
{
	struct zapi_route r;

	memset(&r, 0, sizeof(r));
	r.prefix = *p;
	return zapi_session_route_msg(s, ZAPI_CMD_ROUTE_DELETE, &r);
}

/* Builds the frame of one address family (ZAPI_AFI_*) into buf. */
typedef int (*zapi_session_afi_encoder)(uint8_t *buf, size_t cap,
					const struct zapi_session *s,
					uint8_t afi, bool flag);

/* Queue one frame per address family, IPv4 then IPv6. 0 or -1. */
static int zapi_session_per_afi(struct zapi_session *s,
				zapi_session_afi_encoder enc, bool flag)
{
	static const uint8_t afis[] = { ZAPI_AFI_IP, ZAPI_AFI_IP6 };

	if (!s->up)
		return -1;
	for (size_t i = 0; i < sizeof(afis) / sizeof(afis[0]); i++) {
		uint8_t *p = zapi_session_reserve(s, 64);
		int n = p ? enc(p, 64, s, afis[i], flag) : -1;

		if (n < 0)
			return -1;
		zapi_session_queued_bytes(s, n);
	}
	return 0;
}

static int zapi_session_enc_complete(uint8_t *buf, size_t cap,
				     const struct zapi_session *s, uint8_t afi,
				     bool flag)
{
	(void)flag;
	return zapi_encode_update_complete(buf, cap, s->cfg.release, &s->id,
					   afi);
}

static int zapi_session_enc_redist(uint8_t *buf, size_t cap,
				   const struct zapi_session *s, uint8_t afi,
				   bool add)
{
	return zapi_encode_redistribute(buf, cap, s->cfg.release,
					add ? ZAPI_CMD_REDISTRIBUTE_ADD
					    : ZAPI_CMD_REDISTRIBUTE_DELETE,
					&s->id, afi);
}

int zapi_session_update_complete(struct zapi_session *s)
{
	return zapi_session_per_afi(s, zapi_session_enc_complete, false);
}

int zapi_session_redistribute(struct zapi_session *s, bool add)
{
	return zapi_session_per_afi(s, zapi_session_enc_redist, add);
}

size_t zapi_session_queued(const struct zapi_session *s)
{
	return s->out_len - s->out_off;
}

const struct zapi_session_stats *zapi_session_stats(
	const struct zapi_session *s)
{
	return &s->stats;
}
