/*
 * ui_feed.c - what the dashboard derives from every sample besides the
 * snapshot on screen: state flows (+in/s -out/s), findings, the kernel
 * counters' rates and their history, and the marked stress test.
 *
 * Every sample taken from the ring is fed here, in order, paused or not,
 * so rates span one interval and a finding's "since" stays true.  The
 * findings count every socket: the filter narrows what the views show,
 * not what the findings look at; the flows shown in the states view
 * follow the filter.  Main thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "ui_internal.h"
#include "timespec_util.h"

int
ui_feed_start(struct ui *ui, const struct diag_config *cfg, char *cause, size_t cause_len)
{
	ui->st = statetrack_new();
	ui->diag = diagnose_new(cfg, "/proc");
	ui->kc_history = history_new_series(HISTORY_DEFAULT_CAPACITY, KC_COUNT);
	ui->session = session_new();
	if (ui->st == NULL || ui->diag == NULL || ui->kc_history == NULL || ui->session == NULL) {
		snprintf(cause, cause_len, "out of memory for rates and findings");
		ui_feed_stop(ui);
		return -1;
	}
	ui->peers_by = PEERS_BY_TOTAL;
	ui->diag_cfg = cfg;
	return 0;
}

int
ui_feed_reset(struct ui *ui)
{
	struct statetrack *st = statetrack_new();
	struct diagnose *diag = diagnose_new(ui->diag_cfg, "/proc");

	if (st == NULL || diag == NULL) {
		statetrack_free(st);
		diagnose_free(diag);
		return -1;
	}
	statetrack_free(ui->st);
	diagnose_free(ui->diag);
	statetrack_free(ui->st_filtered);
	ui->st_filtered = NULL;
	ui->st = st;
	ui->diag = diag;
	history_clear(ui->kc_history);
	ui->kc_has_prev = false;
	ui->kc_rate_known = 0;
	return 0;
}

void
ui_feed_stop(struct ui *ui)
{
	statetrack_free(ui->st);
	statetrack_free(ui->st_filtered);
	diagnose_free(ui->diag);
	history_free(ui->kc_history);
	session_free(ui->session);
	peers_free(ui->peers);
	snapshot_unref(ui->latest);
	ui->st = NULL;
	ui->st_filtered = NULL;
	ui->st_filter = NULL;
	ui->diag = NULL;
	ui->kc_history = NULL;
	ui->session = NULL;
	ui->peers = NULL;
	ui->latest = NULL;
}

/* Counter rates since the sample before, into ui->kc_rate and a history
 * row (rates rounded to whole numbers per second; unknown: a gap). */
static void
feed_counters(struct ui *ui, const struct snapshot *snap, uint64_t missed)
{
	double now = timespec_seconds(&snap->taken_mono);
	uint32_t row[KC_COUNT];

	ui->kc_rate_known = 0;
	for (int c = 0; c < KC_COUNT; c++) {
		double rate;

		row[c] = HISTORY_GAP;
		if (!ui->kc_has_prev ||
		    !kcounters_rate(&ui->kc_prev, &snap->counters, (enum kcounter)c,
				    now - ui->kc_prev_time, &rate))
			continue;
		ui->kc_rate[c] = rate;
		ui->kc_rate_known |= 1u << c;
		row[c] = rate >= (double)(HISTORY_GAP - 1) ? HISTORY_GAP - 1 : (uint32_t)(rate + 0.5);
	}
	if (missed > 0)
		history_push_gaps(ui->kc_history, missed);
	history_push(ui->kc_history, row);
	ui->kc_prev = snap->counters;
	ui->kc_prev_time = now;
	ui->kc_has_prev = snap->counters.present != 0;
}

/* The states view's flows follow the filter: a tracker of the selected
 * sockets, started afresh when the filter changes. */
static void
feed_filtered(struct ui *ui, const struct snapshot *snap)
{
	if (ui->filter != ui->st_filter || ui->filter == NULL) {
		statetrack_free(ui->st_filtered);
		ui->st_filtered = NULL;
		ui->st_filter = ui->filter;
	}
	if (ui->filter == NULL)
		return;
	if (ui->st_filtered == NULL)
		ui->st_filtered = statetrack_new();
	if (ui->st_filtered != NULL &&
	    statetrack_update_selected(ui->st_filtered, snap, filter_selects, ui->filter) < 0)
		log_msg("ui: state tracking out of memory: %s", strerror(errno));
}

void
ui_feed_sample(struct ui *ui, struct snapshot *snap, uint64_t missed)
{
	struct timespec t0, tm, t1;

	snapshot_unref(ui->latest);
	ui->latest = snapshot_ref(snap);
	if (ui->st == NULL)
		return;
	/* CPU time of this thread: what the rates and findings add to a
	 * sample, for the log (bench/run-diag.sh reads it). */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (statetrack_update(ui->st, snap) < 0)
		log_msg("ui: state tracking out of memory: %s", strerror(errno));
	feed_filtered(ui, snap);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tm);
	if (diagnose_update(ui->diag, snap, ui->st) < 0)
		log_msg("ui: diagnoses failed: %s", strerror(errno));
	feed_counters(ui, snap, missed);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	log_msg("ui: rates and findings of %zu sockets in %.3f ms cpu (rates %.3f ms)",
		snap->n_entries,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		(double)(tm.tv_sec - t0.tv_sec) * 1e3 + (double)(tm.tv_nsec - t0.tv_nsec) / 1e6);
	if (ui->mark_at_start && session_phase(ui->session) == SESSION_IDLE)
		session_start(ui->session, snap);
	else
		session_sample(ui->session, snap, statetrack_summary(ui->st));
}
