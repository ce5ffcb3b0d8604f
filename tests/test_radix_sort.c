/*
 * test_radix_sort.c - the radix sorts against a stable reference sort.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "radix_sort.h"

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A record of an awkward size that remembers where it started. */
struct rec {
	uint64_t key;
	uint32_t origin;
	uint8_t pad[5];
} __attribute__((packed));

static int
cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->origin < y->origin ? -1 : x->origin > y->origin;
}

/* Keys drawn from `mask` bits of random numbers, so that there are ties
 * and bytes shared by every key. */
static void
check_records(size_t n, uint64_t mask, uint64_t seed)
{
	struct rec *recs = malloc((n + 1) * sizeof(*recs));
	struct rec *ref = malloc((n + 1) * sizeof(*ref));
	uint64_t *keys = malloc((n + 1) * sizeof(*keys));

	assert_non_null(recs);
	assert_non_null(ref);
	assert_non_null(keys);
	for (size_t i = 0; i < n; i++) {
		recs[i].key = rnd(&seed) & mask;
		recs[i].origin = (uint32_t)i;
		memset(recs[i].pad, (int)(i & 0xff), sizeof(recs[i].pad));
		keys[i] = recs[i].key;
	}
	memcpy(ref, recs, n * sizeof(*ref));
	qsort(ref, n, sizeof(*ref), cmp_rec);
	assert_int_equal(radix_sort(recs, keys, n, sizeof(*recs)), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(recs[i].key, ref[i].key);
		assert_int_equal(recs[i].origin, ref[i].origin);
		assert_int_equal(recs[i].pad[4], ref[i].origin & 0xff);
		assert_int_equal(keys[i], recs[i].key);
	}
	free(keys);
	free(ref);
	free(recs);
}

static void
test_records(void **state)
{
	(void)state;
	check_records(0, ~0ull, 1);
	check_records(1, ~0ull, 2);
	check_records(2, 1, 3);
	check_records(1000, ~0ull, 4);
	check_records(1000, 0x3, 5);                  /* many ties, one pass */
	check_records(5000, 0xff000000000000ffull, 6); /* two passes */
	check_records(100000, 0xffffull << 24, 7);
	check_records(300, 0, 8);                     /* all equal: no pass */
}

/* radix_sort_order sorts a permutation by keys indexed by its values,
 * stably, and several passes least significant first sort by all keys. */
static void
test_order_multi_key(void **state)
{
	enum { N = 20000 };
	uint64_t *major = malloc(N * sizeof(*major)), *minor = malloc(N * sizeof(*minor));
	uint32_t *order = malloc(N * sizeof(*order));
	struct radix_scratch scratch = {0};
	uint64_t seed = 77;

	(void)state;
	assert_non_null(major);
	assert_non_null(minor);
	assert_non_null(order);
	for (size_t i = 0; i < N; i++) {
		major[i] = rnd(&seed) % 7;
		minor[i] = rnd(&seed) % 1000 << 40;
		/* Start from a reversed permutation: ties must keep it. */
		order[i] = (uint32_t)(N - 1 - i);
	}
	assert_int_equal(radix_sort_order(order, minor, N, &scratch), 0);
	assert_int_equal(radix_sort_order(order, major, N, &scratch), 0);
	for (size_t i = 0; i + 1 < N; i++) {
		uint32_t a = order[i], b = order[i + 1];

		assert_true(major[a] <= major[b]);
		if (major[a] == major[b]) {
			assert_true(minor[a] <= minor[b]);
			if (minor[a] == minor[b])
				assert_true(a > b); /* the reversed start order */
		}
	}
	/* Every index is still there once. */
	{
		char *seen = calloc(N, 1);

		assert_non_null(seen);
		for (size_t i = 0; i < N; i++) {
			assert_true(order[i] < N);
			assert_false(seen[order[i]]);
			seen[order[i]] = 1;
		}
		free(seen);
	}
	/* Scratch is reused, and NULL scratch works too. */
	assert_true(scratch.cap >= 2 * N * 16);
	assert_int_equal(radix_sort_order(order, minor, N, NULL), 0);
	for (size_t i = 0; i + 1 < N; i++)
		assert_true(minor[order[i]] <= minor[order[i + 1]]);
	radix_scratch_free(&scratch);
	assert_null(scratch.buf);
	free(order);
	free(minor);
	free(major);
}

/* Keys computed by a function sort as the same keys in an array, and
 * the order then moves 32-byte records through the scratch (or through
 * memory of its own without one). */
static uint64_t
key_from_array(void *arg, uint32_t index)
{
	return ((const uint64_t *)arg)[index];
}

struct row32 {
	uint64_t key;
	uint64_t origin;
	uint64_t check;
	uint64_t pad;
};

static void
test_order_by_and_apply(void **state)
{
	enum { N = 30000 };
	uint64_t *keys = malloc(N * sizeof(*keys));
	uint32_t *by_array = malloc(N * sizeof(*by_array)), *by_fn = malloc(N * sizeof(*by_fn));
	struct row32 *rows = malloc(N * sizeof(*rows)), *copy = malloc(N * sizeof(*copy));
	struct radix_scratch scratch = {0};
	uint64_t seed = 99;

	(void)state;
	assert_non_null(keys);
	assert_non_null(by_array);
	assert_non_null(by_fn);
	assert_non_null(rows);
	assert_non_null(copy);
	for (size_t i = 0; i < N; i++) {
		keys[i] = rnd(&seed) % 5000;
		by_array[i] = by_fn[i] = (uint32_t)i;
		rows[i] = (struct row32){keys[i], i, ~(uint64_t)i, 7};
	}
	assert_int_equal(radix_sort_order(by_array, keys, N, NULL), 0);
	assert_int_equal(radix_sort_order_by(by_fn, N, key_from_array, keys, &scratch), 0);
	assert_memory_equal(by_array, by_fn, N * sizeof(*by_fn));

	memcpy(copy, rows, N * sizeof(*rows));
	assert_true(scratch.cap >= N * sizeof(*rows)); /* the rows go through it */
	assert_int_equal(radix_apply_order(rows, by_fn, N, sizeof(*rows), &scratch), 0);
	assert_int_equal(radix_apply_order(copy, by_fn, N, sizeof(*copy), NULL), 0);
	assert_memory_equal(rows, copy, N * sizeof(*rows));
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(rows[i].origin, by_fn[i]);
		assert_int_equal(rows[i].check, ~rows[i].origin);
		if (i > 0) {
			assert_true(rows[i - 1].key <= rows[i].key);
			if (rows[i - 1].key == rows[i].key)
				assert_true(rows[i - 1].origin < rows[i].origin); /* stable */
		}
	}
	radix_scratch_free(&scratch);
	free(copy);
	free(rows);
	free(by_fn);
	free(by_array);
	free(keys);
}

/* One counting pass for keys below 256, both ways, stable; a larger key
 * leaves the records as they were for another sort to take. */
static uint64_t
key_of_row32(void *arg, uint32_t index)
{
	return ((const struct row32 *)arg)[index].key;
}

static void
test_small_keys(void **state)
{
	enum { N = 5000 };
	struct row32 *rows = malloc(N * sizeof(*rows)), *copy = malloc(N * sizeof(*copy));
	struct radix_scratch scratch = {0};
	uint64_t seed = 5;

	(void)state;
	assert_non_null(rows);
	assert_non_null(copy);
	for (int desc = 0; desc < 2; desc++) {
		for (size_t i = 0; i < N; i++)
			rows[i] = (struct row32){rnd(&seed) % 12, i, ~(uint64_t)i, 0};
		assert_int_equal(radix_sort_small_keys(rows, N, sizeof(*rows), key_of_row32, rows,
						       desc, &scratch),
				 1);
		for (size_t i = 1; i < N; i++) {
			if (rows[i - 1].key == rows[i].key)
				assert_true(rows[i - 1].origin < rows[i].origin);
			else
				assert_true(desc ? rows[i - 1].key > rows[i].key
						 : rows[i - 1].key < rows[i].key);
			assert_int_equal(rows[i].check, ~rows[i].origin);
		}
	}
	rows[N / 2].key = 256;
	memcpy(copy, rows, N * sizeof(*rows));
	assert_int_equal(radix_sort_small_keys(rows, N, sizeof(*rows), key_of_row32, rows, false,
					       &scratch),
			 0);
	assert_memory_equal(rows, copy, N * sizeof(*rows));
	radix_scratch_free(&scratch);
	free(copy);
	free(rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_order_multi_key),
		cmocka_unit_test(test_order_by_and_apply),
		cmocka_unit_test(test_small_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
