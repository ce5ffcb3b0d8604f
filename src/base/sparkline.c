/*
 * sparkline.c - value rows to bar-character strings.
 * Pure; any thread.
 */
#include "config.h"

#include <string.h>

#include "history.h"
#include "sparkline.h"

static const char *const utf8_levels[] = {
	"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};
static const char ascii_levels[] = "_.-=+*#@";

enum { SPARKLINE_LEVELS = 8 };

size_t
sparkline_bytes_needed(size_t n, enum sparkline_charset charset)
{
	return n * (charset == SPARKLINE_UTF8 ? 3 : 1) + 1;
}

/* Level 0..SPARKLINE_LEVELS-1 of v within [lo, hi]; lo < hi. */
static unsigned int
level_of(uint32_t v, uint32_t lo, uint32_t hi)
{
	unsigned long long span = (unsigned long long)hi - lo;
	unsigned long long pos = (unsigned long long)v - lo;

	/* Round to the nearest level so the extremes get the end bars. */
	return (unsigned int)((pos * (SPARKLINE_LEVELS - 1) * 2 + span) / (span * 2));
}

size_t
sparkline_render(const uint32_t *values, size_t n, enum sparkline_charset charset, char *out,
		 size_t out_size)
{
	uint32_t lo = UINT32_MAX, hi = 0;
	size_t used = 0;
	int seen = 0;

	if (out_size < sparkline_bytes_needed(n, charset)) {
		if (out_size > 0)
			out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (values[i] == HISTORY_GAP)
			continue;
		seen = 1;
		if (values[i] < lo)
			lo = values[i];
		if (values[i] > hi)
			hi = values[i];
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int level;

		if (values[i] == HISTORY_GAP) {
			out[used++] = ' ';
			continue;
		}
		if (!seen || lo == hi)
			level = hi == 0 ? 0 : SPARKLINE_LEVELS / 2 - 1;
		else
			level = level_of(values[i], lo, hi);
		if (charset == SPARKLINE_UTF8) {
			memcpy(out + used, utf8_levels[level], 3);
			used += 3;
		} else {
			out[used++] = ascii_levels[level];
		}
	}
	out[used] = '\0';
	return used;
}
