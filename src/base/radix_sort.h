/*
 * radix_sort.h - stable sorts by 64-bit keys.
 *
 * Used where tens of thousands of records are sorted every sample (the
 * owner table's links, the connection table's rows): an LSD radix sort
 * touches each record a few times, where a comparison sort would chase
 * pointers in every comparison.  Pure; any thread (a scratch belongs to
 * one thread at a time).
 */
#ifndef TCPDECK_RADIX_SORT_H
#define TCPDECK_RADIX_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Working memory kept between sorts, so a sort repeated every sample
 * does not pay for fresh pages each time.  Zero-initialise; release with
 * radix_scratch_free(). */
struct radix_scratch {
	void *buf;
	size_t cap;
};

void radix_scratch_free(struct radix_scratch *scratch);

/* Gives a large scratch's pages back to the kernel until the next sort
 * (page_release.h); the scratch stays allocated. */
void radix_scratch_release(struct radix_scratch *scratch);

/*
 * Reorders the permutation order[0..n) so that keys[order[i]] ascends,
 * stably: indexes with equal keys keep their relative order.  keys is
 * indexed by the values in order (each below UINT32_MAX).  Sorting by
 * several keys is done least significant first.  Bytes that every key
 * shares cost no pass.  scratch may be NULL (memory is then allocated
 * for this call).  Returns 0, or -1 with errno ENOMEM (order unchanged).
 */
int radix_sort_order(uint32_t *order, const uint64_t *keys, size_t n,
		     struct radix_scratch *scratch);

/*
 * The same, with the key of index i given by key(arg, i) instead of an
 * array: a sort by computed keys needs no array of n keys beside the
 * scratch.
 */
int radix_sort_order_by(uint32_t *order, size_t n, uint64_t (*key)(void *arg, uint32_t index),
			void *arg, struct radix_scratch *scratch);

/*
 * Moves records[order[i]] to position i, for every i (records of `size`
 * bytes; order a permutation of 0..n).  The records pass through the
 * scratch's memory when it holds them (after a sort of n with it, for
 * records of up to 32 bytes), else through memory allocated for the
 * call.  Returns 0, or -1 with errno ENOMEM (records then unchanged).
 */
int radix_apply_order(void *records, const uint32_t *order, size_t n, size_t size,
		      struct radix_scratch *scratch);

/*
 * Sorts n records of `size` bytes by key(arg, i), stably, in one
 * counting pass when every key is below 256 (a table sorted by state):
 * the records are read in order and written to one run per key, with
 * none of the random reads of moving records by a sorted order.
 * Descending reverses the keys' order; equal keys keep theirs.  Uses the
 * scratch's memory (grown to n * size + n bytes).  Returns 1 when
 * sorted, 0 when a key is 256 or more (records unchanged: sort another
 * way), -1 with errno ENOMEM.
 */
int radix_sort_small_keys(void *records, size_t n, size_t size,
			  uint64_t (*key)(void *arg, uint32_t index), void *arg, bool descending,
			  struct radix_scratch *scratch);

/*
 * Sorts n records of `size` bytes at `records` by keys[i] (keys are
 * reordered with them), ascending and stable.  Returns 0, or -1 with errno
 * ENOMEM (records and keys are then unchanged).
 */
int radix_sort(void *records, uint64_t *keys, size_t n, size_t size);

#endif
