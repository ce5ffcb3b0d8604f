/*
 * settings.h - the dashboard's settings, kept in tcpdeck.conf beside the
 * diagnoses' thresholds (diag_config.h).
 *
 * The settings are the keys under "ui.": the view the dashboard starts
 * in, the connection table's columns (which, in what order) and its sort
 * column, the sampling interval, the colour theme, the mouse and how long
 * closed connections linger.  diag_config.c leaves these keys to this
 * file, so one file holds both and an older file reads as before.
 *
 * Unlike a threshold, a bad or unknown setting does not stop tcpdeck: it
 * is reported with its line ("FILE:LINE: ...") through a callback and
 * the rest of the file is used.  Saving rewrites only the ui.* lines and
 * keeps every other line, comment and blank as it was; keys not in the
 * file yet are added at its end.  The file is replaced whole
 * (safe_file.h: a temporary file and a rename, never through a symbolic
 * link).
 *
 * Parsing and writing work on bytes and are pure; settings_load() and
 * settings_save() do the I/O.  Any thread; nothing prints or exits.
 */
#ifndef TCPDECK_SETTINGS_H
#define TCPDECK_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "output_columns.h"

/* The colour themes, in the order the setup screen cycles them. */
enum settings_theme {
	SETTINGS_THEME_DEFAULT,  /* colours on the terminal's own background */
	SETTINGS_THEME_LIGHT,    /* for light backgrounds */
	SETTINGS_THEME_MONO,     /* bold and reverse video only */
	SETTINGS_THEME_CONTRAST, /* high contrast */
	SETTINGS_THEME_COUNT
};

/* Which keys a file set (struct settings.set), so the command line, the
 * file and the defaults can be layered. */
enum {
	SETTINGS_HAS_VIEW = 1u << 0,
	SETTINGS_HAS_COLUMNS = 1u << 1,
	SETTINGS_HAS_SORT = 1u << 2,
	SETTINGS_HAS_INTERVAL = 1u << 3,
	SETTINGS_HAS_THEME = 1u << 4,
	SETTINGS_HAS_MOUSE = 1u << 5,
	SETTINGS_HAS_LINGER = 1u << 6,
};

/* Longest view name a setting keeps. */
#define SETTINGS_VIEW_MAX 32

struct settings {
	char view[SETTINGS_VIEW_MAX]; /* the dashboard view's title ("conns"),
				       * "" for the first */
	struct output_columns columns;/* the table's columns in order (enum
				       * conn_column); n 0: every column in
				       * the table's own order */
	int sort_column;              /* enum conn_column, -1: the table's */
	bool sort_descending;
	double interval_s;
	enum settings_theme theme;
	bool mouse;
	double linger_s;
	unsigned int set;             /* SETTINGS_HAS_*: keys the file set */
};

/* The defaults (as the command line's); set is 0. */
void settings_defaults(struct settings *s);

/* A theme's name ("light"), NULL when out of range; the theme called
 * name, or -1.  settings_theme_names(): "default, light, mono, contrast". */
const char *settings_theme_name(enum settings_theme theme);
int settings_theme_find(const char *name);
const char *settings_theme_names(void);

/* Whether a key (as written in the file, "ui.theme") is one of the
 * settings' namespace "ui.", known or not. */
bool settings_owns_key(const char *key);

/* Says whether a view name is one the dashboard has (the parser does not
 * know the dashboard's views).  NULL: any name. */
typedef bool settings_view_ok_fn(const char *name);

/* Receives each problem as one line "NAME:LINE: what is wrong". */
typedef void settings_warn_fn(void *arg, const char *msg);

/*
 * Applies the ui.* lines of text (len bytes) to s, setting s->set for
 * each key it takes; other keys are left to diag_config_parse().  Every
 * bad or unknown ui.* line is passed to warn (when not NULL) and skipped.
 * Returns the number of such lines.
 */
int settings_parse(struct settings *s, const char *name, const char *text, size_t len,
		   settings_view_ok_fn *view_ok, settings_warn_fn *warn, void *warn_arg);

/*
 * The value of one key as the file writes it ("ui.theme" -> "light"),
 * into out.  Returns the length, or -1 for a key the settings do not own.
 */
int settings_format_value(const struct settings *s, const char *key, char *out, size_t size);

/*
 * The text of a file holding old (old_len bytes; NULL or 0 for none)
 * with every setting of s: each ui.* line of a known key is rewritten in
 * place (its first occurrence; later repeats are dropped) keeping a
 * trailing comment, other lines stay byte for byte, and keys the file
 * did not have are appended after a comment line.  *out is malloc'd (the
 * caller frees), *out_len its length.  Returns 0, or -1 with errno
 * (ENOMEM).
 */
int settings_write_text(const struct settings *s, const char *old, size_t old_len, char **out,
			size_t *out_len);

/*
 * Reads path (a missing file or one under a directory tcpdeck may not
 * enter is no settings: returns 1) and applies it as settings_parse().
 * Returns 0, or -1 with a one-line message in err when the file cannot
 * be read.
 */
int settings_load(struct settings *s, const char *path, settings_view_ok_fn *view_ok,
		  settings_warn_fn *warn, void *warn_arg, char *err, size_t err_len);

/*
 * Saves s into the file at path (settings_write_text() over what the file
 * holds), making its directory when missing (mode 0700).  Returns 0, or
 * -1 with a one-line message in err.
 */
int settings_save(const struct settings *s, const char *path, char *err, size_t err_len);

#endif
