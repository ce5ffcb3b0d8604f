/*
 * ring.h - the one meeting point of the sampler thread and its reader.
 *
 * Contract:
 *  - One writer (the sampler) publishes sealed snapshots; one or more
 *    readers (the UI or batch loop) take references to them.
 *  - The mutex is held only to swap pointers and bump reference counts,
 *    never while a snapshot is built, printed or drawn.
 *  - Every publish, failure and close makes ring_wake_fd() readable, so a
 *    reader can poll() it together with the keyboard.  ring_drain_wake()
 *    clears it.
 *  - A slot overwritten by a newer snapshot drops the ring's reference;
 *    a reader still holding the old snapshot keeps it alive.
 */
#ifndef TCPDECK_RING_H
#define TCPDECK_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

struct ring;

/* Returns a ring of `capacity` slots (at least 1), or NULL with errno. */
struct ring *ring_new(unsigned int capacity);

/* Frees the ring and drops its references.  No thread may still use it. */
void ring_free(struct ring *ring);

/* Takes over the caller's reference to snap, stamps snap->seq (1, 2, ...)
 * and wakes the reader. */
void ring_publish(struct ring *ring, struct snapshot *snap);

/* The newest snapshot with a new reference, or NULL when none yet. */
struct snapshot *ring_latest(struct ring *ring);

/*
 * The oldest snapshot still in the ring whose seq is greater than
 * after_seq, with a new reference; NULL when there is none.  *missed (if
 * not NULL) receives how many snapshots after after_seq were overwritten
 * before the reader got to them.
 */
struct snapshot *ring_next(struct ring *ring, uint64_t after_seq, uint64_t *missed);

/*
 * The reader is done with every snapshot up to and including seq: the ring
 * drops its references to those of them that are not the newest.  A ring
 * otherwise keeps `capacity` snapshots alive until they are overwritten,
 * which at a million sockets is 137 MiB each, while the reader's models
 * already hold what they need.  Only for a ring with one reader (the UI or
 * the batch loop); ring_next() after a release returns nothing older than
 * what is left.
 */
void ring_release(struct ring *ring, uint64_t seq);

/* Sequence number of the newest snapshot, 0 when none. */
uint64_t ring_last_seq(struct ring *ring);

/* Records that the writer stopped for good: err is an errno value (0 for
 * a normal end, such as a sample limit reached), message a one-line cause. */
void ring_close(struct ring *ring, int err, const char *message);

/* True once ring_close() was called; then *err and message (if not NULL)
 * receive what it was given. */
bool ring_closed(struct ring *ring, int *err, char *message, size_t message_len);

/* A descriptor that polls readable after a publish or close. */
int ring_wake_fd(const struct ring *ring);

/* Consumes pending wake-ups. */
void ring_drain_wake(struct ring *ring);

#endif
