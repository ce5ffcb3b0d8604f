/*
 * output_prometheus.c - the prometheus view of batch output: one
 * exposition in the classic text format per sample (prometheus.c),
 * expositions separated by one empty line (an exposition never holds
 * one), so `-n 1` prints exactly one exposition.
 * Only reads snapshots and findings; reads /proc/self for process_*.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "output.h"
#include "prometheus.h"

int
output_prometheus_write(FILE *out, struct output_context *ctx)
{
	struct prom_buf b = {0};
	struct procself self;
	struct prom_sample s = {
		.snap = ctx->snap,
		.diag = ctx->diag,
		.top = ctx->peers_top > 0 ? ctx->peers_top : 0,
	};
	int rc = 0;

	ctx->dump_retries += ctx->snap->dump_restarts;
	s.samples_total = ctx->snap->seq;
	s.dump_retries_total = ctx->dump_retries;
	if (ctx->closed != NULL && ctx->snap->has_closes)
		s.closes = closed_model_totals(ctx->closed);
	if (procself_read(&self, "/proc") == 0)
		s.self = &self;
	if (prometheus_render(&b, &s, PROM_TEXT) < 0) {
		prom_buf_free(&b);
		return -1;
	}
	if (ctx->header_written && fputc('\n', out) == EOF)
		rc = -1;
	ctx->header_written = true;
	if (rc == 0 && b.len > 0 && fwrite(b.data, 1, b.len, out) != b.len)
		rc = -1;
	if (rc == 0 && (fflush(out) == EOF || ferror(out)))
		rc = -1;
	prom_buf_free(&b);
	return rc;
}
