/* vty_server: FRR vty socket server on libev. Owns the listening socket
 * (creation, permissions, stale-socket removal, unlink on exit) and every
 * client connection: its input stash, request decoder, output queue,
 * watchers and idle timer, and the connection limit (refusal or eviction
 * of the longest idle session). Framing is vty_codec's; commands are the
 * caller's. */
#define _GNU_SOURCE /* accept4 */
#include "vty_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "vty_codec.h"

#define VTY_SERVER_READ_CHUNK 4096
#define VTY_SERVER_ACCEPT_BURST 16
#define VTY_SERVER_BACKLOG 32
#define VTY_SERVER_ACCEPT_RETRY 1.0	/* seconds, after EMFILE */

struct vty_conn {
	struct vty_server *srv;
	struct vty_conn *prev, *next;
	int fd;
	ev_io rio;
	ev_io wio;
	ev_timer idle;		/* exec-timeout */
	unsigned timeout;	/* its period in seconds, 0: none */
	ev_tstamp last_active;	/* last input */
	bool used;		/* ran a command */
	void *session;
	struct vty_req req;
	/* Bytes read but not yet decoded (decoding pauses while too much
	 * output waits). */
	char in[VTY_SERVER_READ_CHUNK];
	size_t in_off, in_len;
	struct strbuf out;
	size_t out_off;
	uint64_t sent;		/* bytes of output the client took */
	uint64_t sent_at_tick;	/* sent at the last idle check */
	bool eof;
};

struct vty_server {
	struct ev_loop *loop;
	char *path;
	dev_t dev;
	ino_t ino;
	int fd;
	ev_io accept_io;
	ev_timer accept_retry;
	struct vty_server_ops ops;
	void *arg;
	struct vty_conn *conns;
	size_t nconns;
	size_t max_conns;
	unsigned idle_timeout;
	struct strbuf scratch;	/* output of the command being run */
};

static void vty_server_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void vty_server_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- connections ---- */

static size_t vty_conn_pending(const struct vty_conn *c)
{
	return c->out.len - c->out_off;
}

static void vty_conn_close(struct vty_conn *c, const char *why)
{
	struct vty_server *s = c->srv;

	log_debug(LOG_DEBUG_VTY, "vty: connection fd %d closed: %s", c->fd,
		  why);
	ev_io_stop(s->loop, &c->rio);
	ev_io_stop(s->loop, &c->wio);
	ev_timer_stop(s->loop, &c->idle);
	close(c->fd);
	if (s->ops.session_free && c->session)
		s->ops.session_free(c->session);
	vty_req_fini(&c->req);
	strbuf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	free(c);
}

/* Write what we can. Returns -1 if the connection was closed. */
static int vty_conn_flush(struct vty_conn *c)
{
	struct vty_server *s = c->srv;
	ssize_t n;

	while (vty_conn_pending(c) > 0) {
		n = send(c->fd, c->out.s + c->out_off, vty_conn_pending(c),
			 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			vty_conn_close(c, strerror(errno));
			return -1;
		}
		c->out_off += (size_t)n;
		c->sent += (uint64_t)n;
	}
	if (vty_conn_pending(c) == 0) {
		strbuf_reset(&c->out);
		c->out_off = 0;
		ev_io_stop(s->loop, &c->wio);
	} else {
		/* Keep the queue compact while a slow reader catches up. */
		if (c->out_off > VTY_SERVER_HIGH_WATER) {
			memmove(c->out.s, c->out.s + c->out_off,
				vty_conn_pending(c));
			c->out.len -= c->out_off;
			c->out.s[c->out.len] = '\0';
			c->out_off = 0;
		}
		ev_io_start(s->loop, &c->wio);
	}
	return 0;
}

/* Queue one reply. Returns -1 if the connection was closed. */
static int vty_conn_reply(struct vty_conn *c, const char *text, size_t len,
			  int status)
{
	if (len > VTY_SERVER_MAX_PENDING - 4 ||
	    vty_conn_pending(c) > VTY_SERVER_MAX_PENDING - len - 4) {
		log_warn("vty: client fd %d does not read its output, closing",
			 c->fd);
		vty_conn_close(c, "output queue full");
		return -1;
	}
	vty_reply_encode(&c->out, text, len, status);
	return 0;
}

/* (Re)arm the idle timer for timeout seconds from the last input. */
static void vty_conn_set_timeout(struct vty_conn *c, unsigned timeout)
{
	struct ev_loop *loop = c->srv->loop;
	ev_tstamp left;

	c->timeout = timeout;
	ev_timer_stop(loop, &c->idle);
	if (!timeout)
		return;
	left = c->last_active + timeout - ev_now(loop);
	ev_timer_set(&c->idle, left > 0 ? left : 0., 0.);
	ev_timer_start(loop, &c->idle);
}

/* Queue one unsolicited line (framed as a CMD_WARNING reply), send what
 * the socket takes and close. */
static void vty_conn_say_and_close(struct vty_conn *c, const char *msg,
				   const char *why)
{
	if (vty_conn_reply(c, msg, strlen(msg), CMD_WARNING) < 0)
		return;
	if (vty_conn_flush(c) < 0)
		return;
	vty_conn_close(c, why);
}

static void vty_conn_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vty_conn *c = w->data;
	char msg[128];

	(void)revents;
	if (vty_conn_pending(c) > 0 && c->sent != c->sent_at_tick) {
		/* still reading a long answer: not idle */
		c->sent_at_tick = c->sent;
		c->last_active = ev_now(loop);
		vty_conn_set_timeout(c, c->timeout);
		return;
	}
	if (vty_conn_pending(c) > 0) {
		/* took nothing of its answer for a whole timeout: a client
		 * that never reads must not hold its output for ever */
		log_info("vty: closing connection fd %d: read none of its "
			 "output for %u s (exec-timeout)",
			 c->fd, c->timeout);
		vty_conn_close(c, "exec-timeout");
		return;
	}
	log_info("vty: closing connection fd %d: idle for %u s (exec-timeout)",
		 c->fd, c->timeout);
	snprintf(msg, sizeof(msg), VTY_SERVER_TIMEOUT_MSG, c->timeout);
	vty_conn_say_and_close(c, msg, "exec-timeout");
}

static int vty_conn_exec(struct vty_conn *c, const char *line)
{
	struct vty_server *s = c->srv;
	int status;

	strbuf_reset(&s->scratch);
	log_debug(LOG_DEBUG_VTY, "vty: fd %d: %s", c->fd, line);
	status = s->ops.exec(c->session, line, &s->scratch);
	c->used = true;
	if (s->ops.session_timeout) {
		long t = s->ops.session_timeout(c->session);

		vty_conn_set_timeout(c, t < 0 ? s->idle_timeout : (unsigned)t);
	}
	return vty_conn_reply(c, s->scratch.s ? s->scratch.s : "",
			      s->scratch.len, status);
}

/* Decode and run the stashed input while the output queue is short,
 * then decide whether to read more, wait, or close. Returns -1 if the
 * connection was closed. */
static int vty_conn_process(struct vty_conn *c)
{
	struct vty_server *s = c->srv;
	char msg[64];
	const char *line;
	size_t used;
	int bad, rc = 0;

	while (c->in_off < c->in_len &&
	       vty_conn_pending(c) <= VTY_SERVER_HIGH_WATER) {
		enum vty_req_event ev;

		ev = vty_req_feed(&c->req, c->in + c->in_off,
				  c->in_len - c->in_off, &used, &line, &bad);
		c->in_off += used;
		switch (ev) {
		case VTY_REQ_LINE:
			rc = vty_conn_exec(c, line);
			break;
		case VTY_REQ_TOO_LONG:
			rc = vty_conn_reply(c, VTY_REQ_TOO_LONG_MSG,
					    strlen(VTY_REQ_TOO_LONG_MSG),
					    CMD_WARNING);
			break;
		case VTY_REQ_BAD_CHAR:
			snprintf(msg, sizeof(msg),
				 "%% invalid character 0x%02x in command\n",
				 bad);
			rc = vty_conn_reply(c, msg, strlen(msg), CMD_WARNING);
			break;
		case VTY_REQ_NEED_MORE:
			break;
		}
		if (rc < 0)
			return -1;
	}
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;

	if (vty_conn_flush(c) < 0)
		return -1;

	if (c->in_len == 0 && !c->eof)
		ev_io_start(s->loop, &c->rio);
	else
		ev_io_stop(s->loop, &c->rio);

	if (c->eof && c->in_len == 0 && vty_conn_pending(c) == 0) {
		vty_conn_close(c, vty_req_pending(&c->req)
					  ? "EOF inside a command line"
					  : "EOF");
		return -1;
	}
	return 0;
}

static void vty_conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vty_conn *c = w->data;
	ssize_t n;

	(void)revents;
	if (c->in_len > 0) {
		/* Not expected: reading is paused while the stash is full. */
		ev_io_stop(c->srv->loop, &c->rio);
		return;
	}
	n = recv(c->fd, c->in, sizeof(c->in), 0);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		vty_conn_close(c, strerror(errno));
		return;
	}
	if (n == 0)
		c->eof = true;
	else if (c->timeout) {
		c->last_active = ev_now(loop);
		vty_conn_set_timeout(c, c->timeout);
	} else {
		c->last_active = ev_now(loop);
	}
	c->in_off = 0;
	c->in_len = (size_t)n;
	vty_conn_process(c);
}

static void vty_conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vty_conn *c = w->data;

	(void)loop;
	(void)revents;
	if (vty_conn_flush(c) < 0)
		return;
	if (vty_conn_pending(c) <= VTY_SERVER_HIGH_WATER)
		vty_conn_process(c);
}

/* The session to replace when the limit is reached, among those idle for
 * at least VTY_SERVER_EVICT_IDLE: never used ones first, then the least
 * recently active. NULL when every session was active within that time
 * (a client that connects and stays silent cannot shield the others by
 * being the "never used" one: it only counts once it is idle too). */
static struct vty_conn *vty_server_idlest(struct vty_server *s)
{
	struct vty_conn *best = NULL;
	ev_tstamp now = ev_now(s->loop);

	for (struct vty_conn *c = s->conns; c; c = c->next) {
		if (now - c->last_active < VTY_SERVER_EVICT_IDLE)
			continue;
		if (!best || (!c->used && best->used) ||
		    (c->used == best->used &&
		     c->last_active < best->last_active))
			best = c;
	}
	return best;
}

/* Tell a client over the limit why, best effort, and close it. */
static void vty_server_refuse(struct vty_server *s, int fd)
{
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60);
	struct strbuf out = STRBUF_INIT;
	char msg[128];
	ssize_t n;

	snprintf(msg, sizeof(msg), VTY_SERVER_FULL_MSG, s->max_conns);
	vty_reply_encode(&out, msg, strlen(msg), CMD_WARNING);
	n = send(fd, out.s, out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
	strbuf_free(&out);
	close(fd);
	log_ratelimited(&rl, "full", LOG_WARNING,
			"vty: %zu sessions open (the limit), all active: "
			"refusing a new one",
			s->max_conns);
}

static void vty_server_add_conn(struct vty_server *s, int fd)
{
	struct vty_conn *c;

	if (s->nconns >= s->max_conns) {
		struct vty_conn *v = vty_server_idlest(s);
		char msg[160];

		if (!v) {
			vty_server_refuse(s, fd);
			return;
		}
		log_info("vty: limit of %zu sessions reached: closing fd %d, "
			 "idle for %.0f s%s",
			 s->max_conns, v->fd, ev_now(s->loop) - v->last_active,
			 v->used ? "" : " (never ran a command)");
		snprintf(msg, sizeof(msg), VTY_SERVER_EVICTED_MSG,
			 s->max_conns);
		vty_conn_say_and_close(v, msg, "evicted");
		if (s->nconns >= s->max_conns) {
			/* say_and_close failed to close? cannot happen */
			vty_server_refuse(s, fd);
			return;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_err("vty: out of memory for a connection");
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	vty_req_init(&c->req);
	if (s->ops.session_new) {
		c->session = s->ops.session_new(s->arg);
		if (!c->session) {
			log_warn("vty: session refused");
			vty_req_fini(&c->req);
			close(fd);
			free(c);
			return;
		}
	} else {
		c->session = s->arg;
	}
	ev_io_init(&c->rio, vty_conn_read_cb, fd, EV_READ);
	c->rio.data = c;
	ev_io_init(&c->wio, vty_conn_write_cb, fd, EV_WRITE);
	c->wio.data = c;
	ev_timer_init(&c->idle, vty_conn_idle_cb, 0., 0.);
	c->idle.data = c;
	c->last_active = ev_now(s->loop);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	ev_io_start(s->loop, &c->rio);
	vty_conn_set_timeout(c, s->idle_timeout);
	log_debug(LOG_DEBUG_VTY, "vty: new connection fd %d", fd);
}

static void vty_server_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vty_server *s = w->data;
	int i, fd;

	(void)revents;
	for (i = 0; i < VTY_SERVER_ACCEPT_BURST; i++) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_err("vty: accept: %s; pausing",
					strerror(errno));
				ev_io_stop(loop, &s->accept_io);
				ev_timer_set(&s->accept_retry,
					     VTY_SERVER_ACCEPT_RETRY, 0.);
				ev_timer_start(loop, &s->accept_retry);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_err("vty: accept: %s", strerror(errno));
			}
			return;
		}
		vty_server_add_conn(s, fd);
	}
}

static void vty_server_retry_cb(struct ev_loop *loop, ev_timer *w,
				int revents)
{
	struct vty_server *s = w->data;

	(void)revents;
	ev_io_start(loop, &s->accept_io);
}

/* ---- listening socket ---- */

/* Remove a stale socket at path. Returns 0 when path is free now. */
static int vty_server_clear_path(const char *path,
				 const struct sockaddr_un *sa, char *err,
				 size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		vty_server_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		vty_server_err(err, errlen, "%s exists and is not a socket",
			       path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		vty_server_err(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		vty_server_err(err, errlen,
			       "%s: another process is listening there",
			       path);
		return -1;
	}
	if (errno != ECONNREFUSED && errno != ENOENT) {
		vty_server_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		vty_server_err(err, errlen, "cannot remove stale %s: %s", path,
			       strerror(errno));
		return -1;
	}
	return 0;
}

static int vty_server_listen(struct vty_server *s, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct group *gr;
	struct stat st;
	size_t len = strlen(s->path);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sa.sun_path)) {
		vty_server_err(err, errlen,
			       "socket path '%s' is empty or longer than %zu bytes",
			       s->path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, s->path, len + 1);
	if (vty_server_clear_path(s->path, &sa, err, errlen) < 0)
		return -1;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (s->fd < 0) {
		vty_server_err(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		vty_server_err(err, errlen, "bind %s: %s", s->path,
			       strerror(errno));
		return -1;
	}
	if (stat(s->path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	if (chmod(s->path, VTY_SERVER_MODE) < 0) {
		vty_server_err(err, errlen, "chmod %s: %s", s->path,
			       strerror(errno));
		unlink(s->path);
		return -1;
	}
	gr = getgrnam(VTY_SERVER_GROUP);
	if (gr && chown(s->path, (uid_t)-1, gr->gr_gid) < 0)
		log_warn("vty: cannot give %s to group %s: %s", s->path,
			 VTY_SERVER_GROUP, strerror(errno));
	if (listen(s->fd, VTY_SERVER_BACKLOG) < 0) {
		vty_server_err(err, errlen, "listen %s: %s", s->path,
			       strerror(errno));
		unlink(s->path);
		return -1;
	}
	return 0;
}

struct vty_server *vty_server_new(struct ev_loop *loop, const char *path,
				  const struct vty_server_ops *ops, void *arg,
				  char *err, size_t errlen)
{
	struct vty_server *s;

	if (!loop || !path || !ops || !ops->exec) {
		vty_server_err(err, errlen, "vty_server_new: bad arguments");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		vty_server_err(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->ops = *ops;
	s->arg = arg;
	s->fd = -1;
	s->max_conns = VTY_SERVER_MAX_CONNS;
	s->idle_timeout = VTY_SERVER_IDLE_TIMEOUT;
	if (vty_server_listen(s, err, errlen) < 0) {
		if (s->fd >= 0)
			close(s->fd);
		free(s->path);
		free(s);
		return NULL;
	}
	ev_io_init(&s->accept_io, vty_server_accept_cb, s->fd, EV_READ);
	s->accept_io.data = s;
	ev_timer_init(&s->accept_retry, vty_server_retry_cb,
		      VTY_SERVER_ACCEPT_RETRY, 0.);
	s->accept_retry.data = s;
	ev_io_start(loop, &s->accept_io);
	return s;
}

void vty_server_free(struct vty_server *s)
{
	struct stat st;

	if (!s)
		return;
	while (s->conns)
		vty_conn_close(s->conns, "server shut down");
	ev_io_stop(s->loop, &s->accept_io);
	ev_timer_stop(s->loop, &s->accept_retry);
	close(s->fd);
	/* Only remove the socket if it is still ours (not a successor's). */
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->path);
	strbuf_free(&s->scratch);
	free(s->path);
	free(s);
}

void vty_server_set_limits(struct vty_server *s, size_t max_conns,
			   unsigned idle_timeout_s)
{
	s->max_conns = max_conns ? max_conns : 1;
	s->idle_timeout = idle_timeout_s;
}

size_t vty_server_connections(const struct vty_server *s)
{
	return s ? s->nconns : 0;
}
