/*
 * output_peers.c - the peers view of batch output in every format: per
 * sample, the top remote addresses, remote ports and local ports of the
 * selected connections, ranked by the total or by one state (peers.h).
 *
 * With a namespace table (snap->n_netns > 0) the connections are counted
 * per network namespace: 10.0.0.9 seen from two containers is two rows,
 * each naming its namespace (a NETNS column first in text, a "netns"
 * field last in JSON and CSV), because the same address seen from two
 * namespaces is most often two different peers (private addresses are
 * reused between them) and the namespace is what one acts on.  The rows
 * of all namespaces are ranked together: by the count, then by
 * namespace name, then as peers_rank() orders them within a namespace.
 * Sockets whose namespace is not in the table are left out then.
 * Only reads snapshots; one writer per stream.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "output.h"
#include "sanitize.h"
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

/* One row as the view shows it, and its namespace's name (NULL without a
 * table). */
struct shown_row {
	const struct peer_row *row;
	const char *netns;
	size_t ns;  /* index in the table: ties */
	size_t pos; /* place in its namespace's ranking: ties */
};

/* The peers of one sample, as the writers go through them. */
struct peers_view {
	struct peers *single;       /* without a table: output_peers() */
	struct peers **per_ns;      /* with one: one per namespace */
	size_t n_ns;
	char *names;                /* conn_netns_names() */
	struct shown_row *rows[PEERS_KIND_COUNT];
	size_t shown[PEERS_KIND_COUNT];
	uint32_t total;
};

/* What one namespace's peers select: its sockets the filter selects. */
struct ns_filter {
	const struct output_context *ctx;
	uint32_t inode;
};

static bool
ns_selected(const void *arg, const struct sock_entry *e)
{
	const struct ns_filter *f = arg;

	return e->netns == f->inode && output_selected(f->ctx, e);
}

static uint32_t
count_by(const struct peer_row *row, int by)
{
	return by == PEERS_BY_TOTAL ? row->total : row->counts[by];
}

static int
cmp_shown(const void *a, const void *b, void *arg)
{
	const struct shown_row *x = a, *y = b;
	int by = *(const int *)arg, d;
	uint32_t cx = count_by(x->row, by), cy = count_by(y->row, by);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	d = strcmp(x->netns, y->netns);
	if (d != 0)
		return d;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void
view_free(struct peers_view *v, const struct output_context *ctx)
{
	if (v->single != NULL)
		output_peers_release(ctx, v->single);
	for (size_t i = 0; i < v->n_ns; i++)
		peers_free(v->per_ns[i]);
	free(v->per_ns);
	free(v->names);
	for (int k = 0; k < PEERS_KIND_COUNT; k++)
		free(v->rows[k]);
	memset(v, 0, sizeof(*v));
}

/* Without a table, the rows output_peers() ranks, as they always were. */
static int
view_single(struct peers_view *v, const struct output_context *ctx)
{
	v->single = output_peers(ctx, v->shown);
	if (v->single == NULL)
		return -1;
	v->total = peers_total(v->single);
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		size_t n;
		const struct peer_row *rows = peers_rows(v->single, (enum peers_kind)k, &n);

		v->rows[k] = calloc(v->shown[k] + 1, sizeof(*v->rows[k]));
		if (v->rows[k] == NULL)
			return -1;
		for (size_t i = 0; i < v->shown[k]; i++)
			v->rows[k][i].row = &rows[i];
	}
	return 0;
}

/* With a table: the peers of every namespace, ranked together. */
static int
view_per_ns(struct peers_view *v, const struct output_context *ctx)
{
	const struct snapshot *snap = ctx->snap;
	size_t counted[PEERS_KIND_COUNT] = {0};

	v->n_ns = snap->n_netns;
	v->per_ns = calloc(v->n_ns, sizeof(*v->per_ns));
	v->names = conn_netns_names(snap);
	if (v->per_ns == NULL || v->names == NULL)
		return -1;
	for (size_t i = 0; i < v->n_ns; i++) {
		struct ns_filter f = {ctx, snap->netns[i].info.inode};

		v->per_ns[i] = peers_build(snap, ns_selected, &f);
		if (v->per_ns[i] == NULL)
			return -1;
		v->total += peers_total(v->per_ns[i]);
		for (int k = 0; k < PEERS_KIND_COUNT; k++) {
			ssize_t nz = peers_rank(v->per_ns[i], (enum peers_kind)k, ctx->peers_by);

			if (nz < 0)
				return -1;
			counted[k] += (size_t)nz;
		}
	}
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		size_t n = 0;

		v->rows[k] = calloc(counted[k] + 1, sizeof(*v->rows[k]));
		if (v->rows[k] == NULL)
			return -1;
		for (size_t i = 0; i < v->n_ns; i++) {
			size_t m;
			const struct peer_row *rows = peers_rows(v->per_ns[i], (enum peers_kind)k, &m);

			for (size_t j = 0; j < m && count_by(&rows[j], ctx->peers_by) > 0; j++)
				v->rows[k][n++] = (struct shown_row){
				    &rows[j], v->names + i * CONN_NETNS_NAME_MAX, i, j};
		}
		qsort_r(v->rows[k], n, sizeof(*v->rows[k]), cmp_shown, (void *)&ctx->peers_by);
		v->shown[k] = ctx->peers_top != 0 && n > ctx->peers_top ? ctx->peers_top : n;
	}
	return 0;
}

/* The sample's peers: 0, or -1 with errno (nothing to free then). */
static int
view_open(struct peers_view *v, const struct output_context *ctx)
{
	int rc;

	memset(v, 0, sizeof(*v));
	rc = ctx->snap->n_netns > 0 ? view_per_ns(v, ctx) : view_single(v, ctx);
	if (rc < 0) {
		view_free(v, ctx);
		errno = ENOMEM;
	}
	return rc;
}

/* Column width of a state's count: its name, at least 5. */
static int
state_width(int s)
{
	int w = (int)strlen(tcp_state_name(s));

	return w < 5 ? 5 : w;
}

static int
text_kind(FILE *out, const struct peers_view *v, enum peers_kind kind)
{
	const struct shown_row *shown_rows = v->rows[kind];
	size_t shown = v->shown[kind];
	int key_width = (int)strlen(kind_titles[kind]);
	/* With a table a NETNS column comes first. */
	int netns_width = v->n_ns > 0 ? (int)strlen("NETNS") : 0, cells;
	char key[64], pid[24], netns[SANITIZE_TEXT_MAX(CONN_NETNS_NAME_MAX) + 1];

	for (size_t i = 0; i < shown; i++) {
		peers_format_key(shown_rows[i].row, kind, key, sizeof(key));
		if ((int)strlen(key) > key_width)
			key_width = (int)strlen(key);
		if (netns_width > 0) {
			sanitize_str(shown_rows[i].netns, netns, sizeof(netns), &cells);
			if (cells > netns_width)
				netns_width = cells;
		}
	}
	if (netns_width > 0)
		fprintf(out, "%-*s ", netns_width, "NETNS");
	fprintf(out, "%-*s %7s", key_width, kind_titles[kind], "TOTAL");
	/* LISTEN is never a peer: no column. */
	for (int s = TCP_STATE_LISTEN + 1; s < TCP_STATE_COUNT; s++)
		fprintf(out, " %*s", state_width(s), tcp_state_name(s));
	if (kind == PEERS_LOCAL_PORT)
		fprintf(out, " %9s %s", "PID", "PROCESS");
	if (output_end_line(out) < 0)
		return -1;
	for (size_t i = 0; i < shown; i++) {
		const struct peer_row *row = shown_rows[i].row;

		if (netns_width > 0) {
			sanitize_str(shown_rows[i].netns, netns, sizeof(netns), &cells);
			/* Padded by cells, not bytes. */
			fprintf(out, "%s%*s ", netns, netns_width - cells, "");
		}
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
	struct peers_view v;
	char when[40];
	int rc = 0;

	if (view_open(&v, ctx) < 0)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "# %s, %u connections, ranked by %s", when, v.total,
	        peers_by_name(ctx->peers_by));
	output_end_line(out);
	for (int k = 0; k < PEERS_KIND_COUNT && rc == 0; k++) {
		/* A blank line between the tables. */
		if (k > 0 && output_end_line(out) < 0)
			rc = -1;
		else
			rc = text_kind(out, &v, (enum peers_kind)k);
	}
	view_free(&v, ctx);
	return rc;
}

int
output_json_peers(FILE *out, struct output_context *ctx)
{
	struct peers_view v;
	char when[40], key[64];

	if (view_open(&v, ctx) < 0)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"by\": \"%s\", \"total\": %u", when,
	        peers_by_name(ctx->peers_by), v.total);
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		fprintf(out, ", \"%s\": [", kind_keys[k]);
		for (size_t i = 0; i < v.shown[k]; i++) {
			const struct peer_row *row = v.rows[k][i].row;
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
			if (v.rows[k][i].netns != NULL) {
				fputs(", \"netns\": ", out);
				sock_format_json_string(out, v.rows[k][i].netns);
			}
			fputc('}', out);
		}
		fputc(']', out);
	}
	fputc('}', out);
	view_free(&v, ctx);
	return output_end_line(out);
}

int
output_csv_peers(FILE *out, struct output_context *ctx)
{
	struct peers_view v;
	char when[40], key[64];

	/* The CSV header is the first sample's: a table comes with the
	 * first sample or never (the options decide). */
	if (!ctx->header_written) {
		ctx->header_written = true;
		fputs("time,by,kind,rank,key,family,total", out);
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			fprintf(out, ",%s", tcp_state_name(s));
		fputs(",pid,process,user", out);
		if (ctx->snap->n_netns > 0)
			fputs(",netns", out);
		if (output_end_line(out) < 0)
			return -1;
	}
	if (view_open(&v, ctx) < 0)
		return -1;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		for (size_t i = 0; i < v.shown[k]; i++) {
			const struct peer_row *row = v.rows[k][i].row;

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
			if (v.rows[k][i].netns != NULL) {
				fputc(',', out);
				output_csv_string(out, v.rows[k][i].netns);
			}
			if (output_end_line(out) < 0) {
				view_free(&v, ctx);
				return -1;
			}
		}
	}
	view_free(&v, ctx);
	return 0;
}
