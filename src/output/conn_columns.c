/*
 * conn_columns.c - formatting and ordering of connection table columns.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_columns.h"
#include "format.h"
#include "radix_sort.h"
#include "sock_format.h"

/* Bytes in binary units: "812", "12.4K", "3.1M", "1.2G". */
static void
format_bytes(double bytes, char *out, size_t out_size)
{
	static const char units[] = "KMGTP";
	int u = -1;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, out_size, "%.0f", bytes);
	else
		snprintf(out, out_size, "%.1f%c", bytes, units[u]);
}

static const struct owner_proc *
owner_of(const struct conn_row *row, const struct conn_context *ctx)
{
	if (row->owners != NULL)
		return row->entry->owner_status == OWNER_FOUND
			       ? owner_table_proc(row->owners, row->entry->owner)
			       : NULL;
	return sock_format_owner(ctx->snap, row->entry);
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int
cmp_double(double a, double b)
{
	return a < b ? -1 : a > b;
}

/* ---------------------------------------------------------------- columns */

static void
fmt_proto(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	snprintf(out, n, "%s", r->entry->family == AF_INET ? "tcp" : "tcp6");
}

static int
cmp_proto(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_u64(a->entry->family, b->entry->family);
}

static void
fmt_local(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	sock_format_endpoint(r->entry, 0, out, n);
}

static int
cmp_endpoint(const struct sock_entry *a, const struct sock_entry *b, int remote)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(remote ? a->remote_addr : a->local_addr, remote ? b->remote_addr : b->local_addr,
		   16);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return cmp_u64(remote ? a->remote_port : a->local_port,
		       remote ? b->remote_port : b->local_port);
}

static int
cmp_local(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_endpoint(a->entry, b->entry, 0);
}

static void
fmt_remote(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	sock_format_endpoint(r->entry, 1, out, n);
}

static int
cmp_remote(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_endpoint(a->entry, b->entry, 1);
}

static void
fmt_state(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	snprintf(out, n, "%s", tcp_state_name(r->entry->state));
}

static int
cmp_state(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_u64(a->entry->state, b->entry->state);
}

static void
fmt_pid(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	const struct owner_proc *p = owner_of(r, c);

	if (p == NULL)
		snprintf(out, n, "%s", r->entry->owner_status == OWNER_HIDDEN ? "?" : "-");
	else if (r->entry->n_owners > 1)
		snprintf(out, n, "%d+%u", p->pid, r->entry->n_owners - 1u);
	else
		snprintf(out, n, "%d", p->pid);
}

static int
cmp_pid(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	const struct owner_proc *pa = owner_of(a, c), *pb = owner_of(b, c);

	return cmp_u64(pa != NULL ? (uint64_t)pa->pid : UINT64_MAX,
		       pb != NULL ? (uint64_t)pb->pid : UINT64_MAX);
}

static void
fmt_process(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	const struct owner_proc *p = owner_of(r, c);

	snprintf(out, n, "%s",
		 p != NULL ? p->comm : r->entry->owner_status == OWNER_HIDDEN ? "(hidden)" : "-");
}

static int
cmp_process(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	const struct owner_proc *pa = owner_of(a, c), *pb = owner_of(b, c);

	if ((pa == NULL) != (pb == NULL))
		return pa == NULL ? 1 : -1;
	return pa == NULL ? 0 : strcmp(pa->comm, pb->comm);
}

static void
fmt_user(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	const struct owner_proc *p = owner_of(r, c);

	snprintf(out, n, "%s", p != NULL ? p->user : "-");
}

static int
cmp_user(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	const struct owner_proc *pa = owner_of(a, c), *pb = owner_of(b, c);

	if ((pa == NULL) != (pb == NULL))
		return pa == NULL ? 1 : -1;
	return pa == NULL ? 0 : strcmp(pa->user, pb->user);
}

#define NUMERIC_COLUMN(name, expr, formatter)                                                   \
	static void fmt_##name(const struct conn_row *r, const struct conn_context *c, char *out, \
			       size_t n)                                                          \
	{                                                                                         \
		(void)c;                                                                          \
		formatter;                                                                        \
	}                                                                                         \
	static int cmp_##name(const struct conn_row *a, const struct conn_row *b,                 \
			      const struct conn_context *c)                                       \
	{                                                                                         \
		const struct conn_row *r;                                                         \
		uint64_t va, vb;                                                                  \
		(void)c;                                                                          \
		r = a;                                                                            \
		va = (uint64_t)(expr);                                                            \
		r = b;                                                                            \
		vb = (uint64_t)(expr);                                                            \
		return cmp_u64(va, vb);                                                           \
	}

NUMERIC_COLUMN(recv_q, r->entry->recv_q, snprintf(out, n, "%u", r->entry->recv_q))
NUMERIC_COLUMN(send_q, r->entry->send_q, snprintf(out, n, "%u", r->entry->send_q))
NUMERIC_COLUMN(retrans, r->entry->total_retrans,
	       if (r->entry->flags & SOCK_ENTRY_HAS_INFO) snprintf(out, n, "%u",
								   r->entry->total_retrans);
	       else snprintf(out, n, "-"))
NUMERIC_COLUMN(sent, r->entry->bytes_acked,
	       if (r->entry->flags & SOCK_ENTRY_HAS_INFO)
		       format_bytes((double)r->entry->bytes_acked, out, n);
	       else snprintf(out, n, "-"))
NUMERIC_COLUMN(received, r->entry->bytes_received,
	       if (r->entry->flags & SOCK_ENTRY_HAS_INFO)
		       format_bytes((double)r->entry->bytes_received, out, n);
	       else snprintf(out, n, "-"))

static void
fmt_rtt(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	if (r->entry->flags & SOCK_ENTRY_HAS_INFO)
		snprintf(out, n, "%.1f", r->entry->rtt_us / 1000.0);
	else
		snprintf(out, n, "-");
}

static int
cmp_rtt(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_u64(a->entry->flags & SOCK_ENTRY_HAS_INFO ? a->entry->rtt_us : 0,
		       b->entry->flags & SOCK_ENTRY_HAS_INFO ? b->entry->rtt_us : 0);
}

static void
fmt_rate(double rate, bool known, char *out, size_t n)
{
	char bytes[32];

	if (!known) {
		snprintf(out, n, "-");
		return;
	}
	format_bytes(rate, bytes, sizeof(bytes));
	snprintf(out, n, "%s/s", bytes);
}

static void
fmt_send_rate(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	fmt_rate(r->info != NULL ? r->info->send_rate : 0, r->info != NULL && r->info->send_rate >= 0,
		 out, n);
}

static int
cmp_send_rate(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_double(a->info != NULL ? a->info->send_rate : -1,
			  b->info != NULL ? b->info->send_rate : -1);
}

static void
fmt_recv_rate(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	fmt_rate(r->info != NULL ? r->info->recv_rate : 0, r->info != NULL && r->info->recv_rate >= 0,
		 out, n);
}

static int
cmp_recv_rate(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_double(a->info != NULL ? a->info->recv_rate : -1,
			  b->info != NULL ? b->info->recv_rate : -1);
}

static void
fmt_age(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	if (r->info == NULL)
		snprintf(out, n, "-");
	else
		format_duration(c->now - r->info->first_seen, out, n);
}

static int
cmp_age(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	/* Ascending is youngest first, like the other number columns; sockets
	 * of unknown age count as youngest. */
	return -cmp_double(a->info != NULL ? a->info->first_seen : 1e300,
			   b->info != NULL ? b->info->first_seen : 1e300);
}

static void
fmt_timer(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	static const char *const names[] = {"", "retrans", "keepalive", "timewait", "probe"};
	char when[32];

	(void)c;
	if (r->entry->timer == SOCK_TIMER_NONE || r->entry->timer > 4) {
		snprintf(out, n, "-");
		return;
	}
	format_duration(r->entry->timer_expires_ms / 1000.0, when, sizeof(when));
	if (r->entry->retrans > 0)
		snprintf(out, n, "%s %s/%u", names[r->entry->timer], when, r->entry->retrans);
	else
		snprintf(out, n, "%s %s", names[r->entry->timer], when);
}

static int
cmp_timer(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	if (a->entry->timer != b->entry->timer)
		return cmp_u64(a->entry->timer, b->entry->timer);
	return cmp_u64(a->entry->timer_expires_ms, b->entry->timer_expires_ms);
}


/* ------------------------------------------------------------ sort keys */

static uint64_t
key_proto(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->family;
}

static uint64_t
key_state(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->state;
}

static uint64_t
key_pid(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	const struct owner_proc *p = owner_of(r, c);

	return p != NULL ? (uint64_t)(uint32_t)p->pid : UINT64_MAX;
}

static uint64_t
key_recv_q(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->recv_q;
}

static uint64_t
key_send_q(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->send_q;
}

static uint64_t
key_rtt(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->flags & SOCK_ENTRY_HAS_INFO ? r->entry->rtt_us : 0;
}

static uint64_t
key_retrans(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->total_retrans;
}

static uint64_t
key_sent(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->bytes_acked;
}

static uint64_t
key_received(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return r->entry->bytes_received;
}

/* Rates: unknown (-1) sorts below every known rate, as in cmp_double. */
static uint64_t
rate_key(double rate, bool known)
{
	if (!known || rate < 0)
		return 0;
	return rate > 1.8e19 ? UINT64_MAX : (uint64_t)rate + 1;
}

static uint64_t
key_send_rate(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return rate_key(r->info != NULL ? r->info->send_rate : 0, r->info != NULL);
}

static uint64_t
key_recv_rate(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return rate_key(r->info != NULL ? r->info->recv_rate : 0, r->info != NULL);
}

static uint64_t
key_timer(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	return ((uint64_t)r->entry->timer << 32) | r->entry->timer_expires_ms;
}


/* Eight address bytes as a big-endian number: memcmp order. */
static uint64_t
be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* An endpoint in cmp_endpoint's order: family, address, port. */
static uint64_t
endpoint_key(const struct sock_entry *e, int remote, int part)
{
	const uint8_t *addr = remote ? e->remote_addr : e->local_addr;

	switch (part) {
	case 0:
		return e->family;
	case 1:
		return be64(addr);
	case 2:
		return be64(addr + 8);
	default:
		return remote ? e->remote_port : e->local_port;
	}
}

static uint64_t
key_local(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)c;
	return endpoint_key(r->entry, 0, part);
}

static uint64_t
key_remote(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)c;
	return endpoint_key(r->entry, 1, part);
}

/*
 * Text columns sort by rank: the distinct names of the snapshot's owner
 * table, sorted once per sort (a few hundred processes, not 100,000
 * rows).  A process's name has key 2 * rank + 1; a name from another
 * table (a tombstone's) that the snapshot lacks gets 2 * (names below
 * it), which falls between its neighbours.  No owner sorts last.
 */
struct conn_name_ranks {
	const char **names;   /* distinct, sorted */
	size_t n_names;
	uint64_t *proc_key;   /* by process index in the snapshot's table */
	size_t n_procs;
	bool user;            /* ranks of owner_proc.user, else .comm */
};

static const char *
proc_name(const struct owner_proc *p, bool user)
{
	return user ? p->user : p->comm;
}

static int
cmp_name_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint64_t
rank_of_name(const struct conn_name_ranks *ranks, const char *name)
{
	size_t lo = 0, hi = ranks->n_names;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ranks->names[mid], name);

		if (c == 0)
			return 2 * (uint64_t)mid + 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 2 * (uint64_t)lo;
}

static void
name_ranks_free(struct conn_name_ranks *ranks)
{
	free(ranks->names);
	free(ranks->proc_key);
}

/* Returns 0, or -1 when out of memory (the caller then compares). */
static int
name_ranks_build(struct conn_name_ranks *ranks, const struct owner_table *owners, bool user)
{
	size_t n = owners != NULL ? owner_table_procs(owners) : 0, w = 0;

	memset(ranks, 0, sizeof(*ranks));
	ranks->user = user;
	ranks->n_procs = n;
	if (n == 0)
		return 0;
	ranks->names = malloc(n * sizeof(*ranks->names));
	ranks->proc_key = malloc(n * sizeof(*ranks->proc_key));
	if (ranks->names == NULL || ranks->proc_key == NULL) {
		name_ranks_free(ranks);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		ranks->names[i] = proc_name(owner_table_proc(owners, (uint32_t)i), user);
	qsort(ranks->names, n, sizeof(*ranks->names), cmp_name_ptr);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || strcmp(ranks->names[w - 1], ranks->names[i]) != 0)
			ranks->names[w++] = ranks->names[i];
	ranks->n_names = w;
	for (size_t i = 0; i < n; i++)
		ranks->proc_key[i] =
			rank_of_name(ranks, proc_name(owner_table_proc(owners, (uint32_t)i), user));
	return 0;
}

static uint64_t
name_key(const struct conn_row *r, const struct conn_context *c,
	 const struct conn_name_ranks *ranks)
{
	const struct owner_proc *p = owner_of(r, c);

	if (p == NULL)
		return UINT64_MAX;
	if (r->owners == NULL && r->entry->owner < ranks->n_procs)
		return ranks->proc_key[r->entry->owner];
	return rank_of_name(ranks, proc_name(p, ranks->user));
}

static uint64_t
key_process(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	return name_key(r, c, c->comm_ranks);
}

static uint64_t
key_user(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	return name_key(r, c, c->user_ranks);
}

/* A double's order as an unsigned number (NaN aside): flip the sign bit
 * of positives, every bit of negatives. */
static uint64_t
double_key(double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	return bits >> 63 ? ~bits : bits | (1ull << 63);
}

static uint64_t
key_age(const struct conn_row *r, const struct conn_context *c, int part)
{
	(void)part;
	(void)c;
	/* cmp_age: the latest first seen (youngest) first. */
	return UINT64_MAX - double_key(r->info != NULL ? r->info->first_seen : 1e300);
}

static const struct conn_column_def columns[COL_COUNT] = {
	[COL_PROTO] = {"proto", "PROTO", 5, false, 9, fmt_proto, cmp_proto, key_proto, 1},
	[COL_LOCAL] = {"local", "LOCAL", 22, false, 0, fmt_local, cmp_local, key_local, 4},
	[COL_REMOTE] = {"remote", "REMOTE", 22, false, 0, fmt_remote, cmp_remote, key_remote, 4},
	[COL_STATE] = {"state", "STATE", 11, false, 0, fmt_state, cmp_state, key_state, 1},
	[COL_PID] = {"pid", "PID", 7, true, 1, fmt_pid, cmp_pid, key_pid, 1},
	[COL_PROCESS] = {"process", "PROCESS", 12, false, 1, fmt_process, cmp_process, key_process, 1},
	[COL_USER] = {"user", "USER", 8, false, 5, fmt_user, cmp_user, key_user, 1},
	[COL_RECV_Q] = {"recv-q", "RECV-Q", 7, true, 3, fmt_recv_q, cmp_recv_q, key_recv_q, 1},
	[COL_SEND_Q] = {"send-q", "SEND-Q", 7, true, 3, fmt_send_q, cmp_send_q, key_send_q, 1},
	[COL_RTT] = {"rtt", "RTT ms", 7, true, 4, fmt_rtt, cmp_rtt, key_rtt, 1},
	[COL_RETRANS] = {"retrans", "RETR", 5, true, 6, fmt_retrans, cmp_retrans, key_retrans, 1},
	[COL_SENT] = {"sent", "SENT", 7, true, 7, fmt_sent, cmp_sent, key_sent, 1},
	[COL_RECEIVED] = {"received", "RCVD", 7, true, 7, fmt_received, cmp_received, key_received, 1},
	[COL_SEND_RATE] = {"send-rate", "SEND/s", 9, true, 2, fmt_send_rate, cmp_send_rate, key_send_rate, 1},
	[COL_RECV_RATE] = {"recv-rate", "RECV/s", 9, true, 2, fmt_recv_rate, cmp_recv_rate, key_recv_rate, 1},
	[COL_AGE] = {"age", "AGE", 7, true, 4, fmt_age, cmp_age, key_age, 1},
	[COL_TIMER] = {"timer", "TIMER", 16, false, 8, fmt_timer, cmp_timer, key_timer, 1},
};

const struct conn_column_def *
conn_column(enum conn_column column)
{
	return (unsigned int)column < COL_COUNT ? &columns[column] : NULL;
}

int
conn_column_find(const char *name)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strcmp(columns[i].name, name) == 0)
			return i;
	return -1;
}

const char *
conn_column_names(void)
{
	return "proto, local, remote, state, pid, process, user, recv-q, send-q, rtt, retrans, "
	       "sent, received, send-rate, recv-rate, age, timer";
}

struct sort_context {
	const struct conn_column_def *def;
	const struct conn_context *ctx;
	bool descending;
};

struct sort_item {
	struct conn_row row;
	size_t position;
};

static int
compare_items(const void *x, const void *y, void *arg)
{
	const struct sort_context *sc = arg;
	const struct sort_item *a = x, *b = y;
	int c = sc->def->compare(&a->row, &b->row, sc->ctx);

	if (sc->descending)
		c = -c;
	/* Ties keep their previous order: qsort is not stable by itself. */
	if (c == 0)
		c = a->position < b->position ? -1 : a->position > b->position;
	return c;
}

/* The comparison sort, for when the keys cannot be had (no memory). */
static void
sort_by_compare(struct conn_row *rows, size_t n, const struct sort_context *sc)
{
	struct sort_item *items = malloc(n * sizeof(*items));

	if (items == NULL)
		return; /* unsorted is still correct, only less helpful */
	for (size_t i = 0; i < n; i++) {
		items[i].row = rows[i];
		items[i].position = i;
	}
	qsort_r(items, n, sizeof(*items), compare_items, (void *)sc);
	for (size_t i = 0; i < n; i++)
		rows[i] = items[i].row;
	free(items);
}

/* Sorts by the column's keys, least significant part first (each pass is
 * stable, so together they order by all parts, ties kept in their
 * previous order).  Descending inverts every key.  Returns -1 when out of
 * memory, rows unchanged. */
static int
sort_by_keys(struct conn_row *rows, size_t n, const struct sort_context *sc)
{
	uint64_t *keys = malloc(n * sizeof(*keys));
	uint32_t *order = malloc(n * sizeof(*order));
	struct conn_row *moved = NULL;
	int rc = -1;

	if (keys == NULL || order == NULL || n >= UINT32_MAX)
		goto out;
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (int part = sc->def->key_parts - 1; part >= 0; part--) {
		for (size_t i = 0; i < n; i++) {
			keys[i] = sc->def->key(&rows[i], sc->ctx, part);
			if (sc->descending)
				keys[i] = UINT64_MAX - keys[i];
		}
		if (radix_sort_order(order, keys, n, sc->ctx->scratch) < 0)
			goto out;
	}
	moved = malloc(n * sizeof(*moved));
	if (moved == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		moved[i] = rows[order[i]];
	memcpy(rows, moved, n * sizeof(*rows));
	rc = 0;
out:
	free(moved);
	free(order);
	free(keys);
	return rc;
}

void
conn_rows_sort(struct conn_row *rows, size_t n, enum conn_column column, bool descending,
	       const struct conn_context *ctx)
{
	struct conn_context keyed = *ctx;
	struct sort_context sc = {conn_column(column), &keyed, descending};
	struct conn_name_ranks ranks;
	bool ranked = false;

	if (n < 2 || sc.def == NULL)
		return;
	if (column == COL_PROCESS || column == COL_USER) {
		if (name_ranks_build(&ranks, ctx->snap->owners, column == COL_USER) < 0) {
			sort_by_compare(rows, n, &sc);
			return;
		}
		ranked = true;
		keyed.comm_ranks = &ranks;
		keyed.user_ranks = &ranks;
	}
	if (sort_by_keys(rows, n, &sc) < 0)
		sort_by_compare(rows, n, &sc);
	if (ranked)
		name_ranks_free(&ranks);
}
