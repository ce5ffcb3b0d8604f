/*
 * sock_close.h - one TCP socket the kernel announced it freed, as a
 * sock_diag destroy event (SKNLGRP_INET_TCP_DESTROY and its IPv6 twin)
 * carried it: the socket's final addresses, cookie and tcp_info.
 *
 * A plain value type: the listener (src/collect/close_listener.c) makes
 * them, the sampler hands them on in the snapshot of the interval they
 * happened in, recordings keep them.  Any thread may read them.
 */
#ifndef TCPDECK_SOCK_CLOSE_H
#define TCPDECK_SOCK_CLOSE_H

#include <stdint.h>

#include "sock_entry.h"

struct sock_close {
	/* As the event carried it: addresses, cookie, tcp_info (bytes,
	 * rtt, retransmits) and netns.  state is the kernel's state at the
	 * end (CLOSE for most); inode, uid and owner fields are 0: the event
	 * carries no owner. */
	struct sock_entry entry;
	uint64_t time_ns; /* CLOCK_REALTIME when it was received */
};

#endif
