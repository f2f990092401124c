/* zapi_codec: zebra's client protocol (ZAPI version 6) as pure encoders
 * and decoders, plus a stream splitter. No I/O, no allocation except in
 * the splitter (which owns its buffer). Every length is checked.
 *
 * Command numbers change between FRR releases while the version byte
 * stays 6, so they live in a table (struct zapi_release); the code uses
 * the logical enum zapi_cmd. Wire format facts: /work/shared/DESIGN.md and
 * the report of the issue 4 ZAPI work (checked against zebra 8.4.4). */
#ifndef FRR_PLUGIN_ZAPI_CODEC_H
#define FRR_PLUGIN_ZAPI_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

#define ZAPI_HEADER_SIZE 10
#define ZAPI_MARKER 254
#define ZAPI_VERSION 6
/* The length field is a u16 that includes the header. */
#define ZAPI_MAX_FRAME 65535

/* The commands we use, independent of their numbers on the wire. */
enum zapi_cmd {
	ZAPI_CMD_ROUTE_ADD,
	ZAPI_CMD_ROUTE_DELETE,
	ZAPI_CMD_ROUTE_NOTIFY_OWNER,
	ZAPI_CMD_HELLO,
	ZAPI_CMD_CAPABILITIES,
	ZAPI_CMD_ERROR,
	ZAPI_CMD_CLIENT_CAPABILITIES,
	ZAPI_CMD_REDISTRIBUTE_ADD,	/* subscribe to a route type */
	ZAPI_CMD_REDISTRIBUTE_DELETE,
	ZAPI_CMD_REDISTRIBUTE_ROUTE_ADD,	/* zebra: a route of it */
	ZAPI_CMD_REDISTRIBUTE_ROUTE_DEL,
	ZAPI_CMD_COUNT,
	ZAPI_CMD_UNKNOWN = ZAPI_CMD_COUNT,
};

/* Command numbers of one (range of) FRR release(s). */
struct zapi_release {
	const char *name;
	uint16_t cmd[ZAPI_CMD_COUNT];
};

/* FRR 8.2 .. 8.5 (checked against zebra 8.4.4). */
extern const struct zapi_release zapi_release_frr8;

/* Wire number -> logical command; ZAPI_CMD_UNKNOWN when not in r. */
enum zapi_cmd zapi_release_lookup(const struct zapi_release *r,
				  uint16_t wire);
const char *zapi_cmd_name(enum zapi_cmd cmd);

/* Route types of FRR 8.4 we may announce as (lib/route_types.txt). */
#define ZAPI_ROUTE_STATIC 3
#define ZAPI_ROUTE_BGP 9
#define ZAPI_ROUTE_NHRP 12
#define ZAPI_ROUTE_TABLE 15
#define ZAPI_ROUTE_SHARP 23
/* Highest type number zebra 8.4 accepts + 1 (ZEBRA_ROUTE_MAX). */
#define ZAPI_ROUTE_MAX 32

/* CLIENT_CAPABILITIES cap values. */
#define ZAPI_CAP_GR 1
#define ZAPI_CAP_ROUTE_UPDATE_COMPLETE 2
#define ZAPI_CAP_ROUTE_UPDATE_PENDING 3
#define ZAPI_CAP_GR_DISABLE 4
#define ZAPI_CAP_RIB_STALE_TIME 5

/* afi/safi values of ROUTE_UPDATE_COMPLETE. */
#define ZAPI_AFI_IP 1
#define ZAPI_AFI_IP6 2
#define ZAPI_SAFI_UNICAST 1

/* ROUTE_ADD message bits. */
#define ZAPI_MSG_NEXTHOP 0x01
#define ZAPI_MSG_DISTANCE 0x02
#define ZAPI_MSG_METRIC 0x04
#define ZAPI_MSG_TAG 0x08
#define ZAPI_MSG_MTU 0x10
#define ZAPI_MSG_TABLEID 0x100

/* Route flags: let zebra resolve a non-connected gateway. */
#define ZAPI_FLAG_ALLOW_RECURSION 0x01

struct zapi_header {
	uint16_t len;		/* whole frame, header included */
	uint32_t vrf;
	uint16_t cmd;		/* wire number */
};

/* Header: returns ZAPI_HEADER_SIZE or -1 (cap too small). */
int zapi_header_encode(uint8_t *buf, size_t cap, uint16_t len, uint32_t vrf,
		       uint16_t cmd);
/* Returns 0, or -1 with *err: shorter than a header, bad marker/version,
 * length field below 10. */
int zapi_header_decode(const uint8_t *buf, size_t len, struct zapi_header *h,
		       const char **err);

/* Who we are to zebra: fills the HELLO and every route message. */
struct zapi_ident {
	uint8_t type;		/* route type, e.g. ZAPI_ROUTE_NHRP */
	uint16_t instance;
	uint32_t vrf;		/* 0: default VRF */
	uint32_t session_id;	/* 0 */
};

enum zapi_nh_type {
	ZAPI_NH_IFINDEX = 1,
	ZAPI_NH_IPV4 = 2,
	ZAPI_NH_IPV4_IFINDEX = 3,
	ZAPI_NH_IPV6 = 4,
	ZAPI_NH_IPV6_IFINDEX = 5,
	ZAPI_NH_BLACKHOLE = 6,
};

struct zapi_nexthop {
	enum zapi_nh_type type;
	uint32_t ifindex;	/* IFINDEX, *_IFINDEX (and 0 for IPV4/6) */
	struct mep_addr gate;	/* IPV4*, IPV6* */
	uint8_t bh_type;	/* BLACKHOLE */
	uint8_t flags;		/* ZAPI nexthop flags, normally 0 */
};

/* One route with at most one nexthop. For ROUTE_DELETE only the prefix
 * (and flags) matter; the optional fields are sent when set. */
struct zapi_route {
	struct mep_prefix prefix;
	uint32_t flags;		/* ZAPI_FLAG_* */
	bool has_nexthop;
	struct zapi_nexthop nh;
	bool has_distance, has_metric, has_tag;
	uint8_t distance;
	uint32_t metric;
	uint32_t tag;
};

/* Encoders write one whole frame into buf and return its length, or -1
 * when it does not fit in cap or an input is invalid (bad family,
 * prefix length, nexthop type that does not match its address). */
int zapi_encode_hello(uint8_t *buf, size_t cap, const struct zapi_release *r,
		      const struct zapi_ident *id, bool receive_notify,
		      bool synchronous);
/* CLIENT_CAPABILITIES cap GR (stale time in seconds). */
int zapi_encode_gr(uint8_t *buf, size_t cap, const struct zapi_release *r,
		   const struct zapi_ident *id, uint32_t stale_time);
/* CLIENT_CAPABILITIES cap ROUTE_UPDATE_COMPLETE for afi (ZAPI_AFI_*),
 * safi unicast. */
int zapi_encode_update_complete(uint8_t *buf, size_t cap,
				const struct zapi_release *r,
				const struct zapi_ident *id, uint32_t afi);
/* cmd is ZAPI_CMD_ROUTE_ADD or ZAPI_CMD_ROUTE_DELETE. */
int zapi_encode_route(uint8_t *buf, size_t cap, const struct zapi_release *r,
		      enum zapi_cmd cmd, const struct zapi_ident *id,
		      const struct zapi_route *rt);
/* Largest frame zapi_encode_route() can produce. */
#define ZAPI_ROUTE_MAX_FRAME 96
/* cmd ZAPI_CMD_REDISTRIBUTE_ADD or _DELETE: (un)subscribe to the routes of
 * id's own type and instance in afi (ZAPI_AFI_*). On ADD zebra sends every
 * selected route of it at once (REDISTRIBUTE_ROUTE_ADD), then each change
 * until the DELETE. */
int zapi_encode_redistribute(uint8_t *buf, size_t cap,
			     const struct zapi_release *r, enum zapi_cmd cmd,
			     const struct zapi_ident *id, uint8_t afi);

/* Decoders take the body (after the header) and return 0, or -1 with a
 * short reason in *err (truncated, bad family, ...). Trailing bytes are
 * allowed (newer zebras append fields). */
enum zapi_note {
	ZAPI_NOTE_FAIL_INSTALL = 0,
	ZAPI_NOTE_BETTER_ADMIN_WON = 1,
	ZAPI_NOTE_INSTALLED = 2,
	ZAPI_NOTE_REMOVED = 3,
	ZAPI_NOTE_REMOVE_FAIL = 4,
};
const char *zapi_note_name(uint32_t note);

struct zapi_notify {
	uint32_t note;		/* enum zapi_note (sent in host order) */
	struct mep_prefix prefix;
	uint32_t table;
	uint8_t afi, safi;
};
int zapi_decode_notify(const uint8_t *body, size_t len,
		       struct zapi_notify *out, const char **err);

/* zebra 8.4.4 sends 10 bytes: vrf backend u32, mpls u8, ecmp u32, mlag
 * role u8 (later releases append v6_with_v4_nexthop u8). */
struct zapi_capabilities {
	uint32_t vrf_backend;
	bool mpls;
	uint32_t ecmp;
	uint8_t role;
	bool v6_with_v4_nexthop;
};
int zapi_decode_capabilities(const uint8_t *body, size_t len,
			     struct zapi_capabilities *out, const char **err);

/* ERROR body: u32 error type in host order (0 unknown, 1 no VRF,
 * 2 invalid message type). */
int zapi_decode_error(const uint8_t *body, size_t len, uint32_t *error,
		      const char **err);

/* The start of a REDISTRIBUTE_ROUTE_ADD/DEL: whose route, for what. */
struct zapi_redist_route {
	uint8_t type;
	uint16_t instance;
	struct mep_prefix prefix;	/* host bits cleared */
};
int zapi_decode_redist_route(const uint8_t *body, size_t len,
			     struct zapi_redist_route *out, const char **err);
const char *zapi_error_name(uint32_t error);

/* The inverse of the encoders, for tests and fake servers. */
struct zapi_hello {
	uint8_t type;
	uint16_t instance;
	uint32_t session_id;
	bool receive_notify, synchronous;
};
int zapi_decode_hello(const uint8_t *body, size_t len, struct zapi_hello *out,
		      const char **err);
struct zapi_client_cap {
	uint32_t cap;
	uint32_t stale_time;	/* GR, RIB_STALE_TIME */
	uint32_t afi, safi;	/* ROUTE_UPDATE_* */
	uint32_t vrf;
};
int zapi_decode_client_cap(const uint8_t *body, size_t len,
			   struct zapi_client_cap *out, const char **err);
/* Route messages with one nexthop at most, no MTU/table/other bits. */
int zapi_decode_route(const uint8_t *body, size_t len, uint8_t *type,
		      uint16_t *instance, struct zapi_route *out,
		      const char **err);

/* Stream splitter: feed bytes as they come, take whole frames out.
 * Owns its buffer (at most one partial frame plus what was fed). */
struct zapi_splitter {
	uint8_t *buf;
	size_t len;		/* bytes held */
	size_t off;		/* start of the first frame not yet taken */
	size_t cap;
};

struct zapi_frame {
	struct zapi_header hdr;
	const uint8_t *body;	/* valid until the next feed or free */
	size_t body_len;
};

void zapi_splitter_init(struct zapi_splitter *s);
void zapi_splitter_free(struct zapi_splitter *s);
void zapi_splitter_reset(struct zapi_splitter *s);
/* Append data. 0, or -1 when memory is short. */
int zapi_splitter_feed(struct zapi_splitter *s, const uint8_t *data,
		       size_t n);
/* 1: a frame in *f; 0: need more bytes; -1: a bad header (*err): the
 * stream cannot be resynchronised, the caller must reconnect. */
int zapi_splitter_next(struct zapi_splitter *s, struct zapi_frame *f,
		       const char **err);

#endif
