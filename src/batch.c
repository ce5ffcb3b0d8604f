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
	uint64_t last_seq = 0;

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
			int rc = output_print(format, view, out, snap, sampler_interval(sampler));

			last_seq = snap->seq;
			snapshot_unref(snap);
			if (rc < 0) {
				snprintf(cause, cause_len, "cannot write output: %s", strerror(errno));
				return -1;
			}
		}
		if (closed) {
			if (err != 0) {
				errno = err;
				return -1;
			}
			return 0;
		}
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			snprintf(cause, cause_len, "poll: %s", strerror(errno));
			return -1;
		}
	}
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
