/*
 * ui_view_netns.c - the namespaces view: one row per network namespace
 * of the sample on screen (and, dimmed, those that went away a few
 * samples ago), with its name, its count in each state, its total and a
 * sparkline of that total.  "Which container is piling up TIME_WAIT?":
 * sortable by any column, a selected row, and Enter narrows every view to
 * the selected namespace (the filter "netns INODE").
 *
 * Rows come from the snapshot on screen (its namespace table, counted
 * through the filter when one is set) and from the pipeline's namespace
 * rows (history, gone ones).  Names are raw bytes from the system:
 * drawn through ui_put only.  Main thread only; reads, never samples.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "ui_internal.h"

/* Column widths; states are shown as many as fit, the busiest first. */
enum {
	NAME_WIDTH = 20, /* at least; up to NAME_MAX_WIDTH when there is room */
	NAME_MAX_WIDTH = 40,
	INODE_WIDTH = 10,
	STATE_WIDTH = 8,
	TOTAL_WIDTH = 8,
	SPARK_MIN = 10,
};

/* State column titles, at most STATE_WIDTH. */
static const char *const state_titles[TCP_STATE_COUNT] = {
    [TCP_STATE_LISTEN] = "LISTEN",       [TCP_STATE_SYN_SENT] = "SYN-SENT",
    [TCP_STATE_SYN_RECV] = "SYN-RECV",   [TCP_STATE_ESTABLISHED] = "ESTAB",
    [TCP_STATE_FIN_WAIT1] = "FIN-W1",    [TCP_STATE_FIN_WAIT2] = "FIN-W2",
    [TCP_STATE_CLOSE_WAIT] = "CLOSE-WT", [TCP_STATE_CLOSING] = "CLOSING",
    [TCP_STATE_LAST_ACK] = "LAST-ACK",   [TCP_STATE_TIME_WAIT] = "TIME-WT",
    [TCP_STATE_CLOSE] = "CLOSE",
};

struct netns_view {
	int sort;          /* UI_NETNS_SORT_*, or UI_NETNS_SORT_STATE + state */
	bool inverted;     /* names A to Z and numbers most first, unless */
	uint32_t selected; /* inode of the selected row; 0: none yet */
	struct ui_scroll scroll;
	struct ui_netns_row *rows; /* of the last build */
	size_t n_rows;
	/* What the rows were built from: rebuilt when any changes. */
	uint64_t rows_seq;
	const struct filter *rows_filter;
	const struct pipeline *rows_pipe;
	int rows_sort;
	bool rows_inverted;
	uint64_t rows_feeds; /* pipeline samples fed, for gone rows */
};

const char *
ui_netns_sort_name(int sort)
{
	if (sort == UI_NETNS_SORT_NAME)
		return "name";
	if (sort == UI_NETNS_SORT_INODE)
		return "inode";
	if (sort == UI_NETNS_SORT_TOTAL)
		return "total";
	if (sort >= UI_NETNS_SORT_STATE && sort < UI_NETNS_SORT_COUNT)
		return tcp_state_name((enum tcp_state)(sort - UI_NETNS_SORT_STATE));
	return "?";
}

static int
compare_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

struct sort_by {
	int sort;
	bool inverted;
};

static int
compare_rows(const void *x, const void *y, void *context)
{
	const struct ui_netns_row *a = x, *b = y;
	const struct sort_by *by = context;
	int c = 0;

	/* Names A to Z and numbers most first read best; I inverts either. */
	if (by->sort == UI_NETNS_SORT_NAME) {
		c = strcmp(a->name, b->name);
	} else if (by->sort == UI_NETNS_SORT_INODE) {
		c = compare_u32(a->inode, b->inode);
	} else {
		uint32_t va = by->sort == UI_NETNS_SORT_TOTAL
		                  ? a->total
		                  : a->counts[by->sort - UI_NETNS_SORT_STATE];
		uint32_t vb = by->sort == UI_NETNS_SORT_TOTAL
		                  ? b->total
		                  : b->counts[by->sort - UI_NETNS_SORT_STATE];

		c = compare_u32(vb, va);
	}
	if (c != 0)
		return by->inverted ? -c : c;
	/* Gone rows after live ones; then a stable order, by inode. */
	if (a->gone != b->gone)
		return a->gone ? 1 : -1;
	return compare_u32(a->inode, b->inode);
}

static struct ui_netns_row *
row_of(struct ui_netns_row *rows, size_t n, uint32_t inode)
{
	size_t lo = 0, hi = n;

	/* rows are by inode while being built */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].inode == inode)
			return &rows[mid];
		if (rows[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
compare_inodes(const void *x, const void *y)
{
	const struct ui_netns_row *a = x, *b = y;

	return compare_u32(a->inode, b->inode);
}

ssize_t
ui_netns_rows(const struct ui *ui, int sort, bool inverted, struct ui_netns_row **out)
{
	const struct snapshot *snap = ui->shown;
	size_t n_pipe = ui->pipe != NULL ? pipeline_netns_count(ui->pipe) : 0;
	const struct pipeline_netns_row *prow = n_pipe > 0 ? pipeline_netns_rows(ui->pipe) : NULL;
	struct ui_netns_row *rows;
	size_t n = 0, n_live;
	struct sort_by by = {.sort = sort, .inverted = inverted};

	*out = NULL;
	if (snap == NULL || snap->n_netns == 0)
		return 0;
	rows = calloc(snap->n_netns + n_pipe + 1, sizeof(*rows));
	if (rows == NULL)
		return -1;
	for (size_t i = 0; i < snap->n_netns; i++) {
		const struct snapshot_netns *ns = &snap->netns[i];
		struct ui_netns_row *r = &rows[n++];

		r->inode = ns->info.inode;
		r->info = ns->info;
		netns_info_short(&ns->info, r->name, sizeof(r->name));
		if (ui->filter == NULL) {
			memcpy(r->counts, ns->counts, sizeof(r->counts));
			r->total = ns->total;
		}
	}
	/* The snapshot's table is sorted by inode once sealed; sort anyway,
	 * rows are looked up by inode below. */
	qsort(rows, n, sizeof(*rows), compare_inodes);
	n_live = n;
	if (ui->filter != NULL) {
		/* Counts through the filter: every view follows it. */
		for (size_t i = 0; i < snap->n_entries; i++) {
			const struct sock_entry *e = &snap->entries[i];
			struct ui_netns_row *r;

			if (e->state >= TCP_STATE_COUNT || !filter_match(ui->filter, e))
				continue;
			r = row_of(rows, n_live, e->netns);
			if (r == NULL)
				continue;
			r->counts[e->state]++;
			r->total++;
		}
	}
	/* Namespaces gone lately: the pipeline keeps their rows a while.
	 * Those the screen's sample still has are live here (paused). */
	for (size_t i = 0; i < n_pipe; i++) {
		struct ui_netns_row *r;

		if (!prow[i].gone || row_of(rows, n_live, prow[i].inode) != NULL)
			continue;
		r = &rows[n++];
		r->inode = prow[i].inode;
		r->info = prow[i].info;
		netns_info_short(&prow[i].info, r->name, sizeof(r->name));
		r->gone = true;
	}
	qsort_r(rows, n, sizeof(*rows), compare_rows, &by);
	*out = rows;
	return (ssize_t)n;
}

bool
ui_netns_name(const struct ui *ui, uint32_t inode, char *buf, size_t len)
{
	const struct snapshot_netns *ns =
	    ui->shown != NULL ? snapshot_find_netns(ui->shown, inode) : NULL;
	const struct pipeline_netns_row *row;

	if (ns != NULL) {
		netns_info_short(&ns->info, buf, len);
		return true;
	}
	row = ui->pipe != NULL ? pipeline_netns_find(ui->pipe, inode) : NULL;
	if (row != NULL) {
		netns_info_short(&row->info, buf, len);
		return true;
	}
	return false;
}

/* Rebuilds the rows when the snapshot, the filter or the order changed. */
static void
build_rows(struct ui *ui, struct netns_view *v)
{
	struct ui_netns_row *rows;
	ssize_t n;
	uint64_t feeds = ui->pipe != NULL ? pipeline_stats(ui->pipe)->samples : 0;

	if (ui->shown == NULL)
		return;
	if (v->rows != NULL && v->rows_seq == ui->shown->seq && v->rows_filter == ui->filter &&
	    v->rows_pipe == ui->pipe && v->rows_sort == v->sort &&
	    v->rows_inverted == v->inverted && v->rows_feeds == feeds)
		return;
	n = ui_netns_rows(ui, v->sort, v->inverted, &rows);
	if (n < 0)
		return; /* out of memory: the rows before stay */
	free(v->rows);
	v->rows = rows;
	v->n_rows = (size_t)n;
	v->rows_seq = ui->shown->seq;
	v->rows_filter = ui->filter;
	v->rows_pipe = ui->pipe;
	v->rows_sort = v->sort;
	v->rows_inverted = v->inverted;
	v->rows_feeds = feeds;
}

static int
selected_index(const struct netns_view *v)
{
	for (size_t i = 0; i < v->n_rows; i++)
		if (v->rows[i].inode == v->selected)
			return (int)i;
	return -1;
}

/*
 * Which state columns fit in `room` cells: the busiest states over every
 * row (the sort's state always), shown in the usual state order.
 * Returns how many, in out.
 */
static int
choose_states(const struct netns_view *v, int room, enum tcp_state *out)
{
	uint64_t sum[TCP_STATE_COUNT] = {0};
	bool on[TCP_STATE_COUNT] = {false};
	int fit = room / (STATE_WIDTH + 1), n = 0;

	if (fit > TCP_STATE_COUNT)
		fit = TCP_STATE_COUNT;
	for (size_t i = 0; i < v->n_rows; i++)
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			sum[s] += v->rows[i].counts[s];
	if (fit > 0 && v->sort >= UI_NETNS_SORT_STATE) {
		on[v->sort - UI_NETNS_SORT_STATE] = true;
		n++;
	}
	while (n < fit) {
		int best = -1;

		/* Ties go to the earlier state: LISTEN, then ESTABLISHED
		 * come before the rarer ones when nothing is busy. */
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			if (!on[s] && (best < 0 || sum[s] > sum[best]))
				best = s;
		on[best] = true;
		n++;
	}
	n = 0;
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (on[s])
			out[n++] = (enum tcp_state)s;
	return n;
}

static void
draw_empty(struct ui *ui, int top, int height, int cols)
{
	const struct snapshot *snap = ui->shown;

	if (height < 1)
		return;
	mvaddnstr(top, 0,
	          "No namespaces in this sample: start tcpdeck with --netns all to see every one.",
	          cols);
	if (snap != NULL && snap->netns_note[0] != '\0' && height > 1)
		ui_put(top + 1, 0, snap->netns_note, cols);
}

static void
netns_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct netns_view *v = state;
	enum tcp_state states[TCP_STATE_COUNT];
	int n_states, spark_width, spark_x, x, sel, lines, y0, name_w;
	bool inode_col;
	char cell[64], title[128];
	uint32_t *values = NULL;
	char *spark = NULL;
	size_t spark_size = 0;
	int room;

	v->scroll.height = height - 1;
	if (ui->shown == NULL || height < 2)
		return;
	if (ui->shown->n_netns == 0) {
		draw_empty(ui, top, height, cols);
		return;
	}
	build_rows(ui, v);

	/* Name, states, total, [inode], sparkline: the states take what the
	 * name, the total and a short sparkline leave. */
	room = cols - (NAME_WIDTH + 1) - (TOTAL_WIDTH + 1) - SPARK_MIN;
	n_states = choose_states(v, room, states);
	room -= n_states * (STATE_WIDTH + 1);
	/* What is left widens the name column, so long names (benchmarks,
	 * pods) stay apart, then shows the inode. */
	name_w = NAME_WIDTH;
	if (room > 0) {
		int longest = 0;

		for (size_t i = 0; i < v->n_rows; i++) {
			char form[256];
			int w;

			ui_put_form(v->rows[i].name, strlen(v->rows[i].name), NAME_MAX_WIDTH, true,
			            form, sizeof(form), &w, NULL);
			if (w > longest)
				longest = w;
		}
		if (longest > name_w)
			name_w = longest < NAME_WIDTH + room ? longest : NAME_WIDTH + room;
		room -= name_w - NAME_WIDTH;
	}
	inode_col = room >= INODE_WIDTH + 1;
	spark_x = name_w + 1 + n_states * (STATE_WIDTH + 1) + TOTAL_WIDTH + 1 +
	          (inode_col ? INODE_WIDTH + 1 : 0);
	spark_width = cols - spark_x - 1;

	/* Titles: the sort column marked as in the connection table. */
	attrset(A_BOLD | A_UNDERLINE);
	mvhline(top, 0, ' ', cols);
	/* ^ ascending, v descending; names and inodes go up unless
	 * inverted, numbers down. */
#define MARK(k) (v->sort == (k) ? (((k) <= UI_NETNS_SORT_INODE) != v->inverted ? "^" : "v") : "")
	snprintf(title, sizeof(title), "NAMESPACE%s", MARK(UI_NETNS_SORT_NAME));
	mvprintw(top, 0, "%-*.*s", name_w, name_w, title);
	x = name_w + 1;
	for (int k = 0; k < n_states; k++) {
		snprintf(title, sizeof(title), "%s%s", state_titles[states[k]],
		         MARK(UI_NETNS_SORT_STATE + (int)states[k]));
		mvprintw(top, x, "%*.*s", STATE_WIDTH, STATE_WIDTH, title);
		x += STATE_WIDTH + 1;
	}
	snprintf(title, sizeof(title), "TOTAL%s", MARK(UI_NETNS_SORT_TOTAL));
	mvprintw(top, x, "%*.*s", TOTAL_WIDTH, TOTAL_WIDTH, title);
	x += TOTAL_WIDTH + 1;
	if (inode_col) {
		snprintf(title, sizeof(title), "INODE%s", MARK(UI_NETNS_SORT_INODE));
		mvprintw(top, x, "%*.*s", INODE_WIDTH, INODE_WIDTH, title);
	}
#undef MARK
	if (spark_width > 0) {
		char dur[32];

		if (ui->sampler != NULL) {
			format_duration(sampler_interval(ui->sampler) * spark_width, dur,
			                sizeof(dur));
			snprintf(title, sizeof(title), "total, last %s", dur);
		} else {
			snprintf(title, sizeof(title), "total");
		}
		mvaddnstr(top, spark_x, title, spark_width);
	}
	attrset(A_NORMAL);

	/* A namespace that cannot be seen (not root) is said above the rows. */
	y0 = top + 1;
	lines = height - 1;
	if (ui->shown->netns_note[0] != '\0' && lines > 2) {
		attrset(ui_term_attr(ui, UI_COLOR_WATCH));
		ui_put(y0, 0, ui->shown->netns_note, cols);
		attrset(A_NORMAL);
		y0++;
		lines--;
	}
	v->scroll.height = lines;

	sel = selected_index(v);
	if (sel < 0 && v->n_rows > 0) {
		sel = v->scroll.top < (int)v->n_rows ? v->scroll.top : 0;
		v->selected = v->rows[sel].inode;
	}
	v->scroll.sel = sel;
	ui_scroll_fit(&v->scroll, (int)v->n_rows, lines);

	if (spark_width > 0) {
		values = calloc((size_t)spark_width, sizeof(*values));
		spark_size = sparkline_bytes_needed((size_t)spark_width, ui->charset);
		spark = malloc(spark_size);
	}
	for (int y = 0; y < lines && v->scroll.top + y < (int)v->n_rows; y++) {
		const struct ui_netns_row *r = &v->rows[v->scroll.top + y];
		int row = y0 + y, attr = r->gone ? A_DIM : A_NORMAL;

		if (v->scroll.top + y == sel)
			attr |= A_REVERSE;
		attrset(attr);
		mvhline(row, 0, ' ', cols);
		ui_put_cell(row, 0, r->name, name_w, false);
		x = name_w + 1;
		for (int k = 0; k < n_states; k++) {
			if (r->gone)
				snprintf(cell, sizeof(cell), "-");
			else
				format_count(r->counts[states[k]], cell, sizeof(cell));
			if (!r->gone && r->counts[states[k]] > 0 && !tcp_state_is_steady(states[k]))
				attrset(attr | A_BOLD);
			ui_put_cell(row, x, cell, STATE_WIDTH, true);
			attrset(attr);
			x += STATE_WIDTH + 1;
		}
		/* Gone is said where it shows whatever the name's length. */
		if (r->gone)
			snprintf(cell, sizeof(cell), "gone");
		else
			format_count(r->total, cell, sizeof(cell));
		ui_put_cell(row, x, cell, TOTAL_WIDTH, true);
		x += TOTAL_WIDTH + 1;
		if (inode_col) {
			snprintf(cell, sizeof(cell), "%u", r->inode);
			ui_put_cell(row, x, cell, INODE_WIDTH, true);
		}
		if (values != NULL && spark != NULL && ui->pipe != NULL) {
			const struct pipeline_netns_row *p =
			    pipeline_netns_find(ui->pipe, r->inode);
			size_t n = 0;

			if (p != NULL && p->history != NULL)
				n = history_read(p->history, 0,
				                 ui->paused ? ui->pushed_since_pause : 0,
				                 (size_t)spark_width, values);
			if (n > 0 &&
			    sparkline_render(values, n, ui->charset, spark, spark_size) > 0)
				/* Newest on the right edge, as in the states view. */
				mvaddstr(row, spark_x + spark_width - (int)n, spark);
		}
		attrset(A_NORMAL);
	}
	free(values);
	free(spark);
}

/* ------------------------------------------------------------------ keys */

/* The rows of the sample on screen, for a key: keys typed ahead of the
 * draw (8 then Enter) act on what the view will show, its first row
 * selected when none is yet. */
static struct netns_view *
current_rows(struct ui *ui, void *state)
{
	struct netns_view *v = state;

	build_rows(ui, v);
	if (selected_index(v) < 0 && v->n_rows > 0) {
		int top = v->scroll.top < (int)v->n_rows ? v->scroll.top : 0;

		v->selected = v->rows[top].inode;
		v->scroll.sel = top;
	}
	return v;
}

static void
key_move(struct ui *ui, void *state, int step)
{
	struct netns_view *v = current_rows(ui, state);

	if (v->n_rows == 0)
		return;
	v->scroll.sel = selected_index(v);
	ui_scroll_step(&v->scroll, step, (int)v->n_rows);
	v->selected = v->rows[v->scroll.sel].inode;
}

/* > and <: arg sort keys on (name, inode, total, each state). */
static void
key_sort(struct ui *ui, void *state, int arg)
{
	struct netns_view *v = state;

	v->sort = (v->sort + UI_NETNS_SORT_COUNT + arg) % UI_NETNS_SORT_COUNT;
	v->inverted = false;
	snprintf(ui->status, sizeof(ui->status), "namespaces sorted by %s",
	         ui_netns_sort_name(v->sort));
}

static void
key_invert(struct ui *ui, void *state, int arg)
{
	struct netns_view *v = state;

	(void)ui;
	(void)arg;
	v->inverted = !v->inverted;
}

/* Enter: every view shows the selected namespace only. */
static void
key_narrow(struct ui *ui, void *state, int arg)
{
	struct netns_view *v = current_rows(ui, state);
	int sel = selected_index(v);

	(void)arg;
	if (sel < 0) {
		snprintf(ui->status, sizeof(ui->status),
		         "no namespace to show: start tcpdeck "
		         "with --netns all");
		return;
	}
	ui_filter_netns(ui, v->rows[sel].inode);
}

static const struct ui_key netns_keys[] = {
    {KEY_DOWN, 'j', "Down", "select the next namespace", key_move, UI_SCROLL_DOWN},
    {KEY_UP, 'k', "Up", "select the previous namespace", key_move, UI_SCROLL_UP},
    {KEY_NPAGE, 0, "PgDn", "a page down", key_move, UI_SCROLL_PAGE_DOWN},
    {KEY_PPAGE, 0, "PgUp", "a page up", key_move, UI_SCROLL_PAGE_UP},
    {KEY_HOME, 'g', "Home", "first namespace", key_move, UI_SCROLL_HOME},
    {KEY_END, 'G', "End", "last namespace", key_move, UI_SCROLL_END},
    {'>', KEY_F(6), "> or F6", "sort by the next column: name, inode, total, each state", key_sort,
     1},
    {'<', ',', "<", "sort by the previous column", key_sort, -1},
    {'I', 0, "I", "invert the sort order", key_invert, 0},
    {'\r', KEY_ENTER, "Enter", "every view shows the selected namespace only (netns filter)",
     key_narrow, 0},
};

static void
netns_init(struct ui *ui, void *state)
{
	struct netns_view *v = state;

	(void)ui;
	v->sort = UI_NETNS_SORT_TOTAL;
	v->scroll.select = true;
	v->scroll.sel = -1;
}

static void
netns_leave(struct ui *ui, void *state)
{
	struct netns_view *v = state;

	(void)ui;
	/* Snapshots and the pipeline move on while another view shows. */
	v->rows_seq = 0;
}

static void
netns_fini(struct ui *ui, void *state)
{
	struct netns_view *v = state;

	(void)ui;
	free(v->rows);
	v->rows = NULL;
}

static size_t
netns_drawn_rows(struct ui *ui, void *state, bool *rebuilt)
{
	(void)ui;
	*rebuilt = false;
	return ((struct netns_view *)state)->n_rows;
}

const struct ui_view ui_view_netns = {
    .key = '8',
    .title = "netns",
    .help = "network namespaces: sockets per state in each, busiest first",
    .state_size = sizeof(struct netns_view),
    .init = netns_init,
    .draw = netns_draw,
    .leave = netns_leave,
    .fini = netns_fini,
    .drawn_rows = netns_drawn_rows,
    .keys = netns_keys,
    .n_keys = sizeof(netns_keys) / sizeof(netns_keys[0]),
};
