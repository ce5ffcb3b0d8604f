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
	UI_COLOR_COUNT
};

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
	bool show_help;
	bool quit;
	bool colors;
	enum sparkline_charset charset;
	char hostname[80];
	char kernel[80];
};

/* Terminal set-up and tear-down (ui_term.c). */
int ui_term_start(struct ui *ui, bool force_ascii);
void ui_term_stop(void);
int ui_term_attr(const struct ui *ui, enum ui_color color);

/* The state panel (ui_view_states.c). */
void ui_view_states_draw(struct ui *ui);

/* Key handling and the help screen generated from the key table
 * (ui_keys.c). */
void ui_keys_handle(struct ui *ui, int key);
void ui_keys_draw_help(struct ui *ui);
/* One-line summary of the main keys for the footer. */
const char *ui_keys_footer(void);

#endif
