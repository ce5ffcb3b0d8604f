/*
 * conntrack.h - what tcpdeck knows about each connection across samples.
 *
 * Fed every snapshot in order, it remembers per socket (by network
 * namespace and cookie: sock_entry_same()) when
 * it was first seen, its byte counters at the previous sample (for send
 * and receive rates), the states it was seen in with their times, and
 * whether it is new or changed state in the latest sample.  Sockets that
 * disappeared are kept as tombstones for `linger` seconds, so a view can
 * show them closing (TCPView's red rows).  Memory is per live socket plus
 * the tombstones, independent of history length.
 * Owned by one thread (the UI or the batch loop); not thread-safe.
 */
#ifndef TCPDECK_CONNTRACK_H
#define TCPDECK_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* States remembered per connection (the newest ones). */
#define CONNTRACK_STATES 6

enum conn_mark {
	CONN_STEADY = 0,
	CONN_NEW,     /* first seen within the highlight time */
	CONN_CHANGED, /* changed state within the highlight time */
	CONN_GONE,    /* a tombstone */
};

/*
 * 48 bytes: the table's tracker keeps two generations of one record per
 * socket, so at a million sockets every byte here costs 2 MB.  What a
 * record can take from elsewhere it does: the socket it describes is the
 * snapshot entry it sits beside (conntrack_get_at(): entry i, record i),
 * the byte counters of the last sample are the previous snapshot's, the
 * time of each state is kept as milliseconds after the first sight (only
 * the details page shows them), and the time of the mark is that of the
 * newest state: a socket is marked when it is first seen or changes
 * state.  Rates are single precision: seven significant digits of bytes
 * a second.
 */
struct conn_info {
	double first_seen;       /* seconds, on the snapshots' monotonic clock */
	float send_rate;         /* bytes acked per second since the last
				  * sample; negative until a second sample */
	float recv_rate;         /* bytes received per second; likewise */
	/* When each state was first seen, in ms after first_seen
	 * (saturating): conntrack_state_time() gives seconds. */
	uint32_t state_ms[CONNTRACK_STATES];
	uint8_t mark;            /* enum conn_mark, as of the latest sample */
	uint8_t n_states;
	uint8_t states[CONNTRACK_STATES];   /* oldest first */
};

/* When state i (0 the oldest) of info was first seen, in seconds on the
 * snapshots' clock, to the millisecond. */
double conntrack_state_time(const struct conn_info *info, int i);

/* When info became new or changed state (what its mark tells): the time
 * of its newest state. */
double conntrack_marked_at(const struct conn_info *info);

struct conntrack;

/* highlight_s: how long new and changed rows stay marked, and tombstones
 * stay listed (0 disables both).  NULL with errno. */
struct conntrack *conntrack_new(double highlight_s);
void conntrack_free(struct conntrack *ct);

/* Takes in the next snapshot.  Returns 0 or -1 (ENOMEM). */
int conntrack_update(struct conntrack *ct, struct snapshot *snap);

/*
 * The same in steps, so that a caller with a keyboard to answer can look
 * at it in between: conntrack_begin() takes a reference to snap (0, or -1
 * with ENOMEM), then each conntrack_step() takes at most max_entries of
 * its entries and returns 1 while some are left, 0 once the update is
 * done, as conntrack_update() would have left it, or -1 (ENOMEM: the
 * update is dropped).  Until it is done every other function answers
 * for the snapshot before, as if no update had begun.  A begin while
 * another update is under way drops that one first; a step with none
 * under way returns 0.
 */
int conntrack_begin(struct conntrack *ct, struct snapshot *snap);
int conntrack_step(struct conntrack *ct, size_t max_entries);

/* Drops the update under way, if any, as a begin would. */
void conntrack_drop(struct conntrack *ct);

/* The snapshot an update in steps is taking in, or NULL. */
const struct snapshot *conntrack_taking(const struct conntrack *ct);

/* The last snapshot taken in whole, or NULL. */
const struct snapshot *conntrack_latest(const struct conntrack *ct);

/* What is known of the live socket (netns, cookie), or NULL. */
const struct conn_info *conntrack_get(const struct conntrack *ct, uint32_t netns, uint64_t cookie);

/* What is known of entry i of the latest snapshot fed: what
 * conntrack_get() of its (netns, cookie) gives, without the hash lookup (for a
 * cookie listed twice in one dump, a copy of it), or NULL. */
const struct conn_info *conntrack_get_at(const struct conntrack *ct, size_t i);

/* Tombstones of the latest update: sockets gone less than highlight_s
 * ago, with their last entry and, through *owners (may be NULL), the
 * owner table its owner field indexes (NULL when none). */
size_t conntrack_gone_count(const struct conntrack *ct);
const struct sock_entry *conntrack_gone_entry(const struct conntrack *ct, size_t i,
					       const struct conn_info **info,
					       const struct owner_table **owners);

/* Seconds of the latest snapshot fed, on its monotonic clock. */
double conntrack_now(const struct conntrack *ct);

double conntrack_highlight(const struct conntrack *ct);

#endif
