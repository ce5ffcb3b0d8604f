/*
 * output.h - batch output formats of the state counts.
 *
 * Each format is a const table of functions; adding one is one table and
 * one line in the registry in output.c.  Formats only read snapshots.
 * Any thread, but one writer per stream.
 */
#ifndef TCPDECK_OUTPUT_H
#define TCPDECK_OUTPUT_H

#include <stdio.h>

#include "snapshot.h"

struct output_format {
	const char *name;
	/* Writes one line for one sample; returns 0 or -1 with errno. */
	int (*states)(FILE *out, const struct snapshot *snap, double interval_s);
};

/* The format called `name`, or NULL. */
const struct output_format *output_format_find(const char *name);

/* Comma-separated names of every format, for help and error messages. */
const char *output_format_names(void);

#endif
