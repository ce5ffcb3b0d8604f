/*
 * fuzz_filter.c - fuzz target for the filter parser and evaluator.
 *
 * LLVMFuzzerTestOneInput() parses the input as a NUL-terminated expression
 * (no host or interface name lookups), matches every parsed filter against
 * a fixed set of sockets, checks the API's promises (a message and an
 * offset within the input on error, the text kept on success) and frees.
 * It also splits the input into argv words at '\x01' and parses the
 * filter_join_args() of them.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it ("fuzz_filter -max_total_time=60 CORPUS").
 *   gcc -fsanitize=address,undefined ...   (no libFuzzer needed)
 *       fuzz_filter FILE...          runs each file once
 *       fuzz_filter -t SECONDS [-s SEED]
 *       fuzz_filter -n COUNT [-s SEED]
 *       fuzz_filter                  (20,000 inputs, seed 1: for make check)
 *                                    runs generated inputs: ss-like
 *                                    expressions built from the language's
 *                                    words, then mutated bytewise; a
 *                                    timed run without -s seeds from the
 *                                    clock and prints the seed
 *       fuzz_filter --seeds DIR      writes a seed corpus for libFuzzer
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "sock_entry.h"
#include "tcp_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sock_entry sockets[8];
static int n_sockets;

static void
add_socket(enum tcp_state st, const char *local, unsigned int lport, const char *remote,
	   unsigned int rport, uint32_t ifindex)
{
	struct sock_entry *e = &sockets[n_sockets++];
	int af = strchr(local, ':') != NULL ? AF_INET6 : AF_INET;

	memset(e, 0, sizeof(*e));
	e->family = (uint8_t)af;
	e->state = (uint8_t)st;
	inet_pton(af, local, e->local_addr);
	inet_pton(af, remote, e->remote_addr);
	e->local_port = (uint16_t)lport;
	e->remote_port = (uint16_t)rport;
	e->ifindex = ifindex;
	if (st == TCP_STATE_TIME_WAIT)
		e->timer = SOCK_TIMER_TIME_WAIT;
}

static void
init_sockets(void)
{
	if (n_sockets != 0)
		return;
	add_socket(TCP_STATE_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0, 0);
	add_socket(TCP_STATE_LISTEN, "::", 443, "::", 0, 2);
	add_socket(TCP_STATE_ESTABLISHED, "127.0.0.1", 22, "127.0.0.1", 40000, 0);
	add_socket(TCP_STATE_ESTABLISHED, "::ffff:10.1.2.3", 9000, "::ffff:10.9.9.9", 50000, 1);
	add_socket(TCP_STATE_TIME_WAIT, "2001:db8::1", 33000, "::1", 80, 0);
	add_socket(TCP_STATE_SYN_RECV, "10.0.0.1", 65535, "10.0.0.2", 1, 0);
	add_socket(TCP_STATE_CLOSE, "0.0.0.0", 0, "0.0.0.0", 0, 0);
	add_socket(TCP_STATE_FIN_WAIT2, "::1", 1, "::1", 65535, 7);
}

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_filter: broken promise: %s\n", what);
		abort();
	}
}

static void
run_one(const char *expr)
{
	static const struct filter_parse_options opts = {
		.flags = FILTER_PARSE_NO_HOSTS | FILTER_PARSE_NO_DEVICES,
		.ephemeral_low = 32768,
		.ephemeral_high = 60999,
	};
	char *error = NULL;
	size_t pos = (size_t)-1;
	struct filter *f = filter_parse_with(expr, &opts, &error, &pos);

	if (f == NULL) {
		check(error != NULL, "an error message");
		check(strncmp(error, "filter: ", 8) == 0, "the message starts with 'filter: '");
		check(strchr(error, '\n') == NULL, "a one-line message");
		check(pos <= strlen(expr), "the offset lies within the expression");
		free(error);
		return;
	}
	check(error == NULL, "no message on success");
	check(strcmp(filter_text(f), expr) == 0, "the text is kept");
	check((filter_state_mask(f) & ~((1u << TCP_STATE_COUNT) - 1)) == 0, "a mask of states");
	if (filter_hint(f) != NULL)
		check(strchr(filter_hint(f), '\n') == NULL, "a one-line hint");
	for (int i = 0; i < n_sockets; i++) {
		bool m = filter_match(f, &sockets[i]);

		/* Deterministic: the same answer twice. */
		check(m == filter_match(f, &sockets[i]), "a stable answer");
		if (m)
			check((filter_state_mask(f) >> sockets[i].state) & 1,
			      "no match outside the state mask");
	}
	filter_free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = malloc(size + 1);
	char **argv;
	int argc = 1;

	if (expr == NULL)
		return 0;
	init_sockets();
	memcpy(expr, data, size);
	expr[size] = '\0';
	run_one(expr);

	/* The same bytes as argv words. */
	for (size_t i = 0; i < size && expr[i] != '\0'; i++)
		argc += expr[i] == '\x01';
	argv = calloc((size_t)argc, sizeof(*argv));
	if (argv != NULL) {
		char *joined, *save = NULL;
		int n = 0;

		for (char *w = strtok_r(expr, "\x01", &save); w != NULL && n < argc;
		     w = strtok_r(NULL, "\x01", &save))
			argv[n++] = w;
		joined = filter_join_args(n, argv);
		if (joined != NULL) {
			run_one(joined);
			free(joined);
		}
		free(argv);
	}
	free(expr);
	return 0;
}

#ifndef TCPDECK_LIBFUZZER
/* ---- standalone driver: no libFuzzer needed ---- */

#include <errno.h>
#include <time.h>

static const char *const words[] = {
	"state", "exclude", "excl", "established", "listening", "time-wait", "syn-recv",
	"all", "connected", "synchronized", "bucket", "big", "unknown", "closed", "LISTEN",
	"src", "dst", "sport", "dport", "dev", "autobound", "fwmark", "cgroup",
	"and", "or", "not", "!", "&&", "||", "&", "|", "(", ")",
	"=", "==", "!=", "<", ">", "<=", ">=", "eq", "ne", "neq", "lt", "gt", "le", "ge", "leq", "geq",
	":22", ":ssh", ":http", "22", ":0", ":-1", ":*", "*", ":70000", ":0x16", ":nosuch",
	"127.0.0.1", "10/8", "0.0.0.0/0", "10.0.0.0/255.0.0.0", "1.2.3.4:80", "*:8080",
	"[::1]", "[::1]:22", "::/0", "[::ffff:127.0.0.1]", "::ffff:0:0/96", "2001:db8::/32",
	"inet:127.0.0.1", "inet6:[::1]", "inet6:::1/128", "unix:/x", "any", "default",
	"[", "]", "'", "\"", "\\", "#", "\n", "\t", "lo", "1", "0", "if3", "localhost",
};

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

/* An ss-like expression of random words, then a few byte mutations. */
static size_t
generate(char *buf, size_t cap)
{
	size_t len = 0, n_words = rng() % 16;

	for (size_t i = 0; i < n_words; i++) {
		const char *w = words[rng() % (sizeof(words) / sizeof(words[0]))];
		size_t wl = strlen(w);

		if (len + wl + 2 >= cap)
			break;
		memcpy(buf + len, w, wl);
		len += wl;
		if (rng() % 8 != 0)
			buf[len++] = rng() % 16 == 0 ? '\x01' : ' ';
	}
	for (unsigned int m = rng() % 4; m > 0 && len > 0; m--) {
		size_t at = rng() % len;

		switch (rng() % 3) {
		case 0: /* replace */
			buf[at] = (char)(rng() % 256);
			break;
		case 1: /* delete */
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		default: /* duplicate a run */
			if (len + 8 < cap) {
				size_t run = 1 + rng() % 8;

				if (at + run > len)
					run = len - at;
				memmove(buf + at + run, buf + at, len - at);
				len += run;
			}
		}
	}
	return len;
}

static int
run_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int c;

	if (file == NULL) {
		fprintf(stderr, "fuzz_filter: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((c = fgetc(file)) != EOF) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap == 0 ? 4096 : cap * 2);

			if (nb == NULL) {
				free(buf);
				fclose(file);
				return -1;
			}
			buf = nb;
			cap = cap == 0 ? 4096 : cap * 2;
		}
		buf[len++] = (char)c;
	}
	fclose(file);
	LLVMFuzzerTestOneInput((const uint8_t *)(buf != NULL ? buf : ""), len);
	free(buf);
	return 0;
}

static int
write_seeds(const char *dir)
{
	char buf[512], path[4096];

	rng_state = 42;
	for (int i = 0; i < 256; i++) {
		size_t len = generate(buf, sizeof(buf));
		FILE *file;

		snprintf(path, sizeof(path), "%s/seed-%03d", dir, i);
		file = fopen(path, "wb");
		if (file == NULL || fwrite(buf, 1, len, file) != len || fclose(file) != 0) {
			fprintf(stderr, "fuzz_filter: %s: %s\n", path, strerror(errno));
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
	int first_file = 1;
	char buf[512];
	struct timespec start, now;

	bool seeded = false;

	for (; first_file < argc && argv[first_file][0] == '-'; first_file++) {
		const char *opt = argv[first_file];

		if (strcmp(opt, "--seeds") == 0 && first_file + 1 < argc)
			return write_seeds(argv[first_file + 1]);
		if (first_file + 1 >= argc)
			break;
		if (strcmp(opt, "-t") == 0)
			seconds = strtod(argv[++first_file], NULL);
		else if (strcmp(opt, "-n") == 0)
			count = strtoul(argv[++first_file], NULL, 10);
		else if (strcmp(opt, "-s") == 0) {
			rng_state = strtoull(argv[++first_file], NULL, 10) | 1;
			seeded = true;
		}
		else
			break;
	}
	if (first_file < argc) {
		for (int i = first_file; i < argc; i++)
			if (run_file(argv[i]) < 0)
				return 1;
		return 0;
	}
	/* A plain run (make check) is reproducible; a timed one explores. */
	if (seconds <= 0 && count == 0)
		count = 20000;
	if (!seeded)
		rng_state = seconds > 0 ? ((uint64_t)time(NULL) | 1) : 1;
	printf("fuzz_filter: seed %llu\n", (unsigned long long)rng_state);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		size_t len = generate(buf, sizeof(buf));

		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
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
	printf("fuzz_filter: %lu inputs\n", done);
	return 0;
}
#endif
