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
#include "filter.h"
#include "format.h"
#include "options.h"
#include "sampler.h"

static const struct option long_options[] = {
	{"batch", no_argument, NULL, 'b'},
	{"count", required_argument, NULL, 'n'},
	{"delay", required_argument, NULL, 'd'},
	{"output", required_argument, NULL, 'o'},
	{"log", required_argument, NULL, 'v'},
	{"ascii", no_argument, NULL, 'A'},
	{"view", required_argument, NULL, 'w'},
	{"sort", required_argument, NULL, 's'},
	{"read", required_argument, NULL, 'r'},
	{"filter-file", required_argument, NULL, 'F'},
	{"linger", required_argument, NULL, 'L'},
	{"who", required_argument, NULL, 'W'},
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
	       "  -o, --output FORMAT  batch output format: text or json (default text)\n"
	       "      --view VIEW      batch view: states (counts, default), listen\n"
	       "                       (listening sockets with owners and load) or\n"
	       "                       conns (every socket, one per line)\n"
	       "  -s, --sort COLUMN[:desc]  sort the conns view by a column\n"
	       "  -r, --read FILE      show a dump recorded with `ss -D FILE` instead of\n"
	       "                       this host's sockets\n"
	       "  -F, --filter-file FILE  read the filter expression from FILE\n"
	       "      --linger SECONDS how long closed connections stay (red) and new or\n"
	       "                       changed ones are marked in the table (default 3,\n"
	       "                       0 disables)\n"
	       "      --who PORT       print the processes holding sockets on a local\n"
	       "                       port (9000, :9000, http, ADDR:PORT) and exit;\n"
	       "                       exit status 1 when none does\n"
	       "  -A, --ascii          draw sparklines with ASCII even in a UTF-8 locale\n"
	       "  -v, --log FILE       append debug messages to FILE\n"
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

int
options_parse(int argc, char **argv, struct options *opts, char *msg, size_t msg_len)
{
	int opt;

	memset(opts, 0, sizeof(*opts));
	opts->interval_s = 1.0;
	opts->sort_column = -1;
	opts->linger_s = 3.0;
	opts->format = output_format_find("text");
	opterr = 0;
	/* 0, not 1: only 0 makes getopt forget where it stopped inside a
	 * previous argv (e.g. at h in "-hA"), which it would read again. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":bn:d:o:v:AhVs:r:F:", long_options, NULL)) != -1) {
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
			break;
		case 'o':
			opts->format = output_format_find(optarg);
			if (opts->format == NULL) {
				snprintf(msg, msg_len, "unknown output format '%s': expected one of %s",
					 optarg, output_format_names());
				return -1;
			}
			break;
		case 'v':
			opts->log_path = optarg;
			break;
		case 'A':
			opts->ascii = true;
			break;
		case 'w': {
			int view = output_view_find(optarg);

			if (view < 0) {
				snprintf(msg, msg_len, "unknown view '%s': expected one of %s", optarg,
					 output_view_names());
				return -1;
			}
			opts->view = (enum output_view)view;
			break;
		}
		case 'W':
			opts->who = optarg;
			break;
		case 's': {
			char name[32];
			const char *colon = strchr(optarg, ':');
			size_t len = colon != NULL ? (size_t)(colon - optarg) : strlen(optarg);

			if (len >= sizeof(name) ||
			    (colon != NULL && strcmp(colon, ":desc") != 0 && strcmp(colon, ":asc") != 0)) {
				snprintf(msg, msg_len,
					 "invalid sort '%s': expected COLUMN, COLUMN:asc or COLUMN:desc",
					 optarg);
				return -1;
			}
			memcpy(name, optarg, len);
			name[len] = '\0';
			opts->sort_column = conn_column_find(name);
			if (opts->sort_column < 0) {
				snprintf(msg, msg_len, "unknown column '%s': expected one of %s", name,
					 conn_column_names());
				return -1;
			}
			opts->sort_descending = colon != NULL && strcmp(colon, ":desc") == 0;
			break;
		}
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
			break;
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
}
