/*
 * fuzz_nl_close.c - fuzz target for the destroy-event parser (nl_close.c),
 * fed what a netlink socket could hand the listener.
 *
 * LLVMFuzzerTestOneInput() parses the input as one received buffer and
 * checks the promises: it returns the number of closes appended or -1
 * with EBADMSG or ENOMEM; every close kept is IPv4 or IPv6 with a peer
 * port, stamped with the namespace and time given.  Nothing may crash,
 * leak or read out of bounds.
 *
 * Two builds:
 *   clang -fsanitize=fuzzer,address,undefined -DTCPDECK_LIBFUZZER ...
 *   the normal build:  fuzz_nl_close FILE...  runs each file once
 *                      fuzz_nl_close -n COUNT [-s SEED]
 *                      fuzz_nl_close  (20,000 inputs, seed 1: make check):
 *                      events laid out as the kernel sends them (both
 *                      families, tcp_info of several sizes, several per
 *                      buffer), mutated bytewise.
 *   Exit 0 when every input ran; a broken promise aborts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_close.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long inputs_with_closes, inputs_refused;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_nl_close: broken promise: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_close_batch b = {0};
	/* The parser reads headers in place: give it aligned bytes. */
	void *copy = malloc(size > 0 ? size : 1);
	int rc;

	check(copy != NULL, "memory for the input");
	if (size > 0)
		memcpy(copy, data, size);
	errno = 0;
	rc = nl_close_parse(copy, size, 4026531840u, 77, &b);
	if (rc < 0) {
		check(errno == EBADMSG || errno == ENOMEM, "a failure says EBADMSG or ENOMEM");
		inputs_refused++;
	} else {
		check((size_t)rc == b.n, "the count returned is the count appended");
	}
	for (size_t i = 0; i < b.n; i++) {
		const struct sock_close *c = &b.items[i];

		check(c->entry.family == AF_INET || c->entry.family == AF_INET6, "IPv4 or IPv6");
		check(c->entry.remote_port != 0, "a close kept has a peer");
		check(c->entry.netns == 4026531840u && c->time_ns == 77, "stamped as asked");
	}
	if (b.n > 0)
		inputs_with_closes++;
	nl_close_batch_free(&b);
	free(copy);
	return 0;
}

#ifndef TCPDECK_LIBFUZZER

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* One event as the kernel lays it out, at buf; returns its length. */
static size_t
make_event(uint8_t *buf, size_t cap)
{
	static const size_t info_sizes[] = {0, 104, 160, 192, sizeof(struct tcp_info)};
	size_t info_len = info_sizes[rng() % 5];
	size_t len = NLMSG_ALIGN(sizeof(struct nlmsghdr)) + NLMSG_ALIGN(sizeof(struct inet_diag_msg)) +
		     (info_len > 0 ? NLMSG_ALIGN(sizeof(struct nlattr) + info_len) : 0);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct inet_diag_msg *msg;

	if (len > cap)
		return 0;
	memset(buf, 0, len);
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg = (struct inet_diag_msg *)(buf + NLMSG_ALIGN(sizeof(*nlh)));
	msg->idiag_family = rng() % 2 ? AF_INET : AF_INET6;
	msg->idiag_state = 7;
	msg->id.idiag_sport = htons((uint16_t)rng());
	msg->id.idiag_dport = htons((uint16_t)(rng() % 4 ? 1 + rng() % 60000 : 0));
	msg->id.idiag_cookie[0] = rng();
	if (info_len > 0) {
		struct nlattr *a = (struct nlattr *)((uint8_t *)msg + NLMSG_ALIGN(sizeof(*msg)));

		a->nla_len = (uint16_t)(sizeof(*a) + info_len);
		a->nla_type = INET_DIAG_INFO;
		for (size_t i = 0; i < info_len; i++)
			((uint8_t *)(a + 1))[i] = (uint8_t)rng();
	}
	return len;
}

static void
run_generated(unsigned long count)
{
	static uint8_t buf[8192];

	for (unsigned long n = 0; n < count; n++) {
		size_t len = 0, events = 1 + rng() % 4;

		for (size_t i = 0; i < events; i++)
			len += make_event(buf + len, sizeof(buf) - len);
		if (rng() % 4 != 0) {
			unsigned int flips = 1 + rng() % 8;

			for (unsigned int i = 0; i < flips && len > 0; i++)
				buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
		}
		if (rng() % 5 == 0 && len > 0)
			len = rng() % len;
		LLVMFuzzerTestOneInput(buf, len);
	}
}

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fuzz_nl_close: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return 1;
	}
	data = malloc((size_t)size + 1);
	if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "fuzz_nl_close: cannot read %s\n", path);
		free(data);
		fclose(f);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long count = 20000, seed = 1;
	int first_file = 1;

	for (; first_file + 1 < argc; first_file += 2) {
		if (strcmp(argv[first_file], "-n") == 0)
			count = strtoul(argv[first_file + 1], NULL, 10);
		else if (strcmp(argv[first_file], "-s") == 0)
			seed = strtoul(argv[first_file + 1], NULL, 10);
		else
			break;
	}
	if (first_file < argc) {
		int rc = 0;

		for (int i = first_file; i < argc; i++)
			rc |= run_file(argv[i]);
		return rc;
	}
	rng_state = seed;
	run_generated(count);
	printf("fuzz_nl_close: %lu inputs, %lu with closes, %lu refused\n", count,
	       inputs_with_closes, inputs_refused);
	/* A generator whose inputs all pass or all fail tests little. */
	if (inputs_with_closes == 0 || inputs_refused == 0) {
		fprintf(stderr, "fuzz_nl_close: the generated inputs reach too little\n");
		return 1;
	}
	return 0;
}
#endif
