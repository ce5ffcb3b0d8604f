/*
 * output_peers.c - the peers view of batch output in every format: per
 * sample, the top remote addresses, remote ports and local ports of the
 * selected connections, ranked by the total or by one state (peers.h).
 * Only reads snapshots; one writer per stream.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "output.h"
#include "sock_format.h"

/* Section titles and JSON keys, by kind. */
static const char *const kind_titles[PEERS_KIND_COUNT] = {
    [PEERS_REMOTE_ADDR] = "REMOTE-ADDR",
    [PEERS_REMOTE_PORT] = "REMOTE-PORT",
    [PEERS_LOCAL_PORT] = "LOCAL-PORT",
};
static const char *const kind_keys[PEERS_KIND_COUNT] = {
    [PEERS_REMOTE_ADDR] = "remote_addrs",
    [PEERS_REMOTE_PORT] = "remote_ports",
    [PEERS_LOCAL_PORT] = "local_ports",
};

/* Column width of a state's count: its name, at least 5. */
static int
state_width(int s)
{
	int w = (int)strlen(tcp_state_name(s));

	return w < 5 ? 5 : w;
}

static int
text_kind(FILE *out, const struct peers *p, enum peers_kind kind, size_t shown)
{
	size_t n;
	const struct peer_row *rows = peers_rows(p, kind, &n);
	int key_width = (int)strlen(kind_titles[kind]);
	char key[64], pid[24];

	for (size_t i = 0; i < shown; i++) {
		peers_format_key(&rows[i], kind, key, sizeof(key));
		if ((int)strlen(key) > key_width)
			key_width = (int)strlen(key);
	}
	fprintf(out, "%-*s %7s", key_width, kind_titles[kind], "TOTAL");
	/* LISTEN is never a peer: no column. */
	for (int s = TCP_STATE_LISTEN + 1; s < TCP_STATE_COUNT; s++)
		fprintf(out, " %*s", state_width(s), tcp_state_name(s));
	if (kind == PEERS_LOCAL_PORT)
		fprintf(out, " %9s %s", "PID", "PROCESS");
	if (output_end_line(out) < 0)
		return -1;
	for (size_t i = 0; i < shown; i++) {
		const struct peer_row *row = &rows[i];

		peers_format_key(row, kind, key, sizeof(key));
		fprintf(out, "%-*s %7u", key_width, key, row->total);
		for (int s = TCP_STATE_LISTEN + 1; s < TCP_STATE_COUNT; s++)
			fprintf(out, " %*u", state_width(s), row->counts[s]);
		if (kind == PEERS_LOCAL_PORT) {
			if (row->owner != NULL)
				snprintf(pid, sizeof(pid), "%d", row->owner->pid);
			else
				snprintf(pid, sizeof(pid), "-");
			fprintf(out, " %9s ", pid);
			output_text_string(out, row->owner != NULL ? row->owner->comm : "-");
		}
		if (output_end_line(out) < 0)
			return -1;
	}
	return 0;
}

int
output_text_peers(FILE *out, struct output_context *ctx)
{
	size_t shown[PEERS_KIND_COUNT];
	struct peers *p = output_peers(ctx, shown);
	char when[40];
	int rc = 0;

	if (p == NULL)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "# %s, %u connections, ranked by %s", when, peers_total(p),
	        peers_by_name(ctx->peers_by));
	output_end_line(out);
	for (int k = 0; k < PEERS_KIND_COUNT && rc == 0; k++) {
		/* A blank line between the tables. */
		if (k > 0 && output_end_line(out) < 0)
			rc = -1;
		else
			rc = text_kind(out, p, (enum peers_kind)k, shown[k]);
	}
	output_peers_release(ctx, p);
	return rc;
}

int
output_json_peers(FILE *out, struct output_context *ctx)
{
	size_t shown[PEERS_KIND_COUNT];
	struct peers *p = output_peers(ctx, shown);
	char when[40], key[64];

	if (p == NULL)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"by\": \"%s\", \"total\": %u", when,
	        peers_by_name(ctx->peers_by), peers_total(p));
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		size_t n;
		const struct peer_row *rows = peers_rows(p, (enum peers_kind)k, &n);

		fprintf(out, ", \"%s\": [", kind_keys[k]);
		for (size_t i = 0; i < shown[k]; i++) {
			const struct peer_row *row = &rows[i];
			bool first = true;

			peers_format_key(row, (enum peers_kind)k, key, sizeof(key));
			if (k == PEERS_REMOTE_ADDR)
				fprintf(out, "%s{\"addr\": \"%s\", \"family\": \"%s\"",
				        i > 0 ? ", " : "", key,
				        row->family == AF_INET ? "ipv4" : "ipv6");
			else
				fprintf(out, "%s{\"port\": %u", i > 0 ? ", " : "", row->port);
			fprintf(out, ", \"total\": %u, \"states\": {", row->total);
			/* Only the states it has: a missing state is 0. */
			for (int s = 0; s < TCP_STATE_COUNT; s++) {
				if (row->counts[s] == 0)
					continue;
				fprintf(out, "%s\"%s\": %u", first ? "" : ", ", tcp_state_name(s),
				        row->counts[s]);
				first = false;
			}
			fputc('}', out);
			if (k == PEERS_LOCAL_PORT) {
				if (row->owner != NULL) {
					fprintf(out,
					        ", \"pid\": %d, \"process\": ", row->owner->pid);
					sock_format_json_string(out, row->owner->comm);
					fputs(", \"user\": ", out);
					sock_format_json_string(out, row->owner->user);
				} else
					fputs(", \"pid\": null, \"process\": null, \"user\": null",
					      out);
			}
			fputc('}', out);
		}
		fputc(']', out);
	}
	fputc('}', out);
	output_peers_release(ctx, p);
	return output_end_line(out);
}

int
output_csv_peers(FILE *out, struct output_context *ctx)
{
	size_t shown[PEERS_KIND_COUNT];
	struct peers *p;
	char when[40], key[64];

	if (!ctx->header_written) {
		ctx->header_written = true;
		fputs("time,by,kind,rank,key,family,total", out);
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			fprintf(out, ",%s", tcp_state_name(s));
		fputs(",pid,process,user", out);
		if (output_end_line(out) < 0)
			return -1;
	}
	p = output_peers(ctx, shown);
	if (p == NULL)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		size_t n;
		const struct peer_row *rows = peers_rows(p, (enum peers_kind)k, &n);

		for (size_t i = 0; i < shown[k]; i++) {
			const struct peer_row *row = &rows[i];

			peers_format_key(row, (enum peers_kind)k, key, sizeof(key));
			fprintf(out, "%s,%s,%s,%zu,%s,%s,%u", when, peers_by_name(ctx->peers_by),
			        peers_kind_name((enum peers_kind)k), i + 1, key,
			        k != PEERS_REMOTE_ADDR   ? ""
			        : row->family == AF_INET ? "ipv4"
			                                 : "ipv6",
			        row->total);
			for (int s = 0; s < TCP_STATE_COUNT; s++)
				fprintf(out, ",%u", row->counts[s]);
			if (row->owner != NULL) {
				fprintf(out, ",%d,", row->owner->pid);
				output_csv_string(out, row->owner->comm);
				fputc(',', out);
				output_csv_string(out, row->owner->user);
			} else
				fputs(",,,", out);
			if (output_end_line(out) < 0) {
				output_peers_release(ctx, p);
				return -1;
			}
		}
	}
	output_peers_release(ctx, p);
	return 0;
}
