/*
 * test_nl_dump.c - the dump loop against a scripted kernel, and what its
 * requests carry (state mask, tcp_info, a filter's bytecode).
 *
 * libmnl's socket calls are replaced at link time (-Wl,--wrap), so each
 * test decides what "the kernel" answers: clean dumps, interrupted dumps,
 * receive-buffer overruns, refused requests and errors.  The real parser
 * runs on the scripted bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "filter.h"
#include "filter_bytecode.h"
#include "nl_dump.h"
#include "source.h"

/* ------------------------------------------------------------ fake kernel */

enum { MAX_REPLIES = 64, REPLY_BYTES = 4096 };

struct reply {
	int error;               /* errno to fail recvfrom with, or 0 */
	size_t len;
	char bytes[REPLY_BYTES] __attribute__((aligned(8)));
};

static struct {
	struct reply replies[MAX_REPLIES];
	size_t n_replies, next_reply;
	int open_error;          /* errno for mnl_socket_open, or 0 */
	unsigned int opens, closes;
	unsigned int adopted;    /* sockets from a maker (mnl_socket_fdopen) */
	unsigned int requests;
	uint16_t request_types[16];
	uint8_t request_families[16];
	uint32_t request_states[16];
	uint8_t request_ext[16];
	/* The INET_DIAG_REQ_BYTECODE attribute of each request (length 0:
	 * none), and how many attributes the request carried. */
	uint8_t request_bytecode[16][64];
	size_t request_bytecode_len[16];
	unsigned int request_attrs[16];
} kernel;

static char fake_socket; /* mnl_socket is opaque: any non-NULL pointer */

struct mnl_socket *__wrap_mnl_socket_open(int bus);
struct mnl_socket *__wrap_mnl_socket_fdopen(int fd);
int __wrap_mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid);
int __wrap_mnl_socket_close(struct mnl_socket *nl);
int __wrap_mnl_socket_get_fd(const struct mnl_socket *nl);
unsigned int __wrap_mnl_socket_get_portid(const struct mnl_socket *nl);
ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t size);
ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t size);

struct mnl_socket *
__wrap_mnl_socket_open(int bus)
{
	assert_int_equal(bus, NETLINK_SOCK_DIAG);
	if (kernel.open_error != 0) {
		errno = kernel.open_error;
		return NULL;
	}
	kernel.opens++;
	return (struct mnl_socket *)&fake_socket;
}

/* A socket a maker made (nl_dumper_new_from): adopted, not opened. */
struct mnl_socket *
__wrap_mnl_socket_fdopen(int fd)
{
	assert_true(fd >= 0);
	close(fd); /* the fake kernel never uses it */
	kernel.adopted++;
	return (struct mnl_socket *)&fake_socket;
}

int
__wrap_mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

int
__wrap_mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	kernel.closes++;
	return 0;
}

int
__wrap_mnl_socket_get_fd(const struct mnl_socket *nl)
{
	(void)nl;
	return -1; /* setsockopt on -1 fails harmlessly */
}

unsigned int
__wrap_mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return 4242;
}

/* Notes the request's attributes after its fixed part of hdrlen bytes. */
static void
record_attrs(const struct nlmsghdr *nlh, size_t hdrlen)
{
	const struct nlattr *attr;
	unsigned int i = kernel.requests;

	mnl_attr_for_each(attr, nlh, hdrlen) {
		kernel.request_attrs[i]++;
		if (mnl_attr_get_type(attr) != INET_DIAG_REQ_BYTECODE)
			continue;
		assert_true(mnl_attr_get_payload_len(attr) <= sizeof(kernel.request_bytecode[i]));
		kernel.request_bytecode_len[i] = mnl_attr_get_payload_len(attr);
		memcpy(kernel.request_bytecode[i], mnl_attr_get_payload(attr),
		       kernel.request_bytecode_len[i]);
	}
}

ssize_t
__wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t size)
{
	const struct nlmsghdr *nlh = req;
	const uint8_t *family = mnl_nlmsg_get_payload(nlh);

	(void)nl;
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	assert_true(kernel.requests < 16);
	kernel.request_types[kernel.requests] = nlh->nlmsg_type;
	/* Both request layouts start with the family byte. */
	kernel.request_families[kernel.requests] = family[0];
	assert_int_equal(nlh->nlmsg_len, size);
	if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
		const struct inet_diag_req_v2 *v2 = mnl_nlmsg_get_payload(nlh);

		assert_int_equal(v2->sdiag_protocol, IPPROTO_TCP);
		kernel.request_states[kernel.requests] = v2->idiag_states;
		kernel.request_ext[kernel.requests] = v2->idiag_ext;
		record_attrs(nlh, sizeof(*v2));
	} else {
		const struct inet_diag_req *v1 = mnl_nlmsg_get_payload(nlh);

		assert_int_equal(nlh->nlmsg_type, TCPDIAG_GETSOCK);
		kernel.request_states[kernel.requests] = v1->idiag_states;
		kernel.request_ext[kernel.requests] = v1->idiag_ext;
		record_attrs(nlh, sizeof(*v1));
	}
	kernel.requests++;
	return (ssize_t)size;
}

ssize_t
__wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t size)
{
	struct reply *r;

	(void)nl;
	assert_true(kernel.next_reply < kernel.n_replies);
	r = &kernel.replies[kernel.next_reply++];
	if (r->error != 0) {
		errno = r->error;
		return -1;
	}
	assert_true(r->len <= size);
	memcpy(buf, r->bytes, r->len);
	return (ssize_t)r->len;
}

/* ------------------------------------------------------- reply building */

static struct reply *
new_reply(void)
{
	struct reply *r;

	assert_true(kernel.n_replies < MAX_REPLIES);
	r = &kernel.replies[kernel.n_replies++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Appends one socket message; flags may carry NLM_F_DUMP_INTR. */
static void
add_socket(struct reply *r, uint8_t family, uint8_t kernel_state, uint16_t sport,
	   uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->bytes + r->len);
	struct inet_diag_msg *msg;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	msg = mnl_nlmsg_put_extra_header(nlh, sizeof(*msg));
	msg->idiag_family = family;
	msg->idiag_state = kernel_state;
	msg->id.idiag_sport = htons(sport);
	r->len += nlh->nlmsg_len;
	assert_true(r->len < REPLY_BYTES - 256);
}

static void
add_done(struct reply *r)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->bytes + r->len);
	int *status;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	status = mnl_nlmsg_put_extra_header(nlh, sizeof(*status));
	*status = 0;
	r->len += nlh->nlmsg_len;
}

static void
add_error(struct reply *r, int error)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->bytes + r->len);
	struct nlmsgerr *err;

	nlh->nlmsg_type = NLMSG_ERROR;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = -error;
	r->len += nlh->nlmsg_len;
}

static void
script_overrun(void)
{
	new_reply()->error = ENOBUFS;
}

/* A whole dump of n IPv4 ESTABLISHED sockets in one reply, ports from
 * `first_port`; `intr` marks it interrupted. */
static void
script_dump(int n, uint16_t first_port, int intr)
{
	struct reply *r = new_reply();

	for (int i = 0; i < n; i++)
		add_socket(r, AF_INET, 1, (uint16_t)(first_port + i), intr ? NLM_F_DUMP_INTR : 0);
	add_done(r);
}

static int
reset_kernel(void **state)
{
	(void)state;
	memset(&kernel, 0, sizeof(kernel));
	return 0;
}

static struct nl_dumper *
open_dumper(void)
{
	struct nl_dumper *d = nl_dumper_new();

	assert_non_null(d);
	return d;
}

/* ----------------------------------------------------------------- tests */

/* A maker of another namespace's sockets, as netns_socket has: counts its
 * calls and fails once `fail_after` calls were made (0: never). */
struct maker {
	unsigned int calls;
	unsigned int fail_after;
};

static int
make_socket(void *arg)
{
	struct maker *m = arg;

	if (m->fail_after != 0 && m->calls >= m->fail_after) {
		errno = EPERM;
		return -1;
	}
	m->calls++;
	return dup(0); /* any fd: the wrapped calls never use it */
}

/* Every socket of such a dumper comes from its maker, the fresh one
 * after an overrun included; one it cannot make fails the dump. */
static void
test_maker_makes_every_socket(void **state)
{
	struct maker m = {0};
	struct nl_dumper *d = nl_dumper_new_from(make_socket, &m);
	struct snapshot *snap = snapshot_new(0);
	struct reply *r;
	char cause[256] = "";

	(void)state;
	assert_non_null(d);
	assert_int_equal(m.calls, 1);
	r = new_reply();
	add_socket(r, AF_INET, 1, 7, 0);
	script_overrun();
	script_dump(2, 3000, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 2);
	assert_int_equal(m.calls, 2);
	assert_int_equal(kernel.adopted, 2);
	assert_int_equal(kernel.opens, 0); /* never one of our own namespace */

	m.fail_after = m.calls;
	script_overrun();
	errno = 0;
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), -1);
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(cause, "cannot reopen"));
	/* No socket now: the next dump tries the maker again first. */
	m.fail_after = 0;
	script_dump(1, 4000, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 1);
	assert_int_equal(m.calls, 3);
	snapshot_unref(snap);
	nl_dumper_free(d);
}

/* Appending keeps what the snapshot held; a repeat drops only this
 * dump's part, a failure leaves exactly what was there, and the restarts
 * add up. */
static void
test_append_keeps_earlier_entries(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	struct reply *r;
	char cause[256] = "";

	(void)state;
	script_dump(2, 100, 1); /* interrupted: repeated */
	script_dump(2, 200, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 2);
	assert_int_equal(snap->dump_restarts, 1);

	r = new_reply();
	add_socket(r, AF_INET, 1, 7, 0);
	script_overrun();
	script_dump(3, 300, 0);
	assert_int_equal(nl_dumper_dump_append(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 5);
	assert_int_equal(snap->dump_restarts, 2);
	assert_int_equal(snap->entries[0].local_port, 200);
	assert_int_equal(snap->entries[1].local_port, 201);
	for (int i = 0; i < 3; i++)
		assert_int_equal(snap->entries[2 + i].local_port, 300 + i);

	r = new_reply();
	add_socket(r, AF_INET, 1, 9, 0);
	add_error(r, EACCES); /* the single walk refused half-way */
	r = new_reply();
	add_socket(r, AF_INET, 1, 10, 0);
	add_error(r, EACCES); /* and per family too */
	assert_int_equal(nl_dumper_dump_append(d, snap, cause, sizeof(cause)), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(snap->n_entries, 5);
	assert_int_equal(snap->entries[4].local_port, 302);
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_single_walk_clean_dump(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	struct reply *r;
	char cause[256] = "";

	(void)state;
	/* A dump split over two buffers, both families in one walk. */
	r = new_reply();
	add_socket(r, AF_INET, 10, 80, 0);
	add_socket(r, AF_INET6, 12, 443, 0);
	r = new_reply();
	add_socket(r, AF_INET6, 13, 9000, 0);
	add_done(r);

	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.requests, 1);
	assert_int_equal(kernel.request_types[0], TCPDIAG_GETSOCK);
	/* By default: every state, with tcp_info, no attribute. */
	assert_true(kernel.request_ext[0] & (1u << (INET_DIAG_INFO - 1)));
	assert_true(kernel.request_states[0] & (1u << 13)); /* BOUND_INACTIVE */
	assert_true(kernel.request_states[0] & (1u << 12)); /* NEW_SYN_RECV */
	assert_int_equal(kernel.request_attrs[0], 0);
	assert_int_equal(snap->n_entries, 3);
	assert_int_equal(snap->dump_restarts, 0);
	snapshot_seal(snap);
	assert_int_equal(snap->counts[TCP_STATE_LISTEN], 1);
	assert_int_equal(snap->counts[TCP_STATE_SYN_RECV], 1);
	assert_int_equal(snap->counts[TCP_STATE_CLOSE], 1);
	snapshot_unref(snap);
	nl_dumper_free(d);
}

/* A socket with a cookie, as the kernel sends every one. */
static void
add_cookie_socket(struct reply *r, uint8_t kernel_state, uint16_t sport, uint64_t cookie)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->bytes + r->len);
	struct inet_diag_msg *msg;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	msg = mnl_nlmsg_put_extra_header(nlh, sizeof(*msg));
	msg->idiag_family = AF_INET;
	msg->idiag_state = kernel_state;
	msg->id.idiag_sport = htons(sport);
	msg->id.idiag_cookie[0] = (uint32_t)cookie;
	msg->id.idiag_cookie[1] = (uint32_t)(cookie >> 32);
	r->len += nlh->nlmsg_len;
	assert_true(r->len < REPLY_BYTES - 256);
}

/*
 * The kernel resumed a bucket one socket early and sent the last two of
 * the buffer before again: each is counted once.  A socket further back
 * with the same cookie as a later one (not a relisting: too far) and
 * sockets without cookies are left as they are.
 */
static void
test_relisted_sockets_counted_once(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	struct reply *r;
	char cause[256] = "";

	(void)state;
	r = new_reply();
	add_cookie_socket(r, 1, 1000, 77); /* far back: left alone below */
	for (uint16_t i = 0; i < 20; i++)
		add_cookie_socket(r, 1, (uint16_t)(2000 + i), 100 + i);
	add_socket(r, AF_INET, 6, 3000, 0); /* TIME_WAIT, no cookie */
	add_cookie_socket(r, 6, 3001, 500);
	add_cookie_socket(r, 6, 3002, 501);
	r = new_reply();
	add_cookie_socket(r, 6, 3001, 500); /* sent again */
	add_cookie_socket(r, 6, 3002, 501); /* sent again */
	add_socket(r, AF_INET, 6, 3000, 0); /* no cookie: kept */
	add_cookie_socket(r, 6, 3003, 502);
	r = new_reply();
	add_cookie_socket(r, 1, 1000, 77); /* 25 entries back: kept */
	add_done(r);

	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 1 + 20 + 3 + 2 + 1);
	assert_int_equal(nl_dumper_relisted(d), 2);
	snapshot_seal(snap);
	assert_int_equal(snap->counts[TCP_STATE_TIME_WAIT], 5);
	/* The order is the kernel's, less the repeats. */
	assert_int_equal(snap->entries[23].cookie, 501);
	assert_int_equal(snap->entries[24].cookie, 0);
	assert_int_equal(snap->entries[25].cookie, 502);
	assert_int_equal(snap->entries[26].cookie, 77);
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_interrupted_dump_is_repeated(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	char cause[256] = "";

	(void)state;
	script_dump(5, 1000, 1); /* interrupted: tables changed mid-walk */
	script_dump(3, 2000, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.requests, 2);
	/* Only the clean repeat's sockets remain. */
	assert_int_equal(snap->n_entries, 3);
	assert_int_equal(snap->entries[0].local_port, 2000);
	assert_int_equal(snap->dump_restarts, 1);
	assert_int_equal(nl_dumper_restarts(d), 1);
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_endless_interruption_is_bounded(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	char cause[256] = "";

	(void)state;
	for (int i = 0; i <= NL_DUMP_MAX_RESTARTS; i++)
		script_dump(2, (uint16_t)(100 * (i + 1)), 1);
	/* Gives up repeating and keeps the last, nearly right, result. */
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.requests, NL_DUMP_MAX_RESTARTS + 1);
	assert_int_equal(snap->dump_restarts, NL_DUMP_MAX_RESTARTS);
	assert_int_equal(snap->n_entries, 2);
	assert_int_equal(snap->entries[0].local_port, 100 * (NL_DUMP_MAX_RESTARTS + 1));
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_overrun_reopens_and_repeats(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	struct reply *r;
	char cause[256] = "";

	(void)state;
	r = new_reply();
	add_socket(r, AF_INET, 1, 7, 0);
	script_overrun(); /* the rest of the dump was lost */
	script_dump(4, 3000, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 4);
	assert_int_equal(snap->dump_restarts, 1);
	/* A fresh socket, so nothing of the broken dump is read again. */
	assert_int_equal(kernel.opens, 2);
	assert_int_equal(kernel.closes, 1);
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_endless_overrun_fails_with_cause(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	char cause[256] = "";

	(void)state;
	for (int i = 0; i <= NL_DUMP_MAX_RESTARTS; i++)
		script_overrun();
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_non_null(strstr(cause, "overran"));
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_refused_single_walk_falls_back_per_family(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	struct reply *r;
	char cause[256] = "";

	(void)state;
	add_error(new_reply(), EINVAL); /* a kernel without the old request */
	r = new_reply();
	add_socket(r, AF_INET, 1, 1, 0);
	add_done(r);
	r = new_reply();
	add_socket(r, AF_INET6, 1, 2, 0);
	add_socket(r, AF_INET6, 10, 3, 0);
	add_done(r);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.requests, 3);
	assert_int_equal(kernel.request_types[1], SOCK_DIAG_BY_FAMILY);
	assert_int_equal(kernel.request_families[1], AF_INET);
	assert_int_equal(kernel.request_types[2], SOCK_DIAG_BY_FAMILY);
	assert_int_equal(kernel.request_families[2], AF_INET6);
	assert_int_equal(snap->n_entries, 3);
	assert_int_equal(snap->dump_restarts, 0);

	/* The next sample goes straight to per-family requests. */
	snapshot_clear(snap);
	script_dump(1, 10, 0);
	script_dump(1, 11, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.requests, 5);
	assert_int_equal(kernel.request_types[3], SOCK_DIAG_BY_FAMILY);
	assert_int_equal(snap->n_entries, 2);
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_kernel_error_names_the_cause(void **state)
{
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	char cause[256] = "";

	(void)state;
	add_error(new_reply(), ENOENT); /* single walk refused */
	add_error(new_reply(), ENOENT); /* and per family: no tcp_diag */
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(cause, "IPv4"));
	assert_non_null(strstr(cause, "tcp_diag"));
	snapshot_unref(snap);
	nl_dumper_free(d);
}

/* Options reach both request kinds: the bytecode attribute, the state
 * mask, no tcp_info. */
static void
test_options_reach_the_request(void **state)
{
	static const uint8_t program[] = {INET_DIAG_BC_S_GE, 8, 12, 0, 0, 0, 0x50, 0};
	struct nl_dump_options opts = {
		.bytecode = program,
		.bytecode_len = sizeof(program),
		.states = 1u << 1 | 1u << 10,
		.no_tcp_info = true,
	};
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	char cause[256] = "";

	(void)state;
	assert_int_equal(nl_dumper_set_options(d, &opts), 0);
	add_error(new_reply(), EINVAL); /* single walk refused: per family */
	script_dump(1, 80, 0);
	script_dump(1, 81, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.requests, 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(kernel.request_types[i], i == 0 ? TCPDIAG_GETSOCK
								 : SOCK_DIAG_BY_FAMILY);
		assert_int_equal(kernel.request_states[i], opts.states);
		assert_int_equal(kernel.request_ext[i], 0);
		assert_int_equal(kernel.request_attrs[i], 1);
		assert_int_equal(kernel.request_bytecode_len[i], sizeof(program));
		assert_memory_equal(kernel.request_bytecode[i], program, sizeof(program));
	}
	assert_int_equal(snap->n_entries, 2);

	/* Back to the defaults. */
	memset(&opts, 0, sizeof(opts));
	assert_int_equal(nl_dumper_set_options(d, &opts), 0);
	snapshot_clear(snap);
	script_dump(1, 82, 0);
	script_dump(1, 83, 0);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.request_attrs[3], 0);
	assert_true(kernel.request_ext[3] & (1u << (INET_DIAG_INFO - 1)));
	assert_true(kernel.request_states[3] & (1u << 13));
	snapshot_unref(snap);
	nl_dumper_free(d);
}

static void
test_bad_bytecode_options_are_refused(void **state)
{
	static const uint8_t program[6] = {INET_DIAG_BC_NOP, 4, 4};
	struct nl_dump_options opts = {.bytecode = program, .bytecode_len = sizeof(program)};
	struct nl_dumper *d = open_dumper();

	(void)state;
	assert_int_equal(nl_dumper_set_options(d, &opts), -1);
	assert_int_equal(errno, EINVAL);
	opts.bytecode_len = 0;
	assert_int_equal(nl_dumper_set_options(d, &opts), -1);
	assert_int_equal(errno, EINVAL);
	nl_dumper_free(d);
}

/* A program the kernel refuses is an error that says so. */
static void
test_refused_bytecode_names_the_cause(void **state)
{
	static const uint8_t program[] = {INET_DIAG_BC_NOP, 4, 4, 0};
	struct nl_dump_options opts = {.bytecode = program, .bytecode_len = sizeof(program)};
	struct nl_dumper *d = open_dumper();
	struct snapshot *snap = snapshot_new(0);
	char cause[256] = "";

	(void)state;
	assert_int_equal(nl_dumper_set_options(d, &opts), 0);
	add_error(new_reply(), EINVAL);
	add_error(new_reply(), EINVAL);
	assert_int_equal(nl_dumper_dump(d, snap, cause, sizeof(cause)), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(cause, "bytecode"));
	snapshot_unref(snap);
	nl_dumper_free(d);
}

/* The live source turns a filter into the request's states and bytecode. */
static void
test_live_source_sends_the_filter(void **state)
{
	struct filter *f = filter_parse("state established sport = :22", NULL, NULL);
	struct source_live_options opts = {.filter = f, .no_tcp_info = true};
	struct source src = {0};
	struct snapshot *snap = snapshot_new(0);
	char cause[256] = "";
	void *bc = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(filter_bytecode_build(f, &bc, &len), 0);
	assert_non_null(bc);
	assert_int_equal(source_live_open_with(&src, &opts, cause, sizeof(cause)), 0);
	filter_free(f); /* not kept by the source */
	script_dump(1, 22, 0);
	assert_int_equal(src.ops->sample(src.state, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.requests, 1);
	assert_int_equal(kernel.request_states[0], 1u << 1); /* kernel ESTABLISHED */
	assert_int_equal(kernel.request_ext[0], 0);
	assert_int_equal(kernel.request_bytecode_len[0], len);
	assert_memory_equal(kernel.request_bytecode[0], bc, len);
	free(bc);

	/* A filter with nothing to compile sends its states only. */
	f = filter_parse("state listening dev 1", NULL, NULL);
	assert_non_null(f);
	opts.filter = f;
	opts.no_tcp_info = false;
	source_close(&src);
	assert_int_equal(source_live_open_with(&src, &opts, cause, sizeof(cause)), 0);
	filter_free(f);
	snapshot_clear(snap);
	script_dump(1, 23, 0);
	assert_int_equal(src.ops->sample(src.state, snap, cause, sizeof(cause)), 0);
	assert_int_equal(kernel.request_states[1], 1u << 10); /* kernel LISTEN */
	assert_true(kernel.request_ext[1] & (1u << (INET_DIAG_INFO - 1)));
	assert_int_equal(kernel.request_attrs[1], 0);
	source_close(&src);
	snapshot_unref(snap);
}

static void
test_no_sock_diag_in_kernel(void **state)
{
	struct source src = {0};
	char cause[256] = "";

	(void)state;
	kernel.open_error = EPROTONOSUPPORT;
	assert_null(nl_dumper_new());
	assert_int_equal(errno, EPROTONOSUPPORT);
	assert_int_equal(source_live_open(&src, cause, sizeof(cause)), -1);
	assert_non_null(strstr(cause, "sock_diag"));
	assert_null(strchr(cause, '\n'));
	source_close(&src);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_single_walk_clean_dump, reset_kernel),
		cmocka_unit_test_setup(test_maker_makes_every_socket, reset_kernel),
		cmocka_unit_test_setup(test_append_keeps_earlier_entries, reset_kernel),
		cmocka_unit_test_setup(test_relisted_sockets_counted_once, reset_kernel),
		cmocka_unit_test_setup(test_interrupted_dump_is_repeated, reset_kernel),
		cmocka_unit_test_setup(test_endless_interruption_is_bounded, reset_kernel),
		cmocka_unit_test_setup(test_overrun_reopens_and_repeats, reset_kernel),
		cmocka_unit_test_setup(test_endless_overrun_fails_with_cause, reset_kernel),
		cmocka_unit_test_setup(test_refused_single_walk_falls_back_per_family,
				       reset_kernel),
		cmocka_unit_test_setup(test_kernel_error_names_the_cause, reset_kernel),
		cmocka_unit_test_setup(test_options_reach_the_request, reset_kernel),
		cmocka_unit_test_setup(test_bad_bytecode_options_are_refused, reset_kernel),
		cmocka_unit_test_setup(test_refused_bytecode_names_the_cause, reset_kernel),
		cmocka_unit_test_setup(test_live_source_sends_the_filter, reset_kernel),
		cmocka_unit_test_setup(test_no_sock_diag_in_kernel, reset_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
