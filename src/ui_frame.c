/*
 * ui_frame.c - what every view shares: the two header lines, the footer
 * with the view tabs and main keys, and the too-small message.
 * Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "ui_internal.h"

/* Smallest terminal every view fits: two header lines, eleven state rows
 * with their titles, the prompt line, footer; the state columns plus a
 * short sparkline. */
enum { MIN_ROWS = 16, MIN_COLS = 41 };

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
	if (snap == NULL) {
		mvaddnstr(1, 0, " waiting for the first sample...", cols);
		return;
	}
	format_count(ui->shown_total, total, sizeof(total));
	format_duration(seconds_since(&snap->taken_mono), age, sizeof(age));
	format_duration((double)snap->sample_ns / 1e9, took, sizeof(took));
	if (snap->note[0] != '\0')
		snprintf(line, sizeof(line), " sockets %s   %s", total, snap->note);
	else if (ui->ended)
		snprintf(line, sizeof(line), " sockets %s   recorded sample: q quits", total);
	else
		snprintf(line, sizeof(line), " sockets %s   last sample %s ago, took %s%s", total, age,
			 took,
			 snap->owners_partial ? "   other users' owners hidden: run as root to see all"
					      : "");
	mvaddnstr(1, 0, line, cols);
	if (ui->filter != NULL) {
		/* The active filter is always in sight. */
		char filt[300];
		int len = snprintf(filt, sizeof(filt), " filter: %s ", filter_text(ui->filter));

		if (len > cols / 2)
			len = cols / 2;
		attrset(ui_term_attr(ui, UI_COLOR_WATCH) | A_REVERSE);
		mvaddnstr(1, cols - len, filt, len);
		attrset(A_NORMAL);
	}
}

static void
draw_footer(struct ui *ui, int row, int cols)
{
	int x = 0;

	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	mvhline(row, 0, ' ', cols);
	for (size_t i = 0; i < ui_keys_view_count() && x < cols; i++) {
		char tab[32];
		int len = snprintf(tab, sizeof(tab), " %zu %s ", i + 1, ui_keys_view_at(i)->name);

		attrset(i == ui->view ? (int)(A_REVERSE | A_BOLD) : ui_term_attr(ui, UI_COLOR_HEADER));
		mvaddnstr(row, x, tab, cols - x);
		x += len;
	}
	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	if (x < cols)
		mvaddnstr(row, x, " Tab view  q quit  space pause  +/- interval  ? help", cols - x);
	attrset(A_NORMAL);
}

void
ui_frame_draw(struct ui *ui)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	erase();
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Terminal too small: %dx%d, need at least %dx%d", cols,
			 rows, MIN_COLS, MIN_ROWS);
		mvaddnstr(rows / 2, 0, msg, cols);
		return;
	}
	draw_header(ui, cols);
	/* The line above the footer is the prompt's (or a status message). */
	ui_keys_view(ui)->draw(ui, 2, rows - 4, cols);
	ui_prompt_draw(ui, rows - 2, cols);
	draw_footer(ui, rows - 1, cols);
}
