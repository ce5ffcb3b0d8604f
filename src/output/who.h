/*
 * who.h - "who owns this port": tcpdeck --who.
 *
 * Parses the port argument (9000, :9000, http, 127.0.0.1:9000,
 * [::1]:9000) and prints every process holding a socket on that local
 * port, listening or connected.  Pure apart from getservbyname().
 */
#ifndef TCPDECK_WHO_H
#define TCPDECK_WHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

struct who_target {
	uint16_t port;
	bool has_addr;
	uint8_t family;     /* with has_addr */
	uint8_t addr[16];
};

/* Returns 0, or -1 with a one-line message naming the bad part. */
int who_parse(const char *arg, struct who_target *target, char *msg, size_t msg_len);

/*
 * Prints one line per (process, socket) on the target's local port, under
 * a header; when the snapshot has a namespace table (--netns), each line
 * starts with the namespace's name.  Returns how many sockets had a visible owner; *sockets
 * receives how many sockets were on the port at all, and *hidden how many
 * of those had owners we may not see.
 */
size_t who_print(FILE *out, const struct snapshot *snap, const struct who_target *target,
		 size_t *sockets, size_t *hidden);

#endif
