/* sd_notify: systemd's readiness/watchdog notification protocol, spoken
 * directly (no libsystemd): one datagram of "KEY=VALUE\n" lines sent to
 * the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" for an
 * abstract socket). The watchdog period comes from $WATCHDOG_USEC (and
 * $WATCHDOG_PID, when set, must be our pid); we ping at half of it.
 *
 * The parsing and formatting functions are pure; sd_notifier_* do the
 * I/O. Without $NOTIFY_SOCKET everything is a no-op. */
#ifndef RIPD_MEP_SD_NOTIFY_H
#define RIPD_MEP_SD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* $NOTIFY_SOCKET -> address. "@x" is the abstract name "\0x". Returns 0,
 * or -1 when name is empty, relative or too long. */
int sd_notify_parse_addr(const char *name, struct sockaddr_un *sa,
			 socklen_t *len);

/* Seconds between WATCHDOG=1 pings: half of usec ($WATCHDOG_USEC), when
 * pid ($WATCHDOG_PID; NULL or "" = any) names self. 0: no watchdog
 * (unset, malformed, zero or for another process). */
double sd_notify_watchdog_period(const char *usec, const char *pid,
				 pid_t self);

/* The message: "READY=1\n" if ready, "STATUS=...\n" if status (control
 * characters become spaces), "WATCHDOG=1\n" if watchdog. Returns its
 * length, or -1 if it does not fit in len bytes (with the NUL). */
int sd_notify_format(char *buf, size_t len, bool ready, const char *status,
		     bool watchdog);

struct sd_notifier {
	int fd;				/* -1: notifications off */
	struct sockaddr_un sa;
	socklen_t salen;
	double watchdog_s;		/* ping period, 0: none */
};

/* Read the environment and open the socket (before dropping privileges).
 * Returns 0 (possibly with notifications off), or -1 with err set when
 * $NOTIFY_SOCKET is invalid or no socket can be made. */
int sd_notifier_open(struct sd_notifier *n, char *err, size_t errlen);
/* Send one message; returns 0, -1 on a send error (errno set). */
int sd_notifier_send(struct sd_notifier *n, bool ready, const char *status,
		     bool watchdog);
void sd_notifier_close(struct sd_notifier *n);

#endif
