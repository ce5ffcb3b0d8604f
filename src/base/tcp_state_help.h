/*
 * tcp_state_help.h - the help page on TCP states: what each state means,
 * the normal paths through them, and what a pile-up of each usually
 * means.
 *
 * A const table the dashboard renders as it likes, and a plain-text
 * rendering for `tcpdeck --explain`.  Pure; any thread.  The text
 * writer takes a FILE and is used by main.c only.
 */
#ifndef TCPDECK_TCP_STATE_HELP_H
#define TCPDECK_TCP_STATE_HELP_H

#include <stddef.h>
#include <stdio.h>

#include "tcp_state.h"

struct tcp_state_help {
	enum tcp_state state;
	const char *meaning;   /* one or two sentences */
	const char *side;      /* "client", "server", "either", "both" */
	const char *next;      /* how the socket leaves the state */
	const char *pileup;    /* what many of them usually mean */
};

/* A normal path through the states, such as the client's. */
struct tcp_state_path {
	const char *name;      /* "Client, closing first" */
	const char *steps;     /* "SYN_SENT -> ESTABLISHED -> ..." */
	const char *note;
};

/* The entry of each state (index = enum tcp_state), and their count. */
const struct tcp_state_help *tcp_state_help_get(enum tcp_state state);

/* The normal paths; returns how many there are and sets *paths. */
size_t tcp_state_help_paths(const struct tcp_state_path **paths);

/*
 * Writes the whole page as plain text, lines wrapped at `width` columns
 * (at least 40).  Returns 0, or -1 with errno on a write error.
 */
int tcp_state_help_write(FILE *out, int width);

#endif
