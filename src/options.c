/*
 * options.c - command-line parsing with getopt_long.
 * Main thread only (getopt keeps global state).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_columns.h"
#include "settings.h"
#include "filter.h"
#include "format.h"
#include "options.h"
#include "peers.h"
#include "sampler.h"

/* ':' first: a missing value is told from an unknown option. */
static const char short_options[] = ":bn:d:o:v:AhVs:r:F:w:N:H";

/* Long options without a short one take values past any character. */
enum { OPT_COLUMNS = 0x100, OPT_LIST, OPT_NO_MOUSE, OPT_THEME };

static const struct option long_options[] = {
	{"batch", no_argument, NULL, 'b'},
	{"count", required_argument, NULL, 'n'},
	{"delay", required_argument, NULL, 'd'},
	{"output", required_argument, NULL, 'o'},
	{"log", required_argument, NULL, 'v'},
	{"ascii", no_argument, NULL, 'A'},
	{"view", required_argument, NULL, 'U'}, /* -w is --write */
	{"write", required_argument, NULL, 'w'},
	{"sort", required_argument, NULL, 's'},
	{"read", required_argument, NULL, 'r'},
	{"filter-file", required_argument, NULL, 'F'},
	{"linger", required_argument, NULL, 'L'},
	{"who", required_argument, NULL, 'W'},
	{"top", required_argument, NULL, 'T'},
	{"config", required_argument, NULL, 'K'},
	{"explain", no_argument, NULL, 'E'},
	{"mark", no_argument, NULL, 'M'},
	{"summary", required_argument, NULL, 'S'},
	{"textfile", required_argument, NULL, 'X'},
	{"serve", required_argument, NULL, 'P'},
	{"web-config", required_argument, NULL, 'G'},
	{"netns", required_argument, NULL, 'N'},
	{"columns", required_argument, NULL, OPT_COLUMNS},
	{"no-header", no_argument, NULL, 'H'},
	{"list", required_argument, NULL, OPT_LIST},
	{"no-mouse", no_argument, NULL, OPT_NO_MOUSE},
	{"theme", required_argument, NULL, OPT_THEME},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

const char *
options_usage(void)
{
	return "Usage: tcpdeck [OPTIONS] [FILTER]\n"
	       "       tcpdeck --who PORT\n"
	       "Live dashboard of the TCP sockets of this host (IPv4 and IPv6).\n"
	       "FILTER is an ss expression, such as: state established '( dport = :443 )'\n"
	       "\n"
	       "  -b, --batch          print samples as lines instead of the dashboard\n"
	       "  -n, --count N        stop after N samples (dashboard and batch)\n"
	       "  -d, --delay SECONDS  sampling interval, 0.1 to 60 (default 1)\n"
	       "  -o, --output FORMAT  batch output format: text, json, csv or prometheus\n"
	       "                       (default text; prometheus: one exposition per\n"
	       "                       sample, the prometheus view)\n"
	       "      --view VIEW      batch view: states (counts, default), listen\n"
	       "                       (listening sockets with owners and load) or\n"
	       "                       conns (every socket, one per line), counters\n"
	       "                       (kernel TCP counters and rates), peers (top\n"
	       "                       remote addresses, remote and local ports),\n"
	       "                       diagnoses (findings in plain words), summary\n"
	       "                       (the run as a stress test: its summary at the end)\n"
	       "                       or prometheus (an exposition per sample)\n"
	       "                       or closed (every connection closed, as it comes)\n"
	       "  -s, --sort COLUMN[:desc]  sort the conns view by a column; with\n"
	       "                       --view peers: rank by total (default) or a state\n"
	       "      --columns LIST   listen and conns views: only these columns, in this\n"
	       "                       order (names as in the header: local,state,rtt);\n"
	       "                       without an owner column /proc is not read\n"
	       "  -H, --no-header      no header lines (text and CSV), as ss -H\n"
	       "      --top N          peers view: rows per table; Prometheus: processes\n"
	       "                       and ports before \"other\" (default 20, 0: all)\n"
	       "      --serve [ADDR:]PORT  serve Prometheus metrics on http://ADDR:PORT/metrics\n"
	       "                       (ADDR default 127.0.0.1; PORT 9791 is the usual one);\n"
	       "                       without -b and a terminal, runs without output\n"
	       "      --web-config FILE  --serve with TLS and basic auth, as FILE (Prometheus\n"
	       "                       exporter-toolkit web configuration) says\n"
	       "      --textfile PATH  rewrite PATH (*.prom) every sample for node_exporter's\n"
	       "                       textfile collector\n"
	       "  -r, --read FILE      replay FILE instead of this host's sockets: a\n"
	       "                       recording made with -w (\"-\": standard input)\n"
	       "                       or a dump made with `ss -D FILE`\n"
	       "  -w, --write FILE     record every sample to FILE (\"-\": standard\n"
	       "                       output, batch mode only); replaces FILE only if\n"
	       "                       it is empty or a recording\n"
	       "  -F, --filter-file FILE  read the filter expression from FILE\n"
	       "      --linger SECONDS how long closed connections stay (red) and new or\n"
	       "                       changed ones are marked in the table (default 3,\n"
	       "                       0 disables)\n"
	       "      --who PORT       print the processes holding sockets on a local\n"
	       "                       port (9000, :9000, http, ADDR:PORT) and exit;\n"
	       "                       exit status 1 when none does\n"
	       "  -A, --ascii          draw sparklines with ASCII even in a UTF-8 locale\n"
	       "      --no-mouse       leave the mouse to the terminal (the dashboard\n"
	       "                       takes clicks and the wheel by default)\n"
	       "      --theme NAME     dashboard colours: default, light (light\n"
	       "                       backgrounds), mono (bold and reverse only) or\n"
	       "                       contrast (high contrast); NO_COLOR still wins\n"
	       "  -v, --log FILE       append debug messages to FILE\n"
	       "      --config FILE    thresholds of the diagnoses (default\n"
	       "                       ~/.config/tcpdeck/tcpdeck.conf; see tcpdeck.conf(5))\n"
	       "      --mark           mark the whole run as a stress test: its summary\n"
	       "                       is printed at the end (dashboard: m marks too)\n"
	       "      --summary PREFIX save the test summary as PREFIX.json and\n"
	       "                       PREFIX.txt at the end (implies --mark in batch)\n"
	       "      --netns SPEC     show the sockets of these network namespaces\n"
	       "                       (repeatable): all, an `ip netns` NAME, pid:PID\n"
	       "                       or a namespace file's path\n"
	       "  -N NAME              the same as --netns NAME, as in ss\n"
	       "      --explain        describe every TCP state and what a pile-up of\n"
	       "                       it means, and exit\n"
	       "  -h, --help           show this help and exit\n"
	       "  -V, --version        show the version and exit\n"
	       "\n"
	       "Keys in the dashboard: q quit, space pause, + and - change the interval,\n"
	       "? help.  See tcpdeck(1).\n";
}

/* -F FILE: the whole file is the expression (the filter's lexer takes
 * line breaks as spaces and lines starting with '#' as comments). */
static int
read_filter_file(const char *path, struct options *opts, char *msg, size_t msg_len)
{
	FILE *file = fopen(path, "re");
	char *text;
	size_t len;

	if (file == NULL) {
		snprintf(msg, msg_len, "cannot read filter file '%s': %s", path, strerror(errno));
		return -1;
	}
	text = calloc(1, 65536);
	if (text == NULL) {
		fclose(file);
		snprintf(msg, msg_len, "out of memory");
		return -1;
	}
	len = fread(text, 1, 65535, file);
	if (!feof(file)) {
		free(text);
		fclose(file);
		snprintf(msg, msg_len, "filter file '%s' is larger than 64 KiB", path);
		return -1;
	}
	fclose(file);
	(void)len;
	free(opts->filter);
	opts->filter = text;
	return 0;
}

/* --netns SPEC, -N NAME: kept in order; resolved when the source opens
 * (the namespaces may come and go before that). */
static int
add_netns(const char *spec, struct options *opts, char *msg, size_t msg_len)
{
	const char **more;

	if (spec[0] == '\0') {
		snprintf(msg, msg_len,
			 "--netns needs a network namespace: all, NAME, pid:PID or a path");
		return -1;
	}
	more = realloc(opts->netns, (opts->n_netns + 1) * sizeof(*more));
	if (more == NULL) {
		snprintf(msg, msg_len, "out of memory");
		return -1;
	}
	opts->netns = more;
	opts->netns[opts->n_netns++] = spec;
	return 0;
}

/* -s ARG: a column of the conns view ("rtt:desc"), or with --view peers
 * what ranks the peers ("total", "time-wait"). */
static int
parse_sort(const char *arg, struct options *opts, char *msg, size_t msg_len)
{
	char name[32];
	const char *colon = strchr(arg, ':');
	size_t len = colon != NULL ? (size_t)(colon - arg) : strlen(arg);

	if (opts->view == OUTPUT_VIEW_PEERS) {
		if (peers_by_parse(arg, &opts->peers_by) < 0) {
			snprintf(msg, msg_len,
				 "invalid peers ranking '%s': expected total or a state such as "
				 "time-wait",
				 arg);
			return -1;
		}
		return 0;
	}
	if (len >= sizeof(name) ||
	    (colon != NULL && strcmp(colon, ":desc") != 0 && strcmp(colon, ":asc") != 0)) {
		snprintf(msg, msg_len, "invalid sort '%s': expected COLUMN, COLUMN:asc or COLUMN:desc",
			 arg);
		return -1;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	opts->sort_column = conn_column_find(name);
	if (opts->sort_column < 0) {
		snprintf(msg, msg_len, "unknown column '%s': expected one of %s", name,
			 conn_column_names());
		return -1;
	}
	opts->sort_descending = colon != NULL && strcmp(colon, ":desc") == 0;
	return 0;
}

int
options_parse(int argc, char **argv, struct options *opts, char *msg, size_t msg_len)
{
	int opt;
	const char *sort_arg = NULL, *columns_arg = NULL;
	bool view_given = false, format_given = false;

	memset(opts, 0, sizeof(*opts));
	opts->interval_s = 1.0;
	opts->sort_column = -1;
	opts->peers_by = PEERS_BY_TOTAL;
	opts->peers_top = 20;
	opts->linger_s = 3.0;
	opts->theme = -1;
	opts->format = output_format_find("text");
	opterr = 0;
	/* 0, not 1: only 0 makes getopt forget where it stopped inside a
	 * previous argv (e.g. at h in "-hA"), which it would read again. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			opts->batch = true;
			break;
		case 'n':
			if (format_parse_count(optarg, &opts->max_samples) < 0 ||
			    opts->max_samples == 0) {
				snprintf(msg, msg_len,
					 "invalid sample count '%s': expected a whole number >= 1",
					 optarg);
				return -1;
			}
			break;
		case 'd':
			if (format_parse_seconds(optarg, &opts->interval_s) < 0 ||
			    opts->interval_s < SAMPLER_MIN_INTERVAL ||
			    opts->interval_s > SAMPLER_MAX_INTERVAL) {
				snprintf(msg, msg_len,
					 "invalid interval '%s': expected seconds from %g to %g", optarg,
					 SAMPLER_MIN_INTERVAL, SAMPLER_MAX_INTERVAL);
				return -1;
			}
			opts->interval_given = true;
			break;
		case 'o':
			opts->format = output_format_find(optarg);
			if (opts->format == NULL) {
				snprintf(msg, msg_len, "unknown output format '%s': expected one of %s",
					 optarg, output_format_names());
				return -1;
			}
			format_given = true;
			break;
		case 'v':
			opts->log_path = optarg;
			break;
		case 'A':
			opts->ascii = true;
			break;
		case 'w':
			opts->record = optarg;
			break;
		case 'U': {
			int view = output_view_find(optarg);

			if (view < 0) {
				snprintf(msg, msg_len, "unknown view '%s': expected one of %s", optarg,
					 output_view_names());
				return -1;
			}
			opts->view = (enum output_view)view;
			view_given = true;
			break;
		}
		case 'X':
			if (optarg[0] == '\0') {
				snprintf(msg, msg_len, "--textfile needs a file name");
				return -1;
			}
			opts->textfile = optarg;
			break;
		case 'P':
			opts->serve = optarg;
			break;
		case 'G':
			opts->web_config = optarg;
			break;
		case 'W':
			opts->who = optarg;
			break;
		case 's':
			/* Read after the loop: what it names depends on --view,
			 * which may come later. */
			sort_arg = optarg;
			break;
		case 'T':
			if (format_parse_count(optarg, &opts->peers_top) < 0) {
				snprintf(msg, msg_len,
					 "invalid --top '%s': expected a whole number", optarg);
				return -1;
			}
			break;
		case 'r':
			opts->replay = optarg;
			break;
		case 'F':
			if (read_filter_file(optarg, opts, msg, msg_len) < 0)
				return -1;
			break;
		case 'L':
			if (format_parse_seconds(optarg, &opts->linger_s) < 0 || opts->linger_s < 0 ||
			    opts->linger_s > 3600) {
				snprintf(msg, msg_len,
					 "invalid linger '%s': expected seconds from 0 to 3600", optarg);
				return -1;
			}
			opts->linger_given = true;
			break;
		case 'K':
			opts->config_path = optarg;
			break;
		case 'M':
			opts->mark = true;
			break;
		case 'S':
			if (optarg[0] == '\0') {
				snprintf(msg, msg_len, "--summary needs a file name prefix");
				return -1;
			}
			opts->summary_prefix = optarg;
			break;
		case 'N':
			if (add_netns(optarg, opts, msg, msg_len) < 0)
				return -1;
			break;
		case OPT_COLUMNS:
			/* Read after the loop: the names depend on --view. */
			columns_arg = optarg;
			break;
		case 'H':
			opts->no_header = true;
			break;
		case OPT_NO_MOUSE:
			opts->no_mouse = true;
			break;
		case OPT_THEME:
			opts->theme = settings_theme_find(optarg);
			if (opts->theme < 0) {
				snprintf(msg, msg_len, "unknown theme '%s': expected one of %s", optarg,
					 settings_theme_names());
				return -1;
			}
			break;
		case OPT_LIST:
			opts->action = OPTIONS_LIST;
			opts->list = optarg;
			return 0;
		case 'E':
			opts->action = OPTIONS_EXPLAIN;
			return 0;
		case 'h':
			opts->action = OPTIONS_HELP;
			return 0;
		case 'V':
			opts->action = OPTIONS_VERSION;
			return 0;
		case ':':
			snprintf(msg, msg_len, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			if (optopt != 0)
				snprintf(msg, msg_len, "unknown option '-%c' (see --help)", optopt);
			else
				snprintf(msg, msg_len, "unknown option '%s' (see --help)",
					 argv[optind - 1]);
			return -1;
		}
	}
	/* -o prometheus has one view of its own, and it one format. */
	if (!view_given && opts->format == &output_prometheus)
		opts->view = OUTPUT_VIEW_PROMETHEUS;
	if (!format_given && opts->view == OUTPUT_VIEW_PROMETHEUS)
		opts->format = &output_prometheus;
	if (sort_arg != NULL && parse_sort(sort_arg, opts, msg, msg_len) < 0)
		return -1;
	if (!output_view_has_format(opts->view, opts->format, msg, msg_len))
		return -1;
	if (columns_arg != NULL) {
		if (!opts->batch) {
			snprintf(msg, msg_len, "--columns chooses the columns of batch output: "
				 "give -b and --view conns or listen");
			return -1;
		}
		if (output_columns_parse(opts->view, columns_arg, &opts->columns, msg, msg_len) < 0)
			return -1;
	}
	/* The dashboard draws on standard output and reads keys from
	 * standard input: neither can carry a recording then. */
	if (opts->record != NULL && strcmp(opts->record, "-") == 0 &&
	    (!opts->batch || opts->who != NULL)) {
		snprintf(msg, msg_len, "-w - (recording to standard output) needs -b");
		return -1;
	}
	if (opts->replay != NULL && strcmp(opts->replay, "-") == 0 && !opts->batch) {
		snprintf(msg, msg_len, "-r - (replay from standard input) needs -b");
		return -1;
	}
	if ((opts->serve != NULL || opts->textfile != NULL) && opts->who != NULL) {
		snprintf(msg, msg_len, "--serve and --textfile export every sample; --who takes one");
		return -1;
	}
	if (opts->web_config != NULL && opts->serve == NULL) {
		snprintf(msg, msg_len, "--web-config configures --serve; give --serve too");
		return -1;
	}
	if (opts->n_netns > 0 && opts->replay != NULL) {
		snprintf(msg, msg_len,
			 "--netns samples this host's namespaces; it cannot be combined with -r");
		return -1;
	}
	if (opts->record != NULL && opts->replay != NULL) {
		snprintf(msg, msg_len, "-w records this host's sockets; it cannot be combined with -r");
		return -1;
	}
	if (optind < argc) {
		if (opts->filter != NULL) {
			snprintf(msg, msg_len, "a filter was given both with -F and as '%s'",
				 argv[optind]);
			return -1;
		}
		/* Joined so the filter reads them as ss reads its argv. */
		opts->filter = filter_join_args(argc - optind, argv + optind);
		if (opts->filter == NULL) {
			snprintf(msg, msg_len, "out of memory");
			return -1;
		}
	}
	return 0;
}

void
options_free(struct options *opts)
{
	free(opts->filter);
	opts->filter = NULL;
	free(opts->netns);
	opts->netns = NULL;
	opts->n_netns = 0;
}

/* One name a line; false on a write error. */
static bool
list_line(FILE *out, const char *name)
{
	return fputs(name, out) != EOF && fputc('\n', out) != EOF;
}

/* Each name of a ", "-separated list, one a line. */
static bool
list_joined(FILE *out, const char *names)
{
	while (*names != '\0') {
		size_t len = strcspn(names, ",");

		if (fwrite(names, 1, len, out) != len || fputc('\n', out) == EOF)
			return false;
		names += len;
		names += strspn(names, ", ");
	}
	return true;
}

int
options_list_write(FILE *out, const char *what)
{
	static const char *const whats[] = {"options", "options-with-value", "views",
					    "formats", "states", "keywords", "columns-conns",
					    "columns-listen", "themes", "what"};
	bool ok = true;

	if (strcmp(what, "options-with-value") == 0) {
		/* Those whose next word (or =VALUE) is their value. */
		for (size_t i = 0; ok && long_options[i].name != NULL; i++) {
			char line[64];

			if (long_options[i].val == OPT_LIST ||
			    long_options[i].has_arg != required_argument)
				continue;
			snprintf(line, sizeof(line), "--%s", long_options[i].name);
			ok = list_line(out, line);
		}
		for (size_t i = 0; ok && short_options[i] != '\0'; i++) {
			char line[3] = {'-', short_options[i], '\0'};

			if (short_options[i] != ':' && short_options[i + 1] == ':')
				ok = list_line(out, line);
		}
	} else if (strcmp(what, "options") == 0) {
		for (size_t i = 0; ok && long_options[i].name != NULL; i++) {
			char line[64];

			/* Hidden: for the completion scripts themselves. */
			if (long_options[i].val == OPT_LIST)
				continue;
			snprintf(line, sizeof(line), "--%s", long_options[i].name);
			ok = list_line(out, line);
		}
		for (size_t i = 0; ok && short_options[i] != '\0'; i++) {
			char line[3] = {'-', short_options[i], '\0'};

			if (short_options[i] != ':')
				ok = list_line(out, line);
		}
	} else if (strcmp(what, "views") == 0) {
		ok = list_joined(out, output_view_names());
	} else if (strcmp(what, "themes") == 0) {
		ok = list_joined(out, settings_theme_names());
	} else if (strcmp(what, "formats") == 0) {
		ok = list_joined(out, output_format_names());
	} else if (strcmp(what, "states") == 0) {
		for (size_t i = 0; ok && filter_state_word(i) != NULL; i++)
			ok = list_line(out, filter_state_word(i));
	} else if (strcmp(what, "keywords") == 0) {
		/* The words before the states, then the expression's. */
		ok = list_line(out, "state") && list_line(out, "exclude");
		for (size_t i = 0; ok && filter_keyword(i) != NULL; i++)
			ok = list_line(out, filter_keyword(i));
	} else if (strcmp(what, "columns-conns") == 0) {
		ok = list_joined(out, output_columns_names(OUTPUT_VIEW_CONNS));
	} else if (strcmp(what, "columns-listen") == 0) {
		ok = list_joined(out, output_columns_names(OUTPUT_VIEW_LISTEN));
	} else if (strcmp(what, "what") == 0) {
		for (size_t i = 0; ok && i < sizeof(whats) / sizeof(whats[0]); i++)
			ok = list_line(out, whats[i]);
	} else {
		errno = EINVAL;
		return -1;
	}
	return ok && fflush(out) == 0 ? 0 : -1;
}
