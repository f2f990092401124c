/* main: ripd-mep's command line, start-up (a bad configuration file holds
 * the backends but keeps the daemon and its vty up), privilege drop,
 * signals, systemd notification and the event loop. */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privs.h"
#include "sd_notify.h"

#include "cli.h"
#include "conf_load.h"
#include "daemon.h"
#include "log.h"
#include "vty_server.h"

#define STATE_DIR "/var/run/frr"
#define CONF_DIR "/etc/frr"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ripd-mep [OPTION]...\n"
		"Route Injection (RIM) and Multiple Entry Points (MEP) for FRR "
		"and strongSwan.\n"
		"\n"
		"  -f, --config_file FILE  configuration file (default "
		CONF_DIR "/ripd-mep.conf,\n"
		"                          " CONF_DIR
		"/PATHSPACE/ripd-mep.conf with -N)\n"
		"  -N, --pathspace NAME    FRR pathspace: files under " CONF_DIR
		"/NAME and " STATE_DIR "/NAME\n"
		"  -C, --dryrun            check the configuration and exit "
		"(0: valid; else the\n"
		"                          error on stderr)\n"
		"  -d, --daemon            run in the background (logs go to "
		"syslog)\n"
		"      --vty_socket DIR    directory of ripd-mep.vty (default "
		STATE_DIR "[/NAME])\n"
		"  -z, --socket PATH       zebra's socket (default " STATE_DIR
		"[/NAME]/zserv.api)\n"
		"  -i, --pid_file FILE     pid file (default DIR/ripd-mep.pid)\n"
		"      --log TARGET        stdout, stderr, syslog or file:PATH "
		"(default stderr,\n"
		"                          syslog with -d; the file is "
		"appended to, reopened on\n"
		"                          SIGHUP)\n"
		"      --log-level LEVEL   emergencies, alerts, critical, "
		"errors, warnings,\n"
		"                          notifications, informational or "
		"debugging (default)\n"
		"  -u, --user USER         run as USER (default frr when it "
		"exists; root: stay)\n"
		"  -g, --group GROUP       run with group GROUP (default "
		"USER's, frr)\n"
		"      --exec-timeout MIN[:SEC]  close vty sessions idle this "
		"long (default 10;\n"
		"                          0: never); per session: "
		"exec-timeout MIN [SEC]\n"
		"      --vty-max N         at most N vty sessions (default "
		"32)\n"
		"  -h, --help              this help\n"
		"  -v, --version           print the version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration file as one "
		"transaction (a bad file\n"
		"leaves the running configuration untouched); SIGTERM and "
		"SIGINT exit cleanly.\n"
		"An invalid file at start is logged; the daemon then serves "
		"its vty without\n"
		"strongSwan or zebra sessions until a valid configuration is "
		"applied.\n"
		"NOTIFY_SOCKET and WATCHDOG_USEC: systemd notification "
		"(Type=notify, WatchdogSec=).\n"
		"The vty socket speaks FRR's protocol: use mepsh(1). See "
		"ripd-mep(8).\n");
}

struct options {
	const char *config;
	const char *pathspace;
	const char *vty_dir;
	const char *zserv;
	const char *pid_file;
	const char *log;
	const char *log_file;	/* PATH of --log file:PATH */
	int log_level;		/* -1: default */
	const char *user;
	const char *group;
	unsigned exec_timeout;	/* seconds */
	size_t vty_max;
	bool check;
	bool daemonize;
};

/* A decimal number in [0, max]; -1 otherwise. */
static long option_number(const char *s, long max)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return -1;
	v = strtol(s, &end, 10);
	return v <= max ? v : -1;
}

/* MIN or MIN:SEC -> seconds; -1 if malformed. */
static long parse_timeout(const char *arg)
{
	char buf[32];
	char *colon;
	long min, sec = 0;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		sec = option_number(colon + 1, 2147483);
	}
	min = option_number(buf, 35791);
	if (min < 0 || sec < 0)
		return -1;
	return min * 60 + sec;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_VTY = 256, OPT_LOG, OPT_LOG_LEVEL, OPT_EXEC_TIMEOUT,
	       OPT_VTY_MAX };
	static const struct option longopts[] = {
		{ "config_file", required_argument, NULL, 'f' },
		{ "pathspace", required_argument, NULL, 'N' },
		{ "dryrun", no_argument, NULL, 'C' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "vty_socket", required_argument, NULL, OPT_VTY },
		{ "pid_file", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 'z' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "exec-timeout", required_argument, NULL, OPT_EXEC_TIMEOUT },
		{ "vty-max", required_argument, NULL, OPT_VTY_MAX },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	o->log_level = -1;
	o->exec_timeout = 600;
	o->vty_max = 32;
	while ((c = getopt_long(argc, argv, "f:N:Cdi:z:u:g:hv", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			o->config = optarg;
			break;
		case 'N':
			o->pathspace = optarg;
			break;
		case 'C':
			o->check = true;
			break;
		case 'd':
			o->daemonize = true;
			break;
		case OPT_VTY:
			o->vty_dir = optarg;
			break;
		case 'i':
			o->pid_file = optarg;
			break;
		case 'z':
			o->zserv = optarg;
			break;
		case OPT_LOG:
			o->log = optarg;
			break;
		case OPT_LOG_LEVEL:
			o->log_level = log_level_by_name(optarg);
			if (o->log_level < 0) {
				fprintf(stderr,
					"ripd-mep: --log-level must be one of "
					"emergencies, alerts, critical, errors, "
					"warnings, notifications, informational, "
					"debugging\n");
				return -1;
			}
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'g':
			o->group = optarg;
			break;
		case OPT_EXEC_TIMEOUT:
			v = parse_timeout(optarg);
			if (v < 0) {
				fprintf(stderr,
					"ripd-mep: --exec-timeout MIN[:SEC]: "
					"MIN 0-35791, SEC 0-2147483\n");
				return -1;
			}
			o->exec_timeout = (unsigned)v;
			break;
		case OPT_VTY_MAX:
			v = option_number(optarg, 100000);
			if (v < 1) {
				fprintf(stderr, "ripd-mep: --vty-max: 1 to "
						"100000 sessions\n");
				return -1;
			}
			o->vty_max = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'v':
			printf("ripd-mep %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ripd-mep: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (o->pathspace &&
	    (!*o->pathspace || strlen(o->pathspace) > 64 ||
	     strspn(o->pathspace, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		     strlen(o->pathspace) ||
	     o->pathspace[0] == '.')) {
		fprintf(stderr,
			"ripd-mep: invalid pathspace '%s' (1-64 letters, "
			"digits, '_', '.', '-')\n",
			o->pathspace);
		return -1;
	}
	if (o->log && strncmp(o->log, "file:", 5) == 0) {
		o->log_file = o->log + 5;
		if (o->log_file[0] != '/') {
			fprintf(stderr, "ripd-mep: --log file:PATH needs an "
					"absolute PATH\n");
			return -1;
		}
	} else if (o->log && strcmp(o->log, "stdout") &&
		   strcmp(o->log, "stderr") && strcmp(o->log, "syslog")) {
		fprintf(stderr, "ripd-mep: --log must be stdout, stderr, "
				"syslog or file:PATH\n");
		return -1;
	}
	return 0;
}

/* ---- event loop glue ----------------------------------------------- */

static struct daemon the_daemon;

static void *session_new(void *arg)
{
	return cli_session_new(arg);
}

static int session_exec(void *session, const char *line, struct strbuf *out)
{
	return cli_exec(session, line, out);
}

static void session_free(void *session)
{
	cli_session_free(session);
}

static long session_timeout(void *session)
{
	return cli_session_timeout(session);
}

/* ---- systemd notification ------------------------------------------ */

static struct sd_notifier notifier = { .fd = -1 };
static char notified_status[600];

static const char *daemon_status(char *buf, size_t len)
{
	if (the_daemon.held)
		snprintf(buf, len,
			 "invalid configuration (%s): waiting for a valid "
			 "one, routes untouched",
			 the_daemon.held_reason);
	else
		snprintf(buf, len, "running");
	return buf;
}

/* Send STATUS= when it changed (with READY=1 the first time). */
static void notify_status(bool ready, bool watchdog)
{
	char status[sizeof(notified_status)];

	daemon_status(status, sizeof(status));
	if (strcmp(status, notified_status) == 0 && !ready) {
		if (watchdog)
			sd_notifier_send(&notifier, false, NULL, true);
		return;
	}
	if (sd_notifier_send(&notifier, ready, status, watchdog) < 0)
		log_warn("NOTIFY_SOCKET: %s", strerror(errno));
	snprintf(notified_status, sizeof(notified_status), "%s", status);
}

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	notify_status(false, true);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct strbuf err = STRBUF_INIT;

	(void)loop;
	(void)w;
	(void)revents;
	if (log_reopen() < 0)
		log_err("cannot reopen the log file: %s; still writing to "
			"the old one",
			strerror(errno));
	log_notice("SIGHUP: reloading %s", the_daemon.config_path);
	if (daemon_reload(&the_daemon, &err) < 0)
		log_err("configuration not reloaded, keeping the running "
			"one: %s",
			strbuf_str(&err));
	else
		log_notice("configuration reloaded from %s",
			   the_daemon.config_path);
	strbuf_free(&err);
	notify_status(false, false);
}

static void on_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_notice("signal %d: exiting", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static int make_dir(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int write_pid_file(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -1;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

/* Make a relative -f absolute before -d changes directory. */
static int absolute_path(const char *path, char *out, size_t len)
{
	char cwd[4096];

	if (path[0] == '/') {
		snprintf(out, len, "%s", path);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	char config[4096], vty_dir[4096], vty_path[4200], pid_path[4200];
	char vty_err[512], zserv[4200], perr[512], who[160];
	struct strbuf err = STRBUF_INIT;
	struct conf_candidate cand;
	struct ly_ctx *ctx = NULL;
	struct vty_server *vty;
	struct ev_loop *loop = NULL;
	struct privs privs;
	ev_signal sig_hup, sig_term, sig_int;
	ev_timer watchdog;
	const struct vty_server_ops ops = { session_new, session_exec,
					    session_free, session_timeout };
	bool held = false;
	int rc = 1;

	/* Route and tunnel sets of 100k entries are megabytes, rebuilt as
	 * tunnels come and go: a fixed threshold keeps them in their own
	 * mappings, given back when freed, instead of glibc raising it to
	 * their size and leaving holes in the heap (its default). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (o.config) {
		if (absolute_path(o.config, config, sizeof(config)) < 0) {
			fprintf(stderr, "ripd-mep: %s: %s\n", o.config,
				strerror(errno));
			return 2;
		}
	} else if (o.pathspace) {
		snprintf(config, sizeof(config), CONF_DIR "/%s/ripd-mep.conf",
			 o.pathspace);
	} else {
		snprintf(config, sizeof(config), CONF_DIR "/ripd-mep.conf");
	}
	if (o.vty_dir)
		snprintf(vty_dir, sizeof(vty_dir), "%s", o.vty_dir);
	else if (o.pathspace)
		snprintf(vty_dir, sizeof(vty_dir), STATE_DIR "/%s", o.pathspace);
	else
		snprintf(vty_dir, sizeof(vty_dir), STATE_DIR);
	snprintf(vty_path, sizeof(vty_path), "%s/ripd-mep.vty", vty_dir);
	if (o.zserv)
		snprintf(zserv, sizeof(zserv), "%s", o.zserv);
	else if (o.pathspace)
		snprintf(zserv, sizeof(zserv), STATE_DIR "/%s/zserv.api",
			 o.pathspace);
	else
		snprintf(zserv, sizeof(zserv), STATE_DIR "/zserv.api");
	snprintf(pid_path, sizeof(pid_path), "%s",
		 o.pid_file ? o.pid_file : "");
	if (!o.pid_file)
		snprintf(pid_path, sizeof(pid_path), "%s/ripd-mep.pid",
			 vty_dir);

	if (o.log_file) {
		if (log_open_file(o.log_file) < 0) {
			fprintf(stderr, "ripd-mep: --log %s: %s\n", o.log,
				strerror(errno));
			return 2;
		}
	} else {
		log_open("RIPD-MEP",
			 !o.log ? !o.daemonize : strcmp(o.log, "syslog") != 0,
			 o.log ? strcmp(o.log, "syslog") == 0 : o.daemonize);
		if (o.log && strcmp(o.log, "stdout") == 0)
			log_use_stdout();
	}
	if (o.log_level >= 0)
		log_set_level(o.log_level);
	if (conf_load_context(&ctx, &err) < 0) {
		fprintf(stderr, "ripd-mep: %s\n", strbuf_str(&err));
		goto out;
	}

	if (o.check) {
		if (conf_load_file(ctx, config, &cand, &err) < 0) {
			fprintf(stderr, "%s\n", strbuf_str(&err));
			goto out;
		}
		fputs(strbuf_str(&cand.warnings), stderr);
		printf("%s: configuration is valid\n", config);
		conf_candidate_free(&cand);
		rc = 0;
		goto out;
	}
	if (privs_resolve(&privs, o.user, o.group, perr, sizeof(perr)) < 0) {
		fprintf(stderr, "ripd-mep: %s\n", perr);
		rc = 2;
		goto out;
	}

	/* A bad file does not stop the daemon: it runs with an empty
	 * configuration, its vty up so that the operator can fix it, and
	 * opens no backend session (zebra's graceful restart keeps the
	 * routes of the last run) until a valid configuration is applied. */
	conf_candidate_init(&cand);
	if (access(config, F_OK) < 0) {
		log_warn("%s does not exist: starting with an empty "
			 "configuration",
			 config);
	} else if (conf_load_file(ctx, config, &cand, &err) < 0) {
		log_err("%s", strbuf_str(&err));
		log_err("%s is invalid: running without it, fix it through "
			"the vty (configure terminal) or in the file and send "
			"SIGHUP",
			config);
		conf_candidate_init(&cand);
		held = true;
	}
	if (o.daemonize && daemonize() < 0) {
		log_err("cannot daemonize: %s", strerror(errno));
		conf_candidate_free(&cand);
		goto out;
	}
	if (sd_notifier_open(&notifier, perr, sizeof(perr)) < 0)
		log_warn("%s: not notifying systemd", perr);
	signal(SIGPIPE, SIG_IGN);
	loop = ev_default_loop(0);
	if (daemon_init(&the_daemon, ctx, config, o.pathspace) < 0) {
		log_err("out of memory");
		conf_candidate_free(&cand);
		goto out;
	}
	daemon_apply(&the_daemon, &cand);
	if (the_daemon.running)
		log_notice("configuration loaded from %s", config);
	if (make_dir(vty_dir) < 0) {
		log_err("cannot create %s: %s", vty_dir, strerror(errno));
		goto out_daemon;
	}
	vty = vty_server_new(loop, vty_path, &ops, &the_daemon, vty_err,
			     sizeof(vty_err));
	if (!vty) {
		log_err("vty: %s", vty_err);
		goto out_daemon;
	}
	vty_server_set_limits(vty, o.vty_max, o.exec_timeout);
	if (write_pid_file(pid_path) < 0)
		log_warn("cannot write %s: %s", pid_path, strerror(errno));
	/* The vty socket and the pid file are made as root (in FRR's
	 * state directory); USER owns the socket so that it may remove it. */
	if (privs.drop && chown(vty_path, privs.uid, (gid_t)-1) < 0)
		log_warn("cannot give %s to %s: %s", vty_path, privs.user,
			 strerror(errno));
	if (privs_drop(&privs, perr, sizeof(perr)) < 0) {
		log_err("%s", perr);
		vty_server_free(vty);
		goto out_daemon;
	}
	if (daemon_start(&the_daemon, loop, zserv, held,
			 strbuf_str(&err)) < 0) {
		log_err("out of memory starting the IPsec engine link");
		vty_server_free(vty);
		goto out_daemon;
	}
	ev_signal_init(&sig_hup, on_hup, SIGHUP);
	ev_signal_init(&sig_term, on_term, SIGTERM);
	ev_signal_init(&sig_int, on_term, SIGINT);
	ev_signal_start(loop, &sig_hup);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
	ev_timer_init(&watchdog, on_watchdog, notifier.watchdog_s,
		      notifier.watchdog_s);
	if (notifier.fd >= 0 && notifier.watchdog_s > 0)
		ev_timer_start(loop, &watchdog);
	log_notice("ripd-mep %s started, vty on %s, running as %s",
		   PACKAGE_VERSION, vty_path,
		   privs_describe(&privs, who, sizeof(who)));
	notify_status(true, false);
	ev_run(loop, 0);
	sd_notifier_send(&notifier, false, "stopping", false);
	ev_timer_stop(loop, &watchdog);
	vty_server_free(vty);
	if (unlink(pid_path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", pid_path, strerror(errno));
	rc = 0;
out_daemon:
	daemon_fini(&the_daemon);
	ev_loop_destroy(loop);
out:
	sd_notifier_close(&notifier);
	strbuf_free(&err);
	if (ctx)
		ly_ctx_destroy(ctx);
	log_close();
	return rc;
}
