/*
 * ui_keys.c - the key table, its actions, and the help screen generated
 * from it, so help can never disagree with what the keys do.
 * Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>

#include "ui_internal.h"

struct ui_key {
	int key;
	int alt_key;          /* a second key for the same action, or 0 */
	const char *label;    /* as shown in help */
	const char *help;
	void (*action)(struct ui *ui);
};

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

static const struct ui_key keys[] = {
	{'q', 'Q', "q", "quit", key_quit},
	{' ', 0, "space", "pause or resume the view (sampling goes on)", key_pause},
	{'+', '=', "+", "sample less often (longer interval, up to 60 s)", key_slower},
	{'-', '_', "-", "sample more often (shorter interval, down to 0.1 s)", key_faster},
	{'?', 'h', "?", "show or hide this help", key_help},
};

const char *
ui_keys_footer(void)
{
	return " q quit  space pause  +/- interval  ? help";
}

void
ui_keys_handle(struct ui *ui, int key)
{
	if (ui->show_help && key != 'q' && key != 'Q') {
		/* Any key closes help; q still quits from there. */
		ui->show_help = false;
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].key == key || (keys[i].alt_key != 0 && keys[i].alt_key == key)) {
			keys[i].action(ui);
			return;
		}
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
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && row < rows - 1; i++, row++) {
		attrset(A_BOLD);
		mvprintw(row, 2, "%-8s", keys[i].label);
		attrset(A_NORMAL);
		mvaddnstr(row, 12, keys[i].help, cols - 12 > 0 ? cols - 12 : 0);
	}
	row++;
	if (row < rows - 1)
		mvaddnstr(row++, 2, "States in green are normal in any number; states in yellow",
			  cols - 2);
	if (row < rows - 1)
		mvaddnstr(row++, 2, "deserve a look when they pile up.", cols - 2);
}
