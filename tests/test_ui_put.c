/*
 * test_ui_put.c - how the dashboard cuts text from outside to the cells
 * it has (ui_put_form, ui_put_fit): the shown form of sanitize.h, cut
 * after the last character or escape that fits, never inside one.  Links
 * the dashboard's code but opens no terminal: nothing here draws.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "sanitize.h"
#include "ui_internal.h"

/* The form of s cut to max cells (UTF-8 terminal), its width and the
 * bytes of s it shows. */
struct cut {
	char form[256];
	int cells;
	size_t used;
};

static struct cut
cut_at(const char *s, int max, bool utf8)
{
	struct cut c;
	size_t n;

	memset(&c, 0x55, sizeof(c));
	n = ui_put_form(s, strlen(s), max, utf8, c.form, sizeof(c.form), &c.cells, &c.used);
	assert_int_equal(n, strlen(c.form));
	return c;
}

#define assert_cut(s, max, want_form, want_cells, want_used)                                      \
	do {                                                                                       \
		struct cut c_ = cut_at((s), (max), true);                                          \
		assert_string_equal(c_.form, (want_form));                                         \
		assert_int_equal(c_.cells, (want_cells));                                          \
		assert_int_equal(c_.used, (want_used));                                            \
	} while (0)

static void
test_ascii(void **state)
{
	(void)state;
	assert_cut("hello world", 5, "hello", 5, 5);
	assert_cut("hello world", 11, "hello world", 11, 11);
	assert_cut("hello world", 400, "hello world", 11, 11);
	assert_cut("", 10, "", 0, 0);
	/* A backslash is text, one cell. */
	assert_cut("a\\x1b", 3, "a\\x", 3, 3);
}

static void
test_zero_cells(void **state)
{
	(void)state;
	assert_cut("hello", 0, "", 0, 0);
	assert_cut("\x1b[31m", 0, "", 0, 0);
	assert_cut("\xe4\xb8\xad", 0, "", 0, 0);
	/* Even a mark of no width needs a character to sit on. */
	assert_cut("\xcc\x81", 0, "", 0, 0);
	assert_cut("hello", -3, "", 0, 0);
}

static void
test_wide_never_split(void **state)
{
	(void)state;
	/* U+4E2D takes 2 cells (3 bytes). */
	assert_cut("a\xe4\xb8\xad" "b", 1, "a", 1, 1);
	assert_cut("a\xe4\xb8\xad" "b", 2, "a", 1, 1);
	assert_cut("a\xe4\xb8\xad" "b", 3, "a\xe4\xb8\xad", 3, 4);
	assert_cut("a\xe4\xb8\xad" "b", 4, "a\xe4\xb8\xad" "b", 4, 5);
	assert_cut("\xe4\xb8\xad\xe4\xb8\xad", 3, "\xe4\xb8\xad", 2, 3);
	assert_cut("\xe4\xb8\xad", 1, "", 0, 0);
	/* An emoji (4 bytes, 2 cells). */
	assert_cut("\xf0\x9f\x98\x80!", 2, "\xf0\x9f\x98\x80", 2, 4);
	assert_cut("\xf0\x9f\x98\x80!", 1, "", 0, 0);
}

static void
test_combining_marks(void **state)
{
	(void)state;
	/* e + U+0301: one cell; the mark stays with its letter. */
	assert_cut("e\xcc\x81x", 1, "e\xcc\x81", 1, 3);
	assert_cut("e\xcc\x81x", 2, "e\xcc\x81x", 2, 4);
	assert_cut("e\xcc\x81\xcc\x88x", 1, "e\xcc\x81\xcc\x88", 1, 5);
}

static void
test_escapes_whole(void **state)
{
	(void)state;
	/* ESC is "\x1b", four cells: whole or not at all. */
	for (int max = 2; max < 6; max++)
		assert_cut("ab\x1b[31m", max, "ab", 2, 2);
	assert_cut("ab\x1b[31m", 6, "ab\\x1b", 6, 3);
	assert_cut("ab\x1b[31m", 7, "ab\\x1b[", 7, 4);
	assert_cut("evil\x1b[31mname", 100, "evil\\x1b[31mname", 16, 13);
	/* A raw C1 byte is not UTF-8: "\x9b". */
	assert_cut("\x9b" "2J", 3, "", 0, 0);
	assert_cut("\x9b" "2J", 4, "\\x9b", 4, 1);
	assert_cut("\x9b" "2J", 6, "\\x9b2J", 6, 3);
	/* U+009B encoded is a C1 control: "\u009b", six cells. */
	assert_cut("\xc2\x9b" "x", 5, "", 0, 0);
	assert_cut("\xc2\x9b" "x", 6, "\\u009b", 6, 2);
	assert_cut("\xc2\x9b" "x", 7, "\\u009bx", 7, 3);
	/* A right-to-left override. */
	assert_cut("a\xe2\x80\xae" "b", 7, "a\\u202e", 7, 4);
	/* BEL, OSC: the title sequence stays text. */
	assert_cut("\x1b]0;pwned\x07", 100, "\\x1b]0;pwned\\x07", 16, 10);
	/* Sequences that are not UTF-8: each bad byte alone, the rest read
	 * afresh. */
	assert_cut("\xe4\xb8", 100, "\\xe4\\xb8", 8, 2);
	assert_cut("\xe4\xb8", 7, "\\xe4", 4, 1);
	assert_cut("\xc3" "A", 100, "\\xc3" "A", 5, 2);
	assert_cut("\xc0\xaf", 100, "\\xc0\\xaf", 8, 2);
	assert_cut("\xed\xa0\x80", 100, "\\xed\\xa0\\x80", 12, 3);
}

static void
test_not_utf8_terminal(void **state)
{
	(void)state;
	struct cut c = cut_at("a\xe4\xb8\xad" "b", 100, false);

	assert_string_equal(c.form, "a\\xe4\\xb8\\xadb");
	assert_int_equal(c.cells, 14);
	/* The character's bytes are kept together. */
	c = cut_at("a\xe4\xb8\xad" "b", 12, false);
	assert_string_equal(c.form, "a");
	assert_int_equal(c.used, 1);
	c = cut_at("\x1b" "x", 100, false);
	assert_string_equal(c.form, "\\x1bx");
}

static void
test_out_size(void **state)
{
	char out[8];
	int cells;
	size_t used;

	(void)state;
	assert_int_equal(ui_put_form("abcdef", 6, 100, true, out, 3, &cells, &used), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(cells, 2);
	/* "\x1b" needs five bytes with its NUL. */
	assert_int_equal(ui_put_form("a\x1b", 2, 100, true, out, 5, &cells, &used), 1);
	assert_string_equal(out, "a");
	assert_int_equal(used, 1);
	assert_int_equal(ui_put_form("\xe4\xb8\xad", 3, 100, true, out, 3, &cells, &used), 0);
	assert_string_equal(out, "");
	assert_int_equal(ui_put_form("x", 1, 100, true, out, 0, &cells, &used), 0);
	assert_int_equal(cells, 0);
	assert_int_equal(used, 0);
}

/* For every width: the cut is a prefix of the whole form, is the form of
 * the bytes it says it shows, fits, and the next piece would not. */
static void
test_cut_matches_sanitizer(void **state)
{
	static const char *const samples[] = {
		"plain text",
		"evil\x1b[31mname",
		"evil\x1b]0;pwned\x07\x9b" "2J argv",
		"caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 e\xcc\x81",
		"\xf0\x9f\x98\x80\xc2\x9b\xe2\x80\xae\xe4\xb8",
		"\xff\xfe\x80 \xc3\x28 tail",
	};

	(void)state;
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		const char *s = samples[k];
		char whole[256], again[256];
		int width, prev_cells = 0;
		size_t whole_len = sanitize_text(s, strlen(s), whole, sizeof(whole), &width);
		struct cut all = cut_at(s, INT_MAX, true);

		assert_string_equal(all.form, whole);
		assert_int_equal(all.cells, width);
		assert_int_equal(all.used, strlen(s));
		for (int max = 0; max <= width; max++) {
			struct cut c = cut_at(s, max, true);
			int cells;

			assert_true(c.cells <= max);
			assert_true(c.cells >= prev_cells);
			prev_cells = c.cells;
			assert_memory_equal(c.form, whole, strlen(c.form));
			sanitize_text(s, c.used, again, sizeof(again), &cells);
			assert_string_equal(again, c.form);
			assert_int_equal(cells, c.cells);
			if (c.used < strlen(s)) {
				/* The next piece alone does not fit in what is left. */
				struct cut next = cut_at(s + c.used, max - c.cells, true);

				assert_int_equal(next.used, 0);
			} else {
				assert_int_equal(strlen(c.form), whole_len);
			}
		}
	}
}

static void
test_fit(void **state)
{
	int cells;

	(void)state;
	assert_int_equal(ui_put_fit("evil\x1b[31mname", 13, 6, &cells), 4);
	assert_int_equal(cells, 4);
	assert_int_equal(ui_put_fit("evil\x1b[31mname", 13, 8, &cells), 5);
	assert_int_equal(cells, 8);
	assert_int_equal(ui_put_fit("a\xe4\xb8\xad", 4, 2, NULL), 1);
	assert_int_equal(ui_put_fit("a\xe4\xb8\xad", 4, 3, NULL), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_zero_cells),
		cmocka_unit_test(test_wide_never_split),
		cmocka_unit_test(test_combining_marks),
		cmocka_unit_test(test_escapes_whole),
		cmocka_unit_test(test_not_utf8_terminal),
		cmocka_unit_test(test_out_size),
		cmocka_unit_test(test_cut_matches_sanitizer),
		cmocka_unit_test(test_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
