/*
 * options.c - command-line parsing with getopt_long.
 * Main thread only (getopt keeps global state).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

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
	{"who", required_argument, NULL, 'W'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

const char *
options_usage(void)
{
	return "Usage: tcpdeck [OPTIONS]\n"
	       "       tcpdeck --who PORT\n"
	       "Live dashboard of the TCP sockets of this host (IPv4 and IPv6).\n"
	       "\n"
	       "  -b, --batch          print samples as lines instead of the dashboard\n"
	       "  -n, --count N        stop after N samples (dashboard and batch)\n"
	       "  -d, --delay SECONDS  sampling interval, 0.1 to 60 (default 1)\n"
	       "  -o, --output FORMAT  batch output format: text or json (default text)\n"
	       "      --view VIEW      batch view: states (counts, default) or listen\n"
	       "                       (listening sockets with owners and load)\n"
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

int
options_parse(int argc, char **argv, struct options *opts, char *msg, size_t msg_len)
{
	int opt;

	memset(opts, 0, sizeof(*opts));
	opts->interval_s = 1.0;
	opts->format = output_format_find("text");
	opterr = 0;
	/* 0, not 1: only 0 makes getopt forget where it stopped inside a
	 * previous argv (e.g. at h in "-hA"), which it would read again. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":bn:d:o:v:AhV", long_options, NULL)) != -1) {
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
		snprintf(msg, msg_len, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	return 0;
}
