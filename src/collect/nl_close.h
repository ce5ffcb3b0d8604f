/*
 * nl_close.h - sock_diag destroy events (bytes) to closed sockets.
 *
 * The kernel announces every full TCP socket it frees on the multicast
 * groups SKNLGRP_INET_TCP_DESTROY and SKNLGRP_INET6_TCP_DESTROY as one
 * SOCK_DIAG_BY_FAMILY message: an inet_diag_msg with its final tcp_info.
 * This parser works on a received buffer, never on a socket, so live
 * events, recordings and test fixtures share it.  The input is untrusted:
 * every length is checked (the message itself by nl_parse_diag_msg()).
 * No I/O, no printing; reentrant; any thread.
 */
#ifndef TCPDECK_NL_CLOSE_H
#define TCPDECK_NL_CLOSE_H

#include <stddef.h>
#include <stdint.h>

#include "sock_close.h"

/* A growing array of closed sockets (zero-initialise it). */
struct nl_close_batch {
	struct sock_close *items;
	size_t n, cap;
	size_t skipped; /* well-formed messages of no interest: not TCP, or
			 * a socket that never had a peer (a listener, a
			 * bound or unconnected one) */
};

/*
 * Parses every netlink message in buf[0..len) and appends one sock_close
 * per TCP connection announced, stamped with netns and time_ns.  Returns
 * the number appended, or -1 with errno: EBADMSG when a message is
 * truncated or malformed (those before it stay appended), ENOMEM.
 */
int nl_close_parse(const void *buf, size_t len, uint32_t netns, uint64_t time_ns,
		   struct nl_close_batch *batch);

/* Makes room for `more` items; 0 or -1 with errno ENOMEM. */
int nl_close_batch_reserve(struct nl_close_batch *batch, size_t more);

/* Frees the items and zeroes the batch. */
void nl_close_batch_free(struct nl_close_batch *batch);

#endif
