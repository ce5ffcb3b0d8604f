/*
 * ui_filter.c - the filter every view follows: set from an ss expression
 * typed at the prompt (/), picked by state (the state picker), or made by
 * a view (the selected row's port).  A bad expression leaves the previous
 * filter in force.  Main thread only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ui_internal.h"

/* The state picker: a key per state name as ss spells it. */
static const struct ui_prompt_choice state_choices[] = {
	{'a', "all"},        {'1', "listening"},  {'2', "syn-sent"},   {'3', "syn-recv"},
	{'4', "established"}, {'5', "fin-wait-1"}, {'6', "fin-wait-2"}, {'7', "close-wait"},
	{'8', "closing"},    {'9', "last-ack"},   {'0', "time-wait"},  {'c', "closed"},
};
enum { N_STATES = sizeof(state_choices) / sizeof(state_choices[0]) };

static const struct filter_parse_options prompt_parse = {.flags = FILTER_PARSE_NO_HOSTS};

bool
ui_filter_set(struct ui *ui, const char *expr, int *bad)
{
	char *error = NULL;
	size_t pos = 0;
	struct filter *f;
	const char *p = expr;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		filter_free(ui->filter);
		ui->filter = NULL;
		history_clear(ui->history);
		snprintf(ui->status, sizeof(ui->status), "filter cleared");
		return true;
	}
	/* No host names at the prompt: a lookup could freeze the screen. */
	f = filter_parse_with(expr, &prompt_parse, &error, &pos);
	if (f == NULL) {
		snprintf(ui->status, sizeof(ui->status), "%s",
			 error != NULL ? error : "filter: out of memory");
		free(error);
		if (bad != NULL)
			*bad = (int)pos;
		return false;
	}
	filter_free(ui->filter);
	ui->filter = f;
	/* The history follows what the filter selects: a new filter starts
	 * a new history rather than mixing two kinds of counts. */
	history_clear(ui->history);
	snprintf(ui->status, sizeof(ui->status), "%s", filter_hint(f) != NULL ? filter_hint(f) : "");
	return true;
}

static bool
typed(struct ui *ui, void *ctx, const char *text, int *bad)
{
	(void)ctx;
	return ui_filter_set(ui, text, bad);
}

void
ui_filter_prompt(struct ui *ui)
{
	ui_prompt_text(ui, "filter: ", ui->filter != NULL ? filter_text(ui->filter) : "", typed,
		       NULL);
}

static void
picked(struct ui *ui, void *ctx, size_t index)
{
	char expr[64];

	(void)ctx;
	if (index == 0)
		expr[0] = '\0';
	else
		snprintf(expr, sizeof(expr), "state %s", state_choices[index].label);
	ui_filter_set(ui, expr, NULL);
}

void
ui_filter_pick_state(struct ui *ui)
{
	ui_prompt_choose(ui, "state: ", state_choices, N_STATES, picked, NULL);
}
