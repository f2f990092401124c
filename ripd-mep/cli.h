/* cli: the commands of the vty (exec and configuration mode), one
 * struct cli_session per vty connection. Configuration mode edits a
 * candidate copy of the running tree line by line (syntax and types are
 * checked at once); `end` (or `exit` at the top) commits the candidate as
 * one transaction, and a failed commit keeps the candidate and stays in
 * configuration mode so that the operator can fix it. */
#ifndef RIPD_MEP_CLI_H
#define RIPD_MEP_CLI_H

#include "daemon.h"
#include "strbuf.h"

struct cli_session;

/* NULL on allocation failure. The session borrows d. */
struct cli_session *cli_session_new(struct daemon *d);
void cli_session_free(struct cli_session *s);

/* The idle timeout the session asked for with `exec-timeout MIN [SEC]`
 * (seconds, 0: none), or -1 for the daemon's default. */
long cli_session_timeout(const struct cli_session *s);

/* Run one line; output is appended to out. Returns a cmd_status. */
int cli_exec(struct cli_session *s, const char *line, struct strbuf *out);

#endif
