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

int
output_text_listen(FILE *out, struct output_context *ctx)
{
	const struct snapshot *snap = ctx->snap;
	struct listen_row *rows;
	ssize_t n = listen_rows_build(snap, &rows), shown = 0;
	int addr_width = (int)strlen("LOCAL"), user_width = (int)strlen("USER");
	/* With a namespace table a NETNS column comes first. */
	int netns_width = snap->n_netns > 0 ? (int)strlen("NETNS") : 0;
	struct netns_cell ns;
	char when[40];
	struct outbuf b;

	if (n < 0)
		return -1;
	if (outbuf_open(&b, out) < 0) {
		free(rows);
		return -1;
	}
	for (ssize_t i = 0; i < n; i++) {
		char addr[SOCK_FORMAT_ADDR_MAX];
		struct owner_cells o;

		if (!output_selected(ctx, rows[i].sock))
			continue;
		shown++;
		sock_format_endpoint(rows[i].sock, 0, addr, sizeof(addr));
		owner_cells(snap, rows[i].sock, &o);
		if ((int)strlen(addr) > addr_width)
			addr_width = (int)strlen(addr);
		if (o.user_cells > user_width)
			user_width = o.user_cells;
		if (netns_width > 0) {
			netns_cell(snap, rows[i].sock, &ns);
			if (ns.cells > netns_width)
				netns_width = ns.cells;
		}
	}
	format_rfc3339(&snap->taken_wall, when, sizeof(when));
	outbuf_str(&b, "# ");
	outbuf_str(&b, when);
	outbuf_str(&b, ", ");
	outbuf_i64(&b, shown);
	outbuf_str(&b, " listening sockets");
	outbuf_end_line(&b);
	if (netns_width > 0) {
		put_cell(&b, "NETNS", 5, 5, netns_width, false);
		outbuf_char(&b, ' ');
	}
	put_cell(&b, "LOCAL", 5, 5, addr_width, false);
	outbuf_str(&b, " FAM        PID ");
	put_cell(&b, "USER", 4, 4, user_width, false);
	outbuf_str(&b, " PROCESS          ACCEPTQ  BACKLOG    ESTAB SYN_RECV");
	outbuf_end_line(&b);
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		const uint32_t numbers[] = {e->recv_q, e->send_q, rows[i].established,
		                            rows[i].syn_recv};
		char addr[SOCK_FORMAT_ADDR_MAX], number[FORMAT_U64_MAX];
		struct owner_cells o;
		size_t len;

		if (!output_selected(ctx, e))
			continue;
		sock_format_endpoint(e, 0, addr, sizeof(addr));
		owner_cells(snap, e, &o);
		if (netns_width > 0) {
			netns_cell(snap, e, &ns);
			put_cell(&b, ns.text, strlen(ns.text), ns.cells, netns_width, false);
			outbuf_char(&b, ' ');
		}
		len = strlen(addr);
		put_cell(&b, addr, len, (int)len, addr_width, false);
		outbuf_str(&b, e->family == AF_INET ? " 4    " : " 6    ");
		len = strlen(o.pid);
		put_cell(&b, o.pid, len, (int)len, 9, true);
		outbuf_char(&b, ' ');
		put_cell(&b, o.user, strlen(o.user), o.user_cells, user_width, false);
		outbuf_char(&b, ' ');
		put_cell(&b, o.process, strlen(o.process), o.process_cells, 15, false);
		for (size_t k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++) {
			len = format_u64(numbers[k], number);
			outbuf_char(&b, ' ');
			put_cell(&b, number, len, (int)len, 8, true);
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
enum { N_COLUMNS = sizeof(shown_columns) / sizeof(shown_columns[0]), N_SHOWN_MAX = N_COLUMNS + 1 };

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
	if (ctx->snap->n_netns > 0)
		defs[n_shown++] = conn_column(COL_NETNS);
	for (int c = 0; c < N_COLUMNS; c++)
		defs[n_shown++] = conn_column(shown_columns[c]);
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
