/*
 * vt_screen.c - a VT100/ANSI screen model fed with a program's output;
 * see vt_screen.h for the contract.
 *
 * Responsible for: the grid of cells, the byte-at-a-time parser (text,
 * UTF-8, C0 controls, ESC, CSI, and strings such as OSC skipped whole),
 * the cursor, its save and restore, the scroll region, and the questions
 * tcpdeck-keylat asks of the screen (where the table's header is, which
 * row is selected).  It understands what ncurses writes for vt100 (cursor
 * moves, erasing, scroll regions, SGR reverse) plus the common ANSI
 * additions (insert and delete of lines and characters, scrolling); wide
 * characters take one cell, which only matters for drawing, not for
 * finding rows.
 *
 * Any thread, one at a time per screen.  Must not: trust a byte (every
 * parameter is capped and every position clamped before it indexes the
 * grid), allocate after vt_screen_new(), print or exit.
 */
#include "vt_screen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VT_SCREEN_MAX_PARAMS 16
/* Larger than any row, column or count on a screen of the largest size,
 * small enough that neither a sum of two nor the next digit of one
 * overflows an int. */
#define VT_SCREEN_PARAM_LIMIT 65535
#define VT_SCREEN_REPLACEMENT 0xfffdu

struct vt_screen_cell {
	uint32_t ch;
	bool rev;
};

enum vt_screen_state {
	VT_SCREEN_GROUND,
	VT_SCREEN_ESC,
	VT_SCREEN_ESC_SKIP, /* ESC ( x and the like: one more byte to skip */
	VT_SCREEN_CSI,
	VT_SCREEN_STRING, /* OSC, DCS, PM, APC, SOS: skipped up to BEL or ESC */
};

struct vt_screen {
	int rows, cols;
	struct vt_screen_cell *cells;
	int x, y;
	/* The cursor is on the last column and a character was written there:
	 * the next one goes to the start of the next line (vt100's xenl). */
	bool wrap_pending;
	bool autowrap;
	bool rev;
	int top, bottom; /* scroll region, inclusive */
	int saved_x, saved_y;
	bool saved_rev;
	enum vt_screen_state state;
	int params[VT_SCREEN_MAX_PARAMS];
	int nparams;
	unsigned char private_mark; /* '?', '>', '<' or '=' after CSI, or 0 */
	bool intermediate;          /* CSI with an intermediate byte: ignored */
	uint32_t utf8_cp;
	uint32_t utf8_min; /* the least code point a sequence this long may carry */
	int utf8_left;
};

struct vt_screen *
vt_screen_new(int rows, int cols)
{
	struct vt_screen *s;

	if (rows < 1 || rows > VT_SCREEN_MAX_ROWS || cols < 1 || cols > VT_SCREEN_MAX_COLS) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->cells = calloc((size_t)rows * (size_t)cols, sizeof(*s->cells));
	if (s->cells == NULL) {
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
		s->cells[i].ch = ' ';
	s->rows = rows;
	s->cols = cols;
	s->autowrap = true;
	s->bottom = rows - 1;
	return s;
}

void
vt_screen_free(struct vt_screen *s)
{
	if (s != NULL)
		free(s->cells);
	free(s);
}

static struct vt_screen_cell *
vt_screen_row(struct vt_screen *s, int y)
{
	return s->cells + (size_t)y * (size_t)s->cols;
}

static const struct vt_screen_cell *
vt_screen_row_const(const struct vt_screen *s, int y)
{
	return s->cells + (size_t)y * (size_t)s->cols;
}

static int
vt_screen_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* vt_screen_blank: cells [x0, x1) of row y become blank, without attributes
 * (vt100 has no background colour erase). */
static void
vt_screen_blank(struct vt_screen *s, int y, int x0, int x1)
{
	struct vt_screen_cell *row = vt_screen_row(s, y);

	x0 = vt_screen_clamp(x0, 0, s->cols);
	x1 = vt_screen_clamp(x1, 0, s->cols);
	for (int x = x0; x < x1; x++)
		row[x] = (struct vt_screen_cell){.ch = ' ', .rev = false};
}

/* vt_screen_scroll_up: rows top..bottom move up by n, n blank rows at the
 * bottom.  vt_screen_scroll_down is the reverse. */
static void
vt_screen_scroll_up(struct vt_screen *s, int top, int bottom, int n)
{
	int height = bottom - top + 1;

	if (height <= 0)
		return;
	n = vt_screen_clamp(n, 0, height);
	if (n < height)
		memmove(vt_screen_row(s, top), vt_screen_row(s, top + n),
		        (size_t)(height - n) * (size_t)s->cols * sizeof(*s->cells));
	for (int y = bottom - n + 1; y <= bottom; y++)
		vt_screen_blank(s, y, 0, s->cols);
}

static void
vt_screen_scroll_down(struct vt_screen *s, int top, int bottom, int n)
{
	int height = bottom - top + 1;

	if (height <= 0)
		return;
	n = vt_screen_clamp(n, 0, height);
	if (n < height)
		memmove(vt_screen_row(s, top + n), vt_screen_row(s, top),
		        (size_t)(height - n) * (size_t)s->cols * sizeof(*s->cells));
	for (int y = top; y < top + n; y++)
		vt_screen_blank(s, y, 0, s->cols);
}

/* vt_screen_linefeed: down one row, scrolling the region at its bottom. */
static void
vt_screen_linefeed(struct vt_screen *s)
{
	s->wrap_pending = false;
	if (s->y == s->bottom)
		vt_screen_scroll_up(s, s->top, s->bottom, 1);
	else if (s->y < s->rows - 1)
		s->y++;
}

static void
vt_screen_reverse_index(struct vt_screen *s)
{
	s->wrap_pending = false;
	if (s->y == s->top)
		vt_screen_scroll_down(s, s->top, s->bottom, 1);
	else if (s->y > 0)
		s->y--;
}

static void
vt_screen_put(struct vt_screen *s, uint32_t ch)
{
	if (s->wrap_pending && s->autowrap) {
		s->x = 0;
		vt_screen_linefeed(s);
	}
	s->wrap_pending = false;
	vt_screen_row(s, s->y)[s->x] = (struct vt_screen_cell){.ch = ch, .rev = s->rev};
	if (s->x < s->cols - 1)
		s->x++;
	else if (s->autowrap)
		s->wrap_pending = true;
}

static void
vt_screen_reset(struct vt_screen *s)
{
	for (int y = 0; y < s->rows; y++)
		vt_screen_blank(s, y, 0, s->cols);
	s->x = s->y = 0;
	s->wrap_pending = false;
	s->autowrap = true;
	s->rev = false;
	s->top = 0;
	s->bottom = s->rows - 1;
	s->saved_x = s->saved_y = 0;
	s->saved_rev = false;
}

/* vt_screen_control: a C0 control byte, which acts the same in text and in
 * the middle of an escape sequence.  ESC, CAN and SUB are the caller's. */
static void
vt_screen_control(struct vt_screen *s, unsigned char b)
{
	switch (b) {
	case '\r':
		s->x = 0;
		s->wrap_pending = false;
		break;
	case '\n':
	case '\v':
	case '\f':
		vt_screen_linefeed(s);
		break;
	case '\b':
		if (s->x > 0)
			s->x--;
		s->wrap_pending = false;
		break;
	case '\t':
		s->x = vt_screen_clamp((s->x / 8 + 1) * 8, 0, s->cols - 1);
		s->wrap_pending = false;
		break;
	default: /* BEL, SO, SI and the rest draw nothing */
		break;
	}
}

static void
vt_screen_save_cursor(struct vt_screen *s)
{
	s->saved_x = s->x;
	s->saved_y = s->y;
	s->saved_rev = s->rev;
}

static void
vt_screen_restore_cursor(struct vt_screen *s)
{
	s->x = vt_screen_clamp(s->saved_x, 0, s->cols - 1);
	s->y = vt_screen_clamp(s->saved_y, 0, s->rows - 1);
	s->rev = s->saved_rev;
	s->wrap_pending = false;
}

static void
vt_screen_esc(struct vt_screen *s, unsigned char b)
{
	s->state = VT_SCREEN_GROUND;
	switch (b) {
	case '[':
		memset(s->params, 0, sizeof(s->params));
		s->nparams = 1;
		s->private_mark = 0;
		s->intermediate = false;
		s->state = VT_SCREEN_CSI;
		break;
	case ']':
	case 'P':
	case '^':
	case '_':
	case 'X':
		s->state = VT_SCREEN_STRING;
		break;
	case '(':
	case ')':
	case '*':
	case '+':
	case '-':
	case '.':
	case '/':
	case '#':
	case '%':
	case ' ':
		s->state = VT_SCREEN_ESC_SKIP;
		break;
	case '7':
		vt_screen_save_cursor(s);
		break;
	case '8':
		vt_screen_restore_cursor(s);
		break;
	case 'D':
		vt_screen_linefeed(s);
		break;
	case 'E':
		s->x = 0;
		vt_screen_linefeed(s);
		break;
	case 'M':
		vt_screen_reverse_index(s);
		break;
	case 'c':
		vt_screen_reset(s);
		break;
	default: /* ESC = and ESC > (keypad modes), ESC H (tab stop), ... */
		break;
	}
}

/* vt_screen_param: parameter i, or def when it is absent or 0. */
static int
vt_screen_param(const struct vt_screen *s, int i, int def)
{
	if (i >= s->nparams || s->params[i] == 0)
		return def;
	return s->params[i];
}

static void
vt_screen_sgr(struct vt_screen *s)
{
	for (int i = 0; i < s->nparams; i++) {
		switch (s->params[i]) {
		case 0:
		case 27:
			s->rev = false;
			break;
		case 7:
			s->rev = true;
			break;
		case 38:
		case 48:
		case 58:
			/* Extended colours carry their own numbers: 5;N or 2;R;G;B. */
			if (i + 1 < s->nparams && s->params[i + 1] == 5)
				i += 2;
			else if (i + 1 < s->nparams && s->params[i + 1] == 2)
				i += 4;
			break;
		default:
			break;
		}
	}
}

static void
vt_screen_csi(struct vt_screen *s, unsigned char final)
{
	int n = vt_screen_param(s, 0, 1);
	int last_col = s->cols - 1, last_row = s->rows - 1;
	struct vt_screen_cell *row = vt_screen_row(s, s->y);

	if (s->intermediate)
		return;
	if (s->private_mark != 0) {
		if (s->private_mark == '?' && (final == 'h' || final == 'l'))
			for (int i = 0; i < s->nparams; i++)
				if (s->params[i] == 7)
					s->autowrap = final == 'h';
		return;
	}
	if (final != 'm')
		s->wrap_pending = false;
	switch (final) {
	case 'A':
		s->y = vt_screen_clamp(s->y - n, s->y >= s->top ? s->top : 0, last_row);
		break;
	case 'B':
	case 'e':
		s->y = vt_screen_clamp(s->y + n, 0, s->y <= s->bottom ? s->bottom : last_row);
		break;
	case 'C':
	case 'a':
		s->x = vt_screen_clamp(s->x + n, 0, last_col);
		break;
	case 'D':
		s->x = vt_screen_clamp(s->x - n, 0, last_col);
		break;
	case 'E':
		s->y = vt_screen_clamp(s->y + n, 0, s->y <= s->bottom ? s->bottom : last_row);
		s->x = 0;
		break;
	case 'F':
		s->y = vt_screen_clamp(s->y - n, s->y >= s->top ? s->top : 0, last_row);
		s->x = 0;
		break;
	case 'G':
	case '`':
		s->x = vt_screen_clamp(n - 1, 0, last_col);
		break;
	case 'd':
		s->y = vt_screen_clamp(n - 1, 0, last_row);
		break;
	case 'H':
	case 'f':
		s->y = vt_screen_clamp(n - 1, 0, last_row);
		s->x = vt_screen_clamp(vt_screen_param(s, 1, 1) - 1, 0, last_col);
		break;
	case 'J':
		switch (s->params[0]) {
		case 0:
			vt_screen_blank(s, s->y, s->x, s->cols);
			for (int y = s->y + 1; y < s->rows; y++)
				vt_screen_blank(s, y, 0, s->cols);
			break;
		case 1:
			for (int y = 0; y < s->y; y++)
				vt_screen_blank(s, y, 0, s->cols);
			vt_screen_blank(s, s->y, 0, s->x + 1);
			break;
		case 2:
		case 3:
			for (int y = 0; y < s->rows; y++)
				vt_screen_blank(s, y, 0, s->cols);
			break;
		default:
			break;
		}
		break;
	case 'K':
		if (s->params[0] == 0)
			vt_screen_blank(s, s->y, s->x, s->cols);
		else if (s->params[0] == 1)
			vt_screen_blank(s, s->y, 0, s->x + 1);
		else if (s->params[0] == 2)
			vt_screen_blank(s, s->y, 0, s->cols);
		break;
	case 'm':
		vt_screen_sgr(s);
		break;
	case 'r': {
		int top = vt_screen_param(s, 0, 1) - 1;
		int bottom = vt_screen_param(s, 1, s->rows) - 1;

		if (top < bottom && bottom < s->rows) {
			s->top = top;
			s->bottom = bottom;
		}
		s->x = s->y = 0;
		break;
	}
	case 'L':
		if (s->y >= s->top && s->y <= s->bottom)
			vt_screen_scroll_down(s, s->y, s->bottom, n);
		s->x = 0;
		break;
	case 'M':
		if (s->y >= s->top && s->y <= s->bottom)
			vt_screen_scroll_up(s, s->y, s->bottom, n);
		s->x = 0;
		break;
	case '@':
		n = vt_screen_clamp(n, 0, s->cols - s->x);
		memmove(row + s->x + n, row + s->x, (size_t)(s->cols - s->x - n) * sizeof(*row));
		vt_screen_blank(s, s->y, s->x, s->x + n);
		break;
	case 'P':
		n = vt_screen_clamp(n, 0, s->cols - s->x);
		memmove(row + s->x, row + s->x + n, (size_t)(s->cols - s->x - n) * sizeof(*row));
		vt_screen_blank(s, s->y, s->cols - n, s->cols);
		break;
	case 'X':
		vt_screen_blank(s, s->y, s->x, s->x + vt_screen_clamp(n, 0, s->cols - s->x));
		break;
	case 'S':
		vt_screen_scroll_up(s, s->top, s->bottom, n);
		break;
	case 'T':
		if (s->nparams == 1) /* with more, it is xterm's mouse tracking */
			vt_screen_scroll_down(s, s->top, s->bottom, n);
		break;
	case 's':
		vt_screen_save_cursor(s);
		break;
	case 'u':
		vt_screen_restore_cursor(s);
		break;
	default: /* h, l and everything else: no effect on the grid */
		break;
	}
}

static void
vt_screen_csi_byte(struct vt_screen *s, unsigned char b)
{
	if (b >= '0' && b <= '9') {
		int *p = &s->params[s->nparams - 1];

		*p = *p * 10 + (b - '0');
		if (*p > VT_SCREEN_PARAM_LIMIT)
			*p = VT_SCREEN_PARAM_LIMIT;
	} else if (b == ';' || b == ':') {
		if (s->nparams < VT_SCREEN_MAX_PARAMS)
			s->nparams++;
		else
			s->intermediate = true; /* too many: drop the sequence */
	} else if (b >= 0x3c && b <= 0x3f) {
		s->private_mark = b;
	} else if (b >= 0x20 && b <= 0x2f) {
		s->intermediate = true;
	} else if (b >= 0x40 && b <= 0x7e) {
		s->state = VT_SCREEN_GROUND;
		vt_screen_csi(s, b);
	} else if (b >= 0x80) {
		s->state = VT_SCREEN_GROUND;
	}
}

/* vt_screen_printable: whether a decoded code point can stand in a cell.
 * Overlong forms (which could spell a control or a NUL), surrogates and
 * C1 controls cannot: a terminal shows a replacement character for them,
 * and a cell must hold something drawable. */
static bool
vt_screen_printable(uint32_t cp, uint32_t min)
{
	return cp >= min && cp >= 0xa0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/* vt_screen_utf8: a byte of 0x80 or more in text.  A broken or invalid
 * sequence shows as one replacement character. */
static void
vt_screen_utf8(struct vt_screen *s, unsigned char b)
{
	if (s->utf8_left > 0) {
		if ((b & 0xc0) == 0x80) {
			s->utf8_cp = s->utf8_cp << 6 | (b & 0x3f);
			if (--s->utf8_left == 0)
				vt_screen_put(s, vt_screen_printable(s->utf8_cp, s->utf8_min)
				                     ? s->utf8_cp
				                     : VT_SCREEN_REPLACEMENT);
			return;
		}
		s->utf8_left = 0;
		vt_screen_put(s, VT_SCREEN_REPLACEMENT);
	}
	if (b >= 0xc2 && b <= 0xdf) {
		s->utf8_cp = b & 0x1f;
		s->utf8_left = 1;
		s->utf8_min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		s->utf8_cp = b & 0x0f;
		s->utf8_left = 2;
		s->utf8_min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		s->utf8_cp = b & 0x07;
		s->utf8_left = 3;
		s->utf8_min = 0x10000;
	} else {
		vt_screen_put(s, VT_SCREEN_REPLACEMENT);
	}
}

void
vt_screen_feed(struct vt_screen *s, const void *buf, size_t len)
{
	const unsigned char *bytes = buf;

	for (size_t i = 0; i < len; i++) {
		unsigned char b = bytes[i];

		if (b == 0x1b) {
			s->utf8_left = 0;
			s->state = VT_SCREEN_ESC;
			continue;
		}
		if (b == 0x18 || b == 0x1a) { /* CAN, SUB: abandon any sequence */
			s->utf8_left = 0;
			s->state = VT_SCREEN_GROUND;
			continue;
		}
		if (s->state == VT_SCREEN_STRING) {
			if (b == 0x07)
				s->state = VT_SCREEN_GROUND;
			continue;
		}
		if (b < 0x20 || b == 0x7f) {
			s->utf8_left = 0;
			vt_screen_control(s, b);
			continue;
		}
		switch (s->state) {
		case VT_SCREEN_GROUND:
			if (b < 0x80) {
				if (s->utf8_left > 0) {
					s->utf8_left = 0;
					vt_screen_put(s, VT_SCREEN_REPLACEMENT);
				}
				vt_screen_put(s, b);
			} else {
				vt_screen_utf8(s, b);
			}
			break;
		case VT_SCREEN_ESC:
			vt_screen_esc(s, b);
			break;
		case VT_SCREEN_ESC_SKIP:
			s->state = VT_SCREEN_GROUND;
			break;
		case VT_SCREEN_CSI:
			vt_screen_csi_byte(s, b);
			break;
		case VT_SCREEN_STRING:
			break;
		}
	}
}

/* ---------------------------------------------------------- queries */

int
vt_screen_rows(const struct vt_screen *s)
{
	return s->rows;
}

int
vt_screen_cols(const struct vt_screen *s)
{
	return s->cols;
}

void
vt_screen_cursor(const struct vt_screen *s, int *y, int *x)
{
	*y = s->y;
	*x = s->x;
}

void
vt_screen_region(const struct vt_screen *s, int *top, int *bottom)
{
	*top = s->top;
	*bottom = s->bottom;
}

static bool
vt_screen_on(const struct vt_screen *s, int y, int x)
{
	return y >= 0 && y < s->rows && x >= 0 && x < s->cols;
}

uint32_t
vt_screen_char(const struct vt_screen *s, int y, int x)
{
	return vt_screen_on(s, y, x) ? vt_screen_row_const(s, y)[x].ch : 0;
}

bool
vt_screen_reverse(const struct vt_screen *s, int y, int x)
{
	return vt_screen_on(s, y, x) && vt_screen_row_const(s, y)[x].rev;
}

void
vt_screen_row_text(const struct vt_screen *s, int y, char *out, size_t size)
{
	const struct vt_screen_cell *row;
	size_t len = 0;

	if (size == 0)
		return;
	if (y < 0 || y >= s->rows) {
		out[0] = '\0';
		return;
	}
	row = vt_screen_row_const(s, y);
	for (int x = 0; x < s->cols && len + 1 < size; x++)
		out[len++] = row[x].ch >= 0x20 && row[x].ch < 0x7f ? (char)row[x].ch : '?';
	out[len] = '\0';
}

bool
vt_screen_has_content(const struct vt_screen *s)
{
	for (size_t i = 0; i < (size_t)s->rows * (size_t)s->cols; i++)
		if (s->cells[i].ch != ' ' || s->cells[i].rev)
			return true;
	return false;
}

int
vt_screen_header_row(const struct vt_screen *s)
{
	char text[VT_SCREEN_MAX_COLS + 1];

	for (int y = 0; y < s->rows; y++) {
		vt_screen_row_text(s, y, text, sizeof(text));
		if (strstr(text, "LOCAL") != NULL && strstr(text, "REMOTE") != NULL)
			return y + 1;
	}
	return 0;
}

bool
vt_screen_mostly_reverse(const struct vt_screen *s, int y)
{
	const struct vt_screen_cell *row;
	int written = 0, rev = 0;

	if (y < 0 || y >= s->rows)
		return false;
	row = vt_screen_row_const(s, y);
	/* A blank in reverse video counts (a selection bar padded to the
	 * width); a plain blank is background, so a short row of reverse
	 * text on a wide screen still counts as selected. */
	for (int x = 0; x < s->cols; x++) {
		if (row[x].ch != ' ' || row[x].rev)
			written++;
		if (row[x].rev)
			rev++;
	}
	return written > 0 && 2 * rev > written;
}

int
vt_screen_selected_row(const struct vt_screen *s)
{
	int header = vt_screen_header_row(s);

	if (header == 0)
		return 0;
	/* header counts from 1, so as an index from 0 it is the row below.
	 * The last row is tcpdeck's footer, mostly in reverse video: with
	 * the selection's row half redrawn it would pass for the selection,
	 * so it is never taken for one. */
	for (int y = header; y < s->rows - 1; y++)
		if (vt_screen_mostly_reverse(s, y))
			return y + 1;
	return 0;
}
