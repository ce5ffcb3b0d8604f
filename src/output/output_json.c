/*
 * output_json.c - batch output as JSON lines: one object per line.
 * Strings go through sanitize_json() (outbuf_json()): control bytes are
 * escaped, bytes that are not UTF-8 written as the text "\xHH".
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
output_json_states(FILE *out, struct output_context *ctx)
{
	uint32_t counts[TCP_STATE_COUNT], total;
	char when[40];

	output_count_states(ctx, counts, &total);
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"interval\": %g, \"total\": %u, \"states\": {", when,
		ctx->interval_s, total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, "%s\"%s\": %u", i > 0 ? ", " : "", tcp_state_name(i), counts[i]);
	fputs("}}", out);
	return output_end_line(out);
}

/* ", \"key\": " and the value. */
static void
json_field(struct outbuf *b, const char *key, const struct outbuf_value *v)
{
	outbuf_mem(b, ", \"", 3);
	outbuf_str(b, key);
	outbuf_mem(b, "\": ", 3);
	outbuf_value_json(b, v);
}

static void
json_uint(struct outbuf *b, const char *key, uint64_t u)
{
	struct outbuf_value v = {.kind = OUTBUF_UINT, .u = u};

	json_field(b, key, &v);
}

/* "{\"time\": \"...\"": what ties the lines of one sample together. */
static void
json_start(struct outbuf *b, const char *when)
{
	outbuf_str(b, "{\"time\": \"");
	outbuf_str(b, when);
	outbuf_char(b, '"');
}

int
output_json_listen(FILE *out, struct output_context *ctx)
{
	struct listen_row *rows;
	ssize_t n = listen_rows_build(ctx->snap, &rows);
	char when[40];
	struct outbuf b;

	if (n < 0)
		return -1;
	if (outbuf_open(&b, out) < 0) {
		free(rows);
		return -1;
	}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		const struct owner_proc *owner = sock_format_owner(ctx->snap, e);
		struct outbuf_value addr = {.kind = OUTBUF_IP,
					    .family = e->family == AF_INET ? AF_INET : AF_INET6,
					    .addr = e->local_addr};
		struct outbuf_value family = {.kind = OUTBUF_NAME, .s = sock_format_family(e)};
		struct outbuf_value pid = {.kind = OUTBUF_NULL}, process = pid, user = pid;

		if (!output_selected(ctx, e))
			continue;
		if (owner != NULL) {
			pid = (struct outbuf_value){.kind = OUTBUF_INT, .i = owner->pid};
			process = (struct outbuf_value){.kind = OUTBUF_TEXT, .s = owner->comm};
			user = (struct outbuf_value){.kind = OUTBUF_TEXT, .s = owner->user};
		}
		json_start(&b, when);
		json_field(&b, "local_addr", &addr);
		json_uint(&b, "local_port", e->local_port);
		json_field(&b, "family", &family);
		json_field(&b, "pid", &pid);
		json_field(&b, "process", &process);
		json_field(&b, "user", &user);
		json_uint(&b, "accept_queue", e->recv_q);
		json_uint(&b, "backlog", e->send_q);
		json_uint(&b, "established", rows[i].established);
		json_uint(&b, "syn_recv", rows[i].syn_recv);
		outbuf_char(&b, '}');
		if (outbuf_end_line(&b) < 0)
			break;
	}
	free(rows);
	return outbuf_close(&b);
}

/* One object per socket: "time" and every field of the conns view that
 * JSON writes (conn_columns.h). */
int
output_json_conns(FILE *out, struct output_context *ctx)
{
	const struct conn_field_def *fields[64];
	char keys[64][40];   /* ", \"name\": " of each field */
	size_t key_len[64], n_fields = 0;
	struct conn_context cc = {.snap = ctx->snap,
				  .now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0};
	struct conn_row *rows;
	ssize_t n = output_conn_rows(ctx, &rows);
	char when[40];
	size_t when_len;
	struct outbuf b;

	if (n < 0)
		return -1;
	if (outbuf_open(&b, out) < 0) {
		free(rows);
		return -1;
	}
	for (size_t i = 0; i < conn_field_count() && n_fields < 64; i++) {
		int len;

		if (!(conn_field(i)->formats & CONN_FIELD_JSON))
			continue;
		len = snprintf(keys[n_fields], sizeof(keys[0]), ", \"%s\": ", conn_field(i)->name);
		if (len < 0 || (size_t)len >= sizeof(keys[0]))
			continue; /* no field has so long a name */
		key_len[n_fields] = (size_t)len;
		fields[n_fields++] = conn_field(i);
	}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	when_len = strlen(when);
	for (ssize_t i = 0; i < n; i++) {
		struct outbuf_value v[64];
		size_t need = when_len + 16;
		char *p;

		/* The values first, then room for the whole line at once. */
		for (size_t f = 0; f < n_fields; f++) {
			v[f].kind = OUTBUF_NULL;
			fields[f]->get(&rows[i], &cc, &v[f]);
			need += key_len[f] + outbuf_value_max(&v[f]);
		}
		if (!outbuf_reserve(&b, need))
			break;
		p = b.buf + b.len;
		memcpy(p, "{\"time\": \"", 10);
		memcpy(p + 10, when, when_len);
		p += 10 + when_len;
		*p++ = '"';
		for (size_t f = 0; f < n_fields; f++) {
			memcpy(p, keys[f], key_len[f]);
			p += key_len[f];
			p += outbuf_value_json_at(p, &v[f]);
		}
		*p++ = '}';
		b.len = (size_t)(p - b.buf);
		if (outbuf_end_line(&b) < 0)
			break;
	}
	free(rows);
	return outbuf_close(&b);
}
