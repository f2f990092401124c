/* probe_rogue: sends bad probe packets at a center, for the probe
 * namespace test and the probe-flood benchmark (tools/bench/README).
 *
 * Each --cause is one kind of rogue_packet.h (built with the project's
 * codec, then damaged): garbage, forged, wrong-key, truncated, oversized,
 * version, unknown-sender; or replay, which first captures real requests
 * to the center (--to and --port) with a packet socket (AF_PACKET, IPv4,
 * on the interface --capture names: run it in a namespace on the path,
 * e.g. a router between a satellite and the center) and re-sends them
 * later from its own UDP socket, unchanged. --count packets (or for --duration
 * seconds) at --rate packets/s, 0 meaning as fast as this one thread can
 * (sendmmsg batches of 64); up to 1024 different packets are built before
 * the clock starts and sent in turn. At the end one line on stdout:
 *
 *   probe_rogue: cause=forged sent=N errors=E seconds=S pps=R replies=A
 *
 * (errors: datagrams the kernel refused, e.g. ENOBUFS; they are not
 * counted as sent; replies: datagrams that came back to the rogue's
 * socket until --reply-wait ms after the last one sent: a center that
 * answers a rogue packet shows there; 0 with --spoof, where they go to
 * the forged sources). --spoof CIDR sends each packet from a random
 * source address and port of that IPv4 network through a raw socket
 * (1024 sources in turn: a flood from many addresses). Blocking
 * I/O: a test tool, not part of the daemon. Exit 0, 1 (bad use), 2
 * (nothing captured in time), 3 (socket error). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "rogue_packet.h"

#define ROGUE_POOL 1024
#define ROGUE_BATCH 64
#define ROGUE_DGRAM_MAX (ROGUE_MAX_LEN + 28)	/* with --spoof's headers */

static volatile sig_atomic_t rogue_stop;

static void rogue_on_signal(int sig)
{
	(void)sig;
	rogue_stop = 1;
}

struct rogue_opts {
	enum rogue_cause cause;
	const char *to;
	const char *from;
	unsigned int port;
	unsigned long long count;
	double rate;
	double duration;
	const char *capture;
	unsigned int capture_count;
	double capture_timeout;
	unsigned int replay_delay_ms;
	unsigned int reply_wait_ms;
	const char *spoof;		/* CIDR of forged sources, or NULL */
	uint32_t spoof_net, spoof_mask;
	bool quiet;
	struct rogue_params params;
};

struct rogue_pool {
	uint8_t (*buf)[ROGUE_DGRAM_MAX];
	size_t *len;
	size_t n;
};

static double rogue_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rogue_sleep(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void rogue_usage(FILE *f)
{
	fprintf(f,
		"usage: probe_rogue --to ADDR --cause CAUSE [options]\n"
		"  --to ADDR            the center's address (IPv4 or IPv6)\n"
		"  --port P             its probe port (%d)\n"
		"  --from ADDR          bind to this source address\n"
		"  --cause C            garbage | forged | wrong-key | truncated |\n"
		"                       oversized | version | unknown-sender | replay\n"
		"  --key KEY            the real probe key (key id of forged; signs\n"
		"                       truncated, oversized, version, unknown-sender)\n"
		"  --other-key KEY      wrong-key: the key used instead\n"
		"  --sender NAME        claimed sender (default S1; unknown-sender:\n"
		"                       ROGUE)\n"
		"  --target NAME        the center's name (default M1)\n"
		"  --len N              truncated (default 100) / oversized (189)\n"
		"  --version V          version: the version byte (default 2)\n"
		"  --count N            packets to send (default 1; replay: the\n"
		"                       number captured)\n"
		"  --duration S         send for S seconds instead (a flood)\n"
		"  --rate PPS           packets per second (default 0: at most)\n"
		"  --capture IFACE      replay: capture requests on IFACE\n"
		"  --capture-count N    replay: requests to capture (default 1)\n"
		"  --capture-timeout S  replay: give up after S s (default 10)\n"
		"  --replay-delay MS    replay: wait after the capture (default 200)\n"
		"  --spoof A.B.C.D/LEN  IPv4 only: send from random sources in\n"
		"                       that network (raw socket; %d sources\n"
		"                       in turn; replies are not counted)\n"
		"  --reply-wait MS      count replies this long after the last\n"
		"                       packet (default 300)\n"
		"  --seed N             random seed (default: from the clock)\n"
		"  --quiet              no progress on stderr\n",
		PROBE_DEFAULT_PORT, ROGUE_POOL);
}

/* A.B.C.D/LEN: network and mask in host order. */
static int rogue_parse_cidr(const char *s, uint32_t *net, uint32_t *mask)
{
	char a[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr in;
	unsigned long len;
	char *end;

	if (!slash || (size_t)(slash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	len = strtoul(slash + 1, &end, 10);
	if (*end || slash[1] == '\0' || len > 32 ||
	    inet_pton(AF_INET, a, &in) != 1)
		return -1;
	*mask = len ? ~0u << (32 - len) : 0;
	*net = ntohl(in.s_addr) & *mask;
	return 0;
}

static int rogue_parse(int argc, char **argv, struct rogue_opts *o)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' },
		{ "cause", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "other-key", required_argument, NULL, 'K' },
		{ "sender", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 'T' },
		{ "len", required_argument, NULL, 'l' },
		{ "version", required_argument, NULL, 'V' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "capture", required_argument, NULL, 'C' },
		{ "capture-count", required_argument, NULL, 'N' },
		{ "capture-timeout", required_argument, NULL, 'W' },
		{ "replay-delay", required_argument, NULL, 'D' },
		{ "reply-wait", required_argument, NULL, 'w' },
		{ "spoof", required_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *len = NULL, *sender = NULL;
	bool count_set = false;
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->cause = ROGUE_CAUSE_COUNT;
	o->port = PROBE_DEFAULT_PORT;
	o->count = 1;
	o->capture_count = 1;
	o->capture_timeout = 10;
	o->replay_delay_ms = 200;
	o->reply_wait_ms = 300;
	rogue_params_init(&o->params, (uint64_t)(rogue_now() * 1e9));
	o->params.target = "M1";
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		errno = 0;
		end = NULL;
		switch (ch) {
		case 't':
			o->to = optarg;
			break;
		case 'p':
			o->port = (unsigned int)strtoul(optarg, &end, 10);
			if (o->port == 0 || o->port > 65535)
				errno = ERANGE;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 'c':
			o->cause = rogue_cause_parse(optarg);
			if (o->cause == ROGUE_CAUSE_COUNT) {
				fprintf(stderr, "probe_rogue: unknown cause "
					"'%s'\n", optarg);
				return -1;
			}
			break;
		case 'k':
			o->params.key = optarg;
			break;
		case 'K':
			o->params.other_key = optarg;
			break;
		case 's':
			sender = optarg;
			break;
		case 'T':
			o->params.target = optarg;
			break;
		case 'l':
			len = optarg;
			break;
		case 'V':
			o->params.version =
				(uint8_t)strtoul(optarg, &end, 10);
			break;
		case 'n':
			o->count = strtoull(optarg, &end, 10);
			count_set = true;
			break;
		case 'd':
			o->duration = strtod(optarg, &end);
			break;
		case 'r':
			o->rate = strtod(optarg, &end);
			break;
		case 'C':
			o->capture = optarg;
			break;
		case 'N':
			o->capture_count = (unsigned int)strtoul(optarg, &end,
								 10);
			if (o->capture_count == 0 ||
			    o->capture_count > ROGUE_POOL)
				errno = ERANGE;
			break;
		case 'W':
			o->capture_timeout = strtod(optarg, &end);
			break;
		case 'D':
			o->replay_delay_ms =
				(unsigned int)strtoul(optarg, &end, 10);
			break;
		case 'P':
			o->spoof = optarg;
			if (rogue_parse_cidr(optarg, &o->spoof_net,
					     &o->spoof_mask) < 0)
				errno = EINVAL;
			break;
		case 'w':
			o->reply_wait_ms =
				(unsigned int)strtoul(optarg, &end, 10);
			break;
		case 'S':
			o->params.rng = strtoull(optarg, &end, 0);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			rogue_usage(stdout);
			exit(0);
		default:
			rogue_usage(stderr);
			return -1;
		}
		if (errno || (end && *end)) {
			fprintf(stderr, "probe_rogue: bad value '%s'\n",
				optarg);
			return -1;
		}
	}
	if (optind != argc || !o->to || o->cause == ROGUE_CAUSE_COUNT) {
		rogue_usage(stderr);
		return -1;
	}
	if (o->rate < 0 || o->duration < 0) {
		fprintf(stderr, "probe_rogue: negative rate or duration\n");
		return -1;
	}
	o->params.sender = sender ? sender :
		o->cause == ROGUE_UNKNOWN_SENDER ? "ROGUE" : "S1";
	if (len) {
		unsigned long v = strtoul(len, &end, 10);

		if (*end) {
			fprintf(stderr, "probe_rogue: bad --len '%s'\n", len);
			return -1;
		}
		o->params.truncated_len = v;
		o->params.oversized_len = v;
	}
	if (o->cause == ROGUE_REPLAY) {
		if (!o->capture) {
			fprintf(stderr, "probe_rogue: replay needs "
				"--capture IFACE\n");
			return -1;
		}
		if (!count_set)
			o->count = o->capture_count;
	}
	return 0;
}

/* The destination socket: UDP, bound to --from; *to is --to. Not
 * connected: an ICMP port unreachable would fail the next send. */
static int rogue_socket(const struct rogue_opts *o,
			struct sockaddr_storage *dst, socklen_t *dst_len)
{
	struct sockaddr_storage to, from;
	struct sockaddr_in *t4 = (struct sockaddr_in *)&to;
	struct sockaddr_in6 *t6 = (struct sockaddr_in6 *)&to;
	socklen_t tl;
	int fd, sndbuf = 4 << 20;

	memset(&to, 0, sizeof(to));
	if (inet_pton(AF_INET, o->to, &t4->sin_addr) == 1) {
		t4->sin_family = AF_INET;
		t4->sin_port = htons((uint16_t)o->port);
		tl = sizeof(*t4);
	} else if (inet_pton(AF_INET6, o->to, &t6->sin6_addr) == 1) {
		t6->sin6_family = AF_INET6;
		t6->sin6_port = htons((uint16_t)o->port);
		tl = sizeof(*t6);
	} else {
		fprintf(stderr, "probe_rogue: bad address '%s'\n", o->to);
		return -1;
	}
	fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("probe_rogue: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (o->from) {
		memset(&from, 0, sizeof(from));
		from.ss_family = to.ss_family;
		if (inet_pton(to.ss_family,
			      o->from, to.ss_family == AF_INET ?
			      (void *)&((struct sockaddr_in *)&from)->sin_addr :
			      (void *)&((struct sockaddr_in6 *)&from)->sin6_addr)
		    != 1 || bind(fd, (struct sockaddr *)&from, tl) < 0) {
			fprintf(stderr, "probe_rogue: cannot bind to %s\n",
				o->from);
			close(fd);
			return -1;
		}
	}
	*dst = to;
	*dst_len = tl;
	return fd;
}

static int rogue_pool_alloc(struct rogue_pool *p, size_t n)
{
	p->buf = calloc(n, sizeof(*p->buf));
	p->len = calloc(n, sizeof(*p->len));
	p->n = 0;
	if (!p->buf || !p->len) {
		free(p->buf);
		free(p->len);
		return -1;
	}
	return 0;
}

static int rogue_pool_build(struct rogue_pool *p, struct rogue_opts *o,
			    size_t n)
{
	int len;

	for (p->n = 0; p->n < n; p->n++) {
		len = rogue_build(o->cause, &o->params, p->buf[p->n],
				  ROGUE_MAX_LEN);
		if (len < 0) {
			fprintf(stderr, "probe_rogue: cannot build a %s "
				"packet (key, names, --len or --version?)\n",
				rogue_cause_name(o->cause));
			return -1;
		}
		p->len[p->n] = (size_t)len;
	}
	return 0;
}

/* Capture o->capture_count distinct requests to o->port on o->capture. */
static int rogue_capture(struct rogue_pool *p, const struct rogue_opts *o,
			 const struct sockaddr_storage *to)
{
	uint32_t daddr = 0;
	struct sockaddr_ll sll;
	uint8_t frame[2048];
	const uint8_t *pl;
	size_t plen;
	uint32_t src;
	uint16_t sport;
	double deadline = rogue_now() + o->capture_timeout;
	struct pollfd pfd;
	ssize_t n;
	int fd;

	if (to->ss_family != AF_INET) {
		fprintf(stderr, "probe_rogue: replay captures IPv4 only\n");
		return -1;
	}
	daddr = ntohl(((const struct sockaddr_in *)to)->sin_addr.s_addr);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0) {
		perror("probe_rogue: packet socket");
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)if_nametoindex(o->capture);
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "probe_rogue: cannot capture on '%s'\n",
			o->capture);
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	p->n = 0;
	while (p->n < o->capture_count && !rogue_stop) {
		double left = deadline - rogue_now();

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recv(fd, frame, sizeof(frame), 0);
		if (n <= 0 ||
		    !rogue_capture_match(frame, (size_t)n, daddr,
					 (uint16_t)o->port,
					 &pl, &plen, &src, &sport))
			continue;
		/* a packet seen twice (both directions of a bridge) once */
		if (p->n && memcmp(p->buf[p->n - 1], pl, plen) == 0)
			continue;
		memcpy(p->buf[p->n], pl, plen);
		p->len[p->n] = plen;
		p->n++;
		if (!o->quiet)
			fprintf(stderr, "probe_rogue: captured request %zu "
				"from %u.%u.%u.%u:%u\n", p->n, src >> 24,
				(src >> 16) & 0xff, (src >> 8) & 0xff,
				src & 0xff, sport);
	}
	close(fd);
	return p->n == o->capture_count ? 0 : -1;
}

/* --spoof: the pool's n payloads, each in an IPv4/UDP datagram from a
 * random source of the network and a random port, repeated to fill
 * ROGUE_POOL entries (that many sources in turn). */
static int rogue_spoof_wrap(struct rogue_pool *p, struct rogue_opts *o,
			    uint32_t dst)
{
	uint8_t payload[ROGUE_MAX_LEN];
	size_t n = p->n, i;
	int len;

	for (i = ROGUE_POOL; i-- > 0;) {
		uint64_t r = rogue_random(&o->params);

		memcpy(payload, p->buf[i % n], p->len[i % n]);
		len = rogue_ipv4_udp(p->buf[i], ROGUE_DGRAM_MAX,
				     o->spoof_net | ((uint32_t)r &
						     ~o->spoof_mask),
				     dst, (uint16_t)(1024 + (r >> 32) % 60000),
				     (uint16_t)o->port, payload, p->len[i % n]);
		if (len < 0)
			return -1;
		p->len[i] = (size_t)len;
	}
	p->n = ROGUE_POOL;
	return 0;
}

/* Datagrams received on fd (replies to the rogue) until wait_ms passed
 * with none. */
static unsigned long long rogue_replies(int fd, unsigned int wait_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned long long n = 0;
	uint8_t buf[2048];

	while (!rogue_stop && poll(&pfd, 1, (int)wait_ms) > 0)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			n++;
	return n;
}

/* Send o->count packets (or for o->duration s) cycling through the pool
 * at o->rate (0: as fast as possible). */
static void rogue_send(int fd, const struct sockaddr_storage *to,
		       socklen_t to_len, const struct rogue_pool *p,
		       const struct rogue_opts *o)
{
	struct mmsghdr msg[ROGUE_BATCH];
	struct iovec iov[ROGUE_BATCH];
	unsigned long long sent = 0, errors = 0, goal;
	double start, end, elapsed;
	size_t next = 0;
	unsigned int batch, i;
	int rc;

	goal = o->duration > 0 ? ~0ULL : o->count;
	start = rogue_now();
	end = o->duration > 0 ? start + o->duration : 0;
	while (sent + errors < goal && !rogue_stop) {
		double now = rogue_now();

		if (end && now >= end)
			break;
		batch = ROGUE_BATCH;
		if (o->rate > 0) {
			/* the packets due by now, at least one: wait for it */
			double due = start + (double)(sent + errors) / o->rate;
			double ahead = (now - due) * o->rate;

			if (ahead < 0) {
				rogue_sleep(-ahead / o->rate);
				ahead = 0;
			}
			batch = ahead + 1 < ROGUE_BATCH ?
				(unsigned int)ahead + 1 : ROGUE_BATCH;
		}
		if (goal - sent - errors < batch)
			batch = (unsigned int)(goal - sent - errors);
		for (i = 0; i < batch; i++) {
			iov[i].iov_base = p->buf[next];
			iov[i].iov_len = p->len[next];
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = (void *)to;
			msg[i].msg_hdr.msg_namelen = to_len;
			next = (next + 1) % p->n;
		}
		rc = sendmmsg(fd, msg, batch, 0);
		if (rc < 0) {
			errors++;	/* the first one failed: skip it */
			continue;
		}
		sent += (unsigned int)rc;
	}
	elapsed = rogue_now() - start;
	printf("probe_rogue: cause=%s sent=%llu errors=%llu seconds=%.3f "
	       "pps=%.0f replies=%llu\n", rogue_cause_name(o->cause), sent,
	       errors, elapsed, elapsed > 0 ? (double)sent / elapsed : 0.0,
	       o->spoof ? 0 : rogue_replies(fd, o->reply_wait_ms));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct rogue_opts o;
	struct rogue_pool pool;
	struct sockaddr_storage to;
	socklen_t to_len = 0;
	int fd, rc = 0;

	if (rogue_parse(argc, argv, &o) < 0)
		return 1;
	signal(SIGINT, rogue_on_signal);
	signal(SIGTERM, rogue_on_signal);
	fd = rogue_socket(&o, &to, &to_len);
	if (fd < 0)
		return 3;
	if (rogue_pool_alloc(&pool, ROGUE_POOL) < 0) {
		fprintf(stderr, "probe_rogue: out of memory\n");
		close(fd);
		return 3;
	}
	if (o.cause == ROGUE_REPLAY) {
		if (rogue_capture(&pool, &o, &to) < 0) {
			fprintf(stderr, "probe_rogue: captured %zu of %u "
				"requests on %s\n", pool.n, o.capture_count,
				o.capture);
			rc = 2;
			goto out;
		}
		rogue_sleep(o.replay_delay_ms / 1000.0);
	} else if (rogue_pool_build(&pool, &o,
				    o.count < ROGUE_POOL && o.duration <= 0 ?
				    (size_t)(o.count ? o.count : 1) :
				    ROGUE_POOL) < 0) {
		rc = 1;
		goto out;
	}
	if (o.spoof) {
		/* the same destination, through a raw socket (IP_HDRINCL) */
		close(fd);
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (to.ss_family != AF_INET || fd < 0 ||
		    rogue_spoof_wrap(&pool, &o, ntohl(((struct sockaddr_in *)
						       &to)->sin_addr.s_addr))
		    < 0) {
			fprintf(stderr, "probe_rogue: --spoof needs an IPv4 "
				"--to and a raw socket (root)\n");
			rc = 3;
			goto out;
		}
	}
	rogue_send(fd, &to, to_len, &pool, &o);
out:
	free(pool.buf);
	free(pool.len);
	if (fd >= 0)
		close(fd);
	return rc;
}
