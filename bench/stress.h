/*
 * stress.h - what the three processes of tcpdeck-stress share: the phases,
 * the control message the supervisor sends down a pipe when a phase
 * starts, the counters the workers publish, and the workers' entry points.
 *
 * Process model: the supervisor (stress.c) forks a server (stress_server.c)
 * and a load generator (stress_load.c).  Each worker reads struct
 * stress_ctl messages from its own pipe and exits when the pipe closes, at
 * its own deadline, or when killed; both die with the supervisor
 * (PR_SET_PDEATHSIG).  They publish progress only through struct
 * stress_stats, a MAP_SHARED page each field of which has one writer.
 * Workers never print; the supervisor does all the talking.
 */
#ifndef TCPDECK_BENCH_STRESS_H
#define TCPDECK_BENCH_STRESS_H

#include <stdbool.h>
#include <stdint.h>

enum stress_phase {
	STRESS_RAMP,     /* rising rate of short connections: TIME_WAIT, CLOSE_WAIT */
	STRESS_PLATEAU,  /* steady rate plus long-lived and stalled connections */
	STRESS_SYNFLOOD, /* the server stops accepting; a burst of connects */
	STRESS_KILL,     /* the server recovers; the load generator is SIGKILLed */
	STRESS_DRAIN,    /* no new load; timers empty the tables */
	STRESS_PHASE_COUNT
};

/* One per phase change; smaller than PIPE_BUF, so written atomically. */
struct stress_ctl {
	int32_t phase;  /* enum stress_phase */
	double seconds; /* how long the phase is planned to last */
};

/* Progress counters; only the named process writes each field. */
struct stress_stats {
	/* server */
	uint64_t accepted;
	uint64_t leaked; /* client closed, server never will: CLOSE_WAIT */
	uint64_t served; /* requests answered */
	/* load generator */
	uint64_t short_done; /* request, answer, client closes first */
	uint64_t short_failed;
	uint64_t long_held; /* long-lived ESTABLISHED connections open */
	uint64_t stalled;   /* connections with unsent data, server not reading */
	uint64_t burst;     /* connects fired at the stalled listener */
};

/* Where the load generator connects and how hard. */
struct stress_load_conf {
	int port;
	bool ipv6;       /* [::1] listens too: every fourth connection uses it */
	long rate;       /* peak new connections per second */
	int long_lived;  /* ESTABLISHED connections held from the plateau on */
	int stall;       /* connections left with unsent data */
	int burst;       /* connects fired during the SYN burst */
	double deadline; /* bench_net_now() value after which it exits */
};

/* Listen backlog of the demo server: small on purpose so that the SYN burst
 * overflows it (the accept queue holds backlog + 1). */
#define STRESS_BACKLOG 8

/* Runs the server on already listening, non-blocking sockets (lfd6 may be
 * -1) until ctl_fd reaches EOF or the deadline; every leak_every-th
 * connection (0: none) is leaked.  Never returns. */
void stress_server_main(int lfd4, int lfd6, int ctl_fd, long leak_every, double deadline,
                        struct stress_stats *stats) __attribute__((noreturn));

/* Runs the load generator until ctl_fd reaches EOF, the deadline, or a
 * SIGKILL (which is how the scenario ends it).  Never returns. */
void stress_load_main(const struct stress_load_conf *conf, int ctl_fd, struct stress_stats *stats)
    __attribute__((noreturn));

#endif
