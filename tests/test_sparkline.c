/*
 * test_sparkline.c - value rows drawn as bar strings, exactly.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "history.h"
#include "sparkline.h"

#define GAP HISTORY_GAP
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Renders with a roomy buffer and checks text and returned length. */
static void
assert_renders(const uint32_t *values, size_t n, enum sparkline_charset charset,
	       const char *expected)
{
	char out[256];
	size_t len;

	memset(out, 'X', sizeof(out));
	len = sparkline_render(values, n, charset, out, sizeof(out));
	assert_string_equal(out, expected);
	assert_int_equal(len, strlen(expected));
}

static void
test_ramp_ascii(void **state)
{
	static const uint32_t up[] = {0, 1, 2, 3, 4, 5, 6, 7};
	static const uint32_t down[] = {7, 6, 5, 4, 3, 2, 1, 0};

	(void)state;
	assert_renders(up, COUNT(up), SPARKLINE_ASCII, "_.-=+*#@");
	assert_renders(down, COUNT(down), SPARKLINE_ASCII, "@#*+=-._");
}

static void
test_ramp_utf8(void **state)
{
	static const uint32_t up[] = {0, 1, 2, 3, 4, 5, 6, 7};
	static const uint32_t down[] = {7, 6, 5, 4, 3, 2, 1, 0};

	(void)state;
	assert_renders(up, COUNT(up), SPARKLINE_UTF8,
		       "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	assert_renders(down, COUNT(down), SPARKLINE_UTF8,
		       "\u2588\u2587\u2586\u2585\u2584\u2583\u2582\u2581");
	/* Three bytes per cell. */
	assert_int_equal(strlen("\u2581"), 3);
}

/* Each row scales to itself: 1000..1007 uses the full range like 0..7,
 * and so does a large spread. */
static void
test_own_scale(void **state)
{
	static const uint32_t offset[] = {1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007};
	static const uint32_t scaled[] = {0, 1000, 2000, 3000, 4000, 5000, 6000, 7000};
	static const uint32_t pair[] = {3000, 5000, 3000};
	static const uint32_t extremes[] = {0, UINT32_MAX - 1, 0};

	(void)state;
	assert_renders(offset, COUNT(offset), SPARKLINE_ASCII, "_.-=+*#@");
	assert_renders(offset, COUNT(offset), SPARKLINE_UTF8,
		       "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	assert_renders(scaled, COUNT(scaled), SPARKLINE_ASCII, "_.-=+*#@");
	assert_renders(pair, COUNT(pair), SPARKLINE_ASCII, "_@_");
	assert_renders(extremes, COUNT(extremes), SPARKLINE_ASCII, "_@_");
}

static void
test_flat_zero(void **state)
{
	static const uint32_t zeros[] = {0, 0, 0, 0};

	(void)state;
	assert_renders(zeros, COUNT(zeros), SPARKLINE_ASCII, "____");
	assert_renders(zeros, COUNT(zeros), SPARKLINE_UTF8, "\u2581\u2581\u2581\u2581");
}

/* All equal and not zero: mid height, so it reads as "present, steady". */
static void
test_flat_nonzero(void **state)
{
	static const uint32_t fives[] = {5, 5, 5};
	static const uint32_t one[] = {42};

	(void)state;
	assert_renders(fives, COUNT(fives), SPARKLINE_ASCII, "===");
	assert_renders(fives, COUNT(fives), SPARKLINE_UTF8, "\u2584\u2584\u2584");
	assert_renders(one, COUNT(one), SPARKLINE_ASCII, "=");
}

/* Gaps draw as spaces and do not count for the scale. */
static void
test_gaps(void **state)
{
	static const uint32_t mixed[] = {0, GAP, 7, GAP};
	static const uint32_t around[] = {GAP, 10, 20, GAP};
	static const uint32_t flat[] = {GAP, 4, 4};
	static const uint32_t flat0[] = {0, GAP, 0};
	static const uint32_t only_gaps[] = {GAP, GAP, GAP};

	(void)state;
	assert_renders(mixed, COUNT(mixed), SPARKLINE_ASCII, "_ @ ");
	assert_renders(mixed, COUNT(mixed), SPARKLINE_UTF8, "\u2581 \u2588 ");
	/* Were the gap a value, 10 and 20 would both sit at the bottom. */
	assert_renders(around, COUNT(around), SPARKLINE_ASCII, " _@ ");
	assert_renders(flat, COUNT(flat), SPARKLINE_ASCII, " ==");
	assert_renders(flat0, COUNT(flat0), SPARKLINE_UTF8, "\u2581 \u2581");
	assert_renders(only_gaps, COUNT(only_gaps), SPARKLINE_ASCII, "   ");
	assert_renders(only_gaps, COUNT(only_gaps), SPARKLINE_UTF8, "   ");
}

static void
test_empty_row(void **state)
{
	char out[4] = "abc";

	(void)state;
	assert_int_equal(sparkline_render(NULL, 0, SPARKLINE_UTF8, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void
test_buffer_too_small(void **state)
{
	static const uint32_t up[] = {0, 1, 2, 3, 4, 5, 6, 7};
	char out[32];

	(void)state;
	/* ASCII needs 8 + 1 bytes. */
	memset(out, 'X', sizeof(out));
	assert_int_equal(sparkline_render(up, 8, SPARKLINE_ASCII, out, 8), 0);
	assert_string_equal(out, "");
	assert_int_equal(sparkline_render(up, 8, SPARKLINE_ASCII, out, 9), 8);
	assert_string_equal(out, "_.-=+*#@");

	/* UTF-8 needs 3 * 8 + 1 bytes, so 24 is one short. */
	memset(out, 'X', sizeof(out));
	assert_int_equal(sparkline_render(up, 8, SPARKLINE_UTF8, out, 24), 0);
	assert_string_equal(out, "");
	assert_int_equal(sparkline_render(up, 8, SPARKLINE_UTF8, out, 25), 24);
	assert_int_equal(strlen(out), 24);

	/* Size 1: room for the terminator only. */
	memset(out, 'X', sizeof(out));
	assert_int_equal(sparkline_render(up, 1, SPARKLINE_ASCII, out, 1), 0);
	assert_string_equal(out, "");

	/* Size 0: nothing may be written at all. */
	memset(out, 'X', sizeof(out));
	assert_int_equal(sparkline_render(up, 8, SPARKLINE_ASCII, out, 0), 0);
	assert_int_equal(out[0], 'X');
}

static void
test_bytes_needed(void **state)
{
	(void)state;
	assert_int_equal(sparkline_bytes_needed(0, SPARKLINE_ASCII), 1);
	assert_int_equal(sparkline_bytes_needed(0, SPARKLINE_UTF8), 1);
	assert_int_equal(sparkline_bytes_needed(1, SPARKLINE_ASCII), 2);
	assert_int_equal(sparkline_bytes_needed(1, SPARKLINE_UTF8), 4);
	assert_int_equal(sparkline_bytes_needed(60, SPARKLINE_ASCII), 61);
	assert_int_equal(sparkline_bytes_needed(60, SPARKLINE_UTF8), 181);
}

/* The rendered length of a row with gaps is less than the bound, and the
 * bound is always enough. */
static void
test_bytes_needed_suffices(void **state)
{
	uint32_t values[50];
	char out[3 * 50 + 1];

	(void)state;
	for (size_t i = 0; i < 50; i++)
		values[i] = i % 7 == 3 ? GAP : (uint32_t)(i * 37 % 11);
	for (size_t n = 0; n <= 50; n++) {
		size_t need = sparkline_bytes_needed(n, SPARKLINE_UTF8);
		size_t len = sparkline_render(values, n, SPARKLINE_UTF8, out, need);

		assert_true(len < need);
		assert_int_equal(strlen(out), len);
		need = sparkline_bytes_needed(n, SPARKLINE_ASCII);
		assert_int_equal(sparkline_render(values, n, SPARKLINE_ASCII, out, need), n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ramp_ascii),
		cmocka_unit_test(test_ramp_utf8),
		cmocka_unit_test(test_own_scale),
		cmocka_unit_test(test_flat_zero),
		cmocka_unit_test(test_flat_nonzero),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_empty_row),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_bytes_needed),
		cmocka_unit_test(test_bytes_needed_suffices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
