/*
 * output.c - the registry of batch formats and views.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static const struct output_format *const formats[] = {
	&output_text,
	&output_json,
	&output_csv,
};

static const char *const view_names[OUTPUT_VIEW_COUNT] = {
	[OUTPUT_VIEW_STATES] = "states",
	[OUTPUT_VIEW_LISTEN] = "listen",
	[OUTPUT_VIEW_CONNS] = "conns",
	[OUTPUT_VIEW_COUNTERS] = "counters",
	[OUTPUT_VIEW_PEERS] = "peers",
	[OUTPUT_VIEW_DIAGNOSES] = "diagnoses",
};

const struct output_format *
output_format_find(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const char *
output_format_names(void)
{
	return "text, json, csv";
}

int
output_view_find(const char *name)
{
	for (int i = 0; i < OUTPUT_VIEW_COUNT; i++)
		if (strcmp(view_names[i], name) == 0)
			return i;
	return -1;
}

const char *
output_view_names(void)
{
	return "states, listen, conns, counters, peers, diagnoses";
}

int
output_print(const struct output_format *format, enum output_view view, FILE *out,
	     struct output_context *ctx)
{
	output_fn fn = view == OUTPUT_VIEW_LISTEN     ? format->listen
		       : view == OUTPUT_VIEW_CONNS    ? format->conns
		       : view == OUTPUT_VIEW_COUNTERS ? format->counters
		       : view == OUTPUT_VIEW_PEERS    ? format->peers
		       : view == OUTPUT_VIEW_DIAGNOSES ? format->diagnoses
						      : format->states;

	return fn(out, ctx);
}

bool
output_selected(const struct output_context *ctx, const struct sock_entry *e)
{
	return ctx->match == NULL || ctx->match(ctx->filter, e);
}

void
output_count_states(const struct output_context *ctx, uint32_t counts[TCP_STATE_COUNT],
		    uint32_t *total)
{
	snapshot_count(ctx->snap, ctx->match, ctx->filter, counts, total);
}

ssize_t
output_conn_rows(const struct output_context *ctx, struct conn_row **rows_out)
{
	struct conn_row *rows = malloc((ctx->snap->n_entries + 1) * sizeof(*rows));
	struct conn_context cc = {.snap = ctx->snap,
				  .now = ctx->ct != NULL ? conntrack_now(ctx->ct) : 0};
	size_t n = 0;

	if (rows == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < ctx->snap->n_entries; i++) {
		const struct sock_entry *e = &ctx->snap->entries[i];

		if (!output_selected(ctx, e))
			continue;
		rows[n].entry = e;
		rows[n].info = ctx->ct != NULL ? conntrack_get(ctx->ct, e->cookie) : NULL;
		rows[n].owners = NULL;
		n++;
	}
	if (ctx->sort_column >= 0)
		conn_rows_sort(rows, n, (enum conn_column)ctx->sort_column, ctx->sort_descending,
			       &cc);
	*rows_out = rows;
	return (ssize_t)n;
}

double
output_counters_dt(const struct output_context *ctx)
{
	const struct timespec *a, *b;

	if (ctx->prev == NULL)
		return 0;
	a = &ctx->prev->taken_mono;
	b = &ctx->snap->taken_mono;
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

struct peers *
output_peers(const struct output_context *ctx, size_t shown[PEERS_KIND_COUNT])
{
	struct peers *p = ctx->peers_scratch;

	if (p != NULL) {
		if (peers_update(p, ctx->snap, ctx->match, ctx->filter) < 0)
			return NULL;
	} else {
		p = peers_build(ctx->snap, ctx->match, ctx->filter);
		if (p == NULL)
			return NULL;
	}
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		ssize_t nonzero = peers_rank(p, (enum peers_kind)k, ctx->peers_by);

		if (nonzero < 0) {
			int saved = errno;

			output_peers_release(ctx, p);
			errno = saved;
			return NULL;
		}
		shown[k] = (size_t)nonzero;
		if (ctx->peers_top != 0 && shown[k] > ctx->peers_top)
			shown[k] = ctx->peers_top;
	}
	return p;
}

void
output_peers_release(const struct output_context *ctx, struct peers *p)
{
	if (p != ctx->peers_scratch)
		peers_free(p);
}

int
output_end_line(FILE *out)
{
	if (fputc('\n', out) == EOF || fflush(out) == EOF || ferror(out))
		return -1;
	return 0;
}
