/*
 * output_columns.h - which columns the listen and conns views show in
 * batch output (--columns), and what showing them costs.
 *
 * The conns view's columns are the connection table's (conn_columns.h);
 * the listen view's are described here.  A list names them as their
 * headers do ("local,state,rtt"), in the order they are shown; CSV and
 * JSON then write the fields of those columns, in that order.  What the
 * chosen columns need decides what a sample collects: without an owner
 * column /proc is not walked, without a tcp_info column the kernel is not
 * asked for tcp_info, without ages or rates sockets are not tracked.
 * Pure; any thread.
 */
#ifndef TCPDECK_OUTPUT_COLUMNS_H
#define TCPDECK_OUTPUT_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

#include "output.h"

/* The columns of the listen view, in the order it shows them by default
 * (NETNS only with a namespace table). */
enum listen_column {
	LISTEN_COL_NETNS,
	LISTEN_COL_LOCAL,
	LISTEN_COL_FAM,
	LISTEN_COL_PID,
	LISTEN_COL_USER,
	LISTEN_COL_PROCESS,
	LISTEN_COL_ACCEPTQ,
	LISTEN_COL_BACKLOG,
	LISTEN_COL_ESTAB,
	LISTEN_COL_SYN_RECV,
	LISTEN_COL_COUNT
};

struct listen_column_def {
	const char *name;  /* as --columns takes it: "acceptq" */
	const char *title; /* header: "ACCEPTQ" */
	int width;         /* cells; 0: as wide as the widest value */
	bool right;        /* right-aligned (numbers) */
	bool owner;        /* shows the socket's owner (walks /proc) */
};

const struct listen_column_def *listen_column(enum listen_column column);

/* Room for every column of either view. */
enum { OUTPUT_COLUMNS_MAX = 32 };

/* The columns a view shows, in order: enum conn_column (conns) or enum
 * listen_column (listen). */
struct output_columns {
	int ids[OUTPUT_COLUMNS_MAX];
	size_t n; /* 0: the view's own columns */
};

/* Whether --columns applies to `view` (listen and conns). */
bool output_columns_apply(enum output_view view);

/*
 * Parses a comma-separated list of column names for `view` into *out: a
 * column's name as its header shows it, in any case ("RECV-Q", "rcvd"),
 * or its name for -s ("received").  Returns 0, or -1 with a one-line
 * message in msg naming the columns there are (an unknown or repeated
 * name, an empty list, a view without columns).
 */
int output_columns_parse(enum output_view view, const char *list, struct output_columns *out,
			 char *msg, size_t msg_len);

/* Comma-separated names of the columns of `view` (", " between them),
 * or "" for a view without columns. */
const char *output_columns_names(enum output_view view);

/*
 * What `view` needs (enum output_need flags) when it shows only the
 * columns of cols (NULL or empty: all of them): its own needs without
 * OUTPUT_NEED_OWNERS when no column shows an owner, without
 * OUTPUT_NEED_TCP_INFO when none shows tcp_info, without
 * OUTPUT_NEED_CONNTRACK when none shows an age or a rate.
 */
unsigned int output_needs(enum output_view view, const struct output_columns *cols);

#endif
