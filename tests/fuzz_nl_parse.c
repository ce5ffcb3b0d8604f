/*
 * fuzz_nl_parse.c - fuzz target for the sock_diag parser (nl_parse.c),
 * reached the way an untrusted `ss -D` file reaches it: through the dump
 * source (source_ssdump.c), which walks every family's part of the file.
 *
 * LLVMFuzzerTestOneInput() opens the input as a dump in memory, takes its
 * one sample and checks the promises: a refused file or a failed sample
 * comes with a cause; every entry kept is IPv4 or IPv6 in a known state;
 * a sample cut short keeps only whole sockets and says where it stopped;
 * the source then says it has no more samples.  Nothing may crash, leak or
 * read out of bounds.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it (make fuzz-nl-parse; then
 *       tests/fuzz-nl-parse-libfuzzer -max_total_time=60 CORPUS).
 *   the normal build, with or without sanitizers (no libFuzzer needed):
 *       fuzz_nl_parse FILE...          runs each file once
 *       fuzz_nl_parse -t SECONDS [-s SEED]
 *       fuzz_nl_parse -n COUNT [-s SEED]
 *       fuzz_nl_parse                  (20,000 inputs, seed 1: make check)
 *                                      runs generated inputs: dumps laid
 *                                      out as the kernel sends them
 *                                      (both families, with and without
 *                                      tcp_info of several kernels'
 *                                      sizes), mutated bytewise, and in
 *                                      half of the cases only inside
 *                                      payloads so the headers stay whole
 *                                      and the decoder behind them is
 *                                      reached
 *       fuzz_nl_parse --seeds DIR      writes a seed corpus for libFuzzer
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "snapshot.h"
#include "source.h"
#include "tcp_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How the inputs fared: a generator whose inputs all fail, or all pass,
 * would test little. */
static unsigned long inputs_with_sockets, inputs_refused;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_nl_parse: broken promise: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cause[512] = "";
	struct source src = {0};
	struct snapshot *snap;
	int rc;

	if (source_ssdump_open_mem(&src, data, size, "fuzz", cause, sizeof(cause)) < 0) {
		check(cause[0] != '\0', "a refused dump has a cause");
		return 0;
	}
	snap = snapshot_new(0);
	check(snap != NULL, "snapshot");
	rc = src.ops->sample(src.state, snap, cause, sizeof(cause));
	check(rc == 0 || rc == -1, "the first sample is taken or refused");
	if (rc < 0) {
		check(cause[0] != '\0', "a refused sample has a cause");
		inputs_refused++;
	}
	if (rc == 0) {
		if (snap->n_entries > 0)
			inputs_with_sockets++;
		for (size_t i = 0; i < snap->n_entries; i++) {
			const struct sock_entry *e = &snap->entries[i];

			check(e->family == AF_INET || e->family == AF_INET6, "a known family");
			check(e->state < TCP_STATE_COUNT, "a known state");
		}
		/* A dump cut short shows what is whole, and says so. */
		if (snap->note[0] != '\0')
			check(snap->n_entries > 0, "a noted cut keeps sockets");
		snapshot_seal(snap);
	}
	snapshot_unref(snap);
	snap = snapshot_new(0);
	check(snap != NULL, "snapshot");
	check(src.ops->sample(src.state, snap, cause, sizeof(cause)) == 1,
	      "a dump is one sample");
	snapshot_unref(snap);
	src.ops->free(src.state); /* source_close() would pull in the live source */
	return 0;
}

#ifndef TCPDECK_LIBFUZZER

static uint64_t rng_state = 1;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint32_t
below(uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(rnd() % n);
}

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

/* A dump under construction, and where each message's payload lies. */
struct dump {
	uint8_t *bytes;
	size_t len, cap;
	size_t payload_at[64], payload_len[64];
	size_t n_payloads;
};

static void *
dump_room(struct dump *d, size_t n)
{
	void *at;

	check(d->len + n <= d->cap, "seed room");
	at = d->bytes + d->len;
	memset(at, 0, n);
	d->len += n;
	return at;
}

static struct nlmsghdr *
dump_header(struct dump *d, uint16_t type)
{
	struct nlmsghdr *nlh = dump_room(d, NLMSG_HDRLEN);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = 1;
	nlh->nlmsg_len = NLMSG_HDRLEN;
	return nlh;
}

static void
dump_socket(struct dump *d, uint8_t family, uint8_t state, bool with_info)
{
	size_t at = d->len;
	struct nlmsghdr *nlh = dump_header(d, SOCK_DIAG_BY_FAMILY);
	struct inet_diag_msg *m = dump_room(d, sizeof(*m));
	uint32_t n = below(1000);

	m->idiag_family = family;
	m->idiag_state = state;
	m->idiag_timer = (uint8_t)below(5);
	m->id.idiag_sport = htons((uint16_t)(1024 + n));
	m->id.idiag_dport = htons((uint16_t)below(65536));
	m->id.idiag_src[0] = htonl(0x7f000001);
	m->id.idiag_dst[0] = htonl(0x7f000001 + n);
	m->id.idiag_cookie[0] = (uint32_t)rnd();
	m->id.idiag_cookie[1] = (uint32_t)rnd();
	m->idiag_rqueue = below(100);
	m->idiag_wqueue = below(100);
	m->idiag_inode = 1000 + n;
	if (with_info) {
		/* tcp_info as kernels of several ages send it: shorter and longer
		 * than the struct tcpdeck was built with. */
		static const uint16_t sizes[] = {104, 160, 192, 232, 248};
		uint16_t size = sizes[below(sizeof(sizes) / sizeof(sizes[0]))];
		struct nlattr *attr = dump_room(d, ALIGN4(NLA_HDRLEN + size));
		uint8_t *info = (uint8_t *)attr + NLA_HDRLEN;

		attr->nla_type = INET_DIAG_INFO;
		attr->nla_len = (uint16_t)(NLA_HDRLEN + size);
		for (uint16_t k = 0; k < size; k++)
			info[k] = (uint8_t)rnd();
		info[0] = state;
	}
	nlh = (struct nlmsghdr *)(d->bytes + at);
	nlh->nlmsg_len = (uint32_t)(d->len - at);
	if (d->n_payloads < 64) {
		d->payload_at[d->n_payloads] = at + NLMSG_HDRLEN;
		d->payload_len[d->n_payloads++] = d->len - at - NLMSG_HDRLEN;
	}
}

static void
dump_done(struct dump *d)
{
	size_t at = d->len;
	struct nlmsghdr *nlh = dump_header(d, NLMSG_DONE);

	dump_room(d, sizeof(int));
	nlh = (struct nlmsghdr *)(d->bytes + at);
	nlh->nlmsg_len = (uint32_t)(d->len - at);
}

enum { N_SEEDS = 8, SEED_CAP = 1 << 15 };
static struct dump seeds[N_SEEDS];

/* One part per family, each closed by NLMSG_DONE, as `ss -D` saves it. */
static void
make_seed(int which)
{
	struct dump *d = &seeds[which];
	bool with_info = which % 2 == 0;

	d->cap = SEED_CAP;
	d->bytes = calloc(1, d->cap);
	check(d->bytes != NULL, "seed bytes");
	for (int fam = 0; fam < 2; fam++) {
		for (unsigned int k = 1 + below(12); k > 0; k--)
			dump_socket(d, fam == 0 ? AF_INET : AF_INET6, (uint8_t)(1 + below(12)),
				    with_info);
		dump_done(d);
	}
}

static void
make_seeds(void)
{
	for (int i = 0; i < N_SEEDS; i++)
		if (seeds[i].bytes == NULL)
			make_seed(i);
}

static void
mutate_at(uint8_t *buf, size_t at)
{
	switch (below(3)) {
	case 0:
		buf[at] ^= (uint8_t)(1u << below(8));
		break;
	case 1:
		buf[at] = (uint8_t)rnd();
		break;
	default:
		buf[at] = (uint8_t[]){0, 1, 0x7f, 0x80, 0xff}[below(5)];
		break;
	}
}

static size_t
generate(uint8_t *buf, size_t cap)
{
	const struct dump *d = &seeds[below(N_SEEDS)];
	size_t len = d->len < cap ? d->len : cap;

	memcpy(buf, d->bytes, len);
	if (below(2) == 0 && d->n_payloads > 0) {
		/* Inside payloads only: every header stays whole. */
		for (unsigned int m = 1 + below(6); m > 0; m--) {
			size_t p = below((uint32_t)d->n_payloads);

			mutate_at(buf, d->payload_at[p] + below((uint32_t)d->payload_len[p]));
		}
		return len;
	}
	for (unsigned int m = 1 + below(4); m > 0 && len > 0; m--) {
		size_t at = below((uint32_t)len);

		switch (below(4)) {
		case 0: /* cut */
			len = at;
			break;
		case 1: /* delete a run */
		{
			size_t n = 1 + below(8);

			if (at + n > len)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
			break;
		}
		default:
			mutate_at(buf, at);
			break;
		}
	}
	return len;
}

static int
run_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	uint8_t *buf;
	size_t len;

	if (file == NULL) {
		perror(path);
		return -1;
	}
	buf = malloc(1 << 24);
	check(buf != NULL, "buffer");
	len = fread(buf, 1, 1 << 24, file);
	fclose(file);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
write_seeds(const char *dir)
{
	make_seeds();
	for (int i = 0; i < N_SEEDS; i++) {
		char path[4096];
		FILE *file;

		snprintf(path, sizeof(path), "%s/seed-%02d.dump", dir, i);
		file = fopen(path, "wb");
		if (file == NULL || fwrite(seeds[i].bytes, 1, seeds[i].len, file) != seeds[i].len) {
			perror(path);
			if (file != NULL)
				fclose(file);
			return 1;
		}
		fclose(file);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	double seconds = 0;
	unsigned long count = 0, done = 0;
	bool seeded = false;
	int first_file = 1;
	struct timespec start, now;
	uint8_t *buf;
	size_t cap = SEED_CAP;

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
		} else
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
	printf("fuzz_nl_parse: seed %llu\n", (unsigned long long)rng_state);
	fflush(stdout);
	make_seeds();
	buf = malloc(cap);
	check(buf != NULL, "buffer");
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		size_t len = generate(buf, cap);

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
	printf("fuzz_nl_parse: %lu inputs, %lu with sockets, %lu refused\n", done,
	       inputs_with_sockets, inputs_refused);
	check(inputs_with_sockets > done / 4, "a quarter of the inputs reach the sockets");
	check(inputs_refused > 0, "some inputs are refused");
	for (int i = 0; i < N_SEEDS; i++)
		free(seeds[i].bytes);
	free(buf);
	return 0;
}

#endif
