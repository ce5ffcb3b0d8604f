/*
 * statetrack.h - state transitions between consecutive samples.
 *
 * Fed every snapshot in order, it tells per TCP state how many sockets
 * entered and left it since the previous sample (and per second), how
 * many connections opened (a cookie not seen before) and closed (a cookie
 * that vanished), and per socket since when it has been in its current
 * state: what "CLOSE_WAIT for 95 s" or "FIN_WAIT2 for 10 min" needs.
 * For the connections with data queued it also tells how long that data
 * has not moved: unread data waiting in Recv-Q while the application
 * reads nothing, and sends held back by the peer's window.
 *
 * Sockets are identified by (sock_entry.netns, sock_entry.cookie): two
 * namespaces may hand out the same cookie.  The kernel gives TIME_WAIT
 * and request (SYN_RECV) sockets cookies too, and a socket that becomes
 * TIME_WAIT keeps its cookie, so FIN_WAIT2 -> TIME_WAIT is a transition,
 * not a close and an open.  A request socket's accepted child gets a new
 * cookie: SYN_RECV is left by a close and ESTABLISHED entered by an open.
 * Entries with cookie 0 are not tracked.
 *
 * Cost: a radix sort of the cookies and one merge with the previous
 * sample's sorted list, in memory reused between samples (no allocation
 * once the socket count is stable); about 2.5 ms at 100,000 sockets.
 * Memory is per live socket of the latest sample (68 bytes each; 12
 * more when the cookies span 2^32 or more, 8 more when the sample has
 * several namespaces), and 32 bytes per socket with data queued.  Of
 * those, 38 bytes a socket serve only the update: after a sample of more
 * than PAGE_RELEASE_FROM_SOCKETS (page_release.h) their pages are given
 * back until the next.
 *
 * Owned by one thread (the UI or the batch loop); not thread-safe.
 * Nothing here prints or exits.
 */
#ifndef TCPDECK_STATETRACK_H
#define TCPDECK_STATETRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* One state's traffic between the previous sample and the latest. */
struct statetrack_flow {
	uint32_t count;       /* sockets in the state now (distinct cookies) */
	uint32_t entered;     /* came into it: new sockets and transitions */
	uint32_t left;        /* went out of it: vanished and transitions */
	double entered_per_s; /* entered / interval; 0 without an interval */
	double left_per_s;
};

struct statetrack_summary {
	double now;           /* taken_mono of the latest sample, seconds */
	double interval_s;    /* since the previous sample; 0 on the first */
	bool has_rates;       /* false on the first sample (nothing to
			       * compare with) and after a clock step back */
	uint64_t samples;     /* snapshots fed so far */
	struct statetrack_flow states[TCP_STATE_COUNT];
	uint32_t opened;      /* cookies not in the previous sample */
	uint32_t closed;      /* cookies of the previous sample now gone */
	double opened_per_s;
	double closed_per_s;
};

struct statetrack;

/* An empty tracker, or NULL with errno (ENOMEM). */
struct statetrack *statetrack_new(void);

/* NULL is accepted. */
void statetrack_free(struct statetrack *st);

/*
 * Takes in the next snapshot (sealed; taken_mono not earlier than the
 * previous one's).  The snapshot is only read during the call: no
 * reference is kept.  Feeding the same snapshot (same nonzero seq) twice
 * in a row changes nothing.  Returns 0, or -1 with errno ENOMEM, after
 * which the tracker starts over on the next snapshot as if it were the
 * first.
 */
int statetrack_update(struct statetrack *st, const struct snapshot *snap);

/*
 * statetrack_update() over only the sockets `selected` keeps (a filter):
 * the others count as not there, so a socket that leaves the selection
 * has closed for this tracker.  Keep feeding a tracker with the same
 * selection; a new selection wants a new tracker.
 */
int statetrack_update_selected(struct statetrack *st, const struct snapshot *snap,
			       bool (*selected)(const void *arg, const struct sock_entry *e),
			       const void *arg);

/* Rates of the latest update (all zero before the first). */
const struct statetrack_summary *statetrack_summary(const struct statetrack *st);

/*
 * Since when entry i of the latest snapshot has been in its state, as
 * seconds on the snapshots' monotonic clock; -1 when unknown (cookie 0,
 * i out of range).  *lower_bound (may be NULL) is set when the socket was
 * already in that state in the first sample fed, so the true time is
 * earlier: say "at least" when showing the age.
 */
double statetrack_since_at(const struct statetrack *st, size_t i, bool *lower_bound);

/* The same for a socket of the latest snapshot by (netns, cookie) (a
 * binary search); -1 when it is not in it. */
double statetrack_since(const struct statetrack *st, uint32_t netns, uint64_t cookie,
			bool *lower_bound);

/* How long a connection's queued data has not moved. */
struct statetrack_stall {
	double unread_s;    /* Recv-Q above zero and the application has
			     * read nothing for this many seconds; -1 when
			     * nothing waits */
	double blocked_s;   /* Send-Q above zero held by the peer's window
			     * (zero-window probes, a window of 0, or limited
			     * by it for most of the interval) for this
			     * many seconds; -1 when not */
	bool unread_lower;  /* already so at the first sample: at least */
	bool blocked_lower;
};

/*
 * The stalls of the socket (netns, cookie) of the latest snapshot, in *out.
 * "Read nothing" is exact with tcp_info (bytes_received - Recv-Q, what
 * the application has read, unchanged), else Recv-Q unchanged.  A stall
 * seen to begin is dated back by tcp_info: unread data is at least as old
 * as the last data received (tcpi_last_data_recv), a window closed about
 * when the last data went out (tcpi_last_data_sent); never before the
 * previous sample for a socket that was in it.  Returns false (both -1)
 * when the socket has no stall or is not in the latest snapshot.  A
 * binary search over the queued sockets only.
 */
bool statetrack_stall(const struct statetrack *st, uint32_t netns, uint64_t cookie,
		      struct statetrack_stall *out);

/* The same for entry i of the latest snapshot, without a search: what
 * statetrack_stall() says for its (netns, cookie); false for an entry
 * with no data queued or untracked, and for i out of range. */
bool statetrack_stall_at(const struct statetrack *st, size_t i, struct statetrack_stall *out);

/*
 * The sockets of the snapshot fed before the latest that are gone from the
 * latest (closed, reset, or left the selection): their entry indexes in
 * that snapshot, in *entries, ascending by (cookie, netns).  *taken is that
 * snapshot's taken_mono in seconds (timespec_seconds()), so a caller
 * holding a snapshot can check it is the one meant; -1 (and a count of 0)
 * after the first update.  Valid until the next update.
 */
size_t statetrack_vanished(const struct statetrack *st, const uint32_t **entries, double *taken);

/* The network namespace of each socket statetrack_vanished() lists, in
 * the same order (NULL when it lists none): what a caller that no longer
 * holds that snapshot can file them by.  Valid until the next update. */
const uint32_t *statetrack_vanished_netns(const struct statetrack *st);

/*
 * One state's line for a panel: "TIME_WAIT 18,204 +910/s -880/s", or
 * without rates (first sample) "TIME_WAIT 18,204".  Returns the length
 * snprintf() would have written.
 */
int statetrack_flow_text(const struct statetrack *st, enum tcp_state state, char *out,
			 size_t out_len);

/* Seconds entry i has been in its state (now - since, in whole
 * milliseconds), or -1; exactly 0 for a socket that entered its state at
 * the latest sample. */
double statetrack_age_at(const struct statetrack *st, size_t i, bool *lower_bound);

#endif
