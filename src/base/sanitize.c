/*
 * sanitize.c - the shown form of untrusted strings (see sanitize.h):
 * UTF-8 decoding by hand (strict: no overlong forms, no surrogates), the
 * escapes, and a locale-free width table.
 * Pure; any thread.  Must not depend on the locale.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

static const char hex_digits[] = "0123456789abcdef";

bool
sanitize_is_plain(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			return false;
	}
	return true;
}

/* The length (2-4) of the valid UTF-8 character at s, n bytes available,
 * with its code point in *cp; 0 when the bytes there do not start one. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	size_t len;
	uint32_t v;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates above */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong below */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF above */
	} else {
		return 0; /* ASCII, a continuation byte, 0xc0, 0xc1, 0xf5-0xff */
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	v = v << 6 | (s[1] & 0x3f);
	for (size_t i = 2; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

/* Valid characters that still act on a terminal or on the order in which
 * text is shown: shown as "\uHHHH". */
static bool
is_control_char(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

struct cp_range {
	uint32_t first, last;
};

/* Zero-width: combining marks, joiners, variation selectors. */
static const struct cp_range zero_width[] = {
    {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a}, {0x064b, 0x065f},
    {0x0e31, 0x0e31}, {0x0e34, 0x0e3a}, {0x0e47, 0x0e4e}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff},
    {0x200b, 0x200d}, {0x20d0, 0x20ff}, {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xe0100, 0xe01ef},
};

/* Two cells: East Asian wide and fullwidth, emoji. */
static const struct cp_range double_width[] = {
    {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
    {0x23f0, 0x23f0},   {0x23f3, 0x23f3},   {0x25fd, 0x25fe},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267f, 0x267f},   {0x2693, 0x2693},   {0x26a1, 0x26a1},
    {0x26aa, 0x26ab},   {0x26bd, 0x26be},   {0x26c4, 0x26c5},   {0x26ce, 0x26ce},
    {0x26d4, 0x26d4},   {0x26ea, 0x26ea},   {0x26f2, 0x26f3},   {0x26f5, 0x26f5},
    {0x26fa, 0x26fa},   {0x26fd, 0x26fd},   {0x2705, 0x2705},   {0x270a, 0x270b},
    {0x2728, 0x2728},   {0x274c, 0x274c},   {0x274e, 0x274e},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27b0, 0x27b0},   {0x27bf, 0x27bf},
    {0x2b1b, 0x2b1c},   {0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x2e80, 0x303e},
    {0x3041, 0x33ff},   {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
    {0xa960, 0xa97f},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe10, 0xfe19},
    {0xfe30, 0xfe6f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x16fe0, 0x16fe4},
    {0x17000, 0x18cff}, {0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf},
    {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f64f},
    {0x1f680, 0x1f6ff}, {0x1f7e0, 0x1f7eb}, {0x1f90c, 0x1f9ff}, {0x1fa70, 0x1faff},
    {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
};

static bool
in_ranges(uint32_t cp, const struct cp_range *r, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < r[mid].first)
			hi = mid;
		else if (cp > r[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static int
cp_width(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	if (in_ranges(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
		return 0;
	if (in_ranges(cp, double_width, sizeof(double_width) / sizeof(double_width[0])))
		return 2;
	return 1;
}

/* What the bytes at s start: a plain byte (ASCII 0x20-0x7e), a character
 * shown as it is, one shown as "\uHHHH", or a byte shown as "\xHH". */
enum piece_kind { PIECE_PLAIN, PIECE_CHAR, PIECE_UESC, PIECE_XESC };

struct piece {
	enum piece_kind kind;
	size_t len;  /* input bytes */
	uint32_t cp; /* PIECE_CHAR, PIECE_UESC */
};

static struct piece
next_piece(const unsigned char *s, size_t n)
{
	struct piece p = {PIECE_XESC, 1, s[0]};
	size_t len;

	if (s[0] >= 0x20 && s[0] < 0x7f) {
		p.kind = PIECE_PLAIN;
		return p;
	}
	if (s[0] < 0x80)
		return p; /* C0 control, DEL */
	len = utf8_decode(s, n, &p.cp);
	if (len == 0) {
		p.cp = s[0];
		return p;
	}
	p.len = len;
	p.kind = is_control_char(p.cp) ? PIECE_UESC : PIECE_CHAR;
	return p;
}

static size_t
put_uesc(char *out, uint32_t cp)
{
	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex_digits[(cp >> 12) & 0xf];
	out[3] = hex_digits[(cp >> 8) & 0xf];
	out[4] = hex_digits[(cp >> 4) & 0xf];
	out[5] = hex_digits[cp & 0xf];
	return 6;
}

static size_t
put_xesc(char *out, unsigned char byte)
{
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex_digits[byte >> 4];
	out[3] = hex_digits[byte & 0xf];
	return 4;
}

size_t
sanitize_text(const char *s, size_t len, char *out, size_t out_size, int *width)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t i = 0, w = 0;
	int cells = 0;

	if (out_size == 0) {
		if (width != NULL)
			*width = 0;
		return 0;
	}
	while (i < len) {
		struct piece p = next_piece(in + i, len - i);
		size_t need = p.kind == PIECE_UESC ? 6 : p.kind == PIECE_XESC ? 4 : p.len;

		if (w + need >= out_size)
			break;
		switch (p.kind) {
		case PIECE_PLAIN:
			out[w] = (char)in[i];
			cells++;
			break;
		case PIECE_CHAR:
			memcpy(out + w, in + i, p.len);
			cells += cp_width(p.cp);
			break;
		case PIECE_UESC:
			put_uesc(out + w, p.cp);
			cells += 6;
			break;
		case PIECE_XESC:
			put_xesc(out + w, (unsigned char)p.cp);
			cells += 4;
			break;
		}
		w += need;
		i += p.len;
	}
	out[w] = '\0';
	if (width != NULL)
		*width = cells;
	return w;
}

size_t
sanitize_str(const char *s, char *out, size_t out_size, int *width)
{
	return sanitize_text(s, strlen(s), out, out_size, width);
}

int
sanitize_width(const char *s, size_t len)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t i = 0;
	int cells = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = in[i] < 0x80 ? 0 : utf8_decode(in + i, len - i, &cp);

		if (n == 0) {
			cells++;
			i++;
		} else {
			cells += cp_width(cp);
			i += n;
		}
	}
	return cells;
}

size_t
sanitize_json(const char *s, size_t len, char *out)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t i = 0, w = 0;

	out[w++] = '"';
	while (i < len) {
		struct piece p;

		/* Most bytes are printable ASCII that needs no escape. */
		if (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' && in[i] != '\\') {
			out[w++] = (char)in[i++];
			continue;
		}
		p = next_piece(in + i, len - i);

		switch (p.kind) {
		case PIECE_PLAIN:
			if (in[i] == '"' || in[i] == '\\')
				out[w++] = '\\';
			out[w++] = (char)in[i];
			break;
		case PIECE_CHAR:
			memcpy(out + w, in + i, p.len);
			w += p.len;
			break;
		case PIECE_UESC:
			w += put_uesc(out + w, p.cp);
			break;
		case PIECE_XESC:
			if (in[i] < 0x80) {
				w += put_uesc(out + w, in[i]); /* a control byte */
			} else {
				/* Not UTF-8: the text \xHH, its backslash escaped. */
				out[w++] = '\\';
				w += put_xesc(out + w, in[i]);
			}
			break;
		}
		i += p.len;
	}
	out[w++] = '"';
	return w;
}

size_t
sanitize_csv_quote(const char *s, size_t len, char *out)
{
	size_t w = 0;

	if (strcspn(s, ",\"\r\n") >= len) {
		memcpy(out, s, len);
		return len;
	}
	out[w++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			out[w++] = '"';
		out[w++] = s[i];
	}
	out[w++] = '"';
	return w;
}

size_t
sanitize_csv(const char *s, size_t len, char *out)
{
	/* The quoted field goes first in out, the shown form after it. */
	char *shown = out + 2 * SANITIZE_TEXT_MAX(len) + 2;

	if (sanitize_is_plain(s, len))
		return sanitize_csv_quote(s, len, out);
	len = sanitize_text(s, len, shown, SANITIZE_TEXT_MAX(len) + 1, NULL);
	return sanitize_csv_quote(shown, len, out);
}

int
sanitize_write(FILE *f, const char *s, enum sanitize_form form)
{
	size_t len = strlen(s), max, n;
	char small[512], *text = small;

	if (form == SANITIZE_TEXT && sanitize_is_plain(s, len)) {
		fwrite(s, 1, len, f);
		return 0;
	}
	max = form == SANITIZE_JSON  ? SANITIZE_JSON_MAX(len)
	      : form == SANITIZE_CSV ? SANITIZE_CSV_MAX(len)
	                             : SANITIZE_TEXT_MAX(len) + 1;
	if (max > sizeof(small) && (text = malloc(max)) == NULL)
		return -1;
	n = form == SANITIZE_JSON  ? sanitize_json(s, len, text)
	    : form == SANITIZE_CSV ? sanitize_csv(s, len, text)
	                           : sanitize_text(s, len, text, max, NULL);
	fwrite(text, 1, n, f);
	if (text != small)
		free(text);
	return 0;
}
