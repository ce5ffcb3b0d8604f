/*
 * test_format.c - time, count, delta and duration formatting; number parsing.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"

/* Formats with fn and checks both the text and the returned length. */
#define assert_formats(fn, value, expected)                                   \
	do {                                                                  \
		char buf_[64];                                                \
		size_t n_ = fn((value), buf_, sizeof(buf_));                  \
		assert_string_equal(buf_, (expected));                        \
		assert_int_equal(n_, strlen(expected));                       \
	} while (0)

static void
test_rfc3339(void **state)
{
	struct timespec t = {.tv_sec = 1795595400, .tv_nsec = 123456789};
	char buf[64];

	(void)state;
	assert_int_equal(format_rfc3339(&t, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "2026-11-25T08:30:00.123Z");

	t = (struct timespec){.tv_sec = 0, .tv_nsec = 0};
	format_rfc3339(&t, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");

	/* Milliseconds are truncated, not rounded, so a time never shows a
	 * second it has not reached. */
	t = (struct timespec){.tv_sec = 951868799, .tv_nsec = 999999999};
	format_rfc3339(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2000-02-29T23:59:59.999Z");

	t = (struct timespec){.tv_sec = 951868799, .tv_nsec = 7000000};
	format_rfc3339(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2000-02-29T23:59:59.007Z");
}

static void
test_count_separators(void **state)
{
	(void)state;
	assert_formats(format_count, 0, "0");
	assert_formats(format_count, 7, "7");
	assert_formats(format_count, 999, "999");
	assert_formats(format_count, 1000, "1,000");
	assert_formats(format_count, 9999, "9,999");
	assert_formats(format_count, 100000, "100,000");
	assert_formats(format_count, 999999, "999,999");
	assert_formats(format_count, 1000000, "1,000,000");
	assert_formats(format_count, 1234567, "1,234,567");
	assert_formats(format_count, UINT64_MAX, "18,446,744,073,709,551,615");
}

static void
test_delta_signs(void **state)
{
	(void)state;
	assert_formats(format_delta, 0, "0");
	assert_formats(format_delta, 12, "+12");
	assert_formats(format_delta, -3, "-3");
	assert_formats(format_delta, 1000, "+1,000");
	assert_formats(format_delta, -1234567, "-1,234,567");
	assert_formats(format_delta, INT64_MAX, "+9,223,372,036,854,775,807");
	assert_formats(format_delta, INT64_MIN, "-9,223,372,036,854,775,808");
}

static void
test_duration_ranges(void **state)
{
	(void)state;
	/* microseconds below 1 ms */
	assert_formats(format_duration, 0.0, "0us");
	assert_formats(format_duration, 0.000850, "850us");
	assert_formats(format_duration, 0.0000004, "0us");
	/* milliseconds below 1 s */
	assert_formats(format_duration, 0.001, "1.0ms");
	assert_formats(format_duration, 0.0123, "12.3ms");
	assert_formats(format_duration, 0.5, "500.0ms");
	/* seconds below 1 min */
	assert_formats(format_duration, 1.0, "1.0s");
	assert_formats(format_duration, 1.5, "1.5s");
	assert_formats(format_duration, 59.0, "59.0s");
	/* minutes and seconds below 1 h */
	assert_formats(format_duration, 60.0, "1m00s");
	assert_formats(format_duration, 125.0, "2m05s");
	assert_formats(format_duration, 3599.0, "59m59s");
	/* hours and minutes */
	assert_formats(format_duration, 3600.0, "1h00m");
	assert_formats(format_duration, 3.0 * 3600 + 7 * 60 + 30, "3h07m");
	assert_formats(format_duration, 100.0 * 3600 + 59 * 60, "100h59m");
	/* negative durations clamp to zero */
	assert_formats(format_duration, -2.5, "0us");
}

static void
test_parse_seconds_accepts(void **state)
{
	double s = -1;

	(void)state;
	assert_int_equal(format_parse_seconds("0.5", &s), 0);
	assert_true(s == 0.5);
	assert_int_equal(format_parse_seconds("2", &s), 0);
	assert_true(s == 2.0);
	assert_int_equal(format_parse_seconds("1e-1", &s), 0);
	assert_true(s == 0.1);
	assert_int_equal(format_parse_seconds("60", &s), 0);
	assert_true(s == 60.0);
	assert_int_equal(format_parse_seconds(".25", &s), 0);
	assert_true(s == 0.25);
	assert_int_equal(format_parse_seconds("0", &s), 0);
	assert_true(s == 0.0);
}

static void
test_parse_seconds_rejects(void **state)
{
	static const char *const bad[] = {
		"", "1x", "nan", "inf", "-1", "  1", "1 ", "infinity", "NAN", "-inf",
		"1e999", "x", ".", "0.5s", "\t2", "+1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double s = 42.0;

		print_message("rejecting \"%s\"\n", bad[i]);
		assert_int_equal(format_parse_seconds(bad[i], &s), -1);
		/* A rejected text leaves the output alone. */
		assert_true(s == 42.0);
	}
}

static void
test_parse_count_accepts(void **state)
{
	unsigned long v = 1;

	(void)state;
	assert_int_equal(format_parse_count("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(format_parse_count("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(format_parse_count("007", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(format_parse_count("18446744073709551615", &v), 0);
	assert_true(v == 18446744073709551615ul);
}

static void
test_parse_count_rejects(void **state)
{
	static const char *const bad[] = {
		"",   "1x", "nan", "inf", "-1", "  1", "1 ", "+1", "1.5", "0x10",
		"1e3", "abc", "18446744073709551616", "99999999999999999999999",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long v = 42;

		print_message("rejecting \"%s\"\n", bad[i]);
		assert_int_equal(format_parse_count(bad[i], &v), -1);
		assert_int_equal(v, 42);
	}
}

static void
test_parse_when(void **state)
{
	struct timespec first, when;
	struct tm tm;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* 2026-11-25 10:00:00.250 UTC */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 126;
	tm.tm_mon = 10;
	tm.tm_mday = 25;
	tm.tm_hour = 10;
	first.tv_sec = timegm(&tm);
	first.tv_nsec = 250000000;

	assert_int_equal(format_parse_when("+90", &first, &when), 0);
	assert_int_equal(when.tv_sec, first.tv_sec + 90);
	assert_int_equal(when.tv_nsec, 250000000);
	assert_int_equal(format_parse_when("+1.75", &first, &when), 0);
	assert_int_equal(when.tv_sec, first.tv_sec + 2);
	assert_int_equal(when.tv_nsec, 0);
	assert_int_equal(format_parse_when("10:05", &first, &when), 0);
	assert_int_equal(when.tv_sec, first.tv_sec + 300);
	assert_int_equal(format_parse_when("10:05:30", &first, &when), 0);
	assert_int_equal(when.tv_sec, first.tv_sec + 330);
	/* Before the start: the next day. */
	assert_int_equal(format_parse_when("09:00", &first, &when), 0);
	assert_int_equal(when.tv_sec, first.tv_sec + 23 * 3600);

	assert_int_equal(format_parse_when("", &first, &when), -1);
	assert_int_equal(format_parse_when("+", &first, &when), -1);
	assert_int_equal(format_parse_when("+-3", &first, &when), -1);
	assert_int_equal(format_parse_when("90", &first, &when), -1);
	assert_int_equal(format_parse_when("24:00", &first, &when), -1);
	assert_int_equal(format_parse_when("10:60", &first, &when), -1);
	assert_int_equal(format_parse_when("10:05x", &first, &when), -1);
	assert_int_equal(format_parse_when("10:05:61", &first, &when), -1);
	assert_int_equal(format_parse_when(" 10:05", &first, &when), -1);
}

static void
test_format_cut(void **state)
{
	char out[8];

	(void)state;
	assert_true(format_cut(out, sizeof(out), "%s:%d", "ab", 42));
	assert_string_equal(out, "ab:42");
	/* Seven bytes fit, then the NUL. */
	assert_false(format_cut(out, sizeof(out), "%s", "port 9000 of many"));
	assert_string_equal(out, "port 90");
	assert_true(format_cut(out, sizeof(out), "%s", "1234567"));
	assert_false(format_cut(out, sizeof(out), "%s", "12345678"));
	assert_string_equal(out, "1234567");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_count_separators),
		cmocka_unit_test(test_delta_signs),
		cmocka_unit_test(test_duration_ranges),
		cmocka_unit_test(test_parse_seconds_accepts),
		cmocka_unit_test(test_parse_seconds_rejects),
		cmocka_unit_test(test_parse_count_accepts),
		cmocka_unit_test(test_parse_count_rejects),
		cmocka_unit_test(test_parse_when),
		cmocka_unit_test(test_format_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
