/*
 * stress_server.c - the demo server of tcpdeck-stress: a tiny line-based
 * protocol on the listeners the supervisor opened, with a deliberate leak.
 *
 * Responsible for: accepting, reading one request line per connection and
 * answering it, then acting out the request:
 *   "GET"   answer "OK", wait for the client to close, then close (the
 *           client closes first, so TIME_WAIT lands on the client side);
 *   "KEEP"  answer "OK", then discard anything sent until the client closes;
 *   "STALL" answer "OK", then never read again, so what the client sends
 *           piles up unsent in its own send queue (zero window).
 * Every leak_every-th accepted connection is leaked: when its client
 * closes, the server forgets it without close(), so it sits in CLOSE_WAIT.
 * While the supervisor says STRESS_SYNFLOOD the listeners are not polled,
 * like a server stuck in a long pause: their accept queues fill.
 *
 * Runs single-threaded in its own process, driven by epoll.  Must not
 * print, block, or outlive its deadline or the supervisor.
 */
#define _GNU_SOURCE
#include "bench_net.h"
#include "stress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum stress_conn_state {
	STRESS_CONN_FREE,
	STRESS_CONN_READING, /* request line not complete yet */
	STRESS_CONN_WAIT_EOF,
	STRESS_CONN_KEEP,
	STRESS_CONN_STALLED, /* open, never read again */
	STRESS_CONN_LEAKED,  /* client gone, never closed */
};

#define STRESS_REQ_MAX 32

struct stress_conn {
	unsigned char state;
	bool leak;
	unsigned char len;
	char req[STRESS_REQ_MAX];
};

struct stress_server {
	int ep;
	int lfd[2];
	bool accepting;
	double resume_at; /* after EMFILE: when to poll the listeners again */
	long leak_every;
	uint64_t n_accepted;
	struct stress_conn *conns; /* indexed by fd */
	int max_fd;
	struct stress_stats *stats;
};

static void
stress_server_bump(uint64_t *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static void
stress_server_listeners(struct stress_server *s, bool on)
{
	if (s->accepting == on)
		return;
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = s->lfd[i]};

		if (s->lfd[i] >= 0)
			epoll_ctl(s->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, s->lfd[i], &ev);
	}
	s->accepting = on;
}

static void
stress_server_drop(struct stress_server *s, int fd)
{
	epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	s->conns[fd].state = STRESS_CONN_FREE;
}

/* The client has closed its end. */
static void
stress_server_eof(struct stress_server *s, int fd)
{
	if (s->conns[fd].leak) {
		/* The bug being demonstrated: the fd is forgotten, not closed. */
		epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
		s->conns[fd].state = STRESS_CONN_LEAKED;
		stress_server_bump(&s->stats->leaked);
		return;
	}
	stress_server_drop(s, fd);
}

static void
stress_server_accept(struct stress_server *s, int lfd)
{
	/* A bounded batch per wake-up keeps the control pipe responsive. */
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				stress_server_listeners(s, false);
				s->resume_at = bench_net_now() + 0.1;
			}
			return;
		}
		if (fd > s->max_fd || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			continue;
		}
		s->n_accepted++;
		s->conns[fd] = (struct stress_conn){
		    .state = STRESS_CONN_READING,
		    .leak = s->leak_every > 0 && s->n_accepted % (uint64_t)s->leak_every == 0,
		};
		stress_server_bump(&s->stats->accepted);
	}
}

static void
stress_server_answer(struct stress_server *s, int fd, const char *req)
{
	struct stress_conn *c = &s->conns[fd];

	if (strcmp(req, "GET") == 0)
		c->state = STRESS_CONN_WAIT_EOF;
	else if (strcmp(req, "KEEP") == 0)
		c->state = STRESS_CONN_KEEP;
	else if (strcmp(req, "STALL") == 0)
		c->state = STRESS_CONN_STALLED;
	else {
		stress_server_drop(s, fd);
		return;
	}
	if (send(fd, "OK\n", 3, MSG_DONTWAIT | MSG_NOSIGNAL) != 3) {
		stress_server_drop(s, fd);
		return;
	}
	stress_server_bump(&s->stats->served);
	if (c->state == STRESS_CONN_STALLED)
		epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
}

static void
stress_server_readable(struct stress_server *s, int fd)
{
	struct stress_conn *c = &s->conns[fd];
	char scratch[4096];

	if (c->state == STRESS_CONN_READING) {
		ssize_t n = recv(fd, c->req + c->len, sizeof(c->req) - 1 - c->len, MSG_DONTWAIT);
		char *nl;

		if (n == 0) {
			stress_server_eof(s, fd);
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				stress_server_drop(s, fd);
			return;
		}
		c->len = (unsigned char)(c->len + n);
		c->req[c->len] = '\0';
		nl = strchr(c->req, '\n');
		if (nl != NULL) {
			*nl = '\0';
			stress_server_answer(s, fd, c->req);
		} else if (c->len >= sizeof(c->req) - 1) {
			stress_server_drop(s, fd);
		}
		return;
	}
	/* WAIT_EOF and KEEP: discard, a bounded amount per wake-up. */
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (n == 0) {
			stress_server_eof(s, fd);
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				stress_server_drop(s, fd);
			return;
		}
	}
}

/* Returns false when the supervisor has closed the pipe. */
static bool
stress_server_control(struct stress_server *s, int ctl_fd)
{
	struct stress_ctl ctl;
	ssize_t n = read(ctl_fd, &ctl, sizeof(ctl));

	if (n == 0)
		return false;
	if (n != (ssize_t)sizeof(ctl))
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	stress_server_listeners(s, ctl.phase != STRESS_SYNFLOOD);
	s->resume_at = 0;
	return true;
}

void
stress_server_main(int lfd4, int lfd6, int ctl_fd, long leak_every, double deadline,
                   struct stress_stats *stats)
{
	static struct epoll_event evs[256];
	struct stress_server s = {.lfd = {lfd4, lfd6}, .leak_every = leak_every, .stats = stats};
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ctl_fd};
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(1);
	s.max_fd = rl.rlim_cur > 65536 ? 65535 : (int)rl.rlim_cur - 1;
	s.conns = calloc((size_t)s.max_fd + 1, sizeof(*s.conns));
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.conns == NULL || s.ep < 0 || epoll_ctl(s.ep, EPOLL_CTL_ADD, ctl_fd, &ev) < 0)
		_exit(1);
	stress_server_listeners(&s, true);

	/* Bounded by the deadline; each turn waits at most 200 ms. */
	for (long turn = 0; turn < 100000000L; turn++) {
		double now = bench_net_now();
		int n;

		if (now > deadline)
			break;
		if (s.resume_at > 0 && now >= s.resume_at) {
			s.resume_at = 0;
			stress_server_listeners(&s, true);
		}
		n = epoll_wait(s.ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), 200);
		if (n < 0 && errno != EINTR)
			_exit(1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == ctl_fd) {
				if (!stress_server_control(&s, ctl_fd))
					_exit(0);
			} else if (fd == s.lfd[0] || fd == s.lfd[1]) {
				if (s.accepting)
					stress_server_accept(&s, fd);
			} else if (fd >= 0 && fd <= s.max_fd &&
			           s.conns[fd].state != STRESS_CONN_FREE) {
				stress_server_readable(&s, fd);
			}
		}
	}
	_exit(0);
}
