/*
 * fuzz_ssdump.c - fuzz target for the `ss -D` reader (source_ssdump.c)
 * as a user reaches it: a file on disk opened by path, read, sampled, and
 * its sockets written by the batch views (conns and listen, in text, CSV
 * and JSON).  fuzz_nl_parse feeds the parser from memory; this one also
 * covers the file reading and what is printed of a dump.
 *
 * LLVMFuzzerTestOneInput() writes the input to a memory file, opens it
 * through /proc/self/fd/N and checks the promises: a refused file or a
 * failed sample has a cause, and the cause holds no control byte; a
 * sample's note holds none either; the text and CSV output hold no byte
 * below 0x20 but line feeds and no DEL, JSON none but line feeds; the
 * source then says it has no more samples.  Nothing may crash, leak or
 * read out of bounds.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it (make fuzz-ssdump; then
 *       tests/fuzz-ssdump-libfuzzer -max_total_time=60 CORPUS
 *       $(srcdir)/tests/data/fuzz/ssdump).
 *   the normal build, with or without sanitizers (no libFuzzer needed):
 *       fuzz_ssdump FILE...          runs each file once
 *       fuzz_ssdump [-n COUNT] [-s SEED]
 *                                    (default 3,000 inputs, seed 1: make
 *                                    check) the seed dumps of
 *                                    tests/data/fuzz/ssdump ($TESTS_SRCDIR)
 *                                    mutated bytewise and cut short
 *   Exit 0 when every input ran; a broken promise aborts; 99 without
 *   seeds.
 */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "output.h"
#include "snapshot.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long inputs_with_sockets, inputs_refused;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ssdump: broken promise: %s\n", what);
		abort();
	}
}

/* No control byte in a message for the user. */
static bool
clean_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Writes the sample as view/format and checks the bytes written. */
static void
render(struct snapshot *snap, enum output_view view, const struct output_format *format)
{
	struct output_context ctx = {.snap = snap, .sort_column = -1};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	check(out != NULL, "memory stream");
	(void)output_print(format, view, out, &ctx);
	check(fclose(out) == 0, "memory stream closed");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		check(c != 0x1b, "no ESC in any output");
		check(c >= 0x20 || c == '\n', "no control byte but a line feed");
		check(format->id == OUTPUT_FORMAT_JSON || c != 0x7f, "no DEL in text or CSV");
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cause[512] = "", path[64];
	struct source src = {0};
	struct snapshot *snap;
	int fd = memfd_create("fuzz-ssdump", MFD_CLOEXEC), rc;

	check(fd >= 0, "memfd");
	check(size == 0 || write(fd, data, size) == (ssize_t)size, "memfd written");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = source_ssdump_open(&src, path, cause, sizeof(cause));
	close(fd);
	if (rc < 0) {
		check(cause[0] != '\0', "a refused dump has a cause");
		check(clean_line(cause), "a clean cause");
		return 0;
	}
	snap = snapshot_new(0);
	check(snap != NULL, "snapshot");
	rc = src.ops->sample(src.state, snap, cause, sizeof(cause));
	check(rc == 0 || rc == -1, "the first sample is taken or refused");
	if (rc < 0) {
		check(cause[0] != '\0' && clean_line(cause), "a refused sample has a clean cause");
		inputs_refused++;
	} else {
		check(clean_line(snap->note), "a clean note");
		if (snap->n_entries > 0)
			inputs_with_sockets++;
		snapshot_seal(snap);
		render(snap, OUTPUT_VIEW_CONNS, &output_text);
		render(snap, OUTPUT_VIEW_CONNS, &output_csv);
		render(snap, OUTPUT_VIEW_CONNS, &output_json);
		render(snap, OUTPUT_VIEW_LISTEN, &output_text);
		render(snap, OUTPUT_VIEW_STATES, &output_csv);
	}
	snapshot_unref(snap);
	snap = snapshot_new(0);
	check(snap != NULL, "snapshot");
	check(src.ops->sample(src.state, snap, cause, sizeof(cause)) == 1, "a dump is one sample");
	snapshot_unref(snap);
	src.ops->free(src.state);
	return 0;
}

#ifndef TCPDECK_LIBFUZZER

static uint64_t rng_state = 1;

static uint32_t
below(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n == 0 ? 0 : (uint32_t)(rng_state % n);
}

enum { MAX_SEEDS = 16 };
static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS], n_seeds;

static uint8_t *
read_all(const char *path, size_t *len)
{
	FILE *file = fopen(path, "rb");
	uint8_t *buf;

	if (file == NULL)
		return NULL;
	buf = malloc(1 << 20);
	check(buf != NULL, "buffer");
	*len = fread(buf, 1, 1 << 20, file);
	fclose(file);
	return buf;
}

static int
load_seeds(void)
{
	const char *top = getenv("TESTS_SRCDIR");
	char dir[4096];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/data/fuzz/ssdump", top != NULL ? top : "tests");
	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && n_seeds < MAX_SEEDS) {
		char path[8192];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		seeds[n_seeds] = read_all(path, &seed_len[n_seeds]);
		if (seeds[n_seeds] != NULL)
			n_seeds++;
	}
	closedir(d);
	return n_seeds > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	unsigned long count = 3000;
	int first = 1;
	uint8_t *buf;

	for (; first + 1 < argc && argv[first][0] == '-'; first += 2) {
		if (strcmp(argv[first], "-n") == 0)
			count = strtoul(argv[first + 1], NULL, 10);
		else if (strcmp(argv[first], "-s") == 0)
			rng_state = strtoull(argv[first + 1], NULL, 10) | 1;
		else
			break;
	}
	if (first < argc) {
		for (int i = first; i < argc; i++) {
			size_t len;
			uint8_t *bytes = read_all(argv[i], &len);

			if (bytes == NULL) {
				perror(argv[i]);
				return 1;
			}
			LLVMFuzzerTestOneInput(bytes, len);
			free(bytes);
		}
		return 0;
	}
	if (load_seeds() < 0) {
		fprintf(stderr, "fuzz_ssdump: no seeds in $TESTS_SRCDIR/data/fuzz/ssdump\n");
		return 99;
	}
	buf = malloc(1 << 20);
	check(buf != NULL, "buffer");
	for (unsigned long done = 0; done < count; done++) {
		size_t which = below((uint32_t)n_seeds), len = seed_len[which];

		memcpy(buf, seeds[which], len);
		for (unsigned int m = 1 + below(6); m > 0 && len > 0; m--) {
			size_t at = below((uint32_t)len);

			if (below(8) == 0)
				len = at; /* cut short */
			else
				buf[at] = below(3) == 0 ? (uint8_t)(buf[at] ^ (1u << below(8)))
							: (uint8_t)below(256);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz_ssdump: %lu inputs, %lu with sockets, %lu refused\n", count,
	       inputs_with_sockets, inputs_refused);
	check(inputs_with_sockets > count / 4, "a quarter of the inputs reach the sockets");
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i]);
	free(buf);
	return 0;
}

#endif
