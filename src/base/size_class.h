/*
 * size_class.h - array sizes from a small set, for memory that is freed
 * and allocated again every sample.
 *
 * An array sized to exactly what each sample needs is a new size every
 * time; under hours of churn the heap fills with freed blocks that no
 * later request fits, and grows.  Sizes drawn from 4, 5, 6 and 7 times a
 * power of two (at most a quarter wasted) are met again and again, so a
 * freed block is taken by the next array of its class.
 */
#ifndef TCPDECK_SIZE_CLASS_H
#define TCPDECK_SIZE_CLASS_H

#include <stddef.h>
#include <stdint.h>

/* The smallest class of at least n (and at least 4); n itself when no
 * class above it fits in a size_t. */
static inline size_t
size_class(size_t n)
{
	size_t step = 1;

	if (n <= 4)
		return 4;
	/* step: the power of two with 4 * step <= n < 8 * step. */
	while (step <= (SIZE_MAX >> 4) && 8 * step <= n)
		step *= 2;
	if (8 * step <= n)
		return n;
	return (n + step - 1) / step * step;
}

/* The slots of an open-addressing table for n keys: a size class at least
 * a third larger than n, so the table is at most three quarters full
 * (short linear probes) and a table freed when the count moves fits the
 * next.  n itself when that does not fit in a size_t. */
static inline size_t
size_class_table(size_t n)
{
	return n < SIZE_MAX / 2 ? size_class(n / 3 * 4 + 4) : n;
}

#endif
