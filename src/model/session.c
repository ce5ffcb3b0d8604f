/*
 * session.c - peaks, rates and drain time of a marked stress test.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "safe_file.h"
#include "session.h"
#include "timespec_util.h"

static const enum kcounter reported[SESSION_COUNTERS] = {
	KC_ACTIVE_OPENS,     KC_PASSIVE_OPENS,    KC_ATTEMPT_FAILS, KC_ESTAB_RESETS,
	KC_OUT_RSTS,         KC_RETRANS_SEGS,     KC_LISTEN_OVERFLOWS,
	KC_LISTEN_DROPS,     KC_SYNCOOKIES_SENT,  KC_TIMEOUTS,
};

/* What the close events told of the samples they came with. */
struct session_events {
	uint64_t samples;          /* samples of the test that had them */
	uint64_t opened, closed, opened_client, opened_server, short_lived, lost;
	double opened_peak_per_s, closed_peak_per_s;
};

struct session {
	struct session_summary sum;
	double start_mono, end_mono, last_mono;
	struct kcounters at_start, last;
	bool has_last;
	/* From the cookies sampled (statetrack), kept apart so the summary
	 * can fall back on them when the events were not heard throughout. */
	uint64_t st_opened, st_closed;
	double st_opened_peak, st_closed_peak;
	struct session_events ev;
};

struct session *
session_new(void)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->sum.phase = SESSION_IDLE;
	return s;
}

void
session_free(struct session *s)
{
	free(s);
}

int
session_start(struct session *s, const struct snapshot *snap)
{
	memset(&s->sum, 0, sizeof(s->sum));
	s->st_opened = s->st_closed = 0;
	s->st_opened_peak = s->st_closed_peak = 0;
	memset(&s->ev, 0, sizeof(s->ev));
	s->sum.phase = SESSION_RUNNING;
	s->sum.start_wall = snap->taken_wall.tv_sec;
	s->start_mono = timespec_seconds(&snap->taken_mono);
	s->last_mono = s->start_mono;
	for (int st = 0; st < TCP_STATE_COUNT; st++) {
		struct session_state_peak *p = &s->sum.states[st];

		p->at_start = p->at_end = p->peak = snap->counts[st];
		p->peak_at = 0;
		p->peak_wall = s->sum.start_wall;
	}
	s->at_start = snap->counters;
	s->last = snap->counters;
	s->has_last = true;
	for (int i = 0; i < SESSION_COUNTERS; i++) {
		s->sum.counters[i].counter = reported[i];
		s->sum.counters[i].known = kcounters_has(&snap->counters, reported[i]);
	}
	return 0;
}

/* After the end: only TIME_WAIT's way back to where it started. */
static void
drain_sample(struct session *s, const struct snapshot *snap, double now)
{
	uint32_t tw = snap->counts[TCP_STATE_TIME_WAIT];

	s->sum.drain_s = now - s->end_mono;
	s->sum.time_wait_left = tw;
	if (tw <= s->sum.states[TCP_STATE_TIME_WAIT].at_start) {
		s->sum.drained = true;
		s->sum.phase = SESSION_DONE;
	}
}

void
session_end(struct session *s, const struct snapshot *snap)
{
	if (s->sum.phase != SESSION_RUNNING)
		return;
	s->end_mono = timespec_seconds(&snap->taken_mono);
	s->sum.end_wall = snap->taken_wall.tv_sec;
	s->sum.duration_s = s->end_mono - s->start_mono;
	s->sum.phase = SESSION_DRAINING;
	/* The end sample itself may already be drained. */
	drain_sample(s, snap, s->end_mono);
}

static void
counters_sample(struct session *s, const struct kcounters *now, double dt)
{
	for (int i = 0; i < SESSION_COUNTERS; i++) {
		struct session_counter *c = &s->sum.counters[i];
		uint64_t total;
		double rate;

		if (!c->known)
			continue;
		if (!kcounters_delta(&s->at_start, now, c->counter, &total)) {
			/* Gone or reset: what was counted stands. */
			c->known = false;
			continue;
		}
		c->total = total;
		if (s->has_last && kcounters_rate(&s->last, now, c->counter, dt, &rate) &&
		    rate > c->peak_per_s)
			c->peak_per_s = rate;
	}
	s->last = *now;
	s->has_last = true;
}

/* Opens and closes in the summary: the events' when they were heard
 * with every sample of the test, else the cookies'. */
static void
summarize_flows(struct session *s)
{
	struct session_summary *sum = &s->sum;
	double elapsed = sum->duration_s;

	sum->from_events = sum->samples > 0 && s->ev.samples == sum->samples;
	if (sum->from_events) {
		sum->opened = s->ev.opened;
		sum->closed = s->ev.closed;
		sum->opened_peak_per_s = s->ev.opened_peak_per_s;
		sum->closed_peak_per_s = s->ev.closed_peak_per_s;
		sum->opened_client = s->ev.opened_client;
		sum->opened_server = s->ev.opened_server;
		sum->short_lived = s->ev.short_lived;
		sum->events_lost = s->ev.lost;
	} else {
		sum->opened = s->st_opened;
		sum->closed = s->st_closed;
		sum->opened_peak_per_s = s->st_opened_peak;
		sum->closed_peak_per_s = s->st_closed_peak;
		sum->opened_client = sum->opened_server = 0;
		sum->short_lived = sum->events_lost = 0;
	}
	sum->opened_mean_per_s = elapsed > 0 ? (double)sum->opened / elapsed : 0;
	sum->closed_mean_per_s = elapsed > 0 ? (double)sum->closed / elapsed : 0;
}

void
session_sample(struct session *s, const struct snapshot *snap, const struct statetrack_summary *st)
{
	double now = timespec_seconds(&snap->taken_mono), elapsed, dt;

	if (s->sum.phase == SESSION_IDLE || s->sum.phase == SESSION_DONE || now <= s->last_mono)
		return;
	dt = now - s->last_mono;
	s->last_mono = now;
	if (s->sum.phase == SESSION_DRAINING) {
		drain_sample(s, snap, now);
		return;
	}
	elapsed = now - s->start_mono;
	s->sum.samples++;
	s->sum.duration_s = elapsed;
	for (int i = 0; i < TCP_STATE_COUNT; i++) {
		struct session_state_peak *p = &s->sum.states[i];

		p->at_end = snap->counts[i];
		if (snap->counts[i] > p->peak) {
			p->peak = snap->counts[i];
			p->peak_at = elapsed;
			p->peak_wall = snap->taken_wall.tv_sec;
		}
	}
	if (st != NULL && st->has_rates) {
		s->st_opened += st->opened;
		s->st_closed += st->closed;
		if (st->opened_per_s > s->st_opened_peak)
			s->st_opened_peak = st->opened_per_s;
		if (st->closed_per_s > s->st_closed_peak)
			s->st_closed_peak = st->closed_per_s;
	}
	summarize_flows(s);
	counters_sample(s, &snap->counters, dt);
}

void
session_closes(struct session *s, const struct snapshot *snap, const struct closed_interval *iv)
{
	double now = timespec_seconds(&snap->taken_mono);

	/* Only the sample session_sample() just took in as part of the
	 * test: not the one it started at, nor one after its end. */
	if (s->sum.phase != SESSION_RUNNING || now != s->last_mono || now <= s->start_mono ||
	    !iv->known || !iv->has_opens)
		return;
	s->ev.samples++;
	s->ev.closed += iv->closed;
	s->ev.short_lived += iv->short_lived;
	s->ev.lost += iv->lost;
	s->ev.opened_client += iv->opened_client;
	s->ev.opened_server += iv->opened_server;
	s->ev.opened += iv->opened_client + iv->opened_server;
	if (iv->closed_per_s > s->ev.closed_peak_per_s)
		s->ev.closed_peak_per_s = iv->closed_per_s;
	if (iv->opened_per_s > s->ev.opened_peak_per_s)
		s->ev.opened_peak_per_s = iv->opened_per_s;
	summarize_flows(s);
}

enum session_phase
session_phase(const struct session *s)
{
	return s->sum.phase;
}

const struct session_summary *
session_summary(const struct session *s)
{
	return &s->sum;
}

static const char *
phase_name(enum session_phase p)
{
	switch (p) {
	case SESSION_RUNNING:
		return "running";
	case SESSION_DRAINING:
		return "draining";
	case SESSION_DONE:
		return "done";
	default:
		return "idle";
	}
}

static void
iso_time(time_t t, char *out, size_t n)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(out, n, "-");
		return;
	}
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
session_write_json(const struct session_summary *sum, FILE *out)
{
	char start[32], end[32];
	bool first = true;

	iso_time(sum->start_wall, start, sizeof(start));
	iso_time(sum->end_wall, end, sizeof(end));
	fprintf(out, "{\"phase\": \"%s\", \"start\": \"%s\", ", phase_name(sum->phase), start);
	if (sum->end_wall != 0)
		fprintf(out, "\"end\": \"%s\", ", end);
	else
		fprintf(out, "\"end\": null, ");
	fprintf(out, "\"duration_s\": %.3f, \"samples\": %llu, \"states\": {", sum->duration_s,
		(unsigned long long)sum->samples);
	for (int i = 0; i < TCP_STATE_COUNT; i++) {
		const struct session_state_peak *p = &sum->states[i];

		fprintf(out, "%s\"%s\": {\"start\": %u, \"end\": %u, \"peak\": %u, \"peak_at_s\": %.3f}",
			i ? ", " : "", tcp_state_name((enum tcp_state)i), p->at_start, p->at_end,
			p->peak, p->peak_at);
	}
	fprintf(out,
		"}, \"opened\": %llu, \"closed\": %llu, \"opened_per_s\": {\"peak\": %.1f, \"mean\": "
		"%.1f}, \"closed_per_s\": {\"peak\": %.1f, \"mean\": %.1f}, ",
		(unsigned long long)sum->opened, (unsigned long long)sum->closed,
		sum->opened_peak_per_s, sum->opened_mean_per_s, sum->closed_peak_per_s,
		sum->closed_mean_per_s);
	/* Only when exact: summaries of sources without close events keep
	 * their shape. */
	if (sum->from_events)
		fprintf(out,
			"\"events\": {\"opened_client\": %llu, \"opened_server\": %llu, "
			"\"short_lived\": %llu, \"lost\": %llu}, ",
			(unsigned long long)sum->opened_client, (unsigned long long)sum->opened_server,
			(unsigned long long)sum->short_lived, (unsigned long long)sum->events_lost);
	fprintf(out, "\"counters\": {");
	for (int i = 0; i < SESSION_COUNTERS; i++) {
		const struct session_counter *c = &sum->counters[i];

		if (!c->known)
			continue;
		fprintf(out, "%s\"%s\": {\"total\": %llu, \"peak_per_s\": %.1f}", first ? "" : ", ",
			kcounter_name(c->counter), (unsigned long long)c->total, c->peak_per_s);
		first = false;
	}
	fprintf(out, "}, \"time_wait_drain\": ");
	if (sum->phase == SESSION_RUNNING || sum->phase == SESSION_IDLE)
		fprintf(out, "null");
	else
		fprintf(out, "{\"drained\": %s, \"seconds\": %.3f, \"left\": %u}",
			sum->drained ? "true" : "false", sum->drain_s, sum->time_wait_left);
	fprintf(out, "}\n");
	return ferror(out) ? -1 : 0;
}

int
session_write_text(const struct session_summary *sum, FILE *out)
{
	char start[32], end[32], dur[32], num[32];

	iso_time(sum->start_wall, start, sizeof(start));
	iso_time(sum->end_wall, end, sizeof(end));
	format_duration(sum->duration_s, dur, sizeof(dur));
	fprintf(out, "Stress test %s: %s to %s (%s, %llu samples)\n", phase_name(sum->phase), start,
		sum->end_wall != 0 ? end : "now", dur, (unsigned long long)sum->samples);
	fprintf(out, "\n%-12s %9s %9s %9s  %s\n", "STATE", "START", "PEAK", "END", "PEAK AT");
	for (int i = 0; i < TCP_STATE_COUNT; i++) {
		const struct session_state_peak *p = &sum->states[i];

		if (p->peak == 0)
			continue;
		if (p->peak_at > 0) {
			num[0] = '+';
			format_duration(p->peak_at, num + 1, sizeof(num) - 1);
		} else {
			snprintf(num, sizeof(num), "at start");
		}
		fprintf(out, "%-12s %9u %9u %9u  %s\n", tcp_state_name((enum tcp_state)i),
			p->at_start, p->peak, p->at_end, num);
	}
	fprintf(out, "\nconnections opened %llu (peak %.1f/s, mean %.1f/s), closed %llu (peak "
		     "%.1f/s, mean %.1f/s)\n",
		(unsigned long long)sum->opened, sum->opened_peak_per_s, sum->opened_mean_per_s,
		(unsigned long long)sum->closed, sum->closed_peak_per_s, sum->closed_mean_per_s);
	if (sum->from_events)
		fprintf(out,
			"  exact, from the kernel's close events and open counters:\n"
			"  %llu opened as client, %llu as server; %llu short-lived; %llu events lost\n",
			(unsigned long long)sum->opened_client, (unsigned long long)sum->opened_server,
			(unsigned long long)sum->short_lived, (unsigned long long)sum->events_lost);
	fprintf(out, "\n%-22s %12s %12s\n", "KERNEL COUNTER", "DURING TEST", "PEAK /s");
	for (int i = 0; i < SESSION_COUNTERS; i++) {
		const struct session_counter *c = &sum->counters[i];

		if (!c->known)
			continue;
		fprintf(out, "%-22s %12llu %12.1f\n", kcounter_label(c->counter),
			(unsigned long long)c->total, c->peak_per_s);
	}
	if (sum->phase == SESSION_DONE) {
		format_duration(sum->drain_s, num, sizeof(num));
		fprintf(out, "\nTIME_WAIT drained %s after the end\n", num);
	} else if (sum->phase == SESSION_DRAINING && sum->drain_s <= 0) {
		/* The test ended with the run: no sample came after its end. */
		fprintf(out, "\nTIME_WAIT not drained when the run ended: %u left (start: %u)\n",
			sum->time_wait_left, sum->states[TCP_STATE_TIME_WAIT].at_start);
	} else if (sum->phase == SESSION_DRAINING) {
		format_duration(sum->drain_s, num, sizeof(num));
		fprintf(out, "\nTIME_WAIT still draining: %u left %s after the end (start: %u)\n",
			sum->time_wait_left, num, sum->states[TCP_STATE_TIME_WAIT].at_start);
	}
	return ferror(out) ? -1 : 0;
}

int
session_save(const struct session_summary *sum, const char *prefix, char *msg, size_t msg_len)
{
	static const char *const ext[2] = {"json", "txt"};
	char path[4096];

	for (int i = 0; i < 2; i++) {
		struct safe_file sf;
		FILE *f;
		int rc;

		/* Whole or not at all, and never through a planted link. */
		snprintf(path, sizeof(path), "%s.%s", prefix, ext[i]);
		if (safe_file_begin(&sf, path, 0644) < 0 || (f = safe_file_stream(&sf)) == NULL) {
			safe_file_abort(&sf);
			snprintf(msg, msg_len, "cannot write %s: %s", path, safe_file_strerror(errno));
			return -1;
		}
		rc = i == 0 ? session_write_json(sum, f) : session_write_text(sum, f);
		if (rc < 0 || ferror(f)) {
			if (errno == 0)
				errno = EIO;
			safe_file_abort(&sf);
			snprintf(msg, msg_len, "cannot write %s: %s", path, strerror(errno));
			return -1;
		}
		if (safe_file_commit(&sf) < 0) {
			snprintf(msg, msg_len, "cannot write %s: %s", path, safe_file_strerror(errno));
			return -1;
		}
	}
	return 0;
}
