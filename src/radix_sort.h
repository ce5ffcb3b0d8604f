/*
 * radix_sort.h - a stable sort of records by 64-bit keys.
 *
 * Used where tens of thousands of records are sorted every sample (the
 * owner table's links, the connection table's rows): an LSD radix sort
 * touches each record a few times, where a comparison sort would chase
 * pointers in every comparison.  Pure; any thread.
 */
#ifndef TCPDECK_RADIX_SORT_H
#define TCPDECK_RADIX_SORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sorts n records of `size` bytes at `records` by keys[i] (keys are
 * reordered with them), ascending and stable: records with equal keys keep
 * their order.  Bytes that every key shares cost no pass.  Returns 0, or
 * -1 with errno ENOMEM (records and keys are then unchanged).
 */
int radix_sort(void *records, uint64_t *keys, size_t n, size_t size);

#endif
