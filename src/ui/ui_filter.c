/*
 * ui_filter.c - the filter every view follows: set from an ss expression
 * typed at the prompt (/), picked by state (the state picker) or by
 * network namespace (the namespace picker), or made by a view (the
 * selected row's port, the selected namespace).  A bad expression leaves
 * the previous filter in force.  Main thread only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
ui_filter_netns(struct ui *ui, uint32_t inode)
{
	char expr[sizeof(ui->netns_made)], name[128];
	const char *now = ui->filter != NULL ? filter_text(ui->filter) : "";
	const char *p;

	/* The filter as it was before a namespace was chosen: "state
	 * time-wait" stays when another namespace is picked. */
	if (ui->filter == NULL || strcmp(now, ui->netns_made) != 0)
		snprintf(ui->netns_base, sizeof(ui->netns_base), "%s", now);
	for (p = ui->netns_base; *p == ' '; p++)
		;
	/* Juxtaposed means "and", folded left to right as ss does: "A or B
	 * netns N" is "(A or B) and netns N", whatever the base holds. */
	if (*p == '\0')
		snprintf(expr, sizeof(expr), "netns %u", inode);
	else
		snprintf(expr, sizeof(expr), "%s netns %u", ui->netns_base, inode);
	if (!ui_filter_set(ui, expr, NULL)) {
		snprintf(expr, sizeof(expr), "netns %u", inode);
		if (!ui_filter_set(ui, expr, NULL))
			return;
	}
	snprintf(ui->netns_made, sizeof(ui->netns_made), "%s", expr);
	if (!ui_netns_name(ui, inode, name, sizeof(name)))
		snprintf(name, sizeof(name), "netns:[%u]", inode);
	/* The name is raw: the status line is drawn through ui_put. */
	snprintf(ui->status, sizeof(ui->status),
		 "every view shows namespace %s only (netns %u): / edits the filter, N picks "
		 "another",
		 name, inode);
}

/*
 * The namespace picker: a for all, then 1-9 and the letters after a for
 * the namespaces of the sample on screen, in the order of their names.
 * The choices outlive the prompt that shows them, so they live here (one
 * dashboard, main thread).
 */
static const char pick_keys[] = "123456789bcdefghijlmnopqrstuvwxyz";
enum { PICK_MAX = sizeof(pick_keys) - 1 + 1 };
static struct ui_prompt_choice pick_choices[PICK_MAX];
static char pick_labels[PICK_MAX][40];
static uint32_t pick_inodes[PICK_MAX];

static void
picked_netns(struct ui *ui, void *ctx, size_t index)
{
	uint32_t inode;

	(void)ctx;
	if (index == 0) {
		/* All: back to the filter before a namespace was chosen, or
		 * none when it was typed so. */
		if (ui->filter != NULL && strcmp(filter_text(ui->filter), ui->netns_made) == 0)
			ui_filter_set(ui, ui->netns_base, NULL);
		else if (filter_netns_only(ui->filter, &inode))
			ui_filter_set(ui, "", NULL);
		else
			snprintf(ui->status, sizeof(ui->status), "every namespace is shown already");
		return;
	}
	ui_filter_netns(ui, pick_inodes[index]);
}

void
ui_filter_pick_netns(struct ui *ui)
{
	struct ui_netns_row *rows = NULL;
	ssize_t n;
	size_t k = 0;

	n = ui_netns_rows(ui, UI_NETNS_SORT_NAME, false, &rows);
	if (n <= 0) {
		free(rows);
		snprintf(ui->status, sizeof(ui->status),
			 n < 0 ? "out of memory for the namespaces"
			       : "no namespaces to pick: start tcpdeck with --netns all");
		return;
	}
	pick_choices[k].key = 'a';
	pick_choices[k++].label = "all";
	for (ssize_t i = 0; i < n && k < PICK_MAX; i++) {
		if (rows[i].gone)
			continue;
		/* A label of the shown form, cut: the prompt draws it as
		 * text from outside too. */
		ui_put_form(rows[i].name, strlen(rows[i].name), 24, true, pick_labels[k],
			    sizeof(pick_labels[k]), NULL, NULL);
		pick_inodes[k] = rows[i].inode;
		pick_choices[k].key = pick_keys[k - 1];
		pick_choices[k].label = pick_labels[k];
		k++;
	}
	free(rows);
	ui_prompt_choose(ui, "namespace: ", pick_choices, k, picked_netns, NULL);
	if ((size_t)n >= PICK_MAX)
		snprintf(ui->status, sizeof(ui->status),
			 "%zd namespaces: the picker lists %d; view 8 lists them all", n,
			 PICK_MAX - 1);
}
