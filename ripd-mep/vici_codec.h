/* vici_codec: strongSwan's VICI wire format (pure, no I/O).
 *
 * A frame on the stream is a u32 big-endian length and a payload of that
 * many bytes. The payload is an operation byte, for the named operations
 * (CMD_REQUEST, EVENT_REGISTER, EVENT_UNREGISTER, EVENT) a u8-length name,
 * then a message body: a flat stream of elements that encodes a tree of
 * sections, key-values (binary values) and lists of items.
 *
 * This module owns: parsing one payload into a struct vici_msg (a tree the
 * caller frees with vici_msg_free()), splitting a byte stream into frames
 * (struct vici_splitter), building bodies (struct vici_builder) and
 * encoding complete frames. Every length is checked against what is left;
 * frames are capped at VICI_FRAME_MAX, nesting at VICI_DEPTH_MAX and the
 * element count at VICI_ELEMENTS_MAX. Errors are short English strings. */
#ifndef RIPD_MEP_VICI_CODEC_H
#define RIPD_MEP_VICI_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VICI_FRAME_MAX (512 * 1024)	/* payload bytes, as charon */
#define VICI_DEPTH_MAX 16		/* nested sections (and a list) */
#define VICI_ELEMENTS_MAX 65536		/* elements in one message */
#define VICI_NAME_MAX 255		/* u8-length names */
#define VICI_VALUE_MAX 65535		/* u16-length values */
#define VICI_ERR_MAX 128		/* room for an error string */

enum vici_op {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

/* Wire element types. */
enum vici_wire {
	VICI_W_SECTION_START = 1,
	VICI_W_SECTION_END = 2,
	VICI_W_KEY_VALUE = 3,
	VICI_W_LIST_START = 4,
	VICI_W_LIST_ITEM = 5,
	VICI_W_LIST_END = 6,
};

/* Tree node kinds. */
enum vici_kind {
	VICI_SECTION,	/* name, children */
	VICI_KV,	/* name, value */
	VICI_LIST,	/* name, children are VICI_ITEMs */
	VICI_ITEM,	/* value */
};

/* A node of a parsed message; read-only for users. Values are copied,
 * binary-safe (len) and also NUL-terminated for convenience. */
struct vici_elem {
	enum vici_kind kind;
	char name[VICI_NAME_MAX + 1];	/* "" for items and the root */
	char *value;			/* KV and ITEM; else NULL */
	size_t len;			/* value length */
	struct vici_elem *child;	/* first child (SECTION, LIST) */
	struct vici_elem *next;		/* next sibling */
};

struct vici_msg {
	enum vici_op op;
	char name[VICI_NAME_MAX + 1];	/* named operations; else "" */
	struct vici_elem root;		/* unnamed root section (the body) */
};

/* True for the operations that carry a name. */
bool vici_op_named(unsigned int op);
/* "CMD_REQUEST", ... or "unknown". */
const char *vici_op_name(unsigned int op);

/* Parse one frame payload (without the u32 length). On success *out is a
 * new message the caller frees with vici_msg_free() and 0 is returned; on
 * error -1, *out is NULL and err (VICI_ERR_MAX bytes) says why. */
int vici_msg_parse(const uint8_t *buf, size_t len, struct vici_msg **out,
		   char *err);
void vici_msg_free(struct vici_msg *m);

/* Lookups on a section (NULL-safe: a NULL section finds nothing). */
const struct vici_elem *vici_find(const struct vici_elem *sec,
				  const char *name, enum vici_kind kind);
/* Value of key name in sec as a string: NULL if absent, not a key-value
 * or the value holds a NUL byte. */
const char *vici_get_str(const struct vici_elem *sec, const char *name);
/* Iterate the child sections of sec: pass prev = NULL for the first. */
const struct vici_elem *vici_next_section(const struct vici_elem *sec,
					  const struct vici_elem *prev);
/* Iterate the items of list: prev = NULL for the first. */
const struct vici_elem *vici_next_item(const struct vici_elem *list,
				       const struct vici_elem *prev);

/* Body builder: appends elements to a growable buffer. Errors (a name or
 * value too long, unbalanced ends, too deep, too big) are sticky and
 * reported by vici_builder_error(); the owner calls vici_builder_free(). */
struct vici_builder {
	uint8_t *buf;
	size_t len;
	size_t cap;
	unsigned int depth;	/* open sections */
	bool in_list;
	char err[VICI_ERR_MAX];	/* "" while fine */
};

void vici_builder_init(struct vici_builder *b);
void vici_builder_free(struct vici_builder *b);
void vici_builder_section_start(struct vici_builder *b, const char *name);
void vici_builder_section_end(struct vici_builder *b);
void vici_builder_kv(struct vici_builder *b, const char *name,
		     const void *value, size_t len);
void vici_builder_kv_str(struct vici_builder *b, const char *name,
			 const char *value);
void vici_builder_list_start(struct vici_builder *b, const char *name);
void vici_builder_list_item(struct vici_builder *b, const void *value,
			    size_t len);
void vici_builder_list_item_str(struct vici_builder *b, const char *value);
void vici_builder_list_end(struct vici_builder *b);
/* NULL while fine, else the first error. Also reports a body left open. */
const char *vici_builder_error(const struct vici_builder *b);

/* Encode a whole frame (u32 length + payload): op, name when the op is
 * named, and body (NULL: empty; only for CMD_REQUEST, CMD_RESPONSE and
 * EVENT). On success *out is malloc'ed (caller frees), *outlen set, 0
 * returned; else -1 with err set. */
int vici_encode(enum vici_op op, const char *name,
		const struct vici_builder *body, uint8_t **out, size_t *outlen,
		char *err);
/* Re-encode a parsed message's body into b (for tests and tools). */
void vici_builder_add_tree(struct vici_builder *b,
			   const struct vici_elem *sec);

/* Frame splitter for a byte stream. Feed bytes as they arrive, then take
 * complete payloads with vici_splitter_next() until it returns 0. */
struct vici_splitter {
	uint8_t *buf;
	size_t start;	/* first unconsumed byte */
	size_t len;	/* end of data */
	size_t cap;
	bool failed;
};

void vici_splitter_init(struct vici_splitter *s);
void vici_splitter_free(struct vici_splitter *s);
/* Append n bytes. Returns 0, -1 on allocation failure. */
int vici_splitter_feed(struct vici_splitter *s, const void *data, size_t n);
/* 1: a frame, *payload and *len point into the splitter (valid until the next
 * feed or next call); 0: need more bytes; -1: bad stream (length 0 or
 * above VICI_FRAME_MAX), err set; the splitter stays failed. */
int vici_splitter_next(struct vici_splitter *s, const uint8_t **payload,
		       size_t *len, char *err);
/* Bytes held but not yet returned as frames. */
size_t vici_splitter_pending(const struct vici_splitter *s);

#endif
