/*
 * listen.c - listener rows and their connection counts.
 * Pure; any thread.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hash.h"
#include "listen.h"

static bool
is_wildcard(const struct sock_entry *e)
{
	static const uint8_t zero[16];

	return memcmp(e->local_addr, zero, e->family == AF_INET ? 4 : 16) == 0;
}

/* Order of listeners for the lookup: namespace, family, port, then
 * address. */
static int
compare_key(const struct sock_entry *a, const struct sock_entry *b)
{
	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->local_port != b->local_port)
		return a->local_port < b->local_port ? -1 : 1;
	return memcmp(a->local_addr, b->local_addr, sizeof(a->local_addr));
}

static int
compare_rows_by_key(const void *x, const void *y)
{
	const struct listen_row *a = x, *b = y;
	int c = compare_key(a->sock, b->sock);

	/* Tie-break on position in the snapshot: a stable order. */
	return c != 0 ? c : (a->sock < b->sock ? -1 : a->sock > b->sock);
}

/* The (namespace, family, port) a listener listens on and a connection
 * is on, as one number. */
static uint64_t
port_key(const struct sock_entry *e)
{
	return (uint64_t)e->netns << 32 | (uint64_t)e->family << 16 | e->local_port;
}

/*
 * Where each (namespace, family, port) of the listeners starts in rows
 * sorted by key: an open-addressing table of 1 + that row (0: empty), at
 * most half full, so a connection finds its listeners without a search.
 */
struct port_index {
	uint32_t *slots;
	size_t mask;
};

static int
port_index_build(struct port_index *ix, const struct listen_row *rows, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	ix->slots = calloc(cap, sizeof(*ix->slots));
	if (ix->slots == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ix->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		uint64_t key = port_key(rows[i].sock);
		size_t at = (size_t)hash_u64(key) & ix->mask;

		if (i > 0 && port_key(rows[i - 1].sock) == key)
			continue; /* not the first row of its port */
		while (ix->slots[at] != 0)
			at = (at + 1) & ix->mask;
		ix->slots[at] = (uint32_t)i + 1;
	}
	return 0;
}

/* The listener a connection belongs to, or NULL.  rows sorted by key. */
static struct listen_row *
find_listener(const struct port_index *ix, struct listen_row *rows, size_t n,
	      const struct sock_entry *conn)
{
	uint64_t key = port_key(conn);
	size_t at = (size_t)hash_u64(key) & ix->mask, lo;
	struct listen_row *wildcard = NULL;

	for (;;) {
		uint32_t first = ix->slots[at];

		if (first == 0)
			return NULL;
		if (port_key(rows[first - 1].sock) == key) {
			lo = first - 1;
			break;
		}
		at = (at + 1) & ix->mask;
	}
	for (; lo < n && port_key(rows[lo].sock) == key; lo++) {
		if (memcmp(rows[lo].sock->local_addr, conn->local_addr, 16) == 0)
			return &rows[lo];
		if (wildcard == NULL && is_wildcard(rows[lo].sock))
			wildcard = &rows[lo];
	}
	return wildcard;
}

ssize_t
listen_rows_build(const struct snapshot *snap, struct listen_row **rows_out)
{
	/* Bit p: some listener has local port p.  Most connections of a
	 * busy host are on ephemeral ports no listener has, and are passed
	 * over without a search. */
	uint64_t ports[65536 / 64];
	struct listen_row *rows = NULL;
	struct port_index ix = {0};
	size_t n = 0, cap = 0;

	/* One walk to collect the listeners: the snapshot may not be sealed
	 * yet, so its counts are not used. */
	memset(ports, 0, sizeof(ports));
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (e->state != TCP_STATE_LISTEN)
			continue;
		if (n == cap) {
			size_t more = cap != 0 ? 2 * cap : 16;
			struct listen_row *grown = realloc(rows, more * sizeof(*rows));

			if (grown == NULL) {
				free(rows);
				errno = ENOMEM;
				return -1;
			}
			rows = grown;
			cap = more;
		}
		rows[n].sock = e;
		rows[n].established = 0;
		rows[n].syn_recv = 0;
		n++;
		ports[e->local_port / 64] |= 1ull << (e->local_port % 64);
	}
	if (rows == NULL && (rows = calloc(1, sizeof(*rows))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	qsort(rows, n, sizeof(*rows), compare_rows_by_key);
	if (n > 0 && port_index_build(&ix, rows, n) < 0) {
		free(rows);
		return -1;
	}
	for (size_t i = 0; i < snap->n_entries && n > 0; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct listen_row *row;

		if (e->state != TCP_STATE_ESTABLISHED && e->state != TCP_STATE_SYN_RECV)
			continue;
		if ((ports[e->local_port / 64] & (1ull << (e->local_port % 64))) == 0)
			continue;
		row = find_listener(&ix, rows, n, e);
		if (row == NULL)
			continue;
		if (e->state == TCP_STATE_ESTABLISHED)
			row->established++;
		else
			row->syn_recv++;
	}
	free(ix.slots);
	listen_rows_sort(rows, n, snap, LISTEN_SORT_PORT);
	*rows_out = rows;
	return (ssize_t)n;
}

/* qsort has no context argument: the snapshot travels inside the rows'
 * pointers instead, and the owner table is reached through a wrapper. */
struct sort_item {
	struct listen_row row;
	const struct owner_proc *owner;
	uint32_t ns_rank; /* the namespace's place (0 without namespaces) */
	size_t position;
};

/* Namespaces first, when there are any. */
static int
compare_netns(const struct sort_item *a, const struct sort_item *b)
{
	return a->ns_rank < b->ns_rank ? -1 : a->ns_rank > b->ns_rank;
}

static int
compare_port(const struct sort_item *a, const struct sort_item *b)
{
	if (a->row.sock->local_port != b->row.sock->local_port)
		return a->row.sock->local_port < b->row.sock->local_port ? -1 : 1;
	if (a->row.sock->family != b->row.sock->family)
		return a->row.sock->family < b->row.sock->family ? -1 : 1;
	return memcmp(a->row.sock->local_addr, b->row.sock->local_addr, 16);
}

static int
compare_process(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	int c = compare_netns(a, b);

	if (c != 0)
		return c;
	/* Rows without a known owner go last. */
	if ((a->owner == NULL) != (b->owner == NULL))
		return a->owner == NULL ? 1 : -1;
	if (a->owner != NULL) {
		c = strcmp(a->owner->comm, b->owner->comm);
		if (c != 0)
			return c;
		if (a->owner->pid != b->owner->pid)
			return a->owner->pid < b->owner->pid ? -1 : 1;
	}
	c = compare_port(a, b);
	return c != 0 ? c : (a->position < b->position ? -1 : 1);
}

static int
compare_port_items(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	int c = compare_netns(a, b);

	if (c == 0)
		c = compare_port(a, b);
	return c != 0 ? c : (a->position < b->position ? -1 : 1);
}

static int
compare_connections(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	uint64_t ca = (uint64_t)a->row.established + a->row.syn_recv;
	uint64_t cb = (uint64_t)b->row.established + b->row.syn_recv;
	int c = compare_netns(a, b);

	if (c != 0)
		return c;
	if (ca != cb)
		return ca > cb ? -1 : 1;
	c = compare_port(a, b);
	return c != 0 ? c : (a->position < b->position ? -1 : 1);
}

/* A namespace as grouped rows order them. */
struct ns_order {
	bool host;
	uint32_t inode;
	size_t index; /* in the snapshot's table */
	char name[sizeof(((struct netns_info *)0)->name) + 32];
};

static int
compare_ns_order(const void *x, const void *y)
{
	const struct ns_order *a = x, *b = y;
	int c;

	if (a->host != b->host)
		return a->host ? -1 : 1;
	c = strcmp(a->name, b->name);
	if (c != 0)
		return c;
	return a->inode < b->inode ? -1 : a->inode > b->inode;
}

/*
 * Per entry of snap's namespace table, its rank in grouped rows: the
 * host's first, then by short name, then by inode.  malloc'd, or NULL
 * (ENOMEM).
 */
static uint32_t *
netns_ranks(const struct snapshot *snap)
{
	struct ns_order *order = malloc(snap->n_netns * sizeof(*order));
	uint32_t *ranks = malloc(snap->n_netns * sizeof(*ranks));

	if (order == NULL || ranks == NULL) {
		free(order);
		free(ranks);
		return NULL;
	}
	for (size_t i = 0; i < snap->n_netns; i++) {
		const struct netns_info *info = &snap->netns[i].info;

		order[i].host = info->kind == NETNS_KIND_HOST;
		order[i].inode = info->inode;
		order[i].index = i;
		netns_info_short(info, order[i].name, sizeof(order[i].name));
	}
	qsort(order, snap->n_netns, sizeof(*order), compare_ns_order);
	for (size_t k = 0; k < snap->n_netns; k++)
		ranks[order[k].index] = (uint32_t)k;
	free(order);
	return ranks;
}

void
listen_rows_sort(struct listen_row *rows, size_t n, const struct snapshot *snap,
		 enum listen_sort by)
{
	static int (*const comparators[LISTEN_SORT_COUNT])(const void *, const void *) = {
		[LISTEN_SORT_PORT] = compare_port_items,
		[LISTEN_SORT_PROCESS] = compare_process,
		[LISTEN_SORT_CONNECTIONS] = compare_connections,
	};
	struct sort_item *items;
	uint32_t *ranks = NULL;

	if (n < 2 || (unsigned int)by >= LISTEN_SORT_COUNT)
		return;
	items = malloc(n * sizeof(*items));
	if (items == NULL)
		return; /* unsorted is still correct, only less helpful */
	if (snap->n_netns > 0 && (ranks = netns_ranks(snap)) == NULL) {
		free(items);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sock_entry *e = rows[i].sock;

		items[i].row = rows[i];
		items[i].position = i;
		items[i].ns_rank = 0;
		if (ranks != NULL) {
			const struct snapshot_netns *ns = snapshot_find_netns(snap, e->netns);

			items[i].ns_rank =
			    ns != NULL ? ranks[ns - snap->netns] : (uint32_t)snap->n_netns;
		}
		items[i].owner = snap->owners != NULL && e->owner_status == OWNER_FOUND
					 ? owner_table_proc(snap->owners, e->owner)
					 : NULL;
	}
	/* The position tie-break makes qsort stable. */
	qsort(items, n, sizeof(*items), comparators[by]);
	for (size_t i = 0; i < n; i++)
		rows[i] = items[i].row;
	free(items);
	free(ranks);
}

const char *
listen_sort_name(enum listen_sort by)
{
	static const char *const names[LISTEN_SORT_COUNT] = {
		[LISTEN_SORT_PORT] = "port",
		[LISTEN_SORT_PROCESS] = "process",
		[LISTEN_SORT_CONNECTIONS] = "connections",
	};

	return (unsigned int)by < LISTEN_SORT_COUNT ? names[by] : "?";
}
