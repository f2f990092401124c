/* vici_feed: a fake strongSwan VICI server for the injection benchmark.
 *
 * Owns one unix socket and the synthetic tunnel set it serves: tunnel i
 * (0 <= i < n) is IKE_SA "s<i>" from remote-host sat_base + i with one
 * CHILD_SA "net" INSTALLED whose remote traffic selectors are the four /24s
 * of the /22 at dom_base + 1024 * i (its peer's VPN domain).
 *
 * It answers event registrations (EVENT_CONFIRM) and every command with an
 * empty CMD_RESPONSE, except list-sas:
 *   --mode list    list-sas streams one list-sa event per tunnel, then the
 *                  response (the daemon's start-up resync);
 *   --mode updown  the first list-sas is answered empty at once, then one
 *                  child-updown (up = yes) per tunnel is streamed (tunnels
 *                  coming up one by one); later list-sas list them all.
 * With --pace-ms MS every 16 KiB of a stream is followed by a pause of MS
 * (a slow listing). With --down-every M, the first stream is followed by
 * a child-updown (down) for each tunnel i with i % M == 0, which later
 * listings leave out. A stream is encoded whole before it is written (the
 * clock starts at the first write, as zapi_flood's does). With --go FILE
 * the first list-sas waits until FILE exists, so the caller can measure
 * the daemon before any tunnel. --times FILE receives "start_ms end_ms"
 * (CLOCK_REALTIME) of the first stream. One client at a
 * time; on EOF the next one is accepted. Blocking I/O: a benchmark tool,
 * not part of the daemon. Uses ripd-mep's VICI encoder (libmep.a). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vici_codec.h"

#define VICI_FEED_MAX_TUNNELS 4000000u

/* SIGTERM/SIGINT: leave the loops and exit cleanly (leak checkers). */
static volatile sig_atomic_t vici_feed_stop;

static void vici_feed_on_signal(int sig)
{
	(void)sig;
	vici_feed_stop = 1;
}

struct vici_feed {
	const char *path;
	unsigned int n;
	bool updown;
	const char *go;
	const char *times;
	uint32_t sat_base;
	uint32_t dom_base;
	unsigned int down_every;	/* 0, or M: tunnels i % M == 0 go down */
	unsigned int pace_ms;		/* 0, or a pause per 16 KiB written */
	bool downed;			/* they went down */
	char local_ts[64];
	bool streamed;
	int fd;
};

static long long vici_feed_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void vici_feed_ip(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = htonl(a) };

	inet_ntop(AF_INET, &in, buf, len);
}

static int vici_feed_write(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "vici_feed: write: %s\n",
				strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int vici_feed_send(int fd, enum vici_op op, const char *name,
			  const struct vici_builder *b)
{
	char err[VICI_ERR_MAX];
	uint8_t *f;
	size_t len;
	int rc;

	if (vici_encode(op, name, b, &f, &len, err) < 0) {
		fprintf(stderr, "vici_feed: encode: %s\n", err);
		return -1;
	}
	rc = vici_feed_write(fd, f, len);
	free(f);
	return rc;
}

/* The IKE_SA section of tunnel i with its one CHILD_SA. */
static void vici_feed_ike(const struct vici_feed *f, struct vici_builder *b,
			  unsigned int i)
{
	char name[32], id[16], addr[INET_ADDRSTRLEN], ts[INET_ADDRSTRLEN + 4];
	char local[INET_ADDRSTRLEN];

	snprintf(name, sizeof(name), "s%u", i);
	snprintf(id, sizeof(id), "%u", i + 1);
	vici_feed_ip(f->sat_base + i, addr, sizeof(addr));
	vici_feed_ip(0xc0000201u, local, sizeof(local));
	vici_builder_section_start(b, name);
	vici_builder_kv_str(b, "uniqueid", id);
	vici_builder_kv_str(b, "version", "2");
	vici_builder_kv_str(b, "state", "ESTABLISHED");
	vici_builder_kv_str(b, "local-host", local);
	vici_builder_kv_str(b, "local-port", "4500");
	vici_builder_kv_str(b, "local-id", "M1");
	vici_builder_kv_str(b, "remote-host", addr);
	vici_builder_kv_str(b, "remote-port", "4500");
	vici_builder_kv_str(b, "remote-id", addr);
	vici_builder_section_start(b, "child-sas");
	snprintf(name, sizeof(name), "net-%u", i + 1);
	vici_builder_section_start(b, name);
	vici_builder_kv_str(b, "name", "net");
	vici_builder_kv_str(b, "uniqueid", id);
	vici_builder_kv_str(b, "reqid", id);
	vici_builder_kv_str(b, "state", "INSTALLED");
	vici_builder_kv_str(b, "mode", "TUNNEL");
	vici_builder_kv_str(b, "protocol", "ESP");
	vici_builder_kv_str(b, "encap", "yes");
	vici_builder_list_start(b, "local-ts");
	vici_builder_list_item_str(b, f->local_ts);
	vici_builder_list_end(b);
	vici_builder_list_start(b, "remote-ts");
	for (uint32_t k = 0; k < 4; k++) {
		vici_feed_ip(f->dom_base + 1024u * i + 256u * k, addr,
			     sizeof(addr));
		snprintf(ts, sizeof(ts), "%s/24", addr);
		vici_builder_list_item_str(b, ts);
	}
	vici_builder_list_end(b);
	vici_builder_section_end(b);
	vici_builder_section_end(b);
	vici_builder_section_end(b);
}

/* Append one frame to the stream being built. */
static int vici_feed_append(uint8_t **buf, size_t *len, size_t *cap,
			    const char *name, const struct vici_builder *b)
{
	char err[VICI_ERR_MAX];
	uint8_t *f;
	size_t n;

	if (vici_encode(VICI_EVENT, name, b, &f, &n, err) < 0) {
		fprintf(stderr, "vici_feed: encode: %s\n", err);
		return -1;
	}
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 1 << 20;
		uint8_t *nb;

		while (c < *len + n)
			c *= 2;
		nb = realloc(*buf, c);
		if (!nb) {
			free(f);
			fprintf(stderr, "vici_feed: out of memory\n");
			return -1;
		}
		*buf = nb;
		*cap = c;
	}
	memcpy(*buf + *len, f, n);
	*len += n;
	free(f);
	return 0;
}

/* Encode the whole stream, one event per tunnel (list-sa, or child-updown
 * with up = yes), before the clock starts: like zapi_flood's pre-encoded
 * ROUTE_ADDs, the feed's own encoding is not what is measured (on 2 CPUs
 * it would take a core from ripd-mep and zebra). */
enum vici_feed_events {
	VICI_FEED_LIST,		/* list-sa of every tunnel up */
	VICI_FEED_UP,		/* child-updown up = yes, every tunnel */
	VICI_FEED_DOWN,		/* child-updown down, tunnels i % M == 0 */
};

/* Is tunnel i up (after the --down-every events, if sent)? */
static bool vici_feed_up(const struct vici_feed *f, unsigned int i)
{
	return !f->downed || !f->down_every || i % f->down_every != 0;
}

static int vici_feed_encode(const struct vici_feed *f,
			    enum vici_feed_events ev, uint8_t **buf,
			    size_t *len)
{
	struct vici_builder b;
	size_t cap = 0;
	int rc = 0;

	*buf = NULL;
	*len = 0;
	vici_builder_init(&b);
	for (unsigned int i = 0; i < f->n && rc == 0; i++) {
		if (ev == VICI_FEED_DOWN ? i % f->down_every != 0
					 : !vici_feed_up(f, i))
			continue;
		b.len = 0;
		if (ev == VICI_FEED_UP)
			vici_builder_kv_str(&b, "up", "yes");
		vici_feed_ike(f, &b, i);
		rc = vici_feed_append(buf, len, &cap,
				      ev == VICI_FEED_LIST ? "list-sa"
							   : "child-updown",
				      &b);
	}
	vici_builder_free(&b);
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* Write a whole stream: at once, or 16 KiB at a time with a pause of
 * pace_ms after each (a slow charon). */
static int vici_feed_write_stream(const struct vici_feed *f,
				  const uint8_t *p, size_t n)
{
	const size_t chunk = 16384;

	if (!f->pace_ms)
		return vici_feed_write(f->fd, p, n);
	while (n) {
		size_t k = n < chunk ? n : chunk;

		if (vici_feed_write(f->fd, p, k) < 0)
			return -1;
		p += k;
		n -= k;
		usleep(f->pace_ms * 1000u);
	}
	return 0;
}

/* Stream the events ev. */
static int vici_feed_stream(const struct vici_feed *f,
			    enum vici_feed_events ev)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (vici_feed_encode(f, ev, &buf, &len) < 0)
		return -1;
	rc = vici_feed_write_stream(f, buf, len);
	free(buf);
	return rc;
}

static int vici_feed_list_sas(struct vici_feed *f)
{
	long long t0, t1;
	uint8_t *buf;
	size_t len;
	FILE *tf;
	int rc;

	if (f->streamed) {
		/* a resync: everything is up by now */
		if (vici_feed_stream(f, VICI_FEED_LIST) < 0)
			return -1;
		return vici_feed_send(f->fd, VICI_CMD_RESPONSE, NULL, NULL);
	}
	if (vici_feed_encode(f, f->updown ? VICI_FEED_UP : VICI_FEED_LIST, &buf,
			     &len) < 0)
		return -1;
	while (f->go && access(f->go, F_OK) != 0) {
		if (vici_feed_stop) {
			free(buf);
			return -1;
		}
		usleep(5000);
	}
	t0 = vici_feed_now_ms();
	if (f->updown) {
		rc = vici_feed_send(f->fd, VICI_CMD_RESPONSE, NULL, NULL);
		if (rc == 0)
			rc = vici_feed_write_stream(f, buf, len);
	} else {
		rc = vici_feed_write_stream(f, buf, len);
		if (rc == 0)
			rc = vici_feed_send(f->fd, VICI_CMD_RESPONSE, NULL,
					    NULL);
	}
	t1 = vici_feed_now_ms();
	free(buf);
	if (rc == 0 && f->down_every) {
		/* then every down_every-th tunnel goes down */
		rc = vici_feed_stream(f, VICI_FEED_DOWN);
		f->downed = true;
	}
	f->streamed = true;
	fprintf(stderr, "vici_feed: streamed %u %s events in %lld ms\n", f->n,
		f->updown ? "child-updown" : "list-sa", t1 - t0);
	if (f->times && (tf = fopen(f->times, "w"))) {
		fprintf(tf, "%lld %lld\n", t0, t1);
		fclose(tf);
	}
	return rc;
}

static int vici_feed_handle(struct vici_feed *f, const uint8_t *p,
			    size_t len)
{
	char err[VICI_ERR_MAX];
	struct vici_msg *m;
	int rc = 0;

	if (vici_msg_parse(p, len, &m, err) < 0) {
		fprintf(stderr, "vici_feed: bad frame: %s\n", err);
		return -1;
	}
	switch (m->op) {
	case VICI_EVENT_REGISTER:
	case VICI_EVENT_UNREGISTER:
		rc = vici_feed_send(f->fd, VICI_EVENT_CONFIRM, NULL, NULL);
		break;
	case VICI_CMD_REQUEST:
		if (strcmp(m->name, "list-sas") == 0)
			rc = vici_feed_list_sas(f);
		else
			rc = vici_feed_send(f->fd, VICI_CMD_RESPONSE, NULL,
					    NULL);
		break;
	default:
		fprintf(stderr, "vici_feed: unexpected %s\n",
			vici_op_name(m->op));
		rc = -1;
	}
	vici_msg_free(m);
	return rc;
}

static void vici_feed_serve(struct vici_feed *f)
{
	struct vici_splitter sp;
	uint8_t buf[65536];
	char err[VICI_ERR_MAX];

	vici_splitter_init(&sp);
	for (;;) {
		const uint8_t *p;
		size_t len;
		ssize_t r = read(f->fd, buf, sizeof(buf));
		int k;

		if (r < 0 && errno == EINTR && !vici_feed_stop)
			continue;
		if (r <= 0)
			break;
		if (vici_splitter_feed(&sp, buf, (size_t)r) < 0)
			break;
		while ((k = vici_splitter_next(&sp, &p, &len, err)) == 1)
			if (vici_feed_handle(f, p, len) < 0)
				goto out;
		if (k < 0) {
			fprintf(stderr, "vici_feed: %s\n", err);
			break;
		}
	}
out:
	vici_splitter_free(&sp);
}

static int vici_feed_addr(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* A decimal number in [lo, hi] for option what; -1 (said) otherwise. */
static int vici_feed_number(const char *what, const char *s, unsigned long lo,
			    unsigned long hi, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v < lo || v > hi) {
		fprintf(stderr, "vici_feed: bad %s '%s' (%lu-%lu)\n", what, s,
			lo, hi);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static void vici_feed_usage(void)
{
	fprintf(stderr,
		"usage: vici_feed -s SOCKET -n TUNNELS [--mode list|updown]\n"
		"       [--go FILE] [--times FILE] [--sat-base A.B.C.D]\n"
		"       [--dom-base A.B.C.D] [--local-ts PREFIX]\n"
		"       [--down-every M] [--pace-ms MS]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "tunnels", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "go", required_argument, NULL, 'g' },
		{ "times", required_argument, NULL, 't' },
		{ "sat-base", required_argument, NULL, 'S' },
		{ "dom-base", required_argument, NULL, 'D' },
		{ "local-ts", required_argument, NULL, 'L' },
		{ "down-every", required_argument, NULL, 'M' },
		{ "pace-ms", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct vici_feed f = { .sat_base = 0x64400001u,	/* 100.64.0.1 */
			       .dom_base = 0x0a000000u,	/* 10.0.0.0 */
			       .fd = -1 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int c, lfd;

	snprintf(f.local_ts, sizeof(f.local_ts), "172.16.0.0/16");
	while ((c = getopt_long(argc, argv, "s:n:m:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			f.path = optarg;
			break;
		case 'n':
			if (vici_feed_number("tunnel count", optarg, 1,
					     VICI_FEED_MAX_TUNNELS, &f.n) < 0)
				return 2;
			break;
		case 'm':
			if (strcmp(optarg, "list") && strcmp(optarg, "updown")) {
				vici_feed_usage();
				return 2;
			}
			f.updown = strcmp(optarg, "updown") == 0;
			break;
		case 'g':
			f.go = optarg;
			break;
		case 't':
			f.times = optarg;
			break;
		case 'S':
		case 'D':
			if (vici_feed_addr(optarg, c == 'S' ? &f.sat_base
							    : &f.dom_base)) {
				fprintf(stderr, "vici_feed: bad address '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'M':
			if (vici_feed_number("--down-every", optarg, 1,
					     VICI_FEED_MAX_TUNNELS,
					     &f.down_every) < 0)
				return 2;
			break;
		case 'P':
			if (vici_feed_number("--pace-ms", optarg, 0, 1000,
					     &f.pace_ms) < 0)
				return 2;
			break;
		case 'L':
			if (strlen(optarg) >= sizeof(f.local_ts)) {
				fprintf(stderr, "vici_feed: --local-ts too "
						"long\n");
				return 2;
			}
			snprintf(f.local_ts, sizeof(f.local_ts), "%s", optarg);
			break;
		default:
			vici_feed_usage();
			return 2;
		}
	}
	if (!f.path || !f.n || optind != argc) {
		vici_feed_usage();
		return 2;
	}
	if ((uint64_t)f.dom_base + 1024ull * f.n > 0xe0000000ull ||
	    (uint64_t)f.sat_base + f.n > 0xe0000000ull) {
		fprintf(stderr, "vici_feed: %u tunnels do not fit above the "
				"base addresses\n",
			f.n);
		return 2;
	}
	if (strlen(f.path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "vici_feed: socket path too long\n");
		return 2;
	}
	memcpy(sun.sun_path, f.path, strlen(f.path) + 1);
	struct sigaction sa = { .sa_handler = vici_feed_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: EINTR ends waits */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(f.path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 4) < 0) {
		fprintf(stderr, "vici_feed: %s: %s\n", f.path,
			strerror(errno));
		return 1;
	}
	chmod(f.path, 0660);
	while (!vici_feed_stop) {
		f.fd = accept(lfd, NULL, NULL);
		if (f.fd < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vici_feed: accept: %s\n",
				strerror(errno));
			break;
		}
		fprintf(stderr, "vici_feed: client connected\n");
		vici_feed_serve(&f);
		close(f.fd);
		fprintf(stderr, "vici_feed: client gone\n");
	}
	close(lfd);
	unlink(f.path);
	return vici_feed_stop ? 0 : 1;
}
