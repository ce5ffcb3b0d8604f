/*
 * ui_scroll.c - scrolling, written once for every view that scrolls: the
 * first line on screen, the selection where a list has one, a line or a
 * page at a time, home and end, and keeping the selection in sight.  The
 * keys move; the draw fits what moved to the lines there are.
 * Main thread only; draws nothing.
 */
#include "config.h"

#include <limits.h>

#include "ui_internal.h"

/* Far enough for Home and End: clamped to the list when drawn. */
enum { FAR = INT_MAX / 4 };

static int
delta_of(const struct ui_scroll *s, int step)
{
	int page = s->page > 0 ? s->page : s->height > 1 ? s->height - 1 : 1;

	switch (step) {
	case UI_SCROLL_DOWN:
		return 1;
	case UI_SCROLL_UP:
		return -1;
	case UI_SCROLL_PAGE_DOWN:
		return page;
	case UI_SCROLL_PAGE_UP:
		return -page;
	case UI_SCROLL_END:
		return FAR;
	case UI_SCROLL_HOME:
		return -FAR;
	default:
		return 0;
	}
}

void
ui_scroll_step(struct ui_scroll *s, int step, int lines)
{
	int delta = delta_of(s, step);

	if (!s->select) {
		/* The far end is clamped when drawn, to the lines there
		 * are then. */
		if (delta > FAR - s->top)
			delta = FAR - s->top;
		s->top = s->top + delta < 0 ? 0 : s->top + delta;
		return;
	}
	if (lines <= 0)
		return;
	if (s->sel < 0)
		s->sel = 0;
	else if (delta > 0 && s->sel > lines - 1 - delta)
		s->sel = lines - 1;
	else
		s->sel = s->sel + delta < 0 ? 0 : s->sel + delta;
}

void
ui_scroll_fit(struct ui_scroll *s, int lines, int height)
{
	s->height = height;
	if (!s->select) {
		if (s->top > lines - height)
			s->top = lines - height;
	} else if (s->sel >= 0) {
		/* Only as far as the selection needs: rows that went away
		 * below it leave the rest of the screen empty. */
		if (s->sel < s->top)
			s->top = s->sel;
		if (s->sel >= s->top + height)
			s->top = s->sel - height + 1;
	}
	if (s->top < 0)
		s->top = 0;
}

void
ui_scroll_key(struct ui *ui, void *state, int step)
{
	const struct ui_view *view = ui_views_current(ui);

	if (view->scroll != NULL)
		ui_scroll_step(view->scroll(state), step, 0);
}

void
ui_scroll_wheel(struct ui_scroll *s, int delta, int lines)
{
	int last_top;

	if (!s->select) {
		for (int i = 0; i < (delta > 0 ? delta : -delta); i++)
			ui_scroll_step(s, delta > 0 ? UI_SCROLL_DOWN : UI_SCROLL_UP, lines);
		return;
	}
	if (lines <= 0)
		return;
	/* As htop: the selection keeps its place on screen while the list
	 * moves under it, and goes on alone at either end. */
	last_top = lines - s->height > 0 ? lines - s->height : 0;
	s->top += delta;
	if (s->top > last_top)
		s->top = last_top;
	if (s->top < 0)
		s->top = 0;
	s->sel = (s->sel < 0 ? 0 : s->sel) + delta;
	if (s->sel > lines - 1)
		s->sel = lines - 1;
	if (s->sel < 0)
		s->sel = 0;
}
