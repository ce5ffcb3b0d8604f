/*
 * test_diagnose_peers.c - the findings about the other end: dead peers
 * (dead_peer), TIME_WAIT on a listening port before a restart
 * (time_wait_restart, a note) and resets in a burst (resets).  Each fires,
 * holds and clears, and stays quiet below its thresholds.
 *
 * Samples are snapshots built by hand (cookies, states, addresses, timers,
 * tcp_info times, owners, kernel counters, monotonic times), fed through a
 * real state tracker; the ephemeral port range is the kernel's default
 * (tests/data/diag/proc-default).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

/* A diag_world that, with `hold`, also keeps the sample before
 * referenced until the next step, as a screen does: whether the
 * findings let a sample go depends on it. */
struct world {
	struct diag_world dw;
	bool hold; /* keep the sample before referenced */
	struct snapshot *held;
	unsigned int steps;
};

/* A world with the default thresholds changed by `config` lines (NULL:
 * none). */
static void
world_init(struct world *w, const char *config)
{
	memset(w, 0, sizeof(*w));
	diag_world_open(&w->dw, config, NULL);
}

static void
world_free(struct world *w)
{
	snapshot_unref(w->held);
	diag_world_free(&w->dw);
}

static void
step(struct world *w, struct snapshot *snap)
{
	bool let_go;

	/* The findings let the sample before go (keeping records of it)
	 * unless someone else holds it too. */
	let_go = diagnose_let_go(w->dw.d);
	assert_true(let_go == (w->steps > 0 && !w->hold));
	snapshot_unref(w->held);
	w->held = w->hold ? snapshot_ref(snap) : NULL;
	diag_world_step(&w->dw, snap);
	w->steps++;
}

/* A server, proc0, listening on 10.0.0.1:8080. */
static void
add_server(struct snapshot *snap)
{
	diag_give_procs(snap, 2);
	diag_own(diag_add_entry(snap, 1, TCP_STATE_LISTEN, "10.0.0.1", 8080, "0.0.0.0", 0), 0)
	    ->send_q = 128;
}

/* An ESTABLISHED connection of the server, from client address
 * 10.0.1.(i + 1) (a port of its own, by cookie), with tcp_info: nothing received for recv_s, nothing sent for sent_s,
 * and `timer` armed (retransmitting `retrans` times). */
static struct sock_entry *
add_conn(struct snapshot *snap, uint64_t cookie, int i, double recv_s, double sent_s,
	 enum sock_timer timer, uint8_t retrans)
{
	char peer[32];
	struct sock_entry *e;

	snprintf(peer, sizeof(peer), "10.0.1.%d", i % 250 + 1);
	e = diag_own(diag_add_entry(snap, cookie, TCP_STATE_ESTABLISHED, "10.0.0.1", 8080, peer,
				    (uint16_t)(30000 + cookie % 30000)),
		     0);
	e->flags = SOCK_ENTRY_HAS_INFO;
	e->last_data_recv_ms = (uint32_t)(recv_s * 1000);
	e->last_data_sent_ms = (uint32_t)(sent_s * 1000);
	e->timer = (uint8_t)timer;
	e->retrans = retrans;
	if (timer == SOCK_TIMER_RETRANSMIT)
		e->send_q = 1448;
	return e;
}

/* ------------------------------------------------------------ dead_peer */

/* A server sending into the void: fires, holds while they stay, clears
 * (after "clearing") once they are gone. */
static void
test_dead_peer_sending(void **state)
{
	const struct diag_finding *f;
	struct world w;

	(void)state;
	world_init(&w, NULL);
	for (int t = 0; t < 3; t++) {
		struct snapshot *s = diag_snap_at(100 + t);

		add_server(s);
		for (int i = 0; i < 6; i++)
			add_conn(s, (uint64_t)(10 + i), i, 70 + t + i, 70 + t + i,
				 SOCK_TIMER_RETRANSMIT, 5);
		/* A healthy connection on the same port. */
		add_conn(s, 99, 50, 0.1, 0.1, SOCK_TIMER_NONE, 0);
		step(&w, s);
		f = diag_find(w.dw.d, "dead_peer");
		assert_non_null(f);
		assert_int_equal(diag_count_id(w.dw.d, "dead_peer"), 1);
		assert_int_equal(diagnose_count(w.dw.d), 1);
		assert_int_equal(f->severity, DIAG_WARNING);
		assert_false(f->clearing);
		assert_string_equal(f->key, "dead_peer/port:8080");
		assert_string_equal(f->subject, "port 8080");
		assert_int_equal(f->pid, 100);
		assert_string_equal(f->comm, "proc0");
		assert_int_equal(f->port, 8080);
		diag_assert_contains(f->title,
				     "6 connections on port 8080 of proc0 (pid 100) send into "
				     "the void: nothing received for 60 s or more");
		diag_assert_contains(f->evidence, "6 ESTABLISHED (threshold 5): 6 retransmitting");
		diag_assert_contains(f->next, "TCP_USER_TIMEOUT");
		assert_true(f->since == 100.0); /* held since it fired */
	}
	{
		char longest[32];

		snprintf(longest, sizeof(longest), "(longest %d s)", 70 + 2 + 5);
		diag_assert_contains(f->title, longest);
	}
	/* Gone: clearing for two samples, cleared at the third. */
	for (int t = 3; t < 6; t++) {
		struct snapshot *s = diag_snap_at(100 + t);

		add_server(s);
		step(&w, s);
		f = diag_find(w.dw.d, "dead_peer");
		if (t < 5) {
			assert_non_null(f);
			assert_true(f->clearing);
		} else {
			assert_null(f);
		}
	}
	diag_assert_quiet(w.dw.d);
	world_free(&w);
}

/* Silent both ways with no keepalive: the other sub-case, and the text
 * that says so; both kinds together are counted apart. */
static void
test_dead_peer_silent_and_mixed(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	s = diag_snap_at(10);
	add_server(s);
	for (int i = 0; i < 5; i++)
		add_conn(s, (uint64_t)(10 + i), i, 700, 650, SOCK_TIMER_NONE, 0);
	step(&w, s);
	f = diag_find(w.dw.d, "dead_peer");
	assert_non_null(f);
	diag_assert_contains(f->title, "5 connections on port 8080 of proc0 (pid 100) have been "
				       "silent for 10 min or more with no keepalive");
	diag_assert_contains(f->title, "(longest 12 min)");
	diag_assert_contains(f->evidence, "0 retransmitting unanswered");
	diag_assert_contains(f->evidence, "5 with nothing sent or received for 600 s");
	diag_assert_contains(f->next, "SO_KEEPALIVE");
	diag_assert_contains(f->next, "idle timeout");

	s = diag_snap_at(11);
	add_server(s);
	for (int i = 0; i < 5; i++)
		add_conn(s, (uint64_t)(10 + i), i, 701, 651, SOCK_TIMER_NONE, 0);
	for (int i = 5; i < 8; i++)
		add_conn(s, (uint64_t)(10 + i), i, 90, 90, SOCK_TIMER_RETRANSMIT, 6);
	step(&w, s);
	f = diag_find(w.dw.d, "dead_peer");
	assert_non_null(f);
	diag_assert_contains(f->title, "8 connections on port 8080 of proc0 (pid 100) look dead: 3 "
				       "send into the void, 5 are silent with no keepalive");
	world_free(&w);
}

/* Below each threshold: too few, too recent, too few retransmissions, a
 * keepalive armed, sent recently, data unread, no tcp_info, other
 * states. */
static void
test_dead_peer_quiet(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, NULL);
	for (int t = 0; t < 3; t++) {
		struct snapshot *s = diag_snap_at(t);
		uint64_t c = 10;

		add_server(s);
		for (int i = 0; i < 4; i++) /* four dead: one short of min */
			add_conn(s, c++, i, 70, 70, SOCK_TIMER_RETRANSMIT, 5);
		for (int i = 0; i < 6; i++) {
			add_conn(s, c++, 10 + i, 50, 50, SOCK_TIMER_RETRANSMIT, 5);
			add_conn(s, c++, 20 + i, 70, 70, SOCK_TIMER_RETRANSMIT, 2);
			add_conn(s, c++, 30 + i, 700, 700, SOCK_TIMER_KEEPALIVE, 0);
			add_conn(s, c++, 40 + i, 700, 30, SOCK_TIMER_NONE, 0);
			add_conn(s, c++, 50 + i, 700, 700, SOCK_TIMER_NONE, 0)->recv_q = 10;
			add_conn(s, c++, 60 + i, 700, 700, SOCK_TIMER_ZERO_WINDOW_PROBE, 0);
			add_conn(s, c++, 70 + i, 700, 700, SOCK_TIMER_NONE, 0)->flags = 0;
			add_conn(s, c++, 80 + i, 700, 700, SOCK_TIMER_NONE, 0)->state =
			    TCP_STATE_CLOSE_WAIT;
		}
		step(&w, s);
		assert_null(diag_find(w.dw.d, "dead_peer"));
	}
	world_free(&w);
	/* The same dead connections do fire with smaller thresholds. */
	world_init(&w, "dead_peer.min = 2\ndead_peer.retrans_s = 1\ndead_peer.idle_s = 5\n");
	{
		struct snapshot *s = diag_snap_at(0);

		add_server(s);
		add_conn(s, 10, 1, 2, 2, SOCK_TIMER_RETRANSMIT, 3);
		add_conn(s, 11, 2, 6, 6, SOCK_TIMER_NONE, 0);
		step(&w, s);
		assert_non_null(diag_find(w.dw.d, "dead_peer"));
		diag_assert_contains(diag_find(w.dw.d, "dead_peer")->title, "2 connections");
		diag_assert_contains(diag_find(w.dw.d, "dead_peer")->evidence,
				     "1 retransmitting unanswered (3 or more times) with nothing "
				     "received for 1 s, 1 with nothing sent or received for 5 s");
	}
	world_free(&w);
}

/* A client whose server is gone: its connections from ephemeral ports
 * toward one destination make one finding, named by the destination,
 * not one per local port. */
static void
test_dead_peer_client(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, "dead_peer.min = 1\n");
	s = diag_snap_at(0);
	diag_give_procs(s, 2);
	for (int i = 0; i < 3; i++) {
		struct sock_entry *e =
		    diag_own(diag_add_entry(s, (uint64_t)(10 + i), TCP_STATE_ESTABLISHED,
					    "10.0.0.1", (uint16_t)(50000 + i), "10.0.9.9", 5432),
			     1);

		e->flags = SOCK_ENTRY_HAS_INFO;
		e->last_data_recv_ms = 80000;
		e->last_data_sent_ms = 5000;
		e->timer = SOCK_TIMER_RETRANSMIT;
		e->retrans = 4;
	}
	step(&w, s);
	assert_int_equal(diagnose_count(w.dw.d), 1);
	f = diag_find(w.dw.d, "dead_peer");
	assert_non_null(f);
	assert_string_equal(f->key, "dead_peer/10.0.0.1>10.0.9.9:5432");
	assert_string_equal(f->subject, "10.0.0.1 -> 10.0.9.9:5432");
	assert_int_equal(f->pid, 101);
	diag_assert_contains(
	    f->title, "3 connections of proc1 (pid 101) to 10.0.9.9:5432 send into the void");
	world_free(&w);
}

/* ------------------------------------------------------------ time_wait_restart */

static void
add_time_wait(struct snapshot *snap, uint64_t cookie, uint16_t lport, uint32_t expires_ms)
{
	struct sock_entry *e = diag_add_entry(snap, cookie, TCP_STATE_TIME_WAIT, "10.0.0.1", lport,
					      "10.0.1.7", (uint16_t)(40000 + cookie % 20000));

	e->timer = SOCK_TIMER_TIME_WAIT;
	e->timer_expires_ms = expires_ms;
}

/* A note, never more, however many; listed after warnings; says how long
 * a restart would fail; clears once nothing listens there. */
static void
test_time_wait_restart(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	s = diag_snap_at(0);
	add_server(s);
	add_time_wait(s, 10, 8080, 12000);
	add_time_wait(s, 11, 8080, 45000);
	add_time_wait(s, 12, 9090, 59000); /* nothing listens on 9090 */
	step(&w, s);
	assert_int_equal(diagnose_count(w.dw.d), 1);
	f = diag_find(w.dw.d, "time_wait_restart");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_INFO);
	assert_string_equal(diag_severity_name(f->severity), "info");
	assert_string_equal(f->key, "time_wait_restart/port:8080");
	assert_string_equal(f->subject, "port 8080");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->pid, 100);
	diag_assert_contains(f->title,
			     "A restart of the server on port 8080 (proc0 (pid 100)) without "
			     "SO_REUSEADDR would fail to bind for 45 s: 2 connections it "
			     "closed first are in TIME_WAIT");
	diag_assert_contains(f->evidence, "2 in TIME_WAIT on local port 8080 (threshold 1)");
	diag_assert_contains(f->next, "EADDRINUSE");

	/* 2,000 of them (level 2,000): still a note, and after a warning. */
	s = diag_snap_at(1);
	add_server(s);
	for (int i = 0; i < 2000; i++)
		add_time_wait(s, (uint64_t)(100 + i), 8080, 30000);
	for (int i = 0; i < 60; i++)
		diag_own(diag_add_entry(s, (uint64_t)(5000 + i), TCP_STATE_CLOSE_WAIT, "10.0.0.1",
					8080, "10.0.2.1", (uint16_t)(20000 + i)),
			 1);
	step(&w, s);
	assert_int_equal(diagnose_count(w.dw.d), 2);
	assert_string_equal(diagnose_get(w.dw.d, 0)->id, "close_wait");
	assert_string_equal(diagnose_get(w.dw.d, 1)->id, "time_wait_restart");
	assert_int_equal(diagnose_get(w.dw.d, 1)->severity, DIAG_INFO);
	diag_assert_contains(diagnose_get(w.dw.d, 1)->title, "2,000 connections");

	/* The listener goes: that is when a restart fails, and the note
	 * stays, the same finding (its key and time), saying the server is
	 * gone, naming the process that listened, until the last TIME_WAIT
	 * expires. */
	for (int t = 2; t < 5; t++) {
		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		add_time_wait(s, 100, 8080, (uint32_t)(30000 - 1000 * t));
		add_time_wait(s, 101, 8080, 5000);
		step(&w, s);
		f = diag_find(w.dw.d, "time_wait_restart");
		assert_non_null(f);
		assert_false(f->clearing);
		assert_string_equal(f->key, "time_wait_restart/port:8080");
		assert_true(f->since == 0);
		assert_int_equal(f->severity, DIAG_INFO);
		assert_int_equal(f->pid, 100);
		assert_string_equal(f->comm, "proc0");
		diag_assert_contains(f->title,
				     "The server on port 8080 (proc0 (pid 100)) is gone, and a "
				     "restart without SO_REUSEADDR fails to bind for");
		diag_assert_contains(f->title, "2 connections it closed first are in TIME_WAIT");
		diag_assert_contains(f->next, "EADDRINUSE");
	}
	diag_assert_contains(f->title, "fails to bind for 26 s");
	diag_assert_contains(f->evidence,
			     "nothing has listened there for 3 s (a port is remembered for 120 s)");
	diag_assert_contains(f->evidence, "the last expires in 26 s");
	/* The TIME_WAIT drains: clearing, then cleared. */
	for (int t = 5; t < 8; t++) {
		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		step(&w, s);
		f = diag_find(w.dw.d, "time_wait_restart");
		if (t < 7) {
			assert_non_null(f);
			assert_true(f->clearing);
		} else {
			assert_null(f);
		}
	}
	/* TIME_WAIT coming back on the port within the memory (a server
	 * draining connections after its listener closed) is named again. */
	s = diag_snap_at(8);
	diag_give_procs(s, 1);
	add_time_wait(s, 200, 8080, 0); /* no timer known */
	step(&w, s);
	f = diag_find(w.dw.d, "time_wait_restart");
	assert_non_null(f);
	diag_assert_contains(f->title,
			     "is gone, and a restart without SO_REUSEADDR fails to bind until "
			     "its 1 connections in TIME_WAIT expire (within 60 s)");
	world_free(&w);

	/* The memory expires: past time_wait_restart.memory_s after the last
	 * sample the port listened in, TIME_WAIT there is a client's
	 * business again. */
	world_init(&w, "time_wait_restart.memory_s = 3\n");
	s = diag_snap_at(0);
	add_server(s);
	add_time_wait(s, 10, 8080, 50000);
	step(&w, s);
	assert_non_null(diag_find(w.dw.d, "time_wait_restart"));
	for (int t = 1; t < 8; t++) {
		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		add_time_wait(s, 10, 8080, (uint32_t)(50000 - 1000 * t));
		step(&w, s);
		f = diag_find(w.dw.d, "time_wait_restart");
		if (t <= 3) { /* remembered: 3 s after the sample at 0 */
			assert_non_null(f);
			assert_false(f->clearing);
		} else if (t < 6) {
			assert_non_null(f);
			assert_true(f->clearing);
		} else {
			assert_null(f);
		}
	}
	world_free(&w);

	/* A port listening again is no longer remembered: the listener
	 * names it; a port that never listened is never named. */
	world_init(&w, NULL);
	s = diag_snap_at(0);
	add_server(s);
	step(&w, s);
	s = diag_snap_at(1);
	diag_give_procs(s, 1);
	add_time_wait(s, 10, 9090, 50000);
	step(&w, s);
	diag_assert_quiet(w.dw.d);
	s = diag_snap_at(2);
	add_server(s);
	add_time_wait(s, 10, 8080, 50000);
	step(&w, s);
	f = diag_find(w.dw.d, "time_wait_restart");
	assert_non_null(f);
	diag_assert_contains(f->title, "A restart of the server on port 8080");
	world_free(&w);

	/* A server on its way out: its last sample still dumps the listener
	 * but no longer finds its owner; the one seen before is named. */
	world_init(&w, NULL);
	s = diag_snap_at(0);
	add_server(s);
	step(&w, s);
	s = diag_snap_at(1);
	diag_give_procs(s, 1);
	diag_add_entry(s, 1, TCP_STATE_LISTEN, "10.0.0.1", 8080, "0.0.0.0", 0)->send_q = 128;
	add_time_wait(s, 10, 8080, 50000);
	step(&w, s);
	s = diag_snap_at(2);
	diag_give_procs(s, 1);
	add_time_wait(s, 10, 8080, 49000);
	step(&w, s);
	f = diag_find(w.dw.d, "time_wait_restart");
	assert_non_null(f);
	assert_int_equal(f->pid, 100);
	diag_assert_contains(f->title, "The server on port 8080 (proc0 (pid 100)) is gone");
	world_free(&w);

	/* Below time_wait_restart.min: quiet. */
	world_init(&w, "time_wait_restart.min = 3\n");
	s = diag_snap_at(0);
	add_server(s);
	add_time_wait(s, 10, 8080, 12000);
	add_time_wait(s, 11, 8080, 45000);
	step(&w, s);
	diag_assert_quiet(w.dw.d);
	world_free(&w);

	/* A port in the ephemeral range: TIME_WAIT there is taken for a
	 * client's, even under a listener. */
	world_init(&w, NULL);
	s = diag_snap_at(0);
	diag_give_procs(s, 1);
	diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "10.0.0.1", 40000, "0.0.0.0", 0), 0);
	add_time_wait(s, 10, 40000, 12000);
	step(&w, s);
	diag_assert_quiet(w.dw.d);
	world_free(&w);
}

/* ------------------------------------------------------------ resets */

/* Counters of a host at time t (1 s apart): `refused` attempts refused
 * per second from t0 on, `opens` per second always. */
static void
counters_at(struct world *w, int t, int t0, uint64_t refused, uint64_t aborted, uint64_t opens)
{
	uint64_t burst = t >= t0 ? (uint64_t)(t - t0 + 1) : 0;

	diag_world_set_counter(&w->dw, KC_ACTIVE_OPENS, (uint64_t)t * opens);
	diag_world_set_counter(&w->dw, KC_PASSIVE_OPENS, 0);
	diag_world_set_counter(&w->dw, KC_ATTEMPT_FAILS, burst * refused);
	diag_world_set_counter(&w->dw, KC_ESTAB_RESETS, burst * aborted);
	diag_world_set_counter(&w->dw, KC_OUT_RSTS, burst * (refused + aborted));
	diag_world_set_counter(&w->dw, KC_ABORT_ON_TIMEOUT, 0);
}

/* A client whose connection attempts to 10.0.5.5:9 are refused: the
 * counters say refused, the SYN_SENT sockets that vanished name the
 * destination and the client.  Fires, holds, clears. */
static void
resets_refused(bool hold)
{
	const struct diag_finding *f;
	struct world w;
	uint64_t cookie = 1000;

	world_init(&w, NULL);
	w.hold = hold;
	for (int t = 0; t < 8; t++) {
		struct snapshot *s = diag_snap_at(t);

		/* Refusals from t = 2 to t = 4. */
		counters_at(&w, t < 5 ? t : 4, 2, 200, 0, 200);
		diag_give_procs(s, 2);
		if (t < 5)
			for (int i = 0; i < 30; i++) { /* new attempts, gone by the next */
				struct sock_entry *e =
				    diag_add_entry(s, cookie++, TCP_STATE_SYN_SENT, "10.0.0.1",
						   (uint16_t)(45000 + i), "10.0.5.5", 9);

				/* The first one's owner not found yet. */
				if (i > 0)
					diag_own(e, 1);
			}
		for (int i = 0; i < 3; i++) /* one healthy established peer */
			diag_own(diag_add_entry(s, (uint64_t)(10 + i), TCP_STATE_ESTABLISHED,
						"10.0.0.1", (uint16_t)(50000 + i), "10.0.6.6", 443),
				 1);
		step(&w, s);
		f = diag_find(w.dw.d, "resets");
		if (t < 2 || t == 7) {
			assert_null(f);
			continue;
		}
		assert_non_null(f);
		assert_int_equal(f->severity, DIAG_CRITICAL); /* 10x: all refused */
		assert_string_equal(f->key, "resets/host");
		assert_true(f->since == 2.0);
		if (t >= 5) {
			assert_true(f->clearing);
			continue;
		}
		assert_false(f->clearing);
		assert_string_equal(f->subject, "10.0.5.5:9");
		assert_int_equal(f->pid, 101);
		diag_assert_contains(f->title,
				     "Connection attempts are refused with resets: 200/s, most "
				     "to 10.0.5.5:9 (proc1 (pid 101))");
		diag_assert_contains(f->evidence,
				     "OutRsts 200/s; EstabResets 0/s; AttemptFails 200/s");
		diag_assert_contains(f->evidence,
				     "30 sockets vanished since the previous sample (30 "
				     "connecting), 30 of them to 10.0.5.5:9, 30 with peer "
				     "10.0.5.5");
		diag_assert_contains(f->next, "nothing listens");
	}
	world_free(&w);
}

static void
test_resets_refused(void **state)
{
	(void)state;
	resets_refused(false);
}

/* The same while the sample before is held elsewhere (a screen, the
 * table's tracker): the findings read it through their reference then,
 * and name the same. */
static void
test_resets_refused_shared(void **state)
{
	(void)state;
	resets_refused(true);
}

/* A server's connections aborted: named by its port and process, and the
 * peer most of them had. */
static void
test_resets_aborted(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	counters_at(&w, 0, 1, 0, 50, 5);
	s = diag_snap_at(0);
	add_server(s);
	for (int i = 0; i < 40; i++) {
		struct sock_entry *e = add_conn(s, (uint64_t)(10 + i), i < 30 ? 7 : i, 1, 1,
						SOCK_TIMER_NONE, 0);

		/* Closed sockets are not the ones to reset. */
		if (i >= 36)
			e->state = TCP_STATE_LAST_ACK;
	}
	step(&w, s);
	diag_assert_quiet(w.dw.d);
	/* 50 reset in the second; 36 of those seen are gone. */
	counters_at(&w, 1, 1, 0, 50, 5);
	s = diag_snap_at(1);
	add_server(s);
	add_conn(s, 10, 7, 1, 1, SOCK_TIMER_NONE, 0);
	step(&w, s);
	f = diag_find(w.dw.d, "resets");
	assert_non_null(f);
	assert_string_equal(f->subject, "port 8080");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->pid, 100);
	diag_assert_contains(
	    f->title,
	    "Established connections are reset: 50/s, most on port 8080 (proc0 (pid 100))");
	diag_assert_contains(f->evidence, "opened 5/s");
	diag_assert_contains(f->evidence,
			     "35 sockets vanished since the previous sample (0 "
			     "connecting), 35 of them on port 8080, 29 with peer 10.0.1.8");
	diag_assert_contains(f->next, "SO_LINGER 0");
	world_free(&w);
}

/* Below the thresholds: too few per second; a small share of many
 * connections; a few within a short interval; attempts that timed out
 * rather than were refused.  Without a state tracker the counters alone
 * still speak. */
static void
test_resets_quiet(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, NULL);
	for (int t = 0; t < 4; t++) {
		struct snapshot *s = diag_snap_at(t);

		counters_at(&w, t, 0, 0, 9, 0); /* 9/s */
		step(&w, s);
		diag_assert_quiet(w.dw.d);
	}
	world_free(&w);

	world_init(&w, NULL);
	for (int t = 0; t < 4; t++) {
		struct snapshot *s = diag_snap_at(t);

		counters_at(&w, t, 0, 0, 500, 10000); /* 5% of opens */
		step(&w, s);
		diag_assert_quiet(w.dw.d);
	}
	world_free(&w);

	world_init(&w, NULL);
	for (int t = 0; t < 4; t++) {
		struct snapshot *s = diag_snap_at(t * 0.2);

		/* 9 per 0.2 s: 45/s, but fewer than 10 in the interval. */
		diag_world_set_counter(&w.dw, KC_OUT_RSTS, 9u * (unsigned)t);
		step(&w, s);
		diag_assert_quiet(w.dw.d);
	}
	world_free(&w);

	world_init(&w, NULL);
	for (int t = 0; t < 4; t++) {
		struct snapshot *s = diag_snap_at(t);

		counters_at(&w, t, 0, 0, 0, 100);
		diag_world_set_counter(&w.dw, KC_ATTEMPT_FAILS, 100u * (unsigned)t);
		diag_world_set_counter(&w.dw, KC_ABORT_ON_TIMEOUT, 100u * (unsigned)t);
		step(&w, s);
		diag_assert_quiet(w.dw.d);
	}
	world_free(&w);

	world_init(&w, NULL);
	for (int t = 0; t < 2; t++) {
		struct snapshot *s = diag_snap_at(t);

		counters_at(&w, t, 0, 0, 50, 0);
		s->counters = w.dw.counters;
		snapshot_seal(s);
		assert_int_equal(diagnose_update(w.dw.d, s, NULL), 0);
		snapshot_unref(s);
	}
	assert_non_null(diag_find(w.dw.d, "resets"));
	assert_string_equal(diag_find(w.dw.d, "resets")->subject, "host");
	diag_assert_contains(diag_find(w.dw.d, "resets")->title,
			     "Established connections are reset: 50/s");
	world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dead_peer_sending),
	    cmocka_unit_test(test_dead_peer_silent_and_mixed),
	    cmocka_unit_test(test_dead_peer_quiet),
	    cmocka_unit_test(test_dead_peer_client),
	    cmocka_unit_test(test_time_wait_restart),
	    cmocka_unit_test(test_resets_refused),
	    cmocka_unit_test(test_resets_refused_shared),
	    cmocka_unit_test(test_resets_aborted),
	    cmocka_unit_test(test_resets_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
