/*
 * vt_screen.h - a model of a VT100/ANSI terminal's screen, fed with the
 * bytes a full-screen program writes, for tcpdeck-keylat.
 *
 * Contract:
 *  - The screen is a grid of rows x cols cells; each holds one character
 *    (a Unicode code point, wide ones taking one cell) and whether it was
 *    written in reverse video.  Colours and other attributes are not kept.
 *  - vt_screen_feed() takes the bytes in any split: feeding a buffer at
 *    once or a byte at a time leaves the same screen.
 *  - The bytes are untrusted.  Every sequence, parameter and position is
 *    bounded; a sequence the model does not know is skipped; the cursor
 *    stays on the screen and the scroll region within it, whatever comes.
 *  - Positions given to and returned by the queries count from 0, except
 *    vt_screen_header_row() and vt_screen_selected_row(), which count
 *    from 1 so that 0 can mean "none".
 *  - One thread at a time per screen; nothing here prints or exits.
 */
#ifndef TCPDECK_VT_SCREEN_H
#define TCPDECK_VT_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_SCREEN_MAX_ROWS 1000
#define VT_SCREEN_MAX_COLS 1000

struct vt_screen;

/* A blank screen of rows x cols (1 to VT_SCREEN_MAX_ROWS and 1 to
 * VT_SCREEN_MAX_COLS), the cursor at the top left, no reverse video,
 * autowrap on, the scroll region the whole screen.  Returns NULL with
 * errno EINVAL for a size out of range, ENOMEM without memory. */
struct vt_screen *vt_screen_new(int rows, int cols);

/* Frees the screen; NULL is allowed. */
void vt_screen_free(struct vt_screen *s);

/* Takes in len bytes the program wrote, updating the grid, the cursor and
 * the parser's state (a sequence cut at the end of buf goes on with the
 * next call). */
void vt_screen_feed(struct vt_screen *s, const void *buf, size_t len);

int vt_screen_rows(const struct vt_screen *s);
int vt_screen_cols(const struct vt_screen *s);

/* The cursor's row and column. */
void vt_screen_cursor(const struct vt_screen *s, int *y, int *x);

/* The scroll region's first and last rows (inclusive). */
void vt_screen_region(const struct vt_screen *s, int *top, int *bottom);

/* The character at row y, column x (a space on a blank cell), or 0 when
 * the position is off the screen. */
uint32_t vt_screen_char(const struct vt_screen *s, int y, int x);

/* Whether the cell at row y, column x was written in reverse video; false
 * off the screen. */
bool vt_screen_reverse(const struct vt_screen *s, int y, int x);

/* Row y as a NUL-terminated string of at most size - 1 bytes, one byte a
 * cell: printable ASCII as is, any other character as '?'.  A row off
 * the screen gives "".  size 0 writes nothing. */
void vt_screen_row_text(const struct vt_screen *s, int y, char *out, size_t size);

/* Whether any cell holds something other than a plain blank. */
bool vt_screen_has_content(const struct vt_screen *s);

/* Whether most written cells of row y (those not plain blanks) are in
 * reverse video; false for a row with none, or off the screen. */
bool vt_screen_mostly_reverse(const struct vt_screen *s, int y);

/* The first row, from 1, whose text holds both LOCAL and REMOTE (the
 * header of tcpdeck's connection table), or 0 when there is none. */
int vt_screen_header_row(const struct vt_screen *s);

/* The selection: the first row, from 1, below the header row and above
 * the last row (the footer) that is mostly in reverse video, or 0 when
 * there is no header or no such row. */
int vt_screen_selected_row(const struct vt_screen *s);

#endif
