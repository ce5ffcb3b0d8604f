/*
 * bench_net.c - helpers shared by the bench/ programs; see bench_net.h.
 *
 * Responsible for: the clock, loopback addresses, "lo" and sysctl files.
 * Any process may call these.  Must not print or exit: the programs decide
 * what a failure means and how to say it.
 */
#define _GNU_SOURCE
#include "bench_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double
bench_net_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_net_nap(long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L};

	nanosleep(&ts, NULL);
}

socklen_t
bench_net_loopback(int af, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons((uint16_t)port);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons((uint16_t)port);
		return sizeof(*sin6);
	}
}

int
bench_net_loopback_up(const char **step)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int saved;

	*step = "open a socket";
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	*step = "read the flags of lo";
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		*step = "bring lo up";
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			goto fail;
	}
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
bench_net_wait_address(int af, double seconds)
{
	double give_up = bench_net_now() + seconds;

	for (int i = 0; i < 100000; i++) {
		struct sockaddr_storage ss;
		socklen_t len = bench_net_loopback(af, 0, &ss);
		int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int r, err;

		if (fd < 0)
			return -1;
		r = bind(fd, (struct sockaddr *)&ss, len);
		err = errno;
		close(fd);
		if (r == 0)
			return 0;
		if (err != EADDRNOTAVAIL || bench_net_now() > give_up) {
			errno = err;
			return -1;
		}
		bench_net_nap(10000000);
	}
	errno = EADDRNOTAVAIL;
	return -1;
}

int
bench_net_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

long
bench_net_read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

bool
bench_net_in_child_netns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) < 0 || stat("/proc/1/ns/net", &init) < 0)
		return false;
	return self.st_ino != init.st_ino || self.st_dev != init.st_dev;
}
