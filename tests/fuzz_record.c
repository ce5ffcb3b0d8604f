/*
 * fuzz_record.c - fuzz target for the recording reader (record_read.c).
 *
 * LLVMFuzzerTestOneInput() opens the input as a recording in memory,
 * indexes it, loads every sample in order, then some backwards and at
 * random, and checks the API's promises: a failure comes with a cause, a
 * loaded sample has as many entries as its owner indexes allow, its
 * namespace table (version 4) is sorted and unique with names that end
 * in their fields, the index never shrinks.  Nothing may crash, leak or read out of bounds.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it (make fuzz-record; then
 *       tests/fuzz-record-libfuzzer -max_total_time=60 CORPUS).
 *   the normal build, with or without sanitizers (no libFuzzer needed):
 *       fuzz_record FILE...          runs each file once
 *       fuzz_record -t SECONDS [-s SEED]
 *       fuzz_record -n COUNT [-s SEED]
 *       fuzz_record                  (20,000 inputs, seed 1: make check)
 *                                    runs generated inputs: real
 *                                    recordings of random samples,
 *                                    mutated bytewise, and in half of the
 *                                    cases with their checksums made
 *                                    right again so the decoder behind
 *                                    them is reached
 *       fuzz_record --seeds DIR      writes a seed corpus for libFuzzer
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "owners.h"
#include "record_format.h"
#include "record_read.h"
#include "record_write.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_record: broken promise: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cause[512] = "";
	struct record_reader *r = record_reader_open_mem(data, size, "fuzz", cause, sizeof(cause));
	size_t known = 0;

	if (r == NULL) {
		check(cause[0] != '\0', "a refused file has a cause");
		return 0;
	}
	/* In order, as a replay plays, then back and at random. */
	for (size_t i = 0; i < 64; i++) {
		struct snapshot *snap = snapshot_new(0);
		int rc;

		check(snap != NULL, "snapshot");
		cause[0] = '\0';
		rc = record_reader_load(r, i, snap, cause, sizeof(cause));
		check(record_reader_known(r) >= known, "the index never shrinks");
		known = record_reader_known(r);
		if (rc < 0)
			check(cause[0] != '\0', "an error has a cause");
		if (rc == 0) {
			check(i < known, "a loaded sample is indexed");
			snapshot_seal(snap);
			/* Namespace names end within their fields; the table
			 * is sorted, so each is found. */
			for (size_t k = 0; k < snap->n_netns; k++) {
				char name[256];

				check(netns_info_short(&snap->netns[k].info, name, sizeof(name)) >= 0,
				      "a namespace has a name");
				check(snapshot_find_netns(snap, snap->netns[k].info.inode) ==
				          &snap->netns[k],
				      "namespaces are unique and sorted");
			}
			for (size_t k = 0; k < snap->n_entries; k++)
				if (snap->owners != NULL && snap->entries[k].inode != 0)
					(void)owner_table_lookup(
					    snap->owners, snap->entries[k].inode, NULL, NULL, 0);
		}
		snapshot_unref(snap);
		if (rc != 0)
			break;
	}
	for (size_t k = 0; k < 2 * known && k < 32; k++) {
		size_t i = (k * 7919 + size) % known;
		struct snapshot *snap = snapshot_new(0);
		struct timespec wall;

		check(snap != NULL, "snapshot");
		cause[0] = '\0';
		if (record_reader_load(r, i, snap, cause, sizeof(cause)) < 0)
			check(cause[0] != '\0', "an error has a cause");
		check(record_reader_time(r, i, &wall, NULL) == 0, "an indexed sample has a time");
		check(record_reader_find_time(r, &wall) < known, "seeking stays in the index");
		snapshot_unref(snap);
	}
	record_reader_free(r);
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

enum { N_SEEDS = 8 };
static uint8_t *seeds[N_SEEDS];
static size_t seed_len[N_SEEDS];

/* A few samples of a small changing host, recorded with a real writer. */
static void
make_seed(int which)
{
	char path[] = "fuzz_record.XXXXXX";
	char cause[256];
	int fd = mkstemp(path);
	struct record_writer *w;
	struct snapshot *prev = NULL;
	struct owner_table *owners = NULL;
	unsigned int n_samples = 2 + below(6);
	uint64_t cookie = 1;

	check(fd >= 0, "temporary file");
	unlink(path);
	w = record_writer_open_fd(fd, "seed", cause, sizeof(cause));
	check(w != NULL, "writer");
	record_writer_set_keyframes(w, 1 + below(4), (size_t)1 << 20);
	for (unsigned int s = 0; s < n_samples; s++) {
		struct snapshot *snap = snapshot_new(8);

		snap->taken_mono.tv_sec = 100 + s;
		snap->taken_mono.tv_nsec = (long)below(1000000000);
		snap->taken_wall.tv_sec = 1700000000 + s;
		snap->sample_ns = below(100000000);
		if (prev != NULL)
			for (size_t k = 0; k < prev->n_entries; k++) {
				struct sock_entry *e;

				if (below(6) == 0)
					continue;
				e = snapshot_add(snap);
				*e = prev->entries[k];
				if (below(3) == 0)
					e->bytes_acked += below(5000);
				if (below(3) == 0)
					e->last_data_sent_ms += 1000;
			}
		for (unsigned int k = below(5); k > 0; k--) {
			struct sock_entry *e = snapshot_add(snap);

			e->cookie = cookie++;
			e->family = below(2) ? 2 : 10;
			e->local_addr[0] = 127;
			e->local_addr[5] = (uint8_t)(which & 1);
			e->local_port = (uint16_t)rnd();
			e->state = (uint8_t)(1 + below(12));
			e->inode = 100 + below(20);
			e->flags = (uint8_t)below(2);
			e->timer = (uint8_t)below(5);
			e->timer_expires_ms = below(10000);
			e->owner_status = (uint8_t)below(4);
		}
		if (owners == NULL || below(3) == 0) {
			struct owner_proc p = {.pid = (int32_t)below(5000),
			                       .uid = 1000,
			                       .comm = "srv",
			                       .cmdline = "srv -x",
			                       .user = "u",
			                       .fds = below(1100),
			                       .fd_limit = 1024,
			                       .fd_limit_hard = 4096};

			owner_table_unref(owners);
			owners = owner_table_new();
			owner_table_add_proc(owners, &p);
			p.pid++;
			owner_table_add_proc(owners, &p);
			for (uint32_t inode = 100; inode < 120; inode += 1 + below(3))
				owner_table_add_link(owners, inode, below(2));
			owner_table_seal(owners);
		}
		if (which % 3 != 0)
			snap->owners = owner_table_ref(owners);
		if (which % 2 == 0) {
			snap->counters.present = 0x3ff;
			for (int c = 0; c < KC_COUNT; c++)
				snap->counters.value[c] = s * 100 + (uint64_t)c;
		}
		if (which % 3 != 1) {
			snap->nfct.present = true;
			snap->nfct.count = below(300000);
			snap->nfct.max = 262144;
			snap->nfct.buckets = which % 2 == 0 ? 65536 : 0;
		}
		/* Half the seeds have network namespaces (version 4): a
		 * table of two or three, named or not, and sockets in them. */
		if (which % 4 >= 2) {
			unsigned int n_ns = 2 + below(2);

			for (unsigned int k = 0; k < n_ns; k++) {
				struct snapshot_netns *ns = snapshot_add_netns(snap, 4026531840u + k);

				check(ns != NULL, "namespace");
				ns->info.kind = (uint8_t)k;
				ns->info.pid = (int32_t)(k * 100);
				snprintf(ns->info.name, sizeof(ns->info.name), "ns%u-%u", k, below(2));
				if (below(2)) {
					ns->counters.present = 0x3f;
					ns->counters.value[0] = s * 10 + k;
				}
				ns->nfct.present = below(2) != 0;
			}
			for (size_t k = 0; k < snap->n_entries; k++)
				if (snap->entries[k].netns == 0)
					snap->entries[k].netns = 4026531840u + (uint32_t)(k * n_ns /
					                                                  snap->n_entries);
		}
		/* A third of the seeds carry closed connections (version 5). */
		if (which % 3 == 0) {
			unsigned int n_closed = below(4);

			snap->has_closes = true;
			snap->closes_lost = below(3);
			snap->closed = n_closed > 0 ? calloc(n_closed, sizeof(*snap->closed)) : NULL;
			check(n_closed == 0 || snap->closed != NULL, "closes");
			for (unsigned int k = 0; k < n_closed; k++) {
				struct sock_entry *e = &snap->closed[k].entry;

				e->family = k % 2 ? AF_INET6 : AF_INET;
				e->state = TCP_STATE_CLOSE;
				e->local_addr[0] = 127;
				e->remote_addr[0] = 127;
				e->local_port = (uint16_t)(8000 + k);
				e->remote_port = (uint16_t)(40000 + below(1000));
				e->cookie = s * 100 + k;
				e->bytes_acked = below(100000);
				e->rtt_us = below(5000);
				snap->closed[k].time_ns = (uint64_t)s * 1000000000ull + k;
			}
			snap->n_closed = n_closed;
		}
		snapshot_seal(snap);
		check(record_writer_add(w, snap, cause, sizeof(cause)) == 0, "seed sample");
		snapshot_unref(prev);
		prev = snap;
	}
	check(record_writer_close(w, cause, sizeof(cause)) == 0, "seed end");
	snapshot_unref(prev);
	owner_table_unref(owners);
	seed_len[which] = (size_t)lseek(fd, 0, SEEK_END);
	seeds[which] = malloc(seed_len[which]);
	check(seeds[which] != NULL &&
	          pread(fd, seeds[which], seed_len[which], 0) == (ssize_t)seed_len[which],
	      "seed bytes");
	close(fd);
}

static void
make_seeds(void)
{
	for (int i = 0; i < N_SEEDS; i++)
		if (seeds[i] == NULL)
			make_seed(i);
}

/* Makes every checksum right again, so mutations reach the decoder. */
static void
fix_checksums(uint8_t *p, size_t len)
{
	size_t off;
	uint32_t hlen, crc;

	if (len < RECORD_HEADER_FIXED)
		return;
	hlen = record_le32(p + 12);
	if (hlen < 4 || hlen > len - RECORD_HEADER_FIXED)
		return;
	crc = record_crc32(0, p, RECORD_HEADER_FIXED + hlen - 4);
	for (int k = 0; k < 4; k++)
		p[RECORD_HEADER_FIXED + hlen - 4 + (size_t)k] = (uint8_t)(crc >> (8 * k));
	off = RECORD_HEADER_FIXED + hlen;
	while (len - off >= RECORD_FRAME_LEN) {
		uint32_t n = record_le32(p + off + 1);

		if (n > len - off - RECORD_FRAME_LEN)
			break;
		crc = record_crc32(record_crc32(0, p + off, 5), p + off + RECORD_FRAME_LEN, n);
		for (int k = 0; k < 4; k++)
			p[off + 5 + (size_t)k] = (uint8_t)(crc >> (8 * k));
		off += RECORD_FRAME_LEN + n;
	}
}

static size_t
generate(uint8_t *buf, size_t cap)
{
	int which = (int)below(N_SEEDS);
	size_t len = seed_len[which] < cap ? seed_len[which] : cap;

	memcpy(buf, seeds[which], len);
	for (unsigned int m = 1 + below(4); m > 0 && len > 0; m--) {
		size_t at = below((uint32_t)len);

		switch (below(6)) {
		case 0: /* flip a bit */
			buf[at] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* a random byte */
			buf[at] = (uint8_t)rnd();
			break;
		case 2: /* an interesting value */
			buf[at] = (uint8_t[]){0, 1, 0x7f, 0x80, 0xff}[below(5)];
			break;
		case 3: /* cut */
			len = at;
			break;
		case 4: /* delete a run */
		{
			size_t n = 1 + below(8);

			if (at + n > len)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
			break;
		}
		default: /* insert a byte */
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)rnd();
				len++;
			}
			break;
		}
	}
	if (below(2) == 0)
		fix_checksums(buf, len);
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

		snprintf(path, sizeof(path), "%s/seed-%02d.rec", dir, i);
		file = fopen(path, "wb");
		if (file == NULL || fwrite(seeds[i], 1, seed_len[i], file) != seed_len[i]) {
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
	size_t cap = 1 << 16;

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
	printf("fuzz_record: seed %llu\n", (unsigned long long)rng_state);
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
	printf("fuzz_record: %lu inputs\n", done);
	for (int i = 0; i < N_SEEDS; i++)
		free(seeds[i]);
	free(buf);
	return 0;
}

#endif
