/*
 * diagnose_internal.h - what the parts of the diagnoser share: the rule
 * table's entry type (diagnose_rules.c), the groups of one sample
 * (diagnose_group.c), the hysteresis records (diagnose_hysteresis.c) and
 * the diagnoser itself (diagnose.c).
 *
 * Private to src/model/diagnose*.c and diag_config.c.  Single-threaded:
 * everything here belongs to one diagnoser's owner.  Nothing prints.
 */
#ifndef TCPDECK_DIAGNOSE_INTERNAL_H
#define TCPDECK_DIAGNOSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "closed.h"
#include "diag_config.h"
#include "diagnose.h"
#include "kcounters.h"
#include "snapshot.h"
#include "statetrack.h"

/* The sets of sockets groups are made of: a TCP state, or these. */
enum {
	DIAG_SET_RETRANS = TCP_STATE_COUNT, /* any state, retransmitting */
	DIAG_SET_PROCS,  /* processes of the owner table: no socket is filed
			  * here; a rule's after_grouping makes the groups
			  * (diag_group_add) */
	DIAG_SET_UNREAD,                    /* ESTABLISHED, Recv-Q waiting
					     * unread (age: how long) */
	DIAG_SET_BLOCKED,                   /* ESTABLISHED or CLOSE_WAIT,
					     * Send-Q held by the peer's
					     * window (age: how long) */
	DIAG_SET_DEAD_PEER,   /* ESTABLISHED, nothing received for long and
			       * retransmitting or without keepalive
			       * (diag_rules_dead_peer()) */
	DIAG_SET_CLOSES,      /* the connections closed since the sample
			       * before (the closed model's fresh closes):
			       * no socket is filed here; the close rules'
			       * after_grouping hooks make the groups, whose
			       * example and owned are indexes into those
			       * closes */
	DIAG_SET_COUNT,
	DIAG_SET_VANISHED,    /* sockets of the sample before, gone now:
			       * groups that only name a host-wide
			       * finding's subject, never judged */
	DIAG_SET_NONE = 0xff, /* host-wide rules */
};

/* How a process grouping files sockets whose owner is not known. */
enum diag_unowned {
	DIAG_UNOWNED_SKIP,    /* not at all */
	DIAG_UNOWNED_BY_PORT, /* by local port */
	DIAG_UNOWNED_BY_PEER, /* by remote address */
	DIAG_UNOWNED_ONE,     /* all in one group */
};

/* What counts as one remote end when a grouping counts them. */
enum diag_distinct {
	DIAG_DISTINCT_NONE,
	DIAG_DISTINCT_ADDR, /* remote address */
	DIAG_DISTINCT_DEST, /* remote address and port */
};

/* One way a rule groups the sockets of its set. */
struct diag_rule_grouping {
	enum diag_grouping by;       /* DIAG_BY_NONE ends the list */
	enum diag_key min;           /* threshold: sockets in a group */
	enum diag_unowned unowned;   /* DIAG_BY_PROCESS only */
	bool aged;                   /* only sockets in the state for the
				      * rule's age_key seconds or more */
	bool ages;                   /* keep the oldest socket's age and the
				      * count that entered at this sample
				      * (always when aged) */
	enum diag_distinct distinct; /* count distinct remote ends */
	bool ephemeral;              /* only sockets on a local port in the
				      * ephemeral range */
	bool fixed;                  /* only sockets on a local port outside
				      * it (a server's) */
	bool beyond_peers;           /* sockets toward a peer that makes a
				      * pile of its own (the rule's peer
				      * grouping) are left to that finding */
	bool mixed;                  /* only groups whose sockets belong to
				      * more than one process (or to one and
				      * to none): one process alone is its
				      * own group's finding */
};

/* Group key: 48 bytes, hashed as six words; unused bytes stay zero. */
struct diag_gkey {
	uint8_t set; /* a TCP state, DIAG_SET_RETRANS */
	uint8_t by;  /* enum diag_grouping */
	uint8_t family;
	uint8_t subj;   /* what identifies it: enum diag_grouping (a
			 * process grouping's unowned sockets: port, peer,
			 * or none); DIAG_BY_COUNT + 1 for a sub-group
			 * counting distinct remote ends */
	uint16_t port;  /* local port */
	uint16_t port2; /* remote port */
	uint32_t pid;
	uint32_t netns; /* the namespace (diag_netns_key()); 0 without */
	uint8_t a[16]; /* remote address (local, for destinations) */
	uint8_t b[16]; /* destinations: remote address */
};

struct diag_group {
	struct diag_gkey key;
	uint32_t count;     /* sockets */
	uint32_t distinct;  /* distinct remote addresses / destinations */
	uint32_t recent;    /* entered the state at this sample */
	uint32_t time_wait; /* destinations: TIME_WAIT among count */
	uint32_t example;   /* the first socket filed (entry index) */
	uint32_t eldest;    /* the oldest socket (entry index), with
			     * ages; else the example */
	uint64_t queued;    /* DIAG_SET_UNREAD: Recv-Q bytes in all;
			     * DIAG_SET_BLOCKED: Send-Q bytes */
	bool other_ports;   /* stall sets: sockets on another service port
			     * (diag_service_port) than the example's */
	int32_t owned;      /* an owned socket's entry index, or -1 */
	int32_t parent;     /* a sub-group's group index, else -1 */
	int32_t pid;        /* the first socket's owner, 0 when none */
	bool mixed;         /* sockets of other owners (or none) too */
	bool oldest_lower_bound;
	double oldest; /* seconds in the state, -1 unknown */
	double fill;   /* listeners: accept queue / backlog */
	uint32_t sub;     /* a rule's own count (its file() hook) */
	uint32_t peak_ms; /* a rule's own longest time (its file() hook) */
};

struct diag_hslot {
	uint32_t gen;
	uint32_t index; /* into groups */
};

struct diagnose;

/* The most groupings and keys one rule has (keys: one left as the end). */
#define DIAG_RULE_GROUPINGS 3
#define DIAG_RULE_KEYS 6

/* A rule's entry in the table. */
struct diag_rule_def {
	const char *id;              /* stable, in the batch output */
	const char *title;           /* heading in the man page */
	const char *description;     /* when it fires, in plain words */
	enum diag_severity severity; /* its level when firing; critical at
				      * 4x the threshold, or as describe()
				      * says */
	uint8_t set;                 /* what it groups, or DIAG_SET_NONE */
	struct diag_rule_grouping groups[DIAG_RULE_GROUPINGS]; /* the
								* first by NONE
								* ends them */
	enum diag_key age_key;                                 /* for aged groupings */
	bool host;                                             /* judged once per sample (g NULL);
								* its groups only name a subject */
	struct diag_key_def keys[DIAG_RULE_KEYS];              /* ended by a NULL name */
	/* The level of a group (measure / threshold, >= 1 fires); NULL:
	 * count over the grouping's threshold.  Host-wide rules (no
	 * groups) get g == NULL once per sample and return < 0 when they
	 * cannot judge. */
	double (*level)(const struct diagnose *d, const struct diag_group *g,
			const struct diag_rule_grouping *how);
	/* Writes key, subject, title, evidence, next (and pid, comm, port
	 * when known; severity when not the default). */
	void (*describe)(const struct diagnose *d, const struct diag_group *g,
			 struct diag_finding *f);
	/* After grouping, before the levels; 0 or -1 (ENOMEM). */
	int (*after_grouping)(struct diagnose *d);
	/* Called for each socket filed into one of the rule's groups, after
	 * the counts: fills the group's sub and peak_ms.  Optional. */
	void (*file)(struct diag_group *g, const struct sock_entry *e);
};

/* Hysteresis memory of one finding. */
struct diag_record {
	struct diag_finding f;
	uint32_t above_run, below_run;
	bool active, seen;
};

struct diag_hysteresis {
	struct diag_record *records;
	size_t n_records, records_cap;
	struct diag_finding *shown; /* firing, worst first */
	size_t n_shown, shown_cap;
};

/* What grouping does for one set of sockets: the union of the rules'
 * groupings of it. */
struct diag_plan {
	const struct diag_rule_grouping *by[DIAG_BY_COUNT];
	enum diag_rule rule[DIAG_BY_COUNT]; /* whose groups these are;
					     * DIAG_RULE_COUNT: a host-wide
					     * rule's, not judged one by one */
	double min_age[DIAG_BY_COUNT];      /* aged groupings */
	uint8_t list[DIAG_BY_COUNT];        /* the groupings in use ... */
	uint8_t n;                          /* ... and how many */
	bool any;
};

/* A port that listened, remembered after its listener went: TIME_WAIT
 * on it still blocks a restart (time_wait_restart). */
struct diag_listened {
	uint32_t netns; /* the group key's (0 without namespaces) */
	uint16_t port;
	int32_t pid;    /* its listener's process, 0 when not known */
	char comm[16];  /* raw, as the owner table has it */
	double seen;    /* monotonic seconds of the last sample it
			 * listened in */
};

/* Ports remembered at most; the one that listened longest ago goes
 * first. */
#define DIAG_LISTENED_MAX 1024

/* A server's close that came early, waiting for its TIME_WAIT to show
 * that the server closed first (early_close). */
struct diag_early {
	uint64_t hash;     /* its 4-tuple and namespace */
	uint64_t received; /* bytes from the client */
	uint32_t netns;    /* the group key's */
	uint32_t ms;       /* at most this long after the accept */
	int32_t pid;       /* its owner, 0 when not known */
	uint16_t port;
	bool sent_nothing;
};

/* A group a rule found worth a look. */
struct diag_candidate {
	enum diag_rule rule;
	double level;
	int32_t group; /* -1 for host-wide rules */
	uint32_t netns; /* host-wide rules: the namespace judged (0
			 * without namespaces) */
};

/* What the rules read of one namespace when the sample has namespaces
 * (diag_scope()), per entry of the snapshot's table. */
struct diag_ns {
	double rate[KC_COUNT];    /* its counters' rates; < 0 unknown */
	int64_t fullest_listener; /* its fullest listener, -1 when none */
	double fullest_fill;
	int64_t vanished;         /* as d->vanished, of its sockets */
	uint32_t vanished_syn_sent;
};

/* One socket of the sample before, as much of it as the resets rule
 * reads of a vanished one (diag_prev_entry()). */
struct diag_prev_rec {
	uint8_t remote_addr[16];
	uint32_t netns;
	uint32_t owner;
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t family;
	uint8_t state;
	uint8_t owner_status;
};

struct diagnose {
	struct diag_config cfg;
	char *proc_root;
	unsigned int port_low, port_high;
	struct diag_plan plan[DIAG_SET_COUNT];

	/* The sample being evaluated, during diagnose_update() only. */
	const struct snapshot *snap;
	const struct statetrack *st;
	/* The sample before it, kept between updates: a reference
	 * (prev_snap), or, once diagnose_let_go() found the findings its
	 * last holder, what the rules read of it instead: per entry (st
	 * lists the vanished sockets by their entry index in it) what a
	 * reset finding names, its owner table and its namespace table.
	 * has_prev: there is one; prev_taken: when it was taken. */
	bool has_prev;
	double prev_taken;
	struct snapshot *prev_snap;
	struct diag_prev_rec *prev_recs;
	size_t n_prev_recs, prev_recs_cap;
	struct owner_table *prev_owners;
	struct snapshot_netns *prev_netns; /* sorted by inode */
	size_t n_prev_netns, prev_netns_cap;
	/* dead peers: ESTABLISHED sockets with no timer, silent this long
	 * (dead_peer.idle_s), may be dead; in ms, UINT32_MAX: none. */
	uint32_t dead_peer_idle_ms;
	/* resets: the sockets that vanished since the sample before, in
	 * the states a reset ends (set by the rule's after_grouping); -1
	 * when not looked at. */
	int64_t vanished;
	uint32_t vanished_syn_sent; /* of which connection attempts */

	/* Groups of this sample: a dense array indexed by an
	 * open-addressing hash whose slots carry the update's generation. */
	struct diag_hslot *slots;
	size_t mask;
	uint32_t gen;
	struct diag_group *groups;
	size_t n_groups, groups_cap;
	/* A bit per local port that has a listener group this sample: most
	 * ports asked about have none, and the bit says so without a probe
	 * of the table. */
	uint64_t listening[65536 / 64];
	/* The fullest listener, for host-wide findings. */
	int64_t fullest_listener;
	double fullest_fill;

	struct diag_candidate *cands;
	size_t n_cands, cands_cap;
	struct diag_finding *found; /* described candidates */
	size_t n_found, found_cap;

	struct diag_hysteresis hyst;

	/* Counters of the previous sample, for rates. */
	struct kcounters prev_counters;
	double prev_now;
	bool have_prev;
	/* Rates of this update; < 0 when unknown.  With namespaces, the
	 * scope's (diag_scope()). */
	double rate[KC_COUNT];
	double rate_dt; /* seconds they span; 0 when unknown */

	/* time_wait_restart: the fixed-port listeners of the update before,
	 * and the ports whose listener went within
	 * time_wait_restart.memory_s seconds. */
	struct diag_listened *was_listening;
	size_t n_was_listening, was_listening_cap;
	struct diag_listened *listened;
	size_t n_listened, listened_cap;

	/* The closed connections model fed with the sample under way
	 * (diagnose_set_closed()), or NULL; its fresh closes during the
	 * update (d->closes, n_closes). */
	const struct closed_model *closed;
	const struct closed_conn *closes;
	size_t n_closes;
	/* early_close: the early closes of the sample before whose
	 * TIME_WAIT was not in it yet. */
	struct diag_early *early;
	size_t n_early;

	/*
	 * Namespaces: when the sample has a table of them (n_netns > 0),
	 * groups are keyed by namespace too (gkey.netns), host-wide rules are
	 * judged once per namespace, and every finding names its namespace.
	 * The rules read the host's numbers through the scope: rate[],
	 * nfct, counts, fullest_listener, fullest_fill, vanished and
	 * vanished_syn_sent are those of namespace cur_netns (set by
	 * diag_scope()), or the sample's own without namespaces.  The
	 * ephemeral port range is the host's for every namespace.
	 */
	bool by_netns;
	uint32_t cur_netns;
	const struct snapshot_nfct *nfct;
	const uint32_t *counts;       /* per state */
	struct diag_ns *ns;           /* per entry of snap->netns */
	size_t ns_cap;
};

/* The namespace part of a group key for entry e: its namespace when the
 * sample has namespaces, else 0 (nothing changes without them). */
static inline uint32_t
diag_netns_key(const struct diagnose *d, const struct sock_entry *e)
{
	return d->by_netns ? e->netns : 0;
}

/* Room for one more item after n in the array *itemsp (a pointer to
 * a pointer to items of `size` bytes) of capacity *cap, which doubles,
 * from `first`.  0, or -1 with nothing changed. */
static inline int
diag_grow(void *itemsp, size_t *cap, size_t n, size_t size, size_t first)
{
	void *items, *more;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : first;
	memcpy(&items, itemsp, sizeof(items));
	more = realloc(items, want * size);
	if (more == NULL)
		return -1;
	memcpy(itemsp, &more, sizeof(more));
	*cap = want;
	return 0;
}

static inline double
diag_cfg(const struct diagnose *d, enum diag_key key)
{
	return d->cfg.value[key];
}

/* The port that names a connection's service: the local port, unless it
 * is in the ephemeral range (a client's) and the remote one is not. */
static inline uint16_t
diag_service_port(const struct diagnose *d, const struct sock_entry *e)
{
	bool local_ephemeral = e->local_port >= d->port_low && e->local_port <= d->port_high;
	bool remote_ephemeral = e->remote_port >= d->port_low && e->remote_port <= d->port_high;

	return local_ephemeral && !remote_ephemeral ? e->remote_port : e->local_port;
}

/* The namespace a group's finding names: its key's for the groups of
 * closes (DIAG_SET_CLOSES), else its first socket's. */
static inline uint32_t
diag_group_netns(const struct diagnose *d, const struct diag_group *g)
{
	if (g->key.set == DIAG_SET_CLOSES)
		return g->key.netns;
	return d->snap->entries[g->example].netns;
}

/* ---- diagnose_rules.c */

/* The table, indexed by enum diag_rule. */
extern const struct diag_rule_def diag_rules[DIAG_RULE_COUNT];

/* The definition of a rule's key (NULL when no rule defines it). */
const struct diag_key_def *diag_rules_key_def(enum diag_key key);

/* Fills d->plan from the table and d->cfg. */
void diag_rules_plan(struct diagnose *d);

/* Whether e (not LISTEN) belongs in DIAG_SET_DEAD_PEER: ESTABLISHED with
 * tcp_info, nothing received for dead_peer.retrans_s while retransmitting
 * unanswered, or nothing sent or received for dead_peer.idle_s with no
 * timer armed. */
bool diag_rules_dead_peer(const struct diagnose *d, const struct sock_entry *e);

/* Runs every rule over this sample's groups: the worst
 * findings.max_per_rule candidates per rule, described, in d->found.
 * 0 or -1 (ENOMEM). */
int diag_rules_evaluate(struct diagnose *d);

/* ---- diagnose_group.c */

/* Groups the sockets of d->snap as d->plan says.  0 or -1 (ENOMEM). */
int diag_group_sample(struct diagnose *d);

/* The listener group of a local port in a namespace (the key's: 0
 * without namespaces), or NULL. */
const struct diag_group *diag_group_listener(const struct diagnose *d, uint32_t netns,
					     uint16_t port);

/* The group of key, or NULL. */
struct diag_group *diag_group_find(struct diagnose *d, const struct diag_gkey *key);

/* The group of key, created empty with `example` (an entry index) when
 * new; NULL when out of memory.  For groups an after_grouping hook makes
 * itself.  The array may move: keep indexes, not pointers, across
 * calls. */
struct diag_group *diag_group_add(struct diagnose *d, const struct diag_gkey *key,
				  uint32_t example);

/* The key (set, by DEST) of entry e: local address, remote address and
 * port. */
void diag_group_dest_key(struct diag_gkey *k, uint8_t set, const struct sock_entry *e);

void diag_group_free(struct diagnose *d);

/* ---- diagnose.c */

/*
 * Makes namespace netns the scope the rules read (see struct diagnose);
 * without namespaces, the sample itself whatever netns is.  The
 * per-namespace fullest listeners are known once diag_scope_prepare()
 * ran, after the grouping.
 */
void diag_scope(struct diagnose *d, uint32_t netns);
void diag_scope_prepare(struct diagnose *d);

/* The index of namespace netns in d->snap's table, or -1. */
ssize_t diag_ns_index(const struct diagnose *d, uint32_t netns);

/* Entry i of the sample before (an index statetrack_vanished() lists)
 * into *out: the fields kept of it, the others zero.  False when there is
 * no such entry. */
bool diag_prev_entry(const struct diagnose *d, uint32_t i, struct sock_entry *out);

/* The first holder of e, an entry of the sample before, or NULL. */
const struct owner_proc *diag_prev_owner(const struct diagnose *d, const struct sock_entry *e);

/* ---- diagnose_hysteresis.c */

/*
 * Moves every finding's record along its fire / hold / clearing / clear
 * counts with this sample's findings (found, n, any order; a level >= 1
 * is above the threshold) and lists the firing ones, worst first, in
 * h->shown.  now: the sample's monotonic seconds.  0 or -1 (ENOMEM).
 */
int diag_hysteresis_apply(struct diag_hysteresis *h, const struct diag_finding *found, size_t n,
			  double now, uint32_t fire_samples, uint32_t quiet_samples,
			  double clear_fraction);

void diag_hysteresis_free(struct diag_hysteresis *h);

#endif
