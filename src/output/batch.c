/*
 * batch.c - the batch loop: wait on the ring, print, repeat.
 * Main thread only.  Never exits the process: main.c does.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "output_columns.h"
#include "pipeline.h"
#include "sanitize.h"
#include "session.h"
#include "timespec_util.h"

int
batch_run(struct ring *ring, struct sampler *sampler, const struct output_format *format,
	  enum output_view view, FILE *out, char *cause, size_t cause_len)
{
	struct batch_request req = {
		.format = format, .view = view, .sort_column = -1, .peers_by = PEERS_BY_TOTAL};

	return batch_run_request(ring, sampler, &req, out, cause, cause_len);
}

/* The output context of a request, before any sample. */
static struct output_context
context_of(const struct batch_request *req)
{
	struct output_context ctx = {
		.match = req->match,
		.filter = req->filter,
		.sort_column = req->sort_column,
		.sort_descending = req->sort_descending,
		.peers_by = req->peers_by,
		.peers_top = req->peers_top,
		/* Reused every sample; without memory each sample builds
		 * its own. */
		.peers_scratch = output_view_needs(req->view) & OUTPUT_NEED_PEERS ? peers_new() : NULL,
		.columns = req->columns,
		.no_header = req->no_header,
		/* -H: as if CSV's header line had gone out already. */
		.header_written = req->no_header && req->format == &output_csv,
	};

	return ctx;
}

/* A source's remark on stderr, made safe: it may quote a file name or
 * bytes of the file (sanitize.h). */
static void
note_safe(const char *note)
{
	char safe[SANITIZE_TEXT_MAX(512) + 1];

	sanitize_str(note, safe, sizeof(safe), NULL);
	fprintf(stderr, "tcpdeck: %s\n", safe);
}

/*
 * One batch run, whichever loop takes its samples (the sampler's ring, or
 * a source read on this thread): the models derived from the samples, and
 * what the output keeps from one sample to the next.
 */
struct batch {
	const struct batch_request *req;
	FILE *out;                  /* NULL: print nothing */
	struct output_context ctx;
	struct pipeline *pipe;
	struct snapshot *prev;      /* the sample before, when kept */
	bool keep_prev;
};

/* 0, or -1 with a cause. */
static int
batch_open(struct batch *b, const struct batch_request *req, FILE *out, bool keep_prev,
	   char *cause, size_t cause_len)
{
	struct pipeline_config cfg = {
		.diag_config = req->diag_config,
		.proc_root = "/proc",
		/* The whole run is the test: it starts with the first sample
		 * and every later one is part of it, up to the last. */
		.mark_at_start = true,
	};

	unsigned int needs = output_needs(req->view, req->columns);

	if ((needs & OUTPUT_NEED_DIAGNOSE) || req->on_sample != NULL)
		cfg.models |= PIPELINE_FINDINGS;
	if (req->mark || (needs & OUTPUT_NEED_SESSION))
		cfg.models |= PIPELINE_TEST;
	/* Ages and rates need the history of each socket. */
	if (needs & OUTPUT_NEED_CONNTRACK)
		cfg.models |= PIPELINE_CONNS;
	if ((needs & OUTPUT_NEED_CLOSED) || req->on_sample != NULL)
		cfg.models |= PIPELINE_CLOSED;
	memset(b, 0, sizeof(*b));
	b->req = req;
	b->out = out;
	b->keep_prev = keep_prev;
	b->pipe = pipeline_new(&cfg);
	if (b->pipe == NULL) {
		const char *what = cfg.models == PIPELINE_CONNS ? "connection tracking" : "diagnoses";

		snprintf(cause, cause_len, "%s: %s", what, strerror(ENOMEM));
		return -1;
	}
	b->ctx = context_of(req);
	return 0;
}

/*
 * What every sample goes through, in order: its note, the models, the
 * output.  Takes over the reference to snap; interval_s is the spacing of
 * the samples, for rates.  Returns 0, or -1 with a cause.
 */
static int
batch_sample(struct batch *b, struct snapshot *snap, uint64_t missed, double interval_s,
	     char *cause, size_t cause_len)
{
	int rc;

	if (snap->note[0] != '\0')
		note_safe(snap->note);
	/* Connection ages are extras; findings and the test are not. */
	if (pipeline_feed(b->pipe, snap, missed) < 0 &&
	    (pipeline_stats(b->pipe)->failed &
	     ~(unsigned int)(PIPELINE_CONNS | PIPELINE_CLOSED)) != 0) {
		snprintf(cause, cause_len, "diagnoses: %s", strerror(errno));
		snapshot_unref(snap);
		return -1;
	}
	if (b->req->on_sample != NULL &&
	    b->req->on_sample(b->req->on_sample_arg, snap, b->pipe, cause, cause_len) < 0) {
		snapshot_unref(snap);
		return -1;
	}
	b->ctx.snap = snap;
	b->ctx.ct = pipeline_conns(b->pipe);
	b->ctx.diag = pipeline_findings(b->pipe);
	b->ctx.closed = pipeline_closed(b->pipe);
	b->ctx.interval_s = interval_s;
	b->ctx.prev = b->prev;
	rc = b->out != NULL ? output_print(b->req->format, b->req->view, b->out, &b->ctx) : 0;
	if (rc == 0 && b->out != NULL && fflush(b->out) != 0)
		rc = -1;
	snapshot_unref(b->prev);
	b->prev = NULL;
	if (b->keep_prev)
		b->prev = snap;
	else
		snapshot_unref(snap);
	if (rc < 0) {
		snprintf(cause, cause_len, "cannot write output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The end of a marked run: ends the test at the last sample and prints
 * its summary (the summary view's writer of the format; text for CSV) on
 * out, or on standard error
 * when standard output carries a recording; saves it with --summary.
 * Returns 0, or -1 with a cause. */
static int
batch_report_test(struct batch *b, char *cause, size_t cause_len)
{
	const struct session *test = pipeline_test(b->pipe);
	const struct session_summary *sum;
	FILE *to = b->out != NULL ? b->out : stderr;
	struct output_context ctx = b->ctx;

	if (test == NULL || session_phase(test) == SESSION_IDLE)
		return 0;
	pipeline_end_test(b->pipe);
	sum = session_summary(test);
	ctx.summary = sum;
	if (output_print_summary(b->req->format, to, &ctx) < 0 || fflush(to) != 0) {
		snprintf(cause, cause_len, "cannot write the test summary: %s", strerror(errno));
		return -1;
	}
	if (b->req->summary_prefix != NULL &&
	    session_save(sum, b->req->summary_prefix, cause, cause_len) < 0)
		return -1;
	return 0;
}

/* Ends the run that ended with rc: the test's summary when all went
 * well, then frees.  Returns rc, or -1 with a cause. */
static int
batch_close(struct batch *b, int rc, char *cause, size_t cause_len)
{
	if (rc == 0)
		rc = batch_report_test(b, cause, cause_len);
	snapshot_unref(b->prev);
	peers_free(b->ctx.peers_scratch);
	pipeline_free(b->pipe);
	return rc;
}

int
batch_run_request(struct ring *ring, struct sampler *sampler, const struct batch_request *req,
		  FILE *out, char *cause, size_t cause_len)
{
	/* The counters view prints rates: it keeps the sample before. */
	bool keep_prev = (output_view_needs(req->view) & OUTPUT_NEED_PREV) != 0;
	uint64_t last_seq = 0;
	int rc = 0;
	struct batch b;

	if (batch_open(&b, req, out, keep_prev, cause, cause_len) < 0)
		return -1;
	for (;;) {
		struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};
		struct snapshot *snap;
		uint64_t missed;
		bool closed;
		int err = 0;

		/* Drain, then check for closing, then read: whatever was
		 * published before the close is certain to be printed, and a
		 * publish or close after the drain leaves the fd readable
		 * for poll().  (Draining after the check could swallow the
		 * wake-up of a close that came in between, and poll() would
		 * wait forever.) */
		ring_drain_wake(ring);
		closed = ring_closed(ring, &err, cause, cause_len);
		while ((snap = ring_next(ring, last_seq, &missed)) != NULL) {
			last_seq = snap->seq;
			ring_release(ring, last_seq);
			rc = batch_sample(&b, snap, missed, sampler_interval(sampler), cause,
					  cause_len);
			if (rc < 0)
				goto done;
		}
		if (closed) {
			if (err != 0) {
				errno = err;
				rc = -1;
			}
			goto done;
		}
		if (req->stop != NULL && *req->stop)
			goto done; /* interrupted: what was taken still counts */
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			snprintf(cause, cause_len, "poll: %s", strerror(errno));
			rc = -1;
			goto done;
		}
	}
done:
	return batch_close(&b, rc, cause, cause_len);
}

void
batch_live_options(enum output_view view, const struct filter *filter,
		   struct source_live_options *opts)
{
	batch_live_options_for(view, NULL, filter, opts);
}

void
batch_live_options_for(enum output_view view, const struct output_columns *columns,
		       const struct filter *filter, struct source_live_options *opts)
{
	unsigned int needs = output_needs(view, columns);

	memset(opts, 0, sizeof(*opts));
	opts->filter = needs & OUTPUT_NEED_SELECTED ? filter : NULL;
	opts->states = output_view_kernel_states(view);
	opts->no_tcp_info = !(needs & OUTPUT_NEED_TCP_INFO);
	opts->no_counters = !(needs & OUTPUT_NEED_COUNTERS);
}

int
batch_run_source(struct source *src, double interval_s, unsigned long max_samples,
		 const struct batch_request *req, FILE *out, char *cause, size_t cause_len)
{
	uint64_t seq = 0;
	int rc;
	struct batch b;

	/* The sample before gives the recorded spacing of the samples. */
	if (batch_open(&b, req, out, true, cause, cause_len) < 0)
		return -1;
	for (rc = 0; max_samples == 0 || seq < max_samples;) {
		struct snapshot *prev = b.prev;
		struct snapshot *snap = snapshot_new(prev != NULL ? prev->n_entries : 0);
		double spacing;

		if (snap == NULL) {
			snprintf(cause, cause_len, "out of memory for a snapshot");
			rc = -1;
			break;
		}
		cause[0] = '\0';
		rc = src->ops->sample(src->state, snap, cause, cause_len);
		if (rc != 0) {
			snapshot_unref(snap);
			if (rc == 1 && cause[0] != '\0')
				note_safe(cause); /* where it was cut */
			if (rc > 0)
				rc = 0; /* 2 cannot happen without a controller */
			break;
		}
		snapshot_seal(snap);
		snap->seq = ++seq;
		snap->last = max_samples != 0 && seq == max_samples;
		/* The interval the sample was recorded at, as the live run
		 * printed it; a recording without it (format version 1) has
		 * the spacing of its samples. */
		if (snap->interval_ns != 0)
			spacing = (double)snap->interval_ns / 1e9;
		else
			spacing = prev != NULL ? timespec_between(&prev->taken_mono, &snap->taken_mono)
					       : interval_s;
		rc = batch_sample(&b, snap, 0, spacing, cause, cause_len);
		if (rc < 0)
			break;
	}
	return batch_close(&b, rc, cause, cause_len);
}

struct snapshot *
batch_first(struct ring *ring, char *cause, size_t cause_len)
{
	for (;;) {
		struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};
		struct snapshot *snap;
		bool closed;
		int err = 0;

		ring_drain_wake(ring); /* first, as in batch_run_request() */
		closed = ring_closed(ring, &err, cause, cause_len);
		snap = ring_next(ring, 0, NULL);
		if (snap != NULL)
			return snap;
		if (closed) {
			if (err == 0)
				snprintf(cause, cause_len, "no sample was taken");
			errno = err != 0 ? err : ENODATA;
			return NULL;
		}
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			snprintf(cause, cause_len, "poll: %s", strerror(errno));
			return NULL;
		}
	}
}
