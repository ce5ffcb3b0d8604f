/*
 * source.h - where samples come from.
 *
 * A source fills an empty snapshot with one sample.  The live source dumps
 * the kernel's sockets; replay sources read recorded dumps.  The sampler
 * and everything after it do not know which one they use.
 * A source is used by one thread at a time.
 */
#ifndef TCPDECK_SOURCE_H
#define TCPDECK_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

/* pace(): wait until sampler_wake(), however long that is. */
#define SOURCE_PACE_HOLD (-1.0)

struct source_ops {
	const char *name;
	/* Fills snap (empty, unsealed) with one sample.  Returns 0; 1 when
	 * the source has no more samples (snap untouched; cause may hold a
	 * remark such as where a recording was cut, or be left empty); 2
	 * when it has nothing to publish now but may later (a paused or
	 * caught-up replay: the sampler waits and asks again); or -1 with
	 * errno and a one-line cause. */
	int (*sample)(void *state, struct snapshot *snap, char *cause, size_t cause_len);
	/* Optional (NULL: the sampling interval sets the pace).  Seconds
	 * from the start of the previous sample to the next one, or
	 * SOURCE_PACE_HOLD.  Asked again whenever the sampler is woken. */
	double (*pace)(void *state);
	void (*free)(void *state);
};

struct source {
	const struct source_ops *ops;
	void *state;
};

struct filter;

/* What the live source asks the kernel for.  Zero-initialised: every
 * socket, with tcp_info. */
struct source_live_options {
	/* Only the sockets this filter can select are dumped: its state mask
	 * and, when it compiles, its expression as kernel bytecode
	 * (filter_bytecode.h).  A superset: whoever reads the samples must
	 * still apply filter_match().  NULL: every socket.  Not kept after
	 * source_live_open_with() returns. */
	const struct filter *filter;
	/* Kernel state bits (1u << KERNEL_TCP_*, tcp_state.h) of the only
	 * sockets the readers look at, whatever the filter: the dumps ask
	 * for these alone (and those the filter may select).  0: every
	 * state.  Without KERNEL_TCP_BOUND_INACTIVE no dump walks the
	 * kernel's bind hash. */
	uint32_t states;
	bool no_tcp_info; /* the readers show nothing from tcp_info */
	bool no_counters; /* nor the kernel's TCP counters (kcounters.h)
			   * and the conntrack table's fill (nfcount.h) */
};

/* The kernel state bits the dumps of opts ask for: the filter's states
 * (every state without a filter) within opts->states (never 0). */
uint32_t source_live_states(const struct source_live_options *opts);

/* Opens the live sock_diag source.  Returns 0, or -1 with errno and a
 * one-line cause. */
int source_live_open(struct source *src, char *cause, size_t cause_len);

/* source_live_open() with options; opts may be NULL. */
int source_live_open_with(struct source *src, const struct source_live_options *opts,
			  char *cause, size_t cause_len);

/* Which network namespaces the live source samples (--netns, -N). */
struct netns_roots;
struct source_netns_options {
	/* "all" (every namespace, found anew each sample), a name under
	 * /run/netns, "pid:PID", or a path to a namespace file. */
	const char *const *specs;
	size_t n_specs;
	const struct netns_roots *roots; /* NULL: the system's paths */
	unsigned int threads;            /* dump threads, 1 or 2 (0: 2) */
};

/*
 * Opens the live source over the namespaces nopts names, with what opts
 * asks of every dump (opts may be NULL).  Every sample's entries carry
 * their namespace's inode in netns, and the snapshot has one table row
 * per namespace sampled (name, counters, conntrack); snap->counters is
 * their sum, snap->nfct the fullest one's.  A namespace gone mid-sample
 * is left out of it, silently.  `all` without CAP_SYS_ADMIN samples the
 * own namespace only and sets snap->netns_note.
 * Returns 0, or -1 with errno and a one-line cause: EPERM when a named
 * namespace may not be entered (the cause names CAP_SYS_ADMIN), ENOENT
 * or EINVAL for a spec that names no namespace.  The cause holds the
 * spec raw: sanitize before showing.
 */
int source_netns_open(struct source *src, const struct source_live_options *opts,
		      const struct source_netns_options *nopts, char *cause, size_t cause_len);

/* The note of a source opened by source_netns_open() ("" when none, or
 * for any other source), for showing once at the start. */
const char *source_netns_note(const struct source *src);

/* Opens a dump saved by `ss -D FILE` as a source of one sample.
 * Returns 0, or -1 with errno and a one-line cause. */
int source_ssdump_open(struct source *src, const char *path, char *cause, size_t cause_len);

/* The same for a dump already in memory (copied; `name` stands for the
 * path in messages): what the fuzz target and tests feed. */
int source_ssdump_open_mem(struct source *src, const void *bytes, size_t len, const char *name,
			   char *cause, size_t cause_len);

/* Replay sources (-r FILE), telling a tcpdeck recording from an ss -D
 * dump by its first bytes: see source_record.h. */

/* Releases whatever the source holds; safe on a zeroed source. */
void source_close(struct source *src);

#endif
