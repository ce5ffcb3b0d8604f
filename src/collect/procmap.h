/*
 * procmap.h - attributes sockets to processes through /proc.
 *
 * The only way to learn which process holds a socket is to read every
 * process's /proc/PID/fd, about 3 us per descriptor; at tens of thousands
 * of descriptors that is more than a whole netlink dump.  So the map is
 * kept between samples and refreshed incrementally:
 *  - every sample lists /proc; processes not seen before are read (their
 *    start time, name and descriptors), vanished ones are dropped;
 *  - sockets still unknown after that are searched for in the other
 *    processes, those that recently opened sockets first, until all are
 *    found; a socket that two full searches in a row did not find is not
 *    searched for again while it lives;
 *  - a few processes are re-read each sample so that every one is read
 *    at least every 10 seconds (sockets closed or handed over, reused
 *    pids: a changed start time makes a process new).
 * Each read of a process's descriptors also counts them; its descriptor
 * limits (RLIMIT_NOFILE, /proc/PID/limits) are read when it first holds a
 * socket, by the 10-second refresh, and while it uses half of its limit
 * or more; such a process is also recounted every sample (on procfs, a
 * stat() of its fd directory).  Both go into the owner table (struct
 * owner_proc).
 * Processes that exit or deny access in the middle of a walk are normal.
 * The /proc root is a parameter, so tests use fixture trees.
 * Sampler thread only; never prints.
 */
#ifndef TCPDECK_PROCMAP_H
#define TCPDECK_PROCMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "snapshot.h"

struct procmap_stats {
	size_t procs;          /* processes listed and still there */
	size_t procs_scanned;  /* processes whose descriptors were read */
	size_t fds_read;       /* descriptors read */
	size_t limits_read;    /* /proc/PID/limits files read */
	size_t fds_recounted;  /* processes near their descriptor limit
				* recounted without a scan (procfs) */
	size_t found;          /* sockets attributed */
	size_t hidden;         /* sockets of processes we may not look into */
	size_t unknown;        /* sockets not found */
	bool table_rebuilt;    /* the owner table changed this sample */
};

struct procmap;

/*
 * proc_root: usually "/proc".  privileged: whether every process's fd
 * directory can be read (root); when false, sockets of other users are
 * marked hidden rather than searched for.  self_uid: the caller's uid.
 * Returns NULL with errno (the root cannot be opened, ENOMEM).
 */
struct procmap *procmap_new(const char *proc_root, bool privileged, uid_t self_uid);

/*
 * Refreshes the map and sets owner, n_owners and owner_status of every
 * entry of snap (unsealed), and snap->owners.  Returns 0, or -1 with errno
 * (ENOMEM; /proc itself unreadable).  stats may be NULL.
 */
int procmap_attribute(struct procmap *map, struct snapshot *snap, struct procmap_stats *stats);

void procmap_free(struct procmap *map);

/*
 * Whether this process may read every process's /proc/PID/fd, the
 * `privileged` of procmap_new(): its effective capabilities hold
 * CAP_SYS_PTRACE (the links are read under ptrace_may_access) and
 * CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE (the directories are mode 0500
 * of their owner), whatever its uid.  Falls back to euid 0 when the
 * capabilities cannot be read.
 */
bool procmap_may_read_all(void);

#endif
