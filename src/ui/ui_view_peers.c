/*
 * ui_view_peers.c - top peers and ports: remote addresses, remote ports
 * and local ports ranked by connections, in total or in one state.  Who
 * is the load generator, which backend is slow to close, which local
 * service holds the CLOSE_WAIT.  The filter applies.  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "ui_internal.h"

/* The state columns, in the order a connection lives through them. */
static const enum tcp_state columns[] = {
	TCP_STATE_ESTABLISHED, TCP_STATE_SYN_SENT,  TCP_STATE_SYN_RECV, TCP_STATE_FIN_WAIT1,
	TCP_STATE_FIN_WAIT2,   TCP_STATE_TIME_WAIT, TCP_STATE_CLOSE_WAIT, TCP_STATE_LAST_ACK,
};
static const char *const column_titles[] = {
	"ESTAB", "SYN-S", "SYN-R", "FIN-W1", "FIN-W2", "TIME-W", "CLOSE-W", "LAST-A",
};
enum { N_COLUMNS = sizeof(columns) / sizeof(columns[0]), KEY_WIDTH = 41, NUM_WIDTH = 8 };

/* What the rows are ranked by, in the order `s` steps through them. */
static const int rankings[] = {
	PEERS_BY_TOTAL,      TCP_STATE_ESTABLISHED, TCP_STATE_TIME_WAIT, TCP_STATE_CLOSE_WAIT,
	TCP_STATE_SYN_RECV,  TCP_STATE_SYN_SENT,    TCP_STATE_FIN_WAIT1, TCP_STATE_FIN_WAIT2,
	TCP_STATE_LAST_ACK,
};
enum { N_RANKINGS = sizeof(rankings) / sizeof(rankings[0]) };

/* The view's state: what is ranked, by what, and how far scrolled. */
struct peers_view {
	int kind; /* enum peers_kind */
	int by;   /* PEERS_BY_TOTAL or a tcp_state */
	struct ui_scroll scroll;
	struct peers *peers;          /* built the first time it shows */
	uint64_t seq;                 /* the snapshot peers was built from */
	const struct filter *filter;
};

static const char *
kind_title(int kind)
{
	switch (kind) {
	case PEERS_REMOTE_ADDR:
		return "REMOTE ADDRESS";
	case PEERS_REMOTE_PORT:
		return "REMOTE PORT";
	default:
		return "LOCAL PORT";
	}
}

/* Aggregates again when the snapshot or the filter changed. */
static int
aggregate(struct ui *ui, struct peers_view *v)
{
	const struct snapshot *snap = ui->shown;

	if (v->peers == NULL) {
		v->peers = peers_new();
		if (v->peers == NULL)
			return -1;
		v->seq = 0;
	}
	if (snap->seq == v->seq && ui->filter == v->filter)
		return 0;
	if (peers_update(v->peers, snap, ui->filter != NULL ? filter_selects : NULL, ui->filter) <
	    0)
		return -1;
	v->seq = snap->seq;
	v->filter = ui->filter;
	return 0;
}

static void
peers_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct peers_view *v = state;

	const struct peer_row *rows;
	size_t n;
	ssize_t nonzero;
	int x;

	if (ui->shown == NULL || height < 3)
		return;
	if (aggregate(ui, v) < 0) {
		mvaddnstr(top, 0, "out of memory for the peer table", cols);
		return;
	}
	nonzero = peers_rank(v->peers, (enum peers_kind)v->kind, v->by);
	rows = peers_rows(v->peers, (enum peers_kind)v->kind, &n);
	if (nonzero < 0)
		nonzero = (ssize_t)n;
	attrset(A_BOLD);
	mvprintw(top, 0, "%s by %s: %zd of %zu   (t: addresses / remote ports / local ports, "
			 "s: rank by)",
		 kind_title(v->kind), peers_by_name(v->by), nonzero, n);
	mvprintw(top + 1, 0, "%-*s %*s", KEY_WIDTH, kind_title(v->kind), NUM_WIDTH, "TOTAL");
	x = KEY_WIDTH + 1 + NUM_WIDTH;
	for (int c = 0; c < N_COLUMNS && x + NUM_WIDTH + 1 <= cols; c++, x += NUM_WIDTH + 1) {
		if (v->by == (int)columns[c])
			attrset(A_BOLD | A_UNDERLINE);
		mvprintw(top + 1, x, " %*s", NUM_WIDTH, column_titles[c]);
		attrset(A_BOLD);
	}
	if (v->kind == PEERS_LOCAL_PORT && x + 10 < cols)
		mvprintw(top + 1, x, " PROCESS");
	attrset(A_NORMAL);
	ui_scroll_fit(&v->scroll, (int)nonzero, height - 2);
	for (int y = 0; y < height - 2 && v->scroll.top + y < (int)nonzero; y++) {
		const struct peer_row *r = &rows[v->scroll.top + y];
		char key[128], num[32];

		peers_format_key(r, (enum peers_kind)v->kind, key, sizeof(key));
		format_count(r->total, num, sizeof(num));
		mvprintw(top + 2 + y, 0, "%-*.*s %*s", KEY_WIDTH, KEY_WIDTH, key, NUM_WIDTH, num);
		x = KEY_WIDTH + 1 + NUM_WIDTH;
		for (int c = 0; c < N_COLUMNS && x + NUM_WIDTH + 1 <= cols; c++, x += NUM_WIDTH + 1) {
			uint32_t count = r->counts[columns[c]];

			if (count == 0) {
				mvprintw(top + 2 + y, x, " %*s", NUM_WIDTH, "-");
				continue;
			}
			format_count(count, num, sizeof(num));
			attrset(tcp_state_is_steady(columns[c]) ? (int)A_NORMAL
								  : ui_term_attr(ui, UI_COLOR_WATCH));
			mvprintw(top + 2 + y, x, " %*s", NUM_WIDTH, num);
			attrset(A_NORMAL);
		}
		if (v->kind == PEERS_LOCAL_PORT && x + 10 < cols) {
			char who[64];

			if (r->owner != NULL)
				snprintf(who, sizeof(who), " %s (%d)", r->owner->comm, r->owner->pid);
			else
				snprintf(who, sizeof(who), " -");
			ui_put(top + 2 + y, x, who, cols - x);
		}
	}
}

static void
key_kind(struct ui *ui, void *state, int arg)
{
	struct peers_view *v = state;

	(void)ui;
	(void)arg;
	v->kind = (v->kind + 1) % PEERS_KIND_COUNT;
	v->scroll.top = 0;
}

static void
key_rank(struct ui *ui, void *state, int arg)
{
	struct peers_view *v = state;
	int i = 0;

	(void)ui;
	(void)arg;
	while (i < N_RANKINGS && rankings[i] != v->by)
		i++;
	v->by = rankings[(i + 1) % N_RANKINGS];
	v->scroll.top = 0;
}

static struct ui_scroll *
peers_scroll(void *state)
{
	return &((struct peers_view *)state)->scroll;
}

static void
peers_init(struct ui *ui, void *state)
{
	struct peers_view *v = state;

	(void)ui;
	v->by = PEERS_BY_TOTAL;
	v->scroll.page = 10;
}

static void
peers_fini(struct ui *ui, void *state)
{
	struct peers_view *v = state;

	(void)ui;
	peers_free(v->peers);
}

static const struct ui_key peers_keys[] = {
	{'t', 0, "t", "show remote addresses, remote ports or local ports", key_kind, 0},
	{'s', 0, "s", "rank by the total or by the next state", key_rank, 0},
	UI_SCROLL_KEYS_LINE,
	UI_SCROLL_KEYS_PAGE,
};

const struct ui_view ui_view_peers = {
	.key = '6',
	.title = "peers",
	.help = "top peers and ports",
	.state_size = sizeof(struct peers_view),
	.init = peers_init,
	.fini = peers_fini,
	.draw = peers_draw,
	.scroll = peers_scroll,
	.keys = peers_keys,
	.n_keys = sizeof(peers_keys) / sizeof(peers_keys[0]),
};
