/*
 * history.h - the history of a few series (per-state counts, counter
 * rates) that feeds the sparklines.
 *
 * A fixed ring of rows, one value per series: its memory is set at
 * creation and does not depend on how many sockets there are.  A sample the reader never saw
 * (the snapshot ring lapped it) is recorded as a gap, so time stays
 * evenly spaced on screen.
 * Owned by one thread (the UI); not thread-safe.
 */
#ifndef TCPDECK_HISTORY_H
#define TCPDECK_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "tcp_state.h"

/* Marks a sample that was never seen. */
#define HISTORY_GAP UINT32_MAX

/* Enough for 10 minutes at the shortest interval (0.1 s). */
#define HISTORY_DEFAULT_CAPACITY 6000

struct history;

/* Returns a history of `capacity` rows of n_series values, or NULL with
 * errno. */
struct history *history_new_series(size_t capacity, size_t n_series);

/* history_new_series() with one series per TCP state (enum tcp_state). */
struct history *history_new(size_t capacity);
void history_free(struct history *hist);

/* Appends one sample's row (a value per series); the oldest falls off
 * when full. */
void history_push(struct history *hist, const uint32_t *values);

/* Appends `n` gaps (capped at the capacity). */
void history_push_gaps(struct history *hist, uint64_t n);

/* Forgets every sample (a new filter starts a new history). */
void history_clear(struct history *hist);

/* Samples held (at most the capacity), the capacity, the series. */
size_t history_len(const struct history *hist);
size_t history_capacity(const struct history *hist);
size_t history_series(const struct history *hist);

/*
 * Copies up to n values of one series (a state) into out, oldest first, and returns
 * how many were copied: the newest ones, leaving out the newest
 * skip_newest (a paused view skips what arrived since it froze).  Gaps
 * read as HISTORY_GAP.
 */
size_t history_read(const struct history *hist, size_t series, size_t skip_newest, size_t n,
		    uint32_t *out);

#endif
