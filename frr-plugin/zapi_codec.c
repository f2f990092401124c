/* zapi_codec: ZAPI v6 encoders, decoders, command tables and the stream
 * splitter (pure; see zapi_codec.h). Every field is read and written
 * through lib/wire.h's bounds-checked cursors. */
#include "zapi_codec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wire.h"

const struct zapi_release zapi_release_frr8 = {
	.name = "FRR 8.2-8.5",
	.cmd = {
		[ZAPI_CMD_ROUTE_ADD] = 8,
		[ZAPI_CMD_ROUTE_DELETE] = 9,
		[ZAPI_CMD_ROUTE_NOTIFY_OWNER] = 10,
		[ZAPI_CMD_HELLO] = 18,
		[ZAPI_CMD_CAPABILITIES] = 19,
		[ZAPI_CMD_ERROR] = 118,
		[ZAPI_CMD_CLIENT_CAPABILITIES] = 119,
		[ZAPI_CMD_REDISTRIBUTE_ADD] = 11,
		[ZAPI_CMD_REDISTRIBUTE_DELETE] = 12,
		[ZAPI_CMD_REDISTRIBUTE_ROUTE_ADD] = 30,
		[ZAPI_CMD_REDISTRIBUTE_ROUTE_DEL] = 31,
	},
};

static const char *const zapi_cmd_names[ZAPI_CMD_COUNT + 1] = {
	[ZAPI_CMD_ROUTE_ADD] = "ROUTE_ADD",
	[ZAPI_CMD_ROUTE_DELETE] = "ROUTE_DELETE",
	[ZAPI_CMD_ROUTE_NOTIFY_OWNER] = "ROUTE_NOTIFY_OWNER",
	[ZAPI_CMD_HELLO] = "HELLO",
	[ZAPI_CMD_CAPABILITIES] = "CAPABILITIES",
	[ZAPI_CMD_ERROR] = "ERROR",
	[ZAPI_CMD_CLIENT_CAPABILITIES] = "CLIENT_CAPABILITIES",
	[ZAPI_CMD_REDISTRIBUTE_ADD] = "REDISTRIBUTE_ADD",
	[ZAPI_CMD_REDISTRIBUTE_DELETE] = "REDISTRIBUTE_DELETE",
	[ZAPI_CMD_REDISTRIBUTE_ROUTE_ADD] = "REDISTRIBUTE_ROUTE_ADD",
	[ZAPI_CMD_REDISTRIBUTE_ROUTE_DEL] = "REDISTRIBUTE_ROUTE_DEL",
	[ZAPI_CMD_UNKNOWN] = "unknown",
};

enum zapi_cmd zapi_release_lookup(const struct zapi_release *r,
				  uint16_t wire)
{
	for (int i = 0; i < ZAPI_CMD_COUNT; i++)
		if (r->cmd[i] == wire)
			return (enum zapi_cmd)i;
	return ZAPI_CMD_UNKNOWN;
}

const char *zapi_cmd_name(enum zapi_cmd cmd)
{
	if ((unsigned int)cmd > ZAPI_CMD_UNKNOWN)
		cmd = ZAPI_CMD_UNKNOWN;
	return zapi_cmd_names[cmd];
}

const char *zapi_note_name(uint32_t note)
{
	switch (note) {
	case ZAPI_NOTE_FAIL_INSTALL:
		return "failed-install";
	case ZAPI_NOTE_BETTER_ADMIN_WON:
		return "better-admin-won";
	case ZAPI_NOTE_INSTALLED:
		return "installed";
	case ZAPI_NOTE_REMOVED:
		return "removed";
	case ZAPI_NOTE_REMOVE_FAIL:
		return "remove-failed";
	}
	return "unknown";
}

const char *zapi_error_name(uint32_t error)
{
	switch (error) {
	case 0:
		return "unknown error";
	case 1:
		return "no such VRF";
	case 2:
		return "invalid message type";
	}
	return "unknown error code";
}

/* ---- frames on the wire reader/writer (lib/wire.h) ----------------- */

/* The header with a zero length, patched by frame_end(). */
static void frame_begin(struct wire_writer *w, uint8_t *buf, size_t cap,
			uint32_t vrf, uint16_t cmd)
{
	wire_writer_init(w, buf, cap);
	wire_put_u16(w, 0);
	wire_put_u8(w, ZAPI_MARKER);
	wire_put_u8(w, ZAPI_VERSION);
	wire_put_u32(w, vrf);
	wire_put_u16(w, cmd);
}

static int frame_end(struct wire_writer *w)
{
	if (w->len > ZAPI_MAX_FRAME)
		return -1;
	wire_patch_u16(w, 0, (uint16_t)w->len);
	if (wire_writer_failed(w))
		return -1;
	return (int)w->len;
}

/* A u32 zebra writes with memcpy of a C int (host byte order). */
static uint32_t get_host32(struct wire_reader *r)
{
	uint32_t v;

	wire_get_bytes(r, &v, 4);
	return v;
}

static int fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return -1;
}

/* ---- header --------------------------------------------------------- */

int zapi_header_encode(uint8_t *buf, size_t cap, uint16_t len, uint32_t vrf,
		       uint16_t cmd)
{
	struct wire_writer w;

	frame_begin(&w, buf, cap, vrf, cmd);
	wire_patch_u16(&w, 0, len);
	if (wire_writer_failed(&w))
		return -1;
	return ZAPI_HEADER_SIZE;
}

int zapi_header_decode(const uint8_t *buf, size_t len, struct zapi_header *h,
		       const char **err)
{
	struct wire_reader r;

	if (len < ZAPI_HEADER_SIZE)
		return fail(err, "shorter than a ZAPI header");
	wire_reader_init(&r, buf, len);
	h->len = wire_get_u16(&r);
	uint8_t marker = wire_get_u8(&r);
	uint8_t version = wire_get_u8(&r);

	h->vrf = wire_get_u32(&r);
	h->cmd = wire_get_u16(&r);
	if (marker != ZAPI_MARKER)
		return fail(err, "bad ZAPI marker");
	if (version != ZAPI_VERSION)
		return fail(err, "unsupported ZAPI version (not 6)");
	if (h->len < ZAPI_HEADER_SIZE)
		return fail(err, "ZAPI length field below the header size");
	return 0;
}

/* ---- encoders ------------------------------------------------------- */

int zapi_encode_hello(uint8_t *buf, size_t cap, const struct zapi_release *r,
		      const struct zapi_ident *id, bool receive_notify,
		      bool synchronous)
{
	struct wire_writer w;

	if (id->type >= ZAPI_ROUTE_MAX)
		return -1;
	frame_begin(&w, buf, cap, id->vrf, r->cmd[ZAPI_CMD_HELLO]);
	wire_put_u8(&w, id->type);
	wire_put_u16(&w, id->instance);
	wire_put_u32(&w, id->session_id);
	wire_put_u8(&w, receive_notify ? 1 : 0);
	wire_put_u8(&w, synchronous ? 1 : 0);
	return frame_end(&w);
}

int zapi_encode_gr(uint8_t *buf, size_t cap, const struct zapi_release *r,
		   const struct zapi_ident *id, uint32_t stale_time)
{
	struct wire_writer w;

	frame_begin(&w, buf, cap, id->vrf,
		    r->cmd[ZAPI_CMD_CLIENT_CAPABILITIES]);
	wire_put_u32(&w, ZAPI_CAP_GR);
	wire_put_u32(&w, stale_time);
	wire_put_u32(&w, id->vrf);
	return frame_end(&w);
}

int zapi_encode_update_complete(uint8_t *buf, size_t cap,
				const struct zapi_release *r,
				const struct zapi_ident *id, uint32_t afi)
{
	struct wire_writer w;

	if (afi != ZAPI_AFI_IP && afi != ZAPI_AFI_IP6)
		return -1;
	frame_begin(&w, buf, cap, id->vrf,
		    r->cmd[ZAPI_CMD_CLIENT_CAPABILITIES]);
	wire_put_u32(&w, ZAPI_CAP_ROUTE_UPDATE_COMPLETE);
	wire_put_u32(&w, afi);
	wire_put_u32(&w, ZAPI_SAFI_UNICAST);
	wire_put_u32(&w, id->vrf);
	return frame_end(&w);
}

static bool nexthop_valid(const struct zapi_nexthop *nh, uint8_t family)
{
	switch (nh->type) {
	case ZAPI_NH_IFINDEX:
		return nh->ifindex != 0;
	case ZAPI_NH_IPV4:
	case ZAPI_NH_IPV4_IFINDEX:
		if (nh->type == ZAPI_NH_IPV4_IFINDEX && nh->ifindex == 0)
			return false;
		return nh->gate.family == AF_INET;
	case ZAPI_NH_IPV6:
	case ZAPI_NH_IPV6_IFINDEX:
		if (nh->type == ZAPI_NH_IPV6_IFINDEX && nh->ifindex == 0)
			return false;
		/* an IPv4 route via an IPv6 gateway is allowed by zebra */
		return nh->gate.family == AF_INET6;
	case ZAPI_NH_BLACKHOLE:
		return true;
	}
	(void)family;
	return false;
}

int zapi_encode_route(uint8_t *buf, size_t cap, const struct zapi_release *r,
		      enum zapi_cmd cmd, const struct zapi_ident *id,
		      const struct zapi_route *rt)
{
	struct wire_writer w;
	size_t alen = mep_family_bytes(rt->prefix.family);
	uint32_t msg = 0;

	if (cmd != ZAPI_CMD_ROUTE_ADD && cmd != ZAPI_CMD_ROUTE_DELETE)
		return -1;
	if (alen == 0 || rt->prefix.len > alen * 8 ||
	    id->type >= ZAPI_ROUTE_MAX)
		return -1;
	if (rt->has_nexthop && !nexthop_valid(&rt->nh, rt->prefix.family))
		return -1;
	if (rt->has_nexthop)
		msg |= ZAPI_MSG_NEXTHOP;
	if (rt->has_distance)
		msg |= ZAPI_MSG_DISTANCE;
	if (rt->has_metric)
		msg |= ZAPI_MSG_METRIC;
	if (rt->has_tag)
		msg |= ZAPI_MSG_TAG;

	frame_begin(&w, buf, cap, id->vrf, r->cmd[cmd]);
	wire_put_u8(&w, id->type);
	wire_put_u16(&w, id->instance);
	wire_put_u32(&w, rt->flags);
	wire_put_u32(&w, msg);
	wire_put_u8(&w, ZAPI_SAFI_UNICAST);
	wire_put_u8(&w, rt->prefix.family);
	wire_put_u8(&w, rt->prefix.len);
	wire_put_bytes(&w, rt->prefix.addr, ((size_t)rt->prefix.len + 7) / 8);
	if (rt->has_nexthop) {
		const struct zapi_nexthop *nh = &rt->nh;

		wire_put_u16(&w, 1);
		wire_put_u32(&w, id->vrf);
		wire_put_u8(&w, (uint8_t)nh->type);
		wire_put_u8(&w, nh->flags);
		switch (nh->type) {
		case ZAPI_NH_BLACKHOLE:
			wire_put_u8(&w, nh->bh_type);
			break;
		case ZAPI_NH_IFINDEX:
			wire_put_u32(&w, nh->ifindex);
			break;
		case ZAPI_NH_IPV4:
		case ZAPI_NH_IPV4_IFINDEX:
			wire_put_bytes(&w, nh->gate.addr, 4);
			wire_put_u32(&w, nh->ifindex);
			break;
		case ZAPI_NH_IPV6:
		case ZAPI_NH_IPV6_IFINDEX:
			wire_put_bytes(&w, nh->gate.addr, 16);
			wire_put_u32(&w, nh->ifindex);
			break;
		}
	}
	if (rt->has_distance)
		wire_put_u8(&w, rt->distance);
	if (rt->has_metric)
		wire_put_u32(&w, rt->metric);
	if (rt->has_tag)
		wire_put_u32(&w, rt->tag);
	return frame_end(&w);
}

int zapi_encode_redistribute(uint8_t *buf, size_t cap,
			     const struct zapi_release *r, enum zapi_cmd cmd,
			     const struct zapi_ident *id, uint8_t afi)
{
	struct wire_writer w;

	if ((cmd != ZAPI_CMD_REDISTRIBUTE_ADD &&
	     cmd != ZAPI_CMD_REDISTRIBUTE_DELETE) ||
	    (afi != ZAPI_AFI_IP && afi != ZAPI_AFI_IP6) || id->type == 0 ||
	    id->type >= ZAPI_ROUTE_MAX)
		return -1;
	frame_begin(&w, buf, cap, id->vrf, r->cmd[cmd]);
	wire_put_u8(&w, afi);
	wire_put_u8(&w, id->type);
	wire_put_u16(&w, id->instance);
	return frame_end(&w);
}

/* ---- decoders ------------------------------------------------------- */

static int read_prefix(struct wire_reader *r, struct mep_prefix *p, bool full,
		       const char **err)
{
	memset(p, 0, sizeof(*p));
	p->family = wire_get_u8(r);
	p->len = wire_get_u8(r);
	if (wire_reader_failed(r))
		return fail(err, "truncated prefix");
	size_t alen = mep_family_bytes(p->family);

	if (alen == 0)
		return fail(err, "unknown address family");
	if (p->len > alen * 8)
		return fail(err, "prefix length out of range");
	if (!wire_get_bytes(r, p->addr, full ? alen : ((size_t)p->len + 7) / 8))
		return fail(err, "truncated prefix");
	/* clear host bits so equal prefixes compare equal */
	mep_prefix_mask(p);
	return 0;
}

int zapi_decode_notify(const uint8_t *body, size_t len,
		       struct zapi_notify *out, const char **err)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	memset(out, 0, sizeof(*out));
	out->note = get_host32(&r);
	if (read_prefix(&r, &out->prefix, true, err) < 0)
		return -1;
	out->table = wire_get_u32(&r);
	out->afi = wire_get_u8(&r);
	out->safi = wire_get_u8(&r);
	if (wire_reader_failed(&r))
		return fail(err, "truncated ROUTE_NOTIFY_OWNER");
	return 0;
}

int zapi_decode_redist_route(const uint8_t *body, size_t len,
			     struct zapi_redist_route *out, const char **err)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	memset(out, 0, sizeof(*out));
	out->type = wire_get_u8(&r);
	out->instance = wire_get_u16(&r);
	(void)wire_get_u32(&r);	/* flags */
	(void)wire_get_u32(&r);	/* message: what follows the prefix */
	(void)wire_get_u8(&r);	/* safi */
	if (wire_reader_failed(&r))
		return fail(err, "truncated redistributed route");
	return read_prefix(&r, &out->prefix, false, err);
}

int zapi_decode_capabilities(const uint8_t *body, size_t len,
			     struct zapi_capabilities *out, const char **err)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	memset(out, 0, sizeof(*out));
	out->vrf_backend = wire_get_u32(&r);
	out->mpls = wire_get_u8(&r) != 0;
	out->ecmp = wire_get_u32(&r);
	out->role = wire_get_u8(&r);
	if (wire_reader_failed(&r))
		return fail(err, "truncated CAPABILITIES");
	if (wire_remaining(&r) > 0)
		out->v6_with_v4_nexthop = wire_get_u8(&r) != 0;
	return 0;
}

int zapi_decode_error(const uint8_t *body, size_t len, uint32_t *error,
		      const char **err)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	*error = get_host32(&r);
	if (wire_reader_failed(&r))
		return fail(err, "truncated ERROR");
	return 0;
}

int zapi_decode_hello(const uint8_t *body, size_t len, struct zapi_hello *out,
		      const char **err)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	out->type = wire_get_u8(&r);
	out->instance = wire_get_u16(&r);
	out->session_id = wire_get_u32(&r);
	out->receive_notify = wire_get_u8(&r) != 0;
	out->synchronous = wire_get_u8(&r) != 0;
	if (wire_reader_failed(&r))
		return fail(err, "truncated HELLO");
	return 0;
}

int zapi_decode_client_cap(const uint8_t *body, size_t len,
			   struct zapi_client_cap *out, const char **err)
{
	struct wire_reader r;

	wire_reader_init(&r, body, len);
	memset(out, 0, sizeof(*out));
	out->cap = wire_get_u32(&r);
	switch (out->cap) {
	case ZAPI_CAP_GR:
	case ZAPI_CAP_RIB_STALE_TIME:
		out->stale_time = wire_get_u32(&r);
		out->vrf = wire_get_u32(&r);
		break;
	case ZAPI_CAP_ROUTE_UPDATE_COMPLETE:
	case ZAPI_CAP_ROUTE_UPDATE_PENDING:
		out->afi = wire_get_u32(&r);
		out->safi = wire_get_u32(&r);
		out->vrf = wire_get_u32(&r);
		break;
	case ZAPI_CAP_GR_DISABLE:
		break;
	default:
		if (!wire_reader_failed(&r))
			return fail(err, "unknown client capability");
	}
	if (wire_reader_failed(&r))
		return fail(err, "truncated CLIENT_CAPABILITIES");
	return 0;
}

int zapi_decode_route(const uint8_t *body, size_t len, uint8_t *type,
		      uint16_t *instance, struct zapi_route *out,
		      const char **err)
{
	struct wire_reader r;
	uint32_t msg;

	wire_reader_init(&r, body, len);
	memset(out, 0, sizeof(*out));
	*type = wire_get_u8(&r);
	*instance = wire_get_u16(&r);
	out->flags = wire_get_u32(&r);
	msg = wire_get_u32(&r);
	(void)wire_get_u8(&r); /* safi */
	if (wire_reader_failed(&r))
		return fail(err, "truncated route message");
	if (msg & ~(uint32_t)(ZAPI_MSG_NEXTHOP | ZAPI_MSG_DISTANCE |
			      ZAPI_MSG_METRIC | ZAPI_MSG_TAG))
		return fail(err, "unsupported route message bits");
	if (read_prefix(&r, &out->prefix, false, err) < 0)
		return -1;
	if (msg & ZAPI_MSG_NEXTHOP) {
		uint16_t n = wire_get_u16(&r);

		if (wire_reader_failed(&r))
			return fail(err, "truncated nexthop count");
		if (n > 1)
			return fail(err, "more than one nexthop");
		out->has_nexthop = n == 1;
	}
	if (out->has_nexthop) {
		struct zapi_nexthop *nh = &out->nh;

		(void)wire_get_u32(&r); /* vrf */
		nh->type = (enum zapi_nh_type)wire_get_u8(&r);
		nh->flags = wire_get_u8(&r);
		if (wire_reader_failed(&r))
			return fail(err, "truncated nexthop");
		switch (nh->type) {
		case ZAPI_NH_BLACKHOLE:
			nh->bh_type = wire_get_u8(&r);
			break;
		case ZAPI_NH_IFINDEX:
			nh->ifindex = wire_get_u32(&r);
			break;
		case ZAPI_NH_IPV4:
		case ZAPI_NH_IPV4_IFINDEX:
			nh->gate.family = AF_INET;
			wire_get_bytes(&r, nh->gate.addr, 4);
			nh->ifindex = wire_get_u32(&r);
			break;
		case ZAPI_NH_IPV6:
		case ZAPI_NH_IPV6_IFINDEX:
			nh->gate.family = AF_INET6;
			wire_get_bytes(&r, nh->gate.addr, 16);
			nh->ifindex = wire_get_u32(&r);
			break;
		default:
			return fail(err, "unknown nexthop type");
		}
	}
	if (msg & ZAPI_MSG_DISTANCE) {
		out->has_distance = true;
		out->distance = wire_get_u8(&r);
	}
	if (msg & ZAPI_MSG_METRIC) {
		out->has_metric = true;
		out->metric = wire_get_u32(&r);
	}
	if (msg & ZAPI_MSG_TAG) {
		out->has_tag = true;
		out->tag = wire_get_u32(&r);
	}
	if (wire_reader_failed(&r))
		return fail(err, "truncated route message");
	return 0;
}

/* ---- splitter ------------------------------------------------------- */

void zapi_splitter_init(struct zapi_splitter *s)
{
	memset(s, 0, sizeof(*s));
}

void zapi_splitter_free(struct zapi_splitter *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

void zapi_splitter_reset(struct zapi_splitter *s)
{
	s->len = 0;
	s->off = 0;
}

int zapi_splitter_feed(struct zapi_splitter *s, const uint8_t *data,
		       size_t n)
{
	if (s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (n > s->cap - s->len) {
		size_t cap = s->cap ? s->cap : 4096;

		while (cap - s->len < n) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		uint8_t *nb = realloc(s->buf, cap);

		if (!nb)
			return -1;
		s->buf = nb;
		s->cap = cap;
	}
	if (n)
		memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

int zapi_splitter_next(struct zapi_splitter *s, struct zapi_frame *f,
		       const char **err)
{
	size_t avail = s->len - s->off;

	if (avail < ZAPI_HEADER_SIZE) {
		/* check what we have already: fail early on garbage */
		if (avail >= 3 && s->buf[s->off + 2] != ZAPI_MARKER)
			return fail(err, "bad ZAPI marker");
		return 0;
	}
	if (zapi_header_decode(s->buf + s->off, avail, &f->hdr, err) < 0)
		return -1;
	if (f->hdr.len > avail)
		return 0;
	f->body = s->buf + s->off + ZAPI_HEADER_SIZE;
	f->body_len = f->hdr.len - ZAPI_HEADER_SIZE;
	s->off += f->hdr.len;
	if (s->off == s->len)
		s->off = s->len = 0;
	return 1;
}
