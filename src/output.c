/*
 * output.c - the registry of batch formats and views.
 */
#include "config.h"

#include <string.h>

#include "output.h"

static const struct output_format *const formats[] = {
	&output_text,
	&output_json,
};

static const char *const view_names[OUTPUT_VIEW_COUNT] = {
	[OUTPUT_VIEW_STATES] = "states",
	[OUTPUT_VIEW_LISTEN] = "listen",
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

int
output_view_find(const char *name)
{
	for (int i = 0; i < OUTPUT_VIEW_COUNT; i++)
		if (strcmp(view_names[i], name) == 0)
			return i;
	return -1;
}

const char *
output_view_names(void)
{
	return "states, listen";
}

int
output_print(const struct output_format *format, enum output_view view, FILE *out,
	     const struct snapshot *snap, double interval_s)
{
	output_fn fn = view == OUTPUT_VIEW_LISTEN ? format->listen : format->states;

	return fn(out, snap, interval_s);
}

int
output_end_line(FILE *out)
{
	if (fputc('\n', out) == EOF || fflush(out) == EOF || ferror(out))
		return -1;
	return 0;
}
