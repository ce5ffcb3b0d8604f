/*
 * ui_view.h - what a view of the dashboard is, the registry that lists
 * the views, and the full-screen pages (help, connection details) that
 * can stand in for the frame.
 *
 * Main thread only: every hook is called from the dashboard's loop, the
 * thread that owns curses; the sampler thread never sees a view or its
 * state.
 *
 * A view is one file, ui_view_X.c, exporting one
 * `const struct ui_view ui_view_X`, plus one line in the registry
 * (ui_views.c).  The registry's order is the Tab order; the number keys,
 * the footer's tabs, the help screen and the banner's "press N" are all
 * made from the entries, so nothing else in the dashboard lists views.
 *
 * The hooks, in the order they are called (all optional but draw):
 *
 *   init(ui, state)     once, when the dashboard starts, right after the
 *                       state (state_size bytes, zeroed) is allocated:
 *                       sets defaults.  ui's settings (filter, linger,
 *                       sampler) are set by then; no snapshot is.
 *   enter(ui, state)    the view becomes the current one: its key, Tab,
 *                       and at start for the first view of the registry.
 *   take(ui, state, snap)
 *                       the current view only, before snap (the sample
 *                       taken in last) goes on screen: derives from it
 *                       what sample will need, one step of bounded work
 *                       a call, and returns true while steps are left.
 *                       The dashboard reads the keyboard between steps;
 *                       keys are answered on the sample still on
 *                       screen, which the view's state must go on
 *                       describing until its last step.  snap NULL:
 *                       drop what was begun (the dashboard was paused).
 *   sample(ui, state)   the current view only: the snapshot on screen
 *                       (ui->shown) is one the view has not been given
 *                       yet; also right after enter when one is on
 *                       screen.  Always before the next draw.
 *   draw(ui, state, top, height, cols)
 *                       fills screen rows [top, top + height); the frame
 *                       (header, banner, prompt line, footer) is drawn
 *                       around it.  Draws only: a view that builds rows
 *                       from the snapshot may cache them in its state.
 *   keys[]              the view's own bindings, tried before the global
 *                       table while the view is current.  An action gets
 *                       the view's state and the entry's arg.
 *   leave(ui, state)    another view is about to be entered, or the
 *                       dashboard ends.
 *   fini(ui, state)     once, when the dashboard ends: frees what the
 *                       state holds; the registry frees the state itself.
 *
 * Two more, for the machinery around the views: scroll(state) names the
 * scroller the table entries with action ui_scroll_key move (views that
 * scroll), and drawn_rows(ui, state, &rebuilt) tells the debug log how
 * many rows the last frame drew (the connection table).
 * And for the mouse and htop's keys: mouse(ui, state, ev) takes clicks
 * and the wheel over the view's rows, find(ui, state, text, next) moves
 * the selection for F3's search, save(ui, state, ctx) says what Ctrl-S
 * writes (the tables).
 *
 * A replay that goes back in time calls leave then enter on the current
 * view: whatever it derived from earlier samples starts over.
 *
 * Ownership: the registry allocates and frees every state; the state's
 * type is private to the view's file, and only the view's hooks and key
 * actions touch it.  A state lives from init to fini whether its view is
 * shown or not, so a view keeps its sort order and position between
 * visits.
 */
#ifndef TCPDECK_UI_VIEW_H
#define TCPDECK_UI_VIEW_H

#include <stdbool.h>
#include <stddef.h>

struct output_context;
struct snapshot;
struct ui;
struct ui_mouse_event;
struct ui_scroll;

/*
 * A key binding: the tables of these drive the keys and generate the
 * help screen, so help cannot disagree with what the keys do.
 */
struct ui_key {
	int key;
	int alt_key;       /* a second key for the same action, or 0 */
	const char *label; /* as shown in help */
	const char *help;
	/* state: the current view's (NULL in the global table). */
	void (*action)(struct ui *ui, void *state, int arg);
	int arg;           /* passed to action: one action, several keys */
};

/* In the global table: where the views' number keys go (one help line
 * per view, made from the registry). */
#define UI_KEY_VIEWS (-2)

struct ui_view {
	int key;           /* the key that shows it: '1', '2'... */
	const char *title; /* one word, in the footer and the help */
	const char *help;  /* what it shows, one line */
	size_t state_size; /* 0: the view keeps no state (state is NULL) */
	void (*init)(struct ui *ui, void *state);
	void (*enter)(struct ui *ui, void *state);
	bool (*take)(struct ui *ui, void *state, struct snapshot *snap);
	void (*sample)(struct ui *ui, void *state);
	void (*draw)(struct ui *ui, void *state, int top, int height, int cols);
	void (*leave)(struct ui *ui, void *state);
	void (*fini)(struct ui *ui, void *state);
	/* Rows drawn at the last frame and whether they were rebuilt since
	 * the last call, for the debug log (0 rows when absent). */
	size_t (*drawn_rows)(struct ui *ui, void *state, bool *rebuilt);
	/* The scroller ui_scroll_key moves, for views that scroll. */
	struct ui_scroll *(*scroll)(void *state);
	const struct ui_key *keys;
	size_t n_keys;
	/* The mouse over the view's rows (ui_mouse.c): a click, a double
	 * click or the wheel.  NULL: the wheel moves the scroll hook's
	 * scroller, clicks do nothing. */
	void (*mouse)(struct ui *ui, void *state, const struct ui_mouse_event *ev);
	/* F3's search (ui_search.c): selects the first row whose text holds
	 * `text` (any case), from the selected row on (after it with next),
	 * around to the top; false when no row does.  NULL: no search. */
	bool (*find)(struct ui *ui, void *state, const char *text, bool next);
	/* Ctrl-S (ui_save.c): fills ctx (the sample, filter, sort and
	 * tracker on screen) for the batch writer and returns its enum
	 * output_view.  NULL: the view is not saved. */
	int (*save)(struct ui *ui, void *state, struct output_context *ctx);
};

/* Views named elsewhere: the banner points at the findings, m at the
 * test's summary. */
extern const struct ui_view ui_view_diag;
extern const struct ui_view ui_view_test;

/* ------------------------------------------------- registry (ui_views.c) */

size_t ui_views_count(void);
const struct ui_view *ui_views_at(size_t index); /* NULL past the end */
/* The view whose key is `key`, or NULL. */
const struct ui_view *ui_views_by_key(int key);
/* The view titled `title` ("conns"), or NULL. */
const struct ui_view *ui_views_by_title(const char *title);

/* Allocates every view's state and calls init, then enters the first
 * view.  0, or -1 (out of memory) with nothing left allocated. */
int ui_views_start(struct ui *ui);
/* Leaves the current view, calls every fini, frees the states. */
void ui_views_stop(struct ui *ui);

const struct ui_view *ui_views_current(const struct ui *ui);
size_t ui_views_current_index(const struct ui *ui);
void *ui_views_current_state(const struct ui *ui);
/* Makes `view` (a registry entry) the current one: leave, then enter;
 * nothing when it is already current. */
void ui_views_show(struct ui *ui, const struct ui_view *view);
/* Leave and enter again (a replay went back in time). */
void ui_views_restart(struct ui *ui);
/* Gives the current view the snapshot on screen if it is new to it. */
void ui_views_sample(struct ui *ui);

/* The current view's take hook for snap (see struct ui_view): true while
 * it has steps left. */
bool ui_views_take(struct ui *ui, struct snapshot *snap);

/* ------------------------------------------- pages (ui_frame.c) */

/*
 * A full-screen page in place of the frame: help, or one connection's
 * details.  While one is open it draws the whole screen and gets every
 * key the prompt does not take; ctx is its opener's.
 */
struct ui_page {
	void (*draw)(struct ui *ui, void *ctx);
	void (*key)(struct ui *ui, void *ctx, int key);
};

void ui_page_open(struct ui *ui, const struct ui_page *page, void *ctx);
void ui_page_close(struct ui *ui);
/* Clears the screen for a page and draws its title bar; gives the size. */
void ui_page_begin(struct ui *ui, const char *title, int *rows, int *cols);

#endif
