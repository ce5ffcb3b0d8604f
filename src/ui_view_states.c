/*
 * ui_view_states.c - the header and the per-state panel: count, change
 * since the previous sample, and a sparkline of the state's history as
 * wide as the terminal allows.  Main thread only; reads, never samples.
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
	MIN_SPARK_WIDTH = 8,
	/* two header lines, column titles, 11 states, footer */
	MIN_ROWS = 3 + TCP_STATE_COUNT + 1,
	MIN_COLS = SPARK_COLUMN + MIN_SPARK_WIDTH,
};

static double
seconds_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) + (double)(now.tv_nsec - then->tv_nsec) / 1e9;
}

static void
draw_header(struct ui *ui, int cols)
{
	char line[512], total[32], age[32], took[32];
	const struct snapshot *snap = ui->shown;

	if (snap != NULL) {
		format_count(snap->total, total, sizeof(total));
		format_duration(seconds_since(&snap->taken_mono), age, sizeof(age));
		format_duration((double)snap->sample_ns / 1e9, took, sizeof(took));
	} else {
		snprintf(total, sizeof(total), "-");
		snprintf(age, sizeof(age), "-");
		snprintf(took, sizeof(took), "-");
	}
	snprintf(line, sizeof(line), " tcpdeck  %s  Linux %s  interval %gs", ui->hostname,
		 ui->kernel, sampler_interval(ui->sampler));
	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	mvhline(0, 0, ' ', cols);
	mvaddnstr(0, 0, line, cols);
	if (ui->paused && cols > 10) {
		attrset(ui_term_attr(ui, UI_COLOR_PAUSED));
		mvaddstr(0, cols - 8, " PAUSED ");
	}
	attrset(A_NORMAL);
	if (snap != NULL)
		snprintf(line, sizeof(line), " sockets %s   last sample %s ago, took %s", total,
			 age, took);
	else
		snprintf(line, sizeof(line), " waiting for the first sample...");
	mvaddnstr(1, 0, line, cols);
}

static void
draw_state_row(struct ui *ui, int row, enum tcp_state state, int spark_width, uint32_t *values,
	       char *spark, size_t spark_size)
{
	const struct snapshot *snap = ui->shown;
	char count[32], delta[32];
	uint32_t now = snap != NULL ? snap->counts[state] : 0;
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
draw_too_small(int rows, int cols)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Terminal too small: %dx%d, need at least %dx%d", cols, rows,
		 MIN_COLS, MIN_ROWS);
	mvaddnstr(rows / 2, 0, msg, cols);
}

void
ui_view_states_draw(struct ui *ui)
{
	int rows, cols, spark_width;
	uint32_t *values;
	char *spark;
	size_t spark_size;
	char title[64];

	getmaxyx(stdscr, rows, cols);
	erase();
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		draw_too_small(rows, cols);
		return;
	}
	draw_header(ui, cols);

	spark_width = cols - SPARK_COLUMN - 1;
	format_duration(sampler_interval(ui->sampler) * spark_width, title, sizeof(title));
	attrset(A_BOLD);
	mvprintw(2, 0, "%-*s %*s %*s  history, last %s", NAME_WIDTH, "STATE", COUNT_WIDTH,
		 "COUNT", DELTA_WIDTH, "CHANGE", title);
	attrset(A_NORMAL);

	values = calloc((size_t)spark_width, sizeof(*values));
	spark_size = sparkline_bytes_needed((size_t)spark_width, ui->charset);
	spark = malloc(spark_size);
	if (values != NULL && spark != NULL)
		for (int state = 0; state < TCP_STATE_COUNT; state++)
			draw_state_row(ui, 3 + state, (enum tcp_state)state, spark_width, values,
				       spark, spark_size);
	free(values);
	free(spark);

	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	mvhline(rows - 1, 0, ' ', cols);
	mvaddnstr(rows - 1, 0, ui_keys_footer(), cols);
	attrset(A_NORMAL);
}
