/*
 * output.c - the text and JSON lines of batch mode.
 * Only reads snapshots; never decides whether to exit.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "format.h"
#include "output.h"

static int
finish_line(FILE *out)
{
	/* One flushed line per sample, so a script reading a pipe sees each
	 * sample as it happens. */
	if (fputc('\n', out) == EOF || fflush(out) == EOF || ferror(out))
		return -1;
	return 0;
}

static int
text_states(FILE *out, const struct snapshot *snap, double interval_s)
{
	char when[40];

	(void)interval_s;
	format_rfc3339(&snap->taken_wall, when, sizeof(when));
	fprintf(out, "%s total=%u", when, snap->total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, " %s=%u", tcp_state_name(i), snap->counts[i]);
	return finish_line(out);
}

static int
json_states(FILE *out, const struct snapshot *snap, double interval_s)
{
	char when[40];

	format_rfc3339(&snap->taken_wall, when, sizeof(when));
	fprintf(out, "{\"time\": \"%s\", \"interval\": %g, \"total\": %u, \"states\": {", when,
		interval_s, snap->total);
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		fprintf(out, "%s\"%s\": %u", i > 0 ? ", " : "", tcp_state_name(i), snap->counts[i]);
	fputs("}}", out);
	return finish_line(out);
}

static const struct output_format text_format = {
	.name = "text",
	.states = text_states,
};

static const struct output_format json_format = {
	.name = "json",
	.states = json_states,
};

static const struct output_format *const formats[] = {
	&text_format,
	&json_format,
};

const struct output_format *
output_format_find(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const char *
output_format_names(void)
{
	return "text, json";
}
