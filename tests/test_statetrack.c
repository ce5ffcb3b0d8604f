/*
 * test_statetrack.c - per-state flows and time in state across samples.
 *
 * Samples are snapshots built by hand with chosen cookies, states and
 * monotonic times (whole seconds, so the arithmetic is exact).  A churn
 * test runs 100,000 sockets through many samples against a plain model
 * kept by the test, and prints the tracker's cost per sample.
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
#include <time.h>

#include "snapshot.h"
#include "page_release.h"
#include "statetrack.h"

static struct snapshot *
snap_at(double t)
{
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	snap->taken_mono.tv_sec = (time_t)t;
	snap->taken_mono.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	return snap;
}

static void
add(struct snapshot *snap, uint64_t cookie, enum tcp_state state)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = cookie;
	e->family = AF_INET;
	e->state = (uint8_t)state;
}

static void
feed(struct statetrack *st, struct snapshot *snap)
{
	snapshot_seal(snap);
	assert_int_equal(statetrack_update(st, snap), 0);
	snapshot_unref(snap);
}

static const struct statetrack_flow *
flow(const struct statetrack *st, enum tcp_state s)
{
	return &statetrack_summary(st)->states[s];
}

static void
test_empty(void **state)
{
	struct statetrack *st = statetrack_new();

	(void)state;
	assert_non_null(st);
	assert_false(statetrack_summary(st)->has_rates);
	assert_int_equal(statetrack_summary(st)->samples, 0);
	assert_true(statetrack_since_at(st, 0, NULL) < 0);
	assert_true(statetrack_since(st, 0, 42, NULL) < 0);
	statetrack_free(st);
	statetrack_free(NULL);
}

/* The first sample is what was there before us: nothing entered, no
 * rates, and every age is a lower bound. */
static void
test_first_sample(void **state)
{
	struct statetrack *st = statetrack_new();
	struct snapshot *s = snap_at(100);
	bool lower = false;

	(void)state;
	add(s, 1, TCP_STATE_ESTABLISHED);
	add(s, 2, TCP_STATE_ESTABLISHED);
	add(s, 3, TCP_STATE_CLOSE_WAIT);
	feed(st, s);
	assert_false(statetrack_summary(st)->has_rates);
	assert_int_equal(statetrack_summary(st)->opened, 0);
	assert_int_equal(statetrack_summary(st)->closed, 0);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->count, 2);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->entered, 0);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->count, 1);
	assert_true(statetrack_since_at(st, 2, &lower) == 100.0);
	assert_true(lower);
	assert_true(statetrack_age_at(st, 2, NULL) == 0.0);
	assert_true(statetrack_since(st, 0, 3, &lower) == 100.0);
	assert_true(lower);
	{
		char line[64];

		statetrack_flow_text(st, TCP_STATE_ESTABLISHED, line, sizeof(line));
		assert_string_equal(line, "ESTABLISHED 2"); /* no rates yet */
	}
	statetrack_free(st);
}

static void
test_transitions(void **state)
{
	struct statetrack *st = statetrack_new();
	struct snapshot *s = snap_at(100);
	const struct statetrack_summary *sum;
	bool lower = true;

	(void)state;
	add(s, 1, TCP_STATE_ESTABLISHED);
	add(s, 2, TCP_STATE_FIN_WAIT2);
	add(s, 3, TCP_STATE_CLOSE_WAIT);
	add(s, 4, TCP_STATE_ESTABLISHED);
	feed(st, s);

	s = snap_at(102);
	add(s, 4, TCP_STATE_ESTABLISHED);   /* unchanged */
	add(s, 1, TCP_STATE_FIN_WAIT1);     /* transition */
	add(s, 2, TCP_STATE_TIME_WAIT);     /* keeps its cookie */
	/* 3 closed */
	add(s, 5, TCP_STATE_SYN_SENT);      /* opened */
	add(s, 6, TCP_STATE_TIME_WAIT);     /* opened straight into it */
	feed(st, s);

	sum = statetrack_summary(st);
	assert_true(sum->has_rates);
	assert_true(sum->interval_s == 2.0);
	assert_int_equal(sum->samples, 2);
	assert_int_equal(sum->opened, 2);
	assert_int_equal(sum->closed, 1);
	assert_true(sum->opened_per_s == 1.0);
	assert_true(sum->closed_per_s == 0.5);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->count, 1);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->entered, 0);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->left, 1);
	assert_int_equal(flow(st, TCP_STATE_FIN_WAIT1)->entered, 1);
	assert_int_equal(flow(st, TCP_STATE_FIN_WAIT2)->left, 1);
	assert_int_equal(flow(st, TCP_STATE_FIN_WAIT2)->count, 0);
	assert_int_equal(flow(st, TCP_STATE_TIME_WAIT)->count, 2);
	assert_int_equal(flow(st, TCP_STATE_TIME_WAIT)->entered, 2);
	assert_true(flow(st, TCP_STATE_TIME_WAIT)->entered_per_s == 1.0);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->left, 1);
	assert_true(flow(st, TCP_STATE_CLOSE_WAIT)->left_per_s == 0.5);
	assert_int_equal(flow(st, TCP_STATE_SYN_SENT)->entered, 1);
	{
		char line[64];

		statetrack_flow_text(st, TCP_STATE_TIME_WAIT, line, sizeof(line));
		assert_string_equal(line, "TIME_WAIT 2 +1/s -0/s");
		statetrack_flow_text(st, TCP_STATE_CLOSE_WAIT, line, sizeof(line));
		assert_string_equal(line, "CLOSE_WAIT 0 +0/s -0/s");
	}

	/* Entry order of the second snapshot: 4, 1, 2, 5, 6. */
	assert_true(statetrack_since_at(st, 0, &lower) == 100.0);
	assert_true(lower);
	assert_true(statetrack_since_at(st, 1, &lower) == 102.0);
	assert_false(lower);
	assert_true(statetrack_since_at(st, 2, &lower) == 102.0);
	assert_false(lower);
	assert_true(statetrack_since(st, 0, 6, &lower) == 102.0);
	assert_false(lower);
	assert_true(statetrack_since(st, 0, 3, NULL) < 0); /* gone */
	assert_true(statetrack_since_at(st, 5, NULL) < 0); /* out of range */
	statetrack_free(st);
}

/* Time in state: kept while the state stays, restarted when it changes. */
static void
test_time_in_state(void **state)
{
	struct statetrack *st = statetrack_new();
	bool lower = true;

	(void)state;
	for (int t = 0; t <= 5; t++) {
		struct snapshot *s = snap_at(10 + 10 * t);

		add(s, 7, TCP_STATE_CLOSE_WAIT);                       /* from the start */
		add(s, 8, t < 1 ? TCP_STATE_ESTABLISHED : TCP_STATE_CLOSE_WAIT); /* at 20 */
		add(s, 9, t < 4 ? TCP_STATE_ESTABLISHED : TCP_STATE_FIN_WAIT2);  /* at 50 */
		feed(st, s);
	}
	assert_true(statetrack_summary(st)->now == 60.0);
	assert_true(statetrack_age_at(st, 0, &lower) == 50.0);
	assert_true(lower);
	assert_true(statetrack_age_at(st, 1, &lower) == 40.0);
	assert_false(lower);
	assert_true(statetrack_age_at(st, 2, &lower) == 10.0);
	assert_false(lower);
	/* A quiet sample: nothing entered or left. */
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->entered, 0);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->left, 0);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->count, 2);
	statetrack_free(st);
}

/* Sample times are not whole seconds: a socket that entered its state at
 * the latest sample is exactly 0 s old all the same, and ages count in
 * milliseconds. */
static void
test_fractional_times(void **state)
{
	struct statetrack *st = statetrack_new();
	struct snapshot *s;
	bool lower = true;

	(void)state;
	s = snap_at(10.0004);
	add(s, 1, TCP_STATE_ESTABLISHED);
	feed(st, s);
	s = snap_at(11.5007);
	add(s, 1, TCP_STATE_CLOSE_WAIT);
	add(s, 2, TCP_STATE_SYN_SENT);
	feed(st, s);
	assert_true(statetrack_age_at(st, 0, &lower) == 0.0);
	assert_false(lower);
	assert_true(statetrack_age_at(st, 1, NULL) == 0.0);
	s = snap_at(13.2509);
	add(s, 1, TCP_STATE_CLOSE_WAIT);
	feed(st, s);
	assert_true(statetrack_age_at(st, 0, NULL) == 1.75);
	statetrack_free(st);
}

/* A socket that vanishes and comes back (same cookie) is a new one. */
static void
test_vanish_and_return(void **state)
{
	struct statetrack *st = statetrack_new();
	struct snapshot *s;

	(void)state;
	s = snap_at(1);
	add(s, 1, TCP_STATE_CLOSE_WAIT);
	feed(st, s);
	s = snap_at(2);
	feed(st, s);
	assert_int_equal(statetrack_summary(st)->closed, 1);
	s = snap_at(3);
	add(s, 1, TCP_STATE_CLOSE_WAIT);
	feed(st, s);
	assert_int_equal(statetrack_summary(st)->opened, 1);
	assert_true(statetrack_since(st, 0, 1, NULL) == 3.0);
	statetrack_free(st);
}

static void
test_cookie_zero_and_duplicates(void **state)
{
	struct statetrack *st = statetrack_new();
	struct snapshot *s;
	bool lower;

	(void)state;
	s = snap_at(1);
	add(s, 0, TCP_STATE_ESTABLISHED);
	add(s, 5, TCP_STATE_ESTABLISHED);
	add(s, 5, TCP_STATE_ESTABLISHED); /* listed twice in one dump */
	feed(st, s);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->count, 1);
	assert_true(statetrack_since_at(st, 0, NULL) < 0);
	assert_true(statetrack_since_at(st, 2, &lower) == 1.0);

	s = snap_at(2);
	add(s, 0, TCP_STATE_CLOSE);
	add(s, 5, TCP_STATE_FIN_WAIT1);
	add(s, 5, TCP_STATE_FIN_WAIT1);
	feed(st, s);
	assert_int_equal(statetrack_summary(st)->opened, 0);
	assert_int_equal(statetrack_summary(st)->closed, 0);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->left, 1);
	assert_int_equal(flow(st, TCP_STATE_FIN_WAIT1)->entered, 1);
	assert_int_equal(flow(st, TCP_STATE_CLOSE)->count, 0);
	statetrack_free(st);
}

/* The sockets gone since the sample before: their entry indexes in it,
 * by cookie, whether they were in the middle or at the end of the sorted
 * list; none on the first update, nor for cookie 0 or a duplicate. */
static void
test_vanished_entries(void **state)
{
	struct statetrack *st = statetrack_new();
	const uint32_t *v;
	struct snapshot *s;
	double taken;

	(void)state;
	assert_int_equal(statetrack_vanished(st, &v, &taken), 0);
	s = snap_at(10);
	add(s, 30, TCP_STATE_ESTABLISHED); /* entry 0: stays */
	add(s, 0, TCP_STATE_ESTABLISHED);  /* 1: untracked */
	add(s, 20, TCP_STATE_SYN_SENT);    /* 2: goes */
	add(s, 40, TCP_STATE_CLOSE_WAIT);  /* 3: goes, last by cookie */
	add(s, 10, TCP_STATE_ESTABLISHED); /* 4: goes, first by cookie */
	add(s, 10, TCP_STATE_ESTABLISHED); /* 5: the same, listed twice */
	feed(st, s);
	assert_int_equal(statetrack_vanished(st, &v, &taken), 0);
	assert_true(taken == -1);

	s = snap_at(11.5);
	add(s, 30, TCP_STATE_FIN_WAIT1);
	add(s, 25, TCP_STATE_ESTABLISHED); /* new */
	feed(st, s);
	assert_int_equal(statetrack_vanished(st, &v, &taken), 3);
	assert_true(taken == 10.0);
	assert_int_equal(v[0], 4);
	assert_int_equal(v[1], 2);
	assert_int_equal(v[2], 3);
	assert_int_equal(statetrack_summary(st)->closed, 3);

	s = snap_at(12);
	add(s, 30, TCP_STATE_TIME_WAIT);
	feed(st, s);
	assert_int_equal(statetrack_vanished(st, &v, &taken), 1);
	assert_true(taken == 11.5);
	assert_int_equal(v[0], 1); /* cookie 25, the second entry before */
	statetrack_free(st);
}

/* The same published snapshot fed twice (a paused view) changes nothing;
 * a clock that does not advance gives no rates. */
static void
test_same_seq_and_no_interval(void **state)
{
	struct statetrack *st = statetrack_new();
	struct snapshot *s;

	(void)state;
	s = snap_at(5);
	add(s, 1, TCP_STATE_ESTABLISHED);
	snapshot_seal(s);
	s->seq = 9;
	assert_int_equal(statetrack_update(st, s), 0);
	assert_int_equal(statetrack_update(st, s), 0);
	assert_int_equal(statetrack_summary(st)->samples, 1);
	snapshot_unref(s);

	s = snap_at(5);
	add(s, 1, TCP_STATE_CLOSE_WAIT);
	feed(st, s);
	assert_false(statetrack_summary(st)->has_rates);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->entered, 1);
	assert_true(flow(st, TCP_STATE_CLOSE_WAIT)->entered_per_s == 0.0);
	statetrack_free(st);
}

/* ------------------------------------------------------------ churn */

enum { CHURN_N = 100000, CHURN_SAMPLES = 25 };

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A pseudo-random sequence the test can repeat. */
static uint64_t
rnd(uint64_t *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 7;
	*seed ^= *seed << 17;
	return *seed;
}

/*
 * 100,000 live sockets; every sample closes 2% of them, opens as many
 * and moves 5% to another state.  Cookies count up, as the kernel hands
 * them out.  The test keeps the truth in plain
 * arrays (slot -> cookie, state, since) and compares every flow and every
 * socket's since with the tracker.  The median update time is printed.
 */
static void
churn(unsigned int n_netns, size_t churn_n, int samples)
{
	struct statetrack *st = statetrack_new();
	uint64_t *cookie = malloc(churn_n * sizeof(*cookie));
	uint64_t *old_cookie = malloc(churn_n * sizeof(*old_cookie));
	uint8_t *sstate = malloc(churn_n);
	double *since = malloc(churn_n * sizeof(*since));
	double times[CHURN_SAMPLES];
	uint64_t next_cookie = 1, seed = 88172645463325252ull;

	assert_true(samples >= 4 && samples <= CHURN_SAMPLES);
	assert_non_null(st);
	assert_non_null(cookie);
	assert_non_null(old_cookie);
	assert_non_null(sstate);
	assert_non_null(since);
	for (size_t i = 0; i < churn_n; i++) {
		cookie[i] = next_cookie++;
		sstate[i] = (uint8_t)(rnd(&seed) % TCP_STATE_COUNT);
		since[i] = 1000;
	}
	for (int k = 0; k < samples; k++) {
		uint32_t entered[TCP_STATE_COUNT] = {0}, left[TCP_STATE_COUNT] = {0};
		uint32_t opened = 0, closed = 0;
		double t = 1000 + k;
		struct snapshot *s = snap_at(t);
		double t0;

		memcpy(old_cookie, cookie, churn_n * sizeof(*cookie));
		if (k > 0) {
			for (size_t i = 0; i < churn_n; i++) {
				uint64_t r = rnd(&seed) % 100;

				if (r < 2) { /* closed, and a new socket in its slot */
					left[sstate[i]]++;
					closed++;
					cookie[i] = next_cookie++;
					sstate[i] = (uint8_t)(rnd(&seed) % TCP_STATE_COUNT);
					entered[sstate[i]]++;
					opened++;
					since[i] = t;
				} else if (r < 7) {
					uint8_t to = (uint8_t)((sstate[i] + 1 + rnd(&seed) % 10) %
							       TCP_STATE_COUNT);

					left[sstate[i]]++;
					entered[to]++;
					sstate[i] = to;
					since[i] = t;
				}
			}
		}
		assert_int_equal(snapshot_reserve(s, churn_n), 0);
		for (size_t i = 0; i < churn_n; i++) {
			add(s, cookie[i], (enum tcp_state)sstate[i]);
			s->entries[i].netns = n_netns > 1 ? 1000 + (uint32_t)(i % n_netns) : 0;
		}
		snapshot_seal(s);
		t0 = now_s();
		assert_int_equal(statetrack_update(st, s), 0);
		times[k] = now_s() - t0;
		snapshot_unref(s);

		if (k == 0)
			continue;
		assert_int_equal(statetrack_summary(st)->opened, opened);
		assert_int_equal(statetrack_summary(st)->closed, closed);
		for (int j = 0; j < TCP_STATE_COUNT; j++) {
			assert_int_equal(flow(st, j)->entered, entered[j]);
			assert_int_equal(flow(st, j)->left, left[j]);
		}
		for (size_t i = 0; i < churn_n; i++)
			if (statetrack_since_at(st, i, NULL) != since[i])
				fail_msg("sample %d socket %zu: since %g, expected %g", k, i,
					 statetrack_since_at(st, i, NULL), since[i]);
		{
			/* Every closed slot's old socket, and only those. */
			const uint32_t *v;
			double taken;
			size_t n = statetrack_vanished(st, &v, &taken);

			assert_int_equal(n, closed);
			assert_true(taken == t - 1);
			for (size_t j = 0; j < n; j++) {
				assert_true(v[j] < churn_n);
				assert_true(old_cookie[v[j]] != cookie[v[j]]);
				assert_true(j == 0 || old_cookie[v[j - 1]] < old_cookie[v[j]]);
			}
		}
	}
	/* The first two updates allocate a table each: the steady ones are
	 * the cost. */
	printf("statetrack: %zu sockets in %u namespace(s), first updates %.2f and %.2f ms", churn_n,
	       n_netns, times[0] * 1e3, times[1] * 1e3);
	qsort(times + 2, samples - 2, sizeof(times[0]), cmp_double);
	printf(", then median %.2f ms (min %.2f, max %.2f)\n", times[2 + (samples - 2) / 2] * 1e3,
	       times[2] * 1e3, times[samples - 1] * 1e3);
	free(cookie);
	free(old_cookie);
	free(sstate);
	free(since);
	statetrack_free(st);
}

static void
test_churn_100k(void **state)
{
	(void)state;
	churn(1, CHURN_N, CHURN_SAMPLES);
}

/* Above PAGE_RELEASE_FROM_SOCKETS the working arrays' pages are given back
 * after every update and come back zeroed: the same truths hold. */
static void
test_churn_released_between_updates(void **state)
{
	(void)state;
	churn(1, PAGE_RELEASE_FROM_SOCKETS + 50000, 5);
}

/* The same spread over 50 namespaces, interleaved: cookies of one host
 * take the packed sort there too. */
static void
test_churn_100k_netns(void **state)
{
	(void)state;
	churn(50, CHURN_N, CHURN_SAMPLES);
}

/* Odd cookies only: the selection of the filtered tracker. */
static bool
odd_cookie(const void *arg, const struct sock_entry *e)
{
	(void)arg;
	return e->cookie % 2 == 1;
}

/*
 * A tracker fed the selected sockets of each sample says what one fed
 * snapshots of only those sockets says: counts, entered, left, opened,
 * closed, and time in state.
 */
static void
test_selected_equals_subset(void **state)
{
	struct statetrack *sel = statetrack_new(), *sub = statetrack_new();
	uint64_t seed = 7;

	(void)state;
	assert_non_null(sel);
	assert_non_null(sub);
	for (int k = 0; k < 6; k++) {
		struct snapshot *all = snap_at(10 + k), *odd = snap_at(10 + k);

		/* A window of cookies sliding by 7, states changing with k. */
		for (uint64_t c = 1 + 7 * (uint64_t)k; c < 60 + 7 * (uint64_t)k; c++) {
			enum tcp_state st = (c + (uint64_t)k) % 3 == 0 ? TCP_STATE_CLOSE_WAIT
					    : c % 5 == 0		    ? TCP_STATE_TIME_WAIT
									    : TCP_STATE_ESTABLISHED;

			seed = seed * 6364136223846793005ull + 1;
			if ((seed >> 33) % 9 == 0)
				continue; /* missing from this sample */
			add(all, c, st);
			if (c % 2 == 1)
				add(odd, c, st);
		}
		snapshot_seal(all);
		assert_int_equal(statetrack_update_selected(sel, all, odd_cookie, NULL), 0);
		feed(sub, odd);
		assert_int_equal(statetrack_summary(sel)->opened, statetrack_summary(sub)->opened);
		assert_int_equal(statetrack_summary(sel)->closed, statetrack_summary(sub)->closed);
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			assert_int_equal(flow(sel, (enum tcp_state)s)->count,
					 flow(sub, (enum tcp_state)s)->count);
			assert_int_equal(flow(sel, (enum tcp_state)s)->entered,
					 flow(sub, (enum tcp_state)s)->entered);
			assert_int_equal(flow(sel, (enum tcp_state)s)->left,
					 flow(sub, (enum tcp_state)s)->left);
		}
		for (size_t i = 0; i < all->n_entries; i++) {
			uint64_t c = all->entries[i].cookie;

			if (c % 2 == 1)
				assert_true(statetrack_since_at(sel, i, NULL) ==
					    statetrack_since(sub, 0, c, NULL));
			else
				assert_true(statetrack_since_at(sel, i, NULL) < 0);
		}
		snapshot_unref(all);
	}
	/* Something did move, in and out. */
	assert_true(statetrack_summary(sel)->opened > 0);
	assert_true(statetrack_summary(sel)->closed > 0);
	statetrack_free(sel);
	statetrack_free(sub);
}

/* ------------------------------------------------------------ stalls */

static struct sock_entry *
add_queued(struct snapshot *snap, uint64_t cookie, uint32_t recv_q, uint64_t bytes_received,
	   uint32_t last_recv_ms)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	memset(e, 0, sizeof(*e));
	e->cookie = cookie;
	e->family = AF_INET;
	e->state = TCP_STATE_ESTABLISHED;
	e->flags = SOCK_ENTRY_HAS_INFO;
	e->recv_q = recv_q;
	e->bytes_received = bytes_received;
	e->last_data_recv_ms = last_recv_ms;
	e->last_data_sent_ms = 60000;
	return e;
}

static struct statetrack_stall
stall_of(const struct statetrack *st, uint64_t cookie)
{
	struct statetrack_stall s;

	statetrack_stall(st, 0, cookie, &s);
	return s;
}

/* Unread data: dated back by the last receive at the first sample (a
 * lower bound), kept while the application reads nothing even as more
 * arrives, started again when it reads, gone when the queue is empty. */
static void
test_stall_unread(void **state)
{
	struct statetrack *st = statetrack_new();
	struct statetrack_stall s;
	struct snapshot *snap;

	(void)state;
	assert_non_null(st);
	snap = snap_at(100);
	add_queued(snap, 1, 100, 1000, 3000);
	add_queued(snap, 2, 0, 1000, 3000); /* nothing waits */
	add_queued(snap, 3, 50, 0, 0)->flags = 0; /* no tcp_info */
	feed(st, snap);
	s = stall_of(st, 1);
	assert_true(s.unread_s == 3.0 && s.unread_lower);
	assert_true(s.blocked_s < 0 && !s.blocked_lower);
	assert_false(statetrack_stall(st, 0, 2, &s));
	assert_true(s.unread_s < 0 && s.blocked_s < 0);
	s = stall_of(st, 3);
	assert_true(s.unread_s == 0 && s.unread_lower);

	snap = snap_at(101);
	add_queued(snap, 1, 600, 1500, 0); /* more came, none read */
	add_queued(snap, 2, 0, 1000, 4000);
	add_queued(snap, 3, 50, 0, 0)->flags = 0; /* Recv-Q unchanged */
	feed(st, snap);
	s = stall_of(st, 1);
	assert_true(s.unread_s == 4.0 && s.unread_lower);
	assert_true(stall_of(st, 3).unread_s == 1.0);

	snap = snap_at(102);
	add_queued(snap, 1, 100, 1500, 1500); /* 500 read */
	add_queued(snap, 2, 10, 1010, 500);   /* data came after 101 */
	add_queued(snap, 3, 60, 0, 0)->flags = 0;
	add_queued(snap, 4, 10, 10, 30000); /* new: its last receive dates it */
	feed(st, snap);
	s = stall_of(st, 1);
	/* Read since 101: not before it, nor before the last receive. */
	assert_true(s.unread_s == 1.0 && !s.unread_lower);
	assert_true(stall_of(st, 2).unread_s == 0.5);
	assert_true(stall_of(st, 3).unread_s == 0);
	assert_true(stall_of(st, 4).unread_s == 30.0 && !stall_of(st, 4).unread_lower);

	snap = snap_at(103.5);
	add_queued(snap, 1, 100, 1500, 3000);
	add_queued(snap, 2, 0, 1010, 0); /* read it all */
	add_queued(snap, 4, 10, 10, 31500);
	feed(st, snap);
	assert_true(stall_of(st, 1).unread_s == 2.5);
	assert_false(statetrack_stall(st, 0, 2, &s));
	assert_false(statetrack_stall(st, 0, 3, &s)); /* gone */
	assert_true(stall_of(st, 4).unread_s == 31.5);
	statetrack_free(st);
}

/* Sends held by the peer's window: the zero-window probe timer, a window
 * of 0 (only when the kernel gave it), or more than half the interval
 * limited by the window. */
static void
test_stall_blocked(void **state)
{
	struct statetrack *st = statetrack_new();
	struct statetrack_stall s;
	struct snapshot *snap;
	struct sock_entry *e;

	(void)state;
	assert_non_null(st);
	snap = snap_at(10);
	e = add_queued(snap, 1, 0, 0, 0);
	e->send_q = 5000;
	e->timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
	e->last_data_sent_ms = 2000;
	e = add_queued(snap, 2, 0, 0, 0);
	e->send_q = 5000;
	e->flags |= SOCK_ENTRY_HAS_SND_WND; /* snd_wnd 0 */
	e = add_queued(snap, 3, 0, 0, 0);
	e->send_q = 5000; /* window 0 but unknown, no probe */
	e = add_queued(snap, 4, 0, 0, 0);
	e->send_q = 5000;
	e->rwnd_limited_ms = UINT32_MAX - 100; /* wraps below */
	e = add_queued(snap, 5, 0, 0, 0);
	e->state = TCP_STATE_LISTEN; /* a backlog, not data */
	e->send_q = 128;
	e->recv_q = 3;
	e->timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
	feed(st, snap);
	s = stall_of(st, 1);
	assert_true(s.blocked_s == 2.0 && s.blocked_lower && s.unread_s < 0);
	assert_true(stall_of(st, 2).blocked_s == 60.0);
	assert_false(statetrack_stall(st, 0, 3, &s));
	assert_false(statetrack_stall(st, 0, 4, &s)); /* no interval yet */
	assert_false(statetrack_stall(st, 0, 5, &s));

	snap = snap_at(12);
	e = add_queued(snap, 1, 0, 0, 0);
	e->send_q = 5000;
	e->timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
	e = add_queued(snap, 2, 0, 0, 0);
	e->send_q = 5000;
	e->flags |= SOCK_ENTRY_HAS_SND_WND;
	e->snd_wnd = 1000; /* opened */
	e = add_queued(snap, 4, 0, 0, 0);
	e->send_q = 5000;
	e->rwnd_limited_ms = 1100; /* 1201 ms of 2000 */
	e->last_data_sent_ms = 500;
	feed(st, snap);
	assert_true(stall_of(st, 1).blocked_s == 4.0);
	assert_false(statetrack_stall(st, 0, 2, &s));
	s = stall_of(st, 4);
	assert_true(s.blocked_s == 0.5 && !s.blocked_lower);

	snap = snap_at(14);
	e = add_queued(snap, 4, 0, 0, 0);
	e->send_q = 5000;
	e->rwnd_limited_ms = 2099; /* 999 ms of 2000: not most */
	feed(st, snap);
	assert_false(statetrack_stall(st, 0, 4, &s));
	assert_false(statetrack_stall(st, 0, 1, &s));
	statetrack_free(st);
}

/* A selected tracker keeps stalls of its selection only. */
static void
test_stall_selected(void **state)
{
	struct statetrack *st = statetrack_new();
	struct statetrack_stall s;
	struct snapshot *snap = snap_at(1);

	(void)state;
	assert_non_null(st);
	add_queued(snap, 1, 10, 10, 1000);
	add_queued(snap, 2, 10, 10, 1000);
	add_queued(snap, 0, 10, 10, 1000);
	snapshot_seal(snap);
	assert_int_equal(statetrack_update_selected(st, snap, odd_cookie, NULL), 0);
	snapshot_unref(snap);
	assert_true(statetrack_stall(st, 0, 1, &s) && s.unread_s == 1.0);
	assert_false(statetrack_stall(st, 0, 2, &s));
	assert_false(statetrack_stall(st, 0, 0, &s));
	statetrack_free(st);
}

/* A socket of namespace netns. */
static struct sock_entry *
add_ns(struct snapshot *snap, uint32_t netns, uint64_t cookie, enum tcp_state state)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = cookie;
	e->netns = netns;
	e->family = AF_INET;
	e->state = (uint8_t)state;
	return e;
}

/*
 * Two namespaces handing out the same cookies are two sockets each: one
 * in CLOSE_WAIT in one namespace and ESTABLISHED in the other are two
 * sockets, each with its own time in state; one closing in one namespace
 * vanishes only there; transitions are told apart, listed in any order.
 */
static void
test_same_cookie_two_netns(void **state)
{
	struct statetrack *st = statetrack_new();
	struct statetrack_stall stall;
	const uint32_t *v;
	struct snapshot *s;
	double taken;
	bool lower;

	(void)state;
	assert_non_null(st);
	s = snap_at(100);
	add_ns(s, 7, 5, TCP_STATE_CLOSE_WAIT);
	add_ns(s, 9, 5, TCP_STATE_ESTABLISHED);
	add_ns(s, 7, 6, TCP_STATE_ESTABLISHED);
	add_ns(s, 9, 6, TCP_STATE_ESTABLISHED)->recv_q = 10;
	add_ns(s, 9, 6, TCP_STATE_ESTABLISHED); /* listed twice: once */
	feed(st, s);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->count, 1);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->count, 3);
	assert_true(statetrack_since(st, 7, 5, &lower) == 100.0 && lower);
	assert_true(statetrack_since(st, 9, 6, NULL) == 100.0);
	assert_true(statetrack_since(st, 8, 5, NULL) < 0);
	assert_true(statetrack_stall(st, 9, 6, &stall));
	assert_false(statetrack_stall(st, 7, 6, &stall));

	/* Namespace 9's cookie 5 goes to CLOSE_WAIT, namespace 7's cookie 6
	 * closes, namespace 9 opens a cookie 7; listed in another order. */
	s = snap_at(102);
	add_ns(s, 9, 7, TCP_STATE_SYN_SENT);
	add_ns(s, 9, 6, TCP_STATE_ESTABLISHED);
	add_ns(s, 9, 5, TCP_STATE_CLOSE_WAIT);
	add_ns(s, 7, 5, TCP_STATE_CLOSE_WAIT);
	feed(st, s);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->count, 2);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->entered, 1);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->count, 1);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->left, 2);
	assert_int_equal(statetrack_summary(st)->opened, 1);
	assert_int_equal(statetrack_summary(st)->closed, 1);
	/* The old CLOSE_WAIT keeps its time; the new one starts now. */
	assert_true(statetrack_since(st, 7, 5, &lower) == 100.0 && lower);
	assert_true(statetrack_since(st, 9, 5, &lower) == 102.0 && !lower);
	assert_true(statetrack_since_at(st, 2, NULL) == 102.0);
	assert_true(statetrack_since_at(st, 3, NULL) == 100.0);
	assert_true(statetrack_since(st, 7, 6, NULL) < 0);
	/* What vanished is namespace 7's cookie 6: entry 2 before. */
	assert_int_equal(statetrack_vanished(st, &v, &taken), 1);
	assert_int_equal(v[0], 2);
	assert_int_equal(statetrack_vanished_netns(st)[0], 7);
	statetrack_free(st);
}

/* The same with cookies too far apart to pack (the generic sort). */
static void
test_same_cookie_two_netns_wide(void **state)
{
	const uint64_t far = 1ull << 40;
	struct statetrack *st = statetrack_new();
	struct snapshot *s;

	(void)state;
	assert_non_null(st);
	s = snap_at(100);
	add_ns(s, 7, far, TCP_STATE_CLOSE_WAIT);
	add_ns(s, 9, far, TCP_STATE_ESTABLISHED);
	add_ns(s, 9, 1, TCP_STATE_ESTABLISHED);
	add_ns(s, 7, 1, TCP_STATE_ESTABLISHED);
	feed(st, s);
	assert_int_equal(flow(st, TCP_STATE_ESTABLISHED)->count, 3);
	s = snap_at(101);
	add_ns(s, 9, far, TCP_STATE_CLOSE_WAIT);
	add_ns(s, 7, far, TCP_STATE_CLOSE_WAIT);
	add_ns(s, 7, 1, TCP_STATE_ESTABLISHED);
	feed(st, s);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->count, 2);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->entered, 1);
	assert_int_equal(statetrack_summary(st)->closed, 1);
	assert_true(statetrack_since(st, 7, far, NULL) == 100.0);
	assert_true(statetrack_since(st, 9, far, NULL) == 101.0);
	statetrack_free(st);
}

/* A cookie below every cookie of the sample before (a socket that comes
 * back into a selection, or an old one the dump missed), and one 2^32
 * above them: each is a socket like any other. */
static void
test_cookie_below_previous(void **state)
{
	struct statetrack *st = statetrack_new();
	struct snapshot *s;
	bool lower;

	(void)state;
	assert_non_null(st);
	s = snap_at(10);
	add(s, 1000, TCP_STATE_ESTABLISHED);
	add(s, 2000, TCP_STATE_ESTABLISHED);
	feed(st, s);
	s = snap_at(11);
	add(s, 2000, TCP_STATE_ESTABLISHED);
	add(s, 5, TCP_STATE_SYN_SENT);
	add(s, 1000, TCP_STATE_CLOSE_WAIT);
	feed(st, s);
	assert_int_equal(statetrack_summary(st)->opened, 1);
	assert_int_equal(statetrack_summary(st)->closed, 0);
	assert_int_equal(flow(st, TCP_STATE_CLOSE_WAIT)->entered, 1);
	assert_true(statetrack_since_at(st, 0, &lower) == 10.0 && lower);
	assert_true(statetrack_since_at(st, 1, &lower) == 11.0 && !lower);
	assert_true(statetrack_since_at(st, 2, &lower) == 11.0 && !lower);
	assert_true(statetrack_since(st, 0, 5, NULL) == 11.0);
	s = snap_at(12);
	add(s, 5, TCP_STATE_ESTABLISHED);
	add(s, 2000 + (UINT64_C(1) << 32), TCP_STATE_ESTABLISHED);
	add(s, 2000, TCP_STATE_ESTABLISHED);
	feed(st, s);
	assert_int_equal(statetrack_summary(st)->opened, 1);
	assert_int_equal(statetrack_summary(st)->closed, 1);
	assert_true(statetrack_since_at(st, 0, NULL) == 12.0);
	assert_true(statetrack_since_at(st, 1, NULL) == 12.0);
	assert_true(statetrack_since_at(st, 2, &lower) == 10.0 && lower);
	s = snap_at(13);
	add(s, 2000, TCP_STATE_ESTABLISHED);
	add(s, 5, TCP_STATE_ESTABLISHED);
	feed(st, s);
	assert_int_equal(statetrack_summary(st)->opened, 0);
	assert_int_equal(statetrack_summary(st)->closed, 1);
	assert_true(statetrack_since_at(st, 0, &lower) == 10.0 && lower);
	assert_true(statetrack_since_at(st, 1, NULL) == 12.0);
	statetrack_free(st);
}

/* ------------------------------------------------------ cookie spans */

#define SPAN_N 3000
#define SPAN_SAMPLES 6
#define SPAN_WAYS 4

/* The same socket numbered four ways, all keeping the order of cookies:
 * close together (the sorted-offsets path), close together far above
 * 2^32, spread over more than 2^32 (the generic sort), and close together
 * but for one socket from long ago (slot 0, also beyond 2^32 away). */
static uint64_t
span_cookie(int way, size_t slot, uint64_t c)
{
	switch (way) {
	case 0:
		return c;
	case 1:
		return c + (UINT64_C(7) << 40);
	case 2:
		return c << 22;
	default:
		return slot == 0 && c == 1 ? 1 : c + (UINT64_C(1) << 33);
	}
}

/*
 * Whatever the span of the cookies, the tracker says the same: flows,
 * time in state and stalls per entry (by index and by cookie), and the
 * vanished sockets.  Some sockets are untracked (cookie 0), a few listed
 * twice, some have data queued.
 */
static void
test_cookie_spans(void **state)
{
	struct statetrack *st[SPAN_WAYS];
	uint64_t cookie[SPAN_N], next_cookie = 1, seed = 2463534242ull;
	uint8_t sstate[SPAN_N];
	uint32_t recv_q[SPAN_N];

	(void)state;
	for (int w = 0; w < SPAN_WAYS; w++)
		assert_non_null(st[w] = statetrack_new());
	for (size_t i = 0; i < SPAN_N; i++) {
		cookie[i] = i % 97 == 5 ? 0 : next_cookie++;
		sstate[i] = (uint8_t)(rnd(&seed) % TCP_STATE_COUNT);
		recv_q[i] = rnd(&seed) % 4 == 0 ? 100 : 0;
	}
	for (int k = 0; k < SPAN_SAMPLES; k++) {
		for (size_t i = 0; i < SPAN_N && k > 0; i++) {
			uint64_t r = rnd(&seed) % 100;

			if (r < 5 && cookie[i] != 0 && i != 0)
				cookie[i] = next_cookie++;
			else if (r < 15)
				sstate[i] = (uint8_t)((sstate[i] + 1) % TCP_STATE_COUNT);
			else if (r < 20)
				recv_q[i] = recv_q[i] != 0 ? 0 : 50; /* read, or more */
		}
		for (int w = 0; w < SPAN_WAYS; w++) {
			struct snapshot *s = snap_at(100 + k);

			for (size_t i = 0; i < SPAN_N; i++) {
				struct sock_entry *e;
				uint64_t c = cookie[i] != 0 ? span_cookie(w, i, cookie[i]) : 0;

				if (i % 301 == 7 && i > 0) /* listed twice */
					c = cookie[i - 1] != 0 ? span_cookie(w, i - 1, cookie[i - 1]) : 0;
				e = add_queued(s, c, recv_q[i], 1000 + k, 500);
				e->state = sstate[i];
			}
			feed(st[w], s);
		}
		for (int w = 1; w < SPAN_WAYS; w++) {
			const struct statetrack_summary *a = statetrack_summary(st[0]);
			const struct statetrack_summary *b = statetrack_summary(st[w]);
			const uint32_t *va, *vb;
			double ta, tb;
			size_t na = statetrack_vanished(st[0], &va, &ta);
			size_t nb = statetrack_vanished(st[w], &vb, &tb);

			assert_int_equal(a->opened, b->opened);
			assert_int_equal(a->closed, b->closed);
			for (int j = 0; j < TCP_STATE_COUNT; j++) {
				assert_int_equal(a->states[j].count, b->states[j].count);
				assert_int_equal(a->states[j].entered, b->states[j].entered);
				assert_int_equal(a->states[j].left, b->states[j].left);
			}
			assert_int_equal(na, nb);
			assert_true(ta == tb);
			assert_memory_equal(va, vb, na * sizeof(*va));
			for (size_t i = 0; i < SPAN_N; i++) {
				struct statetrack_stall sa, sb, sc;
				bool la, lb;
				bool ha = statetrack_stall_at(st[0], i, &sa);
				bool hb = statetrack_stall_at(st[w], i, &sb);
				uint64_t c = cookie[i] != 0 ? span_cookie(w, i, cookie[i]) : 0;

				if (statetrack_since_at(st[0], i, &la) != statetrack_since_at(st[w], i, &lb) ||
				    la != lb)
					fail_msg("sample %d way %d entry %zu: since differs", k, w, i);
				assert_int_equal(ha, hb);
				assert_true(sa.unread_s == sb.unread_s && sa.blocked_s == sb.blocked_s);
				assert_int_equal(sa.unread_lower, sb.unread_lower);
				if (i % 301 != 7) {
					/* By index and by cookie: the same. */
					assert_int_equal(statetrack_stall(st[w], 0, c, &sc), hb);
					assert_true(sc.unread_s == sb.unread_s);
				}
				if (cookie[i] != 0 && recv_q[i] != 0 && i % 301 != 7 &&
				    sstate[i] != TCP_STATE_LISTEN)
					assert_true(ha);
			}
		}
	}
	{
		struct statetrack_stall none;

		assert_false(statetrack_stall_at(st[0], SPAN_N, &none)); /* out of range */
		assert_true(none.unread_s == -1 && none.blocked_s == -1);
	}
	for (int w = 0; w < SPAN_WAYS; w++)
		statetrack_free(st[w]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_first_sample),
	    cmocka_unit_test(test_transitions),
	    cmocka_unit_test(test_time_in_state),
	    cmocka_unit_test(test_fractional_times),
	    cmocka_unit_test(test_vanish_and_return),
	    cmocka_unit_test(test_cookie_zero_and_duplicates),
	    cmocka_unit_test(test_same_seq_and_no_interval),
	    cmocka_unit_test(test_vanished_entries),
	    cmocka_unit_test(test_churn_100k),
	    cmocka_unit_test(test_churn_released_between_updates),
	    cmocka_unit_test(test_selected_equals_subset),
	    cmocka_unit_test(test_stall_unread),
	    cmocka_unit_test(test_stall_blocked),
	    cmocka_unit_test(test_stall_selected),
	    cmocka_unit_test(test_same_cookie_two_netns),
	    cmocka_unit_test(test_churn_100k_netns),
	    cmocka_unit_test(test_same_cookie_two_netns_wide),
	    cmocka_unit_test(test_cookie_spans),
	    cmocka_unit_test(test_cookie_below_previous),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
