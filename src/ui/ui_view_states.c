/*
 * ui_view_states.c - the per-state panel: count, change since the
 * previous sample, sockets entering and leaving the state per second, and
 * a sparkline of the state's history as wide as the terminal allows.
 * Main thread only; reads, never samples.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "ui_internal.h"

/* Column layout of a state row: name, count, change, [in/s, out/s,]
 * sparkline.  The rates need a terminal of RATES_MIN_COLS. */
enum {
	NAME_WIDTH = 12,
	COUNT_WIDTH = 9,
	DELTA_WIDTH = 8,
	RATE_WIDTH = 9,
	RATES_COLUMN = NAME_WIDTH + 1 + COUNT_WIDTH + 1 + DELTA_WIDTH,
	RATES_MIN_COLS = 80,
};

/* The flows of the newest sample, over the filter's sockets: shown when
 * the screen shows that sample too (not paused). */
static const struct statetrack_summary *
flows(const struct ui *ui)
{
	const struct statetrack *st = pipeline_flows_of(ui->pipe, ui->filter);
	const struct statetrack_summary *sum;

	if (st == NULL || ui->paused)
		return NULL;
	sum = statetrack_summary(st);
	return sum->has_rates ? sum : NULL;
}

static void
format_rate(char sign, double per_s, char *out, size_t n)
{
	if (per_s <= 0)
		snprintf(out, n, "-");
	else if (per_s < 10)
		snprintf(out, n, "%c%.1f/s", sign, per_s);
	else
		snprintf(out, n, "%c%.0f/s", sign, per_s);
}

static void
draw_state_row(struct ui *ui, int row, enum tcp_state state, int spark_column, int spark_width,
	       uint32_t *values, char *spark, size_t spark_size)
{
	const struct snapshot *snap = ui->shown;
	char count[32], delta[32];
	uint32_t now = snap != NULL ? ui->shown_counts[state] : 0;
	size_t n;
	int attr = ui_term_attr(ui, tcp_state_is_steady(state) ? UI_COLOR_STEADY : UI_COLOR_WATCH);

	format_count(now, count, sizeof(count));
	if (snap != NULL && ui->shown_has_prev)
		format_delta((int64_t)now - (int64_t)ui->shown_prev_counts[state], delta,
			     sizeof(delta));
	else
		snprintf(delta, sizeof(delta), " ");

	attrset(attr);
	mvprintw(row, 0, "%-*s", NAME_WIDTH, tcp_state_name(state));
	attrset(now > 0 ? A_BOLD : A_NORMAL);
	mvprintw(row, NAME_WIDTH + 1, "%*s", COUNT_WIDTH, count);
	attrset(A_NORMAL);
	mvprintw(row, NAME_WIDTH + 1 + COUNT_WIDTH + 1, "%*s", DELTA_WIDTH, delta);
	if (spark_column > RATES_COLUMN + 2 && flows(ui) != NULL) {
		const struct statetrack_flow *fl = &flows(ui)->states[state];
		char in[32], out[32];

		format_rate('+', fl->entered_per_s, in, sizeof(in));
		format_rate('-', fl->left_per_s, out, sizeof(out));
		mvprintw(row, RATES_COLUMN, " %*s %*s", RATE_WIDTH, in, RATE_WIDTH, out);
	}

	n = history_read(ui->history, state, ui->paused ? ui->pushed_since_pause : 0,
			 (size_t)spark_width, values);
	if (n == 0)
		return;
	sparkline_render(values, n, ui->charset, spark, spark_size);
	attrset(attr);
	/* Newest on the right edge, as in every strip chart. */
	mvaddstr(row, spark_column + spark_width - (int)n, spark);
	attrset(A_NORMAL);
}

static void
states_draw(struct ui *ui, void *unused, int top, int height, int cols)
{
	bool rates = cols >= RATES_MIN_COLS;
	int spark_column = RATES_COLUMN + (rates ? 2 * (RATE_WIDTH + 1) : 0) + 2;
	int spark_width = cols - spark_column - 1;
	const struct statetrack_summary *sum = flows(ui);
	uint32_t *values;
	char *spark;
	size_t spark_size;
	char title[64];

	(void)unused;
	if (spark_width < 1 || height < 1 + TCP_STATE_COUNT)
		return;
	format_duration(sampler_interval(ui->sampler) * spark_width, title, sizeof(title));
	attrset(A_BOLD);
	mvprintw(top, 0, "%-*s %*s %*s", NAME_WIDTH, "STATE", COUNT_WIDTH, "COUNT", DELTA_WIDTH,
		 "CHANGE");
	if (rates)
		printw(" %*s %*s", RATE_WIDTH, "IN", RATE_WIDTH, "OUT");
	mvprintw(top, spark_column, "history, last %s", title);
	attrset(A_NORMAL);
	if (height >= 3 + TCP_STATE_COUNT && sum != NULL) {
		char opened[32], closed[32];

		format_rate('+', sum->opened_per_s, opened, sizeof(opened));
		format_rate('-', sum->closed_per_s, closed, sizeof(closed));
		mvprintw(top + 2 + TCP_STATE_COUNT, 0, "connections opened %s, closed %s", opened,
			 closed);
	}

	values = calloc((size_t)spark_width, sizeof(*values));
	spark_size = sparkline_bytes_needed((size_t)spark_width, ui->charset);
	spark = malloc(spark_size);
	if (values != NULL && spark != NULL)
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			draw_state_row(ui, top + 1 + s, (enum tcp_state)s, spark_column,
				       spark_width, values, spark, spark_size);
	free(values);
	free(spark);
}

const struct ui_view ui_view_states = {
	.key = '1',
	.title = "states",
	.help = "state counts and history",
	.draw = states_draw,
};
