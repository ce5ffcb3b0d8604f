/*
 * test_closed_failalloc.c - the closed-connections model running out of
 * memory at each allocation of a feed.
 *
 * Linked with failalloc.c and --wrap for malloc, calloc, realloc, strdup
 * and free.  A model that took in one sample is fed a second one that
 * grows everything a feed allocates (the table, the holders and their
 * index, the per-feed holder cache, the listeners, the fresh closes),
 * with its 1st, 2nd, ... allocation failing, until a run makes fewer
 * allocations than the one to fail.  A failed feed returns -1 with
 * ENOMEM and the model starts over; either way the next sample is told
 * right, and the model gives back every block when freed.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "closed.h"
#include "failalloc.h"
#include "owners.h"
#include "snapshot.h"
#include "tcp_state.h"

enum { MAX_RUNS = 10000, OLD_SOCKS = 100, NEW_SOCKS = 1500, NEW_PROCS = 200 };

static struct sock_entry *
add(struct snapshot *s, uint64_t cookie, uint8_t state, uint16_t lport, uint32_t owner)
{
	struct sock_entry *e = snapshot_add(s);

	assert_non_null(e);
	e->family = AF_INET;
	e->cookie = cookie;
	e->state = state;
	e->local_port = lport;
	e->owner_status = OWNER_FOUND;
	e->owner = owner;
	return e;
}

static void
add_close(struct snapshot *s, uint64_t cookie, uint16_t lport)
{
	struct sock_close *grown = realloc(s->closed, (s->n_closed + 1) * sizeof(*grown));

	assert_non_null(grown);
	s->closed = grown;
	memset(&s->closed[s->n_closed], 0, sizeof(s->closed[0]));
	s->closed[s->n_closed].entry.family = AF_INET;
	s->closed[s->n_closed].entry.cookie = cookie;
	s->closed[s->n_closed].entry.state = TCP_STATE_CLOSE;
	s->closed[s->n_closed].entry.local_port = lport;
	s->n_closed++;
}

/* The process holding socket k in sample `second`. */
static int32_t
pid_of(unsigned k, int second)
{
	return 1000 * second + (int32_t)(k % NEW_PROCS);
}

/* A sample of `socks` sockets held by `procs` processes; a listener on
 * port 80 (pid 7) unless no_listener. */
static struct snapshot *
sample(int second, unsigned socks, unsigned procs, bool no_listener)
{
	struct snapshot *s = snapshot_new(8);
	struct owner_table *t = owner_table_new();

	assert_non_null(s);
	assert_non_null(t);
	s->taken_mono.tv_sec = second;
	s->taken_wall.tv_sec = 1000 + second;
	s->has_closes = true;
	for (unsigned p = 0; p < procs; p++) {
		struct owner_proc proc = {.pid = pid_of(p, second), .cmdline = "", .user = "root"};

		snprintf(proc.comm, sizeof(proc.comm), "p%u", p);
		assert_int_equal(owner_table_add_proc(t, &proc), (int)p);
	}
	if (!no_listener) {
		struct owner_proc proc = {.pid = 7, .comm = "lsn", .cmdline = "", .user = "root"};

		assert_int_equal(owner_table_add_proc(t, &proc), (int)procs);
		add(s, 1, TCP_STATE_LISTEN, 80, procs);
	}
	assert_int_equal(owner_table_seal(t), 0);
	s->owners = t;
	for (unsigned k = 0; k < socks; k++)
		add(s, 100 + k, TCP_STATE_ESTABLISHED, 80, k % procs);
	return s;
}

static void
test_feed_out_of_memory(void **state)
{
	unsigned long n;

	(void)state;
	for (n = 1; n < MAX_RUNS; n++) {
		size_t live = failalloc_live();
		struct snapshot *s1 = sample(1, OLD_SOCKS, 10, true);
		struct snapshot *s2 = sample(2, NEW_SOCKS, NEW_PROCS, false);
		/* Sample 3 sees none of them; it hears two closes: one of a
		 * socket of both samples before, one of sample 2's only. */
		struct snapshot *s3 = sample(3, 0, 1, true);
		struct closed_model *m = closed_model_new(16);
		const struct closed_conn *c;
		size_t n_fresh;
		bool fired;
		int rc;

		assert_non_null(m);
		add_close(s2, 100 + NEW_SOCKS, 80); /* unseen: the listener's */
		add_close(s3, 100 + 5, 80);
		add_close(s3, 100 + OLD_SOCKS + 5, 80);
		snapshot_seal(s1);
		snapshot_seal(s2);
		snapshot_seal(s3);
		assert_int_equal(closed_model_feed(m, s1), 0);

		errno = 0;
		failalloc_arm(n);
		rc = closed_model_feed(m, s2);
		fired = failalloc_fired();
		failalloc_arm(0);
		if (fired && (rc != -1 || errno != ENOMEM))
			fail_msg("allocation %lu failed: returned %d, errno %d", n, rc, errno);
		if (!fired && rc != 0)
			fail_msg("no allocation failed, yet it returned %d (errno %d)", rc, errno);
		if (!fired) {
			c = closed_model_fresh(m, &n_fresh);
			assert_int_equal(n_fresh, 1);
			assert_int_equal(c[0].owner_from, CLOSED_OWNER_LISTENER);
			assert_int_equal(c[0].pid, 7);
		}

		/* A failed feed started over: sample 2's sockets are not
		 * remembered, and sample 3 is told so. */
		assert_int_equal(closed_model_feed(m, s3), 0);
		c = closed_model_fresh(m, &n_fresh);
		assert_int_equal(n_fresh, 2);
		for (size_t j = 0; j < n_fresh; j++) {
			unsigned k = (unsigned)(c[j].ev.entry.cookie - 100);
			char comm[16];

			assert_int_equal(c[j].seen, !fired);
			if (fired) {
				assert_int_equal(c[j].owner_from, CLOSED_OWNER_UNKNOWN);
				continue;
			}
			assert_int_equal(c[j].owner_from, CLOSED_OWNER_SAMPLE);
			assert_int_equal(c[j].pid, pid_of(k, 2));
			snprintf(comm, sizeof(comm), "p%u", k % NEW_PROCS);
			assert_string_equal(c[j].process, comm);
		}
		closed_model_free(m);
		snapshot_unref(s1);
		snapshot_unref(s2);
		snapshot_unref(s3);
		if (failalloc_live() != live)
			fail_msg("allocation %lu failed: %zu block(s) not given back", n,
				 failalloc_live() - live);
		if (!fired)
			break;
	}
	assert_true(n < MAX_RUNS);
	/* The table, holders, their index, the cache, listeners, fresh. */
	assert_true(n - 1 >= 6);
	print_message("%lu allocation point(s) in the feed\n", n - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
