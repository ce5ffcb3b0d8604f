/*
 * fuzz_vt_screen.c - fuzz target for tcpdeck-keylat's screen model
 * (bench/vt_screen.c), fed what a program on a pty could write.
 *
 * LLVMFuzzerTestOneInput() makes a screen of 1 to 64 rows (first byte)
 * and 1 to 256 columns (second byte), feeds it the rest in chunks of 1 to
 * 13 bytes and checks the promises after each chunk: the cursor is on the
 * screen and the scroll region within it.  At the end it checks that a
 * second screen fed the same bytes in one call is the same screen, cell
 * for cell (the parser takes bytes in any split), that every cell holds a
 * printable character (a code point of at most U+10FFFF, no C0 or C1
 * control, no surrogate), that each row's text is one byte a cell, and
 * that a selection found is below the header and mostly reverse video.
 * Nothing may crash, leak or read out of bounds.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it (make fuzz-vt-screen; then
 *       tests/fuzz-vt-screen-libfuzzer -max_total_time=60 CORPUS).
 *   the normal build, with or without sanitizers:
 *       fuzz_vt_screen FILE...          runs each file once
 *       fuzz_vt_screen -t SECONDS [-s SEED]
 *       fuzz_vt_screen -n COUNT [-s SEED]
 *       fuzz_vt_screen                  (20,000 inputs, seed 1: make check)
 *                                       runs generated inputs: pieces of
 *                                       what ncurses writes (cursor moves,
 *                                       erasing, scroll regions, SGR, a
 *                                       table with a selection), OSC
 *                                       strings, UTF-8 and parameters out
 *                                       of range, mutated bytewise
 *       fuzz_vt_screen --seeds DIR      writes a seed corpus for libFuzzer
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt_screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long inputs_with_selection;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_vt_screen: broken promise: %s\n", what);
		abort();
	}
}

static void
check_bounds(const struct vt_screen *s, int rows, int cols)
{
	int y, x, top, bottom;

	vt_screen_cursor(s, &y, &x);
	check(y >= 0 && y < rows && x >= 0 && x < cols, "the cursor is on the screen");
	vt_screen_region(s, &top, &bottom);
	check(top >= 0 && top <= bottom && bottom < rows, "the scroll region is on the screen");
}

static bool
printable(uint32_t ch)
{
	return ch >= 0x20 && ch != 0x7f && !(ch >= 0x80 && ch < 0xa0) &&
	       !(ch >= 0xd800 && ch <= 0xdfff) && ch <= 0x10ffff;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[VT_SCREEN_MAX_COLS + 1];
	struct vt_screen *split, *whole;
	int rows, cols, header, selected, ay, ax, by, bx, at, ab, bt, bb;
	bool content = false;
	size_t off, step;

	if (size < 2)
		return 0;
	rows = 1 + data[0] % 64;
	cols = 1 + data[1];
	split = vt_screen_new(rows, cols);
	whole = vt_screen_new(rows, cols);
	check(split != NULL && whole != NULL, "memory for the screens");
	check(vt_screen_rows(split) == rows && vt_screen_cols(split) == cols, "the size asked");
	data += 2;
	size -= 2;

	/* Chunk lengths from the size bytes: the same input always splits the
	 * same way, and different sizes split it differently. */
	step = 1 + (size_t)(rows * 7 + cols) % 13;
	for (off = 0; off < size; off += step, step = 1 + (step * 5 + 3) % 13) {
		vt_screen_feed(split, data + off, off + step <= size ? step : size - off);
		check_bounds(split, rows, cols);
	}
	vt_screen_feed(whole, data, size);
	check_bounds(whole, rows, cols);

	vt_screen_cursor(split, &ay, &ax);
	vt_screen_cursor(whole, &by, &bx);
	check(ay == by && ax == bx, "the same cursor in any split");
	vt_screen_region(split, &at, &ab);
	vt_screen_region(whole, &bt, &bb);
	check(at == bt && ab == bb, "the same region in any split");
	for (int y = 0; y < rows; y++) {
		vt_screen_row_text(split, y, text, sizeof(text));
		check(strlen(text) == (size_t)cols, "a row's text is one byte a cell");
		for (int x = 0; x < cols; x++) {
			uint32_t ch = vt_screen_char(split, y, x);
			bool rev = vt_screen_reverse(split, y, x);

			check(ch == vt_screen_char(whole, y, x) &&
			          rev == vt_screen_reverse(whole, y, x),
			      "the same cells in any split");
			check(printable(ch), "a cell holds a printable character");
			check(text[x] == (ch >= 0x20 && ch < 0x7f ? (char)ch : '?'),
			      "ASCII shown as is, the rest as '?'");
			content |= ch != ' ' || rev;
		}
	}
	check(vt_screen_char(split, rows, 0) == 0 && vt_screen_char(split, 0, cols) == 0 &&
	          !vt_screen_reverse(split, -1, 0),
	      "nothing off the screen");
	check(content == vt_screen_has_content(split), "content as the cells show");

	header = vt_screen_header_row(split);
	selected = vt_screen_selected_row(split);
	check(header >= 0 && header <= rows, "a header on the screen or none");
	check(selected == vt_screen_selected_row(whole), "the same selection in any split");
	if (selected != 0) {
		check(header > 0 && selected > header && selected <= rows,
		      "a selection below the header");
		check(vt_screen_mostly_reverse(split, selected - 1),
		      "a selection in reverse video");
		for (int y = header; y < selected - 1; y++)
			check(!vt_screen_mostly_reverse(split, y),
			      "the first such row is the selection");
		inputs_with_selection++;
	}
	vt_screen_free(split);
	vt_screen_free(whole);
	return 0;
}

#ifndef TCPDECK_LIBFUZZER
/* ---- standalone driver: no libFuzzer needed ---- */

#include <errno.h>
#include <time.h>

/* Pieces glued into inputs; "#" becomes a number, from 0 to far beyond
 * any screen. */
/* clang-format off */
static const char *const pieces[] = {
	"\033[#;#H", "\033[#H", "\033[H", "\033[#;#f", "\033[#A", "\033[#B", "\033[#C", "\033[#D",
	"\033[#E", "\033[#F", "\033[#G", "\033[#d", "\033[#`", "\033[#a", "\033[#e", "\033[J",
	"\033[#J", "\033[K", "\033[#K", "\033[2J", "\033[#X", "\033[#@", "\033[#P", "\033[#L",
	"\033[#M", "\033[#S", "\033[#T", "\033[#;#T", "\033[#;#r", "\033[r", "\033[0r", "\033[7m",
	"\033[27m", "\033[m", "\033[0m", "\033[1;7m", "\033[38;5;#m", "\033[48;2;#;#;#m",
	"\033[38:2::#:#:#m", "\033[?7l", "\033[?7h", "\033[?1049h", "\033[?25l", "\033[>c",
	"\033[#;#;#;#;#;#;#;#;#;#;#;#;#;#;#;#;#;#m", "\033[1 q", "\033[s", "\033[u", "\0337",
	"\0338", "\033M", "\033D", "\033E", "\033c", "\033(B", "\033)0", "\033#8", "\033=", "\033>",
	"\033]0;LOCAL REMOTE title\007", "\033]2;t\033\\", "\033]52;c;YWJj\007",
	"\033P+q544e\033\\", "\033_apc\033\\", "\033^pm\007", "\033X\030", "\r", "\n", "\r\n", "\t",
	"\b", "\v", "\f", "\007", "\016", "\017", "\030", "\032", "\177", "LOCAL", "REMOTE",
	"LOCAL   REMOTE   STATE", "10.0.0.1:22  10.0.0.9:5100  ESTAB", "                ", "abc",
	"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe4\xb8\xad", "\xc3", "\xe2\x82", "\xff",
	"\x80", "\xc2\x9b", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\033["
};
/* clang-format on */

/* A table as tcpdeck draws it, so that inputs reach the selection. */
static const char table[] =
    "\033[H\033[2J\033[7mtcpdeck\033[m\033[3;1HLOCAL            REMOTE          STATE\r\n"
    "10.0.0.1:22      10.0.0.9:5100   ESTAB\r\n\033[7m10.0.0.1:22      10.0.0.9:5101   "
    "ESTAB  \033[m\r\n10.0.0.1:443     10.0.0.7:6000   ESTAB\033[24;1HF1 Help";

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

/* A number for "#": mostly small, sometimes at the edges of the screen
 * or of the parser's cap, sometimes far too many digits. */
static size_t
number(char *out, size_t cap)
{
	static const char *const big[] = {"0",     "1",     "24",         "80",
	                                  "255",   "256",   "999",        "1000",
	                                  "65535", "65536", "2147483648", "99999999999999999999"};

	if (rng() % 4 == 0)
		return (size_t)snprintf(out, cap, "%s",
		                        big[rng() % (sizeof(big) / sizeof(big[0]))]);
	return (size_t)snprintf(out, cap, "%u", rng() % 40);
}

static size_t
generate(uint8_t *buf, size_t cap)
{
	size_t len = 2, n_pieces = rng() % 64;

	/* Sizes: small screens are where edges meet. */
	buf[0] = (uint8_t)(rng() % 4 == 0 ? rng() % 4 : 23 + rng() % 8);
	buf[1] = (uint8_t)(rng() % 4 == 0 ? rng() % 8 : 39 + rng() % 80);
	if (rng() % 3 == 0) {
		memcpy(buf + len, table, sizeof(table) - 1);
		len += sizeof(table) - 1;
	}
	for (size_t i = 0; i < n_pieces; i++) {
		const char *p = pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];

		for (; *p != '\0' && len + 32 < cap; p++) {
			if (*p == '#')
				len += number((char *)buf + len, cap - len);
			else
				buf[len++] = (uint8_t)*p;
		}
	}
	for (unsigned int m = rng() % 4; m > 0 && len > 2; m--) {
		size_t at = 2 + rng() % (len - 2);

		switch (rng() % 3) {
		case 0: /* replace */
			buf[at] = (uint8_t)rng();
			break;
		case 1: /* delete */
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		default: /* cut short */
			len = at;
			break;
		}
	}
	return len;
}

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 20];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "fuzz_vt_screen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int
write_seeds(const char *dir)
{
	static uint8_t buf[8192];
	char path[4096];

	rng_state = 42;
	for (int i = 0; i < 64; i++) {
		size_t len = generate(buf, sizeof(buf));
		FILE *file;

		snprintf(path, sizeof(path), "%s/seed-%03d", dir, i);
		file = fopen(path, "wb");
		if (file == NULL || fwrite(buf, 1, len, file) != len || fclose(file) != 0) {
			fprintf(stderr, "fuzz_vt_screen: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	double seconds = 0;
	unsigned long count = 0, done = 0;
	int first = 1;
	bool seeded = false;
	static uint8_t buf[8192];
	struct timespec start, now;

	for (; first < argc && argv[first][0] == '-'; first += 2) {
		if (strcmp(argv[first], "--seeds") == 0 && first + 1 < argc)
			return write_seeds(argv[first + 1]);
		if (first + 1 >= argc)
			break;
		if (strcmp(argv[first], "-t") == 0)
			seconds = strtod(argv[first + 1], NULL);
		else if (strcmp(argv[first], "-n") == 0)
			count = strtoul(argv[first + 1], NULL, 10);
		else if (strcmp(argv[first], "-s") == 0) {
			rng_state = strtoull(argv[first + 1], NULL, 10) | 1;
			seeded = true;
		} else
			break;
	}
	if (first < argc) {
		for (int i = first; i < argc; i++)
			if (run_file(argv[i]) < 0)
				return 1;
		return 0;
	}
	/* A plain run (make check) is reproducible; a timed one explores. */
	if (seconds <= 0 && count == 0)
		count = 20000;
	if (!seeded)
		rng_state = seconds > 0 ? ((uint64_t)time(NULL) | 1) : 1;
	printf("fuzz_vt_screen: seed %llu\n", (unsigned long long)rng_state);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		size_t len = generate(buf, sizeof(buf));

		LLVMFuzzerTestOneInput(buf, len);
		done++;
		if (count != 0 && done >= count)
			break;
		if (seconds > 0 && done % 256 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((double)(now.tv_sec - start.tv_sec) +
			        (double)(now.tv_nsec - start.tv_nsec) / 1e9 >=
			    seconds)
				break;
		}
	}
	printf("fuzz_vt_screen: %lu inputs, %lu with a selection found\n", done,
	       inputs_with_selection);
	/* A generator that never reaches the selection tests little of it. */
	check(inputs_with_selection > 0, "the inputs reach the selection");
	return 0;
}
#endif
