/*
 * conn_group.c - rows of the connection table grouped by the process
 * that holds them (conn_group.h).  One sort of (key, row) pairs: stable
 * within a group, so a group's rows keep the table's order.
 * Pure; any thread; never prints.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_group.h"
#include "owners.h"

struct pair {
	int32_t key;   /* pid, or CONN_GROUP_* */
	uint32_t proc; /* index in the owner table (with a pid) */
	const struct owner_table *owners;
	size_t row;
};

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Most sockets first; then processes by pid; the groups without a
 * process (negative pids) after every process. */
static int
group_cmp(const void *a, const void *b)
{
	const struct conn_group *x = a, *y = b;
	bool xp = x->pid >= 0, yp = y->pid >= 0;

	if (xp != yp)
		return xp ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return x->pid < y->pid ? (xp ? -1 : 1) : x->pid > y->pid ? (xp ? 1 : -1) : 0;
}

ssize_t
conn_group_build(const struct conn_row *rows, size_t n, const struct snapshot *snap,
		 struct conn_group **groups, size_t **order)
{
	struct pair *pairs;
	struct conn_group *g;
	size_t *ord, n_groups = 0;

	*groups = NULL;
	*order = NULL;
	if (n == 0)
		return 0;
	pairs = malloc(n * sizeof(*pairs));
	ord = malloc(n * sizeof(*ord));
	if (pairs == NULL || ord == NULL) {
		free(pairs);
		free(ord);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].entry;
		const struct owner_table *owners =
			rows[i].owners != NULL ? rows[i].owners : snap != NULL ? snap->owners : NULL;
		const struct owner_proc *p = NULL;

		if (e->owner_status == OWNER_FOUND && owners != NULL)
			p = owner_table_proc(owners, e->owner);
		pairs[i] = (struct pair){
			.key = p != NULL ? p->pid
					 : -1 - (e->owner_status == OWNER_FOUND ? OWNER_UNKNOWN
										: e->owner_status),
			.proc = e->owner,
			.owners = owners,
			.row = i,
		};
	}
	qsort(pairs, n, sizeof(*pairs), pair_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || pairs[i].key != pairs[i - 1].key)
			n_groups++;
	g = calloc(n_groups, sizeof(*g));
	if (g == NULL) {
		free(pairs);
		free(ord);
		errno = ENOMEM;
		return -1;
	}
	n_groups = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[pairs[i].row].entry;
		struct conn_group *cur;

		if (i == 0 || pairs[i].key != pairs[i - 1].key) {
			cur = &g[n_groups++];
			cur->pid = pairs[i].key;
			cur->proc = pairs[i].key >= 0 ? owner_table_proc(pairs[i].owners, pairs[i].proc)
						      : NULL;
			cur->first = i;
		}
		cur = &g[n_groups - 1];
		ord[i] = pairs[i].row;
		cur->n++;
		if (e->state < TCP_STATE_COUNT)
			cur->counts[e->state]++;
		cur->total++;
		cur->sent += e->bytes_acked;
		cur->received += e->bytes_received;
		if (e->state != TCP_STATE_LISTEN) {
			cur->recv_q += e->recv_q;
			cur->send_q += e->send_q;
		}
	}
	free(pairs);
	/* Groups reordered; their rows stay where they are in ord. */
	qsort(g, n_groups, sizeof(*g), group_cmp);
	*groups = g;
	*order = ord;
	return (ssize_t)n_groups;
}

const char *
conn_group_name(const struct conn_group *g)
{
	if (g->proc != NULL)
		return g->proc->comm;
	switch (g->pid) {
	case CONN_GROUP_NONE:
		return "(no process)";
	case CONN_GROUP_HIDDEN:
		return "(hidden)";
	default:
		return "(not found)";
	}
}
