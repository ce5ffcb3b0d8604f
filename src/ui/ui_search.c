/*
 * ui_search.c - F3, htop's incremental search: "search: " at the prompt
 * line; every character typed moves the selection to the first row, from
 * the selected one on, whose text holds what is typed (any case); F3
 * again finds the next; Enter or Esc end the search where the selection
 * is.  The view finds the rows (its find hook), so the search knows
 * nothing of sockets.  Main thread only; draws nothing itself.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "ui_internal.h"

/* What is typed, for F3 at the prompt. */
static char typed[256];

static bool
find(struct ui *ui, const char *text, bool next)
{
	const struct ui_view *view = ui_views_current(ui);

	if (text != typed)
		snprintf(typed, sizeof(typed), "%s", text);
	if (text[0] == '\0')
		return true;
	if (view->find(ui, ui_views_current_state(ui), text, next)) {
		ui->status[0] = '\0';
		return true;
	}
	/* A search longer than the status line is cut there. */
	format_cut(ui->status, sizeof(ui->status), "no row holds '%s'", text);
	return false;
}

static bool
changed(struct ui *ui, void *ctx, const char *text)
{
	(void)ctx;
	return find(ui, text, false);
}

/* F3 finds the next row; other function keys end the search and do
 * what they do. */
static void
other_key(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	if (key == KEY_F(3)) {
		find(ui, typed, true);
		return;
	}
	/* Closes the prompt: an Esc. */
	ui_prompt_key(ui, 27);
	ui_keys_handle(ui, key);
}

static bool
done(struct ui *ui, void *ctx, const char *text, int *bad)
{
	(void)ctx;
	(void)text;
	(void)bad;
	ui->status[0] = '\0';
	return true;
}

void
ui_search_start(struct ui *ui)
{
	const struct ui_view *view = ui_views_current(ui);

	if (view->find == NULL) {
		snprintf(ui->status, sizeof(ui->status),
			 "F3 searches the rows of a table (view 3, conns)");
		return;
	}
	typed[0] = '\0';
	ui_prompt_text(ui, "search (F3 next, Esc ends): ", "", done, NULL);
	ui_prompt_live(ui, changed, other_key);
}

void
ui_search_key(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui_search_start(ui);
}
