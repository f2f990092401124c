/* vici_sa: VICI SA event bodies -> tunnel table actions (pure).
 * See vici_sa.h for the event semantics. */
#include "vici_sa.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void vici_sa_result_init(struct vici_sa_result *r)
{
	memset(r, 0, sizeof(*r));
}

void vici_sa_result_free(struct vici_sa_result *r)
{
	free(r->v);
	strbuf_free(&r->notes);
	vici_sa_result_init(r);
}

void vici_sa_result_reset(struct vici_sa_result *r)
{
	r->n = 0;
	strbuf_reset(&r->notes);
}

bool vici_sa_event_known(const char *event)
{
	static const char *const known[] = {
		"list-sa", "ike-updown", "child-updown", "ike-rekey",
		"child-rekey",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(event, known[i]) == 0)
			return true;
	return false;
}

static struct vici_sa_action *vici_sa_push(struct vici_sa_result *r,
					   enum vici_sa_kind kind)
{
	struct vici_sa_action *nv, *a;
	size_t cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 8;
		nv = realloc(r->v, cap * sizeof(*nv));
		if (!nv)
			return NULL;
		r->v = nv;
		r->cap = cap;
	}
	a = &r->v[r->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->child.gateway = -1;
	return a;
}

int vici_sa_parse_ts(const char *s, struct mep_prefix *out)
{
	char buf[MEP_PREFIX_STRLEN + 8];
	const char *br = strchr(s, '[');
	size_t n = br ? (size_t)(br - s) : strlen(s);
	struct mep_addr a;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (br && s[strlen(s) - 1] != ']')
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strchr(buf, '/'))
		return mep_prefix_parse(buf, out, NULL) < 0 ? -1 : 0;
	/* a bare address is a host prefix */
	if (mep_addr_parse(buf, &a) < 0)
		return -1;
	out->family = a.family;
	out->len = a.family == AF_INET ? 32 : 128;
	memcpy(out->addr, a.addr, sizeof(out->addr));
	return 0;
}

static bool vici_sa_installed(const struct tunnel_child *c)
{
	return strcmp(c->state, "INSTALLED") == 0;
}

/* Strict decimal u32. */
static int vici_sa_u32(const char *s, uint32_t *out)
{
	unsigned long long v = 0;

	if (!s || !*s || strlen(s) > 10)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Copy src into dst[size]; note when it is cut. */
static void vici_sa_copy(struct vici_sa_result *r, char *dst, size_t size,
			 const char *src, const char *what)
{
	size_t n;

	if (!src) {
		dst[0] = '\0';
		return;
	}
	n = strlen(src);
	if (n >= size) {
		strbuf_printf(&r->notes, "%s of %zu bytes shortened to %zu\n",
			      what, n, size - 1);
		n = size - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void vici_sa_ts(struct vici_sa_result *r, const struct vici_elem *sa,
		       const char *key, struct mep_prefix *ts, size_t *n,
		       const struct tunnel_child *c)
{
	const struct vici_elem *l = vici_find(sa, key, VICI_LIST);
	const struct vici_elem *it = NULL;
	struct mep_prefix pfx;

	*n = 0;
	while ((it = vici_next_item(l, it))) {
		const char *v = memchr(it->value, '\0', it->len) ? NULL
								  : it->value;

		if (!v || vici_sa_parse_ts(v, &pfx) < 0) {
			strbuf_printf(&r->notes,
				      "%s CHILD_SA %s #%u: %s '%.64s' is no "
				      "prefix, skipped\n",
				      c->ike_name, c->child_name, c->child_id,
				      key, v ? v : "(binary)");
			continue;
		}
		if (*n == TUNNEL_MAX_TS) {
			strbuf_printf(&r->notes,
				      "%s CHILD_SA %s #%u: more than %d %s, "
				      "'%.64s' skipped\n",
				      c->ike_name, c->child_name, c->child_id,
				      TUNNEL_MAX_TS, key, v);
			continue;
		}
		ts[(*n)++] = pfx;
	}
}

/* Fill the IKE_SA part of a tunnel_child from an IKE_SA section. */
static int vici_sa_ike(struct vici_sa_result *r, const struct vici_elem *ike,
		       const char *name, struct tunnel_child *c, char *err)
{
	memset(c, 0, sizeof(*c));
	c->gateway = -1;
	if (vici_sa_u32(vici_get_str(ike, "uniqueid"), &c->ike_id) < 0) {
		snprintf(err, VICI_ERR_MAX,
			 "IKE_SA '%.64s' without a valid uniqueid", name);
		return -1;
	}
	vici_sa_copy(r, c->ike_name, sizeof(c->ike_name), name,
		     "IKE_SA name");
	vici_sa_copy(r, c->remote_host, sizeof(c->remote_host),
		     vici_get_str(ike, "remote-host"), "remote-host");
	vici_sa_copy(r, c->remote_id, sizeof(c->remote_id),
		     vici_get_str(ike, "remote-id"), "remote-id");
	vici_sa_copy(r, c->state, sizeof(c->state), vici_get_str(ike, "state"),
		     "IKE_SA state");
	return 0;
}

/* An IKE_SA section's state says it is established (a rekey keeps it
 * so). */
static bool vici_sa_ike_established(const struct tunnel_child *ike)
{
	return strcmp(ike->state, "ESTABLISHED") == 0 ||
	       strcmp(ike->state, "REKEYING") == 0;
}

/* ike_up of the IKE_SA ike (its IKE part only). */
static int vici_sa_ike_up(struct vici_sa_result *r,
			  const struct tunnel_child *ike, char *err)
{
	struct vici_sa_action *a = vici_sa_push(r, VICI_SA_IKE_UP);

	if (!a) {
		snprintf(err, VICI_ERR_MAX, "out of memory");
		return -1;
	}
	a->child = *ike;
	a->ike_id = ike->ike_id;
	return 0;
}

/* Complete c (IKE part filled) from a CHILD_SA section. */
static int vici_sa_child(struct vici_sa_result *r,
			 const struct vici_elem *sa, struct tunnel_child *c,
			 char *err)
{
	const char *name = vici_get_str(sa, "name");

	if (vici_sa_u32(vici_get_str(sa, "uniqueid"), &c->child_id) < 0) {
		snprintf(err, VICI_ERR_MAX,
			 "CHILD_SA '%.64s' of IKE_SA %u without a valid "
			 "uniqueid",
			 sa->name, c->ike_id);
		return -1;
	}
	vici_sa_copy(r, c->child_name, sizeof(c->child_name),
		     name ? name : sa->name, "CHILD_SA name");
	vici_sa_copy(r, c->state, sizeof(c->state),
		     vici_get_str(sa, "state"), "CHILD_SA state");
	vici_sa_ts(r, sa, "local-ts", c->local_ts, &c->n_local_ts, c);
	vici_sa_ts(r, sa, "remote-ts", c->remote_ts, &c->n_remote_ts, c);
	return 0;
}

static int vici_sa_upsert(struct vici_sa_result *r,
			  const struct tunnel_child *c, char *err)
{
	struct vici_sa_action *a = vici_sa_push(r, VICI_SA_UPSERT);

	if (!a) {
		snprintf(err, VICI_ERR_MAX, "out of memory");
		return -1;
	}
	a->child = *c;
	a->ike_id = c->ike_id;
	a->child_id = c->child_id;
	return 0;
}

static int vici_sa_remove(struct vici_sa_result *r, enum vici_sa_kind kind,
			  uint32_t ike_id, uint32_t child_id, char *err)
{
	struct vici_sa_action *a = vici_sa_push(r, kind);

	if (!a) {
		snprintf(err, VICI_ERR_MAX, "out of memory");
		return -1;
	}
	a->ike_id = ike_id;
	a->child_id = child_id;
	return 0;
}

enum vici_sa_mode {
	VICI_SA_M_UPSERT_ALL,		/* list-sa, updown up */
	VICI_SA_M_UPSERT_INSTALLED,	/* ike-rekey's new IKE_SA */
	VICI_SA_M_REMOVE,		/* child-updown down */
	VICI_SA_M_REKEY,		/* child-rekey */
};

/* Walk the CHILD_SAs of an IKE_SA section (ike: template with the IKE
 * part filled). */
static int vici_sa_children(struct vici_sa_result *r,
			    const struct vici_elem *ike_sec,
			    const struct tunnel_child *ike,
			    enum vici_sa_mode mode, char *err)
{
	const struct vici_elem *list = vici_find(ike_sec, "child-sas",
						 VICI_SECTION);
	const struct vici_elem *sa = NULL, *old, *nw;
	struct tunnel_child c, oc;

	while ((sa = vici_next_section(list, sa))) {
		c = *ike;
		if (mode == VICI_SA_M_REKEY) {
			old = vici_find(sa, "old", VICI_SECTION);
			nw = vici_find(sa, "new", VICI_SECTION);
			if (!old || !nw) {
				snprintf(err, VICI_ERR_MAX,
					 "child-rekey '%.64s' without old and "
					 "new",
					 sa->name);
				return -1;
			}
			oc = *ike;
			if (vici_sa_child(r, nw, &c, err) < 0 ||
			    vici_sa_child(r, old, &oc, err) < 0)
				return -1;
			if (!vici_sa_installed(&c)) {
				strbuf_printf(&r->notes,
					      "%s CHILD_SA %s #%u rekeyed to "
					      "#%u in state %s: old one kept\n",
					      c.ike_name, oc.child_name,
					      oc.child_id, c.child_id,
					      c.state[0] ? c.state : "?");
				continue;
			}
			if (vici_sa_upsert(r, &c, err) < 0 ||
			    (oc.child_id != c.child_id &&
			     vici_sa_remove(r, VICI_SA_REMOVE_CHILD,
					    oc.ike_id, oc.child_id, err) < 0))
				return -1;
			continue;
		}
		if (vici_sa_child(r, sa, &c, err) < 0)
			return -1;
		switch (mode) {
		case VICI_SA_M_REMOVE:
			if (vici_sa_remove(r, VICI_SA_REMOVE_CHILD, c.ike_id,
					   c.child_id, err) < 0)
				return -1;
			break;
		case VICI_SA_M_UPSERT_INSTALLED:
			if (!vici_sa_installed(&c))
				break;
			/* fall through */
		default:
			if (vici_sa_upsert(r, &c, err) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

static int vici_sa_body(const char *event, const struct vici_elem *body,
			struct vici_sa_result *r, char *err)
{
	const struct vici_elem *ike_sec = NULL, *nw;
	bool up = false;
	const char *v = vici_get_str(body, "up");
	struct tunnel_child ike;

	if (v && strcmp(v, "yes") == 0)
		up = true;
	while ((ike_sec = vici_next_section(body, ike_sec))) {
		if (strcmp(event, "ike-rekey") == 0) {
			nw = vici_find(ike_sec, "new", VICI_SECTION);
			if (!nw || !vici_find(ike_sec, "old", VICI_SECTION)) {
				snprintf(err, VICI_ERR_MAX,
					 "ike-rekey '%.64s' without old and "
					 "new",
					 ike_sec->name);
				return -1;
			}
			if (vici_sa_ike(r, nw, ike_sec->name, &ike, err) < 0 ||
			    vici_sa_children(r, nw, &ike,
					     VICI_SA_M_UPSERT_INSTALLED,
					     err) < 0 ||
			    (vici_sa_ike_established(&ike) &&
			     vici_sa_ike_up(r, &ike, err) < 0))
				return -1;
			continue;
		}
		if (vici_sa_ike(r, ike_sec, ike_sec->name, &ike, err) < 0)
			return -1;
		if (strcmp(event, "list-sa") == 0 ||
		    (up && (strcmp(event, "ike-updown") == 0 ||
			    strcmp(event, "child-updown") == 0))) {
			if (vici_sa_children(r, ike_sec, &ike,
					     VICI_SA_M_UPSERT_ALL, err) < 0)
				return -1;
			/* ike-updown up=yes: established by definition */
			if ((strcmp(event, "ike-updown") == 0 ||
			     vici_sa_ike_established(&ike)) &&
			    vici_sa_ike_up(r, &ike, err) < 0)
				return -1;
		} else if (strcmp(event, "ike-updown") == 0) {
			if (vici_sa_remove(r, VICI_SA_REMOVE_IKE, ike.ike_id, 0,
					   err) < 0)
				return -1;
		} else if (strcmp(event, "child-updown") == 0) {
			if (vici_sa_children(r, ike_sec, &ike,
					     VICI_SA_M_REMOVE, err) < 0)
				return -1;
		} else { /* child-rekey */
			if (vici_sa_children(r, ike_sec, &ike,
					     VICI_SA_M_REKEY, err) < 0)
				return -1;
		}
	}
	if (strcmp(event, "ike-rekey") == 0 &&
	    vici_sa_remove(r, VICI_SA_RESYNC, 0, 0, err) < 0)
		return -1;
	return 0;
}

int vici_sa_translate(const char *event, const struct vici_elem *body,
		      struct vici_sa_result *r, char *err)
{
	size_t n0 = r->n, notes0 = r->notes.len;

	if (!event || !vici_sa_event_known(event)) {
		snprintf(err, VICI_ERR_MAX, "unknown event '%.64s'",
			 event ? event : "");
		return -1;
	}
	if (!body || body->kind != VICI_SECTION) {
		snprintf(err, VICI_ERR_MAX, "%s without a body", event);
		return -1;
	}
	if (vici_sa_body(event, body, r, err) < 0) {
		r->n = n0;
		if (r->notes.s) {
			r->notes.len = notes0;
			r->notes.s[notes0] = '\0';
		}
		return -1;
	}
	return 0;
}
