/*
 * peers.c - servers and clients whose other end misbehaves, for the
 * findings about peers (tests/findings_peers.sh): dead peers, TIME_WAIT
 * on a listening port, resets.
 *
 *   tcpdeck-test-peers serve ADDR PORT MODE [N [HOLD_S]]
 *       listens on ADDR:PORT (SO_REUSEADDR set), prints "ready", then
 *       serves every connection as MODE says:
 *         send       read what comes, and write 64 bytes to every
 *                    connection every 0.2 s;
 *         silent     read what comes, never write;
 *         keepalive  as silent, with SO_KEEPALIVE (first probe after
 *                    600 s: the timer is armed, nothing more);
 *         close      close each connection at once: the server closes
 *                    first, so TIME_WAIT lands on its port;
 *         abort      read what comes; once N connections have been held
 *                    HOLD_S seconds, close them all with SO_LINGER 0
 *                    (resets) and print "aborted N at T" (T: the
 *                    wall clock, in seconds).
 *   tcpdeck-test-peers connect FROM ADDR PORT N
 *       N connections from FROM (port chosen by the kernel) to
 *       ADDR:PORT, each sends "hello\n"; prints "ready N", then reads and
 *       discards what comes.
 *   tcpdeck-test-peers churn ADDR PORT N
 *       N times: connect, read until the server closes, close; prints
 *       "done N".
 *   tcpdeck-test-peers refuse ADDR PORT N [PARALLEL]
 *       N connection attempts to ADDR:PORT, PARALLEL (default 1) at a
 *       time; prints "first refused at T" (the wall clock, in seconds)
 *       at the first refusal and "refused K of N" (K refused with a
 *       reset) at the end.
 *   tcpdeck-test-peers bind ADDR PORT [reuseaddr]
 *       binds ADDR:PORT (with SO_REUSEADDR when asked) and listens:
 *       prints "bound" (status 0), or "EADDRINUSE" (status 3) when the
 *       port is taken.
 *
 * Every mode but bind ends by itself within 120 s, or at SIGTERM.  Exit
 * status: 0 done, 1 a system call failed (one line on stderr), 2 bad
 * usage, 3 bind refused.  For tests in a network namespace of their own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LIFETIME_S 120
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
	fprintf(stderr, "tcpdeck-test-peers: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: tcpdeck-test-peers serve ADDR PORT "
			"send|silent|keepalive|close|abort [N [HOLD_S]]\n"
			"       tcpdeck-test-peers connect FROM ADDR PORT N\n"
			"       tcpdeck-test-peers churn ADDR PORT N\n"
			"       tcpdeck-test-peers refuse ADDR PORT N [PARALLEL]\n"
			"       tcpdeck-test-peers bind ADDR PORT [reuseaddr]\n");
	exit(2);
}

/* Wall-clock seconds: what the test compares with tcpdeck's sample
 * times. */
static double
wall_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct sockaddr_in
address(const char *addr, const char *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char *end;
	long p = strtol(port, &end, 10);

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || *end != '\0' || p < 0 || p > 65535)
		usage();
	sa.sin_port = htons((uint16_t)p);
	return sa;
}

static long
number(const char *s, long max)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end != '\0' || n < 1 || n > max)
		usage();
	return n;
}

/* One line on stdout, at once: the test waits for it. */
#define SAY(...)                                                                                   \
	do {                                                                                       \
		printf(__VA_ARGS__);                                                               \
		fflush(stdout);                                                                    \
	} while (0)

/* ------------------------------------------------------------ serve */

static int
serve(const struct sockaddr_in *sa, const char *mode, long n, double hold)
{
	int conns[MAX_CONNS], n_conns = 0, one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);
	bool send_mode = strcmp(mode, "send") == 0, close_mode = strcmp(mode, "close") == 0;
	bool abort_mode = strcmp(mode, "abort") == 0, keepalive = strcmp(mode, "keepalive") == 0;
	double deadline = now_s() + LIFETIME_S, next_send = 0, full_at = -1;
	bool aborted = false;

	if (!send_mode && !close_mode && !abort_mode && !keepalive && strcmp(mode, "silent") != 0)
		usage();
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("SO_REUSEADDR");
	if (bind(lfd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		die("bind");
	if (listen(lfd, 128) < 0)
		die("listen");
	SAY("ready\n");
	while (!stop && now_s() < deadline) {
		struct pollfd pfd[MAX_CONNS + 1];
		char buf[4096];

		pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (int i = 0; i < n_conns; i++)
			pfd[i + 1] = (struct pollfd){.fd = conns[i], .events = POLLIN};
		if (poll(pfd, (nfds_t)n_conns + 1, 50) < 0 && errno != EINTR)
			die("poll");
		/* Newest last: walk down so removing one keeps the others. */
		for (int i = n_conns - 1; i >= 0; i--) {
			ssize_t got;

			if (!(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(conns[i], buf, sizeof(buf));
			if (got > 0 || (got < 0 && errno == EAGAIN))
				continue;
			close(conns[i]);
			conns[i] = conns[--n_conns];
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0)
				die("accept");
			if (close_mode || n_conns == MAX_CONNS) {
				close(fd);
			} else {
				if (keepalive) {
					int idle = 600;

					if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one,
						       sizeof(one)) < 0 ||
					    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
						       sizeof(idle)) < 0)
						die("SO_KEEPALIVE");
				}
				if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
					die("fcntl");
				conns[n_conns++] = fd;
				if (abort_mode && n_conns >= n && full_at < 0)
					full_at = now_s();
			}
		}
		if (send_mode && now_s() >= next_send) {
			memset(buf, 'x', 64);
			for (int i = 0; i < n_conns; i++)
				if (write(conns[i], buf, 64) < 0 && errno != EAGAIN)
					die("write");
			next_send = now_s() + 0.2;
		}
		if (abort_mode && !aborted && full_at >= 0 && now_s() >= full_at + hold) {
			struct linger lg = {.l_onoff = 1, .l_linger = 0};

			for (int i = 0; i < n_conns; i++) {
				if (setsockopt(conns[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
					die("SO_LINGER");
				close(conns[i]);
			}
			SAY("aborted %d at %.3f\n", n_conns, wall_s());
			n_conns = 0;
			aborted = true;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ clients */

static int
connect_from(const char *from, const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (from != NULL) {
		struct sockaddr_in local = {.sin_family = AF_INET};

		if (inet_pton(AF_INET, from, &local.sin_addr) != 1)
			usage();
		if (bind(fd, (const struct sockaddr *)&local, sizeof(local)) < 0)
			die("bind");
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -1;
	return fd;
}

static int
hold_clients(const char *from, const struct sockaddr_in *sa, long n)
{
	struct pollfd pfd[MAX_CONNS];
	double deadline = now_s() + LIFETIME_S;

	if (n > MAX_CONNS)
		usage();
	for (long i = 0; i < n; i++) {
		int fd = connect_from(from, sa);

		if (fd < 0)
			die("connect");
		if (write(fd, "hello\n", 6) != 6)
			die("write");
		pfd[i] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	SAY("ready %ld\n", n);
	while (!stop && now_s() < deadline) {
		char buf[4096];

		if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
			die("poll");
		for (long i = 0; i < n; i++)
			if (pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    read(pfd[i].fd, buf, sizeof(buf)) <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
	}
	return 0;
}

static int
churn(const struct sockaddr_in *sa, long n)
{
	for (long i = 0; i < n && !stop; i++) {
		char buf[256];
		int fd = connect_from(NULL, sa);

		if (fd < 0)
			die("connect");
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	SAY("done %ld\n", n);
	return 0;
}

/* N attempts, `parallel` of them in flight at a time (non-blocking
 * connects, completed by poll()). */
static int
refuse(const struct sockaddr_in *sa, long n, long parallel)
{
	struct pollfd pfd[MAX_CONNS];
	long started = 0, done = 0, refused = 0, said = 0;
	double deadline = now_s() + LIFETIME_S;

	for (long i = 0; i < parallel; i++)
		pfd[i].fd = -1;
	while (done < n && !stop && now_s() < deadline) {
		for (long i = 0; i < parallel && started < n; i++) {
			if (pfd[i].fd >= 0)
				continue;
			pfd[i] = (struct pollfd){.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
						 .events = POLLOUT};
			if (pfd[i].fd < 0)
				die("socket");
			started++;
			if (connect(pfd[i].fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
			    errno != EINPROGRESS) {
				refused += errno == ECONNREFUSED;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				done++;
			}
		}
		if (poll(pfd, (nfds_t)parallel, 100) < 0 && errno != EINTR)
			die("poll");
		for (long i = 0; i < parallel; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLOUT | POLLERR | POLLHUP)))
				continue;
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				die("SO_ERROR");
			refused += err == ECONNREFUSED;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			done++;
		}
		if (refused > 0 && !said++)
			SAY("first refused at %.3f\n", wall_s());
	}
	SAY("refused %ld of %ld\n", refused, n);
	return 0;
}

static int
bind_only(const struct sockaddr_in *sa, bool reuseaddr)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (reuseaddr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("SO_REUSEADDR");
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		if (errno != EADDRINUSE)
			die("bind");
		SAY("EADDRINUSE\n");
		return 3;
	}
	if (listen(fd, 16) < 0)
		die("listen");
	SAY("bound\n");
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct sockaddr_in to;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 5 && strcmp(argv[1], "serve") == 0 && argc <= 7) {
		to = address(argv[2], argv[3]);
		return serve(&to, argv[4], argc > 5 ? number(argv[5], MAX_CONNS) : 1,
			     argc > 6 ? (double)number(argv[6], 60) : 1);
	}
	if (argc == 6 && strcmp(argv[1], "connect") == 0) {
		to = address(argv[3], argv[4]);
		return hold_clients(argv[2], &to, number(argv[5], MAX_CONNS));
	}
	if (argc == 5 && strcmp(argv[1], "churn") == 0) {
		to = address(argv[2], argv[3]);
		return churn(&to, number(argv[4], 100000));
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "refuse") == 0) {
		to = address(argv[2], argv[3]);
		return refuse(&to, number(argv[4], 100000), argc == 6 ? number(argv[5], MAX_CONNS) : 1);
	}
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "bind") == 0) {
		if (argc == 5 && strcmp(argv[4], "reuseaddr") != 0)
			usage();
		to = address(argv[2], argv[3]);
		return bind_only(&to, argc == 5);
	}
	usage();
	return 2;
}
