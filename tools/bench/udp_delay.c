/* udp_delay: a UDP relay that adds a delay, the far path of the probe
 * namespace test and benchmarks (this kernel has no netem).
 *
 * It listens on --listen ADDR:PORT; each datagram from a client (source
 * address and port) is sent on to --to ADDR:PORT from a socket of that
 * client's own (so that the answers come back to it), and each answer is
 * sent back to the client from the listening address. Every datagram,
 * both ways, leaves --delay ms (plus a uniform draw in [-jitter, +jitter]
 * ms, at least 0) after it arrived: the round trip grows by twice the
 * delay. Datagrams leave in order of their due time (jitter may reorder
 * them, as a real path does). SIGHUP re-reads --control FILE ("DELAY
 * [JITTER]" in ms) so a test can vary the delay without losing a packet;
 * SIGTERM/SIGINT print the counts on stderr and exit. At most 64 clients
 * and 4096 datagrams in flight (more are dropped and counted). Blocking
 * I/O on the monotonic clock; a test tool, not part of the daemon. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DELAY_CLIENTS 64
#define DELAY_QUEUE 4096
#define DELAY_MTU 2048

static volatile sig_atomic_t delay_stop, delay_reload;

static void delay_on_signal(int sig)
{
	if (sig == SIGHUP)
		delay_reload = 1;
	else
		delay_stop = 1;
}

struct delay_client {
	struct sockaddr_storage addr;	/* the client */
	socklen_t len;
	int fd;				/* its socket toward --to */
};

struct delay_item {
	uint64_t due_us;
	int fd;				/* the socket it leaves from */
	struct sockaddr_storage to;
	socklen_t to_len;
	size_t len;
	uint8_t data[DELAY_MTU];
};

struct delay_relay {
	int listen_fd;
	struct sockaddr_storage up;	/* --to */
	socklen_t up_len;
	struct delay_client client[DELAY_CLIENTS];
	size_t n_client;
	struct delay_item *queue;	/* sorted by due_us */
	size_t n_queue;
	double delay_ms, jitter_ms;
	const char *control;
	uint64_t rng;
	unsigned long long to_up, to_client, dropped;
};

static uint64_t delay_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ADDR:PORT or [ADDR6]:PORT */
static int delay_parse_addr(const char *s, struct sockaddr_storage *out,
			    socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	unsigned long port;
	size_t hl;
	char *end;

	if (!colon)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return -1;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static int delay_read_control(struct delay_relay *r)
{
	double d, j = 0;
	FILE *f;
	int n;

	f = fopen(r->control, "r");
	if (!f) {
		fprintf(stderr, "udp_delay: cannot read %s\n", r->control);
		return -1;
	}
	n = fscanf(f, "%lf %lf", &d, &j);
	fclose(f);
	if (n < 1 || d < 0 || j < 0) {
		fprintf(stderr, "udp_delay: %s: want 'DELAY [JITTER]' (ms)\n",
			r->control);
		return -1;
	}
	r->delay_ms = d;
	r->jitter_ms = n == 2 ? j : 0;
	fprintf(stderr, "udp_delay: delay %.3f ms, jitter %.3f ms\n",
		r->delay_ms, r->jitter_ms);
	return 0;
}

static double delay_draw(struct delay_relay *r)
{
	uint64_t z;
	double u, d;

	if (r->jitter_ms <= 0)
		return r->delay_ms;
	z = (r->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	u = (double)(z >> 11) / 9007199254740992.0;	/* [0, 1) */
	d = r->delay_ms + (2 * u - 1) * r->jitter_ms;
	return d > 0 ? d : 0;
}

static void delay_enqueue(struct delay_relay *r, int fd,
			  const struct sockaddr_storage *to, socklen_t to_len,
			  const uint8_t *data, size_t len, uint64_t now)
{
	uint64_t due = now + (uint64_t)(delay_draw(r) * 1000);
	size_t i;

	if (r->n_queue == DELAY_QUEUE) {
		r->dropped++;
		return;
	}
	i = r->n_queue;
	while (i > 0 && r->queue[i - 1].due_us > due) {
		r->queue[i] = r->queue[i - 1];
		i--;
	}
	r->queue[i].due_us = due;
	r->queue[i].fd = fd;
	r->queue[i].to = *to;
	r->queue[i].to_len = to_len;
	r->queue[i].len = len;
	memcpy(r->queue[i].data, data, len);
	r->n_queue++;
}

static struct delay_client *delay_client(struct delay_relay *r,
					 const struct sockaddr_storage *a,
					 socklen_t len)
{
	struct delay_client *c;
	size_t i;
	int fd;

	for (i = 0; i < r->n_client; i++)
		if (r->client[i].len == len &&
		    memcmp(&r->client[i].addr, a, len) == 0)
			return &r->client[i];
	if (r->n_client == DELAY_CLIENTS)
		return NULL;
	fd = socket(r->up.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	c = &r->client[r->n_client++];
	c->addr = *a;
	c->len = len;
	c->fd = fd;
	return c;
}

static void delay_flush(struct delay_relay *r, uint64_t now)
{
	size_t i = 0;

	while (i < r->n_queue && r->queue[i].due_us <= now) {
		struct delay_item *it = &r->queue[i++];

		sendto(it->fd, it->data, it->len, 0,
		       (struct sockaddr *)&it->to, it->to_len);
	}
	if (i) {
		memmove(r->queue, r->queue + i,
			(r->n_queue - i) * sizeof(*r->queue));
		r->n_queue -= i;
	}
}

static void delay_loop(struct delay_relay *r)
{
	struct pollfd pfd[1 + DELAY_CLIENTS];
	struct sockaddr_storage from;
	uint8_t buf[DELAY_MTU];
	socklen_t fl;
	ssize_t n;
	size_t i;
	int timeout;

	while (!delay_stop) {
		uint64_t now = delay_now_us();

		if (delay_reload) {
			delay_reload = 0;
			if (r->control)
				delay_read_control(r);
		}
		delay_flush(r, now);
		timeout = -1;
		if (r->n_queue) {
			uint64_t wait = r->queue[0].due_us - now;

			timeout = (int)(wait / 1000);
		}
		pfd[0].fd = r->listen_fd;
		pfd[0].events = POLLIN;
		for (i = 0; i < r->n_client; i++) {
			pfd[1 + i].fd = r->client[i].fd;
			pfd[1 + i].events = POLLIN;
		}
		/* poll's ms granularity: wait the last ms spinning on 0 */
		if (poll(pfd, 1 + r->n_client, timeout) <= 0)
			continue;
		now = delay_now_us();
		if (pfd[0].revents & POLLIN) {
			struct delay_client *c;

			fl = sizeof(from);
			n = recvfrom(r->listen_fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
			c = n >= 0 ? delay_client(r, &from, fl) : NULL;
			if (c) {
				delay_enqueue(r, c->fd, &r->up, r->up_len, buf,
					      (size_t)n, now);
				r->to_up++;
			} else if (n >= 0) {
				r->dropped++;
			}
		}
		for (i = 0; i < r->n_client; i++) {
			if (!(pfd[1 + i].revents & POLLIN))
				continue;
			n = recv(r->client[i].fd, buf, sizeof(buf), 0);
			if (n < 0)
				continue;
			delay_enqueue(r, r->listen_fd, &r->client[i].addr,
				      r->client[i].len, buf, (size_t)n, now);
			r->to_client++;
		}
	}
}

static void delay_usage(FILE *f)
{
	fprintf(f,
		"usage: udp_delay --listen ADDR:PORT --to ADDR:PORT "
		"[--delay MS] [--jitter MS] [--control FILE]\n"
		"  --listen ADDR:PORT  where clients send ([ADDR6]:PORT for IPv6)\n"
		"  --to ADDR:PORT      the far end\n"
		"  --delay MS          added one-way delay, each direction (0)\n"
		"  --jitter MS         uniform +/- MS on each datagram (0)\n"
		"  --control FILE      'DELAY [JITTER]': read at start (when it\n"
		"                      exists) and on SIGHUP\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "to", required_argument, NULL, 't' },
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct delay_relay r;
	struct sockaddr_storage la;
	socklen_t ll = 0;
	const char *listen_s = NULL, *to_s = NULL;
	struct sigaction sa;
	char *end;
	int ch, one = 1;

	r.rng = delay_now_us();
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		end = NULL;
		switch (ch) {
		case 'l':
			listen_s = optarg;
			break;
		case 't':
			to_s = optarg;
			break;
		case 'd':
			r.delay_ms = strtod(optarg, &end);
			break;
		case 'j':
			r.jitter_ms = strtod(optarg, &end);
			break;
		case 'c':
			r.control = optarg;
			break;
		case 'h':
			delay_usage(stdout);
			return 0;
		default:
			delay_usage(stderr);
			return 1;
		}
		if (end && (*end || r.delay_ms < 0 || r.jitter_ms < 0)) {
			fprintf(stderr, "udp_delay: bad value '%s'\n", optarg);
			return 1;
		}
	}
	if (optind != argc || !listen_s || !to_s) {
		delay_usage(stderr);
		return 1;
	}
	if (delay_parse_addr(listen_s, &la, &ll) < 0 ||
	    delay_parse_addr(to_s, &r.up, &r.up_len) < 0) {
		fprintf(stderr, "udp_delay: bad ADDR:PORT\n");
		return 1;
	}
	if (r.control && access(r.control, R_OK) == 0 &&
	    delay_read_control(&r) < 0)
		return 1;
	r.queue = calloc(DELAY_QUEUE, sizeof(*r.queue));
	if (!r.queue) {
		fprintf(stderr, "udp_delay: out of memory\n");
		return 1;
	}
	r.listen_fd = socket(la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r.listen_fd < 0 ||
	    setsockopt(r.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one,
		       sizeof(one)) < 0 ||
	    bind(r.listen_fd, (struct sockaddr *)&la, ll) < 0) {
		fprintf(stderr, "udp_delay: cannot listen on %s: %s\n",
			listen_s, strerror(errno));
		free(r.queue);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = delay_on_signal;	/* no SA_RESTART: poll returns */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "udp_delay: %s -> %s, delay %.3f ms, jitter %.3f ms\n",
		listen_s, to_s, r.delay_ms, r.jitter_ms);
	delay_loop(&r);
	fprintf(stderr, "udp_delay: to far end %llu, to clients %llu, "
		"dropped %llu\n", r.to_up, r.to_client, r.dropped);
	while (r.n_client)
		close(r.client[--r.n_client].fd);
	close(r.listen_fd);
	free(r.queue);
	return 0;
}
