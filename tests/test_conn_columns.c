/*
 * test_conn_columns.c - the connection table's columns: each column's
 * text for representative sockets, lookup by name, and sorting (stable in
 * both directions for every column, and right on 50,000 rows).
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

#include "conn_columns.h"
#include "radix_sort.h"
#include "owners.h"
#include "snapshot.h"

/* ------------------------------------------------------------ helpers */

static void
set_addr(struct sock_entry *e, int remote, const char *text, uint16_t port)
{
	uint8_t *addr = remote ? e->remote_addr : e->local_addr;

	memset(addr, 0, 16);
	assert_int_equal(inet_pton(e->family, text, addr), 1);
	if (remote)
		e->remote_port = port;
	else
		e->local_port = port;
}

static void
set_endpoints(struct sock_entry *e, int family, const char *local, uint16_t lport,
              const char *remote, uint16_t rport)
{
	e->family = (uint8_t)family;
	set_addr(e, 0, local, lport);
	set_addr(e, 1, remote, rport);
}

static uint32_t
add_proc(struct owner_table *table, int32_t pid, const char *comm, const char *user)
{
	struct owner_proc proc;
	int index;

	memset(&proc, 0, sizeof(proc));
	proc.pid = pid;
	snprintf(proc.comm, sizeof(proc.comm), "%s", comm);
	proc.cmdline = comm;
	proc.user = user;
	index = owner_table_add_proc(table, &proc);
	assert_true(index >= 0);
	return (uint32_t)index;
}

/* A row's text in one column. */
static const char *
cell(enum conn_column col, const struct sock_entry *e, const struct conn_info *info,
     const struct conn_context *ctx)
{
	static char out[128];
	struct conn_row row = {e, info, NULL};

	memset(out, '#', sizeof(out));
	conn_column(col)->format(&row, ctx, out, sizeof(out));
	return out;
}

#define assert_cell(col, e, info, ctx, text) assert_string_equal(cell(col, e, info, ctx), text)

static struct conn_info
info_with(double first_seen, double send_rate, double recv_rate)
{
	struct conn_info info;

	memset(&info, 0, sizeof(info));
	info.first_seen = first_seen;
	info.send_rate = send_rate;
	info.recv_rate = recv_rate;
	return info;
}

/* ------------------------------------------------------------ the table */

static void
test_table(void **state)
{
	char names[512] = "";

	(void)state;
	for (int i = 0; i < COL_COUNT; i++) {
		const struct conn_column_def *def = conn_column((enum conn_column)i);

		assert_non_null(def);
		assert_non_null(def->name);
		assert_non_null(def->title);
		assert_non_null(def->format);
		assert_non_null(def->compare);
		assert_true(def->name[0] != '\0');
		assert_true(def->title[0] != '\0');
		assert_true(def->width > 0);
		/* Names are found, exactly and only by themselves. */
		assert_int_equal(conn_column_find(def->name), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(def->name, conn_column((enum conn_column)j)->name);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
		         i > 0 ? ", " : "", def->name);
	}
	/* The help text lists every column, in table order. */
	assert_string_equal(conn_column_names(), names);
	assert_null(conn_column(COL_COUNT));
	assert_null(conn_column((enum conn_column) - 1));
	assert_int_equal(conn_column_find("rtt"), COL_RTT);
	assert_int_equal(conn_column_find("send-rate"), COL_SEND_RATE);
	assert_int_equal(conn_column_find("recv-q"), COL_RECV_Q);
	assert_int_equal(conn_column_find("RTT"), -1);
	assert_int_equal(conn_column_find("rtt "), -1);
	assert_int_equal(conn_column_find("rt"), -1);
	assert_int_equal(conn_column_find(""), -1);
	assert_int_equal(conn_column_find("send_rate"), -1);
	assert_string_equal(conn_column(COL_RTT)->title, "RTT ms");
	assert_true(conn_column(COL_RTT)->right);
	assert_false(conn_column(COL_LOCAL)->right);
}

/* ------------------------------------------------------------ formats */

struct fixture {
	struct snapshot *snap;
	struct sock_entry *v4_estab, *v4_listen, *v6_estab, *v6_listen, *time_wait, *probe,
	    *odd_timer;
	struct conn_context ctx;
};

static void
fixture_build(struct fixture *f)
{
	struct owner_table *owners = owner_table_new();
	uint32_t sshd;
	struct sock_entry *e;

	memset(f, 0, sizeof(*f));
	assert_non_null(owners);
	sshd = add_proc(owners, 1234, "sshd", "root");
	assert_int_equal(owner_table_add_link(owners, 900, sshd), 0);
	assert_int_equal(owner_table_seal(owners), 0);

	f->snap = snapshot_new(16);
	assert_non_null(f->snap);
	f->snap->owners = owners; /* the snapshot's reference now */
	for (int i = 0; i < 7; i++)
		assert_non_null(snapshot_add(f->snap));
	snapshot_seal(f->snap);
	f->ctx.snap = f->snap;
	f->ctx.now = 1000;

	e = f->v4_estab = &f->snap->entries[0];
	set_endpoints(e, AF_INET, "10.0.0.1", 22, "10.0.0.2", 50312);
	e->state = TCP_STATE_ESTABLISHED;
	e->flags = SOCK_ENTRY_HAS_INFO;
	e->rtt_us = 1500;
	e->total_retrans = 3;
	e->bytes_acked = 12700; /* 12.40 KiB */
	e->bytes_received = 812;
	e->recv_q = 5;
	e->send_q = 7;
	e->timer = SOCK_TIMER_KEEPALIVE;
	e->timer_expires_ms = 7200;
	e->inode = 900;
	e->owner_status = OWNER_FOUND;
	e->owner = sshd;
	e->n_owners = 1;

	e = f->v4_listen = &f->snap->entries[1];
	set_endpoints(e, AF_INET, "0.0.0.0", 22, "0.0.0.0", 0);
	e->state = TCP_STATE_LISTEN;
	e->send_q = 128;
	e->rtt_us = 999; /* no tcp_info: must not show */
	e->total_retrans = 9;
	e->bytes_acked = 4096;
	e->inode = 900;
	e->owner_status = OWNER_FOUND;
	e->owner = sshd;
	e->n_owners = 3;

	e = f->v6_estab = &f->snap->entries[2];
	set_endpoints(e, AF_INET6, "fec0:42::24", 40520, "fec0:42::1", 22);
	e->state = TCP_STATE_ESTABLISHED;
	e->flags = SOCK_ENTRY_HAS_INFO;
	e->rtt_us = 20000;
	e->bytes_acked = 3250586;       /* 3.10 MiB */
	e->bytes_received = 1288490189; /* 1.20 GiB */
	e->timer = SOCK_TIMER_RETRANSMIT;
	e->timer_expires_ms = 200;
	e->retrans = 2;
	e->owner_status = OWNER_HIDDEN;

	e = f->v6_listen = &f->snap->entries[3];
	set_endpoints(e, AF_INET6, "::", 22, "::", 0);
	e->state = TCP_STATE_LISTEN;
	e->send_q = 4096;
	e->owner_status = OWNER_NONE;

	e = f->time_wait = &f->snap->entries[4];
	set_endpoints(e, AF_INET, "127.0.0.1", 0, "127.0.0.1", 8080);
	e->state = TCP_STATE_TIME_WAIT;
	e->timer = SOCK_TIMER_TIME_WAIT;
	e->timer_expires_ms = 59000;

	e = f->probe = &f->snap->entries[5];
	set_endpoints(e, AF_INET6, "::1", 8080, "::ffff:10.1.2.3", 1);
	e->state = TCP_STATE_FIN_WAIT1;
	e->flags = SOCK_ENTRY_HAS_INFO;
	e->timer = SOCK_TIMER_ZERO_WINDOW_PROBE;
	e->timer_expires_ms = 125000;
	e->retrans = 15;

	e = f->odd_timer = &f->snap->entries[6];
	set_endpoints(e, AF_INET, "192.168.1.1", 65535, "8.8.8.8", 53);
	e->state = TCP_STATE_CLOSE_WAIT;
	e->timer = 5; /* not a kind the kernel reports */
	e->timer_expires_ms = 1000;
}

static void
test_format_endpoints(void **state)
{
	struct fixture f;

	(void)state;
	fixture_build(&f);
	assert_cell(COL_PROTO, f.v4_estab, NULL, &f.ctx, "tcp");
	assert_cell(COL_PROTO, f.v6_estab, NULL, &f.ctx, "tcp6");
	assert_cell(COL_LOCAL, f.v4_estab, NULL, &f.ctx, "10.0.0.1:22");
	assert_cell(COL_REMOTE, f.v4_estab, NULL, &f.ctx, "10.0.0.2:50312");
	/* A listener: wildcard address, port 0 as "*". */
	assert_cell(COL_LOCAL, f.v4_listen, NULL, &f.ctx, "0.0.0.0:22");
	assert_cell(COL_REMOTE, f.v4_listen, NULL, &f.ctx, "0.0.0.0:*");
	/* IPv6 in brackets. */
	assert_cell(COL_LOCAL, f.v6_estab, NULL, &f.ctx, "[fec0:42::24]:40520");
	assert_cell(COL_REMOTE, f.v6_estab, NULL, &f.ctx, "[fec0:42::1]:22");
	assert_cell(COL_LOCAL, f.v6_listen, NULL, &f.ctx, "[::]:22");
	assert_cell(COL_REMOTE, f.v6_listen, NULL, &f.ctx, "[::]:*");
	assert_cell(COL_LOCAL, f.time_wait, NULL, &f.ctx, "127.0.0.1:*");
	assert_cell(COL_LOCAL, f.probe, NULL, &f.ctx, "[::1]:8080");
	assert_cell(COL_REMOTE, f.probe, NULL, &f.ctx, "[::ffff:10.1.2.3]:1");
	assert_cell(COL_LOCAL, f.odd_timer, NULL, &f.ctx, "192.168.1.1:65535");
	assert_cell(COL_STATE, f.v4_estab, NULL, &f.ctx, "ESTABLISHED");
	assert_cell(COL_STATE, f.v4_listen, NULL, &f.ctx, "LISTEN");
	assert_cell(COL_STATE, f.time_wait, NULL, &f.ctx, "TIME_WAIT");
	assert_cell(COL_STATE, f.probe, NULL, &f.ctx, "FIN_WAIT1");
	/* The longest endpoint fits an address-sized buffer, cut not
	 * overrun when the buffer is small. */
	{
		char small[8];
		struct conn_row row = {f.v6_estab, NULL, NULL};

		memset(small, '#', sizeof(small));
		conn_column(COL_LOCAL)->format(&row, &f.ctx, small, sizeof(small));
		assert_string_equal(small, "[fec0:4");
	}
	snapshot_unref(f.snap);
}

static void
test_format_owner(void **state)
{
	struct fixture f;
	const struct snapshot *no_owners;
	struct conn_context bare;
	struct snapshot *empty = snapshot_new(0);

	(void)state;
	fixture_build(&f);
	assert_cell(COL_PID, f.v4_estab, NULL, &f.ctx, "1234");
	assert_cell(COL_PROCESS, f.v4_estab, NULL, &f.ctx, "sshd");
	assert_cell(COL_USER, f.v4_estab, NULL, &f.ctx, "root");
	/* Shared by three processes: the first and how many more. */
	assert_cell(COL_PID, f.v4_listen, NULL, &f.ctx, "1234+2");
	assert_cell(COL_PROCESS, f.v4_listen, NULL, &f.ctx, "sshd");
	/* Held by someone we may not look into. */
	assert_cell(COL_PID, f.v6_estab, NULL, &f.ctx, "?");
	assert_cell(COL_PROCESS, f.v6_estab, NULL, &f.ctx, "(hidden)");
	assert_cell(COL_USER, f.v6_estab, NULL, &f.ctx, "-");
	/* Held by no one. */
	assert_cell(COL_PID, f.v6_listen, NULL, &f.ctx, "-");
	assert_cell(COL_PROCESS, f.v6_listen, NULL, &f.ctx, "-");
	assert_cell(COL_USER, f.v6_listen, NULL, &f.ctx, "-");

	/* A recording has no owner table at all. */
	assert_non_null(empty);
	no_owners = empty;
	bare.snap = no_owners;
	bare.now = 0;
	assert_cell(COL_PID, f.v4_estab, NULL, &bare, "-");
	assert_cell(COL_PROCESS, f.v4_estab, NULL, &bare, "-");
	assert_cell(COL_USER, f.v4_estab, NULL, &bare, "-");
	snapshot_unref(empty);
	snapshot_unref(f.snap);
}

static void
test_format_numbers(void **state)
{
	struct fixture f;

	(void)state;
	fixture_build(&f);
	assert_cell(COL_RECV_Q, f.v4_estab, NULL, &f.ctx, "5");
	assert_cell(COL_SEND_Q, f.v4_estab, NULL, &f.ctx, "7");
	assert_cell(COL_SEND_Q, f.v4_listen, NULL, &f.ctx, "128");
	assert_cell(COL_RECV_Q, f.v4_listen, NULL, &f.ctx, "0");
	assert_cell(COL_RTT, f.v4_estab, NULL, &f.ctx, "1.5");
	assert_cell(COL_RTT, f.v6_estab, NULL, &f.ctx, "20.0");
	assert_cell(COL_RTT, f.probe, NULL, &f.ctx, "0.0");
	assert_cell(COL_RETRANS, f.v4_estab, NULL, &f.ctx, "3");
	assert_cell(COL_RETRANS, f.v6_estab, NULL, &f.ctx, "0");
	assert_cell(COL_SENT, f.v4_estab, NULL, &f.ctx, "12.4K");
	assert_cell(COL_RECEIVED, f.v4_estab, NULL, &f.ctx, "812");
	assert_cell(COL_SENT, f.v6_estab, NULL, &f.ctx, "3.1M");
	assert_cell(COL_RECEIVED, f.v6_estab, NULL, &f.ctx, "1.2G");
	assert_cell(COL_SENT, f.probe, NULL, &f.ctx, "0");
	/* No tcp_info: "-", whatever the fields hold. */
	assert_cell(COL_RTT, f.v4_listen, NULL, &f.ctx, "-");
	assert_cell(COL_RETRANS, f.v4_listen, NULL, &f.ctx, "-");
	assert_cell(COL_SENT, f.v4_listen, NULL, &f.ctx, "-");
	assert_cell(COL_RECEIVED, f.v4_listen, NULL, &f.ctx, "-");
	assert_cell(COL_RTT, f.time_wait, NULL, &f.ctx, "-");
	/* Binary units up the scale. */
	f.probe->bytes_acked = 1023;
	assert_cell(COL_SENT, f.probe, NULL, &f.ctx, "1023");
	f.probe->bytes_acked = 1024;
	assert_cell(COL_SENT, f.probe, NULL, &f.ctx, "1.0K");
	f.probe->bytes_acked = 5ull << 40;
	assert_cell(COL_SENT, f.probe, NULL, &f.ctx, "5.0T");
	f.probe->bytes_acked = 7ull << 50;
	assert_cell(COL_SENT, f.probe, NULL, &f.ctx, "7.0P");
	f.probe->bytes_acked = UINT64_MAX; /* 16 EiB, still in P */
	assert_cell(COL_SENT, f.probe, NULL, &f.ctx, "16384.0P");
	snapshot_unref(f.snap);
}

static void
test_format_rates_and_age(void **state)
{
	struct fixture f;
	struct conn_info unknown = info_with(1000, -1, -1);
	struct conn_info idle = info_with(997.5, 0, 0);
	struct conn_info busy = info_with(870, 2048, 812);
	struct conn_info fast = info_with(-2600, 1.5 * 1024 * 1024, 3.25 * 1024 * 1024 * 1024);

	(void)state;
	fixture_build(&f);
	/* Nothing known, or not yet a second sample: "-". */
	assert_cell(COL_SEND_RATE, f.v4_estab, NULL, &f.ctx, "-");
	assert_cell(COL_RECV_RATE, f.v4_estab, NULL, &f.ctx, "-");
	assert_cell(COL_AGE, f.v4_estab, NULL, &f.ctx, "-");
	assert_cell(COL_SEND_RATE, f.v4_estab, &unknown, &f.ctx, "-");
	assert_cell(COL_RECV_RATE, f.v4_estab, &unknown, &f.ctx, "-");
	assert_cell(COL_SEND_RATE, f.v4_estab, &idle, &f.ctx, "0/s");
	assert_cell(COL_RECV_RATE, f.v4_estab, &idle, &f.ctx, "0/s");
	assert_cell(COL_SEND_RATE, f.v4_estab, &busy, &f.ctx, "2.0K/s");
	assert_cell(COL_RECV_RATE, f.v4_estab, &busy, &f.ctx, "812/s");
	assert_cell(COL_SEND_RATE, f.v4_estab, &fast, &f.ctx, "1.5M/s");
	assert_cell(COL_RECV_RATE, f.v4_estab, &fast, &f.ctx, "3.2G/s");
	/* Age: now (1000) - first seen. */
	assert_cell(COL_AGE, f.v4_estab, &unknown, &f.ctx, "0us");
	assert_cell(COL_AGE, f.v4_estab, &idle, &f.ctx, "2.5s");
	assert_cell(COL_AGE, f.v4_estab, &busy, &f.ctx, "2m10s");
	assert_cell(COL_AGE, f.v4_estab, &fast, &f.ctx, "1h00m");
	snapshot_unref(f.snap);
}

static void
test_format_timer(void **state)
{
	struct fixture f;

	(void)state;
	fixture_build(&f);
	assert_cell(COL_TIMER, f.v4_estab, NULL, &f.ctx, "keepalive 7.2s");
	assert_cell(COL_TIMER, f.v6_estab, NULL, &f.ctx, "retrans 200.0ms/2");
	assert_cell(COL_TIMER, f.time_wait, NULL, &f.ctx, "timewait 59.0s");
	assert_cell(COL_TIMER, f.probe, NULL, &f.ctx, "probe 2m05s/15");
	assert_cell(COL_TIMER, f.odd_timer, NULL, &f.ctx, "-");
	assert_cell(COL_TIMER, f.v4_listen, NULL, &f.ctx, "-");
	f.v4_listen->timer_expires_ms = 0;
	f.v4_listen->timer = SOCK_TIMER_RETRANSMIT;
	assert_cell(COL_TIMER, f.v4_listen, NULL, &f.ctx, "retrans 0us");
	snapshot_unref(f.snap);
}

/* ------------------------------------------------------------ ordering */

/* What each column's comparison means, on chosen pairs. */
static int
cmp(enum conn_column col, const struct sock_entry *a, const struct conn_info *ia,
    const struct sock_entry *b, const struct conn_info *ib, const struct conn_context *ctx)
{
	struct conn_row ra = {a, ia, NULL}, rb = {b, ib, NULL};
	int c = conn_column(col)->compare(&ra, &rb, ctx),
	    r = conn_column(col)->compare(&rb, &ra, ctx);

	/* Antisymmetric, and -1, 0 or 1. */
	assert_true(c >= -1 && c <= 1);
	assert_int_equal(c, -r);
	return c;
}

static void
test_compare_meaning(void **state)
{
	struct fixture f;
	struct sock_entry x, y;
	struct conn_info old = info_with(10, -1, -1), young = info_with(20, 0, 5);

	(void)state;
	fixture_build(&f);
	/* States in display order. */
	assert_int_equal(cmp(COL_STATE, f.v4_listen, NULL, f.v4_estab, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_STATE, f.v4_estab, NULL, f.time_wait, NULL, &f.ctx), -1);
	/* IPv4 before IPv6; addresses as numbers; then ports as numbers. */
	assert_int_equal(cmp(COL_LOCAL, f.v4_estab, NULL, f.v6_listen, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_PROTO, f.v4_estab, NULL, f.v6_listen, NULL, &f.ctx), -1);
	x = *f.v4_estab;
	y = *f.v4_estab;
	set_addr(&x, 0, "9.255.255.255", 22);
	assert_int_equal(cmp(COL_LOCAL, &x, NULL, &y, NULL, &f.ctx), -1);
	set_addr(&x, 0, "10.0.0.1", 255);
	set_addr(&y, 0, "10.0.0.1", 256);
	assert_int_equal(cmp(COL_LOCAL, &x, NULL, &y, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_REMOTE, &x, NULL, &y, NULL, &f.ctx), 0);
	set_addr(&y, 1, "10.0.0.2", 9);
	assert_int_equal(cmp(COL_REMOTE, &y, NULL, &x, NULL, &f.ctx), -1);
	/* Owners: known before hidden and none. */
	assert_int_equal(cmp(COL_PID, f.v4_estab, NULL, f.v6_estab, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_PID, f.v6_listen, NULL, f.v6_estab, NULL, &f.ctx), 0);
	assert_int_equal(cmp(COL_PROCESS, f.v4_estab, NULL, f.v6_listen, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_USER, f.v4_estab, NULL, f.v6_listen, NULL, &f.ctx), -1);
	/* rtt: without tcp_info counts as 0. */
	assert_int_equal(cmp(COL_RTT, f.v4_listen, NULL, f.v4_estab, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_RTT, f.v4_listen, NULL, f.time_wait, NULL, &f.ctx), 0);
	assert_int_equal(cmp(COL_RTT, f.v4_estab, NULL, f.v6_estab, NULL, &f.ctx), -1);
	/* Rates: unknown before 0 before more. */
	assert_int_equal(cmp(COL_SEND_RATE, f.v4_estab, &old, f.v4_estab, &young, &f.ctx), -1);
	assert_int_equal(cmp(COL_SEND_RATE, f.v4_estab, NULL, f.v4_estab, &old, &f.ctx), 0);
	assert_int_equal(cmp(COL_RECV_RATE, f.v4_estab, &young, f.v4_estab, &old, &f.ctx), 1);
	/* Age ascending as the column reads: the youngest (latest first
	 * sight) first; unknown before everything, like unknown rates. */
	assert_int_equal(cmp(COL_AGE, f.v4_estab, &young, f.v4_estab, &old, &f.ctx), -1);
	assert_int_equal(cmp(COL_AGE, f.v4_estab, NULL, f.v4_estab, &young, &f.ctx), -1);
	/* Timer: by kind, then by time left. */
	assert_int_equal(cmp(COL_TIMER, f.v6_estab, NULL, f.v4_estab, NULL, &f.ctx), -1);
	x = *f.v4_estab;
	x.timer_expires_ms = 7199;
	assert_int_equal(cmp(COL_TIMER, &x, NULL, f.v4_estab, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_SENT, f.v4_estab, NULL, f.v6_estab, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_RECEIVED, f.v6_estab, NULL, f.v4_estab, NULL, &f.ctx), 1);
	assert_int_equal(cmp(COL_RECV_Q, f.v4_listen, NULL, f.v4_estab, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_SEND_Q, f.v4_estab, NULL, f.v4_listen, NULL, &f.ctx), -1);
	assert_int_equal(cmp(COL_RETRANS, f.v6_estab, NULL, f.v4_estab, NULL, &f.ctx), -1);
	snapshot_unref(f.snap);
}

/* xorshift64*: the same rows on every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/*
 * Rows with few distinct values in every column, so that every column has
 * many ties and every pair of columns overlaps in interesting ways.
 */
enum { STABLE_ROWS = 240 };

struct row_set {
	struct snapshot *snap;
	struct conn_info infos[STABLE_ROWS];
	struct conn_row rows[STABLE_ROWS];
	struct conn_context ctx;
	struct owner_table *foreign; /* an older table, as tombstones keep */
	struct radix_scratch scratch; /* what the dashboard sorts with */
};

static void
row_set_free(struct row_set *rs)
{
	owner_table_unref(rs->foreign);
	snapshot_unref(rs->snap);
	radix_scratch_free(&rs->scratch);
}

static void
row_set_build(struct row_set *rs, uint64_t seed)
{
	static const char *const v4[] = {"10.0.0.1", "10.0.0.2", "192.168.0.1"};
	static const char *const v6[] = {"::1", "fe80::1", "2001:db8::7"};
	static const uint16_t ports[] = {22, 80, 443, 0};
	struct owner_table *owners = owner_table_new();
	uint32_t procs[4];

	memset(rs, 0, sizeof(*rs));
	assert_non_null(owners);
	procs[0] = add_proc(owners, 100, "nginx", "www");
	procs[1] = add_proc(owners, 300, "nginx", "www");
	procs[2] = add_proc(owners, 200, "sshd", "root");
	procs[3] = add_proc(owners, 50, "curl", "alice");
	assert_int_equal(owner_table_seal(owners), 0);
	/* Same indexes, partly other names: some the snapshot lacks
	 * (sorting between, before and after its names), some it has. */
	rs->foreign = owner_table_new();
	assert_non_null(rs->foreign);
	add_proc(rs->foreign, 70, "apache", "bob");
	add_proc(rs->foreign, 300, "nginx", "www");
	add_proc(rs->foreign, 20, "zzz", "zed");
	add_proc(rs->foreign, 10, "postgres", "alice");
	assert_int_equal(owner_table_seal(rs->foreign), 0);
	rs->snap = snapshot_new(STABLE_ROWS);
	assert_non_null(rs->snap);
	rs->snap->owners = owners;
	rs->ctx.snap = rs->snap;
	rs->ctx.now = 500;
	for (size_t i = 0; i < STABLE_ROWS; i++) {
		struct sock_entry *e = snapshot_add(rs->snap);
		int six = rnd(&seed) % 2;

		assert_non_null(e);
		e->cookie = i + 1;
		set_endpoints(e, six ? AF_INET6 : AF_INET,
		              six ? v6[rnd(&seed) % 3] : v4[rnd(&seed) % 3], ports[rnd(&seed) % 4],
		              six ? v6[rnd(&seed) % 3] : v4[rnd(&seed) % 3], ports[rnd(&seed) % 4]);
		e->state = (uint8_t)(rnd(&seed) % 4 == 0   ? TCP_STATE_LISTEN
		                     : rnd(&seed) % 3 == 0 ? TCP_STATE_TIME_WAIT
		                                           : TCP_STATE_ESTABLISHED);
		switch (rnd(&seed) % 6) {
		case 0:
			e->owner_status = OWNER_HIDDEN;
			break;
		case 1:
			e->owner_status = OWNER_NONE;
			break;
		default:
			e->owner_status = OWNER_FOUND;
			e->owner = procs[rnd(&seed) % 4];
			e->n_owners = (uint16_t)(1 + rnd(&seed) % 2);
		}
		e->recv_q = (uint32_t)(rnd(&seed) % 3);
		e->send_q = (uint32_t)(rnd(&seed) % 3) * 64;
		e->flags = rnd(&seed) % 5 == 0 ? 0 : SOCK_ENTRY_HAS_INFO;
		e->rtt_us = (uint32_t)(rnd(&seed) % 4) * 500;
		e->total_retrans = (uint32_t)(rnd(&seed) % 3);
		e->bytes_acked = (rnd(&seed) % 3) * 1000;
		e->bytes_received = (rnd(&seed) % 3) * 1500;
		e->timer = (uint8_t)(rnd(&seed) % 4);
		e->timer_expires_ms = (uint32_t)(rnd(&seed) % 3) * 100;
		rs->infos[i] =
		    info_with(400 + (double)(rnd(&seed) % 3) * 10, (double)(rnd(&seed) % 3) - 1,
		              (double)(rnd(&seed) % 3) - 1);
	}
	snapshot_seal(rs->snap);
	for (size_t i = 0; i < STABLE_ROWS; i++) {
		rs->rows[i].entry = &rs->snap->entries[i];
		/* Some rows have nothing tracked. */
		rs->rows[i].info = i % 11 == 3 ? NULL : &rs->infos[i];
		/* Some rows are tombstones holding an older owner table. */
		rs->rows[i].owners = i % 7 == 2 ? rs->foreign : NULL;
	}
	/* Shuffle: the starting order is not the entries' order. */
	for (size_t i = STABLE_ROWS - 1; i > 0; i--) {
		size_t j = rnd(&seed) % (i + 1);
		struct conn_row t = rs->rows[i];

		rs->rows[i] = rs->rows[j];
		rs->rows[j] = t;
	}
}

static int
directed(enum conn_column col, bool descending, const struct conn_row *a, const struct conn_row *b,
         const struct conn_context *ctx)
{
	int c = conn_column(col)->compare(a, b, ctx);

	return descending ? -c : c;
}

/* Where each row stood in `before` (rows are told apart by entry). */
static void
positions(const struct row_set *rs, const struct conn_row *before, size_t *pos)
{
	for (size_t i = 0; i < STABLE_ROWS; i++)
		pos[before[i].entry - rs->snap->entries] = i;
}

/*
 * For every pair of columns (A, B) and both directions of each: sorting
 * by A and then by B leaves rows equal in B ordered by A, and rows equal
 * in both in the order they had before either sort.
 */
static void
test_sort_stable_every_column(void **state)
{
	struct row_set rs;
	struct conn_row start[STABLE_ROWS], rows[STABLE_ROWS];
	size_t pos[STABLE_ROWS];
	bool seen[STABLE_ROWS];
	size_t ties_checked = 0;

	(void)state;
	row_set_build(&rs, 0x1234567887654321ull);
	memcpy(start, rs.rows, sizeof(start));
	positions(&rs, start, pos);
	for (int a = 0; a < COL_COUNT; a++)
		for (int b = 0; b < COL_COUNT; b++)
			for (int dirs = 0; dirs < 4; dirs++) {
				bool desc_a = dirs & 1, desc_b = dirs & 2;

				/* With the dashboard's scratch for half the pairs
				 * (one counting pass for small keys), without for
				 * the others (batch). */
				rs.ctx.scratch = (a + b) % 2 == 0 ? &rs.scratch : NULL;
				memcpy(rows, start, sizeof(rows));
				conn_rows_sort(rows, STABLE_ROWS, (enum conn_column)a, desc_a,
				               &rs.ctx);
				for (size_t i = 0; i + 1 < STABLE_ROWS; i++)
					if (directed((enum conn_column)a, desc_a, &rows[i],
					             &rows[i + 1], &rs.ctx) > 0)
						fail_msg(
						    "sort by %s %s: rows %zu and %zu out of order",
						    conn_column((enum conn_column)a)->name,
						    desc_a ? "desc" : "asc", i, i + 1);
				conn_rows_sort(rows, STABLE_ROWS, (enum conn_column)b, desc_b,
				               &rs.ctx);

				memset(seen, 0, sizeof(seen));
				for (size_t i = 0; i < STABLE_ROWS; i++) {
					size_t k = (size_t)(rows[i].entry - rs.snap->entries);

					assert_true(k < STABLE_ROWS);
					assert_false(seen[k]);
					seen[k] = true;
				}
				for (size_t i = 0; i + 1 < STABLE_ROWS; i++) {
					const struct conn_row *x = &rows[i], *y = &rows[i + 1];
					int cb =
					    directed((enum conn_column)b, desc_b, x, y, &rs.ctx);
					int ca =
					    directed((enum conn_column)a, desc_a, x, y, &rs.ctx);

					if (cb > 0 || (cb == 0 && ca > 0) ||
					    (cb == 0 && ca == 0 &&
					     pos[x->entry - rs.snap->entries] >
					         pos[y->entry - rs.snap->entries]))
						fail_msg("sort by %s %s, then %s %s: rows %zu and "
						         "%zu out of order",
						         conn_column((enum conn_column)a)->name,
						         desc_a ? "desc" : "asc",
						         conn_column((enum conn_column)b)->name,
						         desc_b ? "desc" : "asc", i, i + 1);
					ties_checked += cb == 0;
					/* The row keeps its info: record k beside
					 * entry k. */
					assert_true(x->info == NULL ||
					            x->info - rs.infos == x->entry - rs.snap->entries);
				}
			}
	/* The data really had ties to keep in order. */
	assert_true(ties_checked > (size_t)COL_COUNT * COL_COUNT * 4 * 50);
	row_set_free(&rs);
}

/* Each column on its own, both ways, ties in their previous order. */
static void
test_sort_single_column_ties(void **state)
{
	struct row_set rs;
	struct conn_row rows[STABLE_ROWS];
	size_t pos[STABLE_ROWS];

	(void)state;
	row_set_build(&rs, 42);
	positions(&rs, rs.rows, pos);
	for (int c = 0; c < COL_COUNT; c++)
		for (int desc = 0; desc < 4; desc++) {
			size_t ties = 0;

			/* 2 and 3: the same, with a scratch. */
			rs.ctx.scratch = desc >= 2 ? &rs.scratch : NULL;
			memcpy(rows, rs.rows, sizeof(rows));
			conn_rows_sort(rows, STABLE_ROWS, (enum conn_column)c, desc & 1, &rs.ctx);
			for (size_t i = 0; i + 1 < STABLE_ROWS; i++) {
				int d = directed((enum conn_column)c, desc & 1, &rows[i], &rows[i + 1],
				                 &rs.ctx);

				assert_true(d <= 0);
				if (d == 0) {
					ties++;
					assert_true(pos[rows[i].entry - rs.snap->entries] <
					            pos[rows[i + 1].entry - rs.snap->entries]);
				}
			}
			if (ties == 0)
				fail_msg("column %s had no ties to test",
				         conn_column((enum conn_column)c)->name);
		}
	row_set_free(&rs);
}

static void
test_sort_edges(void **state)
{
	struct row_set rs;
	struct conn_row rows[STABLE_ROWS];

	(void)state;
	row_set_build(&rs, 7);
	/* Nothing and one row: nothing to do. */
	conn_rows_sort(NULL, 0, COL_RTT, false, &rs.ctx);
	memcpy(rows, rs.rows, sizeof(rows));
	conn_rows_sort(rows, 1, COL_LOCAL, true, &rs.ctx);
	assert_memory_equal(rows, rs.rows, sizeof(rows));
	/* An unknown column leaves the order alone. */
	conn_rows_sort(rows, STABLE_ROWS, COL_COUNT, false, &rs.ctx);
	assert_memory_equal(rows, rs.rows, sizeof(rows));
	row_set_free(&rs);
}

/* ------------------------------------------------------------ 50,000 rows */

enum { BIG_ROWS = 50000 };

struct keyed {
	uint32_t key;
	size_t index;
};

static int
keyed_asc(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int
keyed_desc(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;

	if (a->key != b->key)
		return a->key > b->key ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* By rtt, 50,000 rows with many ties, and some with no tcp_info (their
 * rtt field is set but counts as 0): the same order as a reference sort
 * on (rtt, previous position). */
static void
test_sort_50k_by_rtt(void **state)
{
	struct snapshot *snap = snapshot_new(BIG_ROWS);
	struct conn_row *rows = malloc(BIG_ROWS * sizeof(*rows));
	struct keyed *ref = malloc(BIG_ROWS * sizeof(*ref));
	const struct sock_entry **before = malloc(BIG_ROWS * sizeof(*before));
	struct conn_context ctx = {.snap = NULL};
	uint64_t seed = 99;

	(void)state;
	assert_non_null(snap);
	assert_non_null(rows);
	assert_non_null(ref);
	assert_non_null(before);
	ctx.snap = snap;
	for (size_t i = 0; i < BIG_ROWS; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		e->cookie = i + 1;
		e->family = AF_INET;
		e->rtt_us = (uint32_t)(rnd(&seed) % 2000) * 37;
		e->flags = rnd(&seed) % 10 == 0 ? 0 : SOCK_ENTRY_HAS_INFO;
	}
	snapshot_seal(snap);
	for (int desc = 0; desc < 2; desc++) {
		/* A shuffled previous order. */
		for (size_t i = 0; i < BIG_ROWS; i++) {
			rows[i].entry = &snap->entries[i];
			rows[i].info = NULL;
		}
		for (size_t i = BIG_ROWS - 1; i > 0; i--) {
			size_t j = rnd(&seed) % (i + 1);
			struct conn_row t = rows[i];

			rows[i] = rows[j];
			rows[j] = t;
		}
		/* Reference: by key, then by position before the sort. */
		for (size_t i = 0; i < BIG_ROWS; i++) {
			const struct sock_entry *e = rows[i].entry;

			ref[i].key = e->flags & SOCK_ENTRY_HAS_INFO ? e->rtt_us : 0;
			ref[i].index = i;
			before[i] = e;
		}
		qsort(ref, BIG_ROWS, sizeof(*ref), desc ? keyed_desc : keyed_asc);
		conn_rows_sort(rows, BIG_ROWS, COL_RTT, desc, &ctx);
		for (size_t i = 0; i < BIG_ROWS; i++)
			if (rows[i].entry != before[ref[i].index])
				fail_msg("%s: row %zu is entry %td, expected %td",
				         desc ? "descending" : "ascending", i,
				         rows[i].entry - snap->entries,
				         before[ref[i].index] - snap->entries);
	}
	free(before);
	free(ref);
	free(rows);
	snapshot_unref(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_format_endpoints),
	    cmocka_unit_test(test_format_owner),
	    cmocka_unit_test(test_format_numbers),
	    cmocka_unit_test(test_format_rates_and_age),
	    cmocka_unit_test(test_format_timer),
	    cmocka_unit_test(test_compare_meaning),
	    cmocka_unit_test(test_sort_stable_every_column),
	    cmocka_unit_test(test_sort_single_column_ties),
	    cmocka_unit_test(test_sort_edges),
	    cmocka_unit_test(test_sort_50k_by_rtt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
