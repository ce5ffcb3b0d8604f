/*
 * batch.h - batch mode: the sampler's snapshots printed as lines.
 *
 * Runs on the main thread in place of the UI and reads the ring the same
 * way the UI does, so scripts see exactly what the dashboard counts.
 */
#ifndef TCPDECK_BATCH_H
#define TCPDECK_BATCH_H

#include <signal.h>
#include <stdio.h>

#include "diag_config.h"
#include "output.h"
#include "ring.h"
#include "sampler.h"
#include "source.h"

/*
 * Prints every snapshot the sampler publishes until the ring closes.
 * Returns 0 when the sampler ended normally (sample limit, end of input),
 * or -1 with a one-line cause (source failure, write error).
 */
int batch_run(struct ring *ring, struct sampler *sampler, const struct output_format *format,
	      enum output_view view, FILE *out, char *cause, size_t cause_len);

struct pipeline;

/* What batch mode prints beyond format and view. */
struct batch_request {
	const struct output_format *format;
	enum output_view view;
	output_match_fn match;     /* socket filter, NULL for all */
	const void *filter;
	int sort_column;           /* enum conn_column, -1: dump order */
	bool sort_descending;
	int peers_by;              /* peers view: PEERS_BY_TOTAL or a state */
	unsigned int peers_top;    /* peers view: rows per kind, 0: all */
	const struct diag_config *diag_config; /* diagnoses view: thresholds,
						* NULL for the defaults */
	bool mark;                 /* --mark: the run is a stress test whose
				    * summary is printed at the end */
	const char *summary_prefix;/* --summary: also saved as PREFIX.json
				    * and PREFIX.txt */
	/* Set (by a signal handler) to end the run early, printing what a
	 * marked test gathered; NULL when not used. */
	const volatile sig_atomic_t *stop;
	/* Called with every sample right after the models took it (the
	 * Prometheus exporter, prom_export_feed()); findings are then built
	 * whatever the view.  Returns 0, or -1 with a cause, which ends the
	 * run.  NULL: none. */
	int (*on_sample)(void *arg, const struct snapshot *snap, const struct pipeline *pipe,
			 char *cause, size_t cause_len);
	void *on_sample_arg;
	/* listen, conns: the columns shown (--columns), NULL or empty: the
	 * view's own; what they need is all a sample collects. */
	const struct output_columns *columns;
	bool no_header;            /* -H: no header lines (text, CSV) */
};

/* batch_run() with a filter and a sort order. */
int batch_run_request(struct ring *ring, struct sampler *sampler, const struct batch_request *req,
		      FILE *out, char *cause, size_t cause_len);

/*
 * Prints every sample of src on this thread, as fast as they come and
 * without a sampler or ring, so none is skipped: batch replay of a
 * recording.  interval_s stands in for the spacing before the first
 * sample; max_samples (0: all) stops early.  out NULL prints nothing.  Returns 0 at the source's end (its
 * remark, such as where a recording was cut, goes to stderr), or -1 with
 * a cause.
 */
int batch_run_source(struct source *src, double interval_s, unsigned long max_samples,
		     const struct batch_request *req, FILE *out, char *cause, size_t cause_len);

/*
 * What the live source has to dump for batch output of `view` with
 * `filter` (may be NULL), filled into *opts (zeroed first), as the view's
 * entry in the view table says (output.h): the filter's states and
 * bytecode when the view shows only selected sockets, tcp_info and the
 * kernel's counters only when it shows them.
 */
void batch_live_options(enum output_view view, const struct filter *filter,
			struct source_live_options *opts);

/* batch_live_options() for a view showing only `columns` (NULL or empty:
 * all of them; output_needs()): without a tcp_info column, say, the
 * kernel is asked for none. */
void batch_live_options_for(enum output_view view, const struct output_columns *columns,
			    const struct filter *filter, struct source_live_options *opts);

/*
 * Waits for the first snapshot the sampler publishes and returns it (a
 * reference), or NULL with a one-line cause when the sampler failed or
 * ended first.
 */
struct snapshot *batch_first(struct ring *ring, char *cause, size_t cause_len);

#endif
