/*
 * test_hash.c - the shared hash: its values, and that the keys tcpdeck
 * meets (sequential inodes and cookies, addresses differing in one byte)
 * spread evenly over the low bits a power-of-two table uses, and over a
 * table of any size through hash_slot().
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hash.h"

/* The MurmurHash3 64-bit finalizer's published values. */
static void
test_known_values(void **state)
{
	(void)state;
	assert_int_equal(hash_u64(0), 0);
	assert_true(hash_u64(1) == 0xb456bcfc34c2cb2cull);
	assert_true(hash_u64(0xdeadbeef) == 0xd24bd59f862a1dacull);
}

/* The longest run of keys landing in one slot of a table with as many
 * slots as keys: for a good spread it stays near log n / log log n. */
static unsigned int
worst_bucket(const uint64_t *keys, size_t n, unsigned int bits)
{
	size_t slots = (size_t)1 << bits;
	unsigned int *count = calloc(slots, sizeof(*count));
	unsigned int worst = 0;

	assert_non_null(count);
	for (size_t i = 0; i < n; i++) {
		unsigned int c = ++count[hash_u64(keys[i]) & (slots - 1)];

		if (c > worst)
			worst = c;
	}
	free(count);
	return worst;
}

static void
test_sequential_keys_spread(void **state)
{
	enum { BITS = 16, N = 1 << BITS };
	uint64_t *keys = malloc(N * sizeof(*keys));

	(void)state;
	assert_non_null(keys);
	for (size_t i = 0; i < N; i++)
		keys[i] = 1000000 + i; /* inode numbers */
	assert_in_range(worst_bucket(keys, N, BITS), 1, 12);
	for (size_t i = 0; i < N; i++)
		keys[i] = (uint64_t)i << 32; /* keys that differ in high bits only */
	assert_in_range(worst_bucket(keys, N, BITS), 1, 12);
	free(keys);
}

static void
test_words_depend_on_order_and_seed(void **state)
{
	uint64_t ab[2] = { 1, 2 }, ba[2] = { 2, 1 };

	(void)state;
	assert_true(hash_words(ab, 2, 0) != hash_words(ba, 2, 0));
	assert_true(hash_words(ab, 2, 4) != hash_words(ab, 2, 6));
	assert_true(hash_words(ab, 2, 4) == hash_words(ab, 2, 4));
	assert_true(hash_words(ab, 1, 0) != hash_words(ab, 2, 0));
}

/* IPv4 peers 10.0.x.y: only the last two bytes differ. */
static void
test_addresses_spread(void **state)
{
	enum { BITS = 16, N = 1 << BITS };
	unsigned int *count = calloc(N, sizeof(*count));
	unsigned int worst = 0;

	(void)state;
	assert_non_null(count);
	for (uint32_t i = 0; i < N; i++) {
		uint64_t w[2] = { 0x0a000000u | i, 0 };
		unsigned int c = ++count[hash_words(w, 2, 2) & (N - 1)];

		if (c > worst)
			worst = c;
	}
	free(count);
	assert_in_range(worst, 1, 12);
}

/* hash_slot() maps the whole range of hashes onto [0, cap) in order, for
 * any cap, not only powers of two. */
static void
test_slot_bounds(void **state)
{
	static const size_t caps[] = {1, 3, 5, 1000, 1310720, (size_t)7 << 20};

	(void)state;
	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		size_t cap = caps[k];

		assert_int_equal(hash_slot(0, cap), 0);
		assert_int_equal(hash_slot(UINT64_MAX, cap), cap - 1);
		assert_int_equal(hash_slot((uint64_t)1 << 63, cap), cap / 2);
		for (uint64_t h = 1; h < 1000; h++)
			assert_true(hash_slot(hash_u64(h), cap) < cap);
	}
}

/* Sequential cookies in a table of a size class (5 x 2^14) three quarters
 * full: no slot gets many, and each quarter of the table about a quarter
 * of the keys. */
static void
test_slot_spread(void **state)
{
	enum { CAP = 5 << 14, N = CAP / 4 * 3 };
	unsigned int *count = calloc(CAP, sizeof(*count));
	unsigned int worst = 0;
	size_t quarter[4] = {0};

	(void)state;
	assert_non_null(count);
	for (uint64_t i = 0; i < N; i++) {
		size_t slot = hash_slot(hash_sock(4026531840u, 5000 + i), CAP);

		if (++count[slot] > worst)
			worst = count[slot];
		quarter[slot * 4 / CAP]++;
	}
	assert_in_range(worst, 1, 12);
	for (int q = 0; q < 4; q++)
		assert_in_range(quarter[q], N / 4 - N / 50, N / 4 + N / 50);
	free(count);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_sequential_keys_spread),
		cmocka_unit_test(test_words_depend_on_order_and_seed),
		cmocka_unit_test(test_addresses_spread),
		cmocka_unit_test(test_slot_bounds),
		cmocka_unit_test(test_slot_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
