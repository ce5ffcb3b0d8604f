/*
 * output_json.c - batch output as JSON lines: one object per line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "format.h"
#include "listen.h"
#include "output.h"
#include "sock_format.h"

static int
json_states(FILE *out, struct output_context *ctx)
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

/* A string field, or null. */
static void
json_string_or_null(FILE *out, const char *key, const char *value)
{
	fprintf(out, ", \"%s\": ", key);
	if (value == NULL)
		fputs("null", out);
	else
		sock_format_json_string(out, value);
}

static void
json_owner(FILE *out, const struct snapshot *snap, const struct sock_entry *e)
{
	const struct owner_proc *owner = sock_format_owner(snap, e);

	if (owner != NULL)
		fprintf(out, ", \"pid\": %d", owner->pid);
	else
		fputs(", \"pid\": null", out);
	json_string_or_null(out, "process", owner != NULL ? owner->comm : NULL);
	json_string_or_null(out, "user", owner != NULL ? owner->user : NULL);
}

static int
json_listen(FILE *out, struct output_context *ctx)
{
	struct listen_row *rows;
	ssize_t n = listen_rows_build(ctx->snap, &rows);
	char when[40];

	if (n < 0)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		char addr[SOCK_FORMAT_ADDR_MAX];

		if (!output_selected(ctx, e))
			continue;
		sock_format_addr(e, 0, addr, sizeof(addr));
		/* "time" ties the lines of one sample together. */
		fprintf(out, "{\"time\": \"%s\", \"local_addr\": \"%s\", \"local_port\": %u, "
			     "\"family\": \"%s\"",
			when, addr, e->local_port, sock_format_family(e));
		json_owner(out, ctx->snap, e);
		fprintf(out,
			", \"accept_queue\": %u, \"backlog\": %u, \"established\": %u, "
			"\"syn_recv\": %u}",
			e->recv_q, e->send_q, rows[i].established, rows[i].syn_recv);
		if (output_end_line(out) < 0) {
			free(rows);
			return -1;
		}
	}
	free(rows);
	return 0;
}

static int
json_conns(FILE *out, struct output_context *ctx)
{
	struct conn_row *rows;
	ssize_t n = output_conn_rows(ctx, &rows);
	char when[40];
	double now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0;

	if (n < 0)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].entry;
		const struct conn_info *info = rows[i].info;
		char local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX];

		sock_format_addr(e, 0, local, sizeof(local));
		sock_format_addr(e, 1, remote, sizeof(remote));
		fprintf(out,
			"{\"time\": \"%s\", \"state\": \"%s\", \"family\": \"%s\", "
			"\"local_addr\": \"%s\", \"local_port\": %u, \"remote_addr\": \"%s\", "
			"\"remote_port\": %u",
			when, tcp_state_name(e->state), sock_format_family(e), local, e->local_port,
			remote, e->remote_port);
		json_owner(out, ctx->snap, e);
		fprintf(out, ", \"recv_q\": %u, \"send_q\": %u", e->recv_q, e->send_q);
		if (e->inode != 0)
			fprintf(out, ", \"inode\": %u", e->inode);
		else
			fputs(", \"inode\": null", out);
		fprintf(out, ", \"cookie\": %llu", (unsigned long long)e->cookie);
		if (e->flags & SOCK_ENTRY_HAS_INFO)
			fprintf(out,
				", \"rtt_us\": %u, \"rttvar_us\": %u, \"cwnd\": %u, \"retrans\": %u, "
				"\"bytes_sent\": %llu, \"bytes_received\": %llu",
				e->rtt_us, e->rttvar_us, e->snd_cwnd, e->total_retrans,
				(unsigned long long)e->bytes_acked,
				(unsigned long long)e->bytes_received);
		else
			fputs(", \"rtt_us\": null, \"rttvar_us\": null, \"cwnd\": null, "
			      "\"retrans\": null, \"bytes_sent\": null, \"bytes_received\": null",
			      out);
		if (info != NULL)
			fprintf(out, ", \"age_s\": %.3f", now - info->first_seen);
		else
			fputs(", \"age_s\": null", out);
		if (info != NULL && info->send_rate >= 0)
			fprintf(out, ", \"send_rate\": %.0f, \"recv_rate\": %.0f", info->send_rate,
				info->recv_rate);
		else
			fputs(", \"send_rate\": null, \"recv_rate\": null", out);
		fputs("}", out);
		if (output_end_line(out) < 0) {
			free(rows);
			return -1;
		}
	}
	free(rows);
	return 0;
}

const struct output_format output_json = {
	.name = "json",
	.states = json_states,
	.listen = json_listen,
	.conns = json_conns,
	.counters = output_json_counters,
	.peers = output_json_peers,
	.diagnoses = output_json_diagnoses,
};
