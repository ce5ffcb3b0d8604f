/*
 * ui_view_diag.c - the findings: what the state pattern means, in plain
 * words, with its evidence, who is responsible and what to check next;
 * the banner every view shows while one fires; and the page that
 * explains every TCP state (key e).  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "tcp_state_help.h"
#include "ui_internal.h"

/* The view's state: which page shows, and where each is scrolled to. */
struct diag_view {
	bool explain; /* the TCP states page (e) */
	struct ui_scroll findings_scroll;
	struct ui_scroll explain_scroll;
};

const struct diag_finding *
ui_diag_banner(const struct ui *ui, size_t *count)
{
	const struct diagnose *diag = pipeline_findings(ui->pipe);
	const struct diag_finding *worst = NULL;
	size_t n = 0;

	if (diag == NULL)
		return NULL;
	for (size_t i = 0; i < diagnose_count(diag); i++) {
		const struct diag_finding *f = diagnose_get(diag, i);

		if (f->severity < DIAG_WARNING)
			continue;
		n++;
		if (worst == NULL || f->severity > worst->severity)
			worst = f;
	}
	if (count != NULL)
		*count = n;
	return worst;
}

static int
severity_attr(const struct ui *ui, enum diag_severity s)
{
	switch (s) {
	case DIAG_CRITICAL:
		return ui_term_attr(ui, UI_COLOR_ALERT) | A_BOLD;
	case DIAG_WARNING:
		return ui_term_attr(ui, UI_COLOR_WATCH) | A_BOLD;
	default:
		return A_BOLD;
	}
}

/* Where the next line of a text wrapped at `width` cells ends, the text
 * measured as shown (findings name processes): at the last space that
 * fits, or hard after the last character or escape that fits when a
 * word is longer; never nothing. */
static size_t
wrap_length(const char *text, int width)
{
	size_t len = strlen(text), fits = ui_put_fit(text, len, width, NULL), cut;

	if (fits >= len)
		return len;
	if (fits == 0)
		return ui_put_fit(text, len, 16, NULL); /* one escape, wider */
	/* A space is never inside a character or an escape. */
	for (cut = fits; cut > 0 && text[cut] != ' '; cut--)
		;
	return cut > 0 ? cut : fits;
}

/* Draws `text` wrapped into lines from column x (first line after
 * `label`), advancing *line; only lines in [scroll, scroll + height) land
 * on screen, from row top. */
static void
draw_wrapped(const char *label, const char *text, int attr, int x, int cols, int top, int height,
	     int scroll, int *line)
{
	int width = cols - x - (int)strlen(label) > 10 ? cols - x - (int)strlen(label) : 10;
	bool first = true;

	while (*text != '\0' || first) {
		size_t len = wrap_length(text, width);
		int row = top + *line - scroll;

		if (row >= top && row < top + height && x < cols) {
			attrset(first ? A_DIM : A_NORMAL);
			mvaddnstr(row, x, first ? label : "", cols - x);
			attrset(attr);
			ui_putn(row, x + (int)strlen(label), text, len, width);
			attrset(A_NORMAL);
		}
		(*line)++;
		first = false;
		text += len;
		while (*text == ' ')
			text++;
	}
}

/* The findings, most severe first, each as a block of wrapped lines:
 * title, evidence, what to check next. */
static void
draw_findings(struct ui *ui, struct ui_scroll *scroll, int top, int height, int cols)
{
	const struct diagnose *diag = pipeline_findings(ui->pipe);
	size_t n = diagnose_count(diag), k = 0;
	const struct diag_finding **order;
	int line = 0, total = 0;

	attrset(A_BOLD);
	mvprintw(top, 0, "FINDINGS  %zu   (e: what each TCP state means; findings count every "
			 "socket, not only the filter's)",
		 n);
	attrset(A_NORMAL);
	if (n == 0) {
		mvaddnstr(top + 2, 2,
			  "Nothing unusual: no state is piling up, no queue is full, the kernel "
			  "counters are quiet.",
			  cols - 2);
		return;
	}
	order = malloc(n * sizeof(*order));
	if (order == NULL)
		return;
	/* Most severe first; the engine's order within a severity. */
	for (int sev = DIAG_CRITICAL; sev >= DIAG_INFO; sev--)
		for (size_t i = 0; i < n; i++)
			if (diagnose_get(diag, i)->severity == (enum diag_severity)sev)
				order[k++] = diagnose_get(diag, i);
	/* Twice: once to count the lines (for the scroll limit), once to
	 * draw them. */
	for (int pass = 0; pass < 2; pass++) {
		int skip = pass == 0 ? 0 : scroll->top, h = pass == 0 ? 0 : height - 1;

		line = 0;
		for (size_t i = 0; i < k; i++) {
			const struct diag_finding *f = order[i];
			char title[600];
			int row = top + 1 + line - skip;

			if (pass == 1 && row > top && row < top + height) {
				attrset(severity_attr(ui, f->severity));
				mvaddnstr(row, 0, diag_severity_name(f->severity), 8);
				attrset(A_NORMAL);
			}
			snprintf(title, sizeof(title), "%s%s", f->title,
				 f->clearing ? "  (clearing)" : "");
			draw_wrapped("", title, A_BOLD, 9, cols, top + 1, h, skip, &line);
			draw_wrapped("evidence: ", f->evidence, A_NORMAL, 9, cols, top + 1, h,
				     skip, &line);
			draw_wrapped("next: ", f->next, A_NORMAL, 9, cols, top + 1, h, skip,
				     &line);
			line++;
		}
		if (pass == 0) {
			total = line;
			ui_scroll_fit(scroll, total, height - 1);
		}
	}
	free(order);
}

static void
draw_explain(struct ui_scroll *scroll, int top, int height, int cols)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int lines;

	if (f == NULL)
		return;
	tcp_state_help_write(f, cols > 100 ? 100 : cols);
	fclose(f);
	if (text == NULL)
		return;
	lines = ui_text_lines(text);
	ui_scroll_fit(scroll, lines, height);
	ui_text_draw(text, scroll->top, top, height, cols);
	free(text);
}

static void
diag_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct diag_view *v = state;

	if (pipeline_findings(ui->pipe) == NULL || height < 3)
		return;
	if (v->explain)
		draw_explain(&v->explain_scroll, top, height, cols);
	else
		draw_findings(ui, &v->findings_scroll, top, height, cols);
}

static void
key_explain(struct ui *ui, void *state, int arg)
{
	struct diag_view *v = state;

	(void)ui;
	(void)arg;
	v->explain = !v->explain;
}

/* The keys scroll the page on screen: the findings or the states. */
static struct ui_scroll *
diag_scroll(void *state)
{
	struct diag_view *v = state;

	return v->explain ? &v->explain_scroll : &v->findings_scroll;
}

/* The findings and the states page move ten lines a page. */
static void
diag_init(struct ui *ui, void *state)
{
	struct diag_view *v = state;

	(void)ui;
	v->findings_scroll.page = 10;
	v->explain_scroll.page = 10;
}

static const struct ui_key diag_keys[] = {
	{'e', 0, "e", "explain every TCP state and what a pile-up means (again: back)",
	 key_explain, 0},
	UI_SCROLL_KEYS_LINE,
	UI_SCROLL_KEYS_PAGE,
};

const struct ui_view ui_view_diag = {
	.key = '4',
	.title = "findings",
	.help = "findings: what the states say, in plain words",
	.state_size = sizeof(struct diag_view),
	.init = diag_init,
	.draw = diag_draw,
	.scroll = diag_scroll,
	.keys = diag_keys,
	.n_keys = sizeof(diag_keys) / sizeof(diag_keys[0]),
};
