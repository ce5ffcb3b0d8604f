/*
 * listener.c - a process that owns known sockets, for the attribution
 * tests: it listens on a given port (IPv4 127.0.0.1 or IPv6 ::1), makes
 * N connections to itself and accepts them, prints "ready" and waits to
 * be killed.  With -f it forks first, so parent and child share every
 * socket.  -b sets the listen backlog (64) and -q makes that many more
 * connections that are left in the accept queue.  Bounded: it exits by
 * itself after 120 s.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
make_addr(int v6, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	}
	return v6 ? AF_INET6 : AF_INET;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int v6 = 0, share = 0, backlog = 64, queued = 0, opt, port, conns, family, lfd, one = 1;

	while ((opt = getopt(argc, argv, "6fb:q:")) != -1) {
		if (opt == '6')
			v6 = 1;
		else if (opt == 'f')
			share = 1;
		else if (opt == 'b')
			backlog = atoi(optarg);
		else if (opt == 'q')
			queued = atoi(optarg);
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: listener [-6] [-f] [-b BACKLOG] [-q QUEUED] PORT CONNECTIONS\n");
		return 2;
	}
	port = atoi(argv[optind]);
	conns = atoi(argv[optind + 1]);
	family = make_addr(v6, port, &ss, &len);
	lfd = socket(family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, backlog) < 0) {
		perror("listener: bind/listen");
		return 1;
	}
	for (int i = 0; i < conns; i++) {
		int c = socket(family, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&ss, len) < 0 || accept(lfd, NULL, NULL) < 0) {
			perror("listener: connect/accept");
			return 1;
		}
	}
	for (int i = 0; i < queued; i++) {
		int c = socket(family, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&ss, len) < 0) {
			perror("listener: connect");
			return 1;
		}
	}
	if (share && fork() < 0) {
		perror("listener: fork");
		return 1;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	alarm(120);
	pause();
	return 0;
}
