/*
 * closed_stats.h - what a screen of closed connections is made of: the
 * closes sorted by a column, a histogram of their lifetimes, the remote
 * peers that close most, and the recent short-lived closes the
 * connection table lingers.
 *
 * Pure functions over closed_conn values (closed.h): they read what the
 * caller gives, allocate only what they return, keep nothing between
 * calls.  Any thread, on data it owns.  Nothing prints or exits.
 */
#ifndef TCPDECK_CLOSED_STATS_H
#define TCPDECK_CLOSED_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "closed.h"

/* The columns closes sort by. */
enum closed_sort {
	CLOSED_SORT_TIME,     /* when the close was heard */
	CLOSED_SORT_LIFETIME, /* never sampled first: shorter than any */
	CLOSED_SORT_SENT,     /* bytes acked */
	CLOSED_SORT_RECEIVED, /* bytes received */
	CLOSED_SORT_RTT,
	CLOSED_SORT_RETRANS,  /* total retransmits */
	CLOSED_SORT_PEER,     /* remote address (IPv4 before IPv6), then
			       * remote port */
	CLOSED_SORT_PORT,     /* local port, then remote port */
	CLOSED_SORT_OWNER,    /* process name, then pid; unknown first */
	CLOSED_SORT_COUNT
};

/* Its name as the view's header marks it: "time", "lifetime"... */
const char *closed_sort_name(enum closed_sort by);

/* Sorts rows (pointers) by `by`, ascending or descending.  Ties go by
 * time, then cookie, the same way round, so the order is total and the
 * same whatever the input order. */
void closed_sort(const struct closed_conn **rows, size_t n, enum closed_sort by, bool descending);

/* Lifetime buckets, decades of it; the never-sampled (lifetime unknown,
 * shorter than an interval) apart. */
enum closed_life {
	CLOSED_LIFE_UNSAMPLED,
	CLOSED_LIFE_1MS,    /* < 1 ms */
	CLOSED_LIFE_10MS,   /* 1 to 10 ms */
	CLOSED_LIFE_100MS,  /* 10 to 100 ms */
	CLOSED_LIFE_1S,     /* 0.1 to 1 s */
	CLOSED_LIFE_10S,    /* 1 to 10 s */
	CLOSED_LIFE_60S,    /* 10 to 60 s */
	CLOSED_LIFE_LONGER, /* 60 s and more */
	CLOSED_LIFE_COUNT
};

/* The bucket of c (lower bounds belong to the bucket above: 1 ms is in
 * 1-10 ms). */
enum closed_life closed_life_of(const struct closed_conn *c);

/* A short label: "never", "<1ms", "1-10ms", ... ">60s". */
const char *closed_life_label(enum closed_life bucket);

/* Counts rows per bucket into counts[CLOSED_LIFE_COUNT]. */
void closed_life_histogram(const struct closed_conn *const *rows, size_t n,
			   uint64_t counts[CLOSED_LIFE_COUNT]);

/* A remote peer (address only, every port) and how often it closed. */
struct closed_peer {
	uint8_t family;    /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network order; IPv4 in the first 4 bytes */
	uint32_t closes;   /* in the window */
	double per_s;      /* closes over the window's length */
};

/*
 * The peers with the most closes heard in (since_ns, until_ns]
 * (CLOCK_REALTIME, as closed_conn.ev.time_ns), most first (ties: lower
 * address first), at most max of them into out.  Rows without a remote
 * port (no peer) are left out.  Returns how many were written, or -1
 * with errno ENOMEM.  An empty or reversed window writes none.
 */
ssize_t closed_top_peers(const struct closed_conn *const *rows, size_t n, uint64_t since_ns,
			 uint64_t until_ns, struct closed_peer *out, size_t max);

/* Where the time a sample covers ends for its closes (CLOCK_REALTIME,
 * ns): the later of its wall time and the newest close it carries (heard
 * while its dump ran, after it was taken). */
uint64_t closed_window_end(const struct snapshot *snap);

/*
 * The short-lived closes (never sampled) of the model heard in
 * (since_ns, until_ns], newest first, at most max of them, as pointers
 * into the model's ring into out (valid until the next feed).  Returns
 * how many.
 */
size_t closed_recent_short(const struct closed_model *m, uint64_t since_ns, uint64_t until_ns,
			   const struct closed_conn **out, size_t max);

#endif
