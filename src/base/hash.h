/*
 * hash.h - the one integer hash every table in tcpdeck uses.
 *
 * Keys here are socket cookies, inode numbers, addresses and ports: some
 * sequential (inodes, cookies), some chosen by remote peers (addresses).
 * A full 64-bit avalanche (the MurmurHash3 finalizer) spreads both, so
 * the low bits that index a power-of-two table depend on every key bit.
 * No table relies on it against a deliberate attacker: every chain or
 * probe sequence is bounded by the table's capacity.
 * Pure; any thread.
 */
#ifndef TCPDECK_HASH_H
#define TCPDECK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Mixes one 64-bit value. */
static inline uint64_t
hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Mixes `n` 64-bit words in order, starting from `seed`: one multiply a
 * word, then the full mix once, so long keys stay cheap. */
static inline uint64_t
hash_words(const uint64_t *words, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < n; i++) {
		h ^= words[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return hash_u64(h);
}

/* A socket's key, (network namespace, cookie): equal cookies of two
 * namespaces hash apart, and with namespace 0 it is hash_u64(cookie). */
static inline uint64_t
hash_sock(uint32_t netns, uint64_t cookie)
{
	return hash_u64(cookie ^ (uint64_t)netns * 0x9e3779b97f4a7c15ull);
}

/* A slot of a table of cap slots for hash h, cap any size: the high half
 * of h * cap, which spreads a well-mixed h evenly without a division, so a
 * table can grow by less than a doubling. */
static inline size_t
hash_slot(uint64_t h, size_t cap)
{
#ifdef __SIZEOF_INT128__
	return (size_t)(((unsigned __int128)h * cap) >> 64);
#else
	/* Targets without 128-bit integers have a 32-bit size_t: the high
	 * half of h times cap, below 2^32, fits in 64 bits. */
	return (size_t)(((h >> 32) * (uint64_t)cap) >> 32);
#endif
}

#endif
