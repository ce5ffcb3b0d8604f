/*
 * log.h - optional debug log to a file (-v FILE), never to the terminal.
 * Any thread; each message is written with one call, so lines from the
 * sampler and the UI do not interleave.
 */
#ifndef TCPDECK_LOG_H
#define TCPDECK_LOG_H

/* Opens (appends to) path.  Returns 0, or -1 with errno. */
int log_open(const char *path);
void log_close(void);

/* Writes one timestamped line when a log is open; otherwise nothing. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether a log is open (what only the log wants can then be skipped). */
int log_enabled(void);

/* Writes what the allocator holds (in use, free, mapped), so a slow growth
 * of the resident set can be told from fragmentation; nothing without a
 * log, or where the C library cannot say. */
void log_heap(const char *who);

#endif
