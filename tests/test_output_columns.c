/*
 * test_output_columns.c - --columns lists of the listen and conns views,
 * what the chosen columns cost (owners, tcp_info, tracking), -H, and the
 * name lists --list writes for shell completion.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conn_columns.h"
#include "filter.h"
#include "options.h"
#include "output_columns.h"

static void
test_parse_conns(void **state)
{
	struct output_columns cols;
	char msg[512];

	(void)state;
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "state,local,rtt", &cols, msg,
					      sizeof(msg)),
			 0);
	assert_int_equal(cols.n, 3);
	assert_int_equal(cols.ids[0], COL_STATE);
	assert_int_equal(cols.ids[1], COL_LOCAL);
	assert_int_equal(cols.ids[2], COL_RTT);
	/* As the header shows them, in any case; or as -s names them. */
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "RCVD,retr,Send/s,RECV-Q,received",
					      &cols, msg, sizeof(msg)),
			 -1); /* rcvd and received are one column */
	assert_non_null(strstr(msg, "given twice"));
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "RCVD,retr,Send/s,RECV-Q,rtt ms",
					      &cols, msg, sizeof(msg)),
			 0);
	assert_int_equal(cols.n, 5);
	assert_int_equal(cols.ids[0], COL_RECEIVED);
	assert_int_equal(cols.ids[1], COL_RETRANS);
	assert_int_equal(cols.ids[2], COL_SEND_RATE);
	assert_int_equal(cols.ids[3], COL_RECV_Q);
	assert_int_equal(cols.ids[4], COL_RTT);
	/* Every column once, in table order. */
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS,
					      "proto,local,remote,state,pid,process,user,recv-q,"
					      "send-q,rtt,retrans,sent,received,send-rate,"
					      "recv-rate,age,timer,netns",
					      &cols, msg, sizeof(msg)),
			 0);
	assert_int_equal(cols.n, COL_COUNT);
	for (size_t i = 0; i < cols.n; i++)
		assert_int_equal(cols.ids[i], (int)i);
}

static void
test_parse_errors(void **state)
{
	struct output_columns cols;
	char msg[512];

	(void)state;
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "local,bogus", &cols, msg,
					      sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "unknown column 'bogus' for --view conns"));
	assert_non_null(strstr(msg, conn_column_names()));
	assert_null(strchr(msg, '\n'));
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_LISTEN, "state", &cols, msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "netns, local, fam, pid, user, process, acceptq, backlog, "
				    "estab, syn_recv"));
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "", &cols, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "empty column name"));
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "local,,state", &cols, msg,
					      sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "empty column name"));
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "local,", &cols, msg, sizeof(msg)),
			 -1);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_STATES, "local", &cols, msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "not states"));
	/* A prefix is not a name. */
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "loc", &cols, msg, sizeof(msg)),
			 -1);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "localx", &cols, msg, sizeof(msg)),
			 -1);
	/* A long name is cut in the message, not past the buffer. */
	{
		char list[600];

		memset(list, 'x', sizeof(list) - 1);
		list[sizeof(list) - 1] = '\0';
		assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, list, &cols, msg, 40), -1);
		assert_true(strlen(msg) < 40);
	}
}

static void
test_parse_listen(void **state)
{
	struct output_columns cols;
	char msg[512];

	(void)state;
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_LISTEN, "process,PID,local,syn_recv",
					      &cols, msg, sizeof(msg)),
			 0);
	assert_int_equal(cols.n, 4);
	assert_int_equal(cols.ids[0], LISTEN_COL_PROCESS);
	assert_int_equal(cols.ids[1], LISTEN_COL_PID);
	assert_int_equal(cols.ids[2], LISTEN_COL_LOCAL);
	assert_int_equal(cols.ids[3], LISTEN_COL_SYN_RECV);
	for (int c = 0; c < LISTEN_COL_COUNT; c++) {
		const struct listen_column_def *def = listen_column((enum listen_column)c);
		char lower[32];

		/* The name is the header's, lower case. */
		assert_true(strlen(def->title) < sizeof(lower));
		for (size_t i = 0; i <= strlen(def->title); i++)
			lower[i] = (char)(def->title[i] >= 'A' && def->title[i] <= 'Z'
						  ? def->title[i] - 'A' + 'a'
						  : def->title[i]);
		assert_string_equal(lower, def->name);
	}
	assert_null(listen_column(LISTEN_COL_COUNT));
}

static void
test_needs(void **state)
{
	struct output_columns cols;
	char msg[256];
	unsigned int conns = output_view_needs(OUTPUT_VIEW_CONNS);
	unsigned int listen = output_view_needs(OUTPUT_VIEW_LISTEN);

	(void)state;
	/* No list: the view's own needs. */
	assert_int_equal(output_needs(OUTPUT_VIEW_CONNS, NULL), conns);
	memset(&cols, 0, sizeof(cols));
	assert_int_equal(output_needs(OUTPUT_VIEW_CONNS, &cols), conns);
	assert_true(conns & OUTPUT_NEED_OWNERS);

	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "state,local,remote,timer,recv-q",
					      &cols, msg, sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_CONNS, &cols), OUTPUT_NEED_SELECTED);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "local,user", &cols, msg,
					      sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_CONNS, &cols),
			 OUTPUT_NEED_SELECTED | OUTPUT_NEED_OWNERS);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "rtt", &cols, msg, sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_CONNS, &cols),
			 OUTPUT_NEED_SELECTED | OUTPUT_NEED_TCP_INFO);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "age", &cols, msg, sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_CONNS, &cols),
			 OUTPUT_NEED_SELECTED | OUTPUT_NEED_CONNTRACK);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "recv-rate", &cols, msg,
					      sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_CONNS, &cols),
			 OUTPUT_NEED_SELECTED | OUTPUT_NEED_TCP_INFO | OUTPUT_NEED_CONNTRACK);

	assert_int_equal(output_columns_parse(OUTPUT_VIEW_LISTEN, "local,estab", &cols, msg,
					      sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_LISTEN, &cols), listen & ~OUTPUT_NEED_OWNERS);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_LISTEN, "local,process", &cols, msg,
					      sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_LISTEN, &cols), listen);
	/* A list never adds what the view does not need. */
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "rtt", &cols, msg, sizeof(msg)),
			 0);
	assert_int_equal(output_needs(OUTPUT_VIEW_STATES, &cols),
			 output_view_needs(OUTPUT_VIEW_STATES));
}

static void
test_live_options(void **state)
{
	struct output_columns cols;
	struct source_live_options live;
	char msg[256], *error = NULL;
	struct filter *f = filter_parse("sport = :22", &error, NULL);

	(void)state;
	assert_non_null(f);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "state,local", &cols, msg,
					      sizeof(msg)),
			 0);
	batch_live_options_for(OUTPUT_VIEW_CONNS, &cols, f, &live);
	assert_true(live.no_tcp_info);
	assert_true(live.no_counters);
	assert_ptr_equal(live.filter, f);
	batch_live_options_for(OUTPUT_VIEW_CONNS, NULL, f, &live);
	assert_false(live.no_tcp_info);
	assert_int_equal(output_columns_parse(OUTPUT_VIEW_CONNS, "sent", &cols, msg, sizeof(msg)),
			 0);
	batch_live_options_for(OUTPUT_VIEW_CONNS, &cols, f, &live);
	assert_false(live.no_tcp_info);
	filter_free(f);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The argv of the last parse: options keep pointers into it. */
static char *argv_kept[16];
static int argc_kept;

static void
argv_release(void)
{
	for (int i = 0; i < argc_kept; i++)
		free(argv_kept[i]);
	argc_kept = 0;
}

static int
parse(struct options *opts, char *msg, size_t msg_len, const char *const *words)
{
	argv_release();
	argv_kept[argc_kept++] = strdup("tcpdeck");
	for (; *words != NULL; words++)
		argv_kept[argc_kept++] = strdup(*words);
	msg[0] = '\0';
	return options_parse(argc_kept, argv_kept, opts, msg, msg_len);
}

static void
test_options(void **state)
{
	struct options opts;
	char msg[512];

	(void)state;
	/* --columns may come before --view. */
	assert_int_equal(parse(&opts, msg, sizeof(msg),
			       ARGS("-b", "--columns", "remote,local", "--view", "conns", "-H")),
			 0);
	assert_int_equal(opts.columns.n, 2);
	assert_int_equal(opts.columns.ids[0], COL_REMOTE);
	assert_int_equal(opts.columns.ids[1], COL_LOCAL);
	assert_true(opts.no_header);
	options_free(&opts);
	assert_int_equal(parse(&opts, msg, sizeof(msg), ARGS("-b", "--view", "listen")), 0);
	assert_int_equal(opts.columns.n, 0);
	assert_false(opts.no_header);
	options_free(&opts);
	assert_int_equal(parse(&opts, msg, sizeof(msg),
			       ARGS("-bH", "--view=listen", "--columns=pid,local", "-o", "csv")),
			 0);
	assert_true(opts.no_header);
	assert_int_equal(opts.columns.n, 2);
	assert_int_equal(opts.columns.ids[0], LISTEN_COL_PID);
	options_free(&opts);
	assert_int_equal(parse(&opts, msg, sizeof(msg), ARGS("--no-header", "-b")), 0);
	assert_true(opts.no_header);
	options_free(&opts);

	assert_int_equal(parse(&opts, msg, sizeof(msg),
			       ARGS("-b", "--view", "listen", "--columns", "rtt")),
			 -1);
	assert_non_null(strstr(msg, "unknown column 'rtt' for --view listen"));
	options_free(&opts);
	assert_int_equal(parse(&opts, msg, sizeof(msg), ARGS("--view", "conns", "--columns", "rtt")),
			 -1);
	assert_non_null(strstr(msg, "give -b"));
	options_free(&opts);
	assert_int_equal(parse(&opts, msg, sizeof(msg), ARGS("-b", "--columns")), -1);
	assert_non_null(strstr(msg, "needs a value"));
	options_free(&opts);
	assert_int_equal(parse(&opts, msg, sizeof(msg), ARGS("--list", "views")), 0);
	assert_int_equal(opts.action, OPTIONS_LIST);
	assert_string_equal(opts.list, "views");
	options_free(&opts);
	argv_release();
}

/* What options_list_write() writes for `what`, malloc'd, or NULL. */
static char *
listed(const char *what)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	int rc;

	assert_non_null(out);
	rc = options_list_write(out, what);
	fclose(out);
	if (rc < 0) {
		assert_int_equal(size, 0);
		free(text);
		return NULL;
	}
	return text;
}

static bool
has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return true;
	return false;
}

static void
test_lists(void **state)
{
	char *text;

	(void)state;
	text = listed("options");
	assert_non_null(text);
	assert_true(has_line(text, "--columns"));
	assert_true(has_line(text, "--no-header"));
	assert_true(has_line(text, "--view"));
	assert_true(has_line(text, "--netns"));
	assert_true(has_line(text, "-H"));
	assert_true(has_line(text, "-b"));
	assert_false(has_line(text, "-:"));
	assert_false(has_line(text, "--list")); /* hidden */
	free(text);

	text = listed("options-with-value");
	assert_non_null(text);
	assert_true(has_line(text, "--columns") && has_line(text, "--view") && has_line(text, "-o") &&
		    has_line(text, "-N"));
	assert_false(has_line(text, "--no-header") || has_line(text, "-H") || has_line(text, "-b") ||
		     has_line(text, "--list"));
	free(text);

	text = listed("views");
	assert_non_null(text);
	for (int v = 0; v < OUTPUT_VIEW_COUNT; v++)
		assert_true(has_line(text, output_view((enum output_view)v)->name));
	free(text);
	text = listed("formats");
	assert_true(has_line(text, "csv") && has_line(text, "json") && has_line(text, "text"));
	free(text);
	text = listed("columns-conns");
	for (int c = 0; c < COL_COUNT; c++)
		assert_true(has_line(text, conn_column((enum conn_column)c)->name));
	free(text);
	text = listed("columns-listen");
	for (int c = 0; c < LISTEN_COL_COUNT; c++)
		assert_true(has_line(text, listen_column((enum listen_column)c)->name));
	free(text);
	text = listed("states");
	assert_true(has_line(text, "established") && has_line(text, "time-wait") &&
		    has_line(text, "connected"));
	free(text);
	text = listed("keywords");
	assert_true(has_line(text, "state") && has_line(text, "sport") && has_line(text, "and"));
	free(text);
	text = listed("what");
	assert_true(has_line(text, "columns-listen") && has_line(text, "keywords"));
	free(text);
	assert_null(listed("bogus"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_conns),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_needs),
		cmocka_unit_test(test_live_options),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
