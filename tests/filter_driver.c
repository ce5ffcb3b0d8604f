/*
 * filter_driver.c - tcpdeck-filter-check: the filter differential test's
 * helper.
 *
 *   tcpdeck-filter-check EXPR...
 *       Takes one sample with the live source (the one tcpdeck uses) and
 *       prints the sockets the filter selects, one "STATE LOCAL PEER" line
 *       each ("ESTABLISHED 127.0.0.1:22 127.0.0.1:40000", IPv6 addresses
 *       in brackets, port 0 as 0).  A hint goes to stderr as "hint: ...".
 *       Exit 0; 2 for a filter error (the message on stderr); 1 when the
 *       sample fails.
 *
 *   tcpdeck-filter-check --hold SECONDS
 *       Fills the current network namespace with sockets that ss's filter
 *       rules treat in unusual ways: wildcard listeners (IPv4, dual-stack
 *       IPv6, IPv6-only), IPv4-mapped sockets on both ends, sockets bound to
 *       an interface, a kernel-chosen listening port, half-closed and
 *       time-wait pairs on both sides.  Expects 10.1.2.3/8 and 2001:db8::1
 *       on lo.  Prints "ready" and holds them until killed or SECONDS pass.
 *       Every client port is chosen by the kernel (see filter.h on
 *       autobound).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filter.h"
#include "snapshot.h"
#include "source.h"
#include "tcp_state.h"

static void
format_end(const struct sock_entry *e, int remote, char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(e->family, remote ? e->remote_addr : e->local_addr, addr, sizeof(addr));
	snprintf(out, len, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 remote ? e->remote_port : e->local_port);
}

static int
check(int argc, char **argv)
{
	char *expr = filter_join_args(argc, argv);
	char *error = NULL, cause[256];
	size_t pos = 0;
	struct filter *f;
	struct source src = {0};
	struct snapshot *snap;
	int rc;

	if (expr == NULL) {
		perror("tcpdeck-filter-check");
		return 1;
	}
	f = filter_parse(expr, &error, &pos);
	free(expr);
	if (f == NULL) {
		fprintf(stderr, "%s\n", error != NULL ? error : "filter: out of memory");
		free(error);
		return 2;
	}
	if (filter_hint(f) != NULL)
		fprintf(stderr, "hint: %s\n", filter_hint(f));
	snap = snapshot_new(1024);
	if (snap == NULL || source_live_open(&src, cause, sizeof(cause)) < 0 ||
	    (rc = src.ops->sample(src.state, snap, cause, sizeof(cause))) != 0) {
		fprintf(stderr, "tcpdeck-filter-check: %s\n", snap == NULL ? "out of memory" : cause);
		source_close(&src);
		snapshot_unref(snap);
		filter_free(f);
		return 1;
	}
	snapshot_seal(snap);
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		char local[64], peer[64];

		if (!filter_match(f, e))
			continue;
		format_end(e, 0, local, sizeof(local));
		format_end(e, 1, peer, sizeof(peer));
		printf("%s %s %s\n", tcp_state_name(e->state), local, peer);
	}
	source_close(&src);
	snapshot_unref(snap);
	filter_free(f);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- --hold: the socket zoo ---- */

static void
die(const char *what)
{
	fprintf(stderr, "tcpdeck-filter-check --hold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t
make_addr(const char *text, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1)
			die(text);
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, text, &a->sin_addr) != 1)
			die(text);
		return sizeof(*a);
	}
}

/* v6only: -1 leaves the default.  Returns the fd; *port gets the port. */
static int
zoo_listen(const char *addr, int port, int v6only, const char *dev, int *bound_port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6only >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
		die("IPV6_V6ONLY");
	if (dev != NULL && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0)
		die("SO_BINDTODEVICE");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "bind %s port %d: ", addr, port);
		die("bind");
	}
	if (listen(fd, 16) < 0)
		die("listen");
	if (bound_port != NULL) {
		len = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &len);
		*bound_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

/* Connects a socket of family to addr:port (kernel-chosen source port) and
 * accepts it on lfd; returns the client, *server the accepted end. */
static int
zoo_connect(int family, const char *addr, int port, const char *dev, int lfd, int *server)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (dev != NULL && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0)
		die("SO_BINDTODEVICE");
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "connect %s port %d: ", addr, port);
		die("connect");
	}
	*server = accept(lfd, NULL, NULL);
	if (*server < 0)
		die("accept");
	return fd;
}

static int
hold(const char *seconds)
{
	int l8080, l8443, l8081, l22, l80, l9000, l9001, lauto, auto_port, s;
	int c;

	l8080 = zoo_listen("0.0.0.0", 8080, -1, NULL, NULL);
	l8443 = zoo_listen("::", 8443, 0, NULL, NULL);
	l8081 = zoo_listen("::", 8081, 1, NULL, NULL);
	l22 = zoo_listen("127.0.0.1", 22, -1, NULL, NULL);
	l80 = zoo_listen("::1", 80, -1, NULL, NULL);
	l9000 = zoo_listen("10.1.2.3", 9000, -1, "lo", NULL);
	l9001 = zoo_listen("2001:db8::1", 9001, -1, NULL, NULL);
	lauto = zoo_listen("0.0.0.0", 0, -1, NULL, &auto_port);

	zoo_connect(AF_INET, "127.0.0.1", 8080, NULL, l8080, &s);
	zoo_connect(AF_INET6, "::ffff:127.0.0.1", 8080, NULL, l8080, &s); /* mapped client */
	zoo_connect(AF_INET, "127.0.0.1", 8443, NULL, l8443, &s);        /* mapped server */
	zoo_connect(AF_INET6, "::1", 8443, NULL, l8443, &s);
	zoo_connect(AF_INET6, "::1", 8081, NULL, l8081, &s);
	zoo_connect(AF_INET, "127.0.0.1", 22, NULL, l22, &s);
	zoo_connect(AF_INET6, "::1", 80, NULL, l80, &s);
	zoo_connect(AF_INET, "10.1.2.3", 9000, NULL, l9000, &s);
	zoo_connect(AF_INET6, "2001:db8::1", 9001, "lo", l9001, &s);
	zoo_connect(AF_INET, "127.0.0.1", auto_port, NULL, lauto, &s);

	/* Half-closed: the client's FIN leaves it in FIN_WAIT2 and the
	 * server in CLOSE_WAIT. */
	c = zoo_connect(AF_INET, "10.1.2.3", 9000, NULL, l9000, &s);
	shutdown(c, SHUT_WR);
	c = zoo_connect(AF_INET6, "::1", 8443, NULL, l8443, &s);
	shutdown(c, SHUT_WR);

	/* Time-wait on the client side (kernel-chosen port) and on the
	 * server side (the listener's port). */
	c = zoo_connect(AF_INET, "127.0.0.1", 22, NULL, l22, &s);
	close(c);
	close(s);
	c = zoo_connect(AF_INET6, "::1", 80, NULL, l80, &s);
	close(c);
	close(s);
	c = zoo_connect(AF_INET, "127.0.0.1", 8080, NULL, l8080, &s);
	close(s);
	close(c);
	c = zoo_connect(AF_INET, "127.0.0.1", 8443, NULL, l8443, &s);
	close(s);
	close(c);

	printf("ready listen_auto=%d\n", auto_port);
	fflush(stdout);
	alarm((unsigned int)atoi(seconds));
	for (;;)
		pause();
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--hold") == 0)
		return hold(argv[2]);
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		return check(argc - 2, argv + 2);
	return check(argc - 1, argv + 1);
}
