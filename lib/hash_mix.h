/* hash_mix: the 64-bit finalizer (MurmurHash3's fmix64) that spreads
 * every input bit over every output bit; the hashes of the tunnel table,
 * the prefix index and MEP's rendezvous choice are built on it. Pure. */
#ifndef RIPD_MEP_HASH_MIX_H
#define RIPD_MEP_HASH_MIX_H

#include <stdint.h>

static inline uint64_t hash_mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

#endif
