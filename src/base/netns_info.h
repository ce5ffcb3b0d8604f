/*
 * netns_info.h - who a network namespace belongs to, for people.
 *
 * A namespace is known to the kernel only by its nsfs inode.  People know
 * it as "host", an `ip netns` name, a container, a Kubernetes pod or "the
 * namespace of pid 812".  This value type carries that name as found
 * (src/collect/netns_name.c fills it) and turns it into the words the
 * views and findings use.  The strings are raw bytes from the system
 * (container and pod names, process names): sanitize before showing.
 * Plain values: any thread may use them.  Nothing here prints.
 */
#ifndef TCPDECK_NETNS_INFO_H
#define TCPDECK_NETNS_INFO_H

#include <stddef.h>
#include <stdint.h>

/* How a namespace was named, best first.  The values are part of the
 * record file format: append only. */
enum netns_kind {
	NETNS_KIND_UNKNOWN = 0,   /* nothing better known: "netns:[INODE]" */
	NETNS_KIND_HOST = 1,      /* the namespace of pid 1 */
	NETNS_KIND_NAMED = 2,     /* an `ip netns` name (/run/netns) */
	NETNS_KIND_CONTAINER = 3, /* Docker, containerd or CRI-O */
	NETNS_KIND_POD = 4,       /* a Kubernetes pod */
	NETNS_KIND_PROCESS = 5,   /* only a process inside is known */
};

struct netns_info {
	uint32_t inode;   /* the namespace's nsfs inode: its identity */
	uint8_t kind;     /* enum netns_kind */
	int32_t pid;      /* a process inside it; 0 when none is known */
	char runtime[16]; /* CONTAINER: "docker", "containerd", "cri-o" */
	char name[96];    /* NAMED: the netns name; CONTAINER: the
			   * container's name when the runtime gives it,
			   * else empty; POD: "NAMESPACE/NAME" when known,
			   * else empty; PROCESS: the command (comm) */
	char id[72];      /* CONTAINER: the 12-character id; POD: the
			   * pod's UID */
};

/* The short name of a namespace, for a column or a row: "host", "blue",
 * "web-1", "3f2a9c0e1b7d", "default/web-0", "pod 7c1e…", "pid 812
 * (nginx)", "netns:[4026532290]".  Raw: sanitize before showing.
 * Returns what snprintf() returns. */
int netns_info_short(const struct netns_info *ns, char *buf, size_t len);

/* The name in a sentence, for findings: "host", "netns blue",
 * "container web-1 (3f2a9c0e1b7d)", "container 3f2a9c0e1b7d",
 * "pod default/web-0", "pid 812 (nginx)", "netns:[4026532290]".
 * Returns what snprintf() returns. */
int netns_info_label(const struct netns_info *ns, char *buf, size_t len);

#endif
