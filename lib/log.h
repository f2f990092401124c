/* log: FRR-style logging to stderr, stdout, a file and/or syslog, with a
 * level threshold (FRR's level names), per-area debug switches ("debug
 * mep config", ...) and a rate limiter for lines that repeat (a
 * reconnect attempt every few seconds): the first line of a window is
 * logged, the repeats inside it are counted, and the next line after the
 * window carries "(repeated N times in the last S s)". */
#ifndef RIPD_MEP_LOG_H
#define RIPD_MEP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

enum log_debug_area {
	LOG_DEBUG_CONFIG = 1 << 0,
	LOG_DEBUG_RESOLVE = 1 << 1,
	LOG_DEBUG_VTY = 1 << 2,
};

/* Where to log; ident is shown in every line ("RIPD-MEP"). */
void log_open(const char *ident, bool to_stderr, bool to_syslog);
/* Log to stdout instead of stderr (with to_stderr of log_open). */
void log_use_stdout(void);
/* Append to the file at path instead of stderr/stdout (created 0640).
 * Returns 0, or -1 with errno set (nothing changed). */
int log_open_file(const char *path);
/* Reopen the log file (after logrotate moved it); no-op without one.
 * Returns 0, or -1 with errno set (the old file stays in use). */
int log_reopen(void);
void log_close(void);

/* Messages less important than prio (LOG_ERR...LOG_DEBUG) are dropped.
 * Default LOG_DEBUG (debug lines still need their area switched on). */
void log_set_level(int prio);
int log_get_level(void);
/* FRR's names: emergencies, alerts, critical, errors, warnings,
 * notifications, informational, debugging. -1 when unknown. */
int log_level_by_name(const char *name);
const char *log_level_name(int prio);

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Logged only when the area's debug switch is on. */
void log_debug(enum log_debug_area area, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void log_debug_set(enum log_debug_area area, bool on);
bool log_debug_on(enum log_debug_area area);
/* Name <-> area for the CLI; area 0 when unknown. */
enum log_debug_area log_debug_area_by_name(const char *name);
const char *log_debug_area_name(enum log_debug_area area);

/* ---- rate limiting ---- */

#define LOG_RATELIMIT_KEY_MAX 128

/* One per call site; zero-initialise and set window_s (LOG_RATELIMIT_INIT).
 * Lines are told apart by a key (e.g. the error text): a line whose key
 * differs from the window's is logged at once and opens a new window. */
struct log_ratelimit {
	double window_s;
	bool open;		/* a window is running */
	double start;		/* when it opened (monotonic seconds) */
	unsigned repeats;	/* lines suppressed in it */
	char key[LOG_RATELIMIT_KEY_MAX];
};

#define LOG_RATELIMIT_INIT(seconds) { .window_s = (seconds) }

/* The verdict on one line with key at time now (pure). */
struct log_ratelimit_verdict {
	bool print;		/* log this line */
	unsigned repeated;	/* with print: lines suppressed since the
				 * last one logged (same key: tell it on
				 * this line; other key: on a line before) */
	double over_s;		/* ... over this many seconds */
	bool same_key;
};

struct log_ratelimit_verdict log_ratelimit_step(struct log_ratelimit *rl,
						const char *key, double now);

/* Format the suffix for a verdict: "" or " (repeated N times in the
 * last S s)". */
void log_ratelimit_suffix(const struct log_ratelimit_verdict *v, char *buf,
			  size_t len);

/* Log through rl (monotonic clock); key NULL means the formatted text
 * itself. */
void log_ratelimited(struct log_ratelimit *rl, const char *key, int prio,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif
