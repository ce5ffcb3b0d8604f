/*
 * sockgen.c - tcpdeck-sockgen: fill the current network namespace with real
 * TCP sockets on loopback in a chosen mix of states, then hold them.
 *
 * Responsible for: turning "KIND=N" requests into kernel sockets whose
 * per-state counts are known exactly, and announcing those counts on one
 * "ready ..." line so integration tests and bench/run.sh can compare them with
 * what tcpdeck (or ss) reports.
 *
 * Process model: the parent parses options, prepares the namespace (brings
 * "lo" up, optional sysctls), splits the work over forked workers that each
 * hold at most ~8,000 fds, collects one binary report per worker over a pipe,
 * prints the ready line and holds until SIGTERM/SIGINT or a deadline. Workers
 * never print; they report through their pipe and then sleep until killed.
 *
 * With --procs N the sockets are handed out to N holder processes, to look
 * like a host where many processes own a few hundred sockets each. Creation
 * is unchanged (same workers, same sockets, same ready line); afterwards each
 * worker forks holders and keeps one contiguous slice of its sockets, in
 * creation order, per process: every socket ends up with exactly one owner.
 * The two ends of a connection are made one after the other, so both are
 * held by the same process except where a slice boundary falls between them.
 * A holder that dies makes its worker exit, which the parent reports. The
 * parent is a child subreaper so that it also reaps the holders at the end.
 *
 * Must not: touch anything outside the current network namespace (the only
 * sysctls written are per-namespace ones), leave workers behind, or wait
 * without a bound.
 *
 * Each kind's technique, and why its count is exact, is documented at its
 * sockgen_make_* function. Held sockets are re-checked with TCP_INFO just
 * before the report, so a technique that stops working on some kernel fails
 * loudly instead of printing a wrong count.
 */
#define _GNU_SOURCE
#include "bench_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SOCKGEN_PROG "tcpdeck-sockgen"

/* Workers hold at most this many planned fds; the rest of the 8,000 leaves
 * room for listeners and the few fds every process has. */
#define SOCKGEN_WORKER_BUDGET 7600
/* 160 workers of 7,600 fds reach 1,000,000 sockets (run-million.sh). */
#define SOCKGEN_MAX_WORKERS 160
#define SOCKGEN_MAX_UNITS 1000000L
/* --procs: each holder is a small sleeping process (about 1 MiB RSS, nearly
 * all of it shared with its worker). */
#define SOCKGEN_MAX_PROCS 20000L

/* Kernel minimums apply (the value is doubled and clamped), so this asks for
 * "as small as allowed": it bounds the memory a stuck socket can pin. */
#define SOCKGEN_SMALL_BUF 1024

/* Hold defaults: until signalled, but never longer than the cap. */
#define SOCKGEN_HOLD_CAP_S 600
#define SOCKGEN_HOLD_MAX_S 3600

/* Creation must finish within this; 100,000 sockets take a few seconds. */
#define SOCKGEN_CREATE_DEADLINE_S 120.0
/* One state transition on loopback takes microseconds; this is generous. */
#define SOCKGEN_STATE_WAIT_S 5.0

/* TCP_DEFER_ACCEPT is kept longer than the longest allowed hold so request
 * sockets are never promoted or expired while held (see sockgen_make_syn_recv). */
#define SOCKGEN_DEFER_ACCEPT_S (2 * SOCKGEN_HOLD_MAX_S)
/* MAX_TCP_SYNCNT: with the RTO capped at 120 s this keeps SYN_SENT for hours. */
#define SOCKGEN_SYN_COUNT 127

/* The states of the ready line, in its order. */
enum sockgen_state {
	SOCKGEN_LISTEN,
	SOCKGEN_SYN_SENT,
	SOCKGEN_SYN_RECV,
	SOCKGEN_ESTABLISHED,
	SOCKGEN_FIN_WAIT1,
	SOCKGEN_FIN_WAIT2,
	SOCKGEN_CLOSE_WAIT,
	SOCKGEN_CLOSING,
	SOCKGEN_LAST_ACK,
	SOCKGEN_TIME_WAIT,
	SOCKGEN_CLOSE,
	SOCKGEN_STATE_COUNT
};

static const struct {
	const char *name;
	int tcp; /* tcpi_state value */
} sockgen_states[SOCKGEN_STATE_COUNT] = {
    [SOCKGEN_LISTEN] = {"LISTEN", TCP_LISTEN},
    [SOCKGEN_SYN_SENT] = {"SYN_SENT", TCP_SYN_SENT},
    [SOCKGEN_SYN_RECV] = {"SYN_RECV", TCP_SYN_RECV},
    [SOCKGEN_ESTABLISHED] = {"ESTABLISHED", TCP_ESTABLISHED},
    [SOCKGEN_FIN_WAIT1] = {"FIN_WAIT1", TCP_FIN_WAIT1},
    [SOCKGEN_FIN_WAIT2] = {"FIN_WAIT2", TCP_FIN_WAIT2},
    [SOCKGEN_CLOSE_WAIT] = {"CLOSE_WAIT", TCP_CLOSE_WAIT},
    [SOCKGEN_CLOSING] = {"CLOSING", TCP_CLOSING},
    [SOCKGEN_LAST_ACK] = {"LAST_ACK", TCP_LAST_ACK},
    [SOCKGEN_TIME_WAIT] = {"TIME_WAIT", TCP_TIME_WAIT},
    [SOCKGEN_CLOSE] = {"CLOSE", TCP_CLOSE},
};

enum sockgen_family { SOCKGEN_V4, SOCKGEN_V6, SOCKGEN_FAMILY_COUNT };

static const int sockgen_af[SOCKGEN_FAMILY_COUNT] = {AF_INET, AF_INET6};

struct sockgen_held {
	int fd;
	unsigned char want; /* enum sockgen_state */
	unsigned char kind;
};

/* Everything one worker knows; lives only in the worker process. */
struct sockgen_worker {
	struct sockgen_held *held;
	size_t n_held;
	size_t cap_held;
	long counts[SOCKGEN_STATE_COUNT];
	double deadline;
	int listen_port;    /* first port for the listen kind; 0: kernel-chosen */
	unsigned char kind; /* kind being built, for messages */
	char cause[256];
};

/* The address of a listener, for the clients that connect to it. */
struct sockgen_peer {
	struct sockaddr_storage addr;
	socklen_t len;
};

struct sockgen_kind {
	const char *name;
	int fds_per_unit;        /* held fds, used to plan workers */
	long units_per_listener; /* spreads client ports over several 4-tuple spaces */
	int (*make)(struct sockgen_worker *w, int af, long units);
};

/* Sent once by each worker over its pipe; smaller than PIPE_BUF, so atomic. */
struct sockgen_report {
	int ok;
	long counts[SOCKGEN_STATE_COUNT];
	char cause[256];
};


static const char *
sockgen_tcp_state_name(int tcp)
{
	for (int i = 0; i < SOCKGEN_STATE_COUNT; i++)
		if (sockgen_states[i].tcp == tcp)
			return sockgen_states[i].name;
	return "?";
}

/* ---- worker helpers: each returns -1 after recording the first cause ---- */

enum sockgen_kind_id {
	SOCKGEN_K_LISTEN,
	SOCKGEN_K_ESTABLISHED,
	SOCKGEN_K_CLOSE_WAIT,
	SOCKGEN_K_TIME_WAIT,
	SOCKGEN_K_SYN_RECV,
	SOCKGEN_K_SYN_SENT,
	SOCKGEN_K_FIN_WAIT1,
	SOCKGEN_K_LAST_ACK,
	SOCKGEN_K_BOUND,
	SOCKGEN_KIND_COUNT
};

static const struct sockgen_kind sockgen_kinds[SOCKGEN_KIND_COUNT];

__attribute__((format(printf, 2, 3))) static int
sockgen_fail(struct sockgen_worker *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->cause[0] != '\0')
		return -1;
	n = snprintf(w->cause, sizeof(w->cause), "%s: ", sockgen_kinds[w->kind].name);
	va_start(ap, fmt);
	vsnprintf(w->cause + n, sizeof(w->cause) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
sockgen_hold(struct sockgen_worker *w, int fd, enum sockgen_state want)
{
	if (w->n_held == w->cap_held) {
		size_t cap = w->cap_held ? 2 * w->cap_held : 1024;
		struct sockgen_held *h = realloc(w->held, cap * sizeof(*h));

		if (h == NULL)
			return sockgen_fail(w, "out of memory");
		w->held = h;
		w->cap_held = cap;
	}
	w->held[w->n_held++] = (struct sockgen_held){.fd = fd, .want = want, .kind = w->kind};
	w->counts[want]++;
	return 0;
}

static int
sockgen_tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -1;
	return ti.tcpi_state;
}

/* Transitions on loopback normally finish inside the syscall that caused
 * them, but the peer's half may run a moment later in softirq context. */
static int
sockgen_wait_state(struct sockgen_worker *w, int fd, enum sockgen_state want, const char *who)
{
	double give_up = bench_net_now() + SOCKGEN_STATE_WAIT_S;
	long nap = 10000;

	for (int i = 0; i < 100000; i++) {
		int st = sockgen_tcp_state(fd);

		if (st == sockgen_states[want].tcp)
			return 0;
		if (st < 0)
			return sockgen_fail(w, "TCP_INFO on %s: %s", who, strerror(errno));
		if (bench_net_now() > give_up || bench_net_now() > w->deadline)
			return sockgen_fail(w, "%s stuck in %s, expected %s", who,
			                    sockgen_tcp_state_name(st), sockgen_states[want].name);
		bench_net_nap(nap);
		if (nap < 10000000)
			nap *= 2;
	}
	return sockgen_fail(w, "%s never reached %s", who, sockgen_states[want].name);
}

static int
sockgen_poll_one(struct sockgen_worker *w, int fd, short events, double seconds)
{
	double give_up = bench_net_now() + seconds;

	if (give_up > w->deadline)
		give_up = w->deadline;
	for (int i = 0; i < 1000; i++) {
		struct pollfd p = {.fd = fd, .events = events};
		double left = give_up - bench_net_now();
		int r;

		if (left <= 0)
			break;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return sockgen_fail(w, "poll: %s", strerror(errno));
	}
	errno = ETIMEDOUT;
	return -1;
}


static int
sockgen_set_int(struct sockgen_worker *w, int fd, int level, int name, int value, const char *what)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return sockgen_fail(w, "setsockopt %s: %s", what, strerror(errno));
	return 0;
}

/* A TCP socket with optional small buffers. With bind_port >= 0 it is bound
 * to the loopback address, on that port or (0) on one the kernel chooses. */
static int
sockgen_socket(struct sockgen_worker *w, int af, int rcvbuf, int sndbuf, int bind_port)
{
	int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return sockgen_fail(w, "socket: %s%s", strerror(errno),
		                    errno == EMFILE ? " (open-file limit)" : "");
	if (rcvbuf > 0 && sockgen_set_int(w, fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, "SO_RCVBUF") < 0)
		return -1;
	if (sndbuf > 0 && sockgen_set_int(w, fd, SOL_SOCKET, SO_SNDBUF, sndbuf, "SO_SNDBUF") < 0)
		return -1;
	if (bind_port >= 0) {
		struct sockaddr_storage ss;
		socklen_t len = bench_net_loopback(af, 0, &ss);

		if (af == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)bind_port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)bind_port);
		if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
			if (bind_port > 0)
				return sockgen_fail(w, "bind to loopback port %d: %s", bind_port,
				                    strerror(errno));
			return sockgen_fail(
			    w, "bind to loopback: %s%s", strerror(errno),
			    errno == EADDRINUSE ? " (ports exhausted; try --widen-ports)" : "");
		}
	}
	return fd;
}

/* A held listener on port (0: kernel-chosen); buffer sizes set here are
 * inherited by accepted sockets. */
static int
sockgen_listener(struct sockgen_worker *w, int af, int port, int backlog, int rcvbuf, int sndbuf,
                 int defer_s, struct sockgen_peer *peer)
{
	int fd = sockgen_socket(w, af, rcvbuf, sndbuf, port);

	if (fd < 0)
		return -1;
	if (defer_s > 0 &&
	    sockgen_set_int(w, fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, defer_s, "TCP_DEFER_ACCEPT") < 0)
		return -1;
	if (listen(fd, backlog) < 0)
		return sockgen_fail(w, "listen: %s", strerror(errno));
	if (peer != NULL) {
		peer->len = sizeof(peer->addr);
		if (getsockname(fd, (struct sockaddr *)&peer->addr, &peer->len) < 0)
			return sockgen_fail(w, "getsockname: %s", strerror(errno));
	}
	if (sockgen_hold(w, fd, SOCKGEN_LISTEN) < 0)
		return -1;
	return fd;
}

/* Starts a non-blocking connect; returns the fd with the SYN on its way. */
static int
sockgen_connect_start(struct sockgen_worker *w, int af, const struct sockgen_peer *peer, int rcvbuf,
                      int sndbuf, int syn_count)
{
	int fd = sockgen_socket(w, af, rcvbuf, sndbuf, -1);

	if (fd < 0)
		return -1;
	if (syn_count > 0 &&
	    sockgen_set_int(w, fd, IPPROTO_TCP, TCP_SYNCNT, syn_count, "TCP_SYNCNT") < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&peer->addr, peer->len) < 0 &&
	    errno != EINPROGRESS)
		return sockgen_fail(w, "connect: %s%s", strerror(errno),
		                    errno == EADDRNOTAVAIL ? " (ports exhausted; try --widen-ports)"
		                                           : "");
	return fd;
}

/* A connected client, ESTABLISHED on its side when this returns. */
static int
sockgen_connect(struct sockgen_worker *w, int af, const struct sockgen_peer *peer, int rcvbuf,
                int sndbuf)
{
	int fd = sockgen_connect_start(w, af, peer, rcvbuf, sndbuf, 0);
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -1;
	if (sockgen_poll_one(w, fd, POLLOUT, SOCKGEN_STATE_WAIT_S) < 0)
		return sockgen_fail(w, "connect did not complete: %s", strerror(errno));
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
		return sockgen_fail(w, "connect: %s", strerror(err ? err : errno));
	return fd;
}

static int
sockgen_accept(struct sockgen_worker *w, int lfd)
{
	for (int i = 0; i < 100; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0)
			return fd;
		if (errno != EAGAIN && errno != EINTR)
			return sockgen_fail(w, "accept: %s", strerror(errno));
		if (sockgen_poll_one(w, lfd, POLLIN, SOCKGEN_STATE_WAIT_S) < 0)
			return sockgen_fail(w, "accept: nothing arrived: %s", strerror(errno));
	}
	return sockgen_fail(w, "accept kept failing");
}

/* Writes until the send buffer is full. With small buffers on both ends the
 * receiver's window is closed by then, so later data (and a FIN queued behind
 * it) stays unsent until the receiver reads, which it never does. */
static int
sockgen_fill(struct sockgen_worker *w, int fd)
{
	static const char junk[4096];

	for (int i = 0; i < 4096; i++) {
		ssize_t n = send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno != EINTR)
			return sockgen_fail(w, "send: %s", strerror(errno));
	}
	return sockgen_fail(w, "send never blocked after 16 MiB");
}

static int
sockgen_shutdown_wr(struct sockgen_worker *w, int fd)
{
	if (shutdown(fd, SHUT_WR) < 0)
		return sockgen_fail(w, "shutdown: %s", strerror(errno));
	return 0;
}

/* ---- kinds: one function each, documented with why its count is exact ---- */

/* listen=N: N listeners, each on its own kernel-chosen port, or with --port
 * on consecutive ports from the one this worker was given (the same numbers
 * in each family: 127.0.0.1 and ::1 are different addresses). */
static int
sockgen_make_listen(struct sockgen_worker *w, int af, long units)
{
	for (long i = 0; i < units; i++) {
		int port = w->listen_port > 0 ? w->listen_port + (int)i : 0;

		if (sockgen_listener(w, af, port, 8, 0, 0, 0, NULL) < 0)
			return -1;
	}
	return 0;
}

/* established=N: connect + accept, both ends held; nothing times out an idle
 * ESTABLISHED connection without keepalive. */
static int
sockgen_make_established(struct sockgen_worker *w, int af, long units)
{
	struct sockgen_peer peer;
	int lfd = -1;

	for (long i = 0; i < units; i++) {
		int c, s;

		if (i % sockgen_kinds[w->kind].units_per_listener == 0 &&
		    (lfd = sockgen_listener(w, af, 0, 64, 0, 0, 0, &peer)) < 0)
			return -1;
		if ((c = sockgen_connect(w, af, &peer, 0, 0)) < 0 ||
		    (s = sockgen_accept(w, lfd)) < 0)
			return -1;
		if (sockgen_hold(w, c, SOCKGEN_ESTABLISHED) < 0 ||
		    sockgen_hold(w, s, SOCKGEN_ESTABLISHED) < 0)
			return -1;
	}
	return 0;
}

/* close_wait=N: the client half-closes. Its FIN is ACKed, so it sits in
 * FIN_WAIT2; because its fd stays open, tcp_fin_timeout (which only applies to
 * orphans) never ends it. The accepted side got the FIN and is never closed,
 * so it stays in CLOSE_WAIT. */
static int
sockgen_make_close_wait(struct sockgen_worker *w, int af, long units)
{
	struct sockgen_peer peer;
	int lfd = -1;

	for (long i = 0; i < units; i++) {
		int c, s;

		if (i % sockgen_kinds[w->kind].units_per_listener == 0 &&
		    (lfd = sockgen_listener(w, af, 0, 64, 0, 0, 0, &peer)) < 0)
			return -1;
		if ((c = sockgen_connect(w, af, &peer, 0, 0)) < 0 ||
		    (s = sockgen_accept(w, lfd)) < 0 || sockgen_shutdown_wr(w, c) < 0)
			return -1;
		if (sockgen_wait_state(w, s, SOCKGEN_CLOSE_WAIT, "server") < 0 ||
		    sockgen_wait_state(w, c, SOCKGEN_FIN_WAIT2, "client") < 0)
			return -1;
		if (sockgen_hold(w, c, SOCKGEN_FIN_WAIT2) < 0 ||
		    sockgen_hold(w, s, SOCKGEN_CLOSE_WAIT) < 0)
			return -1;
	}
	return 0;
}

/* time_wait=N: the client closes first, then the server. Both closes are done
 * with shutdown(SHUT_WR) while the fds are still open, which produces the
 * same packets as close() but lets us watch the states: the client's socket
 * reads TCP_CLOSE once the kernel has replaced it with its TIME_WAIT twin, and
 * the server's reads TCP_CLOSE once the final ACK took it out of LAST_ACK.
 * Only then are the fds closed (a no-op on the wire), so exactly one
 * TIME_WAIT remains per unit, for the kernel's fixed 60 s (TCP_TIMEWAIT_LEN).
 * The parent turns tcp_tw_reuse off (per namespace) so a later connect from
 * the same port can never recycle one of them. */
static int
sockgen_make_time_wait(struct sockgen_worker *w, int af, long units)
{
	struct sockgen_peer peer;
	int lfd = -1;

	for (long i = 0; i < units; i++) {
		int c, s;

		if (i % sockgen_kinds[w->kind].units_per_listener == 0 &&
		    (lfd = sockgen_listener(w, af, 0, 64, 0, 0, 0, &peer)) < 0)
			return -1;
		if ((c = sockgen_connect(w, af, &peer, 0, 0)) < 0 ||
		    (s = sockgen_accept(w, lfd)) < 0 || sockgen_shutdown_wr(w, c) < 0)
			return -1;
		if (sockgen_wait_state(w, s, SOCKGEN_CLOSE_WAIT, "server") < 0 ||
		    sockgen_shutdown_wr(w, s) < 0 ||
		    sockgen_wait_state(w, c, SOCKGEN_CLOSE, "client") < 0 ||
		    sockgen_wait_state(w, s, SOCKGEN_CLOSE, "server") < 0)
			return -1;
		close(c);
		close(s);
		w->counts[SOCKGEN_TIME_WAIT]++;
	}
	return 0;
}

/* syn_recv=N: the listener has TCP_DEFER_ACCEPT, so the client's bare final
 * ACK is dropped and the request socket stays in SYN_RECV (marked "acked")
 * while the client is ESTABLISHED. The kernel keeps such a request until it
 * has retransmitted the SYN-ACK for as many rounds as the defer time covers,
 * which is longer than any hold. A listener takes at most 1,000 requests with
 * a backlog of 4,096: the request queue must never look full, or SYN cookies
 * would answer instead and no request socket would exist. */
static int
sockgen_make_syn_recv(struct sockgen_worker *w, int af, long units)
{
	struct sockgen_peer peer;

	for (long i = 0; i < units; i++) {
		int c;

		if (i % sockgen_kinds[w->kind].units_per_listener == 0 &&
		    sockgen_listener(w, af, 0, 4096, 0, 0, SOCKGEN_DEFER_ACCEPT_S, &peer) < 0)
			return -1;
		if ((c = sockgen_connect(w, af, &peer, 0, 0)) < 0 ||
		    sockgen_hold(w, c, SOCKGEN_ESTABLISHED) < 0)
			return -1;
		w->counts[SOCKGEN_SYN_RECV]++;
	}
	return 0;
}

/* syn_sent=N: a listener with backlog 0 accepts exactly one connection into
 * its accept queue (the first SYN is answered with a SYN cookie because the
 * request queue counts as full, and the cookie ACK creates the child). That
 * child is never accepted, so the accept queue stays full and every later SYN
 * is dropped (ListenOverflows): the N clients retransmit their SYNs and stay
 * in SYN_SENT. TCP_SYNCNT 127 keeps them from giving up for hours. The
 * filling connection adds one ESTABLISHED client and one ESTABLISHED child. */
static int
sockgen_make_syn_sent(struct sockgen_worker *w, int af, long units)
{
	struct sockgen_peer peer;

	for (long i = 0; i < units; i++) {
		int c;

		if (i % sockgen_kinds[w->kind].units_per_listener == 0) {
			int lfd = sockgen_listener(w, af, 0, 0, 0, 0, 0, &peer);

			if (lfd < 0 || (c = sockgen_connect(w, af, &peer, 0, 0)) < 0)
				return -1;
			if (sockgen_poll_one(w, lfd, POLLIN, SOCKGEN_STATE_WAIT_S) < 0)
				return sockgen_fail(w, "the filling connection never reached the "
				                       "accept queue");
			if (sockgen_hold(w, c, SOCKGEN_ESTABLISHED) < 0)
				return -1;
			w->counts[SOCKGEN_ESTABLISHED]++; /* the child in the accept queue */
		}
		if ((c = sockgen_connect_start(w, af, &peer, 0, 0, SOCKGEN_SYN_COUNT)) < 0 ||
		    sockgen_wait_state(w, c, SOCKGEN_SYN_SENT, "client") < 0 ||
		    sockgen_hold(w, c, SOCKGEN_SYN_SENT) < 0)
			return -1;
	}
	return 0;
}

/* fin_wait1=N: the server never reads and its receive buffer (set on the
 * listener before listen, so accepted sockets inherit it and the window scale
 * is chosen from it) is tiny; the client fills its tiny send buffer, so the
 * window is closed with data still queued, and then half-closes. The FIN sits
 * behind unsendable data, so the client stays in FIN_WAIT1 and the server in
 * ESTABLISHED. The client keeps its fd: a non-orphan sender probes a zero
 * window indefinitely as long as the peer answers (RFC 1122 4.2.2.17), while
 * an orphan only gets a bounded number of backoffs (tcp_orphan_retries). */
static int
sockgen_make_fin_wait1(struct sockgen_worker *w, int af, long units)
{
	struct sockgen_peer peer;
	int lfd = -1;

	for (long i = 0; i < units; i++) {
		int c, s;

		if (i % sockgen_kinds[w->kind].units_per_listener == 0 &&
		    (lfd = sockgen_listener(w, af, 0, 64, SOCKGEN_SMALL_BUF, 0, 0, &peer)) < 0)
			return -1;
		if ((c = sockgen_connect(w, af, &peer, 0, SOCKGEN_SMALL_BUF)) < 0 ||
		    (s = sockgen_accept(w, lfd)) < 0 || sockgen_fill(w, c) < 0 ||
		    sockgen_shutdown_wr(w, c) < 0)
			return -1;
		if (sockgen_wait_state(w, c, SOCKGEN_FIN_WAIT1, "client") < 0 ||
		    sockgen_hold(w, c, SOCKGEN_FIN_WAIT1) < 0 ||
		    sockgen_hold(w, s, SOCKGEN_ESTABLISHED) < 0)
			return -1;
	}
	return 0;
}

/* last_ack=N: the mirror image of fin_wait1. The client half-closes (its FIN
 * is ACKed: FIN_WAIT2) and never reads, with a tiny receive buffer. The server
 * (tiny send buffer, inherited from the listener) fills the client's window
 * and then sends its own FIN, which queues behind the unsendable data: the
 * server stays in LAST_ACK. The server half-closes with shutdown() and keeps
 * its fd rather than calling close(). The state is the same, but the kernel
 * gives up on an orphan that probes a zero window once its backoff passes
 * tcp_orphan_retries. (In a test on 6.18 a close()d one was still there after
 * 290 s, but nothing promises the 3600 s a hold may last.) A non-orphan keeps
 * probing for as long as the peer answers. */
static int
sockgen_make_last_ack(struct sockgen_worker *w, int af, long units)
{
	struct sockgen_peer peer;
	int lfd = -1;

	for (long i = 0; i < units; i++) {
		int c, s;

		if (i % sockgen_kinds[w->kind].units_per_listener == 0 &&
		    (lfd = sockgen_listener(w, af, 0, 64, 0, SOCKGEN_SMALL_BUF, 0, &peer)) < 0)
			return -1;
		if ((c = sockgen_connect(w, af, &peer, SOCKGEN_SMALL_BUF, 0)) < 0 ||
		    (s = sockgen_accept(w, lfd)) < 0 || sockgen_shutdown_wr(w, c) < 0)
			return -1;
		if (sockgen_wait_state(w, s, SOCKGEN_CLOSE_WAIT, "server") < 0 ||
		    sockgen_wait_state(w, c, SOCKGEN_FIN_WAIT2, "client") < 0 ||
		    sockgen_fill(w, s) < 0 || sockgen_shutdown_wr(w, s) < 0)
			return -1;
		if (sockgen_wait_state(w, s, SOCKGEN_LAST_ACK, "server") < 0 ||
		    sockgen_hold(w, c, SOCKGEN_FIN_WAIT2) < 0 ||
		    sockgen_hold(w, s, SOCKGEN_LAST_ACK) < 0)
			return -1;
	}
	return 0;
}

/* bound=N: bind() to a loopback port without listen or connect. TCP_INFO says
 * TCP_CLOSE; kernels >= 6.5 dump these only when TCP_BOUND_INACTIVE is asked
 * for, and tcpdeck counts them as CLOSE. */
static int
sockgen_make_bound(struct sockgen_worker *w, int af, long units)
{
	for (long i = 0; i < units; i++) {
		int fd = sockgen_socket(w, af, 0, 0, 0);

		if (fd < 0 || sockgen_hold(w, fd, SOCKGEN_CLOSE) < 0)
			return -1;
	}
	return 0;
}

/* time_wait holds no fds, but it is given a cost of one so that large counts
 * are spread over workers (and CPUs) like the rest. */
static const struct sockgen_kind sockgen_kinds[SOCKGEN_KIND_COUNT] = {
    [SOCKGEN_K_LISTEN] = {.name = "listen",
                          .fds_per_unit = 1,
                          .units_per_listener = 1,
                          .make = sockgen_make_listen},
    [SOCKGEN_K_ESTABLISHED] = {.name = "established",
                               .fds_per_unit = 2,
                               .units_per_listener = 2000,
                               .make = sockgen_make_established},
    [SOCKGEN_K_CLOSE_WAIT] = {.name = "close_wait",
                              .fds_per_unit = 2,
                              .units_per_listener = 2000,
                              .make = sockgen_make_close_wait},
    [SOCKGEN_K_TIME_WAIT] = {.name = "time_wait",
                             .fds_per_unit = 1,
                             .units_per_listener = 2000,
                             .make = sockgen_make_time_wait},
    [SOCKGEN_K_SYN_RECV] = {.name = "syn_recv",
                            .fds_per_unit = 1,
                            .units_per_listener = 1000,
                            .make = sockgen_make_syn_recv},
    [SOCKGEN_K_SYN_SENT] = {.name = "syn_sent",
                            .fds_per_unit = 1,
                            .units_per_listener = 2000,
                            .make = sockgen_make_syn_sent},
    [SOCKGEN_K_FIN_WAIT1] = {.name = "fin_wait1",
                             .fds_per_unit = 2,
                             .units_per_listener = 2000,
                             .make = sockgen_make_fin_wait1},
    [SOCKGEN_K_LAST_ACK] = {.name = "last_ack",
                            .fds_per_unit = 2,
                            .units_per_listener = 2000,
                            .make = sockgen_make_last_ack},
    [SOCKGEN_K_BOUND] = {.name = "bound",
                         .fds_per_unit = 1,
                         .units_per_listener = 1,
                         .make = sockgen_make_bound},
};

/* ---- worker process ---- */

/* The last line of defence against a technique that does not hold on this
 * kernel: every held fd must still be in the state it was counted as. */
static int
sockgen_verify(struct sockgen_worker *w)
{
	/* Let anything still in flight on loopback land first. */
	bench_net_nap(100000000);
	for (size_t i = 0; i < w->n_held; i++) {
		const struct sockgen_held *h = &w->held[i];
		int st = sockgen_tcp_state(h->fd);

		if (st != sockgen_states[h->want].tcp) {
			w->kind = h->kind;
			return sockgen_fail(w, "a socket counted as %s is in %s",
			                    sockgen_states[h->want].name,
			                    st < 0 ? strerror(errno) : sockgen_tcp_state_name(st));
		}
	}
	return 0;
}

/* What the parent asks of one worker. */
struct sockgen_assign {
	long units[SOCKGEN_KIND_COUNT][SOCKGEN_FAMILY_COUNT];
	long holders;    /* processes to hold this worker's sockets, itself included */
	int listen_port; /* first --port for this worker's listen kind, or 0 */
};

/* A holder: keeps held[lo..hi) and nothing else. The slices above hi were
 * already closed by the worker before this fork, so only [0, lo) and the
 * worker's pipes are closed here. Closing the sync pipe tells the worker
 * that the sockets are now ours alone. */
static void __attribute__((noreturn))
sockgen_holder_main(const struct sockgen_worker *w, size_t lo, pid_t worker, int report_fd,
                    const int *sync, unsigned alarm_s)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != worker)
		_exit(1);
	alarm(alarm_s);
	for (size_t i = 0; i < lo; i++)
		close(w->held[i].fd);
	close(report_fd);
	close(sync[0]);
	close(sync[1]);
	for (;;)
		pause();
}

/* Like sockgen_fail, for messages that belong to no kind. */
static int
sockgen_split_fail(struct sockgen_worker *w, const char *what, int err)
{
	snprintf(w->cause, sizeof(w->cause), "--procs: %s%s%s", what, err ? ": " : "",
	         err ? strerror(err) : "");
	return -1;
}

/* --procs: forks holders-1 processes, from the last slice down so that each
 * fork copies only the fds still open, and keeps the first slice. Returns
 * once every holder has closed the fds that are not its own, so the ready
 * line is never printed while a socket has two owners. */
static int
sockgen_split(struct sockgen_worker *w, long holders, int report_fd, unsigned alarm_s)
{
	size_t n = w->n_held;
	pid_t self = getpid();
	double give_up;
	int sync[2];
	char byte;

	if (holders > (long)n)
		holders = (long)n;
	if (holders <= 1)
		return 0;
	if (pipe2(sync, O_CLOEXEC) < 0)
		return sockgen_split_fail(w, "pipe", errno);
	for (long k = holders - 1; k >= 1; k--) {
		size_t lo = n * (size_t)k / (size_t)holders;
		size_t hi = n * (size_t)(k + 1) / (size_t)holders;
		pid_t pid = fork();

		if (pid < 0)
			return sockgen_split_fail(w, "fork", errno);
		if (pid == 0)
			sockgen_holder_main(w, lo, self, report_fd, sync, alarm_s);
		for (size_t i = lo; i < hi; i++)
			close(w->held[i].fd);
	}
	w->n_held = n / (size_t)holders;
	close(sync[1]);
	give_up = bench_net_now() + SOCKGEN_STATE_WAIT_S;
	for (int i = 0; i < 1000; i++) {
		struct pollfd p = {.fd = sync[0], .events = POLLIN};
		double left = give_up - bench_net_now();

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0 && read(sync[0], &byte, 1) == 0) {
			close(sync[0]);
			/* EOF also comes from a holder that died: check. */
			if (waitpid(-1, NULL, WNOHANG) > 0)
				return sockgen_split_fail(w, "a holder process died", 0);
			return 0;
		}
	}
	return sockgen_split_fail(w, "holders did not settle", ETIMEDOUT);
}

static void __attribute__((noreturn))
sockgen_worker_main(const struct sockgen_assign *a, int report_fd, unsigned hold_cap_s)
{
	struct sockgen_worker w = {.deadline = bench_net_now() + SOCKGEN_CREATE_DEADLINE_S,
	                           .listen_port = a->listen_port};
	unsigned alarm_s = (unsigned)SOCKGEN_CREATE_DEADLINE_S + hold_cap_s + 60;
	struct sockgen_report rep;
	int rc = 0;

	/* Workers run before SIGALRM could be armed for the hold; give the whole
	 * life of the worker one bound so nothing survives a lost parent. */
	alarm(alarm_s);
	for (int k = 0; k < SOCKGEN_KIND_COUNT && rc == 0; k++) {
		for (int f = 0; f < SOCKGEN_FAMILY_COUNT && rc == 0; f++) {
			if (a->units[k][f] == 0)
				continue;
			w.kind = (unsigned char)k;
			rc = sockgen_kinds[k].make(&w, sockgen_af[f], a->units[k][f]);
		}
	}
	if (rc == 0)
		rc = sockgen_verify(&w);
	if (rc == 0)
		rc = sockgen_split(&w, a->holders, report_fd, alarm_s);

	memset(&rep, 0, sizeof(rep));
	rep.ok = rc == 0;
	memcpy(rep.counts, w.counts, sizeof(rep.counts));
	snprintf(rep.cause, sizeof(rep.cause), "%s", w.cause);
	if (write(report_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep) || rc != 0)
		_exit(1);
	/* Hold: the parent ends us with SIGKILL (our holders follow through
	 * PR_SET_PDEATHSIG); the alarm is the backstop. A holder that exits
	 * takes sockets with it, so we exit too and the parent notices. */
	for (;;) {
		if (waitpid(-1, NULL, 0) > 0)
			_exit(1);
		if (errno == ECHILD)
			pause();
	}
}

/* ---- parent ---- */

struct sockgen_opts {
	bool family[SOCKGEN_FAMILY_COUNT];
	long units[SOCKGEN_KIND_COUNT];
	long hold_s; /* -1: until signalled, capped */
	bool widen_ports;
	long procs; /* --procs: at least this many holder processes; 0: workers only */
	long port;  /* --port: first port of the listen kind; 0: kernel-chosen */
};

static pid_t sockgen_pids[SOCKGEN_MAX_WORKERS];
static int sockgen_n_pids;

/* Ends our own workers, by pid, and reaps them within a bounded time. Their
 * holders (--procs) die with them through PR_SET_PDEATHSIG and, since we are
 * a child subreaper, become our children, so they are reaped here as well. */
static void
sockgen_reap_workers(void)
{
	double give_up = bench_net_now() + 10.0;
	int status;

	for (int i = 0; i < sockgen_n_pids; i++)
		if (sockgen_pids[i] > 0)
			kill(sockgen_pids[i], SIGKILL);
	for (int i = 0; i < sockgen_n_pids; i++) {
		while (sockgen_pids[i] > 0) {
			pid_t r = waitpid(sockgen_pids[i], NULL, WNOHANG);

			if (r == sockgen_pids[i] || (r < 0 && errno != EINTR) ||
			    bench_net_now() > give_up)
				sockgen_pids[i] = 0;
			else
				bench_net_nap(1000000);
		}
	}
	for (int i = 0; i < 100000 && bench_net_now() <= give_up; i++) {
		pid_t r = waitpid(-1, &status, WNOHANG);

		if (r < 0 && errno != EINTR)
			break; /* ECHILD: none left */
		if (r == 0)
			bench_net_nap(1000000);
	}
}

__attribute__((format(printf, 1, 2), noreturn)) static void
sockgen_die(const char *fmt, ...)
{
	va_list ap;

	sockgen_reap_workers();
	fprintf(stderr, "%s: ", SOCKGEN_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn)) sockgen_usage(const char *why)
{
	fprintf(stderr,
	        "%s: %s; usage: %s [-4|-6|-46] [--hold SECONDS] [--widen-ports] [--procs N] "
	        "[--port PORT] KIND=N ... "
	        "(KIND: listen established close_wait time_wait syn_recv syn_sent fin_wait1 "
	        "last_ack bound)\n",
	        SOCKGEN_PROG, why, SOCKGEN_PROG);
	exit(2);
}

static bool
sockgen_parse_long(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

static void
sockgen_parse(int argc, char **argv, struct sockgen_opts *o)
{
	bool any = false;

	memset(o, 0, sizeof(*o));
	o->family[SOCKGEN_V4] = true;
	o->hold_s = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');

		if (strcmp(a, "-4") == 0 || strcmp(a, "-6") == 0 || strcmp(a, "-46") == 0) {
			o->family[SOCKGEN_V4] = strchr(a, '4') != NULL;
			o->family[SOCKGEN_V6] = strchr(a, '6') != NULL;
		} else if (strcmp(a, "--widen-ports") == 0) {
			o->widen_ports = true;
		} else if (strcmp(a, "--hold") == 0) {
			if (i + 1 >= argc ||
			    !sockgen_parse_long(argv[++i], SOCKGEN_HOLD_MAX_S, &o->hold_s))
				sockgen_usage("--hold takes 0 to 3600 seconds");
		} else if (strcmp(a, "--procs") == 0) {
			if (i + 1 >= argc ||
			    !sockgen_parse_long(argv[++i], SOCKGEN_MAX_PROCS, &o->procs) ||
			    o->procs < 1)
				sockgen_usage("--procs takes 1 to 20000 processes");
		} else if (strcmp(a, "--port") == 0) {
			if (i + 1 >= argc || !sockgen_parse_long(argv[++i], 65535, &o->port) ||
			    o->port < 1)
				sockgen_usage("--port takes 1 to 65535");
		} else if (eq != NULL) {
			int k;

			for (k = 0; k < SOCKGEN_KIND_COUNT; k++)
				if (strlen(sockgen_kinds[k].name) == (size_t)(eq - a) &&
				    strncmp(a, sockgen_kinds[k].name, (size_t)(eq - a)) == 0)
					break;
			if (k == SOCKGEN_KIND_COUNT)
				sockgen_usage("unknown kind");
			if (!sockgen_parse_long(eq + 1, SOCKGEN_MAX_UNITS, &o->units[k]))
				sockgen_usage("N must be 0 to 1000000");
			any = true;
		} else {
			sockgen_usage("unknown argument");
		}
	}
	if (!any)
		sockgen_usage("no KIND=N given");
	if (o->port > 0 && o->port + o->units[SOCKGEN_K_LISTEN] - 1 > 65535)
		sockgen_usage("--port: the listen ports would pass 65535");
}



/* A fresh namespace from unshare -n has "lo" down; nothing on loopback works
 * until it is up. */
static void
sockgen_loopback_up(void)
{
	const char *step;

	if (bench_net_loopback_up(&step) == 0)
		return;
	if (errno == EPERM)
		sockgen_die("cannot %s (needs CAP_NET_ADMIN): %s", step, strerror(errno));
	sockgen_die("cannot %s: %s", step, strerror(errno));
}

/* ::1 is added by a workqueue after lo comes up, so binding may fail with
 * EADDRNOTAVAIL for a moment. */
static void
sockgen_wait_address(int af)
{
	if (bench_net_wait_address(af, 3.0) < 0)
		sockgen_die("cannot bind to %s: %s", af == AF_INET ? "127.0.0.1" : "::1",
		            strerror(errno));
}


static void
sockgen_prepare_netns(const struct sockgen_opts *o, long time_wait_total)
{
	if (o->widen_ports &&
	    bench_net_write_file("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535") < 0)
		sockgen_die("cannot widen ip_local_port_range: %s", strerror(errno));
	if (time_wait_total > 0) {
		long max_tw = bench_net_read_long("/proc/sys/net/ipv4/tcp_max_tw_buckets");

		/* Past this limit the kernel silently skips TIME_WAIT. */
		if (max_tw >= 0 && time_wait_total > max_tw)
			sockgen_die("time_wait total %ld exceeds tcp_max_tw_buckets %ld",
			            time_wait_total, max_tw);
		/* tcp_tw_reuse=2 (the default) lets connect() on loopback recycle
		 * a TIME_WAIT older than a second, which would make counts drift. */
		if (bench_net_in_child_netns() &&
		    bench_net_write_file("/proc/sys/net/ipv4/tcp_tw_reuse", "0") < 0)
			sockgen_die("cannot set tcp_tw_reuse: %s", strerror(errno));
	}
	if (o->units[SOCKGEN_K_SYN_RECV] > 0) {
		long somax = bench_net_read_long("/proc/sys/net/core/somaxconn");

		if (somax >= 0 && somax < 2 * sockgen_kinds[SOCKGEN_K_SYN_RECV].units_per_listener)
			sockgen_die("syn_recv needs net.core.somaxconn >= 2000 (it is %ld)", somax);
	}
}

static void
sockgen_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		sockgen_die("getrlimit: %s", strerror(errno));
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		sockgen_die("setrlimit: %s", strerror(errno));
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < SOCKGEN_WORKER_BUDGET + 400)
		sockgen_die("open-file hard limit %llu is below %d",
		            (unsigned long long)rl.rlim_cur, SOCKGEN_WORKER_BUDGET + 400);
}

/* Splits every (kind, family) evenly over just enough workers to keep each
 * under the fd budget; small requests get one worker, so their listener
 * count stays minimal and predictable. --procs does not change this: its
 * holders are spread evenly over the workers, which hold similar numbers of
 * fds, so every holder gets about the same share. */
static int
sockgen_plan(const struct sockgen_opts *o, struct sockgen_assign *plan)
{
	long port = o->port;

	long cost = 0;
	long n;

	for (int k = 0; k < SOCKGEN_KIND_COUNT; k++)
		for (int f = 0; f < SOCKGEN_FAMILY_COUNT; f++)
			if (o->family[f])
				cost += o->units[k] * sockgen_kinds[k].fds_per_unit;
	n = (cost + SOCKGEN_WORKER_BUDGET - 1) / SOCKGEN_WORKER_BUDGET;
	if (n < 1)
		n = 1;
	if (n > SOCKGEN_MAX_WORKERS)
		return -1;
	memset(plan, 0, sizeof(*plan) * SOCKGEN_MAX_WORKERS);
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < SOCKGEN_KIND_COUNT; k++)
			for (int f = 0; f < SOCKGEN_FAMILY_COUNT; f++)
				if (o->family[f])
					plan[i].units[k][f] =
					    o->units[k] / n + (i < o->units[k] % n);
		plan[i].holders = o->procs / n + (i < o->procs % n);
		/* Both families use the same port numbers, so the listen units
		 * of one family say how far each worker's ports reach. */
		plan[i].listen_port = (int)port;
		if (port > 0)
			port +=
			    o->units[SOCKGEN_K_LISTEN] / n + (i < o->units[SOCKGEN_K_LISTEN] % n);
	}
	return (int)n;
}

static int
sockgen_signalfd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		sockgen_die("signalfd: %s", strerror(errno));
	return fd;
}

/* Returns the signal number, or 0 when none is pending. */
static int
sockgen_read_signal(int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

static bool
sockgen_worker_died(void)
{
	for (int i = 0; i < sockgen_n_pids; i++) {
		int status;
		pid_t r = waitpid(sockgen_pids[i], &status, WNOHANG);

		if (r == sockgen_pids[i]) {
			sockgen_pids[i] = 0;
			return true;
		}
	}
	return false;
}

static void
sockgen_spawn(const struct sockgen_assign *plan, int n, int sfd, unsigned hold_cap_s, int *pipes)
{
	pid_t parent = getpid();

	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < n; i++) {
		int p[2];
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) < 0)
			sockgen_die("pipe: %s", strerror(errno));
		pid = fork();
		if (pid < 0)
			sockgen_die("fork: %s", strerror(errno));
		if (pid == 0) {
			sigset_t none;
			int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

			/* Die with the parent, even if it is SIGKILLed. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			/* A caller reading our stdout to EOF must not wait for workers. */
			if (devnull >= 0)
				dup2(devnull, STDOUT_FILENO);
			for (int j = 0; j < i; j++)
				close(pipes[j]);
			close(p[0]);
			close(sfd);
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			sockgen_n_pids = 0;
			sockgen_worker_main(&plan[i], p[1], hold_cap_s);
		}
		close(p[1]);
		pipes[i] = p[0];
		sockgen_pids[sockgen_n_pids++] = pid;
	}
}

/* Waits for one report per worker and sums the counts. */
static void
sockgen_collect(int n, int sfd, const int *pipes, long *totals)
{
	struct pollfd pf[SOCKGEN_MAX_WORKERS + 1];
	bool done[SOCKGEN_MAX_WORKERS] = {false};
	double give_up = bench_net_now() + SOCKGEN_CREATE_DEADLINE_S + 10.0;
	int left = n;

	for (int iter = 0; left > 0 && iter < 100000; iter++) {
		double wait_s = give_up - bench_net_now();
		int r;

		if (wait_s <= 0)
			sockgen_die("workers not ready after %.0f s",
			            SOCKGEN_CREATE_DEADLINE_S + 10.0);
		for (int i = 0; i < n; i++)
			pf[i] = (struct pollfd){.fd = done[i] ? -1 : pipes[i], .events = POLLIN};
		pf[n] = (struct pollfd){.fd = sfd, .events = POLLIN};
		r = poll(pf, (nfds_t)n + 1, (int)(wait_s * 1000) + 1);
		if (r < 0 && errno != EINTR)
			sockgen_die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if (pf[n].revents) {
			int sig = sockgen_read_signal(sfd);

			if (sig == SIGTERM || sig == SIGINT)
				sockgen_die("interrupted before ready");
		}
		for (int i = 0; i < n; i++) {
			struct sockgen_report rep;
			ssize_t got;

			if (done[i] || pf[i].revents == 0)
				continue;
			got = read(pipes[i], &rep, sizeof(rep));
			if (got != (ssize_t)sizeof(rep))
				sockgen_die("worker %d (pid %d) died before ready", i,
				            (int)sockgen_pids[i]);
			if (!rep.ok) {
				rep.cause[sizeof(rep.cause) - 1] = '\0';
				sockgen_die("%s", rep.cause);
			}
			for (int s = 0; s < SOCKGEN_STATE_COUNT; s++)
				totals[s] += rep.counts[s];
			done[i] = true;
			left--;
		}
	}
	if (left > 0)
		sockgen_die("workers not ready");
}

/* Holds until SIGTERM/SIGINT or the deadline; a worker dying is a failure
 * because the promised counts would no longer be true. */
static void
sockgen_hold_all(int sfd, long hold_s)
{
	double until = bench_net_now() + (double)(hold_s < 0 ? SOCKGEN_HOLD_CAP_S : hold_s);

	for (int iter = 0; iter < 1000000; iter++) {
		struct pollfd pf = {.fd = sfd, .events = POLLIN};
		double left = until - bench_net_now();
		int r, sig;

		if (left <= 0)
			return;
		r = poll(&pf, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			sockgen_die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		while ((sig = sockgen_read_signal(sfd)) != 0) {
			if (sig == SIGTERM || sig == SIGINT)
				return;
			if (sig == SIGCHLD && sockgen_worker_died())
				sockgen_die("a worker died while holding");
		}
	}
}

int
main(int argc, char **argv)
{
	static struct sockgen_assign plan[SOCKGEN_MAX_WORKERS];
	struct sockgen_opts o;
	long totals[SOCKGEN_STATE_COUNT] = {0};
	int pipes[SOCKGEN_MAX_WORKERS];
	long time_wait_total = 0;
	int n, sfd;

	sockgen_parse(argc, argv, &o);
	n = sockgen_plan(&o, plan);
	if (n < 0)
		sockgen_usage("too many sockets requested");
	for (int f = 0; f < SOCKGEN_FAMILY_COUNT; f++)
		if (o.family[f])
			time_wait_total += o.units[SOCKGEN_K_TIME_WAIT];

	signal(SIGPIPE, SIG_IGN);
	sfd = sockgen_signalfd();
	sockgen_raise_nofile();
	sockgen_loopback_up();
	for (int f = 0; f < SOCKGEN_FAMILY_COUNT; f++)
		if (o.family[f])
			sockgen_wait_address(sockgen_af[f]);
	sockgen_prepare_netns(&o, time_wait_total);
	/* Holders whose worker died are reparented to us, and reaped by us. */
	if (o.procs > 0 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		sockgen_die("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));

	sockgen_spawn(plan, n, sfd, (unsigned)(o.hold_s < 0 ? SOCKGEN_HOLD_CAP_S : o.hold_s),
	              pipes);
	sockgen_collect(n, sfd, pipes, totals);

	printf("ready");
	for (int s = 0; s < SOCKGEN_STATE_COUNT; s++)
		printf(" %s=%ld", sockgen_states[s].name, totals[s]);
	printf("\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		sockgen_die("cannot write the ready line: %s", strerror(errno));

	sockgen_hold_all(sfd, o.hold_s);
	sockgen_reap_workers();
	return 0;
}
