/*
 * test_session.c - a marked stress test over synthetic samples: peaks and
 * when they came, open/close rates, counter growth, TIME_WAIT drain, and
 * the JSON and text summaries.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "session.h"

/* A sealed sample at t seconds with n_est ESTABLISHED and n_tw TIME_WAIT
 * sockets, and ActiveOpens / RetransSegs at the given values. */
static struct snapshot *
sample(double t, uint32_t n_est, uint32_t n_tw, uint64_t active_opens, uint64_t retrans)
{
	struct snapshot *snap = snapshot_new(n_est + n_tw);

	assert_non_null(snap);
	snap->taken_mono.tv_sec = (time_t)t;
	snap->taken_mono.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	snap->taken_wall.tv_sec = 1700000000 + (time_t)t;
	for (uint32_t i = 0; i < n_est + n_tw; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		e->cookie = i + 1;
		e->state = i < n_est ? TCP_STATE_ESTABLISHED : TCP_STATE_TIME_WAIT;
	}
	snap->counters.value[KC_ACTIVE_OPENS] = active_opens;
	snap->counters.value[KC_RETRANS_SEGS] = retrans;
	snap->counters.present = 1u << KC_ACTIVE_OPENS | 1u << KC_RETRANS_SEGS;
	snapshot_seal(snap);
	return snap;
}

static struct statetrack_summary
flow(uint32_t opened, uint32_t closed, double dt)
{
	struct statetrack_summary st;

	memset(&st, 0, sizeof(st));
	st.has_rates = true;
	st.interval_s = dt;
	st.opened = opened;
	st.closed = closed;
	st.opened_per_s = opened / dt;
	st.closed_per_s = closed / dt;
	return st;
}

static const struct session_counter *
counter(const struct session_summary *sum, enum kcounter c)
{
	for (int i = 0; i < SESSION_COUNTERS; i++)
		if (sum->counters[i].counter == c)
			return &sum->counters[i];
	fail_msg("counter %d not reported", (int)c);
	return NULL;
}

/* Feeds one sample (and drops it: the session keeps no reference). */
static void
feed(struct session *s, struct snapshot *snap, const struct statetrack_summary *st)
{
	session_sample(s, snap, st);
	snapshot_unref(snap);
}

static void
test_idle_ignores_samples(void **state)
{
	struct session *s = session_new();
	struct statetrack_summary st = flow(10, 10, 1);

	(void)state;
	assert_non_null(s);
	feed(s, sample(1, 5, 5, 100, 0), &st);
	assert_int_equal(session_phase(s), SESSION_IDLE);
	assert_int_equal(session_summary(s)->samples, 0);
	assert_int_equal(session_summary(s)->opened, 0);
	session_free(s);
}

static char *written(const struct session_summary *sum, bool json);

static void
test_peaks_rates_counters_and_drain(void **state)
{
	char *text;
	struct session *s = session_new();
	struct snapshot *start = sample(10, 2, 3, 1000, 50), *end;
	struct statetrack_summary st;
	const struct session_summary *sum;

	(void)state;
	assert_non_null(s);
	assert_int_equal(session_start(s, start), 0);
	/* The start sample itself is not part of the test. */
	st = flow(99, 99, 1);
	feed(s, start, &st);
	assert_int_equal(session_summary(s)->samples, 0);

	st = flow(40, 0, 1);
	feed(s, sample(11, 42, 3, 1040, 50), &st);   /* ramp */
	st = flow(100, 60, 2);
	feed(s, sample(13, 82, 63, 1140, 58), &st);  /* peak ESTABLISHED */
	st = flow(10, 70, 1);
	end = sample(14, 22, 120, 1150, 60);         /* peak TIME_WAIT */
	feed(s, snapshot_ref(end), &st);
	session_end(s, end);
	snapshot_unref(end);

	sum = session_summary(s);
	assert_int_equal(session_phase(s), SESSION_DRAINING);
	assert_int_equal(sum->samples, 3);
	assert_true(sum->duration_s == 4.0);
	assert_int_equal(sum->states[TCP_STATE_ESTABLISHED].at_start, 2);
	assert_int_equal(sum->states[TCP_STATE_ESTABLISHED].peak, 82);
	assert_true(sum->states[TCP_STATE_ESTABLISHED].peak_at == 3.0);
	assert_int_equal(sum->states[TCP_STATE_ESTABLISHED].peak_wall, 1700000013);
	assert_int_equal(sum->states[TCP_STATE_ESTABLISHED].at_end, 22);
	assert_int_equal(sum->states[TCP_STATE_TIME_WAIT].peak, 120);
	assert_true(sum->states[TCP_STATE_TIME_WAIT].peak_at == 4.0);
	assert_int_equal(sum->opened, 150);
	assert_int_equal(sum->closed, 130);
	assert_true(sum->opened_peak_per_s == 50.0); /* 100 over 2 s */
	assert_true(sum->closed_peak_per_s == 70.0);
	assert_true(sum->opened_mean_per_s == 150.0 / 4);
	assert_int_equal(counter(sum, KC_ACTIVE_OPENS)->total, 150);
	assert_true(counter(sum, KC_ACTIVE_OPENS)->peak_per_s == 50.0);
	assert_int_equal(counter(sum, KC_RETRANS_SEGS)->total, 10);
	assert_true(counter(sum, KC_RETRANS_SEGS)->peak_per_s == 4.0);
	/* A counter this "kernel" lacks is not reported. */
	assert_false(counter(sum, KC_LISTEN_DROPS)->known);
	assert_int_equal(sum->time_wait_left, 120);
	/* Written now, as when the run ends with the test: no time passed. */
	text = written(sum, false);
	assert_non_null(strstr(text, "TIME_WAIT not drained when the run ended: 120 left (start: 3)"));
	free(text);

	/* After the end only the drain moves: peaks stay. */
	st = flow(500, 0, 1);
	feed(s, sample(20, 900, 50, 5000, 60), &st);
	text = written(sum, false);
	assert_non_null(strstr(text, "TIME_WAIT still draining: 50 left "));
	free(text);
	assert_int_equal(session_phase(s), SESSION_DRAINING);
	assert_int_equal(sum->states[TCP_STATE_ESTABLISHED].peak, 82);
	assert_int_equal(sum->opened, 150);
	assert_int_equal(sum->time_wait_left, 50);
	assert_true(sum->drain_s == 6.0);
	feed(s, sample(75, 0, 3, 5000, 60), NULL); /* back at the start's 3 */
	assert_int_equal(session_phase(s), SESSION_DONE);
	assert_true(sum->drained);
	assert_true(sum->drain_s == 61.0);
	/* Done: nothing changes any more. */
	feed(s, sample(80, 0, 500, 5000, 60), NULL);
	assert_true(sum->drain_s == 61.0);
	session_free(s);
}

static void
test_counter_reset_stops_reporting(void **state)
{
	struct session *s = session_new();
	struct snapshot *start = sample(1, 1, 0, 1000, 10);

	(void)state;
	assert_non_null(s);
	session_start(s, start);
	snapshot_unref(start);
	feed(s, sample(2, 1, 0, 1010, 10), NULL);
	assert_int_equal(counter(session_summary(s), KC_ACTIVE_OPENS)->total, 10);
	/* Went backwards (another namespace, a reset): not a huge number. */
	feed(s, sample(3, 1, 0, 5, 10), NULL);
	assert_false(counter(session_summary(s), KC_ACTIVE_OPENS)->known);
	session_free(s);
}

/* Restarting forgets the previous test. */
static void
test_restart(void **state)
{
	struct session *s = session_new();
	struct snapshot *a = sample(1, 50, 0, 0, 0), *b;

	(void)state;
	assert_non_null(s);
	session_start(s, a);
	snapshot_unref(a);
	feed(s, sample(2, 80, 0, 0, 0), NULL);
	b = sample(3, 5, 0, 0, 0);
	session_start(s, b);
	snapshot_unref(b);
	assert_int_equal(session_phase(s), SESSION_RUNNING);
	assert_int_equal(session_summary(s)->states[TCP_STATE_ESTABLISHED].peak, 5);
	assert_int_equal(session_summary(s)->samples, 0);
	session_free(s);
}

static char *
written(const struct session_summary *sum, bool json)
{
	/* Static: the stream keeps their addresses until fclose(), which
	 * gcc 12 at -O3 takes for the result pointing into this frame. */
	static char *buf;
	static size_t len;
	FILE *f;

	buf = NULL;
	len = 0;
	f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(json ? session_write_json(sum, f) : session_write_text(sum, f), 0);
	fclose(f);
	return buf;
}

static void
test_summaries(void **state)
{
	struct session *s = session_new();
	struct snapshot *start = sample(10, 2, 3, 1000, 50), *end;
	struct statetrack_summary st = flow(100, 60, 2);
	char *json, *text;

	(void)state;
	assert_non_null(s);
	session_start(s, start);
	snapshot_unref(start);
	end = sample(12, 82, 3, 1100, 54);
	feed(s, snapshot_ref(end), &st);
	session_end(s, end);
	snapshot_unref(end);
	assert_int_equal(session_phase(s), SESSION_DONE); /* TIME_WAIT never rose */

	json = written(session_summary(s), true);
	assert_non_null(strstr(json, "\"phase\": \"done\""));
	assert_non_null(strstr(json, "\"start\": \"2023-11-14T22:13:30Z\""));
	assert_non_null(strstr(json, "\"ESTABLISHED\": {\"start\": 2, \"end\": 82, \"peak\": 82, "
				     "\"peak_at_s\": 2.000}"));
	assert_non_null(strstr(json, "\"opened\": 100"));
	assert_non_null(strstr(json, "\"ActiveOpens\": {\"total\": 100, \"peak_per_s\": 50.0}"));
	assert_null(strstr(json, "ListenDrops")); /* unknown: left out */
	assert_non_null(strstr(json, "\"time_wait_drain\": {\"drained\": true, \"seconds\": 0.000"));
	assert_int_equal(json[strlen(json) - 1], '\n');
	assert_null(strchr(json, '\n') + 1 == json + strlen(json) ? NULL : json);

	text = written(session_summary(s), false);
	assert_non_null(strstr(text, "Stress test done"));
	assert_non_null(strstr(text, "ESTABLISHED"));
	assert_null(strstr(text, "SYN_SENT")); /* never seen: no line */
	assert_non_null(strstr(text, "connections opened 100 (peak 50.0/s, mean 50.0/s)"));
	assert_non_null(strstr(text, "TIME_WAIT drained"));
	free(json);
	free(text);

	/* Saved as PREFIX.json and PREFIX.txt, with the same contents. */
	{
		char dir[] = "/tmp/test_session.XXXXXX", prefix[64], path[80], msg[256];
		char line[256];
		FILE *f;

		assert_non_null(mkdtemp(dir));
		snprintf(prefix, sizeof(prefix), "%s/run", dir);
		assert_int_equal(session_save(session_summary(s), prefix, msg, sizeof(msg)), 0);
		snprintf(path, sizeof(path), "%s.json", prefix);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_non_null(strstr(line, "{\"phase\": \"done\""));
		fclose(f);
		unlink(path);
		snprintf(path, sizeof(path), "%s.txt", prefix);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_non_null(strstr(line, "Stress test done"));
		fclose(f);
		unlink(path);
		rmdir(dir);
		assert_int_equal(session_save(session_summary(s), "/nonexistent/dir/run", msg,
					      sizeof(msg)),
				 -1);
		assert_non_null(strstr(msg, "cannot write /nonexistent/dir/run.json"));
	}
	session_free(s);
}

static struct closed_interval
events(uint32_t closed, uint32_t short_lived, uint64_t lost, uint64_t client, uint64_t server,
       double dt)
{
	struct closed_interval iv;

	memset(&iv, 0, sizeof(iv));
	iv.known = true;
	iv.interval_s = dt;
	iv.closed = closed;
	iv.short_lived = short_lived;
	iv.lost = lost;
	iv.has_opens = true;
	iv.opened_client = client;
	iv.opened_server = server;
	iv.closed_per_s = closed / dt;
	iv.opened_per_s = (double)(client + server) / dt;
	return iv;
}

/* With the close events heard at every sample, opens and closes are the
 * events' (exact), not the cookies' (which miss the short-lived); one
 * sample without them and the summary falls back on the cookies. */
static void
test_exact_from_events(void **state)
{
	struct session *s = session_new();
	struct snapshot *snap;
	struct statetrack_summary st = flow(1, 1, 1.0);
	struct closed_interval iv;
	const struct session_summary *sum;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(s);
	snap = sample(0, 0, 0, 0, 0);
	session_start(s, snap);
	/* The start sample's events belong before the test. */
	iv = events(50, 50, 0, 25, 25, 1.0);
	session_closes(s, snap, &iv);
	snapshot_unref(snap);
	assert_int_equal(session_summary(s)->closed, 0);

	snap = sample(1, 0, 0, 0, 0);
	session_sample(s, snap, &st);
	iv = events(40, 30, 2, 15, 5, 1.0);
	session_closes(s, snap, &iv);
	snapshot_unref(snap);
	snap = sample(2, 0, 0, 0, 0);
	session_sample(s, snap, &st);
	iv = events(100, 90, 0, 60, 40, 1.0);
	session_closes(s, snap, &iv);
	snapshot_unref(snap);

	sum = session_summary(s);
	assert_true(sum->from_events);
	assert_int_equal(sum->closed, 140);
	assert_int_equal(sum->opened, 120);
	assert_int_equal(sum->opened_client, 75);
	assert_int_equal(sum->opened_server, 45);
	assert_int_equal(sum->short_lived, 120);
	assert_int_equal(sum->events_lost, 2);
	assert_true(sum->closed_peak_per_s > 99.9 && sum->closed_peak_per_s < 100.1);
	assert_true(sum->closed_mean_per_s > 69.9 && sum->closed_mean_per_s < 70.1);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(session_write_json(sum, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "\"closed\": 140,"));
	assert_non_null(strstr(text, "\"events\": {\"opened_client\": 75, \"opened_server\": 45, "
				     "\"short_lived\": 120, \"lost\": 2}"));
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(session_write_text(sum, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "120 short-lived"));
	free(text);

	/* A sample without events: back to the cookies' 3 and 3. */
	snap = sample(3, 0, 0, 0, 0);
	session_sample(s, snap, &st);
	iv.known = false;
	session_closes(s, snap, &iv);
	snapshot_unref(snap);
	sum = session_summary(s);
	assert_false(sum->from_events);
	assert_int_equal(sum->closed, 3);
	assert_int_equal(sum->opened, 3);
	assert_int_equal(sum->short_lived, 0);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(session_write_json(sum, f), 0);
	fclose(f);
	assert_null(strstr(text, "\"events\""));
	free(text);
	session_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_ignores_samples),
		cmocka_unit_test(test_peaks_rates_counters_and_drain),
		cmocka_unit_test(test_counter_reset_stops_reporting),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_summaries),
		cmocka_unit_test(test_exact_from_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
