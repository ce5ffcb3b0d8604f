/*
 * output_text.c - the listen and conns views as text: aligned columns,
 * sized to the widest value.  Names from outside are sanitized
 * (sanitize.h) and columns aligned on their display width.
 * One writer per stream.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "listen.h"
#include "outbuf.h"
#include "output.h"
#include "output_columns.h"
#include "sanitize.h"
#include "sock_format.h"

/* Width in cells of text that is already safe to show. */
static int
cells_of(const char *text, size_t len)
{
	size_t i = 0;

	/* ASCII, one cell a byte, unless a byte has its top bit set: eight
	 * bytes at a time. */
	for (; i + 8 <= len; i += 8) {
		uint64_t word;

		memcpy(&word, text + i, sizeof(word));
		if (word & 0x8080808080808080ull)
			return sanitize_width(text, len);
	}
	for (; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			return sanitize_width(text, len);
	return (int)len;
}

/* text in a column `width` cells wide: right- or left-aligned. */
static void
put_cell(struct outbuf *b, const char *text, size_t len, int cells, int width, bool right)
{
	if (right)
		outbuf_spaces(b, width - cells);
	outbuf_mem(b, text, len);
	if (!right)
		outbuf_spaces(b, width - cells);
}

/* A listener's owner columns, safe to show: pid, user and process. */
struct owner_cells {
	char pid[2 * FORMAT_U64_MAX + 2];
	char user[SANITIZE_TEXT_MAX(64) + 1];
	char process[SANITIZE_TEXT_MAX(64) + 1];
	int user_cells, process_cells;
};

static void
owner_cells(const struct snapshot *snap, const struct sock_entry *e, struct owner_cells *o)
{
	const struct owner_proc *owner = sock_format_owner(snap, e);

	if (owner == NULL) {
		strcpy(o->pid, "-");
		strcpy(o->user, "-");
		strcpy(o->process, e->owner_status == OWNER_HIDDEN ? "(hidden)" : "-");
		o->user_cells = 1;
		o->process_cells = (int)strlen(o->process);
		return;
	}
	if (e->n_owners > 1)
		snprintf(o->pid, sizeof(o->pid), "%d+%u", owner->pid, e->n_owners - 1u);
	else
		snprintf(o->pid, sizeof(o->pid), "%d", owner->pid);
	sanitize_str(owner->user, o->user, sizeof(o->user), &o->user_cells);
	sanitize_str(owner->comm, o->process, sizeof(o->process), &o->process_cells);
}

/* A socket's namespace, safe to show, and its width in cells. */
struct netns_cell {
	char text[SANITIZE_TEXT_MAX(CONN_NETNS_NAME_MAX) + 1];
	int cells;
};

static void
netns_cell(const struct snapshot *snap, const struct sock_entry *e, struct netns_cell *c)
{
	char name[CONN_NETNS_NAME_MAX];

	conn_netns_name(snapshot_find_netns(snap, e->netns), name, sizeof(name));
	sanitize_str(name, c->text, sizeof(c->text), &c->cells);
}

/* One cell of a listener's row: its text, safe to show, and width. */
struct listen_cell {
	const char *text;
	size_t len;
	int cells;
};

/* What a listener's row shows, formatted once for all its cells. */
struct listen_cells {
	struct owner_cells owner;
	struct netns_cell ns;
	char addr[SOCK_FORMAT_ADDR_MAX];
	char numbers[4][FORMAT_U64_MAX];
};

static void
listen_cells_of(const struct snapshot *snap, const struct listen_row *row,
		const struct output_columns *cols, struct listen_cells *lc)
{
	const struct sock_entry *e = row->sock;
	const uint32_t numbers[4] = {e->recv_q, e->send_q, row->established, row->syn_recv};

	sock_format_endpoint(e, 0, lc->addr, sizeof(lc->addr));
	owner_cells(snap, e, &lc->owner);
	lc->ns.text[0] = '\0';
	lc->ns.cells = 0;
	for (size_t c = 0; c < cols->n; c++)
		if (cols->ids[c] == LISTEN_COL_NETNS)
			netns_cell(snap, e, &lc->ns);
	for (int k = 0; k < 4; k++)
		format_u64(numbers[k], lc->numbers[k]);
}

static struct listen_cell
listen_cell(const struct listen_row *row, const struct listen_cells *lc, int column)
{
	struct listen_cell cell = {0};

	switch (column) {
	case LISTEN_COL_NETNS:
		cell.text = lc->ns.text;
		cell.cells = lc->ns.cells;
		break;
	case LISTEN_COL_LOCAL:
		cell.text = lc->addr;
		break;
	case LISTEN_COL_FAM:
		cell.text = row->sock->family == AF_INET ? "4" : "6";
		break;
	case LISTEN_COL_PID:
		cell.text = lc->owner.pid;
		break;
	case LISTEN_COL_USER:
		cell.text = lc->owner.user;
		cell.cells = lc->owner.user_cells;
		break;
	case LISTEN_COL_PROCESS:
		cell.text = lc->owner.process;
		cell.cells = lc->owner.process_cells;
		break;
	default: /* ACCEPTQ, BACKLOG, ESTAB, SYN_RECV */
		cell.text = lc->numbers[column - LISTEN_COL_ACCEPTQ];
		break;
	}
	cell.len = strlen(cell.text);
	/* Addresses and numbers are ASCII; names come measured. */
	if (column != LISTEN_COL_NETNS && column != LISTEN_COL_USER && column != LISTEN_COL_PROCESS)
		cell.cells = (int)cell.len;
	return cell;
}

int
output_text_listen(FILE *out, struct output_context *ctx)
{
	const struct snapshot *snap = ctx->snap;
	struct listen_row *rows;
	ssize_t n = listen_rows_build(snap, &rows), shown = 0;
	struct output_columns cols = {.n = 0};
	int widths[LISTEN_COL_COUNT];
	const struct listen_column_def *defs[LISTEN_COL_COUNT];
	struct listen_cells lc;
	char when[40];
	struct outbuf b;

	if (n < 0)
		return -1;
	if (ctx->columns != NULL && ctx->columns->n > 0) {
		cols = *ctx->columns;
	} else {
		/* With a namespace table a NETNS column comes first. */
		for (int c = snap->n_netns > 0 ? 0 : 1; c < LISTEN_COL_COUNT; c++)
			cols.ids[cols.n++] = c;
	}
	for (size_t c = 0; c < cols.n; c++) {
		defs[c] = listen_column((enum listen_column)cols.ids[c]);
		widths[c] = defs[c]->width > (int)strlen(defs[c]->title) ? defs[c]->width
									 : (int)strlen(defs[c]->title);
	}
	if (outbuf_open(&b, out) < 0) {
		free(rows);
		return -1;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (!output_selected(ctx, rows[i].sock))
			continue;
		shown++;
		listen_cells_of(snap, &rows[i], &cols, &lc);
		for (size_t c = 0; c < cols.n; c++) {
			struct listen_cell cell = listen_cell(&rows[i], &lc, cols.ids[c]);

			/* Fixed widths stay fixed: a longer value overflows. */
			if (defs[c]->width == 0 && cell.cells > widths[c])
				widths[c] = cell.cells;
		}
	}
	/* The last column is not padded when left-aligned. */
	if (cols.n > 0 && !defs[cols.n - 1]->right)
		widths[cols.n - 1] = 0;
	if (!ctx->no_header) {
		format_rfc3339(&snap->taken_wall, when, sizeof(when));
		outbuf_str(&b, "# ");
		outbuf_str(&b, when);
		outbuf_str(&b, ", ");
		outbuf_i64(&b, shown);
		outbuf_str(&b, " listening sockets");
		outbuf_end_line(&b);
		for (size_t c = 0; c < cols.n; c++) {
			size_t len = strlen(defs[c]->title);

			if (c > 0)
				outbuf_char(&b, ' ');
			put_cell(&b, defs[c]->title, len, (int)len, widths[c], defs[c]->right);
		}
		outbuf_end_line(&b);
	}
	for (ssize_t i = 0; i < n; i++) {
		if (!output_selected(ctx, rows[i].sock))
			continue;
		listen_cells_of(snap, &rows[i], &cols, &lc);
		for (size_t c = 0; c < cols.n; c++) {
			struct listen_cell cell = listen_cell(&rows[i], &lc, cols.ids[c]);

			if (c > 0)
				outbuf_char(&b, ' ');
			put_cell(&b, cell.text, cell.len, cell.cells, widths[c], defs[c]->right);
		}
		if (outbuf_end_line(&b) < 0)
			break;
	}
	free(rows);
	return outbuf_close(&b);
}

/* The columns of the conns view, in order; with a namespace table
 * NETNS comes first. */
static const enum conn_column shown_columns[] = {
    COL_PROTO,    COL_STATE,     COL_LOCAL,     COL_REMOTE, COL_PID,     COL_PROCESS,
    COL_USER,     COL_RECV_Q,    COL_SEND_Q,    COL_RTT,    COL_RETRANS, COL_SENT,
    COL_RECEIVED, COL_SEND_RATE, COL_RECV_RATE, COL_AGE,    COL_TIMER,
};
enum { N_COLUMNS = sizeof(shown_columns) / sizeof(shown_columns[0]), N_SHOWN_MAX = COL_COUNT };

/* The most a cell takes (SOCK_FORMAT_ADDR_MAX and a timer). */
enum { CELL_MAX = SOCK_FORMAT_ADDR_MAX + 32 };

/* The right-aligned (number) cells of every row, kept from the pass that
 * measures widths: short, and the costliest to format. */
struct number_cells {
	char *text;
	size_t used, cap;
	uint8_t *len;
};

static int
number_cells_add(struct number_cells *t, size_t k, const char *cell, size_t len)
{
	if (t->used + len > t->cap) {
		size_t cap = t->cap * 2 + CELL_MAX;
		char *grown = realloc(t->text, cap);

		if (grown == NULL)
			return -1;
		t->text = grown;
		t->cap = cap;
	}
	for (size_t i = 0; i < len; i++)
		t->text[t->used + i] = cell[i];
	t->used += len;
	t->len[k] = (uint8_t)len;
	return 0;
}

/*
 * The table as the dashboard shows it, in aligned columns sized to the
 * widest value.  Number cells are kept from the pass that measures the
 * widths; text cells are formatted again straight into the output, which
 * costs less than keeping 100,000 rows of them in fresh memory.
 */
int
output_text_conns(FILE *out, struct output_context *ctx)
{
	struct conn_context cc = {.snap = ctx->snap,
	                          .now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0};
	const struct conn_column_def *defs[N_SHOWN_MAX];
	int widths[N_SHOWN_MAX], pad_to[N_SHOWN_MAX], n_right = 0;
	int n_shown = 0;
	size_t line_max = 1;
	struct conn_row *rows;
	ssize_t n = output_conn_rows(ctx, &rows);
	char when[40], cell[CELL_MAX];
	struct number_cells nums = {0};
	struct outbuf b;
	const char *next;
	int rc = -1;

	if (n < 0)
		return -1;
	if (ctx->columns != NULL && ctx->columns->n > 0) {
		/* --columns: those, in that order. */
		for (size_t c = 0; c < ctx->columns->n && n_shown < N_SHOWN_MAX; c++)
			defs[n_shown++] = conn_column((enum conn_column)ctx->columns->ids[c]);
	} else {
		if (ctx->snap->n_netns > 0)
			defs[n_shown++] = conn_column(COL_NETNS);
		for (int c = 0; c < N_COLUMNS; c++)
			defs[n_shown++] = conn_column(shown_columns[c]);
	}
	for (int c = 0; c < n_shown; c++) {
		widths[c] = (int)strlen(defs[c]->title);
		n_right += defs[c]->right;
	}
	nums.cap = (size_t)n * 24 + CELL_MAX;
	nums.text = malloc(nums.cap);
	nums.len = malloc((size_t)n * (size_t)n_right + 1);
	if (nums.text == NULL || nums.len == NULL) {
		errno = ENOMEM;
		goto done;
	}
	for (ssize_t i = 0; i < n; i++) {
		size_t k = (size_t)i * (size_t)n_right;

		for (int c = 0; c < n_shown; c++) {
			size_t len = defs[c]->format(&rows[i], &cc, cell, sizeof(cell));
			int cells;

			if (defs[c]->right) {
				/* Numbers: ASCII, at most 255 bytes. */
				if (len > UINT8_MAX)
					len = UINT8_MAX;
				if (number_cells_add(&nums, k++, cell, len) < 0) {
					errno = ENOMEM;
					goto done;
				}
				cells = (int)len;
			} else {
				cells = cells_of(cell, len);
			}
			if (cells > widths[c])
				widths[c] = cells;
		}
	}
	for (int c = 0; c < n_shown; c++) {
		/* The last column is not padded. */
		pad_to[c] = c == n_shown - 1 && !defs[c]->right ? 0 : widths[c];
		/* A cell's bytes: its cells, or up to CELL_MAX for text. */
		line_max += 1 + (size_t)widths[c] + (defs[c]->right ? 0 : CELL_MAX);
	}
	if (outbuf_open(&b, out) < 0)
		goto done;
	if (!ctx->no_header) {
		format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
		outbuf_str(&b, "# ");
		outbuf_str(&b, when);
		outbuf_str(&b, ", ");
		outbuf_i64(&b, n);
		outbuf_str(&b, " sockets");
		outbuf_end_line(&b);
		for (int c = 0; c < n_shown; c++) {
			size_t len = strlen(defs[c]->title);

			if (c > 0)
				outbuf_char(&b, ' ');
			put_cell(&b, defs[c]->title, len, (int)len, pad_to[c], defs[c]->right);
		}
		outbuf_end_line(&b);
	}
	next = nums.text;
	for (ssize_t i = 0; i < n; i++) {
		const uint8_t *len = &nums.len[(size_t)i * (size_t)n_right];
		char *p;

		/* Room for the whole line, then plain stores. */
		if (!outbuf_reserve(&b, line_max))
			break;
		p = b.buf + b.len;
		for (int c = 0; c < n_shown; c++) {
			int pad;

			if (c > 0)
				*p++ = ' ';
			if (defs[c]->right) {
				pad = pad_to[c] - *len;
				if (pad > 0) {
					memset(p, ' ', (size_t)pad);
					p += pad;
				}
				/* A few bytes: a loop costs less than memcpy. */
				for (uint8_t k = 0; k < *len; k++)
					*p++ = next[k];
				next += *len++;
			} else {
				size_t text_len = defs[c]->format(&rows[i], &cc, p, CELL_MAX);

				pad = pad_to[c] - cells_of(p, text_len);
				p += text_len;
				if (pad > 0) {
					memset(p, ' ', (size_t)pad);
					p += pad;
				}
			}
		}
		b.len = (size_t)(p - b.buf);
		if (outbuf_end_line(&b) < 0)
			break;
	}
	rc = outbuf_close(&b);
done:
	free(nums.text);
	free(nums.len);
	free(rows);
	return rc;
}
