/*
 * test_diagnose_closes.c - the findings read from the connections the
 * kernel announces closed: a client opening a connection per request
 * (conn_per_request), a server closing connections as soon as it accepts
 * them (early_close), and close announcements lost (closes_lost).  Each
 * fires, holds and clears, and stays quiet where it must (long-lived
 * connections, clients that close first, data both ways, a long
 * interval).  Then the same through the pipeline, which must feed the
 * closed model before the findings.
 *
 * Samples are snapshots built by hand with their closes (struct
 * sock_close), fed through a real state tracker and closed model; the
 * ephemeral port range is the kernel's default
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

#include "closed.h"
#include "diag_config.h"
#include "diag_fixtures.h"
#include "diagnose.h"
#include "pipeline.h"
#include "snapshot.h"
#include "statetrack.h"

/* ------------------------------------------------------------ helpers */

/* A diagnoser that reads the closed connections too: each step feeds the
 * closed model between tracking and diagnosis, so diag_world's step will
 * not do. */
struct world {
	struct statetrack *st;
	struct diagnose *d;
	struct closed_model *closed;
	struct diag_config cfg;
};

static void
world_init(struct world *w, const char *config)
{
	memset(w, 0, sizeof(*w));
	diag_fixture_open(&w->cfg, config, NULL, &w->st, &w->d);
	w->closed = closed_model_new(0);
	assert_non_null(w->closed);
	diagnose_set_closed(w->d, w->closed);
}

static void
world_free(struct world *w)
{
	diagnose_free(w->d);
	statetrack_free(w->st);
	closed_model_free(w->closed);
}

/* A sample at t seconds that listened for closes, with the server proc0
 * (pid 100) listening on 10.0.0.1:8080. */
static struct snapshot *
sample(double t)
{
	struct snapshot *s = diag_snap_at(t);

	s->taken_wall.tv_sec = 1700000000 + (time_t)t;
	s->taken_wall.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	diag_give_procs(s, 1);
	diag_own(diag_add_entry(s, 1, TCP_STATE_LISTEN, "10.0.0.1", 8080, "0.0.0.0", 0), 0)
	    ->send_q = 128;
	s->has_closes = true;
	return s;
}

/* Room for n more closes in s; the first of them. */
static struct sock_close *
more_closes(struct snapshot *s, size_t n)
{
	struct sock_close *c = realloc(s->closed, (s->n_closed + n) * sizeof(*c));

	assert_non_null(c);
	s->closed = c;
	memset(&c[s->n_closed], 0, n * sizeof(*c));
	s->n_closed += n;
	return &c[s->n_closed - n];
}

/* A close of the given ends, with tcp_info: bytes each way and the times
 * since the last data sent and received. */
static struct sock_close *
close_of(struct snapshot *s, uint64_t cookie, const char *local, uint16_t lport,
	 const char *remote, uint16_t rport, uint64_t acked, uint64_t received, uint32_t sent_ms,
	 uint32_t recv_ms)
{
	struct sock_close *c = more_closes(s, 1);

	c->entry.cookie = cookie;
	c->entry.state = TCP_STATE_CLOSE;
	diag_set_ends(&c->entry, local, lport, remote, rport);
	c->entry.flags = SOCK_ENTRY_HAS_INFO;
	c->entry.bytes_acked = acked;
	c->entry.bytes_received = received;
	c->entry.last_data_sent_ms = sent_ms;
	c->entry.last_data_recv_ms = recv_ms;
	c->time_ns = (uint64_t)s->taken_wall.tv_sec * 1000000000ull - 1000000;
	return c;
}

/* n request-response connections from client `client` to 10.0.0.1:8080,
 * both ends closed (never sampled), cookies from `cookie` on. */
static void
requests(struct snapshot *s, uint64_t cookie, const char *client, int n)
{
	for (int i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(33000 + (cookie + (uint64_t)i) % 20000);

		close_of(s, cookie + 2 * (uint64_t)i, "10.0.0.1", 8080, client, port, 501, 101, 2,
			 3);
		close_of(s, cookie + 2 * (uint64_t)i + 1, client, port, "10.0.0.1", 8080, 101, 501,
			 3, 2);
	}
}

static void
step(struct world *w, struct snapshot *s)
{
	snapshot_seal(s);
	assert_int_equal(statetrack_update(w->st, s), 0);
	assert_int_equal(closed_model_feed(w->closed, s), 0);
	assert_int_equal(diagnose_update(w->d, s, w->st), 0);
	snapshot_unref(s);
}

/* ------------------------------------------------------------ conn_per_request */

/* 300 connections a second from one client, both ends here: one finding
 * counting each connection once, naming the client, the port and the
 * server; it holds at half, is never critical, and clears. */
static void
test_conn_per_request(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	s = sample(0);
	requests(s, 100, "10.0.0.7", 300);
	step(&w, s); /* no interval yet: no rate */
	diag_assert_quiet(w.d);

	s = sample(1);
	requests(s, 1000, "10.0.0.7", 300);
	requests(s, 5000, "10.0.0.8", 50); /* another client, below */
	step(&w, s);
	assert_int_equal(diagnose_count(w.d), 1);
	f = diag_find(w.d, "conn_per_request");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_string_equal(f->key, "conn_per_request/10.0.0.7>:8080");
	assert_string_equal(f->subject, "10.0.0.7 -> port 8080");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->pid, 100);
	assert_string_equal(f->comm, "proc0");
	diag_assert_contains(f->title,
			     "300 connections/s last under 1 s from 10.0.0.7 to port 8080 "
			     "(proc0 (pid 100)): the client opens a connection per request "
			     "(no keep-alive); this is what fills TIME_WAIT");
	diag_assert_contains(f->evidence, "300 short-lived closes in 1.00 s (threshold 200/s): 300 "
					  "server ends, 300 client ends");
	diag_assert_contains(f->next, "keep-alive");
	diag_assert_contains(f->next, "ss -tan state time-wait");
	diag_assert_contains(f->next, "tcp_tw_reuse helps only on the client's side");

	/* At half the rate: holds. */
	s = sample(2);
	requests(s, 10000, "10.0.0.7", 120);
	step(&w, s);
	f = diag_find(w.d, "conn_per_request");
	assert_non_null(f);
	assert_false(f->clearing);
	diag_assert_contains(f->title, "120 connections/s");

	/* Ten times the threshold: a warning still. */
	s = sample(3);
	requests(s, 20000, "10.0.0.7", 2000);
	step(&w, s);
	f = diag_find(w.d, "conn_per_request");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_true(f->since == 1);

	/* Gone: clearing, then cleared. */
	for (int t = 4; t < 7; t++) {
		s = sample(t);
		step(&w, s);
		f = diag_find(w.d, "conn_per_request");
		if (t < 6) {
			assert_non_null(f);
			assert_true(f->clearing);
		} else {
			assert_null(f);
		}
	}
	world_free(&w);
}

/* Only the client's ends (the server elsewhere): named by destination;
 * and at 0.2 s intervals the rate is per second. */
static void
test_conn_per_request_client(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	step(&w, sample(0));
	s = sample(0.2);
	for (int i = 0; i < 60; i++)
		close_of(s, (uint64_t)(100 + i), "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.5", 5432,
			 100, 100, 1, 1);
	step(&w, s);
	f = diag_find(w.d, "conn_per_request");
	assert_non_null(f);
	assert_string_equal(f->key, "conn_per_request/10.0.0.1>:5432");
	assert_string_equal(f->subject, "10.0.0.1 -> 10.0.0.5:5432");
	diag_assert_contains(f->title, "300 connections/s last under 200 ms from 10.0.0.1 to "
				       "10.0.0.5:5432: the client");
	world_free(&w);
}

/* No false alarms: long-lived connections closing fast (a sample saw
 * them open for a minute), closes at an interval longer than
 * conn_per_request.max_lifetime_s (5 s), and no closes heard at all. */
static void
test_conn_per_request_quiet(void **state)
{
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	s = sample(0);
	for (int i = 0; i < 400; i++)
		diag_add_entry(s, (uint64_t)(100 + i), TCP_STATE_ESTABLISHED, "10.0.0.1", 8080,
			       "10.0.0.7", (uint16_t)(33000 + i));
	step(&w, s);
	for (int t = 1; t <= 60; t++) {
		s = sample(t);
		for (int i = 0; i < 400; i++)
			diag_add_entry(s, (uint64_t)(100 + i), TCP_STATE_ESTABLISHED, "10.0.0.1",
				       8080, "10.0.0.7", (uint16_t)(33000 + i));
		step(&w, s);
	}
	s = sample(61);
	for (int i = 0; i < 400; i++)
		close_of(s, (uint64_t)(100 + i), "10.0.0.1", 8080, "10.0.0.7",
			 (uint16_t)(33000 + i), 5000, 5000, 10, 10);
	step(&w, s);
	diag_assert_quiet(w.d);
	world_free(&w);

	/* 6 s apart: a connection no sample saw may have lived 6 s, longer
	 * than conn_per_request.max_lifetime_s. */
	world_init(&w, NULL);
	step(&w, sample(0));
	s = sample(6);
	requests(s, 100, "10.0.0.7", 2000);
	step(&w, s);
	diag_assert_quiet(w.d);
	world_free(&w);

	/* A source that did not listen for closes. */
	world_init(&w, NULL);
	step(&w, sample(0));
	s = sample(1);
	requests(s, 100, "10.0.0.7", 2000);
	s->has_closes = false;
	step(&w, s);
	diag_assert_quiet(w.d);
	world_free(&w);
}

/* ------------------------------------------------------------ early_close */

/* n connections accepted on 8080 from 10.0.0.9 that the server closed
 * first (its end is in TIME_WAIT in the sample) `ms` after the accept,
 * sending nothing. */
static void
dropped(struct snapshot *s, uint64_t cookie, int n, uint32_t ms)
{
	for (int i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(34000 + (cookie + (uint64_t)i) % 20000);
		struct sock_entry *tw =
		    diag_add_entry(s, cookie + 100000 + (uint64_t)i, TCP_STATE_TIME_WAIT,
				   "10.0.0.1", 8080, "10.0.0.9", port);

		tw->timer = SOCK_TIMER_TIME_WAIT;
		tw->timer_expires_ms = 59000;
		close_of(s, cookie + (uint64_t)i, "10.0.0.1", 8080, "10.0.0.9", port, 1, 1, ms, ms);
	}
}

static void
test_early_close(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, "time_wait_restart.min = 1000\n");
	step(&w, sample(0));
	s = sample(1);
	dropped(s, 100, 20, 0);
	dropped(s, 200, 5, 4);
	/* Not counted: sent an answer and received a request (not
	 * judged); closed first by the client (no TIME_WAIT on the
	 * server's side: a health check); 50 ms after the accept. */
	close_of(s, 300, "10.0.0.1", 8080, "10.0.0.9", 50000, 200, 100, 0, 0);
	close_of(s, 301, "10.0.0.1", 8080, "10.0.0.9", 50001, 1, 1, 0, 0);
	dropped(s, 400, 1, 50);
	step(&w, s);
	f = diag_find(w.d, "early_close");
	assert_non_null(f);
	assert_string_equal(f->key, "early_close/port:8080");
	assert_string_equal(f->subject, "port 8080");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->pid, 100);
	assert_int_equal(f->severity, DIAG_WARNING); /* 25/s: level 2.5 */
	diag_assert_contains(f->title,
			     "Port 8080 (proc0 (pid 100)) closes connections within 4 ms of "
			     "accepting them: 25/s, without sending anything");
	diag_assert_contains(f->evidence,
			     "25 connections on port 8080 closed by the server first (its "
			     "end is in TIME_WAIT) within 4 ms of the accept in 1.00 s, of "
			     "28 closes heard on the port");
	assert_null(diag_find(w.d, "conn_per_request"));

	/* Holds at 6/s, clears with none. */
	s = sample(2);
	dropped(s, 1000, 6, 0);
	step(&w, s);
	f = diag_find(w.d, "early_close");
	assert_non_null(f);
	assert_false(f->clearing);
	diag_assert_contains(f->title, "within 1 ms of accepting them: 6/s");
	for (int t = 3; t < 6; t++) {
		s = sample(t);
		step(&w, s);
		f = diag_find(w.d, "early_close");
		if (t < 5)
			assert_true(f != NULL && f->clearing);
		else
			assert_null(f);
	}
	world_free(&w);

	/* Health checks at 500/s (the client closes first): quiet. */
	world_init(&w, NULL);
	step(&w, sample(0));
	s = sample(1);
	for (int i = 0; i < 500; i++)
		close_of(s, (uint64_t)(100 + i), "10.0.0.1", 8080, "10.0.0.9",
			 (uint16_t)(40000 + i), 1, 1, 0, 0);
	step(&w, s);
	assert_null(diag_find(w.d, "early_close"));
	world_free(&w);
}

/* A close heard after its sample's dump began: its TIME_WAIT shows in
 * the next sample, and it counts there; one whose TIME_WAIT never shows
 * (the client closed first) does not. */
static void
test_early_close_late_time_wait(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, "early_close.min_per_s = 10\ntime_wait_restart.min = 1000\n");
	step(&w, sample(0));
	s = sample(1);
	for (int i = 0; i < 30; i++)
		close_of(s, (uint64_t)(100 + i), "10.0.0.1", 8080, "10.0.0.9",
			 (uint16_t)(41000 + i), 1, 1, 2, 2);
	step(&w, s);
	assert_null(diag_find(w.d, "early_close"));
	s = sample(2);
	for (int i = 0; i < 20; i++) {
		struct sock_entry *tw =
		    diag_add_entry(s, (uint64_t)(900 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", 8080,
				   "10.0.0.9", (uint16_t)(41000 + i));

		tw->timer = SOCK_TIMER_TIME_WAIT;
		tw->timer_expires_ms = 59000;
	}
	step(&w, s);
	f = diag_find(w.d, "early_close");
	assert_non_null(f);
	diag_assert_contains(f->title,
			     "within 2 ms of accepting them: 20/s, without sending anything");
	diag_assert_contains(f->evidence, "of 0 closes heard on the port");
	/* Waited one sample only. */
	s = sample(3);
	for (int i = 0; i < 30; i++) {
		struct sock_entry *tw =
		    diag_add_entry(s, (uint64_t)(900 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", 8080,
				   "10.0.0.9", (uint16_t)(41000 + i));

		tw->timer = SOCK_TIMER_TIME_WAIT;
		tw->timer_expires_ms = 58000;
	}
	step(&w, s);
	f = diag_find(w.d, "early_close");
	assert_true(f != NULL && f->clearing);
	world_free(&w);
}

/* ------------------------------------------------------------ closes_lost */

static void
test_closes_lost(void **state)
{
	const struct diag_finding *f;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	step(&w, sample(0));
	s = sample(1);
	requests(s, 100, "10.0.0.7", 10);
	s->closes_lost = 1234;
	step(&w, s);
	f = diag_find(w.d, "closes_lost");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_string_equal(f->key, "closes_lost/listener");
	diag_assert_contains(f->title, "1,234 close announcements were lost in the last 1.0 s");
	diag_assert_contains(f->evidence, "1234 lost (threshold 1), 20 heard (20 closes/s)");
	diag_assert_contains(f->next, "TCPDECK_EVENTS_RCVBUF");
	diag_assert_contains(f->next, "CAP_NET_ADMIN");
	diag_assert_contains(f->next, "SO_RCVBUFFORCE");
	for (int t = 2; t < 5; t++) {
		s = sample(t);
		step(&w, s);
		f = diag_find(w.d, "closes_lost");
		if (t < 4)
			assert_true(f != NULL && f->clearing);
		else
			assert_null(f);
	}
	world_free(&w);

	/* Below closes_lost.min: quiet. */
	world_init(&w, "closes_lost.min = 100\n");
	step(&w, sample(0));
	s = sample(1);
	s->closes_lost = 40;
	step(&w, s);
	diag_assert_quiet(w.d);
	world_free(&w);
}

/* ------------------------------------------------------------ namespaces */

#define BLUE 4026532300u
#define RED 4026532310u

/* A sample with the namespaces blue and red, in each a listener on 8080
 * of proc0. */
static struct snapshot *
sample_ns(double t)
{
	struct snapshot *s = sample(t);
	struct snapshot_netns *ns;

	s->entries[0].netns = BLUE;
	{
		struct sock_entry *l =
		    diag_add_entry(s, 2, TCP_STATE_LISTEN, "10.0.0.1", 8080, "0.0.0.0", 0);

		l->netns = RED;
	}
	ns = snapshot_add_netns(s, BLUE);
	assert_non_null(ns);
	ns->info.kind = NETNS_KIND_NAMED;
	snprintf(ns->info.name, sizeof(ns->info.name), "blue");
	ns = snapshot_add_netns(s, RED);
	assert_non_null(ns);
	ns->info.kind = NETNS_KIND_NAMED;
	snprintf(ns->info.name, sizeof(ns->info.name), "red");
	return s;
}

/* The same client and port in two namespaces are two findings, each
 * named by its namespace; lost announcements are the listener's, one
 * finding named by none. */
static void
test_closes_netns(void **state)
{
	const struct diag_finding *blue = NULL, *red = NULL, *lost = NULL;
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL);
	step(&w, sample_ns(0));
	s = sample_ns(1);
	requests(s, 100, "10.0.0.7", 300);
	for (size_t i = 0; i < s->n_closed; i++)
		s->closed[i].entry.netns = BLUE;
	requests(s, 5000, "10.0.0.7", 250);
	for (size_t i = 600; i < s->n_closed; i++)
		s->closed[i].entry.netns = RED;
	s->closes_lost = 7;
	step(&w, s);
	for (size_t i = 0; i < diagnose_count(w.d); i++) {
		const struct diag_finding *f = diagnose_get(w.d, i);

		if (strcmp(f->id, "conn_per_request") == 0 && f->netns == BLUE)
			blue = f;
		else if (strcmp(f->id, "conn_per_request") == 0 && f->netns == RED)
			red = f;
		else if (strcmp(f->id, "closes_lost") == 0)
			lost = f;
	}
	assert_non_null(blue);
	assert_non_null(red);
	assert_non_null(lost);
	assert_string_equal(blue->key, "conn_per_request/netns:4026532300/10.0.0.7>:8080");
	diag_assert_contains(blue->title,
			     "netns blue: 300 connections/s last under 1 s from 10.0.0.7 "
			     "to port 8080");
	assert_string_equal(red->key, "conn_per_request/netns:4026532310/10.0.0.7>:8080");
	diag_assert_contains(red->title, "netns red: 250 connections/s");
	assert_string_equal(lost->key, "closes_lost/listener");
	assert_int_equal(lost->netns, 0);
	diag_assert_contains(lost->title, "7 close announcements were lost");
	assert_int_equal(diagnose_count(w.d), 3);
	world_free(&w);
}

/* ------------------------------------------------------------ pipeline */

/* The pipeline feeds the closed model before the findings: the close
 * rules read the closes of the very sample. */
static void
test_pipeline_closes(void **state)
{
	struct pipeline_config cfg = {.models = PIPELINE_FINDINGS | PIPELINE_CLOSED};
	struct pipeline *p;
	const struct diagnose *d;
	struct snapshot *s;
	bool found = false;

	(void)state;
	p = pipeline_new(&cfg);
	assert_non_null(p);
	s = sample(0);
	snapshot_seal(s);
	assert_int_equal(pipeline_feed(p, s, 0), 0);
	snapshot_unref(s);
	s = sample(1);
	requests(s, 100, "10.0.0.7", 400);
	snapshot_seal(s);
	assert_int_equal(pipeline_feed(p, s, 0), 0);
	snapshot_unref(s);
	d = pipeline_findings(p);
	for (size_t i = 0; i < diagnose_count(d); i++)
		found |= strcmp(diagnose_get(d, i)->id, "conn_per_request") == 0 &&
			 strstr(diagnose_get(d, i)->title, "400 connections/s") != NULL;
	assert_true(found);
	pipeline_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conn_per_request),
	    cmocka_unit_test(test_conn_per_request_client),
	    cmocka_unit_test(test_conn_per_request_quiet),
	    cmocka_unit_test(test_early_close),
	    cmocka_unit_test(test_early_close_late_time_wait),
	    cmocka_unit_test(test_closes_lost),
	    cmocka_unit_test(test_closes_netns),
	    cmocka_unit_test(test_pipeline_closes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
