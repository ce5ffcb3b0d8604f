/*
 * stall.c - connections whose data stops moving, for the findings test:
 * a server that accepts and then never reads while its clients keep
 * sending, or a server that keeps writing to clients that never read.
 *
 *   tcpdeck-test-stall reader|writer N PORT
 *
 * A child process is the server: it listens on 127.0.0.1:PORT and
 * accepts N connections.  This process is the clients: N connections,
 * bound to 127.0.0.2 (reader) or 127.0.0.3 (writer), so each side has a
 * peer address of its own.
 *   reader  the server never reads; the clients send until their send
 *           buffers stay full, and keep trying every 50 ms: the server
 *           holds a Recv-Q that does not move, the clients wait on its
 *           zero window.
 *   writer  the clients never read; the server writes until its send
 *           buffers stay full, and keeps trying every 50 ms: the clients
 *           hold the Recv-Q, the server waits on their zero window.
 * Buffers are small (SO_RCVBUF, SO_SNDBUF) so the windows close after a
 * few KiB.  When both sides are in place it prints one line,
 * "ready server=PID clients=PID", and holds until SIGTERM or SIGINT, for
 * at most 120 s.  Run it in a network namespace of its own (all of
 * 127.0.0.0/8 is local there).  Exit status: 0 after holding, 1 on
 * failure (one line on stderr), 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SMALL_BUF 4096
#define HOLD_S 120
#define STEP_MS 50
#define MAX_CONNS 1000

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
die(const char *what)
{
	fprintf(stderr, "tcpdeck-test-stall: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
set_buf(int fd, int opt)
{
	int v = SMALL_BUF;

	if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)) < 0)
		die("setsockopt");
}

static struct sockaddr_in
addr_of(const char *ip, int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		die("inet_pton");
	return a;
}

/*
 * Sends on every fd until each has refused (EAGAIN) in two rounds in a
 * row, STEP_MS apart: a first refusal can come while loopback has not yet
 * acknowledged what was sent.
 */
static void
fill(const int *fds, int n)
{
	static const char junk[4096];
	int refusals[MAX_CONNS] = {0};
	int n_full = 0;

	for (int round = 0; n_full < n; round++) {
		if (round > 2000)
			die("send buffers never filled");
		n_full = 0;
		for (int i = 0; i < n; i++) {
			bool refused = false;

			for (int k = 0; k < 64 && !refused; k++) {
				ssize_t w =
				    send(fds[i], junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);

				if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
					refused = true;
				else if (w < 0 && errno != EINTR)
					die("send");
			}
			refusals[i] = refused ? refusals[i] + 1 : 0;
			n_full += refusals[i] >= 2;
		}
		if (n_full < n)
			usleep(STEP_MS * 1000);
	}
}

/* Keeps trying to send on every fd (the pattern's "keeps sending")
 * until a signal or the deadline. */
static void
keep_sending(const int *fds, int n, double deadline)
{
	static const char junk[1024];

	while (!stop && now_s() < deadline) {
		for (int i = 0; i < n; i++)
			if (send(fds[i], junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
			    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				die("send");
		usleep(STEP_MS * 1000);
	}
}

/* The server: accepts n connections on lfd, then (writer) fills them and
 * keeps writing, or (reader) holds them unread; writes one byte to
 * `ready` when in place. */
static void
serve(int lfd, int n, bool writer, int ready, double deadline)
{
	int fds[MAX_CONNS];

	for (int i = 0; i < n; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		if (fds[i] < 0)
			die("accept");
	}
	if (writer)
		fill(fds, n);
	if (write(ready, "s", 1) != 1)
		die("write");
	if (writer)
		keep_sending(fds, n, deadline);
	while (!stop && now_s() < deadline)
		usleep(STEP_MS * 1000);
	exit(0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in server, client;
	int n, port, lfd, one = 1, pipefd[2], fds[MAX_CONNS], status;
	bool writer;
	double deadline = now_s() + HOLD_S;
	struct sigaction sa;
	pid_t child;
	char c;

	if (argc != 4 || (strcmp(argv[1], "reader") != 0 && strcmp(argv[1], "writer") != 0)) {
		fprintf(stderr, "usage: tcpdeck-test-stall reader|writer N PORT\n");
		return 2;
	}
	writer = strcmp(argv[1], "writer") == 0;
	n = atoi(argv[2]);
	port = atoi(argv[3]);
	if (n < 1 || n > MAX_CONNS || port < 1 || port > 65535) {
		fprintf(stderr, "tcpdeck-test-stall: N must be 1-%d and PORT 1-65535\n", MAX_CONNS);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	server = addr_of("127.0.0.1", port);
	client = addr_of(writer ? "127.0.0.3" : "127.0.0.2", 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	/* Inherited by the accepted sockets. */
	set_buf(lfd, writer ? SO_SNDBUF : SO_RCVBUF);
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&server, sizeof(server)) < 0 || listen(lfd, n) < 0)
		die("listen");
	if (pipe(pipefd) < 0)
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		close(pipefd[0]);
		serve(lfd, n, writer, pipefd[1], deadline);
	}
	close(lfd);
	close(pipefd[1]);
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0)
			die("socket");
		set_buf(fds[i], writer ? SO_RCVBUF : SO_SNDBUF);
		if (bind(fds[i], (struct sockaddr *)&client, sizeof(client)) < 0 ||
		    connect(fds[i], (struct sockaddr *)&server, sizeof(server)) < 0)
			die("connect");
	}
	if (!writer)
		fill(fds, n);
	if (read(pipefd[0], &c, 1) != 1) {
		fprintf(stderr, "tcpdeck-test-stall: the server failed\n");
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
		return 1;
	}
	printf("ready server=%d clients=%d\n", (int)child, (int)getpid());
	fflush(stdout);
	if (!writer)
		keep_sending(fds, n, deadline);
	while (!stop && now_s() < deadline)
		usleep(STEP_MS * 1000);
	kill(child, SIGTERM);
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	return 0;
}
