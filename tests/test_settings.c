/*
 * test_settings.c - the dashboard's settings in tcpdeck.conf: parsing
 * beside the thresholds, bad lines reported with their numbers while the
 * rest is used, and saving that rewrites only the ui.* lines.
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
#include <sys/stat.h>
#include <unistd.h>

#include "conn_columns.h"
#include "diag_config.h"
#include "settings.h"

struct warnings {
	char text[4096];
	int n;
};

static void
collect(void *arg, const char *msg)
{
	struct warnings *w = arg;
	size_t used = strlen(w->text);

	snprintf(w->text + used, sizeof(w->text) - used, "%s\n", msg);
	w->n++;
}

static bool
view_ok(const char *name)
{
	return strcmp(name, "conns") == 0 || strcmp(name, "states") == 0;
}

static int
parse(struct settings *s, struct warnings *w, const char *text)
{
	settings_defaults(s);
	memset(w, 0, sizeof(*w));
	return settings_parse(s, "tcpdeck.conf", text, strlen(text), view_ok, collect, w);
}

static void
test_defaults(void **state)
{
	struct settings s;

	(void)state;
	settings_defaults(&s);
	assert_int_equal(s.set, 0);
	assert_true(s.interval_s == 1.0);
	assert_true(s.linger_s == 3.0);
	assert_true(s.mouse);
	assert_int_equal(s.theme, SETTINGS_THEME_DEFAULT);
	assert_int_equal(s.sort_column, -1);
	assert_int_equal((int)s.columns.n, 0);
	for (int t = 0; t < SETTINGS_THEME_COUNT; t++)
		assert_int_equal(settings_theme_find(settings_theme_name(t)), t);
	assert_int_equal(settings_theme_find("solarized"), -1);
	assert_null(settings_theme_name(SETTINGS_THEME_COUNT));
}

static void
test_every_key(void **state)
{
	struct settings s;
	struct warnings w;
	const char *text = "# mine\n"
			   "close_wait.min = 20\n"
			   "ui.view = conns\n"
			   "  ui.columns = state,local, PROCESS  # what I look at\n"
			   "ui.sort = rtt:desc\n"
			   "ui.interval = 0.5\n"
			   "ui.theme = light\n"
			   "ui.mouse = off\n"
			   "ui.linger = 10\n";

	(void)state;
	assert_int_equal(parse(&s, &w, text), 0);
	assert_int_equal(w.n, 0);
	assert_string_equal(s.view, "conns");
	assert_int_equal((int)s.columns.n, 3);
	assert_int_equal(s.columns.ids[0], COL_STATE);
	assert_int_equal(s.columns.ids[1], COL_LOCAL);
	assert_int_equal(s.columns.ids[2], COL_PROCESS);
	assert_int_equal(s.sort_column, COL_RTT);
	assert_true(s.sort_descending);
	assert_true(s.interval_s == 0.5);
	assert_int_equal(s.theme, SETTINGS_THEME_LIGHT);
	assert_false(s.mouse);
	assert_true(s.linger_s == 10);
	assert_int_equal(s.set, SETTINGS_HAS_VIEW | SETTINGS_HAS_COLUMNS | SETTINGS_HAS_SORT |
					SETTINGS_HAS_INTERVAL | SETTINGS_HAS_THEME |
					SETTINGS_HAS_MOUSE | SETTINGS_HAS_LINGER);
}

/* Bad and unknown settings are reported by line; the others still count. */
static void
test_bad_lines_reported_rest_used(void **state)
{
	struct settings s;
	struct warnings w;
	const char *text = "ui.theme = solarized\n"      /* 1 */
			   "ui.interval = 0.5\n"         /* 2 */
			   "ui.colour = red\n"           /* 3 */
			   "ui.interval = 999\n"         /* 4: the 0.5 stays */
			   "ui.columns = local,bogus\n"  /* 5 */
			   "ui.view = nowhere\n"         /* 6 */
			   "ui.mouse = maybe\n"          /* 7 */
			   "ui.sort = rtt:sideways\n"    /* 8 */
			   "ui.linger =\n"               /* 9 */
			   "ui.theme = mono\n";          /* 10 */

	(void)state;
	assert_int_equal(parse(&s, &w, text), 8);
	assert_int_equal(w.n, 8);
	assert_non_null(strstr(w.text, "tcpdeck.conf:1: 'ui.theme': unknown theme 'solarized'"));
	assert_non_null(strstr(w.text, "tcpdeck.conf:3: unknown setting 'ui.colour'"));
	assert_non_null(strstr(w.text, "tcpdeck.conf:4: 'ui.interval' needs seconds"));
	assert_non_null(strstr(w.text, "tcpdeck.conf:5: 'ui.columns'"));
	assert_non_null(strstr(w.text, "tcpdeck.conf:6: 'ui.view': unknown view 'nowhere'"));
	assert_non_null(strstr(w.text, "tcpdeck.conf:7: 'ui.mouse' needs on or off"));
	assert_non_null(strstr(w.text, "tcpdeck.conf:8: 'ui.sort'"));
	assert_non_null(strstr(w.text, "tcpdeck.conf:9: 'ui.linger' has no value"));
	assert_true(s.interval_s == 0.5);
	assert_int_equal(s.theme, SETTINGS_THEME_MONO);
	assert_int_equal(s.set, SETTINGS_HAS_INTERVAL | SETTINGS_HAS_THEME);
}

/* Hostile bytes in a setting come back in the safe form. */
static void
test_warning_is_safe(void **state)
{
	struct settings s;
	struct warnings w;

	(void)state;
	assert_int_equal(parse(&s, &w, "ui.theme = \x1b[31mred\n"), 1);
	assert_null(strchr(w.text, '\x1b'));
}

/* The thresholds' parser leaves ui.* to the settings, and the settings'
 * leave the thresholds alone. */
static void
test_shared_file(void **state)
{
	struct settings s;
	struct warnings w;
	struct diag_config cfg;
	char err[DIAG_CONFIG_ERROR_MAX];
	const char *text = "close_wait.min = 20\nui.theme = contrast\nui.nonsense = 1\n"
			   "ui.linger =\nui.mouse\n";

	(void)state;
	diag_config_defaults(&cfg);
	assert_int_equal(diag_config_parse(&cfg, "f", text, strlen(text), err, sizeof(err)), 0);
	assert_true(cfg.value[DIAG_CLOSE_WAIT_MIN] == 20);
	assert_int_equal(parse(&s, &w, text), 3);
	assert_non_null(strstr(w.text, "tcpdeck.conf:5: expected 'key = value', not 'ui.mouse'"));
	assert_int_equal(s.theme, SETTINGS_THEME_CONTRAST);
	assert_true(settings_owns_key("ui.theme"));
	assert_false(settings_owns_key("close_wait.min"));
}

static char *
write_text(const struct settings *s, const char *old)
{
	char *out;
	size_t len;

	assert_int_equal(settings_write_text(s, old, old != NULL ? strlen(old) : 0, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	return out;
}

/* Saving rewrites the ui.* lines in place and keeps everything else. */
static void
test_write_keeps_other_lines(void **state)
{
	struct settings s, back;
	struct warnings w;
	const char *old = "# my thresholds\n"
			  "close_wait.min = 20   # leaky app\n"
			  "\n"
			  "ui.theme = light # for my laptop\n"
			  "ui.unknown = 1\n"
			  "ui.theme = mono\n"
			  "time_wait.port_use_pct = 60";
	char *out;

	(void)state;
	settings_defaults(&s);
	s.theme = SETTINGS_THEME_CONTRAST;
	s.interval_s = 2;
	s.columns.n = 2;
	s.columns.ids[0] = COL_PROCESS;
	s.columns.ids[1] = COL_STATE;
	out = write_text(&s, old);
	assert_non_null(strstr(out, "# my thresholds\nclose_wait.min = 20   # leaky app\n\n"
				    "ui.theme = contrast # for my laptop\nui.unknown = 1\n"
				    "time_wait.port_use_pct = 60\n"));
	/* The repeated theme line is gone; the missing keys follow. */
	assert_null(strstr(out, "ui.theme = mono"));
	assert_non_null(strstr(out, "ui.interval = 2\n"));
	assert_non_null(strstr(out, "ui.columns = process,state\n"));
	assert_non_null(strstr(out, "ui.mouse = on\n"));
	/* Unset view and sort write nothing. */
	assert_null(strstr(out, "ui.view"));
	assert_null(strstr(out, "ui.sort"));

	/* It reads back as it was, and saving again changes nothing. */
	assert_int_equal(parse(&back, &w, out), 1); /* ui.unknown */
	assert_int_equal(back.theme, SETTINGS_THEME_CONTRAST);
	assert_true(back.interval_s == 2);
	assert_int_equal((int)back.columns.n, 2);
	assert_int_equal(back.columns.ids[0], COL_PROCESS);
	{
		char *again = write_text(&back, out);

		assert_string_equal(again, out);
		free(again);
	}
	free(out);

	/* An empty file gets the comment and every set key. */
	out = write_text(&s, NULL);
	assert_int_equal(strncmp(out, "# The dashboard's settings", 26), 0);
	free(out);
}

/* Numbers are saved in their shortest form that reads back the same:
 * 0.2 as "0.2", a value typed with more digits than "%g" keeps whole. */
static void
test_write_numbers_read_back(void **state)
{
	struct settings s, back;
	struct warnings w;
	char *out;

	(void)state;
	settings_defaults(&s);
	s.interval_s = 0.2;
	s.linger_s = 2.7182818284590452;
	out = write_text(&s, NULL);
	assert_non_null(strstr(out, "ui.interval = 0.2\n"));
	assert_int_equal(parse(&back, &w, out), 0);
	assert_true(back.linger_s == s.linger_s); /* "%g" would say 2.71828 */
	free(out);
	s.interval_s = strtod("0.444444444444444444444444445", NULL);
	out = write_text(&s, NULL);
	assert_int_equal(parse(&back, &w, out), 0);
	assert_true(back.interval_s == s.interval_s);
	assert_true(back.linger_s == s.linger_s);
	free(out);
}

/* A view set then cleared: its line goes. */
static void
test_write_clears(void **state)
{
	struct settings s;
	char *out;

	(void)state;
	settings_defaults(&s);
	out = write_text(&s, "ui.view = conns\nui.sort = rtt\n");
	assert_null(strstr(out, "ui.view"));
	assert_null(strstr(out, "ui.sort"));
	free(out);
}

static void
test_save_and_load(void **state)
{
	char dir[] = "/tmp/test_settings.XXXXXX", path[256], link_path[256], err[512];
	struct settings s, back;
	struct warnings w;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tcpdeck/tcpdeck.conf", dir);
	settings_defaults(&back);
	assert_int_equal(settings_load(&back, path, NULL, NULL, NULL, err, sizeof(err)), 1);

	settings_defaults(&s);
	s.theme = SETTINGS_THEME_MONO;
	s.linger_s = 7;
	/* The directory is made. */
	assert_int_equal(settings_save(&s, path, err, sizeof(err)), 0);
	memset(&w, 0, sizeof(w));
	settings_defaults(&back);
	assert_int_equal(settings_load(&back, path, view_ok, collect, &w, err, sizeof(err)), 0);
	assert_int_equal(back.theme, SETTINGS_THEME_MONO);
	assert_true(back.linger_s == 7);

	/* Other lines survive a save; the mode is kept. */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("close_wait.min = 3\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	s.theme = SETTINGS_THEME_LIGHT;
	assert_int_equal(settings_save(&s, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	{
		char buf[2048];
		size_t n;

		f = fopen(path, "r");
		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		assert_non_null(strstr(buf, "close_wait.min = 3\n"));
		assert_non_null(strstr(buf, "ui.theme = light\n"));
	}

	/* A symbolic link at the path is not written through. */
	snprintf(link_path, sizeof(link_path), "%s/link.conf", dir);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(settings_save(&s, link_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot save settings"));

	unlink(link_path);
	unlink(path);
	snprintf(link_path, sizeof(link_path), "%s/tcpdeck", dir);
	rmdir(link_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_bad_lines_reported_rest_used),
		cmocka_unit_test(test_warning_is_safe),
		cmocka_unit_test(test_shared_file),
		cmocka_unit_test(test_write_keeps_other_lines),
		cmocka_unit_test(test_write_numbers_read_back),
		cmocka_unit_test(test_write_clears),
		cmocka_unit_test(test_save_and_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
