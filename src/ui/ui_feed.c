/*
 * ui_feed.c - what the dashboard derives from every sample besides the
 * snapshot on screen: the model pipeline (state flows +in/s -out/s,
 * findings, the kernel counters' rates and their history, the marked
 * stress test, each namespace's counts and history), fed every sample in
 * order, paused or not.
 *
 * The findings count every socket: the filter narrows what the views
 * show, not what the findings look at; the flows shown in the states view
 * follow the filter (the pipeline's selected flows).  Main thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "ui.h"
#include "ui_internal.h"

int
ui_feed_start(struct ui *ui, const struct ui_setup *setup, char *cause, size_t cause_len)
{
	const struct options *opts = setup->opts;
	struct pipeline_config cfg = {
		.models = PIPELINE_FLOWS | PIPELINE_FINDINGS | PIPELINE_COUNTERS | PIPELINE_TEST |
			  PIPELINE_NETNS | PIPELINE_CLOSED,
		.diag_config = setup->diag_cfg,
		.proc_root = "/proc",
		.mark_at_start = opts->mark || opts->summary_prefix != NULL,
		/* A namespace gone stays dimmed as long as a closed socket
		 * stays red in the table. */
		.netns_linger_s = opts->linger_s,
	};

	ui->on_sample = setup->on_sample;
	ui->on_sample_arg = setup->on_sample_arg;
	ui->pipe = pipeline_new(&cfg);
	if (ui->pipe == NULL) {
		snprintf(cause, cause_len, "out of memory for rates and findings");
		return -1;
	}
	return 0;
}

void
ui_feed_stop(struct ui *ui)
{
	pipeline_free(ui->pipe);
	ui->pipe = NULL;
}

bool
ui_feed_begin(struct ui *ui, struct snapshot *snap, uint64_t missed)
{
	pipeline_select(ui->pipe, ui->filter != NULL ? filter_selects : NULL, ui->filter);
	pipeline_feed_begin(ui->pipe, snap, missed);
	return ui_feed_step(ui);
}

bool
ui_feed_step(struct ui *ui)
{
	const struct pipeline_stats *stats;
	const struct snapshot *snap = pipeline_latest(ui->pipe);
	int rc = pipeline_feed_step(ui->pipe);

	if (rc > 0)
		return true;
	if (rc < 0)
		log_msg("ui: rates and findings failed (models 0x%x): %s",
			pipeline_stats(ui->pipe)->failed, strerror(errno));
	if (ui->on_sample != NULL) {
		char cause[256];

		if (ui->on_sample(ui->on_sample_arg, snap, ui->pipe, cause, sizeof(cause)) < 0)
			log_msg("ui: %s", cause);
	}
	/* CPU time of this thread: what the rates and findings add to a
	 * sample, for the log (bench/run-diag.sh reads it). */
	stats = pipeline_stats(ui->pipe);
	log_msg("ui: rates and findings of %zu sockets in %.3f ms cpu (rates %.3f ms)",
		snap->n_entries, stats->cpu_ms, stats->flows_cpu_ms);
	return false;
}

bool
ui_feeding(const struct ui *ui)
{
	return pipeline_feeding(ui->pipe);
}
