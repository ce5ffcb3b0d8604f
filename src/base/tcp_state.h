/*
 * tcp_state.h - the eleven TCP states tcpdeck shows, in display order.
 *
 * The kernel numbers states differently (TCP_ESTABLISHED is 1, LISTEN 10)
 * and adds two internal ones: request sockets (NEW_SYN_RECV) and bound but
 * inactive sockets (BOUND_INACTIVE, kernel >= 6.5).  tcp_state_from_kernel()
 * folds those into SYN_RECV and CLOSE, the way ss presents them.
 * Pure functions; any thread.
 */
#ifndef TCPDECK_TCP_STATE_H
#define TCPDECK_TCP_STATE_H

#include <stdbool.h>

enum tcp_state {
	TCP_STATE_LISTEN,
	TCP_STATE_SYN_SENT,
	TCP_STATE_SYN_RECV,
	TCP_STATE_ESTABLISHED,
	TCP_STATE_FIN_WAIT1,
	TCP_STATE_FIN_WAIT2,
	TCP_STATE_CLOSE_WAIT,
	TCP_STATE_CLOSING,
	TCP_STATE_LAST_ACK,
	TCP_STATE_TIME_WAIT,
	TCP_STATE_CLOSE,
	TCP_STATE_COUNT
};

/* Kernel state numbers (include/net/tcp_states.h); not all are in the
 * installed uapi headers. */
enum {
	KERNEL_TCP_ESTABLISHED = 1,
	KERNEL_TCP_SYN_SENT = 2,
	KERNEL_TCP_SYN_RECV = 3,
	KERNEL_TCP_FIN_WAIT1 = 4,
	KERNEL_TCP_FIN_WAIT2 = 5,
	KERNEL_TCP_TIME_WAIT = 6,
	KERNEL_TCP_CLOSE = 7,
	KERNEL_TCP_CLOSE_WAIT = 8,
	KERNEL_TCP_LAST_ACK = 9,
	KERNEL_TCP_LISTEN = 10,
	KERNEL_TCP_CLOSING = 11,
	KERNEL_TCP_NEW_SYN_RECV = 12,
	KERNEL_TCP_BOUND_INACTIVE = 13,
	KERNEL_TCP_MAX_STATES = 14
};

/* Upper-case name with underscores ("SYN_RECV"); "?" when out of range. */
const char *tcp_state_name(enum tcp_state state);

/* Maps a kernel state number to a display state; -1 when unknown. */
int tcp_state_from_kernel(unsigned int kernel_state);

/* Parses a name as printed by tcp_state_name(), case-insensitively; "-" and
 * "_" are interchangeable, so ss's "FIN-WAIT-1" and "SYN-RECV" work, and so
 * do ss's "ESTAB" and "UNCONN".  Returns -1 when unknown. */
int tcp_state_from_name(const char *name);

/* True for states that are normal in any number (LISTEN, ESTABLISHED);
 * the others deserve a look when they pile up. */
bool tcp_state_is_steady(enum tcp_state state);

#endif
