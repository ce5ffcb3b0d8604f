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
key_proto(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return r->entry->family;
}

static uint64_t
key_state(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return r->entry->state;
}

static uint64_t
key_pid(const struct conn_row *r, const struct conn_context *c)
{
	const struct owner_proc *p = owner_of(r, c);

	return p != NULL ? (uint64_t)(uint32_t)p->pid : UINT64_MAX;
}

static uint64_t
key_recv_q(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return r->entry->recv_q;
}

static uint64_t
key_send_q(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return r->entry->send_q;
}

static uint64_t
key_rtt(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return r->entry->flags & SOCK_ENTRY_HAS_INFO ? r->entry->rtt_us : 0;
}

static uint64_t
key_retrans(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return r->entry->total_retrans;
}

static uint64_t
key_sent(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return r->entry->bytes_acked;
}

static uint64_t
key_received(const struct conn_row *r, const struct conn_context *c)
{
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
key_send_rate(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return rate_key(r->info != NULL ? r->info->send_rate : 0, r->info != NULL);
}

static uint64_t
key_recv_rate(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return rate_key(r->info != NULL ? r->info->recv_rate : 0, r->info != NULL);
}

static uint64_t
key_timer(const struct conn_row *r, const struct conn_context *c)
{
	(void)c;
	return ((uint64_t)r->entry->timer << 32) | r->entry->timer_expires_ms;
}

static const struct conn_column_def columns[COL_COUNT] = {
	[COL_PROTO] = {"proto", "PROTO", 5, false, 9, fmt_proto, cmp_proto, key_proto},
	[COL_LOCAL] = {"local", "LOCAL", 22, false, 0, fmt_local, cmp_local},
	[COL_REMOTE] = {"remote", "REMOTE", 22, false, 0, fmt_remote, cmp_remote},
	[COL_STATE] = {"state", "STATE", 11, false, 0, fmt_state, cmp_state, key_state},
	[COL_PID] = {"pid", "PID", 7, true, 1, fmt_pid, cmp_pid, key_pid},
	[COL_PROCESS] = {"process", "PROCESS", 12, false, 1, fmt_process, cmp_process},
	[COL_USER] = {"user", "USER", 8, false, 5, fmt_user, cmp_user},
	[COL_RECV_Q] = {"recv-q", "RECV-Q", 7, true, 3, fmt_recv_q, cmp_recv_q, key_recv_q},
	[COL_SEND_Q] = {"send-q", "SEND-Q", 7, true, 3, fmt_send_q, cmp_send_q, key_send_q},
	[COL_RTT] = {"rtt", "RTT ms", 7, true, 4, fmt_rtt, cmp_rtt, key_rtt},
	[COL_RETRANS] = {"retrans", "RETR", 5, true, 6, fmt_retrans, cmp_retrans, key_retrans},
	[COL_SENT] = {"sent", "SENT", 7, true, 7, fmt_sent, cmp_sent, key_sent},
	[COL_RECEIVED] = {"received", "RCVD", 7, true, 7, fmt_received, cmp_received, key_received},
	[COL_SEND_RATE] = {"send-rate", "SEND/s", 9, true, 2, fmt_send_rate, cmp_send_rate, key_send_rate},
	[COL_RECV_RATE] = {"recv-rate", "RECV/s", 9, true, 2, fmt_recv_rate, cmp_recv_rate, key_recv_rate},
	[COL_AGE] = {"age", "AGE", 7, true, 4, fmt_age, cmp_age},
	[COL_TIMER] = {"timer", "TIMER", 16, false, 8, fmt_timer, cmp_timer, key_timer},
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

/* Sorts items by the column's key (inverted when descending: the sort's
 * stability then still keeps ties in their previous order).  Returns -1
 * when out of memory, so the caller falls back to qsort. */
static int
sort_by_key(struct sort_item *items, size_t n, const struct conn_column_def *def,
	    const struct conn_context *ctx, bool descending)
{
	uint64_t *keys = malloc(n * sizeof(*keys));
	int rc;

	if (keys == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		keys[i] = def->key(&items[i].row, ctx);
		if (descending)
			keys[i] = UINT64_MAX - keys[i];
	}
	rc = radix_sort(items, keys, n, sizeof(*items));
	free(keys);
	return rc;
}

void
conn_rows_sort(struct conn_row *rows, size_t n, enum conn_column column, bool descending,
	       const struct conn_context *ctx)
{
	struct sort_context sc = {conn_column(column), ctx, descending};
	struct sort_item *items;

	if (n < 2 || sc.def == NULL)
		return;
	items = malloc(n * sizeof(*items));
	if (items == NULL)
		return; /* unsorted is still correct, only less helpful */
	for (size_t i = 0; i < n; i++) {
		items[i].row = rows[i];
		items[i].position = i;
	}
	if (sc.def->key != NULL && sort_by_key(items, n, sc.def, ctx, descending) == 0)
		goto sorted;
	qsort_r(items, n, sizeof(*items), compare_items, &sc);
sorted:
	for (size_t i = 0; i < n; i++)
		rows[i] = items[i].row;
	free(items);
}
