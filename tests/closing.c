/*
 * closing.c - tcpdeck-test-closing: holds TCP connections in CLOSING on
 * loopback, the one state tcpdeck-sockgen does not make, for
 * tools/make-ssdumps.
 *
 * Responsible for: N simultaneous closes per address family (127.0.0.1
 * and ::1), each leaving one socket in CLOSING and its peer in FIN_WAIT2,
 * checked with TCP_INFO before "ready" is printed; then holding them
 * until killed.
 *
 * How: the server's receive buffer (set on the listener, inherited by the
 * accepted socket) and the client's send buffer are tiny.  The client
 * fills the closed window and half-closes: its FIN waits behind unsendable
 * data, so it is in FIN_WAIT1.  The server then half-closes; its FIN
 * reaches a client in FIN_WAIT1, which ACKs it and enters CLOSING (a
 * simultaneous close), while the server, its FIN acknowledged, enters
 * FIN_WAIT2.  The server never reads, so the client's data and FIN never
 * go out and nothing moves on.  Both keep their fds, so neither is an
 * orphan that the kernel would give up on.
 *
 * Single-threaded.  Must not: wait without a bound (it exits by itself
 * after the hold time, 120 s unless -t says otherwise) or touch anything
 * but loopback sockets in the current network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Asks for the smallest buffers the kernel allows (it doubles and clamps). */
#define CLOSING_SMALL_BUF 1024

static int
closing_fail(const char *what)
{
	fprintf(stderr, "tcpdeck-test-closing: %s: %s\n", what, strerror(errno));
	return -1;
}

static socklen_t
closing_loopback(int af, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		return sizeof(*a6);
	}
	a4->sin_family = AF_INET;
	a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a4);
}

static int
closing_tcp_state(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
		return -1;
	return info.tcpi_state;
}

/* Waits (at most 5 s) until fd is in state; loopback takes microseconds. */
static int
closing_wait_state(int fd, int state, const char *who)
{
	for (int i = 0; i < 500; i++) {
		if (closing_tcp_state(fd) == state)
			return 0;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	fprintf(stderr, "tcpdeck-test-closing: the %s stays in TCP state %d, expected %d\n", who,
	        closing_tcp_state(fd), state);
	return -1;
}

/* Writes until the send buffer and the peer's window are full. */
static int
closing_fill(int fd)
{
	static const char junk[4096];

	for (int i = 0; i < 4096; i++) {
		ssize_t n = send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno != EINTR)
			return closing_fail("send");
	}
	fprintf(stderr, "tcpdeck-test-closing: send never blocked after 16 MiB\n");
	return -1;
}

/* One connection in CLOSING (client) and FIN_WAIT2 (server); the fds are
 * left open on purpose. */
static int
closing_make(int af)
{
	struct sockaddr_storage ss;
	socklen_t len = closing_loopback(af, &ss);
	int small = CLOSING_SMALL_BUF, lfd, c, s;

	lfd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
	    bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
		return closing_fail("listener");
	c = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) < 0 ||
	    connect(c, (struct sockaddr *)&ss, len) < 0)
		return closing_fail("connect");
	s = accept(lfd, NULL, NULL);
	if (s < 0)
		return closing_fail("accept");
	close(lfd);
	if (closing_fill(c) < 0)
		return -1;
	if (shutdown(c, SHUT_WR) < 0)
		return closing_fail("shutdown (client)");
	if (closing_wait_state(c, TCP_FIN_WAIT1, "client") < 0)
		return -1;
	if (shutdown(s, SHUT_WR) < 0)
		return closing_fail("shutdown (server)");
	if (closing_wait_state(c, TCP_CLOSING, "client") < 0 ||
	    closing_wait_state(s, TCP_FIN_WAIT2, "server") < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	int opt, v4 = 0, v6 = 0, hold = 120, n;

	while ((opt = getopt(argc, argv, "46t:")) != -1) {
		if (opt == '4')
			v4 = 1;
		else if (opt == '6')
			v6 = 1;
		else if (opt == 't' && atoi(optarg) > 0 && atoi(optarg) <= 3600)
			hold = atoi(optarg);
		else
			goto usage;
	}
	if (argc - optind != 1 || (n = atoi(argv[optind])) < 1 || n > 1000)
		goto usage;
	if (!v4 && !v6)
		v4 = v6 = 1;
	for (int i = 0; i < n; i++)
		if ((v4 && closing_make(AF_INET) < 0) || (v6 && closing_make(AF_INET6) < 0))
			return 1;
	printf("ready CLOSING=%d FIN_WAIT2=%d\n", n * (v4 + v6), n * (v4 + v6));
	fflush(stdout);
	alarm((unsigned)hold);
	pause();
	return 0;
usage:
	fprintf(stderr, "usage: tcpdeck-test-closing [-4] [-6] [-t HOLD_SECONDS] N (1 to 1000)\n");
	return 2;
}
