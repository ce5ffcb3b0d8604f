/*
 * test_nl_parse.c - sock_diag reply bytes to entries.
 *
 * The replies are built here with libmnl, the way the kernel lays them
 * out, so every field, every message kind and every truncation can be
 * checked without a netlink socket.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "nl_parse.h"
#include "snapshot.h"

/* ------------------------------------------------------------ builders */

enum { BUILDER_CAP = 16384 };

/* Messages appended one after the other, as in one recvmsg() buffer. */
struct builder {
	size_t len;
	size_t bounds[16]; /* end offset of each message */
	size_t n_msgs;
	uint8_t *buf;
};

static void
builder_init(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b->buf = calloc(1, BUILDER_CAP);
	assert_non_null(b->buf);
}

static void
builder_fini(struct builder *b)
{
	free(b->buf);
	b->buf = NULL;
}

static struct nlmsghdr *
builder_header(struct builder *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	assert_true(b->len + 1024 <= BUILDER_CAP);
	nlh = mnl_nlmsg_put_header(b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_MULTI | flags);
	nlh->nlmsg_seq = 1;
	nlh->nlmsg_pid = 4242;
	return nlh;
}

static size_t
builder_end(struct builder *b, const struct nlmsghdr *nlh)
{
	size_t len = MNL_ALIGN(nlh->nlmsg_len);

	b->len += len;
	assert_true(b->n_msgs < sizeof(b->bounds) / sizeof(b->bounds[0]));
	b->bounds[b->n_msgs++] = b->len;
	return len;
}

/* A SOCK_DIAG_BY_FAMILY message, with INET_DIAG_INFO when info != NULL. */
static struct nlmsghdr *
builder_diag(struct builder *b, const struct inet_diag_msg *msg, const void *info,
	     size_t info_len, uint16_t flags)
{
	struct nlmsghdr *nlh = builder_header(b, SOCK_DIAG_BY_FAMILY, flags);
	struct inet_diag_msg *payload = mnl_nlmsg_put_extra_header(nlh, sizeof(*msg));

	memcpy(payload, msg, sizeof(*msg));
	if (info != NULL)
		mnl_attr_put(nlh, INET_DIAG_INFO, info_len, info);
	builder_end(b, nlh);
	return nlh;
}

static void
builder_done(struct builder *b, int status, uint16_t flags)
{
	struct nlmsghdr *nlh = builder_header(b, NLMSG_DONE, flags);
	int *payload = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*payload = status;
	builder_end(b, nlh);
}

static void
builder_error(struct builder *b, int error)
{
	struct nlmsghdr *nlh = builder_header(b, NLMSG_ERROR, 0);
	struct nlmsgerr *err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));

	err->error = error;
	err->msg.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	err->msg.nlmsg_len = sizeof(err->msg);
	builder_end(b, nlh);
}

/* ------------------------------------------------------------ sample data */

/* A message with a distinct value in every field; `n` varies them. */
static struct inet_diag_msg
sample_msg(uint8_t family, uint8_t kernel_state, uint32_t n)
{
	struct inet_diag_msg m;

	memset(&m, 0, sizeof(m));
	m.idiag_family = family;
	m.idiag_state = kernel_state;
	m.idiag_timer = SOCK_TIMER_RETRANSMIT;
	m.idiag_retrans = 3;
	m.id.idiag_sport = htons((uint16_t)(0x1f90 + n)); /* 8080 + n */
	m.id.idiag_dport = htons(0xc351);                 /* 50001 */
	if (family == AF_INET6) {
		/* 2001:db8::n and 2001:db8::ff:n */
		static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
						 0,    0,    0,    0,    0, 0, 0, 0};
		memcpy(m.id.idiag_src, src6, 16);
		memcpy(m.id.idiag_dst, src6, 16);
		((uint8_t *)m.id.idiag_src)[15] = (uint8_t)n;
		((uint8_t *)m.id.idiag_dst)[13] = 0xff;
		((uint8_t *)m.id.idiag_dst)[15] = (uint8_t)n;
	} else {
		m.id.idiag_src[0] = htonl(0x0a000001 + n); /* 10.0.0.(1+n) */
		m.id.idiag_dst[0] = htonl(0xc0a80102);     /* 192.168.1.2 */
	}
	m.id.idiag_if = 2 + n;
	m.id.idiag_cookie[0] = 0x89abcdef;
	m.id.idiag_cookie[1] = 0x01234567 + n;
	m.idiag_expires = 200 + n;
	m.idiag_rqueue = 10 + n;
	m.idiag_wqueue = 20 + n;
	m.idiag_uid = 1000 + n;
	m.idiag_inode = 123456 + n;
	return m;
}

static uint64_t
sample_cookie(uint32_t n)
{
	return ((uint64_t)(0x01234567 + n) << 32) | 0x89abcdef;
}

static struct tcp_info
sample_info(uint32_t n)
{
	struct tcp_info ti;

	/* Non-zero everywhere, so a field read from the wrong place shows. */
	memset(&ti, 0x5a, sizeof(ti));
	ti.tcpi_state = 1;
	ti.tcpi_last_data_sent = 40 + n;
	ti.tcpi_last_data_recv = 50 + n;
	ti.tcpi_rtt = 1500 + n;
	ti.tcpi_rttvar = 750 + n;
	ti.tcpi_snd_cwnd = 10 + n;
	ti.tcpi_total_retrans = 7 + n;
	ti.tcpi_bytes_acked = 0x100000000ull * 3 + 17 + n;
	ti.tcpi_bytes_received = 0x100000000ull * 5 + 19 + n;
	ti.tcpi_segs_in = 300 + n;
	ti.tcpi_segs_out = 400 + n;
	ti.tcpi_rwnd_limited = 0x100000000ull * 1000 + 7000 + 1000 * n + 999;
	ti.tcpi_snd_wnd = 65000 + n;
	return ti;
}

static void
assert_info_fields(const struct sock_entry *e, uint32_t n)
{
	assert_true(e->flags & SOCK_ENTRY_HAS_INFO);
	assert_int_equal(e->rtt_us, 1500 + n);
	assert_int_equal(e->rttvar_us, 750 + n);
	assert_int_equal(e->snd_cwnd, 10 + n);
	assert_int_equal(e->total_retrans, 7 + n);
	assert_int_equal(e->bytes_acked, 0x100000000ull * 3 + 17 + n);
	assert_int_equal(e->bytes_received, 0x100000000ull * 5 + 19 + n);
	assert_int_equal(e->segs_in, 300 + n);
	assert_int_equal(e->segs_out, 400 + n);
	assert_int_equal(e->last_data_sent_ms, 40 + n);
	assert_int_equal(e->last_data_recv_ms, 50 + n);
	/* Microseconds to wrapping milliseconds. */
	assert_int_equal(e->rwnd_limited_ms, 7 + n);
	assert_true(e->flags & SOCK_ENTRY_HAS_SND_WND);
	assert_int_equal(e->snd_wnd, 65000 + n);
}

/* Checks everything taken from inet_diag_msg except the addresses. */
static void
assert_msg_fields(const struct sock_entry *e, uint32_t n)
{
	assert_int_equal(e->local_port, 8080 + n);
	assert_int_equal(e->remote_port, 50001);
	assert_int_equal(e->ifindex, 2 + n);
	assert_int_equal(e->cookie, sample_cookie(n));
	assert_int_equal(e->timer, SOCK_TIMER_RETRANSMIT);
	assert_int_equal(e->retrans, 3);
	assert_int_equal(e->timer_expires_ms, 200 + n);
	assert_int_equal(e->recv_q, 10 + n);
	assert_int_equal(e->send_q, 20 + n);
	assert_int_equal(e->uid, 1000 + n);
	assert_int_equal(e->inode, 123456 + n);
}

/* Parses one buffer into a fresh snapshot. */
static int
parse_one(const struct builder *b, struct snapshot **snap, struct nl_parse_result *res)
{
	*snap = snapshot_new(0);
	assert_non_null(*snap);
	memset(res, 0, sizeof(*res));
	errno = 0;
	return nl_parse_buffer(b->buf, b->len, *snap, res);
}

/* ------------------------------------------------------------ tests */

/* Three buffers of one dump accumulate into one snapshot and one result. */
static void
test_multipart_dump(void **state)
{
	struct builder b[3];
	struct inet_diag_msg m;
	struct tcp_info ti;
	struct nl_parse_result res;
	struct snapshot *snap = snapshot_new(0);
	size_t total_len = 0;

	(void)state;
	assert_non_null(snap);
	for (int i = 0; i < 3; i++)
		builder_init(&b[i]);

	ti = sample_info(0);
	m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	builder_diag(&b[0], &m, &ti, sizeof(ti), 0);
	m = sample_msg(AF_INET6, KERNEL_TCP_LISTEN, 1);
	ti = sample_info(1);
	builder_diag(&b[0], &m, &ti, sizeof(ti), 0);
	m = sample_msg(AF_INET, KERNEL_TCP_TIME_WAIT, 2);
	builder_diag(&b[0], &m, NULL, 0, 0);

	m = sample_msg(AF_INET6, KERNEL_TCP_ESTABLISHED, 3);
	ti = sample_info(3);
	builder_diag(&b[1], &m, &ti, sizeof(ti), 0);
	m = sample_msg(AF_INET, KERNEL_TCP_NEW_SYN_RECV, 4);
	builder_diag(&b[1], &m, NULL, 0, 0);

	m = sample_msg(AF_INET, KERNEL_TCP_CLOSE_WAIT, 5);
	ti = sample_info(5);
	builder_diag(&b[2], &m, &ti, sizeof(ti), 0);
	builder_done(&b[2], 0, 0);

	memset(&res, 0, sizeof(res));
	assert_int_equal(nl_parse_buffer(b[0].buf, b[0].len, snap, &res), 0);
	total_len += b[0].len;
	assert_false(res.done);
	assert_int_equal(res.messages, 3);
	assert_int_equal(res.consumed, total_len);
	assert_int_equal(snap->n_entries, 3);

	assert_int_equal(nl_parse_buffer(b[1].buf, b[1].len, snap, &res), 0);
	total_len += b[1].len;
	assert_false(res.done);
	assert_int_equal(res.messages, 5);
	assert_int_equal(res.consumed, total_len);

	assert_int_equal(nl_parse_buffer(b[2].buf, b[2].len, snap, &res), 0);
	total_len += b[2].len;
	assert_true(res.done);
	assert_false(res.interrupted);
	assert_int_equal(res.messages, 6);
	assert_int_equal(res.skipped, 0);
	assert_int_equal(res.consumed, total_len);
	assert_int_equal(snap->n_entries, 6);

	/* Entries keep the order of the dump. */
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(snap->entries[i].cookie, sample_cookie(i));
	assert_int_equal(snap->entries[0].state, TCP_STATE_ESTABLISHED);
	assert_int_equal(snap->entries[1].state, TCP_STATE_LISTEN);
	assert_int_equal(snap->entries[2].state, TCP_STATE_TIME_WAIT);
	assert_int_equal(snap->entries[3].state, TCP_STATE_ESTABLISHED);
	assert_int_equal(snap->entries[4].state, TCP_STATE_SYN_RECV);
	assert_int_equal(snap->entries[5].state, TCP_STATE_CLOSE_WAIT);
	assert_int_equal(snap->entries[1].family, AF_INET6);
	assert_info_fields(&snap->entries[3], 3);
	assert_false(snap->entries[2].flags & SOCK_ENTRY_HAS_INFO);

	snapshot_seal(snap);
	assert_int_equal(snap->total, 6);
	assert_int_equal(snap->counts[TCP_STATE_ESTABLISHED], 2);
	assert_int_equal(snap->counts[TCP_STATE_LISTEN], 1);
	assert_int_equal(snap->counts[TCP_STATE_TIME_WAIT], 1);
	assert_int_equal(snap->counts[TCP_STATE_SYN_RECV], 1);
	assert_int_equal(snap->counts[TCP_STATE_CLOSE_WAIT], 1);
	assert_int_equal(snap->counts[TCP_STATE_CLOSE], 0);
	assert_int_equal(snap->counts[TCP_STATE_SYN_SENT], 0);

	snapshot_unref(snap);
	for (int i = 0; i < 3; i++)
		builder_fini(&b[i]);
}

static void
test_fields_ipv4(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 7);
	struct tcp_info ti = sample_info(7);
	struct nl_parse_result res;
	struct snapshot *snap;
	static const uint8_t local[16] = {10, 0, 0, 8};
	static const uint8_t remote[16] = {192, 168, 1, 2};
	const struct sock_entry *e;

	(void)state;
	/* Garbage after the IPv4 address must not reach the entry. */
	m.id.idiag_src[1] = 0xdeadbeef;
	m.id.idiag_src[2] = 0xffffffff;
	m.id.idiag_src[3] = 0x01020304;
	m.id.idiag_dst[3] = 0xcafef00d;
	builder_init(&b);
	builder_diag(&b, &m, &ti, sizeof(ti), 0);

	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_int_equal(res.messages, 1);
	assert_int_equal(snap->n_entries, 1);
	e = &snap->entries[0];
	assert_int_equal(e->family, AF_INET);
	assert_int_equal(e->state, TCP_STATE_ESTABLISHED);
	assert_memory_equal(e->local_addr, local, 16);
	assert_memory_equal(e->remote_addr, remote, 16);
	assert_msg_fields(e, 7);
	assert_info_fields(e, 7);
	/* Ports are converted from network order. */
	assert_int_equal(e->local_port, 8087);
	assert_int_equal(e->cookie, 0x0123456e89abcdefull);

	snapshot_unref(snap);
	builder_fini(&b);
}

static void
test_fields_ipv6(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET6, KERNEL_TCP_FIN_WAIT2, 9);
	struct tcp_info ti = sample_info(9);
	struct nl_parse_result res;
	struct snapshot *snap;
	static const uint8_t local[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0,    0,    0,    0,    0, 0, 0, 9};
	static const uint8_t remote[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,    0,
					   0,    0,    0,    0,    0, 0xff, 0, 9};
	const struct sock_entry *e;

	(void)state;
	builder_init(&b);
	builder_diag(&b, &m, &ti, sizeof(ti), 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_int_equal(snap->n_entries, 1);
	e = &snap->entries[0];
	assert_int_equal(e->family, AF_INET6);
	assert_int_equal(e->state, TCP_STATE_FIN_WAIT2);
	assert_memory_equal(e->local_addr, local, 16);
	assert_memory_equal(e->remote_addr, remote, 16);
	assert_msg_fields(e, 9);
	assert_info_fields(e, 9);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* An IPv4 peer of an IPv6 socket stays IPv6, with all 16 bytes. */
static void
test_ipv4_mapped_ipv6(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET6, KERNEL_TCP_ESTABLISHED, 1);
	struct nl_parse_result res;
	struct snapshot *snap;
	static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};

	(void)state;
	memcpy(m.id.idiag_src, mapped, 16);
	memcpy(m.id.idiag_dst, mapped, 16);
	((uint8_t *)m.id.idiag_dst)[15] = 2;
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_int_equal(snap->n_entries, 1);
	assert_int_equal(snap->entries[0].family, AF_INET6);
	assert_memory_equal(snap->entries[0].local_addr, mapped, 16);
	assert_int_equal(snap->entries[0].remote_addr[15], 2);
	assert_memory_equal(snap->entries[0].remote_addr, mapped, 15);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* nl_parse_diag_msg() alone, on a message the builder made. */
static void
test_diag_msg_direct(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_SYN_SENT, 4);
	struct tcp_info ti = sample_info(4);
	struct nlmsghdr *nlh;
	struct sock_entry e;

	(void)state;
	builder_init(&b);
	nlh = builder_diag(&b, &m, &ti, sizeof(ti), 0);
	memset(&e, 0xee, sizeof(e));
	assert_int_equal(nl_parse_diag_msg(nlh, &e), 1);
	assert_int_equal(e.state, TCP_STATE_SYN_SENT);
	assert_msg_fields(&e, 4);
	assert_info_fields(&e, 4);
	/* Bits the parser does not set are cleared, not left over. */
	assert_int_equal(e.flags, SOCK_ENTRY_HAS_INFO | SOCK_ENTRY_HAS_SND_WND);
	builder_fini(&b);
}

/* A tcp_info from an old kernel ends at tcpi_rttvar: later fields stay 0. */
static void
test_short_tcp_info(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	struct tcp_info ti = sample_info(0);
	size_t short_len = offsetof(struct tcp_info, tcpi_rttvar) + sizeof(ti.tcpi_rttvar);
	struct nl_parse_result res;
	struct snapshot *snap;
	const struct sock_entry *e;

	(void)state;
	builder_init(&b);
	builder_diag(&b, &m, &ti, short_len, 0);
	/* A second socket after it proves the walk stayed in step. */
	m = sample_msg(AF_INET, KERNEL_TCP_LISTEN, 1);
	builder_diag(&b, &m, &ti, short_len, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_int_equal(snap->n_entries, 2);
	for (uint32_t i = 0; i < 2; i++) {
		e = &snap->entries[i];
		assert_msg_fields(e, i);
		assert_true(e->flags & SOCK_ENTRY_HAS_INFO);
		assert_int_equal(e->rtt_us, 1500);
		assert_int_equal(e->rttvar_us, 750);
		assert_int_equal(e->last_data_sent_ms, 40);
		assert_int_equal(e->last_data_recv_ms, 50);
		assert_int_equal(e->snd_cwnd, 0);
		assert_int_equal(e->total_retrans, 0);
		assert_int_equal(e->bytes_acked, 0);
		assert_int_equal(e->bytes_received, 0);
		assert_int_equal(e->segs_in, 0);
		assert_int_equal(e->segs_out, 0);
	}
	snapshot_unref(snap);
	builder_fini(&b);
}

/* Shorter still: no rtt at all, so the entry has no tcp_info. */
static void
test_too_short_tcp_info(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	struct tcp_info ti = sample_info(0);
	struct nl_parse_result res;
	struct snapshot *snap;
	const struct sock_entry *e;

	(void)state;
	builder_init(&b);
	builder_diag(&b, &m, &ti, offsetof(struct tcp_info, tcpi_rttvar), 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_int_equal(snap->n_entries, 1);
	e = &snap->entries[0];
	assert_msg_fields(e, 0);
	assert_false(e->flags & SOCK_ENTRY_HAS_INFO);
	assert_int_equal(e->rtt_us, 0);
	assert_int_equal(e->last_data_sent_ms, 0);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* The window fields came late: a tcp_info ending before tcpi_snd_wnd
 * (Linux 4.10 to 5.3) has the time limited by the peer's window but no
 * window, and one ending before tcpi_rwnd_limited has neither.  A closed
 * window (0) is told apart from a missing one by the flag. */
static void
test_window_fields_by_length(void **state)
{
	static const struct {
		size_t len;
		bool rwnd, wnd;
	} cases[] = {
	    {offsetof(struct tcp_info, tcpi_busy_time), false, false},
	    {offsetof(struct tcp_info, tcpi_rwnd_limited) + 7, false, false},
	    {offsetof(struct tcp_info, tcpi_rwnd_limited) + 8, true, false},
	    {offsetof(struct tcp_info, tcpi_snd_wnd) + 3, true, false},
	    {offsetof(struct tcp_info, tcpi_snd_wnd) + 4, true, true},
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct builder b;
		struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 1);
		struct tcp_info ti = sample_info(1);
		struct nl_parse_result res;
		struct snapshot *snap;
		const struct sock_entry *e;

		ti.tcpi_snd_wnd = 0; /* closed, when it is there */
		builder_init(&b);
		builder_diag(&b, &m, &ti, cases[c].len, 0);
		/* A second socket after it proves the walk stayed in step. */
		m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 2);
		builder_diag(&b, &m, &ti, cases[c].len, 0);
		assert_int_equal(parse_one(&b, &snap, &res), 0);
		assert_int_equal(snap->n_entries, 2);
		for (uint32_t i = 0; i < 2; i++) {
			e = &snap->entries[i];
			assert_msg_fields(e, i + 1);
			assert_true(e->flags & SOCK_ENTRY_HAS_INFO);
			assert_int_equal(e->segs_in, 301);
			assert_int_equal(e->rwnd_limited_ms, cases[c].rwnd ? 8 : 0);
			assert_int_equal(e->snd_wnd, 0);
			assert_int_equal((e->flags & SOCK_ENTRY_HAS_SND_WND) != 0, cases[c].wnd);
		}
		snapshot_unref(snap);
		builder_fini(&b);
	}
}

/* A newer kernel's tcp_info is longer than ours: the known part is read. */
static void
test_long_tcp_info(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET6, KERNEL_TCP_ESTABLISHED, 2);
	uint8_t big[sizeof(struct tcp_info) + 61];
	struct tcp_info ti = sample_info(2);
	struct nl_parse_result res;
	struct snapshot *snap;

	(void)state;
	memset(big, 0x77, sizeof(big));
	memcpy(big, &ti, sizeof(ti));
	builder_init(&b);
	builder_diag(&b, &m, big, sizeof(big), 0);
	m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 3);
	ti = sample_info(3);
	builder_diag(&b, &m, &ti, sizeof(ti), 0);
	builder_done(&b, 0, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_true(res.done);
	assert_int_equal(snap->n_entries, 2);
	assert_msg_fields(&snap->entries[0], 2);
	assert_info_fields(&snap->entries[0], 2);
	assert_msg_fields(&snap->entries[1], 3);
	assert_info_fields(&snap->entries[1], 3);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* TIME_WAIT sockets come without INET_DIAG_INFO and without an inode. */
static void
test_time_wait_without_info(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_TIME_WAIT, 0);
	struct nl_parse_result res;
	struct snapshot *snap;
	const struct sock_entry *e;

	(void)state;
	m.idiag_inode = 0;
	m.idiag_timer = SOCK_TIMER_TIME_WAIT;
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_done(&b, 0, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_int_equal(res.messages, 1);
	assert_int_equal(snap->n_entries, 1);
	e = &snap->entries[0];
	assert_int_equal(e->state, TCP_STATE_TIME_WAIT);
	assert_int_equal(e->timer, SOCK_TIMER_TIME_WAIT);
	assert_int_equal(e->inode, 0);
	assert_int_equal(e->flags, 0);
	assert_int_equal(e->rtt_us, 0);
	assert_int_equal(e->bytes_acked, 0);
	snapshot_seal(snap);
	assert_int_equal(snap->counts[TCP_STATE_TIME_WAIT], 1);
	assert_int_equal(snap->total, 1);
	snapshot_unref(snap);
	builder_fini(&b);
}

static void
test_internal_kernel_states_fold(void **state)
{
	struct builder b;
	struct inet_diag_msg m;
	struct nl_parse_result res;
	struct snapshot *snap;

	(void)state;
	builder_init(&b);
	m = sample_msg(AF_INET, KERNEL_TCP_NEW_SYN_RECV, 0);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET6, KERNEL_TCP_NEW_SYN_RECV, 1);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET, KERNEL_TCP_SYN_RECV, 2);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET, KERNEL_TCP_BOUND_INACTIVE, 3);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET, KERNEL_TCP_CLOSE, 4);
	builder_diag(&b, &m, NULL, 0, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_int_equal(res.messages, 5);
	assert_int_equal(res.skipped, 0);
	snapshot_seal(snap);
	assert_int_equal(snap->counts[TCP_STATE_SYN_RECV], 3);
	assert_int_equal(snap->counts[TCP_STATE_CLOSE], 2);
	assert_int_equal(snap->total, 5);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* Well-formed messages of no interest are counted, not kept. */
static void
test_unknown_state_and_family_skipped(void **state)
{
	struct builder b;
	struct inet_diag_msg m;
	struct nl_parse_result res;
	struct snapshot *snap;
	struct sock_entry e;

	(void)state;
	builder_init(&b);
	m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET, 0, 1);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET6, KERNEL_TCP_MAX_STATES, 2);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET, 200, 3);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_UNIX, KERNEL_TCP_ESTABLISHED, 4);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_PACKET, KERNEL_TCP_LISTEN, 5);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET6, KERNEL_TCP_LISTEN, 6);
	builder_diag(&b, &m, NULL, 0, 0);
	/* A message type the parser does not know is skipped too. */
	builder_end(&b, builder_header(&b, NLMSG_NOOP, 0));
	/* And an NLMSG_ERROR carrying 0 is an acknowledgement. */
	builder_error(&b, 0);
	builder_done(&b, 0, 0);

	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_true(res.done);
	assert_int_equal(res.messages, 2);
	assert_int_equal(res.skipped, 7);
	assert_int_equal(res.consumed, b.len);
	assert_int_equal(snap->n_entries, 2);
	assert_int_equal(snap->entries[0].cookie, sample_cookie(0));
	assert_int_equal(snap->entries[1].cookie, sample_cookie(6));
	snapshot_seal(snap);
	assert_int_equal(snap->total, 2);
	assert_int_equal(snap->counts[TCP_STATE_ESTABLISHED], 1);
	assert_int_equal(snap->counts[TCP_STATE_LISTEN], 1);

	m = sample_msg(AF_UNIX, KERNEL_TCP_ESTABLISHED, 0);
	builder_fini(&b);
	builder_init(&b);
	assert_int_equal(nl_parse_diag_msg(builder_diag(&b, &m, NULL, 0, 0), &e), 0);
	m = sample_msg(AF_INET, 0, 0);
	assert_int_equal(nl_parse_diag_msg(builder_diag(&b, &m, NULL, 0, 0), &e), 0);

	snapshot_unref(snap);
	builder_fini(&b);
}

static void
test_dump_interrupted(void **state)
{
	struct builder b;
	struct inet_diag_msg m;
	struct nl_parse_result res;
	struct snapshot *snap;

	(void)state;
	builder_init(&b);
	m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	builder_diag(&b, &m, NULL, 0, 0);
	m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 1);
	builder_diag(&b, &m, NULL, 0, NLM_F_DUMP_INTR);
	builder_done(&b, 0, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_true(res.interrupted);
	assert_true(res.done);
	assert_int_equal(res.messages, 2);
	snapshot_unref(snap);

	/* Without the flag, not interrupted. */
	builder_fini(&b);
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_done(&b, 0, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_false(res.interrupted);
	snapshot_unref(snap);

	/* The flag on NLMSG_DONE alone counts as well. */
	builder_fini(&b);
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_done(&b, 0, NLM_F_DUMP_INTR);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_true(res.interrupted);
	snapshot_unref(snap);
	builder_fini(&b);
}

static void
test_nlmsg_error(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	struct nl_parse_result res;
	struct snapshot *snap;

	(void)state;
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_error(&b, -EPERM);
	builder_done(&b, 0, 0);
	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, EPERM);
	assert_false(res.done);
	assert_int_equal(res.messages, 1);
	assert_int_equal(res.consumed, b.bounds[0]);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* A dump that fails midway says so in NLMSG_DONE's payload. */
static void
test_done_with_error(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	struct nl_parse_result res;
	struct snapshot *snap;

	(void)state;
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_done(&b, -EINTR, 0);
	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, EINTR);
	assert_false(res.done);
	snapshot_unref(snap);
	builder_fini(&b);

	builder_init(&b);
	builder_done(&b, -ENOBUFS, 0);
	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, ENOBUFS);
	snapshot_unref(snap);
	builder_fini(&b);

	/* A positive status is not an error. */
	builder_init(&b);
	builder_done(&b, 5, 0);
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_true(res.done);
	snapshot_unref(snap);
	builder_fini(&b);

	/* An old-style NLMSG_DONE without a payload simply ends the dump. */
	builder_init(&b);
	builder_end(&b, builder_header(&b, NLMSG_DONE, 0));
	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_true(res.done);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* A length of 2^31 or more (negative as an int) is refused, not
 * followed past the buffer. */
static void
test_huge_length(void **state)
{
	struct {
		struct nlmsghdr h;
		unsigned char payload[64];
	} msg;
	struct nl_parse_result res;
	struct snapshot *snap = snapshot_new(0);

	(void)state;
	assert_non_null(snap);
	memset(&msg, 0, sizeof(msg));
	msg.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	for (int i = 0; i < 3; i++) {
		static const uint32_t lengths[] = {0x80000000u, 0xffffffffu, sizeof(msg) + 1};

		msg.h.nlmsg_len = lengths[i];
		memset(&res, 0, sizeof(res));
		assert_int_equal(nl_parse_buffer(&msg, sizeof(msg), snap, &res), -1);
		assert_int_equal(errno, EBADMSG);
		assert_int_equal(snap->n_entries, 0);
	}
	snapshot_unref(snap);
}

/* The most negative status has no positive errno; it must not overflow. */
static void
test_error_int_min(void **state)
{
	struct builder b;
	struct nl_parse_result res;
	struct snapshot *snap;

	(void)state;
	builder_init(&b);
	builder_done(&b, INT_MIN, 0);
	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, EBADMSG);
	assert_false(res.done);
	snapshot_unref(snap);
	builder_fini(&b);

	builder_init(&b);
	builder_error(&b, INT_MIN);
	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, EBADMSG);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* A buffer cut at any byte: whole messages before the cut are parsed,
 * the rest is EBADMSG, and nothing is read past the cut. */
static void
test_truncated_at_every_offset(void **state)
{
	struct builder b;
	struct inet_diag_msg m;
	struct tcp_info ti = sample_info(0);

	(void)state;
	builder_init(&b);
	m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	builder_diag(&b, &m, &ti, sizeof(ti), 0);
	m = sample_msg(AF_INET6, KERNEL_TCP_TIME_WAIT, 1);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_done(&b, 0, 0);
	assert_int_equal(b.n_msgs, 3);

	for (size_t cut = 0; cut <= b.len; cut++) {
		/* An exact-size copy so ASan and valgrind see any over-read. */
		uint8_t *copy = malloc(cut > 0 ? cut : 1);
		struct snapshot *snap = snapshot_new(0);
		struct nl_parse_result res;
		size_t whole = 0, before = 0;
		int rc;

		assert_non_null(copy);
		assert_non_null(snap);
		memcpy(copy, b.buf, cut);
		while (whole < b.n_msgs && b.bounds[whole] <= cut)
			before = b.bounds[whole++];
		memset(&res, 0, sizeof(res));
		errno = 0;
		rc = nl_parse_buffer(copy, cut, snap, &res);
		if (cut == before) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(errno, EBADMSG);
		}
		assert_int_equal(res.consumed, before);
		/* Two socket messages come before DONE. */
		assert_int_equal(res.messages, whole < 2 ? whole : 2);
		assert_int_equal(snap->n_entries, res.messages);
		assert_int_equal(res.done, whole == 3);
		if (whole >= 1) {
			assert_int_equal(snap->entries[0].cookie, sample_cookie(0));
			assert_info_fields(&snap->entries[0], 0);
		}
		if (whole >= 2)
			assert_int_equal(snap->entries[1].cookie, sample_cookie(1));
		snapshot_unref(snap);
		free(copy);
	}
	builder_fini(&b);
}

/* A socket message too short for its inet_diag_msg is malformed. */
static void
test_message_shorter_than_diag_msg(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	struct nl_parse_result res;
	struct snapshot *snap;
	struct nlmsghdr *nlh;
	struct sock_entry e;

	(void)state;
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	nlh = builder_header(&b, SOCK_DIAG_BY_FAMILY, 0);
	memcpy(mnl_nlmsg_put_extra_header(nlh, 40), &m, 40);
	builder_end(&b, nlh);
	builder_done(&b, 0, 0);

	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(res.consumed, b.bounds[0]);
	assert_int_equal(res.messages, 1);
	assert_int_equal(snap->n_entries, 1);
	assert_false(res.done);

	errno = 0;
	assert_int_equal(nl_parse_diag_msg(nlh, &e), -1);
	assert_int_equal(errno, EBADMSG);
	/* A bare header is too short as well. */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	errno = 0;
	assert_int_equal(nl_parse_diag_msg(nlh, &e), -1);
	assert_int_equal(errno, EBADMSG);

	snapshot_unref(snap);
	builder_fini(&b);
}

/* Builds [good socket][socket with a bad attribute area][DONE] and
 * expects EBADMSG after the first. */
static void
expect_bad_attribute(void (*spoil)(struct nlmsghdr *nlh))
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	struct tcp_info ti = sample_info(0);
	struct nl_parse_result res;
	struct snapshot *snap;
	struct nlmsghdr *nlh;
	struct sock_entry e;

	builder_init(&b);
	builder_diag(&b, &m, &ti, sizeof(ti), 0);
	nlh = builder_header(&b, SOCK_DIAG_BY_FAMILY, 0);
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(m)), &m, sizeof(m));
	mnl_attr_put(nlh, INET_DIAG_INFO, sizeof(ti), &ti);
	spoil(nlh);
	builder_end(&b, nlh);
	builder_done(&b, 0, 0);

	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(res.consumed, b.bounds[0]);
	assert_int_equal(res.messages, 1);
	assert_int_equal(snap->n_entries, 1);
	assert_false(res.done);
	errno = 0;
	assert_int_equal(nl_parse_diag_msg(nlh, &e), -1);
	assert_int_equal(errno, EBADMSG);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* The attribute says it is longer than what is left of the message. */
static void
spoil_attr_past_message(struct nlmsghdr *nlh)
{
	nlh->nlmsg_len -= 8;
}

/* An attribute length smaller than an attribute header. */
static void
spoil_attr_len_tiny(struct nlmsghdr *nlh)
{
	struct nlattr *attr = (struct nlattr *)((uint8_t *)nlh + MNL_NLMSG_HDRLEN +
						MNL_ALIGN(sizeof(struct inet_diag_msg)));

	attr->nla_len = 2;
}

/* Two stray bytes where an attribute header should start. */
static void
spoil_trailing_bytes(struct nlmsghdr *nlh)
{
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_msg)) + 2;
}

static void
test_truncated_attribute(void **state)
{
	(void)state;
	expect_bad_attribute(spoil_attr_past_message);
	expect_bad_attribute(spoil_attr_len_tiny);
	expect_bad_attribute(spoil_trailing_bytes);
}

/* A netlink header whose length is below the header size. */
static void
test_bad_netlink_length(void **state)
{
	struct builder b;
	struct nl_parse_result res;
	struct snapshot *snap;
	struct nlmsghdr *nlh;

	(void)state;
	builder_init(&b);
	nlh = builder_header(&b, SOCK_DIAG_BY_FAMILY, 0);
	builder_end(&b, nlh);
	nlh->nlmsg_len = 8;
	assert_int_equal(parse_one(&b, &snap, &res), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(res.consumed, 0);
	assert_int_equal(snap->n_entries, 0);
	snapshot_unref(snap);
	builder_fini(&b);
}

/* Nothing after NLMSG_DONE is read, not even garbage. */
static void
test_stops_after_done(void **state)
{
	struct builder b;
	struct inet_diag_msg m = sample_msg(AF_INET, KERNEL_TCP_ESTABLISHED, 0);
	struct nl_parse_result res;
	struct snapshot *snap;
	size_t done_end;

	(void)state;
	builder_init(&b);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_done(&b, 0, 0);
	done_end = b.len;
	m = sample_msg(AF_INET, KERNEL_TCP_LISTEN, 1);
	builder_diag(&b, &m, NULL, 0, 0);
	builder_error(&b, -EPERM);
	memset(b.buf + b.len, 0xff, 7); /* a broken header */
	b.len += 7;

	assert_int_equal(parse_one(&b, &snap, &res), 0);
	assert_true(res.done);
	assert_int_equal(res.messages, 1);
	assert_int_equal(res.consumed, done_end);
	assert_int_equal(snap->n_entries, 1);

	/* A result that already saw DONE takes nothing more. */
	assert_int_equal(nl_parse_buffer(b.buf, b.len, snap, &res), 0);
	assert_int_equal(res.messages, 1);
	assert_int_equal(snap->n_entries, 1);

	snapshot_seal(snap);
	assert_int_equal(snap->total, 1);
	assert_int_equal(snap->counts[TCP_STATE_ESTABLISHED], 1);
	assert_int_equal(snap->counts[TCP_STATE_LISTEN], 0);
	snapshot_unref(snap);
	builder_fini(&b);
}

static void
test_empty_buffer(void **state)
{
	struct nl_parse_result res;
	struct snapshot *snap = snapshot_new(0);
	uint8_t byte = 0;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(nl_parse_buffer(&byte, 0, snap, &res), 0);
	assert_false(res.done);
	assert_int_equal(res.consumed, 0);
	assert_int_equal(snap->n_entries, 0);
	snapshot_unref(snap);
}

/* Many sockets in one buffer grow the snapshot past its first capacity. */
static void
test_many_sockets(void **state)
{
	struct builder b;
	struct nl_parse_result res;
	struct snapshot *snap = snapshot_new(0);
	size_t total = 0;

	(void)state;
	memset(&res, 0, sizeof(res));
	for (int round = 0; round < 10; round++) {
		builder_init(&b);
		for (uint32_t i = 0; i < 15; i++) {
			struct inet_diag_msg m =
				sample_msg(i % 2 ? AF_INET6 : AF_INET,
					   i % 3 ? KERNEL_TCP_ESTABLISHED : KERNEL_TCP_TIME_WAIT, i);

			builder_diag(&b, &m, NULL, 0, 0);
		}
		if (round == 9)
			builder_done(&b, 0, 0);
		assert_int_equal(nl_parse_buffer(b.buf, b.len, snap, &res), 0);
		total += b.len;
		builder_fini(&b);
	}
	assert_true(res.done);
	assert_int_equal(res.messages, 150);
	assert_int_equal(res.consumed, total);
	snapshot_seal(snap);
	assert_int_equal(snap->total, 150);
	assert_int_equal(snap->counts[TCP_STATE_TIME_WAIT], 50);
	assert_int_equal(snap->counts[TCP_STATE_ESTABLISHED], 100);
	snapshot_unref(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multipart_dump),
		cmocka_unit_test(test_fields_ipv4),
		cmocka_unit_test(test_fields_ipv6),
		cmocka_unit_test(test_ipv4_mapped_ipv6),
		cmocka_unit_test(test_diag_msg_direct),
		cmocka_unit_test(test_short_tcp_info),
		cmocka_unit_test(test_too_short_tcp_info),
		cmocka_unit_test(test_window_fields_by_length),
		cmocka_unit_test(test_long_tcp_info),
		cmocka_unit_test(test_time_wait_without_info),
		cmocka_unit_test(test_internal_kernel_states_fold),
		cmocka_unit_test(test_unknown_state_and_family_skipped),
		cmocka_unit_test(test_dump_interrupted),
		cmocka_unit_test(test_nlmsg_error),
		cmocka_unit_test(test_done_with_error),
		cmocka_unit_test(test_error_int_min),
		cmocka_unit_test(test_huge_length),
		cmocka_unit_test(test_truncated_at_every_offset),
		cmocka_unit_test(test_message_shorter_than_diag_msg),
		cmocka_unit_test(test_truncated_attribute),
		cmocka_unit_test(test_bad_netlink_length),
		cmocka_unit_test(test_stops_after_done),
		cmocka_unit_test(test_empty_buffer),
		cmocka_unit_test(test_many_sockets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
