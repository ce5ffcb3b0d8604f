/*
 * ui_internal.h - what the ui_*.c files share: the dashboard-wide state
 * (struct ui: the source, the snapshot on screen, the filter, the
 * pipeline, the current view and page), and the functions of the files
 * that are not views.  What a single view keeps is private to its file
 * (ui_view.h).  Main thread only.
 */
#ifndef TCPDECK_UI_INTERNAL_H
#define TCPDECK_UI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conn_columns.h"
#include "conntrack.h"
#include "diagnose.h"
#include "filter.h"
#include "history.h"
#include "kcounters.h"
#include "peers.h"
#include "pipeline.h"
#include "nl_query.h"
#include "resolver.h"
#include "ring.h"
#include "sampler.h"
#include "session.h"
#include "settings.h"
#include "snapshot.h"
#include "source_record.h"
#include "sparkline.h"
#include "statetrack.h"
#include "ui_view.h"

/* Colour pairs; with colours off every pair draws as plain text. */
enum ui_color {
	UI_COLOR_NONE = 0,
	UI_COLOR_STEADY,   /* LISTEN, ESTABLISHED */
	UI_COLOR_WATCH,    /* states worth a look when they pile up */
	UI_COLOR_HEADER,
	UI_COLOR_PAUSED,
	UI_COLOR_ALERT,    /* a full accept queue */
	UI_COLOR_COUNT
};

/* What a confirmed action does. */
enum ui_action {
	UI_ACTION_DESTROY,  /* close the sockets (SOCK_DESTROY) */
	UI_ACTION_SIGNAL,   /* SIGTERM to the owning processes */
};

struct ui {
	struct ring *ring;
	/* ui_setup.on_sample and its argument */
	int (*on_sample)(void *arg, const struct snapshot *snap, const struct pipeline *pipe,
			 char *cause, size_t cause_len);
	void *on_sample_arg;
	struct sampler *sampler;
	struct source_record_control *replay; /* replaying a recording */
	char replay_error[200];          /* its last failure, once shown */
	double last_taken;               /* taken_mono of the newest sample */
	struct history *history;
	struct snapshot *shown;          /* snapshot on screen (a reference) */
	/* The newest sample, fed to the models on the loop's last turn and
	 * shown on this one (a reference, or NULL): keys are read between
	 * the two halves of a sample's work.  fed_* are what shown_* become. */
	struct snapshot *fed;
	uint32_t fed_counts[TCP_STATE_COUNT];
	uint32_t fed_total;
	uint32_t fed_prev_counts[TCP_STATE_COUNT];
	bool fed_has_prev;
	const struct filter *fed_filter; /* the filter fed_counts went through */
	uint32_t shown_counts[TCP_STATE_COUNT];      /* through the filter */
	uint32_t shown_total;
	uint32_t shown_prev_counts[TCP_STATE_COUNT]; /* sample before shown */
	bool shown_has_prev;
	uint64_t last_seq;               /* newest snapshot taken from the ring */
	uint32_t last_counts[TCP_STATE_COUNT];
	bool has_last;
	size_t pushed_since_pause;       /* history rows the frozen view skips */
	bool paused;
	bool ended;                      /* the source has no more samples */
	bool quit;
	bool colors;
	enum sparkline_charset charset;
	size_t view;                     /* index in the view registry */
	void **view_states;              /* the views' states, by index */
	uint64_t sampled_seq;            /* shown->seq the view was given */
	const struct ui_page *page;      /* a full-screen page, or NULL */
	void *page_ctx;
	/* The help page's scroll: its first line shown, and from its last
	 * draw how many lines it has and how many fit. */
	int help_top, help_total, help_fit;
	double linger_s;
	struct resolver *resolver;       /* started the first time names are
					  * asked for */
	struct filter *filter;           /* NULL: every socket */
	char status[256];                /* a one-line message over the footer */
	char netns_note[160];            /* the snapshots' netns_note last
					  * said in the status line */
	/* Narrowing to a namespace keeps the rest of the filter: the
	 * filter before it (base) and the one it made. */
	char netns_base[512];
	char netns_made[560];
	struct ui_prompt *prompt;        /* the prompt line */
	char hostname[80];
	char kernel[80];
	/* derived from every sample (ui_feed.c): flows, findings, counter
	 * rates, the marked test, the latest sample */
	struct pipeline *pipe;
	/* The mouse (ui_mouse.c): reporting on; where the current view's
	 * rows were drawn last (the frame sets them). */
	bool mouse;
	int view_top, view_rows;
	/* The settings in force (the file's under the command line's), what
	 * the setup screen (F2) edits and saves to settings_path ("": no
	 * file to save to); settings_gen counts the changes of the table's
	 * columns and sort, so the table sees when to take them again. */
	struct settings settings;
	char settings_path[4096];
	unsigned int settings_gen;
};

/* Terminal set-up and tear-down (ui_term.c).  ui_term_start() returns 0,
 * or -1 with a one-line cause (TERM unset, unknown or unable to place the
 * cursor) and the terminal untouched. */
int ui_term_start(struct ui *ui, bool force_ascii, char *cause, size_t cause_len);
void ui_term_stop(void);
int ui_term_attr(const struct ui *ui, enum ui_color color);

/* The colour theme, ui->settings.theme (ui_theme.c): apply sets up its
 * colour pairs (after start_color, and again when it changes); attr is
 * what ui_term_attr returns. */
void ui_theme_apply(struct ui *ui);
int ui_theme_attr(const struct ui *ui, enum ui_color color);

/* The setup screen, F2 (ui_setup.c): a page editing ui->settings. */
void ui_setup_open(struct ui *ui);
/* The connection table's columns as the settings list them: order[]
 * (COL_COUNT entries) the listed ones first, then the others in the
 * table's own order; hidden[] those not listed (none when the settings
 * list every column, columns.n 0). */
void ui_setup_columns(const struct settings *s, int *order, bool *hidden);
/* The connection table's columns and sort as its keys left them, into s
 * (ui_view_conns.c). */
void ui_conns_settings(const struct ui *ui, struct settings *s);

/* The connection table grouped by process, F5 or t in the table
 * (ui_conns_tree.c): a page, its processes' rows sorted by the table's
 * column sort (enum conn_column), descending with desc.  free releases
 * what it kept, when the dashboard ends. */
void ui_conns_tree_open(struct ui *ui, int sort, bool desc);
void ui_conns_tree_free(void);

/* Header, view, footer; or a message when the terminal is too small
 * (ui_frame.c). */
void ui_frame_draw(struct ui *ui);
/* The view whose tab the footer shows at column x of a `cols`-wide
 * screen, or NULL. */
const struct ui_view *ui_frame_tab_at(const struct ui *ui, int x, int cols);

/*
 * The mouse (ui_mouse.c): clicks on the footer's tabs and on a view's
 * rows, double clicks, the wheel.  Coordinates come from curses, in the
 * SGR form (xterm's 1006 mode) when the terminal's terminfo entry says
 * it has it (xterm-256color does), else the older form ncurses falls
 * back to.
 */
enum ui_mouse_kind {
	UI_MOUSE_CLICK,
	UI_MOUSE_DOUBLE,
	UI_MOUSE_WHEEL_UP,
	UI_MOUSE_WHEEL_DOWN,
};
struct ui_mouse_event {
	enum ui_mouse_kind kind;
	int line; /* from the view's first row (0), as the view draws it */
	int x;
};
/* Lines the wheel moves. */
enum { UI_MOUSE_WHEEL_LINES = 3 };
/* Mouse reporting on or off (at start; the settings may change it). */
void ui_mouse_set(struct ui *ui, bool on);
/* KEY_MOUSE came: reads the event and acts on it. */
void ui_mouse_key(struct ui *ui);

/* Per-state counts of the sockets the filter selects (ui_main.c). */
void ui_count(const struct ui *ui, const struct snapshot *snap, uint32_t counts[TCP_STATE_COUNT],
	      uint32_t *total);

/*
 * The prompt line (ui_prompt.c): one question at a time, answered by the
 * next keys, which it takes before anything else.  Whoever opens it says
 * what to do with the answer; ctx is passed back.
 */
struct ui_prompt;
struct ui_prompt *ui_prompt_new(void);
void ui_prompt_free(struct ui_prompt *prompt);
/* Enter calls done(ui, ctx, text): true closes the prompt; false keeps
 * it open with ui->status above it and, when *bad is set to an offset,
 * the word there marked, until the text is edited.  Esc closes it and
 * clears the status. */
typedef bool ui_prompt_text_fn(struct ui *ui, void *ctx, const char *text, int *bad);
void ui_prompt_text(struct ui *ui, const char *label, const char *initial, ui_prompt_text_fn *done,
		    void *ctx);
/* One key picks: chosen(ui, ctx, index of the choice); any other key
 * closes the prompt.  choices must outlive the prompt. */
struct ui_prompt_choice {
	int key;
	const char *label;
};
void ui_prompt_choose(struct ui *ui, const char *label, const struct ui_prompt_choice *choices,
		      size_t n, void (*chosen)(struct ui *ui, void *ctx, size_t index), void *ctx);
/* y calls yes(ui, ctx); any other key says "nothing done". */
void ui_prompt_confirm(struct ui *ui, const char *question, void (*yes)(struct ui *ui, void *ctx),
		       void *ctx);
bool ui_prompt_key(struct ui *ui, int key); /* true: the key was the prompt's */
void ui_prompt_draw(struct ui *ui, int row, int cols);
/* Makes the text prompt just opened live (F3's search): changed(ui, ctx,
 * text) after every edit, a false return showing ui->status above the
 * line until the next edit; and the keys a line of text does not take
 * (function keys) go to other(ui, ctx, key). */
void ui_prompt_live(struct ui *ui, bool (*changed)(struct ui *ui, void *ctx, const char *text),
		    void (*other)(struct ui *ui, void *ctx, int key));
bool ui_prompt_is_open(const struct ui *ui);

/* The filter (ui_filter.c).  set replaces it with the expression (empty:
 * none); on error keeps the old one, puts the message in ui->status and,
 * when bad is not NULL, the offset of the offending word in *bad. */
bool ui_filter_set(struct ui *ui, const char *expr, int *bad);
void ui_filter_prompt(struct ui *ui);     /* "filter: " at the prompt */
void ui_filter_pick_state(struct ui *ui); /* the state picker */
/* Every view shows one network namespace: the filter "netns INODE"
 * after what the filter selected before (a namespace chosen before
 * replaced), and a status naming the namespace. */
void ui_filter_netns(struct ui *ui, uint32_t inode);
/* The namespace picker: a key per namespace of the sample on screen
 * (and one for all); says so in ui->status when there are none. */
void ui_filter_pick_netns(struct ui *ui);

/*
 * The namespaces view's rows (ui_view_netns.c), pure so they can be
 * checked without a terminal: one per namespace of ui->shown (counted
 * through ui->filter when one is set), plus those gone lately that the
 * pipeline still keeps.  Sorted by `sort`: names A to Z, inodes up,
 * counts most first, each the other way when inverted; ties by inode.
 */
enum {
	UI_NETNS_SORT_NAME,
	UI_NETNS_SORT_INODE,
	UI_NETNS_SORT_TOTAL,
	UI_NETNS_SORT_STATE, /* + enum tcp_state */
	UI_NETNS_SORT_COUNT = UI_NETNS_SORT_STATE + TCP_STATE_COUNT,
};
struct ui_netns_row {
	uint32_t inode;
	struct netns_info info;           /* raw: draw through ui_put */
	char name[128];                   /* netns_info_short(), raw */
	uint32_t counts[TCP_STATE_COUNT];
	uint32_t total;
	bool gone;                        /* not in the sample on screen */
};
/* The rows in *rows (malloc'd, the caller frees; NULL when none);
 * returns how many, or -1 (ENOMEM). */
ssize_t ui_netns_rows(const struct ui *ui, int sort, bool inverted, struct ui_netns_row **rows);
const char *ui_netns_sort_name(int sort);
/* The short name (raw) of the namespace with this inode, from the sample
 * on screen or the pipeline's rows; false when unknown. */
bool ui_netns_name(const struct ui *ui, uint32_t inode, char *buf, size_t len);

/* Details of one connection, the socket with `cookie` in network
 * namespace `netns` (ui_drill.c): sparklines grow with every sample
 * given while it is open. */
struct ui_drill;
struct ui_drill *ui_drill_new(uint64_t cookie, uint32_t netns);
void ui_drill_free(struct ui_drill *drill);
void ui_drill_sample(struct ui_drill *drill, const struct snapshot *snap,
		     const struct conntrack *ct);
/* Draws the whole screen (a page); ct may be NULL. */
void ui_drill_draw(struct ui *ui, const struct ui_drill *drill, const struct conntrack *ct);
/* y on the page: its tcpdump and ss lines to the clipboard (ui_clip). */
void ui_drill_copy(struct ui *ui, const struct ui_drill *drill, const struct conntrack *ct);

/* The terminal's clipboard (ui_clip.c): text (what names it in the
 * status line) sent with OSC 52 when the terminal takes it; the status
 * line says either way. */
void ui_clip_copy(struct ui *ui, const char *text, const char *what);
/* The OSC 52 sequence setting the clipboard to len bytes of text, in
 * out (NUL-terminated); its length, or 0 when it does not fit.  Pure. */
size_t ui_clip_osc52(const char *text, size_t len, char *out, size_t out_size);

/* F3: the incremental search of the current view's rows (ui_search.c),
 * and its row for the key table of a view with a find hook. */
void ui_search_start(struct ui *ui);
void ui_search_key(struct ui *ui, void *state, int arg);
#define UI_KEY_SEARCH                                                             \
	{KEY_F(3), 0, "F3", "search the rows as you type (F3 next, Esc ends)",     \
	 ui_search_key, 0}

/* Ctrl-S: the current table as CSV, to a file asked for (ui_save.c), and
 * its row for the key table of a view with a save hook.  The terminal's
 * flow control is off (ui_term.c), so Ctrl-S comes as a key. */
void ui_save_prompt(struct ui *ui);
void ui_save_key(struct ui *ui, void *state, int arg);
#define UI_KEY_CTRL_S 19
#define UI_KEY_SAVE                                                               \
	{UI_KEY_CTRL_S, 0, "Ctrl-S", "save the table as CSV, filtered and sorted (as -b -o csv)", \
	 ui_save_key, 0}

/* What every sample feeds besides the screen (ui_feed.c): ui->pipe,
 * built from the setup's options and thresholds.  start returns 0 or -1
 * with a cause.  A replay that goes back in time starts the derived
 * models over by itself (pipeline.h). */
struct ui_setup;
int ui_feed_start(struct ui *ui, const struct ui_setup *setup, char *cause, size_t cause_len);
/* A sample goes through the models one at a time (pipeline_feed_step),
 * so that the keyboard is read in between: begin feeds the first, each
 * step the next; both return true while models are left. */
bool ui_feed_begin(struct ui *ui, struct snapshot *snap, uint64_t missed);
bool ui_feed_step(struct ui *ui);
bool ui_feeding(const struct ui *ui);
void ui_feed_stop(struct ui *ui);

/*
 * Text from outside on screen (ui_put.c).  Every string that can hold
 * bytes from other people (process names, command lines, users, cgroups,
 * host names, findings, status messages, typed text) is drawn through
 * these, never with addstr or printw: its shown form (sanitize.h), cut
 * after the last character or escape that fits, so a UTF-8 character or
 * an escape is never split and no line runs past its row.  Widths are
 * measured as sanitize.h does, without the locale.
 *
 * ui_put_form() writes the form of the len bytes at s into out (out_size
 * bytes, NUL-terminated), cut before the first character or escape that
 * would take the width past max_cells cells or not fit in out whole (a
 * zero-width mark after a character that fits is kept with it);
 * max_cells <= 0 writes nothing.  With utf8 false (a terminal that is
 * not UTF-8) the bytes of a character past ASCII are shown as "\xHH"
 * too.  Returns the length written; *cells (when not NULL) its width,
 * *used (when not NULL) how many bytes of s it shows.  Pure: no curses.
 */
size_t ui_put_form(const char *s, size_t len, int max_cells, bool utf8, char *out,
		   size_t out_size, int *cells, size_t *used);
/* Whether the terminal takes UTF-8 (ui_term_start says; default yes). */
void ui_put_set_utf8(bool utf8);
/* Draws the form of text (len bytes) at (y, x), at most max_cells cells
 * and never past the row; returns the cells drawn. */
int ui_putn(int y, int x, const char *text, size_t len, int max_cells);
int ui_put(int y, int x, const char *text, int max_cells);
/* A line formatted as printf, then drawn as ui_put. */
int ui_putf(int y, int x, int max_cells, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A table cell: exactly width cells, the form cut to it and padded with
 * blanks, on the left when right-aligned.  Returns width (less past the
 * row's end). */
int ui_put_cell(int y, int x, const char *text, int width, bool right);
/* How many bytes of text (len bytes) fit in max_cells cells once shown:
 * where a line of it ends on screen (a character or escape boundary);
 * *cells (when not NULL) gets the width of what fits. */
size_t ui_put_fit(const char *text, size_t len, int max_cells, int *cells);

/* Lines of text with a scroll offset, clipped to the area; returns the
 * number of lines the text has (ui_text.c). */
int ui_text_draw(const char *text, int scroll, int top, int height, int cols);
int ui_text_lines(const char *text);

/*
 * Scrolling (ui_scroll.c): a list of which `height` lines fit on screen,
 * from `top`; with `select`, one line of it is selected and the keys move
 * the selection, the screen following it.  Zeroed: at the top, nothing
 * selected yet.
 */
struct ui_scroll {
	int top;     /* first line on screen */
	int height;  /* lines on screen at the last draw */
	int sel;     /* with select: the selected line, or -1 */
	bool select;
	int page;    /* lines a page moves; 0: a screen less a line */
};
/* The steps of the scrolling keys (the arg of their table entries). */
enum {
	UI_SCROLL_DOWN = 1,
	UI_SCROLL_UP = -1,
	UI_SCROLL_PAGE_DOWN = 2, /* page lines */
	UI_SCROLL_PAGE_UP = -2,
	UI_SCROLL_END = 3,
	UI_SCROLL_HOME = -3,
};
/* Moves one step: the selection (kept in [0, lines)) or the top line
 * (kept >= 0; the far end is clamped when drawn). */
void ui_scroll_step(struct ui_scroll *s, int step, int lines);
/* At the draw: the list has `lines` lines and `height` fit.  Without a
 * selection, keeps the screen within the list; with one, moves the
 * screen just enough to show it. */
void ui_scroll_fit(struct ui_scroll *s, int lines, int height);
/* A key table's action for views without a selection: steps the current
 * view's scroller (its scroll hook) by arg. */
void ui_scroll_key(struct ui *ui, void *state, int step);
/* The wheel: the screen moves `delta` lines and a selection with it, as
 * far as the list goes. */
void ui_scroll_wheel(struct ui_scroll *s, int delta, int lines);
/* The rows of a key table that scroll a line (j, k) and a page, as most
 * views word them (the file using them includes curses). */
#define UI_SCROLL_KEYS_LINE                                                       \
	{KEY_DOWN, 'j', "Down", "scroll down", ui_scroll_key, UI_SCROLL_DOWN},    \
	{KEY_UP, 'k', "Up", "scroll up", ui_scroll_key, UI_SCROLL_UP}
#define UI_SCROLL_KEYS_PAGE                                                       \
	{KEY_NPAGE, 0, "PgDn", "page down", ui_scroll_key, UI_SCROLL_PAGE_DOWN},  \
	{KEY_PPAGE, 0, "PgUp", "page up", ui_scroll_key, UI_SCROLL_PAGE_UP}

/* The most severe finding worth a banner, or NULL (ui_view_diag.c). */
const struct diag_finding *ui_diag_banner(const struct ui *ui, size_t *count);

/* Acting on connections (ui_act.c): the sockets of snap to act on. */
struct ui_act_targets {
	const struct snapshot *snap;
	const struct sock_entry *const *entries;
	size_t n;
};
/* Words the y/n question naming what the action would hit into q; false,
 * with ui->status saying why, when it would hit nothing. */
bool ui_act_question(struct ui *ui, enum ui_action action, const struct ui_act_targets *targets,
		     char *q, size_t size);
/* Acts, saying in ui->status how it went. */
void ui_act_run(struct ui *ui, enum ui_action action, const struct ui_act_targets *targets);

/* Keys: the global table and help (ui_keys.c).  handle answers one
 * key: the prompt's, an open page's, the current view's table, then the
 * global table. */
void ui_keys_handle(struct ui *ui, int key);
const struct ui_key *ui_keys_global(size_t *n);

/* A line of the help screen: a key and what it does, or a heading. */
struct ui_help_line {
	char label[16];
	char text[200];
	bool heading;
};
/* The help screen's lines while `view` is current: the global keys (the
 * views' number keys, one line per view, where the table has
 * UI_KEY_VIEWS), then, when the view has keys, a heading and those.
 * Returns how many were written (at most max).  No curses. */
size_t ui_keys_help(const struct ui_view *view, struct ui_help_line *out, size_t max);

#endif
