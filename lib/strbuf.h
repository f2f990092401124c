/* strbuf: a growable, always NUL-terminated text buffer for command output.
 * The owner of a struct strbuf frees it with strbuf_free(). Allocation
 * failure aborts (we cannot report anything without memory). */
#ifndef RIPD_MEP_STRBUF_H
#define RIPD_MEP_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *s;
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_add(struct strbuf *b, const char *data, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap);
/* Empty the buffer, keeping its memory. */
void strbuf_reset(struct strbuf *b);
/* Return the text ("" when empty); valid until the next change. */
const char *strbuf_str(const struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
