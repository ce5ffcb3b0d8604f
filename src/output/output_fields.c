/*
 * output_fields.c - the conns and listen views as lines of fields, in CSV
 * and JSON: one line per socket, "time" and then every field of the
 * view's field table, so that a field added there appears in both
 * formats.  The conns view's fields are those of the connection table
 * (conn_columns.h); the listen view's are below.  CSV writes a header line
 * once per run, nothing for an unknown value, strings sanitized and quoted
 * (sanitize_csv()); JSON one object per line, null for an unknown value.
 * With a namespace table (snap->n_netns > 0) both views end with a
 * "netns" field: the socket's namespace by its short name.
 * One writer per stream.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "listen.h"
#include "outbuf.h"
#include "output.h"
#include "output_columns.h"
#include "sock_format.h"

enum { MAX_FIELDS = 64, SEP_MAX = 40 };

/* The lines of one sample: n fields, and their values row by row. */
struct field_lines {
	const char *names[MAX_FIELDS];
	size_t n;
	size_t rows;
	/* Row i's values into v[0..n); returns the most bytes they take
	 * (outbuf_value_max()), or 0 to leave the row out. */
	size_t (*values)(const struct field_lines *lines, size_t i, struct outbuf_value *v);
	/* Builds the sample's rows (malloc'd); their count or -1. */
	ssize_t (*build)(const struct output_context *ctx, void **rows);
	/* What values() reads. */
	const struct output_context *ctx;
	struct conn_context cc;
	const struct conn_field_def *conn_fields[MAX_FIELDS];
	const void *row_data;
	char *netns_names; /* conn_netns_names() of the sample, or NULL */
	int listen_fields[MAX_FIELDS]; /* listen: which field each one is */
};

static int
write_lines(struct output_context *ctx, bool json, const struct field_lines *lines,
            struct outbuf *b)
{
	char sep[MAX_FIELDS][SEP_MAX]; /* before each value: "," or ", \"name\": " */
	size_t sep_len[MAX_FIELDS], seps = 0, start_len;
	char when[40], start[64];

	for (size_t f = 0; f < lines->n; f++) {
		int len = snprintf(sep[f], SEP_MAX, json ? ", \"%s\": " : ",", lines->names[f]);

		/* No field has so long a name. */
		sep_len[f] = len < 0 ? 0 : (size_t)len < SEP_MAX ? (size_t)len : SEP_MAX - 1;
		seps += sep_len[f];
	}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	start_len = (size_t)snprintf(start, sizeof(start), json ? "{\"time\": \"%s\"" : "%s", when);
	for (size_t i = 0; i < lines->rows; i++) {
		struct outbuf_value v[MAX_FIELDS];
		/* The values first, then room for the whole line at once. */
		size_t max = lines->values(lines, i, v);
		char *p;

		if (max == 0)
			continue;
		if (!outbuf_reserve(b, start_len + seps + 2 + max))
			break;
		p = b->buf + b->len;
		memcpy(p, start, start_len);
		p += start_len;
		if (json) {
			for (size_t f = 0; f < lines->n; f++) {
				memcpy(p, sep[f], sep_len[f]);
				p += sep_len[f];
				p += outbuf_value_json_at(p, &v[f]);
			}
		} else {
			for (size_t f = 0; f < lines->n; f++) {
				*p++ = ',';
				p += outbuf_value_csv_at(p, &v[f]);
			}
		}
		if (json)
			*p++ = '}';
		b->len = (size_t)(p - b->buf);
		if (outbuf_end_line(b) < 0)
			break;
	}
	return outbuf_close(b);
}

/* The CSV header, once per run: "time" and the names. */
static void
csv_header(struct outbuf *b, struct output_context *ctx, const struct field_lines *lines)
{
	if (ctx->header_written)
		return;
	ctx->header_written = true;
	outbuf_str(b, "time");
	for (size_t f = 0; f < lines->n; f++) {
		outbuf_char(b, ',');
		outbuf_str(b, lines->names[f]);
	}
	outbuf_end_line(b);
}

/* Every line of one sample of a view. */
static int
view_lines(FILE *out, struct output_context *ctx, bool json, struct field_lines *lines)
{
	struct outbuf b;
	void *rows;
	ssize_t n;
	int rc;

	if (outbuf_open(&b, out) < 0)
		return -1;
	if (!json)
		csv_header(&b, ctx, lines);
	n = lines->build(ctx, &rows);
	if (n < 0)
		return outbuf_abort(&b);
	lines->row_data = rows;
	lines->rows = (size_t)n;
	rc = write_lines(ctx, json, lines, &b);
	free(rows);
	return rc;
}

/* ---------------------------------------------------------------- conns */

static size_t
conn_values(const struct field_lines *lines, size_t i, struct outbuf_value *v)
{
	const struct conn_row *rows = lines->row_data;

	/* Every row is written; a row takes at least its separators. */
	return 1 + conn_fields_get(lines->conn_fields, lines->n, &rows[i], &lines->cc, v);
}

static ssize_t
conn_build(const struct output_context *ctx, void **rows)
{
	struct conn_row *built;
	ssize_t n = output_conn_rows(ctx, &built);

	*rows = n < 0 ? NULL : built;
	return n;
}

static int
conn_lines(FILE *out, struct output_context *ctx, bool json)
{
	struct field_lines lines = {.values = conn_values, .build = conn_build, .ctx = ctx};

	unsigned int format = json ? CONN_FIELD_JSON : CONN_FIELD_CSV;
	int rc;

	if (ctx->snap->n_netns > 0) {
		format |= CONN_FIELD_NETNS;
		lines.netns_names = conn_netns_names(ctx->snap);
		if (lines.netns_names == NULL)
			return -1;
	}
	if (ctx->columns != NULL && ctx->columns->n > 0) {
		const struct conn_field_def *all[MAX_FIELDS];
		size_t n_all = conn_fields_of(format | CONN_FIELD_NETNS, all, MAX_FIELDS);

		/* --columns: the fields of those columns, in that order. */
		for (size_t c = 0; c < ctx->columns->n; c++)
			for (size_t f = 0; f < n_all && lines.n < MAX_FIELDS; f++)
				if (all[f]->column == ctx->columns->ids[c])
					lines.conn_fields[lines.n++] = all[f];
	} else {
		lines.n = conn_fields_of(format, lines.conn_fields, MAX_FIELDS);
	}
	for (size_t f = 0; f < lines.n; f++)
		lines.names[f] = lines.conn_fields[f]->name;
	lines.cc.snap = ctx->snap;
	lines.cc.now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0;
	lines.cc.netns_names = lines.netns_names;
	rc = view_lines(out, ctx, json, &lines);
	free(lines.netns_names);
	return rc;
}

int
output_csv_conns(FILE *out, struct output_context *ctx)
{
	return conn_lines(out, ctx, false);
}

int
output_json_conns(FILE *out, struct output_context *ctx)
{
	return conn_lines(out, ctx, true);
}

/* --------------------------------------------------------------- listen */

/* The listen view's fields, in order; listen_values() fills them.  The
 * last, netns, only with a namespace table. */
static const char *const listen_fields[] = {
    "local_addr", "local_port",  "family",   "pid",   "process", "user",
    "accept_queue", "backlog", "established", "syn_recv", "netns",
};
enum { LISTEN_NETNS = 10 };

static size_t
listen_values(const struct field_lines *lines, size_t i, struct outbuf_value *v)
{
	const struct listen_row *row = (const struct listen_row *)lines->row_data + i;
	const struct sock_entry *e = row->sock;
	const struct owner_proc *owner = sock_format_owner(lines->ctx->snap, e);
	struct outbuf_value all[LISTEN_NETNS + 1];
	size_t max = 1;

	if (!output_selected(lines->ctx, e))
		return 0;
	all[0] = (struct outbuf_value){.kind = OUTBUF_IP,
	                               .family = e->family == AF_INET ? AF_INET : AF_INET6,
	                               .addr = e->local_addr};
	all[1] = (struct outbuf_value){.kind = OUTBUF_UINT, .u = e->local_port};
	all[2] = (struct outbuf_value){.kind = OUTBUF_NAME, .s = sock_format_family(e)};
	all[3] = all[4] = all[5] = (struct outbuf_value){.kind = OUTBUF_NULL};
	if (owner != NULL) {
		all[3] = (struct outbuf_value){.kind = OUTBUF_INT, .i = owner->pid};
		all[4] = (struct outbuf_value){.kind = OUTBUF_TEXT, .s = owner->comm};
		all[5] = (struct outbuf_value){.kind = OUTBUF_TEXT, .s = owner->user};
	}
	all[6] = (struct outbuf_value){.kind = OUTBUF_UINT, .u = e->recv_q};
	all[7] = (struct outbuf_value){.kind = OUTBUF_UINT, .u = e->send_q};
	all[8] = (struct outbuf_value){.kind = OUTBUF_UINT, .u = row->established};
	all[9] = (struct outbuf_value){.kind = OUTBUF_UINT, .u = row->syn_recv};
	all[LISTEN_NETNS] = (struct outbuf_value){.kind = OUTBUF_NULL};
	if (lines->netns_names != NULL) {
		const struct snapshot *snap = lines->ctx->snap;
		const struct snapshot_netns *ns = snapshot_find_netns(snap, e->netns);

		if (ns != NULL)
			all[LISTEN_NETNS] = (struct outbuf_value){
			    .kind = OUTBUF_TEXT,
			    .s = lines->netns_names + (size_t)(ns - snap->netns) * CONN_NETNS_NAME_MAX};
	}
	for (size_t f = 0; f < lines->n; f++) {
		v[f] = all[lines->listen_fields[f]];
		max += outbuf_value_max(&v[f]);
	}
	return max;
}

/* The listen fields each column shows, in order, ending with -1. */
static const int listen_column_fields[LISTEN_COL_COUNT][3] = {
	[LISTEN_COL_NETNS] = {LISTEN_NETNS, -1},
	[LISTEN_COL_LOCAL] = {0, 1, -1},
	[LISTEN_COL_FAM] = {2, -1},
	[LISTEN_COL_PID] = {3, -1},
	[LISTEN_COL_PROCESS] = {4, -1},
	[LISTEN_COL_USER] = {5, -1},
	[LISTEN_COL_ACCEPTQ] = {6, -1},
	[LISTEN_COL_BACKLOG] = {7, -1},
	[LISTEN_COL_ESTAB] = {8, -1},
	[LISTEN_COL_SYN_RECV] = {9, -1},
};

static ssize_t
listen_build(const struct output_context *ctx, void **rows)
{
	struct listen_row *built;
	ssize_t n = listen_rows_build(ctx->snap, &built);

	*rows = n < 0 ? NULL : built;
	return n;
}

static int
listen_lines(FILE *out, struct output_context *ctx, bool json)
{
	struct field_lines lines = {.values = listen_values, .build = listen_build, .ctx = ctx};
	int rc;

	if (ctx->columns != NULL && ctx->columns->n > 0) {
		/* --columns: the fields of those columns, in that order. */
		for (size_t c = 0; c < ctx->columns->n; c++)
			for (const int *f = listen_column_fields[ctx->columns->ids[c]]; *f >= 0; f++)
				lines.listen_fields[lines.n++] = *f;
	} else {
		for (lines.n = 0; lines.n < LISTEN_NETNS; lines.n++)
			lines.listen_fields[lines.n] = (int)lines.n;
		if (ctx->snap->n_netns > 0)
			lines.listen_fields[lines.n++] = LISTEN_NETNS;
	}
	if (ctx->snap->n_netns > 0) {
		lines.netns_names = conn_netns_names(ctx->snap);
		if (lines.netns_names == NULL)
			return -1;
	}
	for (size_t f = 0; f < lines.n; f++)
		lines.names[f] = listen_fields[lines.listen_fields[f]];
	rc = view_lines(out, ctx, json, &lines);
	free(lines.netns_names);
	return rc;
}

int
output_csv_listen(FILE *out, struct output_context *ctx)
{
	return listen_lines(out, ctx, false);
}

int
output_json_listen(FILE *out, struct output_context *ctx)
{
	return listen_lines(out, ctx, true);
}
