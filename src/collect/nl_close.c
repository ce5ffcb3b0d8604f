/*
 * nl_close.c - decoding of sock_diag destroy events.
 *
 * Each message is decoded by nl_parse_diag_msg(), the parser of dumps, so
 * an event reads exactly as the same socket would in a sample.
 * No I/O; any thread.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/sock_diag.h>

#include "nl_close.h"
#include "nl_parse.h"

int
nl_close_batch_reserve(struct nl_close_batch *batch, size_t more)
{
	struct sock_close *grown;
	size_t cap;

	if (batch->cap - batch->n >= more)
		return 0;
	if (more > SIZE_MAX / 2 / sizeof(*grown) - batch->n) {
		errno = ENOMEM;
		return -1;
	}
	cap = batch->cap < 64 ? 64 : batch->cap;
	while (cap - batch->n < more)
		cap *= 2;
	grown = realloc(batch->items, cap * sizeof(*grown));
	if (grown == NULL) {
		errno = ENOMEM;
		return -1;
	}
	batch->items = grown;
	batch->cap = cap;
	return 0;
}

void
nl_close_batch_free(struct nl_close_batch *batch)
{
	free(batch->items);
	memset(batch, 0, sizeof(*batch));
}

int
nl_close_parse(const void *buf, size_t len, uint32_t netns, uint64_t time_ns,
	       struct nl_close_batch *batch)
{
	const struct nlmsghdr *nlh = buf;
	int remaining = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;
	int added = 0;

	while (remaining > 0) {
		struct sock_entry entry;
		int kept;

		/* As in nl_parse_buffer(): a length of 2^31 or more passes
		 * mnl_nlmsg_ok()'s signed compare, so check it unsigned. */
		if ((size_t)remaining < sizeof(*nlh) || nlh->nlmsg_len > (uint32_t)remaining ||
		    !mnl_nlmsg_ok(nlh, remaining)) {
			errno = EBADMSG;
			return -1;
		}
		if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			kept = nl_parse_diag_msg(nlh, &entry);
			if (kept < 0)
				return -1;
			/* A listener or a socket that never connected is no
			 * connection: counting it would inflate the closes. */
			if (kept == 0 || entry.remote_port == 0) {
				batch->skipped++;
			} else {
				struct sock_close *c;

				if (nl_close_batch_reserve(batch, 1) < 0)
					return -1;
				c = &batch->items[batch->n++];
				entry.netns = netns;
				c->entry = entry;
				c->time_ns = time_ns;
				added++;
			}
		} else {
			batch->skipped++;
		}
		nlh = mnl_nlmsg_next(nlh, &remaining);
	}
	return added;
}
