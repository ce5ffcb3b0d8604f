/*
 * closed.h - closed connections: every close the kernel announced
 * (snapshot.closed), told what the samples knew of it, and exact rates.
 *
 * Fed one sealed snapshot after another (by the pipeline, or a test).
 * Per close it finds, from the samples before and the one it came with:
 * whether a sample ever saw the connection open ("seen"; not seen is
 * short-lived: it lived less than one interval), its last sampled state,
 * its lifetime (from the first sample that saw it to the close; unknown
 * when never seen), and its owner: the last sample's holder of that
 * cookie, else, for the server side, the process listening on its local
 * port, else unknown.  The last `capacity` closes are kept in a ring:
 * memory stays bounded whatever the rate.  Per interval it counts
 * closes, short-lived ones and lost announcements, and the opens the
 * kernel counted (ActiveOpens: client, PassiveOpens: server).
 *
 * Threads: one owner (the pipeline's thread); nothing here is
 * thread-safe.  Nothing prints or exits.
 */
#ifndef TCPDECK_CLOSED_H
#define TCPDECK_CLOSED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "sock_close.h"

#define CLOSED_DEFAULT_CAPACITY 4096

/* Where a closed connection's owner comes from. */
enum closed_owner {
	CLOSED_OWNER_UNKNOWN = 0,
	CLOSED_OWNER_SAMPLE,   /* the last sample that saw its cookie */
	CLOSED_OWNER_LISTENER, /* the process listening on its local port */
};

struct closed_conn {
	struct sock_close ev;  /* as announced (ev.entry.netns: as sampled) */
	bool seen;             /* a sample saw it open */
	uint8_t last_state;    /* enum tcp_state the last sample saw; only
				* when seen */
	double lifetime_s;     /* seen: from its first sample to the close
				* (a lower bound); not seen: -1 */
	uint8_t owner_from;    /* enum closed_owner */
	int32_t pid;           /* 0 when unknown */
	char process[16];      /* comm, raw (sanitize before showing); ""
				* when unknown */
};

/* What the latest sample's interval brought. */
struct closed_interval {
	bool known;            /* the sample carried closes (has_closes) */
	double interval_s;     /* since the sample before (0: first) */
	uint32_t closed;       /* closes announced in it */
	uint32_t short_lived;  /* of which never sampled */
	uint64_t lost;         /* announcements lost in it */
	double closed_per_s, short_lived_per_s; /* 0 without interval */
	bool has_opens;        /* the kernel's open counters are known
				* at both ends of the interval */
	uint64_t opened_client, opened_server; /* ActiveOpens, PassiveOpens */
	double opened_per_s;
};

/* Totals since the model was made. */
struct closed_totals {
	uint64_t closed, short_lived, lost;
};

struct closed_model;

/* A model keeping the last `capacity` closes (0: the default).  NULL
 * with errno ENOMEM. */
struct closed_model *closed_model_new(size_t capacity);
void closed_model_free(struct closed_model *m);

/* Takes in the next sample.  Returns 0, or -1 with errno ENOMEM (the
 * model then starts over with the next sample).  A sample marked last
 * (snap->last) has its closes told the same, but of its sockets only
 * those its closes name are remembered: no later sample will look the
 * others up. */
int closed_model_feed(struct closed_model *m, const struct snapshot *snap);

/* Forgets what samples saw (time went back); the ring and totals stay. */
void closed_model_restart(struct closed_model *m);

/* The closes of the latest sample, oldest first, every one of them (not
 * bounded by the ring); valid until the next feed. */
const struct closed_conn *closed_model_fresh(const struct closed_model *m, size_t *n);

/* The ring: how many it holds, and the i-th (0: oldest). */
size_t closed_model_count(const struct closed_model *m);
const struct closed_conn *closed_model_get(const struct closed_model *m, size_t i);

/* The holders (pid, comm) the model keeps for the sockets it remembers,
 * free ones included: under churn of processes it stays about twice those
 * the remembered sockets name (or a sixty-fourth of their table's slots,
 * or 256, when more) plus one sample's processes, whatever the number of
 * processes that came and went. */
size_t closed_model_holders(const struct closed_model *m);

const struct closed_interval *closed_model_interval(const struct closed_model *m);
const struct closed_totals *closed_model_totals(const struct closed_model *m);

#endif
