/*
 * ui_mouse.c - the mouse: turning curses' mouse reporting on and off, and
 * sending each event where it lands.  A click on a view's tab in the
 * footer shows that view; a click, a double click or the wheel over the
 * view's rows goes to the view's mouse hook (the conns table selects,
 * drills down and sorts), or, for a view without one, the wheel scrolls
 * its scroller.  While the prompt is open the mouse does nothing; a page
 * (help, a connection's details) gets a click as the key KEY_MOUSE.
 *
 * Curses reads the terminal's reports: in the SGR form (xterm's 1006
 * mode, any column) when the terminfo entry says the terminal has it
 * (kmous "\E[<" and XM naming 1006, as xterm-256color does), otherwise
 * in the older form (columns up to 223).  Main thread only; it must not
 * draw: the loop draws after the event.
 */
#include "config.h"

#include <curses.h>

#include "ui_internal.h"

/* A click is reported on release as well: a slow click (pressed longer
 * than curses' click interval) comes as a release alone. */
#define CLICKS (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON1_RELEASED)
#define WHEEL_UP BUTTON4_PRESSED
#define WHEEL_DOWN BUTTON5_PRESSED

void
ui_mouse_set(struct ui *ui, bool on)
{
	mmask_t want = on ? CLICKS | WHEEL_UP | WHEEL_DOWN : 0;

	ui->mouse = mousemask(want, NULL) != 0 && on;
}

/* The wheel over a view without a mouse hook: its scroller, as the
 * arrows move it. */
static void
wheel_scroll(struct ui *ui, int delta)
{
	const struct ui_view *view = ui_views_current(ui);

	if (view->scroll != NULL)
		ui_scroll_wheel((view->scroll)(ui_views_current_state(ui)), delta, 0);
}

void
ui_mouse_key(struct ui *ui)
{
	const struct ui_view *view = ui_views_current(ui);
	struct ui_mouse_event ev;
	MEVENT me;
	int rows, cols;

	if (getmouse(&me) != OK || !ui->mouse)
		return;
	if (me.bstate & BUTTON1_DOUBLE_CLICKED)
		ev.kind = UI_MOUSE_DOUBLE;
	else if (me.bstate & (BUTTON1_CLICKED | BUTTON1_RELEASED))
		ev.kind = UI_MOUSE_CLICK;
	else if (me.bstate & WHEEL_UP)
		ev.kind = UI_MOUSE_WHEEL_UP;
	else if (me.bstate & WHEEL_DOWN)
		ev.kind = UI_MOUSE_WHEEL_DOWN;
	else
		return;
	if (ui_prompt_is_open(ui))
		return;
	if (ui->page != NULL) {
		if (ev.kind == UI_MOUSE_CLICK || ev.kind == UI_MOUSE_DOUBLE)
			ui->page->key(ui, ui->page_ctx, KEY_MOUSE);
		return;
	}
	ui->status[0] = '\0';
	getmaxyx(stdscr, rows, cols);
	if (me.y == rows - 1) {
		const struct ui_view *tab = ui_frame_tab_at(ui, me.x, cols);

		if (tab != NULL && ev.kind != UI_MOUSE_WHEEL_UP && ev.kind != UI_MOUSE_WHEEL_DOWN)
			ui_views_show(ui, tab);
		return;
	}
	if (me.y < ui->view_top || me.y >= ui->view_top + ui->view_rows)
		return;
	ev.line = me.y - ui->view_top;
	ev.x = me.x;
	if (view->mouse != NULL)
		view->mouse(ui, ui_views_current_state(ui), &ev);
	else if (ev.kind == UI_MOUSE_WHEEL_UP)
		wheel_scroll(ui, -UI_MOUSE_WHEEL_LINES);
	else if (ev.kind == UI_MOUSE_WHEEL_DOWN)
		wheel_scroll(ui, UI_MOUSE_WHEEL_LINES);
}
