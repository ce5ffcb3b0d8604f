/*
 * ui_setup.c - the setup screen (F2 or S), as htop's: the view the
 * dashboard starts in, the connection table's columns and sort column,
 * the interval, the theme, the mouse and the linger time.  A change
 * applies at once (ui->settings, settings_gen bumped so the views take
 * it again); w saves them to the config file (settings.h keeps the
 * file's other lines).  It is a page: it draws the whole screen and
 * takes every key while open.
 *
 * Also the columns helper the connection table uses to take the
 * settings' column list.
 *
 * Main thread only.  Writes no file but through settings_save().
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "conn_columns.h"
#include "ui_internal.h"

static const double interval_steps[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60};
static const double linger_steps[] = {0, 1, 2, 3, 5, 10, 30, 60, 300};

/* The rows above the columns. */
enum field {
	F_VIEW,
	F_SORT,
	F_ORDER,
	F_INTERVAL,
	F_THEME,
	F_MOUSE,
	F_LINGER,
	F_COLUMNS /* then one row per column */
};

/* The table's columns in the table's own order. */
static int
default_order(int *out)
{
	int n = 0;

	out[n++] = COL_PROTO;
	out[n++] = COL_NETNS;
	for (int c = 0; c < COL_COUNT; c++)
		if (c != COL_PROTO && c != COL_NETNS)
			out[n++] = c;
	return n;
}

void
ui_setup_columns(const struct settings *s, int *order, bool *hidden)
{
	int def[COL_COUNT], n = 0, nd = default_order(def);
	bool listed[COL_COUNT] = {false};

	for (int c = 0; c < COL_COUNT; c++)
		hidden[c] = s->columns.n > 0;
	for (size_t i = 0; i < s->columns.n; i++) {
		int col = s->columns.ids[i];

		if (col < 0 || col >= COL_COUNT || listed[col])
			continue;
		listed[col] = true;
		hidden[col] = false;
		order[n++] = col;
	}
	for (int i = 0; i < nd; i++)
		if (!listed[def[i]])
			order[n++] = def[i];
}

/* The page's state: which row is selected, and the columns as a list
 * with their on/off marks (written back into the settings on change). */
static struct setup_page {
	int sel;
	int order[COL_COUNT];
	bool on[COL_COUNT];
} page;

static int
n_rows(void)
{
	return F_COLUMNS + COL_COUNT;
}

/* The columns list back into the settings: every column in the table's
 * order is "every column" (n 0). */
static void
store_columns(struct ui *ui)
{
	int def[COL_COUNT];
	bool all = true;
	struct output_columns cols = {.n = 0};

	default_order(def);
	for (int i = 0; i < COL_COUNT; i++) {
		if (!page.on[page.order[i]] || page.order[i] != def[i])
			all = false;
		if (page.on[page.order[i]])
			cols.ids[cols.n++] = page.order[i];
	}
	if (all)
		cols.n = 0;
	ui->settings.columns = cols;
}

/* The table takes its columns and sort again when they change (only
 * then: it keeps what its own keys did meanwhile otherwise). */
static void
table_changed(struct ui *ui)
{
	ui->settings_gen++;
}

static double
step_value(const double *steps, size_t n, double now, int dir)
{
	if (dir > 0) {
		for (size_t i = 0; i < n; i++)
			if (steps[i] > now + 1e-9)
				return steps[i];
		return steps[n - 1];
	}
	for (size_t i = n; i-- > 0;)
		if (steps[i] < now - 1e-9)
			return steps[i];
	return steps[0];
}

/* Changes the selected row one step in direction dir (+1 or -1). */
static void
change(struct ui *ui, int dir)
{
	struct settings *s = &ui->settings;

	switch (page.sel) {
	case F_VIEW: {
		/* "" (the first view), then every view's title. */
		int n = (int)ui_views_count(), cur = 0;

		for (int i = 0; i < n; i++)
			if (strcmp(ui_views_at((size_t)i)->title, s->view) == 0)
				cur = i + 1;
		cur = (cur + dir + n + 1) % (n + 1);
		snprintf(s->view, sizeof(s->view), "%s",
			 cur == 0 ? "" : ui_views_at((size_t)cur - 1)->title);
		break;
	}
	case F_SORT:
		s->sort_column = (s->sort_column + 1 + dir + COL_COUNT + 1) % (COL_COUNT + 1) - 1;
		s->set |= SETTINGS_HAS_SORT;
		table_changed(ui);
		break;
	case F_ORDER:
		s->sort_descending = !s->sort_descending;
		s->set |= SETTINGS_HAS_SORT;
		table_changed(ui);
		break;
	case F_INTERVAL:
		s->interval_s = step_value(interval_steps, sizeof(interval_steps) / sizeof(double),
					   s->interval_s, dir);
		if (ui->replay == NULL && ui->sampler != NULL)
			sampler_set_interval(ui->sampler, s->interval_s);
		break;
	case F_THEME:
		s->theme = (enum settings_theme)((s->theme + dir + SETTINGS_THEME_COUNT) %
						 SETTINGS_THEME_COUNT);
		ui_theme_apply(ui);
		break;
	case F_MOUSE:
		s->mouse = !s->mouse;
		ui_mouse_set(ui, s->mouse);
		break;
	case F_LINGER:
		s->linger_s = step_value(linger_steps, sizeof(linger_steps) / sizeof(double),
					 s->linger_s, dir);
		/* The table's tracker takes it when it starts again. */
		ui->linger_s = s->linger_s;
		break;
	default: {
		int col = page.order[page.sel - F_COLUMNS];

		page.on[col] = !page.on[col];
		store_columns(ui);
		table_changed(ui);
		break;
	}
	}
}

/* [ and ]: the selected column one place up or down. */
static void
move_column(struct ui *ui, int dir)
{
	int i = page.sel - F_COLUMNS, j = i + dir, t;

	if (i < 0 || j < 0 || j >= COL_COUNT)
		return;
	t = page.order[i];
	page.order[i] = page.order[j];
	page.order[j] = t;
	page.sel += dir;
	store_columns(ui);
	table_changed(ui);
}

static void
save(struct ui *ui)
{
	char err[600];

	if (ui->settings_path[0] == '\0') {
		snprintf(ui->status, sizeof(ui->status),
			 "no config file to save to (HOME and XDG_CONFIG_HOME are unset)");
		return;
	}
	/* The status line is shorter than a path can be: cut, not lost. */
	if (settings_save(&ui->settings, ui->settings_path, err, sizeof(err)) < 0)
		snprintf(ui->status, sizeof(ui->status), "%.*s", (int)sizeof(ui->status) - 1, err);
	else
		snprintf(ui->status, sizeof(ui->status), "settings saved to %.200s",
			 ui->settings_path);
}

static void
value_of(const struct ui *ui, int row, char *out, size_t size)
{
	const struct settings *s = &ui->settings;

	switch (row) {
	case F_VIEW:
		snprintf(out, size, "%s", s->view[0] != '\0' ? s->view : "(the first)");
		break;
	case F_SORT:
		snprintf(out, size, "%s",
			 s->sort_column >= 0 ? conn_column((enum conn_column)s->sort_column)->name
					     : "(the table's: state)");
		break;
	case F_ORDER:
		snprintf(out, size, "%s", s->sort_descending ? "descending" : "ascending");
		break;
	case F_INTERVAL:
		snprintf(out, size, "%g s", s->interval_s);
		break;
	case F_THEME:
		snprintf(out, size, "%s%s", settings_theme_name(s->theme),
			 ui->colors ? "" : " (no colours here)");
		break;
	case F_MOUSE:
		snprintf(out, size, "%s", s->mouse ? "on" : "off");
		break;
	case F_LINGER:
		snprintf(out, size, "%g s", s->linger_s);
		break;
	default:
		out[0] = '\0';
	}
}

static void
setup_draw(struct ui *ui, void *ctx)
{
	static const char *const names[F_COLUMNS] = {
		"start in view", "sort column", "sort order", "interval",
		"theme", "mouse", "linger (closed rows)",
	};
	int rows, cols, row = 2, top = 0, height;
	char value[128];

	(void)ctx;
	ui_page_begin(ui, " tcpdeck setup: Up/Down choose, Left/Right/space change, "
			  "[ ] move a column, w save, Esc back",
		      &rows, &cols);
	height = rows - 3;
	if (height < 1)
		return;
	if (page.sel >= height)
		top = page.sel - height + 1;
	for (int i = top; i < n_rows() && row < rows - 1; i++, row++) {
		attrset(i == page.sel ? A_REVERSE : A_NORMAL);
		mvhline(row, 0, ' ', cols);
		if (i < F_COLUMNS) {
			value_of(ui, i, value, sizeof(value));
			mvprintw(row, 2, "%-22.22s %s", names[i], value);
		} else {
			int col = page.order[i - F_COLUMNS];

			mvprintw(row, 2, "%-22s [%c] %s", i == F_COLUMNS ? "columns" : "",
				 page.on[col] ? 'x' : ' ', conn_column((enum conn_column)col)->title);
		}
	}
	attrset(A_NORMAL);
	if (ui->status[0] != '\0')
		ui_put(rows - 1, 0, ui->status, cols);
}

static void
setup_key(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	switch (key) {
	case KEY_UP:
	case 'k':
		if (page.sel > 0)
			page.sel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (page.sel < n_rows() - 1)
			page.sel++;
		break;
	case KEY_RIGHT:
	case ' ':
	case '\r':
	case KEY_ENTER:
		change(ui, 1);
		break;
	case KEY_LEFT:
		change(ui, -1);
		break;
	case '[':
		move_column(ui, -1);
		break;
	case ']':
		move_column(ui, 1);
		break;
	case 'w':
		save(ui);
		break;
	case 27:
	case 'q':
	case KEY_F(2):
	case 'S':
		ui->status[0] = '\0';
		ui_page_close(ui);
		break;
	default:
		break;
	}
}

static const struct ui_page setup_page = {.draw = setup_draw, .key = setup_key};

void
ui_setup_open(struct ui *ui)
{
	bool hidden[COL_COUNT];

	/* + and - may have changed the interval since. */
	if (ui->replay == NULL && ui->sampler != NULL)
		ui->settings.interval_s = sampler_interval(ui->sampler);
	/* and the table's keys its columns and sort. */
	ui_conns_settings(ui, &ui->settings);
	ui_setup_columns(&ui->settings, page.order, hidden);
	for (int c = 0; c < COL_COUNT; c++)
		page.on[c] = !hidden[c];
	if (page.sel >= n_rows())
		page.sel = 0;
	ui->status[0] = '\0';
	ui_page_open(ui, &setup_page, NULL);
}
