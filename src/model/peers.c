/*
 * peers.c - a snapshot's connections aggregated by remote address, remote
 * port and local port, and ranked.
 *
 * One pass over the sockets: ports index a 65,536-slot table, addresses an
 * open-addressing hash, so 100,000 sockets cost 100,000 lookups.  Ranking
 * radix-sorts the distinct keys by (count, key order).  Memory is kept
 * from one update to the next.  The thread that
 * builds a peers object is the only one to use it.  Nothing here prints or
 * exits.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hash.h"
#include "peers.h"
#include "radix_sort.h"
#include "sock_format.h"

struct peer_list {
	struct peer_row *rows;
	size_t n;
	size_t cap;
};

struct peers {
	struct peer_list kinds[PEERS_KIND_COUNT];
	struct peer_row *spare; /* order_ports' target, then swapped in */
	size_t spare_cap;
	uint32_t *port_slots[PEERS_KIND_COUNT]; /* port kinds: port -> index + 1 */
	uint32_t *addr_table;                   /* address hash: index + 1 */
	size_t addr_size;                       /* a power of two */
	/* Split by namespace: the port kinds are hashed by (namespace,
	 * port) in tables of addr_size slots, not indexed by port. */
	bool split;
	uint32_t *split_ports[PEERS_KIND_COUNT];
	uint32_t total;
};

enum { PORT_SLOTS = 65536 };

/* Room for `cap` rows.  The old rows are not kept (every update starts
 * empty), so growing costs no copy; memory is kept between updates, so
 * a dashboard rebuilding every second does not fault in fresh pages. */
static int
reserve_rows(struct peer_row **rows, size_t *cap, size_t want)
{
	struct peer_row *fresh;

	if (*cap >= want && *rows != NULL)
		return 0;
	fresh = malloc((want + 1) * sizeof(*fresh));
	if (fresh == NULL)
		return -1;
	free(*rows);
	*rows = fresh;
	*cap = want;
	return 0;
}

/* Appends a zeroed row (the list has room by construction). */
static struct peer_row *
list_add(struct peer_list *list)
{
	struct peer_row *row = &list->rows[list->n++];

	memset(row, 0, sizeof(*row));
	return row;
}

static void
row_count(struct peer_row *row, const struct sock_entry *e)
{
	row->total++;
	if (e->state < TCP_STATE_COUNT)
		row->counts[e->state]++;
}

/* Hash of an address with its family (and namespace, split). */
static uint64_t
addr_hash(const struct sock_entry *e, uint32_t netns)
{
	uint64_t a = 0, b = 0;

	if (e->family == AF_INET) {
		uint32_t v4; /* the first 4 bytes; the rest is not compared */

		memcpy(&v4, e->remote_addr, 4);
		a = v4;
	} else {
		memcpy(&a, e->remote_addr, 8);
		memcpy(&b, e->remote_addr + 8, 8);
	}
	uint64_t w[2] = { a, b };

	return hash_words(w, 2, e->family ^ (uint64_t)netns << 8);
}

/* The part of the address the family uses (IPv4: the first 4 bytes). */
static size_t
addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct peer_row *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->family != y->family)
		return x->family == AF_INET ? -1 : y->family == AF_INET ? 1 : x->family - y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* Port rows: found through a table indexed by port; put in port order
 * after the pass.  Returns the row. */
static struct peer_row *
count_port(struct peer_list *list, uint32_t *slots, uint16_t port, const struct sock_entry *e)
{
	struct peer_row *row;

	if (slots[port] == 0) {
		row = list_add(list);
		row->port = port;
		row->first = e;
		slots[port] = (uint32_t)list->n; /* index + 1: 0 is empty */
	}
	row = &list->rows[slots[port] - 1];
	row_count(row, e);
	return row;
}

/* Port rows split by namespace: a hash of (namespace, port).  Returns
 * the row. */
static struct peer_row *
count_split_port(struct peer_list *list, uint32_t *table, size_t mask, uint16_t port,
		 const struct sock_entry *e)
{
	size_t i = (size_t)hash_u64((uint64_t)e->netns << 16 | port) & mask;
	struct peer_row *row;

	for (;; i = (i + 1) & mask) {
		if (table[i] == 0)
			break;
		row = &list->rows[table[i] - 1];
		if (row->port == port && row->netns == e->netns) {
			row_count(row, e);
			return row;
		}
	}
	row = list_add(list);
	row->port = port;
	row->netns = e->netns;
	row->first = e;
	row_count(row, e);
	table[i] = (uint32_t)list->n;
	return row;
}

static int
split_port_cmp(const void *a, const void *b)
{
	const struct peer_row *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static void
count_addr(struct peer_list *list, uint32_t *table, size_t mask, const struct sock_entry *e,
	   uint32_t netns)
{
	size_t i = (size_t)addr_hash(e, netns) & mask, len = addr_len(e->family);
	struct peer_row *row;

	for (;; i = (i + 1) & mask) {
		if (table[i] == 0)
			break;
		row = &list->rows[table[i] - 1];
		if (row->family == e->family && row->netns == netns &&
		    memcmp(row->addr, e->remote_addr, len) == 0) {
			row_count(row, e);
			return;
		}
	}
	row = list_add(list);
	row->netns = netns;
	row->family = e->family;
	memcpy(row->addr, e->remote_addr, len); /* the rest stays zero */
	row->first = e;
	row_count(row, e);
	table[i] = (uint32_t)list->n;
}

/* Puts the rows of a port kind in port order: the slot table already
 * lists the ports in order, so one copy into the spare array does it. */
static void
order_ports(struct peers *p, enum peers_kind kind)
{
	struct peer_list *list = &p->kinds[kind];
	const uint32_t *slots = p->port_slots[kind];
	struct peer_row *sorted = p->spare;
	size_t n = 0, cap = p->spare_cap;

	for (size_t port = 0; port < PORT_SLOTS; port++)
		if (slots[port] != 0)
			sorted[n++] = list->rows[slots[port] - 1];
	p->spare = list->rows;
	p->spare_cap = list->cap;
	list->rows = sorted;
	list->cap = cap;
}

static bool
counts_as_peer(const struct sock_entry *e)
{
	return e->state != TCP_STATE_LISTEN && e->remote_port != 0;
}

struct peers *
peers_new(void)
{
	struct peers *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->port_slots[PEERS_REMOTE_PORT] = calloc(PORT_SLOTS, sizeof(uint32_t));
	p->port_slots[PEERS_LOCAL_PORT] = calloc(PORT_SLOTS, sizeof(uint32_t));
	if (p->port_slots[PEERS_REMOTE_PORT] == NULL || p->port_slots[PEERS_LOCAL_PORT] == NULL) {
		peers_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* Empties every kind; the port tables are cleared through the rows that
 * filled them, which costs the rows, not the 65,536 slots. */
static void
peers_clear(struct peers *p)
{
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		struct peer_list *list = &p->kinds[k];

		if (p->port_slots[k] != NULL)
			for (size_t i = 0; i < list->n; i++)
				p->port_slots[k][list->rows[i].port] = 0;
		list->n = 0;
	}
	p->total = 0;
}

/* Makes room for n sockets' keys before counting, so that counting cannot
 * fail half way. */
static int
peers_reserve(struct peers *p, size_t n)
{
	size_t size = 16, ports = n < PORT_SLOTS ? n : PORT_SLOTS;

	/* At most half full: short probe sequences. */
	while (size < 2 * n)
		size *= 2;
	if (size != p->addr_size) {
		free(p->addr_table);
		p->addr_table = calloc(size, sizeof(*p->addr_table));
		p->addr_size = p->addr_table != NULL ? size : 0;
		for (int k = PEERS_REMOTE_PORT; k <= PEERS_LOCAL_PORT; k++) {
			free(p->split_ports[k]);
			p->split_ports[k] = NULL;
		}
		if (p->addr_table == NULL)
			return -1;
	} else
		memset(p->addr_table, 0, size * sizeof(*p->addr_table));
	for (int k = PEERS_REMOTE_PORT; p->split && k <= PEERS_LOCAL_PORT; k++) {
		if (p->split_ports[k] == NULL &&
		    (p->split_ports[k] = calloc(size, sizeof(*p->split_ports[k]))) == NULL)
			return -1;
		memset(p->split_ports[k], 0, size * sizeof(*p->split_ports[k]));
	}
	/* Split, a port kind has up to a row per socket. */
	if (p->split)
		ports = n;
	if (reserve_rows(&p->kinds[PEERS_REMOTE_ADDR].rows, &p->kinds[PEERS_REMOTE_ADDR].cap, n) <
	    0)
		return -1;
	for (int k = PEERS_REMOTE_PORT; k <= PEERS_LOCAL_PORT; k++)
		if (reserve_rows(&p->kinds[k].rows, &p->kinds[k].cap, ports) < 0)
			return -1;
	return reserve_rows(&p->spare, &p->spare_cap, ports);
}

int
peers_update(struct peers *p, const struct snapshot *snap,
             bool (*selected)(const void *arg, const struct sock_entry *e), const void *arg)
{
	size_t n = 0;

	peers_clear(p);
	for (size_t i = 0; i < snap->n_entries; i++)
		if (counts_as_peer(&snap->entries[i]))
			n++;
	if (peers_reserve(p, n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct peer_row *local;

		if (!counts_as_peer(e) || (selected != NULL && !selected(arg, e)))
			continue;
		p->total++;
		count_addr(&p->kinds[PEERS_REMOTE_ADDR], p->addr_table, p->addr_size - 1, e,
			   p->split ? e->netns : 0);
		if (p->split) {
			count_split_port(&p->kinds[PEERS_REMOTE_PORT],
					 p->split_ports[PEERS_REMOTE_PORT], p->addr_size - 1,
					 e->remote_port, e);
			local = count_split_port(&p->kinds[PEERS_LOCAL_PORT],
						 p->split_ports[PEERS_LOCAL_PORT],
						 p->addr_size - 1, e->local_port, e);
		} else {
			count_port(&p->kinds[PEERS_REMOTE_PORT], p->port_slots[PEERS_REMOTE_PORT],
				   e->remote_port, e);
			local = count_port(&p->kinds[PEERS_LOCAL_PORT],
					   p->port_slots[PEERS_LOCAL_PORT], e->local_port, e);
		}
		if (local->owner == NULL)
			local->owner = sock_format_owner(snap, e);
	}
	qsort(p->kinds[PEERS_REMOTE_ADDR].rows, p->kinds[PEERS_REMOTE_ADDR].n,
	      sizeof(struct peer_row), addr_cmp);
	if (p->split) {
		for (int k = PEERS_REMOTE_PORT; k <= PEERS_LOCAL_PORT; k++)
			qsort(p->kinds[k].rows, p->kinds[k].n, sizeof(struct peer_row),
			      split_port_cmp);
	} else {
		order_ports(p, PEERS_REMOTE_PORT);
		order_ports(p, PEERS_LOCAL_PORT);
	}
	for (int k = 0; k < PEERS_KIND_COUNT; k++)
		for (size_t i = 0; i < p->kinds[k].n; i++)
			p->kinds[k].rows[i].key_order = (uint32_t)i;
	return 0;
}

struct peers *
peers_build(const struct snapshot *snap,
            bool (*selected)(const void *arg, const struct sock_entry *e), const void *arg)
{
	struct peers *p = peers_new();

	if (p == NULL)
		return NULL;
	if (peers_update(p, snap, selected, arg) < 0) {
		peers_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void
peers_split_netns(struct peers *p, bool split)
{
	p->split = split;
}

uint32_t
peers_total(const struct peers *p)
{
	return p->total;
}

ssize_t
peers_rank(struct peers *p, enum peers_kind kind, int by)
{
	struct peer_list *list;
	uint64_t *keys;
	ssize_t nonzero = 0;

	if ((unsigned int)kind >= PEERS_KIND_COUNT || by < PEERS_BY_TOTAL ||
	    by >= TCP_STATE_COUNT) {
		errno = EINVAL;
		return -1;
	}
	list = &p->kinds[kind];
	keys = malloc((list->n + 1) * sizeof(*keys));
	if (keys == NULL)
		return -1;
	for (size_t i = 0; i < list->n; i++) {
		const struct peer_row *row = &list->rows[i];
		uint32_t value = by == PEERS_BY_TOTAL ? row->total : row->counts[by];

		/* Ascending on (complement of the value, key order): the
		 * largest value first, ties in key order. */
		keys[i] = (uint64_t)(UINT32_MAX - value) << 32 | row->key_order;
		if (value != 0)
			nonzero++;
	}
	if (radix_sort(list->rows, keys, list->n, sizeof(list->rows[0])) < 0) {
		free(keys);
		return -1;
	}
	free(keys);
	return nonzero;
}

const struct peer_row *
peers_rows(const struct peers *p, enum peers_kind kind, size_t *n)
{
	if ((unsigned int)kind >= PEERS_KIND_COUNT) {
		*n = 0;
		return NULL;
	}
	*n = p->kinds[kind].n;
	return p->kinds[kind].rows;
}

void
peers_free(struct peers *p)
{
	if (p == NULL)
		return;
	for (int k = 0; k < PEERS_KIND_COUNT; k++) {
		free(p->kinds[k].rows);
		free(p->port_slots[k]);
		free(p->split_ports[k]);
	}
	free(p->spare);
	free(p->addr_table);
	free(p);
}

void
peers_format_key(const struct peer_row *row, enum peers_kind kind, char *out, size_t out_size)
{
	char buf[INET6_ADDRSTRLEN];

	if (kind != PEERS_REMOTE_ADDR) {
		snprintf(out, out_size, "%u", row->port);
		return;
	}
	if (inet_ntop(row->family == AF_INET ? AF_INET : AF_INET6, row->addr, buf, sizeof(buf)) ==
	    NULL)
		snprintf(buf, sizeof(buf), "?");
	snprintf(out, out_size, "%s", buf);
}

const char *
peers_kind_name(enum peers_kind kind)
{
	static const char *const names[PEERS_KIND_COUNT] = {
	    [PEERS_REMOTE_ADDR] = "remote-addr",
	    [PEERS_REMOTE_PORT] = "remote-port",
	    [PEERS_LOCAL_PORT] = "local-port",
	};

	return (unsigned int)kind < PEERS_KIND_COUNT ? names[kind] : "?";
}

int
peers_by_parse(const char *name, int *by)
{
	int state;

	if (strcmp(name, "total") == 0) {
		*by = PEERS_BY_TOTAL;
		return 0;
	}
	state = tcp_state_from_name(name);
	if (state < 0 || state == TCP_STATE_LISTEN)
		return -1;
	*by = state;
	return 0;
}

const char *
peers_by_name(int by)
{
	return by == PEERS_BY_TOTAL ? "total" : tcp_state_name(by);
}
