/*
 * ui_view_conns.c - the connection table, TCPView-style: every socket
 * (through the filter), sortable by any column, with the selection
 * following its socket (namespace and cookie) across refreshes and
 * re-sorts.  New rows
 * are green, rows that changed state yellow, closed sockets stay red for
 * the linger time.  The rows are rebuilt and re-sorted only when the
 * snapshot, the filter or the order changes, not on every key press.
 * The table keeps the connection tracker (from enter to leave) and opens
 * one connection's details as a page; k and K act on the selected or
 * tagged rows through ui_act.c, after asking at the prompt.
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
#include "output.h"
#include "page_release.h"
#include "sock_format.h"
#include "timespec_util.h"
#include "ui_conns_linger.h"
#include "ui_internal.h"

/* Columns in display order; those of lowest priority go first when the
 * terminal is narrow.  NETNS only when the sample has namespaces. */
static const enum conn_column display_order[] = {
	COL_PROTO, COL_NETNS, COL_LOCAL, COL_REMOTE, COL_STATE, COL_PID, COL_PROCESS, COL_USER,
	COL_RECV_Q, COL_SEND_Q, COL_RTT, COL_RETRANS, COL_SENT, COL_RECEIVED,
	COL_SEND_RATE, COL_RECV_RATE, COL_AGE, COL_TIMER,
};
enum { N_DISPLAY = sizeof(display_order) / sizeof(display_order[0]) };

/* A socket's identity: its cookie in its namespace. */
struct sock_id {
	uint64_t cookie;
	uint32_t netns;
};

/* The table's state: its columns and order, the rows of the last draw,
 * the selection and tags, and the connection tracker. */
struct conns {
	int sort;                     /* enum conn_column; also the column
				       * that [ ] move and h hides */
	int order[COL_COUNT];         /* display order of the columns */
	bool hidden[COL_COUNT];
	bool desc;
	bool names;                   /* host and service names (n) */
	struct sock_id selected;      /* the selected row's socket */
	struct ui_scroll scroll;      /* sel: the row it was last seen in */
	struct conn_row *rows;        /* rows of the last draw */
	size_t n_rows, rows_cap;
	struct radix_scratch scratch; /* kept between re-sorts */
	uint64_t rows_seq;            /* seq of the snapshot rows were built
				       * from (an address can be reused); 0:
				       * none */
	int rows_sort;
	bool rows_desc;
	const struct filter *rows_filter;
	bool rows_rebuilt;            /* since the last frame (for the log) */
	struct sock_id *tags;         /* sockets tagged with space */
	size_t n_tags, tags_cap;
	enum ui_action action;        /* asked about at the prompt */
	struct conntrack *ct;         /* ages, rates, tombstones */
	struct ui_drill *drill;       /* the details page, when open */
	/* the column titles of the last draw, for the mouse: column k
	 * from x head_x[k] to head_x[k + 1] */
	enum conn_column head_col[N_DISPLAY];
	int head_x[N_DISPLAY + 1], n_head;
	struct ui_conns_linger *linger; /* short-lived closes, lingering */
	double track_cpu_ms;          /* the tracker's steps of this sample */
	unsigned int settings_gen;    /* ui->settings_gen last taken */
};

/* Columns and sort from the settings (the setup screen, F2). */
static void
take_settings(struct ui *ui, struct conns *c)
{
	ui_setup_columns(&ui->settings, c->order, c->hidden);
	if ((ui->settings.set & SETTINGS_HAS_SORT) && ui->settings.sort_column >= 0) {
		c->sort = ui->settings.sort_column;
		c->desc = ui->settings.sort_descending;
	}
	c->settings_gen = ui->settings_gen;
}

static struct sock_id
id_of(const struct sock_entry *e)
{
	return (struct sock_id){.cookie = e->cookie, .netns = e->netns};
}

static bool
is_same(struct sock_id id, const struct sock_entry *e)
{
	return id.cookie == e->cookie && id.netns == e->netns;
}

static bool
is_tagged(const struct conns *c, const struct sock_entry *e)
{
	for (size_t i = 0; i < c->n_tags; i++)
		if (is_same(c->tags[i], e))
			return true;
	return false;
}

/* Rebuilds the rows when their inputs changed: the live sockets the
 * filter selects, then the tombstones it selects, sorted. */
static void
build_rows(struct ui *ui, struct conns *c)
{
	const struct snapshot *snap = ui->shown;
	size_t need, n = 0, gone = c->ct != NULL ? conntrack_gone_count(c->ct) : 0;
	struct conn_context cc;
	struct timespec t0, t1, t2;

	if (snap->seq == c->rows_seq && c->rows_sort == c->sort &&
	    c->rows_desc == c->desc && c->rows_filter == ui->filter && c->rows != NULL)
		return;
	need = snap->n_entries + gone + ui_conns_linger_count(c->linger) + 1;
	if (need > c->rows_cap) {
		struct conn_row *more = realloc(c->rows, need * sizeof(*more));

		if (more == NULL)
			return;
		c->rows = more;
		c->rows_cap = need;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (ui->filter != NULL && !filter_match(ui->filter, e))
			continue;
		c->rows[n].entry = e;
		/* The tracker was fed this very snapshot (ui_main.c). */
		c->rows[n].info = c->ct != NULL ? conntrack_get_at(c->ct, i) : NULL;
		c->rows[n].owners = NULL;
		n++;
	}
	for (size_t i = 0; i < gone; i++) {
		const struct conn_info *info;
		const struct owner_table *owners;
		const struct sock_entry *e = conntrack_gone_entry(c->ct, i, &info, &owners);

		if (ui->filter != NULL && !filter_match(ui->filter, e))
			continue;
		c->rows[n].entry = e;
		c->rows[n].info = info;
		c->rows[n].owners = owners;
		n++;
	}
	n += ui_conns_linger_rows(c->linger, ui->filter, c->rows + n);
	memset(&cc, 0, sizeof(cc));
	cc.snap = snap;
	cc.now = c->ct != NULL ? conntrack_now(c->ct) : 0;
	cc.scratch = &c->scratch;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	conn_rows_sort(c->rows, n, (enum conn_column)c->sort, c->desc, &cc);
	/* The sort's scratch waits for the next rebuild: its pages go back
	 * meanwhile (32 MB at a million rows). */
	if (n > PAGE_RELEASE_FROM_SOCKETS)
		radix_scratch_release(&c->scratch);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	log_msg("ui: %zu rows selected in %.2f ms, sorted by %s in %.2f ms", n,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		conn_column((enum conn_column)c->sort)->name,
		(double)(t2.tv_sec - t1.tv_sec) * 1e3 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e6);
	c->n_rows = n;
	c->rows_rebuilt = true;
	c->rows_seq = snap->seq;
	c->rows_sort = c->sort;
	c->rows_desc = c->desc;
	c->rows_filter = ui->filter;
}

/* Where the selected socket's row is, or -1.  The row where it was last
 * found is tried first: scanning 100,000 rows, each a pointer away, costs
 * milliseconds that a key press should not. */
static int
selected_index(const struct conns *c)
{
	int hint = c->scroll.sel;

	if (hint >= 0 && (size_t)hint < c->n_rows && is_same(c->selected, c->rows[hint].entry))
		return hint;
	for (size_t i = 0; i < c->n_rows; i++)
		if (is_same(c->selected, c->rows[i].entry))
			return (int)i;
	return -1;
}

static const struct conn_row *
selected_row(const struct conns *c)
{
	int i = selected_index(c);

	return i >= 0 ? &c->rows[i] : NULL;
}

/* Which columns fit in `cols`, in the user's order, leaving out hidden
 * ones; returns how many. */
static int
choose_columns(const struct conns *c, int cols, bool netns, enum conn_column *out)
{
	bool on[COL_COUNT];
	int used = 0;

	/* Add columns by priority while they fit. */
	for (int i = 0; i < COL_COUNT; i++)
		on[i] = false;
	for (int priority = 0; priority < 10; priority++)
		for (int i = 0; i < N_DISPLAY; i++) {
			int col = c->order[i];
			const struct conn_column_def *def = conn_column((enum conn_column)col);

			if (on[col] || c->hidden[col] || def->priority != priority ||
			    (col == COL_NETNS && !netns))
				continue;
			if (used + def->width + 1 <= cols) {
				on[col] = true;
				used += def->width + 1;
			}
		}
	used = 0;
	for (int i = 0; i < N_DISPLAY; i++)
		if (on[c->order[i]])
			out[used++] = (enum conn_column)c->order[i];
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
named_endpoint(struct ui *ui, const struct conns *c, const struct sock_entry *e, int remote, char *out, size_t size)
{
	char host[300], service[64];
	uint16_t port = remote ? e->remote_port : e->local_port;

	if (!c->names || ui->resolver == NULL) {
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
	struct conns *c = state;

	enum conn_column shown[N_DISPLAY];
	int n_cols, extra, x, sel;
	struct conn_context cc;
	char cell[400], title[64];

	c->scroll.height = height - 1;
	if (c->settings_gen != ui->settings_gen)
		take_settings(ui, c);
	if (ui->shown == NULL || height < 2)
		return;
	build_rows(ui, c);
	n_cols = choose_columns(c, cols, ui->shown->n_netns > 0, shown);

	/* Spare width goes to the address columns. */
	extra = cols;
	for (int k = 0; k < n_cols; k++)
		extra -= conn_column(shown[k])->width + 1;
	if (extra < 0)
		extra = 0;

	/* Title line: the sort column is marked with an arrow. */
	attrset(A_BOLD | A_UNDERLINE);
	mvhline(top, 0, ' ', cols);
	x = 0;
	for (int k = 0; k < n_cols && x < cols; k++) {
		const struct conn_column_def *def = conn_column(shown[k]);
		int w = def->width + ((shown[k] == COL_LOCAL || shown[k] == COL_REMOTE) ? extra / 2 : 0);

		snprintf(title, sizeof(title), "%s%s", def->title,
			 (int)shown[k] == c->sort ? (c->desc ? "v" : "^") : "");
		mvprintw(top, x, def->right ? "%*.*s" : "%-*.*s", w, w, title);
		c->head_col[k] = shown[k];
		c->head_x[k] = x;
		x += w + 1;
	}
	c->head_x[n_cols] = x;
	c->n_head = n_cols;
	attrset(A_NORMAL);

	/* Keep the selected socket in view; when it is gone, the first row. */
	sel = selected_index(c);
	if (sel < 0 && c->n_rows > 0) {
		sel = c->scroll.top < (int)c->n_rows ? c->scroll.top : 0;
		c->selected = id_of(c->rows[sel].entry);
	}
	c->scroll.sel = sel;
	ui_scroll_fit(&c->scroll, (int)c->n_rows, height - 1);

	memset(&cc, 0, sizeof(cc));
	cc.snap = ui->shown;
	cc.now = c->ct != NULL ? conntrack_now(c->ct) : 0;
	for (int y = 0; y < height - 1 && c->scroll.top + y < (int)c->n_rows; y++) {
		const struct conn_row *row = &c->rows[c->scroll.top + y];
		int attr = row_attr(ui, row);
		bool tagged = is_tagged(c, row->entry);

		if (c->scroll.top + y == sel)
			attr |= A_REVERSE;
		if (tagged)
			attr |= A_BOLD;
		attrset(attr);
		mvhline(top + 1 + y, 0, ' ', cols);
		x = 0;
		for (int k = 0; k < n_cols && x < cols; k++) {
			const struct conn_column_def *def = conn_column(shown[k]);
			int w = def->width +
				((shown[k] == COL_LOCAL || shown[k] == COL_REMOTE) ? extra / 2 : 0);

			if (shown[k] == COL_LOCAL || shown[k] == COL_REMOTE)
				named_endpoint(ui, c, row->entry, shown[k] == COL_REMOTE, cell,
					       sizeof(cell));
			else
				def->format(row, &cc, cell, sizeof(cell));
			if (k == 0 && tagged)
				cell[0] = '*';
			/* Names (processes, users, hosts) are cut by cells. */
			ui_put_cell(top + 1 + y, x, cell, w, def->right);
			x += w + 1;
		}
		attrset(A_NORMAL);
	}
	if (c->n_rows == 0)
		mvaddnstr(top + 2, 2,
			  ui->filter != NULL ? "no socket matches the filter" : "no socket", cols - 2);
}

/* ------------------------------------------------------------------ keys */

/* The rows of the snapshot on screen, for a key: keys typed ahead of
 * the draw (3 then Enter) act on what the table will show. */
static struct conns *
current_rows(struct ui *ui, void *state)
{
	struct conns *c = state;

	if (ui->shown != NULL)
		build_rows(ui, c);
	return c;
}

/* Moves the selection one step (UI_SCROLL_*): the cookie follows the
 * row it lands on. */
static void
move_selection(struct conns *c, int step)
{
	if (c->n_rows == 0)
		return;
	c->scroll.sel = selected_index(c);
	ui_scroll_step(&c->scroll, step, (int)c->n_rows);
	c->selected = id_of(c->rows[c->scroll.sel].entry);
}

static void
key_move(struct ui *ui, void *state, int step)
{
	move_selection(current_rows(ui, state), step);
}

/* > and <: arg columns on; NETNS only when the sample has namespaces. */
static void
key_sort(struct ui *ui, void *state, int arg)
{
	struct conns *c = state;

	c->sort = (c->sort + COL_COUNT + arg) % COL_COUNT;
	if (c->sort == COL_NETNS && (ui->shown == NULL || ui->shown->n_netns == 0))
		c->sort = (c->sort + COL_COUNT + arg) % COL_COUNT;
}

/* Moves the current (sort) column one place left or right. */
static void
move_column(struct conns *c, int delta)
{
	for (int i = 0; i < N_DISPLAY; i++)
		if (c->order[i] == c->sort) {
			int j = i + delta;

			if (j >= 0 && j < N_DISPLAY) {
				int t = c->order[j];

				c->order[j] = c->order[i];
				c->order[i] = t;
			}
			return;
		}
}

/* [ and ]: arg places right. */
static void
key_column(struct ui *ui, void *state, int arg)
{
	(void)ui;
	move_column(state, arg);
}

static void
key_hide_column(struct ui *ui, void *state, int arg)
{
	struct conns *c = state;

	(void)arg;
	c->hidden[c->sort] = !c->hidden[c->sort];
	snprintf(ui->status, sizeof(ui->status), "column %s %s (H shows every column)",
		 conn_column((enum conn_column)c->sort)->title,
		 c->hidden[c->sort] ? "hidden" : "shown");
}

static void
key_show_all(struct ui *ui, void *state, int arg)
{
	struct conns *c = state;

	(void)ui;
	(void)arg;
	for (int i = 0; i < COL_COUNT; i++)
		c->hidden[i] = false;
}

static void
key_invert(struct ui *ui, void *state, int arg)
{
	struct conns *c = state;

	(void)ui;
	(void)arg;
	c->desc = !c->desc;
}

static void
key_tag(struct ui *ui, void *state, int arg)
{
	struct conns *c = current_rows(ui, state);

	const struct conn_row *row = selected_row(c);

	(void)arg;
	if (row == NULL)
		return;
	for (size_t i = 0; i < c->n_tags; i++)
		if (is_same(c->tags[i], row->entry)) {
			c->tags[i] = c->tags[--c->n_tags];
			move_selection(c, UI_SCROLL_DOWN);
			return;
		}
	if (c->n_tags == c->tags_cap) {
		size_t cap = c->tags_cap ? c->tags_cap * 2 : 16;
		struct sock_id *more = realloc(c->tags, cap * sizeof(*more));

		if (more == NULL)
			return;
		c->tags = more;
		c->tags_cap = cap;
	}
	c->tags[c->n_tags++] = id_of(row->entry);
	move_selection(c, UI_SCROLL_DOWN);
}

static void
drill_draw(struct ui *ui, void *ctx)
{
	const struct conns *c = ctx;

	ui_drill_draw(ui, c->drill, c->ct);
}

/* The details page: Esc, Enter or Backspace go back; q quits. */
static void
drill_key(struct ui *ui, void *ctx, int key)
{
	struct conns *c = ctx;

	if (key == 27 || key == '\r' || key == KEY_ENTER || key == KEY_BACKSPACE || key == 127) {
		ui_page_close(ui);
		ui_drill_free(c->drill);
		c->drill = NULL;
	} else if (key == 'q' || key == 'Q' || key == KEY_F(10)) {
		ui->quit = true;
	} else if (key == 'y') {
		ui_drill_copy(ui, c->drill, c->ct);
	}
}

static const struct ui_page drill_page = {.draw = drill_draw, .key = drill_key};

static void
key_drill(struct ui *ui, void *state, int arg)
{
	struct conns *c = current_rows(ui, state);

	const struct conn_row *row = selected_row(c);

	(void)arg;
	if (row == NULL)
		return;
	ui_drill_free(c->drill);
	c->drill = ui_drill_new(row->entry->cookie, row->entry->netns);
	if (c->drill == NULL) {
		snprintf(ui->status, sizeof(ui->status), "out of memory for the details");
		return;
	}
	ui_drill_sample(c->drill, ui->shown, c->ct);
	ui_page_open(ui, &drill_page, c);
}

static void
key_port(struct ui *ui, void *state, int arg)
{
	const struct conn_row *row = selected_row(current_rows(ui, state));
	char expr[64];

	(void)arg;
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
	struct conns *c = state;

	(void)arg;
	if (ui->resolver == NULL) {
		ui->resolver = resolver_new(4096);
		if (ui->resolver == NULL) {
			snprintf(ui->status, sizeof(ui->status), "cannot start the name resolver");
			return;
		}
	}
	c->names = !c->names;
}

/* The sockets k and K act on: the tagged rows still open, or the
 * selected row when none is tagged (unless it is closed).  Returns how
 * many, in t (entries allocated; free them). */
static size_t
targets(struct ui *ui, struct conns *c, struct ui_act_targets *t)
{
	const struct sock_entry **entries;
	const struct conn_row *sel;
	size_t n = 0;

	current_rows(ui, c);
	entries = malloc((c->n_rows + 1) * sizeof(*entries));
	sel = selected_row(c);
	t->snap = ui->shown;
	t->entries = entries;
	t->n = 0;
	if (entries == NULL)
		return 0;
	if (c->n_tags == 0 && sel != NULL && (sel->info == NULL || sel->info->mark != CONN_GONE))
		entries[n++] = sel->entry;
	for (size_t i = 0; c->n_tags > 0 && i < c->n_rows; i++)
		if (is_tagged(c, c->rows[i].entry) &&
		    (c->rows[i].info == NULL || c->rows[i].info->mark != CONN_GONE))
			entries[n++] = c->rows[i].entry;
	t->n = n;
	return n;
}

/* y at the question: acts on the targets as they are now. */
static void
act_confirmed(struct ui *ui, void *ctx)
{
	struct conns *c = ctx;
	struct ui_act_targets t;

	targets(ui, c, &t);
	ui_act_run(ui, c->action, &t);
	free((void *)t.entries);
	c->n_tags = 0;
}

/* k and K: arg is the action, asked about first. */
static void
key_act(struct ui *ui, void *state, int arg)
{
	struct conns *c = state;

	struct ui_act_targets t;
	char question[256];
	bool ask;

	if (ui->shown == NULL)
		return;
	targets(ui, c, &t);
	ask = ui_act_question(ui, (enum ui_action)arg, &t, question, sizeof(question));
	free((void *)t.entries);
	if (!ask)
		return;
	c->action = (enum ui_action)arg;
	ui_prompt_confirm(ui, question, act_confirmed, c);
}

/* F9, htop's kill: which of k and K, then their question. */
static const struct ui_prompt_choice close_choices[] = {
	{'k', "close the connection(s), as ss -K"},
	{'K', "SIGTERM to the owning process(es)"},
};

static void
close_chosen(struct ui *ui, void *ctx, size_t index)
{
	key_act(ui, ctx, index == 0 ? UI_ACTION_DESTROY : UI_ACTION_SIGNAL);
}

static void
key_close_menu(struct ui *ui, void *state, int arg)
{
	(void)arg;
	if (ui->shown != NULL)
		ui_prompt_choose(ui, "F9: ", close_choices,
				 sizeof(close_choices) / sizeof(close_choices[0]), close_chosen, state);
}

/* F5 or t: the table grouped by process (ui_conns_tree.c). */
static void
key_tree(struct ui *ui, void *state, int arg)
{
	struct conns *c = state;

	(void)arg;
	ui_conns_tree_open(ui, c->sort, c->desc);
}

static const struct ui_key conns_keys[] = {
	{KEY_DOWN, 'j', "Down", "select the next row", key_move, UI_SCROLL_DOWN},
	{KEY_UP, 0, "Up", "select the previous row", key_move, UI_SCROLL_UP},
	{KEY_NPAGE, 0, "PgDn", "a page down", key_move, UI_SCROLL_PAGE_DOWN},
	{KEY_PPAGE, 0, "PgUp", "a page up", key_move, UI_SCROLL_PAGE_UP},
	{KEY_HOME, 'g', "Home", "first row", key_move, UI_SCROLL_HOME},
	{KEY_END, 'G', "End", "last row", key_move, UI_SCROLL_END},
	{'>', KEY_F(6), "> or F6", "sort by the next column", key_sort, 1},
	{'<', 0, "<", "sort by the previous column", key_sort, -1},
	{'I', 0, "I", "invert the sort order", key_invert, 0},
	{'[', 0, "[", "move the sort column left", key_column, -1},
	{']', 0, "]", "move the sort column right", key_column, 1},
	{'h', 0, "h", "hide (or show) the sort column", key_hide_column, 0},
	{'H', 0, "H", "show every column", key_show_all, 0},
	{'s', 0, "s", "show one state (state picker)", key_states, 0},
	{'p', 0, "p", "only sockets on the selected row's port", key_port, 0},
	{'\r', KEY_ENTER, "Enter", "details of the selected connection", key_drill, 0},
	{'n', 0, "n", "names: reverse DNS and service names (asynchronous)", key_names, 0},
	{'t', KEY_F(5), "t or F5", "group by process, as TCPView (Enter, + and - open one)",
	 key_tree, 0},
	{' ', 0, "space", "tag or untag the row (k and K act on tagged rows)", key_tag, 0},
	{'k', 0, "k", "close the connection(s), as ss -K (asks first)", key_act, UI_ACTION_DESTROY},
	{'K', 0, "K", "send SIGTERM to the owning process(es) (asks first)", key_act,
	 UI_ACTION_SIGNAL},
	{KEY_F(9), 0, "F9", "close or signal: k or K, chosen at the prompt", key_close_menu, 0},
	UI_KEY_SEARCH,
	UI_KEY_SAVE,
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
conns_init(struct ui *ui, void *state)
{
	struct conns *c = state;

	c->sort = COL_STATE;
	c->scroll.select = true;
	c->scroll.sel = -1;
	for (int i = 0; i < N_DISPLAY; i++)
		c->order[i] = display_order[i];
	take_settings(ui, c);
}

static void
conns_fini(struct ui *ui, void *state)
{
	struct conns *c = state;

	(void)ui;
	ui_drill_free(c->drill);
	ui_conns_tree_free();
	free(c->rows);
	radix_scratch_free(&c->scratch);
	free(c->tags);
}

static void
conns_enter(struct ui *ui, void *state)
{
	struct conns *c = state;

	c->ct = conntrack_new(ui->linger_s);
	c->linger = ui_conns_linger_new();
	c->rows_seq = 0; /* rows point into the tracker */
}

static void
conns_leave(struct ui *ui, void *state)
{
	struct conns *c = state;

	(void)ui;
	conntrack_free(c->ct);
	c->ct = NULL;
	ui_conns_linger_free(c->linger);
	c->linger = NULL;
	/* The rows point into the tracker and into snapshots that may be
	 * gone by the time the table is back: rebuilt then, before any key
	 * looks at them. */
	c->rows_seq = 0;
	c->n_rows = 0;
}

/*
 * Sockets the tracker takes in one step.  At a million sockets taking a
 * sample in whole cost the dashboard's thread 140 to 200 ms, and a key
 * pressed meanwhile waited for all of it; a step of 65,536 sockets is
 * about a fifteenth of that (bench/run-million.sh).
 */
enum { TRACK_STEP = 65536 };

static double
cpu_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	return timespec_between(t0, &t1) * 1e3;
}

static void
log_tracked(const struct snapshot *snap, double cpu_ms)
{
	/* bench/run-million.sh reads this line: keep its form. */
	log_msg("ui: connections of %zu sockets tracked in %.2f ms cpu", snap->n_entries, cpu_ms);
}

/* The tracker takes the next sample a step at a time, while the rows
 * still point into what it knew of the one on screen. */
static bool
conns_take(struct ui *ui, void *state, struct snapshot *snap)
{
	struct conns *c = state;
	struct timespec t0;
	int rc;

	(void)ui;
	if (c->ct == NULL)
		return false;
	if (snap == NULL) {
		conntrack_drop(c->ct);
		return false;
	}
	if (conntrack_latest(c->ct) == snap)
		return false;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (conntrack_taking(c->ct) != snap) {
		c->track_cpu_ms = 0;
		if (conntrack_begin(c->ct, snap) < 0) {
			log_msg("ui: connection tracking out of memory");
			return false;
		}
	}
	rc = conntrack_step(c->ct, TRACK_STEP);
	c->track_cpu_ms += cpu_ms_since(&t0);
	if (rc > 0)
		return true;
	if (rc < 0)
		log_msg("ui: connection tracking out of memory");
	else
		log_tracked(snap, c->track_cpu_ms);
	return false;
}

static void
conns_sample(struct ui *ui, void *state)
{
	struct conns *c = state;

	if (c->ct == NULL)
		return;
	if (conntrack_latest(c->ct) != ui->shown) {
		/* Not taken in steps before it went on screen: the first
		 * sample, or the table just entered. */
		struct timespec t0;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		if (conntrack_update(c->ct, ui->shown) < 0)
			log_msg("ui: connection tracking out of memory");
		else
			log_tracked(ui->shown, cpu_ms_since(&t0));
	}
	ui_conns_linger_sample(c->linger, ui, ui->linger_s);
	if (c->drill != NULL)
		ui_drill_sample(c->drill, ui->shown, c->ct);
	/* The rows follow the sample now, so a frame only draws; a key that
	 * sorts or filters rebuilds them at its frame. */
	build_rows(ui, c);
}

static size_t
conns_drawn_rows(struct ui *ui, void *state, bool *rebuilt)
{
	struct conns *c = state;

	(void)ui;
	*rebuilt = c->rows_rebuilt;
	c->rows_rebuilt = false;
	return c->n_rows;
}

/* ------------------------------------------- mouse, search, save (Ctrl-S) */

/* A click on a title sorts by its column, again the other way; on a
 * row selects it, twice opens it; the wheel moves the rows and the
 * selection with them.  The rows are those drawn last. */
static void
conns_mouse(struct ui *ui, void *state, const struct ui_mouse_event *ev)
{
	struct conns *c = state;
	int i;

	if (ev->kind == UI_MOUSE_WHEEL_UP || ev->kind == UI_MOUSE_WHEEL_DOWN) {
		if (c->n_rows == 0)
			return;
		c->scroll.sel = selected_index(c);
		ui_scroll_wheel(&c->scroll, ev->kind == UI_MOUSE_WHEEL_UP ? -UI_MOUSE_WHEEL_LINES
									   : UI_MOUSE_WHEEL_LINES,
				(int)c->n_rows);
		c->selected = id_of(c->rows[c->scroll.sel].entry);
		return;
	}
	if (ev->line == 0) {
		for (int k = 0; k < c->n_head; k++)
			if (ev->x >= c->head_x[k] && ev->x < c->head_x[k + 1]) {
				c->desc = (int)c->head_col[k] == c->sort ? !c->desc : false;
				c->sort = (int)c->head_col[k];
			}
		return;
	}
	i = c->scroll.top + ev->line - 1;
	if (i < 0 || (size_t)i >= c->n_rows)
		return;
	c->selected = id_of(c->rows[i].entry);
	c->scroll.sel = i;
	if (ev->kind == UI_MOUSE_DOUBLE)
		key_drill(ui, c, 0);
}

/* Whether any column of the row shows text (any case). */
static bool
row_holds(const struct conn_row *row, const struct conn_context *cc, const char *text)
{
	char cell[400];

	for (int col = 0; col < COL_COUNT; col++) {
		conn_column((enum conn_column)col)->format(row, cc, cell, sizeof(cell));
		if (strcasestr(cell, text) != NULL)
			return true;
	}
	return false;
}

static bool
conns_find(struct ui *ui, void *state, const char *text, bool next)
{
	struct conns *c = current_rows(ui, state);
	struct conn_context cc;
	int from;

	if (c->n_rows == 0)
		return false;
	memset(&cc, 0, sizeof(cc));
	cc.snap = ui->shown;
	cc.now = c->ct != NULL ? conntrack_now(c->ct) : 0;
	from = selected_index(c);
	if (from < 0)
		from = 0;
	else if (next)
		from++;
	for (size_t k = 0; k < c->n_rows; k++) {
		size_t i = ((size_t)from + k) % c->n_rows;

		if (row_holds(&c->rows[i], &cc, text)) {
			c->selected = id_of(c->rows[i].entry);
			c->scroll.sel = (int)i;
			return true;
		}
	}
	return false;
}

/* As -b --view conns -o csv writes the sample: the filter, the sort and
 * the ages and rates on screen. */
static int
conns_save(struct ui *ui, void *state, struct output_context *ctx)
{
	struct conns *c = state;

	ctx->snap = ui->shown;
	ctx->ct = c->ct;
	ctx->match = ui->filter != NULL ? filter_selects : NULL;
	ctx->filter = ui->filter;
	ctx->sort_column = c->sort;
	ctx->sort_descending = c->desc;
	return OUTPUT_VIEW_CONNS;
}

const struct ui_view ui_view_conns = {
	.key = '3',
	.title = "conns",
	.help = "every connection, TCPView-style",
	.state_size = sizeof(struct conns),
	.init = conns_init,
	.enter = conns_enter,
	.take = conns_take,
	.sample = conns_sample,
	.draw = conns_draw,
	.leave = conns_leave,
	.fini = conns_fini,
	.drawn_rows = conns_drawn_rows,
	.keys = conns_keys,
	.n_keys = sizeof(conns_keys) / sizeof(conns_keys[0]),
	.mouse = conns_mouse,
	.find = conns_find,
	.save = conns_save,
};

/* The table's columns and sort as they are now (its own keys may have
 * changed them), into the settings the setup screen shows and saves. */
void
ui_conns_settings(const struct ui *ui, struct settings *s)
{
	const struct conns *c = NULL;
	bool as_shipped = true;
	struct output_columns cols = {.n = 0};

	for (size_t i = 0; i < ui_views_count() && ui->view_states != NULL; i++)
		if (ui_views_at(i) == &ui_view_conns)
			c = ui->view_states[i];
	if (c == NULL)
		return;
	for (int i = 0; i < N_DISPLAY; i++) {
		if (c->hidden[c->order[i]] || c->order[i] != (int)display_order[i])
			as_shipped = false;
		if (!c->hidden[c->order[i]])
			cols.ids[cols.n++] = c->order[i];
	}
	s->columns = as_shipped ? (struct output_columns){.n = 0} : cols;
	if (c->sort != COL_STATE || c->desc || (s->set & SETTINGS_HAS_SORT)) {
		s->sort_column = c->sort;
		s->sort_descending = c->desc;
		s->set |= SETTINGS_HAS_SORT;
	}
}
