/*
 * conn_columns.h - the columns of the connection table, and its fields.
 *
 * One const table describes every column: its name (for -s and the
 * header), title, width, alignment, how to write a row's value as text and
 * how to compare two rows.  The dashboard's table and batch text output
 * both draw from it, so they can never disagree.  A second table describes
 * the fields CSV and JSON write of a row, each as a typed value, and names
 * the column that shows it as text (a test checks that every column but
 * the timer has one).
 * The NETNS column and the netns field name the socket's network
 * namespace; they are for snapshots with a namespace table only
 * (n_netns > 0): callers leave the column out without one, and
 * conn_fields_of() leaves the field out unless asked (CONN_FIELD_NETNS).
 * Pure; any thread (reads immutable data).
 */
#ifndef TCPDECK_CONN_COLUMNS_H
#define TCPDECK_CONN_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conntrack.h"
#include "outbuf.h"
#include "radix_sort.h"
#include "snapshot.h"

enum conn_column {
	COL_PROTO,
	COL_LOCAL,
	COL_REMOTE,
	COL_STATE,
	COL_PID,
	COL_PROCESS,
	COL_USER,
	COL_RECV_Q,
	COL_SEND_Q,
	COL_RTT,
	COL_RETRANS,
	COL_SENT,
	COL_RECEIVED,
	COL_SEND_RATE,
	COL_RECV_RATE,
	COL_AGE,
	COL_TIMER,
	COL_NETNS, /* only with a namespace table: see above */
	COL_COUNT
};

/* A row: a live socket or a tombstone, with what conntrack knows of it. */
struct conn_row {
	const struct sock_entry *entry;
	const struct conn_info *info;   /* NULL when unknown */
	const struct owner_table *owners; /* the table entry->owner indexes
					   * when it is not the snapshot's
					   * (a tombstone's); else NULL */
};

/* Room for a namespace's short name, NUL included. */
#define CONN_NETNS_NAME_MAX 192

struct conn_netns_ranks;

struct conn_name_ranks;

/* What a column needs besides the row. */
struct conn_context {
	const struct snapshot *snap;    /* for owners */
	double now;                     /* for ages: conntrack_now() */
	struct radix_scratch *scratch;  /* kept between sorts; may be NULL */
	/* The short names of snap->netns[i], CONN_NETNS_NAME_MAX bytes each
	 * (conn_netns_names()), for the netns field; NULL: the field is
	 * null. */
	const char *netns_names;
	/* private: set by conn_rows_sort() for the text columns' keys */
	const struct conn_name_ranks *comm_ranks, *user_ranks;
	const struct conn_netns_ranks *netns_ranks;
};

struct conn_column_def {
	const char *name;     /* for -s: "local", "rtt", ... */
	const char *title;    /* header: "LOCAL", "RTT ms" */
	int width;            /* preferred width in cells */
	bool right;           /* right-aligned (numbers) */
	int priority;         /* lower shows first when space is short */
	/* Writes the row's text into out (NUL-terminated, cut to fit) and
	 * returns its length. */
	size_t (*format)(const struct conn_row *row, const struct conn_context *ctx, char *out,
			 size_t out_size);
	int (*compare)(const struct conn_row *a, const struct conn_row *b,
		       const struct conn_context *ctx);
	/* The row's value as key_parts unsigned keys, most significant
	 * (part 0) first, whose order is compare()'s, so 100,000 rows sort
	 * by radix in a few ms instead of chasing pointers in every
	 * comparison.  Text columns are keyed by the rank of their text. */
	uint64_t (*key)(const struct conn_row *row, const struct conn_context *ctx, int part);
	int key_parts;
};

const struct conn_column_def *conn_column(enum conn_column column);

/* The column called `name`, or -1. */
int conn_column_find(const char *name);

/* Comma-separated column names, for help and errors. */
const char *conn_column_names(void);

/* Which formats write a field; CONN_FIELD_NETNS marks a field written
 * only with a namespace table (conn_fields_of() then is asked for it). */
enum { CONN_FIELD_CSV = 1, CONN_FIELD_JSON = 2, CONN_FIELD_NETNS = 4 };

#define CONN_FIELD_NO_COLUMN (-1)

struct conn_field_def {
	const char *name;      /* CSV header and JSON key: "local_addr" */
	int column;            /* enum conn_column that shows it as text, or
				* CONN_FIELD_NO_COLUMN */
	unsigned int formats;  /* CONN_FIELD_CSV | CONN_FIELD_JSON */
	/* The row's value; v comes zeroed (OUTBUF_NULL: unknown). */
	void (*get)(const struct conn_row *row, const struct conn_context *ctx,
		    struct outbuf_value *v);
};

/* The i-th field in output order, or NULL past the last. */
const struct conn_field_def *conn_field(size_t i);
size_t conn_field_count(void);

/* The fields `format` (CONN_FIELD_CSV or _JSON, with CONN_FIELD_NETNS
 * when the snapshot has a namespace table) writes, in order, into out
 * (at most max); returns how many. */
size_t conn_fields_of(unsigned int format, const struct conn_field_def **out, size_t max);

/* The values of n fields of a row into values[0..n); returns the most
 * bytes they take written (outbuf_value_max()), summed. */
size_t conn_fields_get(const struct conn_field_def *const *fields, size_t n, const struct conn_row *row,
		       const struct conn_context *ctx, struct outbuf_value *values);

/* The namespace of a row: the one of the context's snapshot with the
 * entry's inode; NULL when not known (a tombstone's namespace that has
 * left the snapshot too). */
const struct snapshot_netns *conn_row_netns(const struct conn_row *row,
					    const struct conn_context *ctx);

/* The short name of namespace ns (netns_info_short(); raw bytes: sanitize
 * before showing), "-" for NULL, into out (n bytes, NUL-terminated).
 * Returns the length. */
size_t conn_netns_name(const struct snapshot_netns *ns, char *out, size_t n);

/* The short names of every namespace of snap, in table order,
 * CONN_NETNS_NAME_MAX bytes each: malloc'd, or NULL (no table, or out of
 * memory: errno). */
char *conn_netns_names(const struct snapshot *snap);

/*
 * Sorts rows by a column, ascending or descending, stably (rows that
 * compare equal keep their order, so re-sorting by another column keeps
 * the previous order among ties).
 */
void conn_rows_sort(struct conn_row *rows, size_t n, enum conn_column column, bool descending,
		    const struct conn_context *ctx);

#endif
