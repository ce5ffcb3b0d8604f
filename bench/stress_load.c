/*
 * stress_load.c - the load generator of tcpdeck-stress: turns the phase
 * the supervisor announces into client connections to the demo server.
 *
 * Responsible for, by phase:
 *   ramp      short connections (connect, "GET", read "OK", close first,
 *             so each leaves a TIME_WAIT here) at a rate rising linearly
 *             from a tenth of the peak to the peak;
 *   plateau   short connections at a fifth of the peak; long-lived "KEEP"
 *             connections opened over the first half of the phase; then
 *             "STALL" connections whose small send buffers are filled while
 *             the server never reads, so their data stays unsent;
 *   synflood  no short connections; the burst of non-blocking connects is
 *             fired in four waves at the listener the server stopped
 *             accepting on (TCP_SYNCNT keeps the retries short).
 * The supervisor ends this process with SIGKILL in the kill phase: the
 * kernel then closes every socket held here, and those with unsent data
 * become orphans in FIN_WAIT1.
 *
 * Runs single-threaded in its own process.  Every wait is a poll() of at
 * most a second and every loop is bounded by the deadline.  Must not
 * print, or connect anywhere but the loopback server.
 */
#define _GNU_SOURCE
#include "bench_net.h"
#include "stress.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Asks for the smallest send buffer the kernel allows, so a stalled
 * connection pins little memory and fills in a few writes. */
#define STRESS_LOAD_SMALL_BUF 1024
/* One failed step of a connection gives up after this long. */
#define STRESS_LOAD_STEP_S 1.0
/* SYN retransmissions of the burst: 1 s and 3 s after the first. */
#define STRESS_LOAD_BURST_SYNCNT 2
#define STRESS_LOAD_BURST_WAVES 4

struct stress_load {
	const struct stress_load_conf *conf;
	struct stress_stats *stats;
	enum stress_phase phase;
	double phase_start;
	double phase_len;
	double next_short;    /* when the next short connection is due */
	unsigned long n_conn; /* picks the family: every fourth is IPv6 */
	int *held;            /* long-lived, stalled and burst fds */
	int n_held;
	int cap_held;
	int n_long;
	int n_stall;
	int burst_waves;
	bool stall_done;
};

static void
stress_load_set(uint64_t *field, uint64_t v)
{
	__atomic_store_n(field, v, __ATOMIC_RELAXED);
}

static void
stress_load_bump(uint64_t *field)
{
	__atomic_add_fetch(field, 1, __ATOMIC_RELAXED);
}

static int
stress_load_poll(int fd, short events, double seconds)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	do
		r = poll(&p, 1, (int)(seconds * 1000));
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

/* Starts a non-blocking connect to the server. */
static int
stress_load_socket(struct stress_load *l, int sndbuf, int syncnt)
{
	int af = (l->conf->ipv6 && ++l->n_conn % 4 == 0) ? AF_INET6 : AF_INET;
	struct sockaddr_storage ss;
	socklen_t len = bench_net_loopback(af, l->conf->port, &ss);
	int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (sndbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (syncnt > 0)
		setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connects, sends one request line and reads the "OK" answer; returns the
 * connected fd, or -1 (nothing left open). */
static int
stress_load_request(struct stress_load *l, const char *req, int sndbuf)
{
	int fd = stress_load_socket(l, sndbuf, 0);
	int err = 0;
	socklen_t elen = sizeof(err);
	char buf[16];
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (stress_load_poll(fd, POLLOUT, STRESS_LOAD_STEP_S) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
		goto fail;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		goto fail;
	for (int i = 0; i < 4 && got < 3; i++) {
		ssize_t n;

		if (stress_load_poll(fd, POLLIN, STRESS_LOAD_STEP_S) < 0)
			goto fail;
		n = recv(fd, buf + got, sizeof(buf) - got, MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && errno == EAGAIN))
			goto fail;
		if (n > 0)
			got += (size_t)n;
	}
	if (got != 3 || memcmp(buf, "OK\n", 3) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static void
stress_load_short(struct stress_load *l)
{
	int fd = stress_load_request(l, "GET\n", 0);

	if (fd < 0) {
		stress_load_bump(&l->stats->short_failed);
		return;
	}
	/* The answer has been read, so this close sends a FIN, not a RST, and
	 * this side closes first: TIME_WAIT lands here. */
	close(fd);
	stress_load_bump(&l->stats->short_done);
}

static bool
stress_load_hold(struct stress_load *l, int fd)
{
	if (l->n_held == l->cap_held) {
		int cap = l->cap_held ? 2 * l->cap_held : 64;
		int *h = realloc(l->held, (size_t)cap * sizeof(*h));

		if (h == NULL) {
			close(fd);
			return false;
		}
		l->held = h;
		l->cap_held = cap;
	}
	l->held[l->n_held++] = fd;
	return true;
}

static void
stress_load_open_long(struct stress_load *l)
{
	int fd = stress_load_request(l, "KEEP\n", 0);

	l->n_long++; /* counts attempts, so a failing server cannot spin us */
	if (fd >= 0 && stress_load_hold(l, fd))
		stress_load_set(&l->stats->long_held, l->stats->long_held + 1);
}

/* Writes until the send buffer stays full: the server's receive buffer is
 * small and never read, so its window closes and the rest stays here.  A
 * first EAGAIN can come while loopback has not yet ACKed what was sent, so
 * the buffer counts as full only when it is still full a moment later. */
static void
stress_load_open_stall(struct stress_load *l)
{
	static const char junk[4096];
	int fd = stress_load_request(l, "STALL\n", STRESS_LOAD_SMALL_BUF);
	int unsent = 0;

	l->n_stall++;
	if (fd < 0)
		return;
	for (int round = 0; round < 256; round++) {
		for (int i = 0; i < 64; i++) {
			ssize_t n = send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n < 0 && errno == EAGAIN)
				break;
			if (n < 0 && errno != EINTR) {
				close(fd);
				return;
			}
		}
		if (stress_load_poll(fd, POLLOUT, 0.02) < 0)
			break;
	}
	/* Only bytes never sent keep the FIN queued after a close. */
	if (ioctl(fd, SIOCOUTQNSD, &unsent) < 0 || unsent <= 0) {
		close(fd);
		return;
	}
	if (stress_load_hold(l, fd))
		stress_load_set(&l->stats->stalled, l->stats->stalled + 1);
}

static void
stress_load_burst_wave(struct stress_load *l)
{
	int per_wave = (l->conf->burst + STRESS_LOAD_BURST_WAVES - 1) / STRESS_LOAD_BURST_WAVES;

	for (int i = 0; i < per_wave && l->stats->burst < (uint64_t)l->conf->burst; i++) {
		int fd = stress_load_socket(l, 0, STRESS_LOAD_BURST_SYNCNT);

		if (fd >= 0 && stress_load_hold(l, fd))
			stress_load_bump(&l->stats->burst);
	}
	l->burst_waves++;
}

/* Short-connection rate now, per second; 0 when the phase makes none. */
static double
stress_load_rate(const struct stress_load *l, double now)
{
	double peak = (double)l->conf->rate;
	double frac = l->phase_len > 0 ? (now - l->phase_start) / l->phase_len : 1.0;

	if (frac > 1.0)
		frac = 1.0;
	switch (l->phase) {
	case STRESS_RAMP:
		return peak * (0.1 + 0.9 * frac);
	case STRESS_PLATEAU:
		return peak / 5 > 1.0 ? peak / 5 : 1.0;
	default:
		return 0;
	}
}

/* Does what is due now; returns how long until something else is due. */
static double
stress_load_step(struct stress_load *l, double now)
{
	double elapsed = now - l->phase_start;
	double rate = stress_load_rate(l, now);
	double wait = 0.1;

	if (l->phase == STRESS_PLATEAU) {
		double half = l->phase_len / 2;
		double want =
		    half > 0 ? l->conf->long_lived * (elapsed / half) : l->conf->long_lived;

		if (l->n_long < l->conf->long_lived && l->n_long < want)
			stress_load_open_long(l);
		if (!l->stall_done && elapsed >= half) {
			for (int i = 0; i < l->conf->stall; i++)
				stress_load_open_stall(l);
			l->stall_done = true;
		}
	}
	if (l->phase == STRESS_SYNFLOOD && l->burst_waves < STRESS_LOAD_BURST_WAVES &&
	    elapsed >= l->phase_len * l->burst_waves / STRESS_LOAD_BURST_WAVES)
		stress_load_burst_wave(l);
	if (rate > 0) {
		if (now >= l->next_short) {
			stress_load_short(l);
			/* Behind schedule (a slow moment): skip, never burst. */
			l->next_short = l->next_short + 1.0 / rate;
			if (l->next_short < now - 0.2)
				l->next_short = now;
		}
		wait = l->next_short - bench_net_now();
	}
	if (l->phase == STRESS_PLATEAU && l->n_long < l->conf->long_lived && wait > 0.01)
		wait = 0.01;
	return wait < 0 ? 0 : wait > 0.1 ? 0.1 : wait;
}

void
stress_load_main(const struct stress_load_conf *conf, int ctl_fd, struct stress_stats *stats)
{
	struct stress_load l = {.conf = conf, .stats = stats, .phase = STRESS_PHASE_COUNT};
	double wait = 0.1;

	/* Bounded by the deadline: each turn waits at most 100 ms, and one
	 * short connection at most a few STRESS_LOAD_STEP_S. */
	for (long turn = 0; turn < 100000000L; turn++) {
		struct pollfd p = {.fd = ctl_fd, .events = POLLIN};
		double now = bench_net_now();
		int r;

		if (now > conf->deadline)
			break;
		r = poll(&p, 1, (int)(wait * 1000));
		if (r < 0 && errno != EINTR)
			_exit(1);
		if (r > 0) {
			struct stress_ctl ctl;
			ssize_t n = read(ctl_fd, &ctl, sizeof(ctl));

			if (n == 0)
				_exit(0);
			if (n == (ssize_t)sizeof(ctl) && ctl.phase >= 0 &&
			    ctl.phase < STRESS_PHASE_COUNT) {
				l.phase = (enum stress_phase)ctl.phase;
				l.phase_start = bench_net_now();
				l.phase_len = ctl.seconds;
				l.next_short = l.phase_start;
			}
		}
		wait = l.phase == STRESS_PHASE_COUNT ? 0.1 : stress_load_step(&l, bench_net_now());
	}
	_exit(0);
}
