/*
 * test_size_class.c - the array sizes kept from one sample to the next.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "size_class.h"

/* Whether c is 4, 5, 6 or 7 times a power of two. */
static int
is_class(size_t c)
{
	while (c >= 8) {
		if (c % 2 != 0)
			return 0;
		c /= 2;
	}
	return c >= 4;
}

static void
test_every_size_up_to_a_million(void **state)
{
	size_t last = 0;

	(void)state;
	for (size_t n = 0; n <= 1000000; n++) {
		size_t c = size_class(n);

		assert_true(c >= n);
		assert_true(is_class(c));
		/* At most a quarter wasted, beyond the smallest class. */
		assert_true(n <= 4 || 4 * c < 5 * n + 4 * 4);
		/* Never smaller for more: a count that grows does not
		 * fall back to a class it left. */
		assert_true(c >= last);
		last = c;
	}
}

static void
test_few_classes_for_a_wandering_count(void **state)
{
	size_t distinct = 0, prev = 0;

	(void)state;
	/* A count wandering between 40,000 and 60,000 lands in few
	 * classes: 40,960, 49,152, 57,344 and 65,536. */
	for (size_t n = 40000; n <= 60000; n++) {
		size_t c = size_class(n);

		distinct += c != prev;
		prev = c;
	}
	assert_int_equal(distinct, 4);
	assert_int_equal(size_class(40000), 40960);
	assert_int_equal(size_class(60000), 65536);
}

static void
test_limits(void **state)
{
	(void)state;
	assert_int_equal(size_class(0), 4);
	assert_int_equal(size_class(4), 4);
	assert_int_equal(size_class(5), 5);
	assert_int_equal(size_class(9), 10);
	assert_int_equal(size_class(17), 20);
	/* Near the top no class fits: the count itself. */
	assert_true(size_class(SIZE_MAX - 1) == SIZE_MAX - 1);
	assert_true(size_class(SIZE_MAX / 2 + 1) >= SIZE_MAX / 2 + 1);
}

/* A table for n keys is a size class and at most three quarters full,
 * and not much more than a third larger than n. */
static void
test_table_three_quarters_full(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 1000000; n += n < 1000 ? 1 : 997) {
		size_t slots = size_class_table(n);

		assert_int_equal(size_class(slots), slots);
		if (n > slots / 4 * 3)
			fail_msg("%zu keys in %zu slots: more than three quarters", n, slots);
		if (n >= 1000 && (double)slots > 1.67 * (double)n + 8)
			fail_msg("%zu keys in %zu slots: more than 1.67 times", n, slots);
	}
	assert_int_equal(size_class_table(1000000), 1572864);
	assert_true(size_class_table(SIZE_MAX - 1) == SIZE_MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_size_up_to_a_million),
		cmocka_unit_test(test_few_classes_for_a_wandering_count),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_table_three_quarters_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
