/*
 * fdhog.c - a server that runs out of file descriptors, for the
 * descriptor-limit finding's test (findings_limits.sh).
 *
 * Run it under a small soft limit (ulimit -Sn 64).  It listens on
 * 127.0.0.1:PORT with backlog -b (default 32) and forks a client that
 * raises its own soft limit to the hard one and makes CONNECTIONS
 * connections; the server accepts them until accept() fails with EMFILE,
 * then stops accepting, so the rest wait in its accept queue.  Once the
 * client is done it prints "ready accepted=A queued=Q emfile=0|1" and
 * holds everything.  SIGUSR1 makes it close every accepted connection (its
 * descriptors fall back to the few it started with); SIGTERM ends it and
 * its client.  Bounded: both exit by themselves after 120 s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FDHOG_LIFETIME_S 120

static volatile sig_atomic_t release;

static void
on_usr1(int sig)
{
	(void)sig;
	release = 1;
}

static int
die(const char *what)
{
	fprintf(stderr, "tcpdeck-test-fdhog: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The client: unlimited by the server's ulimit, one connection at a time,
 * each completed (in the accept queue or accepted) before the next. */
static void
client(const struct sockaddr_in *addr, int conns, int done_fd)
{
	struct rlimit rl;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (int i = 0; i < conns; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (c < 0 || connect(c, (const struct sockaddr *)addr, sizeof(*addr)) < 0) {
			perror("tcpdeck-test-fdhog: client connect");
			_exit(1);
		}
	}
	if (write(done_fd, "d", 1) != 1)
		_exit(1);
	sleep(FDHOG_LIFETIME_S);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in addr;
	int backlog = 32, opt, conns, lfd, one = 1, done[2], accepted = 0, emfile = 0;
	int *held;
	pid_t child;
	time_t end;

	while ((opt = getopt(argc, argv, "b:")) != -1) {
		if (opt != 'b')
			return 2;
		backlog = atoi(optarg);
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: tcpdeck-test-fdhog [-b BACKLOG] PORT CONNECTIONS\n");
		return 2;
	}
	conns = atoi(argv[optind + 1]);
	held = calloc((size_t)conns + 1, sizeof(*held));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(argv[optind]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (held == NULL || lfd < 0)
		return die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, backlog) < 0)
		return die("bind/listen");
	if (pipe2(done, O_CLOEXEC) < 0)
		return die("pipe");
	child = fork();
	if (child < 0)
		return die("fork");
	if (child == 0) {
		close(lfd);
		close(done[0]);
		client(&addr, conns, done[1]);
	}
	close(done[1]);
	signal(SIGUSR1, on_usr1);
	end = time(NULL) + FDHOG_LIFETIME_S;
	/* Accept until the descriptors run out, and until the client is
	 * done. */
	for (;;) {
		struct pollfd pfd[2] = {{.fd = done[0], .events = POLLIN},
		                        {.fd = lfd, .events = POLLIN}};
		char c;

		if (time(NULL) > end) {
			fprintf(stderr, "tcpdeck-test-fdhog: the client never finished\n");
			kill(child, SIGTERM);
			return 1;
		}
		if (poll(pfd, emfile ? 1 : 2, 1000) < 0 && errno != EINTR)
			return die("poll");
		if (!emfile && (pfd[1].revents & POLLIN)) {
			int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (s >= 0)
				held[accepted++] = s;
			else if (errno == EMFILE)
				emfile = 1; /* what a server at its limit meets */
			else if (errno != EINTR && errno != EAGAIN)
				return die("accept");
			continue;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			if (read(done[0], &c, 1) != 1) {
				fprintf(stderr, "tcpdeck-test-fdhog: the client failed\n");
				return 1;
			}
			break;
		}
	}
	printf("ready accepted=%d queued=%d emfile=%d\n", accepted, conns - accepted, emfile);
	fflush(stdout);
	while (time(NULL) < end) {
		if (release) {
			release = 0;
			for (int i = 0; i < accepted; i++)
				close(held[i]);
			accepted = 0;
			printf("released\n");
			fflush(stdout);
		}
		sleep(1);
	}
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	return 0;
}
