/*
 * test_diag_config.c - the diagnoses' config file: defaults, overrides,
 * comments, and errors that name the file, the line and the word.
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
#include <unistd.h>

#include "diag_config.h"

static int
parse(struct diag_config *cfg, const char *text, char *err, size_t err_len)
{
	diag_config_defaults(cfg);
	err[0] = '\0';
	return diag_config_parse(cfg, "tcpdeck.conf", text, strlen(text), err, err_len);
}

static void
test_defaults_table(void **state)
{
	struct diag_config cfg;

	(void)state;
	diag_config_defaults(&cfg);
	for (int k = 0; k < DIAG_KEY_COUNT; k++) {
		const char *name = diag_config_key_name(k);

		assert_non_null(name);
		assert_non_null(diag_config_key_help(k));
		assert_int_equal(diag_config_key_find(name), k);
		assert_true(cfg.value[k] == diag_config_key_default(k));
		/* Every default is itself a valid value. */
		{
			char text[64], err[DIAG_CONFIG_ERROR_MAX];

			snprintf(text, sizeof(text), "%g", diag_config_key_default(k));
			assert_int_equal(diag_config_set(&cfg, name, text, err, sizeof(err)), 0);
		}
	}
	assert_null(diag_config_key_name(DIAG_KEY_COUNT));
	assert_int_equal(diag_config_key_find("close_wiat.min"), -1);
	assert_true(cfg.value[DIAG_CLOSE_WAIT_MIN] == 50);
	assert_true(cfg.value[DIAG_TIME_WAIT_PORT_USE_PCT] == 70);
}

static void
test_overrides_and_comments(void **state)
{
	struct diag_config cfg;
	char err[DIAG_CONFIG_ERROR_MAX];
	const char *text = "# thresholds for the lab\n"
			   "\n"
			   "close_wait.min = 20\n"
			   "   close_wait.age_s=5   # seconds\n"
			   "time_wait.port_use_pct\t=\t55.5\r\n"
			   "hysteresis.quiet_samples = 2"; /* no final newline */

	(void)state;
	assert_int_equal(parse(&cfg, text, err, sizeof(err)), 0);
	assert_true(cfg.value[DIAG_CLOSE_WAIT_MIN] == 20);
	assert_true(cfg.value[DIAG_CLOSE_WAIT_AGE_S] == 5);
	assert_true(cfg.value[DIAG_TIME_WAIT_PORT_USE_PCT] == 55.5);
	assert_true(cfg.value[DIAG_QUIET_SAMPLES] == 2);
	/* untouched */
	assert_true(cfg.value[DIAG_SYN_RECV_MIN] == diag_config_key_default(DIAG_SYN_RECV_MIN));
	/* The empty file changes nothing. */
	assert_int_equal(parse(&cfg, "", err, sizeof(err)), 0);
	assert_true(cfg.value[DIAG_CLOSE_WAIT_MIN] == 50);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{"close_wait.min = 20\n\n# x\nclose_wiat.min = 50\n",
		 "tcpdeck.conf:4: unknown key 'close_wiat.min'"},
		{"close_wait.min 50\n", "tcpdeck.conf:1: expected 'key = value', not 'close_wait.min 50'"},
		{"close_wait.min =\n", "tcpdeck.conf:1: expected 'key = value'"},
		{"= 5\n", "tcpdeck.conf:1: expected 'key = value'"},
		{"\n\nclose_wait.min = lots\n",
		 "tcpdeck.conf:3: 'close_wait.min' needs a whole number, not 'lots'"},
		{"close_wait.min = 2.5\n",
		 "tcpdeck.conf:1: 'close_wait.min' needs a whole number, not '2.5'"},
		{"close_wait.age_s = 5s\n", "tcpdeck.conf:1: 'close_wait.age_s' needs a number, not '5s'"},
		{"close_wait.min = 0\n", "tcpdeck.conf:1: 'close_wait.min' must be from 1 to 1e+07, not 0"},
		{"time_wait.port_use_pct = 101\n",
		 "tcpdeck.conf:1: 'time_wait.port_use_pct' must be from 1 to 100, not 101"},
		{"retrans.pct = nan\n", "tcpdeck.conf:1: 'retrans.pct' needs a number, not 'nan'"},
		{"retrans.pct = inf\n", "tcpdeck.conf:1: 'retrans.pct' needs a number, not 'inf'"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct diag_config cfg;
		char err[DIAG_CONFIG_ERROR_MAX];

		assert_int_equal(parse(&cfg, cases[i].text, err, sizeof(err)), 1);
		if (strcmp(err, cases[i].message) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, err, cases[i].message);
	}
}

/* Bad lines are skipped, counted and the first named; the lines after
 * them still apply. */
static void
test_bad_lines_skipped(void **state)
{
	struct diag_config cfg;
	char err[DIAG_CONFIG_ERROR_MAX];
	static const char text[] = "close_wiat.min = 5\n"
				   "close_wait.min = 17\n"
				   "nonsense\n"
				   "syn_recv.min = x\n"
				   "syn_sent.min = 9\n";

	(void)state;
	assert_int_equal(parse(&cfg, text, err, sizeof(err)), 3);
	assert_string_equal(err, "tcpdeck.conf:1: unknown key 'close_wiat.min' (and 2 more bad lines)");
	assert_true(cfg.value[DIAG_CLOSE_WAIT_MIN] == 17);
	assert_true(cfg.value[DIAG_SYN_SENT_MIN] == 9);
	assert_int_equal(parse(&cfg, "close_wait.min = 3\n", err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* The keys of the spread piles come from the rule table like the others. */
static void
test_rule_keys(void **state)
{
	struct diag_config cfg;
	char err[DIAG_CONFIG_ERROR_MAX];

	(void)state;
	diag_config_defaults(&cfg);
	assert_true(cfg.value[DIAG_FIN_WAIT1_PORT_MIN] == 100);
	assert_true(cfg.value[DIAG_LAST_ACK_PORT_MIN] == 100);
	assert_true(cfg.value[DIAG_FIN_WAIT1_AGE_S] == 1);
	assert_true(cfg.value[DIAG_SYN_SENT_DEST_MIN] == 50);
	assert_int_equal(parse(&cfg,
			       "fin_wait1.port_min = 20\nlast_ack.age_s = 2.5\n"
			       "syn_sent.dest_min = 7\n",
			       err, sizeof(err)),
			 0);
	assert_true(cfg.value[DIAG_FIN_WAIT1_PORT_MIN] == 20);
	assert_true(cfg.value[DIAG_LAST_ACK_AGE_S] == 2.5);
	assert_true(cfg.value[DIAG_SYN_SENT_DEST_MIN] == 7);
	assert_int_equal(parse(&cfg, "last_ack.port_min = 1.5\n", err, sizeof(err)), 1);
	assert_string_equal(err,
			    "tcpdeck.conf:1: 'last_ack.port_min' needs a whole number, not '1.5'");
	assert_int_equal(parse(&cfg, "fin_wait1.age_s = -1\n", err, sizeof(err)), 1);
	assert_string_equal(err,
			    "tcpdeck.conf:1: 'fin_wait1.age_s' must be from 0 to 1e+06, not -1");
	assert_string_equal(diag_config_key_name(DIAG_LAST_ACK_PORT_MIN), "last_ack.port_min");
	assert_non_null(strstr(diag_config_key_help(DIAG_FIN_WAIT1_PORT_MIN), "one local port"));
}

/* Bytes a text editor would not write still give a line number. */
static void
test_odd_bytes(void **state)
{
	struct diag_config cfg;
	char err[DIAG_CONFIG_ERROR_MAX], long_line[2000];
	static const char nul[] = "close_wait.min = 20\nclose\0wait.min = 5\n";

	(void)state;
	diag_config_defaults(&cfg);
	assert_int_equal(diag_config_parse(&cfg, "x.conf", nul, sizeof(nul) - 1, err, sizeof(err)),
			 1);
	assert_string_equal(err, "x.conf:2: contains a NUL byte");
	memset(long_line, 'a', sizeof(long_line));
	assert_int_equal(
		diag_config_parse(&cfg, "x.conf", long_line, sizeof(long_line), err, sizeof(err)), 1);
	assert_string_equal(err, "x.conf:1: line too long");
}

/* The file's text quoted in a message is in its safe form: a config file
 * another user wrote cannot send escape sequences to the terminal. */
static void
test_hostile_bytes_quoted_safely(void **state)
{
	struct diag_config cfg;
	char err[DIAG_CONFIG_ERROR_MAX];
	static const char key[] = "\033]2;owned\a = 1\n";
	static const char value[] = "close_wait.min = 2\0330\n";
	static const char line[] = "\302\233\033[2J\n";

	(void)state;
	diag_config_defaults(&cfg);
	assert_int_equal(diag_config_parse(&cfg, "x\033.conf", key, sizeof(key) - 1, err,
					   sizeof(err)),
			 1);
	assert_string_equal(err, "x\\x1b.conf:1: unknown key '\\x1b]2;owned\\x07'");
	assert_int_equal(
		diag_config_parse(&cfg, "x.conf", value, sizeof(value) - 1, err, sizeof(err)), 1);
	assert_string_equal(err, "x.conf:1: 'close_wait.min' needs a whole number, not '2\\x1b0'");
	assert_int_equal(diag_config_parse(&cfg, "x.conf", line, sizeof(line) - 1, err, sizeof(err)),
			 1);
	assert_string_equal(err, "x.conf:1: expected 'key = value', not '\\u009b\\x1b[2J'");
}

static void
test_load_file(void **state)
{
	struct diag_config cfg;
	char dir[] = "/tmp/tcpdeck-diag-config-XXXXXX", path[128], err[DIAG_CONFIG_ERROR_MAX];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tcpdeck.conf", dir);

	/* Missing: an error, unless missing_ok. */
	diag_config_defaults(&cfg);
	assert_int_equal(diag_config_load(&cfg, path, 1, err, sizeof(err)), 1);
	assert_int_equal(diag_config_load(&cfg, path, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read config file"));
	assert_non_null(strstr(err, "No such file"));

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("syn_recv.min = 7\nfin_wait2.age_s = oops\n", f);
	fclose(f);
	diag_config_defaults(&cfg);
	assert_int_equal(diag_config_load(&cfg, path, 1, err, sizeof(err)), 2);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s:2: 'fin_wait2.age_s' needs a number, not 'oops'",
			 path);
		assert_string_equal(err, want);
	}
	/* The good line before the bad one is applied all the same. */
	assert_true(cfg.value[DIAG_SYN_RECV_MIN] == 7);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("syn_recv.min = 7\n", f);
	fclose(f);
	diag_config_defaults(&cfg);
	assert_int_equal(diag_config_load(&cfg, path, 0, err, sizeof(err)), 0);
	assert_true(cfg.value[DIAG_SYN_RECV_MIN] == 7);

	/* A path through a file (ENOTDIR) is missing for the default path,
	 * an error when asked for. */
	{
		char under[192];

		snprintf(under, sizeof(under), "%s/tcpdeck/tcpdeck.conf", path);
		assert_int_equal(diag_config_load(&cfg, under, 1, err, sizeof(err)), 1);
		assert_int_equal(diag_config_load(&cfg, under, 0, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "Not a directory"));
	}

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_default_path(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(diag_config_default_path("/x/cfg", "/home/u", out, sizeof(out)), 0);
	assert_string_equal(out, "/x/cfg/tcpdeck/tcpdeck.conf");
	/* A relative XDG_CONFIG_HOME is ignored, as the spec says. */
	assert_int_equal(diag_config_default_path("cfg", "/home/u", out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.config/tcpdeck/tcpdeck.conf");
	assert_int_equal(diag_config_default_path(NULL, "/home/u", out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.config/tcpdeck/tcpdeck.conf");
	assert_int_equal(diag_config_default_path(NULL, NULL, out, sizeof(out)), -1);
	assert_int_equal(diag_config_default_path("", "", out, sizeof(out)), -1);
	assert_int_equal(diag_config_default_path("/x", NULL, out, 8), -1); /* too long */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_table),
	    cmocka_unit_test(test_overrides_and_comments),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_bad_lines_skipped),
	    cmocka_unit_test(test_rule_keys),
	    cmocka_unit_test(test_odd_bytes),
	    cmocka_unit_test(test_hostile_bytes_quoted_safely),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
