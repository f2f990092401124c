/* log: one line per message, "YYYY/MM/DD HH:MM:SS.mmm IDENT: message" on
 * stderr (FRR's format) and/or syslog(3). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static struct {
	char ident[32];
	bool to_stderr;
	bool to_syslog;
	unsigned debug;
} log_state = { "RIPD-MEP", true, false, 0 };

static const struct {
	enum log_debug_area area;
	const char *name;
} debug_areas[] = {
	{ LOG_DEBUG_CONFIG, "config" },
	{ LOG_DEBUG_RESOLVE, "resolve" },
	{ LOG_DEBUG_VTY, "vty" },
};

void log_open(const char *ident, bool to_stderr, bool to_syslog)
{
	snprintf(log_state.ident, sizeof(log_state.ident), "%s", ident);
	log_state.to_stderr = to_stderr;
	log_state.to_syslog = to_syslog;
	if (to_syslog)
		openlog("ripd-mep", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_close(void)
{
	if (log_state.to_syslog)
		closelog();
	log_state.to_syslog = false;
}

static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	char msg[2048];
	struct timeval tv;
	struct tm tm;
	char when[32];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_state.to_syslog)
		syslog(prio, "%s", msg);
	if (!log_state.to_stderr)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: %s\n", when, (long)(tv.tv_usec / 1000),
		log_state.ident, msg);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void log_debug(enum log_debug_area area, const char *fmt, ...)
{
	va_list ap;

	if (!(log_state.debug & area))
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void log_debug_set(enum log_debug_area area, bool on)
{
	if (on)
		log_state.debug |= area;
	else
		log_state.debug &= ~(unsigned)area;
}

bool log_debug_on(enum log_debug_area area)
{
	return (log_state.debug & area) != 0;
}

enum log_debug_area log_debug_area_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(debug_areas) / sizeof(debug_areas[0]); i++)
		if (strcmp(debug_areas[i].name, name) == 0)
			return debug_areas[i].area;
	return 0;
}

const char *log_debug_area_name(enum log_debug_area area)
{
	for (size_t i = 0; i < sizeof(debug_areas) / sizeof(debug_areas[0]); i++)
		if (debug_areas[i].area == area)
			return debug_areas[i].name;
	return "?";
}
