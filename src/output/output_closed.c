/*
 * output_closed.c - the closed view of batch output: one line per
 * connection the kernel announced closed, as it comes (each sample brings
 * the closes of its interval), in text, JSON and CSV; and the closes,
 * opens, short-lived connections and lost events of an interval that the
 * states view adds to its JSON.
 * Only reads snapshots and the closed-connection model; one writer per
 * stream.  Process names and namespace names come from other people:
 * sanitized for text and CSV, escaped in JSON.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "closed.h"
#include "format.h"
#include "netns_info.h"
#include "output.h"
#include "sock_format.h"

/* The filter sees a closed connection in the state a sample last saw it
 * in, or CLOSE when none did. */
static bool
closed_selected(const struct output_context *ctx, const struct closed_conn *c)
{
	struct sock_entry e = c->ev.entry;

	e.state = c->seen ? c->last_state : TCP_STATE_CLOSE;
	return output_selected(ctx, &e);
}

static void
close_time(const struct closed_conn *c, char *when, size_t size)
{
	struct timespec t = {.tv_sec = (time_t)(c->ev.time_ns / 1000000000ull),
			     .tv_nsec = (long)(c->ev.time_ns % 1000000000ull)};

	format_rfc3339(&t, when, size);
}

/* The namespace's short name, when the sample watches several. */
static bool
netns_name(const struct output_context *ctx, const struct closed_conn *c, char *buf, size_t size)
{
	const struct snapshot_netns *ns;

	if (ctx->snap->n_netns < 2)
		return false;
	ns = snapshot_find_netns(ctx->snap, c->ev.entry.netns);
	if (ns != NULL)
		netns_info_short(&ns->info, buf, size);
	else
		snprintf(buf, size, "netns:[%" PRIu32 "]", c->ev.entry.netns);
	return true;
}

static const struct closed_conn *
fresh_of(const struct output_context *ctx, size_t *n)
{
	if (ctx->closed == NULL) {
		*n = 0;
		return NULL;
	}
	return closed_model_fresh(ctx->closed, n);
}

int
output_text_closed(FILE *out, struct output_context *ctx)
{
	size_t n;
	const struct closed_conn *c = fresh_of(ctx, &n);
	char when[40], local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX], ns[128];

	for (size_t i = 0; i < n; i++, c++) {
		if (!closed_selected(ctx, c))
			continue;
		close_time(c, when, sizeof(when));
		sock_format_endpoint(&c->ev.entry, 0, local, sizeof(local));
		sock_format_endpoint(&c->ev.entry, 1, remote, sizeof(remote));
		fprintf(out, "%s ", when);
		if (netns_name(ctx, c, ns, sizeof(ns))) {
			output_text_string(out, ns);
			fputc(' ', out);
		}
		fprintf(out, "%s %s", local, remote);
		if (c->pid != 0) {
			fprintf(out, " pid=%d process=", (int)c->pid);
			output_text_string(out, c->process);
		} else {
			fputs(" pid=- process=-", out);
		}
		if (c->seen)
			fprintf(out, " lifetime=%.3fs last=%s", c->lifetime_s,
				tcp_state_name(c->last_state));
		else
			fputs(" lifetime=<interval last=-", out);
		fprintf(out, " acked=%" PRIu64 " received=%" PRIu64 " rtt_us=%u retrans=%u",
			c->ev.entry.bytes_acked, c->ev.entry.bytes_received, c->ev.entry.rtt_us,
			c->ev.entry.total_retrans);
		if (output_end_line(out) < 0)
			return -1;
	}
	if (ctx->snap->closes_lost > 0) {
		format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
		fprintf(out, "%s events lost: %" PRIu64, when, ctx->snap->closes_lost);
		return output_end_line(out);
	}
	return 0;
}

int
output_json_closed(FILE *out, struct output_context *ctx)
{
	size_t n;
	const struct closed_conn *c = fresh_of(ctx, &n);
	char when[40], local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX], ns[128];

	for (size_t i = 0; i < n; i++, c++) {
		const struct sock_entry *e = &c->ev.entry;

		if (!closed_selected(ctx, c))
			continue;
		close_time(c, when, sizeof(when));
		sock_format_addr(e, 0, local, sizeof(local));
		sock_format_addr(e, 1, remote, sizeof(remote));
		fprintf(out, "{\"time\": \"%s\", ", when);
		if (netns_name(ctx, c, ns, sizeof(ns))) {
			fputs("\"netns\": ", out);
			sock_format_json_string(out, ns);
			fputs(", ", out);
		}
		fprintf(out,
			"\"family\": \"%s\", \"local_addr\": \"%s\", \"local_port\": %u, "
			"\"remote_addr\": \"%s\", \"remote_port\": %u, \"cookie\": %" PRIu64
			", \"seen\": %s, \"last_state\": ",
			sock_format_family(e), local, e->local_port, remote, e->remote_port,
			e->cookie, c->seen ? "true" : "false");
		if (c->seen)
			fprintf(out, "\"%s\", \"lifetime_s\": %.6f", tcp_state_name(c->last_state),
				c->lifetime_s);
		else
			fputs("null, \"lifetime_s\": null", out);
		fprintf(out,
			", \"bytes_acked\": %" PRIu64 ", \"bytes_received\": %" PRIu64
			", \"rtt_us\": %u, \"retrans\": %u, \"pid\": ",
			e->bytes_acked, e->bytes_received, e->rtt_us, e->total_retrans);
		if (c->pid != 0) {
			fprintf(out, "%d, \"process\": ", (int)c->pid);
			sock_format_json_string(out, c->process);
		} else {
			fputs("null, \"process\": null", out);
		}
		fputc('}', out);
		if (output_end_line(out) < 0)
			return -1;
	}
	if (ctx->snap->closes_lost > 0) {
		format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
		fprintf(out, "{\"time\": \"%s\", \"events_lost\": %" PRIu64 "}", when,
			ctx->snap->closes_lost);
		return output_end_line(out);
	}
	return 0;
}

int
output_csv_closed(FILE *out, struct output_context *ctx)
{
	size_t n;
	const struct closed_conn *c = fresh_of(ctx, &n);
	char when[40], local[SOCK_FORMAT_ADDR_MAX], remote[SOCK_FORMAT_ADDR_MAX], ns[128];
	bool with_netns = ctx->snap->n_netns > 1;

	if (!ctx->header_written) {
		ctx->header_written = true;
		fprintf(out, "time,%sfamily,local_addr,local_port,remote_addr,remote_port,cookie,"
			     "seen,last_state,lifetime_s,bytes_acked,bytes_received,rtt_us,retrans,"
			     "pid,process",
			with_netns ? "netns," : "");
		if (output_end_line(out) < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++, c++) {
		const struct sock_entry *e = &c->ev.entry;

		if (!closed_selected(ctx, c))
			continue;
		close_time(c, when, sizeof(when));
		sock_format_addr(e, 0, local, sizeof(local));
		sock_format_addr(e, 1, remote, sizeof(remote));
		fprintf(out, "%s,", when);
		if (with_netns) {
			if (netns_name(ctx, c, ns, sizeof(ns)))
				output_csv_string(out, ns);
			fputc(',', out);
		}
		fprintf(out, "%s,%s,%u,%s,%u,%" PRIu64 ",%s,%s,", sock_format_family(e), local,
			e->local_port, remote, e->remote_port, e->cookie, c->seen ? "true" : "false",
			c->seen ? tcp_state_name(c->last_state) : "");
		if (c->seen)
			fprintf(out, "%.6f", c->lifetime_s);
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%u,%u,", e->bytes_acked, e->bytes_received,
			e->rtt_us, e->total_retrans);
		if (c->pid != 0) {
			fprintf(out, "%d,", (int)c->pid);
			output_csv_string(out, c->process);
		} else {
			fputc(',', out);
		}
		if (output_end_line(out) < 0)
			return -1;
	}
	return 0;
}

void
output_json_interval_closes(FILE *out, const struct output_context *ctx)
{
	const struct closed_interval *iv;

	if (ctx->closed == NULL || !ctx->snap->has_closes)
		return;
	iv = closed_model_interval(ctx->closed);
	fprintf(out, ", \"closed\": %u, \"opened\": ", iv->closed);
	if (iv->has_opens)
		fprintf(out, "%" PRIu64 ", \"opened_client\": %" PRIu64 ", \"opened_server\": %" PRIu64,
			iv->opened_client + iv->opened_server, iv->opened_client,
			iv->opened_server);
	else
		fputs("null", out);
	fprintf(out, ", \"short_lived\": %u, \"events_lost\": %" PRIu64, iv->short_lived,
		iv->lost);
}
