/*
 * ui_theme.c - the colour themes: which colour pair (or, without
 * colours, which video attributes) each of the dashboard's colours
 * (enum ui_color) draws with.
 *
 * A theme gives three palettes, for terminals with 8, 16 and 256
 * colours (the terminfo "colors" capability picks one), so it reads the
 * same on an old console as on a modern terminal.  The monochrome theme,
 * a terminal without colours and NO_COLOR all draw with bold and reverse
 * video only.  The high-contrast theme paints the whole screen's
 * background black so its colours do not depend on the terminal's.
 *
 * Main thread only (curses); ui_theme_apply() after start_color().
 */
#include "config.h"

#include <curses.h>

#include "ui_internal.h"

/* The pair number of the screen's background (contrast theme). */
#define PAIR_BASE UI_COLOR_COUNT

/* One colour of a palette; fg -1: nothing to set up (the pair stays
 * the terminal's default). */
struct ink {
	short fg, bg; /* -1: the terminal's default */
	bool bold;
};

struct palette {
	struct ink ink[UI_COLOR_COUNT];
	struct ink base; /* fg -1: the terminal's own background */
};

struct theme {
	bool mono;
	struct palette p8, p16, p256;
};

#define NOBASE {-1, -1, false}

/* The colours the dashboard always had: the same at every depth, since
 * the basic eight are everywhere and tests (and users) know them. */
static const struct palette default_palette = {
	.ink = {
		[UI_COLOR_STEADY] = {COLOR_GREEN, -1, false},
		[UI_COLOR_WATCH] = {COLOR_YELLOW, -1, true},
		[UI_COLOR_HEADER] = {COLOR_BLACK, COLOR_CYAN, false},
		[UI_COLOR_PAUSED] = {COLOR_BLACK, COLOR_YELLOW, false},
		[UI_COLOR_ALERT] = {COLOR_RED, -1, true},
	},
	.base = NOBASE,
};

static const struct theme themes[SETTINGS_THEME_COUNT] = {
	[SETTINGS_THEME_DEFAULT] = {
		.p8 = default_palette,
		.p16 = default_palette,
		.p256 = default_palette,
	},
	/* Yellow and cyan vanish on white: darker inks, white on blue bars. */
	[SETTINGS_THEME_LIGHT] = {
		.p8 = {
			.ink = {
				[UI_COLOR_STEADY] = {COLOR_GREEN, -1, false},
				[UI_COLOR_WATCH] = {COLOR_MAGENTA, -1, true},
				[UI_COLOR_HEADER] = {COLOR_WHITE, COLOR_BLUE, false},
				[UI_COLOR_PAUSED] = {COLOR_WHITE, COLOR_MAGENTA, false},
				[UI_COLOR_ALERT] = {COLOR_RED, -1, true},
			},
			.base = NOBASE,
		},
		.p16 = {
			.ink = {
				[UI_COLOR_STEADY] = {COLOR_GREEN, -1, false},
				[UI_COLOR_WATCH] = {COLOR_MAGENTA, -1, true},
				[UI_COLOR_HEADER] = {15, COLOR_BLUE, false},
				[UI_COLOR_PAUSED] = {15, COLOR_MAGENTA, false},
				[UI_COLOR_ALERT] = {COLOR_RED, -1, true},
			},
			.base = NOBASE,
		},
		.p256 = {
			.ink = {
				[UI_COLOR_STEADY] = {22, -1, false},  /* dark green */
				[UI_COLOR_WATCH] = {130, -1, true},   /* dark orange */
				[UI_COLOR_HEADER] = {231, 25, false}, /* white on deep blue */
				[UI_COLOR_PAUSED] = {231, 130, false},
				[UI_COLOR_ALERT] = {124, -1, true},   /* dark red */
			},
			.base = NOBASE,
		},
	},
	[SETTINGS_THEME_MONO] = {.mono = true},
	/* Bright inks on black, black on white bars. */
	[SETTINGS_THEME_CONTRAST] = {
		.p8 = {
			.ink = {
				[UI_COLOR_STEADY] = {COLOR_GREEN, COLOR_BLACK, true},
				[UI_COLOR_WATCH] = {COLOR_YELLOW, COLOR_BLACK, true},
				[UI_COLOR_HEADER] = {COLOR_BLACK, COLOR_WHITE, false},
				[UI_COLOR_PAUSED] = {COLOR_BLACK, COLOR_YELLOW, false},
				[UI_COLOR_ALERT] = {COLOR_WHITE, COLOR_RED, true},
			},
			.base = {COLOR_WHITE, COLOR_BLACK, false},
		},
		.p16 = {
			.ink = {
				[UI_COLOR_STEADY] = {10, COLOR_BLACK, true},
				[UI_COLOR_WATCH] = {11, COLOR_BLACK, true},
				[UI_COLOR_HEADER] = {COLOR_BLACK, 15, false},
				[UI_COLOR_PAUSED] = {COLOR_BLACK, 11, false},
				[UI_COLOR_ALERT] = {15, 9, true},
			},
			.base = {15, COLOR_BLACK, false},
		},
		.p256 = {
			.ink = {
				[UI_COLOR_STEADY] = {46, 16, true},  /* pure green on black */
				[UI_COLOR_WATCH] = {226, 16, true},  /* pure yellow */
				[UI_COLOR_HEADER] = {16, 231, false},
				[UI_COLOR_PAUSED] = {16, 226, false},
				[UI_COLOR_ALERT] = {231, 196, true},
			},
			.base = {231, 16, false},
		},
	},
};

static const struct theme *
theme_of(const struct ui *ui)
{
	return &themes[(unsigned int)ui->settings.theme < SETTINGS_THEME_COUNT ? ui->settings.theme : 0];
}

static const struct palette *
palette_of(const struct theme *t)
{
	if (COLORS >= 256)
		return &t->p256;
	if (COLORS >= 16)
		return &t->p16;
	return &t->p8;
}

void
ui_theme_apply(struct ui *ui)
{
	const struct theme *t = theme_of(ui);
	const struct palette *p;

	if (!ui->colors) {
		bkgdset(' ' | A_NORMAL);
		return;
	}
	if (t->mono) {
		bkgd(' ' | A_NORMAL);
		return;
	}
	p = palette_of(t);
	for (int c = UI_COLOR_NONE + 1; c < UI_COLOR_COUNT; c++)
		init_pair((short)c, p->ink[c].fg, p->ink[c].bg);
	if (p->base.fg >= 0) {
		init_pair(PAIR_BASE, p->base.fg, p->base.bg);
		bkgd(' ' | COLOR_PAIR(PAIR_BASE));
	} else {
		bkgd(' ' | A_NORMAL);
	}
}

int
ui_theme_attr(const struct ui *ui, enum ui_color color)
{
	const struct theme *t = theme_of(ui);

	if (color == UI_COLOR_NONE)
		return A_NORMAL;
	if (ui->colors && !t->mono)
		return COLOR_PAIR(color) | (palette_of(t)->ink[color].bold ? A_BOLD : 0);
	/* Without colours: reverse video for bars, bold for what to watch. */
	switch (color) {
	case UI_COLOR_HEADER:
	case UI_COLOR_PAUSED:
		return A_REVERSE;
	case UI_COLOR_WATCH:
		return A_BOLD;
	case UI_COLOR_ALERT:
		/* The theme promises bold and reverse only; a terminal
		 * without colours (or NO_COLOR) also underlines. */
		return t->mono ? A_BOLD | A_REVERSE : A_BOLD | A_UNDERLINE;
	default:
		return A_NORMAL;
	}
}
