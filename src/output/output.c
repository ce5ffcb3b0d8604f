/*
 * output.c - the table of batch views and formats, and what the writers
 * share: selecting, counting and sorting rows.
 * Any thread; the tables are const.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "output.h"
#include "sanitize.h"
#include "tcp_state.h"

const struct output_format output_text = {"text", OUTPUT_FORMAT_TEXT};
const struct output_format output_json = {"json", OUTPUT_FORMAT_JSON};
const struct output_format output_csv = {"csv", OUTPUT_FORMAT_CSV};
const struct output_format output_prometheus = {"prometheus", OUTPUT_FORMAT_PROMETHEUS};

static const struct output_format *const formats[OUTPUT_FORMAT_COUNT] = {
	[OUTPUT_FORMAT_TEXT] = &output_text,
	[OUTPUT_FORMAT_JSON] = &output_json,
	[OUTPUT_FORMAT_CSV] = &output_csv,
	[OUTPUT_FORMAT_PROMETHEUS] = &output_prometheus,
};

static int
text_summary(FILE *out, struct output_context *ctx)
{
	return session_write_text(ctx->summary, out);
}

static int
json_summary(FILE *out, struct output_context *ctx)
{
	return session_write_json(ctx->summary, out);
}

/*
 * Every view.  What it needs decides what the live source dumps (a view
 * without OUTPUT_NEED_TCP_INFO asks the kernel for none, one without
 * OUTPUT_NEED_SELECTED dumps every socket whatever the filter), whether
 * /proc is walked for owners, and which models batch mode keeps.
 */
static const struct output_view_def views[OUTPUT_VIEW_COUNT] = {
	[OUTPUT_VIEW_STATES] = {
		.name = "states",
		/* The kernel's open counters give the interval's opens. */
		.needs = OUTPUT_NEED_SELECTED | OUTPUT_NEED_COUNTERS | OUTPUT_NEED_CLOSED,
		.write = {output_text_states, output_json_states, output_csv_states},
	},
	[OUTPUT_VIEW_LISTEN] = {
		/* A listener's connections count whether the filter selects
		 * them or not: every socket is dumped. */
		.name = "listen",
		.needs = OUTPUT_NEED_OWNERS,
		.write = {output_text_listen, output_json_listen, output_csv_listen},
		/* Listeners and what they accepted (listen.c): never
		 * bound-only sockets, which would cost a walk of the
		 * kernel's bind hash, nor closing ones. */
		.kernel_states = 1u << KERNEL_TCP_LISTEN | 1u << KERNEL_TCP_ESTABLISHED |
				 1u << KERNEL_TCP_SYN_RECV | 1u << KERNEL_TCP_NEW_SYN_RECV,
	},
	[OUTPUT_VIEW_CONNS] = {
		.name = "conns",
		.needs = OUTPUT_NEED_SELECTED | OUTPUT_NEED_TCP_INFO | OUTPUT_NEED_OWNERS |
			 OUTPUT_NEED_CONNTRACK,
		.write = {output_text_conns, output_json_conns, output_csv_conns},
	},
	[OUTPUT_VIEW_COUNTERS] = {
		.name = "counters",
		.needs = OUTPUT_NEED_COUNTERS | OUTPUT_NEED_PREV,
		.write = {output_text_counters, output_json_counters, output_csv_counters},
	},
	[OUTPUT_VIEW_PEERS] = {
		.name = "peers",
		.needs = OUTPUT_NEED_SELECTED | OUTPUT_NEED_OWNERS | OUTPUT_NEED_PEERS,
		.write = {output_text_peers, output_json_peers, output_csv_peers},
	},
	[OUTPUT_VIEW_DIAGNOSES] = {
		/* Every socket: queues, timers and retransmits are in the
		 * base message; whether queued data moves (what was read,
		 * the peer's window, the last send and receive) is in
		 * tcp_info.  The close rules read the closes. */
		.name = "diagnoses",
		.needs = OUTPUT_NEED_TCP_INFO | OUTPUT_NEED_OWNERS | OUTPUT_NEED_COUNTERS |
			 OUTPUT_NEED_DIAGNOSE | OUTPUT_NEED_CLOSED,
		.write = {output_text_diagnoses, output_json_diagnoses, output_csv_diagnoses},
	},
	[OUTPUT_VIEW_SUMMARY] = {
		/* Resets and listen drops come from the counters. */
		.name = "summary",
		.needs = OUTPUT_NEED_COUNTERS | OUTPUT_NEED_SESSION | OUTPUT_NEED_AT_END,
		.write = {[OUTPUT_FORMAT_TEXT] = text_summary, [OUTPUT_FORMAT_JSON] = json_summary},
	},
	[OUTPUT_VIEW_NAMESPACES] = {
		/* Counts of the selected sockets, as the states view's. */
		.name = "namespaces",
		.needs = OUTPUT_NEED_SELECTED,
		.write = {output_text_namespaces, output_json_namespaces, output_csv_namespaces},
	},
	[OUTPUT_VIEW_PROMETHEUS] = {
		/* Every socket whatever the filter (the exposition counts the
		 * host), with owners, counters and findings (output_prometheus.c). */
		.name = "prometheus",
		.needs = OUTPUT_NEED_TCP_INFO | OUTPUT_NEED_OWNERS | OUTPUT_NEED_COUNTERS |
			 OUTPUT_NEED_DIAGNOSE | OUTPUT_NEED_CLOSED,
		.write = {[OUTPUT_FORMAT_PROMETHEUS] = output_prometheus_write},
	},
	[OUTPUT_VIEW_CLOSED] = {
		/* Every socket is dumped whatever the filter: a connection
		 * left out of the samples would read as never seen. */
		.name = "closed",
		.needs = OUTPUT_NEED_OWNERS | OUTPUT_NEED_COUNTERS | OUTPUT_NEED_CLOSED,
		.write = {output_text_closed, output_json_closed, output_csv_closed},
	},
};

/* "a, b, c" of the names of n entries of stride bytes from first. */
static const char *
join_names(char *buf, size_t size, const void *first, size_t n, size_t stride, bool pointers)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *entry = (const char *)first + i * stride;
		const char *name = pointers ? (*(const struct output_format *const *)entry)->name
					    : ((const struct output_view_def *)entry)->name;
		int w = snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "", name);

		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

const struct output_format *
output_format_find(const char *name)
{
	for (size_t i = 0; i < OUTPUT_FORMAT_COUNT; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const char *
output_format_names(void)
{
	static char names[128];

	return join_names(names, sizeof(names), formats, OUTPUT_FORMAT_COUNT, sizeof(formats[0]),
			  true);
}

int
output_view_find(const char *name)
{
	for (int i = 0; i < OUTPUT_VIEW_COUNT; i++)
		if (strcmp(views[i].name, name) == 0)
			return i;
	return -1;
}

const char *
output_view_names(void)
{
	static char names[256];

	return join_names(names, sizeof(names), views, OUTPUT_VIEW_COUNT, sizeof(views[0]), false);
}

const struct output_view_def *
output_view(enum output_view view)
{
	return (unsigned int)view < OUTPUT_VIEW_COUNT ? &views[view] : NULL;
}

uint32_t
output_view_kernel_states(enum output_view view)
{
	const struct output_view_def *def = output_view(view);

	return def != NULL ? def->kernel_states : 0;
}

unsigned int
output_view_needs(enum output_view view)
{
	const struct output_view_def *def = output_view(view);

	return def != NULL ? def->needs : 0;
}

bool
output_view_has_format(enum output_view view, const struct output_format *format, char *msg,
		       size_t msg_len)
{
	const struct output_view_def *def = output_view(view);
	char have[128];
	size_t used = 0;

	if (def == NULL || format == NULL)
		return false;
	if (def->write[format->id] != NULL)
		return true;
	have[0] = '\0';
	for (int f = 0; f < OUTPUT_FORMAT_COUNT; f++) {
		int w;

		if (def->write[f] == NULL)
			continue;
		w = snprintf(have + used, sizeof(have) - used, "%s%s", used > 0 ? ", " : "",
			     formats[f]->name);
		if (w < 0 || (size_t)w >= sizeof(have) - used)
			break;
		used += (size_t)w;
	}
	snprintf(msg, msg_len, "the %s view has no %s output: use -o %s", def->name, format->name,
		 have);
	return false;
}

int
output_print(const struct output_format *format, enum output_view view, FILE *out,
	     struct output_context *ctx)
{
	const struct output_view_def *def = output_view(view);
	output_fn fn = def != NULL ? def->write[format->id] : NULL;

	if (fn == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (def->needs & OUTPUT_NEED_AT_END)
		return 0;
	return fn(out, ctx);
}

int
output_print_summary(const struct output_format *format, FILE *out, struct output_context *ctx)
{
	const struct output_view_def *def = &views[OUTPUT_VIEW_SUMMARY];
	output_fn fn = def->write[format->id];

	return (fn != NULL ? fn : def->write[OUTPUT_FORMAT_TEXT])(out, ctx);
}

void
output_csv_string(FILE *out, const char *s)
{
	(void)sanitize_write(out, s, SANITIZE_CSV);
}

void
output_text_string(FILE *out, const char *s)
{
	(void)sanitize_write(out, s, SANITIZE_TEXT);
}

bool
output_selected(const struct output_context *ctx, const struct sock_entry *e)
{
	return ctx->match == NULL || ctx->match(ctx->filter, e);
}

void
output_count_states(const struct output_context *ctx, uint32_t counts[TCP_STATE_COUNT],
		    uint32_t *total, char *when, size_t when_size)
{
	snapshot_count(ctx->snap, ctx->match, ctx->filter, counts, total);
	format_rfc3339(&ctx->snap->taken_wall, when, when_size);
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
		rows[n].info = ctx->ct != NULL ? conntrack_get(ctx->ct, e->netns, e->cookie) : NULL;
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
