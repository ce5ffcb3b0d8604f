/*
 * owners.h - which processes hold which sockets, as one sample saw it.
 *
 * An owner table is immutable once built and reference-counted, like the
 * snapshot that points to it; when nothing changed between samples,
 * consecutive snapshots share one table.  It lists the processes that hold
 * at least one socket, and for every socket inode all of its holders
 * (after fork, several processes share one socket).
 * Built by the sampler thread (procmap.c); read by any thread.
 */
#ifndef TCPDECK_OWNERS_H
#define TCPDECK_OWNERS_H

#include <stddef.h>
#include <stdint.h>

/* What is known of a socket's owner: sock_entry.owner_status. */
enum owner_status {
	OWNER_NONE = 0, /* the kernel says no process holds it: TIME_WAIT,
			 * request sockets, orphans (inode 0) */
	OWNER_FOUND,    /* sock_entry.owner names the first holder */
	OWNER_HIDDEN,   /* held by a process we may not look into */
	OWNER_UNKNOWN,  /* not found, though it should be visible */
};

struct owner_proc {
	int32_t pid;
	uint32_t uid;
	uint64_t start_time;   /* clock ticks after boot (/proc/PID/stat) */
	char comm[16];
	const char *cmdline;   /* arguments joined by spaces; may be "" */
	const char *user;      /* user name, or the uid in decimal */
	/* Descriptors: how many were open when /proc/PID/fd was last read,
	 * and the RLIMIT_NOFILE limits ("Max open files" of
	 * /proc/PID/limits).  0 when not known (not readable, a recording
	 * older than format version 3); a limit of "unlimited" is 0 too. */
	uint32_t fds;
	uint32_t fd_limit;      /* soft: where open() and accept() fail */
	uint32_t fd_limit_hard; /* how far the process may raise it */
};

struct owner_table;

/* Builder: the sampler adds processes and links, then seals the table. */
struct owner_table *owner_table_new(void);

/* Adds a process; strings are copied.  Returns its index, or -1 (ENOMEM). */
int owner_table_add_proc(struct owner_table *table, const struct owner_proc *proc);

/* Records that process `proc_index` (a value returned by
 * owner_table_add_proc) holds socket `inode`.  0 or -1. */
int owner_table_add_link(struct owner_table *table, uint32_t inode, uint32_t proc_index);

/* Sorts and indexes the links; after this the table is read-only.  Call
 * once.  Returns 0 or -1 (ENOMEM). */
int owner_table_seal(struct owner_table *table);

/* Number of processes, and one by index (NULL when out of range). */
size_t owner_table_procs(const struct owner_table *table);
const struct owner_proc *owner_table_proc(const struct owner_table *table, uint32_t index);

/*
 * The holders of `inode`: returns how many there are and, when there is at
 * least one, stores the index of the first (lowest pid) in *first_proc.
 * Fills up to `max` process indexes into out (may be NULL).
 */
size_t owner_table_lookup(const struct owner_table *table, uint32_t inode, uint32_t *first_proc,
			  uint32_t *out, size_t max);

/*
 * A hint that `inode` is looked up soon: its slot of the table is fetched
 * from memory meanwhile.  Walks that look up every socket call it for a
 * socket a few ahead (at 100,000 sockets nearly every lookup misses the
 * caches).  Changes nothing; NULL is accepted.
 */
void owner_table_prefetch(const struct owner_table *table, uint32_t inode);

struct owner_table *owner_table_ref(struct owner_table *table);
void owner_table_unref(struct owner_table *table);

#endif
