/*
 * prom_export.c - what the exporter does with every sample: render,
 * write the textfile, publish to the HTTP front end.
 * The thread that owns the pipeline only; never prints or exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prom_export.h"
#include "safe_file.h"

struct prom_export {
	struct prom_export_config cfg;
	char *textfile;
	uint64_t samples;
	uint64_t dump_retries;
	struct prom_buf buf; /* reused sample after sample */
	struct prom_tally *tally; /* counted once a sample, rendered in
				   * every format; reused likewise */
};

struct prom_export *
prom_export_new(const struct prom_export_config *cfg)
{
	struct prom_export *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->cfg = *cfg;
	x->tally = prom_tally_new();
	if (x->tally == NULL) {
		free(x);
		errno = ENOMEM;
		return NULL;
	}
	if (cfg->textfile != NULL) {
		x->textfile = strdup(cfg->textfile);
		if (x->textfile == NULL) {
			prom_tally_free(x->tally);
			free(x);
			errno = ENOMEM;
			return NULL;
		}
	}
	return x;
}

void
prom_export_free(struct prom_export *x)
{
	if (x == NULL)
		return;
	prom_buf_free(&x->buf);
	prom_tally_free(x->tally);
	free(x->textfile);
	free(x);
}

int
prom_write_atomic(const char *path, const char *data, size_t len)
{
	/* A temporary file beside it, fsync'd and renamed; never through a
	 * link another user planted (safe_file.h). */
	return safe_file_write(path, data, len, 0644);
}

/* One exposition of the sample into a new blob; NULL with errno. */
static struct prom_blob *
render_blob(struct prom_export *x, const struct prom_sample *s, enum prom_format f)
{
	x->buf.len = 0;
	x->buf.failed = false;
	if (prometheus_render(&x->buf, s, f) < 0)
		return NULL;
	return prom_blob_new(x->buf.data, x->buf.len);
}

int
prom_export_feed(void *exporter, const struct snapshot *snap, const struct pipeline *pipe,
		 char *cause, size_t cause_len)
{
	struct prom_export *x = exporter;
	struct procself self;
	struct prom_sample s = {
		.snap = snap,
		.diag = pipe != NULL ? pipeline_findings(pipe) : NULL,
		.top = x->cfg.top,
	};

	x->samples++;
	x->dump_retries += snap->dump_restarts;
	/* The ring's sequence counts the samples taken, also those this
	 * thread never saw. */
	s.samples_total = snap->seq > x->samples ? snap->seq : x->samples;
	s.dump_retries_total = x->dump_retries;
	if (pipe != NULL && pipeline_closed(pipe) != NULL && snap->has_closes)
		s.closes = closed_model_totals(pipeline_closed(pipe));
	/* The sockets are counted once, whatever is rendered from them. */
	if (prom_tally_count(x->tally, &s) < 0) {
		snprintf(cause, cause_len, "prometheus: out of memory");
		return -1;
	}
	s.tally = x->tally;
	if (x->textfile != NULL) {
		/* No process_* nor scrapes: node_exporter exports its own
		 * process_* and would reject the same names from a file. */
		x->buf.len = 0;
		x->buf.failed = false;
		if (prometheus_render(&x->buf, &s, PROM_TEXT) < 0) {
			snprintf(cause, cause_len, "prometheus: out of memory");
			return -1;
		}
		if (prom_write_atomic(x->textfile, x->buf.data, x->buf.len) < 0) {
			snprintf(cause, cause_len, "cannot write --textfile '%s': %s", x->textfile,
				 safe_file_strerror(errno));
			return -1;
		}
	}
	if (x->cfg.publish != NULL) {
		struct prom_blob *text, *om;

		if (procself_read(&self, "/proc") == 0)
			s.self = &self;
		if (x->cfg.scrapes != NULL) {
			s.has_scrapes = true;
			s.scrapes_total = x->cfg.scrapes(x->cfg.arg);
		}
		text = render_blob(x, &s, PROM_TEXT);
		om = text != NULL ? render_blob(x, &s, PROM_OPENMETRICS) : NULL;
		if (om == NULL) {
			prom_blob_unref(text);
			snprintf(cause, cause_len, "prometheus: out of memory");
			return -1;
		}
		x->cfg.publish(x->cfg.arg, text, om);
	}
	return 0;
}
