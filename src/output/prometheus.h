/*
 * prometheus.h - one sample as a Prometheus exposition: the classic text
 * format (text/plain; version=0.0.4) or OpenMetrics 1.0.0.
 *
 * The metric names are a contract with alert rules and dashboards
 * (doc/tcpdeck.1, PROMETHEUS).  Cardinality is bounded: per-process and
 * per-port series cover the top N of each plus one "other" row; the
 * per-state gauge always lists all eleven states.  Label values from
 * other people (process names, namespace names, finding subjects) are
 * made safe with sanitize.h and then escaped as the format asks
 * (backslash, double quote, newline), so any name yields a valid
 * exposition.
 *
 * prometheus_render() only reads its inputs: any thread, one buffer per
 * call.  A prom_blob is immutable once made and reference-counted
 * (atomically): the sampling thread publishes one, HTTP threads send it.
 * Nothing here prints or exits.
 */
#ifndef TCPDECK_PROMETHEUS_H
#define TCPDECK_PROMETHEUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "closed.h"
#include "diagnose.h"
#include "procself.h"
#include "snapshot.h"

enum prom_format {
	PROM_TEXT,        /* text/plain; version=0.0.4 */
	PROM_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
	PROM_FORMAT_COUNT
};

/* The Content-Type of a format. */
const char *prom_content_type(enum prom_format format);

/* A growable byte buffer; failed once memory ran out. */
struct prom_buf {
	char *data;
	size_t len, cap;
	bool failed;
};

/* Frees the buffer's memory and empties it. */
void prom_buf_free(struct prom_buf *b);

struct prom_tally; /* below */

/* What one exposition shows. */
struct prom_sample {
	const struct snapshot *snap;   /* sealed; required */
	const struct diagnose *diag;   /* findings and the port range; NULL:
					* no tcpdeck_finding, no
					* tcpdeck_ephemeral_ports */
	unsigned int top;              /* processes and ports shown before
					* "other"; 0: all */
	uint64_t samples_total;        /* samples taken so far */
	uint64_t dump_retries_total;   /* dumps repeated so far */
	bool has_scrapes;              /* serving over HTTP: */
	uint64_t scrapes_total;        /* scrapes answered so far */
	const struct procself *self;   /* process_* metrics; NULL: none (the
					* textfile collector has its own) */
	const struct closed_totals *closes; /* connections closed, short-lived,
					     * events lost so far (closed.h);
					     * NULL: not listened for */
	const struct prom_tally *tally; /* counted over snap with top by
					 * prom_tally_count(); NULL: counted
					 * by each prometheus_render() */
};

/* The default of prom_sample.top (--top). */
#define PROM_DEFAULT_TOP 20

/*
 * What an exposition counts over every socket of a sample: the
 * listeners' groups, the top processes and ports with the rest summed,
 * the namespaces' labels.  Counted once per sample and then rendered in
 * each format (and into a textfile) from the same counts: the walks over
 * the sockets are most of an exposition's cost at 100,000 sockets.  Its
 * memory is kept from one count to the next.  One thread at a time; it
 * reads the snapshot while counting only, and keeps no reference to it:
 * render it only with the sample it was counted over.
 */

/* An empty tally, or NULL with errno (ENOMEM). */
struct prom_tally *prom_tally_new(void);

/* NULL is accepted. */
void prom_tally_free(struct prom_tally *t);

/*
 * Counts s->snap (sealed) with s->top into t, replacing what t held.
 * Returns 0, or -1 with errno (ENOMEM; t then renders nothing of it and
 * must be counted again before use).
 */
int prom_tally_count(struct prom_tally *t, const struct prom_sample *s);

/*
 * Appends the exposition of s in `format` to b (OpenMetrics ends with
 * "# EOF").  Returns 0, or -1 with errno (ENOMEM; b->failed is set and
 * b holds a partial exposition).
 */
int prometheus_render(struct prom_buf *b, const struct prom_sample *s, enum prom_format format);

/*
 * A label value as the exposition carries it, without quotes: the shown
 * form of s (sanitize.h: control bytes and invalid UTF-8 visible as
 * \xHH) with backslash, double quote and newline escaped.  Writes at
 * most out_size bytes including the NUL, cut at a whole character;
 * returns the length.
 */
size_t prom_label_escape(const char *s, char *out, size_t out_size);

/* An immutable, reference-counted exposition. */
struct prom_blob {
	int refs;   /* atomic */
	size_t len;
	char data[];
};

/* A blob with a copy of len bytes and one reference, or NULL (ENOMEM). */
struct prom_blob *prom_blob_new(const char *data, size_t len);
struct prom_blob *prom_blob_ref(struct prom_blob *blob);
/* Drops one reference; the last frees it.  NULL is accepted. */
void prom_blob_unref(struct prom_blob *blob);

#endif
