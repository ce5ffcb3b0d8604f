/*
 * ui_internal.h - state shared by the ui_*.c files.
 * Main thread only.
 */
#ifndef TCPDECK_UI_INTERNAL_H
#define TCPDECK_UI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"
#include "ring.h"
#include "sampler.h"
#include "snapshot.h"
#include "sparkline.h"

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

struct ui;

/* A key binding: the tables of these generate the help screen. */
struct ui_key {
	int key;
	int alt_key;          /* a second key for the same action, or 0 */
	const char *label;    /* as shown in help */
	const char *help;
	void (*action)(struct ui *ui);
};

/*
 * A view of the dashboard: one const table per view, listed in the
 * registry in ui_keys.c.  draw() fills rows [top, top + height) of the
 * screen; the header and footer are drawn around it.
 */
struct ui_view {
	const char *name;
	void (*draw)(struct ui *ui, int top, int height, int cols);
	const struct ui_key *keys; /* keys of this view only */
	size_t n_keys;
};

extern const struct ui_view ui_view_states;
extern const struct ui_view ui_view_listen;

struct ui {
	struct ring *ring;
	struct sampler *sampler;
	struct history *history;
	struct snapshot *shown;          /* snapshot on screen (a reference) */
	uint32_t shown_prev_counts[TCP_STATE_COUNT]; /* sample before shown */
	bool shown_has_prev;
	uint64_t last_seq;               /* newest snapshot taken from the ring */
	uint32_t last_counts[TCP_STATE_COUNT];
	bool has_last;
	size_t pushed_since_pause;       /* history rows the frozen view skips */
	bool paused;
	bool ended;                      /* the source has no more samples */
	bool show_help;
	bool quit;
	bool colors;
	enum sparkline_charset charset;
	size_t view;                     /* index in the view registry */
	int listen_sort;                 /* enum listen_sort */
	int listen_scroll;               /* first line shown */
	int listen_lines;                /* lines the panel had last draw */
	int listen_height;
	char hostname[80];
	char kernel[80];
};

/* Terminal set-up and tear-down (ui_term.c). */
int ui_term_start(struct ui *ui, bool force_ascii);
void ui_term_stop(void);
int ui_term_attr(const struct ui *ui, enum ui_color color);

/* Header, view, footer; or a message when the terminal is too small
 * (ui_frame.c). */
void ui_frame_draw(struct ui *ui);

/* Keys: the global table, the view registry, help (ui_keys.c). */
void ui_keys_handle(struct ui *ui, int key);
void ui_keys_draw_help(struct ui *ui);
const struct ui_view *ui_keys_view(const struct ui *ui);
size_t ui_keys_view_count(void);
const struct ui_view *ui_keys_view_at(size_t index);

#endif
