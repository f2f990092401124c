/* log: one line per message, "YYYY/MM/DD HH:MM:SS.mmm IDENT: message" on
 * stderr, stdout or a file (FRR's format) and/or syslog(3); the level
 * threshold; the rate limiter (its decision is pure: log_ratelimit_step). */
#define _GNU_SOURCE /* fopen "e" */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
	char ident[32];
	bool to_stream;		/* stderr, stdout or the file */
	bool to_syslog;
	FILE *file;		/* --log file:PATH, or NULL */
	char *file_path;
	bool use_stdout;
	int level;
	unsigned debug;
} log_state = { "RIPD-MEP", true, false, NULL, NULL, false, LOG_DEBUG, 0 };

static const char *const level_names[] = {
	[LOG_EMERG] = "emergencies",	[LOG_ALERT] = "alerts",
	[LOG_CRIT] = "critical",	[LOG_ERR] = "errors",
	[LOG_WARNING] = "warnings",	[LOG_NOTICE] = "notifications",
	[LOG_INFO] = "informational",	[LOG_DEBUG] = "debugging",
};

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
	log_state.to_stream = to_stderr;
	log_state.to_syslog = to_syslog;
	if (to_syslog)
		openlog("ripd-mep", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_use_stdout(void)
{
	log_state.use_stdout = true;
}

static FILE *log_fopen(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int log_open_file(const char *path)
{
	FILE *f = log_fopen(path);
	char *p;

	if (!f)
		return -1;
	p = strdup(path);
	if (!p) {
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	if (log_state.file)
		fclose(log_state.file);
	free(log_state.file_path);
	log_state.file = f;
	log_state.file_path = p;
	log_state.to_stream = true;
	return 0;
}

int log_reopen(void)
{
	FILE *f;

	if (!log_state.file)
		return 0;
	f = log_fopen(log_state.file_path);
	if (!f)
		return -1;
	fclose(log_state.file);
	log_state.file = f;
	return 0;
}

void log_close(void)
{
	if (log_state.to_syslog)
		closelog();
	log_state.to_syslog = false;
	if (log_state.file)
		fclose(log_state.file);
	log_state.file = NULL;
	free(log_state.file_path);
	log_state.file_path = NULL;
}

void log_set_level(int prio)
{
	if (prio >= LOG_EMERG && prio <= LOG_DEBUG)
		log_state.level = prio;
}

int log_get_level(void)
{
	return log_state.level;
}

int log_level_by_name(const char *name)
{
	for (int i = LOG_EMERG; i <= LOG_DEBUG; i++)
		if (strcmp(level_names[i], name) == 0)
			return i;
	return -1;
}

const char *log_level_name(int prio)
{
	return prio >= LOG_EMERG && prio <= LOG_DEBUG ? level_names[prio]
						      : "?";
}

static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	char msg[2048];
	struct timeval tv;
	struct tm tm;
	char when[32];

	FILE *out;

	if (prio > log_state.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_state.to_syslog)
		syslog(prio, "%s", msg);
	if (!log_state.to_stream)
		return;
	out = log_state.file       ? log_state.file
	      : log_state.use_stdout ? stdout
				     : stderr;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
	fprintf(out, "%s.%03ld %s: %s\n", when, (long)(tv.tv_usec / 1000),
		log_state.ident, msg);
	if (out == stdout)
		fflush(out);
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

/* ---- rate limiting ---- */

struct log_ratelimit_verdict log_ratelimit_step(struct log_ratelimit *rl,
						const char *key, double now)
{
	struct log_ratelimit_verdict v = { 0 };
	bool same = rl->open && strncmp(rl->key, key, sizeof(rl->key) - 1) == 0;

	if (same && now - rl->start < rl->window_s) {
		rl->repeats++;
		return v;
	}
	v.print = true;
	v.same_key = same;
	v.repeated = rl->open ? rl->repeats : 0;
	v.over_s = rl->open ? now - rl->start : 0;
	rl->open = true;
	rl->start = now;
	rl->repeats = 0;
	snprintf(rl->key, sizeof(rl->key), "%s", key);
	return v;
}

void log_ratelimit_suffix(const struct log_ratelimit_verdict *v, char *buf,
			  size_t len)
{
	if (!v->print || !v->repeated) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, " (repeated %u time%s in the last %.0f s)",
		 v->repeated, v->repeated == 1 ? "" : "s", v->over_s);
}

void log_ratelimited(struct log_ratelimit *rl, const char *key, int prio,
		     const char *fmt, ...)
{
	struct log_ratelimit_verdict v;
	struct timespec ts;
	char msg[2048], suffix[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v = log_ratelimit_step(rl, key ? key : msg,
			       (double)ts.tv_sec + ts.tv_nsec / 1e9);
	if (!v.print)
		return;
	log_ratelimit_suffix(&v, suffix, sizeof(suffix));
	if (v.repeated && !v.same_key) {
		log_msg(prio, "(the previous message was repeated %u time%s "
			      "in the last %.0f s)",
			v.repeated, v.repeated == 1 ? "" : "s", v.over_s);
		suffix[0] = '\0';
	}
	log_msg(prio, "%s%s", msg, suffix);
}
