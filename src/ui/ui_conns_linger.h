/*
 * ui_conns_linger.h - short-lived connections (closed before any sample
 * saw them) as lingering red rows of the connection table.
 *
 * The table calls, main thread only:
 *   new        when it is entered;
 *   sample     with every sample it is given: takes copies of the closed
 *              model's never-sampled closes heard in the linger_s seconds
 *              up to the sample on screen (newest first);
 *   count      the copies held, to size its rows;
 *   rows       when it builds its rows: appends those the filter
 *              selects, newest first, at most UI_CONNS_LINGER_MAX and at
 *              most half the screen's lines; returns how many.  The rows
 *              are valid until the next sample or free;
 *   free       when it is left.
 * The rows are marked CONN_GONE (drawn red, never acted on), in state
 * CLOSE, owned by the process the closed model names; their age counts
 * from the close.
 */
#ifndef TCPDECK_UI_CONNS_LINGER_H
#define TCPDECK_UI_CONNS_LINGER_H

#include <stddef.h>

#include "ui_internal.h"

/* Most lingering short-lived rows at once (see tcpdeck(1)). */
#define UI_CONNS_LINGER_MAX 20

struct ui_conns_linger;

struct ui_conns_linger *ui_conns_linger_new(void); /* NULL: none shown */
void ui_conns_linger_free(struct ui_conns_linger *l);
void ui_conns_linger_sample(struct ui_conns_linger *l, const struct ui *ui, double linger_s);
size_t ui_conns_linger_count(const struct ui_conns_linger *l);
size_t ui_conns_linger_rows(const struct ui_conns_linger *l, const struct filter *filter,
			    struct conn_row *rows);

#endif
