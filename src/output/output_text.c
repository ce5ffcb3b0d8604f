/*
 * output_text.c - batch output as plain text: key=value lines for the
 * state counts, aligned columns for tables.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "listen.h"
#include "output.h"
#include "sock_format.h"

static int
text_states(FILE *out, struct output_context *ctx)
{
	uint32_t counts[TCP_STATE_COUNT], total;
	char when[40];

	output_count_states(ctx, counts, &total);
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "%s total=%u", when, total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, " %s=%u", tcp_state_name(i), counts[i]);
	return output_end_line(out);
}

/* Owner columns as text: pid and names, or why there are none. */
static void
owner_text(const struct snapshot *snap, const struct sock_entry *e, char *pid, size_t pid_size,
	   const char **user, const char **process)
{
	const struct owner_proc *owner = sock_format_owner(snap, e);

	if (owner != NULL) {
		if (e->n_owners > 1)
			snprintf(pid, pid_size, "%d+%u", owner->pid, e->n_owners - 1u);
		else
			snprintf(pid, pid_size, "%d", owner->pid);
		*user = owner->user;
		*process = owner->comm;
		return;
	}
	snprintf(pid, pid_size, "-");
	*user = "-";
	*process = e->owner_status == OWNER_HIDDEN ? "(hidden)" : "-";
}

static int
text_listen(FILE *out, struct output_context *ctx)
{
	const struct snapshot *snap = ctx->snap;
	struct listen_row *rows;
	ssize_t n = listen_rows_build(snap, &rows), shown = 0;
	int addr_width = (int)strlen("LOCAL"), user_width = (int)strlen("USER");
	char when[40];

	if (n < 0)
		return -1;
	for (ssize_t i = 0; i < n; i++) {
		char addr[SOCK_FORMAT_ADDR_MAX], pid[24];
		const char *user, *process;

		if (!output_selected(ctx, rows[i].sock))
			continue;
		shown++;
		sock_format_endpoint(rows[i].sock, 0, addr, sizeof(addr));
		owner_text(snap, rows[i].sock, pid, sizeof(pid), &user, &process);
		if ((int)strlen(addr) > addr_width)
			addr_width = (int)strlen(addr);
		if ((int)strlen(user) > user_width)
			user_width = (int)strlen(user);
	}
	format_rfc3339(&snap->taken_wall, when, sizeof(when));
	fprintf(out, "# %s, %zd listening sockets", when, shown);
	output_end_line(out);
	fprintf(out, "%-*s %-4s %9s %-*s %-15s %8s %8s %8s %8s", addr_width, "LOCAL", "FAM", "PID",
		user_width, "USER", "PROCESS", "ACCEPTQ", "BACKLOG", "ESTAB", "SYN_RECV");
	if (output_end_line(out) < 0)
		goto fail;
	for (ssize_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;
		char addr[SOCK_FORMAT_ADDR_MAX], pid[24];
		const char *user, *process;

		if (!output_selected(ctx, e))
			continue;
		sock_format_endpoint(e, 0, addr, sizeof(addr));
		owner_text(snap, e, pid, sizeof(pid), &user, &process);
		fprintf(out, "%-*s %-4s %9s %-*s %-15s %8u %8u %8u %8u", addr_width, addr,
			e->family == AF_INET ? "4" : "6", pid, user_width, user, process, e->recv_q,
			e->send_q, rows[i].established, rows[i].syn_recv);
		if (output_end_line(out) < 0)
			goto fail;
	}
	free(rows);
	return 0;
fail:
	free(rows);
	return -1;
}

/* The table as the dashboard shows it, in aligned columns sized to the
 * widest value. */
static int
text_conns(FILE *out, struct output_context *ctx)
{
	static const enum conn_column shown_columns[] = {
		COL_PROTO, COL_STATE, COL_LOCAL, COL_REMOTE, COL_PID, COL_PROCESS, COL_USER,
		COL_RECV_Q, COL_SEND_Q, COL_RTT, COL_RETRANS, COL_SENT, COL_RECEIVED,
		COL_SEND_RATE, COL_RECV_RATE, COL_AGE, COL_TIMER,
	};
	enum { N = sizeof(shown_columns) / sizeof(shown_columns[0]) };
	struct conn_context cc = {.snap = ctx->snap, .now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0};
	int widths[N];
	struct conn_row *rows;
	ssize_t n = output_conn_rows(ctx, &rows);
	char when[40], cell[SOCK_FORMAT_ADDR_MAX + 32];

	if (n < 0)
		return -1;
	for (int c = 0; c < N; c++)
		widths[c] = (int)strlen(conn_column(shown_columns[c])->title);
	for (ssize_t i = 0; i < n; i++)
		for (int c = 0; c < N; c++) {
			conn_column(shown_columns[c])->format(&rows[i], &cc, cell, sizeof(cell));
			if ((int)strlen(cell) > widths[c])
				widths[c] = (int)strlen(cell);
		}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "# %s, %zd sockets", when, n);
	output_end_line(out);
	for (int c = 0; c < N; c++) {
		const struct conn_column_def *def = conn_column(shown_columns[c]);

		fprintf(out, "%s%*s", c > 0 ? " " : "",
			def->right ? widths[c] : (c == N - 1 ? 0 : -widths[c]), def->title);
	}
	if (output_end_line(out) < 0)
		goto fail;
	for (ssize_t i = 0; i < n; i++) {
		for (int c = 0; c < N; c++) {
			const struct conn_column_def *def = conn_column(shown_columns[c]);

			def->format(&rows[i], &cc, cell, sizeof(cell));
			fprintf(out, "%s%*s", c > 0 ? " " : "",
				def->right ? widths[c] : (c == N - 1 ? 0 : -widths[c]), cell);
		}
		if (output_end_line(out) < 0)
			goto fail;
	}
	free(rows);
	return 0;
fail:
	free(rows);
	return -1;
}

const struct output_format output_text = {
	.name = "text",
	.states = text_states,
	.listen = text_listen,
	.conns = text_conns,
	.counters = output_text_counters,
	.peers = output_text_peers,
	.diagnoses = output_text_diagnoses,
};
