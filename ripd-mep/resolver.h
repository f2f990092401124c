/* resolver: host names of gateways (`address` may be a DNS name:
 * dynamic-IP gateways) resolved without blocking the event loop.
 *
 * resolver_lookup() answers at once for an IP literal and for a name it
 * already knows; for a name it does not know yet it starts a lookup in a
 * worker thread (getaddrinfo blocks on DNS) and answers "pending". When a
 * lookup ends, or when a periodic refresh (every RESOLVER_REFRESH_S) finds
 * that a name now has another address, the loop is woken (ev_async) and
 * the change callback runs on the loop: the caller looks its names up
 * again and now gets the answers. Names not looked up for two refresh
 * periods are forgotten. Only the worker threads call getaddrinfo; every
 * other function runs on the loop. One address per name: the first
 * getaddrinfo returns (SOCK_DGRAM). */
#ifndef RIPD_MEP_RESOLVER_H
#define RIPD_MEP_RESOLVER_H

#include <ev.h>
#include <stdint.h>
#include <sys/socket.h>

#define RESOLVER_REFRESH_S 60.0
#define RESOLVER_MAX_NAMES 4096

struct resolver;

/* NULL on allocation failure. on_change(arg) runs on loop after a
 * lookup ended or an address changed. */
struct resolver *resolver_new(struct ev_loop *loop, void (*on_change)(void *),
			      void *arg);
/* Waits for the lookups in flight (getaddrinfo cannot be cancelled). */
void resolver_free(struct resolver *r);

enum resolver_result {
	RESOLVER_OK,		/* *sa, *len filled */
	RESOLVER_PENDING,	/* a lookup runs: on_change will follow */
	RESOLVER_FAILED,	/* the name does not resolve (last lookup) */
};

/* host (IP literal or DNS name) and port -> address. */
enum resolver_result resolver_lookup(struct resolver *r, const char *host,
				     uint16_t port, struct sockaddr_storage *sa,
				     socklen_t *len);

#endif
