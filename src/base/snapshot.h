/*
 * snapshot.h - every TCP socket of one sample, plus its per-state counts.
 *
 * Contract: a snapshot is built by one thread (snapshot_new, snapshot_add,
 * snapshot_seal) and is immutable once sealed.  From then on any thread may
 * read it and take or drop references; the last snapshot_unref() frees it.
 * Readers must not write to any field.
 */
#ifndef TCPDECK_SNAPSHOT_H
#define TCPDECK_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kcounters.h"
#include "netns_info.h"
#include "owners.h"
#include "sock_close.h"
#include "sock_entry.h"
#include "tcp_state.h"

/*
 * The connection-tracking table (nf_conntrack) as the sample's network
 * namespace sees it: count is this namespace's entries
 * (net.netfilter.nf_conntrack_count); max and buckets are the host's
 * (nf_conntrack_max, nf_conntrack_buckets: one limit that every namespace
 * counts its entries against).  Filled by src/collect/nfcount.c.
 */
struct snapshot_nfct {
	bool present;     /* false: no conntrack in this kernel, or the
			   * source has none (an ss dump, an older
			   * recording) */
	uint32_t count;
	uint32_t max;     /* 0: no limit */
	uint32_t buckets; /* 0 when not known */
};

/*
 * One network namespace of the sample: its name, its own kernel counters
 * and conntrack fill, and the per-state counts of its entries.  A
 * snapshot of one unnamed namespace (an ss dump, an older recording) has
 * no table at all (n_netns 0).
 */
struct snapshot_netns {
	struct netns_info info;     /* info.inode: what entries' netns hold */
	uint32_t counts[TCP_STATE_COUNT]; /* set by snapshot_seal() */
	uint32_t total;             /* set by snapshot_seal() */
	struct kcounters counters;  /* this namespace's TCP counters */
	struct snapshot_nfct nfct;  /* this namespace's conntrack fill */
};

struct snapshot {
	uint64_t seq;              /* set by ring_publish(); 0 before */
	struct timespec taken_mono;/* CLOCK_MONOTONIC when the dump began */
	struct timespec taken_wall;/* CLOCK_REALTIME when the dump began */
	uint64_t sample_ns;        /* wall time the dump and parse took */
	unsigned int dump_restarts;/* dumps repeated (interrupted, overrun) */
	uint64_t interval_ns;      /* the sampling interval it was taken
				    * at (set by the sampler, or read from
				    * a recording); 0 when unknown (a
				    * recording of format version 1) */
	uint32_t counts[TCP_STATE_COUNT];
	uint32_t total;
	size_t n_entries;
	struct sock_entry *entries;
	struct owner_table *owners;/* holders of the sockets; NULL when the
				    * source cannot know them (a recording) */
	bool owners_partial;       /* some owners hidden: not privileged */
	struct kcounters counters; /* the kernel's TCP counters at this
				    * sample; counters.present is 0 when
				    * the source has none */
	struct snapshot_nfct nfct; /* connection tracking at this sample */
	/* The namespaces sampled, sorted by inode after snapshot_seal().
	 * counts, total and counters above are the sums over all of them;
	 * nfct is the fullest one's. */
	size_t n_netns;
	struct snapshot_netns *netns;
	char netns_note[160];      /* why some namespaces are not shown
				    * ("seeing other namespaces needs
				    * CAP_SYS_ADMIN"); empty when none */
	char note[160];            /* a remark of the source for the user,
				    * such as where a recording was cut */
	/* Sockets the kernel announced closed since the sample before
	 * (sock_close.h), oldest first; malloc'd, freed with the snapshot.
	 * has_closes: the source listened for them (else n_closed and
	 * closes_lost mean nothing: a replay of an older recording, an ss
	 * dump, no listener). */
	bool has_closes;
	size_t n_closed;
	struct sock_close *closed;
	uint64_t closes_lost;      /* announcements the kernel dropped
				    * since the sample before (receive
				    * buffer overrun) */
	bool last;                 /* no sample follows it in this run (the
				    * number of samples asked for is
				    * reached): the models need not keep
				    * what only a later sample would read */
	/* private */
	size_t capacity;
	size_t mapped_bytes;       /* size of the mapping when mapped */
	bool mapped;               /* entries is an mmap()ed region */
	int refs;
};

/* Returns an empty, unsealed snapshot with room for capacity_hint entries
 * and one reference, or NULL with errno set. */
struct snapshot *snapshot_new(size_t capacity_hint);

/* Makes room for at least `capacity` entries in one step (a good first
 * guess saves repeated growth).  Returns 0, or -1 with errno (ENOMEM). */
int snapshot_reserve(struct snapshot *snap, size_t capacity);

/* Appends a zeroed entry and returns it, or NULL with errno (ENOMEM). */
struct sock_entry *snapshot_add(struct snapshot *snap);

/* Drops every entry so a failed dump can be repeated into it. */
void snapshot_clear(struct snapshot *snap);

/* Appends a zeroed namespace with this inode to the table and returns it,
 * or NULL with errno (ENOMEM).  Unsealed snapshots only. */
struct snapshot_netns *snapshot_add_netns(struct snapshot *snap, uint32_t inode);

/* The namespace with this inode, or NULL (sealed snapshots: the table is
 * sorted then). */
const struct snapshot_netns *snapshot_find_netns(const struct snapshot *snap, uint32_t inode);

/* Computes counts and total from the entries, for the whole sample and
 * per namespace, and sorts the namespace table.  Call once, last. */
void snapshot_seal(struct snapshot *snap);

/* Per-state counts and total of the entries `selected` keeps (all of
 * them, from the sealed counts, when selected is NULL). */
void snapshot_count(const struct snapshot *snap,
		    bool (*selected)(const void *arg, const struct sock_entry *e), const void *arg,
		    uint32_t counts[TCP_STATE_COUNT], uint32_t *total);

struct snapshot *snapshot_ref(struct snapshot *snap);

/* Whether a reference other than the caller's exists.  Only a hint when
 * other threads hold references: they may drop theirs at any time. */
bool snapshot_shared(const struct snapshot *snap);

/* Drops one reference; NULL is accepted. */
void snapshot_unref(struct snapshot *snap);

/* Unmaps the arrays freed snapshots left for the next ones (see
 * snapshot.c); the next snapshots then map fresh ones, of their own
 * size.  Any thread. */
void snapshot_drop_spare(void);

/* Bytes of the mapped entry arrays: of live snapshots, and kept for the
 * next ones (for the debug log).  Any thread. */
void snapshot_mapped(size_t *in_use, size_t *kept);

#endif
