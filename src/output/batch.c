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
#include "diagnose.h"
#include "session.h"
#include "statetrack.h"
#include "timespec_util.h"

int
batch_run(struct ring *ring, struct sampler *sampler, const struct output_format *format,
	  enum output_view view, FILE *out, char *cause, size_t cause_len)
{
	struct batch_request req = {
		.format = format, .view = view, .sort_column = -1, .peers_by = PEERS_BY_TOTAL};

	return batch_run_request(ring, sampler, &req, out, cause, cause_len);
}

/* What is derived from every snapshot in order: a state tracker for the
 * diagnoses view and for a marked test, the diagnoser, the test itself
 * (each NULL when not needed). */
struct batch_diag {
	struct statetrack *st;
	struct diagnose *diag;
	struct session *session;
};

static void
batch_diag_close(struct batch_diag *bd)
{
	diagnose_free(bd->diag);
	statetrack_free(bd->st);
	session_free(bd->session);
}

static int
batch_diag_open(struct batch_diag *bd, const struct batch_request *req, char *cause,
		size_t cause_len)
{
	bool diagnoses = req->view == OUTPUT_VIEW_DIAGNOSES;

	memset(bd, 0, sizeof(*bd));
	if (!diagnoses && !req->mark)
		return 0;
	bd->st = statetrack_new();
	bd->diag = diagnoses ? diagnose_new(req->diag_config, "/proc") : NULL;
	bd->session = req->mark ? session_new() : NULL;
	if (bd->st == NULL || (diagnoses && bd->diag == NULL) || (req->mark && bd->session == NULL)) {
		batch_diag_close(bd);
		snprintf(cause, cause_len, "diagnoses: %s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

static int
batch_diag_feed(struct batch_diag *bd, const struct snapshot *snap, struct output_context *ctx,
		char *cause, size_t cause_len)
{
	if (bd->st == NULL)
		return 0;
	if (statetrack_update(bd->st, snap) < 0 ||
	    (bd->diag != NULL && diagnose_update(bd->diag, snap, bd->st) < 0)) {
		snprintf(cause, cause_len, "diagnoses: %s", strerror(errno));
		return -1;
	}
	ctx->diag = bd->diag;
	if (bd->session == NULL)
		return 0;
	/* The whole run is the test: it starts with the first sample and
	 * every later one is part of it, up to the last. */
	if (session_phase(bd->session) == SESSION_IDLE)
		session_start(bd->session, snap);
	else
		session_sample(bd->session, snap, statetrack_summary(bd->st));
	return 0;
}

/* The end of a marked run: ends the test at the last sample and prints
 * its summary (JSON with -o json, else text) on out, or on standard error
 * when standard output carries a recording; saves it with --summary.
 * Returns 0, or -1 with a cause. */
static int
batch_diag_finish(struct batch_diag *bd, const struct batch_request *req,
		  const struct snapshot *last, FILE *out, char *cause, size_t cause_len)
{
	const struct session_summary *sum;
	FILE *to = out != NULL ? out : stderr;

	if (bd->session == NULL || session_phase(bd->session) == SESSION_IDLE)
		return 0;
	if (last != NULL)
		session_end(bd->session, last);
	sum = session_summary(bd->session);
	if ((strcmp(req->format->name, "json") == 0 ? session_write_json(sum, to)
						    : session_write_text(sum, to)) < 0 ||
	    fflush(to) != 0) {
		snprintf(cause, cause_len, "cannot write the test summary: %s", strerror(errno));
		return -1;
	}
	if (req->summary_prefix != NULL &&
	    session_save(sum, req->summary_prefix, cause, cause_len) < 0)
		return -1;
	return 0;
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
		.peers_scratch = req->view == OUTPUT_VIEW_PEERS ? peers_new() : NULL,
	};

	return ctx;
}

int
batch_run_request(struct ring *ring, struct sampler *sampler, const struct batch_request *req,
		  FILE *out, char *cause, size_t cause_len)
{
	struct output_context ctx = context_of(req);
	/* The counters view prints rates: it keeps the sample before. */
	struct snapshot *prev = NULL;
	struct snapshot *last = NULL; /* a marked test ends at it */
	/* Ages and rates need the history of each socket. */
	struct conntrack *ct = req->view == OUTPUT_VIEW_CONNS ? conntrack_new(0) : NULL;
	uint64_t last_seq = 0;
	int rc = 0;
	struct batch_diag bd;

	if (batch_diag_open(&bd, req, cause, cause_len) < 0) {
		conntrack_free(ct);
		peers_free(ctx.peers_scratch);
		return -1;
	}
	for (;;) {
		struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};
		struct snapshot *snap;
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
		while ((snap = ring_next(ring, last_seq, NULL)) != NULL) {
			last_seq = snap->seq;
			if (ct != NULL)
				(void)conntrack_update(ct, snap); /* ages are extras */
			if (snap->note[0] != '\0')
				fprintf(stderr, "tcpdeck: %s\n", snap->note);
			if (batch_diag_feed(&bd, snap, &ctx, cause, cause_len) < 0) {
				snapshot_unref(snap);
				rc = -1;
				goto done;
			}
			ctx.snap = snap;
			ctx.ct = ct;
			ctx.interval_s = sampler_interval(sampler);
			ctx.prev = prev;
			/* No output (out NULL) when stdout carries a recording. */
			rc = out != NULL ? output_print(req->format, req->view, out, &ctx) : 0;
			if (bd.session != NULL) {
				snapshot_unref(last);
				last = snapshot_ref(snap);
			}
			if (req->view == OUTPUT_VIEW_COUNTERS) {
				snapshot_unref(prev);
				prev = snap;
			} else
				snapshot_unref(snap);
			if (rc < 0) {
				snprintf(cause, cause_len, "cannot write output: %s", strerror(errno));
				goto done;
			}
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
	if (rc == 0)
		rc = batch_diag_finish(&bd, req, last, out, cause, cause_len);
	snapshot_unref(last);
	snapshot_unref(prev);
	conntrack_free(ct);
	peers_free(ctx.peers_scratch);
	batch_diag_close(&bd);
	return rc;
}

void
batch_live_options(enum output_view view, const struct filter *filter,
		   struct source_live_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	switch (view) {
	case OUTPUT_VIEW_STATES:
		opts->filter = filter;
		opts->no_tcp_info = true;
		opts->no_counters = true;
		break;
	case OUTPUT_VIEW_LISTEN:
		opts->no_tcp_info = true;
		opts->no_counters = true;
		break;
	case OUTPUT_VIEW_COUNTERS: /* shows no socket */
	case OUTPUT_VIEW_DIAGNOSES: /* every socket: queues, timers and
				     * retransmits are in the base message */
		opts->no_tcp_info = true;
		break;
	case OUTPUT_VIEW_PEERS: /* counts selected sockets by state */
		opts->filter = filter;
		opts->no_tcp_info = true;
		opts->no_counters = true;
		break;
	case OUTPUT_VIEW_CONNS: /* rtt, retransmits and bytes come from tcp_info */
	default:
		opts->filter = filter;
		opts->no_counters = true;
		break;
	}
}

int
batch_run_source(struct source *src, double interval_s, unsigned long max_samples,
		 const struct batch_request *req, FILE *out, char *cause, size_t cause_len)
{
	struct output_context ctx = context_of(req);
	struct snapshot *prev = NULL;
	struct conntrack *ct = req->view == OUTPUT_VIEW_CONNS ? conntrack_new(0) : NULL;
	uint64_t seq = 0;
	int rc;
	struct batch_diag bd;

	if (batch_diag_open(&bd, req, cause, cause_len) < 0) {
		conntrack_free(ct);
		peers_free(ctx.peers_scratch);
		return -1;
	}
	for (rc = 0; max_samples == 0 || seq < max_samples;) {
		struct snapshot *snap = snapshot_new(prev != NULL ? prev->n_entries : 0);

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
				fprintf(stderr, "tcpdeck: %s\n", cause); /* where it was cut */
			if (rc > 0)
				rc = 0; /* 2 cannot happen without a controller */
			break;
		}
		snapshot_seal(snap);
		snap->seq = ++seq;
		if (ct != NULL)
			(void)conntrack_update(ct, snap);
		if (snap->note[0] != '\0')
			fprintf(stderr, "tcpdeck: %s\n", snap->note);
		if (batch_diag_feed(&bd, snap, &ctx, cause, cause_len) < 0) {
			snapshot_unref(snap);
			rc = -1;
			break;
		}
		ctx.snap = snap;
		ctx.ct = ct;
		/* The recorded spacing of the samples, for rates. */
		ctx.interval_s = prev != NULL ? timespec_between(&prev->taken_mono, &snap->taken_mono)
					      : interval_s;
		ctx.prev = prev;
		rc = out != NULL ? output_print(req->format, req->view, out, &ctx) : 0;
		if (rc == 0 && out != NULL && fflush(out) != 0)
			rc = -1;
		snapshot_unref(prev);
		prev = snap;
		if (rc < 0) {
			snprintf(cause, cause_len, "cannot write output: %s", strerror(errno));
			break;
		}
	}
	if (rc == 0)
		rc = batch_diag_finish(&bd, req, prev, out, cause, cause_len);
	snapshot_unref(prev);
	conntrack_free(ct);
	peers_free(ctx.peers_scratch);
	batch_diag_close(&bd);
	return rc;
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
