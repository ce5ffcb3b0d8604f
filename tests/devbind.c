/*
 * devbind.c - a listener bound to a network interface (SO_BINDTODEVICE),
 * for the test of interface names in endpoints (hostile_inputs.sh): the
 * kernel reports the device's index with the socket, and tcpdeck shows
 * its name after the address.  Usage: tcpdeck-test-devbind IFNAME PORT;
 * listens on 0.0.0.0:PORT, prints "ready" and waits to be killed, 120 s
 * at most.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: tcpdeck-test-devbind IFNAME PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[1], (socklen_t)strlen(argv[1])) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
		perror("tcpdeck-test-devbind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sleep(120);
	return 0;
}
