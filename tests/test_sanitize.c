/*
 * test_sanitize.c - the shown form of untrusted strings: every control
 * byte, the C1 controls, bidi controls, invalid, overlong and truncated
 * UTF-8, widths of wide and combining characters, cutting at the buffer's
 * end, and the JSON escaper.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sanitize.h"

/* The shown form of len bytes, and its width. */
static const char *
shown(const char *s, size_t len, int *width)
{
	static char out[1024];
	size_t n = sanitize_text(s, len, out, sizeof(out), width);

	assert_int_equal(n, strlen(out));
	assert_true(n <= SANITIZE_TEXT_MAX(len));
	return out;
}

#define assert_shown(bytes, expected, expected_width)                                              \
	do {                                                                                       \
		int w_;                                                                            \
		assert_string_equal(shown((bytes), sizeof(bytes) - 1, &w_), (expected));           \
		assert_int_equal(w_, (expected_width));                                            \
	} while (0)

/* The JSON literal of len bytes. */
static const char *
json(const char *s, size_t len)
{
	static char out[1024];
	size_t n = sanitize_json(s, len, out);

	assert_true(n <= SANITIZE_JSON_MAX(len));
	out[n] = '\0';
	return out;
}

#define assert_json(bytes, expected)                                                               \
	assert_string_equal(json((bytes), sizeof(bytes) - 1), (expected))

static void
test_plain_ascii_unchanged(void **state)
{
	char all[96];

	(void)state;
	for (int c = 0x20; c < 0x7f; c++)
		all[c - 0x20] = (char)c;
	all[95] = '\0';
	assert_true(sanitize_is_plain(all, 95));
	{
		int w;

		assert_string_equal(shown(all, 95, &w), all);
		assert_int_equal(w, 95);
	}
	assert_shown("nginx: worker", "nginx: worker", 13);
	assert_shown("a\\b", "a\\b", 3); /* a backslash stays */
}

/* Every C0 control byte, and DEL: \xHH, never the byte itself. */
static void
test_every_control_byte(void **state)
{
	(void)state;
	for (int c = 0; c < 0x20; c++) {
		char in[3] = {'a', (char)c, 'b'}, expected[16];
		int w;

		snprintf(expected, sizeof(expected), "a\\x%02xb", c);
		assert_false(sanitize_is_plain(in, 3));
		assert_string_equal(shown(in, 3, &w), expected);
		assert_int_equal(w, 6);
	}
	assert_shown("\x7f", "\\x7f", 4);
	assert_shown("evil\x1b[31mname", "evil\\x1b[31mname", 16);
	assert_shown("\r\n\t", "\\x0d\\x0a\\x09", 12);
}

/* C1 controls as UTF-8 (U+0080-U+009F): \u00HH; as lone bytes: \xHH. */
static void
test_c1_controls(void **state)
{
	(void)state;
	for (int c = 0x80; c <= 0x9f; c++) {
		char utf8[2] = {(char)0xc2, (char)c}, lone[1] = {(char)c}, expected[16];

		snprintf(expected, sizeof(expected), "\\u%04x", c);
		assert_string_equal(shown(utf8, 2, NULL), expected);
		snprintf(expected, sizeof(expected), "\\x%02x", c);
		assert_string_equal(shown(lone, 1, NULL), expected);
	}
	/* U+00A0 and on are text again. */
	assert_shown("\xc2\xa0", "\xc2\xa0", 1);
	assert_shown("caf\xc3\xa9", "caf\xc3\xa9", 4);
}

static void
test_bidi_controls(void **state)
{
	(void)state;
	assert_shown("a\xe2\x80\xae"
	             "b",
	             "a\\u202eb", 8);               /* RIGHT-TO-LEFT OVERRIDE */
	assert_shown("\xe2\x81\xa6", "\\u2066", 6); /* LEFT-TO-RIGHT ISOLATE */
	assert_shown("\xe2\x80\x8f", "\\u200f", 6); /* RIGHT-TO-LEFT MARK */
	assert_shown("\xd8\x9c", "\\u061c", 6);     /* ARABIC LETTER MARK */
	assert_shown("\xe2\x80\xa8", "\\u2028", 6); /* LINE SEPARATOR */
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	/* Stray continuation bytes, bytes that never occur. */
	assert_shown("\x80", "\\x80", 4);
	assert_shown("\xbf", "\\xbf", 4);
	assert_shown("\xc0\xc1\xf5\xff", "\\xc0\\xc1\\xf5\\xff", 16);
	/* Overlong forms of '/' and of NUL. */
	assert_shown("\xc0\xaf", "\\xc0\\xaf", 8);
	assert_shown("\xe0\x80\xaf", "\\xe0\\x80\\xaf", 12);
	assert_shown("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf", 16);
	assert_shown("\xc0\x80", "\\xc0\\x80", 8);
	/* The shortest overlong-free forms are fine. */
	assert_shown("\xe0\xa0\x80", "\xe0\xa0\x80", 1);
	assert_shown("\xf0\x90\x80\x80", "\xf0\x90\x80\x80", 1);
	/* Surrogates, and past U+10FFFF. */
	assert_shown("\xed\xa0\x80", "\\xed\\xa0\\x80", 12);
	assert_shown("\xed\xbf\xbf", "\\xed\\xbf\\xbf", 12);
	assert_shown("\xed\x9f\xbf", "\xed\x9f\xbf", 1); /* U+D7FF */
	assert_shown("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", 16);
	assert_shown("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", 1); /* U+10FFFF */
}

/* A sequence cut short: its lead byte escaped, the rest read afresh. */
static void
test_truncated_sequences(void **state)
{
	(void)state;
	assert_shown("\xc3", "\\xc3", 4);
	assert_shown("\xe2\x82", "\\xe2\\x82", 8);
	assert_shown("\xf0\x9f\x98", "\\xf0\\x9f\\x98", 12);
	assert_shown("\xc3"
	             "a",
	             "\\xc3a", 5);
	assert_shown("\xe2\x82"
	             "a",
	             "\\xe2\\x82a", 9);
	/* A lead byte followed by a new lead byte that completes. */
	assert_shown("\xe2\xc3\xa9", "\\xe2\xc3\xa9", 5);
	/* A control byte inside a sequence. */
	assert_shown("\xe2\x1b[", "\\xe2\\x1b[", 9);
}

static void
test_widths(void **state)
{
	(void)state;
	assert_shown("\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87", 4); /* CJK */
	assert_shown("\xef\xbc\xa1", "\xef\xbc\xa1", 2);                         /* fullwidth A */
	assert_shown("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 2);                 /* emoji */
	assert_shown("e\xcc\x81", "e\xcc\x81", 1);       /* combining acute */
	assert_shown("\xea\xb0\x80", "\xea\xb0\x80", 2); /* Hangul */
	assert_int_equal(sanitize_width("abc", 3), 3);
	assert_int_equal(sanitize_width("\xe4\xb8\xad"
	                                "a",
	                                4),
	                 3);
	assert_int_equal(sanitize_width("\\x1b", 4), 4);
}

/* A small buffer cuts before the first piece that does not fit. */
static void
test_cut_to_fit(void **state)
{
	char out[8];
	int w;

	(void)state;
	assert_int_equal(sanitize_text("abcdefghij", 10, out, sizeof(out), &w), 7);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(w, 7);
	assert_int_equal(sanitize_text("abcd\x1b", 5, out, sizeof(out), &w), 4);
	assert_string_equal(out, "abcd"); /* \x1b does not fit whole */
	assert_int_equal(w, 4);
	assert_int_equal(sanitize_text("abc\xe4\xb8\xad\xe6\x96\x87", 9, out, sizeof(out), &w), 6);
	assert_string_equal(out, "abc\xe4\xb8\xad");
	assert_int_equal(w, 5);
	assert_int_equal(sanitize_text("abc", 3, out, 0, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(sanitize_text("abc", 3, out, 1, &w), 0);
	assert_string_equal(out, "");
	assert_int_equal(sanitize_str("x\ty", out, sizeof(out), &w), 6);
	assert_string_equal(out, "x\\x09y");
}

/* Every byte value, alone and after text: the shown form never holds a
 * control byte, and every byte at or past 0x80 is part of valid UTF-8. */
static void
test_no_byte_escapes(void **state)
{
	(void)state;
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b += 7) {
			char in[3] = {(char)a, (char)b, (char)0xa9}, once[64];
			const char *out = shown(in, 3, NULL);

			for (const char *p = out; *p != '\0'; p++) {
				unsigned char c = (unsigned char)*p;

				assert_false(c < 0x20 || c == 0x7f);
			}
			/* Shown text is shown as it is: nothing left to escape. */
			strcpy(once, out);
			assert_string_equal(shown(once, strlen(once), NULL), once);
		}
}

static void
test_json(void **state)
{
	char expected[16];

	(void)state;
	assert_json("plain", "\"plain\"");
	assert_json("q\"b\\s", "\"q\\\"b\\\\s\"");
	for (int c = 0; c < 0x20; c++) {
		char in[1] = {(char)c};

		snprintf(expected, sizeof(expected), "\"\\u%04x\"", c);
		assert_string_equal(json(in, 1), expected);
	}
	assert_json("\x7f", "\"\\u007f\"");
	assert_json("\xc2\x9b", "\"\\u009b\"");
	assert_json("\xe2\x80\xae", "\"\\u202e\"");
	/* Not UTF-8: the text \xHH, its backslash escaped. */
	assert_json("\x9b", "\"\\\\x9b\"");
	assert_json("\xc0\xaf", "\"\\\\xc0\\\\xaf\"");
	assert_json("\xe2\x82", "\"\\\\xe2\\\\x82\"");
	/* Valid UTF-8 passes. */
	assert_json("caf\xc3\xa9 \xe4\xb8\xad", "\"caf\xc3\xa9 \xe4\xb8\xad\"");
	assert_json("", "\"\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_ascii_unchanged),
	    cmocka_unit_test(test_every_control_byte),
	    cmocka_unit_test(test_c1_controls),
	    cmocka_unit_test(test_bidi_controls),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_truncated_sequences),
	    cmocka_unit_test(test_widths),
	    cmocka_unit_test(test_cut_to_fit),
	    cmocka_unit_test(test_no_byte_escapes),
	    cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
