/* sd_notify: systemd notification datagrams, parsing and formatting
 * (pure) and the socket. See sd_notify.h. */
#include "sd_notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sd_notify_parse_addr(const char *name, struct sockaddr_un *sa,
			 socklen_t *len)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 2 || (name[0] != '/' && name[0] != '@') ||
	    n > sizeof(sa->sun_path) - (name[0] == '/'))
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@') {
		sa->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
				   1);
	}
	return 0;
}

/* A decimal unsigned number, nothing else; -1 otherwise. */
static long long sd_number(const char *s)
{
	char *end;
	long long v;

	if (!s || !*s || strspn(s, "0123456789") != strlen(s) ||
	    strlen(s) > 18)
		return -1;
	v = strtoll(s, &end, 10);
	return v;
}

double sd_notify_watchdog_period(const char *usec, const char *pid,
				 pid_t self)
{
	long long u = sd_number(usec);

	if (u <= 0)
		return 0;
	if (pid && *pid && sd_number(pid) != (long long)self)
		return 0;
	return (double)u / 2e6;
}

int sd_notify_format(char *buf, size_t len, bool ready, const char *status,
		     bool watchdog)
{
	size_t off = 0;
	int n;

	if (!len)
		return -1;
	buf[0] = '\0';
	if (ready) {
		n = snprintf(buf + off, len - off, "READY=1\n");
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	if (status) {
		size_t start = off + strlen("STATUS=");

		n = snprintf(buf + off, len - off, "STATUS=%s\n", status);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
		for (size_t i = start; i < off - 1; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				buf[i] = ' ';
	}
	if (watchdog) {
		n = snprintf(buf + off, len - off, "WATCHDOG=1\n");
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	return (int)off;
}

int sd_notifier_open(struct sd_notifier *n, char *err, size_t errlen)
{
	const char *name = getenv("NOTIFY_SOCKET");

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (!name)
		return 0;
	if (sd_notify_parse_addr(name, &n->sa, &n->salen) < 0) {
		snprintf(err, errlen,
			 "NOTIFY_SOCKET '%s' is not an absolute path or "
			 "@abstract name of at most %zu bytes",
			 name, sizeof(n->sa.sun_path) - 1);
		return -1;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		snprintf(err, errlen, "NOTIFY_SOCKET: socket: %s",
			 strerror(errno));
		return -1;
	}
	n->watchdog_s = sd_notify_watchdog_period(getenv("WATCHDOG_USEC"),
						  getenv("WATCHDOG_PID"),
						  getpid());
	return 0;
}

int sd_notifier_send(struct sd_notifier *n, bool ready, const char *status,
		     bool watchdog)
{
	char msg[512];
	int len;

	if (n->fd < 0)
		return 0;
	len = sd_notify_format(msg, sizeof(msg), ready, status, watchdog);
	if (len < 0) {
		/* an over-long status: send it cut */
		char cut[256];

		snprintf(cut, sizeof(cut), "%s", status ? status : "");
		len = sd_notify_format(msg, sizeof(msg), ready, cut, watchdog);
		if (len < 0)
			return -1;
	}
	if (sendto(n->fd, msg, (size_t)len, MSG_NOSIGNAL,
		   (const struct sockaddr *)&n->sa, n->salen) < 0)
		return -1;
	return 0;
}

void sd_notifier_close(struct sd_notifier *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
