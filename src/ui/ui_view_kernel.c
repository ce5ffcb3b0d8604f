/*
 * ui_view_kernel.c - the kernel's TCP counters, live: each counter's
 * rate per second with a sparkline of its history, the `sar -n
 * TCP,ETCP` view without the arithmetic.  Counters are per network
 * namespace (the one tcpdeck runs in).  Above them, when the source
 * hears the kernel's close events, the exact figures of the latest
 * interval: closes, short-lived closes and opens (client and server)
 * per second, and events lost.  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "format.h"
#include "ui_internal.h"

enum {
	LABEL_WIDTH = 26,
	VALUE_WIDTH = 14,
	RATE_WIDTH = 10,
	SPARK_COLUMN = LABEL_WIDTH + 1 + VALUE_WIDTH + 1 + RATE_WIDTH + 2,
};

/* The view's state: how far it is scrolled. */
struct kernel_view {
	struct ui_scroll scroll;
};

/* Counters that mean trouble when they move. */
static bool
is_bad_news(enum kcounter c)
{
	switch (c) {
	case KC_ATTEMPT_FAILS:
	case KC_ESTAB_RESETS:
	case KC_RETRANS_SEGS:
	case KC_IN_ERRS:
	case KC_LISTEN_OVERFLOWS:
	case KC_LISTEN_DROPS:
	case KC_SYNCOOKIES_SENT:
	case KC_SYNCOOKIES_FAILED:
	case KC_TIMEOUTS:
	case KC_ABORT_ON_MEMORY:
	case KC_REQ_Q_FULL_DROP:
		return true;
	default:
		return false;
	}
}

/* One line of exact figures from the close events; returns the rows
 * drawn (0 when the source does not hear them). */
static int
draw_events(struct ui *ui, const struct snapshot *snap, int top, int cols)
{
	const struct closed_model *m = ui->pipe != NULL ? pipeline_closed(ui->pipe) : NULL;
	const struct closed_interval *iv;
	char opens[64];

	if (m == NULL || snap == NULL || !snap->has_closes)
		return 0;
	iv = closed_model_interval(m);
	if (iv->has_opens && iv->interval_s > 0)
		snprintf(opens, sizeof(opens), "client %.1f server %.1f",
			 (double)iv->opened_client / iv->interval_s,
			 (double)iv->opened_server / iv->interval_s);
	else
		snprintf(opens, sizeof(opens), "-");
	attrset(A_BOLD);
	mvaddnstr(top, 0, "events", cols);
	attrset(iv->lost > 0 ? ui_term_attr(ui, UI_COLOR_WATCH) : (int)A_NORMAL);
	ui_putf(top, 7, cols - 7,
		"closes/s %.1f  short-lived/s %.1f  opens/s %s  lost %" PRIu64,
		iv->closed_per_s, iv->short_lived_per_s, opens, iv->lost);
	attrset(A_NORMAL);
	return 1;
}

static void
kernel_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct kernel_view *v = state;
	const struct snapshot *snap = pipeline_latest(ui->pipe);
	int spark_width = cols - SPARK_COLUMN - 1, row = top + 1, shown = 0;
	uint32_t *values = NULL;
	char *spark = NULL;
	size_t spark_size = 0;
	int band = draw_events(ui, snap, top, cols);

	top += band;
	height -= band;
	row += band;
	attrset(A_BOLD);
	mvprintw(top, 0, "%-*s %*s %*s  %s", LABEL_WIDTH, "KERNEL COUNTER", VALUE_WIDTH, "VALUE",
		 RATE_WIDTH, "PER SEC", "history (this network namespace)");
	attrset(A_NORMAL);
	if (snap == NULL || snap->counters.present == 0) {
		mvaddnstr(top + 2, 2,
			  snap == NULL ? "waiting for the first sample..."
				       : "this source has no kernel counters (an ss dump)",
			  cols - 2);
		return;
	}
	if (spark_width > 0) {
		values = calloc((size_t)spark_width, sizeof(*values));
		spark_size = sparkline_bytes_needed((size_t)spark_width, ui->charset);
		spark = malloc(spark_size);
	}
	ui_scroll_fit(&v->scroll, KC_COUNT, height - 1);
	for (int c = 0; c < KC_COUNT && row < top + height; c++) {
		char value[32], rate[32];
		double per_s = 0;
		bool known = pipeline_counter_rate(ui->pipe, (enum kcounter)c, &per_s);
		bool moving = known && per_s > 0 && !kcounter_is_gauge((enum kcounter)c);
		int attr;
		size_t n;

		if (!kcounters_has(&snap->counters, (enum kcounter)c))
			continue;
		if (shown++ < v->scroll.top)
			continue;
		format_count(snap->counters.value[c], value, sizeof(value));
		if (kcounter_is_gauge((enum kcounter)c))
			snprintf(rate, sizeof(rate), "%s", "gauge");
		else if (known)
			snprintf(rate, sizeof(rate), "%.1f", per_s);
		else
			snprintf(rate, sizeof(rate), "-");
		attr = moving && is_bad_news((enum kcounter)c) ? ui_term_attr(ui, UI_COLOR_WATCH)
							       : (int)A_NORMAL;
		attrset(attr);
		mvprintw(row, 0, "%-*.*s", LABEL_WIDTH, LABEL_WIDTH, kcounter_label((enum kcounter)c));
		attrset(A_NORMAL);
		mvprintw(row, LABEL_WIDTH + 1, "%*s", VALUE_WIDTH, value);
		attrset(moving ? A_BOLD : A_NORMAL);
		mvprintw(row, LABEL_WIDTH + 1 + VALUE_WIDTH + 1, "%*s", RATE_WIDTH, rate);
		attrset(A_NORMAL);
		if (values != NULL && spark != NULL) {
			n = history_read(pipeline_counter_history(ui->pipe), (size_t)c, 0,
					 (size_t)spark_width, values);
			if (n > 0) {
				sparkline_render(values, n, ui->charset, spark, spark_size);
				attrset(attr);
				mvaddstr(row, SPARK_COLUMN + spark_width - (int)n, spark);
				attrset(A_NORMAL);
			}
		}
		row++;
	}
	free(values);
	free(spark);
}

static struct ui_scroll *
kernel_scroll(void *state)
{
	return &((struct kernel_view *)state)->scroll;
}

static const struct ui_key kernel_keys[] = {
	UI_SCROLL_KEYS_LINE,
};

const struct ui_view ui_view_kernel = {
	.key = '5',
	.title = "kernel",
	.help = "the kernel's TCP counters per second",
	.state_size = sizeof(struct kernel_view),
	.draw = kernel_draw,
	.scroll = kernel_scroll,
	.keys = kernel_keys,
	.n_keys = sizeof(kernel_keys) / sizeof(kernel_keys[0]),
};
