/*
 * output_csv.c - batch output as CSV: a header line once per run, then one
 * line per sample (states) or per socket (listen, conns).  Every string
 * from outside goes through outbuf_csv(): sanitized, and quoted when it
 * holds a comma or a quote (RFC 4180).
 * One writer per stream.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "listen.h"
#include "outbuf.h"
#include "output.h"
#include "sock_format.h"

int
output_csv_states(FILE *out, struct output_context *ctx)
{
	uint32_t counts[TCP_STATE_COUNT], total;
	char when[40];

	if (!ctx->header_written) {
		ctx->header_written = true;
		fputs("time,interval,total", out);
		for (int i = 0; i < TCP_STATE_COUNT; i++)
			fprintf(out, ",%s", tcp_state_name(i));
		if (output_end_line(out) < 0)
			return -1;
	}
	output_count_states(ctx, counts, &total);
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "%s,%g,%u", when, ctx->interval_s, total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, ",%u", counts[i]);
	return output_end_line(out);
}

/* The header once per run: "time," and the names of fields. */
static void
header(struct outbuf *b, struct output_context *ctx, const char *const *names, size_t n)
{
	if (ctx->header_written)
		return;
	ctx->header_written = true;
	outbuf_str(b, "time");
	for (size_t i = 0; i < n; i++) {
		outbuf_char(b, ',');
		outbuf_str(b, names[i]);
	}
	outbuf_end_line(b);
}

/* Owner fields: pid,process,user, empty when unknown. */
static void
csv_owner(struct outbuf *b, const struct snapshot *snap, const struct sock_entry *e)
{
	const struct owner_proc *owner = sock_format_owner(snap, e);

	if (owner == NULL) {
		outbuf_str(b, ",,,");
		return;
	}
	outbuf_char(b, ',');
	outbuf_i64(b, owner->pid);
	outbuf_char(b, ',');
	outbuf_csv(b, owner->comm);
	outbuf_char(b, ',');
	outbuf_csv(b, owner->user);
}

int
output_csv_listen(FILE *out, struct output_context *ctx)
{
	static const char *const names[] = {
		"local_addr", "local_port", "family", "pid", "process", "user",
		"accept_queue", "backlog", "established", "syn_recv",
	};
	struct listen_row *rows;
	ssize_t n;
	char when[40];
	struct outbuf b;

	if (outbuf_open(&b, out) < 0)
		return -1;
	header(&b, ctx, names, sizeof(names) / sizeof(names[0]));
	n = listen_rows_build(ctx->snap, &rows);
	if (n < 0) {
		int err = errno;

		outbuf_close(&b);
		errno = err;
		return -1;
	}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		struct outbuf_value addr = {.kind = OUTBUF_IP,
					    .family = e->family == AF_INET ? AF_INET : AF_INET6,
					    .addr = e->local_addr};

		if (!output_selected(ctx, e))
			continue;
		outbuf_str(&b, when);
		outbuf_char(&b, ',');
		outbuf_value_csv(&b, &addr);
		outbuf_char(&b, ',');
		outbuf_u64(&b, e->local_port);
		outbuf_char(&b, ',');
		outbuf_str(&b, sock_format_family(e));
		csv_owner(&b, ctx->snap, e);
		outbuf_char(&b, ',');
		outbuf_u64(&b, e->recv_q);
		outbuf_char(&b, ',');
		outbuf_u64(&b, e->send_q);
		outbuf_char(&b, ',');
		outbuf_u64(&b, rows[i].established);
		outbuf_char(&b, ',');
		outbuf_u64(&b, rows[i].syn_recv);
		if (outbuf_end_line(&b) < 0)
			break;
	}
	free(rows);
	return outbuf_close(&b);
}

/* One line per socket: "time" and every field of the conns view that CSV
 * writes (conn_columns.h). */
int
output_csv_conns(FILE *out, struct output_context *ctx)
{
	const struct conn_field_def *fields[64];
	const char *names[64];
	size_t n_fields = 0;
	struct conn_context cc = {.snap = ctx->snap,
				  .now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0};
	struct conn_row *rows;
	ssize_t n;
	char when[40];
	size_t when_len;
	struct outbuf b;

	for (size_t i = 0; i < conn_field_count() && n_fields < 64; i++)
		if (conn_field(i)->formats & CONN_FIELD_CSV) {
			fields[n_fields] = conn_field(i);
			names[n_fields++] = conn_field(i)->name;
		}
	if (outbuf_open(&b, out) < 0)
		return -1;
	header(&b, ctx, names, n_fields);
	n = output_conn_rows(ctx, &rows);
	if (n < 0) {
		int err = errno;

		outbuf_close(&b);
		errno = err;
		return -1;
	}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	when_len = strlen(when);
	for (ssize_t i = 0; i < n; i++) {
		struct outbuf_value v[64];
		size_t need = when_len + 1;
		char *p;

		/* The values first, then room for the whole line at once. */
		for (size_t f = 0; f < n_fields; f++) {
			v[f].kind = OUTBUF_NULL;
			fields[f]->get(&rows[i], &cc, &v[f]);
			need += 1 + outbuf_value_max(&v[f]);
		}
		if (!outbuf_reserve(&b, need))
			break;
		p = b.buf + b.len;
		memcpy(p, when, when_len);
		p += when_len;
		for (size_t f = 0; f < n_fields; f++) {
			*p++ = ',';
			p += outbuf_value_csv_at(p, &v[f]);
		}
		b.len = (size_t)(p - b.buf);
		if (outbuf_end_line(&b) < 0)
			break;
	}
	free(rows);
	return outbuf_close(&b);
}
