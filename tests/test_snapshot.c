/*
 * test_snapshot.c - storage, counts and reference counting of snapshots.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapshot.h"

static void
test_new_is_empty(void **state)
{
	struct snapshot *snap = snapshot_new(0);

	(void)state;
	assert_non_null(snap);
	assert_int_equal(snap->seq, 0);
	assert_int_equal(snap->n_entries, 0);
	assert_int_equal(snap->total, 0);
	assert_int_equal(snap->dump_restarts, 0);
	assert_int_equal(snap->sample_ns, 0);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		assert_int_equal(snap->counts[i], 0);
	assert_non_null(snap->entries);
	assert_int_equal(snap->refs, 1);
	snapshot_unref(snap);
}

/* Thousands of entries, from a small hint: every entry survives growth. */
static void
test_add_grows(void **state)
{
	enum { N = 5000 };
	struct snapshot *snap = snapshot_new(10);

	(void)state;
	assert_non_null(snap);
	for (uint32_t i = 0; i < N; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		assert_int_equal(snap->n_entries, i + 1);
		assert_ptr_equal(e, &snap->entries[i]);
		/* A new entry is zeroed. */
		assert_int_equal(e->cookie, 0);
		assert_int_equal(e->flags, 0);
		assert_int_equal(e->local_port, 0);
		e->cookie = 0x1000000000ull + i;
		e->inode = i;
		e->state = (uint8_t)(i % TCP_STATE_COUNT);
	}
	assert_true(snap->capacity >= N);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(snap->entries[i].cookie, 0x1000000000ull + i);
		assert_int_equal(snap->entries[i].inode, i);
	}
	snapshot_unref(snap);
}

/* A large hint is honoured up front. */
static void
test_capacity_hint(void **state)
{
	struct snapshot *snap = snapshot_new(3000);
	struct sock_entry *first;

	(void)state;
	assert_non_null(snap);
	assert_true(snap->capacity >= 3000);
	first = snap->entries;
	for (int i = 0; i < 3000; i++)
		assert_non_null(snapshot_add(snap));
	/* No reallocation was needed. */
	assert_ptr_equal(snap->entries, first);
	snapshot_unref(snap);
}

/* A hint whose byte size does not fit size_t fails cleanly. */
static void
test_capacity_hint_overflow(void **state)
{
	struct snapshot *snap;

	(void)state;
	errno = 0;
	snap = snapshot_new(SIZE_MAX / sizeof(struct sock_entry) + 1);
	assert_null(snap);
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	snap = snapshot_new(SIZE_MAX);
	assert_null(snap);
	assert_int_equal(errno, ENOMEM);
}

static void
test_clear(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	struct sock_entry *e;

	(void)state;
	for (int i = 0; i < 200; i++) {
		e = snapshot_add(snap);
		assert_non_null(e);
		e->cookie = 99;
		e->state = TCP_STATE_LISTEN;
	}
	snapshot_clear(snap);
	assert_int_equal(snap->n_entries, 0);
	snapshot_seal(snap);
	assert_int_equal(snap->total, 0);
	assert_int_equal(snap->counts[TCP_STATE_LISTEN], 0);

	/* Reused after clearing: entries start zeroed again. */
	e = snapshot_add(snap);
	assert_non_null(e);
	assert_int_equal(snap->n_entries, 1);
	assert_int_equal(e->cookie, 0);
	assert_int_equal(e->state, 0);
	snapshot_unref(snap);
}

static void
test_seal_counts(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	uint32_t expected[TCP_STATE_COUNT] = {0};
	uint32_t n = 0;

	(void)state;
	/* State s gets 3*s + 1 entries, interleaved. */
	for (int round = 0; round < 3 * TCP_STATE_COUNT + 1; round++) {
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			if (round < 3 * s + 1) {
				struct sock_entry *e = snapshot_add(snap);

				assert_non_null(e);
				e->state = (uint8_t)s;
				expected[s]++;
				n++;
			}
		}
	}
	snapshot_seal(snap);
	assert_int_equal(snap->total, n);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		assert_int_equal(snap->counts[s], expected[s]);
		assert_int_equal(snap->counts[s], 3 * s + 1);
	}
	snapshot_unref(snap);
}

/* An out-of-range state is in the total but in no count. */
static void
test_seal_ignores_bad_state(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	uint32_t sum = 0;

	(void)state;
	snapshot_add(snap)->state = TCP_STATE_ESTABLISHED;
	snapshot_add(snap)->state = TCP_STATE_COUNT;
	snapshot_add(snap)->state = 0xff;
	snapshot_seal(snap);
	assert_int_equal(snap->total, 3);
	assert_int_equal(snap->counts[TCP_STATE_ESTABLISHED], 1);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		sum += snap->counts[s];
	assert_int_equal(sum, 1);
	snapshot_unref(snap);
}

/* Sealing twice recomputes instead of adding up. */
static void
test_seal_twice(void **state)
{
	struct snapshot *snap = snapshot_new(0);

	(void)state;
	snapshot_add(snap)->state = TCP_STATE_TIME_WAIT;
	snapshot_seal(snap);
	snapshot_seal(snap);
	assert_int_equal(snap->counts[TCP_STATE_TIME_WAIT], 1);
	assert_int_equal(snap->total, 1);
	snapshot_unref(snap);
}

/* Valgrind and ASan check that only the last unref frees. */
static void
test_ref_unref(void **state)
{
	struct snapshot *snap = snapshot_new(0);

	(void)state;
	snapshot_add(snap)->cookie = 77;
	snapshot_seal(snap);
	assert_ptr_equal(snapshot_ref(snap), snap);
	assert_ptr_equal(snapshot_ref(snap), snap);
	assert_int_equal(snap->refs, 3);
	snapshot_unref(snap);
	snapshot_unref(snap);
	assert_int_equal(snap->refs, 1);
	/* Still alive and readable after two of three unrefs. */
	assert_int_equal(snap->entries[0].cookie, 77);
	assert_int_equal(snap->total, 1);
	snapshot_unref(snap);
	/* NULL is accepted. */
	snapshot_unref(NULL);
}

/* Namespaces added in any order are sorted by seal, found by inode, and
 * each counts only its own entries; entries of no listed namespace count
 * in the sample's totals only. */
static void
test_seal_counts_per_netns(void **state)
{
	static const struct {
		uint32_t netns;
		uint8_t state;
	} rows[] = {
	    {30, TCP_STATE_ESTABLISHED}, {30, TCP_STATE_ESTABLISHED}, {30, TCP_STATE_LISTEN},
	    {10, TCP_STATE_TIME_WAIT},   {99, TCP_STATE_CLOSE_WAIT},  {10, TCP_STATE_ESTABLISHED},
	};
	struct snapshot *snap = snapshot_new(0);
	const struct snapshot_netns *ns;

	(void)state;
	assert_non_null(snapshot_add_netns(snap, 30));
	assert_non_null(snapshot_add_netns(snap, 10));
	assert_non_null(snapshot_add_netns(snap, 20));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sock_entry *e = snapshot_add(snap);

		e->netns = rows[i].netns;
		e->state = rows[i].state;
	}
	snapshot_seal(snap);
	assert_int_equal(snap->total, 6);
	assert_int_equal(snap->n_netns, 3);
	assert_int_equal(snap->netns[0].info.inode, 10);
	assert_int_equal(snap->netns[1].info.inode, 20);
	assert_int_equal(snap->netns[2].info.inode, 30);
	ns = snapshot_find_netns(snap, 30);
	assert_non_null(ns);
	assert_int_equal(ns->total, 3);
	assert_int_equal(ns->counts[TCP_STATE_ESTABLISHED], 2);
	assert_int_equal(ns->counts[TCP_STATE_LISTEN], 1);
	ns = snapshot_find_netns(snap, 10);
	assert_non_null(ns);
	assert_int_equal(ns->total, 2);
	assert_int_equal(ns->counts[TCP_STATE_TIME_WAIT], 1);
	ns = snapshot_find_netns(snap, 20);
	assert_non_null(ns);
	assert_int_equal(ns->total, 0);
	assert_null(snapshot_find_netns(snap, 99));
	assert_null(snapshot_find_netns(snap, 0));
	snapshot_unref(snap);
}

/* How many of the first 16 pages of snap's array are in memory: none
 * for a fresh mapping, all for a kept one. */
static int
resident_pages(const struct snapshot *snap)
{
	unsigned char in_core[16];
	long page = sysconf(_SC_PAGESIZE);
	int resident = 0;

	assert_int_equal(mincore((void *)snap->entries, 16 * (size_t)page, in_core), 0);
	for (int i = 0; i < 16; i++)
		resident += in_core[i] & 1;
	return resident;
}

/*
 * A freed snapshot's mapped array serves the next snapshot (no fresh
 * pages to fault in), also when the next needs more (grown in place or
 * moved), and also when it needs much less; entries always start
 * zeroed whatever the array held.
 */
static void
test_freed_array_is_reused(void **state)
{
	enum { BIG = 100000 };
	struct snapshot *a, *b, *c;
	const void *first;

	(void)state;
	snapshot_drop_spare();
	a = snapshot_new(BIG);
	assert_non_null(a);
	for (size_t i = 0; i < 10; i++)
		snapshot_add(a)->cookie = 0xdeadbeef;
	/* Every page of the array in memory, as after a sample. */
	memset(a->entries, 0xab, a->capacity * sizeof(*a->entries));
	first = a->entries;
	snapshot_unref(a);

	b = snapshot_new(BIG);
	assert_non_null(b);
	assert_ptr_equal(b->entries, first);
	{
		/* Its pages are still in memory: a fresh mapping at the same
		 * address would have none until written. */
		unsigned char in_core[16];
		long page = sysconf(_SC_PAGESIZE);

		assert_int_equal(mincore((void *)b->entries, 16 * (size_t)page, in_core), 0);
		for (int i = 0; i < 16; i++)
			assert_true(in_core[i] & 1);
	}
	assert_int_equal(snapshot_add(b)->cookie, 0); /* zeroed, not the old bytes */
	assert_true(b->capacity >= BIG);
	snapshot_unref(b);

	/* Needs more than the spare holds: grown from it. */
	c = snapshot_new(3 * BIG);
	assert_non_null(c);
	assert_true(c->capacity >= 3 * BIG);
	for (size_t i = 0; i < 3 * BIG; i++)
		assert_non_null(snapshot_add(c));
	snapshot_unref(c);

	/* A small one takes it too, already in memory: the load that made
	 * it may come back, and the sampler drops the kept arrays once
	 * they are much more than the samples need. */
	b = snapshot_new(BIG / 2);
	assert_non_null(b);
	assert_true(b->capacity >= 3 * BIG);
	assert_int_equal(resident_pages(b), 16);
	snapshot_unref(b);

	/* An array of a million sockets is not kept: the next one of that
	 * size starts from fresh pages, none of them in memory. */
	snapshot_drop_spare();
	a = snapshot_new(10 * BIG);
	assert_non_null(a);
	memset(a->entries, 0xab, a->capacity * sizeof(*a->entries));
	snapshot_unref(a);
	b = snapshot_new(10 * BIG);
	assert_non_null(b);
	{
		unsigned char in_core[16];
		long page = sysconf(_SC_PAGESIZE);
		int resident = 0;

		assert_int_equal(mincore((void *)b->entries, 16 * (size_t)page, in_core), 0);
		for (int i = 0; i < 16; i++)
			resident += in_core[i] & 1;
		assert_int_equal(resident, 0);
	}
	snapshot_unref(b);
	snapshot_drop_spare();
}

/*
 * While a sample is taken in, three snapshots are alive (on screen, fed,
 * the sampler's next): all three arrays are kept when they are freed and
 * serve the next three, so none is mapped afresh; a fourth is unmapped,
 * and so is one that would take the kept arrays over their total.
 */
static void
test_three_freed_arrays_are_kept(void **state)
{
	enum { BIG = 100000, N = 4 };
	struct snapshot *s[N];
	const void *was[N];

	(void)state;
	snapshot_drop_spare();
	for (int i = 0; i < N; i++) {
		s[i] = snapshot_new(BIG);
		assert_non_null(s[i]);
		memset(s[i]->entries, 0xab, s[i]->capacity * sizeof(*s[i]->entries));
		was[i] = s[i]->entries;
	}
	for (int i = 0; i < N; i++)
		snapshot_unref(s[i]);
	for (int i = 0; i < N; i++) {
		s[i] = snapshot_new(BIG);
		assert_non_null(s[i]);
	}
	/* The first three arrays freed come back (in any order); the
	 * fourth was not kept, so the fourth new one is none of them. */
	for (int i = 0; i < N - 1; i++) {
		bool found = false;

		for (int j = 0; j < N - 1; j++)
			found = found || s[j]->entries == was[i];
		assert_true(found);
	}
	assert_int_equal(resident_pages(s[N - 1]), 0);
	for (int i = 0; i < N; i++)
		snapshot_unref(s[i]);
	snapshot_drop_spare();

	/* The debug log's figures: what live snapshots map, what is kept. */
	{
		size_t in_use, kept;

		s[0] = snapshot_new(BIG);
		assert_non_null(s[0]);
		snapshot_mapped(&in_use, &kept);
		assert_true(in_use >= BIG * sizeof(struct sock_entry));
		assert_int_equal(kept, 0);
		snapshot_unref(s[0]);
		snapshot_mapped(&in_use, &kept);
		assert_int_equal(in_use, 0);
		assert_true(kept >= BIG * sizeof(struct sock_entry));
		snapshot_drop_spare();
		snapshot_mapped(&in_use, &kept);
		assert_int_equal(in_use + kept, 0);
	}

	/* 40 MB arrays: the second would take the kept ones over 64 MiB. */
	s[0] = snapshot_new(3 * BIG);
	s[1] = snapshot_new(3 * BIG);
	assert_non_null(s[0]);
	assert_non_null(s[1]);
	memset(s[0]->entries, 0xab, s[0]->capacity * sizeof(*s[0]->entries));
	memset(s[1]->entries, 0xab, s[1]->capacity * sizeof(*s[1]->entries));
	was[0] = s[0]->entries;
	snapshot_unref(s[0]);
	snapshot_unref(s[1]);
	s[0] = snapshot_new(3 * BIG);
	s[1] = snapshot_new(3 * BIG);
	assert_ptr_equal(s[0]->entries, was[0]);
	assert_int_equal(resident_pages(s[0]), 16);
	assert_int_equal(resident_pages(s[1]), 0);
	snapshot_unref(s[0]);
	snapshot_unref(s[1]);
	snapshot_drop_spare();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_is_empty),
		cmocka_unit_test(test_add_grows),
		cmocka_unit_test(test_capacity_hint),
		cmocka_unit_test(test_capacity_hint_overflow),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_seal_counts),
		cmocka_unit_test(test_seal_ignores_bad_state),
		cmocka_unit_test(test_seal_twice),
		cmocka_unit_test(test_seal_counts_per_netns),
		cmocka_unit_test(test_ref_unref),
		cmocka_unit_test(test_three_freed_arrays_are_kept),
		cmocka_unit_test(test_freed_array_is_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
