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

#include "snapshot.h"

enum output_view {
	OUTPUT_VIEW_STATES, /* per-state counts: one line per sample */
	OUTPUT_VIEW_LISTEN, /* listening sockets: one line per socket */
	OUTPUT_VIEW_COUNT
};

typedef int (*output_fn)(FILE *out, const struct snapshot *snap, double interval_s);

struct output_format {
	const char *name;
	/* Each writes one sample; returns 0 or -1 with errno. */
	output_fn states;
	output_fn listen;
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
		 const struct snapshot *snap, double interval_s);

/* Ends a line and flushes it, so a script reading a pipe sees each line
 * as it is made; returns 0 or -1 on a write error. */
int output_end_line(FILE *out);

/* The formats (output_text.c, output_json.c). */
extern const struct output_format output_text;
extern const struct output_format output_json;

#endif
