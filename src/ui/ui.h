/*
 * ui.h - the full-screen dashboard.
 *
 * Runs on the main thread, the only thread that touches curses.  It polls
 * the keyboard and the ring's wake descriptor, takes every new snapshot
 * from the ring into its history, and draws the newest one.
 */
#ifndef TCPDECK_UI_H
#define TCPDECK_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "diag_config.h"
#include "filter.h"
#include "options.h"
#include "ring.h"
#include "sampler.h"
#include "settings.h"
#include "source_record.h"

struct pipeline;
struct snapshot;

/* What the dashboard runs on. */
struct ui_setup {
	struct ring *ring;
	struct sampler *sampler;
	const struct options *opts;
	struct filter *filter;                /* taken over; NULL for none */
	const struct diag_config *diag_cfg;   /* NULL: default thresholds */
	struct source_record_control *replay; /* a recording's controls, or
					       * NULL for live data */
	/* Called with every sample right after the dashboard's models took
	 * it (the Prometheus exporter running beside the dashboard); a
	 * failure goes to the log.  NULL: none. */
	int (*on_sample)(void *arg, const struct snapshot *snap, const struct pipeline *pipe,
			 char *cause, size_t cause_len);
	void *on_sample_arg;
	/* The dashboard's settings (the config file's, under the command
	 * line's) and the file the setup screen saves them to (NULL: none).
	 * NULL settings: the defaults. */
	const struct settings *settings;
	const char *settings_path;
	const char *settings_note; /* shown in the status line at start, or
				    * NULL/"" (a bad setting) */
};

/*
 * Shows the dashboard until the user quits or the ring closes, filtered
 * by setup->filter, with the findings' thresholds from setup->diag_cfg.
 * With setup->replay, the pause, step, seek and speed keys drive the
 * replay.  The terminal is restored before it returns; then, when a
 * stress test was marked (m or --mark), its summary is printed on
 * standard output and, with --summary, saved.  Returns 0, or -1 with a
 * one-line cause (for example the sampler's failure).
 */
int ui_run(const struct ui_setup *setup, char *cause, size_t cause_len);

/* Whether the dashboard has a view with this title ("conns"), for the
 * ui.view setting. */
bool ui_view_name_ok(const char *name);

#endif
