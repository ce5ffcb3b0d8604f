/*
 * test_diagnose.c - every diagnosis fires when it should and stays quiet
 * when it should not, with hysteresis and thresholds from a config.
 *
 * Samples are snapshots built by hand: chosen cookies, states, addresses,
 * queues, owners (a hand-built owner table), kernel counters and
 * monotonic times, fed through a real state tracker.  The ephemeral port
 * range comes from a /proc fixture (tests/data/diag).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag_config.h"
#include "diag_fixtures.h"
#include "diagnose.h"
#include "snapshot.h"
#include "statetrack.h"

/* ------------------------------------------------------------ helpers */

/* A healthy server: a listener with an empty queue, established
 * connections from clients, server-side TIME_WAIT. */
static void
add_healthy(struct snapshot *snap, int n)
{
	diag_give_procs(snap, 1);
	diag_own(diag_add_entry(snap, 1, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0), 0)
	    ->send_q = 128;
	for (int i = 0; i < n; i++) {
		diag_own(diag_add_entry(snap, (uint64_t)(10 + i), TCP_STATE_ESTABLISHED, "10.0.0.1",
					80, "10.0.1.1", (uint16_t)(40000 + i)),
			 0);
		diag_add_entry(snap, (uint64_t)(100000 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", 80,
			       "10.0.1.2", (uint16_t)(40000 + i));
	}
}

/* CLOSE_WAIT sockets of process `proc`, cookies base.. */
static void
add_close_wait(struct snapshot *snap, uint64_t base, int n, int proc)
{
	for (int i = 0; i < n; i++)
		diag_own(diag_add_entry(snap, base + (uint64_t)i, TCP_STATE_CLOSE_WAIT, "10.0.0.1",
					8080, "10.0.2.1", (uint16_t)(20000 + i)),
			 proc);
}

/* ------------------------------------------------------------ tests */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(diag_rule_id(DIAG_RULE_CLOSE_WAIT), "close_wait");
	assert_string_equal(diag_rule_id(DIAG_RULE_TIME_WAIT_PORTS), "time_wait_ports");
	assert_string_equal(diag_rule_id(DIAG_RULE_COUNT), "?");
	assert_string_equal(diag_severity_name(DIAG_CRITICAL), "critical");
	assert_string_equal(diag_severity_name(DIAG_WARNING), "warning");
}

static void
test_quiet_healthy(void **state)
{
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t < 5; t++) {
		struct snapshot *s = diag_snap_at(t);

		diag_world_set_counter(&w, KC_OUT_SEGS, 100000u * (unsigned)t);
		diag_world_set_counter(&w, KC_RETRANS_SEGS, 100u * (unsigned)t); /* 0.1% */
		diag_world_set_counter(&w, KC_LISTEN_OVERFLOWS, 0);
		diag_world_set_counter(&w, KC_SYNCOOKIES_SENT, 0);
		add_healthy(s, 3000);
		diag_world_step(&w, s);
		/* Its server closes first: TIME_WAIT on its listening port
		 * is worth a note (a restart without SO_REUSEADDR would
		 * fail), and nothing more. */
		assert_int_equal(diagnose_count(w.d), 1);
		assert_string_equal(diagnose_get(w.d, 0)->id, "time_wait_restart");
		assert_int_equal(diagnose_get(w.d, 0)->severity, DIAG_INFO);
	}
	diag_world_free(&w);
}

static void
test_close_wait_pile(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(1);
	diag_give_procs(s, 2);
	add_close_wait(s, 1, 49, 0); /* one below the default 50 */
	add_close_wait(s, 100, 60, 1);
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "close_wait"), 1);
	f = diag_find(w.d, "close_wait");
	assert_int_equal(f->pid, 101);
	assert_string_equal(f->comm, "proc1");
	assert_string_equal(f->key, "close_wait/pid:101");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->severity, DIAG_WARNING);
	diag_assert_contains(f->title, "proc1 (pid 101) holds 60 sockets in CLOSE_WAIT");
	diag_assert_contains(f->next, "close()");
	assert_true(f->level >= 1.0);
	diag_world_free(&w);
}

/* Few but old: the age comes from the tracker, a lower bound for sockets
 * already there at the first sample. */
static void
test_close_wait_old(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t <= 40; t += 10) {
		struct snapshot *s = diag_snap_at(t);

		diag_give_procs(s, 2);
		add_close_wait(s, 1, 6, 0);   /* old_min is 5 */
		add_close_wait(s, 100, 4, 1); /* too few, however old */
		diag_world_step(&w, s);
		if (t < 30)
			diag_assert_quiet(w.d);
	}
	assert_int_equal(diag_count_id(w.d, "close_wait"), 1);
	f = diag_find(w.d, "close_wait");
	assert_int_equal(f->pid, 100);
	diag_assert_contains(f->title, "oldest at least 40 s");
	diag_world_free(&w);
}

/* Few but entering fast. */
static void
test_close_wait_growing(void **state)
{
	struct diag_world w;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	diag_give_procs(s, 1);
	diag_world_step(&w, s);
	s = diag_snap_at(1);
	diag_give_procs(s, 1);
	add_close_wait(s, 1, 8, 0); /* 8/s: below growth_per_s 10 */
	diag_world_step(&w, s);
	diag_assert_quiet(w.d);
	s = diag_snap_at(2);
	diag_give_procs(s, 1);
	add_close_wait(s, 1, 8, 0);
	add_close_wait(s, 100, 12, 0); /* 12 new in 1 s */
	diag_world_step(&w, s);
	assert_non_null(diag_find(w.d, "close_wait"));
	diag_assert_contains(diag_find(w.d, "close_wait")->evidence,
			     "12 entered since the previous sample");
	diag_world_free(&w);
}

/* Without an owner the finding names the local port. */
static void
test_close_wait_unowned(void **state)
{
	struct diag_world w;
	struct snapshot *s = diag_snap_at(0);

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int i = 0; i < 60; i++)
		diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_CLOSE_WAIT, "10.0.0.1", 9000,
			       "10.0.2.1", (uint16_t)(20000 + i));
	diag_world_step(&w, s);
	assert_non_null(diag_find(w.d, "close_wait"));
	assert_string_equal(diag_find(w.d, "close_wait")->key, "close_wait/port:9000");
	assert_int_equal(diag_find(w.d, "close_wait")->pid, 0);
	diag_world_free(&w);
}

/* Fires above the threshold, holds between the thresholds, clears only
 * after quiet_samples samples below the lower one, and does not fire
 * again from between the thresholds. */
static void
test_hysteresis(void **state)
{
	/* counts per sample, and whether the finding shows after it */
	static const struct {
		int n;
		bool shown;
		bool clearing;
	} steps[] = {
		{40, false, false}, /* below 50: never fired */
		{60, true, false},  /* fires */
		{30, true, false},  /* 0.6 of the threshold: holds */
		{45, true, false},
		{20, true, true},   /* below half: 1st quiet sample */
		{20, true, true},   /* 2nd */
		{20, false, false}, /* 3rd: cleared */
		{40, false, false}, /* between thresholds: stays off */
		{50, true, false},  /* fires again */
	};
	struct diag_world w;

	(void)state;
	/* Growth would fire on its own when 20 become 40 in a second. */
	diag_world_open(&w, "close_wait.growth_per_s = 1000\n", NULL);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct snapshot *s = diag_snap_at((double)k);
		const struct diag_finding *f;

		diag_give_procs(s, 1);
		add_close_wait(s, 1, steps[k].n, 0);
		diag_world_step(&w, s);
		f = diag_find(w.d, "close_wait");
		if ((f != NULL) != steps[k].shown)
			fail_msg("step %zu (%d sockets): finding %s", k, steps[k].n,
				 f != NULL ? "shown" : "missing");
		if (f != NULL && f->clearing != steps[k].clearing)
			fail_msg("step %zu: clearing is %d", k, f->clearing);
		if (k == 3)
			diag_assert_contains(f->title, "holds 45 sockets");
		if (k == 1 || k == 3)
			assert_true(f->since == 1.0); /* when it fired */
	}
	diag_world_free(&w);
}

/* Thresholds and hysteresis from a config. */
static void
test_config_thresholds(void **state)
{
	struct diag_world w;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w,
			"close_wait.min = 10\n"
			"hysteresis.fire_samples = 2\n"
			"hysteresis.quiet_samples = 1\n",
			NULL);
	s = diag_snap_at(0);
	diag_give_procs(s, 1);
	add_close_wait(s, 1, 12, 0);
	diag_world_step(&w, s);
	diag_assert_quiet(w.d); /* one sample above is not enough */
	s = diag_snap_at(1);
	diag_give_procs(s, 1);
	add_close_wait(s, 1, 12, 0);
	diag_world_step(&w, s);
	assert_non_null(diag_find(w.d, "close_wait"));
	diag_assert_contains(diag_find(w.d, "close_wait")->evidence, "a pile at 10");
	s = diag_snap_at(2);
	diag_give_procs(s, 1);
	add_close_wait(s, 1, 4, 0);
	diag_world_step(&w, s);
	diag_assert_quiet(w.d); /* one quiet sample clears */
	diag_world_free(&w);
}

static void
test_max_per_rule_and_order(void **state)
{
	struct diag_world w;
	struct snapshot *s = diag_snap_at(0);

	(void)state;
	diag_world_open(&w, "findings.max_per_rule = 3\n", NULL);
	diag_give_procs(s, 5);
	for (int p = 0; p < 5; p++)
		add_close_wait(s, (uint64_t)(1000 * (p + 1)), 60 + 50 * p, p);
	/* A listener with a full queue: critical, so listed first. */
	diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0), 0)->recv_q =
	    129;
	s->entries[s->n_entries - 1].send_q = 128;
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "close_wait"), 3);
	/* Worst first: proc4 (260, critical at 4x), proc3 (210, critical), then accept
	 * queue (critical) ... the order is severity, then level. */
	for (size_t i = 1; i < diagnose_count(w.d); i++) {
		const struct diag_finding *a = diagnose_get(w.d, i - 1), *b = diagnose_get(w.d, i);

		assert_true(a->severity > b->severity ||
			    (a->severity == b->severity && a->level >= b->level));
	}
	assert_int_equal(diag_find(w.d, "close_wait")->pid, 104);
	assert_null(diagnose_get(w.d, diagnose_count(w.d)));
	diag_world_free(&w);
}

/* SYN_RECV: flood, small backlog, or handshakes that do not complete. */
static void
test_syn_recv(void **state)
{
	struct diag_world w;
	struct snapshot *s;
	const struct diag_finding *f;
	char addr[32];

	(void)state;
	/* Many sources: a flood. */
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	diag_give_procs(s, 1);
	diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0), 0)->send_q =
	    4096;
	for (int i = 0; i < 150; i++) {
		snprintf(addr, sizeof(addr), "198.51.%d.%d", i / 100, i % 100 + 1);
		diag_add_entry(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443, addr,
			       5555);
	}
	diag_world_step(&w, s);
	f = diag_find(w.d, "syn_recv");
	assert_non_null(f);
	diag_assert_contains(f->title, "SYN flood on port 443");
	diag_assert_contains(f->title, "from 150 addresses");
	assert_int_equal(f->severity, DIAG_CRITICAL);
	assert_int_equal(f->port, 443);
	assert_int_equal(f->pid, 100);
	diag_world_free(&w);

	/* Two sources and a full accept queue: the backlog is too small. */
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	diag_give_procs(s, 1);
	diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0), 0)->send_q =
	    128;
	s->entries[0].recv_q = 129;
	for (int i = 0; i < 150; i++)
		diag_add_entry(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443,
			       i % 2 ? "10.9.0.1" : "10.9.0.2", (uint16_t)(30000 + i));
	diag_world_step(&w, s);
	f = diag_find(w.d, "syn_recv");
	assert_non_null(f);
	diag_assert_contains(f->title, "backlog is too small");
	diag_assert_contains(f->next, "proc0 (pid 100)");
	assert_non_null(diag_find(w.d, "accept_queue"));
	diag_world_free(&w);

	/* Two sources, an empty queue: handshakes do not complete. */
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0), 0)->send_q =
	    128;
	diag_give_procs(s, 1);
	for (int i = 0; i < 150; i++)
		diag_add_entry(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443,
			       i % 2 ? "10.9.0.1" : "10.9.0.2", (uint16_t)(30000 + i));
	diag_world_step(&w, s);
	f = diag_find(w.d, "syn_recv");
	assert_non_null(f);
	diag_assert_contains(f->title,
			     "150 half-open connections pile up on port 443 (from 2 addresses)");
	assert_null(diag_find(w.d, "accept_queue"));
	diag_world_free(&w);

	/* 99: below the threshold. */
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	for (int i = 0; i < 99; i++)
		diag_add_entry(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443,
			       "10.9.0.1", (uint16_t)(30000 + i));
	diag_world_step(&w, s);
	diag_assert_quiet(w.d);
	diag_world_free(&w);
}

/* Host-wide counter rules need two samples with the counters present. */
static void
test_counter_rules(void **state)
{
	struct diag_world w;
	struct snapshot *s;
	const struct diag_finding *f;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t < 2; t++) {
		s = diag_snap_at(10 + 2 * t);
		diag_give_procs(s, 1);
		diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 8443, "0.0.0.0", 0), 0)
		    ->send_q = 16;
		s->entries[0].recv_q = 17;
		diag_world_set_counter(&w, KC_SYNCOOKIES_SENT,
				       1000 + 100u * (unsigned)t);                        /* 50/s */
		diag_world_set_counter(&w, KC_LISTEN_OVERFLOWS, 500 + 20u * (unsigned)t); /* 10/s */
		diag_world_set_counter(&w, KC_LISTEN_DROPS, 500 + 20u * (unsigned)t);
		diag_world_set_counter(&w, KC_OUT_SEGS, 10000 + 4000u * (unsigned)t); /* 2000/s */
		diag_world_set_counter(&w, KC_RETRANS_SEGS,
				       100 + 200u * (unsigned)t); /* 100/s: 5% */
		diag_world_step(&w, s);
		if (t == 0) {
			/* No rates yet: only the queue itself speaks. */
			assert_null(diag_find(w.d, "syncookies"));
			assert_null(diag_find(w.d, "listen_drops"));
			assert_null(diag_find(w.d, "retrans"));
		}
	}
	f = diag_find(w.d, "syncookies");
	assert_non_null(f);
	diag_assert_contains(f->title, "SYN cookies (50/s): a listen queue overflows");
	assert_int_equal(f->port, 8443);
	f = diag_find(w.d, "listen_drops");
	assert_non_null(f);
	diag_assert_contains(f->title, "10/s");
	assert_int_equal(f->pid, 100);
	f = diag_find(w.d, "retrans");
	assert_non_null(f);
	diag_assert_contains(f->title, "5.0% of segments sent (100/s of 2000/s)");
	f = diag_find(w.d, "accept_queue");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_CRITICAL);
	diag_assert_contains(f->title, "Port 8443's accept queue is full (17 of 16)");
	diag_world_free(&w);
}

/* Counters that are missing, stand still, or carry too little traffic
 * say nothing. */
static void
test_counter_rules_quiet(void **state)
{
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t < 3; t++) {
		struct snapshot *s = diag_snap_at(t);

		diag_world_set_counter(&w, KC_SYNCOOKIES_SENT, 7);
		diag_world_set_counter(&w, KC_LISTEN_OVERFLOWS, 9);
		diag_world_set_counter(&w, KC_OUT_SEGS, 50u * (unsigned)t);     /* below min_out */
		diag_world_set_counter(&w, KC_RETRANS_SEGS, 25u * (unsigned)t); /* 50%, ignored */
		diag_world_step(&w, s);
		diag_assert_quiet(w.d);
	}
	diag_world_free(&w);

	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t < 3; t++) {
		struct snapshot *s = diag_snap_at(t);

		w.counters.present = 0; /* a source without counters */
		w.counters.value[KC_SYNCOOKIES_SENT] = 1000u * (unsigned)t;
		diag_world_step(&w, s);
		diag_assert_quiet(w.d);
	}
	diag_world_free(&w);
}

/* TIME_WAIT toward one destination against a 100-port range. */
static void
test_time_wait_ports(void **state)
{
	struct diag_world w;
	struct snapshot *s;
	const struct diag_finding *f;
	unsigned int low, high;

	(void)state;
	diag_world_open(&w, NULL, "proc-small-range");
	s = diag_snap_at(0);
	diag_give_procs(s, 1);
	for (int i = 0; i < 65; i++)
		diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_TIME_WAIT, "10.0.0.1",
			       (uint16_t)(1000 + i), "10.0.0.5", 80);
	for (int i = 65; i < 75; i++)
		diag_own(diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_ESTABLISHED, "10.0.0.1",
					(uint16_t)(1000 + i), "10.0.0.5", 80),
			 0);
	/* Same ports toward another destination: a different tuple. */
	for (int i = 0; i < 50; i++)
		diag_add_entry(s, (uint64_t)(500 + i), TCP_STATE_TIME_WAIT, "10.0.0.1",
			       (uint16_t)(1000 + i), "10.0.0.6", 80);
	/* Server side, outside the range: not counted. */
	for (int i = 0; i < 200; i++)
		diag_add_entry(s, (uint64_t)(900 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", 80,
			       "10.0.0.7", (uint16_t)(30000 + i));
	diag_world_step(&w, s);
	diagnose_port_range(w.d, &low, &high);
	assert_int_equal(low, 1000);
	assert_int_equal(high, 1099);
	assert_int_equal(diag_count_id(w.d, "time_wait_ports"), 1);
	f = diag_find(w.d, "time_wait_ports");
	diag_assert_contains(f->title,
			     "Connections to 10.0.0.5:80 use 75% of the local port range");
	diag_assert_contains(f->title, "65 in TIME_WAIT");
	assert_string_equal(f->subject, "10.0.0.1 -> 10.0.0.5:80");
	assert_int_equal(f->pid, 100);
	assert_int_equal(f->severity, DIAG_WARNING);
	diag_world_free(&w);

	/* The kernel's default range: the same sockets are nothing. */
	diag_world_open(&w, NULL, "proc-default");
	s = diag_snap_at(0);
	for (int i = 0; i < 75; i++)
		diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_TIME_WAIT, "10.0.0.1",
			       (uint16_t)(40000 + i), "10.0.0.5", 80);
	diag_world_step(&w, s);
	diagnose_port_range(w.d, &low, &high);
	assert_int_equal(low, 32768);
	assert_int_equal(high, 60999);
	diag_assert_quiet(w.d);
	diag_world_free(&w);
}

static void
test_syn_sent(void **state)
{
	struct diag_world w;
	struct snapshot *s;
	const struct diag_finding *f;
	char addr[32];

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	diag_give_procs(s, 2);
	for (int i = 0; i < 60; i++)
		diag_own(diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_SYN_SENT, "10.0.0.1",
					(uint16_t)(40000 + i), "10.0.0.9", 443),
			 0);
	for (int i = 0; i < 60; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 2, 1 + i % 2);
		diag_own(diag_add_entry(s, (uint64_t)(100 + i), TCP_STATE_SYN_SENT, "10.0.0.1",
					(uint16_t)(41000 + i), addr, 22),
			 1);
	}
	for (int i = 0; i < 49; i++) /* below the threshold */
		diag_add_entry(s, (uint64_t)(200 + i), TCP_STATE_SYN_SENT, "10.0.0.1",
			       (uint16_t)(42000 + i), "10.0.0.8", 80);
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "syn_sent"), 2);
	for (size_t i = 0; i < diagnose_count(w.d); i++) {
		f = diagnose_get(w.d, i);
		if (f->pid == 100)
			diag_assert_contains(f->title,
					     "60 connection attempts to 10.0.0.9:443 that get no "
					     "answer");
		else if (f->pid == 101)
			diag_assert_contains(f->title,
					     "60 connection attempts pending to 60 different "
					     "destinations");
		else
			fail_msg("unexpected finding %s", f->key);
	}
	diag_world_free(&w);
}

static void
test_fin_wait1_last_ack(void **state)
{
	struct diag_world w;
	struct snapshot *s;
	const struct diag_finding *f;
	char addr[32];

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	for (int i = 0; i < 60; i++) /* orphans toward one dead peer */
		diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_FIN_WAIT1, "10.0.0.1", 80,
			       "10.0.0.7", (uint16_t)(30000 + i));
	for (int i = 0; i < 55; i++)
		diag_add_entry(s, (uint64_t)(100 + i), TCP_STATE_LAST_ACK, "10.0.0.1", 80,
			       "10.0.0.8", (uint16_t)(30000 + i));
	for (int i = 0; i < 200; i++) { /* spread over many peers: normal */
		snprintf(addr, sizeof(addr), "10.2.%d.%d", i / 100, 1 + i % 100);
		diag_add_entry(s, (uint64_t)(300 + i), TCP_STATE_FIN_WAIT1, "10.0.0.1", 80, addr,
			       30000);
	}
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "fin_wait1"), 1);
	assert_int_equal(diag_count_id(w.d, "last_ack"), 1);
	f = diag_find(w.d, "fin_wait1");
	assert_string_equal(f->key, "fin_wait1/10.0.0.7");
	diag_assert_contains(f->title, "60 connections to 10.0.0.7 are stuck in FIN_WAIT1");
	diag_assert_contains(f->next, "peer is gone");
	f = diag_find(w.d, "last_ack");
	diag_assert_contains(f->title, "55 connections to 10.0.0.8 are stuck in LAST_ACK");
	diag_world_free(&w);
}

/* FIN_WAIT2: only the ones older than fin_wait2.age_s count. */
static void
test_fin_wait2(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t <= 130; t += 10) {
		struct snapshot *s = diag_snap_at(t);

		diag_give_procs(s, 1);
		/* 12 from the start; 12 more from t = 20 */
		for (int i = 0; i < 12; i++)
			diag_own(diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_FIN_WAIT2,
						"10.0.0.1", (uint16_t)(40000 + i), "10.0.0.3",
						5000),
				 0);
		for (int i = 0; t >= 20 && i < 12; i++)
			diag_own(diag_add_entry(s, (uint64_t)(100 + i), TCP_STATE_FIN_WAIT2,
						"10.0.0.1", (uint16_t)(41000 + i), "10.0.0.3",
						5000),
				 0);
		diag_world_step(&w, s);
		if (t < 120)
			diag_assert_quiet(w.d);
	}
	f = diag_find(w.d, "fin_wait2");
	assert_non_null(f);
	/* At 130 s the first 12 are at least 130 s old, the others 110 s. */
	diag_assert_contains(f->title,
			     "proc0 (pid 100) has 12 connections half-closed for over 120 s");
	diag_assert_contains(f->title, "oldest at least 130 s");
	diag_world_free(&w);
}

/* ------------------------------------------------------------ piles spread over peers */

/* n sockets in `state` on local port `lport`, each toward its own peer
 * 10.3.x.y, cookies base..; owned by `proc` when >= 0. */
static void
add_spread(struct snapshot *snap, uint64_t base, int n, enum tcp_state state, uint16_t lport,
	   int proc)
{
	char addr[32];

	for (int i = 0; i < n; i++) {
		struct sock_entry *e;

		snprintf(addr, sizeof(addr), "10.3.%d.%d", i / 200, 1 + i % 200);
		e = diag_add_entry(snap, base + (uint64_t)i, state, "10.0.0.1",
				   (uint16_t)(lport != 0 ? lport : 40000 + i), addr, 50000);
		if (proc >= 0)
			diag_own(e, proc);
	}
}

/* Sockets spread over peers, as add_spread() makes them. */
struct spread {
	uint64_t base;
	int n;
	enum tcp_state state;
	uint16_t port; /* 0: each on its own ephemeral port */
	int proc;      /* owner, -1: none */
	bool churn;    /* new cookies every sample: none stays */
};

/* Feeds w `samples` samples one second apart from t0, each with the
 * `n` spreads, two processes, and a listener of process 0 on
 * listen_port (0: none); with `quiet`, asserts that nothing fires. */
static void
feed_spread(struct diag_world *w, double t0, int samples, const struct spread *sp, size_t n,
	    uint16_t listen_port, bool quiet)
{
	for (int t = 0; t < samples; t++) {
		struct snapshot *s = diag_snap_at(t0 + t);

		diag_give_procs(s, 2);
		if (listen_port != 0)
			diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "0.0.0.0", listen_port,
						"0.0.0.0", 0),
				 0)
			    ->send_q = 128;
		for (size_t i = 0; i < n; i++) {
			uint64_t base = sp[i].base + (sp[i].churn ? 100000 * (uint64_t)t : 0);

			add_spread(s, base, sp[i].n, sp[i].state, sp[i].port, sp[i].proc);
		}
		diag_world_step(w, s);
		if (quiet)
			diag_assert_quiet(w->d);
	}
}

/* A server shut down under load: 300 connections it closed, each toward
 * its own client, none of which acknowledges.  No peer reaches
 * fin_wait1.min; the port does, once they have been stuck for
 * fin_wait1.age_s. */
static void
test_fin_wait1_spread_port(void **state)
{
	static const struct spread sp[] = {{100, 300, TCP_STATE_FIN_WAIT1, 8080, 1, false}};
	struct diag_world w;
	const struct diag_finding *f;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	feed_spread(&w, 10, 1, sp, 1, 8080, true); /* at least 0 s: not stuck yet */
	feed_spread(&w, 11, 2, sp, 1, 8080, false);
	assert_int_equal(diag_count_id(w.d, "fin_wait1"), 1);
	f = diag_find(w.d, "fin_wait1");
	assert_string_equal(f->key, "fin_wait1/port:8080");
	assert_string_equal(f->subject, "port 8080");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->pid, 101);
	assert_string_equal(f->comm, "proc1");
	diag_assert_contains(f->title,
			     "300 connections of proc1 (pid 101) on port 8080 are stuck in "
			     "FIN_WAIT1 toward 300 peers");
	diag_assert_contains(f->evidence,
			     "300 in FIN_WAIT1 for 1 s or more (threshold 100) toward 300 "
			     "peer addresses, oldest at least 2 s");
	diag_assert_contains(f->next, "state fin-wait-1 sport = :8080");
	assert_true(f->level >= 3.0 && f->level < 3.01);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_true(f->since == 11.0);
	diag_world_free(&w);
}

/* A pile toward one peer is that peer's finding, not the port's too;
 * the rest of the port's sockets still make one. */
static void
test_fin_wait1_peer_and_port(void **state)
{
	static const struct spread sp[] = {{100, 150, TCP_STATE_FIN_WAIT1, 80, -1, false}};
	struct diag_world w;
	const struct diag_finding *f;

	(void)state;
	for (size_t with_spread = 0; with_spread < 2; with_spread++) {
		diag_world_open(&w, NULL, NULL);
		for (int t = 0; t < 2; t++) {
			struct snapshot *s = diag_snap_at(t);

			for (int i = 0; i < 120; i++)
				diag_add_entry(s, (uint64_t)(5000 + i), TCP_STATE_FIN_WAIT1,
					       "10.0.0.1", 80, "10.0.0.7", (uint16_t)(30000 + i));
			if (with_spread)
				add_spread(s, sp[0].base, sp[0].n, sp[0].state, sp[0].port,
					   sp[0].proc);
			diag_world_step(&w, s);
		}
		assert_int_equal(diag_count_id(w.d, "fin_wait1"), 1 + with_spread);
		for (size_t i = 0; i < diagnose_count(w.d); i++) {
			f = diagnose_get(w.d, i);
			if (strcmp(f->key, "fin_wait1/port:80") == 0)
				diag_assert_contains(f->title,
						     "150 connections on port 80 are stuck in "
						     "FIN_WAIT1 toward 150 peers");
			else
				assert_string_equal(f->key, "fin_wait1/10.0.0.7");
		}
		diag_world_free(&w);
	}
}

/* LAST_ACK likewise; closed sockets have no owner, so the listener names
 * the process, or the port stands alone. */
static void
test_last_ack_spread_port(void **state)
{
	static const struct spread sp[] = {{100, 300, TCP_STATE_LAST_ACK, 443, -1, false}};
	struct diag_world w;
	const struct diag_finding *f;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	feed_spread(&w, 0, 2, sp, 1, 443, false);
	assert_int_equal(diag_count_id(w.d, "last_ack"), 1);
	f = diag_find(w.d, "last_ack");
	assert_string_equal(f->key, "last_ack/port:443");
	assert_int_equal(f->port, 443);
	assert_int_equal(f->pid, 100);
	assert_string_equal(f->comm, "proc0");
	diag_assert_contains(f->title,
			     "300 connections of proc0 (pid 100) on port 443 are stuck in "
			     "LAST_ACK toward 300 peers: they do not acknowledge our FIN "
			     "after closing their side");
	diag_world_free(&w);

	diag_world_open(&w, NULL, NULL);
	feed_spread(&w, 0, 2, sp, 1, 0, false);
	f = diag_find(w.d, "last_ack");
	assert_non_null(f);
	assert_int_equal(f->pid, 0);
	diag_assert_contains(f->title, "300 connections on port 443 are stuck in LAST_ACK");
	diag_world_free(&w);
}

/* A client process: stuck FIN_WAIT1 sockets on its ephemeral ports toward
 * many peers, no port or peer with more than one. */
static void
test_fin_wait1_spread_process(void **state)
{
	static const struct spread sp[] = {
		{100, 150, TCP_STATE_FIN_WAIT1, 0, 1, false},
		{1000, 90, TCP_STATE_LAST_ACK, 0, 0, false}, /* below 100 */
	};
	struct diag_world w;
	const struct diag_finding *f;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	feed_spread(&w, 0, 2, sp, 2, 0, false);
	assert_int_equal(diag_count_id(w.d, "fin_wait1"), 1);
	assert_int_equal(diag_count_id(w.d, "last_ack"), 0);
	f = diag_find(w.d, "fin_wait1");
	assert_string_equal(f->key, "fin_wait1/pid:101");
	assert_int_equal(f->pid, 101);
	diag_assert_contains(f->title,
			     "proc1 (pid 101) has 150 connections stuck in FIN_WAIT1 toward "
			     "150 peers");
	diag_world_free(&w);
}

/* Below the thresholds, or not stuck, or spread over ports of no process:
 * nothing. */
static void
test_closing_spread_quiet(void **state)
{
	static const struct {
		const char *config;
		struct spread sp[2];
		size_t n;
	} cases[] = {
		/* 99 stuck on one port, 99 in LAST_ACK on another */
		{NULL,
		 {{100, 99, TCP_STATE_FIN_WAIT1, 80, -1, false},
		  {1000, 99, TCP_STATE_LAST_ACK, 81, -1, false}},
		 2},
		/* 300 every sample but new ones: a busy server's churn */
		{NULL, {{1000, 300, TCP_STATE_FIN_WAIT1, 80, -1, true}}, 1},
		/* 300 stuck orphans on 300 ephemeral ports: no pile anywhere */
		{NULL, {{100, 300, TCP_STATE_FIN_WAIT1, 0, -1, false}}, 1},
		/* stuck for 3 s is not stuck for 5 */
		{"fin_wait1.age_s = 5\n", {{100, 300, TCP_STATE_FIN_WAIT1, 80, -1, false}}, 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct diag_world w;

		diag_world_open(&w, cases[i].config, NULL);
		feed_spread(&w, 0, 4, cases[i].sp, cases[i].n, 0, true);
		diag_world_free(&w);
	}
}

/* Hysteresis of a finding grouped by local port: fires, holds between
 * the thresholds, is marked clearing below half, clears after
 * quiet_samples. */
static void
test_hysteresis_port(void **state)
{
	static const struct {
		int n;
		bool shown;
		bool clearing;
	} steps[] = {
		{300, false, false}, /* first sample: ages unknown */
		{300, true, false},  /* stuck: fires */
		{70, true, false},   /* 0.7 of fin_wait1.port_min: holds */
		{40, true, true},    /* below half: 1st quiet sample */
		{40, true, true},    /* 2nd */
		{40, false, false},  /* 3rd: cleared */
		{90, false, false},  /* 50 new ones: 40 stuck, stays off */
		{150, false, false}, /* 90 stuck: between the thresholds */
		{150, true, false},  /* 150 stuck: fires again */
	};
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct snapshot *s = diag_snap_at(20 + (double)k);
		const struct diag_finding *f;

		/* The same cookies: the first n of the 300 stay stuck. */
		add_spread(s, 100, steps[k].n, TCP_STATE_FIN_WAIT1, 8080, -1);
		diag_world_step(&w, s);
		f = diag_find(w.d, "fin_wait1");
		if ((f != NULL) != steps[k].shown)
			fail_msg("step %zu (%d sockets): finding %s", k, steps[k].n,
				 f != NULL ? "shown" : "missing");
		if (f == NULL)
			continue;
		assert_string_equal(f->key, "fin_wait1/port:8080");
		if (f->clearing != steps[k].clearing)
			fail_msg("step %zu: clearing is %d", k, f->clearing);
		if (k == 2)
			diag_assert_contains(f->title, "70 connections on port 8080");
		if (k >= 1 && k <= 4)
			assert_true(f->since == 21.0);
	}
	diag_world_free(&w);
}

/* SYN_SENT toward one destination from a pool of processes, each with a
 * few attempts: no process reaches syn_sent.min, the destination does. */
static void
test_syn_sent_dest(void **state)
{
	struct diag_world w;
	struct snapshot *s;
	const struct diag_finding *f;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(0);
	diag_give_procs(s, 8);
	for (int i = 0; i < 64; i++) /* 8 workers, 8 each */
		diag_own(diag_add_entry(s, (uint64_t)(1 + i), TCP_STATE_SYN_SENT, "10.0.0.1",
					(uint16_t)(40000 + i), "10.0.0.9", 5432),
			 i % 8);
	for (int i = 0; i < 40; i++) /* 2 workers, 20 each: below 50 */
		diag_own(diag_add_entry(s, (uint64_t)(100 + i), TCP_STATE_SYN_SENT, "10.0.0.1",
					(uint16_t)(41000 + i), "10.0.0.10", 6379),
			 i % 2);
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "syn_sent"), 1);
	f = diag_find(w.d, "syn_sent");
	assert_string_equal(f->key, "syn_sent/10.0.0.9:5432");
	assert_string_equal(f->subject, "10.0.0.9:5432");
	diag_assert_contains(f->title,
			     "64 connection attempts from several processes to 10.0.0.9:5432 "
			     "get no answer");
	diag_assert_contains(f->evidence, "threshold 50");
	diag_world_free(&w);
}

/* ------------------------------------------------------------ the rule table */

/* The KEYS part of tcpdeck.conf(5) that the table makes: a subsection per
 * rule with its description, and each key with its default and help. */
static void
write_keys_section(FILE *out)
{
	fputs(".\\\" Made from the rule table (src/model/diagnose_rules.c) by\n"
	      ".\\\" `make update-conf-man`; test_diagnose checks that it is up to date.\n",
	      out);
	for (int r = 0; r < DIAG_RULE_COUNT; r++) {
		struct diag_rule_info info;
		const char *sep = "";

		assert_int_equal(diag_rule_info((enum diag_rule)r, &info), 0);
		fprintf(out, ".SS \"%s (diagnosis %s, by ", info.title, info.id);
		for (int by = 0; by < DIAG_BY_COUNT; by++)
			if (info.groupings & (1u << by)) {
				fprintf(out, "%s%s", sep,
					diag_grouping_name((enum diag_grouping)by));
				sep = ", ";
			}
		fprintf(out, ")\"\n%s\n", info.description);
		for (const struct diag_key_def *k = info.keys; k->name != NULL; k++)
			fprintf(out, ".TP\n.BR %s \" (%sdefault %g)\"\n%c%s.\n", k->name,
				k->integer ? "whole, " : "", k->def,
				toupper((unsigned char)k->help[0]), k->help + 1);
	}
}

/* Reads a whole file; NULL when it cannot. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (text != NULL && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

#define MAN_BEGIN ".\\\" BEGIN RULE KEYS\n"
#define MAN_END ".\\\" END RULE KEYS\n"

/* Unique ids; every key defined once, parsed, valid at its default and
 * in the man page with that default; the man page's list of the rules'
 * keys is the one the table makes.  With TCPDECK_UPDATE_CONF_MAN set
 * (make update-conf-man) the man page's list is rewritten instead. */
static void
test_rule_table(void **state)
{
	char path[512], *man, *begin, *end, *made;
	size_t made_len;
	int defined[DIAG_KEY_COUNT] = {0};
	FILE *mem;
	const char *dir = getenv("TESTS_SRCDIR");

	(void)state;
	for (int r = 0; r < DIAG_RULE_COUNT; r++) {
		struct diag_rule_info info;

		assert_int_equal(diag_rule_info((enum diag_rule)r, &info), 0);
		assert_string_equal(diag_rule_id((enum diag_rule)r), info.id);
		assert_true(info.title != NULL && info.title[0] != '\0');
		assert_true(info.description != NULL && strlen(info.description) > 20);
		assert_true(info.groupings != 0);
		assert_true(info.level == DIAG_INFO || info.level == DIAG_WARNING ||
			    info.level == DIAG_CRITICAL);
		for (int q = 0; q < r; q++)
			assert_string_not_equal(info.id, diag_rule_id((enum diag_rule)q));
		assert_non_null(info.keys[0].name); /* every rule has a threshold */
		for (const struct diag_key_def *k = info.keys; k->name != NULL; k++) {
			assert_true((unsigned int)k->key < DIAG_KEY_COUNT);
			defined[k->key]++;
			assert_int_equal(diag_config_key_find(k->name), k->key);
			assert_ptr_equal(diag_config_key_def(k->key), k);
			/* The key's name is the rule's (or its family's). */
			assert_non_null(strchr(k->name, '.'));
		}
	}
	assert_int_equal(diag_rule_info(DIAG_RULE_COUNT, &(struct diag_rule_info){0}), -1);
	for (int k = 0; k < DIAG_KEY_COUNT; k++) {
		const struct diag_key_def *def = diag_config_key_def((enum diag_key)k);

		assert_non_null(def);
		/* A rule's key is defined by that rule alone; the others
		 * (hysteresis, listing) by none. */
		assert_true(defined[k] <= 1);
		assert_true(defined[k] == 1 || strncmp(def->name, "hysteresis.", 11) == 0 ||
			    strncmp(def->name, "findings.", 9) == 0);
	}

	snprintf(path, sizeof(path), "%s/../doc/tcpdeck.conf.5", dir != NULL ? dir : "tests");
	man = slurp(path);
	if (man == NULL)
		fail_msg("cannot read %s", path);
	mem = open_memstream(&made, &made_len);
	assert_non_null(mem);
	write_keys_section(mem);
	assert_int_equal(fclose(mem), 0);
	begin = strstr(man, MAN_BEGIN);
	end = begin != NULL ? strstr(begin, MAN_END) : NULL;
	if (begin == NULL || end == NULL)
		fail_msg("%s has no '%s' ... '%s' part", path, MAN_BEGIN, MAN_END);
	begin += strlen(MAN_BEGIN);
	if (getenv("TCPDECK_UPDATE_CONF_MAN") != NULL) {
		FILE *out = fopen(path, "w");

		assert_non_null(out);
		fwrite(man, 1, (size_t)(begin - man), out);
		fputs(made, out);
		fputs(end, out);
		assert_int_equal(fclose(out), 0);
		printf("rewrote the rules' keys in %s\n", path);
		free(man);
		man = slurp(path);
		assert_non_null(man);
	} else if ((size_t)(end - begin) != made_len || memcmp(begin, made, made_len) != 0) {
		fail_msg("the rules' keys in %s differ from the rule table: run `make "
			 "update-conf-man` and check the diff",
			 path);
	}
	/* Every key, with its default, as the man page lists it. */
	for (int k = 0; k < DIAG_KEY_COUNT; k++) {
		const struct diag_key_def *def = diag_config_key_def((enum diag_key)k);
		char line[160];

		snprintf(line, sizeof(line), ".BR %s \" (%sdefault %g)\"\n", def->name,
			 def->integer ? "whole, " : "", def->def);
		if (strstr(man, line) == NULL)
			fail_msg("%s does not list %s with its default: %s", path, def->name, line);
	}
	free(made);
	free(man);
}

/* ------------------------------------------------------------ cost */

enum { BIG_N = 100000, BIG_SAMPLES = 11 };

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

/*
 * 100,000 sockets in the mix bench/run.sh uses (70% ESTABLISHED, 20%
 * TIME_WAIT on client ports, 10% CLOSE_WAIT/FIN_WAIT2 pairs) over 500
 * processes: the findings must be the expected ones, and the median
 * cost of the tracker plus the rules is printed.
 */
static void
test_cost_100k(void **state)
{
	struct diag_world w;
	double times[BIG_SAMPLES], track[BIG_SAMPLES];

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int k = 0; k < BIG_SAMPLES; k++) {
		struct snapshot *s = diag_snap_at(100 + k);
		double t0;

		assert_int_equal(snapshot_reserve(s, BIG_N), 0);
		diag_give_procs(s, 500);
		for (int i = 0; i < BIG_N; i++) {
			int kind = i % 10;
			enum tcp_state st = kind < 7    ? TCP_STATE_ESTABLISHED
					    : kind < 9  ? TCP_STATE_TIME_WAIT
					    : i % 20 == 9 ? TCP_STATE_CLOSE_WAIT
							  : TCP_STATE_FIN_WAIT2;
			struct sock_entry *e = diag_add_entry(
			    s, (uint64_t)(1 + i), st, "127.0.0.1",
			    (uint16_t)(st == TCP_STATE_CLOSE_WAIT ? 9000 : 33000 + i % 28000),
			    "127.0.0.1", (uint16_t)(9000 + i % 50));

			if (st != TCP_STATE_TIME_WAIT)
				diag_own(e, (i / 20) % 500);
		}
		snapshot_seal(s);
		t0 = now_s();
		assert_int_equal(statetrack_update(w.st, s), 0);
		track[k] = now_s() - t0;
		assert_int_equal(diagnose_update(w.d, s, w.st), 0);
		times[k] = now_s() - t0;
		snapshot_unref(s);
	}
	/* 5,000 CLOSE_WAIT over 500 processes: 10 each, too few to be a
	 * pile; young. */
	diag_assert_quiet(w.d);
	/* The first two samples allocate. */
	qsort(times + 2, BIG_SAMPLES - 2, sizeof(times[0]), cmp_double);
	qsort(track + 2, BIG_SAMPLES - 2, sizeof(track[0]), cmp_double);
	printf("statetrack + diagnose: %d sockets, median %.2f ms (min %.2f, max %.2f), of which "
	       "statetrack %.2f ms\n",
	       BIG_N, times[2 + (BIG_SAMPLES - 2) / 2] * 1e3, times[2] * 1e3,
	       times[BIG_SAMPLES - 1] * 1e3, track[2 + (BIG_SAMPLES - 2) / 2] * 1e3);
	diag_world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_quiet_healthy),
	    cmocka_unit_test(test_close_wait_pile),
	    cmocka_unit_test(test_close_wait_old),
	    cmocka_unit_test(test_close_wait_growing),
	    cmocka_unit_test(test_close_wait_unowned),
	    cmocka_unit_test(test_hysteresis),
	    cmocka_unit_test(test_config_thresholds),
	    cmocka_unit_test(test_max_per_rule_and_order),
	    cmocka_unit_test(test_syn_recv),
	    cmocka_unit_test(test_counter_rules),
	    cmocka_unit_test(test_counter_rules_quiet),
	    cmocka_unit_test(test_time_wait_ports),
	    cmocka_unit_test(test_syn_sent),
	    cmocka_unit_test(test_fin_wait1_last_ack),
	    cmocka_unit_test(test_fin_wait2),
	    cmocka_unit_test(test_fin_wait1_spread_port),
	    cmocka_unit_test(test_fin_wait1_peer_and_port),
	    cmocka_unit_test(test_last_ack_spread_port),
	    cmocka_unit_test(test_fin_wait1_spread_process),
	    cmocka_unit_test(test_closing_spread_quiet),
	    cmocka_unit_test(test_hysteresis_port),
	    cmocka_unit_test(test_syn_sent_dest),
	    cmocka_unit_test(test_rule_table),
	    cmocka_unit_test(test_cost_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
