/*
 * test_conntrack.c - connections coming and going across samples.
 *
 * Every sample here is a snapshot built by hand with a chosen monotonic
 * time, so marks (new, changed, gone), their expiry, the state history,
 * ages and rates can be checked to the exact second.  Times are whole or
 * binary-fraction seconds, so the model's arithmetic on them is exact.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conntrack.h"
#include "page_release.h"
#include "snapshot.h"

/* ------------------------------------------------------------ helpers */

/* An empty snapshot taken at `t` seconds on the monotonic clock. */
static struct snapshot *
snap_at(double t)
{
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	snap->taken_mono.tv_sec = (time_t)t;
	snap->taken_mono.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	return snap;
}

/* Appends a socket with tcp_info and the given counters. */
static struct sock_entry *
add_info(struct snapshot *snap, uint64_t cookie, enum tcp_state state, uint64_t acked,
         uint64_t received)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = cookie;
	e->family = AF_INET;
	e->state = (uint8_t)state;
	e->local_port = (uint16_t)(1000 + cookie % 60000);
	e->remote_port = 443;
	e->flags = SOCK_ENTRY_HAS_INFO;
	e->bytes_acked = acked;
	e->bytes_received = received;
	return e;
}

/* Appends a socket without tcp_info (as TIME_WAIT and request sockets). */
static struct sock_entry *
add_plain(struct snapshot *snap, uint64_t cookie, enum tcp_state state)
{
	struct sock_entry *e = add_info(snap, cookie, state, 0, 0);

	e->flags = 0;
	return e;
}

/* Seals the snapshot, feeds it and drops the test's reference: from here
 * on only the tracker holds it, so valgrind sees any use after its end. */
static void
feed(struct conntrack *ct, struct snapshot *snap)
{
	snapshot_seal(snap);
	assert_int_equal(conntrack_update(ct, snap), 0);
	/* Entry i's record by position is the one found by cookie (for a
	 * cookie listed twice, a copy of its first listing's). */
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		const struct conn_info *at = conntrack_get_at(ct, i),
				       *by_cookie = conntrack_get(ct, e->netns, e->cookie);

		if (by_cookie == NULL)
			assert_null(at);
		else
			assert_memory_equal(at, by_cookie, sizeof(*at));
	}
	assert_null(conntrack_get_at(ct, snap->n_entries));
	snapshot_unref(snap);
}

/* A sample of the given cookies, all ESTABLISHED with no counters. */
static void
feed_cookies(struct conntrack *ct, double t, const uint64_t *cookies, size_t n)
{
	struct snapshot *snap = snap_at(t);

	for (size_t i = 0; i < n; i++)
		add_info(snap, cookies[i], TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
}

static const struct conn_info *
must_get(const struct conntrack *ct, uint64_t cookie)
{
	const struct conn_info *info = conntrack_get(ct, 0, cookie);

	if (info == NULL)
		fail_msg("cookie %llu is not tracked", (unsigned long long)cookie);
	return info;
}

/* The entry of the latest sample that info is the record of: a record
 * keeps no identity of its own, it sits beside its entry. */
static const struct sock_entry *
entry_of(const struct conntrack *ct, const struct conn_info *info)
{
	const struct snapshot *snap = conntrack_latest(ct);

	for (size_t i = 0; snap != NULL && i < snap->n_entries; i++)
		if (conntrack_get_at(ct, i) == info)
			return &snap->entries[i];
	fail_msg("a record beside no entry of the latest sample");
	return NULL;
}

static struct conntrack *
ct_new(double highlight)
{
	struct conntrack *ct = conntrack_new(highlight);

	assert_non_null(ct);
	return ct;
}

/* ------------------------------------------------------------ tests */

static void
test_empty(void **state)
{
	struct conntrack *ct = ct_new(2);

	(void)state;
	assert_null(conntrack_get(ct, 0, 1));
	assert_int_equal(conntrack_gone_count(ct), 0);
	assert_null(conntrack_gone_entry(ct, 0, NULL, NULL));
	assert_true(conntrack_highlight(ct) == 2.0);
	/* A negative highlight means none. */
	conntrack_free(ct);
	ct = ct_new(-3);
	assert_true(conntrack_highlight(ct) == 0.0);
	conntrack_free(ct);
	conntrack_free(NULL);
}

/* What the first sample shows was there before us: nothing is new. */
static void
test_first_sample_marks_nothing(void **state)
{
	struct conntrack *ct = ct_new(2);
	struct snapshot *snap = snap_at(10);
	const struct conn_info *info;

	(void)state;
	add_info(snap, 11, TCP_STATE_ESTABLISHED, 100, 200);
	add_info(snap, 12, TCP_STATE_LISTEN, 0, 0);
	add_plain(snap, 13, TCP_STATE_TIME_WAIT);
	feed(ct, snap);

	assert_true(conntrack_now(ct) == 10.0);
	assert_int_equal(conntrack_gone_count(ct), 0);
	for (uint64_t c = 11; c <= 13; c++) {
		info = must_get(ct, c);
		assert_int_equal(entry_of(ct, info)->cookie, c);
		assert_int_equal(info->mark, CONN_STEADY);
		assert_true(info->first_seen == 10.0);
		assert_true(info->send_rate < 0);
		assert_true(info->recv_rate < 0);
		assert_int_equal(info->n_states, 1);
		assert_true(conntrack_state_time(info, 0) == 10.0);
	}
	assert_int_equal(must_get(ct, 11)->states[0], TCP_STATE_ESTABLISHED);
	assert_int_equal(must_get(ct, 12)->states[0], TCP_STATE_LISTEN);
	assert_int_equal(must_get(ct, 13)->states[0], TCP_STATE_TIME_WAIT);
	assert_null(conntrack_get(ct, 0, 14));
	conntrack_free(ct);
}

/* Seen from the second sample on: new, and steady once highlight_s has
 * passed (exactly then, not a sample later). */
static void
test_new_then_steady(void **state)
{
	static const uint64_t a[] = {1}, ab[] = {1, 2}, abc[] = {1, 2, 3};
	struct conntrack *ct = ct_new(2);
	const struct conn_info *info;

	(void)state;
	feed_cookies(ct, 10, a, 1);
	feed_cookies(ct, 11, ab, 2);
	assert_int_equal(must_get(ct, 1)->mark, CONN_STEADY);
	info = must_get(ct, 2);
	assert_int_equal(info->mark, CONN_NEW);
	assert_true(conntrack_marked_at(info) == 11.0);
	assert_true(info->first_seen == 11.0);

	feed_cookies(ct, 12.5, abc, 3);
	assert_int_equal(must_get(ct, 2)->mark, CONN_NEW); /* 1.5 s < 2 s */
	assert_int_equal(must_get(ct, 3)->mark, CONN_NEW);

	feed_cookies(ct, 13, abc, 3);
	assert_int_equal(must_get(ct, 2)->mark, CONN_STEADY); /* 2 s: over */
	assert_int_equal(must_get(ct, 3)->mark, CONN_NEW);
	assert_true(must_get(ct, 2)->first_seen == 11.0);

	feed_cookies(ct, 14.5, abc, 3);
	assert_int_equal(must_get(ct, 3)->mark, CONN_STEADY);
	/* Steady stays steady. */
	feed_cookies(ct, 30, abc, 3);
	for (uint64_t c = 1; c <= 3; c++)
		assert_int_equal(must_get(ct, c)->mark, CONN_STEADY);
	assert_int_equal(conntrack_gone_count(ct), 0);
	conntrack_free(ct);
}

/* One socket through one state per sample. */
static void
feed_state(struct conntrack *ct, double t, uint64_t cookie, enum tcp_state st)
{
	struct snapshot *snap = snap_at(t);

	add_info(snap, cookie, st, 0, 0);
	feed(ct, snap);
}

static void
test_state_change(void **state)
{
	struct conntrack *ct = ct_new(2);
	const struct conn_info *info;

	(void)state;
	feed_state(ct, 1, 7, TCP_STATE_SYN_SENT);
	feed_state(ct, 2, 7, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 7);
	assert_int_equal(info->mark, CONN_CHANGED);
	assert_true(conntrack_marked_at(info) == 2.0);
	assert_int_equal(info->n_states, 2);
	assert_int_equal(info->states[0], TCP_STATE_SYN_SENT);
	assert_int_equal(info->states[1], TCP_STATE_ESTABLISHED);
	assert_true(conntrack_state_time(info, 0) == 1.0);
	assert_true(conntrack_state_time(info, 1) == 2.0);
	assert_true(info->first_seen == 1.0);

	/* The same state again is no change: marked until highlight_s. */
	feed_state(ct, 3, 7, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 7);
	assert_int_equal(info->mark, CONN_CHANGED);
	assert_int_equal(info->n_states, 2);
	feed_state(ct, 4, 7, TCP_STATE_ESTABLISHED);
	assert_int_equal(must_get(ct, 7)->mark, CONN_STEADY);

	/* A change while still marked restarts the mark's clock. */
	feed_state(ct, 5, 7, TCP_STATE_FIN_WAIT1);
	feed_state(ct, 6, 7, TCP_STATE_FIN_WAIT2);
	info = must_get(ct, 7);
	assert_int_equal(info->mark, CONN_CHANGED);
	assert_true(conntrack_marked_at(info) == 6.0);
	feed_state(ct, 7.5, 7, TCP_STATE_FIN_WAIT2);
	assert_int_equal(must_get(ct, 7)->mark, CONN_CHANGED);
	feed_state(ct, 8, 7, TCP_STATE_FIN_WAIT2);
	assert_int_equal(must_get(ct, 7)->mark, CONN_STEADY);
	assert_int_equal(must_get(ct, 7)->n_states, 4);
	conntrack_free(ct);
}

/* A socket new in one sample that changes state in the next is changed. */
static void
test_new_then_changed(void **state)
{
	struct conntrack *ct = ct_new(5);
	struct snapshot *snap;

	(void)state;
	feed_state(ct, 1, 1, TCP_STATE_LISTEN);
	snap = snap_at(2);
	add_info(snap, 1, TCP_STATE_LISTEN, 0, 0);
	add_info(snap, 2, TCP_STATE_SYN_SENT, 0, 0);
	feed(ct, snap);
	assert_int_equal(must_get(ct, 2)->mark, CONN_NEW);
	snap = snap_at(3);
	add_info(snap, 1, TCP_STATE_LISTEN, 0, 0);
	add_info(snap, 2, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	assert_int_equal(must_get(ct, 2)->mark, CONN_CHANGED);
	assert_true(conntrack_marked_at(must_get(ct, 2)) == 3.0);
	assert_true(must_get(ct, 2)->first_seen == 2.0);
	conntrack_free(ct);
}

/* More changes than CONNTRACK_STATES: the newest are kept, oldest first,
 * each with its own time. */
static void
test_state_history_capped(void **state)
{
	static const enum tcp_state walk[] = {
	    TCP_STATE_SYN_SENT,  TCP_STATE_ESTABLISHED, TCP_STATE_FIN_WAIT1, TCP_STATE_FIN_WAIT2,
	    TCP_STATE_TIME_WAIT, TCP_STATE_CLOSE,       TCP_STATE_SYN_RECV,  TCP_STATE_CLOSE_WAIT,
	    TCP_STATE_LAST_ACK,  TCP_STATE_CLOSING,
	};
	enum { N = sizeof(walk) / sizeof(walk[0]) };
	struct conntrack *ct = ct_new(1);
	const struct conn_info *info;

	(void)state;
	assert_true(N > CONNTRACK_STATES);
	for (int i = 0; i < N; i++) {
		feed_state(ct, 100 + 10 * i, 42, walk[i]);
		info = must_get(ct, 42);
		int kept = i + 1 < CONNTRACK_STATES ? i + 1 : CONNTRACK_STATES;

		assert_int_equal(info->n_states, kept);
		for (int k = 0; k < kept; k++) {
			int src = i + 1 - kept + k;

			assert_int_equal(info->states[k], walk[src]);
			assert_true(conntrack_state_time(info, k) == 100.0 + 10 * src);
		}
		assert_int_equal(info->mark, i == 0 ? CONN_STEADY : CONN_CHANGED);
		/* The first sight survives the history's turnover. */
		assert_true(info->first_seen == 100.0);
	}
	conntrack_free(ct);
}

/* A socket that disappears stays as a tombstone, with its last entry and
 * what was known of it, for highlight_s; then it is forgotten. */
static void
test_tombstone(void **state)
{
	struct conntrack *ct = ct_new(2);
	struct snapshot *snap;
	const struct sock_entry *e;
	const struct conn_info *info = NULL;

	(void)state;
	snap = snap_at(1);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	add_info(snap, 2, TCP_STATE_ESTABLISHED, 1000, 2000)->local_port = 5001;
	feed(ct, snap);
	snap = snap_at(2);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	e = add_info(snap, 2, TCP_STATE_FIN_WAIT1, 3000, 2500);
	((struct sock_entry *)e)->local_port = 5002;
	((struct sock_entry *)e)->rtt_us = 777;
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 0);

	snap = snap_at(3);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	assert_null(conntrack_get(ct, 0, 2));
	assert_non_null(conntrack_get(ct, 0, 1));
	assert_int_equal(conntrack_gone_count(ct), 1);
	e = conntrack_gone_entry(ct, 0, &info, NULL);
	assert_non_null(e);
	assert_non_null(info);
	/* The entry of the last sample it was in, not the first. */
	assert_int_equal(e->cookie, 2);
	assert_int_equal(e->state, TCP_STATE_FIN_WAIT1);
	assert_int_equal(e->local_port, 5002);
	assert_int_equal(e->rtt_us, 777);
	assert_int_equal(e->bytes_acked, 3000);
	assert_int_equal(info->mark, CONN_GONE);
	assert_true(info->first_seen == 1.0);
	assert_int_equal(info->n_states, 2);
	assert_int_equal(info->states[0], TCP_STATE_ESTABLISHED);
	assert_int_equal(info->states[1], TCP_STATE_FIN_WAIT1);
	assert_true(info->send_rate == 2000.0);
	assert_true(info->recv_rate == 500.0);
	/* info may be NULL; out of range is NULL. */
	assert_ptr_equal(conntrack_gone_entry(ct, 0, NULL, NULL), e);
	assert_null(conntrack_gone_entry(ct, 1, &info, NULL));

	/* Still listed 1.5 s after, gone at 2 s. */
	snap = snap_at(4.5);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 1);
	assert_int_equal(conntrack_gone_entry(ct, 0, NULL, NULL)->cookie, 2);
	snap = snap_at(5);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 0);
	assert_null(conntrack_gone_entry(ct, 0, NULL, NULL));
	conntrack_free(ct);
}

/* Tombstones of different samples expire each on its own time; an empty
 * sample turns every socket into one. */
static void
test_tombstones_expire_separately(void **state)
{
	static const uint64_t abcd[] = {1, 2, 3, 4}, bcd[] = {2, 3, 4}, d[] = {4};
	struct conntrack *ct = ct_new(3);
	const struct conn_info *info;
	uint64_t seen = 0;

	(void)state;
	feed_cookies(ct, 0, abcd, 4);
	feed_cookies(ct, 1, bcd, 3); /* 1 gone at 1 */
	assert_int_equal(conntrack_gone_count(ct), 1);
	feed_cookies(ct, 2, d, 1); /* 2 and 3 gone at 2 */
	assert_int_equal(conntrack_gone_count(ct), 3);
	feed_cookies(ct, 3, NULL, 0); /* 4 gone at 3 */
	assert_int_equal(conntrack_gone_count(ct), 4);
	for (size_t i = 0; i < 4; i++) {
		const struct sock_entry *e = conntrack_gone_entry(ct, i, &info, NULL);

		assert_int_equal(info->mark, CONN_GONE);
		seen |= 1u << e->cookie;
	}
	assert_int_equal(seen, 0x1e);
	feed_cookies(ct, 4, NULL, 0); /* 1 expires (3 s) */
	assert_int_equal(conntrack_gone_count(ct), 3);
	feed_cookies(ct, 5, NULL, 0); /* 2, 3 expire */
	assert_int_equal(conntrack_gone_count(ct), 1);
	assert_int_equal(conntrack_gone_entry(ct, 0, NULL, NULL)->cookie, 4);
	feed_cookies(ct, 6, NULL, 0);
	assert_int_equal(conntrack_gone_count(ct), 0);
	conntrack_free(ct);
}

/* highlight 0: no marks and no tombstones, but the history is kept. */
static void
test_highlight_zero(void **state)
{
	struct conntrack *ct = ct_new(0);
	struct snapshot *snap;
	const struct conn_info *info;

	(void)state;
	snap = snap_at(1);
	add_info(snap, 1, TCP_STATE_SYN_SENT, 0, 0);
	add_info(snap, 2, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	snap = snap_at(2);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0); /* changed */
	add_info(snap, 3, TCP_STATE_ESTABLISHED, 0, 0); /* new; 2 gone */
	feed(ct, snap);
	info = must_get(ct, 1);
	assert_int_equal(info->mark, CONN_STEADY);
	assert_int_equal(info->n_states, 2);
	assert_int_equal(info->states[1], TCP_STATE_ESTABLISHED);
	assert_int_equal(must_get(ct, 3)->mark, CONN_STEADY);
	assert_true(must_get(ct, 3)->first_seen == 2.0);
	assert_null(conntrack_get(ct, 0, 2));
	assert_int_equal(conntrack_gone_count(ct), 0);
	feed_cookies(ct, 3, NULL, 0);
	assert_int_equal(conntrack_gone_count(ct), 0);
	conntrack_free(ct);
}

/* One socket, one sample: its counters and whether it has tcp_info. */
static void
feed_counters(struct conntrack *ct, double t, uint64_t acked, uint64_t received, bool info,
              enum tcp_state st)
{
	struct snapshot *snap = snap_at(t);
	struct sock_entry *e = add_info(snap, 5, st, acked, received);

	if (!info)
		e->flags = 0;
	feed(ct, snap);
}

static void
test_rates(void **state)
{
	struct conntrack *ct = ct_new(2);
	const struct conn_info *info;

	(void)state;
	feed_counters(ct, 10, 1000, 500, true, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 5);
	assert_true(info->send_rate < 0); /* unknown on first sight */
	assert_true(info->recv_rate < 0);

	/* 2000 and 4000 bytes in 2 s. */
	feed_counters(ct, 12, 3000, 4500, true, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 5);
	assert_true(info->send_rate == 1000.0);
	assert_true(info->recv_rate == 2000.0);

	/* Over a quarter second: the interval is the snapshots' own. */
	feed_counters(ct, 12.25, 3256, 4500, true, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 5);
	assert_true(info->send_rate == 1024.0);
	assert_true(info->recv_rate == 0.0);

	/* A counter that went backwards gives 0, not a huge number; the
	 * other one still counts. */
	feed_counters(ct, 13.25, 100, 5524, true, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 5);
	assert_true(info->send_rate == 0.0);
	assert_true(info->recv_rate == 1024.0);
	feed_counters(ct, 14.25, 612, 0, true, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 5);
	assert_true(info->send_rate == 512.0); /* from the new, lower base */
	assert_true(info->recv_rate == 0.0);

	/* The same instant twice: no division by zero, rates stand. */
	feed_counters(ct, 14.25, 9999, 9999, true, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 5);
	assert_true(info->send_rate == 512.0);
	assert_true(info->recv_rate == 0.0);
	conntrack_free(ct);
}

/* Rates come from tcp_info only: a socket without it has none, and one
 * that loses it (ESTABLISHED to TIME_WAIT keeps the cookie) must not go on
 * showing the rate it had. */
static void
test_rates_need_info(void **state)
{
	struct conntrack *ct = ct_new(2);
	const struct conn_info *info;

	(void)state;
	feed_counters(ct, 1, 0, 0, false, TCP_STATE_SYN_RECV);
	feed_counters(ct, 2, 0, 0, false, TCP_STATE_SYN_RECV);
	feed_counters(ct, 3, 0, 0, false, TCP_STATE_SYN_RECV);
	info = must_get(ct, 5);
	assert_true(info->send_rate < 0);
	assert_true(info->recv_rate < 0);
	conntrack_free(ct);

	ct = ct_new(2);
	feed_counters(ct, 1, 1000, 1000, true, TCP_STATE_ESTABLISHED);
	feed_counters(ct, 2, 9000, 5000, true, TCP_STATE_FIN_WAIT2);
	info = must_get(ct, 5);
	assert_true(info->send_rate == 8000.0);
	assert_true(info->recv_rate == 4000.0);
	feed_counters(ct, 3, 0, 0, false, TCP_STATE_TIME_WAIT);
	info = must_get(ct, 5);
	assert_int_equal(info->mark, CONN_CHANGED);
	assert_true(info->send_rate < 0);
	assert_true(info->recv_rate < 0);
	feed_counters(ct, 4, 0, 0, false, TCP_STATE_TIME_WAIT);
	info = must_get(ct, 5);
	assert_true(info->send_rate < 0);
	assert_true(info->recv_rate < 0);
	conntrack_free(ct);
}

/* Age is now - first_seen, and first_seen never moves while the socket
 * lives. */
static void
test_age(void **state)
{
	static const uint64_t a[] = {9}, ab[] = {9, 10};
	struct conntrack *ct = ct_new(1);

	(void)state;
	feed_cookies(ct, 100, a, 1);
	feed_cookies(ct, 101.5, ab, 2);
	feed_cookies(ct, 160, ab, 2);
	assert_true(conntrack_now(ct) == 160.0);
	assert_true(conntrack_now(ct) - must_get(ct, 9)->first_seen == 60.0);
	assert_true(conntrack_now(ct) - must_get(ct, 10)->first_seen == 58.5);
	/* Gone and back (same cookie): a fresh start. */
	feed_cookies(ct, 161, a, 1);
	feed_cookies(ct, 162, ab, 2);
	assert_true(must_get(ct, 10)->first_seen == 162.0);
	assert_int_equal(must_get(ct, 10)->mark, CONN_NEW);
	conntrack_free(ct);
}

/* Cookie 0 is no identity: never tracked, never a tombstone. */
static void
test_cookie_zero_ignored(void **state)
{
	struct conntrack *ct = ct_new(2);
	struct snapshot *snap;

	(void)state;
	snap = snap_at(1);
	add_info(snap, 0, TCP_STATE_ESTABLISHED, 10, 10);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 10, 10);
	add_info(snap, 0, TCP_STATE_LISTEN, 10, 10);
	feed(ct, snap);
	assert_null(conntrack_get(ct, 0, 0));
	assert_non_null(conntrack_get(ct, 0, 1));

	snap = snap_at(2);
	add_info(snap, 0, TCP_STATE_SYN_SENT, 20, 20);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 20, 20);
	feed(ct, snap);
	assert_null(conntrack_get(ct, 0, 0));
	assert_int_equal(must_get(ct, 1)->mark, CONN_STEADY);
	assert_true(must_get(ct, 1)->send_rate == 10.0);

	/* Every cookie-0 entry disappears: no tombstone. */
	snap = snap_at(3);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 30, 30);
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 0);
	conntrack_free(ct);
}

/* A socket listed twice in one dump (it moved between hash chains while
 * the kernel walked them): the first listing counts, the second is
 * ignored, and when it goes it leaves one tombstone. */
static void
test_duplicate_cookies(void **state)
{
	struct conntrack *ct = ct_new(5);
	struct snapshot *snap;
	const struct conn_info *info;

	(void)state;
	snap = snap_at(1);
	add_info(snap, 3, TCP_STATE_ESTABLISHED, 100, 100);
	add_info(snap, 4, TCP_STATE_ESTABLISHED, 100, 100);
	add_info(snap, 3, TCP_STATE_CLOSE_WAIT, 999, 999);
	feed(ct, snap);
	info = must_get(ct, 3);
	assert_int_equal(info->n_states, 1);
	assert_int_equal(info->states[0], TCP_STATE_ESTABLISHED);

	snap = snap_at(2);
	add_info(snap, 3, TCP_STATE_ESTABLISHED, 300, 500);
	add_info(snap, 3, TCP_STATE_LAST_ACK, 1, 1);
	add_info(snap, 3, TCP_STATE_CLOSING, 2, 2);
	add_info(snap, 4, TCP_STATE_ESTABLISHED, 100, 100);
	feed(ct, snap);
	info = must_get(ct, 3);
	assert_int_equal(info->mark, CONN_STEADY); /* no change of state */
	assert_int_equal(info->n_states, 1);
	assert_true(info->send_rate == 200.0);
	assert_true(info->recv_rate == 400.0);

	/* Listed three times, gone once. */
	snap = snap_at(3);
	add_info(snap, 4, TCP_STATE_ESTABLISHED, 100, 100);
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 1);
	info = NULL;
	assert_int_equal(conntrack_gone_entry(ct, 0, &info, NULL)->cookie, 3);
	assert_int_equal(conntrack_gone_entry(ct, 0, NULL, NULL)->state, TCP_STATE_ESTABLISHED);
	assert_int_equal(conntrack_gone_entry(ct, 0, NULL, NULL)->bytes_acked, 300);
	assert_non_null(info);
	assert_int_equal(info->mark, CONN_GONE);
	conntrack_free(ct);
}

/* A tombstone keeps the owner table its owner index points into, though
 * later snapshots carry other tables. */
static void
test_tombstone_keeps_owners(void **state)
{
	struct conntrack *ct = ct_new(5);
	struct owner_table *first = owner_table_new(), *second = owner_table_new();
	struct owner_proc proc = {.pid = 42, .comm = "leaky", .cmdline = "", .user = "u"};
	const struct owner_table *kept = NULL;
	struct snapshot *snap;
	struct sock_entry *e;

	(void)state;
	assert_non_null(first);
	assert_non_null(second);
	assert_int_equal(owner_table_add_proc(first, &proc), 0);
	assert_int_equal(owner_table_seal(first), 0);
	proc.pid = 7;
	snprintf(proc.comm, sizeof(proc.comm), "other");
	assert_int_equal(owner_table_add_proc(second, &proc), 0);
	assert_int_equal(owner_table_seal(second), 0);

	snap = snap_at(1);
	snap->owners = first; /* the snapshot takes this reference */
	e = add_info(snap, 9, TCP_STATE_CLOSE_WAIT, 0, 0);
	e->owner_status = OWNER_FOUND;
	e->owner = 0;
	add_info(snap, 10, TCP_STATE_TIME_WAIT, 0, 0);
	feed(ct, snap);

	snap = snap_at(2);
	snap->owners = second;
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct sock_entry *g = conntrack_gone_entry(ct, i, NULL, &kept);

		if (g->cookie == 9) {
			assert_ptr_equal(kept, first);
			assert_int_equal(owner_table_proc(kept, g->owner)->pid, 42);
		} else {
			assert_null(kept); /* no owner, no table */
		}
	}
	/* The tombstones expire and drop the table (valgrind: no leak). */
	feed(ct, snap_at(20));
	assert_int_equal(conntrack_gone_count(ct), 0);
	conntrack_free(ct);
}

/* ---------------------------------------------------- 300,000 sockets */

/*
 * A window of N cookies slides by STEP per sample: each sample STEP
 * sockets are born and STEP die.  Counters grow with the cookie so every
 * socket's rate is known in advance; states change on a pattern.
 */
/* More sockets than PAGE_RELEASE_FROM_SOCKETS: the generation before
 * gives its pages back after every update and comes back zeroed. */
enum { CHURN_N = 300000, CHURN_STEP = 20000, CHURN_SAMPLES = 6 };
_Static_assert(CHURN_N > PAGE_RELEASE_FROM_SOCKETS, "the churn releases pages");

static uint64_t
churn_cookie(size_t i)
{
	/* Spread over the whole 64-bit range; an odd multiplier is a
	 * bijection, so distinct and never 0. */
	return (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull;
}

/* churn_cookie() backwards: multiplies by the inverse of the multiplier
 * modulo 2^64 (Newton's iteration doubles the correct bits each step). */
static size_t
churn_index(uint64_t cookie)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	uint64_t inv = m;

	for (int step = 0; step < 6; step++)
		inv *= 2 - m * inv;
	return (size_t)(cookie * inv - 1);
}

/* Socket i's state in sample k: every 7th one changes each sample. */
static enum tcp_state
churn_state(size_t i, int k)
{
	return i % 7 == 0 && k % 2 == 1 ? TCP_STATE_CLOSE_WAIT : TCP_STATE_ESTABLISHED;
}

/* The first sample socket i is in. */
static int
churn_born(size_t i)
{
	return i < CHURN_N ? 0 : (int)((i - CHURN_N) / CHURN_STEP) + 1;
}

static enum conn_mark
churn_mark(size_t i, int k, double highlight)
{
	int born = churn_born(i);

	if (k == born)
		return born > 0 ? CONN_NEW : CONN_STEADY;
	if (i % 7 == 0)
		return CONN_CHANGED; /* its state flips every sample */
	return born > 0 && k - born < highlight ? CONN_NEW : CONN_STEADY;
}

static void
test_churn_300k(void **state)
{
	const double highlight = 2.5;
	struct conntrack *ct = ct_new(highlight);

	(void)state;
	for (int k = 0; k < CHURN_SAMPLES; k++) {
		size_t lo = (size_t)k * CHURN_STEP, hi = lo + CHURN_N;
		struct snapshot *snap = snap_at(1000 + k);
		size_t n_new = 0;

		assert_int_equal(snapshot_reserve(snap, CHURN_N), 0);
		for (size_t i = lo; i < hi; i++)
			/* acked grows by 3*i bytes a second, received by i */
			add_info(snap, churn_cookie(i), churn_state(i, k), 3 * i * (uint64_t)k,
			         i * (uint64_t)k);
		feed(ct, snap);

		/* Every live socket's mark. */
		for (size_t i = lo; i < hi; i++) {
			const struct conn_info *info = conntrack_get(ct, 0, churn_cookie(i));
			enum conn_mark want = churn_mark(i, k, highlight);

			if (info == NULL)
				fail_msg("sample %d: socket %zu not tracked", k, i);
			if (info->mark != want)
				fail_msg("sample %d: socket %zu marked %d, expected %d", k, i,
				         info->mark, want);
			n_new += info->mark == CONN_NEW;
		}
		if (k == 0)
			assert_int_equal(n_new, 0);
		else
			assert_true(n_new >= CHURN_STEP * 6 / 7);
		/* Those that died at k - 2 .. k are within 2.5 s of death. */
		assert_int_equal(conntrack_gone_count(ct), (size_t)CHURN_STEP * (k < 3 ? k : 3));

		/* A sample of cookies, checked in full. */
		for (size_t i = lo; i < hi; i += 997) {
			const struct conn_info *info = must_get(ct, churn_cookie(i));
			int born = churn_born(i), seen = k - born + 1;

			assert_int_equal(entry_of(ct, info)->cookie, churn_cookie(i));
			assert_true(info->first_seen == 1000.0 + born);
			if (born == k) {
				assert_true(info->send_rate < 0);
				assert_true(info->recv_rate < 0);
			} else {
				assert_true(info->send_rate == 3.0 * (double)i);
				assert_true(info->recv_rate == (double)i);
			}
			assert_int_equal(info->n_states, i % 7 != 0 ? 1
			                                 : seen < CONNTRACK_STATES
			                                     ? seen
			                                     : CONNTRACK_STATES);
			assert_int_equal(info->states[info->n_states - 1], churn_state(i, k));
			assert_true(conntrack_state_time(info, info->n_states - 1) ==
			            (i % 7 != 0 ? 1000.0 + born : 1000.0 + k));
		}
		/* The dead are no longer live, and their tombstones hold their
		 * last entry. */
		for (size_t g = 0; g < conntrack_gone_count(ct); g += 499) {
			const struct conn_info *info;
			const struct sock_entry *e = conntrack_gone_entry(ct, g, &info, NULL);
			size_t i;
			int last;

			assert_non_null(e);
			assert_int_equal(info->mark, CONN_GONE);
			assert_null(conntrack_get(ct, e->netns, e->cookie));
			/* Which socket it was, and the last sample it was in. */
			i = churn_index(e->cookie);
			assert_true(i < lo);
			assert_true(i + 3 * CHURN_STEP >= lo);
			last = (int)(i / CHURN_STEP);
			assert_true(last < k);
			assert_int_equal(e->state, churn_state(i, last));
			assert_int_equal(e->bytes_acked, 3 * i * (uint64_t)last);
			assert_int_equal(e->bytes_received, i * (uint64_t)last);
			assert_true(info->first_seen == 1000.0 + churn_born(i));
		}
	}
	conntrack_free(ct);
}

/* A record is 48 bytes (two per socket are kept), so the state times are
 * milliseconds after the first sight: exact to the millisecond, while the
 * first sight, which decides ages, stays exact to the nanosecond.  The
 * mark's time is the newest state's, and a mark lasts its highlight time
 * counted in those milliseconds. */
static void
test_state_times_to_the_ms(void **state)
{
	struct conntrack *ct = ct_new(1);
	const struct conn_info *info;

	(void)state;
	assert_int_equal(sizeof(struct conn_info), 48);
	feed_counters(ct, 100, 0, 0, true, TCP_STATE_SYN_SENT);
	feed_counters(ct, 100.000000123, 0, 0, true, TCP_STATE_SYN_SENT);
	feed_counters(ct, 112.3456, 0, 0, true, TCP_STATE_ESTABLISHED);
	info = must_get(ct, 5);
	assert_true(info->first_seen == 100.0);
	assert_true(conntrack_marked_at(info) - conntrack_now(ct) <= 0.0005 &&
		    conntrack_now(ct) - conntrack_marked_at(info) <= 0.0005);
	assert_int_equal(info->mark, CONN_CHANGED);
	assert_int_equal(info->n_states, 2);
	assert_int_equal(info->state_ms[1], 12346);
	assert_true(conntrack_state_time(info, 1) > 112.346 - 1e-9 && conntrack_state_time(info, 1) < 112.346 + 1e-9);
	assert_true(conntrack_state_time(info, 0) == 100.0);
	/* 0.954 s after the change in ms: still marked; 1.000 s: not. */
	feed_counters(ct, 113.3, 0, 0, true, TCP_STATE_ESTABLISHED);
	assert_int_equal(must_get(ct, 5)->mark, CONN_CHANGED);
	feed_counters(ct, 113.3456, 0, 0, true, TCP_STATE_ESTABLISHED);
	assert_int_equal(must_get(ct, 5)->mark, CONN_STEADY);
	conntrack_free(ct);
}

/* The next sample lists a socket right after the one before its second
 * listing: it is still the same connection, kept, with no tombstone. */
static void
test_listed_twice_then_moved(void **state)
{
	struct conntrack *ct = ct_new(5);
	struct snapshot *snap;

	(void)state;
	snap = snap_at(1);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	add_info(snap, 2, TCP_STATE_ESTABLISHED, 0, 0);
	add_info(snap, 3, TCP_STATE_ESTABLISHED, 0, 0);
	add_info(snap, 2, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	snap = snap_at(2);
	add_info(snap, 3, TCP_STATE_ESTABLISHED, 0, 0);
	add_info(snap, 2, TCP_STATE_ESTABLISHED, 0, 0);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 0);
	assert_true(must_get(ct, 2)->first_seen == 1.0);
	snap = snap_at(3);
	add_info(snap, 1, TCP_STATE_ESTABLISHED, 0, 0);
	feed(ct, snap);
	assert_int_equal(conntrack_gone_count(ct), 2);
	conntrack_free(ct);
}

/*
 * Dumps list sockets in hash order, which mostly stays from one sample
 * to the next: the tracker tries the record after the last one it found
 * before it looks a socket up.  Here the order is shuffled, partly kept,
 * and some sockets are listed twice, and every answer must still match
 * a plain model: first sight, kept sockets, one tombstone per death.
 */
#define ORDER_SOCKETS 3000
#define ORDER_SAMPLES 12

static uint32_t order_rng = 12345;

static uint32_t
order_random(void)
{
	order_rng = order_rng * 1103515245u + 12345u;
	return order_rng >> 8;
}

static void
test_order_changes(void **state)
{
	struct conntrack *ct = ct_new(100);
	int born[ORDER_SOCKETS], died[ORDER_SOCKETS];
	size_t order[ORDER_SOCKETS];
	size_t deaths = 0;

	(void)state;
	for (size_t i = 0; i < ORDER_SOCKETS; i++) {
		born[i] = -1;
		died[i] = -1;
		order[i] = i;
	}
	for (int k = 0; k < ORDER_SAMPLES; k++) {
		struct snapshot *snap = snap_at(10 + k);

		/* Births and deaths: a socket lives one stretch of samples. */
		for (size_t i = 0; i < ORDER_SOCKETS; i++) {
			if (born[i] < 0 && order_random() % 4 == 0)
				born[i] = k;
			else if (born[i] >= 0 && died[i] < 0 && born[i] < k && order_random() % 6 == 0) {
				died[i] = k;
				deaths++;
			}
		}
		/* Sample 0 in order; later ones shuffled in runs, or wholly. */
		for (size_t i = ORDER_SOCKETS - 1; k > 0 && i > 0; i--) {
			size_t j = order_random() % (i + 1), t;

			if (k % 3 == 1 && order_random() % 8 != 0)
				continue; /* mostly the same order */
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (size_t n = 0; n < ORDER_SOCKETS; n++) {
			size_t i = order[n];

			if (born[i] < 0 || died[i] >= 0)
				continue;
			add_info(snap, 100 + i, TCP_STATE_ESTABLISHED, 10, 10);
			if (order_random() % 50 == 0) /* moved while the kernel walked */
				add_info(snap, 100 + i, TCP_STATE_ESTABLISHED, 10, 10);
		}
		feed(ct, snap);
		for (size_t i = 0; i < ORDER_SOCKETS; i++) {
			const struct conn_info *info = conntrack_get(ct, 0, 100 + i);

			if (born[i] < 0 || died[i] >= 0) {
				assert_null(info);
				continue;
			}
			if (info == NULL)
				fail_msg("sample %d: socket %zu not tracked", k, i);
			if (info->first_seen != 10.0 + born[i])
				fail_msg("sample %d: socket %zu first seen %g, born %d", k, i,
				         info->first_seen, born[i]);
			assert_int_equal(info->mark, born[i] > 0 ? CONN_NEW : CONN_STEADY);
		}
		assert_int_equal(conntrack_gone_count(ct), deaths);
		for (size_t g = 0; g < conntrack_gone_count(ct); g++) {
			const struct sock_entry *e = conntrack_gone_entry(ct, g, NULL, NULL);

			assert_int_equal(died[e->cookie - 100] >= 0, 1);
		}
	}
	conntrack_free(ct);
}

/* Whether trackers a and b know the same: every entry's record and every
 * tombstone, byte for byte. */
static void
assert_same_tracking(const struct conntrack *a, const struct conntrack *b,
		     const struct snapshot *snap)
{
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct conn_info *x = conntrack_get_at(a, i), *y = conntrack_get_at(b, i);

		if (x == NULL || y == NULL)
			assert_true(x == NULL && y == NULL);
		else
			assert_memory_equal(x, y, sizeof(*x));
	}
	assert_int_equal(conntrack_gone_count(a), conntrack_gone_count(b));
	for (size_t g = 0; g < conntrack_gone_count(a); g++) {
		const struct conn_info *x, *y;
		const struct sock_entry *ex = conntrack_gone_entry(a, g, &x, NULL),
					*ey = conntrack_gone_entry(b, g, &y, NULL);

		assert_memory_equal(ex, ey, sizeof(*ex));
		assert_memory_equal(x, y, sizeof(*x));
	}
	assert_true(conntrack_now(a) == conntrack_now(b));
}

/*
 * An update in steps ends where one in a go does, whatever the step:
 * records (first sight, rates, states, marks) and tombstones byte for
 * byte, through births, deaths, reorders, counters and sockets listed
 * twice.  While it is under way the tracker answers for the sample
 * before, unchanged; an update begun and dropped halfway for a newer
 * sample leaves no trace (no socket of it kept, none missed).
 */
static void
test_update_in_steps(void **state)
{
	struct conntrack *whole = ct_new(3), *stepped = ct_new(3);
	const size_t steps[] = {1, 7, 64, 1000, 5000};
	int born[ORDER_SOCKETS], died[ORDER_SOCKETS];

	(void)state;
	order_rng = 777;
	for (size_t i = 0; i < ORDER_SOCKETS; i++)
		born[i] = died[i] = -1;
	for (int k = 0; k < ORDER_SAMPLES; k++) {
		struct snapshot *snap = snap_at(10 + k), *dropped = NULL;
		size_t step = steps[k % (sizeof(steps) / sizeof(steps[0]))];
		const struct snapshot *before = conntrack_latest(stepped);
		int rc;

		for (size_t i = 0; i < ORDER_SOCKETS; i++) {
			if (born[i] < 0 && order_random() % 4 == 0)
				born[i] = k;
			else if (born[i] >= 0 && died[i] < 0 && order_random() % 5 == 0)
				died[i] = k;
		}
		for (size_t n = 0; n < ORDER_SOCKETS; n++) {
			/* Every third sample in another order. */
			size_t i = k % 3 == 2 ? ORDER_SOCKETS - 1 - n : n;
			enum tcp_state st = (order_random() % 7 == 0) ? TCP_STATE_CLOSE_WAIT
								      : TCP_STATE_ESTABLISHED;

			if (born[i] < 0 || died[i] >= 0)
				continue;
			add_info(snap, 100 + i, st, (uint64_t)k * 1000 + i, (uint64_t)k * 10);
			if (order_random() % 40 == 0)
				add_info(snap, 100 + i, st, (uint64_t)k * 1000 + i, (uint64_t)k * 10);
		}
		snapshot_seal(snap);
		if (k % 4 == 3) {
			/* A sample begun, then dropped for the next one. */
			dropped = snap_at(9.5 + k);
			for (size_t i = 0; i < ORDER_SOCKETS; i += 2)
				add_info(dropped, 100 + i, TCP_STATE_FIN_WAIT1, 5, 5);
			snapshot_seal(dropped);
			assert_int_equal(conntrack_begin(stepped, dropped), 0);
			assert_int_equal(conntrack_step(stepped, ORDER_SOCKETS / 3), 1);
			assert_ptr_equal(conntrack_taking(stepped), dropped);
		}
		assert_int_equal(conntrack_begin(stepped, snap), 0);
		assert_ptr_equal(conntrack_taking(stepped), snap);
		while ((rc = conntrack_step(stepped, step)) == 1) {
			/* Halfway: still the sample before, as the tracker
			 * fed whole has it. */
			assert_ptr_equal(conntrack_latest(stepped), before);
			if (before != NULL)
				assert_same_tracking(whole, stepped, before);
		}
		assert_int_equal(rc, 0);
		assert_null(conntrack_taking(stepped));
		assert_ptr_equal(conntrack_latest(stepped), snap);
		assert_int_equal(conntrack_step(stepped, step), 0); /* none under way */
		assert_int_equal(conntrack_update(whole, snap), 0);
		assert_same_tracking(whole, stepped, snap);
		snapshot_unref(dropped);
		snapshot_unref(snap);
	}
	/* Dropped by itself: the tracker is as before the begin. */
	{
		struct snapshot *snap = snap_at(100);

		add_info(snap, 100, TCP_STATE_ESTABLISHED, 0, 0);
		snapshot_seal(snap);
		assert_int_equal(conntrack_begin(stepped, snap), 0);
		assert_int_equal(conntrack_step(stepped, 0), 1);
		conntrack_drop(stepped);
		assert_null(conntrack_taking(stepped));
		assert_int_equal(conntrack_step(stepped, 1), 0);
		assert_ptr_not_equal(conntrack_latest(stepped), snap);
		assert_same_tracking(whole, stepped, conntrack_latest(whole));
		snapshot_unref(snap);
	}
	assert_true(conntrack_gone_count(whole) > 0);
	conntrack_free(whole);
	conntrack_free(stepped);
}

/*
 * The same cookie in two namespaces is two connections: each its own
 * first sight, states, rates and marks; one closing leaves a tombstone of
 * its namespace while the other lives on.
 */
static void
test_same_cookie_two_netns(void **state)
{
	struct conntrack *ct = ct_new(5);
	const struct conn_info *a, *b, *info;
	const struct sock_entry *gone;
	struct snapshot *snap;

	(void)state;
	snap = snap_at(10);
	add_info(snap, 7, TCP_STATE_ESTABLISHED, 1000, 0)->netns = 100;
	feed(ct, snap);

	snap = snap_at(12);
	add_info(snap, 7, TCP_STATE_CLOSE_WAIT, 3000, 0)->netns = 100;
	add_info(snap, 7, TCP_STATE_ESTABLISHED, 500, 0)->netns = 200;
	feed(ct, snap);
	a = conntrack_get(ct, 100, 7);
	b = conntrack_get(ct, 200, 7);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_null(conntrack_get(ct, 0, 7));
	assert_int_equal(entry_of(ct, a)->netns, 100);
	assert_int_equal(entry_of(ct, b)->netns, 200);
	assert_true(a->first_seen == 10.0);
	assert_true(b->first_seen == 12.0);
	assert_int_equal(a->mark, CONN_CHANGED);
	assert_int_equal(a->n_states, 2);
	assert_int_equal(a->states[1], TCP_STATE_CLOSE_WAIT);
	assert_true(a->send_rate == 1000.0);
	assert_int_equal(b->mark, CONN_NEW);
	assert_int_equal(b->n_states, 1);
	assert_int_equal(b->states[0], TCP_STATE_ESTABLISHED);
	assert_true(b->send_rate < 0);

	/* Namespace 100's socket closes: its tombstone, and 200's lives. */
	snap = snap_at(13);
	add_info(snap, 7, TCP_STATE_ESTABLISHED, 600, 0)->netns = 200;
	feed(ct, snap);
	assert_null(conntrack_get(ct, 100, 7));
	b = conntrack_get(ct, 200, 7);
	assert_non_null(b);
	assert_true(b->first_seen == 12.0);
	assert_true(b->send_rate == 100.0);
	assert_int_equal(conntrack_gone_count(ct), 1);
	gone = conntrack_gone_entry(ct, 0, &info, NULL);
	assert_non_null(gone);
	assert_int_equal(gone->netns, 100);
	assert_int_equal(info->states[info->n_states - 1], TCP_STATE_CLOSE_WAIT);
	conntrack_free(ct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_first_sample_marks_nothing),
	    cmocka_unit_test(test_new_then_steady),
	    cmocka_unit_test(test_state_change),
	    cmocka_unit_test(test_new_then_changed),
	    cmocka_unit_test(test_state_history_capped),
	    cmocka_unit_test(test_tombstone),
	    cmocka_unit_test(test_tombstones_expire_separately),
	    cmocka_unit_test(test_highlight_zero),
	    cmocka_unit_test(test_rates),
	    cmocka_unit_test(test_rates_need_info),
	    cmocka_unit_test(test_age),
	    cmocka_unit_test(test_cookie_zero_ignored),
	    cmocka_unit_test(test_duplicate_cookies),
	    cmocka_unit_test(test_tombstone_keeps_owners),
	    cmocka_unit_test(test_churn_300k),
	    cmocka_unit_test(test_order_changes),
	    cmocka_unit_test(test_state_times_to_the_ms),
	    cmocka_unit_test(test_listed_twice_then_moved),
	    cmocka_unit_test(test_same_cookie_two_netns),
	    cmocka_unit_test(test_update_in_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
