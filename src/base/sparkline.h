/*
 * sparkline.h - a row of values drawn as a string of bar characters.
 *
 * Renders into a caller's buffer; the caller prints it.  Each call scales
 * to its own values (the smallest maps to the lowest bar, the largest to
 * the highest), so a state that moves between 3 and 5 is as visible as
 * one that moves between 3,000 and 5,000.  Pure; any thread.
 */
#ifndef TCPDECK_SPARKLINE_H
#define TCPDECK_SPARKLINE_H

#include <stddef.h>
#include <stdint.h>

enum sparkline_charset {
	SPARKLINE_UTF8,  /* U+2581..U+2588, three bytes per cell */
	SPARKLINE_ASCII, /* "_.-=+*#@", one byte per cell */
};

/*
 * Draws the values (oldest first) as one cell each.  Values equal to
 * HISTORY_GAP (UINT32_MAX) draw as a blank cell and do not count for the
 * scale.  A row whose values are all equal draws at the lowest level when
 * they are zero and at mid height otherwise.  Writes a NUL-terminated
 * string and returns its length in bytes, or 0 (with out[0] = '\0' when
 * out_size > 0) when out_size cannot hold n cells.
 */
size_t sparkline_render(const uint32_t *values, size_t n, enum sparkline_charset charset,
			char *out, size_t out_size);

/* Bytes needed for n cells plus the terminator. */
size_t sparkline_bytes_needed(size_t n, enum sparkline_charset charset);

#endif
