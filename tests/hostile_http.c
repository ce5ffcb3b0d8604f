/*
 * hostile_http.c - clients that misbehave towards an HTTP server, for
 * prometheus_hostile.sh.  A test helper: it prints what it saw on
 * standard output and never outlives its time bound.
 *
 *   idle ADDR PORT N SECONDS     open N connections, send nothing, hold
 *                                them; prints "ready OPENED" once connected
 *                                and "open STILL_OPEN" at the end
 *   slow ADDR PORT N SECONDS     N connections sending a request header
 *                                one byte a second; prints "ready OPENED",
 *                                "held STILL_OPEN" after 5 s and
 *                                "open STILL_OPEN" at the end
 *   bigline ADDR PORT BYTES      a request line of BYTES bytes; prints the
 *                                status line of the answer or "closed"
 *   garbage ADDR PORT            binary garbage; prints the answer's status
 *                                line or "closed"
 *   bcrypt PASSWORD [COST]       prints a bcrypt hash of PASSWORD (cost 5 or
 *                                COST), made by crypt(3), for web
 *                                configurations
 *
 * With HOSTILE_SOURCE=ADDR in the environment, every connection is made
 * from that local address (127.0.0.2: another client than 127.0.0.1).
 *
 * Single-threaded; IPv4 only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in target;
static struct sockaddr_in source; /* sin_family 0: any */

static int
connect_one(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (source.sin_family == AF_INET &&
	    bind(fd, (struct sockaddr *)&source, sizeof(source)) < 0) {
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&target, sizeof(target)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server has closed fd (EOF or reset seen). */
static int
is_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Prints the first line the server answers within 5 s, or "closed". */
static void
print_answer(int fd)
{
	char buf[256];
	size_t len = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (len < sizeof(buf) - 1 && poll(&p, 1, 5000) > 0) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf("%s\n", len > 0 ? buf : "closed");
}

/* Sends all of buf; stops quietly when the server closes. */
static size_t
send_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

int
main(int argc, char **argv)
{
	struct rlimit rl;

	if ((argc == 3 || argc == 4) && strcmp(argv[1], "bcrypt") == 0) {
		char salt[64];
		const char *h;

		snprintf(salt, sizeof(salt), "$2b$%02d$tcpdeckTestSaltTcpdeck",
			 argc == 4 ? atoi(argv[3]) : 5);
		h = crypt(argv[2], salt);

		if (h == NULL || h[0] != '$')
			return 1;
		printf("%s\n", h);
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: %s idle|slow|bigline|garbage ADDR PORT [N SECONDS|BYTES]\n",
			argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", argv[2]);
		return 2;
	}
	if (getenv("HOSTILE_SOURCE") != NULL) {
		source.sin_family = AF_INET;
		if (inet_pton(AF_INET, getenv("HOSTILE_SOURCE"), &source.sin_addr) != 1) {
			fprintf(stderr, "bad HOSTILE_SOURCE %s\n", getenv("HOSTILE_SOURCE"));
			return 2;
		}
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if ((strcmp(argv[1], "idle") == 0 || strcmp(argv[1], "slow") == 0) && argc == 6) {
		int n = atoi(argv[4]), secs = atoi(argv[5]), opened = 0, open_now = 0;
		int *fds = calloc((size_t)n, sizeof(*fds));
		bool slow = strcmp(argv[1], "slow") == 0;
		static const char header[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
		time_t end = time(NULL) + secs;

		if (fds == NULL)
			return 1;
		for (int i = 0; i < n; i++) {
			fds[i] = connect_one();
			opened += fds[i] >= 0;
		}
		printf("ready %d\n", opened);
		for (int tick = 0; time(NULL) < end; tick++) {
			sleep(1);
			if (!slow)
				continue;
			if (tick == 4) {
				int held = 0;

				for (int i = 0; i < n; i++)
					held += fds[i] >= 0 && !is_closed(fds[i]);
				printf("held %d\n", held);
			}
			for (int i = 0; i < n; i++) {
				char c = tick < (int)sizeof(header) - 1 ? header[tick] : 'a';

				if (fds[i] >= 0 && send(fds[i], &c, 1, MSG_NOSIGNAL) != 1) {
					close(fds[i]);
					fds[i] = -1;
				}
			}
		}
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0) {
				open_now += !is_closed(fds[i]);
				close(fds[i]);
			}
		printf("open %d\n", open_now);
		free(fds);
		return 0;
	}
	if (strcmp(argv[1], "bigline") == 0 && argc == 5) {
		size_t bytes = strtoul(argv[4], NULL, 10);
		char *line = malloc(bytes + 32);
		int fd = connect_one();

		if (line == NULL || fd < 0)
			return 1;
		memcpy(line, "GET /", 5);
		memset(line + 5, 'a', bytes);
		memcpy(line + 5 + bytes, " HTTP/1.1\r\n\r\n", 13);
		send_all(fd, line, bytes + 18);
		print_answer(fd);
		close(fd);
		free(line);
		return 0;
	}
	if (strcmp(argv[1], "garbage") == 0 && argc == 4) {
		unsigned char buf[4096];
		int fd = connect_one();
		unsigned int x = 12345;

		if (fd < 0)
			return 1;
		for (size_t i = 0; i < sizeof(buf); i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (unsigned char)(x >> 16);
		}
		buf[sizeof(buf) - 4] = '\r';
		buf[sizeof(buf) - 3] = '\n';
		buf[sizeof(buf) - 2] = '\r';
		buf[sizeof(buf) - 1] = '\n';
		send_all(fd, (const char *)buf, sizeof(buf));
		print_answer(fd);
		close(fd);
		return 0;
	}
	fprintf(stderr, "bad arguments\n");
	return 2;
}
