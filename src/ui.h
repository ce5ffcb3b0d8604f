/*
 * ui.h - the full-screen dashboard.
 *
 * Runs on the main thread, the only thread that touches curses.  It polls
 * the keyboard and the ring's wake descriptor, takes every new snapshot
 * from the ring into its history, and draws the newest one.
 */
#ifndef TCPDECK_UI_H
#define TCPDECK_UI_H

#include <stddef.h>

#include "filter.h"
#include "options.h"
#include "ring.h"
#include "sampler.h"

/*
 * Shows the dashboard until the user quits or the ring closes, filtered
 * by initial_filter (taken over; NULL for none).  The
 * terminal is restored before it returns.  Returns 0, or -1 with a
 * one-line cause (for example the sampler's failure).
 */
int ui_run(struct ring *ring, struct sampler *sampler, const struct options *opts,
	   struct filter *initial_filter, char *cause, size_t cause_len);

#endif
