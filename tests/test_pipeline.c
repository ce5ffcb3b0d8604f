/*
 * test_pipeline.c - the model pipeline over synthetic samples: every model
 * is fed once per sample and in order, gives what feeding the modules by
 * hand gives, handles gaps and time going back, follows a selection,
 * builds only what was asked for, and runs the marked test.
 *
 * Samples are snapshots built by hand (cookies, states, addresses, byte
 * counters, kernel counters, monotonic times); the findings read
 * their port range from a /proc fixture (tests/data/diag).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conntrack.h"
#include "diagnose.h"
#include "history.h"
#include "kcounters.h"
#include "pipeline.h"
#include "session.h"
#include "snapshot.h"
#include "statetrack.h"
#include "timespec_util.h"

/* ------------------------------------------------------------ samples */

static void
proc_root(char *out, size_t out_size)
{
	const char *dir = getenv("TESTS_SRCDIR");

	snprintf(out, out_size, "%s/data/diag/proc-default", dir != NULL ? dir : "tests");
}

static struct sock_entry *
add(struct snapshot *snap, uint64_t cookie, enum tcp_state state, uint16_t lport, uint16_t rport)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = cookie;
	e->family = AF_INET;
	e->state = (uint8_t)state;
	assert_int_equal(inet_pton(AF_INET, "10.0.0.1", e->local_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "10.0.2.1", e->remote_addr), 1);
	e->local_port = lport;
	e->remote_port = rport;
	return e;
}

/* Step k's time: three seconds apart, so the leak (20 sockets a step)
 * stays below the default growth rate of the close_wait rule and the
 * finding comes from the pile alone. */
static double
at(int k)
{
	return 10.0 + 3.0 * k;
}

static time_t
wall(int k)
{
	return 1700000000 + (time_t)at(k);
}

/*
 * Step k of a server under a slow leak, taken at at(k): a listener on
 * port 80, ESTABLISHED connections coming and going with growing byte
 * counters, TIME_WAIT churn, and a leak of 20 CLOSE_WAIT sockets per
 * step on port 8080, held by no known process (the close_wait finding,
 * by port, fires at 60: the third step).  Kernel counters grow by 100 ActiveOpens a step.
 */
static struct snapshot *
step(int k)
{
	double t = at(k);
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	snap->seq = (uint64_t)k + 1;
	snap->taken_mono.tv_sec = (time_t)t;
	snap->taken_mono.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	snap->taken_wall.tv_sec = wall(k);
	add(snap, 1, TCP_STATE_LISTEN, 80, 0)->send_q = 128;
	for (int i = k; i < k + 10; i++) {
		struct sock_entry *e = add(snap, (uint64_t)(10 + i), TCP_STATE_ESTABLISHED, 80,
					   (uint16_t)(40000 + i));

		e->flags = SOCK_ENTRY_HAS_INFO;
		e->bytes_acked = (uint64_t)(1000 * (k - i + 10));
		e->bytes_received = (uint64_t)(300 * (k - i + 10));
	}
	for (int i = 0; i < 5; i++)
		add(snap, (uint64_t)(5000 + 5 * k + i), TCP_STATE_TIME_WAIT, 80,
		    (uint16_t)(30000 + 5 * k + i));
	for (int i = 0; i < 20 * (k + 1); i++)
		add(snap, (uint64_t)(100000 + i), TCP_STATE_CLOSE_WAIT, 8080,
		    (uint16_t)(20000 + i));
	snap->counters.value[KC_ACTIVE_OPENS] = 100u * (unsigned)k;
	snap->counters.value[KC_OUT_SEGS] = 100000u * (unsigned)k;
	snap->counters.value[KC_RETRANS_SEGS] = 10u * (unsigned)k;
	snap->counters.value[KC_CURR_ESTAB] = 10;
	snap->counters.present = 1u << KC_ACTIVE_OPENS | 1u << KC_OUT_SEGS |
				 1u << KC_RETRANS_SEGS | 1u << KC_CURR_ESTAB;
	snapshot_seal(snap);
	return snap;
}

static struct pipeline *
pipeline_of(unsigned int models, bool mark_at_start)
{
	char root[512];
	struct pipeline_config cfg = {
		.models = models,
		.proc_root = root,
		.conns_linger_s = 5,
		.mark_at_start = mark_at_start,
	};
	struct pipeline *p;

	proc_root(root, sizeof(root));
	p = pipeline_new(&cfg);
	assert_non_null(p);
	return p;
}

enum { ALL = PIPELINE_FLOWS | PIPELINE_FINDINGS | PIPELINE_COUNTERS | PIPELINE_TEST |
	     PIPELINE_CONNS };

static void
feed(struct pipeline *p, struct snapshot *snap, uint64_t missed)
{
	assert_int_equal(pipeline_feed(p, snap, missed), 0);
	assert_int_equal(pipeline_stats(p)->failed, 0);
	snapshot_unref(snap);
}

static const struct diag_finding *
find(const struct diagnose *d, const char *id)
{
	for (size_t i = 0; i < diagnose_count(d); i++)
		if (strcmp(diagnose_get(d, i)->id, id) == 0)
			return diagnose_get(d, i);
	return NULL;
}

static char *
summary_json(const struct session *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(session_write_json(session_summary(s), f), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static bool
port_is(const void *arg, const struct sock_entry *e)
{
	return e->local_port == *(const uint16_t *)arg;
}

static const uint16_t web = 80;

/* ------------------------------------------------- the same by hand */

/* The modules fed by hand, as the dashboard and batch mode did. */
struct by_hand {
	struct statetrack *st;
	struct statetrack *selected; /* over port 80 */
	struct diagnose *d;
	struct session *s;
	struct conntrack *ct;
	struct kcounters kc_prev;
	double kc_prev_time;
	bool kc_has_prev;
	struct snapshot *latest;
};

static void
hand_init(struct by_hand *h)
{
	char root[512];

	proc_root(root, sizeof(root));
	memset(h, 0, sizeof(*h));
	h->st = statetrack_new();
	h->selected = statetrack_new();
	h->d = diagnose_new(NULL, root);
	h->s = session_new();
	h->ct = conntrack_new(5);
	assert_true(h->st != NULL && h->selected != NULL && h->d != NULL && h->s != NULL &&
		    h->ct != NULL);
}

static void
hand_free(struct by_hand *h)
{
	statetrack_free(h->st);
	statetrack_free(h->selected);
	diagnose_free(h->d);
	session_free(h->s);
	conntrack_free(h->ct);
	snapshot_unref(h->latest);
}

static void
hand_feed(struct by_hand *h, struct snapshot *snap)
{
	assert_int_equal(statetrack_update(h->st, snap), 0);
	assert_int_equal(statetrack_update_selected(h->selected, snap, port_is, &web), 0);
	assert_int_equal(diagnose_update(h->d, snap, h->st), 0);
	if (session_phase(h->s) == SESSION_IDLE)
		session_start(h->s, snap);
	else
		session_sample(h->s, snap, statetrack_summary(h->st));
	assert_int_equal(conntrack_update(h->ct, snap), 0);
	h->kc_prev_time = h->latest != NULL ? timespec_seconds(&h->latest->taken_mono) : 0;
	if (h->latest != NULL)
		h->kc_prev = h->latest->counters;
	h->kc_has_prev = h->latest != NULL;
	snapshot_unref(h->latest);
	h->latest = snapshot_ref(snap);
}

static void
assert_same_flows(const struct statetrack *a, const struct statetrack *b)
{
	const struct statetrack_summary *x = statetrack_summary(a), *y = statetrack_summary(b);

	assert_true(x->now == y->now);
	assert_true(x->interval_s == y->interval_s);
	assert_int_equal(x->has_rates, y->has_rates);
	assert_int_equal(x->samples, y->samples);
	assert_int_equal(x->opened, y->opened);
	assert_int_equal(x->closed, y->closed);
	assert_true(x->opened_per_s == y->opened_per_s);
	assert_true(x->closed_per_s == y->closed_per_s);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		assert_int_equal(x->states[s].count, y->states[s].count);
		assert_int_equal(x->states[s].entered, y->states[s].entered);
		assert_int_equal(x->states[s].left, y->states[s].left);
		assert_true(x->states[s].entered_per_s == y->states[s].entered_per_s);
		assert_true(x->states[s].left_per_s == y->states[s].left_per_s);
	}
}

static void
assert_same_findings(const struct diagnose *a, const struct diagnose *b)
{
	assert_int_equal(diagnose_count(a), diagnose_count(b));
	for (size_t i = 0; i < diagnose_count(a); i++) {
		const struct diag_finding *x = diagnose_get(a, i), *y = diagnose_get(b, i);

		assert_string_equal(x->key, y->key);
		assert_string_equal(x->title, y->title);
		assert_string_equal(x->evidence, y->evidence);
		assert_int_equal(x->severity, y->severity);
		assert_true(x->level == y->level);
		assert_true(x->since == y->since);
	}
}

static void
assert_same_conns(const struct conntrack *a, const struct conntrack *b,
		  const struct snapshot *snap)
{
	assert_true(conntrack_now(a) == conntrack_now(b));
	assert_int_equal(conntrack_gone_count(a), conntrack_gone_count(b));
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct conn_info *x = conntrack_get_at(a, i), *y = conntrack_get_at(b, i);

		assert_non_null(x);
		assert_non_null(y);
		assert_true(x->first_seen == y->first_seen);
		assert_true(x->send_rate == y->send_rate);
		assert_true(x->recv_rate == y->recv_rate);
		assert_int_equal(x->mark, y->mark);
		assert_int_equal(x->n_states, y->n_states);
	}
}

/* ------------------------------------------------------------ tests */

static void
test_same_as_by_hand(void **state)
{
	struct pipeline *p = pipeline_of(ALL, true);
	struct by_hand h;
	size_t findings = 0;

	(void)state;
	hand_init(&h);
	pipeline_select(p, port_is, &web);
	for (int k = 0; k < 8; k++) {
		struct snapshot *snap = step(k);
		char *a, *b;

		hand_feed(&h, snap);
		assert_int_equal(pipeline_feed(p, snap, 0), 0);
		assert_ptr_equal(pipeline_latest(p), snap);
		assert_same_flows(pipeline_flows(p), h.st);
		assert_same_flows(pipeline_flows_of(p, &web), h.selected);
		assert_ptr_equal(pipeline_flows_of(p, NULL), pipeline_flows(p));
		assert_same_findings(pipeline_findings(p), h.d);
		findings += diagnose_count(pipeline_findings(p));
		assert_same_conns(pipeline_conns(p), h.ct, snap);
		a = summary_json(pipeline_test(p));
		b = summary_json(h.s);
		assert_string_equal(a, b);
		free(a);
		free(b);
		for (int c = 0; c < KC_COUNT; c++) {
			double dt = timespec_seconds(&snap->taken_mono) - h.kc_prev_time;
			double want = 0, got = -1;
			bool known = h.kc_has_prev && kcounters_rate(&h.kc_prev, &snap->counters,
								     (enum kcounter)c, dt, &want);

			assert_int_equal(pipeline_counter_rate(p, (enum kcounter)c, &got), known);
			if (known)
				assert_true(got == want);
		}
		snapshot_unref(snap);
	}
	assert_true(findings > 0); /* the comparison saw findings */
	hand_free(&h);
	pipeline_free(p);
}

/*
 * Fed one model a step, a pipeline ends each sample where one fed in a go
 * does; in between, pipeline_latest() is the new sample while the
 * findings not yet fed still answer for the sample before; a mark under
 * way finishes the feed first.
 */
static void
test_fed_in_steps(void **state)
{
	struct pipeline *whole = pipeline_of(ALL, true);
	struct pipeline *steps = pipeline_of(ALL, true);
	size_t findings = 0;

	(void)state;
	pipeline_select(whole, port_is, &web);
	pipeline_select(steps, port_is, &web);
	assert_false(pipeline_feeding(steps));
	assert_int_equal(pipeline_feed_finish(steps), 0); /* nothing under way */
	for (int k = 0; k < 8; k++) {
		struct snapshot *snap = step(k);
		size_t before = diagnose_count(pipeline_findings(steps));
		int n = 0, rc;

		assert_int_equal(pipeline_feed(whole, snap, 0), 0);
		pipeline_feed_begin(steps, snap, 0);
		assert_ptr_equal(pipeline_latest(steps), snap);
		while ((rc = pipeline_feed_step(steps)) == 1) {
			assert_true(pipeline_feeding(steps));
			n++;
			if (n == 1) /* the flows fed, not the findings yet */
				assert_int_equal(diagnose_count(pipeline_findings(steps)), before);
		}
		assert_int_equal(rc, 0);
		assert_int_equal(n, 3); /* four models' steps */
		assert_false(pipeline_feeding(steps));
		assert_int_equal(pipeline_feed_step(steps), 0);
		assert_same_flows(pipeline_flows(steps), pipeline_flows(whole));
		assert_same_flows(pipeline_flows_of(steps, &web), pipeline_flows_of(whole, &web));
		assert_same_findings(pipeline_findings(steps), pipeline_findings(whole));
		findings += diagnose_count(pipeline_findings(steps));
		assert_same_conns(pipeline_conns(steps), pipeline_conns(whole), snap);
		{
			char *a = summary_json(pipeline_test(steps));
			char *b = summary_json(pipeline_test(whole));

			assert_string_equal(a, b);
			free(a);
			free(b);
		}
		assert_int_equal(pipeline_stats(steps)->samples, pipeline_stats(whole)->samples);
		snapshot_unref(snap);
	}
	assert_true(findings > 0);
	{
		/* A feed under way, then a mark: the test ends on the sample
		 * as a whole, as in a pipeline fed in a go. */
		struct snapshot *snap = step(8);

		assert_int_equal(pipeline_feed(whole, snap, 0), 0);
		pipeline_feed_begin(steps, snap, 0);
		assert_true(pipeline_feeding(steps));
		assert_int_equal(pipeline_mark(steps), pipeline_mark(whole));
		assert_false(pipeline_feeding(steps));
		assert_same_findings(pipeline_findings(steps), pipeline_findings(whole));
		{
			char *a = summary_json(pipeline_test(steps));
			char *b = summary_json(pipeline_test(whole));

			assert_string_equal(a, b);
			free(a);
			free(b);
		}
		snapshot_unref(snap);
	}
	pipeline_free(whole);
	pipeline_free(steps);
}

static void
test_fed_once_per_sample_in_order(void **state)
{
	struct pipeline *p = pipeline_of(ALL, true);
	const struct session_summary *sum;
	uint64_t opened = 0;
	uint32_t row[1];

	(void)state;
	for (int k = 0; k < 6; k++) {
		feed(p, step(k), 0);
		if (k > 0)
			opened += statetrack_summary(pipeline_flows(p))->opened;
		/* Once per sample: every model counts the same samples. */
		assert_int_equal(pipeline_stats(p)->samples, (uint64_t)k + 1);
		assert_int_equal(statetrack_summary(pipeline_flows(p))->samples, (uint64_t)k + 1);
		assert_int_equal(history_len(pipeline_counter_history(p)), (size_t)k + 1);
		assert_true(conntrack_now(pipeline_conns(p)) == at(k));
		/* The test started with the first sample; each later one is
		 * part of it. */
		assert_int_equal(session_summary(pipeline_test(p))->samples, (uint64_t)k);
		/* In order: the test reads the flows of the same sample. */
		assert_int_equal(session_summary(pipeline_test(p))->opened, opened);
	}
	/* In order: the findings read the flows of the same sample (ages of
	 * the CLOSE_WAIT sockets, seen since the first sample). */
	assert_non_null(find(pipeline_findings(p), "close_wait"));
	/* The counters' history: one row per sample, rounded rates. */
	assert_int_equal(history_read(pipeline_counter_history(p), KC_ACTIVE_OPENS, 0, 1, row), 1);
	assert_int_equal(row[0], 33); /* 100 in 3 s */
	sum = session_summary(pipeline_test(p));
	assert_int_equal(sum->phase, SESSION_RUNNING);
	pipeline_free(p);
}

static void
test_gap(void **state)
{
	struct pipeline *p = pipeline_of(ALL, false);
	uint32_t rows[8];
	double rate;

	(void)state;
	feed(p, step(0), 0);
	feed(p, step(1), 0);
	/* Samples 2, 3 and 4 were lapped by the ring: never fed. */
	feed(p, step(5), 3);
	assert_int_equal(pipeline_stats(p)->samples, 3);
	assert_int_equal(pipeline_stats(p)->missed, 3);
	/* The gaps are in the counters' history, between the rows. */
	assert_int_equal(history_len(pipeline_counter_history(p)), 6);
	assert_int_equal(history_read(pipeline_counter_history(p), KC_ACTIVE_OPENS, 0, 6, rows), 6);
	assert_int_equal(rows[0], HISTORY_GAP); /* no sample before */
	assert_int_equal(rows[1], 33);
	assert_int_equal(rows[2], HISTORY_GAP);
	assert_int_equal(rows[3], HISTORY_GAP);
	assert_int_equal(rows[4], HISTORY_GAP);
	assert_int_equal(rows[5], 33);
	/* The rates of the sample after the gap span it. */
	assert_true(pipeline_counter_rate(p, KC_ACTIVE_OPENS, &rate));
	assert_true(fabs(rate - 400.0 / 12.0) < 1e-9);
	assert_true(statetrack_summary(pipeline_flows(p))->interval_s == 12.0);
	/* Nothing started over. */
	assert_int_equal(pipeline_stats(p)->restarts, 0);
	assert_int_equal(statetrack_summary(pipeline_flows(p))->samples, 3);
	pipeline_free(p);
}

static void
test_time_back_starts_over(void **state)
{
	struct pipeline *p = pipeline_of(ALL, false);
	const struct diag_finding *f;
	double rate;

	(void)state;
	for (int k = 0; k < 5; k++)
		feed(p, step(k), 0);
	assert_int_equal(pipeline_mark(p), SESSION_RUNNING);
	f = find(pipeline_findings(p), "close_wait");
	assert_non_null(f);
	assert_true(f->since == at(2)); /* fired at the third sample */
	feed(p, step(5), 0);
	/* A replay steps back to the fourth sample. */
	feed(p, step(3), 0);
	assert_int_equal(pipeline_stats(p)->restarts, 1);
	assert_int_equal(statetrack_summary(pipeline_flows(p))->samples, 1);
	assert_false(statetrack_summary(pipeline_flows(p))->has_rates);
	assert_int_equal(history_len(pipeline_counter_history(p)), 1);
	assert_false(pipeline_counter_rate(p, KC_ACTIVE_OPENS, &rate));
	assert_int_equal(conntrack_gone_count(pipeline_conns(p)), 0);
	/* The findings start over from the sample now fed. */
	f = find(pipeline_findings(p), "close_wait");
	assert_non_null(f);
	assert_true(f->since == at(3));
	/* The user's test is kept. */
	assert_int_equal(session_phase(pipeline_test(p)), SESSION_RUNNING);
	/* Stepping forward again goes on from there. */
	feed(p, step(4), 0);
	assert_int_equal(pipeline_stats(p)->restarts, 1);
	assert_int_equal(statetrack_summary(pipeline_flows(p))->samples, 2);
	assert_true(pipeline_counter_rate(p, KC_ACTIVE_OPENS, &rate));
	pipeline_free(p);
}

static void
test_same_time_does_not_start_over(void **state)
{
	struct pipeline *p = pipeline_of(ALL, false);

	(void)state;
	feed(p, step(0), 0);
	/* A paused replay shows the same sample again. */
	feed(p, step(0), 0);
	assert_int_equal(pipeline_stats(p)->restarts, 0);
	assert_int_equal(history_len(pipeline_counter_history(p)), 2);
	pipeline_free(p);
}

static void
test_mark_starts_and_ends(void **state)
{
	struct pipeline *p = pipeline_of(ALL, false);
	const struct session_summary *sum;

	(void)state;
	/* Nothing to mark before the first sample. */
	errno = 0;
	assert_int_equal(pipeline_mark(p), -1);
	assert_int_equal(errno, EAGAIN);
	feed(p, step(0), 0);
	feed(p, step(1), 0);
	/* Without a mark, no test runs. */
	assert_int_equal(session_phase(pipeline_test(p)), SESSION_IDLE);
	assert_int_equal(pipeline_mark(p), SESSION_RUNNING);
	assert_true(session_summary(pipeline_test(p))->start_wall == wall(1));
	feed(p, step(2), 0);
	feed(p, step(3), 0);
	assert_true(pipeline_mark(p) >= SESSION_DRAINING);
	sum = session_summary(pipeline_test(p));
	assert_int_equal(sum->samples, 2);
	assert_true(sum->duration_s == at(3) - at(1));
	assert_true(sum->end_wall == wall(3));
	/* Ending again does nothing; a new mark starts a new test. */
	pipeline_end_test(p);
	assert_true(session_summary(pipeline_test(p))->end_wall == wall(3));
	feed(p, step(4), 0);
	assert_int_equal(pipeline_mark(p), SESSION_RUNNING);
	assert_int_equal(session_summary(pipeline_test(p))->samples, 0);
	/* The end of the run ends a running test at the latest sample. */
	feed(p, step(5), 0);
	pipeline_end_test(p);
	sum = session_summary(pipeline_test(p));
	assert_true(sum->phase != SESSION_RUNNING);
	assert_true(sum->end_wall == wall(5));
	pipeline_free(p);
}

static void
test_mark_at_start(void **state)
{
	struct pipeline *p = pipeline_of(PIPELINE_TEST, true);

	(void)state;
	/* The test brings the flows it reads. */
	assert_non_null(pipeline_flows(p));
	assert_null(pipeline_findings(p));
	feed(p, step(0), 0);
	assert_int_equal(session_phase(pipeline_test(p)), SESSION_RUNNING);
	assert_true(session_summary(pipeline_test(p))->start_wall == wall(0));
	feed(p, step(1), 0);
	feed(p, step(2), 0);
	pipeline_end_test(p);
	assert_int_equal(session_summary(pipeline_test(p))->samples, 2);
	assert_true(session_summary(pipeline_test(p))->end_wall == wall(2));
	pipeline_free(p);
}

static void
test_findings_appear(void **state)
{
	struct pipeline *p = pipeline_of(PIPELINE_FINDINGS, false);
	const struct diag_finding *f;

	(void)state;
	assert_non_null(pipeline_flows(p)); /* the findings read them */
	feed(p, step(0), 0);                /* 20 CLOSE_WAIT */
	feed(p, step(1), 0);                /* 40 */
	assert_null(find(pipeline_findings(p), "close_wait"));
	feed(p, step(2), 0);                /* 60: over the default 50 */
	f = find(pipeline_findings(p), "close_wait");
	assert_non_null(f);
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->pid, 0);
	pipeline_free(p);
}

static void
test_selected_flows(void **state)
{
	struct pipeline *p = pipeline_of(PIPELINE_FLOWS, false);
	uint16_t app = 8080;
	const struct statetrack *st;

	(void)state;
	pipeline_select(p, port_is, &web);
	feed(p, step(0), 0);
	feed(p, step(1), 0);
	st = pipeline_flows_of(p, &web);
	assert_non_null(st);
	assert_ptr_not_equal(st, pipeline_flows(p));
	assert_int_equal(statetrack_summary(st)->states[TCP_STATE_CLOSE_WAIT].count, 0);
	assert_int_equal(statetrack_summary(st)->states[TCP_STATE_ESTABLISHED].count, 10);
	assert_int_equal(statetrack_summary(st)->samples, 2);
	assert_int_equal(
		statetrack_summary(pipeline_flows(p))->states[TCP_STATE_CLOSE_WAIT].count, 40);
	/* Another selection: not fed yet, so no flows for it. */
	pipeline_select(p, port_is, &app);
	assert_null(pipeline_flows_of(p, &app));
	feed(p, step(2), 0);
	assert_null(pipeline_flows_of(p, &web));
	st = pipeline_flows_of(p, &app);
	assert_non_null(st);
	assert_int_equal(statetrack_summary(st)->samples, 1); /* started over */
	assert_int_equal(statetrack_summary(st)->states[TCP_STATE_CLOSE_WAIT].count, 60);
	/* No selection: the selected flows go. */
	pipeline_select(p, NULL, NULL);
	feed(p, step(3), 0);
	assert_null(pipeline_flows_of(p, &app));
	assert_int_equal(statetrack_summary(pipeline_flows(p))->samples, 4);
	pipeline_free(p);
}

static void
test_only_what_was_asked(void **state)
{
	struct pipeline *p = pipeline_of(0, false);
	double rate;

	(void)state;
	feed(p, step(0), 0);
	feed(p, step(1), 0);
	assert_non_null(pipeline_latest(p));
	assert_null(pipeline_flows(p));
	assert_null(pipeline_flows_of(p, NULL));
	assert_null(pipeline_findings(p));
	assert_null(pipeline_counter_history(p));
	assert_false(pipeline_counter_rate(p, KC_ACTIVE_OPENS, &rate));
	assert_null(pipeline_test(p));
	assert_null(pipeline_conns(p));
	assert_int_equal(pipeline_netns_count(p), 0);
	assert_null(pipeline_netns_rows(p));
	errno = 0;
	assert_int_equal(pipeline_mark(p), -1);
	assert_int_equal(errno, ENOENT);
	pipeline_end_test(p); /* nothing to end */
	assert_int_equal(pipeline_stats(p)->samples, 2);
	pipeline_free(p);
	pipeline_free(NULL);
}

/* ------------------------------------------------------- namespaces */

/*
 * A sample at time t (seconds) of the namespaces inodes[0..n): namespace
 * inodes[i] holds sockets[i] ESTABLISHED sockets with cookies 1.. (the
 * same cookies in every namespace) and one LISTEN socket.
 */
static struct snapshot *
ns_sample(double t, const uint32_t *inodes, const uint32_t *sockets, size_t n)
{
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	snap->taken_mono.tv_sec = (time_t)t;
	for (size_t i = 0; i < n; i++) {
		struct snapshot_netns *ns = snapshot_add_netns(snap, inodes[i]);

		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_NAMED;
		snprintf(ns->info.name, sizeof(ns->info.name), "ns%u", (unsigned)inodes[i]);
		add(snap, 1000, TCP_STATE_LISTEN, 80, 0)->netns = inodes[i];
		for (uint32_t k = 0; k < sockets[i]; k++)
			add(snap, 1 + k, TCP_STATE_ESTABLISHED, 80, (uint16_t)(40000 + k))->netns =
				inodes[i];
	}
	snapshot_seal(snap);
	return snap;
}

static uint32_t
newest_total(const struct pipeline_netns_row *row, size_t skip)
{
	uint32_t v = 0;

	assert_int_equal(history_read(row->history, 0, skip, 1, &v), 1);
	return v;
}

static void
test_netns_rows(void **state)
{
	char root[512];
	struct pipeline_config cfg = {
		.models = PIPELINE_NETNS | PIPELINE_FLOWS,
		.proc_root = root,
		.netns_history = 16,
		.netns_linger_s = 0,
	};
	const uint32_t two[] = {4026532300u, 4026531840u};
	const uint32_t two_socks[] = {3, 7};
	const uint32_t one[] = {4026531840u};
	const uint32_t one_socks[] = {9};
	const struct pipeline_netns_row *rows, *row;
	struct pipeline *p;
	uint32_t vals[8];

	(void)state;
	proc_root(root, sizeof(root));
	p = pipeline_new(&cfg);
	assert_non_null(p);
	assert_int_equal(pipeline_netns_count(p), 0);
	assert_null(pipeline_netns_rows(p));

	/* Two namespaces, listed out of order: rows sorted by inode. */
	feed(p, ns_sample(10, two, two_socks, 2), 0);
	assert_int_equal(pipeline_netns_count(p), 2);
	rows = pipeline_netns_rows(p);
	assert_int_equal(rows[0].inode, 4026531840u);
	assert_int_equal(rows[1].inode, 4026532300u);
	assert_string_equal(rows[1].info.name, "ns4026532300");
	assert_int_equal(rows[0].total, 8);
	assert_int_equal(rows[0].counts[TCP_STATE_ESTABLISHED], 7);
	assert_int_equal(rows[0].counts[TCP_STATE_LISTEN], 1);
	assert_int_equal(rows[1].total, 4);
	assert_true(rows[0].fresh && rows[1].fresh);
	assert_false(rows[0].gone || rows[1].gone);
	assert_int_equal(rows[0].change, 0);
	assert_false(rows[0].has_flows); /* the first sample */
	assert_int_equal(history_len(rows[0].history), 1);
	assert_int_equal(newest_total(&rows[0], 0), 8);
	/* Same cookies in both namespaces: flows see every socket. */
	assert_int_equal(statetrack_summary(pipeline_flows(p))->states[TCP_STATE_ESTABLISHED].count,
			 10);

	/* One sample missed, then the bigger namespace grows by 2. */
	{
		const uint32_t grown[] = {3, 9};

		feed(p, ns_sample(12, two, grown, 2), 1);
	}
	rows = pipeline_netns_rows(p);
	assert_int_equal(rows[0].total, 10);
	assert_int_equal(rows[0].change, 2);
	assert_true(rows[0].change_per_s == 1.0);
	assert_false(rows[0].fresh);
	assert_int_equal(rows[1].change, 0);
	/* Cookies 8 and 9 opened there, nothing closed; nothing in the
	 * other. */
	assert_true(rows[0].has_flows && rows[1].has_flows);
	assert_int_equal(rows[0].opened, 2);
	assert_int_equal(rows[0].closed, 0);
	assert_true(rows[0].opened_per_s == 1.0);
	assert_int_equal(rows[1].opened, 0);
	assert_int_equal(rows[1].closed, 0);
	assert_int_equal(history_len(rows[0].history), 3);
	assert_int_equal(history_read(rows[0].history, 0, 0, 3, vals), 3);
	assert_int_equal(vals[0], 8);
	assert_int_equal(vals[1], HISTORY_GAP);
	assert_int_equal(vals[2], 10);

	/* The namespace 4026532300 is deleted: its row stays, gone, for
	 * PIPELINE_NETNS_GONE_SAMPLES samples, as last seen, then goes. */
	for (int k = 0; k < PIPELINE_NETNS_GONE_SAMPLES; k++) {
		feed(p, ns_sample(13 + k, one, one_socks, 1), 0);
		assert_int_equal(pipeline_netns_count(p), 2);
		row = pipeline_netns_find(p, 4026532300u);
		assert_non_null(row);
		assert_true(row->gone);
		assert_false(row->fresh);
		assert_int_equal(row->total, 4);
		assert_int_equal(row->change, 0);
		assert_int_equal(newest_total(row, 0), HISTORY_GAP);
		assert_int_equal(newest_total(row, (size_t)k + 1), 4);
		/* Its sockets closed with it, in the sample it went. */
		assert_int_equal(row->closed, k == 0 ? 4 : 0);
		assert_int_equal(row->opened, 0);
		row = pipeline_netns_find(p, 4026531840u);
		assert_false(row->gone);
		assert_int_equal(row->total, 10);
		assert_int_equal(row->change, 0);
	}
	feed(p, ns_sample(20, one, one_socks, 1), 0);
	assert_int_equal(pipeline_netns_count(p), 1);
	assert_null(pipeline_netns_find(p, 4026532300u));
	assert_non_null(pipeline_netns_find(p, 4026531840u));
	/* The rows' histories line up: one value per sample fed. */
	assert_int_equal(history_len(pipeline_netns_find(p, 4026531840u)->history), 7);

	/* A namespace that comes back before its row is dropped is the same
	 * row again, fresh. */
	feed(p, ns_sample(21, two, two_socks, 2), 0);
	feed(p, ns_sample(22, one, one_socks, 1), 0);
	feed(p, ns_sample(23, two, two_socks, 2), 0);
	row = pipeline_netns_find(p, 4026532300u);
	assert_non_null(row);
	assert_false(row->gone);
	assert_true(row->fresh);
	assert_true(row->first_seen == 21.0);
	assert_true(row->last_seen == 23.0);
	assert_int_equal(history_len(row->history), 3);

	/* A sample without namespaces drops every row. */
	{
		struct snapshot *plain = snapshot_new(0);

		assert_non_null(plain);
		plain->taken_mono.tv_sec = 30;
		add(plain, 1, TCP_STATE_ESTABLISHED, 80, 1);
		snapshot_seal(plain);
		feed(p, plain, 0);
	}
	assert_int_equal(pipeline_netns_count(p), 0);
	assert_null(pipeline_netns_rows(p));

	/* Time going back drops every row too. */
	feed(p, ns_sample(40, two, two_socks, 2), 0);
	assert_int_equal(pipeline_netns_count(p), 2);
	feed(p, ns_sample(35, one, one_socks, 1), 0);
	assert_int_equal(pipeline_netns_count(p), 1);
	assert_int_equal(history_len(pipeline_netns_rows(p)[0].history), 1);
	pipeline_free(p);
}

/* Opened and closed per namespace, by socket: the same cookies in two
 * namespaces, one closing some and opening others, the other steady. */
static void
test_netns_flows(void **state)
{
	char root[512];
	struct pipeline_config cfg = {
		.models = PIPELINE_NETNS | PIPELINE_FLOWS,
		.proc_root = root,
	};
	const uint32_t inodes[] = {10, 20}, socks[] = {5, 5};
	const struct pipeline_netns_row *row;
	struct snapshot *snap;
	struct pipeline *p;

	(void)state;
	proc_root(root, sizeof(root));
	p = pipeline_new(&cfg);
	assert_non_null(p);
	feed(p, ns_sample(1, inodes, socks, 2), 0);

	/* Namespace 10: cookies 1-2 close, 6-8 open; 20 as it was. */
	snap = snapshot_new(0);
	assert_non_null(snap);
	snap->taken_mono.tv_sec = 3;
	for (size_t i = 0; i < 2; i++) {
		assert_non_null(snapshot_add_netns(snap, inodes[i]));
		add(snap, 1000, TCP_STATE_LISTEN, 80, 0)->netns = inodes[i];
	}
	for (uint64_t c = 3; c <= 8; c++)
		add(snap, c, TCP_STATE_ESTABLISHED, 80, (uint16_t)(40000 + c))->netns = 10;
	for (uint64_t c = 1; c <= 5; c++)
		add(snap, c, TCP_STATE_ESTABLISHED, 80, (uint16_t)(40000 + c))->netns = 20;
	snapshot_seal(snap);
	feed(p, snap, 0);
	row = pipeline_netns_find(p, 10);
	assert_non_null(row);
	assert_true(row->has_flows);
	assert_int_equal(row->change, 1);
	assert_int_equal(row->closed, 2);
	assert_int_equal(row->opened, 3);
	assert_true(row->closed_per_s == 1.0);
	assert_true(row->opened_per_s == 1.5);
	row = pipeline_netns_find(p, 20);
	assert_int_equal(row->closed, 0);
	assert_int_equal(row->opened, 0);
	pipeline_free(p);
}

/*
 * The sample before is let go once the next one is fed: with every model
 * the dashboard builds (namespaces, whose flows count the closed sockets
 * by namespace, and findings, which name what vanished), the caller's
 * reference is then the last one, and the flows by namespace are still
 * counted.
 */
static void
test_previous_let_go(void **state)
{
	char root[512];
	struct pipeline_config cfg = {
		.models = PIPELINE_FLOWS | PIPELINE_FINDINGS | PIPELINE_COUNTERS | PIPELINE_TEST |
			  PIPELINE_NETNS | PIPELINE_CLOSED,
		.proc_root = root,
	};
	const uint32_t inodes[] = {10, 20}, before_socks[] = {5, 5}, after_socks[] = {2, 5};
	struct snapshot *first, *second;
	const struct pipeline_netns_row *row;
	struct pipeline *p;

	(void)state;
	proc_root(root, sizeof(root));
	p = pipeline_new(&cfg);
	assert_non_null(p);
	first = ns_sample(1, inodes, before_socks, 2);
	assert_int_equal(pipeline_feed(p, first, 0), 0);
	/* The caller's, the latest and the findings' (shared: no copy). */
	assert_int_equal(first->refs, 3);
	second = ns_sample(2, inodes, after_socks, 2);
	assert_int_equal(pipeline_feed(p, second, 0), 0);
	assert_int_equal(pipeline_stats(p)->failed, 0);
	assert_int_equal(first->refs, 1);
	assert_ptr_equal(pipeline_latest(p), second);
	snapshot_unref(first);
	row = pipeline_netns_find(p, 10);
	assert_non_null(row);
	assert_true(row->has_flows);
	assert_int_equal(row->closed, 3);
	assert_int_equal(pipeline_netns_find(p, 20)->closed, 0);
	snapshot_unref(second);
	pipeline_free(p);
}

/* A gone namespace stays at least netns_linger_s seconds. */
static void
test_netns_linger(void **state)
{
	char root[512];
	struct pipeline_config cfg = {
		.models = PIPELINE_NETNS,
		.proc_root = root,
		.netns_linger_s = 10,
	};
	const uint32_t two[] = {1, 2}, two_socks[] = {1, 1};
	const uint32_t one[] = {1}, one_socks[] = {1};
	struct pipeline *p;

	(void)state;
	proc_root(root, sizeof(root));
	p = pipeline_new(&cfg);
	assert_non_null(p);
	feed(p, ns_sample(100, two, two_socks, 2), 0);
	for (int t = 101; t < 111; t++) {
		feed(p, ns_sample(t, one, one_socks, 1), 0);
		assert_non_null(pipeline_netns_find(p, 2));
	}
	feed(p, ns_sample(111, one, one_socks, 1), 0);
	assert_null(pipeline_netns_find(p, 2));
	assert_int_equal(pipeline_netns_count(p), 1);
	pipeline_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_by_hand),
		cmocka_unit_test(test_fed_in_steps),
		cmocka_unit_test(test_fed_once_per_sample_in_order),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_time_back_starts_over),
		cmocka_unit_test(test_same_time_does_not_start_over),
		cmocka_unit_test(test_mark_starts_and_ends),
		cmocka_unit_test(test_mark_at_start),
		cmocka_unit_test(test_findings_appear),
		cmocka_unit_test(test_selected_flows),
		cmocka_unit_test(test_only_what_was_asked),
		cmocka_unit_test(test_netns_rows),
		cmocka_unit_test(test_netns_linger),
		cmocka_unit_test(test_netns_flows),
		cmocka_unit_test(test_previous_let_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
