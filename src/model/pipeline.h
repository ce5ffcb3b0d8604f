/*
 * pipeline.h - the models derived from consecutive samples, fed as one.
 *
 * A front end (the dashboard, batch mode, an exporter) takes snapshots
 * from its source and hands each one, in order, to pipeline_feed().  The
 * pipeline feeds the models it was asked for, always in this order:
 *
 *   1. flows: state transitions per second (statetrack), over every
 *      socket, and over the sockets of a selection (a filter) when one
 *      was given with pipeline_select();
 *   2. findings: the diagnosis rules (diagnose), which read the flows,
 *      and the closed connections (7.), fed just before them when both
 *      are built;
 *   3. counter rates: the kernel counters per second since the sample
 *      before, and a history of them (one row per sample, gaps included);
 *   4. the marked test (session), which reads the flows;
 *   5. tracked connections (conntrack): ages, byte rates, tombstones;
 *   6. namespaces: one row per network namespace of the samples, with
 *      its per-state counts and a history of its total (the dashboard's
 *      namespaces view), when the samples carry namespaces (n_netns > 0);
 *   7. closed connections (closed.h): the closes the samples carry, told
 *      what the samples saw of them, and exact closes and opens per
 *      interval; the marked test takes these in (session_closes()).
 *
 * and then answers for them through the accessors until the next feed.
 *
 * Contract:
 * - Call order: pipeline_new(), then per sample pipeline_select() (when
 *   the selection may have changed) and pipeline_feed(), reading the
 *   accessors in between; pipeline_mark() at any time after a feed;
 *   pipeline_free() last.  Feed every sample, shown or not (a paused view
 *   still feeds): rates then span one interval, and a finding's "since"
 *   stays true.
 * - Gaps: samples the front end never saw (a ring that lapped its reader)
 *   are passed as `missed`; they become gaps in the counters' history and
 *   the rates of the next sample span them.
 * - Time going back: a sample taken (monotonic clock) before the one fed
 *   last means a replay stepped or jumped back.  Flows, findings, counter
 *   rates, their history and tracked connections then start over from it,
 *   as they would have at that time; the marked test is kept.
 * - Threads: one thread owns a pipeline (the UI's or the batch loop's);
 *   nothing here is thread-safe.  Nothing here prints or exits.
 * - Ownership: the pipeline owns every model, copies of its config and a
 *   reference to the latest snapshot fed.  Every pointer an accessor
 *   returns stays valid until the next pipeline_feed() or pipeline_free()
 *   on that pipeline, and must not be freed by the caller.
 * - A model not asked for is never built: its accessor returns NULL.
 *
 * Not here, because nothing of them carries from one sample to the next
 * of the stream: peers (a ranking of one snapshot through a view's
 * filter, built by whoever shows it), and the dashboard's connection
 * table, whose tracker follows the snapshot on screen rather than every
 * sample (paused, it stands still).
 */
#ifndef TCPDECK_PIPELINE_H
#define TCPDECK_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "closed.h"
#include "conntrack.h"
#include "diag_config.h"
#include "diagnose.h"
#include "history.h"
#include "kcounters.h"
#include "session.h"
#include "snapshot.h"
#include "statetrack.h"

/* The models, as bits of pipeline_config.models and of
 * pipeline_stats.failed. */
enum pipeline_model {
	PIPELINE_FLOWS = 1u << 0,
	PIPELINE_FINDINGS = 1u << 1, /* brings PIPELINE_FLOWS */
	PIPELINE_COUNTERS = 1u << 2,
	PIPELINE_TEST = 1u << 3,     /* brings PIPELINE_FLOWS */
	PIPELINE_CONNS = 1u << 4,
	PIPELINE_NETNS = 1u << 5,
	PIPELINE_CLOSED = 1u << 6,
};

struct pipeline_config {
	unsigned int models;                   /* PIPELINE_* bits */
	const struct diag_config *diag_config; /* findings' thresholds, NULL
						* for the defaults (copied) */
	const char *proc_root;                 /* where the findings read the
						* port range; NULL: "/proc"
						* (copied) */
	double conns_linger_s;                 /* tracked connections: how long
						* new, changed and gone ones stay
						* marked (0: not at all) */
	bool mark_at_start;                    /* the test starts with the
						* first sample (--mark) */
	size_t counters_history;               /* rows of counter rates kept;
						* 0: HISTORY_DEFAULT_CAPACITY */
	size_t netns_history;                  /* rows of each namespace's
						* total kept; 0:
						* HISTORY_DEFAULT_CAPACITY */
	size_t closed_capacity;                /* closed connections kept;
						* 0: CLOSED_DEFAULT_CAPACITY */
	double netns_linger_s;                 /* namespaces: how long a gone
						* one keeps its row (at least
						* PIPELINE_NETNS_GONE_SAMPLES
						* samples whatever this is) */
};

/* What the latest pipeline_feed() cost and what went wrong in it. */
struct pipeline_stats {
	uint64_t samples;     /* fed so far */
	uint64_t missed;      /* gaps reported so far */
	uint64_t restarts;    /* times time went back */
	double cpu_ms;        /* CPU time (this thread) the models took in
			       * the latest feed */
	double flows_cpu_ms;  /* of which the flows */
	unsigned int failed;  /* models that failed in it (PIPELINE_* bits) */
};

struct pipeline;

/* A pipeline building cfg->models, or NULL with errno (ENOMEM). */
struct pipeline *pipeline_new(const struct pipeline_config *cfg);

/* Frees every model and drops the latest snapshot.  NULL is accepted. */
void pipeline_free(struct pipeline *p);

/*
 * Which sockets the selected flows follow: `selected` (NULL: none, no
 * selected flows) with its argument.  When (selected, arg) differs from
 * the one before, the selected flows start over with the next feed.
 */
typedef bool (*pipeline_select_fn)(const void *arg, const struct sock_entry *e);
void pipeline_select(struct pipeline *p, pipeline_select_fn selected, const void *arg);

/*
 * Takes in the next sample: snap is sealed, and `missed` samples came
 * before it that were never fed.  The pipeline keeps a reference to snap
 * until the next feed.  Every model is fed even when one fails (a model
 * that failed starts over with the next sample).  Returns 0, or -1 with
 * errno (ENOMEM) when a model failed: pipeline_stats()->failed says which.
 */
int pipeline_feed(struct pipeline *p, struct snapshot *snap, uint64_t missed);

/*
 * The same in steps, one model at a time, so that the dashboard can read
 * the keyboard in between: pipeline_feed_begin() takes the sample (it
 * becomes pipeline_latest()), each pipeline_feed_step() feeds it to the
 * next model and returns 1 while models are left, then 0 or -1 as
 * pipeline_feed() does.  Until the last step, models not yet fed still
 * answer for the sample before.  A feed under way is finished by the
 * next begin, by pipeline_mark() and pipeline_end_test(), and by
 * pipeline_feed_finish() (same return as the last step; 0 when none).
 */
void pipeline_feed_begin(struct pipeline *p, struct snapshot *snap, uint64_t missed);
int pipeline_feed_step(struct pipeline *p);
int pipeline_feed_finish(struct pipeline *p);
bool pipeline_feeding(const struct pipeline *p);

/* The latest snapshot fed, or NULL before the first. */
const struct snapshot *pipeline_latest(const struct pipeline *p);

/* Flows over every socket, or NULL when not built. */
const struct statetrack *pipeline_flows(const struct pipeline *p);

/*
 * Flows over the sockets selected by `arg`, the argument given to
 * pipeline_select(): NULL asks for the flows over every socket.  NULL when
 * those flows were not fed the latest sample (the selection changed since,
 * or is not the one fed).
 */
const struct statetrack *pipeline_flows_of(const struct pipeline *p, const void *arg);

/* The findings of the latest sample, or NULL when not built. */
const struct diagnose *pipeline_findings(const struct pipeline *p);

/*
 * Counter c's rate per second between the sample before and the latest
 * (a gauge: its value), in *rate.  False when unknown: no counters built,
 * no sample before, or the counter is missing from either sample.
 */
bool pipeline_counter_rate(const struct pipeline *p, enum kcounter c, double *rate);

/* The counters' rates, one row per sample fed and a series per KC_*:
 * rates rounded to whole numbers, HISTORY_GAP where unknown or missed.
 * NULL when not built. */
const struct history *pipeline_counter_history(const struct pipeline *p);

/* The marked test, or NULL when not built. */
const struct session *pipeline_test(const struct pipeline *p);

/*
 * The `m` key: ends a running test at the latest sample, or else starts
 * one there (forgetting any earlier test).  Returns the test's phase after
 * it, or -1 with errno EAGAIN before the first sample and ENOENT without
 * a test.
 */
int pipeline_mark(struct pipeline *p);

/* Ends a running test at the latest sample (the end of the run); does
 * nothing when none runs. */
void pipeline_end_test(struct pipeline *p);

/* Connections tracked through every sample fed, or NULL when not built. */
const struct conntrack *pipeline_conns(const struct pipeline *p);

/*
 * Namespaces (PIPELINE_NETNS).
 *
 * One row per network namespace (by nsfs inode) of the samples fed,
 * sorted by inode, for the samples that carry namespaces (n_netns > 0;
 * a sample without any drops every row).  A row is made when its
 * namespace first appears.  A namespace missing from a sample (deleted,
 * its container stopped) keeps its row, marked gone, for at least
 * PIPELINE_NETNS_GONE_SAMPLES samples and at least netns_linger_s seconds
 * of sample time, so a view can show it as gone; then the row is dropped.
 * A namespace that comes back before that is the same row again.  Time
 * going back (a replay stepping back) drops every row.
 *
 * history: one series (0), the namespace's total per sample fed since
 * its row was made, oldest first (history_read(h, 0, ...)).  A gap
 * (HISTORY_GAP) for a sample never seen (`missed`) and for each sample
 * the namespace was gone from.  Every row's history gets one value per
 * sample, so the newest values of all rows line up in time.
 */
#define PIPELINE_NETNS_GONE_SAMPLES 3

struct pipeline_netns_row {
	uint32_t inode;                   /* = info.inode: the identity */
	struct netns_info info;           /* as last seen (raw: sanitize) */
	uint32_t counts[TCP_STATE_COUNT]; /* per state, as last seen */
	uint32_t total;                   /* sockets, as last seen */
	int64_t change;                   /* total minus its total at the
					   * sample fed before; 0 when it
					   * was not in that one, or is
					   * gone */
	double change_per_s;              /* change over the interval; 0
					   * without one */
	/* Sockets opened and closed in it since the sample fed before (with
	 * PIPELINE_FLOWS; has_flows false without them, on the first sample
	 * and after time went back).  closed: the sockets of that sample
	 * gone from this one (statetrack_vanished()); opened: the change of
	 * its total plus those closed, exact when every socket has a cookie
	 * and is listed once (as sampled live), else an estimate.  A
	 * namespace first seen has opened every socket; a gone one closed
	 * the sockets it had. */
	bool has_flows;
	uint32_t opened, closed;
	double opened_per_s, closed_per_s; /* over the interval; 0 without */
	const struct history *history;    /* total per sample, see above */
	bool gone;                        /* not in the latest sample */
	bool fresh;                       /* first seen in the latest sample
					   * (or back in it after gone) */
	double first_seen;                /* taken_mono (s) of the sample
					   * it first appeared in */
	double last_seen;                 /* taken_mono (s) of the latest
					   * sample it was in */
};

/* Rows of pipeline_netns_rows(): 0 when not built or the samples have
 * no namespaces. */
size_t pipeline_netns_count(const struct pipeline *p);

/* The rows, sorted by inode, pipeline_netns_count() of them; NULL when
 * there are none. */
const struct pipeline_netns_row *pipeline_netns_rows(const struct pipeline *p);

/* The row of the namespace with this inode (gone ones included), or
 * NULL (a binary search). */
const struct pipeline_netns_row *pipeline_netns_find(const struct pipeline *p, uint32_t inode);

/* Closed connections (PIPELINE_CLOSED), or NULL when not built. */
const struct closed_model *pipeline_closed(const struct pipeline *p);

/* Counts and cost of the latest feed. */
const struct pipeline_stats *pipeline_stats(const struct pipeline *p);

#endif
