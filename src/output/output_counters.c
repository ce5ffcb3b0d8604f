/*
 * output_counters.c - the counters view of batch output in every format:
 * the kernel's TCP counters of each sample after the first, with how much
 * each grew since the sample before and its rate per second (gauges: the
 * value only).  Counters are named as nstat names them ("TcpActiveOpens",
 * "TcpExtListenDrops"); counters this kernel lacks are left out.
 * Only reads snapshots; one writer per stream.
 */
#include "config.h"

#include <stdio.h>

#include "format.h"
#include "output.h"

/* "Tcp" + "ActiveOpens", as nstat prints it. */
static void
counter_name(enum kcounter c, char *out, size_t out_size)
{
	snprintf(out, out_size, "%s%s", kcounter_group(c), kcounter_name(c));
}

/* What a sample has to say about counter c: false when it is missing. */
struct counter_line {
	uint64_t value;
	bool has_delta;
	uint64_t delta;
	bool has_rate;
	double rate;
};

static bool
counter_line(const struct output_context *ctx, enum kcounter c, double dt,
             struct counter_line *line)
{
	const struct kcounters *now = &ctx->snap->counters, *before = &ctx->prev->counters;

	if (!kcounters_has(now, c))
		return false;
	line->value = now->value[c];
	line->has_delta = kcounters_delta(before, now, c, &line->delta);
	line->has_rate = !kcounter_is_gauge(c) && kcounters_rate(before, now, c, dt, &line->rate);
	return true;
}

int
output_text_counters(FILE *out, struct output_context *ctx)
{
	double dt = output_counters_dt(ctx);
	char when[40], name[64], delta[32], rate[32];

	if (ctx->prev == NULL)
		return 0; /* rates need two samples */
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	if (ctx->snap->counters.present == 0) {
		fprintf(out, "# %s, no kernel counters", when);
		return output_end_line(out);
	}
	fprintf(out, "# %s, counters over %.3f s", when, dt);
	output_end_line(out);
	fprintf(out, "%-28s %20s %12s %14s", "COUNTER", "VALUE", "DELTA", "RATE/S");
	if (output_end_line(out) < 0)
		return -1;
	for (int c = 0; c < KC_COUNT; c++) {
		struct counter_line line;

		if (!counter_line(ctx, c, dt, &line))
			continue;
		counter_name(c, name, sizeof(name));
		snprintf(delta, sizeof(delta), line.has_delta ? "%llu" : "-",
		         (unsigned long long)line.delta);
		if (line.has_rate)
			snprintf(rate, sizeof(rate), "%.2f", line.rate);
		else
			snprintf(rate, sizeof(rate), "-");
		fprintf(out, "%-28s %20llu %12s %14s", name, (unsigned long long)line.value, delta,
		        rate);
		if (output_end_line(out) < 0)
			return -1;
	}
	return 0;
}

int
output_json_counters(FILE *out, struct output_context *ctx)
{
	double dt = output_counters_dt(ctx);
	char when[40], name[64];
	bool first = true;

	if (ctx->prev == NULL)
		return 0;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"interval\": %.6f, \"counters\": {", when, dt);
	for (int c = 0; c < KC_COUNT; c++) {
		struct counter_line line;

		if (!counter_line(ctx, c, dt, &line))
			continue;
		counter_name(c, name, sizeof(name));
		fprintf(out, "%s\"%s\": {\"value\": %llu", first ? "" : ", ", name,
		        (unsigned long long)line.value);
		first = false;
		if (kcounter_is_gauge(c)) {
			fputc('}', out);
			continue;
		}
		if (line.has_delta)
			fprintf(out, ", \"delta\": %llu", (unsigned long long)line.delta);
		else
			fputs(", \"delta\": null", out);
		if (line.has_rate)
			fprintf(out, ", \"rate\": %.3f}", line.rate);
		else
			fputs(", \"rate\": null}", out);
	}
	fputs("}}", out);
	return output_end_line(out);
}

int
output_csv_counters(FILE *out, struct output_context *ctx)
{
	double dt = output_counters_dt(ctx);
	char when[40], name[64];

	if (!ctx->header_written) {
		ctx->header_written = true;
		fputs("time,interval,counter,value,delta,rate", out);
		if (output_end_line(out) < 0)
			return -1;
	}
	if (ctx->prev == NULL)
		return 0;
	format_rfc3339(&ctx->snap->taken_wall, when, sizeof(when));
	for (int c = 0; c < KC_COUNT; c++) {
		struct counter_line line;

		if (!counter_line(ctx, c, dt, &line))
			continue;
		counter_name(c, name, sizeof(name));
		fprintf(out, "%s,%.6f,%s,%llu,", when, dt, name, (unsigned long long)line.value);
		if (line.has_delta)
			fprintf(out, "%llu", (unsigned long long)line.delta);
		fputc(',', out);
		if (line.has_rate)
			fprintf(out, "%.3f", line.rate);
		if (output_end_line(out) < 0)
			return -1;
	}
	return 0;
}
