/* cli: the commands of the vty (exec and configuration mode), one
 * struct cli_session per vty connection. Exec commands are one
 * declarative table (cmd_table: syntax, help, handler), so `help`,
 * `list`, completion and dispatch agree; a line must match a command
 * exactly (extra words are an unknown command). Configuration mode edits a
 * candidate copy of the running tree line by line (syntax and types are
 * checked at once); `end` (or `exit` at the top) commits the candidate as
 * one transaction, and a failed commit keeps the candidate and stays in
 * configuration mode so that the operator can fix it. */
#ifndef RIPD_MEP_CLI_H
#define RIPD_MEP_CLI_H

#include "cmd_table.h"
#include "daemon.h"
#include "strbuf.h"

/* Hidden queries of mepsh, answered in every mode (besides "_node", see
 * vty_server.h):
 *   "_complete LINE"  the candidates for the word being typed at the end
 *                     of LINE (LINE starts after one blank; a trailing
 *                     blank asks for the next word), one "WORD\tHELP"
 *                     line each ("<cr>": the line is complete), in the
 *                     session's mode and node; on an error a "% ..."
 *                     line and the status.
 *   "_commands json"  {"exec": [...], "config": {"NODE": [...], ...}}:
 *                     every command with the help of its words
 *                     (cmd_table_json). */
#define CLI_COMPLETE_CMD "_complete"
#define CLI_COMMANDS_CMD "_commands"

struct cli_session;

/* NULL on allocation failure. The session borrows d. */
struct cli_session *cli_session_new(struct daemon *d);
void cli_session_free(struct cli_session *s);

/* The idle timeout the session asked for with `exec-timeout MIN [SEC]`
 * (seconds, 0: none), or -1 for the daemon's default. */
long cli_session_timeout(const struct cli_session *s);

/* Run one line; output is appended to out. Returns a cmd_status. */
int cli_exec(struct cli_session *s, const char *line, struct strbuf *out);

/* The exec command table (for tests). */
const struct cmd_def *cli_exec_commands(int *n);

#endif
