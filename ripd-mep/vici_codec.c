/* vici_codec: parse, build and split strongSwan VICI messages (pure).
 * See vici_codec.h for the wire format and the limits. */
#include "vici_codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void vici_seterr(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vici_seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, VICI_ERR_MAX, fmt, ap);
	va_end(ap);
}

bool vici_op_named(unsigned int op)
{
	return op == VICI_CMD_REQUEST || op == VICI_EVENT_REGISTER ||
	       op == VICI_EVENT_UNREGISTER || op == VICI_EVENT;
}

const char *vici_op_name(unsigned int op)
{
	static const char *const names[] = {
		"CMD_REQUEST",	  "CMD_RESPONSE",     "CMD_UNKNOWN",
		"EVENT_REGISTER", "EVENT_UNREGISTER", "EVENT_CONFIRM",
		"EVENT_UNKNOWN",  "EVENT",
	};

	if (op < sizeof(names) / sizeof(names[0]))
		return names[op];
	return "unknown";
}

/* ---- tree */

static void vici_elem_free_children(struct vici_elem *e)
{
	struct vici_elem *c = e->child, *n;

	while (c) {
		n = c->next;
		vici_elem_free_children(c);	/* depth is bounded */
		free(c->value);
		free(c);
		c = n;
	}
	e->child = NULL;
}

void vici_msg_free(struct vici_msg *m)
{
	if (!m)
		return;
	vici_elem_free_children(&m->root);
	free(m);
}

/* The parser reads through a lib/wire.h cursor. */

/* Read a u8-length name into name (VICI_NAME_MAX + 1 bytes): 0, -1 when
 * truncated, -2 when it holds a NUL byte. */
static int vici_take_name(struct wire_reader *c, char *name)
{
	size_t n = wire_get_u8(c);
	const uint8_t *p = wire_get_ref(c, n);

	if (!p)
		return -1;
	if (memchr(p, '\0', n))
		return -2;
	memcpy(name, p, n);
	name[n] = '\0';
	return 0;
}

/* Read a u16-length value as a malloc'ed, NUL-terminated copy. */
static int vici_take_value(struct wire_reader *c, char **val, size_t *len)
{
	size_t n = wire_get_u16(c);
	const uint8_t *p = wire_get_ref(c, n);

	if (!p)
		return -1;
	*val = malloc(n + 1);
	if (!*val)
		return -2;
	memcpy(*val, p, n);
	(*val)[n] = '\0';
	*len = n;
	return 0;
}

struct vici_level {
	struct vici_elem *node;
	struct vici_elem *tail;
};

static void vici_append(struct vici_level *lv, struct vici_elem *e)
{
	if (lv->tail)
		lv->tail->next = e;
	else
		lv->node->child = e;
	lv->tail = e;
}

static const char *vici_parse_body(struct wire_reader *c,
				   struct vici_msg *m)
{
	/* Level 0 is the root; a list is one more level. */
	struct vici_level st[VICI_DEPTH_MAX + 2];
	unsigned int depth = 0;
	bool in_list = false;
	size_t count = 0;
	uint8_t t;
	struct vici_elem *e;
	int rc;

	st[0].node = &m->root;
	st[0].tail = NULL;
	while (wire_remaining(c) > 0) {
		t = wire_get_u8(c);
		if (++count > VICI_ELEMENTS_MAX)
			return "too many elements";
		if (in_list && t != VICI_W_LIST_ITEM &&
		    t != VICI_W_LIST_END) {
			if (t < VICI_W_SECTION_START ||
			    t > VICI_W_LIST_END)
				return "unknown element type";
			return "element other than an item inside a list";
		}
		switch (t) {
		case VICI_W_SECTION_END:
			if (depth == 0)
				return "section end without start";
			depth--;
			continue;
		case VICI_W_LIST_END:
			if (!in_list)
				return "list end without start";
			in_list = false;
			depth--;
			continue;
		case VICI_W_SECTION_START:
		case VICI_W_KEY_VALUE:
		case VICI_W_LIST_START:
		case VICI_W_LIST_ITEM:
			break;
		default:
			return "unknown element type";
		}
		if (t == VICI_W_LIST_ITEM && !in_list)
			return "list item outside a list";
		if (t == VICI_W_SECTION_START && depth >= VICI_DEPTH_MAX)
			return "nesting deeper than 16";
		/* Not calloc: zeroing the 256-byte name of every element
		 * costs more than parsing it (thousands of SAs). */
		e = malloc(sizeof(*e));
		if (!e)
			return "out of memory";
		e->name[0] = '\0';
		e->value = NULL;
		e->len = 0;
		e->child = NULL;
		e->next = NULL;
		vici_append(&st[depth], e);
		switch (t) {
		case VICI_W_SECTION_START:
			e->kind = VICI_SECTION;
			rc = vici_take_name(c, e->name);
			if (rc == -2)
				return "section name holds a NUL byte";
			if (rc)
				return "truncated section name";
			depth++;
			st[depth].node = e;
			st[depth].tail = NULL;
			break;
		case VICI_W_LIST_START:
			e->kind = VICI_LIST;
			rc = vici_take_name(c, e->name);
			if (rc == -2)
				return "list name holds a NUL byte";
			if (rc)
				return "truncated list name";
			depth++;
			st[depth].node = e;
			st[depth].tail = NULL;
			in_list = true;
			break;
		case VICI_W_KEY_VALUE:
			e->kind = VICI_KV;
			rc = vici_take_name(c, e->name);
			if (rc == -2)
				return "key name holds a NUL byte";
			if (rc)
				return "truncated key-value";
			rc = vici_take_value(c, &e->value, &e->len);
			if (rc == -2)
				return "out of memory";
			if (rc)
				return "truncated key-value";
			break;
		default: /* LIST_ITEM */
			e->kind = VICI_ITEM;
			rc = vici_take_value(c, &e->value, &e->len);
			if (rc == -2)
				return "out of memory";
			if (rc)
				return "truncated list item";
			break;
		}
	}
	if (in_list)
		return "list not closed";
	if (depth)
		return "section not closed";
	return NULL;
}

int vici_msg_parse(const uint8_t *buf, size_t len, struct vici_msg **out,
		   char *err)
{
	struct wire_reader c;
	struct vici_msg *m;
	uint8_t op;
	const char *why;

	*out = NULL;
	if (!buf || len == 0) {
		vici_seterr(err, "empty message");
		return -1;
	}
	if (len > VICI_FRAME_MAX) {
		vici_seterr(err, "message of %zu bytes exceeds %u", len,
			    VICI_FRAME_MAX);
		return -1;
	}
	wire_reader_init(&c, buf, len);
	op = wire_get_u8(&c);
	if (op > VICI_EVENT) {
		vici_seterr(err, "unknown operation %u", op);
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		vici_seterr(err, "out of memory");
		return -1;
	}
	m->op = op;
	m->root.kind = VICI_SECTION;
	if (vici_op_named(m->op)) {
		int rc = vici_take_name(&c, m->name);

		if (rc) {
			vici_seterr(err, "%s %s name",
				    rc == -2 ? "NUL byte in" : "truncated",
				    vici_op_name(m->op));
			free(m);
			return -1;
		}
	}
	why = vici_parse_body(&c, m);
	if (why) {
		vici_seterr(err, "%s", why);
		vici_msg_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

/* ---- lookups */

const struct vici_elem *vici_find(const struct vici_elem *sec,
				  const char *name, enum vici_kind kind)
{
	const struct vici_elem *e;

	if (!sec || sec->kind != VICI_SECTION)
		return NULL;
	for (e = sec->child; e; e = e->next)
		if (e->kind == kind && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

const char *vici_get_str(const struct vici_elem *sec, const char *name)
{
	const struct vici_elem *e = vici_find(sec, name, VICI_KV);

	if (!e || memchr(e->value, '\0', e->len))
		return NULL;
	return e->value;
}

const struct vici_elem *vici_next_section(const struct vici_elem *sec,
					  const struct vici_elem *prev)
{
	const struct vici_elem *e;

	if (!sec || sec->kind != VICI_SECTION)
		return NULL;
	for (e = prev ? prev->next : sec->child; e; e = e->next)
		if (e->kind == VICI_SECTION)
			return e;
	return NULL;
}

const struct vici_elem *vici_next_item(const struct vici_elem *list,
				       const struct vici_elem *prev)
{
	if (!list || list->kind != VICI_LIST)
		return NULL;
	return prev ? prev->next : list->child;
}

/* ---- builder */

void vici_builder_init(struct vici_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void vici_builder_free(struct vici_builder *b)
{
	free(b->buf);
	vici_builder_init(b);
}

static void vici_builder_fail(struct vici_builder *b, const char *why)
{
	if (!b->err[0])
		snprintf(b->err, sizeof(b->err), "%s", why);
}

static void vici_builder_put(struct vici_builder *b, const void *data,
			     size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (b->err[0])
		return;
	if (n > VICI_FRAME_MAX || b->len + n > VICI_FRAME_MAX) {
		vici_builder_fail(b, "message too big");
		return;
	}
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb) {
			vici_builder_fail(b, "out of memory");
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

static void vici_builder_byte(struct vici_builder *b, uint8_t v)
{
	vici_builder_put(b, &v, 1);
}

static void vici_builder_name(struct vici_builder *b, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > VICI_NAME_MAX) {
		vici_builder_fail(b, n ? "name longer than 255 bytes"
				       : "empty name");
		return;
	}
	vici_builder_byte(b, (uint8_t)n);
	vici_builder_put(b, name, n);
}

static void vici_builder_value(struct vici_builder *b, const void *v,
			       size_t n)
{
	uint8_t l[2];

	if (n > VICI_VALUE_MAX) {
		vici_builder_fail(b, "value longer than 65535 bytes");
		return;
	}
	l[0] = (uint8_t)(n >> 8);
	l[1] = (uint8_t)n;
	vici_builder_put(b, l, 2);
	if (n)
		vici_builder_put(b, v, n);
}

static bool vici_builder_not_in_list(struct vici_builder *b)
{
	if (b->in_list) {
		vici_builder_fail(b, "element other than an item inside a "
				     "list");
		return false;
	}
	return true;
}

void vici_builder_section_start(struct vici_builder *b, const char *name)
{
	if (!vici_builder_not_in_list(b))
		return;
	if (b->depth >= VICI_DEPTH_MAX) {
		vici_builder_fail(b, "nesting deeper than 16");
		return;
	}
	b->depth++;
	vici_builder_byte(b, VICI_W_SECTION_START);
	vici_builder_name(b, name);
}

void vici_builder_section_end(struct vici_builder *b)
{
	if (!vici_builder_not_in_list(b))
		return;
	if (b->depth == 0) {
		vici_builder_fail(b, "section end without start");
		return;
	}
	b->depth--;
	vici_builder_byte(b, VICI_W_SECTION_END);
}

void vici_builder_kv(struct vici_builder *b, const char *name,
		     const void *value, size_t len)
{
	if (!vici_builder_not_in_list(b))
		return;
	vici_builder_byte(b, VICI_W_KEY_VALUE);
	vici_builder_name(b, name);
	vici_builder_value(b, value, len);
}

void vici_builder_kv_str(struct vici_builder *b, const char *name,
			 const char *value)
{
	vici_builder_kv(b, name, value, strlen(value));
}

void vici_builder_list_start(struct vici_builder *b, const char *name)
{
	if (!vici_builder_not_in_list(b))
		return;
	b->in_list = true;
	vici_builder_byte(b, VICI_W_LIST_START);
	vici_builder_name(b, name);
}

void vici_builder_list_item(struct vici_builder *b, const void *value,
			    size_t len)
{
	if (!b->in_list) {
		vici_builder_fail(b, "list item outside a list");
		return;
	}
	vici_builder_byte(b, VICI_W_LIST_ITEM);
	vici_builder_value(b, value, len);
}

void vici_builder_list_item_str(struct vici_builder *b, const char *value)
{
	vici_builder_list_item(b, value, strlen(value));
}

void vici_builder_list_end(struct vici_builder *b)
{
	if (!b->in_list) {
		vici_builder_fail(b, "list end without start");
		return;
	}
	b->in_list = false;
	vici_builder_byte(b, VICI_W_LIST_END);
}

const char *vici_builder_error(const struct vici_builder *b)
{
	if (b->err[0])
		return b->err;
	if (b->in_list)
		return "list not closed";
	if (b->depth)
		return "section not closed";
	return NULL;
}

void vici_builder_add_tree(struct vici_builder *b,
			   const struct vici_elem *sec)
{
	const struct vici_elem *e, *i;

	for (e = sec->child; e; e = e->next) {
		switch (e->kind) {
		case VICI_SECTION:
			vici_builder_section_start(b, e->name);
			vici_builder_add_tree(b, e);
			vici_builder_section_end(b);
			break;
		case VICI_KV:
			vici_builder_kv(b, e->name, e->value, e->len);
			break;
		case VICI_LIST:
			vici_builder_list_start(b, e->name);
			for (i = e->child; i; i = i->next)
				vici_builder_list_item(b, i->value, i->len);
			vici_builder_list_end(b);
			break;
		case VICI_ITEM:
			vici_builder_fail(b, "item outside a list");
			break;
		}
	}
}

int vici_encode(enum vici_op op, const char *name,
		const struct vici_builder *body, uint8_t **out, size_t *outlen,
		char *err)
{
	size_t nlen = 0, plen, blen = body ? body->len : 0;
	const char *why;
	struct wire_writer w;
	uint8_t *f;

	*out = NULL;
	*outlen = 0;
	if ((unsigned int)op > VICI_EVENT) {
		vici_seterr(err, "unknown operation %u", (unsigned int)op);
		return -1;
	}
	if (body && (why = vici_builder_error(body))) {
		vici_seterr(err, "%s", why);
		return -1;
	}
	if (blen && op != VICI_CMD_REQUEST && op != VICI_CMD_RESPONSE &&
	    op != VICI_EVENT) {
		vici_seterr(err, "%s carries no body", vici_op_name(op));
		return -1;
	}
	if (vici_op_named(op)) {
		nlen = name ? strlen(name) : 0;
		if (nlen == 0 || nlen > VICI_NAME_MAX) {
			vici_seterr(err, "bad %s name length %zu",
				    vici_op_name(op), nlen);
			return -1;
		}
	}
	plen = 1 + (nlen ? 1 + nlen : 0) + blen;
	if (plen > VICI_FRAME_MAX) {
		vici_seterr(err, "message of %zu bytes exceeds %u", plen,
			    VICI_FRAME_MAX);
		return -1;
	}
	f = malloc(4 + plen);
	if (!f) {
		vici_seterr(err, "out of memory");
		return -1;
	}
	wire_writer_init(&w, f, 4 + plen);
	wire_put_u32(&w, (uint32_t)plen);
	wire_put_u8(&w, (uint8_t)op);
	if (nlen) {
		wire_put_u8(&w, (uint8_t)nlen);
		wire_put_bytes(&w, name, nlen);
	}
	if (blen)
		wire_put_bytes(&w, body->buf, blen);
	*out = f;
	*outlen = 4 + plen;
	return 0;
}

/* ---- frame splitter */

void vici_splitter_init(struct vici_splitter *s)
{
	memset(s, 0, sizeof(*s));
}

void vici_splitter_free(struct vici_splitter *s)
{
	free(s->buf);
	vici_splitter_init(s);
}

int vici_splitter_feed(struct vici_splitter *s, const void *data, size_t n)
{
	size_t need, cap;
	uint8_t *nb;

	if (n == 0)
		return 0;
	if (s->start) {
		/* drop what was consumed */
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->len -= s->start;
		s->start = 0;
	}
	need = s->len + n;
	if (need < n)
		return -1;
	if (need > s->cap) {
		cap = s->cap ? s->cap : 4096;
		while (cap < need)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (!nb)
			return -1;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

int vici_splitter_next(struct vici_splitter *s, const uint8_t **payload,
		       size_t *len, char *err)
{
	size_t have = s->len - s->start;
	struct wire_reader r;
	uint32_t flen;

	*payload = NULL;
	*len = 0;
	if (s->failed) {
		vici_seterr(err, "stream already failed");
		return -1;
	}
	if (have < 4)
		return 0;	/* (and buf may still be NULL) */
	wire_reader_init(&r, s->buf + s->start, have);
	flen = wire_get_u32(&r);
	if (flen == 0 || flen > VICI_FRAME_MAX) {
		s->failed = true;
		vici_seterr(err, "frame length %u out of range 1..%u", flen,
			    VICI_FRAME_MAX);
		return -1;
	}
	*payload = wire_get_ref(&r, flen);
	if (!*payload)
		return 0;
	*len = flen;
	s->start += 4 + (size_t)flen;
	return 1;
}

size_t vici_splitter_pending(const struct vici_splitter *s)
{
	return s->len - s->start;
}
