/*
 * session.h - a marked stress test and its summary.
 *
 * The user marks when a load test starts and ends (the `m` key, or
 * --mark for the whole run).  Fed every sample meanwhile, a session keeps
 * what a test report needs: each state's peak and when it came, opens and
 * closes per second (peak and mean), the kernel counters' growth (resets,
 * retransmissions, listen drops...) and, after the end, how long TIME_WAIT
 * took to drain back to where it was at the start.  Memory is fixed: no
 * per-socket or per-sample storage.
 *
 * Owned by one thread (the UI or the batch loop).  Nothing here prints to
 * the terminal; the summary is written to a FILE the caller chooses.
 */
#ifndef TCPDECK_SESSION_H
#define TCPDECK_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "closed.h"
#include "kcounters.h"
#include "snapshot.h"
#include "statetrack.h"

enum session_phase {
	SESSION_IDLE,     /* never started */
	SESSION_RUNNING,  /* between start and end marks */
	SESSION_DRAINING, /* ended; TIME_WAIT still above its starting level */
	SESSION_DONE,     /* ended and drained */
};

/* The kernel counters a summary reports. */
enum { SESSION_COUNTERS = 10 };

struct session_counter {
	enum kcounter counter;
	bool known;           /* present at start and at the latest sample */
	uint64_t total;       /* growth since the start */
	double peak_per_s;    /* highest rate between two samples */
};

struct session_state_peak {
	uint32_t at_start, at_end, peak;
	double peak_at;       /* seconds after the start */
	time_t peak_wall;
};

struct session_summary {
	enum session_phase phase;
	time_t start_wall, end_wall;          /* end_wall 0 while running */
	double duration_s;                    /* start to end (or to now) */
	uint64_t samples;                     /* samples during the test */
	struct session_state_peak states[TCP_STATE_COUNT];
	/* Connections opened and closed: exact (from_events) when every
	 * sample of the test carried the kernel's close events and open
	 * counters (session_closes()), else told from the cookies sampled,
	 * which miss what opened and closed between two samples. */
	uint64_t opened, closed;
	double opened_peak_per_s, closed_peak_per_s;
	double opened_mean_per_s, closed_mean_per_s;
	bool from_events;
	uint64_t opened_client, opened_server; /* ActiveOpens, PassiveOpens;
						* with from_events */
	uint64_t short_lived;                 /* closed, never sampled */
	uint64_t events_lost;                 /* close announcements lost */
	struct session_counter counters[SESSION_COUNTERS];
	/* TIME_WAIT after the end: drained when it is back at (or below)
	 * its count at the start. */
	bool drained;
	double drain_s;                       /* end to drained, or so far */
	uint32_t time_wait_left;              /* while draining */
};

struct session;

/* NULL with errno ENOMEM. */
struct session *session_new(void);
void session_free(struct session *s);

/*
 * Marks the start at snapshot snap (sealed; its taken_mono/_wall are the
 * start time), forgetting any earlier test.  Returns 0.
 */
int session_start(struct session *s, const struct snapshot *snap);

/* Marks the end at snap, which must also have been fed to
 * session_sample().  Ignored unless running. */
void session_end(struct session *s, const struct snapshot *snap);

/* Takes in one sample and the state tracker's summary of it (st may be
 * NULL: no open/close rates).  Ignored while idle or done. */
void session_sample(struct session *s, const struct snapshot *snap,
		    const struct statetrack_summary *st);

/* Takes in what the closed-connection model (closed.h) made of the
 * sample just given to session_sample(): its exact closes and opens.
 * Ignored unless that sample was taken in by a running test. */
void session_closes(struct session *s, const struct snapshot *snap,
		    const struct closed_interval *iv);

enum session_phase session_phase(const struct session *s);

/* The summary so far.  Valid until the next call on s. */
const struct session_summary *session_summary(const struct session *s);

/* Writes the summary as one JSON object and a newline, or as readable
 * text.  Return 0, or -1 with errno from the stream. */
int session_write_json(const struct session_summary *sum, FILE *out);
int session_write_text(const struct session_summary *sum, FILE *out);

/* Writes the summary to PREFIX.json and PREFIX.txt.  Returns 0, or -1
 * with a one-line message naming the file in msg. */
int session_save(const struct session_summary *sum, const char *prefix, char *msg,
		 size_t msg_len);

#endif
