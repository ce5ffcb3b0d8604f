/*
 * pipeline.c - feeds every derived model one sample at a time, in one
 * order, for whichever front end takes the samples (the contract is in
 * pipeline.h).
 *
 * Owned by one thread.  Nothing here prints, logs or exits: failures come
 * back as -1 with errno and the failed models in the stats.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline.h"
#include "timespec_util.h"

struct pipeline {
	unsigned int models;
	struct diag_config diag_cfg;
	char *proc_root;
	double conns_linger_s;
	bool mark_at_start;

	struct snapshot *latest;           /* a reference */
	struct statetrack *flows;
	/* Flows over a selection: what was asked for (pipeline_select), and
	 * what the tracker was fed with. */
	pipeline_select_fn want_fn;
	const void *want_arg;
	pipeline_select_fn fed_fn;
	const void *fed_arg;
	struct statetrack *sel_flows;
	struct diagnose *findings;
	/* counter rates */
	struct history *kc_history;
	struct kcounters kc_prev;          /* counters of the sample before */
	double kc_prev_time;
	bool kc_has_prev;
	double kc_rate[KC_COUNT];          /* per second (gauges: the value) */
	uint32_t kc_rate_known;            /* bit (1u << KC_*) */
	struct session *test;
	struct conntrack *conns;
	struct closed_model *closed;
	/* namespaces: rows sorted by inode, and beside each its history
	 * and since when it is gone */
	size_t netns_rows_cap;            /* rows of each history */
	double netns_linger_s;
	bool netns_built;
	struct pipeline_netns_row *ns_rows;
	struct netns_track *ns_track;
	size_t n_ns;
	double ns_prev_time;              /* taken_mono of the sample before */
	bool ns_has_prev;
	struct pipeline_stats stats;
	/* The feed under way (pipeline_feed_begin), one model at a time. */
	struct {
		enum feed_stage {
			FEED_FLOWS,    /* statetrack, all and selected */
			FEED_CLOSED,   /* the closed connections */
			FEED_FINDINGS, /* the findings */
			FEED_REST,     /* counters, test, table, namespaces */
			FEED_DONE,
		} stage;
		uint64_t missed;
		double before_taken;
		unsigned int failed;
		int err;
		double cpu_ms;
	} feed;
};

/* What a namespace row keeps beside its public part. */
struct netns_track {
	struct history *hist;
	uint64_t gone_samples;  /* samples in a row it was missing from */
	double gone_since;      /* taken_mono of the first of them */
	bool made;              /* made by the feed under way */
};

struct pipeline *
pipeline_new(const struct pipeline_config *cfg)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	unsigned int models = cfg->models;
	size_t rows = cfg->counters_history != 0 ? cfg->counters_history : HISTORY_DEFAULT_CAPACITY;
	bool failed = false;

	if (p == NULL)
		return NULL;
	p->feed.stage = FEED_DONE;
	if (models & (PIPELINE_FINDINGS | PIPELINE_TEST))
		models |= PIPELINE_FLOWS;
	p->models = models;
	if (cfg->diag_config != NULL)
		p->diag_cfg = *cfg->diag_config;
	else
		diag_config_defaults(&p->diag_cfg);
	p->proc_root = strdup(cfg->proc_root != NULL ? cfg->proc_root : "/proc");
	p->conns_linger_s = cfg->conns_linger_s;
	p->mark_at_start = cfg->mark_at_start;
	p->netns_rows_cap = cfg->netns_history != 0 ? cfg->netns_history : HISTORY_DEFAULT_CAPACITY;
	p->netns_linger_s = cfg->netns_linger_s;
	p->netns_built = (models & PIPELINE_NETNS) != 0;
	failed = p->proc_root == NULL;
	if (models & PIPELINE_FLOWS)
		failed |= (p->flows = statetrack_new()) == NULL;
	if (models & PIPELINE_FINDINGS)
		failed |= (p->findings = diagnose_new(&p->diag_cfg, p->proc_root)) == NULL;
	if (models & PIPELINE_COUNTERS)
		failed |= (p->kc_history = history_new_series(rows, KC_COUNT)) == NULL;
	if (models & PIPELINE_TEST)
		failed |= (p->test = session_new()) == NULL;
	if (models & PIPELINE_CONNS)
		failed |= (p->conns = conntrack_new(p->conns_linger_s)) == NULL;
	if (models & PIPELINE_CLOSED)
		failed |= (p->closed = closed_model_new(cfg->closed_capacity)) == NULL;
	if (failed) {
		pipeline_free(p);
		errno = ENOMEM;
		return NULL;
	}
	if (p->findings != NULL)
		diagnose_set_closed(p->findings, p->closed);
	return p;
}

/* Forgets every namespace row. */
static void
netns_drop_all(struct pipeline *p)
{
	for (size_t i = 0; i < p->n_ns; i++)
		history_free(p->ns_track[i].hist);
	free(p->ns_rows);
	free(p->ns_track);
	p->ns_rows = NULL;
	p->ns_track = NULL;
	p->n_ns = 0;
	p->ns_has_prev = false;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	snapshot_unref(p->latest);
	statetrack_free(p->flows);
	statetrack_free(p->sel_flows);
	diagnose_free(p->findings);
	history_free(p->kc_history);
	session_free(p->test);
	conntrack_free(p->conns);
	closed_model_free(p->closed);
	netns_drop_all(p);
	free(p->proc_root);
	free(p);
}

void
pipeline_select(struct pipeline *p, pipeline_select_fn selected, const void *arg)
{
	p->want_fn = selected;
	p->want_arg = selected != NULL ? arg : NULL;
}

/*
 * Time went back (a replay stepped back): everything derived from the
 * samples starts over, as it would have at that time.  New models are
 * made before the old ones go, so on failure the old ones stay.  The test
 * is the user's and stays.  Returns the models that could not start over.
 */
static unsigned int
start_over(struct pipeline *p)
{
	struct statetrack *flows = NULL;
	struct diagnose *findings = NULL;
	struct conntrack *conns = NULL;
	unsigned int failed = 0;

	p->stats.restarts++;
	if (p->flows != NULL && (flows = statetrack_new()) == NULL)
		failed |= PIPELINE_FLOWS;
	if (p->findings != NULL && (findings = diagnose_new(&p->diag_cfg, p->proc_root)) == NULL)
		failed |= PIPELINE_FINDINGS;
	if (p->conns != NULL && (conns = conntrack_new(p->conns_linger_s)) == NULL)
		failed |= PIPELINE_CONNS;
	if (failed & (PIPELINE_FLOWS | PIPELINE_FINDINGS)) {
		/* Findings read the flows: both start over or neither. */
		statetrack_free(flows);
		diagnose_free(findings);
	} else {
		if (flows != NULL) {
			statetrack_free(p->flows);
			p->flows = flows;
		}
		if (findings != NULL) {
			diagnose_free(p->findings);
			p->findings = findings;
			diagnose_set_closed(p->findings, p->closed);
		}
	}
	if (conns != NULL) {
		conntrack_free(p->conns);
		p->conns = conns;
	}
	statetrack_free(p->sel_flows);
	p->sel_flows = NULL;
	p->fed_fn = NULL;
	p->fed_arg = NULL;
	if (p->kc_history != NULL)
		history_clear(p->kc_history);
	p->kc_has_prev = false;
	p->kc_rate_known = 0;
	netns_drop_all(p);
	return failed;
}

/* The flows over the selection; a new selection starts a new tracker. */
static int
feed_selected(struct pipeline *p, const struct snapshot *snap)
{
	if (p->want_fn != p->fed_fn || p->want_arg != p->fed_arg || p->want_fn == NULL) {
		statetrack_free(p->sel_flows);
		p->sel_flows = NULL;
		p->fed_fn = p->want_fn;
		p->fed_arg = p->want_arg;
	}
	if (p->fed_fn == NULL)
		return 0;
	if (p->sel_flows == NULL && (p->sel_flows = statetrack_new()) == NULL)
		return -1;
	return statetrack_update_selected(p->sel_flows, snap, p->fed_fn, p->fed_arg);
}

/* Counter rates since the sample before, and a history row (rates
 * rounded to whole numbers per second; unknown: a gap). */
static void
feed_counters(struct pipeline *p, const struct snapshot *snap, uint64_t missed)
{
	double now = timespec_seconds(&snap->taken_mono);
	uint32_t row[KC_COUNT];

	p->kc_rate_known = 0;
	for (int c = 0; c < KC_COUNT; c++) {
		double rate;

		row[c] = HISTORY_GAP;
		if (!p->kc_has_prev ||
		    !kcounters_rate(&p->kc_prev, &snap->counters, (enum kcounter)c,
				    now - p->kc_prev_time, &rate))
			continue;
		p->kc_rate[c] = rate;
		p->kc_rate_known |= 1u << c;
		row[c] = rate >= (double)(HISTORY_GAP - 1) ? HISTORY_GAP - 1
							   : (uint32_t)(rate + 0.5);
	}
	if (missed > 0)
		history_push_gaps(p->kc_history, missed);
	history_push(p->kc_history, row);
	p->kc_prev = snap->counters;
	p->kc_prev_time = now;
	p->kc_has_prev = snap->counters.present != 0;
}

/* One namespace of the sample into a row: a new row (old NULL) or the
 * row it had. */
static void
netns_seen(struct pipeline_netns_row *row, const struct pipeline_netns_row *old,
	   const struct snapshot_netns *ns, double now, double interval)
{
	bool was_there = old != NULL && !old->gone;

	if (old != NULL)
		*row = *old;
	else {
		memset(row, 0, sizeof(*row));
		row->first_seen = now;
	}
	row->inode = ns->info.inode;
	row->info = ns->info;
	memcpy(row->counts, ns->counts, sizeof(row->counts));
	row->change = was_there ? (int64_t)ns->total - (int64_t)old->total : 0;
	row->change_per_s = interval > 0 ? (double)row->change / interval : 0;
	row->total = ns->total;
	row->gone = false;
	row->fresh = !was_there;
	row->last_seen = now;
}

/*
 * The namespace rows after this sample: a merge of the rows (sorted by
 * inode) with the sample's table (sorted by seal).  Built in new arrays,
 * so on failure (ENOMEM) the rows stay as they were.
 */
/* The row of inode among rows[0..n) (sorted), or NULL. */
static struct pipeline_netns_row *
row_find(struct pipeline_netns_row *rows, size_t n, uint32_t inode)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].inode == inode)
			return &rows[mid];
		if (rows[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Opened and closed per namespace row: the sockets of the sample fed
 * before this one (taken at before_taken, seconds; -1 when none) that the
 * flows list as gone, by their namespace; opened from the totals.
 * Nothing without flows, or when they did not compare this sample with
 * that one.
 */
static void
netns_flows(const struct pipeline *p, double before_taken, struct pipeline_netns_row *rows,
	    size_t n, const bool *was_there, double interval)
{
	const uint32_t *gone, *gone_netns;
	size_t n_gone;
	double taken;

	if (p->flows == NULL || before_taken < 0)
		return;
	n_gone = statetrack_vanished(p->flows, &gone, &taken);
	gone_netns = statetrack_vanished_netns(p->flows);
	if (taken != before_taken)
		return;
	for (size_t k = 0; k < n_gone; k++) {
		struct pipeline_netns_row *row = row_find(rows, n, gone_netns[k]);

		if (row != NULL)
			row->closed++;
	}
	for (size_t k = 0; k < n; k++) {
		struct pipeline_netns_row *row = &rows[k];
		int64_t opened = 0;

		if (!row->gone)
			opened = was_there[k] ? row->change + row->closed : row->total;
		row->has_flows = true;
		row->opened = opened > 0 ? (uint32_t)opened : 0;
		row->opened_per_s = interval > 0 ? row->opened / interval : 0;
		row->closed_per_s = interval > 0 ? row->closed / interval : 0;
	}
}

static int
feed_netns(struct pipeline *p, const struct snapshot *snap, double before_taken, uint64_t missed)
{
	double now = timespec_seconds(&snap->taken_mono);
	double interval = p->ns_has_prev ? now - p->ns_prev_time : 0;
	size_t cap = p->n_ns + snap->n_netns, i = 0, j = 0, n = 0, n_dropped = 0;
	struct pipeline_netns_row *rows;
	struct netns_track *track;
	struct history **dropped;
	bool *was_there;

	if (snap->n_netns == 0) {
		netns_drop_all(p);
		return 0;
	}
	rows = calloc(cap, sizeof(*rows));
	track = calloc(cap, sizeof(*track));
	dropped = calloc(p->n_ns + 1, sizeof(*dropped));
	was_there = calloc(cap, sizeof(*was_there));
	if (rows == NULL || track == NULL || dropped == NULL || was_there == NULL)
		goto fail;
	while (i < p->n_ns || j < snap->n_netns) {
		const struct snapshot_netns *ns = j < snap->n_netns ? &snap->netns[j] : NULL;
		const struct pipeline_netns_row *old = i < p->n_ns ? &p->ns_rows[i] : NULL;

		if (ns != NULL && j > 0 && ns->info.inode == snap->netns[j - 1].info.inode) {
			j++; /* a table listing one namespace twice: once */
			continue;
		}
		if (old != NULL && (ns == NULL || old->inode < ns->info.inode)) {
			/* gone from this sample */
			struct netns_track t = p->ns_track[i++];

			if (t.gone_samples == 0)
				t.gone_since = now;
			t.gone_samples++;
			if (t.gone_samples > PIPELINE_NETNS_GONE_SAMPLES &&
			    now - t.gone_since >= p->netns_linger_s) {
				dropped[n_dropped++] = t.hist;
				continue;
			}
			rows[n] = *old;
			rows[n].gone = true;
			rows[n].fresh = false;
			rows[n].change = 0;
			rows[n].change_per_s = 0;
			track[n++] = t;
			continue;
		}
		if (old != NULL && old->inode == ns->info.inode) {
			was_there[n] = !old->gone;
			netns_seen(&rows[n], old, ns, now, interval);
			track[n] = p->ns_track[i++];
			track[n].gone_samples = 0;
		} else {
			netns_seen(&rows[n], NULL, ns, now, interval);
			track[n].hist = history_new_series(p->netns_rows_cap, 1);
			track[n].made = true;
			if (track[n].hist == NULL)
				goto fail_rows;
		}
		j++;
		n++;
	}
	/* Every row's history gets this sample: gaps first for the samples
	 * never seen, then its total (a gap when gone). */
	for (size_t k = 0; k < n; k++) {
		uint32_t v = rows[k].gone ? HISTORY_GAP : rows[k].total;

		if (missed > 0 && !track[k].made)
			history_push_gaps(track[k].hist, missed);
		history_push(track[k].hist, &v);
		rows[k].history = track[k].hist;
		track[k].made = false;
	}
	for (size_t k = 0; k < n; k++) {
		/* This sample's flows, or none. */
		rows[k].has_flows = false;
		rows[k].opened = rows[k].closed = 0;
		rows[k].opened_per_s = rows[k].closed_per_s = 0;
	}
	netns_flows(p, before_taken, rows, n, was_there, interval);
	for (size_t k = 0; k < n_dropped; k++)
		history_free(dropped[k]);
	free(dropped);
	free(was_there);
	free(p->ns_rows);
	free(p->ns_track);
	p->ns_rows = rows;
	p->ns_track = track;
	p->n_ns = n;
	p->ns_prev_time = now;
	p->ns_has_prev = true;
	return 0;

fail_rows:
	/* Only the histories made here go: the others still belong to the
	 * rows kept. */
	for (size_t k = 0; k < n; k++)
		if (track[k].made)
			history_free(track[k].hist);
fail:
	free(was_there);
	free(dropped);
	free(rows);
	free(track);
	errno = ENOMEM;
	return -1;
}

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

void
pipeline_feed_begin(struct pipeline *p, struct snapshot *snap, uint64_t missed)
{
	bool back = p->latest != NULL && timespec_seconds(&snap->taken_mono) <
						  timespec_seconds(&p->latest->taken_mono);
	struct timespec t0, t1;

	pipeline_feed_finish(p);
	/* When the sample before was taken: all the namespaces' flows need
	 * of it (statetrack keeps the rest). */
	p->feed.before_taken = p->latest != NULL && !back ? timespec_seconds(&p->latest->taken_mono)
							  : -1;
	p->feed.missed = missed;
	p->feed.failed = 0;
	p->feed.err = 0;
	p->feed.stage = FEED_FLOWS;
	p->feed.cpu_ms = 0;
	/* The sample before is let go first, so that it is not kept beside
	 * this one while the models run (referenced first: snap may be the
	 * very same sample).  Freeing it is not a cost of the models. */
	snapshot_ref(snap);
	snapshot_unref(p->latest);
	p->latest = snap;
	/* The findings may now hold the last reference to it: then they
	 * keep what they read of it instead. */
	if (p->findings != NULL)
		(void)diagnose_let_go(p->findings);
	p->stats.samples++;
	p->stats.missed += missed;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (back) {
		p->feed.failed |= start_over(p);
		if (p->feed.failed != 0)
			p->feed.err = ENOMEM;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	p->feed.cpu_ms += ms_between(&t0, &t1);
}

/* A model failed: its bit, and the first cause. */
static void
feed_failed(struct pipeline *p, unsigned int model)
{
	p->feed.failed |= model;
	p->feed.err = p->feed.err != 0 ? p->feed.err : errno;
}

int
pipeline_feed_step(struct pipeline *p)
{
	struct snapshot *snap = p->latest;
	struct timespec t0, t1;

	if (p->feed.stage == FEED_DONE)
		return 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	switch (p->feed.stage) {
	case FEED_FLOWS:
		if (p->flows != NULL && statetrack_update(p->flows, snap) < 0)
			feed_failed(p, PIPELINE_FLOWS);
		if (feed_selected(p, snap) < 0)
			feed_failed(p, PIPELINE_FLOWS);
		break;
	case FEED_CLOSED:
		/* Before the findings: the close rules read what it made of
		 * snap. */
		if (p->closed != NULL && closed_model_feed(p->closed, snap) < 0)
			feed_failed(p, PIPELINE_CLOSED);
		break;
	case FEED_FINDINGS:
		if (p->findings != NULL && diagnose_update(p->findings, snap, p->flows) < 0)
			feed_failed(p, PIPELINE_FINDINGS);
		break;
	default:
		if (p->kc_history != NULL)
			feed_counters(p, snap, p->feed.missed);
		if (p->test != NULL) {
			/* With --mark the whole run is the test: it starts
			 * with the first sample and every later one is part
			 * of it. */
			if (p->mark_at_start && session_phase(p->test) == SESSION_IDLE)
				session_start(p->test, snap);
			else
				session_sample(p->test, snap,
					       p->flows != NULL ? statetrack_summary(p->flows) : NULL);
		}
		if (p->conns != NULL && conntrack_update(p->conns, snap) < 0)
			feed_failed(p, PIPELINE_CONNS);
		if (p->netns_built &&
		    feed_netns(p, snap, p->feed.before_taken, p->feed.missed) < 0)
			feed_failed(p, PIPELINE_NETNS);
		/* The test's opens and closes are exact when the events were
		 * heard (the closed model was fed before the findings). */
		if (p->test != NULL && p->closed != NULL && (p->feed.failed & PIPELINE_CLOSED) == 0)
			session_closes(p->test, snap, closed_model_interval(p->closed));
		break;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	p->feed.cpu_ms += ms_between(&t0, &t1);
	if (p->feed.stage == FEED_FLOWS)
		p->stats.flows_cpu_ms = p->feed.cpu_ms;
	p->feed.stage++;
	if (p->feed.stage != FEED_DONE)
		return 1;
	p->stats.cpu_ms = p->feed.cpu_ms;
	p->stats.failed = p->feed.failed;
	if (p->feed.failed != 0) {
		errno = p->feed.err != 0 ? p->feed.err : ENOMEM;
		return -1;
	}
	return 0;
}

bool
pipeline_feeding(const struct pipeline *p)
{
	return p->feed.stage != FEED_DONE;
}

int
pipeline_feed_finish(struct pipeline *p)
{
	int rc = 0;

	while (p->feed.stage != FEED_DONE)
		rc = pipeline_feed_step(p);
	return rc;
}

int
pipeline_feed(struct pipeline *p, struct snapshot *snap, uint64_t missed)
{
	pipeline_feed_begin(p, snap, missed);
	return pipeline_feed_finish(p);
}

const struct snapshot *
pipeline_latest(const struct pipeline *p)
{
	return p->latest;
}

const struct statetrack *
pipeline_flows(const struct pipeline *p)
{
	return p->flows;
}

const struct statetrack *
pipeline_flows_of(const struct pipeline *p, const void *arg)
{
	if (arg == NULL)
		return p->flows;
	return arg == p->fed_arg ? p->sel_flows : NULL;
}

const struct diagnose *
pipeline_findings(const struct pipeline *p)
{
	return p->findings;
}

bool
pipeline_counter_rate(const struct pipeline *p, enum kcounter c, double *rate)
{
	if ((unsigned int)c >= KC_COUNT || !(p->kc_rate_known & (1u << c)))
		return false;
	*rate = p->kc_rate[c];
	return true;
}

const struct history *
pipeline_counter_history(const struct pipeline *p)
{
	return p->kc_history;
}

const struct session *
pipeline_test(const struct pipeline *p)
{
	return p->test;
}

int
pipeline_mark(struct pipeline *p)
{
	/* The test starts or ends on the latest sample as a whole. */
	(void)pipeline_feed_finish(p);
	if (p->test == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (p->latest == NULL) {
		errno = EAGAIN;
		return -1;
	}
	if (session_phase(p->test) == SESSION_RUNNING)
		session_end(p->test, p->latest);
	else
		session_start(p->test, p->latest);
	return (int)session_phase(p->test);
}

void
pipeline_end_test(struct pipeline *p)
{
	(void)pipeline_feed_finish(p);
	if (p->test != NULL && p->latest != NULL && session_phase(p->test) == SESSION_RUNNING)
		session_end(p->test, p->latest);
}

const struct conntrack *
pipeline_conns(const struct pipeline *p)
{
	return p->conns;
}

size_t
pipeline_netns_count(const struct pipeline *p)
{
	return p->n_ns;
}

const struct pipeline_netns_row *
pipeline_netns_rows(const struct pipeline *p)
{
	return p->n_ns > 0 ? p->ns_rows : NULL;
}

const struct pipeline_netns_row *
pipeline_netns_find(const struct pipeline *p, uint32_t inode)
{
	size_t lo = 0, hi = p->n_ns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->ns_rows[mid].inode == inode)
			return &p->ns_rows[mid];
		if (p->ns_rows[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct pipeline_stats *
pipeline_stats(const struct pipeline *p)
{
	return &p->stats;
}

const struct closed_model *
pipeline_closed(const struct pipeline *p)
{
	return p->closed;
}
