/* vty_codec: framing of FRR's vty socket protocol, as vtysh and watchfrr
 * speak it, without any I/O.
 *
 *   request:  command line bytes, then one NUL byte
 *   reply:    output text, then the 4 bytes 00 00 00 <status>
 *
 * status is a cmd_status (cmd.h). The reply text never contains a NUL
 * byte (the encoder drops them), so the first NUL of a reply starts its
 * trailer.
 *
 * Three pieces:
 *  - vty_req: the server's incremental request decoder. Bytes may arrive
 *    split anywhere. It keeps at most CMD_MAX_LINE + 1 bytes: a longer
 *    line is discarded up to its terminating NUL and then reported once as
 *    VTY_REQ_TOO_LONG, so that every request still gets exactly one reply
 *    and the stream stays in step (the server answers it with
 *    VTY_REQ_TOO_LONG_MSG and CMD_WARNING and keeps the connection).
 *  - vty_reply_encode(): output text + trailer.
 *  - vty_rep: the client's incremental reply decoder, output capped at
 *    VTY_REP_MAX_OUTPUT bytes.
 *
 * Ownership: decoders are embedded in the caller's struct; the caller
 * calls *_init() before use and *_fini() after; line/text pointers
 * handed out point into the decoder and stay valid until the next call
 * on it. */
#ifndef FRR_PLUGIN_VTY_CODEC_H
#define FRR_PLUGIN_VTY_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "strbuf.h"

/* ---- server side: requests ---- */

#define VTY_REQ_TOO_LONG_MSG "% line too long (limit 65536 bytes)\n"

enum vty_req_event {
	VTY_REQ_NEED_MORE = 0,	/* all input consumed, no complete line */
	VTY_REQ_LINE,		/* *line is a complete command line */
	VTY_REQ_TOO_LONG,	/* a line over CMD_MAX_LINE bytes ended */
	VTY_REQ_BAD_CHAR,	/* a line with a control byte ended */
};

struct vty_req {
	char *buf;		/* current line, NUL-terminated when handed out */
	size_t len;
	size_t cap;
	bool overflow;		/* discarding a too long line */
	int bad_char;		/* first control byte of this line, or -1 */
};

void vty_req_init(struct vty_req *r);
void vty_req_fini(struct vty_req *r);

/* Consume bytes from data[0..n) up to and including the end of the
 * next line; *used says how many were consumed (call again with the
 * rest). Returns:
 *  - VTY_REQ_LINE with *line set (NUL-terminated, no control bytes
 *    other than tab; valid until the next call);
 *  - VTY_REQ_TOO_LONG when the line had more than CMD_MAX_LINE bytes;
 *  - VTY_REQ_BAD_CHAR when it held a byte < 0x20 (other than tab, CR
 *    and LF, which are taken as blanks) or 0x7f; *bad is that byte;
 *  - VTY_REQ_NEED_MORE when everything was consumed and the line is not
 *    complete yet.
 * line and bad may be NULL. */
enum vty_req_event vty_req_feed(struct vty_req *r, const void *data,
				size_t n, size_t *used, const char **line,
				int *bad);

/* True while a partial line is buffered (or being discarded): data
 * that a closing client left unterminated. */
bool vty_req_pending(const struct vty_req *r);

/* ---- replies ---- */

/* Append text[0..len) without its NUL bytes, then 00 00 00 status, to
 * out. status must be 0..255 (a cmd_status); others are sent as
 * CMD_WARNING. */
void vty_reply_encode(struct strbuf *out, const char *text, size_t len,
		      int status);

/* ---- client side: replies ---- */

#define VTY_REP_MAX_OUTPUT (16u * 1024 * 1024)

enum vty_rep_event {
	VTY_REP_NEED_MORE = 0,	/* all input consumed, reply incomplete */
	VTY_REP_DONE,		/* the reply is complete: text and status */
	VTY_REP_ERROR,		/* protocol error or output too large */
};

struct vty_rep {
	struct strbuf text;	/* output received so far */
	int nuls;		/* trailer NUL bytes seen (0..3) */
	int status;		/* valid after VTY_REP_DONE */
	bool done;
	const char *error;	/* why, after VTY_REP_ERROR */
};

void vty_rep_init(struct vty_rep *p);
void vty_rep_fini(struct vty_rep *p);
/* Forget the last reply (text, status, error) to decode the next one. */
void vty_rep_reset(struct vty_rep *p);

/* Consume bytes of data[0..n); *used says how many (a reply ends at its
 * status byte: the rest belongs to the next one). Returns VTY_REP_DONE
 * once the trailer is complete (p->text holds the output, p->status the
 * status; call vty_rep_reset() before feeding the next reply),
 * VTY_REP_ERROR (p->error says why: output larger than
 * VTY_REP_MAX_OUTPUT, or a NUL byte inside the output) or
 * VTY_REP_NEED_MORE. After DONE or ERROR the decoder consumes nothing
 * until reset. */
enum vty_rep_event vty_rep_feed(struct vty_rep *p, const void *data,
				size_t n, size_t *used);

#endif
