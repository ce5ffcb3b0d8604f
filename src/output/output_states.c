/*
 * output_states.c - the states view of batch output in every format: the
 * per-state counts of the selected sockets, one line per sample.  Text:
 * "TIME total=N LISTEN=n ...", with a namespace table followed by one
 * line per namespace ("TIME   inode=N total=N ... netns=NAME"); JSON: one object, with a namespace table
 * also each namespace's counts ("namespaces", the namespaces view's rows
 * in its order); CSV: a header once, then one line per sample.
 * Only reads snapshots; one writer per stream.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "conn_columns.h"
#include "output.h"
#include "sanitize.h"
#include "sock_format.h"

/* One line per namespace after the sums, as the JSON's "namespaces":
 * "TIME   inode=N total=N STATE=n ... netns=NAME", the name last (it may
 * hold blanks: "pid 812 (nginx)"), sanitized. */
static int
text_namespaces(FILE *out, const struct output_context *ctx, const char *when)
{
	char name[SANITIZE_TEXT_MAX(CONN_NETNS_NAME_MAX) + 1];
	struct output_netns_row *rows;
	ssize_t n = output_netns_rows(ctx, &rows);
	int cells;

	if (n < 0)
		return -1;
	for (ssize_t k = 0; k < n; k++) {
		sanitize_str(rows[k].name, name, sizeof(name), &cells);
		fprintf(out, "%s   inode=%lu total=%u", when, (unsigned long)rows[k].ns->info.inode,
		        rows[k].total);
		for (int i = 0; i < TCP_STATE_COUNT; i++)
			fprintf(out, " %s=%u", tcp_state_name(i), rows[k].counts[i]);
		fprintf(out, " netns=%s", name);
		if (output_end_line(out) < 0) {
			free(rows);
			return -1;
		}
	}
	free(rows);
	return 0;
}

int
output_text_states(FILE *out, struct output_context *ctx)
{
	uint32_t counts[TCP_STATE_COUNT], total;
	char when[40];

	output_count_states(ctx, counts, &total, when, sizeof(when));
	fprintf(out, "%s total=%u", when, total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, " %s=%u", tcp_state_name(i), counts[i]);
	if (output_end_line(out) < 0)
		return -1;
	return ctx->snap->n_netns > 0 ? text_namespaces(out, ctx, when) : 0;
}

/* ", \"namespaces\": [...]": each namespace's counts, as the top-level
 * ones (which are their sums) of the selected sockets. */
static int
json_namespaces(FILE *out, const struct output_context *ctx)
{
	struct output_netns_row *rows;
	ssize_t n = output_netns_rows(ctx, &rows);

	if (n < 0)
		return -1;
	fputs(", \"namespaces\": [", out);
	for (ssize_t k = 0; k < n; k++) {
		fputs(k > 0 ? ", {\"netns\": " : "{\"netns\": ", out);
		sock_format_json_string(out, rows[k].name);
		fprintf(out, ", \"inode\": %lu, \"total\": %u, \"states\": {",
		        (unsigned long)rows[k].ns->info.inode, rows[k].total);
		for (int i = 0; i < TCP_STATE_COUNT; i++)
			fprintf(out, "%s\"%s\": %u", i > 0 ? ", " : "", tcp_state_name(i),
			        rows[k].counts[i]);
		fputs("}}", out);
	}
	fputc(']', out);
	free(rows);
	return 0;
}

int
output_json_states(FILE *out, struct output_context *ctx)
{
	uint32_t counts[TCP_STATE_COUNT], total;
	char when[40];

	output_count_states(ctx, counts, &total, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"interval\": %g, \"total\": %u, \"states\": {", when,
	        ctx->interval_s, total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, "%s\"%s\": %u", i > 0 ? ", " : "", tcp_state_name(i), counts[i]);
	fputc('}', out);
	output_json_interval_closes(out, ctx);
	if (ctx->snap->n_netns > 0 && json_namespaces(out, ctx) < 0)
		return -1;
	fputc('}', out);
	return output_end_line(out);
}

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
	output_count_states(ctx, counts, &total, when, sizeof(when));
	fprintf(out, "%s,%g,%u", when, ctx->interval_s, total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, ",%u", counts[i]);
	return output_end_line(out);
}
