/*
 * kcounters.h - the kernel's TCP counters from /proc/net/snmp ("Tcp:")
 * and /proc/net/netstat ("TcpExt:"), the numbers behind `nstat` and
 * `sar -n TCP,ETCP`.
 *
 * Parsing works on bytes (a file's contents), so live data, recordings
 * and fixtures share one parser; reading the files is a separate call
 * whose /proc root is a parameter.  Counters are found by name, not by
 * column position, because the column sets differ between kernels; a
 * counter this kernel lacks is marked missing, not zero.
 * Plain values: any thread may use them.  Nothing here prints or exits.
 */
#ifndef TCPDECK_KCOUNTERS_H
#define TCPDECK_KCOUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The counters tcpdeck follows.  The order is part of the record file
 * format (doc/record-format.md): append new ones before KC_COUNT only. */
enum kcounter {
	KC_ACTIVE_OPENS,       /* Tcp: ActiveOpens (connect() calls) */
	KC_PASSIVE_OPENS,      /* Tcp: PassiveOpens (accepted handshakes) */
	KC_ATTEMPT_FAILS,      /* Tcp: AttemptFails */
	KC_ESTAB_RESETS,       /* Tcp: EstabResets */
	KC_CURR_ESTAB,         /* Tcp: CurrEstab (a gauge, not a counter) */
	KC_IN_SEGS,            /* Tcp: InSegs */
	KC_OUT_SEGS,           /* Tcp: OutSegs */
	KC_RETRANS_SEGS,       /* Tcp: RetransSegs */
	KC_IN_ERRS,            /* Tcp: InErrs */
	KC_OUT_RSTS,           /* Tcp: OutRsts */
	KC_LISTEN_OVERFLOWS,   /* TcpExt: ListenOverflows */
	KC_LISTEN_DROPS,       /* TcpExt: ListenDrops */
	KC_SYNCOOKIES_SENT,    /* TcpExt: SyncookiesSent */
	KC_SYNCOOKIES_RECV,    /* TcpExt: SyncookiesRecv */
	KC_SYNCOOKIES_FAILED,  /* TcpExt: SyncookiesFailed */
	KC_TIMEOUTS,           /* TcpExt: TCPTimeouts */
	KC_SYN_RETRANS,        /* TcpExt: TCPSynRetrans */
	KC_ABORT_ON_DATA,      /* TcpExt: TCPAbortOnData */
	KC_ABORT_ON_CLOSE,     /* TcpExt: TCPAbortOnClose */
	KC_ABORT_ON_TIMEOUT,   /* TcpExt: TCPAbortOnTimeout */
	KC_ABORT_ON_MEMORY,    /* TcpExt: TCPAbortOnMemory */
	KC_TW,                 /* TcpExt: TW (TIME_WAIT ended by timer) */
	KC_TW_RECYCLED,        /* TcpExt: TWRecycled */
	KC_TW_KILLED,          /* TcpExt: TWKilled */
	KC_REQ_Q_FULL_DROP,    /* TcpExt: TCPReqQFullDrop */
	KC_REQ_Q_FULL_COOKIE,  /* TcpExt: TCPReqQFullDoCookies */
	KC_COUNT
};

struct kcounters {
	uint64_t value[KC_COUNT];
	uint32_t present;      /* bit (1u << enum kcounter): the kernel has it */
};

/* What a counter is called in its file ("ActiveOpens"), its group ("Tcp"
 * or "TcpExt"), a short label for the dashboard ("active opens"), and
 * whether it is a gauge (its value, not its rate, is what matters).
 * NULL / false for an out-of-range index. */
const char *kcounter_name(enum kcounter c);
const char *kcounter_group(enum kcounter c);
const char *kcounter_label(enum kcounter c);
bool kcounter_is_gauge(enum kcounter c);

/* Index of the counter with that file name ("ListenOverflows"), or -1. */
int kcounter_find(const char *name);

/*
 * Parses the contents of /proc/net/snmp or /proc/net/netstat (len bytes,
 * not necessarily NUL-terminated): pairs of lines "Group: Name Name ..." /
 * "Group: value value ...".  Sets the counters it finds and their present
 * bits, leaving the others as they are, so both files can be parsed into
 * one struct.  Other groups (Ip:, Udp:, IpExt: ...) are skipped.
 * Returns 0, or -1 with errno EINVAL when a Tcp/TcpExt header and value
 * line do not pair up (different lengths, a value that is not a number).
 */
int kcounters_parse(struct kcounters *kc, const char *text, size_t len);

/*
 * Reads <proc_root>/net/snmp and <proc_root>/net/netstat (proc_root
 * usually "/proc") into kc, which is zeroed first.  Returns 0, or -1 with
 * errno (from open/read, or EINVAL from the parser).  A missing netstat
 * file is not an error: its counters stay missing.
 */
int kcounters_read(struct kcounters *kc, const char *proc_root);

/*
 * kcounters_read() from files opened earlier (net/snmp and net/netstat),
 * read from offset 0 with pread(), so the same fds serve every sample.
 * A /proc/net file stays bound to the network namespace of whoever
 * opened it: this is how another namespace's counters are read without
 * entering it.  netstat_fd may be -1 (its counters stay missing).
 * Returns 0, or -1 with errno (EBADF: snmp_fd < 0).
 */
int kcounters_read_fds(struct kcounters *kc, int snmp_fd, int netstat_fd);

/* True when the kernel of this reading has counter c. */
bool kcounters_has(const struct kcounters *kc, enum kcounter c);

/*
 * How much counter c grew between two readings.  Returns false (delta
 * untouched) for a gauge, when the counter is missing in either reading,
 * or when it went backwards (a namespace change or reset).
 */
bool kcounters_delta(const struct kcounters *older, const struct kcounters *newer, enum kcounter c,
		     uint64_t *delta);

/*
 * Per-second rate of counter c between two readings dt_s seconds apart.
 * Returns false (rate untouched) when the counter is missing in either
 * reading, dt_s <= 0, or the counter went backwards (a namespace change or
 * reset).  A gauge's "rate" is its newer value: only the newer reading
 * must have it, and dt_s does not matter.
 */
bool kcounters_rate(const struct kcounters *older, const struct kcounters *newer,
		    enum kcounter c, double dt_s, double *rate);

#endif
