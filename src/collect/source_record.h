/*
 * source_record.h - a tcpdeck recording (tcpdeck -w) replayed as a source,
 * and the controls a replay UI drives it with.
 *
 * Threads: the source itself (sample, pace) runs on the sampler thread
 * like any source.  The control functions below may be called from any
 * thread (the UI's): they only leave a request under a mutex, which the
 * sampler thread carries out on its next sample.  After a control call,
 * call sampler_wake() so the sampler acts on it at once instead of after
 * the current wait.
 *
 * Lifetime: the control belongs to the source.  It stays valid until the
 * source is closed (sampler_free() closes the sampler's source); the UI
 * must not use it after that.
 *
 * Pacing: samples come out at the pace they were recorded (the difference
 * of their CLOCK_MONOTONIC times) divided by the speed.  Once a control
 * was asked for (source_record_control), the replay does not end at the
 * last sample: it holds there, paused, so the user can step back, and
 * picks up samples appended later to a recording still being written.
 * Without a control it ends after the last sample, like a batch run.
 *
 * Stepping back from a pipe (-r -) works within the window the reader
 * keeps (RECORD_READ_PIPE_KEEP); further back, the sample fails to load,
 * the position stays and status.error says why.
 */
#ifndef TCPDECK_SOURCE_RECORD_H
#define TCPDECK_SOURCE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "source.h"

#define SOURCE_RECORD_MIN_SPEED 0.01
#define SOURCE_RECORD_MAX_SPEED 1000.0

struct source_record_control;

/* Opens a recording as a source ("-": standard input).  Returns 0, or -1
 * with errno and a one-line cause (not a recording, unknown version,
 * unreadable). */
int source_record_open(struct source *src, const char *path, char *cause, size_t cause_len);

/* The controls of a source opened by source_record_open(), or NULL for
 * any other source.  Asking for them turns on holding at the end. */
struct source_record_control *source_record_control(struct source *src);

/* Pause (true) or play on (false) at the current position. */
void source_record_pause(struct source_record_control *ctl, bool paused);

/* Pauses and moves by delta samples from the one shown (-1: back one,
 * +1: forward one), clamped to the first and the last sample. */
void source_record_step(struct source_record_control *ctl, long delta);

/* Shows the last sample taken at or before wall-clock time t (the first
 * sample when t is earlier), keeping the pause state. */
void source_record_seek_time(struct source_record_control *ctl, const struct timespec *t);

/* Shows sample index (the last one when there are fewer), keeping the
 * pause state. */
void source_record_seek_index(struct source_record_control *ctl, size_t index);

/* Playback speed, clamped to [SOURCE_RECORD_MIN_SPEED, _MAX_SPEED]: 2 plays
 * twice as fast as recorded.  Returns the value applied. */
double source_record_set_speed(struct source_record_control *ctl, double speed);

struct source_record_status {
	size_t shown;     /* index of the sample last published */
	bool shown_valid; /* false before the first */
	size_t known;     /* samples indexed so far */
	bool finished;    /* no more samples will come */
	bool paused;
	double speed;
	struct timespec shown_wall; /* when the shown sample was taken */
	struct timespec first_wall; /* first and last known samples */
	struct timespec last_wall;
	char host[256];  /* where it was recorded */
	char error[200]; /* last failed request (e.g. a step back
	                  * beyond a pipe's window), "" if none */
};

/* A consistent copy of where the replay stands. */
void source_record_status(struct source_record_control *ctl, struct source_record_status *st);

/*
 * Opens path for replay, telling the kind by its first bytes: a tcpdeck
 * recording (its magic) or else a dump written by `ss -D`.  "-" (standard
 * input) is read as a recording.  *is_recording (may be NULL) says which.
 * Returns 0, or -1 with errno and a one-line cause.
 */
int source_replay_open(struct source *src, const char *path, bool *is_recording, char *cause,
                       size_t cause_len);

#endif
