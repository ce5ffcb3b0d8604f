/*
 * ui_view_listen.c - the LISTEN panel: one block per process, under it
 * each address and port it listens on, with the accept queue against the
 * backlog and the connections the port holds.  "Which program owns port
 * 9000, and is it keeping up?"  When the sample has network namespaces,
 * the blocks are grouped by namespace first (by name), each group under
 * a line naming it.  Main thread only; reads snapshots.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "listen.h"
#include "output.h"
#include "sock_format.h"
#include "ui_internal.h"

/* Width of the column titles line. */
enum { TITLES_WIDTH = 74 };

/* The rows of one process (or of no visible process). */
struct block {
	uint32_t netns;                 /* the namespace of its sockets */
	const struct owner_proc *owner; /* NULL: none found, or hidden */
	int status;                     /* owner_status of its sockets */
	size_t first, n;                /* rows [first, first + n) */
	uint16_t min_port;
	unsigned int shared;            /* most processes holding one socket */
	uint64_t connections;
};

/* The panel's state: its sort order and scrolling. */
struct listen_view {
	int sort; /* enum listen_sort */
	struct ui_scroll scroll;
};

/* A screen line: a namespace's title (over its first block), a block
 * header (row == NULL) or one listening socket. */
struct line {
	const struct block *block;
	const struct listen_row *row;
	bool netns_title;
};

/* How blocks sort: the panel's key, within namespaces when there are. */
struct block_order {
	int sort;
	const struct snapshot *snap;
};

/* The name of a namespace for ordering and titles (raw). */
static void
netns_name(const struct snapshot *snap, uint32_t inode, char *buf, size_t len)
{
	const struct snapshot_netns *ns = snapshot_find_netns(snap, inode);

	if (ns != NULL)
		netns_info_short(&ns->info, buf, len);
	else
		snprintf(buf, len, "netns:[%u]", inode);
}

/* A queue past 80% of its backlog is about to drop connections. */
static bool
queue_nearly_full(const struct sock_entry *e)
{
	return e->send_q > 0 && (uint64_t)e->recv_q * 5 > (uint64_t)e->send_q * 4;
}

static int
owner_key(const struct snapshot *snap, const struct sock_entry *e)
{
	const struct owner_proc *p = sock_format_owner(snap, e);

	if (p != NULL)
		return p->pid;
	return e->owner_status == OWNER_HIDDEN ? -1 : -2;
}

static int
compare_blocks(const void *x, const void *y, void *context)
{
	const struct block *a = x, *b = y;
	const struct block_order *order = context;
	int sort_by = order->sort;

	if (order->snap->n_netns > 0 && a->netns != b->netns) {
		char na[128], nb[128];
		int c;

		/* The host's namespace first, then the others by name. */
		netns_name(order->snap, a->netns, na, sizeof(na));
		netns_name(order->snap, b->netns, nb, sizeof(nb));
		if ((strcmp(na, "host") == 0) != (strcmp(nb, "host") == 0))
			return strcmp(na, "host") == 0 ? -1 : 1;
		c = strcmp(na, nb);
		if (c != 0)
			return c;
		return a->netns < b->netns ? -1 : 1;
	}
	if (sort_by == LISTEN_SORT_PROCESS) {
		if ((a->owner == NULL) != (b->owner == NULL))
			return a->owner == NULL ? 1 : -1;
		if (a->owner != NULL) {
			int c = strcmp(a->owner->comm, b->owner->comm);

			if (c != 0)
				return c;
		}
	} else if (sort_by == LISTEN_SORT_CONNECTIONS && a->connections != b->connections) {
		return a->connections > b->connections ? -1 : 1;
	}
	if (a->min_port != b->min_port)
		return a->min_port < b->min_port ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

/*
 * Groups port-sorted rows into blocks by owner; rows of a block are
 * reordered to be adjacent.  Returns the number of blocks.
 */
static size_t
build_blocks(const struct snapshot *snap, struct listen_row *rows, size_t n,
	     struct block *blocks, struct listen_row *grouped)
{
	size_t n_blocks = 0, out = 0;
	int *keys = malloc((n > 0 ? n : 1) * sizeof(*keys));
	bool *taken = calloc(n > 0 ? n : 1, sizeof(*taken));

	if (keys == NULL || taken == NULL) {
		free(keys);
		free(taken);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		keys[i] = owner_key(snap, rows[i].sock);
	for (size_t i = 0; i < n; i++) {
		struct block *b;

		if (taken[i])
			continue;
		b = &blocks[n_blocks++];
		memset(b, 0, sizeof(*b));
		b->netns = rows[i].sock->netns;
		b->owner = sock_format_owner(snap, rows[i].sock);
		b->status = rows[i].sock->owner_status;
		b->first = out;
		b->min_port = rows[i].sock->local_port;
		for (size_t k = i; k < n; k++) {
			/* One process can listen in several namespaces
			 * (it entered one, or holds a socket passed on):
			 * a block per namespace. */
			if (taken[k] || keys[k] != keys[i] || rows[k].sock->netns != b->netns)
				continue;
			taken[k] = true;
			grouped[out++] = rows[k];
			if (rows[k].sock->n_owners > b->shared)
				b->shared = rows[k].sock->n_owners;
			b->n++;
			b->connections += (uint64_t)rows[k].established + rows[k].syn_recv;
		}
	}
	free(keys);
	free(taken);
	return n_blocks;
}

static void
draw_block_header(struct ui *ui, int y, int cols, const struct block *b)
{
	char text[1200];

	if (b->owner != NULL && b->shared > 1)
		snprintf(text, sizeof(text), "%d  %s  %s  (+%u sharing its sockets)", b->owner->pid,
			 b->owner->user,
			 b->owner->cmdline[0] != '\0' ? b->owner->cmdline : b->owner->comm,
			 b->shared - 1);
	else if (b->owner != NULL)
		snprintf(text, sizeof(text), "%d  %s  %s", b->owner->pid, b->owner->user,
			 b->owner->cmdline[0] != '\0' ? b->owner->cmdline : b->owner->comm);
	else if (b->status == OWNER_HIDDEN)
		snprintf(text, sizeof(text), "(owned by another user: run as root to see)");
	else
		snprintf(text, sizeof(text), "(no process found: kernel or another namespace)");
	attrset(b->owner != NULL ? A_BOLD : A_DIM);
	ui_put(y, 0, text, cols);
	attrset(A_NORMAL);
	(void)ui;
}

/* The line over a namespace's blocks: its name, as in the namespaces
 * view, and its inode (what the netns filter takes). */
static void
draw_netns_title(struct ui *ui, int y, int cols, uint32_t inode)
{
	char name[128], text[200];

	netns_name(ui->shown, inode, name, sizeof(name));
	snprintf(text, sizeof(text), "== namespace %s (netns %u)", name, inode);
	attrset(ui_term_attr(ui, UI_COLOR_HEADER) | A_BOLD);
	mvhline(y, 0, ' ', cols);
	ui_put(y, 0, text, cols);
	attrset(A_NORMAL);
}

static void
draw_row(struct ui *ui, int y, int cols, const struct listen_row *row)
{
	const struct sock_entry *e = row->sock;
	char local[SOCK_FORMAT_ADDR_MAX], est[32], syn[32], line[256];

	sock_format_endpoint(e, 0, local, sizeof(local));
	format_count(row->established, est, sizeof(est));
	format_count(row->syn_recv, syn, sizeof(syn));
	snprintf(line, sizeof(line), "  %-30s %-4s %7u/%-7u %10s %9s", local,
		 e->family == AF_INET ? "tcp" : "tcp6", e->recv_q, e->send_q, est, syn);
	if (queue_nearly_full(e))
		attrset(ui_term_attr(ui, UI_COLOR_ALERT));
	mvaddnstr(y, 0, line, cols);
	if (queue_nearly_full(e) && cols > (int)strlen(line) + 12)
		mvaddstr(y, (int)strlen(line) + 2, "QUEUE FULL");
	attrset(A_NORMAL);
}

static void
listen_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct listen_view *v = state;
	struct listen_row *rows = NULL, *grouped = NULL;
	struct block *blocks = NULL;
	struct line *lines = NULL;
	struct block_order order = {.sort = v->sort, .snap = ui->shown};
	ssize_t n;
	size_t n_blocks, n_lines = 0;
	char title[128];

	v->scroll.height = height - 1;
	if (ui->shown == NULL || height < 2)
		return;
	n = listen_rows_build(ui->shown, &rows);
	if (n < 0)
		return;
	if (ui->filter != NULL) {
		/* The filter applies here too: only the listeners it selects. */
		ssize_t kept = 0;

		for (ssize_t i = 0; i < n; i++)
			if (filter_match(ui->filter, rows[i].sock))
				rows[kept++] = rows[i];
		n = kept;
	}
	grouped = malloc(((size_t)n + 1) * sizeof(*grouped));
	blocks = malloc(((size_t)n + 1) * sizeof(*blocks));
	lines = malloc(((size_t)n * 3 + 1) * sizeof(*lines));
	if (grouped == NULL || blocks == NULL || lines == NULL)
		goto out;
	n_blocks = build_blocks(ui->shown, rows, (size_t)n, blocks, grouped);
	qsort_r(blocks, n_blocks, sizeof(*blocks), compare_blocks, &order);
	for (size_t b = 0; b < n_blocks; b++) {
		if (ui->shown->n_netns > 0 && (b == 0 || blocks[b].netns != blocks[b - 1].netns)) {
			lines[n_lines].block = &blocks[b];
			lines[n_lines].row = NULL;
			lines[n_lines].netns_title = true;
			n_lines++;
		}
		lines[n_lines].block = &blocks[b];
		lines[n_lines].netns_title = false;
		lines[n_lines++].row = NULL;
		for (size_t k = 0; k < blocks[b].n; k++) {
			lines[n_lines].block = &blocks[b];
			lines[n_lines].netns_title = false;
			lines[n_lines++].row = &grouped[blocks[b].first + k];
		}
	}

	snprintf(title, sizeof(title), "  %-30s %-4s %15s %10s %9s", "LOCAL ADDRESS:PORT", "PROTO",
		 "ACCEPTQ/BACKLOG", "ESTAB", "SYN_RECV");
	attrset(A_BOLD);
	mvaddnstr(top, 0, title, cols);
	attrset(A_NORMAL);
	snprintf(title, sizeof(title), "%zd listening, by %s (< >)", n,
		 listen_sort_name(v->sort));
	/* The summary goes right of the column titles when it fits. */
	if (cols - (int)strlen(title) - 1 > TITLES_WIDTH + 1)
		mvaddstr(top, cols - (int)strlen(title) - 1, title);

	ui_scroll_fit(&v->scroll, (int)n_lines, height - 1);
	for (int y = 0; y < height - 1 && (size_t)(v->scroll.top + y) < n_lines; y++) {
		const struct line *l = &lines[v->scroll.top + y];

		if (l->netns_title)
			draw_netns_title(ui, top + 1 + y, cols, l->block->netns);
		else if (l->row == NULL)
			draw_block_header(ui, top + 1 + y, cols, l->block);
		else
			draw_row(ui, top + 1 + y, cols, l->row);
	}
out:
	free(rows);
	free(grouped);
	free(blocks);
	free(lines);
}

/* > and <: arg sort keys on. */
static void
key_sort(struct ui *ui, void *state, int arg)
{
	struct listen_view *v = state;

	(void)ui;
	v->sort = (v->sort + LISTEN_SORT_COUNT + arg) % LISTEN_SORT_COUNT;
}

static struct ui_scroll *
listen_scroll(void *state)
{
	return &((struct listen_view *)state)->scroll;
}

static const struct ui_key listen_keys[] = {
	{'>', '.', ">", "sort by the next key: port, process, connections", key_sort, 1},
	{'<', ',', "<", "sort by the previous key", key_sort, -1},
	{KEY_F(6), 0, "F6", "sort by the next key", key_sort, 1},
	UI_KEY_SAVE,
	UI_SCROLL_KEYS_LINE,
	{KEY_NPAGE, 0, "PgDn", "scroll a page down", ui_scroll_key, UI_SCROLL_PAGE_DOWN},
	{KEY_PPAGE, 0, "PgUp", "scroll a page up", ui_scroll_key, UI_SCROLL_PAGE_UP},
	{KEY_HOME, 'g', "Home", "go to the top", ui_scroll_key, UI_SCROLL_HOME},
	{KEY_END, 'G', "End", "go to the bottom", ui_scroll_key, UI_SCROLL_END},
};

/* Ctrl-S: as -b --view listen -o csv writes the sample, through the
 * filter (one line per socket, in the writer's order). */
static int
listen_save(struct ui *ui, void *state, struct output_context *ctx)
{
	(void)state;
	ctx->snap = ui->shown;
	ctx->match = ui->filter != NULL ? filter_selects : NULL;
	ctx->filter = ui->filter;
	return OUTPUT_VIEW_LISTEN;
}

const struct ui_view ui_view_listen = {
	.key = '2',
	.title = "listen",
	.help = "listening ports and their processes",
	.state_size = sizeof(struct listen_view),
	.draw = listen_draw,
	.scroll = listen_scroll,
	.keys = listen_keys,
	.n_keys = sizeof(listen_keys) / sizeof(listen_keys[0]),
	.save = listen_save,
};
