/*
 * record_write.h - writes snapshots to a tcpdeck recording (tcpdeck -w).
 *
 * Contract: one thread (the sampler's) opens a writer, adds sealed
 * snapshots in the order they were taken and closes it.  Each sample
 * reaches the kernel (write(2)) before record_writer_add() returns, so a
 * crash of tcpdeck loses at most the sample being written.  The first
 * write error ends recording for good: the partial record is cut off
 * again where possible, earlier samples stay, and every later call
 * returns -1 with the same cause.  Nothing here prints or exits.
 * The format is described in doc/record-format.md.
 */
#ifndef TCPDECK_RECORD_WRITE_H
#define TCPDECK_RECORD_WRITE_H

#include <stddef.h>

#include "snapshot.h"

/* Defaults: a keyframe (a whole sample) every 60 samples, and sooner once
 * the deltas since the last one exceed 8 MiB. */
#define RECORD_KEYFRAME_EVERY 60
#define RECORD_KEYFRAME_BYTES ((size_t)8 << 20)

struct record_writer;

/*
 * Opens path for recording ("-" is standard output) and writes the file
 * header.  An existing file is replaced only when it is empty or is a
 * tcpdeck recording already; any other regular file is refused (EEXIST),
 * so a mistyped -w cannot destroy unrelated data.  FIFOs and devices are
 * written as they are.  Returns NULL with errno and a one-line cause.
 */
struct record_writer *record_writer_open(const char *path, char *cause, size_t cause_len);

/* Same, on an open descriptor (not closed by the writer); name is used in
 * messages.  For tests. */
struct record_writer *record_writer_open_fd(int fd, const char *name, char *cause,
                                            size_t cause_len);

/* Changes the keyframe spacing (every >= 1 samples, max_delta_bytes >= 1).
 * Call before the first sample. */
void record_writer_set_keyframes(struct record_writer *w, unsigned int every,
                                 size_t max_delta_bytes);

/* Appends one sealed snapshot.  Returns 0, or -1 with errno and a cause
 * (such as ENOSPC); after a failure the writer only reports it again. */
int record_writer_add(struct record_writer *w, const struct snapshot *snap, char *cause,
                      size_t cause_len);

/* Samples written so far, and bytes (header included). */
unsigned long record_writer_samples(const struct record_writer *w);
unsigned long long record_writer_bytes(const struct record_writer *w);

/* Writes the end mark (unless writing failed before), closes and frees.
 * Returns 0, or -1 with errno and a cause when this or an earlier write
 * failed.  NULL is accepted. */
int record_writer_close(struct record_writer *w, char *cause, size_t cause_len);

#endif
