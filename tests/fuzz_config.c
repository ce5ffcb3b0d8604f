/*
 * fuzz_config.c - fuzz target for the config file parser (tcpdeck.conf,
 * diag_config.c).
 *
 * LLVMFuzzerTestOneInput() parses the input as a config file named
 * "f.conf" and checks the promises: 0, or -1 with a one-line message
 * "f.conf:LINE: ..." whose LINE is within the input's lines and which
 * holds no control byte (the file's text is quoted in its safe form);
 * every value is within its key's range, a whole number where the key
 * wants one, and the keys the input does not name keep their defaults
 * when it is accepted.  Nothing may crash or read out of bounds.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it (make fuzz-config; then
 *       tests/fuzz-config-libfuzzer -max_total_time=60 CORPUS
 *       $(srcdir)/tests/data/fuzz/config).
 *   the normal build, with or without sanitizers (no libFuzzer needed):
 *       fuzz_config FILE...          runs each file once
 *       fuzz_config [-n COUNT] [-s SEED]
 *                                    (default 20,000 inputs, seed 1: make
 *                                    check) good files mutated bytewise,
 *                                    with control bytes and invalid UTF-8
 *   Exit 0 when every input ran; a broken promise aborts.
 *
 * The same input goes through the dashboard's settings (settings.c, the
 * ui.* keys): each bad line is reported as "f.conf:LINE: ..." without a
 * control byte, values stay in range, and the file they write back reads
 * as the same settings and writes itself again unchanged.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_config.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long accepted, refused;
static unsigned long fuzz_lines;

static void check(int ok, const char *what);

static void
check_warning(void *arg, const char *msg)
{
	unsigned long line;

	(void)arg;
	check(strncmp(msg, "f.conf:", 7) == 0, "a setting's message names the file");
	line = strtoul(msg + 7, NULL, 10);
	check(line >= 1 && line <= fuzz_lines, "a setting's message names a line of the input");
	for (const char *p = msg; *p != '\0'; p++)
		check((unsigned char)*p >= 0x20 && *p != 0x7f, "no control byte in a message");
}

/* The settings' promises on one input. */
static void
fuzz_settings(const uint8_t *data, size_t size)
{
	struct settings s, back;
	char *out, *again;
	size_t out_len, again_len;

	settings_defaults(&s);
	settings_parse(&s, "f.conf", (const char *)data, size, NULL, check_warning, NULL);
	check(s.interval_s >= 0.1 && s.interval_s <= 60, "interval in range");
	check(s.linger_s >= 0 && s.linger_s <= 3600, "linger in range");
	check(settings_theme_name(s.theme) != NULL, "a theme");
	check(s.columns.n <= OUTPUT_COLUMNS_MAX, "columns fit");
	check(settings_write_text(&s, (const char *)data, size, &out, &out_len) == 0, "written");
	settings_defaults(&back);
	settings_parse(&back, "f.conf", out, out_len, NULL, NULL, NULL);
	check(back.theme == s.theme && back.mouse == s.mouse && back.interval_s == s.interval_s &&
		      back.linger_s == s.linger_s && back.sort_column == s.sort_column &&
		      back.columns.n == s.columns.n && strcmp(back.view, s.view) == 0,
	      "the written file reads back the same");
	check(settings_write_text(&back, out, out_len, &again, &again_len) == 0, "written again");
	check(again_len == out_len && memcmp(again, out, out_len) == 0,
	      "writing the written file changes nothing");
	free(out);
	free(again);
}

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: broken promise: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_config cfg, defaults;
	char err[DIAG_CONFIG_ERROR_MAX] = "";
	unsigned long lines = 1;
	int rc;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	fuzz_lines = lines;
	fuzz_settings(data, size);
	diag_config_defaults(&cfg);
	diag_config_defaults(&defaults);
	rc = diag_config_parse(&cfg, "f.conf", (const char *)data, size, err, sizeof(err));
	check(rc >= 0 && (unsigned long)rc <= lines, "0, or a count of bad lines");
	if (rc > 0) {
		unsigned long line;

		refused++;
		check(strncmp(err, "f.conf:", 7) == 0, "a message names the file");
		line = strtoul(err + 7, NULL, 10);
		check(line >= 1 && line <= lines, "a message names a line of the input");
		for (const char *p = err; *p != '\0'; p++)
			check((unsigned char)*p >= 0x20 && *p != 0x7f, "no control byte in a message");
	} else {
		accepted++;
		check(err[0] == '\0', "no message when accepted");
	}
	for (int k = 0; k < DIAG_KEY_COUNT; k++) {
		const struct diag_key_def *def = diag_config_key_def((enum diag_key)k);
		double v = cfg.value[k];

		if (def == NULL)
			continue;
		check(isfinite(v) && v >= def->min && v <= def->max, "a value in range");
		check(!def->integer || v == floor(v), "a whole number where one is wanted");
		/* A key is changed only by a line naming it. */
		if (v != defaults.value[k])
			check(memmem(data, size, def->name, strlen(def->name)) != NULL,
			      "only named keys change");
	}
	return 0;
}

#ifndef TCPDECK_LIBFUZZER

static const char *const seeds[] = {
    "close_wait.min = 20\nsyn_recv.min = 100\n",
    "# thresholds for a load test\n\nhysteresis.clear_pct = 40   # lower\n"
    "hysteresis.quiet_samples=5\r\nfindings.max_per_rule = 3\n",
    "retrans.pct = 2.5\nfd_limit.pct = 90\n\t time_wait.port_use_pct = 75 \n",
    "close_wait.age_s = 30\nclose_wait.growth_per_s = 0.5\nzero_window.min = 4\n",
    "unknown.key = 1\n",
    "close_wait.min = twenty\n",
    "hysteresis.fire_samples = 2\ndead_peer.min = 3\nresets.pct = 50\n",
    "close_wait.min = 20\nui.theme = light # mine\nui.view = conns\nui.mouse = off\n",
    "ui.columns = state,local,process\nui.sort = rtt:desc\nui.interval = 0.5\n"
    "ui.linger = 10\nui.theme = mono\nui.theme = contrast\n",
};

static uint64_t rng_state = 1;

static uint32_t
below(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n == 0 ? 0 : (uint32_t)(rng_state % n);
}

static int
run_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 17);
	size_t len;

	check(buf != NULL, "buffer");
	if (file == NULL) {
		perror(path);
		free(buf);
		return -1;
	}
	len = fread(buf, 1, 1 << 17, file);
	fclose(file);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	static const uint8_t odd[] = {0, '\n', '\r', '\t', '#', '=', 0x1b, 0x7f,
				      0x80, 0x9b, 0xc2, 0xe2, 0xff, ' ', '.', '-', 'e', '9'};
	unsigned long count = 20000;
	int first = 1;
	uint8_t buf[4096];

	for (; first + 1 < argc && argv[first][0] == '-'; first += 2) {
		if (strcmp(argv[first], "-n") == 0)
			count = strtoul(argv[first + 1], NULL, 10);
		else if (strcmp(argv[first], "-s") == 0)
			rng_state = strtoull(argv[first + 1], NULL, 10) | 1;
		else
			break;
	}
	if (first < argc) {
		for (int i = first; i < argc; i++)
			if (run_file(argv[i]) < 0)
				return 1;
		return 0;
	}
	for (unsigned long done = 0; done < count; done++) {
		const char *s = seeds[below(sizeof(seeds) / sizeof(seeds[0]))];
		size_t len = strlen(s);

		memcpy(buf, s, len);
		for (unsigned int m = below(5); m > 0 && len > 0; m--) {
			size_t at = below((uint32_t)len);

			switch (below(4)) {
			case 0:
				len = at;
				break;
			case 1:
				if (len < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = odd[below(sizeof(odd))];
					len++;
				}
				break;
			default:
				buf[at] = below(2) ? odd[below(sizeof(odd))] : (uint8_t)below(256);
				break;
			}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz_config: %lu inputs, %lu accepted, %lu refused\n", count, accepted, refused);
	check(accepted > count / 10 && refused > count / 10, "inputs both accepted and refused");
	return 0;
}

#endif
