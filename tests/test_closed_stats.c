/*
 * test_closed_stats.c - the closed view's arithmetic: sorting closes by
 * each column, lifetime buckets at their edges, top peers in a time
 * window, and the recent short-lived closes the connection table
 * lingers (through a model fed canned samples).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "closed.h"
#include "closed_stats.h"
#include "snapshot.h"
#include "tcp_state.h"

#define MS 1000000ull

static struct closed_conn
conn(uint64_t cookie, uint64_t time_ms, double life, const char *peer, uint16_t rport)
{
	struct closed_conn c;

	memset(&c, 0, sizeof(c));
	c.ev.entry.cookie = cookie;
	c.ev.entry.family = strchr(peer, ':') != NULL ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(c.ev.entry.family, peer, c.ev.entry.remote_addr), 1);
	c.ev.entry.remote_port = rport;
	c.ev.entry.local_port = (uint16_t)(1000 + cookie % 7);
	c.ev.time_ns = time_ms * MS;
	c.seen = life >= 0;
	c.lifetime_s = life;
	return c;
}

static void
ptrs(struct closed_conn *c, size_t n, const struct closed_conn **out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = &c[i];
}

static void
test_sort_each_column(void **state)
{
	struct closed_conn c[4] = {
		conn(1, 300, 2.0, "10.0.0.9", 80),
		conn(2, 100, -1, "::1", 443),
		conn(3, 200, 0.5, "10.0.0.2", 22),
		conn(4, 400, -1, "10.0.0.2", 21),
	};
	const struct closed_conn *r[4];

	(void)state;
	c[0].ev.entry.bytes_acked = 50;
	c[1].ev.entry.bytes_acked = 10;
	c[2].ev.entry.bytes_acked = 900;
	c[3].ev.entry.bytes_acked = 10;
	c[0].ev.entry.rtt_us = 7;
	c[1].ev.entry.rtt_us = 3;
	c[2].ev.entry.rtt_us = 5;
	c[3].ev.entry.rtt_us = 1;
	strcpy(c[0].process, "nginx");
	c[0].pid = 20;
	strcpy(c[2].process, "curl");
	c[2].pid = 30;
	strcpy(c[3].process, "curl");
	c[3].pid = 10;

	ptrs(c, 4, r);
	closed_sort(r, 4, CLOSED_SORT_TIME, true);
	assert_true(r[0] == &c[3] && r[1] == &c[0] && r[2] == &c[2] && r[3] == &c[1]);
	closed_sort(r, 4, CLOSED_SORT_TIME, false);
	assert_true(r[0] == &c[1] && r[3] == &c[3]);

	/* Never sampled first, ties by time. */
	closed_sort(r, 4, CLOSED_SORT_LIFETIME, false);
	assert_true(r[0] == &c[1] && r[1] == &c[3] && r[2] == &c[2] && r[3] == &c[0]);
	closed_sort(r, 4, CLOSED_SORT_LIFETIME, true);
	assert_true(r[0] == &c[0] && r[3] == &c[1]);

	/* Equal bytes (10): the earlier close first ascending. */
	closed_sort(r, 4, CLOSED_SORT_SENT, false);
	assert_true(r[0] == &c[1] && r[1] == &c[3] && r[2] == &c[0] && r[3] == &c[2]);

	closed_sort(r, 4, CLOSED_SORT_RTT, false);
	assert_true(r[0] == &c[3] && r[1] == &c[1] && r[2] == &c[2] && r[3] == &c[0]);

	/* IPv4 before IPv6; same address by port. */
	closed_sort(r, 4, CLOSED_SORT_PEER, false);
	assert_true(r[0] == &c[3] && r[1] == &c[2] && r[2] == &c[0] && r[3] == &c[1]);

	/* Unknown owner first, then by name, then pid. */
	closed_sort(r, 4, CLOSED_SORT_OWNER, false);
	assert_true(r[0] == &c[1] && r[1] == &c[3] && r[2] == &c[2] && r[3] == &c[0]);

	closed_sort(r, 4, CLOSED_SORT_PORT, false);
	for (int i = 1; i < 4; i++)
		assert_true(r[i - 1]->ev.entry.local_port <= r[i]->ev.entry.local_port);
	assert_string_equal(closed_sort_name(CLOSED_SORT_RECEIVED), "received");
	assert_string_equal(closed_sort_name(CLOSED_SORT_COUNT), "?");
}

static void
test_lifetime_buckets(void **state)
{
	static const struct {
		double life;
		enum closed_life want;
	} cases[] = {
		{-1, CLOSED_LIFE_UNSAMPLED}, {0, CLOSED_LIFE_1MS},	  {0.0009, CLOSED_LIFE_1MS},
		{0.001, CLOSED_LIFE_10MS},   {0.0099, CLOSED_LIFE_10MS},  {0.01, CLOSED_LIFE_100MS},
		{0.1, CLOSED_LIFE_1S},	     {0.99, CLOSED_LIFE_1S},	  {1, CLOSED_LIFE_10S},
		{10, CLOSED_LIFE_60S},	     {59.9, CLOSED_LIFE_60S},	  {60, CLOSED_LIFE_LONGER},
		{86400, CLOSED_LIFE_LONGER},
	};
	struct closed_conn c[sizeof(cases) / sizeof(cases[0])];
	const struct closed_conn *r[sizeof(cases) / sizeof(cases[0])];
	uint64_t counts[CLOSED_LIFE_COUNT];
	size_t n = sizeof(cases) / sizeof(cases[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		c[i] = conn(i, i, cases[i].life, "10.0.0.1", 1);
		assert_int_equal(closed_life_of(&c[i]), cases[i].want);
	}
	/* Seen, yet a lifetime unknown: counted with the never sampled. */
	c[0].seen = true;
	assert_int_equal(closed_life_of(&c[0]), CLOSED_LIFE_UNSAMPLED);
	ptrs(c, n, r);
	closed_life_histogram(r, n, counts);
	assert_int_equal(counts[CLOSED_LIFE_UNSAMPLED], 1);
	assert_int_equal(counts[CLOSED_LIFE_1MS], 2);
	assert_int_equal(counts[CLOSED_LIFE_10MS], 2);
	assert_int_equal(counts[CLOSED_LIFE_100MS], 1);
	assert_int_equal(counts[CLOSED_LIFE_1S], 2);
	assert_int_equal(counts[CLOSED_LIFE_10S], 1);
	assert_int_equal(counts[CLOSED_LIFE_60S], 2);
	assert_int_equal(counts[CLOSED_LIFE_LONGER], 2);
	assert_string_equal(closed_life_label(CLOSED_LIFE_UNSAMPLED), "never");
	assert_string_equal(closed_life_label(CLOSED_LIFE_LONGER), ">60s");
}

static void
test_top_peers(void **state)
{
	struct closed_conn c[8] = {
		conn(1, 1500, -1, "10.0.0.2", 80), conn(2, 1600, -1, "10.0.0.2", 81),
		conn(3, 1700, -1, "10.0.0.1", 80), conn(4, 1800, -1, "::2", 80),
		conn(5, 1900, -1, "::2", 80),	   conn(6, 2000, -1, "10.0.0.2", 80),
		/* before the window, and one with no peer */
		conn(7, 1000, -1, "10.0.0.1", 80), conn(8, 1900, -1, "10.0.0.3", 0),
	};
	const struct closed_conn *r[8];
	struct closed_peer top[3];
	uint8_t want[16];

	(void)state;
	ptrs(c, 8, r);
	/* (1 s, 3 s]: 2 seconds. */
	assert_int_equal(closed_top_peers(r, 8, 1000 * MS, 3000 * MS, top, 3), 3);
	inet_pton(AF_INET, "10.0.0.2", want);
	assert_int_equal(top[0].family, AF_INET);
	assert_memory_equal(top[0].addr, want, 4);
	assert_int_equal(top[0].closes, 3);
	assert_true(top[0].per_s > 1.49 && top[0].per_s < 1.51);
	inet_pton(AF_INET6, "::2", want);
	assert_int_equal(top[1].family, AF_INET6);
	assert_memory_equal(top[1].addr, want, 16);
	assert_int_equal(top[1].closes, 2);
	assert_int_equal(top[2].closes, 1);
	/* At most max; an empty window none. */
	assert_int_equal(closed_top_peers(r, 8, 1000 * MS, 3000 * MS, top, 1), 1);
	assert_int_equal(top[0].closes, 3);
	assert_int_equal(closed_top_peers(r, 8, 3000 * MS, 3000 * MS, top, 3), 0);
	assert_int_equal(closed_top_peers(r, 0, 0, 3000 * MS, top, 3), 0);
}

static struct snapshot *
sample_at(int second)
{
	struct snapshot *s = snapshot_new(8);

	assert_non_null(s);
	s->taken_mono.tv_sec = second;
	s->taken_wall.tv_sec = 1000 + second;
	s->has_closes = true;
	return s;
}

static void
add_close(struct snapshot *s, uint64_t cookie, uint64_t time_ms)
{
	struct sock_close *grown = realloc(s->closed, (s->n_closed + 1) * sizeof(*grown));

	assert_non_null(grown);
	s->closed = grown;
	memset(&s->closed[s->n_closed], 0, sizeof(s->closed[0]));
	s->closed[s->n_closed].entry.family = AF_INET;
	s->closed[s->n_closed].entry.cookie = cookie;
	s->closed[s->n_closed].entry.state = TCP_STATE_CLOSE;
	s->closed[s->n_closed].entry.remote_port = 80;
	s->closed[s->n_closed].time_ns = time_ms * MS;
	s->n_closed++;
}

static void
test_recent_short(void **state)
{
	struct closed_model *m = closed_model_new(0);
	struct snapshot *s1 = sample_at(1), *s2 = sample_at(2);
	const struct closed_conn *out[8];
	struct sock_entry *e;

	(void)state;
	assert_non_null(m);
	/* Cookie 5 is sampled open, then closes: not short-lived. */
	e = snapshot_add(s1);
	assert_non_null(e);
	e->family = AF_INET;
	e->cookie = 5;
	e->state = TCP_STATE_ESTABLISHED;
	add_close(s1, 1, 1000500);
	snapshot_seal(s1);
	assert_int_equal(closed_model_feed(m, s1), 0);
	add_close(s2, 2, 1001200);
	add_close(s2, 5, 1001300);
	add_close(s2, 3, 1001400);
	add_close(s2, 4, 1001900);
	snapshot_seal(s2);
	assert_int_equal(closed_model_feed(m, s2), 0);

	/* Newest first, the sampled one left out. */
	assert_int_equal(closed_recent_short(m, 0, 2000000 * MS, out, 8), 4);
	assert_true(out[0]->ev.entry.cookie == 4 && out[1]->ev.entry.cookie == 3 &&
		    out[2]->ev.entry.cookie == 2 && out[3]->ev.entry.cookie == 1);
	/* A window: (1001.0 s, 1001.5 s]. */
	assert_int_equal(closed_recent_short(m, 1001000 * MS, 1001500 * MS, out, 8), 2);
	assert_true(out[0]->ev.entry.cookie == 3 && out[1]->ev.entry.cookie == 2);
	/* s2 was taken at 1002 s, its newest close heard at 1001.9 s; s1
	 * at 1001 s with a close heard at 1000.5 s. */
	assert_true(closed_window_end(s2) == 1002000 * MS);
	s2->closed[3].time_ns = 1002300 * MS;
	assert_true(closed_window_end(s2) == 1002300 * MS);
	assert_true(closed_window_end(s1) == 1001000 * MS);
	/* The cap keeps the newest. */
	assert_int_equal(closed_recent_short(m, 0, 2000000 * MS, out, 1), 1);
	assert_true(out[0]->ev.entry.cookie == 4);
	snapshot_unref(s1);
	snapshot_unref(s2);
	closed_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_each_column),
		cmocka_unit_test(test_lifetime_buckets),
		cmocka_unit_test(test_top_peers),
		cmocka_unit_test(test_recent_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
