/*
 * record_read.h - reads a tcpdeck recording (tcpdeck -w): an index of its
 * samples and any sample decoded into a snapshot.
 *
 * Contract: one thread at a time uses a reader.  Samples are numbered
 * from 0.  The reader learns of samples as it reads ahead
 * (record_reader_reach); loading sample i decodes from the keyframe at or
 * before it, or onwards from the sample decoded last.
 *
 * Files are read with pread() and may still be growing (a recording being
 * written): reaching past the known end tries again.  Standard input and
 * other pipes are read once, in order; to step back the reader keeps the
 * raw records of the last RECORD_READ_PIPE_KEEP bytes (whole keyframe
 * groups), and loading an older sample fails with a cause saying so.
 *
 * A recording cut short (crash, full disk) yields every whole sample; the
 * note (record_reader_note) then says at which byte and sample it
 * stopped.  A corrupt record stops the index there and is reported as an
 * error once the samples before it are used up.  Nothing here prints or
 * exits; errors are -1 with errno and a one-line cause.
 */
#ifndef TCPDECK_RECORD_READ_H
#define TCPDECK_RECORD_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "snapshot.h"

#define RECORD_READ_PIPE_KEEP ((size_t)128 << 20)

struct record_reader;

/* What the file header says. */
struct record_info {
	unsigned int version;
	unsigned int flags;
	unsigned int keyframe_every;
	char host[256];
	struct timespec start_wall;
	struct timespec start_mono;
};

/*
 * Opens path ("-": standard input) and checks its header: the magic, a
 * known version and flags, the header's checksum.  Returns NULL with
 * errno (EINVAL for a file that is not a recording, ENOTSUP for a newer
 * version) and a one-line cause.
 */
struct record_reader *record_reader_open(const char *path, char *cause, size_t cause_len);

/* Same on a descriptor, which the reader takes over (closes); name is
 * used in messages. */
struct record_reader *record_reader_open_fd(int fd, const char *name, char *cause,
                                            size_t cause_len);

/* Same on bytes in memory, which must outlive the reader (tests, fuzzing). */
struct record_reader *record_reader_open_mem(const void *bytes, size_t len, const char *name,
                                             char *cause, size_t cause_len);

const struct record_info *record_reader_info(const struct record_reader *r);

/*
 * Reads ahead until sample i is indexed.  Returns 0 when it is, 1 when
 * the input has no such sample (now: a file may grow; a pipe has ended),
 * -1 with errno and a cause when a corrupt record or a read error stands
 * before it.  On a pipe this blocks until the bytes arrive.
 */
int record_reader_reach(struct record_reader *r, size_t i, char *cause, size_t cause_len);

/* False for a pipe: reading ahead there waits for the writer. */
bool record_reader_seekable(const struct record_reader *r);

/* Samples indexed so far. */
size_t record_reader_known(const struct record_reader *r);

/* True once the end is final: the end mark was read, the pipe ended, or a
 * corrupt record stopped the index. */
bool record_reader_finished(const struct record_reader *r);

/* Why the index stops where it does when that is not the end mark: the
 * recording was cut or is still being written (for example "cut at byte
 * 5120 inside sample 12; the 12 samples before it are whole").  "" when
 * the end mark was read or nothing is known yet. */
const char *record_reader_note(const struct record_reader *r);

/* The times sample i (indexed) was taken.  Returns 0, or -1 (ERANGE). */
int record_reader_time(const struct record_reader *r, size_t i, struct timespec *wall,
                       struct timespec *mono);

/* The last indexed sample taken at or before wall time t (the first one
 * when t is earlier than all). */
size_t record_reader_find_time(const struct record_reader *r, const struct timespec *t);

/*
 * Decodes sample i (reaching it first) into snap, which must be empty and
 * unsealed: entries, owner table (a reference, shared with neighbouring
 * samples while it did not change), counters, times, sample_ns,
 * dump_restarts, owners_partial, and (version 4) the namespace table
 * with its note (each namespace's names, counters and conntrack fill;
 * snapshot_seal() counts its sockets).  The caller seals it.  Returns 0,
 * 1 when there is no sample i, or -1 with errno and a cause.
 */
int record_reader_load(struct record_reader *r, size_t i, struct snapshot *snap, char *cause,
                       size_t cause_len);

void record_reader_free(struct record_reader *r);

#endif
