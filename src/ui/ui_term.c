/*
 * ui_term.c - curses set-up, colours, character set, and restoring the
 * terminal.  Main thread only.
 *
 * The terminal type is checked before curses takes the screen: with TERM
 * unset or empty, unknown to terminfo, or naming a terminal that cannot
 * place the cursor (dumb, hardcopy), the dashboard refuses with a
 * one-line cause that points at -b, instead of drawing garbage.  Batch
 * output needs no terminal type at all.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sanitize.h"
#include "ui_internal.h"
/* Last: it defines macros (lines, columns...) that clash with names in
 * the headers above. */
#include <term.h>

static bool term_active;

/* NO_COLOR (https://no-color.org): present and not empty disables colour. */
static bool
colors_wanted(void)
{
	const char *no_color = getenv("NO_COLOR");

	return no_color == NULL || no_color[0] == '\0';
}

/*
 * Whether TERM names a terminal the dashboard can draw on.  Asks terminfo
 * with setupterm() and releases its entry again: newterm() on an unknown
 * type fails only after allocating what it never frees, and on a terminal
 * without cursor addressing it succeeds but draws nothing usable.
 * Returns 0, or -1 with a cause.
 */
static int
term_usable(char *cause, size_t cause_len)
{
	const char *term = getenv("TERM");
	char shown[SANITIZE_TEXT_MAX(64) + 1];
	const char *cup;
	int err = 0;
	bool placeable;

	if (term == NULL || term[0] == '\0') {
		snprintf(cause, cause_len,
		         "TERM is not set: the dashboard needs the terminal's type "
		         "(such as TERM=xterm-256color); use -b for batch output");
		errno = EINVAL;
		return -1;
	}
	/* TERM may come from the far end of an ssh connection. */
	sanitize_text(term, strnlen(term, 64), shown, sizeof(shown), NULL);
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		if (err == 0)
			snprintf(cause, cause_len,
			         "unknown terminal type '%s' (no terminfo entry): set TERM to "
			         "your terminal's type, or use -b for batch output",
			         shown);
		else
			snprintf(cause, cause_len,
			         "cannot read the terminfo entry of '%s': set TERM to your "
			         "terminal's type, or use -b for batch output",
			         shown);
		errno = EINVAL;
		return -1;
	}
	cup = tigetstr("cup");
	placeable = cup != NULL && cup != (char *)-1 && tigetflag("hc") <= 0;
	del_curterm(cur_term);
	if (!placeable) {
		snprintf(cause, cause_len,
		         "terminal type '%s' cannot place the cursor, which the dashboard "
		         "needs; use -b for batch output",
		         shown);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Ctrl-S (save the table) and Ctrl-Q reach the dashboard instead of
 * stopping the terminal's output: curses' program mode keeps this, and
 * endwin() gives the shell its own mode back. */
static void
no_flow_control(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &t) == 0) {
		t.c_iflag &= ~(tcflag_t)IXON;
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		def_prog_mode();
	}
}

int
ui_term_start(struct ui *ui, bool force_ascii, char *cause, size_t cause_len)
{
	bool utf8;

	if (term_usable(cause, cause_len) < 0)
		return -1;
	if (newterm(NULL, stdout, stdin) == NULL) {
		snprintf(cause, cause_len, "cannot initialise the terminal");
		return -1;
	}
	term_active = true;
	cbreak();
	no_flow_control();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);

	ui->colors = false;
	if (colors_wanted() && has_colors() && start_color() == OK) {
		use_default_colors();
		ui->colors = true;
	}
	ui_theme_apply(ui); /* the colour pairs of the theme (ui_theme.c) */
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
	return ui_theme_attr(ui, color);
}
