/*
 * output.h - batch output: views of a sample, each in every format.
 *
 * One const table (output.c) describes every view: its name as --view
 * takes it, what it needs from the sampler and the models (tcp_info,
 * owners, kernel counters, the sample before, ages and rates, peers,
 * findings, a marked test), and one writer per format, NULL where the
 * format does not apply.  Adding a view is one entry; adding a format is
 * one entry in the format table and one writer in each view's entry.
 * Writers only read snapshots and models.  Any thread, but one writer per
 * stream.
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
#include "session.h"
#include "snapshot.h"

enum output_view {
	OUTPUT_VIEW_STATES, /* per-state counts: one line per sample */
	OUTPUT_VIEW_LISTEN, /* listening sockets: one line per socket */
	OUTPUT_VIEW_CONNS,  /* every socket: one line per socket */
	OUTPUT_VIEW_COUNTERS, /* kernel TCP counters and their rates */
	OUTPUT_VIEW_PEERS,  /* top remote addresses and ports, local ports */
	OUTPUT_VIEW_DIAGNOSES, /* findings of the diagnosis rules */
	OUTPUT_VIEW_SUMMARY, /* the run as a stress test: its summary at the end */
	OUTPUT_VIEW_NAMESPACES, /* per network namespace: its per-state counts */
	OUTPUT_VIEW_PROMETHEUS, /* a Prometheus exposition per sample */
	OUTPUT_VIEW_CLOSED, /* closed connections: one line per close */
	OUTPUT_VIEW_COUNT
};

enum output_format_id {
	OUTPUT_FORMAT_TEXT,
	OUTPUT_FORMAT_JSON,
	OUTPUT_FORMAT_CSV,
	OUTPUT_FORMAT_PROMETHEUS,
	OUTPUT_FORMAT_COUNT
};

/* What a view needs besides the sockets (flags of output_view_def.needs). */
enum output_need {
	/* Only the sockets the filter selects are shown: the kernel may
	 * leave the others out of the dump. */
	OUTPUT_NEED_SELECTED = 1 << 0,
	OUTPUT_NEED_TCP_INFO = 1 << 1, /* rtt, retransmits, bytes */
	OUTPUT_NEED_OWNERS = 1 << 2,   /* processes, from /proc */
	OUTPUT_NEED_COUNTERS = 1 << 3, /* the kernel's TCP counters */
	OUTPUT_NEED_PREV = 1 << 4,     /* the sample before (rates) */
	OUTPUT_NEED_CONNTRACK = 1 << 5, /* ages and rates of each socket */
	OUTPUT_NEED_PEERS = 1 << 6,    /* peers, reused sample after sample */
	OUTPUT_NEED_DIAGNOSE = 1 << 7, /* findings of the diagnosis rules */
	OUTPUT_NEED_SESSION = 1 << 8,  /* the run is a marked test */
	/* Nothing per sample: the writer runs once, at the end. */
	OUTPUT_NEED_AT_END = 1 << 9,
	/* The closes the kernel announces, told what the samples saw. */
	OUTPUT_NEED_CLOSED = 1 << 10,
};

struct output_columns;

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
	const struct session_summary *summary; /* summary view, at the end */
	bool header_written;         /* CSV: the header goes out once;
				      * prometheus: an exposition went out */
	uint64_t dump_retries;       /* prometheus: dumps repeated so far */
	/* listen and conns: the columns shown (output_columns.h), NULL or
	 * empty: the view's own */
	const struct output_columns *columns;
	bool no_header;              /* text: no header lines (-H) */

	const struct closed_model *closed; /* closed connections; NULL when
					    * not followed */
};

/* Writes one sample (or, for an OUTPUT_NEED_AT_END view, the run); returns
 * 0 or -1 with errno. */
typedef int (*output_fn)(FILE *out, struct output_context *ctx);

struct output_format {
	const char *name; /* as -o takes it */
	enum output_format_id id;
};

struct output_view_def {
	const char *name;      /* as --view takes it */
	unsigned int needs;    /* enum output_need flags */
	output_fn write[OUTPUT_FORMAT_COUNT]; /* NULL: the format does not apply */
	/* Kernel state bits (1u << KERNEL_TCP_*) of the only sockets the
	 * view reads; 0: every state.  The live source dumps no others. */
	uint32_t kernel_states;
};

/* The formats, by id. */
extern const struct output_format output_text;
extern const struct output_format output_json;
extern const struct output_format output_csv;
extern const struct output_format output_prometheus;

/* The format called `name`, or NULL. */
const struct output_format *output_format_find(const char *name);

/* Comma-separated names of every format, for help and error messages. */
const char *output_format_names(void);

/* The view called `name`, or -1; and every view's name. */
int output_view_find(const char *name);
const char *output_view_names(void);

/* A view's entry, or NULL when out of range. */
const struct output_view_def *output_view(enum output_view view);

/* The kernel state bits of the only sockets `view` reads (0: all). */
uint32_t output_view_kernel_states(enum output_view view);

/* What `view` needs (enum output_need flags). */
unsigned int output_view_needs(enum output_view view);

/* Whether `view` can be written in `format`; when not, a one-line
 * message in msg naming the formats it has.  */
bool output_view_has_format(enum output_view view, const struct output_format *format, char *msg,
			    size_t msg_len);

/* Writes one sample of `view` in `format` (nothing for a view that writes
 * at the end).  Returns 0, or -1 with errno (EINVAL: no such writer). */
int output_print(const struct output_format *format, enum output_view view, FILE *out,
		 struct output_context *ctx);

/* Writes the end of a run of `view` in `format` with ctx->summary: the
 * summary view's writer, or for a view without one in that format (a
 * marked run in CSV) its text writer. */
int output_print_summary(const struct output_format *format, FILE *out,
			 struct output_context *ctx);

/* True when the context's filter selects e. */
bool output_selected(const struct output_context *ctx, const struct sock_entry *e);

/* Per-state counts and total of the selected sockets, and the sample's
 * time (RFC 3339) in when. */
void output_count_states(const struct output_context *ctx, uint32_t counts[TCP_STATE_COUNT],
			 uint32_t *total, char *when, size_t when_size);

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

/*
 * Network namespaces.  Every view shows them only when the snapshot has a
 * namespace table (snap->n_netns > 0: the user chose namespaces); without
 * one, every output stays as it was before namespaces existed.
 */

/* One namespace of the sample with the counts of its selected sockets. */
struct output_netns_row {
	const struct snapshot_netns *ns;
	const char *name; /* short name, raw (sanitize before showing) */
	uint32_t counts[TCP_STATE_COUNT];
	uint32_t total;
};

/* The rows of every namespace of the sample, sorted by total descending,
 * then name, then inode, into *rows (malloc'd, with the names; free()
 * once).  Returns the count (0 without a table), or -1 (ENOMEM). */
ssize_t output_netns_rows(const struct output_context *ctx, struct output_netns_row **rows);

/* The name of a namespace kind for output ("host", "named", "container",
 * "pod", "process", "unknown"). */
const char *output_netns_kind(uint8_t kind);

/* Ends a line and flushes it, so a script reading a pipe sees each line
 * as it is made; returns 0 or -1 on a write error. */
int output_end_line(FILE *out);

/* One CSV field of an untrusted string on out: sanitized and quoted
 * (outbuf_csv()). */
void output_csv_string(FILE *out, const char *s);

/* An untrusted string as text on out: sanitized (sanitize.h). */
void output_text_string(FILE *out, const char *s);

/* The writers of each view (output_states.c, output_text.c,
 * output_fields.c, output_counters.c, output_peers.c, output_diagnoses.c,
 * output_namespaces.c),
 * referenced by the view table. */
int output_text_states(FILE *out, struct output_context *ctx);
int output_json_states(FILE *out, struct output_context *ctx);
int output_csv_states(FILE *out, struct output_context *ctx);
int output_text_listen(FILE *out, struct output_context *ctx);
int output_json_listen(FILE *out, struct output_context *ctx);
int output_csv_listen(FILE *out, struct output_context *ctx);
int output_text_conns(FILE *out, struct output_context *ctx);
int output_json_conns(FILE *out, struct output_context *ctx);
int output_csv_conns(FILE *out, struct output_context *ctx);
int output_text_counters(FILE *out, struct output_context *ctx);
int output_json_counters(FILE *out, struct output_context *ctx);
int output_csv_counters(FILE *out, struct output_context *ctx);
int output_text_peers(FILE *out, struct output_context *ctx);
int output_json_peers(FILE *out, struct output_context *ctx);
int output_csv_peers(FILE *out, struct output_context *ctx);
int output_text_diagnoses(FILE *out, struct output_context *ctx);
int output_json_diagnoses(FILE *out, struct output_context *ctx);
int output_csv_diagnoses(FILE *out, struct output_context *ctx);
int output_text_namespaces(FILE *out, struct output_context *ctx);
int output_json_namespaces(FILE *out, struct output_context *ctx);
int output_csv_namespaces(FILE *out, struct output_context *ctx);
int output_prometheus_write(FILE *out, struct output_context *ctx);
/* output_closed.c: the closed view, and the states view's JSON fields of
 * the interval's closes (nothing when the sample has none). */
struct closed_model;
int output_text_closed(FILE *out, struct output_context *ctx);
int output_json_closed(FILE *out, struct output_context *ctx);
int output_csv_closed(FILE *out, struct output_context *ctx);
void output_json_interval_closes(FILE *out, const struct output_context *ctx);

#endif
