/*
 * ui_view_closed.c - connections the kernel closed, tcplife style: under
 * a line of exact rates (closes, short-lived, opens per second, events
 * lost), a band with a histogram of their lifetimes and the remote peers
 * that close most per second, then the closes themselves, each with its
 * time, endpoints, owner, lifetime, bytes each way, rtt, retransmits and
 * the state a sample last saw it in; newest first, or sorted by any of
 * those (> < cycle the column, I inverts, as in the connection table).
 * The filter applies to rows, histogram and peers alike, as to the
 * connection table, to a closed connection in the state a sample last
 * saw it in (CLOSE when none did).  Laid out to fit 80x24: columns of
 * lower priority go first when the terminal is narrow.
 * Main thread only; reads the pipeline's closed-connection model and
 * keeps nothing of it between frames (its ring moves with every feed).
 */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "closed_stats.h"
#include "filter.h"
#include "format.h"
#include "sock_format.h"
#include "ui_internal.h"

/* The top peers count closes heard this long before the latest sample. */
#define PEER_WINDOW_S 10
#define TOP_PEERS 6

/* Rows of the band above the table: rates, histogram (labels, counts,
 * bars), peers. */
enum { BAND_ROWS = 5, LIFE_CELL = 9, LIFE_LABEL = 8 };

enum closed_col {
	CC_TIME,
	CC_LOCAL,
	CC_REMOTE,
	CC_OWNER,
	CC_LIFETIME,
	CC_SENT,
	CC_RECEIVED,
	CC_RTT,
	CC_RETRANS,
	CC_LAST,
	CC_COUNT
};

struct closed_col_def {
	const char *title;
	int width;
	bool right;
	int priority;     /* lower shows first when space is short */
	int sort;         /* enum closed_sort its header marks */
};

static const struct closed_col_def columns[CC_COUNT] = {
	[CC_TIME] = {"TIME", 12, false, 0, CLOSED_SORT_TIME},
	[CC_LOCAL] = {"LOCAL", 20, false, 1, CLOSED_SORT_PORT},
	[CC_REMOTE] = {"REMOTE", 20, false, 0, CLOSED_SORT_PEER},
	[CC_OWNER] = {"OWNER", 18, false, 2, CLOSED_SORT_OWNER},
	[CC_LIFETIME] = {"LIFETIME", 9, true, 0, CLOSED_SORT_LIFETIME},
	[CC_SENT] = {"SENT", 7, true, 1, CLOSED_SORT_SENT},
	[CC_RECEIVED] = {"RECV", 7, true, 1, CLOSED_SORT_RECEIVED},
	[CC_RTT] = {"RTT", 7, true, 2, CLOSED_SORT_RTT},
	[CC_RETRANS] = {"RETR", 4, true, 2, CLOSED_SORT_RETRANS},
	[CC_LAST] = {"LAST", 11, false, 3, -1},
};

struct closed_view {
	struct ui_scroll scroll;
	int sort;            /* enum closed_sort */
	bool desc;
	const struct closed_conn **rows; /* of the last frame only */
	size_t rows_cap;
};

static bool
selected(const struct ui *ui, const struct closed_conn *c)
{
	struct sock_entry e = c->ev.entry;

	if (ui->filter == NULL)
		return true;
	e.state = c->seen ? c->last_state : TCP_STATE_CLOSE;
	return filter_match(ui->filter, &e);
}

/* The ring's closes through the filter, sorted; how many.  0 when out
 * of memory (nothing to show rather than half). */
static size_t
build_rows(struct ui *ui, struct closed_view *v, const struct closed_model *m)
{
	size_t total = closed_model_count(m), n = 0;

	if (total > v->rows_cap) {
		const struct closed_conn **more = realloc(v->rows, total * sizeof(*more));

		if (more == NULL)
			return 0;
		v->rows = more;
		v->rows_cap = total;
	}
	for (size_t i = 0; i < total; i++) {
		const struct closed_conn *c = closed_model_get(m, i);

		if (selected(ui, c))
			v->rows[n++] = c;
	}
	closed_sort(v->rows, n, (enum closed_sort)v->sort, v->desc);
	return n;
}

/* Bytes in at most 7 cells: "9999", "12.3K", "456M". */
static void
short_bytes(uint64_t v, char *out, size_t size)
{
	static const char units[] = "KMGTPE";
	double x = (double)v;
	int u = -1;

	if (v < 10000) {
		snprintf(out, size, "%" PRIu64, v);
		return;
	}
	while (x >= 999.95 && u < 5) {
		x /= 1000;
		u++;
	}
	snprintf(out, size, x < 99.95 ? "%.1f%c" : "%.0f%c", x, units[u]);
}

/* Which columns fit in cols, by priority; their spare width goes to the
 * addresses.  Returns how many, in display order, into out. */
static int
choose_columns(int cols, enum closed_col out[CC_COUNT], int *extra)
{
	bool on[CC_COUNT] = {false};
	int used = 0, n = 0;

	for (int priority = 0; priority < 4; priority++)
		for (int i = 0; i < CC_COUNT; i++)
			if (columns[i].priority == priority && used + columns[i].width + 1 <= cols + 1) {
				on[i] = true;
				used += columns[i].width + 1;
			}
	for (int i = 0; i < CC_COUNT; i++)
		if (on[i])
			out[n++] = (enum closed_col)i;
	*extra = cols + 1 - used > 0 ? cols + 1 - used : 0;
	return n;
}

static int
col_width(enum closed_col col, int extra)
{
	if (col == CC_LOCAL)
		return columns[col].width + extra / 2;
	if (col == CC_REMOTE)
		return columns[col].width + extra - extra / 2;
	return columns[col].width;
}

static void
cell_text(const struct closed_conn *c, enum closed_col col, char *out, size_t size)
{
	time_t t = (time_t)(c->ev.time_ns / 1000000000ull);
	struct tm tm;

	switch (col) {
	case CC_TIME:
		localtime_r(&t, &tm);
		snprintf(out, size, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned int)(c->ev.time_ns / 1000000ull % 1000));
		break;
	case CC_LOCAL:
	case CC_REMOTE:
		sock_format_endpoint(&c->ev.entry, col == CC_REMOTE, out, size);
		break;
	case CC_OWNER:
		/* The process name is someone else's string: drawn through
		 * ui_put_cell. */
		if (c->pid != 0)
			snprintf(out, size, "%d/%s", (int)c->pid, c->process);
		else
			snprintf(out, size, "-");
		break;
	case CC_LIFETIME:
		if (c->seen)
			format_duration(c->lifetime_s, out, size);
		else
			snprintf(out, size, "unseen");
		break;
	case CC_SENT:
		short_bytes(c->ev.entry.bytes_acked, out, size);
		break;
	case CC_RECEIVED:
		short_bytes(c->ev.entry.bytes_received, out, size);
		break;
	case CC_RTT:
		format_duration((double)c->ev.entry.rtt_us / 1e6, out, size);
		break;
	case CC_RETRANS:
		snprintf(out, size, "%u", c->ev.entry.total_retrans);
		break;
	case CC_LAST:
	default:
		snprintf(out, size, "%s", c->seen ? tcp_state_name(c->last_state) : "-");
		break;
	}
}

static void
draw_rates(struct ui *ui, const struct closed_model *m, int top, int cols)
{
	const struct closed_interval *iv = closed_model_interval(m);
	const struct closed_totals *tot = closed_model_totals(m);
	char opens[32];

	attrset(iv->lost > 0 ? ui_term_attr(ui, UI_COLOR_WATCH) : (int)A_BOLD);
	if (iv->has_opens)
		snprintf(opens, sizeof(opens), "%.1f", iv->opened_per_s);
	else
		snprintf(opens, sizeof(opens), "-");
	ui_putf(top, 0, cols,
		"closes/s %.1f  short-lived/s %.1f  opens/s %s  lost %" PRIu64 "  total %" PRIu64
		" (%" PRIu64 " unseen)",
		iv->closed_per_s, iv->short_lived_per_s, opens, tot->lost, tot->closed,
		tot->short_lived);
	attrset(A_NORMAL);
}

/* Three rows: the buckets' labels, their counts, bars scaled to the
 * largest. */
static void
draw_histogram(struct ui *ui, struct closed_view *v, size_t n, int top, int cols)
{
	uint64_t counts[CLOSED_LIFE_COUNT], most = 0;

	closed_life_histogram(v->rows, n, counts);
	for (int b = 0; b < CLOSED_LIFE_COUNT; b++)
		if (counts[b] > most)
			most = counts[b];
	attrset(A_BOLD);
	mvaddnstr(top, 0, "lifetime", cols);
	attrset(A_NORMAL);
	mvaddnstr(top + 1, 0, "closes", cols);
	for (int b = 0; b < CLOSED_LIFE_COUNT; b++) {
		int x = LIFE_LABEL + b * LIFE_CELL, bar;
		char count[24];

		if (x + LIFE_CELL > cols)
			break;
		attrset(b == CLOSED_LIFE_UNSAMPLED ? ui_term_attr(ui, UI_COLOR_WATCH) : (int)A_BOLD);
		mvprintw(top, x, "%*s", LIFE_CELL, closed_life_label((enum closed_life)b));
		attrset(A_NORMAL);
		format_count(counts[b], count, sizeof(count));
		mvprintw(top + 1, x, "%*.*s", LIFE_CELL, LIFE_CELL, count);
		/* At least one cell for any count, so a few never vanish. */
		bar = most == 0 || counts[b] == 0
			      ? 0
			      : 1 + (int)((uint64_t)(LIFE_CELL - 2) * counts[b] / most);
		attrset(b == CLOSED_LIFE_UNSAMPLED ? ui_term_attr(ui, UI_COLOR_WATCH) : (int)A_NORMAL);
		for (int k = 0; k < bar; k++)
			mvaddstr(top + 2, x + LIFE_CELL - bar + k,
				 ui->charset == SPARKLINE_UTF8 ? "\xe2\x96\x88" : "#");
		attrset(A_NORMAL);
	}
}

/* One row: the peers with the most closes per second over the last
 * PEER_WINDOW_S seconds before the latest sample, as many as fit. */
static void
draw_peers(const struct closed_view *v, size_t n, const struct closed_model *m,
	   const struct snapshot *snap, int row, int cols)
{
	struct closed_peer top[TOP_PEERS];
	uint64_t until = closed_window_end(snap), since;
	const struct closed_conn *oldest = closed_model_get(m, 0);
	ssize_t k;
	int x;

	since = until > PEER_WINDOW_S * 1000000000ull ? until - PEER_WINDOW_S * 1000000000ull : 0;
	/* A ring that dropped closes covers less than the window: rates
	 * over what it still holds. */
	if (oldest != NULL && closed_model_totals(m)->closed > closed_model_count(m) &&
	    oldest->ev.time_ns > since)
		since = oldest->ev.time_ns - 1;
	k = closed_top_peers(v->rows, n, since, until, top, TOP_PEERS);
	attrset(A_BOLD);
	mvprintw(row, 0, "top peers/s");
	attrset(A_NORMAL);
	x = 12;
	if (k <= 0) {
		mvaddnstr(row, x, k < 0 ? "(out of memory)" : "none in the last 10 s", cols - x);
		return;
	}
	for (ssize_t i = 0; i < k; i++) {
		char ip[FORMAT_IP_MAX], item[FORMAT_IP_MAX + 32];
		int len;

		format_ip(top[i].family, top[i].addr, ip);
		len = snprintf(item, sizeof(item), "%s %.1f", ip, top[i].per_s);
		if (x + len > cols)
			break;
		mvaddstr(row, x, item);
		x += len + 2;
	}
}

/* A sort column too wide for the screen is named over the table's
 * header's right end, on the peers' row. */
static void
draw_sort_note(const struct closed_view *v, int table, int cols)
{
	char note[48];
	int len = snprintf(note, sizeof(note), " sorted by %s%s ",
			   closed_sort_name((enum closed_sort)v->sort), v->desc ? "v" : "^");

	if (len < cols) {
		attrset(A_BOLD);
		mvaddstr(table - 1, cols - len, note);
		attrset(A_NORMAL);
	}
}

static void
closed_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct closed_view *v = state;
	const struct closed_model *m = pipeline_closed(ui->pipe);
	const struct snapshot *snap = pipeline_latest(ui->pipe);
	enum closed_col shown[CC_COUNT];
	int n_cols, extra, x, table = top + BAND_ROWS, rows;
	bool marked = false;
	size_t n;

	if (m == NULL || snap == NULL || !snap->has_closes) {
		mvaddnstr(top + 1, 2,
			  snap == NULL ? "waiting for the first sample..."
				       : "this source does not hear closed connections "
					 "(a replay of an older recording, or an ss dump)",
			  cols - 2);
		return;
	}
	n = build_rows(ui, v, m);
	draw_rates(ui, m, top, cols);
	if (height < BAND_ROWS)
		return;
	draw_histogram(ui, v, n, top + 1, cols);
	draw_peers(v, n, m, snap, top + 4, cols);
	if (height <= BAND_ROWS + 1)
		return;

	n_cols = choose_columns(cols, shown, &extra);
	attrset(A_BOLD | A_UNDERLINE);
	mvhline(table, 0, ' ', cols);
	x = 0;
	for (int k = 0; k < n_cols && x < cols; k++) {
		const struct closed_col_def *def = &columns[shown[k]];
		int w = col_width(shown[k], extra);
		char title[32];

		snprintf(title, sizeof(title), "%s%s", def->title,
			 def->sort == v->sort ? (v->desc ? "v" : "^") : "");
		mvprintw(table, x, def->right ? "%*.*s" : "%-*.*s", w, w, title);
		x += w + 1;
		marked |= def->sort == v->sort;
	}
	attrset(A_NORMAL);
	if (!marked)
		draw_sort_note(v, table, cols);
	rows = height - BAND_ROWS - 1;
	ui_scroll_fit(&v->scroll, (int)n, rows);
	for (int y = 0; y < rows && v->scroll.top + y < (int)n; y++) {
		const struct closed_conn *c = v->rows[v->scroll.top + y];

		/* Never sampled: the connections polling alone would miss. */
		attrset(c->seen ? (int)A_NORMAL : ui_term_attr(ui, UI_COLOR_WATCH));
		x = 0;
		for (int k = 0; k < n_cols && x < cols; k++) {
			char cell[SOCK_FORMAT_ADDR_MAX + 40];
			int w = col_width(shown[k], extra);

			cell_text(c, shown[k], cell, sizeof(cell));
			ui_put_cell(table + 1 + y, x, cell, w, columns[shown[k]].right);
			x += w + 1;
		}
		attrset(A_NORMAL);
	}
	if (n == 0)
		mvaddnstr(table + 1, 2,
			  ui->filter != NULL ? "no closed connection matches the filter"
					     : "no connection closed yet",
			  cols - 2);
}

static struct ui_scroll *
closed_scroll(void *state)
{
	return &((struct closed_view *)state)->scroll;
}

/* > and <: the next or previous sort column. */
static void
key_sort(struct ui *ui, void *state, int arg)
{
	struct closed_view *v = state;

	v->sort = (v->sort + CLOSED_SORT_COUNT + arg) % CLOSED_SORT_COUNT;
	v->scroll.top = 0;
	snprintf(ui->status, sizeof(ui->status), "closed connections sorted by %s",
		 closed_sort_name((enum closed_sort)v->sort));
}

static void
key_invert(struct ui *ui, void *state, int arg)
{
	struct closed_view *v = state;

	(void)ui;
	(void)arg;
	v->desc = !v->desc;
	v->scroll.top = 0;
}

static void
closed_init(struct ui *ui, void *state)
{
	struct closed_view *v = state;

	(void)ui;
	/* Newest first. */
	v->sort = CLOSED_SORT_TIME;
	v->desc = true;
}

static void
closed_fini(struct ui *ui, void *state)
{
	struct closed_view *v = state;

	(void)ui;
	free(v->rows);
	v->rows = NULL;
}

static const struct ui_key closed_keys[] = {
	UI_SCROLL_KEYS_LINE,
	UI_SCROLL_KEYS_PAGE,
	{'>', KEY_F(6), "> or F6",
	 "sort by the next column: time, lifetime, sent, received, rtt, retrans, peer, port, owner",
	 key_sort, 1},
	{'<', 0, "<", "sort by the previous column", key_sort, -1},
	{'I', 0, "I", "invert the sort order", key_invert, 0},
};

const struct ui_view ui_view_closed = {
	.key = '9',
	.title = "closed",
	.help = "connections closed, even those shorter than an interval: lifetimes, top peers",
	.state_size = sizeof(struct closed_view),
	.init = closed_init,
	.draw = closed_draw,
	.fini = closed_fini,
	.scroll = closed_scroll,
	.keys = closed_keys,
	.n_keys = sizeof(closed_keys) / sizeof(closed_keys[0]),
};
