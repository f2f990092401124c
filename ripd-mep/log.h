/* log: FRR-style logging to stderr and/or syslog, with per-area debug
 * switches ("debug mep config", ...). */
#ifndef RIPD_MEP_LOG_H
#define RIPD_MEP_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum log_debug_area {
	LOG_DEBUG_CONFIG = 1 << 0,
	LOG_DEBUG_RESOLVE = 1 << 1,
	LOG_DEBUG_VTY = 1 << 2,
};

/* Where to log; ident is shown in every line ("RIPD-MEP"). */
void log_open(const char *ident, bool to_stderr, bool to_syslog);
void log_close(void);

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

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif
