/* zapi_flood: the zebra ceiling for the injection benchmark.
 *
 * Owns one ZAPI (v6, FRR 8.2-8.5 command numbers) connection to zebra. It
 * sends HELLO (route type --type, instance 0, receive_notify on), then
 * pre-encoded ROUTE_ADDs for n IPv4 /24s (prefix j = dom_base + 256 * j,
 * nexthop by interface index, distance/metric/tag set), written as fast as
 * zebra reads them, and counts ROUTE_NOTIFY_OWNER answers per prefix until
 * every prefix is INSTALLED or failed, or the timeout. Prints one line:
 * "installed=N failed=F notes=K write_ms=W elapsed_ms=T" (from the first
 * byte written). Exit 0 when all were installed. Not part of the daemon:
 * the daemon's own ZAPI code lives in frr-plugin/. Every message read from
 * zebra is length-checked; unknown ones are skipped. */
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

#define ZAPI_FLOOD_HDR 10
#define ZAPI_FLOOD_MARKER 254
#define ZAPI_FLOOD_VERSION 6
#define ZAPI_FLOOD_ROUTE_ADD 8
#define ZAPI_FLOOD_NOTIFY_OWNER 10
#define ZAPI_FLOOD_HELLO 18
#define ZAPI_FLOOD_NOTE_INSTALLED 2
#define ZAPI_FLOOD_NOTE_FAIL 0
#define ZAPI_FLOOD_MAX_ROUTES 4000000u

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

static void zapi_flood_put(struct zapi_flood_buf *b, const void *v, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			fprintf(stderr, "zapi_flood: out of memory\n");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void zapi_flood_u8(struct zapi_flood_buf *b, uint8_t v)
{
	zapi_flood_put(b, &v, 1);
}

static void zapi_flood_u16(struct zapi_flood_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	zapi_flood_put(b, x, 2);
}

static void zapi_flood_u32(struct zapi_flood_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	zapi_flood_put(b, x, 4);
}

/* Header with a length patched by zapi_flood_end(). */
static size_t zapi_flood_begin(struct zapi_flood_buf *b, uint16_t cmd)
{
	size_t start = b->len;

	zapi_flood_u16(b, 0);
	zapi_flood_u8(b, ZAPI_FLOOD_MARKER);
	zapi_flood_u8(b, ZAPI_FLOOD_VERSION);
	zapi_flood_u32(b, 0);	/* default VRF */
	zapi_flood_u16(b, cmd);
	return start;
}

static void zapi_flood_end(struct zapi_flood_buf *b, size_t start)
{
	size_t len = b->len - start;

	b->p[start] = (uint8_t)(len >> 8);
	b->p[start + 1] = (uint8_t)len;
}

static void zapi_flood_route(struct zapi_flood_buf *b, uint8_t type,
			     uint32_t prefix, uint32_t ifindex)
{
	size_t h = zapi_flood_begin(b, ZAPI_FLOOD_ROUTE_ADD);

	zapi_flood_u8(b, type);
	zapi_flood_u16(b, 0);		/* instance */
	zapi_flood_u32(b, 0);		/* flags */
	zapi_flood_u32(b, 0x01 | 0x02 | 0x04 | 0x08);	/* nh dist met tag */
	zapi_flood_u8(b, 1);		/* SAFI_UNICAST */
	zapi_flood_u8(b, AF_INET);
	zapi_flood_u8(b, 24);
	zapi_flood_u8(b, (uint8_t)(prefix >> 24));
	zapi_flood_u8(b, (uint8_t)(prefix >> 16));
	zapi_flood_u8(b, (uint8_t)(prefix >> 8));
	zapi_flood_u16(b, 1);		/* one nexthop */
	zapi_flood_u32(b, 0);		/* its VRF */
	zapi_flood_u8(b, 1);		/* NEXTHOP_TYPE_IFINDEX */
	zapi_flood_u8(b, 0);		/* flags */
	zapi_flood_u32(b, ifindex);
	zapi_flood_u8(b, 20);		/* distance */
	zapi_flood_u32(b, 10);		/* metric */
	zapi_flood_u32(b, 2600);	/* tag */
	zapi_flood_end(b, h);
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

/* One message from zebra (header checked by the caller). */
static void zapi_flood_msg(struct zapi_flood_count *c, const uint8_t *m,
			   size_t len)
{
	uint16_t cmd = (uint16_t)(m[8] << 8 | m[9]);
	const uint8_t *body = m + ZAPI_FLOOD_HDR;
	size_t blen = len - ZAPI_FLOOD_HDR;
	uint32_t note, pfx;
	size_t j;

	if (cmd != ZAPI_FLOOD_NOTIFY_OWNER)
		return;
	c->notes++;
	/* note u32 (host order), family, prefixlen, 4 bytes of prefix */
	if (blen < 10 || body[4] != AF_INET || body[5] != 24)
		return;
	memcpy(&note, body, 4);
	pfx = (uint32_t)body[6] << 24 | (uint32_t)body[7] << 16 |
	      (uint32_t)body[8] << 8 | body[9];
	if (pfx < c->dom_base || (pfx - c->dom_base) % 256)
		return;
	j = (pfx - c->dom_base) / 256;
	if (j >= c->n || c->state[j])
		return;
	if (note == ZAPI_FLOOD_NOTE_INSTALLED) {
		c->state[j] = 1;
		c->installed++;
	} else if (note == ZAPI_FLOOD_NOTE_FAIL) {
		c->state[j] = 2;
		c->failed++;
	}
}

/* Consume whole messages from in; returns -1 on a bad header. */
static int zapi_flood_parse(struct zapi_flood_count *c,
			    struct zapi_flood_buf *in)
{
	size_t off = 0;

	while (in->len - off >= ZAPI_FLOOD_HDR) {
		const uint8_t *m = in->p + off;
		size_t len = (size_t)m[0] << 8 | m[1];

		if (len < ZAPI_FLOOD_HDR || m[2] != ZAPI_FLOOD_MARKER ||
		    m[3] != ZAPI_FLOOD_VERSION) {
			fprintf(stderr, "zapi_flood: bad header from zebra "
					"(length %zu, marker %u, version %u)\n",
				len, m[2], m[3]);
			return -1;
		}
		if (in->len - off < len)
			break;
		zapi_flood_msg(c, m, len);
		off += len;
	}
	memmove(in->p, in->p + off, in->len - off);
	in->len -= off;
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
	struct zapi_flood_buf out = { 0 }, in = { 0 };
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
	cnt.n = n;
	cnt.state = calloc(n, 1);
	if (!cnt.state)
		return 1;

	/* HELLO, then every ROUTE_ADD, encoded before the clock starts */
	size_t h = zapi_flood_begin(&out, ZAPI_FLOOD_HELLO);

	zapi_flood_u8(&out, (uint8_t)type);
	zapi_flood_u16(&out, 0);	/* instance */
	zapi_flood_u32(&out, 0);	/* session id */
	zapi_flood_u8(&out, 1);		/* receive_notify */
	zapi_flood_u8(&out, 0);		/* synchronous */
	zapi_flood_end(&out, h);
	size_t hello_len = out.len;

	for (unsigned long j = 0; j < n; j++)
		zapi_flood_route(&out, (uint8_t)type,
				 cnt.dom_base + 256u * (uint32_t)j,
				 (uint32_t)ifindex);

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
			if (r > 0) {
				zapi_flood_put(&in, buf, (size_t)r);
				if (zapi_flood_parse(&cnt, &in) < 0)
					break;
			}
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
	free(in.p);
	free(cnt.state);
	return cnt.installed == n ? 0 : 1;
usage:
	fprintf(stderr, "usage: zapi_flood -s ZSERV_SOCKET -n PREFIXES -i "
			"IFINDEX [--type T] [--dom-base A.B.C.D] "
			"[--timeout S]\n");
	return 2;
}
