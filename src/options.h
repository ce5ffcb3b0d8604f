/*
 * options.h - the command line, parsed into a plain struct.
 *
 * Parsing never prints or exits: a bad option yields a one-line message
 * for main.c to show.  Pure apart from getopt's global state.
 */
#ifndef TCPDECK_OPTIONS_H
#define TCPDECK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "output.h"
#include "output_columns.h"

enum options_action {
	OPTIONS_RUN,     /* dashboard or batch */
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_EXPLAIN, /* --explain: the TCP state help page */
	OPTIONS_LIST,    /* --list WHAT: names for shell completion */
};

struct options {
	enum options_action action;
	bool batch;
	double interval_s;
	unsigned long max_samples;          /* 0: no limit */
	const struct output_format *format;
	enum output_view view;              /* --view, batch mode */
	const char *who;                    /* --who PORT, NULL when off */
	int sort_column;                    /* -s: enum conn_column, -1 */
	bool sort_descending;
	int peers_by;                       /* -s with --view peers: what ranks
					     * peers (PEERS_BY_TOTAL or a state) */
	unsigned long peers_top;            /* --top: rows per kind (peers) */
	const char *replay;                 /* -r FILE, NULL when live */
	const char *record;                 /* -w FILE, NULL when not recording */
	double linger_s;                    /* --linger: closed rows stay */
	char *filter;                       /* FILTER words or -F file (malloc'd) */
	const char *config_path;            /* --config FILE, NULL: default */
	const char *log_path;               /* -v FILE, NULL when off */
	bool ascii;                         /* force ASCII sparklines */
	bool no_mouse;                      /* --no-mouse: the dashboard leaves
					     * the mouse to the terminal */
	bool mark;                          /* --mark: the run is a stress test */
	const char *summary_prefix;         /* --summary PREFIX, NULL when off */
	const char *textfile;               /* --textfile PATH, NULL when off */
	const char *serve;                  /* --serve [ADDR:]PORT, NULL when off */
	const char *web_config;             /* --web-config FILE (TLS, basic auth), or NULL */
	const char **netns;                 /* --netns SPEC and -N NAME, in order
					     * (malloc'd array of argv strings) */
	size_t n_netns;
	struct output_columns columns;      /* --columns LIST: listen, conns */
	bool no_header;                     /* -H: no header lines */
	const char *list;                   /* --list WHAT */
	bool interval_given;                /* -d given: beats the config file */
	bool linger_given;                  /* --linger given: as -d */
	int theme;                          /* --theme: enum settings_theme,
					     * -1 when not given */
};

/* Fills opts from argv.  Returns 0, or -1 with a one-line message (without
 * the program name) in msg[0..msg_len). */
int options_parse(int argc, char **argv, struct options *opts, char *msg, size_t msg_len);

/* Frees what options_parse() allocated. */
void options_free(struct options *opts);

/* The --help text. */
const char *options_usage(void);

/*
 * --list WHAT, for shell completion (completion/): the names tcpdeck
 * takes, one per line, on out, from the tables that parse them, so that
 * completion cannot drift from them.  WHAT is options (every long and
 * short option), options-with-value (those that take one), views,
 * formats, states, keywords (of the filter), columns-conns,
 * columns-listen, themes or what (these words).  Returns 0, or -1 for an unknown WHAT (nothing
 * written) or a write error.
 */
int options_list_write(FILE *out, const char *what);

#endif
