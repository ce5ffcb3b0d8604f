/*
 * ui_conns_tree.c - the connection table grouped by process (F5 or t in
 * the table), as TCPView groups it: one row per process with its
 * connections counted by state, its bytes and queues; Enter, + and -,
 * or Right and Left, open a process to show its connections under it.
 * The grouping itself is conn_group.c; this file draws it and keeps the
 * page's state (which processes are open, the selection).
 *
 * It is a page (ui_view.h): while open it draws the whole screen and
 * takes every key.  The rows are the sockets of the sample on screen
 * through the dashboard's filter, sorted by the table's sort column,
 * rebuilt when the sample or the filter changes.
 *
 * Main thread only.  Names of processes reach the screen through ui_put.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_group.h"
#include "format.h"
#include "ui_internal.h"

/* Short titles of the states' columns. */
static const char *const state_titles[TCP_STATE_COUNT] = {
	[TCP_STATE_LISTEN] = "LISTEN",     [TCP_STATE_SYN_SENT] = "SYN-SENT",
	[TCP_STATE_SYN_RECV] = "SYN-RECV", [TCP_STATE_ESTABLISHED] = "ESTAB",
	[TCP_STATE_FIN_WAIT1] = "FIN-W1",  [TCP_STATE_FIN_WAIT2] = "FIN-W2",
	[TCP_STATE_CLOSE_WAIT] = "CLOSE-W", [TCP_STATE_CLOSING] = "CLOSING",
	[TCP_STATE_LAST_ACK] = "LAST-ACK", [TCP_STATE_TIME_WAIT] = "TIME-W",
	[TCP_STATE_CLOSE] = "CLOSE",
};

/* A line on screen: a group, or one of its rows (row >= 0). */
struct line {
	size_t group;
	ssize_t row; /* index in rows, -1 for the group's own line */
};

static struct tree {
	int sort;
	bool desc;
	/* Open processes, by pid (a pid stays open while it comes and goes). */
	int32_t *open;
	size_t n_open, open_cap;
	/* The selection follows its process, or its socket. */
	int32_t sel_pid;
	uint64_t sel_cookie; /* 0: the process's own line */
	uint32_t sel_netns;
	struct ui_scroll scroll;
	/* Built from the sample on screen, held so the rows never outlive
	 * it (a replay may show another snapshot with the same seq). */
	struct snapshot *snap;
	const struct filter *filter;
	struct conn_row *rows;
	size_t n_rows, rows_cap;
	struct conn_group *groups;
	size_t n_groups;
	size_t *order;
	struct line *lines;
	size_t n_lines, lines_cap;
} tree;

static bool
is_open(int32_t pid)
{
	for (size_t i = 0; i < tree.n_open; i++)
		if (tree.open[i] == pid)
			return true;
	return false;
}

static void
set_open(int32_t pid, bool open)
{
	for (size_t i = 0; i < tree.n_open; i++)
		if (tree.open[i] == pid) {
			if (!open)
				tree.open[i] = tree.open[--tree.n_open];
			return;
		}
	if (!open)
		return;
	if (tree.n_open == tree.open_cap) {
		size_t cap = tree.open_cap ? tree.open_cap * 2 : 16;
		int32_t *more = realloc(tree.open, cap * sizeof(*more));

		if (more == NULL)
			return;
		tree.open = more;
		tree.open_cap = cap;
	}
	tree.open[tree.n_open++] = pid;
}

/* The groups of the sample on screen, when it or the filter changed. */
static void
build_groups(struct ui *ui)
{
	const struct snapshot *snap = ui->shown;
	struct conn_context cc;
	struct conn_group *groups;
	size_t *order, n = 0;
	ssize_t n_groups;

	if (snap == NULL || (snap == tree.snap && tree.filter == ui->filter))
		return;
	if (snap->n_entries > tree.rows_cap) {
		struct conn_row *more = realloc(tree.rows, snap->n_entries * sizeof(*more));

		if (more == NULL)
			return;
		tree.rows = more;
		tree.rows_cap = snap->n_entries;
	}
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (ui->filter != NULL && !filter_match(ui->filter, e))
			continue;
		tree.rows[n++] = (struct conn_row){.entry = e};
	}
	memset(&cc, 0, sizeof(cc));
	cc.snap = snap;
	conn_rows_sort(tree.rows, n, (enum conn_column)tree.sort, tree.desc, &cc);
	n_groups = conn_group_build(tree.rows, n, snap, &groups, &order);
	if (n_groups < 0) {
		/* The rows were overwritten: nothing left to show. */
		tree.n_groups = 0;
		tree.n_rows = 0;
		return;
	}
	free(tree.groups);
	free(tree.order);
	tree.groups = groups;
	tree.order = order;
	tree.n_groups = (size_t)n_groups;
	tree.n_rows = n;
	snapshot_unref(tree.snap);
	tree.snap = snapshot_ref(ui->shown);
	tree.filter = ui->filter;
}

/* The lines on screen: every group, and the rows of the open ones. */
static void
build_lines(void)
{
	size_t need = tree.n_groups + tree.n_rows;

	tree.n_lines = 0;
	if (need > tree.lines_cap) {
		struct line *more = realloc(tree.lines, need * sizeof(*more));

		if (more == NULL)
			return;
		tree.lines = more;
		tree.lines_cap = need;
	}
	for (size_t g = 0; g < tree.n_groups; g++) {
		const struct conn_group *grp = &tree.groups[g];

		tree.lines[tree.n_lines++] = (struct line){.group = g, .row = -1};
		if (!is_open(grp->pid))
			continue;
		for (size_t k = 0; k < grp->n; k++)
			tree.lines[tree.n_lines++] =
				(struct line){.group = g, .row = (ssize_t)tree.order[grp->first + k]};
	}
}

/* The line the selection names, or -1 when it is gone. */
static int
selected_line(void)
{
	int parent = -1;

	for (size_t i = 0; i < tree.n_lines; i++) {
		const struct line *l = &tree.lines[i];

		if (tree.groups[l->group].pid != tree.sel_pid)
			continue;
		if (l->row < 0) {
			parent = (int)i;
			if (tree.sel_cookie == 0)
				return parent;
		} else if (tree.rows[l->row].entry->cookie == tree.sel_cookie &&
			   tree.rows[l->row].entry->netns == tree.sel_netns) {
			return (int)i;
		}
	}
	return parent; /* a socket gone: its process */
}

static void
select_line(int i)
{
	const struct line *l;

	if (i < 0 || (size_t)i >= tree.n_lines)
		return;
	l = &tree.lines[i];
	tree.sel_pid = tree.groups[l->group].pid;
	tree.sel_cookie = l->row >= 0 ? tree.rows[l->row].entry->cookie : 0;
	tree.sel_netns = l->row >= 0 ? tree.rows[l->row].entry->netns : 0;
	tree.scroll.sel = i;
}

static void
tree_refresh(struct ui *ui)
{
	int sel;

	build_groups(ui);
	build_lines();
	sel = selected_line();
	if (sel < 0 && tree.n_lines > 0)
		select_line(0);
	else
		tree.scroll.sel = sel;
}

static void
format_size(uint64_t bytes, char *out, size_t size)
{
	static const char units[] = "KMGTP";
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, size, "%llu", (unsigned long long)bytes);
	else
		snprintf(out, size, "%.1f%c", v, units[u]);
}

/* Which states have a column: those any group has sockets in. */
static int
state_columns(int *out)
{
	int n = 0;

	for (int s = 0; s < TCP_STATE_COUNT; s++)
		for (size_t g = 0; g < tree.n_groups; g++)
			if (tree.groups[g].counts[s] > 0) {
				out[n++] = s;
				break;
			}
	return n;
}

static int
state_width(int s)
{
	int w = (int)strlen(state_titles[s]);

	return w < 5 ? 5 : w;
}

static void
draw_group(struct ui *ui, int y, int cols, const struct conn_group *g, const int *states,
	   int n_states)
{
	char cell[64];
	int x = 0;

	(void)ui;
	x += ui_put_cell(y, x, is_open(g->pid) ? "[-]" : "[+]", 3, false) + 1;
	if (g->pid >= 0)
		snprintf(cell, sizeof(cell), "%d", g->pid);
	else
		snprintf(cell, sizeof(cell), "-");
	x += ui_put_cell(y, x, cell, 7, true) + 1;
	x += ui_put_cell(y, x, conn_group_name(g), 15, false) + 1;
	snprintf(cell, sizeof(cell), "%u", g->total);
	x += ui_put_cell(y, x, cell, 5, true) + 1;
	for (int k = 0; k < n_states && x < cols; k++) {
		snprintf(cell, sizeof(cell), "%u", g->counts[states[k]]);
		x += ui_put_cell(y, x, cell, state_width(states[k]), true) + 1;
	}
	format_size(g->sent, cell, sizeof(cell));
	x += ui_put_cell(y, x, cell, 7, true) + 1;
	format_size(g->received, cell, sizeof(cell));
	x += ui_put_cell(y, x, cell, 7, true) + 1;
	format_size(g->recv_q, cell, sizeof(cell));
	x += ui_put_cell(y, x, cell, 7, true) + 1;
	format_size(g->send_q, cell, sizeof(cell));
	ui_put_cell(y, x, cell, 7, true);
}

/* A connection under its process: the table's own columns. */
static void
draw_row(struct ui *ui, int y, int cols, const struct conn_row *row)
{
	static const enum conn_column shown[] = {COL_LOCAL, COL_REMOTE, COL_STATE, COL_RECV_Q,
						 COL_SEND_Q, COL_SENT, COL_RECEIVED};
	struct conn_context cc;
	char cell[400];
	int x = 12;

	memset(&cc, 0, sizeof(cc));
	cc.snap = ui->shown;
	for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]) && x < cols; k++) {
		const struct conn_column_def *def = conn_column(shown[k]);

		def->format(row, &cc, cell, sizeof(cell));
		x += ui_put_cell(y, x, cell, def->width, def->right) + 1;
	}
}

static void
tree_draw(struct ui *ui, void *ctx)
{
	int rows, cols, states[TCP_STATE_COUNT], n_states, x, height;
	char cell[64];
	size_t sockets = 0;

	(void)ctx;
	ui_page_begin(ui, " tcpdeck: connections by process (Enter, + -: open or close; "
			  "F5 or t: the table)",
		      &rows, &cols);
	if (ui->shown == NULL || rows < 4)
		return;
	tree_refresh(ui);
	n_states = state_columns(states);

	attrset(A_BOLD | A_UNDERLINE);
	mvhline(1, 0, ' ', cols);
	x = 4;
	x += ui_put_cell(1, x, "PID", 7, true) + 1;
	x += ui_put_cell(1, x, "PROCESS", 15, false) + 1;
	x += ui_put_cell(1, x, "TOTAL", 5, true) + 1;
	for (int k = 0; k < n_states && x < cols; k++)
		x += ui_put_cell(1, x, state_titles[states[k]], state_width(states[k]), true) + 1;
	x += ui_put_cell(1, x, "SENT", 7, true) + 1;
	x += ui_put_cell(1, x, "RCVD", 7, true) + 1;
	x += ui_put_cell(1, x, "RECV-Q", 7, true) + 1;
	ui_put_cell(1, x, "SEND-Q", 7, true);
	attrset(A_NORMAL);

	height = rows - 3;
	tree.scroll.select = true;
	ui_scroll_fit(&tree.scroll, (int)tree.n_lines, height);
	for (int y = 0; y < height && tree.scroll.top + y < (int)tree.n_lines; y++) {
		int i = tree.scroll.top + y;
		const struct line *l = &tree.lines[i];
		int attr = l->row < 0 ? A_BOLD : A_NORMAL;

		if (i == tree.scroll.sel)
			attr |= A_REVERSE;
		attrset(attr);
		mvhline(2 + y, 0, ' ', cols);
		if (l->row < 0)
			draw_group(ui, 2 + y, cols, &tree.groups[l->group], states, n_states);
		else
			draw_row(ui, 2 + y, cols, &tree.rows[l->row]);
		attrset(A_NORMAL);
	}
	for (size_t g = 0; g < tree.n_groups; g++)
		sockets += tree.groups[g].total;
	format_count(sockets, cell, sizeof(cell));
	if (ui->status[0] != '\0')
		ui_put(rows - 1, 0, ui->status, cols);
	else
		ui_putf(rows - 1, 0, cols, "%zu processes and others, %s sockets%s", tree.n_groups,
			cell, ui->filter != NULL ? " (filtered)" : "");
}

static void
open_selected(bool open)
{
	int sel = selected_line();

	if (sel < 0)
		return;
	if (!open && tree.lines[sel].row >= 0)
		tree.sel_cookie = 0; /* closing from a connection: onto its process */
	set_open(tree.sel_pid, open);
}

static void
tree_key(struct ui *ui, void *ctx, int key)
{
	int sel;

	(void)ctx;
	tree_refresh(ui);
	sel = selected_line();
	switch (key) {
	case KEY_DOWN:
	case 'j':
		select_line(sel + 1);
		break;
	case KEY_UP:
	case 'k':
		select_line(sel - 1);
		break;
	case KEY_NPAGE:
		select_line(sel + tree.scroll.height < (int)tree.n_lines ? sel + tree.scroll.height
									  : (int)tree.n_lines - 1);
		break;
	case KEY_PPAGE:
		select_line(sel - tree.scroll.height > 0 ? sel - tree.scroll.height : 0);
		break;
	case KEY_HOME:
	case 'g':
		select_line(0);
		break;
	case KEY_END:
	case 'G':
		select_line((int)tree.n_lines - 1);
		break;
	case '\r':
	case KEY_ENTER:
		if (sel >= 0)
			open_selected(!is_open(tree.sel_pid));
		break;
	case '+':
	case KEY_RIGHT:
		open_selected(true);
		break;
	case '-':
	case KEY_LEFT:
		open_selected(false);
		break;
	case '*':
		for (size_t g = 0; g < tree.n_groups; g++)
			set_open(tree.groups[g].pid, true);
		break;
	case 'q':
	case 'Q':
		ui->quit = true;
		break;
	case 27:
	case 't':
	case KEY_F(5):
		ui_page_close(ui);
		break;
	default:
		break;
	}
}

static const struct ui_page tree_page = {.draw = tree_draw, .key = tree_key};

void
ui_conns_tree_open(struct ui *ui, int sort, bool desc)
{
	tree.sort = sort;
	tree.desc = desc;
	/* Built again: the sort may have changed. */
	snapshot_unref(tree.snap);
	tree.snap = NULL;
	tree.scroll.select = true;
	ui->status[0] = '\0';
	ui_page_open(ui, &tree_page, NULL);
}

void
ui_conns_tree_free(void)
{
	free(tree.open);
	free(tree.rows);
	free(tree.groups);
	free(tree.order);
	free(tree.lines);
	snapshot_unref(tree.snap);
	memset(&tree, 0, sizeof(tree));
}
