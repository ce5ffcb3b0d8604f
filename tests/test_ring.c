/*
 * test_ring.c - the snapshot ring: sequence numbers, order, laps, the
 * reference a lapped reader keeps, closing, the wake fd, and a writer and
 * a reader thread at full speed (run it under ThreadSanitizer).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "ring.h"

/* The content a snapshot of sequence seq carries. */
static uint32_t
mark_of(uint64_t seq)
{
	return (uint32_t)(seq * 2654435761u) ^ 0x5bd1e995u;
}

/* A sealed snapshot with `entries` entries, marked for sequence seq. */
static struct snapshot *
make_snapshot(uint64_t seq, unsigned int entries)
{
	struct snapshot *snap = snapshot_new(entries);

	assert_non_null(snap);
	for (unsigned int i = 0; i < entries; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		e->cookie = seq;
		e->state = TCP_STATE_ESTABLISHED;
	}
	snapshot_seal(snap);
	snap->counts[0] = mark_of(seq);
	return snap;
}

static void
assert_marked(const struct snapshot *snap, uint64_t seq)
{
	assert_int_equal(snap->seq, seq);
	assert_int_equal(snap->counts[0], mark_of(seq));
	for (size_t i = 0; i < snap->n_entries; i++)
		assert_int_equal(snap->entries[i].cookie, seq);
}

static bool
wake_readable(const struct ring *ring)
{
	struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};
	int rc = poll(&pfd, 1, 0);

	assert_true(rc >= 0);
	return rc == 1 && (pfd.revents & POLLIN);
}

static void
test_seq_stamping(void **state)
{
	struct ring *ring = ring_new(4);

	(void)state;
	assert_non_null(ring);
	assert_int_equal(ring_last_seq(ring), 0);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		struct snapshot *snap = make_snapshot(seq, 1);

		assert_int_equal(snap->seq, 0);
		snapshot_ref(snap);
		ring_publish(ring, snap);
		assert_int_equal(snap->seq, seq);
		assert_int_equal(ring_last_seq(ring), seq);
		snapshot_unref(snap);
	}
	ring_free(ring);
}

static void
test_latest(void **state)
{
	struct ring *ring = ring_new(4);
	struct snapshot *snap;

	(void)state;
	assert_null(ring_latest(ring));
	for (uint64_t seq = 1; seq <= 3; seq++) {
		ring_publish(ring, make_snapshot(seq, 2));
		snap = ring_latest(ring);
		assert_non_null(snap);
		assert_marked(snap, seq);
		/* The ring's reference plus ours. */
		assert_int_equal(snap->refs, 2);
		snapshot_unref(snap);
	}
	ring_free(ring);
}

static void
test_next_order(void **state)
{
	struct ring *ring = ring_new(8);
	struct snapshot *snap;
	uint64_t missed = 99;
	uint64_t last = 0;

	(void)state;
	assert_null(ring_next(ring, 0, &missed));
	assert_int_equal(missed, 0);
	for (uint64_t seq = 1; seq <= 5; seq++)
		ring_publish(ring, make_snapshot(seq, 1));
	for (uint64_t want = 1; want <= 5; want++) {
		missed = 99;
		snap = ring_next(ring, last, &missed);
		assert_non_null(snap);
		assert_marked(snap, want);
		assert_int_equal(missed, 0);
		last = snap->seq;
		snapshot_unref(snap);
	}
	missed = 99;
	assert_null(ring_next(ring, last, &missed));
	assert_int_equal(missed, 0);
	/* Past the newest (a reader ahead of the ring) is nothing, too. */
	assert_null(ring_next(ring, 100, NULL));
	/* Skipping ahead within the ring works. */
	snap = ring_next(ring, 3, NULL);
	assert_non_null(snap);
	assert_int_equal(snap->seq, 4);
	snapshot_unref(snap);
	ring_free(ring);
}

/* Capacity 3, ten publishes: only 8, 9, 10 remain, and the ring dropped
 * its references to the others. */
static void
test_wrap_around(void **state)
{
	struct ring *ring = ring_new(3);
	struct snapshot *mine[11];
	struct snapshot *snap;
	uint64_t missed = 0;

	(void)state;
	for (uint64_t seq = 1; seq <= 10; seq++) {
		mine[seq] = make_snapshot(seq, 3);
		ring_publish(ring, snapshot_ref(mine[seq]));
	}
	assert_int_equal(ring_last_seq(ring), 10);
	for (uint64_t seq = 1; seq <= 10; seq++)
		assert_int_equal(mine[seq]->refs, seq <= 7 ? 1 : 2);

	snap = ring_next(ring, 0, &missed);
	assert_non_null(snap);
	assert_marked(snap, 8);
	assert_int_equal(missed, 7);
	snapshot_unref(snap);
	snap = ring_next(ring, 8, &missed);
	assert_marked(snap, 9);
	assert_int_equal(missed, 0);
	snapshot_unref(snap);
	snap = ring_next(ring, 9, &missed);
	assert_marked(snap, 10);
	snapshot_unref(snap);
	assert_null(ring_next(ring, 10, &missed));
	snap = ring_latest(ring);
	assert_marked(snap, 10);
	snapshot_unref(snap);

	ring_free(ring);
	/* Freeing the ring dropped its references, not ours. */
	for (uint64_t seq = 1; seq <= 10; seq++) {
		assert_int_equal(mine[seq]->refs, 1);
		assert_marked(mine[seq], seq);
		snapshot_unref(mine[seq]);
	}
}

/* A reader at 2 that falls behind a ring of 3 while the writer reaches 10
 * lost 3..7. */
static void
test_missed_when_lapped(void **state)
{
	struct ring *ring = ring_new(3);
	struct snapshot *snap;
	uint64_t missed = 0;

	(void)state;
	for (uint64_t seq = 1; seq <= 10; seq++)
		ring_publish(ring, make_snapshot(seq, 0));
	snap = ring_next(ring, 2, &missed);
	assert_non_null(snap);
	assert_int_equal(snap->seq, 8);
	assert_int_equal(missed, 5);
	snapshot_unref(snap);
	/* A reader at 7 missed nothing: 8 is still there. */
	snap = ring_next(ring, 7, &missed);
	assert_int_equal(snap->seq, 8);
	assert_int_equal(missed, 0);
	snapshot_unref(snap);
	/* NULL is accepted for missed. */
	snap = ring_next(ring, 0, NULL);
	assert_int_equal(snap->seq, 8);
	snapshot_unref(snap);
	ring_free(ring);
}

/* A reader keeps a snapshot alive while the writer laps it; it is freed
 * at the reader's unref (ASan/valgrind catch a use after free or leak). */
static void
test_reader_holds_lapped_snapshot(void **state)
{
	struct ring *ring = ring_new(2);
	struct snapshot *held;

	(void)state;
	ring_publish(ring, make_snapshot(1, 500));
	held = ring_latest(ring);
	assert_non_null(held);
	assert_int_equal(held->refs, 2);
	for (uint64_t seq = 2; seq <= 6; seq++)
		ring_publish(ring, make_snapshot(seq, 500));
	/* The ring let go; the reader's reference is the only one left. */
	assert_int_equal(held->refs, 1);
	assert_int_equal(held->n_entries, 500);
	assert_marked(held, 1);
	assert_int_equal(held->total, 500);

	/* Even freeing the ring leaves it readable. */
	ring_free(ring);
	assert_marked(held, 1);
	snapshot_unref(held);
}

/* A released snapshot is freed by the ring at once, never the newest, and
 * a reader that lags behind a release is told what it missed. */
static void
test_release(void **state)
{
	struct ring *ring = ring_new(3);
	struct snapshot *first, *second, *snap;
	uint64_t missed = 99;

	(void)state;
	ring_publish(ring, make_snapshot(1, 10));
	ring_publish(ring, make_snapshot(2, 10));
	first = ring_next(ring, 0, NULL);
	second = ring_next(ring, 1, NULL);
	assert_int_equal(first->refs, 2);
	assert_int_equal(second->refs, 2);
	/* Releasing the newest keeps it: ring_latest() still has it. */
	ring_release(ring, 2);
	assert_int_equal(first->refs, 1);
	assert_int_equal(second->refs, 2);
	snap = ring_latest(ring);
	assert_ptr_equal(snap, second);
	snapshot_unref(snap);
	ring_publish(ring, make_snapshot(3, 10));
	ring_publish(ring, make_snapshot(4, 10));
	/* The reader took 3 but is asked from 1: 2 was released. */
	ring_release(ring, 3);
	assert_int_equal(second->refs, 1);
	snap = ring_next(ring, 1, &missed);
	assert_non_null(snap);
	assert_marked(snap, 4);
	assert_int_equal(missed, 2);
	snapshot_unref(snap);
	/* Nothing newer than the newest. */
	assert_null(ring_next(ring, 4, &missed));
	assert_int_equal(missed, 0);
	ring_release(ring, 100);
	snap = ring_latest(ring);
	assert_marked(snap, 4);
	assert_int_equal(snap->refs, 2);
	snapshot_unref(snap);
	snapshot_unref(first);
	snapshot_unref(second);
	ring_free(ring);
}

static void
test_close(void **state)
{
	struct ring *ring = ring_new(2);
	char message[64] = "untouched";
	char small[5];
	int err = -1;

	(void)state;
	assert_false(ring_closed(ring, &err, message, sizeof(message)));
	assert_int_equal(err, -1);
	assert_string_equal(message, "untouched");

	ring_publish(ring, make_snapshot(1, 1));
	ring_close(ring, EIO, "netlink dump failed: Input/output error");
	assert_true(ring_closed(ring, &err, message, sizeof(message)));
	assert_int_equal(err, EIO);
	assert_string_equal(message, "netlink dump failed: Input/output error");
	/* A short buffer gets a terminated prefix. */
	assert_true(ring_closed(ring, NULL, small, sizeof(small)));
	assert_string_equal(small, "netl");
	assert_true(ring_closed(ring, NULL, NULL, 0));
	/* What was published before the close is still there. */
	assert_int_equal(ring_last_seq(ring), 1);
	ring_free(ring);

	ring = ring_new(2);
	ring_close(ring, 0, "sample limit reached");
	err = -1;
	assert_true(ring_closed(ring, &err, message, sizeof(message)));
	assert_int_equal(err, 0);
	assert_string_equal(message, "sample limit reached");
	ring_free(ring);
}

static void
test_wake_fd(void **state)
{
	struct ring *ring = ring_new(2);

	(void)state;
	assert_true(ring_wake_fd(ring) >= 0);
	assert_false(wake_readable(ring));

	ring_publish(ring, make_snapshot(1, 0));
	assert_true(wake_readable(ring));
	/* Several publishes, one drain. */
	ring_publish(ring, make_snapshot(2, 0));
	ring_publish(ring, make_snapshot(3, 0));
	assert_true(wake_readable(ring));
	ring_drain_wake(ring);
	assert_false(wake_readable(ring));
	/* Draining when nothing is pending does not block. */
	ring_drain_wake(ring);
	assert_false(wake_readable(ring));

	ring_close(ring, 0, NULL);
	assert_true(wake_readable(ring));
	ring_drain_wake(ring);
	assert_false(wake_readable(ring));
	ring_free(ring);
}

static void
test_capacity_zero_means_one(void **state)
{
	struct ring *ring = ring_new(0);
	struct snapshot *snap;
	uint64_t missed;

	(void)state;
	assert_non_null(ring);
	ring_publish(ring, make_snapshot(1, 1));
	ring_publish(ring, make_snapshot(2, 1));
	snap = ring_next(ring, 0, &missed);
	assert_non_null(snap);
	assert_marked(snap, 2);
	assert_int_equal(missed, 1);
	snapshot_unref(snap);
	ring_free(ring);
}

/* ------------------------------------------------------ two threads */

enum { CONCURRENT_SNAPSHOTS = 20000 };

struct reader_stats {
	struct ring *ring;
	uint64_t seen;
	uint64_t missed;
	uint64_t last_seq;
	uint64_t latest_checks;
	int failures;
};

static void *
writer_main(void *arg)
{
	struct ring *ring = arg;

	/* The only writer: the n-th publish gets seq n. */
	for (uint64_t seq = 1; seq <= CONCURRENT_SNAPSHOTS; seq++) {
		struct snapshot *snap = snapshot_new(0);
		struct sock_entry *e;

		if (snap == NULL)
			break;
		e = snapshot_add(snap);
		if (e == NULL) {
			snapshot_unref(snap);
			break;
		}
		e->cookie = seq;
		snapshot_seal(snap);
		snap->counts[0] = mark_of(seq);
		ring_publish(ring, snap);
	}
	ring_close(ring, 0, "writer done");
	return NULL;
}

/* Returns false when the snapshot does not carry its sequence's content. */
static bool
content_matches(const struct snapshot *snap)
{
	return snap->n_entries == 1 && snap->entries[0].cookie == snap->seq &&
	       snap->counts[0] == mark_of(snap->seq) && snap->total == 1;
}

/* cmocka's assertions are not thread-safe: the reader counts failures
 * and the test thread asserts on them after joining. */
static void *
reader_main(void *arg)
{
	struct reader_stats *st = arg;
	uint64_t latest_seq = 0;

	for (;;) {
		struct pollfd pfd = {.fd = ring_wake_fd(st->ring), .events = POLLIN};
		bool closed = ring_closed(st->ring, NULL, NULL, 0);
		struct snapshot *snap;
		uint64_t missed = 0;

		ring_drain_wake(st->ring);
		while ((snap = ring_next(st->ring, st->last_seq, &missed)) != NULL) {
			if (snap->seq <= st->last_seq || snap->seq != st->last_seq + 1 + missed ||
			    !content_matches(snap))
				st->failures++;
			st->last_seq = snap->seq;
			st->seen++;
			st->missed += missed;
			snapshot_unref(snap);

			snap = ring_latest(st->ring);
			if (snap == NULL || snap->seq < latest_seq || snap->seq < st->last_seq ||
			    !content_matches(snap))
				st->failures++;
			if (snap != NULL)
				latest_seq = snap->seq;
			st->latest_checks++;
			snapshot_unref(snap);
		}
		if (closed)
			break;
		(void)poll(&pfd, 1, 100);
	}
	return NULL;
}

static void
test_concurrent_publish_and_read(void **state)
{
	struct ring *ring = ring_new(4);
	struct reader_stats st;
	pthread_t writer, reader;
	struct snapshot *snap;
	int err = -1;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.ring = ring;
	assert_int_equal(pthread_create(&reader, NULL, reader_main, &st), 0);
	assert_int_equal(pthread_create(&writer, NULL, writer_main, ring), 0);
	assert_int_equal(pthread_join(writer, NULL), 0);
	assert_int_equal(pthread_join(reader, NULL), 0);

	print_message("seen %llu, missed %llu\n", (unsigned long long)st.seen,
		      (unsigned long long)st.missed);
	assert_int_equal(st.failures, 0);
	assert_true(ring_closed(ring, &err, NULL, 0));
	assert_int_equal(err, 0);
	assert_int_equal(ring_last_seq(ring), CONCURRENT_SNAPSHOTS);
	/* The reader saw the end, and every seq was either seen or missed. */
	assert_int_equal(st.last_seq, CONCURRENT_SNAPSHOTS);
	assert_int_equal(st.seen + st.missed, CONCURRENT_SNAPSHOTS);
	assert_true(st.seen > 0);
	assert_int_equal(st.latest_checks, st.seen);
	snap = ring_latest(ring);
	assert_true(content_matches(snap));
	snapshot_unref(snap);
	ring_free(ring);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_stamping),
		cmocka_unit_test(test_latest),
		cmocka_unit_test(test_next_order),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_missed_when_lapped),
		cmocka_unit_test(test_reader_holds_lapped_snapshot),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_wake_fd),
		cmocka_unit_test(test_capacity_zero_means_one),
		cmocka_unit_test(test_concurrent_publish_and_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
