/* vici_session: VICI client on the libev loop (socket, queue, events,
 * resync, reconnect). See vici_session.h. */
#include "vici_session.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "vici_sa.h"
#include "backoff.h"

enum vici_req_kind {
	VICI_REQ_REGISTER,	/* EVENT_REGISTER, answered by EVENT_CONFIRM */
	VICI_REQ_RESYNC,	/* list-sas */
	VICI_REQ_COMMAND,	/* user command */
};

struct vici_req {
	struct vici_req *next;
	enum vici_req_kind kind;
	char name[VICI_NAME_MAX + 1];
	uint8_t *frame;
	size_t len;
	vici_reply_cb cb;
	void *cb_arg;
};

struct vici_session {
	struct ev_loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vici_session_cbs cbs;
	void *arg;

	int fd;
	ev_io rio, wio;
	ev_timer retry;
	struct log_ratelimit retry_log;	/* the reconnect line */
	ev_timer settle;	/* resync after child rekeys settled */
	double settle_time;
	struct backoff backoff;
	unsigned int connects;
	unsigned int epoch;	/* bumped at every close */

	struct vici_splitter in;
	struct vici_req *head, *tail;	/* head is in flight when sent */
	bool head_sent;
	size_t out_off;		/* bytes of head's frame written */
	unsigned int registers_left;
	bool resync_queued;
	bool commands;		/* a command session (no SA tracking) */
	struct vici_sa_result sa;
};

static const char *const vici_session_events[] = {
	"ike-updown", "child-updown", "ike-rekey", "child-rekey", "list-sa",
};

/* What a command session registers for: the streamed list answers. */
static const char *const vici_session_command_events[] = {
	"list-sa", "list-conn",
};

static void vici_session_connect(struct vici_session *s);

/* ---- queue */

static void vici_req_free(struct vici_req *r)
{
	free(r->frame);
	free(r);
}

static void vici_session_pop(struct vici_session *s)
{
	struct vici_req *r = s->head;

	s->head = r->next;
	if (!s->head)
		s->tail = NULL;
	s->head_sent = false;
	s->out_off = 0;
	vici_req_free(r);
}

/* Fail every queued request (their callbacks get NULL). */
static void vici_session_flush(struct vici_session *s)
{
	struct vici_req *r;

	while ((r = s->head)) {
		s->head = r->next;
		if (r->cb)
			r->cb(r->cb_arg, NULL);
		vici_req_free(r);
	}
	s->tail = NULL;
	s->head_sent = false;
	s->out_off = 0;
	s->resync_queued = false;
}

static void vici_session_kick(struct vici_session *s)
{
	if (s->fd >= 0 && s->head && !s->head_sent &&
	    !ev_is_active(&s->wio))
		ev_io_start(s->loop, &s->wio);
}

static int vici_session_enqueue(struct vici_session *s, enum vici_req_kind kind,
				enum vici_op op, const char *name,
				const struct vici_builder *body,
				vici_reply_cb cb, void *cb_arg)
{
	char err[VICI_ERR_MAX];
	struct vici_req *r = calloc(1, sizeof(*r));

	if (!r) {
		log_err("vici: out of memory queueing '%s'", name);
		return -1;
	}
	if (vici_encode(op, name, body, &r->frame, &r->len, err) < 0) {
		log_err("vici: cannot encode '%.64s': %s", name, err);
		free(r);
		return -1;
	}
	r->kind = kind;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->cb = cb;
	r->cb_arg = cb_arg;
	if (s->tail)
		s->tail->next = r;
	else
		s->head = r;
	s->tail = r;
	vici_session_kick(s);
	return 0;
}

/* ---- connection life */

static void vici_session_close(struct vici_session *s, const char *reason)
{
	bool was_connected = s->fd >= 0;

	if (s->fd >= 0) {
		ev_io_stop(s->loop, &s->rio);
		ev_io_stop(s->loop, &s->wio);
		close(s->fd);
		s->fd = -1;
	}
	s->epoch++;
	vici_splitter_free(&s->in);
	vici_splitter_init(&s->in);
	s->registers_left = 0;
	vici_session_flush(s);
	/* every few seconds while charon is away: one line a minute, with
	 * the count; a new reason is logged at once */
	ev_timer_stop(s->loop, &s->settle);
	ev_timer_stop(s->loop, &s->retry);
	if (s->commands) {
		/* reconnected by the next command */
		log_warn("vici: %s (commands): %s", s->path, reason);
	} else {
		log_ratelimited(&s->retry_log, reason, LOG_WARNING,
				"vici: %s: %s; reconnecting in %g s", s->path,
				reason, s->backoff.cur);
		ev_timer_set(&s->retry, backoff_next(&s->backoff), 0.);
		ev_timer_start(s->loop, &s->retry);
	}
	if (was_connected && s->cbs.on_disconnect)
		s->cbs.on_disconnect(s->arg, reason);
}

static void vici_session_notes(struct vici_session *s)
{
	char *line, *nl;

	if (!s->sa.notes.len)
		return;
	for (line = s->sa.notes.s; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (s->cbs.on_note)
			s->cbs.on_note(s->arg, line);
		else
			log_warn("vici: %s", line);
	}
}

/* Deliver the actions of one event; returns false when the session was
 * closed meanwhile. */
static bool vici_session_apply(struct vici_session *s)
{
	unsigned int epoch = s->epoch;
	struct vici_sa_action *a;
	size_t i;

	vici_session_notes(s);
	for (i = 0; i < s->sa.n && epoch == s->epoch; i++) {
		a = &s->sa.v[i];
		switch (a->kind) {
		case VICI_SA_UPSERT:
			if (s->cbs.on_upsert)
				s->cbs.on_upsert(s->arg, &a->child);
			break;
		case VICI_SA_REMOVE_CHILD:
			if (s->cbs.on_remove_child)
				s->cbs.on_remove_child(s->arg, a->ike_id,
						       a->child_id);
			break;
		case VICI_SA_REMOVE_IKE:
			if (s->cbs.on_remove_ike)
				s->cbs.on_remove_ike(s->arg, a->ike_id);
			break;
		case VICI_SA_RESYNC:
			vici_session_resync(s);
			break;
		case VICI_SA_IKE_UP:
			if (s->cbs.on_ike_up)
				s->cbs.on_ike_up(s->arg, &a->child);
			break;
		}
	}
	return epoch == s->epoch;
}

static void vici_session_event(struct vici_session *s,
			       const struct vici_msg *m)
{
	char err[VICI_ERR_MAX];

	if (s->commands) {
		if (s->cbs.on_event)
			s->cbs.on_event(s->arg, m);
		return;
	}
	if (!vici_sa_event_known(m->name)) {
		log_info("vici: ignoring event '%s'", m->name);
		return;
	}
	vici_sa_result_reset(&s->sa);
	if (vici_sa_translate(m->name, &m->root, &s->sa, err) < 0) {
		vici_session_close(s, err);
		return;
	}
	if (!vici_session_apply(s))
		return;
	if (strcmp(m->name, "child-rekey") == 0) {
		/* the loser of a rekey collision is deleted without an
		 * event: list again once the rekeys are over */
		ev_timer_stop(s->loop, &s->settle);
		ev_timer_set(&s->settle, s->settle_time, 0.);
		ev_timer_start(s->loop, &s->settle);
	}
}

static void vici_session_reply(struct vici_session *s,
			       const struct vici_msg *m)
{
	struct vici_req *r = s->head;
	char why[VICI_ERR_MAX + VICI_NAME_MAX];
	bool is_reg;

	if (!r || !s->head_sent || s->out_off < r->len) {
		snprintf(why, sizeof(why), "unexpected %s",
			 vici_op_name(m->op));
		vici_session_close(s, why);
		return;
	}
	is_reg = r->kind == VICI_REQ_REGISTER;
	if (m->op == VICI_EVENT_UNKNOWN || m->op == VICI_CMD_UNKNOWN) {
		snprintf(why, sizeof(why), "charon does not know %s '%s'",
			 is_reg ? "event" : "command", r->name);
		vici_session_close(s, why);
		return;
	}
	if (is_reg != (m->op == VICI_EVENT_CONFIRM)) {
		snprintf(why, sizeof(why), "%s in reply to '%s'",
			 vici_op_name(m->op), r->name);
		vici_session_close(s, why);
		return;
	}
	switch (r->kind) {
	case VICI_REQ_REGISTER:
		if (s->registers_left)
			s->registers_left--;
		vici_session_pop(s);
		break;
	case VICI_REQ_RESYNC:
		vici_session_pop(s);
		backoff_reset(&s->backoff);
		if (s->cbs.on_resync_end)
			s->cbs.on_resync_end(s->arg);
		break;
	case VICI_REQ_COMMAND:
		/* unlink first: the callback may queue more */
		s->head = r->next;
		if (!s->head)
			s->tail = NULL;
		s->head_sent = false;
		s->out_off = 0;
		if (r->cb)
			r->cb(r->cb_arg, m);
		vici_req_free(r);
		break;
	}
	vici_session_kick(s);
}

static void vici_session_frame(struct vici_session *s, const uint8_t *p,
			       size_t len)
{
	char err[VICI_ERR_MAX], why[VICI_ERR_MAX + 32];
	struct vici_msg *m;

	if (vici_msg_parse(p, len, &m, err) < 0) {
		snprintf(why, sizeof(why), "bad message: %s", err);
		vici_session_close(s, why);
		return;
	}
	switch (m->op) {
	case VICI_EVENT:
		vici_session_event(s, m);
		break;
	case VICI_CMD_RESPONSE:
	case VICI_CMD_UNKNOWN:
	case VICI_EVENT_CONFIRM:
	case VICI_EVENT_UNKNOWN:
		vici_session_reply(s, m);
		break;
	default:
		snprintf(why, sizeof(why), "unexpected %s from charon",
			 vici_op_name(m->op));
		vici_session_close(s, why);
		break;
	}
	vici_msg_free(m);
}

static void vici_session_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vici_session *s = w->data;
	unsigned int epoch = s->epoch;
	uint8_t buf[16384];
	char err[VICI_ERR_MAX], why[VICI_ERR_MAX + 32];
	const uint8_t *p;
	size_t len;
	ssize_t n;
	int rc;

	(void)loop;
	(void)revents;
	n = recv(s->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return;
	if (n <= 0) {
		snprintf(why, sizeof(why), "%s",
			 n == 0 ? "connection closed by charon"
				: strerror(errno));
		vici_session_close(s, why);
		return;
	}
	if (vici_splitter_feed(&s->in, buf, (size_t)n) < 0) {
		vici_session_close(s, "out of memory");
		return;
	}
	while (epoch == s->epoch) {
		rc = vici_splitter_next(&s->in, &p, &len, err);
		if (rc == 0)
			break;
		if (rc < 0) {
			snprintf(why, sizeof(why), "bad frame: %s", err);
			vici_session_close(s, why);
			break;
		}
		vici_session_frame(s, p, len);
	}
}

static void vici_session_on_write(struct ev_loop *loop, ev_io *w,
				  int revents)
{
	struct vici_session *s = w->data;
	struct vici_req *r = s->head;
	char why[128];
	ssize_t n;

	(void)revents;
	if (!r || (s->head_sent && s->out_off == r->len)) {
		ev_io_stop(loop, w);
		return;
	}
	if (!s->head_sent) {
		s->head_sent = true;
		s->out_off = 0;
		if (r->kind == VICI_REQ_RESYNC) {
			/* a resync asked for from now on needs a new one */
			s->resync_queued = false;
			if (s->cbs.on_resync_begin) {
				unsigned int epoch = s->epoch;

				s->cbs.on_resync_begin(s->arg);
				if (epoch != s->epoch)
					return;
			}
		}
	}
	n = send(s->fd, r->frame + s->out_off, r->len - s->out_off,
		 MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		snprintf(why, sizeof(why), "send: %s", strerror(errno));
		vici_session_close(s, why);
		return;
	}
	s->out_off += (size_t)n;
	if (s->out_off == r->len)
		ev_io_stop(loop, w);
}

/* Why we may not connect to charon's socket, and what fixes it: the
 * socket belongs to charon's user and group with mode 0770. User and
 * group names come from NSS (may block on LDAP/sssd): they are looked up
 * once per set of ids, not on every reconnect. */
static void vici_session_access_hint(const char *path, char *why, size_t len)
{
	static struct {
		bool valid;
		uid_t uid, euid;
		gid_t gid, egid;
		mode_t mode;
		char text[512];
	} cache;
	char owner[64] = "?", group[64] = "?", me[64] = "?", megrp[64] = "?";
	struct passwd *pw;
	struct group *gr;
	struct stat st;

	if (stat(path, &st) == 0 && cache.valid && cache.uid == st.st_uid &&
	    cache.gid == st.st_gid && cache.mode == st.st_mode &&
	    cache.euid == geteuid() &&
	    cache.egid == getegid()) {
		snprintf(why, len, "%s", cache.text);
		return;
	}
	if ((pw = getpwuid(geteuid())))
		snprintf(me, sizeof(me), "%s", pw->pw_name);
	if ((gr = getgrgid(getegid())))
		snprintf(megrp, sizeof(megrp), "%s", gr->gr_name);
	if (stat(path, &st) < 0) {
		snprintf(why, len,
			 "connect: permission denied (cannot stat it either: "
			 "a directory on the way is closed to %s:%s)",
			 me, megrp);
		return;
	}
	if ((pw = getpwuid(st.st_uid)))
		snprintf(owner, sizeof(owner), "%s", pw->pw_name);
	if ((gr = getgrgid(st.st_gid)))
		snprintf(group, sizeof(group), "%s", gr->gr_name);
	snprintf(why, len,
		 "connect: permission denied: the socket is %s:%s mode %04o "
		 "and ripd-mep runs as %s:%s; fix: make charon's group one "
		 "of ripd-mep's (strongswan.conf charon.group = %s, or "
		 "ripd-mep -g %s / add %s to group %s)",
		 owner, group, (unsigned)(st.st_mode & 07777), me, megrp,
		 megrp, group, me, group);
	cache.valid = true;
	cache.uid = st.st_uid;
	cache.gid = st.st_gid;
	cache.mode = st.st_mode;
	cache.euid = geteuid();
	cache.egid = getegid();
	snprintf(cache.text, sizeof(cache.text), "%s", why);
}

static void vici_session_connect(struct vici_session *s)
{
	struct sockaddr_un sa;
	const char *const *events = s->commands ? vici_session_command_events
						: vici_session_events;
	const size_t n_events =
		s->commands ? sizeof(vici_session_command_events) /
				      sizeof(vici_session_command_events[0])
			    : sizeof(vici_session_events) /
				      sizeof(vici_session_events[0]);
	char why[512];
	size_t i;

	if (s->fd >= 0)
		return;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (s->fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		vici_session_close(s, why);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->path, strlen(s->path));
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* a unix connect either works at once or fails (EAGAIN:
		 * backlog full): retry later in both failure cases */
		if (errno == EACCES)
			vici_session_access_hint(s->path, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "connect: %s",
				 strerror(errno));
		close(s->fd);
		s->fd = -1;
		vici_session_close(s, why);
		return;
	}
	s->connects++;
	ev_io_set(&s->rio, s->fd, EV_READ);
	ev_io_set(&s->wio, s->fd, EV_WRITE);
	ev_io_start(s->loop, &s->rio);
	log_notice("vici: connected to %s%s", s->path,
		   s->commands ? " (commands)" : "");
	for (i = 0; i < n_events; i++) {
		if (vici_session_enqueue(s, VICI_REQ_REGISTER,
					 VICI_EVENT_REGISTER, events[i], NULL,
					 NULL, NULL) < 0) {
			vici_session_close(s, "cannot queue the "
					      "registrations");
			return;
		}
		s->registers_left++;
	}
	if (!s->commands && vici_session_resync(s) < 0) {
		vici_session_close(s, "cannot queue list-sas");
		return;
	}
	if (s->cbs.on_connect)
		s->cbs.on_connect(s->arg);
}

static void vici_session_on_retry(struct ev_loop *loop, ev_timer *w,
				  int revents)
{
	(void)loop;
	(void)revents;
	vici_session_connect(w->data);
}

static void vici_session_on_settle(struct ev_loop *loop, ev_timer *w,
				   int revents)
{
	(void)loop;
	(void)revents;
	vici_session_resync(w->data);
}

/* ---- public */

struct vici_session *vici_session_new(struct ev_loop *loop, const char *path,
				      const struct vici_session_cbs *cbs,
				      void *arg)
{
	struct vici_session *s;

	if (!path)
		path = VICI_SESSION_DEFAULT_PATH;
	if (!*path || strlen(path) >= sizeof(s->path)) {
		log_err("vici: socket path of %zu bytes: must be 1..%zu",
			strlen(path), sizeof(s->path) - 1);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = loop;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (cbs)
		s->cbs = *cbs;
	s->arg = arg;
	s->fd = -1;
	s->retry_log.window_s = 60;
	backoff_set(&s->backoff, 0.5, 10.);
	ev_io_init(&s->rio, vici_session_on_read, -1, EV_READ);
	ev_io_init(&s->wio, vici_session_on_write, -1, EV_WRITE);
	ev_timer_init(&s->retry, vici_session_on_retry, 0., 0.);
	ev_timer_init(&s->settle, vici_session_on_settle, 0., 0.);
	s->settle_time = VICI_SESSION_REKEY_SETTLE;
	s->rio.data = s->wio.data = s->retry.data = s->settle.data = s;
	vici_splitter_init(&s->in);
	vici_sa_result_init(&s->sa);
	return s;
}

void vici_session_free(struct vici_session *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		ev_io_stop(s->loop, &s->rio);
		ev_io_stop(s->loop, &s->wio);
		close(s->fd);
	}
	ev_timer_stop(s->loop, &s->retry);
	ev_timer_stop(s->loop, &s->settle);
	vici_session_flush(s);
	vici_splitter_free(&s->in);
	vici_sa_result_free(&s->sa);
	free(s);
}

void vici_session_start(struct vici_session *s)
{
	ev_timer_stop(s->loop, &s->retry);
	vici_session_connect(s);
}

void vici_session_set_commands(struct vici_session *s)
{
	s->commands = true;
}

void vici_session_set_backoff(struct vici_session *s, double min, double max)
{
	backoff_set(&s->backoff, min, max);
}

void vici_session_set_rekey_settle(struct vici_session *s, double secs)
{
	if (secs > 0)
		s->settle_time = secs;
}

bool vici_session_up(const struct vici_session *s)
{
	return s->fd >= 0 && s->registers_left == 0;
}

bool vici_session_connected(const struct vici_session *s)
{
	return s->fd >= 0;
}

unsigned int vici_session_connects(const struct vici_session *s)
{
	return s->connects;
}

int vici_session_command(struct vici_session *s, const char *name,
			 const struct vici_builder *body, vici_reply_cb cb,
			 void *cb_arg)
{
	if (s->fd < 0) {
		log_warn("vici: not connected, '%.64s' not sent",
			 name ? name : "");
		return -1;
	}
	return vici_session_enqueue(s, VICI_REQ_COMMAND, VICI_CMD_REQUEST,
				    name, body, cb, cb_arg);
}

int vici_session_resync(struct vici_session *s)
{
	if (s->fd < 0)
		return -1;
	if (s->resync_queued)
		return 0;
	if (vici_session_enqueue(s, VICI_REQ_RESYNC, VICI_CMD_REQUEST,
				 "list-sas", NULL, NULL, NULL) < 0)
		return -1;
	s->resync_queued = true;
	return 0;
}
