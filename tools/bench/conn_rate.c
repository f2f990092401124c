/* conn_rate: many short TCP connections, or one UDP datagram from each of
 * many sources, for tools/bench/poolnat (IP Pool NAT's benchmark).
 *
 *   conn_rate server ADDR PORT
 *       accept and close connections for ever (SO_REUSEADDR, backlog 4096)
 *   conn_rate client DST PORT SRC NSRC SECONDS [PROCS]
 *       PROCS processes (default 2) connect to DST:PORT as fast as they
 *       can for SECONDS, each connection bound to the next of NSRC source
 *       addresses from SRC (IPv4, local addresses), closed with a reset
 *       (SO_LINGER 0: no TIME_WAIT); prints "connections N rate R/s
 *       failed F"
 *   conn_rate udp DST PORT SRC NSRC
 *       one datagram from each of NSRC source addresses from SRC, sent
 *       through IP_TRANSPARENT (the addresses need not be local; needs
 *       CAP_NET_ADMIN); prints "sent N"
 * Bad arguments: a usage line, exit 2. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr,
		"usage: conn_rate server ADDR PORT\n"
		"       conn_rate client DST PORT SRC NSRC SECONDS [PROCS]\n"
		"       conn_rate udp DST PORT SRC NSRC\n");
	return 2;
}

static int addr4(const char *s, unsigned port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	return inet_pton(AF_INET, s, &sa->sin_addr) == 1 ? 0 : -1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int server(const char *addr, unsigned port)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || addr4(addr, port, &sa) < 0)
		return usage();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4096) < 0) {
		perror("server");
		return 1;
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
}

/* One client process: connections until the deadline; counts through
 * the pipe. */
static void client_proc(const struct sockaddr_in *dst, uint32_t src0,
			unsigned nsrc, unsigned first, double until, int out)
{
	unsigned long ok = 0, failed = 0;
	struct linger lg = { 1, 0 };
	unsigned k = first;

	while (now() < until) {
		struct sockaddr_in s = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			failed++;
			continue;
		}
		s.sin_addr.s_addr = htonl(src0 + (k++ % nsrc));
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (bind(fd, (struct sockaddr *)&s, sizeof(s)) == 0 &&
		    connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) == 0)
			ok++;
		else
			failed++;
		close(fd);
	}
	dprintf(out, "%lu %lu\n", ok, failed);
	_exit(0);
}

static int client(char **argv, int argc)
{
	struct sockaddr_in dst, src;
	unsigned nsrc = (unsigned)atoi(argv[5]);
	double secs = atof(argv[6]), t0, until;
	int procs = argc > 7 ? atoi(argv[7]) : 2, p[2];
	unsigned long ok = 0, failed = 0;
	FILE *in;

	if (addr4(argv[2], (unsigned)atoi(argv[3]), &dst) < 0 ||
	    addr4(argv[4], 0, &src) < 0 || nsrc == 0 || secs <= 0 ||
	    procs < 1 || procs > 64 || pipe(p) < 0)
		return usage();
	t0 = now();
	until = t0 + secs;
	for (int i = 0; i < procs; i++)
		if (fork() == 0) {
			close(p[0]);
			client_proc(&dst, ntohl(src.sin_addr.s_addr), nsrc,
				    (unsigned)i * (nsrc / (unsigned)procs + 1),
				    until, p[1]);
		}
	close(p[1]);
	in = fdopen(p[0], "r");
	for (int i = 0; in && i < procs; i++) {
		unsigned long a, b;

		if (fscanf(in, "%lu %lu", &a, &b) == 2) {
			ok += a;
			failed += b;
		}
	}
	while (wait(NULL) > 0)
		;
	printf("connections %lu rate %.0f/s failed %lu\n", ok,
	       (double)ok / (now() - t0), failed);
	return 0;
}

static int udp(char **argv)
{
	struct sockaddr_in dst, src;
	unsigned nsrc = (unsigned)atoi(argv[5]), sent = 0;
	int one = 1;

	if (addr4(argv[2], (unsigned)atoi(argv[3]), &dst) < 0 ||
	    addr4(argv[4], 40000, &src) < 0 || nsrc == 0)
		return usage();
	for (unsigned i = 0; i < nsrc; i++) {
		struct sockaddr_in s = src;
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0)
			continue;
		s.sin_addr.s_addr = htonl(ntohl(src.sin_addr.s_addr) + i);
		setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&s, sizeof(s)) == 0 &&
		    sendto(fd, "x", 1, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) == 1)
			sent++;
		close(fd);
	}
	printf("sent %u\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && !strcmp(argv[1], "server"))
		return server(argv[2], (unsigned)atoi(argv[3]));
	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "client"))
		return client(argv, argc);
	if (argc == 6 && !strcmp(argv[1], "udp"))
		return udp(argv);
	return usage();
}
