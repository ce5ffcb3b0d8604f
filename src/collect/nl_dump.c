/*
 * nl_dump.c - sock_diag dump requests over libmnl.
 *
 * By default each request asks for every state (request and bound-inactive
 * sockets included) and for tcp_info; nl_dumper_set_options() narrows the
 * states, drops tcp_info and attaches a filter's bytecode
 * (INET_DIAG_REQ_BYTECODE), which both request kinds accept.  The kernel walks its whole connection hash
 * table once per request, and that walk costs about as much as thousands
 * of sockets, so the first choice is the older TCPDIAG_GETSOCK request,
 * which the kernel answers for IPv4 and IPv6 in a single walk.  A kernel
 * that refuses it gets the usual two SOCK_DIAG_BY_FAMILY requests, one per
 * family, from then on.
 * The receive buffer is large enough for the kernel's biggest dump batch,
 * so one recvmsg() returns one whole batch.  It lives only for one dump:
 * with a dumper per network namespace (--netns all), a buffer kept in
 * each would hold 64 KiB per namespace where only the dumps running at
 * the same moment (one per thread) need one; malloc hands the same block
 * back dump after dump.
 * Called from the sampler thread only; never prints.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "filter_bytecode.h"
#include "log.h"
#include "nl_dump.h"
#include "nl_parse.h"

/* The kernel sizes dump batches up to 32 KiB; twice that leaves room. */
enum { NL_DUMP_RECV_BUFFER = 64 * 1024 };

/* Every kernel state bit, including NEW_SYN_RECV (12) and BOUND_INACTIVE
 * (13): older kernels ignore the bits they do not know. */
#define NL_DUMP_ALL_STATES (((1u << KERNEL_TCP_MAX_STATES) - 1) & ~1u)

struct nl_dumper {
	struct mnl_socket *nl;
	nl_dumper_socket_fn make; /* NULL: a socket of the caller's namespace */
	void *make_arg;
	unsigned int portid;
	unsigned int seq;
	unsigned long restarts;
	unsigned long relisted; /* sockets a buffer sent again, dropped */
	bool per_family;        /* the single-walk request was refused */
	uint32_t states;        /* kernel state bits asked for */
	uint8_t ext;            /* idiag_ext bits asked for */
	void *bytecode;         /* NULL: none */
	size_t bytecode_len;
	char *request;          /* room for the request with its bytecode */
	size_t request_cap;
};

static int
dumper_open(struct nl_dumper *dumper)
{
	int rcvbuf = 1024 * 1024;

	if (dumper->make != NULL) {
		int fd = dumper->make(dumper->make_arg);

		if (fd < 0)
			return -1;
		dumper->nl = mnl_socket_fdopen(fd);
		if (dumper->nl == NULL) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
	} else {
		dumper->nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	}
	if (dumper->nl == NULL)
		return -1;
	if (mnl_socket_bind(dumper->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int saved = errno;

		mnl_socket_close(dumper->nl);
		dumper->nl = NULL;
		errno = saved;
		return -1;
	}
	/* A bigger socket buffer makes overruns rarer; failure is harmless. */
	(void)setsockopt(mnl_socket_get_fd(dumper->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			 sizeof(rcvbuf));
	dumper->portid = mnl_socket_get_portid(dumper->nl);
	return 0;
}

struct nl_dumper *
nl_dumper_new(void)
{
	return nl_dumper_new_from(NULL, NULL);
}

struct nl_dumper *
nl_dumper_new_from(nl_dumper_socket_fn make, void *arg)
{
	struct nl_dumper *dumper = calloc(1, sizeof(*dumper));

	if (dumper == NULL)
		return NULL;
	dumper->make = make;
	dumper->make_arg = arg;
	if (dumper_open(dumper) < 0) {
		int saved = errno;

		free(dumper);
		errno = saved;
		return NULL;
	}
	dumper->states = NL_DUMP_ALL_STATES;
	dumper->ext = 1u << (INET_DIAG_INFO - 1);
	return dumper;
}

void
nl_dumper_free(struct nl_dumper *dumper)
{
	if (dumper == NULL)
		return;
	if (dumper->nl != NULL)
		mnl_socket_close(dumper->nl);
	free(dumper->bytecode);
	free(dumper->request);
	free(dumper);
}

/* Header, the larger request layout, the attribute header and the program,
 * each aligned as netlink wants. */
static size_t
request_size(size_t bytecode_len)
{
	return MNL_ALIGN(sizeof(struct nlmsghdr)) + MNL_ALIGN(sizeof(struct inet_diag_req_v2)) +
	       MNL_ALIGN(sizeof(struct inet_diag_req)) + MNL_ATTR_HDRLEN + MNL_ALIGN(bytecode_len);
}

int
nl_dumper_set_options(struct nl_dumper *dumper, const struct nl_dump_options *opts)
{
	void *bytecode = NULL;
	char *request;
	size_t cap;

	if (opts->bytecode != NULL &&
	    (opts->bytecode_len == 0 || opts->bytecode_len > FILTER_BYTECODE_MAX_LEN ||
	     opts->bytecode_len % 4 != 0)) {
		errno = EINVAL;
		return -1;
	}
	cap = request_size(opts->bytecode != NULL ? opts->bytecode_len : 0);
	request = malloc(cap);
	if (request == NULL)
		return -1;
	if (opts->bytecode != NULL) {
		bytecode = malloc(opts->bytecode_len);
		if (bytecode == NULL) {
			free(request);
			return -1;
		}
		memcpy(bytecode, opts->bytecode, opts->bytecode_len);
	}
	free(dumper->bytecode);
	free(dumper->request);
	dumper->bytecode = bytecode;
	dumper->bytecode_len = bytecode != NULL ? opts->bytecode_len : 0;
	dumper->request = request;
	dumper->request_cap = cap;
	dumper->states = opts->states != 0 ? opts->states : NL_DUMP_ALL_STATES;
	dumper->ext = opts->no_tcp_info ? 0 : 1u << (INET_DIAG_INFO - 1);
	return 0;
}

unsigned long
nl_dumper_restarts(const struct nl_dumper *dumper)
{
	return dumper->restarts;
}

unsigned long
nl_dumper_relisted(const struct nl_dumper *dumper)
{
	return dumper->relisted;
}

/* family AF_UNSPEC asks for both families in one walk. */
static int
send_request(struct nl_dumper *dumper, int family)
{
	/* Header plus request, aligned for the netlink header; requests with
	 * bytecode use the dumper's larger buffer. */
	char small[256] __attribute__((aligned(8)));
	char *request = dumper->request != NULL ? dumper->request : small;
	size_t size = dumper->request != NULL ? dumper->request_cap : sizeof(small);
	struct nlmsghdr *nlh;

	memset(request, 0, size);
	nlh = mnl_nlmsg_put_header(request);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++dumper->seq;
	if (family == AF_UNSPEC) {
		struct inet_diag_req *old;

		/* The kernel dumps this request with no family filter. */
		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		old = mnl_nlmsg_put_extra_header(nlh, sizeof(*old));
		old->idiag_family = AF_INET;
		old->idiag_states = dumper->states;
		old->idiag_ext = dumper->ext;
	} else {
		struct inet_diag_req_v2 *req;

		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		req->sdiag_family = (unsigned char)family;
		req->sdiag_protocol = IPPROTO_TCP;
		req->idiag_states = dumper->states;
		req->idiag_ext = dumper->ext;
	}
	if (dumper->bytecode != NULL)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, dumper->bytecode_len, dumper->bytecode);
	return mnl_socket_sendto(dumper->nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

/* Outcome of one family's dump. */
enum dump_outcome { DUMP_OK, DUMP_REPEAT, DUMP_FAILED };

/*
 * The kernel fills one buffer at a time and resumes in the hash bucket
 * where the last one stopped, by skipping as many sockets of that bucket
 * as it had sent.  A socket put at the head of the bucket's chain in
 * between (a connection becoming TIME_WAIT is one) shifts the chain, and
 * the last sockets of the buffer before are sent again: one socket
 * counted twice in the sample (ss counts it twice too).  A relisted
 * socket can only stand among the first entries of a buffer and match
 * one of the last entries of the buffer before, so only those are
 * compared; the later listing is dropped.  Sockets without a cookie are
 * never taken for one another.
 */
enum { RELIST_WINDOW = 16 };

static size_t
drop_relisted(struct snapshot *snap, size_t prev_start, size_t start)
{
	size_t lo = start - (start - prev_start < RELIST_WINDOW ? start - prev_start : RELIST_WINDOW);
	size_t n = snap->n_entries, w = start;

	for (size_t i = start; i < n; i++) {
		const struct sock_entry *e = &snap->entries[i];
		bool again = false;

		if (i < start + RELIST_WINDOW && e->cookie != 0)
			for (size_t j = lo; j < start && !again; j++)
				again = sock_entry_same(e, &snap->entries[j]);
		if (again)
			continue;
		if (w != i)
			snap->entries[w] = *e;
		w++;
	}
	snap->n_entries = w;
	return n - w;
}

static enum dump_outcome
dump_family(struct nl_dumper *dumper, char *buffer, int family, struct snapshot *snap,
	    bool *interrupted)
{
	struct nl_parse_result res;

	size_t prev_start = snap->n_entries, start = snap->n_entries, dropped;

	memset(&res, 0, sizeof(res));
	if (send_request(dumper, family) < 0)
		return DUMP_FAILED;
	while (!res.done) {
		ssize_t got = mnl_socket_recvfrom(dumper->nl, buffer, NL_DUMP_RECV_BUFFER);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)
				return DUMP_REPEAT;
			return DUMP_FAILED;
		}
		if (got == 0) {
			errno = EPIPE;
			return DUMP_FAILED;
		}
		if (nl_parse_buffer(buffer, (size_t)got, snap, &res) < 0)
			return DUMP_FAILED;
		dropped = drop_relisted(snap, prev_start, start);
		if (dropped > 0) {
			dumper->relisted += dropped;
			log_msg("dump: %zu socket(s) sent again in the next buffer, counted once",
				dropped);
		}
		prev_start = start;
		start = snap->n_entries;
	}
	if (res.interrupted)
		*interrupted = true;
	return DUMP_OK;
}

/* After an overrun the socket may still hold the rest of the old dump;
 * a fresh socket is the simplest way to be sure none of it is read. */
static int
dumper_reopen(struct nl_dumper *dumper)
{
	mnl_socket_close(dumper->nl);
	dumper->nl = NULL;
	return dumper_open(dumper);
}

static const char *
family_name(int family)
{
	return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "IPv4+IPv6";
}

/* Dumps into snap after its first `base` entries, receiving into buffer
 * (NL_DUMP_RECV_BUFFER bytes).  The restarts of this dump are stored in
 * *restarts_out. */
static int
dump_into(struct nl_dumper *dumper, char *buffer, struct snapshot *snap, size_t base,
	  unsigned int *restarts_out, char *cause, size_t cause_len)
{
	static const int single_walk[] = {AF_UNSPEC};
	static const int per_family[] = {AF_INET, AF_INET6};
	unsigned int restarts = 0;

	/* A failed reopen left no socket: try once more before giving up. */
	if (dumper->nl == NULL && dumper_open(dumper) < 0)
		goto reopen_failed;
	for (;;) {
		const int *families = dumper->per_family ? per_family : single_walk;
		size_t n_families = dumper->per_family ? 2 : 1;
		bool interrupted = false;
		bool repeat = false;
		bool fell_back = false;

		/* Drops what an earlier try of this dump added, nothing
		 * before it. */
		snap->n_entries = base;
		for (size_t i = 0; i < n_families && !repeat; i++) {
			switch (dump_family(dumper, buffer, families[i], snap, &interrupted)) {
			case DUMP_OK:
				break;
			case DUMP_REPEAT:
				repeat = true;
				break;
			case DUMP_FAILED:
				if (!dumper->per_family && errno != ENOMEM) {
					/* Refused: fall back for good and
					 * start this sample again. */
					dumper->per_family = true;
					fell_back = true;
					repeat = true;
					break;
				}
				snprintf(cause, cause_len, "sock_diag dump of TCP/%s sockets failed: %s%s",
					 family_name(families[i]), strerror(errno),
					 errno == ENOENT ? " (is the tcp_diag module loaded?)"
					 : errno == EINVAL && dumper->bytecode != NULL
						 ? " (the kernel refused the filter's bytecode)"
						 : "");
				snap->n_entries = base;
				return -1;
			}
		}
		if (repeat && dumper_reopen(dumper) < 0)
			goto reopen_failed;
		if (fell_back)
			continue; /* not the kernel's doing: no restart counted */
		if (!repeat && !interrupted)
			break;
		if (restarts == NL_DUMP_MAX_RESTARTS) {
			/* The tables keep changing under the walk; an
			 * interrupted dump is still close to the truth.  An
			 * overrun one is incomplete, so it is not kept. */
			if (repeat) {
				snprintf(cause, cause_len,
					 "sock_diag dump overran its buffer %u times in a row",
					 restarts + 1);
				snap->n_entries = base;
				errno = ENOBUFS;
				return -1;
			}
			break;
		}
		restarts++;
		dumper->restarts++;
	}
	*restarts_out = restarts;
	return 0;

reopen_failed:
	snap->n_entries = base;
	snprintf(cause, cause_len, "cannot reopen the sock_diag socket: %s", strerror(errno));
	return -1;
}

static int
dump_after(struct nl_dumper *dumper, struct snapshot *snap, size_t base,
	   unsigned int *restarts_out, char *cause, size_t cause_len)
{
	char *buffer = malloc(NL_DUMP_RECV_BUFFER);
	int rc, saved;

	if (buffer == NULL) {
		snprintf(cause, cause_len, "out of memory for the sock_diag dump");
		errno = ENOMEM;
		return -1;
	}
	rc = dump_into(dumper, buffer, snap, base, restarts_out, cause, cause_len);
	saved = errno;
	free(buffer);
	errno = saved;
	return rc;
}

int
nl_dumper_dump(struct nl_dumper *dumper, struct snapshot *snap, char *cause, size_t cause_len)
{
	unsigned int restarts = 0;

	snapshot_clear(snap);
	if (dump_after(dumper, snap, 0, &restarts, cause, cause_len) < 0)
		return -1;
	snap->dump_restarts = restarts;
	return 0;
}

int
nl_dumper_dump_append(struct nl_dumper *dumper, struct snapshot *snap, char *cause,
		      size_t cause_len)
{
	unsigned int restarts = 0;

	if (dump_after(dumper, snap, snap->n_entries, &restarts, cause, cause_len) < 0)
		return -1;
	snap->dump_restarts += restarts;
	return 0;
}
