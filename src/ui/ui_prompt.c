/*
 * ui_prompt.c - the prompt line above the footer: the filter expression
 * editor, the state picker and the y/n confirmation.  A bad expression
 * keeps the prompt open with the offending word marked, and the previous
 * filter stays in force.  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "ui_internal.h"

/* The state picker: a key per state name as ss spells it. */
static const struct {
	int key;
	const char *label;
	const char *expr;
} state_keys[] = {
	{'a', "all", ""},
	{'1', "listening", "state listening"},
	{'2', "syn-sent", "state syn-sent"},
	{'3', "syn-recv", "state syn-recv"},
	{'4', "established", "state established"},
	{'5', "fin-wait-1", "state fin-wait-1"},
	{'6', "fin-wait-2", "state fin-wait-2"},
	{'7', "close-wait", "state close-wait"},
	{'8', "closing", "state closing"},
	{'9', "last-ack", "state last-ack"},
	{'0', "time-wait", "state time-wait"},
	{'c', "closed", "state closed"},
};

static int error_pos = -1; /* byte offset of the bad word, or -1 */

static const struct filter_parse_options prompt_parse = {.flags = FILTER_PARSE_NO_HOSTS};

void
ui_prompt_open(struct ui *ui, enum ui_prompt prompt, const char *initial)
{
	ui->prompt = prompt;
	snprintf(ui->prompt_text, sizeof(ui->prompt_text), "%s", initial);
	ui->prompt_len = strlen(ui->prompt_text);
	error_pos = -1;
}

bool
ui_filter_set(struct ui *ui, const char *expr)
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
		error_pos = (int)pos;
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

/* Enter at the seek prompt: goes to the time, or says what it expects. */
static bool
seek_to(struct ui *ui, const char *text)
{
	struct source_record_status st;
	struct timespec when;

	source_record_status(ui->replay, &st);
	if (format_parse_when(text, &st.first_wall, &when) < 0) {
		snprintf(ui->status, sizeof(ui->status),
			 "go to: '%s' is not +SECONDS or HH:MM[:SS]", text);
		return false;
	}
	source_record_pause(ui->replay, true);
	source_record_seek_time(ui->replay, &when);
	sampler_wake(ui->sampler);
	ui->status[0] = '\0';
	return true;
}

/* A line of text: the filter or the seek time. */
static bool
text_key(struct ui *ui, int key)
{
	switch (key) {
	case 27: /* Esc */
		ui->prompt = UI_PROMPT_NONE;
		ui->status[0] = '\0';
		return true;
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (ui->prompt == UI_PROMPT_SEEK ? seek_to(ui, ui->prompt_text)
						 : ui_filter_set(ui, ui->prompt_text))
			ui->prompt = UI_PROMPT_NONE;
		return true;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (ui->prompt_len > 0)
			ui->prompt_text[--ui->prompt_len] = '\0';
		error_pos = -1;
		return true;
	case 21: /* Ctrl-U */
		ui->prompt_len = 0;
		ui->prompt_text[0] = '\0';
		error_pos = -1;
		return true;
	default:
		if (key >= ' ' && key < 127 && ui->prompt_len + 1 < sizeof(ui->prompt_text)) {
			ui->prompt_text[ui->prompt_len++] = (char)key;
			ui->prompt_text[ui->prompt_len] = '\0';
			error_pos = -1;
		}
		return true;
	}
}

bool
ui_prompt_key(struct ui *ui, int key)
{
	switch (ui->prompt) {
	case UI_PROMPT_NONE:
		return false;
	case UI_PROMPT_FILTER:
	case UI_PROMPT_SEEK:
		return text_key(ui, key);
	case UI_PROMPT_STATE:
		ui->prompt = UI_PROMPT_NONE;
		for (size_t i = 0; i < sizeof(state_keys) / sizeof(state_keys[0]); i++)
			if (state_keys[i].key == key)
				ui_filter_set(ui, state_keys[i].expr);
		return true;
	case UI_PROMPT_CONFIRM:
		ui->prompt = UI_PROMPT_NONE;
		if (key == 'y' || key == 'Y')
			ui_act_run(ui);
		else
			snprintf(ui->status, sizeof(ui->status), "nothing done");
		return true;
	}
	return false;
}

void
ui_prompt_draw(struct ui *ui, int row, int cols)
{
	int x, bad_end;

	mvhline(row, 0, ' ', cols);
	switch (ui->prompt) {
	case UI_PROMPT_NONE:
		if (ui->status[0] != '\0') {
			attrset(A_BOLD);
			mvaddnstr(row, 0, ui->status, cols);
			attrset(A_NORMAL);
		}
		return;
	case UI_PROMPT_SEEK:
		attrset(A_BOLD);
		mvaddstr(row, 0, "go to (+SECONDS or HH:MM:SS): ");
		attrset(A_NORMAL);
		mvaddnstr(row, 30, ui->prompt_text, cols - 31);
		attrset(A_REVERSE);
		if (30 + (int)ui->prompt_len < cols)
			mvaddch(row, 30 + (int)ui->prompt_len, ' ');
		attrset(A_NORMAL);
		if (ui->status[0] != '\0' && row > 0) {
			mvhline(row - 1, 0, ' ', cols);
			attrset(ui_term_attr(ui, UI_COLOR_ALERT));
			mvaddnstr(row - 1, 0, ui->status, cols);
			attrset(A_NORMAL);
		}
		return;
	case UI_PROMPT_FILTER:
		attrset(A_BOLD);
		mvaddstr(row, 0, "filter: ");
		attrset(A_NORMAL);
		x = 8;
		bad_end = -1;
		if (error_pos >= 0 && (size_t)error_pos < ui->prompt_len) {
			/* The offending word: from its offset to the next space. */
			const char *space = strchr(ui->prompt_text + error_pos, ' ');

			bad_end = space != NULL ? (int)(space - ui->prompt_text) : (int)ui->prompt_len;
			if (bad_end == error_pos)
				bad_end = error_pos + 1;
		}
		for (size_t i = 0; i < ui->prompt_len && x < cols - 1; i++, x++) {
			bool bad = (int)i >= error_pos && (int)i < bad_end;

			attrset(bad ? ui_term_attr(ui, UI_COLOR_ALERT) | A_REVERSE : A_NORMAL);
			mvaddch(row, x, (chtype)(unsigned char)ui->prompt_text[i]);
		}
		attrset(A_REVERSE);
		if (x < cols)
			mvaddch(row, x, ' '); /* the cursor */
		attrset(A_NORMAL);
		if (error_pos >= 0 && row > 0) {
			/* The message goes on the line above. */
			mvhline(row - 1, 0, ' ', cols);
			attrset(ui_term_attr(ui, UI_COLOR_ALERT));
			mvaddnstr(row - 1, 0, ui->status, cols);
			attrset(A_NORMAL);
		}
		return;
	case UI_PROMPT_STATE:
		x = 0;
		attrset(A_BOLD);
		mvaddstr(row, 0, "state: ");
		attrset(A_NORMAL);
		x = 7;
		for (size_t i = 0; i < sizeof(state_keys) / sizeof(state_keys[0]) && x < cols; i++) {
			char item[32];
			int len = snprintf(item, sizeof(item), "%c %s  ", state_keys[i].key,
					   state_keys[i].label);

			mvaddnstr(row, x, item, cols - x);
			x += len;
		}
		return;
	case UI_PROMPT_CONFIRM:
		attrset(ui_term_attr(ui, UI_COLOR_WATCH) | A_REVERSE);
		mvaddnstr(row, 0, ui->prompt_question, cols);
		attrset(A_NORMAL);
		return;
	}
}
