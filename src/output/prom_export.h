/*
 * prom_export.h - the Prometheus exporter's per-sample step: render the
 * exposition of the sample just fed to the pipeline, rewrite the textfile
 * (node_exporter's textfile collector) atomically, and hand both formats
 * to the HTTP front end (src/serve), which only swaps a pointer.
 *
 * Call order: prom_export_new(), then prom_export_feed() once per sample,
 * right after pipeline_feed(), on the thread that owns the pipeline (the
 * batch loop or the dashboard); prom_export_free() last.  The publish and
 * scrapes callbacks run on that thread.  Nothing here prints or exits.
 */
#ifndef TCPDECK_PROM_EXPORT_H
#define TCPDECK_PROM_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "prometheus.h"

struct prom_export_config {
	unsigned int top;      /* processes and ports before "other"; 0: all */
	const char *textfile;  /* rewritten every sample; NULL: none (copied) */
	/* The HTTP front end, or NULL: takes over one reference to each
	 * exposition (classic and OpenMetrics) of every sample. */
	void (*publish)(void *arg, struct prom_blob *text, struct prom_blob *openmetrics);
	uint64_t (*scrapes)(void *arg); /* scrapes answered so far */
	void *arg;
};

struct prom_export;

/* NULL with errno (ENOMEM). */
struct prom_export *prom_export_new(const struct prom_export_config *cfg);

/* NULL is accepted. */
void prom_export_free(struct prom_export *x);

/*
 * One sample: snap, just fed to pipe (whose findings are shown when it
 * builds them).  The signature of a batch or dashboard sample hook, with
 * the exporter as arg.  Returns 0, or -1 with a one-line cause (the
 * textfile could not be written, out of memory).
 */
int prom_export_feed(void *exporter, const struct snapshot *snap, const struct pipeline *pipe,
		     char *cause, size_t cause_len);

/*
 * Writes len bytes to path atomically: a temporary file beside it, fsync,
 * rename (safe_file_write(): a symbolic link at path is refused).
 * Returns 0, or -1 with errno (the temporary file removed).
 */
int prom_write_atomic(const char *path, const char *data, size_t len);

#endif
