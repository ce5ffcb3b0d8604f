/*
 * bench_net.h - small helpers shared by the bench/ programs
 * (tcpdeck-sockgen, tcpdeck-stress): a monotonic clock, loopback addresses,
 * bringing "lo" up in a fresh network namespace, and per-namespace sysctls.
 *
 * Any process or thread may call them.  Nothing here prints or exits:
 * failures return -1 with errno, so each program words its own messages.
 */
#ifndef TCPDECK_BENCH_NET_H
#define TCPDECK_BENCH_NET_H

#include <stdbool.h>
#include <sys/socket.h>

/* CLOCK_MONOTONIC in seconds. */
double bench_net_now(void);

/* Sleeps ns nanoseconds (an interrupted sleep is not resumed). */
void bench_net_nap(long ns);

/* Fills ss with the loopback address of family af (AF_INET: 127.0.0.1,
 * AF_INET6: ::1) and port (host order); returns its length. */
socklen_t bench_net_loopback(int af, int port, struct sockaddr_storage *ss);

/* Sets IFF_UP on "lo" if it is down, as a fresh namespace has it.  Returns
 * 0, or -1 with errno and *step naming what failed ("open a socket",
 * "read the flags of lo", "bring lo up"). */
int bench_net_loopback_up(const char **step);

/* Waits up to `seconds` until the loopback address of family af can be
 * bound: ::1 is added by a workqueue a moment after lo comes up.  Returns
 * 0, or -1 with errno (EADDRNOTAVAIL when it never appeared). */
int bench_net_wait_address(int af, double seconds);

/* Writes text to a file such as a sysctl under /proc/sys: 0 or -1/errno. */
int bench_net_write_file(const char *path, const char *text);

/* The first number in a file such as a sysctl, or -1. */
long bench_net_read_long(const char *path);

/* True only when this process is provably not in the initial network
 * namespace, where per-namespace sysctls would change the host. */
bool bench_net_in_child_netns(void);

#endif
