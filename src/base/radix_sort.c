/*
 * radix_sort.c - LSD radix sort by 64-bit keys, 8 bits a pass.
 *
 * The passes move 16-byte (key, index) pairs between two buffers, never
 * the records themselves: records are permuted once at the end, so their
 * size does not multiply the cost of every pass.  The eight byte
 * histograms are counted in a single read of the keys.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "page_release.h"
#include "radix_sort.h"

struct pair {
	uint64_t key;
	uint64_t index;
};

void
radix_scratch_free(struct radix_scratch *scratch)
{
	if (scratch == NULL)
		return;
	free(scratch->buf);
	scratch->buf = NULL;
	scratch->cap = 0;
}

void
radix_scratch_release(struct radix_scratch *scratch)
{
	if (scratch != NULL)
		page_release(scratch->buf, scratch->cap);
}

/* Room for 2n pairs, from scratch when given. */
static struct pair *
pairs_get(struct radix_scratch *scratch, size_t n)
{
	size_t bytes = 2 * n * sizeof(struct pair);

	if (scratch == NULL)
		return malloc(bytes);
	if (scratch->cap < bytes) {
		void *more = malloc(bytes);

		if (more == NULL)
			return NULL;
		free(scratch->buf);
		scratch->buf = more;
		scratch->cap = bytes;
	}
	return scratch->buf;
}

static void
pairs_put(struct radix_scratch *scratch, struct pair *pairs)
{
	if (scratch == NULL)
		free(pairs);
}

/* Sorts pairs[0..n) by key, using pairs[n..2n) as the other buffer;
 * returns where the sorted pairs ended up. */
static struct pair *
sort_pairs(struct pair *pairs, size_t n)
{
	struct pair *from = pairs, *to = pairs + n, *swap;
	size_t local[8][256];

	memset(local, 0, sizeof(local));
	for (size_t i = 0; i < n; i++) {
		uint64_t k = from[i].key;

		for (int b = 0; b < 8; b++)
			local[b][(k >> (8 * b)) & 0xff]++;
	}
	for (int b = 0; b < 8; b++) {
		size_t sum = 0;
		bool uniform = false;

		for (int d = 0; d < 256 && !uniform; d++)
			uniform = local[b][d] == n;
		if (uniform)
			continue;
		for (int d = 0; d < 256; d++) {
			size_t c = local[b][d];

			local[b][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t at = local[b][(from[i].key >> (8 * b)) & 0xff]++;

			to[at] = from[i];
		}
		swap = from;
		from = to;
		to = swap;
	}
	return from;
}

int
radix_sort_order_by(uint32_t *order, size_t n, uint64_t (*key)(void *arg, uint32_t index),
		    void *arg, struct radix_scratch *scratch)
{
	struct pair *pairs, *sorted;

	if (n < 2)
		return 0;
	pairs = pairs_get(scratch, n);
	if (pairs == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		pairs[i].key = key(arg, order[i]);
		pairs[i].index = order[i];
	}
	sorted = sort_pairs(pairs, n);
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)sorted[i].index;
	pairs_put(scratch, pairs);
	return 0;
}

static uint64_t
key_in_array(void *arg, uint32_t index)
{
	return ((const uint64_t *)arg)[index];
}

int
radix_sort_order(uint32_t *order, const uint64_t *keys, size_t n, struct radix_scratch *scratch)
{
	return radix_sort_order_by(order, n, key_in_array, (void *)keys, scratch);
}

int
radix_apply_order(void *records, const uint32_t *order, size_t n, size_t size,
		  struct radix_scratch *scratch)
{
	unsigned char *moved, *from = records;
	bool own = scratch == NULL || scratch->cap < n * size;

	if (n < 2)
		return 0;
	moved = own ? malloc(n * size) : scratch->buf;
	if (moved == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(moved + i * size, from + (size_t)order[i] * size, size);
	memcpy(records, moved, n * size);
	if (own)
		free(moved);
	return 0;
}

int
radix_sort_small_keys(void *records, size_t n, size_t size,
		      uint64_t (*key)(void *arg, uint32_t index), void *arg, bool descending,
		      struct radix_scratch *scratch)
{
	size_t count[256], need = n * size + n;
	unsigned char *moved, *keys, *from = records;

	if (n < 2)
		return 1;
	if (scratch->cap < need) {
		void *more = malloc(need);

		if (more == NULL) {
			errno = ENOMEM;
			return -1;
		}
		free(scratch->buf);
		scratch->buf = more;
		scratch->cap = need;
	}
	moved = scratch->buf;
	keys = moved + n * size;
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint64_t k = key(arg, (uint32_t)i);

		if (k > 255)
			return 0;
		keys[i] = (unsigned char)k;
		count[k]++;
	}
	/* Where each key's run starts, in the order asked. */
	{
		size_t sum = 0;

		for (int d = 0; d < 256; d++) {
			int at = descending ? 255 - d : d;
			size_t c = count[at];

			count[at] = sum;
			sum += c;
		}
	}
	for (size_t i = 0; i < n; i++)
		memcpy(moved + count[keys[i]]++ * size, from + i * size, size);
	memcpy(records, moved, n * size);
	return 1;
}

int
radix_sort(void *records, uint64_t *keys, size_t n, size_t size)
{
	struct pair *pairs, *sorted;
	unsigned char *moved;

	if (n < 2)
		return 0;
	pairs = pairs_get(NULL, n);
	moved = malloc(n * size);
	if (pairs == NULL || moved == NULL) {
		free(pairs);
		free(moved);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		pairs[i].key = keys[i];
		pairs[i].index = i;
	}
	sorted = sort_pairs(pairs, n);
	for (size_t i = 0; i < n; i++) {
		memcpy(moved + i * size, (unsigned char *)records + sorted[i].index * size, size);
		keys[i] = sorted[i].key;
	}
	memcpy(records, moved, n * size);
	free(moved);
	free(pairs);
	return 0;
}
