/*
 * netns_socket.h - what tcpdeck keeps open in one network namespace: a
 * sock_diag socket and that namespace's /proc net and conntrack files.
 *
 * A netlink socket stays in the namespace where it was created, and a
 * /proc/net file or a net sysctl stays bound to the namespace of whoever
 * opened it.  So everything is opened once, on a short-lived helper
 * thread that enters the namespace with setns(); the thread ends, the fds
 * stay, and the sampler thread reads them from then on without ever
 * switching namespaces itself.
 * Opened and used by one thread at a time (main, then the sampler or the
 * dump worker of source_netns.c).  Never prints, never exits.
 */
#ifndef TCPDECK_NETNS_SOCKET_H
#define TCPDECK_NETNS_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kcounters.h"
#include "nl_dump.h"
#include "snapshot.h"

struct netns_socket;

/*
 * Opens the namespace whose nsfs file is `path` ("/proc/812/ns/net",
 * "/run/netns/blue").  own: it is the caller's own namespace, entered
 * without setns() (which needs CAP_SYS_ADMIN even there).  counters: also
 * open net/snmp, net/netstat and the nf_conntrack sysctls.
 * Returns the handle, or NULL with errno and a one-line cause: EPERM when
 * the namespace cannot be entered (no CAP_SYS_ADMIN), ENOENT when it is
 * gone, EINVAL when path is not a network namespace.  The cause holds
 * path raw: sanitize before showing.
 */
struct netns_socket *netns_socket_open(const char *path, bool own, bool counters, char *cause,
				       size_t cause_len);

/* The namespace's nsfs inode. */
uint32_t netns_socket_inode(const struct netns_socket *ns);

/* Its sock_diag dumper (owned by ns; a fresh socket it needs after an
 * overrun is made inside the namespace too). */
struct nl_dumper *netns_socket_dumper(struct netns_socket *ns);

/* The namespace's TCP counters, as kcounters_read_fds().  -1 with errno
 * EBADF when opened without counters. */
int netns_socket_counters(struct netns_socket *ns, struct kcounters *kc);

/* The namespace's conntrack fill, as nfcount_read_fds() (0: none). */
int netns_socket_nfct(struct netns_socket *ns, struct snapshot_nfct *nfct);

/* The namespace's TCP sockets as its sockstat files count them (in use
 * plus TIME_WAIT, IPv4 and IPv6); 0 when unknown. */
size_t netns_socket_sockets(struct netns_socket *ns);

/* What a namespace's sockstat files say of its TCP sockets.  inuse
 * counts the sockets in its established and listening hashes (every
 * state but TIME_WAIT, request sockets and bound-only ones), per
 * namespace and per family (TCP: and TCP6: lines); tw counts its
 * TIME_WAIT sockets of both families (the TCP: line).  The "orphan"
 * field is the host's, not the namespace's, and is not read. */
struct netns_tcp_usage {
	unsigned long inuse;
	unsigned long inuse6;
	unsigned long tw;
};

/* Reads them now.  A namespace without IPv6 (no sockstat6) has inuse6 0.
 * Returns 0, or -1 with errno (EBADF: a file could not be opened, EINVAL:
 * no TCP line in it, or a read error's). */
int netns_socket_tcp_usage(struct netns_socket *ns, struct netns_tcp_usage *use);

/* Pure, for tests and the fuzz target: finds the line starting with
 * prefix ("TCP:", "TCP6:") in a sockstat text of len bytes (no NUL
 * needed) and reads its inuse and, when present, tw fields (tw may be
 * NULL; 0 when the line has none).  Returns 0, or -1 (errno EINVAL) when
 * no such line or no inuse field. */
int netns_sockstat_parse(const char *text, size_t len, const char *prefix, unsigned long *inuse,
			 unsigned long *tw);

/* A new NETLINK_SOCK_DIAG socket made inside the namespace, for one
 * request about one socket (nl_query_info_fd()).  Returns the fd, or -1
 * with errno. */
int netns_socket_diag(struct netns_socket *ns);

/* Opens another file (flags as for open(2)) from inside the namespace:
 * /proc/thread-self/net/... and /proc/sys/net/... give its own.  Returns
 * the fd, or -1 with errno.  For tests and one-off reads. */
int netns_socket_open_file(struct netns_socket *ns, const char *file, int flags);

/* Closes every fd; the namespace may then vanish.  NULL is accepted. */
void netns_socket_free(struct netns_socket *ns);

/* Whether this process may enter other network namespaces (effective
 * CAP_SYS_ADMIN). */
bool netns_socket_can_enter(void);

#endif
