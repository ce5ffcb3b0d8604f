/*
 * test_sampler.c - the sampler thread and the batch loop, fed by a fake
 * source, so no netlink socket is needed.  Run it under ThreadSanitizer.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "output.h"
#include "ring.h"
#include "sampler.h"
#include "source.h"

/* ------------------------------------------------------------ fake source */

/*
 * Sample k (1-based) holds base_entries + k entries, entry i in state
 * i % TCP_STATE_COUNT with cookie k.  The sampler thread is the only one
 * touching it until the sampler is stopped (joined); the test reads it
 * after that.
 */
struct fake {
	unsigned int base_entries;
	int fail_at;     /* call that fails with fail_errno; 0: never */
	int fail_errno;
	int end_at;      /* call that returns 1 (no more samples); 0: never */
	int calls;
	bool freed;
};

static int
fake_sample(void *state, struct snapshot *snap, char *cause, size_t cause_len)
{
	struct fake *fake = state;
	unsigned int n;
	struct timespec nap = {.tv_sec = 0, .tv_nsec = 1000000};

	fake->calls++;
	if (fake->calls == fake->end_at)
		return 1;
	n = fake->base_entries + (unsigned int)fake->calls;
	for (unsigned int i = 0; i < n; i++) {
		struct sock_entry *e = snapshot_add(snap);

		if (e == NULL) {
			snprintf(cause, cause_len, "fake: out of memory");
			return -1;
		}
		e->cookie = (uint64_t)fake->calls;
		e->state = (uint8_t)(i % TCP_STATE_COUNT);
	}
	/* A sample takes time, so sample_ns cannot be 0. */
	nanosleep(&nap, NULL);
	if (fake->calls == fake->fail_at) {
		/* Fails after filling part of the snapshot: the sampler must
		 * drop it, not publish it. */
		snprintf(cause, cause_len, "fake: dump failed at call %d", fake->calls);
		errno = fake->fail_errno;
		return -1;
	}
	return 0;
}

static void
fake_free(void *state)
{
	struct fake *fake = state;

	fake->freed = true;
}

static const struct source_ops fake_ops = {
	.name = "fake",
	.sample = fake_sample,
	.free = fake_free,
};

static struct source
fake_source(struct fake *fake)
{
	struct source src = {.ops = &fake_ops, .state = fake};

	return src;
}

/* ------------------------------------------------------------ helpers */

static int64_t
ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000ll + t->tv_nsec;
}

/* Waits until the ring is closed, up to a generous limit that only stops
 * a broken sampler from hanging the test run. */
static bool
wait_closed(struct ring *ring)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};

		if (ring_closed(ring, NULL, NULL, 0))
			return true;
		(void)poll(&pfd, 1, 100);
		ring_drain_wake(ring);
	}
	return ring_closed(ring, NULL, NULL, 0);
}

/* Checks snapshot number k as the fake made it and the sampler sealed it. */
static void
assert_fake_snapshot(const struct snapshot *snap, unsigned int base, uint64_t k)
{
	uint32_t expected[TCP_STATE_COUNT] = {0};
	unsigned int n = base + (unsigned int)k;

	assert_int_equal(snap->seq, k);
	assert_int_equal(snap->n_entries, n);
	for (unsigned int i = 0; i < n; i++) {
		expected[i % TCP_STATE_COUNT]++;
		assert_int_equal(snap->entries[i].cookie, k);
	}
	assert_int_equal(snap->total, n);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		assert_int_equal(snap->counts[s], expected[s]);
	/* The sample took at least the fake's 1 ms nap. */
	assert_true(snap->sample_ns >= 1000000);
	assert_true(snap->taken_mono.tv_sec > 0 || snap->taken_mono.tv_nsec > 0);
	assert_true(snap->taken_wall.tv_sec > 0);
}

/* ------------------------------------------------------------ sampler */

static void
test_publishes_max_samples_then_closes(void **state)
{
	struct fake fake = {.base_entries = 20};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(16);
	struct sampler *sampler;
	struct timespec now;
	int64_t prev_mono = 0;
	char message[128];
	int err = -1;

	(void)state;
	assert_non_null(ring);
	sampler = sampler_new(&src, ring, 0.1, 5);
	assert_non_null(sampler);
	/* The sampler took the source over. */
	assert_null(src.ops);
	assert_null(src.state);
	assert_int_equal(sampler_start(sampler), 0);
	assert_true(wait_closed(ring));
	sampler_stop(sampler);

	assert_true(ring_closed(ring, &err, message, sizeof(message)));
	assert_int_equal(err, 0);
	assert_string_equal(message, "sample limit reached");
	assert_int_equal(ring_last_seq(ring), 5);
	assert_int_equal(fake.calls, 5);

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (uint64_t k = 1; k <= 5; k++) {
		uint64_t missed = 99;
		struct snapshot *snap = ring_next(ring, k - 1, &missed);

		assert_non_null(snap);
		assert_int_equal(missed, 0);
		assert_fake_snapshot(snap, 20, k);
		/* Only the fifth is the last: the models keep less of it. */
		assert_int_equal(snap->last, k == 5);
		assert_true(ns_of(&snap->taken_mono) <= ns_of(&now));
		/* Samples are spaced by the interval, never closer. */
		if (k > 1)
			assert_true(ns_of(&snap->taken_mono) - prev_mono >= 99000000);
		prev_mono = ns_of(&snap->taken_mono);
		snapshot_unref(snap);
	}
	assert_false(fake.freed);
	sampler_free(sampler);
	assert_true(fake.freed);
	ring_free(ring);
}

static void
test_failing_source_closes_with_cause(void **state)
{
	struct fake fake = {.base_entries = 5, .fail_at = 3, .fail_errno = EACCES};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(16);
	struct sampler *sampler = sampler_new(&src, ring, 0.1, 0);
	struct snapshot *snap;
	char message[128];
	int err = 0;

	(void)state;
	assert_non_null(sampler);
	assert_int_equal(sampler_start(sampler), 0);
	assert_true(wait_closed(ring));
	sampler_stop(sampler);

	assert_true(ring_closed(ring, &err, message, sizeof(message)));
	assert_int_equal(err, EACCES);
	assert_string_equal(message, "fake: dump failed at call 3");
	/* The failed sample was not published. */
	assert_int_equal(ring_last_seq(ring), 2);
	assert_int_equal(fake.calls, 3);
	snap = ring_latest(ring);
	assert_non_null(snap);
	assert_fake_snapshot(snap, 5, 2);
	snapshot_unref(snap);
	sampler_free(sampler);
	assert_true(fake.freed);
	ring_free(ring);
}

/* A failure on the very first sample publishes nothing. */
static void
test_failing_first_sample(void **state)
{
	struct fake fake = {.fail_at = 1, .fail_errno = ENOMEM};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(4);
	struct sampler *sampler = sampler_new(&src, ring, 1.0, 0);
	int err = 0;

	(void)state;
	assert_int_equal(sampler_start(sampler), 0);
	assert_true(wait_closed(ring));
	sampler_free(sampler);
	assert_true(ring_closed(ring, &err, NULL, 0));
	assert_int_equal(err, ENOMEM);
	assert_int_equal(ring_last_seq(ring), 0);
	assert_null(ring_latest(ring));
	ring_free(ring);
}

static void
test_end_of_input_closes_normally(void **state)
{
	struct fake fake = {.base_entries = 1, .end_at = 2};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(16);
	struct sampler *sampler = sampler_new(&src, ring, 0.1, 10);
	char message[128];
	int err = -1;

	(void)state;
	assert_int_equal(sampler_start(sampler), 0);
	assert_true(wait_closed(ring));
	sampler_stop(sampler);
	assert_true(ring_closed(ring, &err, message, sizeof(message)));
	assert_int_equal(err, 0);
	assert_string_equal(message, "end of input");
	assert_int_equal(ring_last_seq(ring), 1);
	assert_int_equal(fake.calls, 2);
	sampler_free(sampler);
	ring_free(ring);
}

static void
test_set_interval_clamps(void **state)
{
	struct fake fake = {0};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(1);
	struct sampler *sampler = sampler_new(&src, ring, 0.0, 0);

	(void)state;
	assert_non_null(sampler);
	/* sampler_new clamps too. */
	assert_true(sampler_interval(sampler) == SAMPLER_MIN_INTERVAL);
	assert_true(sampler_set_interval(sampler, 2.5) == 2.5);
	assert_true(sampler_interval(sampler) == 2.5);
	assert_true(sampler_set_interval(sampler, 0.05) == SAMPLER_MIN_INTERVAL);
	assert_true(sampler_interval(sampler) == SAMPLER_MIN_INTERVAL);
	assert_true(sampler_set_interval(sampler, -3) == SAMPLER_MIN_INTERVAL);
	assert_true(sampler_set_interval(sampler, NAN) == SAMPLER_MIN_INTERVAL);
	assert_true(sampler_set_interval(sampler, 61) == SAMPLER_MAX_INTERVAL);
	assert_true(sampler_interval(sampler) == SAMPLER_MAX_INTERVAL);
	assert_true(sampler_set_interval(sampler, INFINITY) == SAMPLER_MAX_INTERVAL);
	assert_true(sampler_set_interval(sampler, 0.1) == 0.1);
	assert_true(sampler_set_interval(sampler, 60) == 60.0);
	assert_true(sampler_interval(sampler) == 60.0);
	/* Never started: stop is a no-op and free still frees the source. */
	sampler_stop(sampler);
	assert_int_equal(fake.calls, 0);
	sampler_free(sampler);
	assert_true(fake.freed);
	assert_false(ring_closed(ring, NULL, NULL, 0));
	ring_free(ring);
}

/* An unlimited sampler waiting out a 60 s interval stops when asked. */
static void
test_stop_running_sampler(void **state)
{
	struct fake fake = {.base_entries = 2};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(4);
	struct sampler *sampler = sampler_new(&src, ring, 60.0, 0);
	struct snapshot *snap = NULL;

	(void)state;
	assert_int_equal(sampler_start(sampler), 0);
	/* Wait for the first sample: the thread then sleeps for 60 s. */
	for (int i = 0; i < 100 && (snap = ring_latest(ring)) == NULL; i++) {
		struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};

		(void)poll(&pfd, 1, 100);
		ring_drain_wake(ring);
	}
	assert_non_null(snap);
	assert_fake_snapshot(snap, 2, 1);
	snapshot_unref(snap);

	sampler_stop(sampler);
	/* Back here means the thread was woken and joined. */
	assert_int_equal(fake.calls, 1);
	assert_int_equal(ring_last_seq(ring), 1);
	/* A stop is not an end of the data: the ring stays open. */
	assert_false(ring_closed(ring, NULL, NULL, 0));
	sampler_stop(sampler);
	sampler_free(sampler);
	assert_true(fake.freed);
	ring_free(ring);
}

/* Changing the interval while the sampler waits out a long one wakes it,
 * so the next sample comes at the new pace. */
static void
test_interval_change_applies_while_waiting(void **state)
{
	struct fake fake = {.base_entries = 0};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(8);
	struct sampler *sampler = sampler_new(&src, ring, 60.0, 3);
	int err = -1;

	(void)state;
	assert_int_equal(sampler_start(sampler), 0);
	for (int i = 0; i < 100 && ring_last_seq(ring) == 0; i++) {
		struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};

		(void)poll(&pfd, 1, 100);
		ring_drain_wake(ring);
	}
	assert_int_equal(ring_last_seq(ring), 1);
	sampler_set_interval(sampler, 0.1);
	/* Without the wake-up this would take two minutes. */
	assert_true(wait_closed(ring));
	assert_true(ring_closed(ring, &err, NULL, 0));
	assert_int_equal(err, 0);
	assert_int_equal(ring_last_seq(ring), 3);
	sampler_free(sampler);
	ring_free(ring);
}

/* A dashboard that has not shown the newest sample holds the next dump
 * back for half an interval past its time, and no longer: samples come,
 * spaced by one and a half intervals at least. */
static void
test_waits_for_the_screen_half_an_interval(void **state)
{
	struct fake fake = {.base_entries = 3};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(8);
	struct sampler *sampler = sampler_new(&src, ring, 0.1, 3);
	int64_t prev_mono = 0;

	(void)state;
	sampler_shown(sampler, 0);
	assert_int_equal(sampler_start(sampler), 0);
	assert_true(wait_closed(ring));
	sampler_stop(sampler);
	assert_int_equal(ring_last_seq(ring), 3);
	for (uint64_t k = 1; k <= 3; k++) {
		struct snapshot *snap = ring_next(ring, k - 1, NULL);

		assert_non_null(snap);
		if (k > 1)
			assert_true(ns_of(&snap->taken_mono) - prev_mono >= 149000000);
		prev_mono = ns_of(&snap->taken_mono);
		snapshot_unref(snap);
	}
	sampler_free(sampler);
	ring_free(ring);
}

/* ------------------------------------------------------------ batch */

/* Reads the whole memstream into lines; returns how many. */
static size_t
split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
	     line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	return n;
}

/* Checks one JSON line: the time's shape, then every other byte. */
static void
assert_json_line(const char *line, unsigned int base, unsigned int k)
{
	static const char time_shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	uint32_t counts[TCP_STATE_COUNT] = {0};
	unsigned int n = base + k;
	char expected[512];
	size_t pos;
	const char *rest;

	assert_true(strncmp(line, "{\"time\": \"", 10) == 0);
	for (size_t i = 0; i < sizeof(time_shape) - 1; i++) {
		if (time_shape[i] == 'd')
			assert_true(line[10 + i] >= '0' && line[10 + i] <= '9');
		else
			assert_int_equal(line[10 + i], time_shape[i]);
	}
	rest = line + 10 + sizeof(time_shape) - 1;

	for (unsigned int i = 0; i < n; i++)
		counts[i % TCP_STATE_COUNT]++;
	pos = (size_t)snprintf(expected, sizeof(expected),
			       "\", \"interval\": 0.1, \"total\": %u, \"states\": {", n);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		pos += (size_t)snprintf(expected + pos, sizeof(expected) - pos, "%s\"%s\": %u",
					s > 0 ? ", " : "", tcp_state_name((enum tcp_state)s),
					counts[s]);
	snprintf(expected + pos, sizeof(expected) - pos, "}}");
	assert_string_equal(rest, expected);
}

static void
test_batch_json_lines(void **state)
{
	static const char *const names[TCP_STATE_COUNT] = {
		"LISTEN",     "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
		"CLOSE_WAIT", "CLOSING",  "LAST_ACK", "TIME_WAIT",   "CLOSE",
	};
	struct fake fake = {.base_entries = 10};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(8);
	struct sampler *sampler = sampler_new(&src, ring, 0.1, 3);
	const struct output_format *json = output_format_find("json");
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);
	char *lines[8];
	char cause[128] = "";
	size_t n_lines;

	(void)state;
	assert_non_null(json);
	assert_non_null(out);
	assert_int_equal(sampler_start(sampler), 0);
	assert_int_equal(batch_run(ring, sampler, json, OUTPUT_VIEW_STATES, out, cause, sizeof(cause)), 0);
	sampler_free(sampler);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);

	/* Every line ends with a newline, and there are exactly three. */
	assert_true(text_len > 0 && text[text_len - 1] == '\n');
	n_lines = split_lines(text, lines, 8);
	assert_int_equal(n_lines, 3);
	for (unsigned int k = 1; k <= 3; k++) {
		const char *prev = lines[k - 1];

		print_message("%s\n", lines[k - 1]);
		assert_json_line(lines[k - 1], 10, k);
		/* The keys in order, independently of the helper above. */
		prev = strstr(prev, "\"time\"");
		assert_non_null(prev);
		prev = strstr(prev, "\"interval\"");
		assert_non_null(prev);
		prev = strstr(prev, "\"total\"");
		assert_non_null(prev);
		prev = strstr(prev, "\"states\"");
		assert_non_null(prev);
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			char key[32];

			snprintf(key, sizeof(key), "\"%s\": ", names[s]);
			prev = strstr(prev, key);
			assert_non_null(prev);
		}
	}
	free(text);
	ring_free(ring);
}

static void
test_batch_text_lines(void **state)
{
	struct fake fake = {.base_entries = 0};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(8);
	struct sampler *sampler = sampler_new(&src, ring, 0.1, 2);
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);
	char *lines[8];
	char cause[128];

	(void)state;
	assert_int_equal(sampler_start(sampler), 0);
	assert_int_equal(
		batch_run(ring, sampler, output_format_find("text"), OUTPUT_VIEW_STATES, out, cause, sizeof(cause)), 0);
	sampler_free(sampler);
	fclose(out);
	assert_int_equal(split_lines(text, lines, 8), 2);
	/* Sample 2 holds two sockets: one LISTEN, one SYN_SENT. */
	assert_non_null(strstr(lines[1], "Z total=2 LISTEN=1 SYN_SENT=1 SYN_RECV=0 "));
	assert_non_null(strstr(lines[1], " TIME_WAIT=0 CLOSE=0"));
	assert_non_null(strstr(lines[0], "Z total=1 LISTEN=1 SYN_SENT=0 "));
	free(text);
	ring_free(ring);
}

static void
test_batch_failing_source(void **state)
{
	struct fake fake = {.base_entries = 3, .fail_at = 2, .fail_errno = EIO};
	struct source src = fake_source(&fake);
	struct ring *ring = ring_new(8);
	struct sampler *sampler = sampler_new(&src, ring, 0.1, 0);
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);
	char *lines[8];
	char cause[128] = "";

	(void)state;
	assert_int_equal(sampler_start(sampler), 0);
	errno = 0;
	assert_int_equal(
		batch_run(ring, sampler, output_format_find("json"), OUTPUT_VIEW_STATES, out, cause, sizeof(cause)), -1);
	assert_int_equal(errno, EIO);
	assert_string_equal(cause, "fake: dump failed at call 2");
	sampler_free(sampler);
	fclose(out);
	/* The sample before the failure was printed. */
	assert_int_equal(split_lines(text, lines, 8), 1);
	assert_json_line(lines[0], 3, 1);
	free(text);
	ring_free(ring);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publishes_max_samples_then_closes),
		cmocka_unit_test(test_failing_source_closes_with_cause),
		cmocka_unit_test(test_failing_first_sample),
		cmocka_unit_test(test_end_of_input_closes_normally),
		cmocka_unit_test(test_set_interval_clamps),
		cmocka_unit_test(test_stop_running_sampler),
		cmocka_unit_test(test_interval_change_applies_while_waiting),
		cmocka_unit_test(test_waits_for_the_screen_half_an_interval),
		cmocka_unit_test(test_batch_json_lines),
		cmocka_unit_test(test_batch_text_lines),
		cmocka_unit_test(test_batch_failing_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
