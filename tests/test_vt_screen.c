/*
 * test_vt_screen.c - tcpdeck-keylat's screen model (bench/vt_screen.c):
 * what each sequence does to the grid and the cursor, the selection found
 * the way keylat looks for it, and parameters far outside the screen.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vt_screen.h"

static struct vt_screen *
screen(int rows, int cols)
{
	struct vt_screen *s = vt_screen_new(rows, cols);

	assert_non_null(s);
	return s;
}

static void
feed(struct vt_screen *s, const char *bytes)
{
	vt_screen_feed(s, bytes, strlen(bytes));
}

/* Row y's text, in a buffer that lives until the next call. */
static const char *
row(const struct vt_screen *s, int y)
{
	static char text[VT_SCREEN_MAX_COLS + 1];

	vt_screen_row_text(s, y, text, sizeof(text));
	return text;
}

static void
assert_cursor(const struct vt_screen *s, int y, int x)
{
	int cy, cx;

	vt_screen_cursor(s, &cy, &cx);
	assert_int_equal(cy, y);
	assert_int_equal(cx, x);
}

static void
assert_region(const struct vt_screen *s, int top, int bottom)
{
	int t, b;

	vt_screen_region(s, &t, &b);
	assert_int_equal(t, top);
	assert_int_equal(b, bottom);
}

/* Which cells of row y are in reverse video, as a string of '1' and '0'. */
static const char *
reverse_map(const struct vt_screen *s, int y)
{
	static char map[VT_SCREEN_MAX_COLS + 1];
	int x;

	for (x = 0; x < vt_screen_cols(s); x++)
		map[x] = vt_screen_reverse(s, y, x) ? '1' : '0';
	map[x] = '\0';
	return map;
}

static void
test_new(void **state)
{
	struct vt_screen *s;

	(void)state;
	errno = 0;
	assert_null(vt_screen_new(0, 80));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vt_screen_new(24, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vt_screen_new(VT_SCREEN_MAX_ROWS + 1, 80));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vt_screen_new(24, VT_SCREEN_MAX_COLS + 1));
	assert_int_equal(errno, EINVAL);
	assert_null(vt_screen_new(-1, -1));

	s = screen(VT_SCREEN_MAX_ROWS, VT_SCREEN_MAX_COLS);
	feed(s, "\033[9999;9999Hz");
	assert_int_equal(vt_screen_char(s, VT_SCREEN_MAX_ROWS - 1, VT_SCREEN_MAX_COLS - 1), 'z');
	vt_screen_free(s);

	s = screen(3, 4);
	assert_int_equal(vt_screen_rows(s), 3);
	assert_int_equal(vt_screen_cols(s), 4);
	assert_cursor(s, 0, 0);
	assert_region(s, 0, 2);
	assert_false(vt_screen_has_content(s));
	for (int y = 0; y < 3; y++)
		assert_string_equal(row(s, y), "    ");
	vt_screen_free(s);
	vt_screen_free(NULL);
}

/* CUP (H and f) counts from 1; an absent or 0 parameter is 1. */
static void
test_cup_places_text(void **state)
{
	struct vt_screen *s = screen(5, 10);

	(void)state;
	feed(s, "\033[2;3Hab");
	assert_string_equal(row(s, 1), "  ab      ");
	assert_cursor(s, 1, 4);
	feed(s, "\033[Hc");
	assert_string_equal(row(s, 0), "c         ");
	feed(s, "\033[5;10fd");
	assert_int_equal(vt_screen_char(s, 4, 9), 'd');
	feed(s, "\033[;7He\033[3Hf\033[0;0Hg");
	assert_string_equal(row(s, 0), "g     e   ");
	assert_string_equal(row(s, 2), "f         ");
	/* CHA and VPA move along one axis. */
	feed(s, "\033[4d\033[6Gh");
	assert_string_equal(row(s, 3), "     h    ");
	/* Relative moves stop at the edges. */
	feed(s, "\033[2;2H\033[3Ai\033[20Dj\033[2B\033[3Ck\033[99Cl");
	assert_string_equal(row(s, 0), "ji    e   ");
	assert_string_equal(row(s, 2), "f   k    l");
	assert_true(vt_screen_has_content(s));
	vt_screen_free(s);
}

static void
test_erase(void **state)
{
	struct vt_screen *s = screen(3, 10);

	(void)state;
	feed(s, "0123456789\r\n0123456789\r\n0123456789");
	feed(s, "\033[1;5H\033[K");
	assert_string_equal(row(s, 0), "0123      ");
	feed(s, "\033[2;5H\033[1K");
	assert_string_equal(row(s, 1), "     56789");
	feed(s, "\033[3;5H\033[2K");
	assert_string_equal(row(s, 2), "          ");
	assert_cursor(s, 2, 4);

	feed(s, "\033[H0123456789\r\n0123456789\r\n0123456789");
	feed(s, "\033[2;4H\033[J");
	assert_string_equal(row(s, 0), "0123456789");
	assert_string_equal(row(s, 1), "012       ");
	assert_string_equal(row(s, 2), "          ");
	feed(s, "\033[H0123456789\r\n0123456789\r\n0123456789");
	feed(s, "\033[2;4H\033[1J");
	assert_string_equal(row(s, 0), "          ");
	assert_string_equal(row(s, 1), "    456789");
	assert_string_equal(row(s, 2), "0123456789");
	feed(s, "\033[2J");
	assert_false(vt_screen_has_content(s));
	/* ED and EL do not move the cursor. */
	assert_cursor(s, 1, 3);

	/* Erased cells are plain blanks even in reverse video: vt100 has no
	 * background colour erase. */
	feed(s, "\033[H\033[7mabcdefghij\033[1;3H\033[K");
	assert_string_equal(row(s, 0), "ab        ");
	assert_string_equal(reverse_map(s, 0), "1100000000");
	vt_screen_free(s);
}

static void
test_sgr_reverse(void **state)
{
	struct vt_screen *s = screen(2, 12);

	(void)state;
	feed(s, "a\033[7mb\033[27mc\033[7md\033[0me\033[7mf\033[mg\033[1;7mh\033[22;27mi");
	assert_string_equal(row(s, 0), "abcdefghi   ");
	assert_string_equal(reverse_map(s, 0), "010101010000");
	/* The 7 in a 256-colour or RGB colour is a colour, not reverse. */
	feed(s, "\r\n\033[38;5;7mj\033[48;2;7;7;7mk\033[38:5:7ml\033[0;38;5;1;7mm\033[0m");
	assert_string_equal(row(s, 1), "jklm        ");
	assert_string_equal(reverse_map(s, 1), "000100000000");
	/* A private or intermediate CSI m is not SGR. */
	feed(s, "\033[H\033[?7mn\033[7 mo");
	assert_string_equal(reverse_map(s, 0), "000101010000");
	vt_screen_free(s);
}

static void
test_save_restore(void **state)
{
	struct vt_screen *s = screen(4, 8);

	(void)state;
	feed(s, "\033[2;3H\033[7m\0337\033[m\033[4;8Hx\0338y");
	assert_int_equal(vt_screen_char(s, 1, 2), 'y');
	assert_true(vt_screen_reverse(s, 1, 2));
	feed(s, "\033[m\033[3;2H\033[s\033[H\033[7mq\033[uz");
	assert_int_equal(vt_screen_char(s, 2, 1), 'z');
	assert_false(vt_screen_reverse(s, 2, 1));
	vt_screen_free(s);
}

static void
write_rows(struct vt_screen *s, const char *const *lines, int n)
{
	feed(s, "\033[H\033[2J");
	for (int y = 0; y < n; y++) {
		char cup[32];

		snprintf(cup, sizeof(cup), "\033[%d;1H", y + 1);
		feed(s, cup);
		feed(s, lines[y]);
	}
}

static void
test_scroll_region(void **state)
{
	static const char *const lines[] = {"r0", "r1", "r2", "r3", "r4", "r5"};
	struct vt_screen *s = screen(6, 4);

	(void)state;
	write_rows(s, lines, 6);
	/* Rows 2 to 4 (from 1); DECSTBM homes the cursor. */
	feed(s, "\033[2;4r");
	assert_region(s, 1, 3);
	assert_cursor(s, 0, 0);
	feed(s, "\033[4;1H\n");
	assert_cursor(s, 3, 0);
	assert_string_equal(row(s, 0), "r0  ");
	assert_string_equal(row(s, 1), "r2  ");
	assert_string_equal(row(s, 2), "r3  ");
	assert_string_equal(row(s, 3), "    ");
	assert_string_equal(row(s, 4), "r4  ");
	assert_string_equal(row(s, 5), "r5  ");
	/* Reverse index at the region's top scrolls it down. */
	feed(s, "\033[2;1H\033Mn");
	assert_cursor(s, 1, 1);
	assert_string_equal(row(s, 1), "n   ");
	assert_string_equal(row(s, 2), "r2  ");
	assert_string_equal(row(s, 3), "r3  ");
	assert_string_equal(row(s, 4), "r4  ");
	/* Below the region a line feed at the last row scrolls nothing. */
	feed(s, "\033[6;1H\n\n");
	assert_cursor(s, 5, 0);
	assert_string_equal(row(s, 5), "r5  ");
	assert_string_equal(row(s, 0), "r0  ");
	/* SU and SD move the region only. */
	feed(s, "\033[S");
	assert_string_equal(row(s, 0), "r0  ");
	assert_string_equal(row(s, 1), "r2  ");
	assert_string_equal(row(s, 2), "r3  ");
	assert_string_equal(row(s, 3), "    ");
	assert_string_equal(row(s, 4), "r4  ");
	feed(s, "\033[2T");
	assert_string_equal(row(s, 1), "    ");
	assert_string_equal(row(s, 2), "    ");
	assert_string_equal(row(s, 3), "r2  ");
	assert_string_equal(row(s, 4), "r4  ");
	/* With no parameters the region is the whole screen again, and a
	 * line feed at the last row scrolls everything. */
	feed(s, "\033[r");
	assert_region(s, 0, 5);
	feed(s, "\033[6;1H\n");
	assert_string_equal(row(s, 0), "    ");
	assert_string_equal(row(s, 5), "    ");
	assert_string_equal(row(s, 4), "r5  ");
	vt_screen_free(s);
}

static void
test_insert_delete(void **state)
{
	static const char *const lines[] = {"a", "b", "c", "d", "e"};
	struct vt_screen *s = screen(5, 6);

	(void)state;
	write_rows(s, lines, 5);
	feed(s, "\033[2;3H\033[2L");
	assert_cursor(s, 1, 0); /* IL and DL go to the first column */
	assert_string_equal(row(s, 0), "a     ");
	assert_string_equal(row(s, 1), "      ");
	assert_string_equal(row(s, 2), "      ");
	assert_string_equal(row(s, 3), "b     ");
	assert_string_equal(row(s, 4), "c     ");
	feed(s, "\033[M");
	assert_string_equal(row(s, 1), "      ");
	assert_string_equal(row(s, 2), "b     ");
	assert_string_equal(row(s, 3), "c     ");
	assert_string_equal(row(s, 4), "      ");

	/* Within a region, lines below it stay; outside it, nothing moves. */
	write_rows(s, lines, 5);
	feed(s, "\033[1;3r\033[2;1H\033[L");
	assert_string_equal(row(s, 0), "a     ");
	assert_string_equal(row(s, 1), "      ");
	assert_string_equal(row(s, 2), "b     ");
	assert_string_equal(row(s, 3), "d     ");
	assert_string_equal(row(s, 4), "e     ");
	feed(s, "\033[5;1H\033[M\033[L");
	assert_string_equal(row(s, 3), "d     ");
	assert_string_equal(row(s, 4), "e     ");
	feed(s, "\033[r");

	/* Characters: ICH, DCH, ECH on the cursor's row. */
	feed(s, "\033[H\033[2Kabcdef\033[1;2H\033[2@");
	assert_string_equal(row(s, 0), "a  bcd");
	feed(s, "\033[3P");
	assert_string_equal(row(s, 0), "acd   ");
	feed(s, "\033[H\033[2Kabcdef\033[1;3H\033[2X");
	assert_string_equal(row(s, 0), "ab  ef");
	assert_cursor(s, 0, 2);
	vt_screen_free(s);
}

static void
test_wrap(void **state)
{
	struct vt_screen *s = screen(3, 5);

	(void)state;
	feed(s, "abcdefg");
	assert_string_equal(row(s, 0), "abcde");
	assert_string_equal(row(s, 1), "fg   ");
	assert_cursor(s, 1, 2);
	/* The last column written, the cursor waits there: CR LF after it
	 * gives no blank line (vt100's xenl, which ncurses relies on). */
	feed(s, "\033[H\033[2Jabcde");
	assert_cursor(s, 0, 4);
	feed(s, "\r\nX");
	assert_string_equal(row(s, 1), "X    ");
	/* A wrap on the last row scrolls. */
	feed(s, "\033[3;1Hvwxyz12");
	assert_string_equal(row(s, 0), "X    ");
	assert_string_equal(row(s, 1), "vwxyz");
	assert_string_equal(row(s, 2), "12   ");
	/* A move cancels the pending wrap. */
	feed(s, "\033[H\033[2Jabcde\033[1;5Hq");
	assert_string_equal(row(s, 0), "abcdq");
	assert_string_equal(row(s, 1), "     ");
	/* Without autowrap the last column is overwritten. */
	feed(s, "\033[?7l\033[H\033[2Jabcdefg");
	assert_string_equal(row(s, 0), "abcdg");
	assert_cursor(s, 0, 4);
	feed(s, "\033[?7h\033[H\033[2Jabcdefg");
	assert_string_equal(row(s, 1), "fg   ");
	/* Tabs stop every 8 columns and at the margin. */
	feed(s, "\033[H\033[2J\tt");
	assert_string_equal(row(s, 0), "    t");
	vt_screen_free(s);
}

static void
test_utf8_one_cell(void **state)
{
	struct vt_screen *s = screen(2, 8);

	(void)state;
	feed(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe4\xb8\xadx");
	assert_int_equal(vt_screen_char(s, 0, 0), 0xe9);
	assert_int_equal(vt_screen_char(s, 0, 1), 0x20ac);
	assert_int_equal(vt_screen_char(s, 0, 2), 0x1f600);
	assert_int_equal(vt_screen_char(s, 0, 3), 0x4e2d); /* wide, still one cell */
	assert_int_equal(vt_screen_char(s, 0, 4), 'x');
	assert_cursor(s, 0, 5);
	assert_string_equal(row(s, 0), "????x   ");
	/* Split between two reads. */
	vt_screen_feed(s, "\r\n\xe2\x82", 4);
	vt_screen_feed(s, "\xac!", 2);
	assert_int_equal(vt_screen_char(s, 1, 0), 0x20ac);
	assert_int_equal(vt_screen_char(s, 1, 1), '!');
	/* A broken sequence is one replacement character; a byte that cannot
	 * start one is another. */
	feed(s, "\033[2;1H\033[K\xc3z\xff\x80y");
	assert_int_equal(vt_screen_char(s, 1, 0), 0xfffd);
	assert_int_equal(vt_screen_char(s, 1, 1), 'z');
	assert_int_equal(vt_screen_char(s, 1, 2), 0xfffd);
	assert_int_equal(vt_screen_char(s, 1, 3), 0xfffd);
	assert_int_equal(vt_screen_char(s, 1, 4), 'y');
	/* Sequences that decode to no drawable character are one replacement
	 * each: an overlong NUL, a surrogate, a C1 control (CSI), a code
	 * point past U+10FFFF.  U+00A0 is the first after the C1 controls. */
	feed(s, "\033[2;1H\033[K\xe0\x80\x80\xed\xa0\x80\xc2\x9b\xf4\x90\x80\x80\xc2\xa0!");
	assert_int_equal(vt_screen_char(s, 1, 0), 0xfffd);
	assert_int_equal(vt_screen_char(s, 1, 1), 0xfffd);
	assert_int_equal(vt_screen_char(s, 1, 2), 0xfffd);
	assert_int_equal(vt_screen_char(s, 1, 3), 0xfffd);
	assert_int_equal(vt_screen_char(s, 1, 4), 0xa0);
	assert_int_equal(vt_screen_char(s, 1, 5), '!');
	vt_screen_free(s);
}

static void
test_strings_skipped(void **state)
{
	struct vt_screen *s = screen(2, 30);

	(void)state;
	feed(s, "\033]0;LOCAL REMOTE tcpdeck\007ab");
	assert_string_equal(row(s, 0), "ab                            ");
	assert_int_equal(vt_screen_header_row(s), 0);
	/* Ended by ST, split across reads, and with control bytes inside. */
	feed(s, "\033]2;a title\r\n");
	feed(s, "more\033\\cd");
	assert_string_equal(row(s, 0), "abcd                          ");
	assert_cursor(s, 0, 4);
	/* DCS and APC strings, a charset designation, keypad mode. */
	feed(s, "\033P1$r0m\033\\\033_x\007\033(Be\033=\033>f");
	assert_string_equal(row(s, 0), "abcdef                        ");
	/* CAN abandons a sequence; what follows is text. */
	feed(s, "\033[1\030;2Hg");
	assert_string_equal(row(s, 0), "abcdef;2Hg                    ");
	vt_screen_free(s);
}

/* A frame of tcpdeck's connection table, as ncurses draws it for vt100:
 * a title bar in reverse video above the header, the selection a row in
 * reverse video padded to the width; selected < 0 draws none. */
static void
draw_table(struct vt_screen *s, int selected)
{
	static const char *const conns[] = {
	    "10.0.0.1:22      10.0.0.9:5100   ESTAB",
	    "10.0.0.1:22      10.0.0.9:5101   ESTAB",
	    "10.0.0.1:443     10.0.0.7:6000   ESTAB",
	};

	feed(s, "\033[H\033[2J\033[7mtcpdeck  3 connections                  \033[m");
	feed(s, "\033[3;1HLOCAL            REMOTE          STATE");
	for (int i = 0; i < 3; i++) {
		char cup[16];

		snprintf(cup, sizeof(cup), "\033[%d;1H", 4 + i);
		feed(s, cup);
		if (i == selected)
			feed(s, "\033[7m");
		feed(s, conns[i]);
		if (i == selected)
			feed(s, "  \033[m"); /* padded: the blanks are reverse too */
	}
	feed(s, "\033[10;1HF1 Help  q Quit");
}

static void
test_selection(void **state)
{
	struct vt_screen *s = screen(10, 40);

	(void)state;
	assert_int_equal(vt_screen_header_row(s), 0);
	assert_int_equal(vt_screen_selected_row(s), 0);
	draw_table(s, -1);
	assert_int_equal(vt_screen_header_row(s), 3);
	/* The title bar is in reverse video, but above the header. */
	assert_true(vt_screen_mostly_reverse(s, 0));
	assert_int_equal(vt_screen_selected_row(s), 0);
	draw_table(s, 0);
	assert_int_equal(vt_screen_selected_row(s), 4);
	assert_true(vt_screen_mostly_reverse(s, 3));
	/* Down, drawn the way ncurses does: only the two rows that change.
	 * Half drawn, there is no selection, which keylat does not take for
	 * a move. */
	feed(s, "\033[4;1H\033[m10.0.0.1:22      10.0.0.9:5100   ESTAB  ");
	assert_int_equal(vt_screen_selected_row(s), 0);
	feed(s, "\033[5;1H\033[7m10.0.0.1:22      10.0.0.9:5101   ESTAB  \033[m");
	assert_int_equal(vt_screen_selected_row(s), 5);
	/* Up again. */
	feed(s, "\033[5;1H10.0.0.1:22      10.0.0.9:5101   ESTAB  ");
	feed(s, "\033[4;1H\033[7m10.0.0.1:22      10.0.0.9:5100   ESTAB  \033[m");
	assert_int_equal(vt_screen_selected_row(s), 4);
	/* A row with a few reverse cells among more plain ones is not
	 * selected, whatever its place. */
	feed(s, "\033[4;1H\033[7mab\033[m");
	feed(s, "\033[4;3H\033[m0.0.0.1:22      10.0.0.9:5100   ESTAB  ");
	assert_false(vt_screen_mostly_reverse(s, 3));
	assert_int_equal(vt_screen_selected_row(s), 0);
	/* A footer in reverse video on the last row is not a selection,
	 * with no other row selected (a redraw half done). */
	feed(s, "\033[10;1H\033[7mF1 Help  q Quit                         \033[m");
	assert_true(vt_screen_mostly_reverse(s, 9));
	assert_int_equal(vt_screen_selected_row(s), 0);
	/* Reverse blanks count as written: a bar of blanks is a selection. */
	feed(s, "\033[8;1H\033[7m          \033[m");
	assert_int_equal(vt_screen_selected_row(s), 8);
	/* Without the header there is no table, so no selection. */
	feed(s, "\033[3;1H\033[2K");
	assert_int_equal(vt_screen_header_row(s), 0);
	assert_int_equal(vt_screen_selected_row(s), 0);
	/* LOCAL and REMOTE on another row make that row the header. */
	feed(s, "\033[9;1HREMOTE or LOCAL");
	assert_int_equal(vt_screen_header_row(s), 9);
	assert_int_equal(vt_screen_selected_row(s), 0);
	vt_screen_free(s);
}

/* Parameters far beyond the screen are clamped to it, never used as
 * offsets. */
static void
test_out_of_range(void **state)
{
	struct vt_screen *s = screen(4, 6);
	char many[128] = "\033[";

	(void)state;
	feed(s, "\033[9999;9999Hz");
	assert_int_equal(vt_screen_char(s, 3, 5), 'z');
	assert_cursor(s, 3, 5);
	feed(s, "\033[99999999999999999999999999A");
	assert_cursor(s, 0, 5);
	feed(s, "\033[99999999999999999999999999D");
	assert_cursor(s, 0, 0);
	feed(s, "\033[65535B\033[65535C");
	assert_cursor(s, 3, 5);
	feed(s, "\033[65536E\033[65536F\033[65535G\033[65535d");
	assert_cursor(s, 3, 5);
	feed(s, "\033[Habcdef\033[2;1Hghijkl\033[1;2H\033[99999@");
	assert_string_equal(row(s, 0), "a     ");
	feed(s, "\033[2;3H\033[99999P");
	assert_string_equal(row(s, 1), "gh    ");
	feed(s, "\033[Habcdef\033[1;4H\033[99999X");
	assert_string_equal(row(s, 0), "abc   ");
	feed(s, "\033[99999L\033[99999M\033[99999S\033[99999T");
	assert_false(vt_screen_has_content(s));
	feed(s, "\033[99999J\033[99999K\033[99999m\033[99999;99999r");
	assert_region(s, 0, 3);
	/* A region of one row, or upside down, is refused; 0 is the default. */
	feed(s, "\033[2;2r");
	assert_region(s, 0, 3);
	feed(s, "\033[3;2r");
	assert_region(s, 0, 3);
	feed(s, "\033[2;5r\033[2;65535r");
	assert_region(s, 0, 3);
	feed(s, "\033[0r");
	assert_region(s, 0, 3);
	assert_cursor(s, 0, 0);
	feed(s, "\033[0;3r");
	assert_region(s, 0, 2);
	feed(s, "\033[2;0r");
	assert_region(s, 1, 3);
	feed(s, "\033[r");
	/* More parameters than the model keeps: the sequence is dropped. */
	for (int i = 0; i < 20; i++)
		strcat(many, "7;");
	strcat(many, "7m");
	feed(s, many);
	feed(s, "\033[Hx");
	assert_false(vt_screen_reverse(s, 0, 0));
	/* A sequence of a million digits ends as one. */
	{
		size_t n = 1000000;
		char *digits = malloc(n + 4);

		assert_non_null(digits);
		memcpy(digits, "\033[", 2);
		memset(digits + 2, '9', n);
		memcpy(digits + 2 + n, "Cy", 2);
		vt_screen_feed(s, digits, n + 4);
		free(digits);
	}
	assert_int_equal(vt_screen_char(s, 0, 5), 'y');
	vt_screen_free(s);
}

static void
test_one_cell(void **state)
{
	struct vt_screen *s = screen(1, 1);

	(void)state;
	feed(s, "abc");
	assert_int_equal(vt_screen_char(s, 0, 0), 'c');
	assert_cursor(s, 0, 0);
	feed(s, "\t\b\n\r\v\f\033M\033D\033E\0337\0338\033[L\033[M\033[@\033[P\033[X\033[S\033[T");
	feed(s, "\033[2;2H\033[5A\033[5B\033[5C\033[5D\033[9;9r\033[1;1r\033[s\033[u\033[J\033[K");
	assert_cursor(s, 0, 0);
	assert_region(s, 0, 0);
	feed(s, "\033[7m\xe2\x82\xac");
	assert_int_equal(vt_screen_char(s, 0, 0), 0x20ac);
	assert_true(vt_screen_mostly_reverse(s, 0));
	assert_string_equal(row(s, 0), "?");
	assert_int_equal(vt_screen_header_row(s), 0);
	assert_int_equal(vt_screen_selected_row(s), 0);
	vt_screen_free(s);
}

/* A frame fed whole, a byte at a time and in odd pieces is one screen. */
static void
test_any_split(void **state)
{
	static const char frame[] =
	    "\033]0;t\007\033[1;24r\033[H\033[2J\033[7mtitle\033[m\033[3;1HLOCAL REMOTE"
	    "\033[4;1H\033[7m1.2.3.4:5 6.7.8.9:10 \xe2\x82\xac\033[m\r\n\033[2;20r\033[20;1H\n"
	    "\033M\033[3L\033[2M\033[38;5;7mx\033[0;7my\0337\033[9;9H\0338z\033[?7lwrap off"
	    "\033(B\033P+q\033\\\xc3\xa9\xf0\x9f\x98\x80 end";
	struct vt_screen *whole = screen(24, 30), *bytes = screen(24, 30), *pieces = screen(24, 30);
	size_t len = sizeof(frame) - 1;

	(void)state;
	vt_screen_feed(whole, frame, len);
	for (size_t i = 0; i < len; i++)
		vt_screen_feed(bytes, frame + i, 1);
	for (size_t i = 0, step = 1; i < len; i += step, step = step % 7 + 2)
		vt_screen_feed(pieces, frame + i, i + step <= len ? step : len - i);
	vt_screen_feed(bytes, "", 0);
	for (int y = 0; y < 24; y++) {
		char expect[31];

		vt_screen_row_text(whole, y, expect, sizeof(expect));
		assert_string_equal(row(bytes, y), expect);
		assert_string_equal(row(pieces, y), expect);
		for (int x = 0; x < 30; x++) {
			assert_int_equal(vt_screen_char(bytes, y, x), vt_screen_char(whole, y, x));
			assert_int_equal(vt_screen_reverse(bytes, y, x),
			                 vt_screen_reverse(whole, y, x));
			assert_int_equal(vt_screen_char(pieces, y, x), vt_screen_char(whole, y, x));
			assert_int_equal(vt_screen_reverse(pieces, y, x),
			                 vt_screen_reverse(whole, y, x));
		}
	}
	assert_int_equal(vt_screen_selected_row(whole), vt_screen_selected_row(bytes));
	assert_true(vt_screen_has_content(whole));
	vt_screen_free(whole);
	vt_screen_free(bytes);
	vt_screen_free(pieces);
}

static void
test_queries_off_screen(void **state)
{
	struct vt_screen *s = screen(2, 5);
	char small[3] = "xx";

	(void)state;
	feed(s, "abcde");
	assert_int_equal(vt_screen_char(s, -1, 0), 0);
	assert_int_equal(vt_screen_char(s, 0, 5), 0);
	assert_int_equal(vt_screen_char(s, 2, 0), 0);
	assert_false(vt_screen_reverse(s, 0, -1));
	assert_false(vt_screen_mostly_reverse(s, 2));
	assert_string_equal(row(s, 2), "");
	assert_string_equal(row(s, -1), "");
	vt_screen_row_text(s, 0, small, sizeof(small));
	assert_string_equal(small, "ab");
	vt_screen_row_text(s, 0, small, 0);
	assert_string_equal(small, "ab");
	/* ESC c puts everything back as new. */
	feed(s, "\033[7m\033[2;2r\033c");
	assert_false(vt_screen_has_content(s));
	assert_region(s, 0, 1);
	assert_cursor(s, 0, 0);
	feed(s, "q");
	assert_false(vt_screen_reverse(s, 0, 0));
	vt_screen_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new),
	    cmocka_unit_test(test_cup_places_text),
	    cmocka_unit_test(test_erase),
	    cmocka_unit_test(test_sgr_reverse),
	    cmocka_unit_test(test_save_restore),
	    cmocka_unit_test(test_scroll_region),
	    cmocka_unit_test(test_insert_delete),
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_utf8_one_cell),
	    cmocka_unit_test(test_strings_skipped),
	    cmocka_unit_test(test_selection),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_one_cell),
	    cmocka_unit_test(test_any_split),
	    cmocka_unit_test(test_queries_off_screen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
