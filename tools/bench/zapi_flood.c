/* zapi_flood: the zebra ceiling for the injection benchmark.
 *
 * Owns one ZAPI (v6, FRR 8.2-8.5 command numbers) connection to zebra. It
 * sends HELLO (route type --type, instance 0, receive_notify on), then
 * pre-encoded ROUTE_ADDs for n IPv4 /24s (prefix j = dom_base + 256 * j,
 * nexthop by interface index, distance/metric/tag set), written as fast as
 * zebra reads them, and counts ROUTE_NOTIFY_OWNER answers per prefix until
 * every prefix is INSTALLED or failed, or the timeout. Prints one line:
 * "installed=N failed=F notes=K write_ms=W elapsed_ms=T" (from the first
 * byte written). Exit 0 when all were installed. Not part of the daemon,
 * but it speaks ZAPI through the daemon's codec (frr-plugin/zapi_codec,
 * itself on lib/wire): frames are encoded, split and decoded there, every
 * length checked; unknown messages are skipped. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "zapi_codec.h"

#define ZAPI_FLOOD_MAX_ROUTES 4000000u

/* The frames to send, encoded before the clock starts. */
struct zapi_flood_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static long long zapi_flood_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append one ROUTE_ADD of prefix/24 via ifindex (distance 20, metric 10,
 * tag 2600): 0, or -1 when it does not fit (the caller sized the buffer). */
static int zapi_flood_route(struct zapi_flood_buf *b,
			    const struct zapi_ident *id, uint32_t prefix,
			    uint32_t ifindex)
{
	struct zapi_route rt = {
		.prefix = { .family = AF_INET, .len = 24 },
		.has_nexthop = true,
		.nh = { .type = ZAPI_NH_IFINDEX, .ifindex = ifindex },
		.has_distance = true, .distance = 20,
		.has_metric = true, .metric = 10,
		.has_tag = true, .tag = 2600,
	};
	uint32_t be = htonl(prefix);
	int n;

	memcpy(rt.prefix.addr, &be, 4);
	n = zapi_encode_route(b->p + b->len, b->cap - b->len,
			      &zapi_release_frr8, ZAPI_CMD_ROUTE_ADD, id, &rt);
	if (n < 0)
		return -1;
	b->len += (size_t)n;
	return 0;
}

static int zapi_flood_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct zapi_flood_count {
	uint32_t dom_base;
	size_t n;
	uint8_t *state;	/* per prefix: 0 none, 1 installed, 2 failed */
	size_t installed;
	size_t failed;
	size_t notes;
};

/* One message from zebra. */
static void zapi_flood_msg(struct zapi_flood_count *c,
			   const struct zapi_frame *f)
{
	struct zapi_notify nt;
	uint32_t pfx;
	size_t j;

	if (zapi_release_lookup(&zapi_release_frr8, f->hdr.cmd) !=
	    ZAPI_CMD_ROUTE_NOTIFY_OWNER)
		return;
	c->notes++;
	if (zapi_decode_notify(f->body, f->body_len, &nt, NULL) < 0 ||
	    nt.prefix.family != AF_INET || nt.prefix.len != 24)
		return;
	memcpy(&pfx, nt.prefix.addr, 4);
	pfx = ntohl(pfx);
	if (pfx < c->dom_base || (pfx - c->dom_base) % 256)
		return;
	j = (pfx - c->dom_base) / 256;
	if (j >= c->n || c->state[j])
		return;
	if (nt.note == ZAPI_NOTE_INSTALLED) {
		c->state[j] = 1;
		c->installed++;
	} else if (nt.note == ZAPI_NOTE_FAIL_INSTALL) {
		c->state[j] = 2;
		c->failed++;
	}
}

/* Consume whole messages; returns -1 on a bad header. */
static int zapi_flood_parse(struct zapi_flood_count *c,
			    struct zapi_splitter *in)
{
	struct zapi_frame f;
	const char *err = NULL;
	int k;

	while ((k = zapi_splitter_next(in, &f, &err)) == 1)
		zapi_flood_msg(c, &f);
	if (k < 0) {
		fprintf(stderr, "zapi_flood: bad header from zebra (%s)\n",
			err);
		return -1;
	}
	return 0;
}

static int zapi_flood_num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *s == '\0' || *v > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "prefixes", required_argument, NULL, 'n' },
		{ "ifindex", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 'y' },
		{ "dom-base", required_argument, NULL, 'D' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct zapi_flood_count cnt = { .dom_base = 0x0a000000u };
	struct zapi_flood_buf out = { 0 };
	struct zapi_splitter in;
	struct zapi_ident id = { 0 };
	unsigned long n = 0, ifindex = 0, type = 23, timeout = 120, v;
	const char *path = NULL;
	long long t0, twrite = -1, deadline;
	size_t sent = 0;
	struct in_addr a;
	int c, fd;

	while ((c = getopt_long(argc, argv, "s:n:i:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'n':
		case 'i':
		case 'y':
		case 'T':
			if (zapi_flood_num(optarg,
					   c == 'n'   ? ZAPI_FLOOD_MAX_ROUTES
					   : c == 'y' ? 255
					   : c == 'T' ? 86400
						      : 0x7fffffff,
					   &v) < 0) {
				fprintf(stderr, "zapi_flood: bad number "
						"'%s'\n",
					optarg);
				return 2;
			}
			*(c == 'n'   ? &n
			  : c == 'i' ? &ifindex
			  : c == 'y' ? &type
				     : &timeout) = v;
			break;
		case 'D':
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "zapi_flood: bad address "
						"'%s'\n",
					optarg);
				return 2;
			}
			cnt.dom_base = ntohl(a.s_addr);
			break;
		default:
			goto usage;
		}
	}
	if (!path || !n || !ifindex || optind != argc)
		goto usage;
	if ((uint64_t)cnt.dom_base + 256ull * n > 0xe0000000ull) {
		fprintf(stderr, "zapi_flood: %lu prefixes do not fit\n", n);
		return 2;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "zapi_flood: socket path too long\n");
		return 2;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (type >= ZAPI_ROUTE_MAX) {
		fprintf(stderr, "zapi_flood: bad route type %lu (0-%d)\n",
			type, ZAPI_ROUTE_MAX - 1);
		return 2;
	}
	cnt.n = n;
	cnt.state = calloc(n, 1);
	out.cap = 64 + (size_t)n * ZAPI_ROUTE_MAX_FRAME;
	out.p = malloc(out.cap);
	if (!cnt.state || !out.p) {
		fprintf(stderr, "zapi_flood: out of memory\n");
		return 1;
	}
	zapi_splitter_init(&in);

	/* HELLO (instance 0, session 0, receive_notify), then every
	 * ROUTE_ADD, encoded before the clock starts */
	id.type = (uint8_t)type;
	int hl = zapi_encode_hello(out.p, out.cap, &zapi_release_frr8, &id,
				   true, false);

	if (hl < 0)
		return 1;
	out.len = (size_t)hl;
	size_t hello_len = out.len;

	for (unsigned long j = 0; j < n; j++)
		if (zapi_flood_route(&out, &id,
				     cnt.dom_base + 256u * (uint32_t)j,
				     (uint32_t)ifindex) < 0) {
			fprintf(stderr, "zapi_flood: cannot encode route "
					"%lu\n",
				j);
			return 1;
		}

	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "zapi_flood: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (zapi_flood_write_all(fd, out.p, hello_len) < 0) {
		fprintf(stderr, "zapi_flood: HELLO: %s\n", strerror(errno));
		return 1;
	}
	sent = hello_len;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	t0 = zapi_flood_now_ms();
	deadline = t0 + (long long)timeout * 1000;
	while (cnt.installed + cnt.failed < n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		long long now = zapi_flood_now_ms();

		if (now >= deadline) {
			fprintf(stderr, "zapi_flood: timeout after %lu s\n",
				timeout);
			break;
		}
		if (sent < out.len)
			pf.events |= POLLOUT;
		if (poll(&pf, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			break;
		if (pf.revents & POLLOUT) {
			ssize_t w = write(fd, out.p + sent, out.len - sent);

			if (w > 0) {
				sent += (size_t)w;
				if (sent == out.len)
					twrite = zapi_flood_now_ms() - t0;
			} else if (w < 0 && errno != EAGAIN &&
				   errno != EINTR) {
				fprintf(stderr, "zapi_flood: write: %s\n",
					strerror(errno));
				break;
			}
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			uint8_t buf[65536];
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r == 0 || (r < 0 && errno != EAGAIN &&
				       errno != EINTR)) {
				fprintf(stderr, "zapi_flood: zebra closed the "
						"connection\n");
				break;
			}
			if (r > 0 &&
			    zapi_splitter_feed(&in, buf, (size_t)r) < 0) {
				fprintf(stderr, "zapi_flood: out of memory\n");
				break;
			}
			if (r > 0 && zapi_flood_parse(&cnt, &in) < 0)
				break;
		}
	}
	printf("installed=%zu failed=%zu notes=%zu write_ms=%lld "
	       "elapsed_ms=%lld\n",
	       cnt.installed, cnt.failed, cnt.notes, twrite,
	       zapi_flood_now_ms() - t0);
	fflush(stdout);
	/* stay connected until told to go: zebra drops a client's routes
	 * when it disconnects */
	if (getenv("ZAPI_FLOOD_LINGER"))
		pause();
	close(fd);
	free(out.p);
	zapi_splitter_free(&in);
	free(cnt.state);
	return cnt.installed == n ? 0 : 1;
usage:
	fprintf(stderr, "usage: zapi_flood -s ZSERV_SOCKET -n PREFIXES -i "
			"IFINDEX [--type T] [--dom-base A.B.C.D] "
			"[--timeout S]\n");
	return 2;
}
