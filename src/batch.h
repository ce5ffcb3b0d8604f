/*
 * batch.h - batch mode: the sampler's snapshots printed as lines.
 *
 * Runs on the main thread in place of the UI and reads the ring the same
 * way the UI does, so scripts see exactly what the dashboard counts.
 */
#ifndef TCPDECK_BATCH_H
#define TCPDECK_BATCH_H

#include <stdio.h>

#include "output.h"
#include "ring.h"
#include "sampler.h"

/*
 * Prints every snapshot the sampler publishes until the ring closes.
 * Returns 0 when the sampler ended normally (sample limit, end of input),
 * or -1 with a one-line cause (source failure, write error).
 */
int batch_run(struct ring *ring, struct sampler *sampler, const struct output_format *format,
	      enum output_view view, FILE *out, char *cause, size_t cause_len);

/* What batch mode prints beyond format and view. */
struct batch_request {
	const struct output_format *format;
	enum output_view view;
	output_match_fn match;     /* socket filter, NULL for all */
	const void *filter;
	int sort_column;           /* enum conn_column, -1: dump order */
	bool sort_descending;
};

/* batch_run() with a filter and a sort order. */
int batch_run_request(struct ring *ring, struct sampler *sampler, const struct batch_request *req,
		      FILE *out, char *cause, size_t cause_len);

/*
 * Waits for the first snapshot the sampler publishes and returns it (a
 * reference), or NULL with a one-line cause when the sampler failed or
 * ended first.
 */
struct snapshot *batch_first(struct ring *ring, char *cause, size_t cause_len);

#endif
