/*
 * ui_prompt.c - the prompt line above the footer: a line of text (the
 * filter, a time to go to), a one-key choice (the state picker) or a y/n
 * confirmation.  Whoever opens it passes what to do with the answer, so
 * the prompt knows nothing of filters, replays or sockets.  A refused
 * text keeps the prompt open with the message above it and the offending
 * word marked.  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_internal.h"

enum kind {
	KIND_NONE,
	KIND_TEXT,
	KIND_CHOICE,
	KIND_CONFIRM,
};

/* No refusal since the last edit. */
enum { NOT_REFUSED = -2 };

struct ui_prompt {
	enum kind kind;
	char label[64];
	char text[512];  /* the text, or the question */
	size_t len;
	int refused;     /* NOT_REFUSED, -1 (no word to mark) or the offset of
			  * the refused word */
	ui_prompt_text_fn *done;
	void (*yes)(struct ui *ui, void *ctx);
	void (*chosen)(struct ui *ui, void *ctx, size_t index);
	const struct ui_prompt_choice *choices;
	size_t n_choices;
	void *ctx;
	/* a live text (ui_prompt_live), or NULL */
	bool (*changed)(struct ui *ui, void *ctx, const char *text);
	void (*other)(struct ui *ui, void *ctx, int key);
};

struct ui_prompt *
ui_prompt_new(void)
{
	return calloc(1, sizeof(struct ui_prompt));
}

void
ui_prompt_free(struct ui_prompt *p)
{
	free(p);
}

static struct ui_prompt *
open_kind(struct ui *ui, enum kind kind, const char *label, const char *text, void *ctx)
{
	struct ui_prompt *p = ui->prompt;

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	snprintf(p->label, sizeof(p->label), "%s", label);
	snprintf(p->text, sizeof(p->text), "%s", text);
	p->len = strlen(p->text);
	p->refused = NOT_REFUSED;
	p->ctx = ctx;
	return p;
}

void
ui_prompt_text(struct ui *ui, const char *label, const char *initial, ui_prompt_text_fn *done,
	       void *ctx)
{
	open_kind(ui, KIND_TEXT, label, initial, ctx)->done = done;
}

void
ui_prompt_choose(struct ui *ui, const char *label, const struct ui_prompt_choice *choices,
		 size_t n, void (*chosen)(struct ui *ui, void *ctx, size_t index), void *ctx)
{
	struct ui_prompt *p = open_kind(ui, KIND_CHOICE, label, "", ctx);

	p->choices = choices;
	p->n_choices = n;
	p->chosen = chosen;
}

void
ui_prompt_confirm(struct ui *ui, const char *question, void (*yes)(struct ui *ui, void *ctx),
		  void *ctx)
{
	open_kind(ui, KIND_CONFIRM, "", question, ctx)->yes = yes;
}

void
ui_prompt_live(struct ui *ui, bool (*changed)(struct ui *ui, void *ctx, const char *text),
	       void (*other)(struct ui *ui, void *ctx, int key))
{
	ui->prompt->changed = changed;
	ui->prompt->other = other;
}

bool
ui_prompt_is_open(const struct ui *ui)
{
	return ui->prompt->kind != KIND_NONE;
}

static void
close_prompt(struct ui_prompt *p)
{
	p->kind = KIND_NONE;
}

/* After an edit: a live prompt is told at once. */
static void
edited(struct ui *ui, struct ui_prompt *p)
{
	p->refused = NOT_REFUSED;
	if (p->changed != NULL && !p->changed(ui, p->ctx, p->text))
		p->refused = -1;
}

/* A line of text. */
static bool
text_key(struct ui *ui, struct ui_prompt *p, int key)
{
	int refused = -1;

	switch (key) {
	case 27: /* Esc */
		close_prompt(p);
		ui->status[0] = '\0';
		return true;
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (p->done(ui, p->ctx, p->text, &refused))
			close_prompt(p);
		else
			p->refused = refused >= 0 ? refused : -1;
		return true;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (p->len > 0)
			p->text[--p->len] = '\0';
		edited(ui, p);
		return true;
	case 21: /* Ctrl-U */
		p->len = 0;
		p->text[0] = '\0';
		edited(ui, p);
		return true;
	default:
		if (p->other != NULL && (key < ' ' || key > 127)) {
			p->other(ui, p->ctx, key);
			return true;
		}
		if (key >= ' ' && key < 127 && p->len + 1 < sizeof(p->text)) {
			p->text[p->len++] = (char)key;
			p->text[p->len] = '\0';
			edited(ui, p);
		}
		return true;
	}
}

bool
ui_prompt_key(struct ui *ui, int key)
{
	struct ui_prompt *p = ui->prompt;

	switch (p->kind) {
	case KIND_NONE:
		return false;
	case KIND_TEXT:
		return text_key(ui, p, key);
	case KIND_CHOICE:
		close_prompt(p);
		for (size_t i = 0; i < p->n_choices; i++)
			if (p->choices[i].key == key)
				p->chosen(ui, p->ctx, i);
		return true;
	case KIND_CONFIRM:
		close_prompt(p);
		if (key == 'y' || key == 'Y')
			p->yes(ui, p->ctx);
		else
			snprintf(ui->status, sizeof(ui->status), "nothing done");
		return true;
	}
	return false;
}

static void
draw_text(struct ui *ui, const struct ui_prompt *p, int row, int cols)
{
	int x = (int)strlen(p->label), bad_end = -1;

	attrset(A_BOLD);
	mvaddstr(row, 0, p->label);
	attrset(A_NORMAL);
	if (p->refused >= 0 && (size_t)p->refused < p->len) {
		/* The refused word: from its offset to the next space. */
		const char *space = strchr(p->text + p->refused, ' ');

		bad_end = space != NULL ? (int)(space - p->text) : (int)p->len;
		if (bad_end == p->refused)
			bad_end = p->refused + 1;
	}
	/* The text as shown (an initial text can come from the command
	 * line), in up to three runs: before the refused word, the word,
	 * after it; the last column is the cursor's. */
	size_t cut[4] = {0, p->len, p->len, p->len};

	if (bad_end >= 0) {
		cut[1] = (size_t)p->refused;
		cut[2] = (size_t)bad_end;
	}
	for (int k = 0; k < 3; k++) {
		size_t len = cut[k + 1] - cut[k], fits;
		int cells;

		if (len == 0)
			continue;
		fits = ui_put_fit(p->text + cut[k], len, cols - 1 - x, &cells);
		attrset(k == 1 ? ui_term_attr(ui, UI_COLOR_ALERT) | A_REVERSE : A_NORMAL);
		x += ui_putn(row, x, p->text + cut[k], fits, cells);
		if (fits < len)
			break;
	}
	attrset(A_REVERSE);
	if (x < cols)
		mvaddch(row, x, ' '); /* the cursor */
	attrset(A_NORMAL);
	if (p->refused != NOT_REFUSED && row > 0) {
		/* Why it was refused goes on the line above. */
		mvhline(row - 1, 0, ' ', cols);
		attrset(ui_term_attr(ui, UI_COLOR_ALERT));
		ui_put(row - 1, 0, ui->status, cols);
		attrset(A_NORMAL);
	}
}

void
ui_prompt_draw(struct ui *ui, int row, int cols)
{
	const struct ui_prompt *p = ui->prompt;
	int x;

	mvhline(row, 0, ' ', cols);
	switch (p->kind) {
	case KIND_NONE:
		if (ui->status[0] != '\0') {
			attrset(A_BOLD);
			ui_put(row, 0, ui->status, cols);
			attrset(A_NORMAL);
		}
		return;
	case KIND_TEXT:
		draw_text(ui, p, row, cols);
		return;
	case KIND_CHOICE:
		attrset(A_BOLD);
		mvaddstr(row, 0, p->label);
		attrset(A_NORMAL);
		x = (int)strlen(p->label);
		for (size_t i = 0; i < p->n_choices && x < cols; i++) {
			char item[160];

			/* A label can name something from outside (a
			 * namespace): drawn as such. */
			snprintf(item, sizeof(item), "%c %s  ", p->choices[i].key,
				 p->choices[i].label);
			x += ui_put(row, x, item, cols - x);
		}
		return;
	case KIND_CONFIRM:
		attrset(ui_term_attr(ui, UI_COLOR_WATCH) | A_REVERSE);
		ui_put(row, 0, p->text, cols);
		attrset(A_NORMAL);
		return;
	}
}
