/*
 * churn.c - short connections for the closed-connection test: a server
 * that accepts, writes a known payload and closes, and a client that
 * connects, reads to the end and closes, N times in a row, each lasting
 * a few milliseconds.  Or a flood: N connections opened and held, then
 * all closed at once, so the kernel announces 2N closes in one burst.
 *
 *   tcpdeck-test-churn seq|flood 4|6 PORT N PAYLOAD [RATE]
 *
 * It listens on 127.0.0.1:PORT (4) or [::1]:PORT (6).  In seq mode each
 * connection is made, served and closed before the next; in flood mode
 * the server writes the payload on every connection while all are open,
 * then every socket is closed.  With RATE (seq only), connection i starts
 * i / RATE seconds after the first, for benchmarks (bench/run-events.sh).
 * The listener is closed last.  Prints
 * "done N" and exits 0; 1 on failure (one line on stderr), 2 on bad
 * usage.  Run it in a network namespace of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int
die(const char *what)
{
	fprintf(stderr, "tcpdeck-test-churn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t
address(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
}

static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write");
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads until the peer closes; returns the bytes read. */
static size_t
read_to_end(int fd)
{
	char buf[4096];
	size_t total = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			return total;
		total += (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family, port, n, lfd, one = 1;
	size_t payload;
	char *data;
	int *clients, *servers;

	double rate = argc == 7 ? atof(argv[6]) : 0;
	struct timespec start;

	if ((argc != 6 && argc != 7) || (strcmp(argv[1], "seq") != 0 && strcmp(argv[1], "flood") != 0)) {
		fprintf(stderr, "usage: tcpdeck-test-churn seq|flood 4|6 PORT N PAYLOAD [RATE]\n");
		return 2;
	}
	family = atoi(argv[2]);
	port = atoi(argv[3]);
	n = atoi(argv[4]);
	payload = (size_t)atol(argv[5]);
	if ((family != 4 && family != 6) || port <= 0 || port > 65535 || n <= 0 || n > 100000 ||
	    payload > 1000000) {
		fprintf(stderr, "tcpdeck-test-churn: bad arguments\n");
		return 2;
	}
	data = malloc(payload + 1);
	clients = calloc((size_t)n, sizeof(int));
	servers = calloc((size_t)n, sizeof(int));
	if (data == NULL || clients == NULL || servers == NULL)
		die("malloc");
	memset(data, 'x', payload);
	len = address(family, port, &ss);
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 4096) < 0)
		die("listen");
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; i < n; i++) {
		if (rate > 0) {
			double at = (double)i / rate;
			struct timespec t = start;

			t.tv_sec += (time_t)at;
			t.tv_nsec += (long)((at - (double)(time_t)at) * 1e9);
			if (t.tv_nsec >= 1000000000l) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000l;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		}
		clients[i] = socket(ss.ss_family, SOCK_STREAM, 0);
		if (clients[i] < 0 || connect(clients[i], (struct sockaddr *)&ss, len) < 0)
			die("connect");
		servers[i] = accept(lfd, NULL, NULL);
		if (servers[i] < 0)
			die("accept");
		if (strcmp(argv[1], "seq") == 0) {
			write_all(servers[i], data, payload);
			close(servers[i]);
			if (read_to_end(clients[i]) != payload) {
				fprintf(stderr, "tcpdeck-test-churn: short read\n");
				return 1;
			}
			close(clients[i]);
		}
	}
	if (strcmp(argv[1], "flood") == 0) {
		for (int i = 0; i < n; i++) {
			write_all(servers[i], data, payload);
			close(servers[i]);
		}
		for (int i = 0; i < n; i++) {
			if (read_to_end(clients[i]) != payload) {
				fprintf(stderr, "tcpdeck-test-churn: short read\n");
				return 1;
			}
			close(clients[i]);
		}
	}
	close(lfd);
	printf("done %d\n", n);
	free(data);
	free(clients);
	free(servers);
	return 0;
}
