/*
 * diagnose.h - plain-word diagnoses of a sample: "nginx (pid 812) holds
 * 412 sockets in CLOSE_WAIT, oldest 95 s".
 *
 * Rules look at the latest snapshot (states, queues, owners), at the
 * state tracker (time in state, sockets entering a state) and at the
 * kernel counters' rates between this sample and the previous one, per
 * process, per port, per peer or per destination.  Each finding carries a
 * severity, a stable id, a title, the numbers behind it, who is
 * responsible (a process or a port) and what to check next.
 *
 * Namespaces: when the sample has a table of network namespaces
 * (n_netns > 0), sockets are grouped per namespace first (a CLOSE_WAIT
 * pile on port 8080 in two containers is two findings), the host-wide
 * rules (kernel counters, conntrack fill) are judged per namespace on its
 * own counters and table, and every finding names its namespace: its
 * netns field, its title starting with netns_info_label() ("container
 * web-1 (3f2a9c0e1b7d): nginx (pid 812) holds 412 sockets in
 * CLOSE_WAIT, oldest 95 s") and its key with the namespace's inode after
 * the rule's id ("close_wait/netns:4026532290/pid:812").  Without a table
 * nothing of this applies: keys and texts are as they always were.  The
 * ephemeral port range read from proc_root is used for every namespace.
 *
 * Findings do not flap: a finding fires once its measure reaches the
 * threshold (for hysteresis.fire_samples samples in a row) and clears
 * only after hysteresis.quiet_samples samples in a row below
 * hysteresis.clear_pct percent of it.  Thresholds come from a
 * struct diag_config (diag_config.h).
 *
 * The rules are one table (diagnose_rules.c): each entry has the rule's
 * id, its config keys, how it groups sockets (by peer, local port,
 * process, destination, or host-wide), its severity, its description
 * and its evaluation functions; diag_rule_info() reads it.
 *
 * The close rules (conn_per_request, early_close, closes_lost) read the
 * connections the kernel announced closed, as the closed model (closed.h)
 * told them: diagnose_set_closed() names that model, which its owner
 * feeds with each sample before diagnose_update() reads it.  Without one
 * (or with a source that does not listen for closes) they stay quiet.
 *
 * Call order, per sample: statetrack_update(st, snap) (and
 * closed_model_feed(closed, snap)), then diagnose_update(d, snap, st),
 * then read diagnose_count()/
 * diagnose_get() until the next update.  Findings are copies, nothing
 * points into the snapshot; the diagnoser keeps a reference to it until
 * the next update, which looks up in it the sockets that vanished
 * (statetrack_vanished()).
 * Cost: one pass over the snapshot's sockets in the states the rules
 * look at, grouped once for every rule in a hash table reused between
 * samples.
 *
 * Owned by one thread (the UI or the batch loop); not thread-safe.
 * Nothing here prints or exits.
 */
#ifndef TCPDECK_DIAGNOSE_H
#define TCPDECK_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "closed.h"
#include "diag_config.h"
#include "snapshot.h"
#include "statetrack.h"

/* DIAG_INFO is a note: worth knowing, nothing wrong yet; the dashboard's
 * banner leaves notes out and lists them last. */
enum diag_severity {
	DIAG_INFO,
	DIAG_WARNING,
	DIAG_CRITICAL,
};

/* The rules; their ids (diag_rule_id) are stable and part of the batch
 * output. */
enum diag_rule {
	DIAG_RULE_CLOSE_WAIT,     /* "close_wait": a process does not close() */
	DIAG_RULE_SYN_RECV,       /* "syn_recv": half-open pile on a port */
	DIAG_RULE_SYNCOOKIES,     /* "syncookies": SYN cookies being sent */
	DIAG_RULE_ACCEPT_QUEUE,   /* "accept_queue": a listener's queue full */
	DIAG_RULE_LISTEN_DROPS,   /* "listen_drops": ListenOverflows/Drops */
	DIAG_RULE_TIME_WAIT_PORTS,/* "time_wait_ports": ephemeral ports
				   * toward one destination running out */
	DIAG_RULE_SYN_SENT,       /* "syn_sent": connects without answer */
	DIAG_RULE_FIN_WAIT1,      /* "fin_wait1": peer does not ack our FIN */
	DIAG_RULE_LAST_ACK,       /* "last_ack": likewise, after its FIN */
	DIAG_RULE_FIN_WAIT2,      /* "fin_wait2": long-lived half-closes */
	DIAG_RULE_RETRANS,        /* "retrans": retransmissions rising */
	DIAG_RULE_FD_LIMIT,       /* "fd_limit": a process near its
				   * descriptor limit (RLIMIT_NOFILE) */
	DIAG_RULE_CONNTRACK,      /* "conntrack": the connection-tracking
				   * table nearly full */
	DIAG_RULE_STALLED_READER, /* "stalled_reader": a process does not
				   * read data waiting in Recv-Q */
	DIAG_RULE_ZERO_WINDOW,    /* "zero_window": a peer does not read:
				   * our sends wait on its window */
	DIAG_RULE_DEAD_PEER,      /* "dead_peer": ESTABLISHED toward peers
				   * that are gone */
	DIAG_RULE_TIME_WAIT_RESTART, /* "time_wait_restart": TIME_WAIT on a
				      * listening port (a note) */
	DIAG_RULE_RESETS,         /* "resets": resets in a burst */
	DIAG_RULE_CONN_PER_REQUEST, /* "conn_per_request": one client opens
				     * a short connection per request */
	DIAG_RULE_EARLY_CLOSE,    /* "early_close": a server closes
				   * connections as soon as it accepts them */
	DIAG_RULE_CLOSES_LOST,    /* "closes_lost": close announcements
				   * lost (the listener's buffer overran) */
	DIAG_RULE_COUNT
};

/* How a rule groups the sockets it looks at. */
enum diag_grouping {
	DIAG_BY_NONE,
	DIAG_BY_PEER,    /* remote address */
	DIAG_BY_PORT,    /* local port */
	DIAG_BY_PROCESS, /* owning process */
	DIAG_BY_DEST,    /* local address -> remote address and port */
	DIAG_BY_HOST,    /* host-wide: the kernel's counters */
	DIAG_BY_COUNT
};

/* A rule as the table describes it. */
struct diag_rule_info {
	const char *id;          /* "close_wait" */
	const char *title;       /* "CLOSE_WAIT" */
	const char *description; /* when it fires, in plain words */
	enum diag_severity level;/* severity when it fires; some findings
				  * are critical beyond that */
	unsigned int groupings;  /* 1u << enum diag_grouping, or-ed */
	const struct diag_key_def *keys; /* its config keys, ended by a
					  * NULL name */
};

struct diag_finding {
	enum diag_rule rule;
	enum diag_severity severity;
	const char *id;        /* diag_rule_id(rule): "close_wait" */
	char key[200];         /* stable per finding: id and subject,
				* "close_wait/pid:812", "syn_recv/port:80";
				* with namespaces the namespace after the id,
				* "close_wait/netns:4026532290/pid:812" */
	char title[512];       /* one line, plain words */
	char evidence[384];    /* the numbers: "412 sockets (threshold 50),
				* oldest 95 s, +12/s" */
	char next[512];        /* what to check next */
	char subject[192];     /* who: "nginx (pid 812)", "port 80",
				* "10.0.0.7", "10.0.0.1 -> 10.0.0.5:80" */
	int32_t pid;           /* responsible process, 0 when none known */
	char comm[16];         /* its name, "" when none */
	uint16_t port;         /* local port concerned, 0 when none */
	uint32_t netns;        /* the namespace's inode (its entry in the
				* snapshot's table: snapshot_find_netns())
				* when the sample has namespaces, else 0 */
	double level;          /* measure / firing threshold: >= 1 fires */
	double since;          /* when it fired, snapshot monotonic seconds */
	bool clearing;         /* below the clearing threshold, about to
				* clear: the numbers are those of the last
				* sample above it */
};

struct diagnose;

/*
 * A diagnoser with a copy of cfg (NULL: the defaults).  proc_root
 * (usually "/proc"; copied) is where net/ipv4/ip_local_port_range is read
 * under sys/.  Returns NULL with errno (ENOMEM).
 */
struct diagnose *diagnose_new(const struct diag_config *cfg, const char *proc_root);

/* NULL is accepted. */
void diagnose_free(struct diagnose *d);

/* The closed model the close rules read from the next update on (NULL:
 * none, they stay quiet).  It must be fed each sample before
 * diagnose_update() is called with it, and outlive its use here. */
void diagnose_set_closed(struct diagnose *d, const struct closed_model *closed);

/*
 * Runs the rules on snap, which st has just been updated with (st may be
 * NULL: the rules needing ages or rates of entry then stay quiet).
 * Returns 0, or -1 with errno ENOMEM (the previous findings stay).
 */
int diagnose_update(struct diagnose *d, const struct snapshot *snap,
		    const struct statetrack *st);

/*
 * The next sample is about to come (call it before its update): when the
 * findings hold the last reference to the sample of the latest update,
 * they keep only what the next update reads of it (32 bytes a socket: the
 * resets rule names what vanished) and let the snapshot go.  While
 * someone else holds it too (the screen, the table's tracker) they keep
 * the reference, which costs nothing more.  Findings are the same either
 * way.  Returns true when the snapshot was let go.
 */
bool diagnose_let_go(struct diagnose *d);

/* The findings firing after the latest update, worst first (severity,
 * then level). */
size_t diagnose_count(const struct diagnose *d);
const struct diag_finding *diagnose_get(const struct diagnose *d, size_t i);

/* The ephemeral port range used by the latest update ([32768, 60999]
 * when the file could not be read). */
void diagnose_port_range(const struct diagnose *d, unsigned int *low, unsigned int *high);

/* What the table says of rule, in *out; -1 when out of range. */
int diag_rule_info(enum diag_rule rule, struct diag_rule_info *out);

/* A grouping's name ("peer", "port", "process", "destination", "host");
 * "?" when out of range. */
const char *diag_grouping_name(enum diag_grouping by);

/* A rule's stable id ("close_wait"), and a severity's name ("warning");
 * "?" when out of range. */
const char *diag_rule_id(enum diag_rule rule);
const char *diag_severity_name(enum diag_severity severity);

#endif
