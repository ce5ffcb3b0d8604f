/*
 * sanitize.h - strings from other people made safe to show.
 *
 * Process names and command lines, user names, DNS answers, and anything
 * read from a recording or an ss dump may hold bytes a terminal obeys (ESC
 * starts an escape sequence that can recolour, move the cursor, retitle
 * the window or worse) or bytes that are not text at all.  Every such
 * string goes through here before it reaches text or CSV output
 * (sanitize_text()); JSON strings are escaped by sanitize_json().
 *
 * The shown form:
 *   - printable ASCII and valid UTF-8 characters stay as they are;
 *   - a control byte (0x00-0x1f, 0x7f) and a byte that is not part of a
 *     valid UTF-8 character (a stray continuation byte, an overlong form, a
 *     surrogate, a code point past U+10FFFF, a sequence cut short, 0xf5-0xff)
 *     become "\xHH", two lowercase hex digits of the byte; a cut sequence
 *     shows its lead byte so, and the bytes after it are read afresh;
 *   - a valid character that controls the terminal or turns the direction
 *     of the text (the C1 controls U+0080-U+009F, U+061C, U+200E, U+200F,
 *     U+2028-U+202E, U+2066-U+2069) becomes "\uHHHH".
 * A backslash stays a backslash: the form is for reading, not for
 * decoding back.  Widths are in terminal cells, measured on the shown form
 * without the locale (batch output is the same in every locale): East
 * Asian wide characters and emoji take 2, combining marks 0, others 1.
 *
 * Pure; any thread.
 */
#ifndef TCPDECK_SANITIZE_H
#define TCPDECK_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The most bytes the shown form of len bytes takes, without the NUL. */
#define SANITIZE_TEXT_MAX(len) (4 * (len))

/* The most bytes sanitize_json() writes for len bytes, quotes included. */
#define SANITIZE_JSON_MAX(len) (6 * (len) + 2)

/* True when the len bytes at s are printable ASCII only (0x20-0x7e): shown
 * as they are, one cell each.  The fast path of callers. */
bool sanitize_is_plain(const char *s, size_t len);

/*
 * Writes the shown form of the len bytes at s into out, NUL-terminated.
 * When out_size is too small the form is cut before the first character
 * or escape that does not fit whole.  Returns the length written; *width
 * (when not NULL) receives its width in cells.  out_size 0 writes nothing.
 */
size_t sanitize_text(const char *s, size_t len, char *out, size_t out_size, int *width);

/* sanitize_text() of a NUL-terminated string. */
size_t sanitize_str(const char *s, char *out, size_t out_size, int *width);

/* The width in cells of text in the shown form (valid UTF-8 without
 * controls); a byte that is not valid UTF-8 counts 1. */
int sanitize_width(const char *s, size_t len);

/*
 * Writes the len bytes at s as a JSON string literal, quotes included,
 * into out, which holds at least SANITIZE_JSON_MAX(len) bytes (no NUL is
 * written).  '"' and '\' are escaped, control bytes (0x00-0x1f, 0x7f) and
 * the characters sanitize_text() shows as "\uHHHH" become "\uHHHH" (the
 * exact character, escaped), and a byte that
 * is not valid UTF-8 becomes the text "\xHH" (as sanitize_text() shows
 * it; JSON cannot carry the byte).  Returns the length written.
 */
size_t sanitize_json(const char *s, size_t len, char *out);

/* The most bytes sanitize_csv() writes for len bytes. */
#define SANITIZE_CSV_MAX(len) (12 * (len) + 3)

/*
 * Writes the len bytes at s as one CSV field into out, which holds
 * SANITIZE_CSV_MAX(len) bytes: the shown form (sanitize_text()), quoted
 * when it holds a comma or a double quote, quotes doubled (RFC 4180; CR
 * and LF are shown as escapes, so they never need quotes).  Returns the
 * length written (no NUL).
 */
size_t sanitize_csv(const char *s, size_t len, char *out);

/* Quotes len bytes as one CSV field (RFC 4180: when they hold a comma, a
 * double quote, CR or LF; quotes doubled) into out, which holds 2 * len
 * + 2 bytes; as they are otherwise.  Returns the length written. */
size_t sanitize_csv_quote(const char *s, size_t len, char *out);

/* The forms sanitize_write() writes. */
enum sanitize_form { SANITIZE_TEXT, SANITIZE_JSON, SANITIZE_CSV };

/* Writes the NUL-terminated s to f in `form`; 0, or -1 when out of
 * memory (nothing written). */
int sanitize_write(FILE *f, const char *s, enum sanitize_form form);

#endif
