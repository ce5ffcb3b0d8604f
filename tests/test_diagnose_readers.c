/*
 * test_diagnose_readers.c - the findings about data that stops moving:
 * a process that stopped reading (stalled_reader) and a peer that stopped
 * reading, its zero window holding our sends (zero_window).  Each fires,
 * holds, clears, stays quiet below its thresholds and on healthy traffic
 * whose queues move.
 *
 * Samples are snapshots built by hand (cookies, states, addresses,
 * queues, tcp_info counters, owners, monotonic times) fed through a real
 * state tracker, which follows each connection's queues.  The ephemeral
 * port range comes from a /proc fixture (tests/data/diag).
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

/* An established connection with tcp_info, data neither queued nor
 * sent or received for a minute. */
static struct sock_entry *
add_conn(struct snapshot *snap, uint64_t cookie, const char *local, uint16_t lport,
	 const char *remote, uint16_t rport)
{
	struct sock_entry *e =
	    diag_add_entry(snap, cookie, TCP_STATE_ESTABLISHED, local, lport, remote, rport);

	e->flags = SOCK_ENTRY_HAS_INFO | SOCK_ENTRY_HAS_SND_WND;
	e->snd_wnd = 65536;
	e->last_data_recv_ms = 60000;
	e->last_data_sent_ms = 60000;
	return e;
}

/* ------------------------------------------------------------ scenes */

/*
 * A server (proc0 on port 8080) with `n` connections from 10.0.2.x whose
 * Recv-Q holds `unread` bytes; `read` bytes of each were read so far, the
 * last data came `last_recv_ms` ago.  Cookies from 1.
 */
static void
add_unread(struct snapshot *s, int n, uint32_t unread, uint64_t read, uint32_t last_recv_ms)
{
	for (int i = 0; i < n; i++) {
		char peer[32];
		struct sock_entry *e;

		snprintf(peer, sizeof(peer), "10.0.2.%d", 1 + i);
		e = diag_own(
		    add_conn(s, (uint64_t)(1 + i), "10.0.0.1", 8080, peer, (uint16_t)(40000 + i)),
		    0);
		e->recv_q = unread;
		e->bytes_received = read + unread;
		e->last_data_recv_ms = last_recv_ms;
	}
}

/* One more scene: `n` connections of proc0 from 10.0.0.1:8080 toward
 * peer `peer` (ports 50000 + i) whose Send-Q holds `unsent` bytes; cookies
 * from `cookie`.  The window is open unless the caller closes it. */
static void
add_unsent(struct snapshot *s, uint64_t cookie, int n, const char *peer, uint32_t unsent)
{
	for (int i = 0; i < n; i++) {
		struct sock_entry *e = diag_own(add_conn(s, cookie + (uint64_t)i, "10.0.0.1", 8080,
							 peer, (uint16_t)(50000 + i)),
						0);

		e->send_q = unsent;
		e->bytes_acked = 100000;
	}
}

/* ------------------------------------------------------------ stalled_reader */

/* Data waiting long enough at the first sample already (dated by the last
 * receive, a lower bound): fires at once, names the process, the port,
 * how many and the oldest, and what to look at. */
static void
test_reader_first_sample(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(100);
	diag_give_procs(s, 1);
	add_unread(s, 4, 4096, 6, 6124);
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "stalled_reader"), 1);
	assert_int_equal(diagnose_count(w.d), 1);
	f = diag_find(w.d, "stalled_reader");
	assert_int_equal(f->pid, 100);
	assert_string_equal(f->comm, "proc0");
	assert_string_equal(f->key, "stalled_reader/pid:100");
	assert_string_equal(f->subject, "proc0 (pid 100)");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_string_equal(f->title, "proc0 (pid 100) stopped reading: 4 connections on port 8080 "
				      "hold data it does not read, oldest waiting at least 6 s");
	diag_assert_contains(f->evidence,
			     "4 established with data in Recv-Q of which nothing was read "
			     "for 5 s or more (threshold 3 connections); 16,384 bytes unread");
	diag_assert_contains(f->evidence, "oldest at least 6 s: 10.0.0.1:8080 -> 10.0.2.1:40000, "
					  "Recv-Q 4,096");
	diag_assert_contains(f->next, "`strace -f -p 100`");
	diag_assert_contains(f->next, "`top -H -p 100`");
	diag_assert_contains(f->next, "logs");
	diag_world_free(&w);
}

/* Fresh at first: fires once the data has waited stalled_reader.age_s,
 * holds while some connections still wait, clears (after
 * hysteresis.quiet_samples) once the process reads again. */
static void
test_reader_fires_holds_clears(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t <= 6; t++) {
		s = diag_snap_at(10 + t);
		diag_give_procs(s, 1);
		/* Nothing queued at first; then more arrives each second and
		 * none is read: what was read (6 bytes) does not move. */
		add_unread(s, 6, t == 0 ? 0 : 1000 + 100 * (uint32_t)t, 6, 0);
		diag_world_step(&w, s);
		if (t < 6)
			diag_assert_quiet(w.d);
	}
	f = diag_find(w.d, "stalled_reader");
	assert_non_null(f);
	diag_assert_contains(f->title, "6 connections on port 8080");
	/* Not "at least": it was seen to begin. */
	diag_assert_contains(f->title, "oldest waiting 5 s");
	assert_false(f->clearing);
	assert_true(f->since == 16.0);

	/* Four of them are read (what was read moves): two still wait, 2/3
	 * of the threshold, above the clearing half: the finding holds. */
	s = diag_snap_at(17);
	diag_give_procs(s, 1);
	add_unread(s, 6, 1500, 6, 0);
	for (size_t i = 2; i < 6; i++) {
		s->entries[i].recv_q = 10;
		s->entries[i].bytes_received = 2000;
	}
	diag_world_step(&w, s);
	f = diag_find(w.d, "stalled_reader");
	assert_non_null(f);
	assert_false(f->clearing);
	assert_true(f->since == 16.0);
	diag_assert_contains(f->title, "2 connections on port 8080");

	/* All read: clearing for three samples, then gone. */
	for (int t = 18; t <= 20; t++) {
		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		add_unread(s, 6, 0, 6000 + (uint64_t)t, 0);
		diag_world_step(&w, s);
		f = diag_find(w.d, "stalled_reader");
		if (t < 20) {
			assert_non_null(f);
			assert_true(f->clearing);
		} else {
			assert_null(f);
		}
	}
	diag_assert_quiet(w.d);
	diag_world_free(&w);
}

/* Below the thresholds, and what only looks like a stall. */
static void
test_reader_quiet(void **state)
{
	struct diag_world w;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t <= 20; t++) {
		struct sock_entry *e;

		s = diag_snap_at(t);
		diag_give_procs(s, 2);
		/* Two never read: one below stalled_reader.min. */
		add_unread(s, 2, 500, 6, 30000);
		/* Always data queued, always some read: a busy reader. */
		for (int i = 0; i < 5; i++) {
			e = diag_own(add_conn(s, (uint64_t)(100 + i), "10.0.0.1", 8080, "10.0.3.1",
					      (uint16_t)(41000 + i)),
				     1);
			e->recv_q = 2000;
			e->bytes_received = 2000 + 1000 * (uint64_t)t;
			e->last_data_recv_ms = 0;
		}
		/* Unread for 4 s at most: under stalled_reader.age_s. */
		for (int i = 0; i < 5; i++) {
			e = diag_own(add_conn(s, (uint64_t)(200 + i + 10 * (t / 4)), "10.0.0.1",
					      8081, "10.0.3.2", (uint16_t)(42000 + i)),
				     1);
			e->recv_q = 300;
			e->bytes_received = 300;
			e->last_data_recv_ms = (uint32_t)(t % 4) * 1000;
		}
		/* A full accept queue is not unread data. */
		e = diag_own(add_conn(s, 300, "0.0.0.0", 8082, "0.0.0.0", 0), 1);
		e->state = TCP_STATE_LISTEN;
		e->recv_q = 129;
		e->send_q = 128;
		/* An unread FIN is CLOSE_WAIT's business. */
		for (int i = 0; i < 5; i++) {
			e = diag_own(add_conn(s, (uint64_t)(400 + i), "10.0.0.1", 8083, "10.0.3.3",
					      (uint16_t)(43000 + i)),
				     1);
			e->state = TCP_STATE_CLOSE_WAIT;
			e->recv_q = 1;
			e->bytes_received = 1;
		}
		diag_world_step(&w, s);
		assert_int_equal(diag_count_id(w.d, "stalled_reader"), 0);
		assert_int_equal(diag_count_id(w.d, "zero_window"), 0);
	}
	diag_world_free(&w);
}

/* Not visible: per local port.  A client's connections: named by where
 * they go. */
static void
test_reader_unowned_and_client(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(1);
	diag_give_procs(s, 1);
	for (int i = 0; i < 3; i++) {
		struct sock_entry *e = add_conn(s, (uint64_t)(1 + i), "10.0.0.1", 9090, "10.0.2.1",
						(uint16_t)(40000 + i));

		e->recv_q = 100;
		e->bytes_received = 100;
		e->last_data_recv_ms = 10000;
		/* A client on ephemeral ports toward a database. */
		e = diag_own(add_conn(s, (uint64_t)(10 + i), "10.0.0.1", (uint16_t)(40000 + i),
				      "10.0.0.5", 5432),
			     0);
		e->recv_q = 200;
		e->bytes_received = 200;
		e->last_data_recv_ms = 20000 + 1000 * (uint32_t)i;
	}
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "stalled_reader"), 2);
	/* Worst (oldest) first within a rule is by level: both 1.0, then
	 * key order; look each up. */
	for (size_t i = 0; i < diagnose_count(w.d); i++) {
		f = diagnose_get(w.d, i);
		if (strcmp(f->key, "stalled_reader/port:9090") == 0) {
			assert_int_equal(f->pid, 0);
			assert_string_equal(f->subject, "port 9090");
			diag_assert_contains(f->title,
					     "The process on port 9090 (not visible) stopped "
					     "reading: 3 connections on port 9090");
			diag_assert_contains(f->next, "`strace -f -p PID`");
		} else {
			assert_string_equal(f->key, "stalled_reader/pid:100");
			assert_int_equal(f->port, 5432);
			diag_assert_contains(f->title,
					     "proc0 (pid 100) stopped reading: 3 connections "
					     "to 10.0.0.5:5432 hold data it does not read, "
					     "oldest waiting at least 22 s");
			diag_assert_contains(f->evidence, "oldest at least 22 s: 10.0.0.1:40002 -> "
							  "10.0.0.5:5432, Recv-Q 200");
		}
	}
	diag_world_free(&w);
}

/* Without tcp_info (a kernel or a source without it) Recv-Q that does not
 * change is the stall, seen to begin at the first sample. */
static void
test_reader_without_tcp_info(void **state)
{
	struct diag_world w;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, "stalled_reader.min = 2\nstalled_reader.age_s = 2\n", NULL);
	for (int t = 0; t <= 4; t++) {
		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		add_unread(s, 2, 700, 6, 60000);
		/* The second one's queue changes at 3. */
		if (t >= 3)
			s->entries[1].recv_q = 800;
		for (size_t i = 0; i < s->n_entries; i++)
			s->entries[i].flags = 0;
		diag_world_step(&w, s);
		if (t < 2)
			diag_assert_quiet(w.d);
		else if (t == 2)
			diag_assert_contains(
			    diag_find(w.d, "stalled_reader")->title,
			    "2 connections on port 8080 hold data it does not read, "
			    "oldest waiting at least 2 s");
	}
	/* One left at 4: below the threshold, above the clearing half. */
	diag_assert_contains(diag_find(w.d, "stalled_reader")->title, "1 connections on port 8080");
	diag_world_free(&w);
}

/* Thresholds come from the config; the age must be above zero. */
static void
test_reader_config(void **state)
{
	struct diag_world w;
	struct diag_config cfg;
	char err[DIAG_CONFIG_ERROR_MAX];
	struct snapshot *s;

	(void)state;
	diag_config_defaults(&cfg);
	assert_int_equal(diag_config_set(&cfg, "stalled_reader.age_s", "0", err, sizeof(err)), -1);
	diag_assert_contains(err, "must be from 0.1");
	assert_int_equal(diag_config_set(&cfg, "zero_window.age_s", "0", err, sizeof(err)), -1);
	assert_int_equal(diag_config_set(&cfg, "stalled_reader.min", "1.5", err, sizeof(err)), -1);
	diag_world_open(&w, "stalled_reader.min = 5\nstalled_reader.age_s = 60\n", NULL);
	s = diag_snap_at(1);
	diag_give_procs(s, 1);
	add_unread(s, 6, 100, 0, 59000); /* 6 of 5, but not old enough */
	diag_world_step(&w, s);
	diag_assert_quiet(w.d);
	s = diag_snap_at(2);
	diag_give_procs(s, 1);
	add_unread(s, 6, 100, 0, 60000);
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "stalled_reader"), 1);
	diag_assert_contains(diag_find(w.d, "stalled_reader")->evidence,
			     "for 60 s or more (threshold 5");
	diag_world_free(&w);
}

/* ------------------------------------------------------------ zero_window */

/* The zero-window probe timer at the first sample, dated by the last
 * data sent: fires at once, names the peer, the port and the sender. */
static void
test_zero_window_probe(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(50);
	diag_give_procs(s, 1);
	add_unsent(s, 1, 3, "10.0.3.1", 8192);
	for (size_t i = 0; i < 3; i++) {
		s->entries[i].timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
		s->entries[i].last_data_sent_ms = 7000 + 1000 * (uint32_t)i;
	}
	/* Another peer, two connections: below zero_window.min. */
	add_unsent(s, 10, 2, "10.0.3.2", 8192);
	s->entries[3].timer = s->entries[4].timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
	diag_world_step(&w, s);
	assert_int_equal(diagnose_count(w.d), 1);
	f = diag_find(w.d, "zero_window");
	assert_non_null(f);
	assert_string_equal(f->key, "zero_window/10.0.3.1");
	assert_string_equal(f->subject, "peer 10.0.3.1");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->pid, 100);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_string_equal(f->title, "Peer 10.0.3.1 stopped reading: 3 connections on port 8080 "
				      "cannot send, held by its zero window, oldest at least 9 s");
	diag_assert_contains(f->evidence,
			     "3 with data in Send-Q held by the peer's window for 5 s or "
			     "more (threshold 3 connections); 24,576 bytes unsent");
	diag_assert_contains(f->evidence,
			     "oldest at least 9 s: 10.0.0.1:8080 -> 10.0.3.1:50002, "
			     "Send-Q 8,192, zero-window probes; sending: proc0 (pid 100)");
	diag_assert_contains(f->next, "10.0.3.1");
	diag_assert_contains(f->next, "TCP_USER_TIMEOUT");
	diag_world_free(&w);
}

/* A window of 0 counts only when the kernel said so (flag); a window that
 * limits the sender most of each interval counts too, seen to begin one
 * interval back.  Fires, holds, clears. */
static void
test_zero_window_snd_wnd_and_rwnd(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t <= 10; t++) {
		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		/* Window 0, said by the kernel. */
		add_unsent(s, 1, 3, "10.0.3.1", 4000);
		for (size_t i = 0; i < 3; i++) {
			s->entries[i].snd_wnd = 0;
			s->entries[i].last_data_sent_ms = 1000;
		}
		/* Window 0 from a kernel that does not say: not known. */
		add_unsent(s, 10, 3, "10.0.3.2", 4000);
		for (size_t i = 3; i < 6; i++) {
			s->entries[i].snd_wnd = 0;
			s->entries[i].flags &= (uint8_t)~SOCK_ENTRY_HAS_SND_WND;
		}
		/* Limited by the window 800 ms of each second until 7; the
		 * finding then clears over three samples (8, 9, 10). */
		add_unsent(s, 20, 3, "10.0.3.3", 4000);
		for (size_t i = 6; i < 9; i++)
			s->entries[i].rwnd_limited_ms = 800 * (uint32_t)(t < 7 ? t : 7);
		diag_world_step(&w, s);
		assert_int_equal(diag_count_id(w.d, "zero_window"), t < 4    ? 0
								    : t < 5  ? 1
								    : t < 10 ? 2
									     : 1);
		if (t >= 8 && t < 10)
			for (size_t i = 0; i < diagnose_count(w.d); i++)
				assert_int_equal(diagnose_get(w.d, i)->clearing,
						 strcmp(diagnose_get(w.d, i)->key,
							"zero_window/10.0.3.3") == 0);
		if (t == 4)
			diag_assert_contains(
			    diag_find(w.d, "zero_window")->title,
			    "Peer 10.0.3.1 stopped reading: 3 connections on port 8080 "
			    "cannot send, held by its zero window, oldest at least 5 s");
	}
	for (size_t i = 0; i < diagnose_count(w.d); i++)
		assert_string_equal(diagnose_get(w.d, i)->key, "zero_window/10.0.3.1");
	diag_world_free(&w);

	/* The rwnd-limited one alone, to read its words. */
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t <= 6; t++) {
		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		add_unsent(s, 20, 3, "10.0.3.3", 4000);
		for (size_t i = 0; i < 3; i++)
			s->entries[i].rwnd_limited_ms = 800 * (uint32_t)(t < 7 ? t : 7);
		diag_world_step(&w, s);
		f = diag_find(w.d, "zero_window");
		if (t < 5) {
			assert_null(f);
			continue;
		}
		assert_non_null(f);
		/* Limited since the sample before the first that saw it. */
		diag_assert_contains(f->title, t == 5 ? "held by its receive window, oldest 5 s"
						      : "held by its receive window, oldest 6 s");
		diag_assert_contains(f->evidence, "limited by the window most of the time");
		assert_false(f->clearing);
	}
	diag_world_free(&w);
}

/* What is not a zero window: data in flight with the window open, a
 * retransmitting socket, a listener's backlog, one connection per peer. */
static void
test_zero_window_quiet(void **state)
{
	struct diag_world w;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t <= 20; t++) {
		struct sock_entry *e;

		s = diag_snap_at(t);
		diag_give_procs(s, 1);
		add_unsent(s, 1, 5, "10.0.3.1", 60000);
		for (size_t i = 0; i < 5; i++)
			s->entries[i].rwnd_limited_ms = 100 * (uint32_t)t; /* a tenth */
		add_unsent(s, 10, 5, "10.0.3.2", 60000);
		for (size_t i = 5; i < 10; i++) {
			s->entries[i].timer = SOCK_TIMER_RETRANSMIT;
			s->entries[i].retrans = 1;
		}
		e = diag_own(add_conn(s, 30, "0.0.0.0", 8082, "0.0.0.0", 0), 0);
		e->state = TCP_STATE_LISTEN;
		e->send_q = 128;
		e->timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
		for (int i = 0; i < 5; i++) {
			char peer[32];

			snprintf(peer, sizeof(peer), "10.0.4.%d", i + 1);
			add_unsent(s, (uint64_t)(40 + i), 1, peer, 5000);
			s->entries[s->n_entries - 1].timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
		}
		diag_world_step(&w, s);
		assert_int_equal(diag_count_id(w.d, "zero_window"), 0);
		assert_int_equal(diag_count_id(w.d, "stalled_reader"), 0);
	}
	diag_world_free(&w);
}

/* A client whose server stopped reading: the peer with its port; the
 * CLOSE_WAIT side of a half-closed connection counts too. */
static void
test_zero_window_client(void **state)
{
	struct diag_world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	diag_world_open(&w, "zero_window.min = 4\n", NULL);
	s = diag_snap_at(1);
	diag_give_procs(s, 1);
	for (int i = 0; i < 4; i++) {
		struct sock_entry *e = diag_own(add_conn(s, (uint64_t)(1 + i), "10.0.0.1",
							 (uint16_t)(45000 + i), "10.0.0.5", 443),
						0);

		e->send_q = 1000;
		e->timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
		e->last_data_sent_ms = 30000;
		if (i == 3)
			e->state = TCP_STATE_CLOSE_WAIT;
	}
	diag_world_step(&w, s);
	f = diag_find(w.d, "zero_window");
	assert_non_null(f);
	assert_int_equal(f->port, 443);
	diag_assert_contains(f->title,
			     "Peer 10.0.0.5 stopped reading: 4 connections to its port 443 "
			     "cannot send");
	diag_world_free(&w);
}

/* ------------------------------------------------------------ table, cost */

static void
test_rule_info(void **state)
{
	struct diag_rule_info info;

	(void)state;
	assert_int_equal(diag_rule_info(DIAG_RULE_STALLED_READER, &info), 0);
	assert_string_equal(info.id, "stalled_reader");
	assert_int_equal(info.groupings, 1u << DIAG_BY_PROCESS);
	assert_string_equal(info.keys[0].name, "stalled_reader.min");
	assert_string_equal(info.keys[1].name, "stalled_reader.age_s");
	assert_null(info.keys[2].name);
	assert_int_equal(diag_rule_info(DIAG_RULE_ZERO_WINDOW, &info), 0);
	assert_string_equal(info.id, "zero_window");
	assert_int_equal(info.groupings, 1u << DIAG_BY_PEER);
	assert_string_equal(info.keys[0].name, "zero_window.min");
	assert_int_equal(diag_config_key_default(DIAG_STALLED_READER_MIN), 3);
	assert_int_equal(diag_config_key_default(DIAG_STALLED_READER_AGE_S), 5);
	assert_int_equal(diag_config_key_default(DIAG_ZERO_WINDOW_MIN), 3);
	assert_int_equal(diag_config_key_default(DIAG_ZERO_WINDOW_AGE_S), 5);
	assert_string_equal(diag_rule_id(DIAG_RULE_ZERO_WINDOW), "zero_window");
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

enum { BIG_N = 100000, BIG_SAMPLES = 9 };

/*
 * 100,000 busy established connections, each with data queued both ways
 * that moves every sample (read, acknowledged), 200 processes: nothing
 * fires, and the cost of the tracker and the rules is printed.
 */
static void
test_busy_100k_quiet(void **state)
{
	struct diag_world w;
	double best = 1e9;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int k = 0; k < BIG_SAMPLES; k++) {
		struct snapshot *s = diag_snap_at(100 + k);
		double t0;

		assert_int_equal(snapshot_reserve(s, BIG_N), 0);
		diag_give_procs(s, 200);
		for (int i = 0; i < BIG_N; i++) {
			struct sock_entry *e = diag_own(add_conn(s, (uint64_t)(1 + i), "10.0.0.1",
								 (uint16_t)(8000 + i % 4),
								 i % 2 ? "10.0.5.1" : "10.0.5.2",
								 (uint16_t)(30000 + i % 30000)),
							i % 200);

			e->recv_q = 100 + (uint32_t)(i % 1000);
			e->bytes_received = 1000 * (uint64_t)k + e->recv_q + (uint64_t)i;
			e->last_data_recv_ms = 0;
			e->send_q = 2000;
			e->last_data_sent_ms = 0;
			e->rwnd_limited_ms = 100 * (uint32_t)k;
		}
		snapshot_seal(s);
		t0 = now_s();
		assert_int_equal(statetrack_update(w.st, s), 0);
		assert_int_equal(diagnose_update(w.d, s, w.st), 0);
		if (k >= 2 && now_s() - t0 < best)
			best = now_s() - t0;
		snapshot_unref(s);
		diag_assert_quiet(w.d);
	}
	printf("statetrack + diagnose, %d connections all with moving queues: best %.2f ms\n",
	       BIG_N, best * 1e3);
	diag_world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reader_first_sample),
	    cmocka_unit_test(test_reader_fires_holds_clears),
	    cmocka_unit_test(test_reader_quiet),
	    cmocka_unit_test(test_reader_unowned_and_client),
	    cmocka_unit_test(test_reader_without_tcp_info),
	    cmocka_unit_test(test_reader_config),
	    cmocka_unit_test(test_zero_window_probe),
	    cmocka_unit_test(test_zero_window_snd_wnd_and_rwnd),
	    cmocka_unit_test(test_zero_window_quiet),
	    cmocka_unit_test(test_zero_window_client),
	    cmocka_unit_test(test_rule_info),
	    cmocka_unit_test(test_busy_100k_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
