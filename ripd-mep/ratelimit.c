/* ratelimit: per-source and per-class token buckets over a fixed,
 * set-associative table (pure; see ratelimit.h). */
#include "ratelimit.h"

#include <string.h>

#include "hash_mix.h"

#define RL_UNIT 1000000ULL	/* token units per packet */
#define RL_SETS (RATELIMIT_SOURCES / RATELIMIT_WAYS)

static void bucket_fill(struct ratelimit_bucket *b, uint32_t burst,
			uint64_t now_us)
{
	b->tokens = (uint64_t)burst * RL_UNIT;
	b->last_us = now_us;
}

/* Refill b for the time since its last refill (a clock that goes back
 * refills nothing). */
static void bucket_refill(struct ratelimit_bucket *b, uint32_t rate,
			  uint32_t burst, uint64_t now_us)
{
	uint64_t cap = (uint64_t)burst * RL_UNIT, dt;

	if (now_us <= b->last_us)
		return;
	dt = now_us - b->last_us;
	b->last_us = now_us;
	/* a full refill takes cap / rate µs; beyond it, the bucket is full */
	if (rate == 0)
		return;
	if (dt >= cap / rate + 1 || b->tokens + dt * rate >= cap)
		b->tokens = cap;
	else
		b->tokens += dt * rate;
}

void ratelimit_init(struct ratelimit *rl, const struct ratelimit_params *p,
		    uint64_t now_us)
{
	static const struct ratelimit_params def = {
		.source_rate = RATELIMIT_SOURCE_RATE,
		.source_burst = RATELIMIT_SOURCE_BURST,
		.known_rate = RATELIMIT_KNOWN_RATE,
		.known_burst = RATELIMIT_KNOWN_BURST,
		.unknown_rate = RATELIMIT_UNKNOWN_RATE,
		.unknown_burst = RATELIMIT_UNKNOWN_BURST,
	};

	memset(rl, 0, sizeof(*rl));
	rl->p = p ? *p : def;
	bucket_fill(&rl->known, rl->p.known_burst, now_us);
	bucket_fill(&rl->unknown, rl->p.unknown_burst, now_us);
}

static bool addr_equal(const struct mep_addr *a, const struct mep_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static size_t addr_set(const struct mep_addr *a)
{
	uint64_t h = a->family;

	for (size_t i = 0; i < sizeof(a->addr); i += 8) {
		uint64_t w = 0;

		for (size_t j = 0; j < 8; j++)
			w = w << 8 | a->addr[i + j];
		h = hash_mix64(h ^ w);
	}
	return (size_t)(h % RL_SETS);
}

/* The entry of addr, created (evicting if need be) when absent. */
static struct ratelimit_source *source_get(struct ratelimit *rl,
					   const struct mep_addr *addr,
					   bool known, uint64_t now_us)
{
	struct ratelimit_source *set = &rl->src[addr_set(addr) * RATELIMIT_WAYS];
	struct ratelimit_source *victim = NULL;

	for (size_t i = 0; i < RATELIMIT_WAYS; i++)
		if (set[i].used && addr_equal(&set[i].addr, addr))
			return &set[i];
	for (size_t i = 0; i < RATELIMIT_WAYS && !victim; i++)
		if (!set[i].used)
			victim = &set[i];
	for (int pass = 0; pass < 2 && !victim; pass++)
		for (size_t i = 0; i < RATELIMIT_WAYS; i++) {
			/* pass 0: unknown entries only; pass 1: any */
			if (pass == 0 && set[i].known)
				continue;
			if (!victim || set[i].seen_us < victim->seen_us)
				victim = &set[i];
		}
	if (victim->used)
		rl->count.evictions++;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->known = known;
	victim->addr = *addr;
	bucket_fill(&victim->b, rl->p.source_burst, now_us);
	return victim;
}

enum ratelimit_verdict ratelimit_admit(struct ratelimit *rl,
				       const struct mep_addr *src, bool known,
				       uint64_t now_us)
{
	struct ratelimit_bucket *total = known ? &rl->known : &rl->unknown;
	uint32_t rate = known ? rl->p.known_rate : rl->p.unknown_rate;
	uint32_t burst = known ? rl->p.known_burst : rl->p.unknown_burst;
	struct ratelimit_source *s = source_get(rl, src, known, now_us);

	if (s->seen_us < now_us)
		s->seen_us = now_us;
	s->known = known;
	bucket_refill(&s->b, rl->p.source_rate, rl->p.source_burst, now_us);
	bucket_refill(total, rate, burst, now_us);
	if (s->b.tokens < RL_UNIT) {
		rl->count.dropped_source++;
		return RATELIMIT_DROP_SOURCE;
	}
	if (total->tokens < RL_UNIT) {
		rl->count.dropped_total++;
		return RATELIMIT_DROP_TOTAL;
	}
	s->b.tokens -= RL_UNIT;
	total->tokens -= RL_UNIT;
	rl->count.passed++;
	return RATELIMIT_PASS;
}

const char *ratelimit_verdict_name(enum ratelimit_verdict v)
{
	switch (v) {
	case RATELIMIT_PASS:
		return "pass";
	case RATELIMIT_DROP_SOURCE:
		return "source limit";
	case RATELIMIT_DROP_TOTAL:
		return "total limit";
	}
	return "unknown";
}
