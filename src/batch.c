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

int
batch_run(struct ring *ring, struct sampler *sampler, const struct output_format *format,
	  enum output_view view, FILE *out, char *cause, size_t cause_len)
{
	struct batch_request req = {.format = format, .view = view, .sort_column = -1};

	return batch_run_request(ring, sampler, &req, out, cause, cause_len);
}

int
batch_run_request(struct ring *ring, struct sampler *sampler, const struct batch_request *req,
		  FILE *out, char *cause, size_t cause_len)
{
	struct output_context ctx = {
		.match = req->match,
		.filter = req->filter,
		.sort_column = req->sort_column,
		.sort_descending = req->sort_descending,
	};
	/* Ages and rates need the history of each socket. */
	struct conntrack *ct = req->view == OUTPUT_VIEW_CONNS ? conntrack_new(0) : NULL;
	uint64_t last_seq = 0;
	int rc = 0;

	for (;;) {
		struct pollfd pfd = {.fd = ring_wake_fd(ring), .events = POLLIN};
		struct snapshot *snap;
		bool closed;
		int err = 0;

		/* Check for closing before draining: whatever was published
		 * before the close is then certain to be printed. */
		closed = ring_closed(ring, &err, cause, cause_len);
		ring_drain_wake(ring);
		while ((snap = ring_next(ring, last_seq, NULL)) != NULL) {
			last_seq = snap->seq;
			if (ct != NULL)
				(void)conntrack_update(ct, snap); /* ages are extras */
			if (snap->note[0] != '\0')
				fprintf(stderr, "tcpdeck: %s\n", snap->note);
			ctx.snap = snap;
			ctx.ct = ct;
			ctx.interval_s = sampler_interval(sampler);
			rc = output_print(req->format, req->view, out, &ctx);
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
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			snprintf(cause, cause_len, "poll: %s", strerror(errno));
			rc = -1;
			goto done;
		}
	}
done:
	conntrack_free(ct);
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

		closed = ring_closed(ring, &err, cause, cause_len);
		ring_drain_wake(ring);
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
