/*
 * test_peers.c - aggregation and ranking of peers over synthetic
 * snapshots: which sockets count, keys and their order, per-state counts,
 * ranking and its ties, the owner of a local port, a filter, and 100,000
 * sockets checked against a plain reference count.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "peers.h"
#include "snapshot.h"

/* Adds a socket "local_port -> raddr:rport" in `state`. */
static struct sock_entry *
add(struct snapshot *snap, const char *raddr, uint16_t rport, uint16_t lport, enum tcp_state state)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	if (strchr(raddr, ':') != NULL) {
		e->family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, raddr, e->remote_addr), 1);
		assert_int_equal(inet_pton(AF_INET6, "::1", e->local_addr), 1);
	} else {
		e->family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, raddr, e->remote_addr), 1);
		assert_int_equal(inet_pton(AF_INET, "10.9.9.9", e->local_addr), 1);
	}
	e->remote_port = rport;
	e->local_port = lport;
	e->state = (uint8_t)state;
	e->cookie = snap->n_entries;
	return e;
}

/* The row of `kind` whose key text is `key`, or NULL. */
static const struct peer_row *
find_row(const struct peers *p, enum peers_kind kind, const char *key)
{
	size_t n;
	const struct peer_row *rows = peers_rows(p, kind, &n);
	char text[64];

	for (size_t i = 0; i < n; i++) {
		peers_format_key(&rows[i], kind, text, sizeof(text));
		if (strcmp(text, key) == 0)
			return &rows[i];
	}
	return NULL;
}

static struct snapshot *
small_snapshot(void)
{
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	/* Never peers: a listener, and sockets without a remote end. */
	add(snap, "0.0.0.0", 0, 80, TCP_STATE_LISTEN);
	add(snap, "::", 0, 80, TCP_STATE_LISTEN);
	add(snap, "0.0.0.0", 0, 5000, TCP_STATE_CLOSE); /* bound only */
	add(snap, "10.0.0.1", 9, 81, TCP_STATE_LISTEN); /* odd, still LISTEN */
	/* 10.0.0.2: 3 connections to local port 80. */
	add(snap, "10.0.0.2", 40001, 80, TCP_STATE_ESTABLISHED);
	add(snap, "10.0.0.2", 40002, 80, TCP_STATE_ESTABLISHED);
	add(snap, "10.0.0.2", 40003, 80, TCP_STATE_TIME_WAIT);
	/* 10.0.0.1: 2, one of them a client socket to its port 443. */
	add(snap, "10.0.0.1", 40001, 80, TCP_STATE_CLOSE_WAIT);
	add(snap, "10.0.0.1", 443, 50000, TCP_STATE_SYN_SENT);
	/* IPv6, and an IPv4-mapped address that stays apart from 10.0.0.1. */
	add(snap, "2001:db8::1", 443, 50001, TCP_STATE_ESTABLISHED);
	add(snap, "2001:db8::1", 443, 50002, TCP_STATE_TIME_WAIT);
	add(snap, "::ffff:10.0.0.1", 443, 50003, TCP_STATE_TIME_WAIT);
	snapshot_seal(snap);
	return snap;
}

static void
test_aggregates(void **state)
{
	struct snapshot *snap = small_snapshot();
	struct peers *p = peers_build(snap, NULL, NULL);
	const struct peer_row *r;
	size_t n;

	(void)state;
	assert_non_null(p);
	assert_int_equal(peers_total(p), 8);

	/* Key order before any ranking: IPv4, then IPv6 by bytes. */
	r = peers_rows(p, PEERS_REMOTE_ADDR, &n);
	assert_int_equal(n, 4);
	{
		static const char *const expected[] = {"10.0.0.1", "10.0.0.2", "::ffff:10.0.0.1",
		                                       "2001:db8::1"};
		char key[64];

		for (size_t i = 0; i < n; i++) {
			peers_format_key(&r[i], PEERS_REMOTE_ADDR, key, sizeof(key));
			assert_string_equal(key, expected[i]);
			assert_int_equal(r[i].key_order, i);
		}
	}
	r = find_row(p, PEERS_REMOTE_ADDR, "10.0.0.2");
	assert_non_null(r);
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->total, 3);
	assert_int_equal(r->counts[TCP_STATE_ESTABLISHED], 2);
	assert_int_equal(r->counts[TCP_STATE_TIME_WAIT], 1);
	assert_int_equal(r->counts[TCP_STATE_LISTEN], 0);
	assert_ptr_equal(r->first, &snap->entries[4]);
	r = find_row(p, PEERS_REMOTE_ADDR, "10.0.0.1");
	assert_int_equal(r->total, 2);
	assert_int_equal(r->counts[TCP_STATE_CLOSE_WAIT], 1);
	assert_int_equal(r->counts[TCP_STATE_SYN_SENT], 1);
	r = find_row(p, PEERS_REMOTE_ADDR, "::ffff:10.0.0.1");
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->total, 1);
	assert_null(find_row(p, PEERS_REMOTE_ADDR, "0.0.0.0"));
	assert_null(find_row(p, PEERS_REMOTE_ADDR, "::"));

	/* Remote ports, across families, ascending. */
	r = peers_rows(p, PEERS_REMOTE_PORT, &n);
	assert_int_equal(n, 4);
	assert_int_equal(r[0].port, 443);
	assert_int_equal(r[0].total, 4);
	assert_int_equal(r[0].counts[TCP_STATE_TIME_WAIT], 2);
	assert_int_equal(r[1].port, 40001);
	assert_int_equal(r[1].total, 2);
	assert_int_equal(r[2].port, 40002);
	assert_int_equal(r[3].port, 40003);
	assert_null(find_row(p, PEERS_REMOTE_PORT, "0"));
	assert_null(find_row(p, PEERS_REMOTE_PORT, "9"));

	/* Local ports: the listener's own socket is not counted. */
	r = find_row(p, PEERS_LOCAL_PORT, "80");
	assert_non_null(r);
	assert_int_equal(r->total, 4);
	assert_int_equal(r->counts[TCP_STATE_CLOSE_WAIT], 1);
	assert_null(r->owner); /* no owner table */
	assert_null(find_row(p, PEERS_LOCAL_PORT, "81"));
	assert_null(find_row(p, PEERS_LOCAL_PORT, "5000"));
	peers_rows(p, PEERS_LOCAL_PORT, &n);
	assert_int_equal(n, 5);

	/* Every kind counts the same sockets. */
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		uint32_t sum = 0;

		r = peers_rows(p, (enum peers_kind)k, &n);
		for (size_t i = 0; i < n; i++) {
			uint32_t states = 0;

			for (int s = 0; s < TCP_STATE_COUNT; s++)
				states += r[i].counts[s];
			assert_int_equal(states, r[i].total);
			sum += r[i].total;
		}
		assert_int_equal(sum, peers_total(p));
	}
	peers_free(p);
	snapshot_unref(snap);
}

static void
test_rank(void **state)
{
	struct snapshot *snap = small_snapshot();
	struct peers *p = peers_build(snap, NULL, NULL);
	const struct peer_row *r;
	size_t n;
	char key[64];

	(void)state;
	assert_non_null(p);
	/* By total: 10.0.0.2 (3), then 10.0.0.1 and 2001:db8::1 tied at 2
	 * in key order, then the mapped address. */
	assert_int_equal(peers_rank(p, PEERS_REMOTE_ADDR, PEERS_BY_TOTAL), 4);
	r = peers_rows(p, PEERS_REMOTE_ADDR, &n);
	{
		static const char *const expected[] = {"10.0.0.2", "10.0.0.1", "2001:db8::1",
		                                       "::ffff:10.0.0.1"};

		for (size_t i = 0; i < n; i++) {
			peers_format_key(&r[i], PEERS_REMOTE_ADDR, key, sizeof(key));
			assert_string_equal(key, expected[i]);
		}
	}
	/* By TIME_WAIT: three addresses have one each (key order), the
	 * fourth none and comes last. */
	assert_int_equal(peers_rank(p, PEERS_REMOTE_ADDR, TCP_STATE_TIME_WAIT), 3);
	r = peers_rows(p, PEERS_REMOTE_ADDR, &n);
	{
		static const char *const expected[] = {"10.0.0.2", "::ffff:10.0.0.1", "2001:db8::1",
		                                       "10.0.0.1"};

		for (size_t i = 0; i < n; i++) {
			peers_format_key(&r[i], PEERS_REMOTE_ADDR, key, sizeof(key));
			assert_string_equal(key, expected[i]);
		}
	}
	/* Ranking again restores the same order: ties never depend on the
	 * order before. */
	assert_int_equal(peers_rank(p, PEERS_REMOTE_ADDR, PEERS_BY_TOTAL), 4);
	r = peers_rows(p, PEERS_REMOTE_ADDR, &n);
	peers_format_key(&r[1], PEERS_REMOTE_ADDR, key, sizeof(key));
	assert_string_equal(key, "10.0.0.1");

	/* Remote ports by ESTABLISHED: 443 has 1, 40001 and 40002 have 1
	 * each too; ports ascending among ties. */
	assert_int_equal(peers_rank(p, PEERS_REMOTE_PORT, TCP_STATE_ESTABLISHED), 3);
	r = peers_rows(p, PEERS_REMOTE_PORT, &n);
	assert_int_equal(r[0].port, 443);
	assert_int_equal(r[1].port, 40001);
	assert_int_equal(r[2].port, 40002);
	assert_int_equal(r[3].port, 40003);
	assert_int_equal(peers_rank(p, PEERS_REMOTE_PORT, TCP_STATE_CLOSING), 0);

	errno = 0;
	assert_int_equal(peers_rank(p, PEERS_KIND_COUNT, PEERS_BY_TOTAL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(peers_rank(p, PEERS_LOCAL_PORT, TCP_STATE_COUNT), -1);
	assert_int_equal(peers_rank(p, PEERS_LOCAL_PORT, -2), -1);
	assert_null(peers_rows(p, PEERS_KIND_COUNT, &n));
	assert_int_equal(n, 0);
	peers_free(p);
	snapshot_unref(snap);
}

static bool
only_port_80(const void *arg, const struct sock_entry *e)
{
	(void)arg;
	return e->local_port == 80;
}

static void
test_filter(void **state)
{
	struct snapshot *snap = small_snapshot();
	struct peers *p = peers_build(snap, only_port_80, NULL);
	size_t n;

	(void)state;
	assert_non_null(p);
	assert_int_equal(peers_total(p), 4);
	peers_rows(p, PEERS_LOCAL_PORT, &n);
	assert_int_equal(n, 1);
	peers_rows(p, PEERS_REMOTE_ADDR, &n);
	assert_int_equal(n, 2);
	assert_int_equal(find_row(p, PEERS_REMOTE_ADDR, "10.0.0.1")->total, 1);
	peers_free(p);
	snapshot_unref(snap);
}

static void
test_empty(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	struct peers *p;
	size_t n = 99;

	(void)state;
	add(snap, "0.0.0.0", 0, 22, TCP_STATE_LISTEN);
	snapshot_seal(snap);
	p = peers_build(snap, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(peers_total(p), 0);
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		peers_rows(p, (enum peers_kind)k, &n);
		assert_int_equal(n, 0);
		assert_int_equal(peers_rank(p, (enum peers_kind)k, TCP_STATE_TIME_WAIT), 0);
	}
	peers_free(p);
	peers_free(NULL);
	snapshot_unref(snap);
}

/* The owner of a local port is the first holder found in dump order,
 * even when the first socket of the port has none (TIME_WAIT). */
static void
test_local_port_owner(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	struct owner_table *table = owner_table_new();
	struct owner_proc proc = {
	    .pid = 4242, .uid = 0, .comm = "nginx", .cmdline = "nginx", .user = "root"};
	struct owner_proc other = {
	    .pid = 5151, .uid = 0, .comm = "curl", .cmdline = "curl", .user = "root"};
	int a, b;
	struct sock_entry *e;
	struct peers *p;
	const struct peer_row *r;

	(void)state;
	assert_non_null(table);
	a = owner_table_add_proc(table, &proc);
	b = owner_table_add_proc(table, &other);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(owner_table_add_link(table, 100, (uint32_t)a), 0);
	assert_int_equal(owner_table_add_link(table, 200, (uint32_t)b), 0);
	assert_int_equal(owner_table_seal(table), 0);
	snap->owners = table;

	add(snap, "10.0.0.5", 1234, 443, TCP_STATE_TIME_WAIT); /* no owner */
	e = add(snap, "10.0.0.6", 1235, 443, TCP_STATE_ESTABLISHED);
	e->inode = 100;
	e->owner_status = OWNER_FOUND;
	e->owner = (uint32_t)a;
	e->n_owners = 1;
	e = add(snap, "10.0.0.7", 443, 33000, TCP_STATE_ESTABLISHED);
	e->inode = 200;
	e->owner_status = OWNER_FOUND;
	e->owner = (uint32_t)b;
	e->n_owners = 1;
	snapshot_seal(snap);

	p = peers_build(snap, NULL, NULL);
	assert_non_null(p);
	r = find_row(p, PEERS_LOCAL_PORT, "443");
	assert_non_null(r);
	assert_int_equal(r->total, 2);
	assert_non_null(r->owner);
	assert_int_equal(r->owner->pid, 4242);
	assert_string_equal(r->owner->comm, "nginx");
	r = find_row(p, PEERS_LOCAL_PORT, "33000");
	assert_int_equal(r->owner->pid, 5151);
	/* Remote kinds carry no owner. */
	assert_null(find_row(p, PEERS_REMOTE_PORT, "443")->owner);
	assert_null(find_row(p, PEERS_REMOTE_ADDR, "10.0.0.6")->owner);
	peers_free(p);
	snapshot_unref(snap);
}

static void
test_names(void **state)
{
	int by = 99;

	(void)state;
	assert_int_equal(peers_by_parse("total", &by), 0);
	assert_int_equal(by, PEERS_BY_TOTAL);
	assert_int_equal(peers_by_parse("time-wait", &by), 0);
	assert_int_equal(by, TCP_STATE_TIME_WAIT);
	assert_int_equal(peers_by_parse("CLOSE_WAIT", &by), 0);
	assert_int_equal(by, TCP_STATE_CLOSE_WAIT);
	assert_int_equal(peers_by_parse("estab", &by), 0);
	assert_int_equal(by, TCP_STATE_ESTABLISHED);
	by = 99;
	assert_int_equal(peers_by_parse("listen", &by), -1);
	assert_int_equal(peers_by_parse("rtt", &by), -1);
	assert_int_equal(peers_by_parse("", &by), -1);
	assert_int_equal(by, 99);
	assert_string_equal(peers_by_name(PEERS_BY_TOTAL), "total");
	assert_string_equal(peers_by_name(TCP_STATE_TIME_WAIT), "TIME_WAIT");
	assert_string_equal(peers_kind_name(PEERS_LOCAL_PORT), "local-port");
	assert_string_equal(peers_kind_name(PEERS_REMOTE_ADDR), "remote-addr");
}

static void
assert_same_rows(struct peers *a, struct peers *b)
{
	assert_int_equal(peers_total(a), peers_total(b));
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		size_t na, nb;
		const struct peer_row *ra = peers_rows(a, (enum peers_kind)k, &na);
		const struct peer_row *rb = peers_rows(b, (enum peers_kind)k, &nb);

		assert_int_equal(na, nb);
		for (size_t i = 0; i < na; i++) {
			assert_int_equal(ra[i].total, rb[i].total);
			assert_memory_equal(ra[i].counts, rb[i].counts, sizeof(ra[i].counts));
			assert_int_equal(ra[i].family, rb[i].family);
			assert_memory_equal(ra[i].addr, rb[i].addr, sizeof(ra[i].addr));
			assert_int_equal(ra[i].port, rb[i].port);
			assert_ptr_equal(ra[i].first, rb[i].first);
			assert_ptr_equal(ra[i].owner, rb[i].owner);
			assert_int_equal(ra[i].key_order, rb[i].key_order);
		}
	}
}

static struct snapshot *random_snapshot(size_t n, uint64_t seed);

/* One object updated with snapshots of different sizes gives what a
 * fresh build gives: nothing of the previous update stays behind. */
static void
test_update_reuses(void **state)
{
	struct snapshot *big = random_snapshot(20000, 7), *small = small_snapshot();
	struct snapshot *order[] = {small, big, small, big, big, small};
	struct peers *p = peers_new();

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct peers *fresh = peers_build(order[i], NULL, NULL);

		assert_non_null(fresh);
		assert_int_equal(peers_update(p, order[i], NULL, NULL), 0);
		assert_same_rows(p, fresh);
		/* Ranked the same way, the same order. */
		for (int k = 0; k < PEERS_KIND_COUNT; k++)
			assert_int_equal(peers_rank(p, (enum peers_kind)k, TCP_STATE_ESTABLISHED),
					 peers_rank(fresh, (enum peers_kind)k, TCP_STATE_ESTABLISHED));
		assert_same_rows(p, fresh);
		peers_free(fresh);
	}
	/* With a filter after without one. */
	assert_int_equal(peers_update(p, small, only_port_80, NULL), 0);
	assert_int_equal(peers_total(p), 4);
	peers_free(p);
	snapshot_unref(big);
	snapshot_unref(small);
}

/* --- many sockets, against a reference -------------------------------- */

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Remote addresses drawn from a pool so keys repeat; ports likewise. */
static struct snapshot *
random_snapshot(size_t n, uint64_t seed)
{
	struct snapshot *snap = snapshot_new(n);

	assert_non_null(snap);
	for (size_t i = 0; i < n; i++) {
		struct sock_entry *e = snapshot_add(snap);
		uint64_t r = rng_next(&seed);
		uint32_t host = (uint32_t)(r % 20000);

		assert_non_null(e);
		e->family = (r >> 20) % 4 == 0 ? AF_INET6 : AF_INET;
		if (e->family == AF_INET) {
			e->remote_addr[0] = 10;
			e->remote_addr[2] = (uint8_t)(host >> 8);
			e->remote_addr[3] = (uint8_t)host;
		} else {
			e->remote_addr[0] = 0x20;
			e->remote_addr[1] = 0x01;
			e->remote_addr[14] = (uint8_t)(host >> 8);
			e->remote_addr[15] = (uint8_t)host;
		}
		e->remote_port = (uint16_t)((r >> 32) % 3000); /* 0 sometimes */
		e->local_port = (uint16_t)(1 + (r >> 44) % 60000);
		e->state = (uint8_t)((r >> 56) % TCP_STATE_COUNT);
	}
	snapshot_seal(snap);
	return snap;
}

/* Reference: the sockets counted, sorted by key, counted run by run. */
struct ref {
	uint8_t family;
	uint8_t addr[16];
	uint8_t state;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

static void
check_addrs_against_reference(const struct snapshot *snap, struct peers *p)
{
	struct ref *refs = calloc(snap->n_entries, sizeof(*refs));
	size_t m = 0, n, row = 0;
	const struct peer_row *rows = peers_rows(p, PEERS_REMOTE_ADDR, &n);

	assert_non_null(refs);
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (e->state == TCP_STATE_LISTEN || e->remote_port == 0)
			continue;
		refs[m].family = e->family;
		memcpy(refs[m].addr, e->remote_addr, 16);
		refs[m].state = e->state;
		m++;
	}
	assert_int_equal(m, peers_total(p));
	qsort(refs, m, sizeof(*refs), ref_cmp);
	for (size_t i = 0; i < m; row++) {
		uint32_t counts[TCP_STATE_COUNT] = {0}, total = 0;
		size_t j = i;

		for (; j < m && ref_cmp(&refs[i], &refs[j]) == 0; j++) {
			counts[refs[j].state]++;
			total++;
		}
		assert_true(row < n);
		assert_int_equal(rows[row].family, refs[i].family);
		assert_memory_equal(rows[row].addr, refs[i].addr, 16);
		assert_int_equal(rows[row].total, total);
		assert_memory_equal(rows[row].counts, counts, sizeof(counts));
		i = j;
	}
	assert_int_equal(row, n);
	free(refs);
}

static void
test_many_sockets(void **state)
{
	enum { N = 100000 };
	struct snapshot *snap = random_snapshot(N, 0x9e3779b97f4a7c15ull);
	double t0, t_build, t_rank, t_update;
	struct peers *p;
	const struct peer_row *rows;
	size_t n;

	(void)state;
	t0 = now_s();
	p = peers_build(snap, NULL, NULL);
	t_build = now_s() - t0;
	assert_non_null(p);
	/* Built in key order: compare with the reference before ranking. */
	check_addrs_against_reference(snap, p);

	t0 = now_s();
	for (int k = 0; k < PEERS_KIND_COUNT; k++)
		assert_true(peers_rank(p, (enum peers_kind)k, TCP_STATE_TIME_WAIT) >= 0);
	t_rank = now_s() - t0;
	/* Ranked: non-increasing counts, ties in key order. */
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		rows = peers_rows(p, (enum peers_kind)k, &n);
		assert_true(n > 0);
		for (size_t i = 1; i < n; i++) {
			uint32_t a = rows[i - 1].counts[TCP_STATE_TIME_WAIT];
			uint32_t b = rows[i].counts[TCP_STATE_TIME_WAIT];

			assert_true(a >= b);
			if (a == b)
				assert_true(rows[i - 1].key_order < rows[i].key_order);
		}
	}
	/* Again into the same object: memory reused. */
	t0 = now_s();
	assert_int_equal(peers_update(p, snap, NULL, NULL), 0);
	t_update = now_s() - t0;
	check_addrs_against_reference(snap, p);
	print_message("peers of %d sockets: build %.1f ms, rank 3 kinds %.1f ms, update %.1f ms\n",
		      N, t_build * 1e3, t_rank * 1e3, t_update * 1e3);
	/* Generous: a quadratic pass would take minutes, not seconds, and
	 * sanitizer and valgrind runs stay well within this. */
	assert_true(t_build + t_rank < 30.0);
	peers_free(p);
	snapshot_unref(snap);
}

/*
 * Split by namespace: the same address and ports in two namespaces are
 * rows of their own, each with its namespace and counts, in key order by
 * namespace first; not split, they add up as before.  The same object
 * switches both ways.
 */
static void
test_split_netns(void **state)
{
	struct snapshot *snap = snapshot_new(0);
	struct peers *p = peers_new();
	const struct peer_row *rows;
	size_t n;

	(void)state;
	assert_non_null(snap);
	assert_non_null(p);
	add(snap, "10.0.0.2", 40001, 80, TCP_STATE_ESTABLISHED)->netns = 200;
	add(snap, "10.0.0.2", 40002, 80, TCP_STATE_ESTABLISHED)->netns = 200;
	add(snap, "10.0.0.2", 40001, 80, TCP_STATE_CLOSE_WAIT)->netns = 100;
	add(snap, "10.0.0.3", 443, 50000, TCP_STATE_ESTABLISHED)->netns = 100;
	snapshot_seal(snap);

	assert_int_equal(peers_update(p, snap, NULL, NULL), 0);
	assert_non_null(find_row(p, PEERS_REMOTE_ADDR, "10.0.0.2"));
	assert_int_equal(find_row(p, PEERS_REMOTE_ADDR, "10.0.0.2")->total, 3);
	assert_int_equal(find_row(p, PEERS_REMOTE_ADDR, "10.0.0.2")->netns, 0);
	rows = peers_rows(p, PEERS_LOCAL_PORT, &n);
	assert_int_equal(n, 2);

	peers_split_netns(p, true);
	assert_int_equal(peers_update(p, snap, NULL, NULL), 0);
	assert_int_equal(peers_total(p), 4);
	rows = peers_rows(p, PEERS_REMOTE_ADDR, &n);
	assert_int_equal(n, 3);
	/* Key order: namespace 100 (10.0.0.2, 10.0.0.3), then 200. */
	assert_int_equal(rows[0].netns, 100);
	assert_int_equal(rows[0].total, 1);
	assert_int_equal(rows[0].counts[TCP_STATE_CLOSE_WAIT], 1);
	assert_int_equal(rows[1].netns, 100);
	assert_int_equal(rows[1].addr[3], 3);
	assert_int_equal(rows[2].netns, 200);
	assert_int_equal(rows[2].total, 2);
	assert_int_equal(rows[2].counts[TCP_STATE_ESTABLISHED], 2);
	rows = peers_rows(p, PEERS_LOCAL_PORT, &n);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].netns, 100);
	assert_int_equal(rows[0].port, 80);
	assert_int_equal(rows[1].netns, 100);
	assert_int_equal(rows[1].port, 50000);
	assert_int_equal(rows[2].netns, 200);
	assert_int_equal(rows[2].port, 80);
	assert_int_equal(rows[2].total, 2);
	rows = peers_rows(p, PEERS_REMOTE_PORT, &n);
	assert_int_equal(n, 4); /* 40001 in each, 443, 40002 */
	/* Ranked: namespace 200's 10.0.0.2 leads. */
	assert_int_equal(peers_rank(p, PEERS_REMOTE_ADDR, PEERS_BY_TOTAL), 3);
	rows = peers_rows(p, PEERS_REMOTE_ADDR, &n);
	assert_int_equal(rows[0].netns, 200);
	assert_int_equal(rows[0].total, 2);

	peers_split_netns(p, false);
	assert_int_equal(peers_update(p, snap, NULL, NULL), 0);
	rows = peers_rows(p, PEERS_LOCAL_PORT, &n);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].port, 80);
	assert_int_equal(rows[0].total, 3);
	assert_int_equal(rows[0].netns, 0);
	peers_free(p);
	snapshot_unref(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregates),
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_local_port_owner),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_update_reuses),
		cmocka_unit_test(test_many_sockets),
		cmocka_unit_test(test_split_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
