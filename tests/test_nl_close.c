/*
 * test_nl_close.c - sock_diag destroy events (canned bytes) to closed
 * sockets, and the closed-connection model that tells them what the
 * samples saw.
 *
 * The events are laid out here as the kernel multicasts them: one
 * SOCK_DIAG_BY_FAMILY message, an inet_diag_msg in state CLOSE with an
 * INET_DIAG_INFO attribute holding the final tcp_info.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "closed.h"
#include "nl_close.h"
#include "owners.h"
#include "snapshot.h"
#include "tcp_state.h"

struct canned {
	uint8_t family;
	uint8_t kstate;
	const char *src, *dst;
	uint16_t sport, dport;
	uint64_t cookie;
	uint64_t acked, received;
	uint32_t rtt, retrans;
	size_t info_len; /* 0: no tcp_info */
};

/* Appends one destroy message to buf at *len. */
static void
put_event(uint8_t *buf, size_t cap, size_t *len, const struct canned *c)
{
	struct nlmsghdr *nlh;
	struct inet_diag_msg *msg;

	assert_true(cap - *len >= 1024);
	nlh = mnl_nlmsg_put_header(buf + *len);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg = mnl_nlmsg_put_extra_header(nlh, sizeof(*msg));
	msg->idiag_family = c->family;
	msg->idiag_state = c->kstate;
	msg->id.idiag_sport = htons(c->sport);
	msg->id.idiag_dport = htons(c->dport);
	inet_pton(c->family, c->src, msg->id.idiag_src);
	inet_pton(c->family, c->dst, msg->id.idiag_dst);
	msg->id.idiag_cookie[0] = (uint32_t)c->cookie;
	msg->id.idiag_cookie[1] = (uint32_t)(c->cookie >> 32);
	if (c->info_len > 0) {
		struct tcp_info info;

		memset(&info, 0, sizeof(info));
		info.tcpi_bytes_acked = c->acked;
		info.tcpi_bytes_received = c->received;
		info.tcpi_rtt = c->rtt;
		info.tcpi_total_retrans = c->retrans;
		mnl_attr_put(nlh, INET_DIAG_INFO, c->info_len, &info);
	}
	*len += MNL_ALIGN(nlh->nlmsg_len);
}

static const struct canned v4 = {
	.family = AF_INET, .kstate = 7, .src = "10.0.0.1", .dst = "10.0.0.7",
	.sport = 8080, .dport = 40001, .cookie = 0x100000001ull, .acked = 1000,
	.received = 37, .rtt = 55, .retrans = 2, .info_len = sizeof(struct tcp_info)};
static const struct canned v6 = {
	.family = AF_INET6, .kstate = 7, .src = "fd00::1", .dst = "fd00::2",
	.sport = 40002, .dport = 443, .cookie = 42, .acked = 5, .received = 6000,
	.rtt = 12, .retrans = 0, .info_len = sizeof(struct tcp_info)};

static void
test_parse_both_families(void **state)
{
	uint8_t buf[8192];
	size_t len = 0;
	struct nl_close_batch b = {0};
	struct sock_close *c;

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_event(buf, sizeof(buf), &len, &v4);
	put_event(buf, sizeof(buf), &len, &v6);
	assert_int_equal(nl_close_parse(buf, len, 77, 123456789, &b), 2);
	assert_int_equal(b.n, 2);
	c = &b.items[0];
	assert_int_equal(c->entry.family, AF_INET);
	assert_int_equal(c->entry.state, TCP_STATE_CLOSE);
	assert_int_equal(c->entry.local_port, 8080);
	assert_int_equal(c->entry.remote_port, 40001);
	assert_true(c->entry.cookie == 0x100000001ull);
	assert_true(c->entry.bytes_acked == 1000);
	assert_true(c->entry.bytes_received == 37);
	assert_int_equal(c->entry.rtt_us, 55);
	assert_int_equal(c->entry.total_retrans, 2);
	assert_int_equal(c->entry.netns, 77);
	assert_true(c->time_ns == 123456789);
	c = &b.items[1];
	assert_int_equal(c->entry.family, AF_INET6);
	assert_int_equal(c->entry.remote_port, 443);
	assert_true(c->entry.bytes_received == 6000);
	nl_close_batch_free(&b);
}

static void
test_skips_listeners_and_others(void **state)
{
	uint8_t buf[8192];
	size_t len = 0;
	struct nl_close_batch b = {0};
	struct canned listener = v4, unix_like = v4, noinfo = v6;

	(void)state;
	memset(buf, 0, sizeof(buf));
	listener.dport = 0;
	listener.dst = "0.0.0.0";
	unix_like.family = AF_UNIX;
	noinfo.info_len = 0;
	put_event(buf, sizeof(buf), &len, &listener);
	put_event(buf, sizeof(buf), &len, &unix_like);
	put_event(buf, sizeof(buf), &len, &noinfo);
	assert_int_equal(nl_close_parse(buf, len, 0, 1, &b), 1);
	assert_int_equal(b.skipped, 2);
	assert_int_equal(b.items[0].entry.flags & SOCK_ENTRY_HAS_INFO, 0);
	nl_close_batch_free(&b);
}

static void
test_truncated_is_an_error(void **state)
{
	uint8_t buf[8192];
	size_t len = 0, first;
	struct nl_close_batch b = {0};

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_event(buf, sizeof(buf), &len, &v4);
	first = len;
	put_event(buf, sizeof(buf), &len, &v6);
	/* The second message cut: the first stays, the call fails. */
	errno = 0;
	assert_int_equal(nl_close_parse(buf, len - 9, 0, 1, &b), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(b.n, 1);
	nl_close_batch_free(&b);
	/* A header claiming more than there is. */
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)first + 4;
	assert_int_equal(nl_close_parse(buf, first, 0, 1, &b), -1);
	assert_int_equal(b.n, 0);
	/* An attribute running past its message. */
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)first;
	((struct nlattr *)(buf + MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_msg))))
		->nla_len = 4000;
	assert_int_equal(nl_close_parse(buf, first, 0, 1, &b), -1);
	nl_close_batch_free(&b);
}

/* ---------------------------------------------------------------- model */

static struct owner_table *
owners_with(int32_t pid, const char *comm, uint32_t inode)
{
	struct owner_table *t = owner_table_new();
	struct owner_proc proc = {.pid = pid, .cmdline = "", .user = "root"};

	assert_non_null(t);
	strncpy(proc.comm, comm, sizeof(proc.comm) - 1);
	assert_int_equal(owner_table_add_proc(t, &proc), 0);
	assert_int_equal(owner_table_add_link(t, inode, 0), 0);
	assert_int_equal(owner_table_seal(t), 0);
	return t;
}

static struct snapshot *
sample_at(int second)
{
	struct snapshot *s = snapshot_new(8);

	assert_non_null(s);
	s->taken_mono.tv_sec = second;
	s->taken_wall.tv_sec = 1000 + second;
	s->has_closes = true;
	s->counters.present = (1u << KC_ACTIVE_OPENS) | (1u << KC_PASSIVE_OPENS);
	s->counters.value[KC_ACTIVE_OPENS] = 100u * (unsigned)second;
	s->counters.value[KC_PASSIVE_OPENS] = 10u * (unsigned)second;
	return s;
}

static struct sock_entry *
add(struct snapshot *s, uint64_t cookie, uint8_t state, uint16_t lport, uint16_t rport)
{
	struct sock_entry *e = snapshot_add(s);

	assert_non_null(e);
	e->family = AF_INET;
	e->cookie = cookie;
	e->state = state;
	e->local_port = lport;
	e->remote_port = rport;
	return e;
}

static void
add_close(struct snapshot *s, uint64_t cookie, uint16_t lport, uint16_t rport, int second_ms)
{
	struct sock_close *grown = realloc(s->closed, (s->n_closed + 1) * sizeof(*grown));

	assert_non_null(grown);
	s->closed = grown;
	memset(&s->closed[s->n_closed], 0, sizeof(s->closed[0]));
	s->closed[s->n_closed].entry.family = AF_INET;
	s->closed[s->n_closed].entry.cookie = cookie;
	s->closed[s->n_closed].entry.state = TCP_STATE_CLOSE;
	s->closed[s->n_closed].entry.local_port = lport;
	s->closed[s->n_closed].entry.remote_port = rport;
	s->closed[s->n_closed].time_ns = (uint64_t)second_ms * 1000000ull;
	s->n_closed++;
}

static void
test_model_seen_owner_lifetime(void **state)
{
	struct closed_model *m = closed_model_new(3);
	struct snapshot *s1 = sample_at(1), *s2 = sample_at(2), *s3 = sample_at(3);
	const struct closed_conn *c;
	const struct closed_interval *iv;
	struct sock_entry *e;
	size_t n;

	(void)state;
	assert_non_null(m);
	/* Sample 1: an established client connection owned by pid 300 and a
	 * listener on 8080 owned by pid 200. */
	s1->owners = owners_with(300, "curl", 5);
	e = add(s1, 11, TCP_STATE_ESTABLISHED, 40000, 80);
	e->inode = 5;
	e->owner_status = OWNER_FOUND;
	e->owner = 0;
	snapshot_seal(s1);
	assert_int_equal(closed_model_feed(m, s1), 0);
	assert_int_equal(closed_model_interval(m)->closed, 0);

	/* Sample 2: cookie 11 closed 500 ms after sample 1 was taken; a
	 * server-side connection on 8080 came and went unseen; a client one
	 * unseen too. */
	s2->owners = owners_with(200, "nginx", 9);
	e = add(s2, 1, TCP_STATE_LISTEN, 8080, 0);
	e->inode = 9;
	e->owner_status = OWNER_FOUND;
	add_close(s2, 11, 40000, 80, 1001500);
	add_close(s2, 12, 8080, 50000, 1001600);
	add_close(s2, 13, 50001, 9999, 1001700);
	s2->closes_lost = 4;
	snapshot_seal(s2);
	assert_int_equal(closed_model_feed(m, s2), 0);
	c = closed_model_fresh(m, &n);
	assert_int_equal(n, 3);
	assert_true(c[0].seen);
	assert_int_equal(c[0].last_state, TCP_STATE_ESTABLISHED);
	assert_true(c[0].lifetime_s > 0.49 && c[0].lifetime_s < 0.51);
	assert_int_equal(c[0].owner_from, CLOSED_OWNER_SAMPLE);
	assert_int_equal(c[0].pid, 300);
	assert_string_equal(c[0].process, "curl");
	assert_false(c[1].seen);
	assert_true(c[1].lifetime_s < 0);
	assert_int_equal(c[1].owner_from, CLOSED_OWNER_LISTENER);
	assert_int_equal(c[1].pid, 200);
	assert_false(c[2].seen);
	assert_int_equal(c[2].owner_from, CLOSED_OWNER_UNKNOWN);
	assert_int_equal(c[2].pid, 0);
	iv = closed_model_interval(m);
	assert_true(iv->known);
	assert_int_equal(iv->closed, 3);
	assert_int_equal(iv->short_lived, 2);
	assert_int_equal(iv->lost, 4);
	assert_true(iv->has_opens);
	assert_int_equal(iv->opened_client, 100);
	assert_int_equal(iv->opened_server, 10);
	assert_true(iv->closed_per_s > 2.99 && iv->closed_per_s < 3.01);

	/* Sample 3: two more closes; the ring of 3 keeps the last 3. */
	add_close(s3, 14, 1, 2, 1002100);
	add_close(s3, 15, 1, 3, 1002200);
	snapshot_seal(s3);
	assert_int_equal(closed_model_feed(m, s3), 0);
	assert_int_equal(closed_model_count(m), 3);
	assert_true(closed_model_get(m, 0)->ev.entry.cookie == 13);
	assert_true(closed_model_get(m, 2)->ev.entry.cookie == 15);
	assert_null(closed_model_get(m, 3));
	assert_int_equal(closed_model_totals(m)->closed, 5);
	assert_int_equal(closed_model_totals(m)->short_lived, 4);
	assert_int_equal(closed_model_totals(m)->lost, 4);

	snapshot_unref(s1);
	snapshot_unref(s2);
	snapshot_unref(s3);
	closed_model_free(m);
}

static void
test_model_remembers_a_few_samples(void **state)
{
	struct closed_model *m = closed_model_new(0);
	struct snapshot *s[6];
	size_t n;
	const struct closed_conn *c;

	(void)state;
	assert_non_null(m);
	for (int i = 0; i < 6; i++)
		s[i] = sample_at(i + 1);
	add(s[0], 21, TCP_STATE_ESTABLISHED, 1, 2);
	add(s[0], 22, TCP_STATE_ESTABLISHED, 1, 3);
	/* TIME_WAIT remnants do not make a connection seen. */
	add(s[0], 23, TCP_STATE_TIME_WAIT, 1, 4);
	/* 21 heard one sample after it vanished: still seen. */
	add_close(s[2], 21, 1, 2, 3000);
	add_close(s[2], 23, 1, 4, 3000);
	/* 22 heard long after: forgotten, counted short-lived. */
	add_close(s[5], 22, 1, 3, 6000);
	for (int i = 0; i < 6; i++) {
		snapshot_seal(s[i]);
		assert_int_equal(closed_model_feed(m, s[i]), 0);
		c = closed_model_fresh(m, &n);
		if (i == 2) {
			assert_int_equal(n, 2);
			assert_true(c[0].seen);
			assert_false(c[1].seen);
		}
		if (i == 5) {
			assert_int_equal(n, 1);
			assert_false(c[0].seen);
		}
	}
	for (int i = 0; i < 6; i++)
		snapshot_unref(s[i]);
	closed_model_free(m);
}

/* Pseudo-random presence of socket k in sample i: sockets come and go in
 * every sample, and every fifth sample is nearly empty, so the model's
 * table grows, shrinks and deletes inside long probe runs. */
static bool
churn_present(unsigned k, int i)
{
	uint32_t h = (uint32_t)k * 2654435761u ^ (uint32_t)i * 40503u;

	h ^= h >> 15;
	h *= 2246822519u;
	h ^= h >> 13;
	if (i % 5 == 4)
		return h % 97 == 0;
	return h % 3 == 0;
}

/* Against a plain model of what the feeds saw: a close is "seen" exactly
 * when its socket was in one of the last four samples (this one and the
 * three before), and its lifetime runs from the first sample of that
 * unbroken stretch. */
static void
test_model_churn_matches_reference(void **state)
{
	enum { N_SOCKS = 6000, N_SAMPLES = 24 };
	struct closed_model *m = closed_model_new(0);
	static int last_seen[N_SOCKS], first_seen[N_SOCKS];
	unsigned checked = 0, seen = 0;

	(void)state;
	assert_non_null(m);
	for (unsigned k = 0; k < N_SOCKS; k++)
		last_seen[k] = first_seen[k] = -100;
	for (int i = 0; i < N_SAMPLES; i++) {
		struct snapshot *s = sample_at(i + 1);
		const struct closed_conn *c;
		size_t n;

		for (unsigned k = 0; k < N_SOCKS; k++) {
			/* Cookies with equal low bits crowd the same slots. */
			uint64_t cookie = ((uint64_t)k << 20) + 7;

			if (churn_present(k, i)) {
				add(s, cookie, TCP_STATE_ESTABLISHED, 1, (uint16_t)k);
				if (i - last_seen[k] > 3)
					first_seen[k] = i;
				last_seen[k] = i;
			}
			if (k % 37 == (unsigned)i % 37)
				add_close(s, cookie, 1, (uint16_t)k, (1000 + i + 1) * 1000 + 500);
		}
		snapshot_seal(s);
		assert_int_equal(closed_model_feed(m, s), 0);
		c = closed_model_fresh(m, &n);
		assert_int_equal(n, s->n_closed);
		for (size_t j = 0; j < n; j++) {
			unsigned k = (unsigned)(c[j].ev.entry.cookie >> 20);
			bool want = i - last_seen[k] <= 3;

			assert_int_equal(c[j].seen, want);
			if (want) {
				assert_true(c[j].lifetime_s > (i - first_seen[k]) + 0.4 &&
					    c[j].lifetime_s < (i - first_seen[k]) + 0.6);
				seen++;
			}
			checked++;
		}
		snapshot_unref(s);
	}
	/* Both answers occurred often enough to mean something. */
	assert_true(seen > 500 && checked - seen > 200);
	closed_model_free(m);
}

/* Processes coming and going: the holders a close is told. */
enum { HC_SOCKS = 3000, HC_SAMPLES = 160, HC_GROUPS = 300, HC_PIDS = 20011 };

/* The process of group q in sample i: a new one every second sample
 * (staggered by group), pids wrapping around so that a pid comes back,
 * and a name that changes within a process's life (exec) and is shared
 * by many.  Group 7 of every 50 has a name of the full 16 bytes, no NUL,
 * of which 15 are told. */
static void
hc_process(unsigned q, int i, int32_t *pid, char comm[16])
{
	unsigned g = ((unsigned)i + q % 4) / 2;

	*pid = 100 + (int32_t)((g * HC_GROUPS + q) % HC_PIDS);
	memset(comm, 0, 16);
	if (q % 50 == 7)
		memcpy(comm, "longprocessnameX", 16);
	else
		snprintf(comm, 16, "w%u.%u", q % 50, ((unsigned)i + q) / 3 % 2);
}

static uint32_t
hc_mix(unsigned k, int i)
{
	uint32_t h = (uint32_t)k * 2246822519u ^ (uint32_t)i * 3266489917u;

	h ^= h >> 15;
	h *= 668265263u;
	h ^= h >> 13;
	return h;
}

struct hc_holder {
	int32_t pid;
	char comm[16];
};

static int
hc_holder_cmp(const void *a, const void *b)
{
	const struct hc_holder *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return memcmp(x->comm, y->comm, sizeof(x->comm));
}

/* Distinct holders among the first n of h (sorted in place). */
static size_t
hc_distinct(struct hc_holder *h, size_t n)
{
	size_t d = 0;

	qsort(h, n, sizeof(*h), hc_holder_cmp);
	for (size_t j = 0; j < n; j++)
		d += j == 0 || hc_holder_cmp(&h[j - 1], &h[j]) != 0;
	return d;
}

/*
 * Against a plain model: each socket's last known holder (kept while the
 * holder is hidden or unknown, forgotten with the socket), told for a
 * close of a seen socket; else the listener on its port when the sample
 * has one; else nobody.  The owner table lists the processes in another
 * order every sample.  Every 50th socket is always there, its holder
 * hidden after the first samples: its holder must outlive every reclaim.
 * The holders the model keeps stay within its bound however many
 * processes came and went.
 */
static void
test_model_holders_churn(void **state)
{
	struct closed_model *m = closed_model_new(0);
	static int last_seen[HC_SOCKS];
	static struct hc_holder ref[HC_SOCKS];
	static struct hc_holder named[HC_SOCKS];
	static struct hc_holder all[HC_SAMPLES * (HC_GROUPS + 1)];
	size_t n_all = 0, named_max = 0, holders_max = 0;
	unsigned checked = 0, by_sample = 0, by_listener = 0, kept_hidden = 0;

	(void)state;
	assert_non_null(m);
	for (unsigned k = 0; k < HC_SOCKS; k++)
		last_seen[k] = -100;
	for (int i = 0; i < HC_SAMPLES; i++) {
		struct snapshot *s = sample_at(i + 1);
		struct owner_table *t = owner_table_new();
		uint32_t index_of[HC_GROUPS];
		bool listening = i % 4 != 3;
		const struct closed_conn *c;
		size_t n, n_named = 0, bound;

		assert_non_null(t);
		for (unsigned j = 0; j < HC_GROUPS; j++) {
			unsigned q = (j + 7 * (unsigned)i) % HC_GROUPS;
			struct owner_proc proc = {.cmdline = "", .user = "root"};

			hc_process(q, i, &proc.pid, proc.comm);
			assert_int_equal(owner_table_add_proc(t, &proc), (int)j);
			index_of[q] = j;
			all[n_all].pid = proc.pid;
			memcpy(all[n_all].comm, proc.comm, 16);
			all[n_all++].comm[15] = '\0';
		}
		if (listening) {
			struct owner_proc proc = {.pid = 1, .comm = "lsn", .cmdline = "", .user = "root"};
			struct sock_entry *e;

			assert_int_equal(owner_table_add_proc(t, &proc), HC_GROUPS);
			e = add(s, 1, TCP_STATE_LISTEN, 1, 0);
			e->owner_status = OWNER_FOUND;
			e->owner = HC_GROUPS;
		}
		assert_int_equal(owner_table_seal(t), 0);
		s->owners = t;
		for (unsigned k = 0; k < HC_SOCKS; k++) {
			uint64_t cookie = ((uint64_t)k << 20) + 7;
			bool always = k % 50 == 0;

			if (always || churn_present(k, i)) {
				struct sock_entry *e = add(s, cookie, TCP_STATE_ESTABLISHED, 1, (uint16_t)k);
				uint32_t h = hc_mix(k, i) % 40;

				if (i - last_seen[k] > 3)
					ref[k].pid = 0;
				last_seen[k] = i;
				if (always ? i >= 2 : h < 4) {
					e->owner_status = OWNER_HIDDEN;
				} else if (h < 6) {
					e->owner_status = OWNER_UNKNOWN;
				} else if (h < 7) {
					/* An index past the table is no holder. */
					e->owner_status = OWNER_FOUND;
					e->owner = HC_GROUPS + 5;
				} else {
					e->owner_status = OWNER_FOUND;
					e->owner = index_of[k % HC_GROUPS];
					hc_process(k % HC_GROUPS, i, &ref[k].pid, ref[k].comm);
					ref[k].comm[15] = '\0';
				}
			}
			if (k % 37 == (unsigned)i % 37 || (always && i % 10 == 9))
				add_close(s, cookie, 1, (uint16_t)k, (1000 + i + 1) * 1000 + 500);
		}
		snapshot_seal(s);
		assert_int_equal(closed_model_feed(m, s), 0);
		c = closed_model_fresh(m, &n);
		assert_int_equal(n, s->n_closed);
		for (size_t j = 0; j < n; j++) {
			unsigned k = (unsigned)(c[j].ev.entry.cookie >> 20);
			bool seen = i - last_seen[k] <= 3;

			assert_int_equal(c[j].seen, seen);
			if (seen && ref[k].pid != 0) {
				assert_int_equal(c[j].owner_from, CLOSED_OWNER_SAMPLE);
				assert_int_equal(c[j].pid, ref[k].pid);
				assert_memory_equal(c[j].process, ref[k].comm, 16);
				by_sample++;
				kept_hidden += k % 50 == 0 && i > 50;
			} else if (listening) {
				assert_int_equal(c[j].owner_from, CLOSED_OWNER_LISTENER);
				assert_int_equal(c[j].pid, 1);
				assert_string_equal(c[j].process, "lsn");
				by_listener++;
			} else {
				assert_int_equal(c[j].owner_from, CLOSED_OWNER_UNKNOWN);
				assert_int_equal(c[j].pid, 0);
				assert_string_equal(c[j].process, "");
			}
			checked++;
		}
		/* The bound of closed.h: twice the holders the remembered
		 * sockets name (or 256; their table is small here), plus
		 * one sample's processes. */
		for (unsigned k = 0; k < HC_SOCKS; k++)
			if (i - last_seen[k] <= 3 && ref[k].pid != 0)
				named[n_named++] = ref[k];
		n_named = hc_distinct(named, n_named);
		if (n_named > named_max)
			named_max = n_named;
		bound = 2 * (named_max > 256 ? named_max : 256) + HC_GROUPS + 1;
		if (closed_model_holders(m) > holders_max)
			holders_max = closed_model_holders(m);
		if (closed_model_holders(m) > bound)
			fail_msg("sample %d: %zu holders kept, more than %zu", i,
				 closed_model_holders(m), bound);
		snapshot_unref(s);
	}
	/* Every answer occurred often, and far more processes came and went
	 * than the model kept. */
	print_message("%u closes, %zu holders named at most, %zu kept at most, %zu came\n",
		      checked, named_max, holders_max, hc_distinct(all, n_all));
	assert_true(by_sample > 500 && by_listener > 200 && kept_hidden > 20);
	assert_true(checked - by_sample - by_listener > 20);
	assert_true(hc_distinct(all, n_all) > 3 * holders_max);
	closed_model_free(m);
}

/* A sample from a source that did not listen tells nothing. */
/* Sample i of a churn with holders (some unknown: the one seen before
 * stays), a listener, and closes of sockets seen now, before, or never;
 * marked the last of its run or not. */
static struct snapshot *
last_churn_sample(int i, bool last)
{
	struct snapshot *s = sample_at(i + 1);
	struct owner_table *t = owner_table_new();

	assert_non_null(t);
	for (int q = 0; q < 7; q++) {
		struct owner_proc proc = {.pid = 100 + q + 10 * i, .cmdline = "", .user = "root"};

		snprintf(proc.comm, sizeof(proc.comm), "worker-%d-%d", q, i % 3);
		assert_int_equal(owner_table_add_proc(t, &proc), q);
	}
	assert_int_equal(owner_table_seal(t), 0);
	s->owners = t;
	add(s, 999, TCP_STATE_LISTEN, 80, 0);
	for (unsigned k = 0; k < 3000; k++) {
		uint64_t cookie = ((uint64_t)k << 20) + 7;

		if (churn_present(k, i)) {
			struct sock_entry *e = add(s, cookie,
						   k % 11 == 0 ? TCP_STATE_CLOSE_WAIT
							       : TCP_STATE_ESTABLISHED,
						   k % 13 == 0 ? 80 : 1, (uint16_t)k);

			if (k % 5 != 0) {
				e->owner_status = OWNER_FOUND;
				e->owner = (k + (unsigned)i) % 7;
			}
		}
		if (k % 29 == (unsigned)i % 29)
			add_close(s, cookie, k % 13 == 0 ? 80 : 1, (uint16_t)k,
				  (1000 + i + 1) * 1000 + 500);
	}
	s->last = last;
	snapshot_seal(s);
	return s;
}

/* A run's last sample remembers only its closes' sockets, and tells
 * every close exactly as a feed remembering all of them does. */
static void
test_model_last_sample_tells_the_same(void **state)
{
	enum { N_SAMPLES = 12 };
	static const int lasts[] = {0, 1, 4, 11};
	struct closed_model *all = closed_model_new(0);
	unsigned compared = 0, seen = 0, by_sample = 0;

	(void)state;
	assert_non_null(all);
	for (int i = 0; i < N_SAMPLES; i++) {
		struct snapshot *s = last_churn_sample(i, false);
		const struct closed_conn *want;
		size_t n_want;

		assert_int_equal(closed_model_feed(all, s), 0);
		want = closed_model_fresh(all, &n_want);
		for (size_t l = 0; l < sizeof(lasts) / sizeof(lasts[0]); l++) {
			struct closed_model *m;
			const struct closed_conn *got;
			size_t n_got;

			if (lasts[l] != i)
				continue;
			/* A run of i + 1 samples, the last one marked. */
			m = closed_model_new(0);
			assert_non_null(m);
			for (int j = 0; j <= i; j++) {
				struct snapshot *t = last_churn_sample(j, j == i);

				assert_int_equal(closed_model_feed(m, t), 0);
				snapshot_unref(t);
			}
			got = closed_model_fresh(m, &n_got);
			assert_int_equal(n_got, n_want);
			for (size_t c = 0; c < n_got; c++) {
				assert_int_equal(got[c].ev.entry.cookie, want[c].ev.entry.cookie);
				assert_int_equal(got[c].seen, want[c].seen);
				assert_int_equal(got[c].last_state, want[c].last_state);
				assert_true(got[c].lifetime_s == want[c].lifetime_s);
				assert_int_equal(got[c].owner_from, want[c].owner_from);
				assert_int_equal(got[c].pid, want[c].pid);
				assert_string_equal(got[c].process, want[c].process);
				seen += got[c].seen;
				by_sample += got[c].owner_from == CLOSED_OWNER_SAMPLE;
				compared++;
			}
			assert_int_equal(closed_model_interval(m)->closed,
					 closed_model_interval(all)->closed);
			assert_int_equal(closed_model_interval(m)->short_lived,
					 closed_model_interval(all)->short_lived);
			assert_true(closed_model_interval(m)->opened_per_s ==
				    closed_model_interval(all)->opened_per_s);
			closed_model_free(m);
		}
		snapshot_unref(s);
	}
	/* Seen and unseen closes, with holders from a sample, all met. */
	assert_true(compared > 300);
	assert_true(seen > 50 && compared - seen > 50);
	assert_true(by_sample > 30);
	closed_model_free(all);
}

static void
test_model_without_closes(void **state)
{
	struct closed_model *m = closed_model_new(0);
	struct snapshot *s = sample_at(1);

	(void)state;
	assert_non_null(m);
	s->has_closes = false;
	add(s, 31, TCP_STATE_ESTABLISHED, 1, 2);
	snapshot_seal(s);
	assert_int_equal(closed_model_feed(m, s), 0);
	assert_false(closed_model_interval(m)->known);
	assert_int_equal(closed_model_interval(m)->closed, 0);
	assert_int_equal(closed_model_count(m), 0);
	snapshot_unref(s);
	closed_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_both_families),
		cmocka_unit_test(test_skips_listeners_and_others),
		cmocka_unit_test(test_truncated_is_an_error),
		cmocka_unit_test(test_model_seen_owner_lifetime),
		cmocka_unit_test(test_model_remembers_a_few_samples),
		cmocka_unit_test(test_model_churn_matches_reference),
		cmocka_unit_test(test_model_holders_churn),
		cmocka_unit_test(test_model_last_sample_tells_the_same),
		cmocka_unit_test(test_model_without_closes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
