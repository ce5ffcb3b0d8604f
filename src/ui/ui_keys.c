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

/* Asks the replay for something and wakes the sampler to do it now. */
static void
replay_changed(struct ui *ui)
{
	sampler_wake(ui->sampler);
}

static void
key_pause(struct ui *ui)
{
	if (ui->replay != NULL) {
		/* A replay pauses at its source, so stepping still shows. */
		struct source_record_status st;

		source_record_status(ui->replay, &st);
		source_record_pause(ui->replay, !st.paused);
		replay_changed(ui);
		return;
	}
	ui->paused = !ui->paused;
	ui->pushed_since_pause = 0;
}

static void
replay_step(struct ui *ui, long delta)
{
	if (ui->replay == NULL) {
		snprintf(ui->status, sizeof(ui->status), "stepping works when replaying a recording (-r)");
		return;
	}
	source_record_pause(ui->replay, true);
	source_record_step(ui->replay, delta);
	replay_changed(ui);
}

static void
key_step_forward(struct ui *ui)
{
	replay_step(ui, 1);
}

static void
key_step_back(struct ui *ui)
{
	replay_step(ui, -1);
}

static void
key_jump_forward(struct ui *ui)
{
	replay_step(ui, 10);
}

static void
key_jump_back(struct ui *ui)
{
	replay_step(ui, -10);
}

static void
key_seek(struct ui *ui)
{
	if (ui->replay == NULL) {
		snprintf(ui->status, sizeof(ui->status), "seeking works when replaying a recording (-r)");
		return;
	}
	ui_prompt_open(ui, UI_PROMPT_SEEK, "");
}

static void
replay_speed(struct ui *ui, double factor)
{
	struct source_record_status st;
	double speed;

	source_record_status(ui->replay, &st);
	speed = source_record_set_speed(ui->replay, st.speed * factor);
	replay_changed(ui);
	snprintf(ui->status, sizeof(ui->status), "replay speed %gx", speed);
}

static void
key_slower(struct ui *ui)
{
	double now = sampler_interval(ui->sampler);

	if (ui->replay != NULL) {
		replay_speed(ui, 0.5);
		return;
	}
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

	if (ui->replay != NULL) {
		replay_speed(ui, 2);
		return;
	}
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
	&ui_view_diag,
	&ui_view_kernel,
	&ui_view_peers,
	&ui_view_test,
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
key_view_4(struct ui *ui)
{
	ui->view = 3;
}

static void
key_view_5(struct ui *ui)
{
	ui->view = 4;
}

static void
key_view_6(struct ui *ui)
{
	ui->view = 5;
}

static void
key_view_7(struct ui *ui)
{
	ui->view = 6;
}

/* Marks the start of a stress test, or its end when one runs. */
static void
key_mark(struct ui *ui)
{
	int phase = pipeline_mark(ui->pipe);

	if (phase < 0)
		snprintf(ui->status, sizeof(ui->status), "no sample yet to mark");
	else if (phase != SESSION_RUNNING)
		snprintf(ui->status, sizeof(ui->status),
			 "test ended: view 7 shows the summary (w saves it)");
	else
		snprintf(ui->status, sizeof(ui->status), "test started: m again marks its end");
}

static void
key_filter(struct ui *ui)
{
	ui_prompt_open(ui, UI_PROMPT_FILTER, ui->filter != NULL ? filter_text(ui->filter) : "");
}

static const struct ui_key keys[] = {
	{'q', 'Q', "q", "quit", key_quit},
	{' ', 'z', "space, z", "pause or resume the view (sampling goes on); a replay pauses",
	 key_pause},
	{'+', '=', "+", "sample less often (up to 60 s); a replay plays half as fast", key_slower},
	{'-', '_', "-", "sample more often (down to 0.1 s); a replay plays twice as fast",
	 key_faster},
	{KEY_RIGHT, 0, "Right", "replay: the next sample (pauses)", key_step_forward},
	{KEY_LEFT, 0, "Left", "replay: the previous sample (pauses)", key_step_back},
	{'}', 0, "}", "replay: 10 samples forward", key_jump_forward},
	{'{', 0, "{", "replay: 10 samples back", key_jump_back},
	{'T', 0, "T", "replay: go to a time (+SECONDS from the start, or HH:MM[:SS])", key_seek},
	{'\t', 0, "Tab", "next view", key_next_view},
	{'1', 0, "1", "view 1: state counts and history", key_view_1},
	{'2', 0, "2", "view 2: listening ports and their processes", key_view_2},
	{'3', 0, "3", "view 3: every connection, TCPView-style", key_view_3},
	{'4', 0, "4", "view 4: findings: what the states say, in plain words", key_view_4},
	{'5', 0, "5", "view 5: the kernel's TCP counters per second", key_view_5},
	{'6', 0, "6", "view 6: top peers and ports", key_view_6},
	{'7', 0, "7", "view 7: the marked stress test's summary", key_view_7},
	{'m', 0, "m", "mark the start (or the end) of a stress test", key_mark},
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
