/*
 * test_history.c - the per-state count history behind the sparklines.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "history.h"

/* Pushes a row where state s holds base + s. */
static void
push_row(struct history *hist, uint32_t base)
{
	uint32_t counts[TCP_STATE_COUNT];

	for (int s = 0; s < TCP_STATE_COUNT; s++)
		counts[s] = base + (uint32_t)s;
	history_push(hist, counts);
}

static void
test_new_empty(void **state)
{
	struct history *hist = history_new(10);
	uint32_t out[4] = {7, 7, 7, 7};

	(void)state;
	assert_non_null(hist);
	assert_int_equal(history_len(hist), 0);
	assert_int_equal(history_capacity(hist), 10);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 4, out), 0);
	assert_int_equal(out[0], 7);
	history_free(hist);
	history_free(NULL);
}

static void
test_capacity_zero(void **state)
{
	(void)state;
	errno = 0;
	assert_null(history_new(0));
	assert_int_equal(errno, EINVAL);
}

static void
test_push_read_oldest_first(void **state)
{
	struct history *hist = history_new(10);
	uint32_t out[10];

	(void)state;
	for (uint32_t i = 1; i <= 5; i++)
		push_row(hist, i * 100);
	assert_int_equal(history_len(hist), 5);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 5, out), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[i], (uint32_t)(i + 1) * 100);
	/* Each state reads its own column. */
	assert_int_equal(history_read(hist, TCP_STATE_CLOSE, 0, 5, out), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[i], (uint32_t)(i + 1) * 100 + TCP_STATE_CLOSE);
	/* Fewer than held: the newest ones. */
	assert_int_equal(history_read(hist, TCP_STATE_ESTABLISHED, 0, 2, out), 2);
	assert_int_equal(out[0], 400 + TCP_STATE_ESTABLISHED);
	assert_int_equal(out[1], 500 + TCP_STATE_ESTABLISHED);
	history_free(hist);
}

static void
test_read_more_than_len(void **state)
{
	struct history *hist = history_new(10);
	uint32_t out[10];

	(void)state;
	memset(out, 0xab, sizeof(out));
	push_row(hist, 1);
	push_row(hist, 2);
	push_row(hist, 3);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 10, out), 3);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 3);
	/* Nothing written past what was returned. */
	assert_int_equal(out[3], 0xabababab);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 0, out), 0);
	history_free(hist);
}

static void
test_wrap_at_capacity(void **state)
{
	struct history *hist = history_new(4);
	uint32_t out[8];

	(void)state;
	for (uint32_t i = 1; i <= 11; i++) {
		push_row(hist, i);
		assert_int_equal(history_len(hist), i < 4 ? i : 4);
	}
	assert_int_equal(history_capacity(hist), 4);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 8, out), 4);
	assert_int_equal(out[0], 8);
	assert_int_equal(out[1], 9);
	assert_int_equal(out[2], 10);
	assert_int_equal(out[3], 11);
	assert_int_equal(history_read(hist, TCP_STATE_TIME_WAIT, 0, 2, out), 2);
	assert_int_equal(out[0], 10 + TCP_STATE_TIME_WAIT);
	assert_int_equal(out[1], 11 + TCP_STATE_TIME_WAIT);
	history_free(hist);
}

/* A paused view skips what arrived since it froze. */
static void
test_skip_newest(void **state)
{
	struct history *hist = history_new(5);
	uint32_t out[5];

	(void)state;
	for (uint32_t i = 1; i <= 7; i++)
		push_row(hist, i); /* holds 3..7, wrapped */
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 2, 5, out), 3);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 4);
	assert_int_equal(out[2], 5);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 2, 2, out), 2);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 5);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 4, 5, out), 1);
	assert_int_equal(out[0], 3);
	/* Skipping everything (or more) leaves nothing. */
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 5, 5, out), 0);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 1000, 5, out), 0);
	history_free(hist);
}

static void
test_gaps(void **state)
{
	struct history *hist = history_new(6);
	uint32_t out[6];

	(void)state;
	push_row(hist, 10);
	history_push_gaps(hist, 2);
	push_row(hist, 20);
	assert_int_equal(history_len(hist), 4);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		assert_int_equal(history_read(hist, (enum tcp_state)s, 0, 6, out), 4);
		assert_int_equal(out[0], 10 + (uint32_t)s);
		assert_int_equal(out[1], HISTORY_GAP);
		assert_int_equal(out[2], HISTORY_GAP);
		assert_int_equal(out[3], 20 + (uint32_t)s);
	}
	history_push_gaps(hist, 0);
	assert_int_equal(history_len(hist), 4);
	history_free(hist);
}

/* A reader lapped by billions of samples records at most a full history
 * of gaps (and does not spin on the count). */
static void
test_gaps_capped(void **state)
{
	struct history *hist = history_new(5);
	uint32_t out[5];

	(void)state;
	push_row(hist, 1);
	push_row(hist, 2);
	history_push_gaps(hist, UINT64_MAX);
	assert_int_equal(history_len(hist), 5);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 5, out), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[i], HISTORY_GAP);
	push_row(hist, 3);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 5, out), 5);
	assert_int_equal(out[3], HISTORY_GAP);
	assert_int_equal(out[4], 3);
	history_free(hist);
}

static void
test_invalid_state(void **state)
{
	struct history *hist = history_new(3);
	uint32_t out[3] = {5, 5, 5};

	(void)state;
	push_row(hist, 1);
	assert_int_equal(history_read(hist, TCP_STATE_COUNT, 0, 3, out), 0);
	assert_int_equal(history_read(hist, (enum tcp_state)-1, 0, 3, out), 0);
	assert_int_equal(history_read(hist, (enum tcp_state)1000, 0, 3, out), 0);
	assert_int_equal(out[0], 5);
	history_free(hist);
}

/* The memory is set by the capacity, whatever the counts: pushing rows
 * of huge counts neither grows it nor changes what is held. */
static void
test_memory_fixed(void **state)
{
	struct history *hist = history_new(HISTORY_DEFAULT_CAPACITY);
	uint32_t counts[TCP_STATE_COUNT];
	uint32_t out[3];

	(void)state;
	assert_non_null(hist);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		counts[s] = 4000000000u;
	for (int i = 0; i < 2 * HISTORY_DEFAULT_CAPACITY + 7; i++) {
		counts[TCP_STATE_ESTABLISHED] = (uint32_t)i;
		history_push(hist, counts);
	}
	assert_int_equal(history_capacity(hist), HISTORY_DEFAULT_CAPACITY);
	assert_int_equal(history_len(hist), HISTORY_DEFAULT_CAPACITY);
	assert_int_equal(history_read(hist, TCP_STATE_ESTABLISHED, 0, 3, out), 3);
	assert_int_equal(out[0], 2 * HISTORY_DEFAULT_CAPACITY + 4);
	assert_int_equal(out[2], 2 * HISTORY_DEFAULT_CAPACITY + 6);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 1, out), 1);
	assert_int_equal(out[0], 4000000000u);
	history_free(hist);
}

/* Capacity 1 keeps only the newest. */
static void
test_capacity_one(void **state)
{
	struct history *hist = history_new(1);
	uint32_t out[2];

	(void)state;
	push_row(hist, 1);
	push_row(hist, 2);
	assert_int_equal(history_len(hist), 1);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 0, 2, out), 1);
	assert_int_equal(out[0], 2);
	assert_int_equal(history_read(hist, TCP_STATE_LISTEN, 1, 2, out), 0);
	history_free(hist);
}

/* Any number of series: rows wrap, gaps cover every series, and a
 * series past the last reads nothing. */
static void
test_other_series_count(void **state)
{
	struct history *hist = history_new_series(3, 2);
	uint32_t row[2], out[4];

	(void)state;
	assert_non_null(hist);
	assert_int_equal(history_series(hist), 2);
	for (uint32_t i = 1; i <= 4; i++) {
		row[0] = i;
		row[1] = 100 * i;
		history_push(hist, row);
	}
	assert_int_equal(history_read(hist, 0, 0, 4, out), 3);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[2], 4);
	assert_int_equal(history_read(hist, 1, 0, 4, out), 3);
	assert_int_equal(out[0], 200);
	assert_int_equal(out[2], 400);
	history_push_gaps(hist, 1);
	assert_int_equal(history_read(hist, 1, 0, 4, out), 3);
	assert_int_equal(out[2], HISTORY_GAP);
	assert_int_equal(out[1], 400);
	assert_int_equal(history_read(hist, 2, 0, 4, out), 0);
	assert_null(history_new_series(3, 0));
	history_free(hist);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_empty),
		cmocka_unit_test(test_other_series_count),
		cmocka_unit_test(test_capacity_zero),
		cmocka_unit_test(test_push_read_oldest_first),
		cmocka_unit_test(test_read_more_than_len),
		cmocka_unit_test(test_wrap_at_capacity),
		cmocka_unit_test(test_skip_newest),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_gaps_capped),
		cmocka_unit_test(test_invalid_state),
		cmocka_unit_test(test_memory_fixed),
		cmocka_unit_test(test_capacity_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
