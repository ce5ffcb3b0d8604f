/*
 * test_options.c - the command line: defaults, every option, every error.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "conn_columns.h"
#include "options.h"
#include "peers.h"

enum { MAX_ARGS = 16 };

/* A writable, heap-allocated argv (getopt permutes it), so a parse that
 * keeps reading a freed argv shows up under ASan and valgrind. */
struct args {
	int argc;
	char *argv[MAX_ARGS + 1];
};

static struct args *
args_new(const char *const *words)
{
	struct args *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	a->argv[a->argc++] = strdup("tcpdeck");
	for (; *words != NULL; words++) {
		assert_true(a->argc < MAX_ARGS);
		a->argv[a->argc++] = strdup(*words);
	}
	for (int i = 0; i < a->argc; i++)
		assert_non_null(a->argv[i]);
	return a;
}

static void
args_free(struct args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a);
}

/* Parses words; returns options_parse()'s result.  The caller frees *out. */
static int
parse(struct args **out, struct options *opts, char *msg, size_t msg_len, const char *const *words)
{
	*out = args_new(words);
	msg[0] = '\0';
	return options_parse((*out)->argc, (*out)->argv, opts, msg, msg_len);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void
test_defaults(void **state)
{
	static const char *const none[] = {NULL};
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	memset(&opts, 0xa5, sizeof(opts));
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), none), 0);
	assert_int_equal(opts.action, OPTIONS_RUN);
	assert_false(opts.batch);
	assert_true(opts.interval_s == 1.0);
	assert_int_equal(opts.max_samples, 0);
	assert_non_null(opts.format);
	assert_ptr_equal(opts.format, output_format_find("text"));
	assert_string_equal(opts.format->name, "text");
	assert_null(opts.log_path);
	assert_false(opts.ascii);
	args_free(a);
}

static void
test_short_options(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("-b", "-n", "5", "-d", "0.5", "-o", "json", "-A", "-v",
				    "/tmp/tcpdeck.log")),
			 0);
	assert_int_equal(opts.action, OPTIONS_RUN);
	assert_true(opts.batch);
	assert_int_equal(opts.max_samples, 5);
	assert_true(opts.interval_s == 0.5);
	assert_ptr_equal(opts.format, output_format_find("json"));
	assert_true(opts.ascii);
	assert_non_null(opts.log_path);
	assert_string_equal(opts.log_path, "/tmp/tcpdeck.log");
	args_free(a);
}

static void
test_short_options_attached_and_grouped(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-bAn3", "-d2", "-ojson")), 0);
	assert_true(opts.batch);
	assert_true(opts.ascii);
	assert_int_equal(opts.max_samples, 3);
	assert_true(opts.interval_s == 2.0);
	assert_string_equal(opts.format->name, "json");
	args_free(a);
}

static void
test_long_options(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("--batch", "--count=7", "--delay", "0.25", "--output=json",
				    "--ascii", "--log", "debug.log")),
			 0);
	assert_int_equal(opts.action, OPTIONS_RUN);
	assert_true(opts.batch);
	assert_int_equal(opts.max_samples, 7);
	assert_true(opts.interval_s == 0.25);
	assert_string_equal(opts.format->name, "json");
	assert_true(opts.ascii);
	assert_string_equal(opts.log_path, "debug.log");
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("--count", "2", "--delay=3", "--output", "text", "--log=x")),
			 0);
	assert_false(opts.batch);
	assert_int_equal(opts.max_samples, 2);
	assert_true(opts.interval_s == 3.0);
	assert_string_equal(opts.format->name, "text");
	assert_string_equal(opts.log_path, "x");
	assert_false(opts.ascii);
	args_free(a);
}

/* The interval limits themselves are accepted. */
static void
test_interval_bounds(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-d", "0.1")), 0);
	assert_true(opts.interval_s == 0.1);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-d", "60")), 0);
	assert_true(opts.interval_s == 60.0);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-n", "1")), 0);
	assert_int_equal(opts.max_samples, 1);
	args_free(a);
}

/* Each case: the arguments, and a word the message must quote. */
struct bad_case {
	const char *const *words;
	const char *quoted;
};

static void
test_errors_name_the_bad_word(void **state)
{
	const struct bad_case cases[] = {
		{ARGS("-n", "0"), "'0'"},
		{ARGS("-n", "abc"), "'abc'"},
		{ARGS("--count=0"), "'0'"},
		{ARGS("-n", "-1"), "'-1'"},
		{ARGS("-d", "0.05"), "'0.05'"},
		{ARGS("-d", "61"), "'61'"},
		{ARGS("-d", "abc"), "'abc'"},
		{ARGS("--delay", "nan"), "'nan'"},
		{ARGS("-o", "xml"), "'xml'"},
		{ARGS("--output=yaml"), "'yaml'"},
		{ARGS("-s", "bogus"), "'bogus'"},
		{ARGS("-s", "rtt:down"), "'rtt:down'"},
		{ARGS("--view", "tables"), "'tables'"},
		{ARGS("--linger", "-1"), "'-1'"},
		{ARGS("-F", "/nonexistent/filter"), "'/nonexistent/filter'"},
		{ARGS("-F", "/dev/null", "state", "listening"), "'state'"},
		{ARGS("-x"), "'-x'"},
		{ARGS("-bz"), "'-z'"},
		{ARGS("--bogus"), "'--bogus'"},
		{ARGS("-n"), "'-n'"},
		{ARGS("-b", "-d"), "'-d'"},
		{ARGS("-o"), "'-o'"},
		{ARGS("-v"), "'-v'"},
		{ARGS("--count"), "'--count'"},
		{ARGS("--delay"), "'--delay'"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options opts;
		struct args *a;
		char msg[256];

		assert_int_equal(parse(&a, &opts, msg, sizeof(msg), cases[i].words), -1);
		print_message("%-10s -> %s\n", a->argc > 1 ? cases[i].words[0] : "", msg);
		assert_non_null(strstr(msg, cases[i].quoted));
		/* One line, without the program name. */
		assert_null(strchr(msg, '\n'));
		assert_null(strstr(msg, "tcpdeck"));
		args_free(a);
		options_free(&opts);
	}
}

/* Words that are not options form the filter expression, joined by
 * spaces as ss joins them; options may come before or after. */
static void
test_filter_words(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("state", "established", "-b", "(", "dport", "=", ":443", ")")),
			 0);
	assert_true(opts.batch);
	assert_string_equal(opts.filter, "state established ( dport = :443 )");
	args_free(a);
	options_free(&opts);
	assert_null(opts.filter);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b")), 0);
	assert_null(opts.filter);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-s", "rtt:desc", "--view", "conns")),
			 0);
	assert_int_equal(opts.sort_column, conn_column_find("rtt"));
	assert_true(opts.sort_descending);
	assert_int_equal(opts.view, OUTPUT_VIEW_CONNS);
	args_free(a);
}

/* Every view of the table is a --view; a format a view has no writer for
 * is refused with one line, whichever option comes first. */
static void
test_view_formats(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++) {
		assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
				       ARGS("-b", "--view", output_view((enum output_view)v)->name)),
				 0);
		assert_int_equal(opts.view, v);
		args_free(a);
	}
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b", "--view", "summary", "-o", "json")),
			 0);
	assert_ptr_equal(opts.format, &output_json);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b", "--view", "summary", "-o", "csv")),
			 -1);
	assert_string_equal(msg, "the summary view has no csv output: use -o text, json");
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-o", "csv", "-b", "--view", "summary")),
			 -1);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--view", "nosuch")), -1);
	assert_string_equal(msg, "unknown view 'nosuch': expected one of states, listen, conns, "
				 "counters, peers, diagnoses, summary, namespaces, prometheus, "
				 "closed");
	args_free(a);
}

/* -s means a peers ranking with --view peers, whichever comes first;
 * --top bounds the peers tables. */
static void
test_peers_options(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b", "--view", "peers")), 0);
	assert_int_equal(opts.view, OUTPUT_VIEW_PEERS);
	assert_int_equal(opts.peers_by, PEERS_BY_TOTAL);
	assert_int_equal(opts.peers_top, 20);
	assert_int_equal(opts.sort_column, -1);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("-s", "time-wait", "--view", "peers", "--top", "5")),
			 0);
	assert_int_equal(opts.peers_by, TCP_STATE_TIME_WAIT);
	assert_int_equal(opts.peers_top, 5);
	assert_int_equal(opts.sort_column, -1);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("--view", "peers", "-s", "close-wait", "--top", "0")),
			 0);
	assert_int_equal(opts.peers_by, TCP_STATE_CLOSE_WAIT);
	assert_int_equal(opts.peers_top, 0);
	args_free(a);

	/* A state is no column of the conns view, and a column no ranking. */
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-s", "time-wait")), -1);
	assert_non_null(strstr(msg, "time-wait"));
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-s", "rtt", "--view", "peers")),
			 -1);
	assert_non_null(strstr(msg, "rtt"));
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--view", "peers", "--top", "x")),
			 -1);
	assert_non_null(strstr(msg, "--top"));
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--view", "counters")), 0);
	assert_int_equal(opts.view, OUTPUT_VIEW_COUNTERS);
	args_free(a);
}

static void
test_error_messages_explain(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-o", "xml")), -1);
	/* The message lists what would have been accepted. */
	assert_non_null(strstr(msg, "text"));
	assert_non_null(strstr(msg, "json"));
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-d", "61")), -1);
	assert_non_null(strstr(msg, "0.1"));
	assert_non_null(strstr(msg, "60"));
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--count")), -1);
	assert_non_null(strstr(msg, "value"));
	args_free(a);
}

static void
test_help_and_version(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--help")), 0);
	assert_int_equal(opts.action, OPTIONS_HELP);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-h")), 0);
	assert_int_equal(opts.action, OPTIONS_HELP);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--version")), 0);
	assert_int_equal(opts.action, OPTIONS_VERSION);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-V")), 0);
	assert_int_equal(opts.action, OPTIONS_VERSION);
	args_free(a);
	/* Help wins over whatever follows, even a bad option. */
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b", "--help", "--bogus")), 0);
	assert_int_equal(opts.action, OPTIONS_HELP);
	args_free(a);

	assert_non_null(strstr(options_usage(), "--batch"));
	assert_non_null(strstr(options_usage(), "--delay"));
	assert_non_null(strstr(options_usage(), "--output"));
}

/* Every format -o accepts is named in --help, and -o takes each one. */
static void
test_help_names_every_format(void **state)
{
	char names[256], *save = NULL;
	const char *line = strstr(options_usage(), "--output");

	(void)state;
	assert_non_null(line);
	snprintf(names, sizeof(names), "%s", output_format_names());
	for (char *name = strtok_r(names, ", ", &save); name != NULL;
	     name = strtok_r(NULL, ", ", &save)) {
		struct options opts;
		struct args *a;
		char msg[256];
		const char *eol = strchr(line, '\n');

		assert_non_null(eol);
		assert_non_null(memmem(line, (size_t)(eol - line), name, strlen(name)));
		assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b", "-o", name)), 0);
		assert_non_null(opts.format);
		options_free(&opts);
		args_free(a);
	}
}

/* The exporter's options: -o prometheus and --view prometheus bring each
 * other; --serve and --textfile are kept as given; --who takes one
 * sample and cannot export. */
static void
test_prometheus_options(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b", "-o", "prometheus")), 0);
	assert_int_equal(opts.view, OUTPUT_VIEW_PROMETHEUS);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b", "--view", "prometheus")), 0);
	assert_ptr_equal(opts.format, &output_prometheus);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("-b", "--view", "states", "-o", "prometheus")),
			 -1);
	assert_string_equal(msg, "the states view has no prometheus output: use -o text, json, csv");
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("--serve", "0.0.0.0:9791", "--textfile", "/x/t.prom", "--top", "5")),
			 0);
	assert_string_equal(opts.serve, "0.0.0.0:9791");
	assert_string_equal(opts.textfile, "/x/t.prom");
	assert_int_equal(opts.peers_top, 5);
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--serve", "9791", "--who", "80")),
			 -1);
	assert_string_equal(msg, "--serve and --textfile export every sample; --who takes one");
	args_free(a);
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--textfile", "")), -1);
	assert_string_equal(msg, "--textfile needs a file name");
	args_free(a);
}

/* A parse that stopped in the middle of grouped options ("-hA" stops at
 * h) must not leak getopt's position into the next parse. */
static void
test_reparse_starts_fresh(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-hA")), 0);
	assert_int_equal(opts.action, OPTIONS_HELP);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b")), 0);
	assert_int_equal(opts.action, OPTIONS_RUN);
	assert_true(opts.batch);
	assert_false(opts.ascii);
	args_free(a);
}

/* --netns and -N: repeatable, kept in order, freed by options_free();
 * an empty one and one with -r are errors. */
static void
test_netns_options(void **state)
{
	struct options opts;
	struct args *a;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-b")), 0);
	assert_int_equal(opts.n_netns, 0);
	assert_null(opts.netns);
	options_free(&opts);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("--netns", "all", "-N", "blue", "--netns=pid:812", "-Nred",
				    "--netns", "/run/netns/x", "-b")),
			 0);
	assert_true(opts.batch);
	assert_int_equal(opts.n_netns, 5);
	assert_string_equal(opts.netns[0], "all");
	assert_string_equal(opts.netns[1], "blue");
	assert_string_equal(opts.netns[2], "pid:812");
	assert_string_equal(opts.netns[3], "red");
	assert_string_equal(opts.netns[4], "/run/netns/x");
	options_free(&opts);
	assert_null(opts.netns);
	assert_int_equal(opts.n_netns, 0);
	args_free(a);

	/* A filter after the namespace is still the filter. */
	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("-N", "blue", "state", "listening")),
			 0);
	assert_int_equal(opts.n_netns, 1);
	assert_non_null(opts.filter);
	assert_string_equal(opts.filter, "state listening");
	options_free(&opts);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--netns", "")), -1);
	assert_non_null(strstr(msg, "--netns needs a network namespace"));
	options_free(&opts);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("-N")), -1);
	assert_non_null(strstr(msg, "'-N' needs a value"));
	options_free(&opts);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg), ARGS("--netns")), -1);
	assert_non_null(strstr(msg, "needs a value"));
	options_free(&opts);
	args_free(a);

	assert_int_equal(parse(&a, &opts, msg, sizeof(msg),
			       ARGS("-b", "--netns", "all", "-r", "x.tdk")),
			 -1);
	assert_non_null(strstr(msg, "cannot be combined with -r"));
	options_free(&opts);
	args_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_short_options_attached_and_grouped),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_interval_bounds),
		cmocka_unit_test(test_errors_name_the_bad_word),
		cmocka_unit_test(test_filter_words),
		cmocka_unit_test(test_view_formats),
		cmocka_unit_test(test_peers_options),
		cmocka_unit_test(test_error_messages_explain),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_help_names_every_format),
		cmocka_unit_test(test_prometheus_options),
		cmocka_unit_test(test_reparse_starts_fresh),
		cmocka_unit_test(test_netns_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
