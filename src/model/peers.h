/*
 * peers.h - top talkers of one snapshot: its connections aggregated by
 * remote address, by remote port and by local port, with per-state counts,
 * ranked by the total or by one state.
 *
 * Only connections count: LISTEN sockets and sockets without a remote end
 * (remote port 0) are left out of every kind.  Addresses keep their family:
 * an IPv4-mapped IPv6 peer (::ffff:10.0.0.1) is a key of its own, as ss
 * prints it.  Ports are keys across both families.
 *
 * Network namespaces: by default a key is what it says, whatever the
 * namespace of its sockets (10.0.0.1 seen from two containers is one
 * peer).  peers_split_netns(p, true) makes the namespace part of every
 * key instead: 10.0.0.1 from two namespaces is two rows, each with its
 * netns; port 443 likewise.  Rows are then in key order by namespace
 * (inode) first.  A front end asks for it when the snapshot has
 * namespaces (n_netns > 0) and it shows them.
 *
 * Use: peers_build() once per snapshot (or, for a view that refreshes
 * every sample, one peers_new() and peers_update() per snapshot, which
 * reuses memory), then peers_rank() for each kind and order wanted (cheap:
 * it sorts the distinct keys, not the sockets), and peers_rows() for the
 * ranked array.  A peers object is not shared: one thread builds, ranks and
 * reads it.  Its rows point into the snapshot (first socket, owner), so
 * the caller keeps a reference to the snapshot until the next update or
 * peers_free().  Nothing here prints or exits.
 */
#ifndef TCPDECK_PEERS_H
#define TCPDECK_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"
#include "tcp_state.h"

enum peers_kind {
	PEERS_REMOTE_ADDR, /* who connects / is connected to */
	PEERS_REMOTE_PORT, /* which remote services */
	PEERS_LOCAL_PORT,  /* which local services, with their process */
	PEERS_KIND_COUNT
};

/* Rank by the total of all states: the value of peers_rank()'s `by` that
 * is not an enum tcp_state. */
#define PEERS_BY_TOTAL (-1)

/* One key of one kind. */
struct peer_row {
	uint32_t total;
	uint32_t counts[TCP_STATE_COUNT];
	uint8_t family;   /* PEERS_REMOTE_ADDR: AF_INET or AF_INET6 */
	uint8_t addr[16]; /* PEERS_REMOTE_ADDR, network byte order */
	uint16_t port;    /* PEERS_*_PORT, host byte order */
	/* The first socket (in dump order) with this key: any field that
	 * all the key's sockets share can be formatted from it. */
	const struct sock_entry *first;
	/* PEERS_LOCAL_PORT: the first holder found among the key's sockets
	 * (sock_format_owner), or NULL; NULL for the other kinds. */
	const struct owner_proc *owner;
	uint32_t key_order; /* position in key order: breaks ties */
	uint32_t netns;     /* with peers_split_netns(): the namespace
			     * (inode) of the key's sockets; else 0 */
};

struct peers;

/*
 * Aggregates the sockets of snap that `selected` keeps (every socket when
 * it is NULL; filter_selects with a struct filter * as arg gives ss's
 * filter).  Rows start in key order (addresses: IPv4 before IPv6, then by
 * bytes; ports ascending), which is also the order of ties when ranked.
 * Returns NULL with errno ENOMEM.
 */
struct peers *peers_build(const struct snapshot *snap,
                          bool (*selected)(const void *arg, const struct sock_entry *e),
                          const void *arg);

/* An empty peers object to update; NULL with errno ENOMEM. */
struct peers *peers_new(void);

/*
 * Replaces p's contents with the aggregation of snap, as peers_build()
 * does, reusing p's memory.  Returns 0, or -1 with errno ENOMEM (p is then
 * empty, still usable).
 */
int peers_update(struct peers *p, const struct snapshot *snap,
                 bool (*selected)(const void *arg, const struct sock_entry *e), const void *arg);

/* Whether the updates that follow key every row by namespace too (see
 * above); false at peers_new(). */
void peers_split_netns(struct peers *p, bool split);

/* Sockets that counted (selected, not LISTEN, with a remote end). */
uint32_t peers_total(const struct peers *p);

/*
 * Orders the rows of `kind` by `by` (PEERS_BY_TOTAL or an enum tcp_state),
 * descending, ties in key order.  Returns how many rows have a non-zero
 * count for `by` (they come first), or -1 with errno EINVAL (bad kind or
 * by) or ENOMEM (the order is then unchanged).
 */
ssize_t peers_rank(struct peers *p, enum peers_kind kind, int by);

/* The rows of `kind` in their current order; *n is their count. */
const struct peer_row *peers_rows(const struct peers *p, enum peers_kind kind, size_t *n);

/* NULL is accepted. */
void peers_free(struct peers *p);

/* The key of a row as text: "10.0.0.1", "::1", or the port "443". */
void peers_format_key(const struct peer_row *row, enum peers_kind kind, char *out, size_t out_size);

/* Names of kinds ("remote-addr", "remote-port", "local-port") for output. */
const char *peers_kind_name(enum peers_kind kind);

/*
 * What -s NAME ranks by: "total" gives PEERS_BY_TOTAL, a state name as
 * tcp_state_from_name() reads it ("time-wait", "CLOSE_WAIT", "estab") gives
 * that state.  Returns 0, or -1 when the name is unknown or is LISTEN
 * (which no peer has).
 */
int peers_by_parse(const char *name, int *by);

/* "total" or the state's name. */
const char *peers_by_name(int by);

#endif
