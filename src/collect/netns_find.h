/*
 * netns_find.h - finds the host's network namespaces and opens the one a
 * user names.
 *
 * A network namespace lives while a process is inside it or an nsfs file
 * of it is bind-mounted somewhere (`ip netns add` mounts under /run/netns,
 * Docker under /run/docker/netns).  So every namespace is found from
 * /proc/PID/ns/net of every process plus the nsfs mounts in mountinfo,
 * de-duplicated by (dev, inode).  The system paths are parameters, so
 * tests point them at fixture trees (tests/data/netns/).
 * Sampler thread (and option parsing in main, before it starts); no
 * global state.  Never prints, never exits: -1 with errno, and a cause
 * string for what the user typed.
 */
#ifndef TCPDECK_NETNS_FIND_H
#define TCPDECK_NETNS_FIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the system's files are; tests point them at fixtures. */
struct netns_roots {
	const char *proc;      /* "/proc" */
	const char *mountinfo; /* "/proc/self/mountinfo" */
	const char *run_netns; /* "/run/netns" (ip netns) */
	const char *docker;    /* "/var/lib/docker" */
	const char *pods;      /* "/var/log/pods" */
};

/* The real paths above. */
extern const struct netns_roots netns_roots_system;

struct netns_ref {
	uint32_t inode;        /* nsfs inode: identity */
	uint64_t dev;          /* nsfs device (dedup by dev+inode) */
	int32_t pid;           /* a process inside (lowest pid seen); 0: held
				* only by a bind mount */
	char path[256];        /* a path that opens it: "/proc/PID/ns/net" or
				* the bind mount point (the one under run_netns
				* first, then the process's, then any other);
				* "" when none fits (a mount point of 256 bytes
				* or more) */
	char netns_name[64];   /* the `ip netns` name when a bind mount lives
				* directly under run_netns; "" else */
};

/* Sorted by inode, no duplicates. */
struct netns_list {
	size_t n;
	struct netns_ref *items;
};

/* Every network namespace: each /proc/PID/ns/net plus each nsfs mount in
 * mountinfo (root field "net:[INODE]", fstype nsfs), de-duplicated by
 * (dev, inode); a bind-mounted namespace that a process also holds keeps
 * both the mount's netns_name and the pid.  Processes vanishing mid-walk
 * and unreadable entries are normal (skipped).
 * Returns 0, or -1 with errno.  *out is replaced: it must be empty
 * ({0}) or hold an earlier result, whose items are freed first; free the
 * last with netns_list_free.  On error *out is left empty. */
int netns_find_all(const struct netns_roots *roots, struct netns_list *out);

/* Frees the items and empties the list; safe on an empty list. */
void netns_list_free(struct netns_list *list);

/* The namespace SPEC names: NAME under run_netns; "pid:PID"; a path
 * (contains '/').  ("all" is the caller's.)
 * Returns 0, or -1 with errno and a one-line cause ("no network namespace
 * named 'x' in /run/netns", "pid:abc: not a process id", "/x: not a network
 * namespace file").  The cause holds SPEC's bytes raw: sanitize before
 * showing. */
int netns_resolve(const char *spec, const struct netns_roots *roots,
		  struct netns_ref *out, char *cause, size_t cause_len);

/* The inode of the caller's own namespace (proc/self/ns/net) and the
 * host's (proc/1/ns/net).  0, or -1 with errno. */
int netns_self_inode(const struct netns_roots *roots, uint32_t *inode);
int netns_host_inode(const struct netns_roots *roots, uint32_t *inode);

/* Pure on bytes, for tests and the fuzz target: */

/* "net:[INODE]" (a readlink of a namespace file), INODE in [1, 2^32). */
bool netns_parse_link(const char *text, size_t len, uint32_t *inode);

/* One line of mountinfo (no newline): true when it is an nsfs mount of a
 * network namespace (root field "net:[INODE]", type nsfs), filling inode,
 * dev (from the major:minor field) and the mount point with mountinfo's
 * octal escapes undone ("" when it does not fit in mp_len or holds a
 * NUL). */
bool netns_mountinfo_parse_line(const char *line, size_t len, uint32_t *inode, uint64_t *dev,
				char *mount_point, size_t mp_len);

#endif
