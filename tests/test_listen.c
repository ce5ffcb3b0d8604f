/*
 * test_listen.c - listener rows: each connection counted on the listener
 * of its address or the wildcard one of its port, the sort orders, and
 * with network namespaces a listener per namespace (the same port in two
 * namespaces is two rows, each with its own connections), rows grouped by
 * namespace (the host's first, then by name) before the chosen order.
 *
 * Samples are snapshots built by hand with a small owner table.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listen.h"
#include "snapshot.h"

#define HOST 4026531840u
#define BLUE 4026532300u
#define RED 4026532200u

static struct sock_entry *
add(struct snapshot *snap, uint32_t netns, enum tcp_state state, const char *local,
    uint16_t lport, uint16_t rport)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = snap->n_entries;
	e->netns = netns;
	e->family = AF_INET;
	e->state = (uint8_t)state;
	assert_int_equal(inet_pton(AF_INET, local, e->local_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "10.0.9.9", e->remote_addr), 1);
	e->local_port = lport;
	e->remote_port = rport;
	return e;
}

/* Owners: "zeta" (pid 10) and "alpha" (pid 20). */
static void
give_procs(struct snapshot *snap)
{
	struct owner_table *t = owner_table_new();
	struct owner_proc p = {.pid = 10, .comm = "zeta", .cmdline = "", .user = "root"};

	assert_non_null(t);
	assert_int_equal(owner_table_add_proc(t, &p), 0);
	p.pid = 20;
	snprintf(p.comm, sizeof(p.comm), "alpha");
	assert_int_equal(owner_table_add_proc(t, &p), 1);
	assert_int_equal(owner_table_add_link(t, 1000, 0), 0);
	assert_int_equal(owner_table_add_link(t, 1001, 1), 0);
	assert_int_equal(owner_table_seal(t), 0);
	snap->owners = t;
}

static struct sock_entry *
own(struct sock_entry *e, int proc)
{
	e->inode = (uint32_t)(1000 + proc);
	e->owner_status = OWNER_FOUND;
	e->n_owners = 1;
	e->owner = (uint32_t)proc;
	return e;
}

static void
add_netns(struct snapshot *snap, uint32_t inode, enum netns_kind kind, const char *name)
{
	struct snapshot_netns *ns = snapshot_add_netns(snap, inode);

	assert_non_null(ns);
	ns->info.kind = (uint8_t)kind;
	snprintf(ns->info.name, sizeof(ns->info.name), "%s", name);
}

/* One namespace: connections go to the specific listener, else the
 * wildcard one; the three orders. */
static void
test_one_namespace(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	struct listen_row *rows;
	ssize_t n;

	(void)state;
	assert_non_null(snap);
	give_procs(snap);
	own(add(snap, 0, TCP_STATE_LISTEN, "0.0.0.0", 80, 0), 0);
	own(add(snap, 0, TCP_STATE_LISTEN, "10.0.0.1", 80, 0), 1);
	own(add(snap, 0, TCP_STATE_LISTEN, "0.0.0.0", 22, 0), 1);
	add(snap, 0, TCP_STATE_ESTABLISHED, "10.0.0.1", 80, 40000);
	add(snap, 0, TCP_STATE_ESTABLISHED, "10.0.0.2", 80, 40001);
	add(snap, 0, TCP_STATE_ESTABLISHED, "10.0.0.2", 80, 40002);
	add(snap, 0, TCP_STATE_SYN_RECV, "10.0.0.2", 80, 40003);
	add(snap, 0, TCP_STATE_ESTABLISHED, "10.0.0.2", 443, 40004); /* no listener */
	snapshot_seal(snap);

	n = listen_rows_build(snap, &rows);
	assert_int_equal(n, 3);
	/* By port, then address. */
	assert_int_equal(rows[0].sock->local_port, 22);
	assert_int_equal(rows[1].sock->local_port, 80);
	assert_int_equal(rows[1].sock->local_addr[0], 0);
	assert_int_equal(rows[1].established, 2);
	assert_int_equal(rows[1].syn_recv, 1);
	assert_int_equal(rows[2].sock->local_addr[0], 10);
	assert_int_equal(rows[2].established, 1);

	listen_rows_sort(rows, (size_t)n, snap, LISTEN_SORT_PROCESS);
	assert_int_equal(rows[0].sock->local_port, 22); /* alpha */
	assert_int_equal(rows[1].sock->local_addr[0], 10); /* alpha */
	assert_int_equal(rows[2].sock->local_addr[0], 0); /* zeta */

	listen_rows_sort(rows, (size_t)n, snap, LISTEN_SORT_CONNECTIONS);
	assert_int_equal(rows[0].established + rows[0].syn_recv, 3);
	assert_int_equal(rows[2].sock->local_port, 22);
	free(rows);
	snapshot_unref(snap);
}

/*
 * Port 80 listens in three namespaces: three rows, each counting the
 * connections of its own namespace only; a connection whose namespace
 * has no listener counts nowhere.  Rows come grouped by namespace, the
 * host's first, then "blue", then "red", whatever the inodes.
 */
static void
test_namespaces(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	struct listen_row *rows;
	ssize_t n;

	(void)state;
	assert_non_null(snap);
	give_procs(snap);
	add_netns(snap, RED, NETNS_KIND_NAMED, "red");
	add_netns(snap, HOST, NETNS_KIND_HOST, "");
	add_netns(snap, BLUE, NETNS_KIND_NAMED, "blue");
	own(add(snap, BLUE, TCP_STATE_LISTEN, "0.0.0.0", 80, 0), 0);
	own(add(snap, BLUE, TCP_STATE_LISTEN, "0.0.0.0", 22, 0), 1);
	own(add(snap, RED, TCP_STATE_LISTEN, "0.0.0.0", 80, 0), 1);
	own(add(snap, HOST, TCP_STATE_LISTEN, "0.0.0.0", 80, 0), 0);
	own(add(snap, HOST, TCP_STATE_LISTEN, "0.0.0.0", 9000, 0), 1);
	for (int i = 0; i < 3; i++)
		add(snap, BLUE, TCP_STATE_ESTABLISHED, "10.0.0.2", 80, (uint16_t)(40000 + i));
	add(snap, RED, TCP_STATE_ESTABLISHED, "10.0.0.2", 80, 40000);
	add(snap, RED, TCP_STATE_SYN_RECV, "10.0.0.2", 80, 40001);
	add(snap, 77, TCP_STATE_ESTABLISHED, "10.0.0.2", 80, 40000); /* no listener there */
	add(snap, RED, TCP_STATE_ESTABLISHED, "10.0.0.2", 22, 40000); /* 22 listens in blue */
	snapshot_seal(snap);

	n = listen_rows_build(snap, &rows);
	assert_int_equal(n, 5);
	/* Grouped: host (80, 9000), blue (22, 80), red (80). */
	assert_int_equal(rows[0].sock->netns, HOST);
	assert_int_equal(rows[0].sock->local_port, 80);
	assert_int_equal(rows[0].established, 0);
	assert_int_equal(rows[1].sock->netns, HOST);
	assert_int_equal(rows[1].sock->local_port, 9000);
	assert_int_equal(rows[2].sock->netns, BLUE);
	assert_int_equal(rows[2].sock->local_port, 22);
	assert_int_equal(rows[2].established, 0);
	assert_int_equal(rows[3].sock->netns, BLUE);
	assert_int_equal(rows[3].sock->local_port, 80);
	assert_int_equal(rows[3].established, 3);
	assert_int_equal(rows[3].syn_recv, 0);
	assert_int_equal(rows[4].sock->netns, RED);
	assert_int_equal(rows[4].established, 1);
	assert_int_equal(rows[4].syn_recv, 1);

	/* By process within each namespace: alpha before zeta. */
	listen_rows_sort(rows, (size_t)n, snap, LISTEN_SORT_PROCESS);
	assert_int_equal(rows[0].sock->netns, HOST);
	assert_int_equal(rows[0].sock->local_port, 9000); /* alpha */
	assert_int_equal(rows[1].sock->local_port, 80);   /* zeta */
	assert_int_equal(rows[2].sock->netns, BLUE);
	assert_int_equal(rows[2].sock->local_port, 22);   /* alpha */
	assert_int_equal(rows[3].sock->local_port, 80);   /* zeta */
	assert_int_equal(rows[4].sock->netns, RED);

	/* By connections within each namespace. */
	listen_rows_sort(rows, (size_t)n, snap, LISTEN_SORT_CONNECTIONS);
	assert_int_equal(rows[0].sock->netns, HOST);
	assert_int_equal(rows[2].sock->netns, BLUE);
	assert_int_equal(rows[2].established, 3);
	assert_int_equal(rows[4].sock->netns, RED);
	free(rows);
	snapshot_unref(snap);
}

/* A listener of a namespace missing from the table comes last. */
static void
test_namespace_not_in_table(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	struct listen_row *rows;
	ssize_t n;

	(void)state;
	assert_non_null(snap);
	add_netns(snap, BLUE, NETNS_KIND_NAMED, "blue");
	add(snap, 5, TCP_STATE_LISTEN, "0.0.0.0", 22, 0);
	add(snap, BLUE, TCP_STATE_LISTEN, "0.0.0.0", 80, 0);
	snapshot_seal(snap);
	n = listen_rows_build(snap, &rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].sock->netns, BLUE);
	assert_int_equal(rows[1].sock->netns, 5);
	free(rows);
	snapshot_unref(snap);
}

/* The listener conn belongs to by the rule of listen.h, found by looking
 * at every listener: the one of its address, else a wildcard one; of
 * several alike, the first in the snapshot. */
static const struct sock_entry *
reference_listener(const struct snapshot *snap, const struct sock_entry *conn)
{
	static const uint8_t zero[16];
	const struct sock_entry *wildcard = NULL;

	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *l = &snap->entries[i];

		if (l->state != TCP_STATE_LISTEN || l->netns != conn->netns ||
		    l->family != conn->family || l->local_port != conn->local_port)
			continue;
		if (memcmp(l->local_addr, conn->local_addr, 16) == 0)
			return l;
		if (wildcard == NULL && memcmp(l->local_addr, zero, 16) == 0)
			wildcard = l;
	}
	return wildcard;
}

static void
test_against_every_listener(void **state)
{
	/* Listeners of two namespaces and both families on a few ports,
	 * some on a wildcard address, some several on one port; connections
	 * on those ports and others: every row counts what a look at every
	 * listener counts. */
	static const char *const v4[] = {"0.0.0.0", "10.0.0.1", "10.0.0.2"};
	static const char *const v6[] = {"::", "fd00::1", "fd00::2"};
	static const uint32_t netns[] = {HOST, RED};
	uint32_t x = 12345;

	(void)state;
	for (int round = 0; round < 20; round++) {
		struct snapshot *snap = snapshot_new(600);
		struct listen_row *rows = NULL;
		ssize_t n;

		for (int i = 0; i < 600; i++) {
			struct sock_entry *e;
			int kind, fam;
			uint16_t port;

			x = x * 1103515245u + 12345u;
			kind = (int)((x >> 16) % 10);
			fam = (int)((x >> 8) % 2);
			port = (uint16_t)(kind < 8 ? 80 + (x >> 4) % 4 : 30000 + (x >> 4) % 100);
			e = add(snap, netns[(x >> 12) % 2],
				kind == 0 ? TCP_STATE_LISTEN
				: kind <= 6 ? TCP_STATE_ESTABLISHED
				: kind == 7 ? TCP_STATE_SYN_RECV
					    : TCP_STATE_CLOSE_WAIT,
				"0.0.0.0", port, 40000);
			if (fam == 1) {
				e->family = AF_INET6;
				assert_int_equal(inet_pton(AF_INET6, v6[(x >> 20) % 3], e->local_addr), 1);
			} else {
				memset(e->local_addr, 0, sizeof(e->local_addr));
				assert_int_equal(inet_pton(AF_INET, v4[(x >> 20) % 3], e->local_addr), 1);
			}
		}
		snapshot_seal(snap);
		n = listen_rows_build(snap, &rows);
		assert_true(n > 0);
		for (ssize_t r = 0; r < n; r++) {
			uint32_t established = 0, syn_recv = 0;

			for (size_t i = 0; i < snap->n_entries; i++) {
				const struct sock_entry *e = &snap->entries[i];

				if ((e->state == TCP_STATE_ESTABLISHED || e->state == TCP_STATE_SYN_RECV) &&
				    reference_listener(snap, e) == rows[r].sock) {
					established += e->state == TCP_STATE_ESTABLISHED;
					syn_recv += e->state == TCP_STATE_SYN_RECV;
				}
			}
			assert_int_equal(rows[r].established, established);
			assert_int_equal(rows[r].syn_recv, syn_recv);
		}
		free(rows);
		snapshot_unref(snap);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_namespace),
	    cmocka_unit_test(test_namespaces),
	    cmocka_unit_test(test_namespace_not_in_table),
	    cmocka_unit_test(test_against_every_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
