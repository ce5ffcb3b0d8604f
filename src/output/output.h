/*
 * output.h - batch output: views of a sample, each in every format.
 *
 * A format is a const table with one function per view; adding a format
 * is one table (one file) and one line in the registry in output.c,
 * adding a view is one function per format.  Formats only read snapshots.
 * Any thread, but one writer per stream.
 */
#ifndef TCPDECK_OUTPUT_H
#define TCPDECK_OUTPUT_H

#include <stdio.h>

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conn_columns.h"
#include "conntrack.h"
#include "diagnose.h"
#include "peers.h"
#include "snapshot.h"

enum output_view {
	OUTPUT_VIEW_STATES, /* per-state counts: one line per sample */
	OUTPUT_VIEW_LISTEN, /* listening sockets: one line per socket */
	OUTPUT_VIEW_CONNS,  /* every socket: one line per socket */
	OUTPUT_VIEW_COUNTERS, /* kernel TCP counters and their rates */
	OUTPUT_VIEW_PEERS,  /* top remote addresses and ports, local ports */
	OUTPUT_VIEW_DIAGNOSES, /* findings of the diagnosis rules */
	OUTPUT_VIEW_COUNT
};

/* A socket filter: true when the socket is selected. */
typedef bool (*output_match_fn)(const void *filter, const struct sock_entry *e);

/* One sample to write, and how. */
struct output_context {
	const struct snapshot *snap;
	const struct snapshot *prev; /* the sample before (counters view);
				      * NULL for the first */
	double interval_s;
	const struct conntrack *ct;  /* ages and rates; NULL when unknown */
	output_match_fn match;       /* NULL: every socket */
	const void *filter;          /* argument of match */
	int sort_column;             /* enum conn_column, -1: dump order */
	bool sort_descending;
	int peers_by;                /* peers view: PEERS_BY_TOTAL or a state */
	struct peers *peers_scratch; /* peers view: kept between samples, or
				      * NULL */
	unsigned int peers_top;      /* peers view: rows per kind, 0: all */
	const struct diagnose *diag; /* diagnoses view: updated with snap */
	bool header_written;         /* CSV: the header goes out once */
};

typedef int (*output_fn)(FILE *out, struct output_context *ctx);

struct output_format {
	const char *name;
	/* Each writes one sample; returns 0 or -1 with errno. */
	output_fn states;
	output_fn listen;
	output_fn conns;
	output_fn counters;
	output_fn peers;
	output_fn diagnoses;
};

/* The format called `name`, or NULL. */
const struct output_format *output_format_find(const char *name);

/* Comma-separated names of every format, for help and error messages. */
const char *output_format_names(void);

/* The view called `name`, or -1; and every view's name. */
int output_view_find(const char *name);
const char *output_view_names(void);

/* Writes one sample of `view` in `format`. */
int output_print(const struct output_format *format, enum output_view view, FILE *out,
		 struct output_context *ctx);

/* True when the context's filter selects e. */
bool output_selected(const struct output_context *ctx, const struct sock_entry *e);

/* Per-state counts and total of the selected sockets. */
void output_count_states(const struct output_context *ctx, uint32_t counts[TCP_STATE_COUNT],
			 uint32_t *total);

/* The selected sockets as table rows, sorted as asked; *rows is malloc'd.
 * Returns the count or -1 (ENOMEM). */
ssize_t output_conn_rows(const struct output_context *ctx, struct conn_row **rows);

/* Seconds between the previous sample and this one (monotonic clock),
 * 0 when there is no previous sample. */
double output_counters_dt(const struct output_context *ctx);

/* The peers of the selected sockets, ranked by ctx->peers_by in every
 * kind, and how many leading rows of each kind the view shows (those with
 * a non-zero count, at most ctx->peers_top).  Built in ctx->peers_scratch
 * when there is one (memory reused sample after sample), else anew.  NULL
 * with errno (ENOMEM).  Release with output_peers_release(). */
struct peers *output_peers(const struct output_context *ctx, size_t shown[PEERS_KIND_COUNT]);
void output_peers_release(const struct output_context *ctx, struct peers *p);

/* Ends a line and flushes it, so a script reading a pipe sees each line
 * as it is made; returns 0 or -1 on a write error. */
int output_end_line(FILE *out);

/* The counters and peers views in each format (output_counters.c,
 * output_peers.c), referenced by the format tables. */
int output_text_counters(FILE *out, struct output_context *ctx);
int output_json_counters(FILE *out, struct output_context *ctx);
int output_csv_counters(FILE *out, struct output_context *ctx);
int output_text_peers(FILE *out, struct output_context *ctx);
int output_json_peers(FILE *out, struct output_context *ctx);
int output_csv_peers(FILE *out, struct output_context *ctx);
/* The diagnoses view in each format (output_diagnoses.c). */
int output_text_diagnoses(FILE *out, struct output_context *ctx);
int output_json_diagnoses(FILE *out, struct output_context *ctx);
int output_csv_diagnoses(FILE *out, struct output_context *ctx);

/* The formats (output_text.c, output_json.c). */
extern const struct output_format output_text;
extern const struct output_format output_json;
extern const struct output_format output_csv;

#endif
