/*
 * ui_term.c - curses set-up, colours, character set, and restoring the
 * terminal.  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "ui_internal.h"

static bool term_active;

/* NO_COLOR (https://no-color.org): present and not empty disables colour. */
static bool
colors_wanted(void)
{
	const char *no_color = getenv("NO_COLOR");

	return no_color == NULL || no_color[0] == '\0';
}

int
ui_term_start(struct ui *ui, bool force_ascii)
{
	bool utf8;

	if (newterm(NULL, stdout, stdin) == NULL)
		return -1;
	term_active = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);

	ui->colors = false;
	if (colors_wanted() && has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(UI_COLOR_STEADY, COLOR_GREEN, -1);
		init_pair(UI_COLOR_WATCH, COLOR_YELLOW, -1);
		init_pair(UI_COLOR_HEADER, COLOR_BLACK, COLOR_CYAN);
		init_pair(UI_COLOR_PAUSED, COLOR_BLACK, COLOR_YELLOW);
		init_pair(UI_COLOR_ALERT, COLOR_RED, -1);
		ui->colors = true;
	}
	utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	ui_put_set_utf8(utf8);
	ui->charset = !force_ascii && utf8 ? SPARKLINE_UTF8 : SPARKLINE_ASCII;
	return 0;
}

void
ui_term_stop(void)
{
	if (!term_active)
		return;
	endwin();
	term_active = false;
}

int
ui_term_attr(const struct ui *ui, enum ui_color color)
{
	if (color == UI_COLOR_NONE)
		return A_NORMAL;
	if (ui->colors)
		return COLOR_PAIR(color) |
		       (color == UI_COLOR_WATCH || color == UI_COLOR_ALERT ? A_BOLD : 0);
	/* Monochrome: reverse video for bars, bold for states to watch. */
	switch (color) {
	case UI_COLOR_HEADER:
	case UI_COLOR_PAUSED:
		return A_REVERSE;
	case UI_COLOR_WATCH:
		return A_BOLD;
	case UI_COLOR_ALERT:
		return A_BOLD | A_UNDERLINE;
	default:
		return A_NORMAL;
	}
}
