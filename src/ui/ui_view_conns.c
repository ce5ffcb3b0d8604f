/*
 * ui_view_conns.c - the connection table, TCPView-style: every socket
 * (through the filter), sortable by any column, with the selection
 * following its socket by cookie across refreshes and re-sorts.  New rows
 * are green, rows that changed state yellow, closed sockets stay red for
 * the linger time.  The rows are rebuilt and re-sorted only when the
 * snapshot, the filter or the order changes, not on every key press.
 * Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <time.h>

#include "format.h"
#include "log.h"
#include "sock_format.h"
#include "ui_internal.h"

/* Columns in display order; those of lowest priority go first when the
 * terminal is narrow. */
static const enum conn_column display_order[] = {
	COL_PROTO, COL_LOCAL, COL_REMOTE, COL_STATE, COL_PID, COL_PROCESS, COL_USER,
	COL_RECV_Q, COL_SEND_Q, COL_RTT, COL_RETRANS, COL_SENT, COL_RECEIVED,
	COL_SEND_RATE, COL_RECV_RATE, COL_AGE, COL_TIMER,
};
enum { N_DISPLAY = sizeof(display_order) / sizeof(display_order[0]) };

static bool
is_tagged(const struct ui *ui, uint64_t cookie)
{
	for (size_t i = 0; i < ui->n_tags; i++)
		if (ui->tags[i] == cookie)
			return true;
	return false;
}

/* Rebuilds the rows when their inputs changed: the live sockets the
 * filter selects, then the tombstones it selects, sorted. */
static void
build_rows(struct ui *ui)
{
	const struct snapshot *snap = ui->shown;
	size_t need, n = 0, gone = ui->ct != NULL ? conntrack_gone_count(ui->ct) : 0;
	struct conn_context cc;
	struct timespec t0, t1, t2;

	if (snap == ui->rows_snap && ui->rows_sort == ui->conn_sort &&
	    ui->rows_desc == ui->conn_desc && ui->rows_filter == ui->filter && ui->rows != NULL)
		return;
	need = snap->n_entries + gone + 1;
	if (need > ui->rows_cap) {
		struct conn_row *more = realloc(ui->rows, need * sizeof(*more));

		if (more == NULL)
			return;
		ui->rows = more;
		ui->rows_cap = need;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (ui->filter != NULL && !filter_match(ui->filter, e))
			continue;
		ui->rows[n].entry = e;
		/* The tracker was fed this very snapshot (ui_main.c). */
		ui->rows[n].info = ui->ct != NULL ? conntrack_get_at(ui->ct, i) : NULL;
		ui->rows[n].owners = NULL;
		n++;
	}
	for (size_t i = 0; i < gone; i++) {
		const struct conn_info *info;
		const struct owner_table *owners;
		const struct sock_entry *e = conntrack_gone_entry(ui->ct, i, &info, &owners);

		if (ui->filter != NULL && !filter_match(ui->filter, e))
			continue;
		ui->rows[n].entry = e;
		ui->rows[n].info = info;
		ui->rows[n].owners = owners;
		n++;
	}
	memset(&cc, 0, sizeof(cc));
	cc.snap = snap;
	cc.now = ui->ct != NULL ? conntrack_now(ui->ct) : 0;
	cc.scratch = &ui->sort_scratch;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	conn_rows_sort(ui->rows, n, (enum conn_column)ui->conn_sort, ui->conn_desc, &cc);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	log_msg("ui: %zu rows selected in %.2f ms, sorted by %s in %.2f ms", n,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		conn_column((enum conn_column)ui->conn_sort)->name,
		(double)(t2.tv_sec - t1.tv_sec) * 1e3 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e6);
	ui->n_rows = n;
	ui->rows_rebuilt = true;
	ui->rows_snap = snap;
	ui->rows_sort = ui->conn_sort;
	ui->rows_desc = ui->conn_desc;
	ui->rows_filter = ui->filter;
}

/* Where the selected socket's row is, or -1.  The row where it was last
 * found is tried first: scanning 100,000 rows, each a pointer away, costs
 * milliseconds that a key press should not. */
static int
selected_index(const struct ui *ui)
{
	if (ui->sel_hint < ui->n_rows && ui->rows[ui->sel_hint].entry->cookie == ui->selected)
		return (int)ui->sel_hint;
	for (size_t i = 0; i < ui->n_rows; i++)
		if (ui->rows[i].entry->cookie == ui->selected)
			return (int)i;
	return -1;
}

static const struct conn_row *
selected_row(const struct ui *ui)
{
	int i = selected_index(ui);

	return i >= 0 ? &ui->rows[i] : NULL;
}

/* The display order, set to the default on first use. */
static void
ensure_order(struct ui *ui)
{
	if (ui->conn_order_set)
		return;
	for (int i = 0; i < N_DISPLAY; i++)
		ui->conn_order[i] = display_order[i];
	ui->conn_order_set = true;
}

/* Which columns fit in `cols`, in the user's order, leaving out hidden
 * ones; returns how many. */
static int
choose_columns(struct ui *ui, int cols, enum conn_column *out)
{
	bool on[COL_COUNT];
	int used = 0;

	ensure_order(ui);
	/* Add columns by priority while they fit. */
	for (int i = 0; i < COL_COUNT; i++)
		on[i] = false;
	for (int priority = 0; priority < 10; priority++)
		for (int i = 0; i < N_DISPLAY; i++) {
			int col = ui->conn_order[i];
			const struct conn_column_def *def = conn_column((enum conn_column)col);

			if (on[col] || ui->conn_hidden[col] || def->priority != priority)
				continue;
			if (used + def->width + 1 <= cols) {
				on[col] = true;
				used += def->width + 1;
			}
		}
	used = 0;
	for (int i = 0; i < N_DISPLAY; i++)
		if (on[ui->conn_order[i]])
			out[used++] = (enum conn_column)ui->conn_order[i];
	return used;
}

static int
row_attr(struct ui *ui, const struct conn_row *row)
{
	if (row->info == NULL)
		return A_NORMAL;
	switch (row->info->mark) {
	case CONN_NEW:
		return ui_term_attr(ui, UI_COLOR_STEADY);
	case CONN_CHANGED:
		return ui_term_attr(ui, UI_COLOR_WATCH);
	case CONN_GONE:
		return ui_term_attr(ui, UI_COLOR_ALERT);
	default:
		return A_NORMAL;
	}
}

/* The endpoint with names when asked for: host from the resolver (which
 * answers at once, queueing what it does not know yet). */
static void
named_endpoint(struct ui *ui, const struct sock_entry *e, int remote, char *out, size_t size)
{
	char host[300], service[64];
	uint16_t port = remote ? e->remote_port : e->local_port;

	if (!ui->names || ui->resolver == NULL) {
		sock_format_endpoint(e, remote, out, size);
		return;
	}
	resolver_host(ui->resolver, e->family, remote ? e->remote_addr : e->local_addr, host,
		      sizeof(host));
	if (port == 0)
		snprintf(service, sizeof(service), "*");
	else
		resolver_service(ui->resolver, port, service, sizeof(service));
	snprintf(out, size, "%s:%s", host, service);
}

static void
conns_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	(void)state;
	enum conn_column shown[N_DISPLAY];
	int n_cols, extra, x, sel;
	struct conn_context cc;
	char cell[400], title[64];

	ui->conn_height = height - 1;
	if (ui->shown == NULL || height < 2)
		return;
	build_rows(ui);
	n_cols = choose_columns(ui, cols, shown);

	/* Spare width goes to the address columns. */
	extra = cols;
	for (int c = 0; c < n_cols; c++)
		extra -= conn_column(shown[c])->width + 1;
	if (extra < 0)
		extra = 0;

	/* Title line: the sort column is marked with an arrow. */
	attrset(A_BOLD | A_UNDERLINE);
	mvhline(top, 0, ' ', cols);
	x = 0;
	for (int c = 0; c < n_cols && x < cols; c++) {
		const struct conn_column_def *def = conn_column(shown[c]);
		int w = def->width + ((shown[c] == COL_LOCAL || shown[c] == COL_REMOTE) ? extra / 2 : 0);

		snprintf(title, sizeof(title), "%s%s", def->title,
			 (int)shown[c] == ui->conn_sort ? (ui->conn_desc ? "v" : "^") : "");
		mvprintw(top, x, def->right ? "%*.*s" : "%-*.*s", w, w, title);
		x += w + 1;
	}
	attrset(A_NORMAL);

	/* Keep the selected socket in view; when it is gone, the first row. */
	sel = selected_index(ui);
	if (sel < 0 && ui->n_rows > 0) {
		sel = ui->conn_top < (int)ui->n_rows ? ui->conn_top : 0;
		ui->selected = ui->rows[sel].entry->cookie;
	}
	if (sel >= 0)
		ui->sel_hint = (size_t)sel;
	if (sel >= 0 && sel < ui->conn_top)
		ui->conn_top = sel;
	if (sel >= ui->conn_top + ui->conn_height)
		ui->conn_top = sel - ui->conn_height + 1;
	if (ui->conn_top < 0)
		ui->conn_top = 0;

	memset(&cc, 0, sizeof(cc));
	cc.snap = ui->shown;
	cc.now = ui->ct != NULL ? conntrack_now(ui->ct) : 0;
	for (int y = 0; y < ui->conn_height && ui->conn_top + y < (int)ui->n_rows; y++) {
		const struct conn_row *row = &ui->rows[ui->conn_top + y];
		int attr = row_attr(ui, row);
		bool tagged = is_tagged(ui, row->entry->cookie);

		if (ui->conn_top + y == sel)
			attr |= A_REVERSE;
		if (tagged)
			attr |= A_BOLD;
		attrset(attr);
		mvhline(top + 1 + y, 0, ' ', cols);
		x = 0;
		for (int c = 0; c < n_cols && x < cols; c++) {
			const struct conn_column_def *def = conn_column(shown[c]);
			int w = def->width +
				((shown[c] == COL_LOCAL || shown[c] == COL_REMOTE) ? extra / 2 : 0);

			if (shown[c] == COL_LOCAL || shown[c] == COL_REMOTE)
				named_endpoint(ui, row->entry, shown[c] == COL_REMOTE, cell,
					       sizeof(cell));
			else
				def->format(row, &cc, cell, sizeof(cell));
			if (c == 0 && tagged)
				cell[0] = '*';
			mvprintw(top + 1 + y, x, def->right ? "%*.*s" : "%-*.*s", w, w, cell);
			x += w + 1;
		}
		attrset(A_NORMAL);
	}
	if (ui->n_rows == 0)
		mvaddnstr(top + 2, 2,
			  ui->filter != NULL ? "no socket matches the filter" : "no socket", cols - 2);
}

/* ------------------------------------------------------------------ keys */

static void
move_selection(struct ui *ui, int delta)
{
	int sel = selected_index(ui);

	if (ui->n_rows == 0)
		return;
	sel = sel < 0 ? 0 : sel + delta;
	if (sel < 0)
		sel = 0;
	if (sel >= (int)ui->n_rows)
		sel = (int)ui->n_rows - 1;
	ui->selected = ui->rows[sel].entry->cookie;
	ui->sel_hint = (size_t)sel;
}

static void
key_down(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_selection(ui, 1);
}

static void
key_up(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_selection(ui, -1);
}

static void
key_page_down(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_selection(ui, ui->conn_height > 1 ? ui->conn_height - 1 : 1);
}

static void
key_page_up(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_selection(ui, -(ui->conn_height > 1 ? ui->conn_height - 1 : 1));
}

static void
key_home(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_selection(ui, -(int)ui->n_rows);
}

static void
key_end(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_selection(ui, (int)ui->n_rows);
}

static void
key_sort_next(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui->conn_sort = (ui->conn_sort + 1) % COL_COUNT;
}

static void
key_sort_prev(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui->conn_sort = (ui->conn_sort + COL_COUNT - 1) % COL_COUNT;
}

/* Moves the current (sort) column one place left or right. */
static void
move_column(struct ui *ui, int delta)
{
	ensure_order(ui);
	for (int i = 0; i < N_DISPLAY; i++)
		if (ui->conn_order[i] == ui->conn_sort) {
			int j = i + delta;

			if (j >= 0 && j < N_DISPLAY) {
				int t = ui->conn_order[j];

				ui->conn_order[j] = ui->conn_order[i];
				ui->conn_order[i] = t;
			}
			return;
		}
}

static void
key_column_left(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_column(ui, -1);
}

static void
key_column_right(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	move_column(ui, 1);
}

static void
key_hide_column(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui->conn_hidden[ui->conn_sort] = !ui->conn_hidden[ui->conn_sort];
	snprintf(ui->status, sizeof(ui->status), "column %s %s (H shows every column)",
		 conn_column((enum conn_column)ui->conn_sort)->title,
		 ui->conn_hidden[ui->conn_sort] ? "hidden" : "shown");
}

static void
key_show_all(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	for (int i = 0; i < COL_COUNT; i++)
		ui->conn_hidden[i] = false;
}

static void
key_invert(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui->conn_desc = !ui->conn_desc;
}

static void
key_tag(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	const struct conn_row *row = selected_row(ui);

	if (row == NULL)
		return;
	for (size_t i = 0; i < ui->n_tags; i++)
		if (ui->tags[i] == row->entry->cookie) {
			ui->tags[i] = ui->tags[--ui->n_tags];
			move_selection(ui, 1);
			return;
		}
	if (ui->n_tags == ui->tags_cap) {
		size_t cap = ui->tags_cap ? ui->tags_cap * 2 : 16;
		uint64_t *more = realloc(ui->tags, cap * sizeof(*more));

		if (more == NULL)
			return;
		ui->tags = more;
		ui->tags_cap = cap;
	}
	ui->tags[ui->n_tags++] = row->entry->cookie;
	move_selection(ui, 1);
}

static void
drill_draw(struct ui *ui, void *ctx)
{
	(void)ctx;
	ui_drill_draw(ui, ui->drill, ui->ct);
}

/* The details page: Esc, Enter or Backspace go back; q quits. */
static void
drill_key(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	if (key == 27 || key == '\r' || key == KEY_ENTER || key == KEY_BACKSPACE || key == 127) {
		ui_page_close(ui);
		ui_drill_free(ui->drill);
		ui->drill = NULL;
	} else if (key == 'q' || key == 'Q') {
		ui->quit = true;
	}
}

static const struct ui_page drill_page = {.draw = drill_draw, .key = drill_key};

static void
key_drill(struct ui *ui, void *state, int arg)
{
	const struct conn_row *row = selected_row(ui);

	(void)state;
	(void)arg;
	if (row == NULL)
		return;
	ui_drill_free(ui->drill);
	ui->drill = ui_drill_new(row->entry->cookie);
	if (ui->drill == NULL) {
		snprintf(ui->status, sizeof(ui->status), "out of memory for the details");
		return;
	}
	ui_drill_sample(ui->drill, ui->shown, ui->ct);
	ui_page_open(ui, &drill_page, NULL);
}

static void
key_port(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	const struct conn_row *row = selected_row(ui);
	char expr[64];

	if (row == NULL)
		return;
	/* Both directions: the socket's own port on either side. */
	snprintf(expr, sizeof(expr), "( sport = :%u or dport = :%u )", row->entry->local_port,
		 row->entry->local_port);
	ui_filter_set(ui, expr, NULL);
}

static void
key_states(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui_filter_pick_state(ui);
}

static void
key_names(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	if (ui->resolver == NULL) {
		ui->resolver = resolver_new(4096);
		if (ui->resolver == NULL) {
			snprintf(ui->status, sizeof(ui->status), "cannot start the name resolver");
			return;
		}
	}
	ui->names = !ui->names;
}

/* The sockets k and K act on: the tagged rows still open, or the
 * selected row when none is tagged (unless it is closed).  Returns how
 * many, in t (entries allocated; free them). */
static size_t
targets(struct ui *ui, struct ui_act_targets *t)
{
	const struct sock_entry **entries = malloc((ui->n_rows + 1) * sizeof(*entries));
	const struct conn_row *sel = selected_row(ui);
	size_t n = 0;

	t->snap = ui->shown;
	t->entries = entries;
	t->n = 0;
	if (entries == NULL)
		return 0;
	if (ui->n_tags == 0 && sel != NULL && (sel->info == NULL || sel->info->mark != CONN_GONE))
		entries[n++] = sel->entry;
	for (size_t i = 0; ui->n_tags > 0 && i < ui->n_rows; i++)
		if (is_tagged(ui, ui->rows[i].entry->cookie) &&
		    (ui->rows[i].info == NULL || ui->rows[i].info->mark != CONN_GONE))
			entries[n++] = ui->rows[i].entry;
	t->n = n;
	return n;
}

/* y at the question: acts on the targets as they are now. */
static void
act_confirmed(struct ui *ui, void *ctx)
{
	struct ui_act_targets t;

	(void)ctx;
	targets(ui, &t);
	ui_act_run(ui, ui->action, &t);
	free((void *)t.entries);
	ui->n_tags = 0;
}

/* k and K: arg is the action, asked about first. */
static void
key_act(struct ui *ui, void *state, int arg)
{
	struct ui_act_targets t;
	char question[256];
	bool ask;

	(void)state;
	if (ui->shown == NULL)
		return;
	targets(ui, &t);
	ask = ui_act_question(ui, (enum ui_action)arg, &t, question, sizeof(question));
	free((void *)t.entries);
	if (!ask)
		return;
	ui->action = (enum ui_action)arg;
	ui_prompt_confirm(ui, question, act_confirmed, NULL);
}

static const struct ui_key conns_keys[] = {
	{KEY_DOWN, 'j', "Down", "select the next row", key_down, 0},
	{KEY_UP, 0, "Up", "select the previous row", key_up, 0},
	{KEY_NPAGE, 0, "PgDn", "a page down", key_page_down, 0},
	{KEY_PPAGE, 0, "PgUp", "a page up", key_page_up, 0},
	{KEY_HOME, 'g', "Home", "first row", key_home, 0},
	{KEY_END, 'G', "End", "last row", key_end, 0},
	{'>', KEY_F(6), "> or F6", "sort by the next column", key_sort_next, 0},
	{'<', 0, "<", "sort by the previous column", key_sort_prev, 0},
	{'I', 0, "I", "invert the sort order", key_invert, 0},
	{'[', 0, "[", "move the sort column left", key_column_left, 0},
	{']', 0, "]", "move the sort column right", key_column_right, 0},
	{'h', 0, "h", "hide (or show) the sort column", key_hide_column, 0},
	{'H', 0, "H", "show every column", key_show_all, 0},
	{'s', 0, "s", "show one state (state picker)", key_states, 0},
	{'p', 0, "p", "only sockets on the selected row's port", key_port, 0},
	{'\r', KEY_ENTER, "Enter", "details of the selected connection", key_drill, 0},
	{'n', 0, "n", "names: reverse DNS and service names (asynchronous)", key_names, 0},
	{' ', 0, "space", "tag or untag the row (k and K act on tagged rows)", key_tag, 0},
	{'k', 0, "k", "close the connection(s), as ss -K (asks first)", key_act, UI_ACTION_DESTROY},
	{'K', 0, "K", "send SIGTERM to the owning process(es) (asks first)", key_act,
	 UI_ACTION_SIGNAL},
};

/*
 * Connections are tracked only while the table (or a connection's
 * details, opened from it) is on screen: at 100,000 sockets the tracker's
 * tables cost tens of MB and milliseconds per sample that the other views
 * have no use for.  It starts afresh each time the table is entered (ages
 * count from then), and is fed the sample shown only: when several
 * arrived at once, the ones in between would only delay the screen (rates
 * then span them, which is still right).
 */
static void
conns_enter(struct ui *ui, void *state)
{
	(void)state;
	ui->ct = conntrack_new(ui->linger_s);
	ui->rows_snap = NULL; /* rows point into the tracker */
}

static void
conns_leave(struct ui *ui, void *state)
{
	(void)state;
	conntrack_free(ui->ct);
	ui->ct = NULL;
	ui->rows_snap = NULL;
}

static void
conns_sample(struct ui *ui, void *state)
{
	(void)state;
	if (ui->ct == NULL)
		return;
	if (conntrack_update(ui->ct, ui->shown) < 0)
		log_msg("ui: connection tracking out of memory");
	if (ui->drill != NULL)
		ui_drill_sample(ui->drill, ui->shown, ui->ct);
}

static size_t
conns_drawn_rows(struct ui *ui, void *state, bool *rebuilt)
{
	(void)state;
	*rebuilt = ui->rows_rebuilt;
	ui->rows_rebuilt = false;
	return ui->n_rows;
}

const struct ui_view ui_view_conns = {
	.key = '3',
	.title = "conns",
	.help = "every connection, TCPView-style",
	.enter = conns_enter,
	.sample = conns_sample,
	.draw = conns_draw,
	.leave = conns_leave,
	.drawn_rows = conns_drawn_rows,
	.keys = conns_keys,
	.n_keys = sizeof(conns_keys) / sizeof(conns_keys[0]),
};
