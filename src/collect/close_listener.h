/*
 * close_listener.h - the thread that hears the kernel announce every TCP
 * socket it frees (sock_diag destroy multicast groups, as `ss -E`).
 *
 * Contract: one listener runs beside the sampler.  It keeps one netlink
 * socket per network namespace it follows (a netlink socket hears only
 * the namespace it was made in), subscribed to SKNLGRP_INET_TCP_DESTROY
 * and SKNLGRP_INET6_TCP_DESTROY; no capability is needed to subscribe.
 * Its thread only receives, parses and queues events, never printing.
 * The sampler thread calls close_listener_follow() and
 * close_listener_take() once per sample: the events queued since the
 * sample before go into the new snapshot.  An overrun of a socket's
 * receive buffer (ENOBUFS) is counted exactly (the socket's drop counter,
 * SO_MEMINFO) and never stops the listener.  What is not announced: the
 * kernel frees TIME_WAIT and SYN_RECV mini-sockets without an event (the
 * full socket before TIME_WAIT is announced).  Sockets that never had a
 * peer (listeners, bound ones) are announced but not kept.
 * Shutdown (close_listener_free) sets a flag, wakes the thread through a
 * pipe and joins it.
 */
#ifndef TCPDECK_CLOSE_LISTENER_H
#define TCPDECK_CLOSE_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* The receive buffer asked for when none is given: room for some ten
 * thousand events while the thread is not scheduled. */
#define CLOSE_LISTENER_RCVBUF (8 * 1024 * 1024)

/* Queued events beyond this many (a sampler that stopped taking them)
 * are counted as lost rather than kept. */
#define CLOSE_LISTENER_MAX_QUEUED 1000000

struct close_listener;

/*
 * Opens the listener's socket in the caller's own namespace, with a
 * receive buffer of rcvbuf bytes (0: CLOSE_LISTENER_RCVBUF), forced past
 * net.core.rmem_max when CAP_NET_ADMIN allows, else the largest allowed.
 * Returns the listener (not yet running), or NULL with errno and a
 * one-line cause.
 */
struct close_listener *close_listener_new(int rcvbuf, char *cause, size_t cause_len);

/* Starts the thread (every signal blocked in it).  0 or -1 with errno. */
int close_listener_start(struct close_listener *l);

/*
 * Follows the namespaces of snap (its table; none: the own namespace
 * only): a namespace new to it gets a socket, made inside it by a short
 * helper thread (needs CAP_SYS_ADMIN, as sampling it did); one missing
 * from three samples in a row is let go.  Failures are logged and leave
 * that namespace unheard.  Sampler thread only.
 */
void close_listener_follow(struct close_listener *l, const struct snapshot *snap);

/*
 * Moves the events queued since the last call into snap (unsealed):
 * closed, n_closed, closes_lost, has_closes.  Without a namespace table
 * the events' netns is 0, as the sample's entries; with one, events of
 * namespaces not in it are dropped.  Sampler thread only.
 */
void close_listener_take(struct close_listener *l, struct snapshot *snap);

/* The receive buffer the own namespace's socket got (bytes, as the
 * kernel counts them) and whether it was forced past rmem_max. */
void close_listener_buffer(const struct close_listener *l, int *bytes, bool *forced);

/* Stops and joins the thread, closes every socket; NULL is accepted. */
void close_listener_free(struct close_listener *l);

#endif
