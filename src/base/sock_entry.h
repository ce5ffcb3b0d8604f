/*
 * sock_entry.h - one TCP socket as one sample saw it.
 *
 * A plain value type, laid out compactly: a snapshot holds one per socket,
 * so at 100,000 sockets every byte here costs 100 KB per snapshot.
 * Addresses are kept in network byte order; an IPv4 address occupies the
 * first four bytes of its field.
 */
#ifndef TCPDECK_SOCK_ENTRY_H
#define TCPDECK_SOCK_ENTRY_H

#include <stdint.h>

/* Kernel timer kinds as reported in inet_diag_msg.idiag_timer. */
enum sock_timer {
	SOCK_TIMER_NONE = 0,
	SOCK_TIMER_RETRANSMIT = 1,
	SOCK_TIMER_KEEPALIVE = 2,
	SOCK_TIMER_TIME_WAIT = 3,
	SOCK_TIMER_ZERO_WINDOW_PROBE = 4,
};

/* Bits of sock_entry.flags. */
enum {
	SOCK_ENTRY_HAS_INFO = 1u << 0,    /* the tcp_info fields are valid */
	SOCK_ENTRY_HAS_SND_WND = 1u << 1, /* snd_wnd is valid (Linux 5.4+) */
};

struct sock_entry {
	uint64_t cookie;         /* kernel socket cookie: stable identity */
	uint64_t bytes_acked;    /* tcp_info: bytes sent and acknowledged */
	uint64_t bytes_received; /* tcp_info */
	uint8_t local_addr[16];
	uint8_t remote_addr[16];
	uint32_t ifindex;        /* bound interface, 0 when unbound */
	uint32_t inode;          /* 0 for TIME_WAIT and request sockets */
	uint32_t uid;
	uint32_t recv_q;         /* LISTEN: accept queue length */
	uint32_t send_q;         /* LISTEN: backlog */
	uint32_t timer_expires_ms;
	uint32_t rtt_us;         /* tcp_info: smoothed rtt */
	uint32_t rttvar_us;      /* tcp_info */
	uint32_t snd_cwnd;       /* tcp_info, in segments */
	uint32_t total_retrans;  /* tcp_info */
	uint32_t segs_in;        /* tcp_info */
	uint32_t segs_out;       /* tcp_info */
	uint32_t last_data_sent_ms; /* tcp_info: time since last send */
	uint32_t last_data_recv_ms; /* tcp_info: time since last receive */
	uint32_t snd_wnd;        /* tcp_info: the peer's advertised receive
				  * window, bytes; valid with
				  * SOCK_ENTRY_HAS_SND_WND (0: closed) */
	uint32_t rwnd_limited_ms; /* tcp_info: time spent limited by the
				   * peer's window, ms, wrapping (Linux
				   * 4.10+, else 0) */
	uint16_t local_port;     /* host byte order */
	uint16_t remote_port;    /* host byte order */
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t state;           /* enum tcp_state */
	uint8_t timer;           /* enum sock_timer */
	uint8_t retrans;         /* retransmits of the pending timer */
	uint8_t flags;           /* SOCK_ENTRY_* */
	uint8_t owner_status;    /* enum owner_status */
	uint16_t n_owners;       /* processes holding it (saturates) */
	uint32_t owner;          /* OWNER_FOUND: first holder's index in the
				  * snapshot's owner table */
	uint32_t netns;          /* the network namespace's nsfs inode (see
				  * snapshot.h, struct snapshot_netns); 0
				  * when the source does not know it.  A
				  * socket is identified by (netns, cookie). */
};

/* Whether a and b are the same socket: the same cookie in the same
 * network namespace. */
static inline int
sock_entry_same(const struct sock_entry *a, const struct sock_entry *b)
{
	return a->cookie == b->cookie && a->netns == b->netns;
}

#endif
