/* vty_server: the daemon's end of FRR's vty socket (libev). Owns the
 * listening unix socket, the accepted connections, their request
 * decoders and output queues; the commands themselves are run by the
 * caller's callbacks (struct vty_server_ops).
 *
 * Per connection: every complete request line is passed to ops->exec,
 * whose output and status are sent back framed by vty_codec. A line
 * longer than CMD_MAX_LINE is answered with VTY_REQ_TOO_LONG_MSG and
 * CMD_WARNING; a line holding control bytes with "% invalid character"
 * and CMD_WARNING; the connection stays usable. Writes are non-blocking
 * with a per-connection output queue: input is not read while more than
 * VTY_SERVER_HIGH_WATER bytes wait, and a client whose queue would
 * exceed VTY_SERVER_MAX_PENDING is disconnected. On EOF the queued
 * replies are still flushed, then the connection is closed.
 *
 * Prompt convention (for mepsh): after each interactive line mepsh sends
 * the internal command "_node"; the daemon's exec answers with the name
 * of the session's current CLI node and CMD_SUCCESS, e.g. "exec" (top
 * level; "" is taken as the same), "config", "config-mep",
 * "config-mep-gateway", "config-mep-community", "config-mep-rim". A
 * trailing newline is allowed. mepsh shows "HOST# " at the top level and
 * "HOST(NODE)# " elsewhere, and treats `exit`/`quit` at the top level
 * itself. A daemon that does not know "_node" just gets "HOST# ".
 *
 * watchfrr's health check sends "echo PING" and expects "PING\n" and
 * status 0: exec must implement `echo` (nothing special here).
 *
 * Staying reachable (idle clients must not lock the operators out):
 *  - exec-timeout: a connection that sends nothing for its idle timeout
 *    (server default vty_server_set_limits(), 0 = none; a session may
 *    ask for its own through ops->session_timeout) gets the one line
 *    VTY_SERVER_TIMEOUT_MSG and is closed;
 *  - connection limit: when max connections are open, a new client
 *    replaces the longest idle one (sessions that never ran a command
 *    go first, then the least recently active), provided that one has
 *    been idle for VTY_SERVER_EVICT_IDLE seconds; the replaced client
 *    gets VTY_SERVER_EVICTED_MSG. Otherwise (every session active within
 *    that second) the new client gets VTY_SERVER_FULL_MSG and is closed.
 *  These unsolicited lines are framed as replies with CMD_WARNING, so
 *  vtysh/mepsh print them as the answer to their next command. */
#ifndef FRR_PLUGIN_VTY_SERVER_H
#define FRR_PLUGIN_VTY_SERVER_H

#include <ev.h>
#include <stddef.h>

#include "strbuf.h"

#define VTY_SERVER_NODE_CMD "_node"
#define VTY_SERVER_GROUP "frrvty"
#define VTY_SERVER_MODE 0770
#define VTY_SERVER_MAX_CONNS 32		/* default limit */
#define VTY_SERVER_IDLE_TIMEOUT 600	/* seconds, FRR's exec-timeout */
#define VTY_SERVER_EVICT_IDLE 1.0	/* seconds */
#define VTY_SERVER_FULL_MSG "%% Too many vty sessions (limit %zu), try later\n"
#define VTY_SERVER_EVICTED_MSG \
	"%% vty session closed: the limit of %zu sessions was reached and " \
	"this one was idle longest\n"
#define VTY_SERVER_TIMEOUT_MSG \
	"%% Vty connection is timed out (idle for %u s, exec-timeout).\n"
#define VTY_SERVER_HIGH_WATER (1024u * 1024)
#define VTY_SERVER_MAX_PENDING (32u * 1024 * 1024)

struct vty_server_ops {
	/* Called per accepted connection with the arg given to
	 * vty_server_new(); returns the session handed to exec. NULL
	 * refuses the connection. May itself be NULL (session = arg). */
	void *(*session_new)(void *arg);
	/* Run one command line (NUL-terminated, at most CMD_MAX_LINE
	 * bytes); append the output to out; return a cmd_status. */
	int (*exec)(void *session, const char *line, struct strbuf *out);
	/* Called once when the connection is gone. May be NULL. */
	void (*session_free)(void *session);
	/* Called after each exec: the idle timeout the session asks for, in
	 * seconds (0: none), or -1 for the server's. May be NULL. */
	long (*session_timeout)(void *session);
};

struct vty_server;

/* Listen on path: an existing socket there is removed first unless a
 * server still answers on it; a file that is not a socket is an error.
 * The socket gets mode VTY_SERVER_MODE and group VTY_SERVER_GROUP when
 * that group exists. ops is copied; arg is the caller's. Returns NULL with
 * a message in err (errlen bytes, may be 0) on failure. */
struct vty_server *vty_server_new(struct ev_loop *loop, const char *path,
				  const struct vty_server_ops *ops, void *arg,
				  char *err, size_t errlen);

/* Stop all watchers, close every connection (session_free for each),
 * close and unlink the socket, free s. NULL is fine. */
void vty_server_free(struct vty_server *s);

/* Connection limit (>= 1; default VTY_SERVER_MAX_CONNS) and default
 * idle timeout in seconds (0: none; default VTY_SERVER_IDLE_TIMEOUT).
 * Applies to connections accepted afterwards. */
void vty_server_set_limits(struct vty_server *s, size_t max_conns,
			   unsigned idle_timeout_s);

/* Number of open client connections (for tests and `show`). */
size_t vty_server_connections(const struct vty_server *s);

#endif
