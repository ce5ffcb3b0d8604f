/*
 * listen.h - the listening sockets of a snapshot, with their load.
 *
 * For every LISTEN socket: how many ESTABLISHED and SYN_RECV sockets sit
 * on its port.  A connection belongs to the listener of its family and
 * port whose address equals the connection's local address, or else to a
 * wildcard listener of that port (the kernel prefers the more specific
 * socket the same way), in the connection's network namespace (a port
 * listening in several namespaces is several listeners, each with its
 * own connections).  Shared by the LISTEN panel and batch output.
 * Pure; any thread (reads an immutable snapshot).
 */
#ifndef TCPDECK_LISTEN_H
#define TCPDECK_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct listen_row {
	const struct sock_entry *sock;
	uint32_t established;
	uint32_t syn_recv;
};

enum listen_sort {
	LISTEN_SORT_PORT,        /* port, then address */
	LISTEN_SORT_PROCESS,     /* process name, pid, port */
	LISTEN_SORT_CONNECTIONS, /* established + syn_recv, most first */
	LISTEN_SORT_COUNT
};

/* Builds one row per LISTEN socket into *rows (malloc'd; the caller
 * frees it), sorted by port.  Returns the count, or -1 with errno. */
ssize_t listen_rows_build(const struct snapshot *snap, struct listen_row **rows);

/*
 * Sorts rows (stable for equal keys).  When the snapshot has namespaces
 * (n_netns > 0) the rows are grouped by namespace first (a group: the
 * consecutive rows with the same sock->netns), the host's namespace
 * first, then by short name (netns_info_short()), then by inode, with
 * sockets of a namespace missing from the table last; within a group
 * they are sorted by `by` (LISTEN_SORT_PROCESS: namespace, then
 * process, then port).  Without namespaces only `by` counts.
 * listen_rows_build() returns them sorted by LISTEN_SORT_PORT so.
 */
void listen_rows_sort(struct listen_row *rows, size_t n, const struct snapshot *snap,
		      enum listen_sort by);

/* Name of a sort order ("port", "process", "connections"). */
const char *listen_sort_name(enum listen_sort by);

#endif
