/*
 * sampler.h - the sampler thread.
 *
 * Contract: the sampler owns its source.  It takes a sample, seals it and
 * publishes it into the ring, then sleeps until the next interval; it
 * never touches the terminal.  When the source fails or the sample limit
 * is reached it closes the ring (ring_close) with the cause and ends.
 * sampler_set_interval() and sampler_stop() may be called from any thread.
 * Shutdown sets a flag, wakes the thread and joins it: no cancellation.
 */
#ifndef TCPDECK_SAMPLER_H
#define TCPDECK_SAMPLER_H

#include <stdint.h>

#include "procmap.h"
#include "ring.h"
#include "source.h"

#define SAMPLER_MIN_INTERVAL 0.1
#define SAMPLER_MAX_INTERVAL 60.0

struct sampler;

/*
 * Creates a sampler that will read src (taking it over) and publish into
 * ring every interval_s seconds, max_samples times (0: no limit).
 * Returns NULL with errno.
 */
struct sampler *sampler_new(struct source *src, struct ring *ring, double interval_s,
			    unsigned long max_samples);

/* Gives the sampler a process map (taken over) to attribute every sample's
 * sockets to processes.  Call before sampler_start(). */
void sampler_set_procmap(struct sampler *sampler, struct procmap *map);

/*
 * Gives the sampler a recording writer (taken over): every published
 * snapshot is then written to it, on the sampler thread, right after it
 * is published.  A write error stops sampling: the ring is closed with
 * the writer's cause (the samples written before stay in the file).  The
 * writer is closed (end mark) when the thread ends.  Call before
 * sampler_start().
 */
struct record_writer;
void sampler_set_recorder(struct sampler *sampler, struct record_writer *writer);

/*
 * Gives the sampler a close listener (close_listener.h, taken over,
 * started by the caller): with each sample it follows the sample's
 * namespaces and moves the closes heard since the sample before into
 * it.  Freed with the sampler.  Call before sampler_start().
 */
struct close_listener;
void sampler_set_close_listener(struct sampler *sampler, struct close_listener *listener);

/* Makes the sampler ask its source's pace again now (after a replay
 * control such as pause, step or seek).  Any thread. */
void sampler_wake(struct sampler *sampler);

/*
 * The dashboard has shown every sample up to `seq` and let go of the
 * ones before it.  Until it has shown the newest one published, the
 * sampler waits before its next dump, for at most half an interval past
 * the time it was due: otherwise, when a dump takes about as long as the
 * interval, the next sample is filled while the dashboard still holds
 * the one on screen and takes in the newest, three samples' arrays at
 * once (411 MiB at a million sockets; two with the wait).
 * SAMPLER_SHOWN_ALL (the default, and what a paused dashboard says):
 * nobody is waited for.  Any thread.
 */
#define SAMPLER_SHOWN_ALL UINT64_MAX
void sampler_shown(struct sampler *sampler, uint64_t seq);

/* Starts the thread with every signal blocked in it, so signals such as
 * SIGWINCH reach the thread that polls the terminal.  Returns 0 or -1. */
int sampler_start(struct sampler *sampler);

/* Clamps to [SAMPLER_MIN_INTERVAL, SAMPLER_MAX_INTERVAL] and applies it
 * from the next sample on; returns the value applied. */
double sampler_set_interval(struct sampler *sampler, double interval_s);
double sampler_interval(struct sampler *sampler);

/* Stops and joins the thread; safe to call more than once. */
void sampler_stop(struct sampler *sampler);

/* Stops if needed, then frees the sampler and its source. */
void sampler_free(struct sampler *sampler);

#endif
