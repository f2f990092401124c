/* vty_codec: FRR vty socket framing (requests and replies), pure logic.
 * Owns the request/reply decoder state machines and the reply encoder. */
#include "vty_codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- requests ---- */

void vty_req_init(struct vty_req *r)
{
	memset(r, 0, sizeof(*r));
	r->bad_char = -1;
}

void vty_req_fini(struct vty_req *r)
{
	free(r->buf);
	vty_req_init(r);
}

bool vty_req_pending(const struct vty_req *r)
{
	return r->len > 0 || r->overflow || r->bad_char >= 0;
}

/* Make room for n more bytes plus a NUL; n is small and len + n stays
 * within CMD_MAX_LINE, so the buffer never exceeds CMD_MAX_LINE + 1. */
static void vty_req_reserve(struct vty_req *r, size_t n)
{
	size_t need = r->len + n + 1;
	size_t cap;
	char *p;

	if (need <= r->cap)
		return;
	cap = r->cap ? r->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > CMD_MAX_LINE + 1)
		cap = CMD_MAX_LINE + 1;
	p = realloc(r->buf, cap);
	if (!p)
		abort();
	r->buf = p;
	r->cap = cap;
}

static bool vty_req_is_bad(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

enum vty_req_event vty_req_feed(struct vty_req *r, const void *data,
				size_t n, size_t *used, const char **line,
				int *bad)
{
	const unsigned char *d = data;
	const unsigned char *nul = memchr(d, 0, n);
	size_t chunk = nul ? (size_t)(nul - d) : n;
	enum vty_req_event ev;
	size_t i;

	*used = nul ? chunk + 1 : n;
	if (line)
		*line = NULL;
	if (bad)
		*bad = 0;

	if (!r->overflow) {
		if (chunk > CMD_MAX_LINE - r->len) {
			/* Drop what we had: the line can never be run. */
			r->overflow = true;
			r->len = 0;
		} else if (chunk > 0) {
			vty_req_reserve(r, chunk);
			for (i = 0; i < chunk; i++) {
				unsigned char c = d[i];

				if (vty_req_is_bad(c) && r->bad_char < 0)
					r->bad_char = c;
				if (c == '\r' || c == '\n')
					c = ' ';
				r->buf[r->len + i] = (char)c;
			}
			r->len += chunk;
		}
	}
	if (!nul)
		return VTY_REQ_NEED_MORE;

	/* The line ended. */
	if (r->overflow) {
		ev = VTY_REQ_TOO_LONG;
	} else if (r->bad_char >= 0) {
		ev = VTY_REQ_BAD_CHAR;
		if (bad)
			*bad = r->bad_char;
	} else {
		vty_req_reserve(r, 0);
		r->buf[r->len] = '\0';
		if (line)
			*line = r->buf;
		ev = VTY_REQ_LINE;
	}
	r->len = 0;
	r->overflow = false;
	r->bad_char = -1;
	return ev;
}

/* ---- reply encoder ---- */

void vty_reply_encode(struct strbuf *out, const char *text, size_t len,
		      int status)
{
	char trailer[4] = { 0, 0, 0, 0 };
	const char *p = text, *end = text + len, *z;

	while (p < end) {
		z = memchr(p, 0, (size_t)(end - p));
		if (!z) {
			strbuf_add(out, p, (size_t)(end - p));
			break;
		}
		if (z > p)
			strbuf_add(out, p, (size_t)(z - p));
		p = z + 1;
	}
	if (status < 0 || status > UINT8_MAX)
		status = CMD_WARNING;
	trailer[3] = (char)(unsigned char)status;
	strbuf_add(out, trailer, sizeof(trailer));
}

/* ---- reply decoder ---- */

void vty_rep_init(struct vty_rep *p)
{
	memset(p, 0, sizeof(*p));
}

void vty_rep_fini(struct vty_rep *p)
{
	strbuf_free(&p->text);
	vty_rep_init(p);
}

void vty_rep_reset(struct vty_rep *p)
{
	strbuf_reset(&p->text);
	p->nuls = 0;
	p->status = 0;
	p->done = false;
	p->error = NULL;
}

enum vty_rep_event vty_rep_feed(struct vty_rep *p, const void *data,
				size_t n, size_t *used)
{
	const unsigned char *d = data;
	size_t i = 0, run;
	const unsigned char *nul;

	*used = 0;
	if (p->error)
		return VTY_REP_ERROR;
	if (p->done)
		return VTY_REP_DONE;

	while (i < n) {
		if (p->nuls == 3) {
			/* Any byte after three NULs is the status. */
			p->status = d[i++];
			p->done = true;
			*used = i;
			return VTY_REP_DONE;
		}
		if (p->nuls > 0) {
			if (d[i] != 0) {
				p->error = "malformed reply (NUL byte inside the output)";
				*used = i;
				return VTY_REP_ERROR;
			}
			p->nuls++;
			i++;
			continue;
		}
		nul = memchr(d + i, 0, n - i);
		run = nul ? (size_t)(nul - (d + i)) : n - i;
		if (run > VTY_REP_MAX_OUTPUT - p->text.len) {
			p->error = "reply too large (limit 16 MiB)";
			*used = i;
			return VTY_REP_ERROR;
		}
		strbuf_add(&p->text, (const char *)d + i, run);
		i += run;
		if (nul) {
			p->nuls = 1;
			i++;
		}
	}
	*used = i;
	return VTY_REP_NEED_MORE;
}
