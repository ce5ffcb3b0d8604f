/*
 * test_conn_group.c - connections grouped by process: one group per
 * holder with its counts by state, bytes and queues; the sockets without
 * a process in groups of their own, last; each group's rows in the order
 * given.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_group.h"
#include "owners.h"
#include "snapshot.h"

static uint32_t
add_proc(struct owner_table *table, int32_t pid, const char *comm)
{
	struct owner_proc proc;
	int index;

	memset(&proc, 0, sizeof(proc));
	proc.pid = pid;
	snprintf(proc.comm, sizeof(proc.comm), "%s", comm);
	proc.cmdline = comm;
	proc.user = "root";
	index = owner_table_add_proc(table, &proc);
	assert_true(index >= 0);
	return (uint32_t)index;
}

/* Sockets: (owner index or -1 - status, state, recv_q, send_q, sent) */
static const struct {
	int owner;
	int state;
	uint32_t recv_q, send_q;
	uint64_t sent;
} socks[] = {
	{0, TCP_STATE_LISTEN, 3, 128, 0},        /* nginx: queues left out */
	{1, TCP_STATE_ESTABLISHED, 10, 0, 100},  /* curl */
	{0, TCP_STATE_ESTABLISHED, 1, 2, 1000},  /* nginx */
	{-1 - OWNER_NONE, TCP_STATE_TIME_WAIT, 0, 0, 0},
	{0, TCP_STATE_CLOSE_WAIT, 5, 0, 24},     /* nginx */
	{-1 - OWNER_HIDDEN, TCP_STATE_ESTABLISHED, 0, 0, 0},
	{1, TCP_STATE_SYN_SENT, 0, 1, 0},        /* curl */
	{0, TCP_STATE_ESTABLISHED, 0, 4, 1},     /* nginx */
};
enum { N = sizeof(socks) / sizeof(socks[0]) };

static void
test_groups(void **state)
{
	struct owner_table *owners = owner_table_new();
	struct snapshot *snap = snapshot_new(N);
	struct conn_row rows[N];
	struct conn_group *g;
	size_t *order;
	uint32_t procs[2];
	ssize_t n;

	(void)state;
	assert_non_null(owners);
	assert_non_null(snap);
	procs[0] = add_proc(owners, 812, "nginx");
	procs[1] = add_proc(owners, 77, "curl");
	assert_int_equal(owner_table_seal(owners), 0);
	snap->owners = owners;
	for (size_t i = 0; i < N; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		e->state = (uint8_t)socks[i].state;
		e->recv_q = socks[i].recv_q;
		e->send_q = socks[i].send_q;
		e->bytes_acked = socks[i].sent;
		if (socks[i].owner >= 0) {
			e->owner_status = OWNER_FOUND;
			e->owner = procs[socks[i].owner];
		} else {
			e->owner_status = (uint8_t)(-1 - socks[i].owner);
		}
	}
	snapshot_seal(snap);
	for (size_t i = 0; i < N; i++)
		rows[i] = (struct conn_row){.entry = &snap->entries[i]};

	n = conn_group_build(rows, N, snap, &g, &order);
	assert_int_equal(n, 4);
	/* nginx (4 sockets), curl (2), then no process, hidden. */
	assert_int_equal(g[0].pid, 812);
	assert_string_equal(conn_group_name(&g[0]), "nginx");
	assert_int_equal(g[0].total, 4);
	assert_int_equal(g[0].counts[TCP_STATE_LISTEN], 1);
	assert_int_equal(g[0].counts[TCP_STATE_ESTABLISHED], 2);
	assert_int_equal(g[0].counts[TCP_STATE_CLOSE_WAIT], 1);
	assert_int_equal(g[0].recv_q, 6);  /* 1 + 5 + 0, not the listener's 3 */
	assert_int_equal(g[0].send_q, 6);  /* 2 + 0 + 4, not the backlog */
	assert_int_equal(g[0].sent, 1025);
	assert_int_equal(g[1].pid, 77);
	assert_int_equal(g[1].total, 2);
	assert_int_equal(g[1].counts[TCP_STATE_SYN_SENT], 1);
	assert_int_equal(g[2].pid, CONN_GROUP_NONE);
	assert_string_equal(conn_group_name(&g[2]), "(no process)");
	assert_int_equal(g[2].counts[TCP_STATE_TIME_WAIT], 1);
	assert_int_equal(g[3].pid, CONN_GROUP_HIDDEN);
	assert_string_equal(conn_group_name(&g[3]), "(hidden)");
	/* Every row once; a group's rows in the order given. */
	{
		size_t want0[] = {0, 2, 4, 7};
		bool seen[N] = {false};

		for (size_t i = 0; i < 4; i++)
			assert_int_equal(order[g[0].first + i], want0[i]);
		assert_int_equal(order[g[1].first], 1);
		assert_int_equal(order[g[1].first + 1], 6);
		for (size_t i = 0; i < N; i++) {
			assert_false(seen[order[i]]);
			seen[order[i]] = true;
		}
	}
	free(g);
	free(order);

	assert_int_equal(conn_group_build(rows, 0, snap, &g, &order), 0);
	assert_null(g);
	assert_null(order);
	snapshot_unref(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
