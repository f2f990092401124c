/* test_vty_codec: unit tests of the vty socket framing (vty_codec) and of
 * the libev server (vty_server) over a real unix socket in a temp dir. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd.h"
#include "strbuf.h"
#include "vty_codec.h"
#include "vty_server.h"

/* ---------------- request decoder ---------------- */

static void test_req_byte_by_byte(void **state)
{
	const char msg[] = "echo PING"; /* plus its NUL */
	struct vty_req r;
	const char *line;
	size_t i, used;
	enum vty_req_event ev;

	(void)state;
	vty_req_init(&r);
	for (i = 0; i < sizeof(msg); i++) {
		ev = vty_req_feed(&r, msg + i, 1, &used, &line, NULL);
		assert_int_equal(used, 1);
		if (i + 1 < sizeof(msg)) {
			assert_int_equal(ev, VTY_REQ_NEED_MORE);
			assert_null(line);
			assert_true(vty_req_pending(&r));
		} else {
			assert_int_equal(ev, VTY_REQ_LINE);
			assert_string_equal(line, "echo PING");
		}
	}
	assert_false(vty_req_pending(&r));
	vty_req_fini(&r);
}

static void test_req_multiple_lines(void **state)
{
	static const char chunk[] = "a\0b c\0\0show mep"; /* no final NUL */
	const char *expect[] = { "a", "b c", "" };
	size_t n = sizeof(chunk) - 1, off = 0, used;
	struct vty_req r;
	const char *line;
	int k;

	(void)state;
	vty_req_init(&r);
	for (k = 0; k < 3; k++) {
		assert_int_equal(vty_req_feed(&r, chunk + off, n - off, &used,
					      &line, NULL),
				 VTY_REQ_LINE);
		assert_string_equal(line, expect[k]);
		off += used;
	}
	assert_int_equal(off, 7);
	assert_int_equal(vty_req_feed(&r, chunk + off, n - off, &used, &line,
				      NULL),
			 VTY_REQ_NEED_MORE);
	assert_int_equal(used, n - off);
	assert_true(vty_req_pending(&r));
	assert_int_equal(vty_req_feed(&r, " json", 6, &used, &line, NULL),
			 VTY_REQ_LINE);
	assert_int_equal(used, 6);
	assert_string_equal(line, "show mep json");
	/* Nothing at all. */
	assert_int_equal(vty_req_feed(&r, "", 0, &used, &line, NULL),
			 VTY_REQ_NEED_MORE);
	assert_int_equal(used, 0);
	vty_req_fini(&r);
}

static char *make_line(size_t len, char c)
{
	char *s = malloc(len + 1);

	assert_non_null(s);
	memset(s, c, len);
	s[len] = '\0';
	return s;
}

/* Feed s (len bytes incl. its NUL) in pieces of step bytes; return the
 * last event. */
static enum vty_req_event feed_steps(struct vty_req *r, const char *s,
				     size_t len, size_t step,
				     const char **line)
{
	enum vty_req_event ev = VTY_REQ_NEED_MORE;
	size_t off = 0, used, n;

	while (off < len) {
		n = len - off < step ? len - off : step;
		ev = vty_req_feed(r, s + off, n, &used, line, NULL);
		assert_true(used > 0 && used <= n);
		off += used;
		/* Never more than one line's worth in memory. */
		assert_true(r->cap <= CMD_MAX_LINE + 1);
		if (ev != VTY_REQ_NEED_MORE)
			assert_int_equal(off, len);
	}
	return ev;
}

static void test_req_limit(void **state)
{
	struct vty_req r;
	const char *line;
	char *at = make_line(CMD_MAX_LINE, 'x');
	char *over = make_line(CMD_MAX_LINE + 1, 'y');
	size_t used;

	(void)state;
	vty_req_init(&r);
	/* Exactly at the limit: accepted, in one go and in pieces. */
	assert_int_equal(feed_steps(&r, at, CMD_MAX_LINE + 1, SIZE_MAX,
				    &line),
			 VTY_REQ_LINE);
	assert_int_equal(strlen(line), CMD_MAX_LINE);
	assert_int_equal(feed_steps(&r, at, CMD_MAX_LINE + 1, 1000, &line),
			 VTY_REQ_LINE);
	assert_int_equal(strlen(line), CMD_MAX_LINE);
	assert_int_equal(line[CMD_MAX_LINE - 1], 'x');

	/* One over: reported once at its end, then back in step. */
	assert_int_equal(feed_steps(&r, over, CMD_MAX_LINE + 2, SIZE_MAX,
				    &line),
			 VTY_REQ_TOO_LONG);
	assert_null(line);
	assert_int_equal(feed_steps(&r, over, CMD_MAX_LINE + 2, 777, &line),
			 VTY_REQ_TOO_LONG);
	assert_int_equal(vty_req_feed(&r, "ok", 3, &used, &line, NULL),
			 VTY_REQ_LINE);
	assert_string_equal(line, "ok");
	free(at);
	free(over);
	vty_req_fini(&r);
}

static void test_req_huge_unterminated(void **state)
{
	char block[8192];
	struct vty_req r;
	const char *line;
	size_t used;
	int i;

	(void)state;
	memset(block, 'z', sizeof(block));
	vty_req_init(&r);
	/* 8 MiB without a NUL: memory stays bounded. */
	for (i = 0; i < 1024; i++) {
		assert_int_equal(vty_req_feed(&r, block, sizeof(block), &used,
					      &line, NULL),
				 VTY_REQ_NEED_MORE);
		assert_int_equal(used, sizeof(block));
		assert_true(r.cap <= CMD_MAX_LINE + 1);
	}
	assert_true(vty_req_pending(&r));
	/* The NUL and the next line in one chunk. */
	assert_int_equal(vty_req_feed(&r, "\0next", 6, &used, &line, NULL),
			 VTY_REQ_TOO_LONG);
	assert_int_equal(used, 1);
	assert_false(vty_req_pending(&r));
	assert_int_equal(vty_req_feed(&r, "next", 5, &used, &line, NULL),
			 VTY_REQ_LINE);
	assert_string_equal(line, "next");
	vty_req_fini(&r);
}

static void test_req_junk(void **state)
{
	struct vty_req r;
	const char *line;
	size_t used;
	int bad;

	(void)state;
	vty_req_init(&r);
	assert_int_equal(vty_req_feed(&r, "sh\x01ow", 6, &used, &line, &bad),
			 VTY_REQ_BAD_CHAR);
	assert_int_equal(bad, 1);
	assert_null(line);
	/* Split: the bad byte in the first piece, the NUL in the second. */
	assert_int_equal(vty_req_feed(&r, "a\x1b[A", 4, &used, &line, &bad),
			 VTY_REQ_NEED_MORE);
	assert_int_equal(vty_req_feed(&r, "b", 2, &used, &line, &bad),
			 VTY_REQ_BAD_CHAR);
	assert_int_equal(bad, 0x1b);
	assert_int_equal(vty_req_feed(&r, "x\x7f", 3, &used, &line, &bad),
			 VTY_REQ_BAD_CHAR);
	assert_int_equal(bad, 0x7f);
	/* CR and LF become blanks; tab and UTF-8 bytes pass. */
	assert_int_equal(vty_req_feed(&r, "show\tmep\r\n", 11, &used, &line,
				      &bad),
			 VTY_REQ_LINE);
	assert_string_equal(line, "show\tmep  ");
	assert_int_equal(vty_req_feed(&r, "description caf\xc3\xa9", 19,
				      &used, &line, &bad),
			 VTY_REQ_LINE);
	assert_string_equal(line, "description caf\xc3\xa9");
	vty_req_fini(&r);
}

/* ---------------- replies ---------------- */

static void test_reply_encode(void **state)
{
	struct strbuf b = STRBUF_INIT;

	(void)state;
	vty_reply_encode(&b, "PING\n", 5, CMD_SUCCESS);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.s, "PING\n\0\0\0\0", 9);
	strbuf_reset(&b);
	/* NUL bytes in the text are dropped; odd status -> warning. */
	vty_reply_encode(&b, "a\0b\0", 4, 300);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.s, "ab\0\0\0\1", 6);
	strbuf_reset(&b);
	vty_reply_encode(&b, "", 0, CMD_WARNING_CONFIG_FAILED);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.s, "\0\0\0\15", 4);
	strbuf_free(&b);
}

static void test_reply_split_everywhere(void **state)
{
	struct strbuf b = STRBUF_INIT;
	struct vty_rep p;
	size_t cut, used, u2;

	(void)state;
	vty_reply_encode(&b, "% Unknown command: foo\n", 23,
			 CMD_ERR_NO_MATCH);
	vty_rep_init(&p);
	for (cut = 0; cut <= b.len; cut++) {
		enum vty_rep_event ev;

		vty_rep_reset(&p);
		ev = vty_rep_feed(&p, b.s, cut, &used);
		assert_int_equal(used, cut);
		if (cut < b.len) {
			assert_int_equal(ev, VTY_REP_NEED_MORE);
			ev = vty_rep_feed(&p, b.s + cut, b.len - cut, &u2);
			assert_int_equal(u2, b.len - cut);
		}
		assert_int_equal(ev, VTY_REP_DONE);
		assert_int_equal(p.status, CMD_ERR_NO_MATCH);
		assert_string_equal(strbuf_str(&p.text),
				    "% Unknown command: foo\n");
	}
	/* Byte by byte. */
	vty_rep_reset(&p);
	for (cut = 0; cut < b.len; cut++) {
		enum vty_rep_event ev = vty_rep_feed(&p, b.s + cut, 1, &used);

		assert_int_equal(used, 1);
		assert_int_equal(ev, cut + 1 == b.len ? VTY_REP_DONE
						       : VTY_REP_NEED_MORE);
	}
	assert_int_equal(p.status, CMD_ERR_NO_MATCH);
	/* Done: consumes nothing more until reset. */
	assert_int_equal(vty_rep_feed(&p, "x", 1, &used), VTY_REP_DONE);
	assert_int_equal(used, 0);
	vty_rep_fini(&p);
	strbuf_free(&b);
}

static void test_reply_back_to_back(void **state)
{
	struct strbuf b = STRBUF_INIT;
	struct vty_rep p;
	size_t used, first;

	(void)state;
	vty_reply_encode(&b, "one\n", 4, CMD_SUCCESS);
	first = b.len;
	vty_reply_encode(&b, "", 0, CMD_ERR_INCOMPLETE);
	vty_reply_encode(&b, "three", 5, CMD_WARNING);
	vty_rep_init(&p);
	assert_int_equal(vty_rep_feed(&p, b.s, b.len, &used), VTY_REP_DONE);
	assert_int_equal(used, first);
	assert_string_equal(strbuf_str(&p.text), "one\n");
	assert_int_equal(p.status, 0);
	vty_rep_reset(&p);
	assert_int_equal(vty_rep_feed(&p, b.s + first, b.len - first, &used),
			 VTY_REP_DONE);
	assert_int_equal(used, 4);
	assert_string_equal(strbuf_str(&p.text), "");
	assert_int_equal(p.status, CMD_ERR_INCOMPLETE);
	first += used;
	vty_rep_reset(&p);
	assert_int_equal(vty_rep_feed(&p, b.s + first, b.len - first, &used),
			 VTY_REP_DONE);
	assert_string_equal(strbuf_str(&p.text), "three");
	assert_int_equal(p.status, CMD_WARNING);
	vty_rep_fini(&p);
	strbuf_free(&b);
}

static void test_reply_large(void **state)
{
	size_t len = 5 * 1024 * 1024 + 3, off = 0, used, n;
	char *text = malloc(len);
	struct strbuf b = STRBUF_INIT;
	struct vty_rep p;
	enum vty_rep_event ev = VTY_REP_NEED_MORE;
	size_t i;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < len; i++)
		text[i] = (char)('a' + i % 26);
	vty_reply_encode(&b, text, len, CMD_SUCCESS);
	vty_rep_init(&p);
	while (off < b.len) {
		n = b.len - off < 65536 ? b.len - off : 65536;
		ev = vty_rep_feed(&p, b.s + off, n, &used);
		off += used;
	}
	assert_int_equal(ev, VTY_REP_DONE);
	assert_int_equal(p.text.len, len);
	assert_memory_equal(p.text.s, text, len);
	free(text);
	vty_rep_fini(&p);
	strbuf_free(&b);
}

static void test_reply_missing_trailer(void **state)
{
	struct vty_rep p;
	size_t used;

	(void)state;
	vty_rep_init(&p);
	assert_int_equal(vty_rep_feed(&p, "abc", 3, &used), VTY_REP_NEED_MORE);
	assert_int_equal(vty_rep_feed(&p, "\0\0\0", 3, &used),
			 VTY_REP_NEED_MORE);
	assert_int_equal(used, 3);
	assert_false(p.done);
	assert_int_equal(vty_rep_feed(&p, "\4", 1, &used), VTY_REP_DONE);
	assert_int_equal(p.status, CMD_ERR_INCOMPLETE);
	assert_string_equal(strbuf_str(&p.text), "abc");
	vty_rep_fini(&p);
}

static void test_reply_errors(void **state)
{
	size_t max = VTY_REP_MAX_OUTPUT, used;
	char *big = make_line(max, 'q');
	struct vty_rep p;

	(void)state;
	vty_rep_init(&p);
	/* Exactly the cap is fine. */
	assert_int_equal(vty_rep_feed(&p, big, max, &used), VTY_REP_NEED_MORE);
	assert_int_equal(vty_rep_feed(&p, "\0\0\0\0", 4, &used),
			 VTY_REP_DONE);
	assert_int_equal(p.text.len, max);
	/* One more byte is not. */
	vty_rep_reset(&p);
	assert_int_equal(vty_rep_feed(&p, big, max, &used), VTY_REP_NEED_MORE);
	assert_int_equal(vty_rep_feed(&p, "q", 1, &used), VTY_REP_ERROR);
	assert_non_null(strstr(p.error, "too large"));
	assert_int_equal(vty_rep_feed(&p, "\0\0\0\0", 4, &used),
			 VTY_REP_ERROR);
	assert_int_equal(used, 0);
	/* A NUL inside the text. */
	vty_rep_reset(&p);
	assert_int_equal(vty_rep_feed(&p, "a\0b", 3, &used), VTY_REP_ERROR);
	assert_non_null(strstr(p.error, "malformed"));
	vty_rep_fini(&p);
	free(big);
}

/* ---------------- server over a unix socket ---------------- */

struct fixture {
	char dir[32];
	char path[128];
	struct ev_loop *loop;
	struct vty_server *srv;
	int sessions;		/* live */
	int sessions_total;
};

struct session {
	struct fixture *fx;
	int commands;
};

static void *fx_session_new(void *arg)
{
	struct fixture *fx = arg;
	struct session *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->fx = fx;
	fx->sessions++;
	fx->sessions_total++;
	return s;
}

static void fx_session_free(void *session)
{
	struct session *s = session;

	s->fx->sessions--;
	free(s);
}

static char fx_filler[4096];

static int fx_exec(void *session, const char *line, struct strbuf *out)
{
	struct session *s = session;
	unsigned long n;

	s->commands++;
	if (strncmp(line, "echo ", 5) == 0) {
		strbuf_printf(out, "%s\n", line + 5);
		return CMD_SUCCESS;
	}
	if (strncmp(line, "big ", 4) == 0) {
		/* n bytes; the first one says n % 16. */
		n = strtoul(line + 4, NULL, 10);
		if (n > 0)
			strbuf_add(out, "0123456789abcdef" + n % 16, 1);
		for (n = n ? n - 1 : 0; n > 0; n -= n < 4096 ? n : 4096)
			strbuf_add(out, fx_filler, n < 4096 ? n : 4096);
		return CMD_SUCCESS;
	}
	if (strcmp(line, "count") == 0) {
		strbuf_printf(out, "%d\n", s->commands);
		return CMD_SUCCESS;
	}
	strbuf_printf(out, "%% Unknown command: %s\n", line);
	return CMD_ERR_NO_MATCH;
}

static const struct vty_server_ops fx_ops = {
	.session_new = fx_session_new,
	.exec = fx_exec,
	.session_free = fx_session_free,
};

static int fx_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_vty.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/ripd-mep.vty", fx->dir);
	memset(fx_filler, '.', sizeof(fx_filler));
	fx->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(fx->loop);
	fx->srv = vty_server_new(fx->loop, fx->path, &fx_ops, fx, err,
				 sizeof(err));
	if (!fx->srv)
		fail_msg("vty_server_new: %s", err);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	vty_server_free(fx->srv);
	/* Freed: socket removed, every session freed. */
	assert_int_equal(lstat(fx->path, &st), -1);
	assert_int_equal(fx->sessions, 0);
	ev_loop_destroy(fx->loop);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int client_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

static void client_send(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

static void client_cmd(int fd, const char *cmd)
{
	client_send(fd, cmd, strlen(cmd) + 1);
}

/* Run the loop and read the client's socket until at least min bytes
 * (at most max) came, EOF, or pump_timeout passed. Returns the byte count read
 * into buf. */
static double pump_timeout = 5;

static size_t pump_bytes(struct fixture *fx, int fd, char *buf, size_t min,
			 size_t max, bool *eof)
{
	double end = now() + pump_timeout;
	size_t got = 0;
	ssize_t n;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	*eof = false;
	while (got < min && now() < end) {
		ev_run(fx->loop, EVRUN_NOWAIT);
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		n = recv(fd, buf + got, max - got, MSG_DONTWAIT);
		if (n == 0) {
			*eof = true;
			break;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			*eof = true;
			break;
		}
		got += (size_t)n;
	}
	return got;
}

/* A test client: its socket and the bytes read ahead of the decoder. */
struct client {
	int fd;
	char buf[65536];
	size_t off, len;
};

static struct client *client_new(struct fixture *fx)
{
	struct client *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fd = client_connect(fx->path);
	return c;
}

static void client_free(struct client *c)
{
	close(c->fd);
	free(c);
}

/* Read one reply with the client decoder. Returns its status or -1. */
static int pump_reply(struct fixture *fx, struct client *c,
		      struct vty_rep *p)
{
	size_t used;
	bool eof;

	vty_rep_reset(p);
	for (;;) {
		if (c->off == c->len) {
			c->off = 0;
			c->len = pump_bytes(fx, c->fd, c->buf, 1,
					    sizeof(c->buf), &eof);
			if (c->len == 0)
				return -1;
		}
		switch (vty_rep_feed(p, c->buf + c->off, c->len - c->off,
				     &used)) {
		case VTY_REP_DONE:
			c->off += used;
			return p->status;
		case VTY_REP_ERROR:
			return -1;
		case VTY_REP_NEED_MORE:
			c->off += used;
			break;
		}
	}
}

static void pump_until_conns(struct fixture *fx, size_t n)
{
	double end = now() + 5;

	while (vty_server_connections(fx->srv) != n && now() < end) {
		ev_run(fx->loop, EVRUN_NOWAIT);
		usleep(1000);
	}
	assert_int_equal(vty_server_connections(fx->srv), n);
}

static void test_server_ping(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	char buf[16];
	bool eof;
	int fd;

	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, VTY_SERVER_MODE);

	fd = client_connect(fx->path);
	client_cmd(fd, "echo PING");
	assert_int_equal(pump_bytes(fx, fd, buf, 9, 9, &eof), 9);
	assert_memory_equal(buf, "PING\n\0\0\0\0", 9);
	/* Nothing more was sent. */
	pump_timeout = 0.2;
	assert_int_equal(pump_bytes(fx, fd, buf, 1, 1, &eof), 0);
	pump_timeout = 5;
	assert_int_equal(vty_server_connections(fx->srv), 1);
	assert_int_equal(fx->sessions, 1);
	close(fd);
	pump_until_conns(fx, 0);
	assert_int_equal(fx->sessions, 0);
}

static void test_server_two_clients(void **state)
{
	struct fixture *fx = *state;
	struct vty_rep p;
	struct client *a, *b;

	vty_rep_init(&p);
	a = client_new(fx);
	b = client_new(fx);
	client_cmd(a->fd, "echo from a");
	client_cmd(b->fd, "echo from b");
	client_cmd(b->fd, "bogus");
	assert_int_equal(pump_reply(fx, b, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "from b\n");
	assert_int_equal(pump_reply(fx, b, &p), CMD_ERR_NO_MATCH);
	assert_string_equal(strbuf_str(&p.text), "% Unknown command: bogus\n");
	assert_int_equal(pump_reply(fx, a, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "from a\n");
	/* Separate sessions. */
	client_cmd(a->fd, "count");
	assert_int_equal(pump_reply(fx, a, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "2\n");
	client_cmd(b->fd, "count");
	assert_int_equal(pump_reply(fx, b, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "3\n");
	assert_int_equal(vty_server_connections(fx->srv), 2);
	assert_int_equal(fx->sessions, 2);
	client_free(a);
	pump_until_conns(fx, 1);
	client_cmd(b->fd, "echo still here");
	assert_int_equal(pump_reply(fx, b, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "still here\n");
	client_free(b);
	pump_until_conns(fx, 0);
	vty_rep_fini(&p);
}

static void test_server_abrupt(void **state)
{
	struct fixture *fx = *state;
	int a, b, c;

	/* Mid-line. */
	a = client_connect(fx->path);
	client_send(a, "echo PI", 7);
	/* Asks for 8 MB and leaves without reading. */
	b = client_connect(fx->path);
	client_cmd(b, "big 8000000");
	/* Connects and leaves at once. */
	c = client_connect(fx->path);
	pump_until_conns(fx, 3);
	close(a);
	close(c);
	pump_until_conns(fx, 1);
	close(b);
	pump_until_conns(fx, 0);
	assert_int_equal(fx->sessions, 0);
	assert_int_equal(fx->sessions_total, 3);
}

static void test_server_too_long(void **state)
{
	struct fixture *fx = *state;
	struct vty_rep p;
	char *lng = make_line(CMD_MAX_LINE + 10, 'l');
	struct client *c;

	vty_rep_init(&p);
	c = client_new(fx);
	client_send(c->fd, lng, CMD_MAX_LINE + 11);
	client_send(c->fd, "ping\x01", 6);
	client_cmd(c->fd, "echo ok");
	assert_int_equal(pump_reply(fx, c, &p), CMD_WARNING);
	assert_string_equal(strbuf_str(&p.text), VTY_REQ_TOO_LONG_MSG);
	assert_int_equal(pump_reply(fx, c, &p), CMD_WARNING);
	assert_string_equal(strbuf_str(&p.text),
			    "% invalid character 0x01 in command\n");
	assert_int_equal(pump_reply(fx, c, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "ok\n");
	client_free(c);
	pump_until_conns(fx, 0);
	vty_rep_fini(&p);
	free(lng);
}

static void test_server_half_close(void **state)
{
	struct fixture *fx = *state;
	char buf[64];
	bool eof;
	int fd;

	fd = client_connect(fx->path);
	client_send(fd, "echo A\0echo B\0", 14);
	shutdown(fd, SHUT_WR);
	assert_int_equal(pump_bytes(fx, fd, buf, sizeof(buf), sizeof(buf),
				    &eof),
			 12);
	assert_true(eof);
	assert_memory_equal(buf, "A\n\0\0\0\0B\n\0\0\0\0", 12);
	close(fd);
	pump_until_conns(fx, 0);
}

/* A client that pipelines many big requests (more than the output cap in
 * total) and reads late still gets every reply, intact and in order: flow
 * control, not disconnection. */
static void test_server_slow_reader(void **state)
{
	struct fixture *fx = *state;
	const size_t big = 1000000;
	struct vty_rep p;
	struct client *c;
	int i;

	vty_rep_init(&p);
	c = client_new(fx);
	for (i = 0; i < 40; i++)
		client_cmd(c->fd, "big 1000000");
	client_cmd(c->fd, "count");
	for (i = 0; i < 200; i++) {
		ev_run(fx->loop, EVRUN_NOWAIT);
		usleep(500);
	}
	assert_int_equal(vty_server_connections(fx->srv), 1);
	for (i = 0; i < 40; i++) {
		assert_int_equal(pump_reply(fx, c, &p), CMD_SUCCESS);
		assert_int_equal(p.text.len, big);
		assert_int_equal(p.text.s[0], "0123456789abcdef"[big % 16]);
	}
	assert_int_equal(pump_reply(fx, c, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "41\n");
	client_free(c);
	pump_until_conns(fx, 0);
	vty_rep_fini(&p);
}

/* One reply larger than the per-connection cap: the client is dropped,
 * the server and other clients go on. */
static void test_server_output_cap(void **state)
{
	struct fixture *fx = *state;
	struct vty_rep p;
	struct client *c, *d;
	char cmd[32];

	vty_rep_init(&p);
	c = client_new(fx);
	d = client_new(fx);
	snprintf(cmd, sizeof(cmd), "big %u", VTY_SERVER_MAX_PENDING);
	client_cmd(c->fd, cmd);
	assert_int_equal(pump_reply(fx, c, &p), -1);
	pump_until_conns(fx, 1);
	client_cmd(d->fd, "echo alive");
	assert_int_equal(pump_reply(fx, d, &p), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&p.text), "alive\n");
	client_free(c);
	client_free(d);
	pump_until_conns(fx, 0);
	vty_rep_fini(&p);
}

static void test_server_paths(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sa;
	struct vty_server *s2;
	char err[256], other[sizeof(sa.sun_path)], longpath[200];
	int fd;

	/* A live server on the path is not clobbered. */
	s2 = vty_server_new(fx->loop, fx->path, &fx_ops, fx, err, sizeof(err));
	assert_null(s2);
	assert_non_null(strstr(err, "another process"));

	/* A regular file is not removed. */
	snprintf(other, sizeof(other), "%s/file", fx->dir);
	fd = open(other, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	s2 = vty_server_new(fx->loop, other, &fx_ops, fx, err, sizeof(err));
	assert_null(s2);
	assert_non_null(strstr(err, "not a socket"));
	unlink(other);

	/* A stale socket (nobody listening) is replaced. */
	snprintf(other, sizeof(other), "%s/stale.vty", fx->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", other);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	s2 = vty_server_new(fx->loop, other, &fx_ops, fx, err, sizeof(err));
	if (!s2)
		fail_msg("stale socket: %s", err);
	fd = client_connect(other);
	close(fd);
	vty_server_free(s2);
	assert_int_equal(access(other, F_OK), -1);

	/* Too long a path. */
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	s2 = vty_server_new(fx->loop, longpath, &fx_ops, fx, err, sizeof(err));
	assert_null(s2);
	assert_non_null(strstr(err, "longer than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_byte_by_byte),
		cmocka_unit_test(test_req_multiple_lines),
		cmocka_unit_test(test_req_limit),
		cmocka_unit_test(test_req_huge_unterminated),
		cmocka_unit_test(test_req_junk),
		cmocka_unit_test(test_reply_encode),
		cmocka_unit_test(test_reply_split_everywhere),
		cmocka_unit_test(test_reply_back_to_back),
		cmocka_unit_test(test_reply_large),
		cmocka_unit_test(test_reply_missing_trailer),
		cmocka_unit_test(test_reply_errors),
		cmocka_unit_test_setup_teardown(test_server_ping, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_two_clients,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_abrupt, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_too_long, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_half_close,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_slow_reader,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_output_cap,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_paths, fx_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
