/*
 * ui_keys.c - the key table, its actions, and the help screen generated
 * from it, so help can never disagree with what the keys do.
 * Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>

#include "ui_internal.h"

/* Interval steps for + and -, in seconds. */
static const double interval_steps[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60};
enum { N_STEPS = sizeof(interval_steps) / sizeof(interval_steps[0]) };

static void
key_quit(struct ui *ui)
{
	ui->quit = true;
}

static void
key_pause(struct ui *ui)
{
	ui->paused = !ui->paused;
	ui->pushed_since_pause = 0;
}

static void
key_slower(struct ui *ui)
{
	double now = sampler_interval(ui->sampler);

	for (int i = 0; i < N_STEPS; i++)
		if (interval_steps[i] > now + 1e-9) {
			sampler_set_interval(ui->sampler, interval_steps[i]);
			return;
		}
}

static void
key_faster(struct ui *ui)
{
	double now = sampler_interval(ui->sampler);

	for (int i = N_STEPS - 1; i >= 0; i--)
		if (interval_steps[i] < now - 1e-9) {
			sampler_set_interval(ui->sampler, interval_steps[i]);
			return;
		}
}

static void
key_help(struct ui *ui)
{
	ui->show_help = !ui->show_help;
}

/* The views, in the order of their number keys. */
static const struct ui_view *const views[] = {
	&ui_view_states,
	&ui_view_listen,
	&ui_view_conns,
};
enum { N_VIEWS = sizeof(views) / sizeof(views[0]) };

static void
key_next_view(struct ui *ui)
{
	ui->view = (ui->view + 1) % N_VIEWS;
}

static void
key_view_1(struct ui *ui)
{
	ui->view = 0;
}

static void
key_view_2(struct ui *ui)
{
	ui->view = 1;
}

static void
key_view_3(struct ui *ui)
{
	ui->view = 2;
}

static void
key_filter(struct ui *ui)
{
	ui_prompt_open(ui, UI_PROMPT_FILTER, ui->filter != NULL ? filter_text(ui->filter) : "");
}

static const struct ui_key keys[] = {
	{'q', 'Q', "q", "quit", key_quit},
	{' ', 'z', "space, z", "pause or resume the view (sampling goes on)", key_pause},
	{'+', '=', "+", "sample less often (longer interval, up to 60 s)", key_slower},
	{'-', '_', "-", "sample more often (shorter interval, down to 0.1 s)", key_faster},
	{'\t', 0, "Tab", "next view", key_next_view},
	{'1', 0, "1", "view 1: state counts and history", key_view_1},
	{'2', 0, "2", "view 2: listening ports and their processes", key_view_2},
	{'3', 0, "3", "view 3: every connection, TCPView-style", key_view_3},
	{'/', KEY_F(4), "/ or F4", "filter every view with an ss expression (empty: none)",
	 key_filter},
	{'?', 'h', "?", "show or hide this help", key_help},
};

size_t
ui_keys_view_count(void)
{
	return N_VIEWS;
}

const struct ui_view *
ui_keys_view_at(size_t index)
{
	return index < N_VIEWS ? views[index] : NULL;
}

const struct ui_view *
ui_keys_view(const struct ui *ui)
{
	return views[ui->view < N_VIEWS ? ui->view : 0];
}

static bool
run_key(const struct ui_key *table, size_t n, struct ui *ui, int key)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].key == key || (table[i].alt_key != 0 && table[i].alt_key == key)) {
			table[i].action(ui);
			return true;
		}
	return false;
}

void
ui_keys_handle(struct ui *ui, int key)
{
	if (ui_prompt_key(ui, key))
		return;
	if (ui->drill) {
		/* The details view: Esc, Enter or Backspace go back. */
		if (key == 27 || key == '\r' || key == KEY_ENTER || key == KEY_BACKSPACE || key == 127)
			ui->drill = false;
		else if (key == 'q' || key == 'Q')
			ui->quit = true;
		return;
	}
	if (key != 27)
		ui->status[0] = '\0';
	if (ui->show_help && key != 'q' && key != 'Q') {
		/* Any key closes help; q still quits from there. */
		ui->show_help = false;
		return;
	}
	/* The view's own keys first: they are the more specific. */
	if (run_key(ui_keys_view(ui)->keys, ui_keys_view(ui)->n_keys, ui, key))
		return;
	run_key(keys, sizeof(keys) / sizeof(keys[0]), ui, key);
}

static int
draw_key_rows(const struct ui_key *table, size_t n, int row, int rows, int cols)
{
	for (size_t i = 0; i < n && row < rows - 1; i++, row++) {
		attrset(A_BOLD);
		mvprintw(row, 2, "%-8s", table[i].label);
		attrset(A_NORMAL);
		mvaddnstr(row, 12, table[i].help, cols - 12 > 0 ? cols - 12 : 0);
	}
	return row;
}

void
ui_keys_draw_help(struct ui *ui)
{
	int rows, cols;
	int row = 2;

	getmaxyx(stdscr, rows, cols);
	erase();
	attrset(ui_term_attr(ui, UI_COLOR_HEADER));
	mvhline(0, 0, ' ', cols);
	mvaddnstr(0, 0, " tcpdeck help: any key returns", cols);
	attrset(A_NORMAL);
	row = draw_key_rows(keys, sizeof(keys) / sizeof(keys[0]), row, rows, cols);
	if (ui_keys_view(ui)->n_keys > 0 && row + 2 < rows - 1) {
		row++;
		attrset(A_BOLD);
		mvprintw(row++, 2, "In the %s view:", ui_keys_view(ui)->name);
		attrset(A_NORMAL);
		row = draw_key_rows(ui_keys_view(ui)->keys, ui_keys_view(ui)->n_keys, row, rows, cols);
	}
	row++;
	if (row < rows - 1)
		mvaddnstr(row++, 2, "States in green are normal in any number; states in yellow",
			  cols - 2);
	if (row < rows - 1)
		mvaddnstr(row++, 2, "deserve a look when they pile up.", cols - 2);
}
