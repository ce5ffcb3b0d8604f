/*
 * ui_frame.c - what every view shares: the two header lines, the banner
 * of the most severe finding, the footer with the view tabs (from the
 * registry) and main keys, and the too-small message; and the pages that
 * stand in for all of it.
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
	char line[512], total[64], age[32], took[32];
	const struct snapshot *snap = ui->shown;

	if (ui->replay != NULL) {
		struct source_record_status st;
		char when[40];
		struct tm tm;

		source_record_status(ui->replay, &st);
		when[0] = '\0';
		if (st.shown_valid && localtime_r(&st.shown_wall.tv_sec, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(line, sizeof(line),
			 " tcpdeck  replay of %s  sample %zu/%zu%s  %s  speed %gx%s  (Left/Right "
			 "step, T go to)",
			 st.host[0] != '\0' ? st.host : "?", st.shown_valid ? st.shown + 1 : 0, st.known,
			 st.finished ? "" : "+", when, st.speed, st.paused ? "  PAUSED" : "");
		/* A failed request (a step back beyond a pipe's window) is
		 * said once. */
		if (strcmp(st.error, ui->replay_error) != 0) {
			snprintf(ui->replay_error, sizeof(ui->replay_error), "%s", st.error);
			if (st.error[0] != '\0')
				snprintf(ui->status, sizeof(ui->status), "replay: %s", st.error);
		}
	} else {
		snprintf(line, sizeof(line), " tcpdeck  %s  Linux %s  interval %gs", ui->hostname,
			 ui->kernel, sampler_interval(ui->sampler));
	}
	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	mvhline(0, 0, ' ', cols);
	ui_put(0, 0, line, cols);
	if (ui->paused && cols > 10) {
		attrset(ui_term_attr(ui, UI_COLOR_PAUSED));
		mvaddstr(0, cols - 8, " PAUSED ");
	}
	attrset(A_NORMAL);
	if (snap == NULL) {
		mvaddnstr(1, 0, " waiting for the first sample...", cols);
		return;
	}
	/* Why some namespaces are missing is said once, when it changes. */
	if (strcmp(snap->netns_note, ui->netns_note) != 0) {
		snprintf(ui->netns_note, sizeof(ui->netns_note), "%s", snap->netns_note);
		if (snap->netns_note[0] != '\0')
			snprintf(ui->status, sizeof(ui->status), "%s", snap->netns_note);
	}
	format_count(ui->shown_total, total, sizeof(total));
	if (snap->n_netns > 0) {
		size_t len = strlen(total);

		snprintf(total + len, sizeof(total) - len, "   namespaces %zu", snap->n_netns);
	}
	format_duration(seconds_since(&snap->taken_mono), age, sizeof(age));
	format_duration((double)snap->sample_ns / 1e9, took, sizeof(took));
	if (snap->note[0] != '\0')
		snprintf(line, sizeof(line), " sockets %s   %s", total, snap->note);
	else if (ui->replay != NULL)
		snprintf(line, sizeof(line), " sockets %s   recorded sample, took %s", total, took);
	else if (ui->ended)
		snprintf(line, sizeof(line), " sockets %s   recorded sample: q quits", total);
	else
		snprintf(line, sizeof(line), " sockets %s   last sample %s ago, took %s%s", total, age,
			 took,
			 snap->owners_partial ? "   other users' owners hidden: run as root to see all"
					      : "");
	ui_put(1, 0, line, cols);
	if (ui->filter != NULL) {
		/* The active filter is always in sight. */
		char filt[300], name[128];
		int len = snprintf(filt, sizeof(filt), " filter: %s ", filter_text(ui->filter)), cells;
		size_t fits;
		uint32_t inode;

		/* One namespace: named, not just numbered. */
		if (filter_netns_only(ui->filter, &inode) && ui_netns_name(ui, inode, name, sizeof(name)))
			len = snprintf(filt, sizeof(filt), " filter: %s  [%s] ", filter_text(ui->filter),
				       name);

		if (len >= (int)sizeof(filt))
			len = (int)sizeof(filt) - 1;
		fits = ui_put_fit(filt, (size_t)len, cols / 2, &cells);
		attrset(ui_term_attr(ui, UI_COLOR_WATCH) | A_REVERSE);
		ui_putn(1, cols - cells, filt, fits, cells);
		attrset(A_NORMAL);
	}
}

/* Whether the footer's tabs name only the current view (too narrow for
 * every name and the main keys). */
static bool
short_tabs(int cols)
{
	int full = 0;

	for (size_t i = 0; i < ui_views_count(); i++)
		full += (int)strlen(ui_views_at(i)->title) + 4;
	return full + 24 > cols;
}

/* A view's tab in the footer, in tab[size]; its length. */
static int
tab_text(const struct ui *ui, const struct ui_view *view, bool short_form, char *tab, size_t size)
{
	if (short_form && view != ui_views_current(ui))
		return snprintf(tab, size, " %c ", view->key);
	return snprintf(tab, size, " %c %s ", view->key, view->title);
}

const struct ui_view *
ui_frame_tab_at(const struct ui *ui, int x, int cols)
{
	bool short_form = short_tabs(cols);
	int at = 0;

	for (size_t i = 0; i < ui_views_count() && at < cols; i++) {
		char tab[32];
		int len = tab_text(ui, ui_views_at(i), short_form, tab, sizeof(tab));

		if (x >= at && x < at + len)
			return ui_views_at(i);
		at += len;
	}
	return NULL;
}

static void
draw_footer(struct ui *ui, int row, int cols)
{
	int x = 0;
	static const char hints[] = " Tab view  q quit  space pause  +/- interval  ? help";
	bool short_form = short_tabs(cols);

	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	mvhline(row, 0, ' ', cols);
	/* Tabs name every view when there is room for them and the main
	 * keys; otherwise the other views show their key only. */
	for (size_t i = 0; i < ui_views_count() && x < cols; i++) {
		const struct ui_view *view = ui_views_at(i);
		bool current = view == ui_views_current(ui);
		char tab[32];
		int len = tab_text(ui, view, short_form, tab, sizeof(tab));

		attrset(current ? (int)(A_REVERSE | A_BOLD) : ui_term_attr(ui, UI_COLOR_HEADER));
		mvaddnstr(row, x, tab, cols - x);
		x += len;
	}
	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	if (x < cols)
		mvaddnstr(row, x, hints, cols - x);
	attrset(A_NORMAL);
}

/* One line naming the most severe finding, while one fires and the
 * findings are not on screen anyway.  Returns the rows it took. */
static int
draw_banner(struct ui *ui, int row, int rows, int cols)
{
	size_t count;
	const struct diag_finding *worst = ui_diag_banner(ui, &count);
	char line[700];

	if (worst == NULL || ui_views_current(ui) == &ui_view_diag || rows <= MIN_ROWS)
		return 0;
	if (count > 1)
		snprintf(line, sizeof(line), " ! %s  (+%zu more: press %c)", worst->title, count - 1,
			 ui_view_diag.key);
	else
		snprintf(line, sizeof(line), " ! %s  (press %c)", worst->title, ui_view_diag.key);
	attrset(ui_term_attr(ui, worst->severity == DIAG_CRITICAL ? UI_COLOR_ALERT : UI_COLOR_WATCH) |
		A_REVERSE);
	mvhline(row, 0, ' ', cols);
	ui_put(row, 0, line, cols);
	attrset(A_NORMAL);
	return 1;
}

void
ui_frame_draw(struct ui *ui)
{
	int rows, cols, banner;

	getmaxyx(stdscr, rows, cols);
	erase();
	ui->view_rows = 0; /* no view drawn: the mouse finds no row */
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Terminal too small: %dx%d, need at least %dx%d", cols,
			 rows, MIN_COLS, MIN_ROWS);
		mvaddnstr(rows / 2, 0, msg, cols);
		return;
	}
	draw_header(ui, cols);
	banner = draw_banner(ui, 2, rows, cols);
	ui->view_top = 2 + banner;
	ui->view_rows = rows - 4 - banner;
	/* The line above the footer is the prompt's (or a status message). */
	ui_views_current(ui)->draw(ui, ui_views_current_state(ui), 2 + banner, rows - 4 - banner,
				   cols);
	ui_prompt_draw(ui, rows - 2, cols);
	draw_footer(ui, rows - 1, cols);
}

void
ui_page_open(struct ui *ui, const struct ui_page *page, void *ctx)
{
	ui->page = page;
	ui->page_ctx = ctx;
}

void
ui_page_close(struct ui *ui)
{
	ui->page = NULL;
	ui->page_ctx = NULL;
}

void
ui_page_begin(struct ui *ui, const char *title, int *rows, int *cols)
{
	getmaxyx(stdscr, *rows, *cols);
	erase();
	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	mvhline(0, 0, ' ', *cols);
	ui_put(0, 0, title, *cols);
	attrset(A_NORMAL);
}
