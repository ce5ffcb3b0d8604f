/*
 * closer.c - a server that closes its side of N connections whose
 * clients, each on its own loopback address, do not take what it sends:
 * the pile of FIN_WAIT1 (or LAST_ACK) sockets a server shut down under
 * load leaves, spread over N peers, for the diagnoses test.
 *
 *   tcpdeck-test-closer fin_wait1|last_ack N PORT
 *
 * It listens on 127.0.0.1:PORT; client i binds 127.1.(i / 250).(i % 250
 * + 1) and connects, with a tiny receive buffer it never reads.  The
 * server fills the client's window and its own small send buffer, then
 * shutdown(SHUT_WR)s: its FIN queues behind data the client does not
 * take, so the server stays in FIN_WAIT1.  In last_ack mode the client
 * half-closes first (the server goes to CLOSE_WAIT), so the server's
 * shutdown leaves it in LAST_ACK.  The server keeps its fds: a socket
 * with an owner probes the zero window for as long as the client
 * answers (an orphan would give up after tcp_orphan_retries).  Every
 * server socket is checked with TCP_INFO, then "ready" is printed and
 * the sockets are held until a signal, for at most 120 s.  Run it in a
 * network namespace of its own (all of 127.0.0.0/8 is local there).
 * Exit status: 0 after holding, 1 on failure (one line on stderr), 2 on
 * bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SMALL_BUF 1024
#define HOLD_S 120

static int
die(const char *what)
{
	fprintf(stderr, "tcpdeck-test-closer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
set_buf(int fd, int opt)
{
	int v = SMALL_BUF;

	if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)) < 0)
		die("setsockopt");
}

static int
tcp_state(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
		die("TCP_INFO");
	return info.tcpi_state;
}

/* Waits (up to 5 s) for fd to reach state. */
static void
wait_state(int fd, int state, const char *what)
{
	for (int i = 0; i < 500; i++) {
		if (tcp_state(fd) == state)
			return;
		usleep(10000);
	}
	errno = ETIMEDOUT;
	die(what);
}

/* Writes until the send buffer is full: the client's window is closed
 * and the rest waits. */
static void
fill(int fd)
{
	static const char junk[4096];
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		die("fcntl");
	/* On loopback the window closes at once; a few tries in a row
	 * that find the buffer full make sure. */
	for (int quiet = 0; quiet < 3;) {
		if (write(fd, junk, sizeof(junk)) >= 0) {
			quiet = 0;
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			die("write");
		quiet++;
		usleep(1000);
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in server = {.sin_family = AF_INET};
	int last_ack, n, port, lfd, one = 1;
	int *fds;

	if (argc != 4 || (strcmp(argv[1], "fin_wait1") != 0 && strcmp(argv[1], "last_ack") != 0) ||
	    (n = atoi(argv[2])) < 1 || n > 10000 || (port = atoi(argv[3])) < 1 || port > 65535) {
		fprintf(stderr, "usage: tcpdeck-test-closer fin_wait1|last_ack N PORT\n");
		return 2;
	}
	last_ack = strcmp(argv[1], "last_ack") == 0;
	fds = calloc((size_t)n * 2, sizeof(*fds));
	if (fds == NULL)
		die("calloc");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGALRM, on_signal);
	alarm(HOLD_S);

	server.sin_port = htons((uint16_t)port);
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Accepted sockets inherit the small send buffer. */
	set_buf(lfd, SO_SNDBUF);
	if (bind(lfd, (struct sockaddr *)&server, sizeof(server)) < 0 || listen(lfd, 64) < 0)
		die("listen");

	for (int i = 0; i < n; i++) {
		struct sockaddr_in self = {.sin_family = AF_INET};
		int c = socket(AF_INET, SOCK_STREAM, 0), s;

		if (c < 0)
			die("socket");
		set_buf(c, SO_RCVBUF);
		self.sin_addr.s_addr =
		    htonl(0x7f010000u | (uint32_t)(i / 250) << 8 | (uint32_t)(i % 250 + 1));
		if (bind(c, (struct sockaddr *)&self, sizeof(self)) < 0)
			die("bind");
		if (connect(c, (struct sockaddr *)&server, sizeof(server)) < 0)
			die("connect");
		s = accept(lfd, NULL, NULL);
		if (s < 0)
			die("accept");
		if (last_ack) {
			if (shutdown(c, SHUT_WR) < 0)
				die("shutdown");
			wait_state(s, TCP_CLOSE_WAIT, "server never reached CLOSE_WAIT");
		}
		fill(s);
		if (shutdown(s, SHUT_WR) < 0)
			die("shutdown");
		fds[2 * i] = c;
		fds[2 * i + 1] = s;
	}
	/* The FINs are queued behind data the clients do not take. */
	usleep(300000);
	for (int i = 0; i < n; i++)
		if (tcp_state(fds[2 * i + 1]) != (last_ack ? TCP_LAST_ACK : TCP_FIN_WAIT1)) {
			errno = EPROTO;
			die(last_ack ? "a server socket left LAST_ACK"
				     : "a server socket left FIN_WAIT1");
		}
	printf("ready %d\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
