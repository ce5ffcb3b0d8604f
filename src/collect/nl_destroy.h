/*
 * nl_destroy.h - closing a TCP connection from outside, as `ss -K` does:
 * a SOCK_DESTROY request over sock_diag for one socket, named by its
 * addresses, ports and cookie (so a reused 4-tuple is never hit).
 * Needs CAP_NET_ADMIN and a kernel built with CONFIG_INET_DIAG_DESTROY.
 * Any thread; opens its own netlink socket per call.
 */
#ifndef TCPDECK_NL_DESTROY_H
#define TCPDECK_NL_DESTROY_H

#include <stddef.h>

#include "sock_entry.h"

/*
 * Asks the kernel to close the socket.  Returns 0, or -1 with errno and a
 * one-line cause: EPERM/EACCES "needs CAP_NET_ADMIN", EOPNOTSUPP "kernel
 * without SOCK_DESTROY support", ENOENT "the socket is already gone".
 */
int nl_destroy(const struct sock_entry *e, char *cause, size_t cause_len);

#endif
