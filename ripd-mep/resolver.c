/* resolver: non-blocking name lookups for the event loop (see resolver.h).
 * A name's entry is shared by the loop and its worker thread under the
 * mutex; the worker only writes the result fields and the "done" flag. */
#include "resolver.h"

#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define RESOLVER_HOST_MAX 256

struct resolver_name {
	char host[RESOLVER_HOST_MAX];
	bool running;		/* a worker looks it up */
	bool known;		/* a lookup ended */
	bool ok;		/* ... with an address */
	struct sockaddr_storage sa;	/* port 0 */
	socklen_t len;
	ev_tstamp used;		/* last resolver_lookup() */
	struct resolver *r;
};

struct resolver {
	struct ev_loop *loop;
	void (*on_change)(void *);
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t idle;	/* running reached 0 */
	unsigned running;
	bool changed;		/* a result differs: tell the caller */
	struct resolver_name **names;
	size_t n, cap;
	ev_async wake;
	ev_timer refresh;
};

static void *resolver_worker(void *arg)
{
	struct resolver_name *n = arg;
	struct resolver *r = n->r;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(n->host, NULL, &hints, &res);

	pthread_mutex_lock(&r->lock);
	if (rc == 0 && res && res->ai_addrlen <= sizeof(n->sa)) {
		if (!n->ok || n->len != res->ai_addrlen ||
		    memcmp(&n->sa, res->ai_addr, res->ai_addrlen) != 0)
			r->changed = true;
		memset(&n->sa, 0, sizeof(n->sa));
		memcpy(&n->sa, res->ai_addr, res->ai_addrlen);
		n->len = res->ai_addrlen;
		n->ok = true;
	} else {
		if (n->ok || !n->known)
			r->changed = true;
		n->ok = false;
	}
	n->known = true;
	n->running = false;
	/* under the lock: resolver_free() waits for running to reach 0
	 * before it stops the watcher and frees r */
	ev_async_send(r->loop, &r->wake);
	if (--r->running == 0)
		pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->lock);
	if (res)
		freeaddrinfo(res);
	return NULL;
}

/* Start a worker for n (lock held). */
static void resolver_start(struct resolver *r, struct resolver_name *n)
{
	pthread_attr_t attr;
	pthread_t t;

	if (n->running)
		return;
	n->running = true;
	r->running++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, resolver_worker, n) != 0) {
		n->running = false;
		r->running--;
		log_warn("resolver: cannot start a lookup of %s", n->host);
	}
	pthread_attr_destroy(&attr);
}

static void resolver_on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct resolver *r = w->data;
	bool changed;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&r->lock);
	changed = r->changed;
	r->changed = false;
	pthread_mutex_unlock(&r->lock);
	if (changed && r->on_change)
		r->on_change(r->arg);
}

/* Refresh the names in use; forget those unused for two periods. */
static void resolver_on_refresh(struct ev_loop *loop, ev_timer *w,
				int revents)
{
	struct resolver *r = w->data;
	ev_tstamp now = ev_now(loop);
	size_t k = 0;

	(void)revents;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n; i++) {
		struct resolver_name *n = r->names[i];

		if (!n->running && now - n->used > 2 * RESOLVER_REFRESH_S) {
			free(n);
			continue;
		}
		resolver_start(r, n);
		r->names[k++] = n;
	}
	r->n = k;
	pthread_mutex_unlock(&r->lock);
}

struct resolver *resolver_new(struct ev_loop *loop, void (*on_change)(void *),
			      void *arg)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->loop = loop;
	r->on_change = on_change;
	r->arg = arg;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->idle, NULL);
	ev_async_init(&r->wake, resolver_on_wake);
	r->wake.data = r;
	ev_async_start(loop, &r->wake);
	ev_timer_init(&r->refresh, resolver_on_refresh, RESOLVER_REFRESH_S,
		      RESOLVER_REFRESH_S);
	r->refresh.data = r;
	ev_timer_start(loop, &r->refresh);
	return r;
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	ev_timer_stop(r->loop, &r->refresh);
	pthread_mutex_lock(&r->lock);
	while (r->running)
		pthread_cond_wait(&r->idle, &r->lock);
	pthread_mutex_unlock(&r->lock);
	ev_async_stop(r->loop, &r->wake);
	for (size_t i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	pthread_cond_destroy(&r->idle);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)sa)->sin_port = htons(port);
}

/* An IP literal, without any lookup. */
static bool numeric(const char *host, struct sockaddr_storage *sa,
		    socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	bool ok = false;

	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res &&
	    res->ai_addrlen <= sizeof(*sa)) {
		memset(sa, 0, sizeof(*sa));
		memcpy(sa, res->ai_addr, res->ai_addrlen);
		*len = res->ai_addrlen;
		ok = true;
	}
	if (res)
		freeaddrinfo(res);
	return ok;
}

enum resolver_result resolver_lookup(struct resolver *r, const char *host,
				     uint16_t port, struct sockaddr_storage *sa,
				     socklen_t *len)
{
	struct resolver_name *n = NULL;
	enum resolver_result rc;

	if (!host || !*host || strlen(host) >= RESOLVER_HOST_MAX)
		return RESOLVER_FAILED;
	if (numeric(host, sa, len)) {
		set_port(sa, port);
		return RESOLVER_OK;
	}
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n && !n; i++)
		if (strcmp(r->names[i]->host, host) == 0)
			n = r->names[i];
	if (!n && r->n < RESOLVER_MAX_NAMES) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 16;
			struct resolver_name **v =
				realloc(r->names, cap * sizeof(*v));

			if (v) {
				r->names = v;
				r->cap = cap;
			}
		}
		if (r->n < r->cap && (n = calloc(1, sizeof(*n)))) {
			snprintf(n->host, sizeof(n->host), "%s", host);
			n->r = r;
			r->names[r->n++] = n;
			resolver_start(r, n);
		}
	}
	if (!n) {
		rc = RESOLVER_FAILED;
	} else {
		n->used = ev_now(r->loop);
		if (!n->known) {
			rc = RESOLVER_PENDING;
		} else if (!n->ok) {
			rc = RESOLVER_FAILED;
		} else {
			*sa = n->sa;
			*len = n->len;
			set_port(sa, port);
			rc = RESOLVER_OK;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}
