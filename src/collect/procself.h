/*
 * procself.h - what a process exporter says about itself: CPU time,
 * memory, descriptors and start time, read from /proc/self (the
 * process_* metrics every Prometheus client library exports).
 *
 * The parsers work on bytes (a file's contents) so tests feed them
 * fixtures; procself_read() does the I/O, with the /proc root as a
 * parameter.  Plain values; any thread.  Nothing here prints or exits.
 */
#ifndef TCPDECK_PROCSELF_H
#define TCPDECK_PROCSELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct procself {
	double cpu_seconds;         /* utime + stime */
	double start_time_seconds;  /* since the epoch */
	uint64_t virtual_bytes;     /* vsize */
	uint64_t resident_bytes;    /* rss pages * page size */
	uint64_t open_fds;          /* entries of fd/ */
	uint64_t max_fds;           /* soft RLIMIT_NOFILE; 0: unlimited */
	bool has_max_fds;
};

/*
 * Parses the contents of /proc/PID/stat (len bytes): ticks per second
 * `hz`, page size `page`, boot time `btime` (seconds since the epoch).
 * The command may hold spaces and parentheses: fields are counted after
 * the last ')'.  Returns 0, or -1 with errno EINVAL.
 */
int procself_parse_stat(struct procself *ps, const char *text, size_t len, long hz, long page,
			uint64_t btime);

/* The "btime" line of /proc/stat; 0, or -1 with errno EINVAL. */
int procself_parse_btime(const char *text, size_t len, uint64_t *btime);

/* The soft limit of "Max open files" in /proc/PID/limits; 0, or -1 with
 * errno EINVAL.  "unlimited" leaves has_max_fds false. */
int procself_parse_limits(struct procself *ps, const char *text, size_t len);

/* Reads <proc_root>/self/{stat,limits,fd} and <proc_root>/stat into ps
 * (zeroed first).  Returns 0, or -1 with errno. */
int procself_read(struct procself *ps, const char *proc_root);

#endif
