/*
 * output_csv.c - batch output as CSV: a header line once per run, then one
 * line per sample (states) or per socket (listen, conns).  Fields that
 * can hold commas or quotes are quoted.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "listen.h"
#include "output.h"
#include "sock_format.h"

static void
csv_string(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int
header(FILE *out, struct output_context *ctx, const char *line)
{
	if (ctx->header_written)
		return 0;
	ctx->header_written = true;
	fputs(line, out);
	return output_end_line(out);
}

static int
csv_states(FILE *out, struct output_context *ctx)
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

/* Owner fields: pid,process,user, empty when unknown. */
static void
csv_owner(FILE *out, const struct snapshot *snap, const struct sock_entry *e)
{
	const struct owner_proc *owner = sock_format_owner(snap, e);

	if (owner == NULL) {
		fputs(",,,", out);
		return;
	}
	fprintf(out, ",%d,", owner->pid);
	csv_string(out, owner->comm);
	fputc(',', out);
	csv_string(out, owner->user);
}

static int
csv_listen(FILE *out, struct output_context *ctx)
{
	struct listen_row *rows;
	ssize_t n;
	char when[40];

	if (header(out, ctx,
		   "time,local_addr,local_port,family,pid,process,user,accept_queue,backlog,"
		   "established,syn_recv") < 0)
		return -1;
	n = listen_rows_build(ctx->snap, &rows);
	if (n < 0)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		char addr[SOCK_FORMAT_ADDR_MAX];

		if (!output_selected(ctx, e))
			continue;
		sock_format_addr(e, 0, addr, sizeof(addr));
		fprintf(out, "%s,%s,%u,%s", when, addr, e->local_port, sock_format_family(e));
		csv_owner(out, ctx->snap, e);
		fprintf(out, ",%u,%u,%u,%u", e->recv_q, e->send_q, rows[i].established,
			rows[i].syn_recv);
		if (output_end_line(out) < 0) {
			free(rows);
			return -1;
		}
	}
	free(rows);
	return 0;
}

static int
csv_conns(FILE *out, struct output_context *ctx)
{
	struct conn_row *rows;
	ssize_t n;
	char when[40];
	double now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0;

	if (header(out, ctx,
		   "time,state,family,local_addr,local_port,remote_addr,remote_port,pid,process,"
		   "user,recv_q,send_q,inode,cookie,rtt_us,retrans,bytes_sent,bytes_received,"
		   "age_s,send_rate,recv_rate") < 0)
		return -1;
	n = output_conn_rows(ctx, &rows);
	if (n < 0)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].entry;
		const struct conn_info *info = rows[i].info;
		char local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX];

		sock_format_addr(e, 0, local, sizeof(local));
		sock_format_addr(e, 1, remote, sizeof(remote));
		fprintf(out, "%s,%s,%s,%s,%u,%s,%u", when, tcp_state_name(e->state),
			sock_format_family(e), local, e->local_port, remote, e->remote_port);
		csv_owner(out, ctx->snap, e);
		fprintf(out, ",%u,%u,", e->recv_q, e->send_q);
		if (e->inode != 0)
			fprintf(out, "%u", e->inode);
		fprintf(out, ",%llu,", (unsigned long long)e->cookie);
		if (e->flags & SOCK_ENTRY_HAS_INFO)
			fprintf(out, "%u,%u,%llu,%llu", e->rtt_us, e->total_retrans,
				(unsigned long long)e->bytes_acked,
				(unsigned long long)e->bytes_received);
		else
			fputs(",,,", out);
		if (info != NULL)
			fprintf(out, ",%.3f", now - info->first_seen);
		else
			fputc(',', out);
		if (info != NULL && info->send_rate >= 0)
			fprintf(out, ",%.0f,%.0f", info->send_rate, info->recv_rate);
		else
			fputs(",,", out);
		if (output_end_line(out) < 0) {
			free(rows);
			return -1;
		}
	}
	free(rows);
	return 0;
}

const struct output_format output_csv = {
	.name = "csv",
	.states = csv_states,
	.listen = csv_listen,
	.conns = csv_conns,
	.counters = output_csv_counters,
	.peers = output_csv_peers,
	.diagnoses = output_csv_diagnoses,
};
