/*
 * fuzz_netns.c - fuzz target for the parsers of the namespace finder and
 * namer: /proc/PID/cgroup files (netns_name_parse_cgroup), Docker's
 * config.v2.json (netns_name_parse_docker_config), pods directory names
 * (netns_name_parse_pod_dir), mountinfo lines (netns_mountinfo_parse_line)
 * and namespace links (netns_parse_link).  Any process can put almost any
 * bytes in a cgroup path, a container's config holds what its creator
 * chose, and mount points are anyone's directory names.
 *
 * LLVMFuzzerTestOneInput() gives the same bytes to every parser and checks
 * the promises: every string out is NUL-terminated inside its buffer; a
 * container id is 12 hex digits and its full id 64; a pod uid holds no
 * '_'; a pod's name is its directory's with the first '_' a '/'; a found
 * namespace's inode is not 0.  Nothing may crash, leak or
 * read out of bounds.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *       libFuzzer drives it (make fuzz-netns; then
 *       tests/fuzz-netns-libfuzzer -max_total_time=60 CORPUS).
 *   the normal build, with or without sanitizers:
 *       fuzz_netns FILE...          runs each file once
 *       fuzz_netns -t SECONDS [-s SEED]
 *       fuzz_netns -n COUNT [-s SEED]
 *       fuzz_netns                  (20,000 inputs, seed 1: make check)
 *                                   runs real cgroup files, configs and
 *                                   mountinfo lines, mutated bytewise
 *                                   with bytes that matter to the
 *                                   parsers ('/', ':', '"', '\\', ...)
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netns_find.h"
#include "netns_info.h"
#include "netns_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long found_cgroup, found_json, found_mount;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_netns: broken promise: %s\n", what);
		abort();
	}
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading past the end is seen */
	char *bytes = malloc(size ? size : 1);
	struct netns_info ns;
	char full_id[72], name[96], mp[256], small[5];
	uint32_t inode;
	uint64_t dev;

	check(bytes != NULL, "memory");
	if (size > 0)
		memcpy(bytes, data, size);

	memset(&ns, 0x5a, sizeof(ns));
	memset(full_id, 0x5a, sizeof(full_id));
	if (netns_name_parse_cgroup(bytes, size, &ns, full_id, sizeof(full_id))) {
		found_cgroup++;
		check(ns.kind == NETNS_KIND_CONTAINER || ns.kind == NETNS_KIND_POD, "a kind");
		check(terminated(ns.id, sizeof(ns.id)), "id terminated");
		check(terminated(ns.runtime, sizeof(ns.runtime)), "runtime terminated");
		check(ns.name[0] == '\0', "no name from a cgroup");
		check(terminated(full_id, sizeof(full_id)), "full id terminated");
		check(full_id[0] == '\0' || strlen(full_id) == 64, "a full id of 64");
		if (ns.kind == NETNS_KIND_CONTAINER) {
			check(strlen(ns.id) == 12 && strspn(ns.id, "0123456789abcdef") == 12,
			      "a 12-digit container id");
			check(strncmp(ns.id, full_id, 12) == 0, "the id starts the full id");
		} else {
			check(ns.id[0] != '\0' && strchr(ns.id, '_') == NULL, "a pod uid with '-'");
		}
	} else {
		check(full_id[0] == '\0', "no full id when nothing is found");
	}

	memset(name, 0x5a, sizeof(name));
	if (netns_name_parse_docker_config(bytes, size, name, sizeof(name))) {
		found_json++;
		check(name[0] != '\0', "a name is not empty");
	}
	check(terminated(name, sizeof(name)), "name terminated");
	memset(small, 0x5a, sizeof(small));
	netns_name_parse_docker_config(bytes, size, small, sizeof(small));
	check(terminated(small, sizeof(small)), "a cut name terminated");

	/* each line as mountinfo */
	for (const char *p = bytes, *end = bytes + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);

		memset(mp, 0x5a, sizeof(mp));
		if (netns_mountinfo_parse_line(p, ll, &inode, &dev, mp, sizeof(mp))) {
			found_mount++;
			check(inode != 0, "an inode");
			check(terminated(mp, sizeof(mp)), "mount point terminated");
		}
		if (netns_parse_link(p, ll, &inode))
			check(inode != 0, "a link's inode");
		p += ll + 1;
	}

	/* a pods directory entry: the input, split at its first newline
	 * into a name and a uid (both NUL-terminated copies) */
	if (size < 4096) {
		char *dir = malloc(size + 1), *uid;

		check(dir != NULL, "memory");
		memcpy(dir, bytes, size);
		dir[size] = '\0';
		uid = strchr(dir, '\n');
		if (uid != NULL) {
			*uid++ = '\0';
			memset(name, 0x5a, sizeof(name));
			if (netns_name_parse_pod_dir(dir, uid, name, sizeof(name))) {
				/* the directory's name with its first '_' a '/',
				 * perhaps cut */
				char *us = strchr(dir, '_');
				size_t nl;

				check(terminated(name, sizeof(name)), "pod name terminated");
				nl = strlen(name);
				check(us != NULL && us != dir, "a namespace");
				*us = '/';
				check(nl > 0 && strncmp(name, dir, nl) == 0, "NAMESPACE/NAME");
			}
		}
		free(dir);
	}
	free(bytes);
	return 0;
}

#ifndef TCPDECK_LIBFUZZER

#define ID "3f2a9c0e1b7d4a5f8e6c2b1a0d9f8e7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10"
#define UID "7c1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6"

static const char *const seeds[] = {
	"0::/system.slice/docker-" ID ".scope\n",
	"12:pids:/docker/" ID "\n11:memory:/docker/" ID "\n1:name=systemd:/docker/" ID "\n0::/\n",
	"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1e2f3a_4b5c_6d7e_8f90_"
	"a1b2c3d4e5f6.slice/cri-containerd-" ID ".scope\n",
	"11:memory:/kubepods/besteffort/pod" UID "/" ID "\n1:name=systemd:/kubepods/besteffort/pod" UID
	"/" ID "\n",
	"0::/machine.slice/crio-" ID ".scope\n4:memory:/docker/" ID "\n",
	"{\"State\":{\"Pid\":1},\"Config\":{\"Labels\":{\"Name\":\"/x\"},\"Env\":[\"a=\\\"}\"]},"
	"\"Name\":\"/web-1\",\"Driver\":\"overlay2\"}",
	"{\"Name\":\"\\/caf\\u00e9\\ud83d\\ude00\\n\"}",
	"401 400 0:4 net:[4026532301] /run/netns/blue rw shared:200 - nsfs nsfs rw\n"
	"30 22 0:40 / /var/lib/docker/overlay2/l/abc/merged rw,relatime - overlay overlay "
	"rw,lowerdir=/a\n"
	"405 400 0:4 net:[4026532303] /run/netns/with\\040space rw - nsfs nsfs rw\n",
	"net:[4026532290]",
	"default_web-0_" UID "\n" UID,
};

static uint64_t rng_state = 1;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t
generate(char *buf, size_t cap)
{
	static const char special[] = "/:-_.\"\\{}[]\n \0net:[]0123456789abcdefpod";
	size_t len = 0;
	int parts = 1 + (int)(rnd() % 3);

	/* one to three seeds glued, so lines of several kinds meet */
	for (int p = 0; p < parts; p++) {
		const char *s = seeds[rnd() % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t sl = strlen(s);

		if (len + sl > cap)
			break;
		memcpy(buf + len, s, sl);
		len += sl;
	}
	if (len == 0)
		return 0;
	for (int k = (int)(rnd() % 8); k > 0; k--) {
		uint64_t r = rnd();
		size_t at = (size_t)(r % len);

		switch ((r >> 32) % 4) {
		case 0:
			buf[at] = (char)(r >> 40);
			break;
		case 1:
		case 2:
			buf[at] = special[(r >> 40) % (sizeof(special) - 1)];
			break;
		default:
			len = at; /* cut short */
			break;
		}
		if (len == 0)
			break;
	}
	return len;
}

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 20];
	size_t n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
	return 0;
}

int
main(int argc, char **argv)
{
	double seconds = 0;
	unsigned long count = 0, done = 0;
	int first = 1;
	bool seeded = false;
	static char buf[8192];
	struct timespec start, now;

	for (; first + 1 < argc && argv[first][0] == '-'; first += 2) {
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
	if (seconds <= 0 && count == 0)
		count = 20000;
	if (!seeded)
		rng_state = seconds > 0 ? ((uint64_t)time(NULL) | 1) : 1;
	printf("fuzz_netns: seed %llu\n", (unsigned long long)rng_state);
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
	printf("fuzz_netns: %lu inputs; found %lu cgroup names, %lu container names, %lu mounts\n",
	       done, found_cgroup, found_json, found_mount);
	/* a generator that never reaches a parser's success tests little */
	check(count == 0 || (found_cgroup > 0 && found_json > 0 && found_mount > 0),
	      "the inputs reach every parser");
	return 0;
}
#endif
