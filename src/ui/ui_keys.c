/*
 * ui_keys.c - the global key table and its actions, the dispatch of a
 * key (prompt, page, the current view's table, the global table), and the
 * help screen generated from the tables and the view registry, so help
 * can never disagree with what the keys do.  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "ui_internal.h"

/* Interval steps for + and -, in seconds. */
static const double interval_steps[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60};
enum { N_STEPS = sizeof(interval_steps) / sizeof(interval_steps[0]) };

static void
key_quit(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui->quit = true;
}

/* Asks the replay for something and wakes the sampler to do it now. */
static void
replay_changed(struct ui *ui)
{
	sampler_wake(ui->sampler);
}

static void
key_pause(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
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

/* Right, Left, } and {: arg samples forward (negative: back). */
static void
key_step(struct ui *ui, void *state, int arg)
{
	(void)state;
	if (ui->replay == NULL) {
		snprintf(ui->status, sizeof(ui->status), "stepping works when replaying a recording (-r)");
		return;
	}
	source_record_pause(ui->replay, true);
	source_record_step(ui->replay, arg);
	replay_changed(ui);
}

/* Enter at the seek prompt: goes to the time, or says what it expects. */
static bool
seek_to(struct ui *ui, void *ctx, const char *text, int *bad)
{
	struct source_record_status st;
	struct timespec when;

	(void)ctx;
	(void)bad;
	source_record_status(ui->replay, &st);
	if (format_parse_when(text, &st.first_wall, &when) < 0) {
		snprintf(ui->status, sizeof(ui->status),
			 "go to: '%s' is not +SECONDS or HH:MM[:SS]", text);
		return false;
	}
	source_record_pause(ui->replay, true);
	source_record_seek_time(ui->replay, &when);
	sampler_wake(ui->sampler);
	ui->status[0] = '\0';
	return true;
}

static void
key_seek(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	if (ui->replay == NULL) {
		snprintf(ui->status, sizeof(ui->status), "seeking works when replaying a recording (-r)");
		return;
	}
	ui_prompt_text(ui, "go to (+SECONDS or HH:MM:SS): ", "", seek_to, NULL);
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

/* + and -: arg 1 samples less often (a replay plays slower), -1 more. */
static void
key_interval(struct ui *ui, void *state, int arg)
{
	double now = sampler_interval(ui->sampler);

	(void)state;
	if (ui->replay != NULL) {
		replay_speed(ui, arg > 0 ? 0.5 : 2);
		return;
	}
	if (arg > 0) {
		for (int i = 0; i < N_STEPS; i++)
			if (interval_steps[i] > now + 1e-9) {
				sampler_set_interval(ui->sampler, interval_steps[i]);
				return;
			}
	} else {
		for (int i = N_STEPS - 1; i >= 0; i--)
			if (interval_steps[i] < now - 1e-9) {
				sampler_set_interval(ui->sampler, interval_steps[i]);
				return;
			}
	}
}

static void help_draw(struct ui *ui, void *ctx);
static void help_key(struct ui *ui, void *ctx, int key);
static const struct ui_page help_page = {.draw = help_draw, .key = help_key};

static void
key_help(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui->help_top = 0;
	ui_page_open(ui, &help_page, NULL);
}

static void
key_next_view(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui_views_show(ui, ui_views_at((ui_views_current_index(ui) + 1) % ui_views_count()));
}

/* Marks the start of a stress test, or its end when one runs. */
static void
key_mark(struct ui *ui, void *state, int arg)
{
	int phase = pipeline_mark(ui->pipe);

	(void)state;
	(void)arg;
	if (phase < 0)
		snprintf(ui->status, sizeof(ui->status), "no sample yet to mark");
	else if (phase != SESSION_RUNNING)
		snprintf(ui->status, sizeof(ui->status),
			 "test ended: view %c shows the summary (w saves it)", ui_view_test.key);
	else
		snprintf(ui->status, sizeof(ui->status), "test started: m again marks its end");
}

static void
key_filter(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui_filter_prompt(ui);
}

static void
key_pick_netns(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui_filter_pick_netns(ui);
}

static void
key_setup(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui_setup_open(ui);
}

static const struct ui_key keys[] = {
	{'q', 'Q', "q or F10", "quit", key_quit, 0},
	{' ', 'z', "space, z", "pause or resume the view (sampling goes on); a replay pauses",
	 key_pause, 0},
	{'+', '=', "+", "sample less often (up to 60 s); a replay plays half as fast", key_interval,
	 1},
	{'-', '_', "-", "sample more often (down to 0.1 s); a replay plays twice as fast",
	 key_interval, -1},
	{KEY_RIGHT, 0, "Right", "replay: the next sample (pauses)", key_step, 1},
	{KEY_LEFT, 0, "Left", "replay: the previous sample (pauses)", key_step, -1},
	{'}', 0, "}", "replay: 10 samples forward", key_step, 10},
	{'{', 0, "{", "replay: 10 samples back", key_step, -10},
	{'T', 0, "T", "replay: go to a time (+SECONDS from the start, or HH:MM[:SS])", key_seek, 0},
	{'\t', 0, "Tab", "next view", key_next_view, 0},
	{UI_KEY_VIEWS, 0, NULL, NULL, NULL, 0},
	{'m', 0, "m", "mark the start (or the end) of a stress test", key_mark, 0},
	{'/', KEY_F(4), "/ or F4", "filter every view with an ss expression (empty: none)",
	 key_filter, 0},
	{'N', 0, "N", "namespace picker: every view shows one network namespace (a: all)",
	 key_pick_netns, 0},
	{KEY_F(2), 'S', "F2 or S", "setup: start view, columns, sort, interval, theme, mouse, "
	 "linger (w saves)", key_setup, 0},
	{'?', 'h', "? or F1", "show or hide this help", key_help, 0},
};
enum { N_KEYS = sizeof(keys) / sizeof(keys[0]) };

const struct ui_key *
ui_keys_global(size_t *n)
{
	*n = N_KEYS;
	return keys;
}

/* htop's F1 and F10 are the keys named beside ? and q in the table (a
 * third key per row would cost every table a field). */
static const int fkey_alias[][2] = {{KEY_F(1), '?'}, {KEY_F(10), 'q'}};

static bool
run_key(const struct ui_key *table, size_t n, struct ui *ui, void *state, int key)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].key == UI_KEY_VIEWS) {
			const struct ui_view *view = ui_views_by_key(key);

			if (view == NULL)
				continue;
			ui_views_show(ui, view);
			return true;
		}
		if (table[i].key == key || (table[i].alt_key != 0 && table[i].alt_key == key)) {
			table[i].action(ui, state, table[i].arg);
			return true;
		}
	}
	return false;
}

void
ui_keys_handle(struct ui *ui, int key)
{
	const struct ui_view *view = ui_views_current(ui);

	if (key == KEY_MOUSE) {
		ui_mouse_key(ui);
		return;
	}
	if (ui_prompt_key(ui, key))
		return;
	if (ui->page != NULL) {
		/* A page takes every key. */
		ui->page->key(ui, ui->page_ctx, key);
		return;
	}
	if (key != 27)
		ui->status[0] = '\0';
	for (size_t i = 0; i < sizeof(fkey_alias) / sizeof(fkey_alias[0]); i++)
		if (key == fkey_alias[i][0])
			key = fkey_alias[i][1];
	/* The view's own keys first: they are the more specific. */
	if (run_key(view->keys, view->n_keys, ui, ui_views_current_state(ui), key))
		return;
	run_key(keys, N_KEYS, ui, NULL, key);
}

static size_t
add_line(struct ui_help_line *out, size_t n, size_t max, const char *label, const char *text)
{
	if (n >= max)
		return n;
	snprintf(out[n].label, sizeof(out[n].label), "%s", label != NULL ? label : "");
	snprintf(out[n].text, sizeof(out[n].text), "%s", text);
	out[n].heading = label == NULL;
	return n + 1;
}

size_t
ui_keys_help(const struct ui_view *view, struct ui_help_line *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < N_KEYS; i++) {
		if (keys[i].key != UI_KEY_VIEWS) {
			n = add_line(out, n, max, keys[i].label, keys[i].help);
			continue;
		}
		for (size_t v = 0; v < ui_views_count(); v++) {
			const struct ui_view *each = ui_views_at(v);
			char label[8], text[200];

			snprintf(label, sizeof(label), "%c", each->key);
			snprintf(text, sizeof(text), "view %c: %s", each->key, each->help);
			n = add_line(out, n, max, label, text);
		}
	}
	if (view != NULL && view->n_keys > 0) {
		char heading[64];

		snprintf(heading, sizeof(heading), "In the %s view:", view->title);
		n = add_line(out, n, max, NULL, heading);
		for (size_t i = 0; i < view->n_keys; i++)
			n = add_line(out, n, max, view->keys[i].label, view->keys[i].help);
	}
	return n;
}

/* One line of the help page, at virtual line v: drawn when it is in the
 * part scrolled into view. */
struct help_out {
	int v, top, first_row, fit, cols;
};

static bool
help_visible(struct help_out *o, int *row)
{
	int v = o->v++;

	if (v < o->top || v >= o->top + o->fit)
		return false;
	*row = o->first_row + v - o->top;
	return true;
}

static void
help_text(struct help_out *o, const char *text, bool bold)
{
	int row;

	if (!help_visible(o, &row))
		return;
	if (bold)
		attrset(A_BOLD);
	mvaddnstr(row, 2, text, o->cols - 2);
	attrset(A_NORMAL);
}

static void
help_draw(struct ui *ui, void *ctx)
{
	struct ui_help_line lines[64];
	size_t n = ui_keys_help(ui_views_current(ui), lines, sizeof(lines) / sizeof(lines[0]));
	int rows, cols, total = 0;
	struct help_out o;

	(void)ctx;
	/* Every line is counted first, so the title can say whether it
	 * scrolls: a heading takes two, the notes at the end up to four. */
	for (size_t i = 0; i < n; i++)
		total += lines[i].heading ? 2 : 1;
	total += ui->mouse ? 4 : 3;
	rows = LINES;
	o.fit = rows - 3 > 1 ? rows - 3 : 1;
	if (ui->help_top > total - o.fit)
		ui->help_top = total - o.fit;
	if (ui->help_top < 0)
		ui->help_top = 0;
	ui->help_total = total;
	ui->help_fit = o.fit;
	ui_page_begin(ui,
		      total > o.fit ? " tcpdeck help: any key returns, arrows and PgUp/PgDn scroll"
				    : " tcpdeck help: any key returns",
		      &rows, &cols);
	o.v = 0;
	o.top = ui->help_top;
	o.first_row = 2;
	o.cols = cols;
	for (size_t i = 0; i < n; i++) {
		int row;

		if (lines[i].heading) {
			o.v++; /* a blank line before the view's keys */
			help_text(&o, lines[i].text, true);
			continue;
		}
		if (!help_visible(&o, &row))
			continue;
		attrset(A_BOLD);
		mvprintw(row, 2, "%-8s", lines[i].label);
		attrset(A_NORMAL);
		mvaddnstr(row, 12, lines[i].text, cols - 12 > 0 ? cols - 12 : 0);
	}
	o.v++;
	if (ui->mouse)
		help_text(&o, "Mouse: a tab switches views; in the table a click selects, a "
			      "double click opens, a title sorts (again: reversed); the wheel scrolls.",
			  false);
	help_text(&o, "States in green are normal in any number; states in yellow", false);
	help_text(&o, "deserve a look when they pile up.", false);
	if (total > o.fit) {
		/* Where the view is, on the last line. */
		char where[64];

		snprintf(where, sizeof(where), " lines %d-%d of %d ", ui->help_top + 1,
			 ui->help_top + o.fit < total ? ui->help_top + o.fit : total, total);
		attrset(A_REVERSE);
		mvaddnstr(rows - 1, cols - (int)strlen(where) > 0 ? cols - (int)strlen(where) : 0, where,
			  cols);
		attrset(A_NORMAL);
	}
}

/* Any key closes help; q still quits from there. */
static void
help_key(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	/* When the help does not fit, the arrows and the page keys scroll
	 * it; every other key still returns. */
	if (ui->help_total > ui->help_fit) {
		int step = 0;

		switch (key) {
		case KEY_DOWN: case 'j': step = 1; break;
		case KEY_UP: case 'k': step = -1; break;
		case KEY_NPAGE: step = ui->help_fit - 1 > 1 ? ui->help_fit - 1 : 1; break;
		case KEY_PPAGE: step = -(ui->help_fit - 1 > 1 ? ui->help_fit - 1 : 1); break;
		case KEY_HOME: step = -ui->help_total; break;
		case KEY_END: step = ui->help_total; break;
		default: break;
		}
		if (step != 0) {
			ui->help_top += step; /* help_draw keeps it in range */
			return;
		}
	}
	if (key != 27)
		ui->status[0] = '\0';
	if (key == 'q' || key == 'Q' || key == KEY_F(10))
		ui->quit = true;
	else
		ui_page_close(ui);
}
