/*
 * tcp_state.c - names and kernel numbering of TCP states.
 * Pure functions; any thread.
 */
#include "config.h"

#include <stddef.h>

#include "tcp_state.h"

static const char *const state_names[TCP_STATE_COUNT] = {
	[TCP_STATE_LISTEN] = "LISTEN",
	[TCP_STATE_SYN_SENT] = "SYN_SENT",
	[TCP_STATE_SYN_RECV] = "SYN_RECV",
	[TCP_STATE_ESTABLISHED] = "ESTABLISHED",
	[TCP_STATE_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_STATE_FIN_WAIT2] = "FIN_WAIT2",
	[TCP_STATE_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_STATE_CLOSING] = "CLOSING",
	[TCP_STATE_LAST_ACK] = "LAST_ACK",
	[TCP_STATE_TIME_WAIT] = "TIME_WAIT",
	[TCP_STATE_CLOSE] = "CLOSE",
};

static const signed char from_kernel[KERNEL_TCP_MAX_STATES] = {
	[0] = -1,
	[KERNEL_TCP_ESTABLISHED] = TCP_STATE_ESTABLISHED,
	[KERNEL_TCP_SYN_SENT] = TCP_STATE_SYN_SENT,
	[KERNEL_TCP_SYN_RECV] = TCP_STATE_SYN_RECV,
	[KERNEL_TCP_FIN_WAIT1] = TCP_STATE_FIN_WAIT1,
	[KERNEL_TCP_FIN_WAIT2] = TCP_STATE_FIN_WAIT2,
	[KERNEL_TCP_TIME_WAIT] = TCP_STATE_TIME_WAIT,
	[KERNEL_TCP_CLOSE] = TCP_STATE_CLOSE,
	[KERNEL_TCP_CLOSE_WAIT] = TCP_STATE_CLOSE_WAIT,
	[KERNEL_TCP_LAST_ACK] = TCP_STATE_LAST_ACK,
	[KERNEL_TCP_LISTEN] = TCP_STATE_LISTEN,
	[KERNEL_TCP_CLOSING] = TCP_STATE_CLOSING,
	/* A request socket is a connection in SYN_RECV that has no full
	 * socket yet; users know it as SYN_RECV. */
	[KERNEL_TCP_NEW_SYN_RECV] = TCP_STATE_SYN_RECV,
	/* Bound, not listening, not connected: the kernel's CLOSE. */
	[KERNEL_TCP_BOUND_INACTIVE] = TCP_STATE_CLOSE,
};

/* Spellings ss prints that differ from ours beyond '-' versus '_'. */
static const struct {
	const char *alias;
	enum tcp_state state;
} state_aliases[] = {
	{"ESTAB", TCP_STATE_ESTABLISHED},
	{"UNCONN", TCP_STATE_CLOSE},
	{"FIN-WAIT-1", TCP_STATE_FIN_WAIT1},
	{"FIN-WAIT-2", TCP_STATE_FIN_WAIT2},
	{"FIN_WAIT_1", TCP_STATE_FIN_WAIT1},
	{"FIN_WAIT_2", TCP_STATE_FIN_WAIT2},
	{"CLOSED", TCP_STATE_CLOSE},
};

const char *
tcp_state_name(enum tcp_state state)
{
	if ((unsigned int)state >= TCP_STATE_COUNT)
		return "?";
	return state_names[state];
}

int
tcp_state_from_kernel(unsigned int kernel_state)
{
	if (kernel_state >= KERNEL_TCP_MAX_STATES)
		return -1;
	return from_kernel[kernel_state];
}

/* Compares case-insensitively, treating '-' and '_' as equal. */
static bool
names_match(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a == '-' ? '_' : *a;
		char cb = *b == '-' ? '_' : *b;

		if (ca >= 'a' && ca <= 'z')
			ca = (char)(ca - 'a' + 'A');
		if (cb >= 'a' && cb <= 'z')
			cb = (char)(cb - 'a' + 'A');
		if (ca != cb)
			return false;
	}
	return *a == '\0' && *b == '\0';
}

int
tcp_state_from_name(const char *name)
{
	for (int i = 0; i < TCP_STATE_COUNT; i++)
		if (names_match(name, state_names[i]))
			return i;
	for (size_t i = 0; i < sizeof(state_aliases) / sizeof(state_aliases[0]); i++)
		if (names_match(name, state_aliases[i].alias))
			return (int)state_aliases[i].state;
	return -1;
}

bool
tcp_state_is_steady(enum tcp_state state)
{
	return state == TCP_STATE_LISTEN || state == TCP_STATE_ESTABLISHED;
}
