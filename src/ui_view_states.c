/*
 * ui_view_states.c - the per-state panel: count, change since the
 * previous sample, and a sparkline of the state's history as wide as the
 * terminal allows.  Main thread only; reads, never samples.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "ui_internal.h"

/* Column layout of a state row: name, count, change, sparkline. */
enum {
	NAME_WIDTH = 12,
	COUNT_WIDTH = 9,
	DELTA_WIDTH = 8,
	SPARK_COLUMN = NAME_WIDTH + 1 + COUNT_WIDTH + 1 + DELTA_WIDTH + 2,
};

static void
draw_state_row(struct ui *ui, int row, enum tcp_state state, int spark_width, uint32_t *values,
	       char *spark, size_t spark_size)
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

	n = history_read(ui->history, state, ui->paused ? ui->pushed_since_pause : 0,
			 (size_t)spark_width, values);
	if (n == 0)
		return;
	sparkline_render(values, n, ui->charset, spark, spark_size);
	attrset(attr);
	/* Newest on the right edge, as in every strip chart. */
	mvaddstr(row, SPARK_COLUMN + spark_width - (int)n, spark);
	attrset(A_NORMAL);
}

static void
states_draw(struct ui *ui, int top, int height, int cols)
{
	int spark_width = cols - SPARK_COLUMN - 1;
	uint32_t *values;
	char *spark;
	size_t spark_size;
	char title[64];

	if (spark_width < 1 || height < 1 + TCP_STATE_COUNT)
		return;
	format_duration(sampler_interval(ui->sampler) * spark_width, title, sizeof(title));
	attrset(A_BOLD);
	mvprintw(top, 0, "%-*s %*s %*s  history, last %s", NAME_WIDTH, "STATE", COUNT_WIDTH,
		 "COUNT", DELTA_WIDTH, "CHANGE", title);
	attrset(A_NORMAL);

	values = calloc((size_t)spark_width, sizeof(*values));
	spark_size = sparkline_bytes_needed((size_t)spark_width, ui->charset);
	spark = malloc(spark_size);
	if (values != NULL && spark != NULL)
		for (int state = 0; state < TCP_STATE_COUNT; state++)
			draw_state_row(ui, top + 1 + state, (enum tcp_state)state, spark_width,
				       values, spark, spark_size);
	free(values);
	free(spark);
}

const struct ui_view ui_view_states = {
	.name = "states",
	.draw = states_draw,
};
