/*
 * output_diagnoses.c - the diagnoses view of batch output in every
 * format: the findings firing at each sample (see diagnose.h), worst
 * first.  Text: one line per finding, or one "no findings" line, so every
 * sample shows.  JSON: one object per sample with a "findings" array.
 * CSV: one row per finding under a header.
 * Only reads the diagnoser the batch loop updated; one writer per stream.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diagnose.h"
#include "format.h"
#include "output.h"
#include "sock_format.h"

/* Seconds since the finding fired, on the snapshots' clock. */
static double
finding_age(const struct output_context *ctx, const struct diag_finding *f)
{
	const struct timespec *t = &ctx->snap->taken_mono;
	double age = (double)t->tv_sec + (double)t->tv_nsec / 1e9 - f->since;

	return age > 0 ? age : 0;
}

static size_t
findings(const struct output_context *ctx)
{
	return ctx->diag != NULL ? diagnose_count(ctx->diag) : 0;
}

int
output_text_diagnoses(FILE *out, struct output_context *ctx)
{
	size_t n = findings(ctx);
	char when[40];

	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	if (n == 0) {
		fprintf(out, "%s no findings", when);
		return output_end_line(out);
	}
	for (size_t i = 0; i < n; i++) {
		const struct diag_finding *f = diagnose_get(ctx->diag, i);

		/* Titles and evidence name processes: sanitized. */
		fprintf(out, "%s %s %s: ", when, diag_severity_name(f->severity), f->id);
		output_text_string(out, f->title);
		fputs(" [", out);
		output_text_string(out, f->evidence);
		fputs("] next: ", out);
		output_text_string(out, f->next);
		fputs(f->clearing ? " (clearing)" : "", out);
		if (output_end_line(out) < 0)
			return -1;
	}
	return 0;
}

int
output_json_diagnoses(FILE *out, struct output_context *ctx)
{
	size_t n = findings(ctx);
	char when[40];

	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"interval\": %g, \"findings\": [", when, ctx->interval_s);
	for (size_t i = 0; i < n; i++) {
		const struct diag_finding *f = diagnose_get(ctx->diag, i);

		fprintf(out, "%s{\"id\": \"%s\", \"key\": ", i > 0 ? ", " : "", f->id);
		sock_format_json_string(out, f->key);
		fprintf(out, ", \"severity\": \"%s\", \"title\": ", diag_severity_name(f->severity));
		sock_format_json_string(out, f->title);
		fputs(", \"evidence\": ", out);
		sock_format_json_string(out, f->evidence);
		fputs(", \"next\": ", out);
		sock_format_json_string(out, f->next);
		fputs(", \"subject\": ", out);
		sock_format_json_string(out, f->subject);
		if (f->pid != 0) {
			fprintf(out, ", \"pid\": %d, \"process\": ", f->pid);
			sock_format_json_string(out, f->comm);
		} else {
			fputs(", \"pid\": null, \"process\": null", out);
		}
		if (f->port != 0)
			fprintf(out, ", \"port\": %u", f->port);
		else
			fputs(", \"port\": null", out);
		fprintf(out, ", \"level\": %.3g, \"age\": %.1f, \"clearing\": %s}", f->level,
			finding_age(ctx, f), f->clearing ? "true" : "false");
	}
	fputs("]}", out);
	return output_end_line(out);
}

int
output_csv_diagnoses(FILE *out, struct output_context *ctx)
{
	size_t n = findings(ctx);
	char when[40];

	if (!ctx->header_written) {
		fputs("time,severity,id,key,subject,pid,process,port,level,age,title,evidence,next",
		      out);
		if (output_end_line(out) < 0)
			return -1;
		ctx->header_written = true;
	}
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (size_t i = 0; i < n; i++) {
		const struct diag_finding *f = diagnose_get(ctx->diag, i);

		fprintf(out, "%s,%s,%s,", when, diag_severity_name(f->severity), f->id);
		output_csv_string(out, f->key);
		fputc(',', out);
		output_csv_string(out, f->subject);
		if (f->pid != 0) {
			fprintf(out, ",%d,", f->pid);
			output_csv_string(out, f->comm);
		} else {
			fputs(",,", out);
		}
		if (f->port != 0)
			fprintf(out, ",%u", f->port);
		else
			fputc(',', out);
		fprintf(out, ",%.3g,%.1f,", f->level, finding_age(ctx, f));
		output_csv_string(out, f->title);
		fputc(',', out);
		output_csv_string(out, f->evidence);
		fputc(',', out);
		output_csv_string(out, f->next);
		if (output_end_line(out) < 0)
			return -1;
	}
	if (fflush(out) == EOF)
		return -1;
	return 0;
}
