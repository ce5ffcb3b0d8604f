/*
 * fuzz_prometheus.c - fuzz target for the exposition's handling of
 * other people's names.
 *
 * LLVMFuzzerTestOneInput() splits the input at '\x01' into process
 * names (cut to 15 bytes as the kernel does), a namespace name and a
 * finding-like label, builds a sample of listeners and connections held
 * by those processes in two namespaces, renders it in both formats and
 * checks the promises: the whole exposition is valid UTF-8 without
 * control bytes but the line ends, and every line is a comment or
 * NAME{LABEL="VALUE",...} VALUE whose label values hold only the
 * format's escapes (\\, \", \n).  OpenMetrics ends with "# EOF".
 *
 * Two builds, as tests/fuzz_filter.c:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *   gcc ...: fuzz_prometheus FILE... runs each file once;
 *            fuzz_prometheus [-n COUNT] [-s SEED] runs random inputs
 *            (20,000, seed 1 by default: for make check).
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prometheus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what, const char *text)
{
	if (!ok) {
		fprintf(stderr, "fuzz_prometheus: broken promise: %s\n%s\n", what, text);
		abort();
	}
}

/* Length of the valid UTF-8 character at p (at most n bytes), 0 when
 * invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void
check_exposition(const char *text, size_t len, enum prom_format f)
{
	const unsigned char *u = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(u + i, len - i);

		check(n > 0, "invalid UTF-8", text);
		check(u[i] >= 0x20 || u[i] == '\n', "a control byte", text);
		check(u[i] != 0x7f, "DEL", text);
		i += n;
	}
	check(len > 0 && text[len - 1] == '\n', "no final newline", text);
	for (const char *line = text; line < text + len;) {
		const char *nl = memchr(line, '\n', (size_t)(text + len - line));
		const char *p = line;

		check(nl != NULL, "a cut line", text);
		if (*p == '#') {
			line = nl + 1;
			continue;
		}
		while (p < nl && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			p++;
		check(p > line, "a line without a name", text);
		if (*p == '{') {
			p++;
			for (;;) {
				while (p < nl && ((*p >= 'a' && *p <= 'z') || *p == '_'))
					p++;
				check(p + 1 < nl && p[0] == '=' && p[1] == '"', "a label without =\"", text);
				p += 2;
				while (p < nl && *p != '"') {
					if (*p == '\\') {
						check(p[1] == '\\' || p[1] == '"' || p[1] == 'n',
						      "an escape the format lacks", text);
						p++;
					}
					p++;
				}
				check(p < nl, "an unended label value", text);
				p++;
				if (*p == '}')
					break;
				check(*p == ',', "labels not separated by a comma", text);
				p++;
			}
			p++;
		}
		check(*p == ' ', "no space before the value", text);
		for (p++; p < nl; p++)
			check(strchr("0123456789.e+-", *p) != NULL, "a value that is no number", text);
		line = nl + 1;
	}
	if (f == PROM_OPENMETRICS)
		check(len >= 6 && strcmp(text + len - 6, "# EOF\n") == 0, "no # EOF", text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum { MAX_PROCS = 6 };
	char *copy = malloc(size + 1), *save = NULL, *word;
	char names[MAX_PROCS][16];
	size_t n_names = 0;
	struct snapshot *snap = snapshot_new(16);
	struct owner_table *owners = owner_table_new();
	struct snapshot_netns *ns;

	if (copy == NULL || snap == NULL || owners == NULL)
		abort();
	/* '\0' in the input ends a C string: the kernel's names have none. */
	for (size_t i = 0; i < size; i++)
		copy[i] = data[i] == 0 ? 'x' : (char)data[i];
	copy[size] = '\0';
	memset(names, 0, sizeof(names));
	for (word = strtok_r(copy, "\x01", &save); word != NULL && n_names < MAX_PROCS;
	     word = strtok_r(NULL, "\x01", &save))
		snprintf(names[n_names++], sizeof(names[0]), "%.15s", word);
	if (n_names == 0)
		snprintf(names[n_names++], sizeof(names[0]), "empty");
	for (size_t i = 0; i < n_names; i++) {
		struct owner_proc p = {.pid = (int32_t)(100 + i), .cmdline = "", .user = "u"};

		memcpy(p.comm, names[i], sizeof(p.comm));
		if (owner_table_add_proc(owners, &p) < 0)
			abort();
	}
	if (owner_table_seal(owners) < 0)
		abort();
	snap->owners = owners;
	ns = snapshot_add_netns(snap, 1);
	ns->info.kind = NETNS_KIND_HOST;
	ns = snapshot_add_netns(snap, 2);
	ns->info.kind = NETNS_KIND_CONTAINER;
	snprintf(ns->info.name, sizeof(ns->info.name), "%.95s", size > 0 ? copy : "");
	for (size_t i = 0; i < n_names * 2; i++) {
		struct sock_entry *e = snapshot_add(snap);

		if (e == NULL)
			abort();
		e->cookie = i + 1;
		e->family = AF_INET;
		e->state = (uint8_t)(i % 2 == 0 ? TCP_STATE_LISTEN : TCP_STATE_ESTABLISHED);
		e->local_port = (uint16_t)(1000 + (size > i ? data[i] : i));
		e->netns = (uint32_t)(1 + i % 2);
		e->owner_status = OWNER_FOUND;
		e->owner = (uint32_t)(i / 2);
		e->n_owners = 1;
		e->recv_q = (uint32_t)i;
		e->send_q = 128;
	}
	snapshot_seal(snap);
	for (int f = 0; f < PROM_FORMAT_COUNT; f++) {
		struct prom_buf b = {0};
		struct prom_sample s = {.snap = snap, .top = (unsigned int)(size % 4)};
		char *text;

		if (prometheus_render(&b, &s, (enum prom_format)f) < 0)
			abort();
		text = malloc(b.len + 1);
		if (text == NULL)
			abort();
		memcpy(text, b.data, b.len);
		text[b.len] = '\0';
		check(strlen(text) == b.len, "a NUL in the exposition", text);
		check_exposition(text, b.len, (enum prom_format)f);
		free(text);
		prom_buf_free(&b);
	}
	snapshot_unref(snap);
	free(copy);
	return 0;
}

#ifndef TCPDECK_LIBFUZZER
/* Random names: mostly printable, some controls, quotes, backslashes,
 * UTF-8 and broken UTF-8. */
static size_t
generate(uint8_t *buf, size_t cap, unsigned int *seed)
{
	static const char *const pieces[] = {"\"", "\\", "\n", "\x1b[31m", "\xc3\xa9", "\xe2\x80\xae",
					     "\xff", "\xc3", "}", "{", "=", ",", " ", "\x01", "nginx",
					     "\xf0\x9f\x98\x80", "\x7f", "\\n", "\r"};
	size_t len = 0, parts = (size_t)(rand_r(seed) % 12);

	for (size_t i = 0; i < parts; i++) {
		const char *piece;
		char one[2];

		if (rand_r(seed) % 3 == 0) {
			one[0] = (char)(rand_r(seed) % 256);
			one[1] = '\0';
			piece = one;
			if (len < cap)
				buf[len++] = (uint8_t)one[0];
			continue;
		}
		piece = pieces[(size_t)rand_r(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
		for (size_t k = 0; piece[k] != '\0' && len < cap; k++)
			buf[len++] = (uint8_t)piece[k];
	}
	return len;
}

int
main(int argc, char **argv)
{
	unsigned long count = 20000;
	unsigned int seed = 1, first_seed;
	int files = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			count = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			seed = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else {
			FILE *in = fopen(argv[i], "rb");
			uint8_t buf[4096];
			size_t n;

			if (in == NULL) {
				perror(argv[i]);
				return 2;
			}
			n = fread(buf, 1, sizeof(buf), in);
			fclose(in);
			LLVMFuzzerTestOneInput(buf, n);
			files++;
		}
	}
	if (files > 0)
		return 0;
	first_seed = seed;
	for (unsigned long i = 0; i < count; i++) {
		uint8_t buf[256];

		LLVMFuzzerTestOneInput(buf, generate(buf, sizeof(buf), &seed));
	}
	printf("fuzz_prometheus: %lu inputs, seed %u\n", count, first_seed);
	return 0;
}
#endif
