/*
 * fuzz_web_config.c - fuzz target for the --web-config parser.
 *
 * LLVMFuzzerTestOneInput() parses the input as a web configuration and
 * checks the API's promises: on refusal a one-line cause starting with
 * "f.yml:LINE: " (LINE within the input's lines); on success TLS paths
 * both set or both unset.  Then it frees.  The same bytes, up to a NUL,
 * go to the Authorization header parser: on success a user without ':'.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it (make fuzz-web-config).
 *   gcc -fsanitize=address,undefined ...   (no libFuzzer needed)
 *       fuzz_web_config FILE...      runs each file once
 *       fuzz_web_config [-n COUNT] [-s SEED]
 *                                    (default 20,000 inputs, seed 1: for
 *                                    make check) good configurations
 *                                    mutated bytewise
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_web_config: broken promise: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cause[300] = "", *header = malloc(size + 1), *user, *password;
	struct web_config *c;

	check(header != NULL, "memory");
	memcpy(header, data, size);
	header[size] = '\0';
	if (web_config_parse_basic(header, &user, &password) == 0) {
		check(strchr(user, ':') == NULL, "no ':' in the user");
		check(strlen(user) + strlen(password) + 1 <= size, "no more than was given");
		free(user);
		free(password);
	} else {
		check(user == NULL && password == NULL, "nothing on refusal");
	}
	free(header);
	c = web_config_parse((const char *)data, size, "f.yml", "/d", cause, sizeof(cause));

	if (c == NULL) {
		unsigned long line, lines = 1;
		char *end;

		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		check(strncmp(cause, "f.yml:", 6) == 0, "the cause names the file");
		line = strtoul(cause + 6, &end, 10);
		check(end != cause + 6 && strncmp(end, ": ", 2) == 0, "the cause names a line");
		check(line >= 1 && line <= lines, "the line lies within the input");
		check(strchr(cause, '\n') == NULL, "a one-line cause");
		return 0;
	}
	check((web_config_cert_file(c) == NULL) == (web_config_key_file(c) == NULL),
	      "both TLS files or none");
	check(web_config_tls(c) == (web_config_cert_file(c) != NULL), "TLS iff its files");
	web_config_free(c);
	return 0;
}

#ifndef TCPDECK_LIBFUZZER
static const char *const seeds[] = {
    "Basic YWxpY2U6czNjcmV0",
    "basic  YTpiOmM= ",
    "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
    "basic_auth_users:\n  alice: $2b$05$abcdefghijklmnopqrstuuUO0ia.DNRpY0c0bDasaKMC9101OqwdW\n",
    "---\n# c\ntls_server_config:\n  \"cert_file\": 'a''b'\n  key_file: \"x\\ty\"  # k\n"
    "  client_auth_type: NoClientCert\nbasic_auth_users: ~\n",
    "basic_auth_users:\r\n    'bob': "
    "\"$2y$10$abcdefghijklmnopqrstuuUO0ia.DNRpY0c0bDasaKMC9101Oqwd\"\r\n",
};

static uint64_t rng;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
run_file(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
}

int
main(int argc, char **argv)
{
	static const char alphabet[] = " \t\n\r:#'\"\\-{}[]&*!|>?~$2abyk_";
	unsigned long count = 20000, seed = 1;
	char buf[512];
	int i = 1;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 10);
		else
			break;
	}
	if (i < argc) {
		for (; i < argc; i++)
			run_file(argv[i]);
		return 0;
	}
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	for (unsigned long k = 0; k < count; k++) {
		const char *s = seeds[next() % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t len = strlen(s);
		unsigned int edits = 1 + next() % 6;

		memcpy(buf, s, len);
		for (unsigned int e = 0; e < edits; e++) {
			size_t at = len == 0 ? 0 : next() % len;

			switch (next() % 4) {
			case 0: /* replace */
				if (len > 0)
					buf[at] = next() % 3 == 0
					              ? (char)next()
					              : alphabet[next() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* insert */
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = alphabet[next() % (sizeof(alphabet) - 1)];
					len++;
				}
				break;
			case 2: /* delete */
				if (len > 0) {
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
				}
				break;
			default: /* truncate */
				len = at;
				break;
			}
		}
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	}
	return 0;
}
#endif
