/*
 * ui_put.c - text that may hold strings from outside, drawn safely: the
 * shown form of sanitize.h (control bytes and invalid UTF-8 as "\xHH",
 * C1 and direction controls as "\uHHHH"), cut after the last character
 * or escape that fits in the cells given, so that a line never splits a
 * UTF-8 character or an escape and never runs past its row, however wide
 * its characters are.  Every process name, command line, user, cgroup,
 * host name, finding text, status message and typed text that reaches the
 * screen goes through here; our own fixed strings are printable ASCII,
 * which the form leaves as it is.
 *
 * ui_put_form() is pure (no curses, no locale): the cutting, testable
 * without a terminal.  The rest draws on stdscr.  Main thread only.
 * Must not send a byte to the terminal that the form did not produce.
 */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sanitize.h"
#include "ui_internal.h"

/* Most bytes of a form drawn at once: a row of a wide terminal. */
enum { FORM_MAX = 4096 };

static bool term_utf8 = true;

static const char hex_digits[] = "0123456789abcdef";

/*
 * The next piece of s (len > 0 bytes available): a printable ASCII byte,
 * a character, or one escape, as sanitize_text() shows it.  Writes its
 * form into piece (at least 32 bytes, NUL not written) and returns its
 * length; *used gets the input bytes it stands for and *cells its width.
 */
static size_t
next_piece(const char *s, size_t len, bool utf8, char *piece, size_t *used, int *cells)
{
	unsigned char c = (unsigned char)s[0];
	size_t n, want;
	char shown[32];

	if (c >= 0x20 && c < 0x7f) {
		piece[0] = (char)c;
		*used = 1;
		*cells = 1;
		return 1;
	}
	/* How many bytes a character starting with c would take; the
	 * sanitizer decides whether they make one. */
	want = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (want > len)
		want = len;
	n = sanitize_text(s, want, shown, sizeof(shown), cells);
	if (shown[0] == '\\' && shown[1] == 'x') {
		/* One byte shown as an escape; what follows it is read afresh. */
		memcpy(piece, shown, 4);
		*used = 1;
		*cells = 4;
		return 4;
	}
	*used = want;
	if (shown[0] == '\\' && shown[1] == 'u') {
		memcpy(piece, shown, 6);
		*cells = 6;
		return 6;
	}
	if (!utf8) {
		/* A terminal that is not UTF-8 would garble the character:
		 * its bytes as escapes, kept together. */
		for (size_t i = 0; i < want; i++) {
			unsigned char b = (unsigned char)s[i];

			piece[4 * i] = '\\';
			piece[4 * i + 1] = 'x';
			piece[4 * i + 2] = hex_digits[b >> 4];
			piece[4 * i + 3] = hex_digits[b & 0xf];
		}
		*cells = 4 * (int)want;
		return 4 * want;
	}
	memcpy(piece, shown, n);
	return n;
}

size_t
ui_put_form(const char *s, size_t len, int max_cells, bool utf8, char *out, size_t out_size,
	    int *cells, size_t *used)
{
	size_t i = 0, w = 0;
	int total = 0;

	if (out_size == 0) {
		if (cells != NULL)
			*cells = 0;
		if (used != NULL)
			*used = 0;
		return 0;
	}
	/* Printable ASCII, the usual case, is its own form. */
	if (max_cells > 0 && sanitize_is_plain(s, len)) {
		i = len;
		if (i > (size_t)max_cells)
			i = (size_t)max_cells;
		if (i > out_size - 1)
			i = out_size - 1;
		memcpy(out, s, i);
		w = i;
		total = (int)i;
	} else {
		while (i < len && max_cells > 0) {
			char piece[32];
			size_t in;
			int pc;
			size_t n = next_piece(s + i, len - i, utf8, piece, &in, &pc);

			if (total + pc > max_cells || w + n >= out_size)
				break;
			memcpy(out + w, piece, n);
			w += n;
			total += pc;
			i += in;
		}
	}
	out[w] = '\0';
	if (cells != NULL)
		*cells = total;
	if (used != NULL)
		*used = i;
	return w;
}

void
ui_put_set_utf8(bool utf8)
{
	term_utf8 = utf8;
}

/* At most the cells left on row from x. */
static int
clamp_cells(int x, int max_cells)
{
	int room = getmaxx(stdscr) - x;

	return max_cells < room ? max_cells : room;
}

int
ui_putn(int y, int x, const char *text, size_t len, int max_cells)
{
	char form[FORM_MAX];
	int cells;
	size_t n;

	max_cells = clamp_cells(x, max_cells);
	if (max_cells <= 0)
		return 0;
	n = ui_put_form(text, len, max_cells, term_utf8, form, sizeof(form), &cells, NULL);
	if (n > 0)
		mvaddnstr(y, x, form, (int)n);
	return cells;
}

int
ui_put(int y, int x, const char *text, int max_cells)
{
	return ui_putn(y, x, text, strlen(text), max_cells);
}

int
ui_putf(int y, int x, int max_cells, const char *fmt, ...)
{
	char line[FORM_MAX];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return 0;
	return ui_putn(y, x, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1,
		       max_cells);
}

int
ui_put_cell(int y, int x, const char *text, int width, bool right)
{
	char form[FORM_MAX];
	int cells, pad;
	size_t n;

	width = clamp_cells(x, width);
	if (width <= 0)
		return 0;
	n = ui_put_form(text, strlen(text), width, term_utf8, form, sizeof(form), &cells, NULL);
	pad = width - cells;
	if (right && pad > 0)
		mvhline(y, x, ' ', pad);
	if (n > 0)
		mvaddnstr(y, right ? x + pad : x, form, (int)n);
	if (!right && pad > 0)
		mvhline(y, x + cells, ' ', pad);
	return width;
}

size_t
ui_put_fit(const char *text, size_t len, int max_cells, int *cells)
{
	char form[FORM_MAX];
	size_t used;

	ui_put_form(text, len, max_cells, term_utf8, form, sizeof(form), cells, &used);
	return used;
}
