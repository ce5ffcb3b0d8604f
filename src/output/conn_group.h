/*
 * conn_group.h - the connection table grouped by process, as TCPView
 * groups it: one group per process holding sockets (its first holder, as
 * the PID column shows), with its totals, and the rows of each group.
 * Sockets no process holds (TIME_WAIT, orphans, request sockets) and
 * those whose holder is hidden or not found make three groups of their
 * own.
 *
 * Pure; any thread (reads the rows and the snapshot it is given).
 */
#ifndef TCPDECK_CONN_GROUP_H
#define TCPDECK_CONN_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conn_columns.h"
#include "tcp_state.h"

/* The pid of the groups without a process: -1 - enum owner_status. */
#define CONN_GROUP_NONE (-1 - OWNER_NONE)
#define CONN_GROUP_HIDDEN (-1 - OWNER_HIDDEN)
#define CONN_GROUP_UNKNOWN (-1 - OWNER_UNKNOWN)

struct conn_group {
	int32_t pid;                    /* or CONN_GROUP_* */
	const struct owner_proc *proc;  /* the process; NULL for the others */
	uint32_t counts[TCP_STATE_COUNT];
	uint32_t total;
	uint64_t sent, received;        /* bytes acknowledged, received
					 * (tcp_info; 0 without) */
	uint64_t recv_q, send_q;        /* bytes queued, listeners left out
					 * (theirs are the accept queue and
					 * backlog) */
	size_t first, n;                /* its rows: order[first, first+n) */
};

/*
 * Groups n rows (each row's owner table is row->owners or snap's) into
 * *groups (malloc'd), most sockets first, ties by pid, the groups without
 * a process last; *order (malloc'd, n entries) gets the rows' indexes
 * group after group, each group's rows in the order they were given.
 * Both NULL when n is 0.  Returns the number of groups, or -1 (ENOMEM,
 * nothing allocated).
 */
ssize_t conn_group_build(const struct conn_row *rows, size_t n, const struct snapshot *snap,
			 struct conn_group **groups, size_t **order);

/* A group's name: the process's command (raw: sanitize before showing)
 * or "(no process)", "(hidden)", "(not found)". */
const char *conn_group_name(const struct conn_group *g);

#endif
