/*
 * nl_request.h - one sock_diag request about one socket, named by its
 * addresses, ports, interface and cookie (so a reused 4-tuple is never
 * hit): the drill-down's tcp_info query and SOCK_DESTROY share it.
 * Any thread; opens its own netlink socket per call.
 */
#ifndef TCPDECK_NL_REQUEST_H
#define TCPDECK_NL_REQUEST_H

#include <stdint.h>
#include <libmnl/libmnl.h>

#include "sock_entry.h"

/*
 * Sends a request of `type` (SOCK_DIAG_BY_FAMILY, SOCK_DESTROY) with extra
 * `flags` (NLM_F_ACK), kernel state mask `states` and extension bits
 * `ext`, and runs `cb` (may be NULL) on the answer.  Returns 0, or -1 with
 * errno: the kernel's error, or the one opening the socket failed with
 * (then *opening is set to 1).
 */
int nl_request_socket(const struct sock_entry *e, uint16_t type, uint16_t flags, uint32_t states,
		      uint8_t ext, mnl_cb_t cb, void *data, int *opening);

/* The same over fd, a NETLINK_SOCK_DIAG socket the caller opened (in the
 * socket's network namespace: the kernel looks the socket up in the
 * requesting socket's); fd is closed in every case. */
int nl_request_socket_fd(int fd, const struct sock_entry *e, uint16_t type, uint16_t flags,
			 uint32_t states, uint8_t ext, mnl_cb_t cb, void *data, int *opening);

#endif
