/*
 * nshold.c - tcpdeck-test-nshold: sockets in a network namespace that no
 * process is inside, for tests/netns_all.sh.
 *
 *   tcpdeck-test-nshold NSFILE PORT N
 *
 * Enters the namespace NSFILE (a bind mount such as the ones `ip netns`
 * or `unshare --net=FILE` make), listens on 127.0.0.1:PORT there, makes
 * N connections to itself and accepts them, then goes back to the
 * namespace it started in.  The sockets stay where they were made, so the
 * namespace is held by its bind mount alone while a process elsewhere
 * owns sockets in it: what `ss -tanp` run inside it shows, and what a
 * tool that looks only at the processes inside would miss.  Prints
 * "ready PID" and holds until a signal, for at most 120 s.  The loopback
 * of NSFILE must be up.
 *
 * Single-threaded (setns needs that).  Must not: wait without a bound or
 * touch anything but loopback sockets in NSFILE.  Exit status: 0 after
 * holding, 1 on failure (one line on stderr), 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NSHOLD_HOLD_S 120
#define NSHOLD_MAX_CONNS 100

static void
nshold_wake(int sig)
{
	(void)sig;
}

static int
nshold_fail(const char *what)
{
	fprintf(stderr, "tcpdeck-test-nshold: %s: %s\n", what, strerror(errno));
	return 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	int home, there, lfd, port, n, one = 1;

	if (argc != 4 || (port = atoi(argv[2])) < 1 || port > 65535 || (n = atoi(argv[3])) < 0 ||
	    n > NSHOLD_MAX_CONNS) {
		fprintf(stderr, "usage: tcpdeck-test-nshold NSFILE PORT N (0 to %d)\n",
			NSHOLD_MAX_CONNS);
		return 2;
	}
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return nshold_fail("/proc/self/ns/net");
	there = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (there < 0)
		return nshold_fail(argv[1]);
	if (setns(there, CLONE_NEWNET) < 0)
		return nshold_fail("setns into NSFILE");

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 64) < 0)
		return nshold_fail("listen");
	for (int i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    accept(lfd, NULL, NULL) < 0)
			return nshold_fail("connect/accept");
	}

	/* Back home: from now on no process is inside NSFILE's namespace. */
	if (setns(home, CLONE_NEWNET) < 0)
		return nshold_fail("setns back");
	close(home);
	close(there);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	signal(SIGALRM, nshold_wake);
	signal(SIGTERM, nshold_wake);
	alarm(NSHOLD_HOLD_S);
	pause();
	return 0;
}
