/* mepsh: the shell for ripd-mep, speaking FRR's vty socket protocol
 * (vty_codec) with plain blocking I/O. Owns the command line, the socket
 * path rules, the three ways of taking commands (-c, -f/stdin, an
 * interactive libedit prompt with history), the output filters
 * (mepsh_filter), help and completion from the daemon's "_complete"
 * query (cli.h) and the exit status:
 *   0 every command succeeded, 1 a command failed or warned,
 *   2 usage error, 3 cannot connect / connection lost / protocol error. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <histedit.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_table.h"
#include "mepsh_filter.h"
#include "strbuf.h"
#include "vty_codec.h"
#include "vty_server.h"

#define MEPSH_STATE_DIR "/var/run/frr"
#define MEPSH_SOCKET_NAME "ripd-mep.vty"
#define MEPSH_HISTORY ".history_mepsh"
#define MEPSH_HISTORY_MAX 1000
#define MEPSH_PATH_MAX 4096

enum mepsh_exit {
	MEPSH_OK = 0,
	MEPSH_FAILED = 1,
	MEPSH_USAGE = 2,
	MEPSH_IO = 3,
};

struct mepsh_conn {
	const char *path;
	int fd;
	char buf[65536];	/* bytes read, not yet decoded */
	size_t off, len;
	struct vty_rep rep;
};

static void mepsh_usage(FILE *f)
{
	fprintf(f,
		"Usage: mepsh [OPTION]...\n"
		"Shell for ripd-mep (FRR vty socket protocol).\n"
		"\n"
		"  -c, --command CMD     run CMD (repeatable, in order) and exit\n"
		"  -f, --inputfile FILE  run the commands in FILE ('-': stdin);"
		" stop at the\n"
		"                        first failure\n"
		"  -N, --pathspace NAME  talk to the ripd-mep of FRR pathspace"
		" NAME\n"
		"  -S, --socket PATH     vty socket path (default "
		MEPSH_STATE_DIR "/" MEPSH_SOCKET_NAME ")\n"
		"  -h, --help            show this help and exit\n"
		"  -v, -V, --version     show the version and exit\n"
		"\n"
		"Without -c or -f, commands are read from the terminal "
		"(with line editing\n"
		"and history in ~/" MEPSH_HISTORY ") or, when stdin is not "
		"a terminal, from stdin.\n"
		"Interactive keys: ? lists the next words with their help, "
		"TAB completes,\n"
		"Ctrl-C clears the line, Ctrl-Z is 'end', Ctrl-D is 'end' in "
		"configuration mode\n"
		"(exit at the top). A -c line ending in ? prints that help.\n"
		"Filters: CMD | include|exclude|begin REGEX, CMD | count "
		"(POSIX extended regex).\n"
		"RIPD_MEP_VTY_DIR replaces " MEPSH_STATE_DIR
		" as the state directory.\n"
		"Exit status: 0 success, 1 a command failed, 2 usage error,"
		" 3 connection error.\n");
}

/* Build the socket path into buf. Returns 0 or -1 with a message. */
static int mepsh_socket_path(char *buf, size_t len, const char *opt_socket,
			     const char *pathspace)
{
	const char *dir = getenv("RIPD_MEP_VTY_DIR");
	struct sockaddr_un sa;
	int n;

	if (!dir || !*dir)
		dir = MEPSH_STATE_DIR;
	if (opt_socket)
		n = snprintf(buf, len, "%s", opt_socket);
	else if (pathspace) {
		if (!*pathspace || strchr(pathspace, '/') ||
		    strcmp(pathspace, ".") == 0 ||
		    strcmp(pathspace, "..") == 0) {
			fprintf(stderr, "mepsh: invalid pathspace '%s'\n",
				pathspace);
			return -1;
		}
		n = snprintf(buf, len, "%s/%s/%s", dir, pathspace,
			     MEPSH_SOCKET_NAME);
	} else
		n = snprintf(buf, len, "%s/%s", dir, MEPSH_SOCKET_NAME);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sa.sun_path) ||
	    n == 0) {
		fprintf(stderr, "mepsh: socket path is empty or too long "
				"(limit %zu bytes)\n",
			sizeof(sa.sun_path) - 1);
		return -1;
	}
	return 0;
}

static int mepsh_connect(struct mepsh_conn *c)
{
	struct sockaddr_un sa;

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fprintf(stderr, "mepsh: socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr,
			"mepsh: cannot connect to %s: %s (is ripd-mep running?)\n",
			c->path, strerror(errno));
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void mepsh_disconnect(struct mepsh_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	vty_rep_fini(&c->rep);
}

static int mepsh_send_all(struct mepsh_conn *c, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mepsh: write to %s: %s\n", c->path,
				strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send one command and wait for its reply (in c->rep). Returns the
 * command's status, or -1 when the connection is unusable (a message
 * was printed). */
static int mepsh_exec_raw(struct mepsh_conn *c, const char *cmd)
{
	size_t len = strlen(cmd), used;
	ssize_t n;

	if (len > CMD_MAX_LINE) {
		/* Not sent: the daemon would only refuse it. */
		vty_rep_reset(&c->rep);
		strbuf_puts(&c->rep.text, VTY_REQ_TOO_LONG_MSG);
		return CMD_WARNING;
	}
	if (mepsh_send_all(c, cmd, len + 1) < 0)
		return -1;
	vty_rep_reset(&c->rep);
	for (;;) {
		if (c->off == c->len) {
			n = recv(c->fd, c->buf, sizeof(c->buf), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fprintf(stderr,
					"mepsh: connection to %s %s\n",
					c->path,
					n == 0 ? "closed by ripd-mep"
					       : strerror(errno));
				return -1;
			}
			c->off = 0;
			c->len = (size_t)n;
		}
		switch (vty_rep_feed(&c->rep, c->buf + c->off, c->len - c->off,
				     &used)) {
		case VTY_REP_DONE:
			c->off += used;
			return c->rep.status;
		case VTY_REP_ERROR:
			fprintf(stderr, "mepsh: %s: %s\n", c->path,
				c->rep.error);
			return -1;
		case VTY_REP_NEED_MORE:
			c->off += used;
			break;
		}
	}
}

/* Replace the reply's text by msg (status: the result). */
static int mepsh_local_reply(struct mepsh_conn *c, const char *msg,
			     int status)
{
	vty_rep_reset(&c->rep);
	strbuf_puts(&c->rep.text, msg);
	return status;
}

/* The candidates at the end of text, as "WORD\tHELP" lines in
 * c->rep.text: from the daemon's _complete query, after a '|' the
 * filter's (locally). Returns the status or -1 (connection lost). */
static int mepsh_candidates(struct mepsh_conn *c, const char *text)
{
	const char *bar = strchr(text, '|');
	struct strbuf q = STRBUF_INIT;
	int status;

	if (bar) {
		status = mepsh_filter_complete(bar + 1, &q);
		if (status != CMD_SUCCESS)
			mepsh_local_reply(c, "% There is no matched "
					     "command.\n", status);
		else
			mepsh_local_reply(c, strbuf_str(&q), status);
		strbuf_free(&q);
		return status;
	}
	strbuf_printf(&q, "%s %s", CLI_COMPLETE_CMD, text);
	status = mepsh_exec_raw(c, strbuf_str(&q));
	strbuf_free(&q);
	return status;
}

/* "LINE?" (as vtysh takes it from -c): the candidates laid out with
 * their help in c->rep.text. */
static int mepsh_describe(struct mepsh_conn *c, const char *text)
{
	struct strbuf f = STRBUF_INIT;
	int status = mepsh_candidates(c, text);

	if (status != CMD_SUCCESS)
		return status;
	cmd_candidates_format(strbuf_str(&c->rep.text), &f);
	mepsh_local_reply(c, strbuf_str(&f), status);
	strbuf_free(&f);
	return status;
}

/* Run one command line: "LINE?" asks for help; "CMD | FILTER" sends CMD
 * and filters a successful reply. The reply is in c->rep as
 * mepsh_exec_raw() leaves it; -1 when the connection is lost. */
static int mepsh_exec(struct mepsh_conn *c, const char *line)
{
	struct mepsh_filter f;
	struct strbuf err = STRBUF_INIT;
	size_t n = strlen(line), cmd_len;
	char *cmd;
	int status;

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n > 0 && line[n - 1] == '?' && n <= CMD_MAX_LINE) {
		cmd = strndup(line, n - 1);
		if (!cmd)
			return mepsh_local_reply(c, "% Out of memory\n",
						 CMD_WARNING);
		status = mepsh_describe(c, cmd);
		free(cmd);
		return status;
	}
	status = mepsh_filter_parse(line, &cmd_len, &f, &err);
	if (status != CMD_SUCCESS) {
		mepsh_local_reply(c, strbuf_str(&err), status);
		strbuf_free(&err);
		return status;
	}
	strbuf_free(&err);
	if (f.kind == MEPSH_FILTER_NONE)
		return mepsh_exec_raw(c, line);
	cmd = strndup(line, cmd_len);
	if (!cmd) {
		mepsh_filter_free(&f);
		return mepsh_local_reply(c, "% Out of memory\n", CMD_WARNING);
	}
	status = mepsh_exec_raw(c, cmd);
	free(cmd);
	if (status == CMD_SUCCESS) {
		struct strbuf out = STRBUF_INIT;

		mepsh_filter_apply(&f, strbuf_str(&c->rep.text),
				   c->rep.text.len, &out);
		mepsh_local_reply(c, strbuf_str(&out), status);
		strbuf_free(&out);
	}
	mepsh_filter_free(&f);
	return status;
}

/* A message for a failed command that printed nothing. */
static const char *mepsh_status_msg(int status)
{
	switch (status) {
	case CMD_SUCCESS:
		return "";
	case CMD_WARNING:
		return "% Warning\n";
	case CMD_ERR_NO_MATCH:
		return "% Unknown command\n";
	case CMD_ERR_AMBIGUOUS:
		return "% Ambiguous command\n";
	case CMD_ERR_INCOMPLETE:
		return "% Command incomplete\n";
	case CMD_WARNING_CONFIG_FAILED:
		return "% Configuration failed\n";
	default:
		return "% Command failed\n";
	}
}

static void mepsh_print(FILE *f, const struct strbuf *text)
{
	if (text->len > 0)
		fwrite(text->s, 1, text->len, f);
}

/* The reply's text, or a generic message when a failure said nothing. */
static void mepsh_print_reply(FILE *f, const struct mepsh_conn *c,
			      int status)
{
	if (c->rep.text.len > 0)
		mepsh_print(f, &c->rep.text);
	else
		fputs(mepsh_status_msg(status), f);
}

/* Errors stop a -c list, warnings do not (as vtysh). */
static bool mepsh_is_error(int status)
{
	return status != CMD_SUCCESS && status != CMD_WARNING;
}

static int mepsh_run_commands(struct mepsh_conn *c, char **cmds, int n)
{
	int i, status, rc = MEPSH_OK;

	for (i = 0; i < n; i++) {
		status = mepsh_exec(c, cmds[i]);
		if (status < 0)
			return MEPSH_IO;
		if (status == CMD_SUCCESS) {
			mepsh_print(stdout, &c->rep.text);
			continue;
		}
		fflush(stdout);
		mepsh_print_reply(stderr, c, status);
		rc = MEPSH_FAILED;
		if (mepsh_is_error(status)) {
			fprintf(stderr, "mepsh: command failed: %s\n",
				cmds[i]);
			break;
		}
	}
	fflush(stdout);
	return rc;
}

/* Print "FILE:LINE: " before each line of the daemon's message. */
static void mepsh_print_located(const char *name, unsigned long lineno,
				const struct mepsh_conn *c, int status)
{
	const char *p = c->rep.text.len ? c->rep.text.s
					: mepsh_status_msg(status);
	const char *nl;

	while (*p) {
		nl = strchr(p, '\n');
		fprintf(stderr, "%s:%lu: %.*s\n", name, lineno,
			(int)(nl ? nl - p : (long)strlen(p)), p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* Send each non-blank, non-comment line of f; stop at the first command
 * that does not succeed. */
static int mepsh_run_file(struct mepsh_conn *c, FILE *f, const char *name)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int status, rc = MEPSH_OK;

	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)n)) {
			fprintf(stderr, "%s:%lu: NUL byte in line\n", name,
				lineno);
			rc = MEPSH_FAILED;
			break;
		}
		end = line + n;
		while (end > line && (end[-1] == '\n' || end[-1] == '\r' ||
				      end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '!' || *p == '#')
			continue;
		if ((size_t)(end - p) > CMD_MAX_LINE) {
			fprintf(stderr,
				"%s:%lu: line too long (limit %d bytes)\n",
				name, lineno, CMD_MAX_LINE);
			rc = MEPSH_FAILED;
			break;
		}
		status = mepsh_exec(c, p);
		if (status < 0) {
			rc = MEPSH_IO;
			break;
		}
		if (status != CMD_SUCCESS) {
			fflush(stdout);
			mepsh_print_located(name, lineno, c, status);
			rc = MEPSH_FAILED;
			break;
		}
		mepsh_print(stdout, &c->rep.text);
	}
	if (rc == MEPSH_OK && ferror(f)) {
		fprintf(stderr, "mepsh: %s: read error\n", name);
		rc = MEPSH_FAILED;
	}
	free(line);
	fflush(stdout);
	return rc;
}

/* ---- interactive ---- */

static bool mepsh_is_top(const char *node)
{
	return !*node || strcmp(node, "exec") == 0 ||
	       strcmp(node, "view") == 0 || strcmp(node, "enable") == 0;
}

/* Ask the daemon for the session's node (see vty_server.h); "" when it
 * does not answer it. Returns -1 when the connection is lost. */
static int mepsh_node(struct mepsh_conn *c, char *node, size_t len)
{
	int status = mepsh_exec_raw(c, VTY_SERVER_NODE_CMD);
	size_t n, i;

	if (status < 0)
		return -1;
	node[0] = '\0';
	if (status != CMD_SUCCESS)
		return 0;
	n = c->rep.text.len;
	while (n > 0 && (c->rep.text.s[n - 1] == '\n' ||
			 c->rep.text.s[n - 1] == '\r' ||
			 c->rep.text.s[n - 1] == ' '))
		n--;
	if (n >= len)
		n = len - 1;
	/* Only a plain name goes into the prompt. */
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c->rep.text.s[i];

		if (ch <= ' ' || ch >= 0x7f)
			return 0;
	}
	memcpy(node, c->rep.text.s, n);
	node[n] = '\0';
	return 0;
}

/* The interactive session, shared with libedit's key functions. */
struct mepsh_tty {
	struct mepsh_conn *c;
	EditLine *el;
	char node[64];
	char prompt[160];
	char host[64];
	bool lost;	/* the connection broke inside a key function */
};

static struct mepsh_tty *mepsh_tty_of(EditLine *el)
{
	void *p = NULL;

	el_get(el, EL_CLIENTDATA, &p);
	return p;
}

static char *mepsh_prompt(EditLine *el)
{
	struct mepsh_tty *t = mepsh_tty_of(el);

	if (mepsh_is_top(t->node))
		snprintf(t->prompt, sizeof(t->prompt), "%s# ", t->host);
	else
		snprintf(t->prompt, sizeof(t->prompt), "%s(%s)# ", t->host,
			 t->node);
	return t->prompt;
}

/* The line up to the cursor (malloc'd). */
static char *mepsh_line_to_cursor(EditLine *el)
{
	const LineInfo *li = el_line(el);

	return strndup(li->buffer, (size_t)(li->cursor - li->buffer));
}

/* Print the candidates of the line before the cursor with their help. */
static void mepsh_show_help(struct mepsh_tty *t, const char *text)
{
	struct strbuf f = STRBUF_INIT;
	int status = mepsh_candidates(t->c, text);

	if (status < 0) {
		t->lost = true;
		return;
	}
	if (status == CMD_SUCCESS)
		cmd_candidates_format(strbuf_str(&t->c->rep.text), &f);
	else
		mepsh_print_reply(stdout, t->c, status);
	fputs(strbuf_str(&f), stdout);
	fflush(stdout);
	strbuf_free(&f);
}

/* '?': list the possible next words, then redraw the line. */
static unsigned char mepsh_key_help(EditLine *el, int ch)
{
	struct mepsh_tty *t = mepsh_tty_of(el);
	char *text = mepsh_line_to_cursor(el);

	(void)ch;
	fputs("?\n", stdout);
	if (text)
		mepsh_show_help(t, text);
	free(text);
	return t->lost ? CC_EOF : CC_REDISPLAY;
}

/* TAB: complete a unique word or the candidates' common prefix, else
 * list the candidates. */
static unsigned char mepsh_key_complete(EditLine *el, int ch)
{
	struct mepsh_tty *t = mepsh_tty_of(el);
	char *text = mepsh_line_to_cursor(el);
	const char *word, *p, *first = NULL;
	size_t wlen, common = 0, nkw = 0, nother = 0;
	int status;

	(void)ch;
	if (!text)
		return CC_ERROR;
	status = mepsh_candidates(t->c, text);
	if (status < 0) {
		free(text);
		t->lost = true;
		return CC_EOF;
	}
	wlen = strlen(text);
	word = text + wlen;
	while (word > text && word[-1] != ' ' && word[-1] != '\t' &&
	       word[-1] != '|')
		word--;
	wlen = strlen(word);
	if (status == CMD_SUCCESS) {
		for (p = t->c->rep.text.s; p && *p;) {
			size_t n = strcspn(p, "\t\n");

			/* placeholders and <cr> are not typed */
			if (islower((unsigned char)*p)) {
				if (!first) {
					first = p;
					common = n;
				} else {
					size_t i = 0;

					while (i < common && i < n &&
					       first[i] == p[i])
						i++;
					common = i;
				}
				nkw++;
			} else {
				nother++;
			}
			p = strchr(p, '\n');
			p = p ? p + 1 : NULL;
		}
	}
	if (nkw == 1 && nother == 0) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%.*s ",
			 (int)(common > wlen ? common - wlen : 0),
			 first + (common > wlen ? wlen : common));
		el_insertstr(el, buf);
		free(text);
		return CC_REFRESH;
	}
	if (nkw > 1 && common > wlen) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%.*s", (int)(common - wlen),
			 first + wlen);
		el_insertstr(el, buf);
		free(text);
		return CC_REFRESH;
	}
	fputs("\n", stdout);
	mepsh_show_help(t, text);
	free(text);
	return t->lost ? CC_EOF : CC_REDISPLAY;
}

static void mepsh_clear_line(EditLine *el)
{
	const LineInfo *li = el_line(el);

	el_cursor(el, (int)(li->lastchar - li->cursor));
	li = el_line(el);
	el_deletestr(el, (int)(li->lastchar - li->buffer));
}

/* Ctrl-C: drop the line, start afresh. */
static unsigned char mepsh_key_intr(EditLine *el, int ch)
{
	(void)ch;
	mepsh_clear_line(el);
	fputs("^C\n", stdout);
	fflush(stdout);
	return CC_REDISPLAY;
}

/* Ctrl-Z: as the command `end`. */
static unsigned char mepsh_key_end(EditLine *el, int ch)
{
	(void)ch;
	mepsh_clear_line(el);
	el_insertstr(el, "end");
	/* The line is accepted without being drawn again: show it. */
	fputs("end\n", stdout);
	fflush(stdout);
	return CC_NEWLINE;
}

static EditLine *mepsh_editline(struct mepsh_tty *t, History *hist)
{
	EditLine *el = el_init("mepsh", stdin, stdout, stderr);

	if (!el)
		return NULL;
	el_set(el, EL_CLIENTDATA, t);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_PROMPT, mepsh_prompt);
	el_set(el, EL_HIST, history, hist);
	/* Ctrl-C and Ctrl-Z are keys while a line is edited. */
	el_set(el, EL_SETTY, "-d", "-isig", NULL);
	el_set(el, EL_ADDFN, "mepsh-help", "List the possible next words",
	       mepsh_key_help);
	el_set(el, EL_ADDFN, "mepsh-complete", "Complete the word",
	       mepsh_key_complete);
	el_set(el, EL_ADDFN, "mepsh-intr", "Clear the line", mepsh_key_intr);
	el_set(el, EL_ADDFN, "mepsh-end", "Leave configuration mode",
	       mepsh_key_end);
	el_set(el, EL_BIND, "?", "mepsh-help", NULL);
	el_set(el, EL_BIND, "^I", "mepsh-complete", NULL);
	el_set(el, EL_BIND, "^C", "mepsh-intr", NULL);
	el_set(el, EL_BIND, "^Z", "mepsh-end", NULL);
	return el;
}

static bool mepsh_is_quit(const char *line)
{
	char word[8];
	char extra;

	if (sscanf(line, " %7s %c", word, &extra) != 1)
		return false;
	return strcmp(word, "exit") == 0 || strcmp(word, "quit") == 0;
}

static int mepsh_interactive(struct mepsh_conn *c)
{
	struct mepsh_tty t = { .c = c };
	const char *home = getenv("HOME");
	char hist_path[4096], *line = NULL, *dot;
	bool have_hist = false;
	History *hist;
	HistEvent ev;
	EditLine *el;
	int status, rc = MEPSH_OK, count;

	if (gethostname(t.host, sizeof(t.host)) < 0)
		snprintf(t.host, sizeof(t.host), "mepsh");
	t.host[sizeof(t.host) - 1] = '\0';
	dot = strchr(t.host, '.');
	if (dot)
		*dot = '\0';

	hist = history_init();
	if (!hist)
		return MEPSH_IO;
	history(hist, &ev, H_SETSIZE, MEPSH_HISTORY_MAX);
	history(hist, &ev, H_SETUNIQUE, 1);
	if (home && *home &&
	    (size_t)snprintf(hist_path, sizeof(hist_path), "%s/%s", home,
			     MEPSH_HISTORY) < sizeof(hist_path)) {
		have_hist = true;
		history(hist, &ev, H_LOAD, hist_path);
	}
	el = mepsh_editline(&t, hist);
	if (!el) {
		history_end(hist);
		return MEPSH_IO;
	}

	if (mepsh_node(c, t.node, sizeof(t.node)) < 0)
		rc = MEPSH_IO;
	while (rc == MEPSH_OK) {
		const char *got = el_gets(el, &count);
		size_t n;

		if (t.lost) {
			rc = MEPSH_IO;
			break;
		}
		free(line);
		line = NULL;
		if (!got || count <= 0) {
			/* Ctrl-D on an empty line: leave configuration mode
			 * as `end` would (a failed commit stays), exit at the
			 * top. */
			putchar('\n');
			if (mepsh_is_top(t.node))
				break;
			fputs("end\n", stdout);
			line = strdup("end");
		} else {
			line = strdup(got);
		}
		if (!line) {
			rc = MEPSH_IO;
			break;
		}
		n = strlen(line);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		history(hist, &ev, H_ENTER, line);
		if (mepsh_is_top(t.node) && mepsh_is_quit(line))
			break;
		status = mepsh_exec(c, line);
		if (status < 0) {
			rc = MEPSH_IO;
			break;
		}
		mepsh_print_reply(stdout, c, status);
		fflush(stdout);
		if (mepsh_node(c, t.node, sizeof(t.node)) < 0)
			rc = MEPSH_IO;
	}
	free(line);
	if (have_hist && history(hist, &ev, H_SAVE, hist_path) < 0)
		fprintf(stderr, "mepsh: cannot write %s\n", hist_path);
	el_end(el);
	history_end(hist);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "command", required_argument, NULL, 'c' },
		{ "inputfile", required_argument, NULL, 'f' },
		{ "pathspace", required_argument, NULL, 'N' },
		{ "socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opt_socket = NULL, *pathspace = NULL, *file = NULL;
	char path[MEPSH_PATH_MAX];
	struct mepsh_conn *c;
	char **cmds;
	int ncmds = 0, opt, rc;
	FILE *f;

	cmds = calloc((size_t)argc + 1, sizeof(*cmds));
	if (!cmds) {
		fprintf(stderr, "mepsh: out of memory\n");
		return MEPSH_IO;
	}
	while ((opt = getopt_long(argc, argv, "c:f:N:S:hvV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			cmds[ncmds++] = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'N':
			pathspace = optarg;
			break;
		case 'S':
			opt_socket = optarg;
			break;
		case 'h':
			mepsh_usage(stdout);
			free(cmds);
			return MEPSH_OK;
		case 'v':
		case 'V':
			printf("mepsh (ripd-mep) %s\n", PACKAGE_VERSION);
			free(cmds);
			return MEPSH_OK;
		default:
			mepsh_usage(stderr);
			free(cmds);
			return MEPSH_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mepsh: unexpected argument '%s'\n",
			argv[optind]);
		mepsh_usage(stderr);
		free(cmds);
		return MEPSH_USAGE;
	}
	if (ncmds > 0 && file) {
		fprintf(stderr, "mepsh: -c and -f cannot be combined\n");
		free(cmds);
		return MEPSH_USAGE;
	}
	if (mepsh_socket_path(path, sizeof(path), opt_socket, pathspace) < 0) {
		free(cmds);
		return MEPSH_USAGE;
	}

	f = NULL;
	if (file) {
		f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (!f) {
			fprintf(stderr, "mepsh: %s: %s\n", file,
				strerror(errno));
			free(cmds);
			return MEPSH_FAILED;
		}
	}

	signal(SIGPIPE, SIG_IGN);
	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "mepsh: out of memory\n");
		free(cmds);
		return MEPSH_IO;
	}
	c->path = path;
	c->fd = -1;
	vty_rep_init(&c->rep);
	if (mepsh_connect(c) < 0) {
		rc = MEPSH_IO;
	} else if (ncmds > 0) {
		rc = mepsh_run_commands(c, cmds, ncmds);
	} else if (f) {
		rc = mepsh_run_file(c, f, f == stdin ? "<stdin>" : file);
	} else if (isatty(STDIN_FILENO)) {
		rc = mepsh_interactive(c);
	} else {
		rc = mepsh_run_file(c, stdin, "<stdin>");
	}
	if (f && f != stdin)
		fclose(f);
	mepsh_disconnect(c);
	free(c);
	free(cmds);
	return rc;
}
