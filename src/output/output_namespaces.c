/*
 * output_namespaces.c - the namespaces view of batch output in every
 * format: per sample, one row per network namespace of the snapshot's
 * table with the per-state counts of its selected sockets, the busiest
 * first.  Text: a comment line, then aligned columns; JSON: one object per
 * namespace; CSV: a header once, then one line per namespace.  Also the
 * rows themselves (output_netns_rows()), which the states view's JSON
 * shares.  Without a namespace table (no --netns or -N) there are no
 * rows: text says so in its comment line, JSON and CSV write none.
 * Namespace names are raw bytes from the system: sanitized for text and
 * CSV, escaped for JSON.
 * Only reads snapshots; one writer per stream.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "outbuf.h"
#include "output.h"
#include "sanitize.h"

const char *
output_netns_kind(uint8_t kind)
{
	static const char *const names[] = {
	    [NETNS_KIND_UNKNOWN] = "unknown", [NETNS_KIND_HOST] = "host",
	    [NETNS_KIND_NAMED] = "named",     [NETNS_KIND_CONTAINER] = "container",
	    [NETNS_KIND_POD] = "pod",         [NETNS_KIND_PROCESS] = "process",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct output_netns_row *x = a, *y = b;
	int d;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	d = strcmp(x->name, y->name);
	if (d != 0)
		return d;
	return x->ns->info.inode < y->ns->info.inode ? -1 : x->ns->info.inode > y->ns->info.inode;
}

ssize_t
output_netns_rows(const struct output_context *ctx, struct output_netns_row **rows_out)
{
	const struct snapshot *snap = ctx->snap;
	size_t n = snap->n_netns;
	struct output_netns_row *rows;
	char *names;

	*rows_out = NULL;
	if (n == 0)
		return 0;
	/* The rows, then their names, in one block. */
	rows = calloc(1, n * (sizeof(*rows) + CONN_NETNS_NAME_MAX));
	if (rows == NULL) {
		errno = ENOMEM;
		return -1;
	}
	names = (char *)(rows + n);
	for (size_t i = 0; i < n; i++) {
		char *name = names + i * CONN_NETNS_NAME_MAX;

		rows[i].ns = &snap->netns[i];
		conn_netns_name(rows[i].ns, name, CONN_NETNS_NAME_MAX);
		rows[i].name = name;
		if (ctx->match == NULL) {
			memcpy(rows[i].counts, snap->netns[i].counts, sizeof(rows[i].counts));
			rows[i].total = snap->netns[i].total;
		}
	}
	if (ctx->match != NULL) {
		const struct snapshot_netns *last = NULL;

		/* A namespace's sockets come together: the previous one's
		 * namespace is tried before a search. */
		for (size_t k = 0; k < snap->n_entries; k++) {
			const struct sock_entry *e = &snap->entries[k];
			struct output_netns_row *row;

			if (e->state >= TCP_STATE_COUNT || !output_selected(ctx, e))
				continue;
			if (last == NULL || last->info.inode != e->netns)
				last = snapshot_find_netns(snap, e->netns);
			if (last == NULL)
				continue;
			row = &rows[last - snap->netns];
			row->counts[e->state]++;
			row->total++;
		}
	}
	qsort(rows, n, sizeof(*rows), cmp_rows);
	*rows_out = rows;
	return (ssize_t)n;
}

/* Column width of a state's count: its name, at least 5. */
static int
state_width(int s)
{
	int w = (int)strlen(tcp_state_name(s));

	return w < 5 ? 5 : w;
}

int
output_text_namespaces(FILE *out, struct output_context *ctx)
{
	struct output_netns_row *rows;
	ssize_t n = output_netns_rows(ctx, &rows);
	int name_width = (int)strlen("NETNS");
	uint64_t sockets = 0;
	char when[40], name[SANITIZE_TEXT_MAX(CONN_NETNS_NAME_MAX) + 1];
	int cells;

	if (n < 0)
		return -1;
	for (ssize_t i = 0; i < n; i++) {
		sanitize_str(rows[i].name, name, sizeof(name), &cells);
		if (cells > name_width)
			name_width = cells;
		sockets += rows[i].total;
	}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	if (n == 0)
		fprintf(out,
		        "# %s, no namespace table (choose namespaces with --netns or -N)", when);
	else
		fprintf(out, "# %s, %zd namespaces, %llu sockets", when, n,
		        (unsigned long long)sockets);
	if (output_end_line(out) < 0 || n == 0) {
		free(rows);
		return n == 0 ? 0 : -1;
	}
	fprintf(out, "%-*s %10s %-9s %7s", name_width, "NETNS", "INODE", "KIND", "TOTAL");
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		fprintf(out, " %*s", state_width(s), tcp_state_name(s));
	if (output_end_line(out) < 0) {
		free(rows);
		return -1;
	}
	for (ssize_t i = 0; i < n; i++) {
		sanitize_str(rows[i].name, name, sizeof(name), &cells);
		/* Padded by cells, not bytes: a wide name pads less. */
		fprintf(out, "%s%*s %10lu %-9s %7u", name, name_width - cells, "",
		        (unsigned long)rows[i].ns->info.inode, output_netns_kind(rows[i].ns->info.kind),
		        rows[i].total);
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			fprintf(out, " %*u", state_width(s), rows[i].counts[s]);
		if (output_end_line(out) < 0) {
			free(rows);
			return -1;
		}
	}
	free(rows);
	return 0;
}

int
output_json_namespaces(FILE *out, struct output_context *ctx)
{
	struct output_netns_row *rows;
	ssize_t n = output_netns_rows(ctx, &rows);
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
		outbuf_str(&b, "{\"time\": \"");
		outbuf_str(&b, when);
		outbuf_str(&b, "\", \"netns\": ");
		outbuf_json(&b, rows[i].name);
		outbuf_str(&b, ", \"inode\": ");
		outbuf_u64(&b, rows[i].ns->info.inode);
		outbuf_str(&b, ", \"kind\": \"");
		outbuf_str(&b, output_netns_kind(rows[i].ns->info.kind));
		outbuf_str(&b, "\", \"total\": ");
		outbuf_u64(&b, rows[i].total);
		outbuf_str(&b, ", \"states\": {");
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			outbuf_str(&b, s > 0 ? ", \"" : "\"");
			outbuf_str(&b, tcp_state_name(s));
			outbuf_str(&b, "\": ");
			outbuf_u64(&b, rows[i].counts[s]);
		}
		outbuf_str(&b, "}}");
		if (outbuf_end_line(&b) < 0)
			break;
	}
	free(rows);
	return outbuf_close(&b);
}

int
output_csv_namespaces(FILE *out, struct output_context *ctx)
{
	struct output_netns_row *rows;
	ssize_t n;
	char when[40];
	struct outbuf b;

	if (outbuf_open(&b, out) < 0)
		return -1;
	if (!ctx->header_written) {
		ctx->header_written = true;
		outbuf_str(&b, "time,netns,inode,kind,total");
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			outbuf_char(&b, ',');
			outbuf_str(&b, tcp_state_name(s));
		}
		outbuf_end_line(&b);
	}
	n = output_netns_rows(ctx, &rows);
	if (n < 0)
		return outbuf_abort(&b);
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (ssize_t i = 0; i < n; i++) {
		outbuf_str(&b, when);
		outbuf_char(&b, ',');
		outbuf_csv(&b, rows[i].name);
		outbuf_char(&b, ',');
		outbuf_u64(&b, rows[i].ns->info.inode);
		outbuf_char(&b, ',');
		outbuf_str(&b, output_netns_kind(rows[i].ns->info.kind));
		outbuf_char(&b, ',');
		outbuf_u64(&b, rows[i].total);
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			outbuf_char(&b, ',');
			outbuf_u64(&b, rows[i].counts[s]);
		}
		if (outbuf_end_line(&b) < 0)
			break;
	}
	free(rows);
	return outbuf_close(&b);
}
