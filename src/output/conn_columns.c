/*
 * conn_columns.c - formatting and ordering of connection table columns,
 * and the CSV and JSON fields of a row.
 * Pure; any thread (reads immutable snapshots).  Names from outside
 * (processes, users, namespaces) reach text only through sanitize.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_columns.h"
#include "format.h"
#include "radix_sort.h"
#include "sanitize.h"
#include "sock_format.h"

/* Copies len bytes of text into out (n bytes), cut to fit, NUL-terminated. */
static size_t
put(char *out, size_t n, const char *text, size_t len)
{
	/* Cells are short: a loop costs less than a call to memcpy. */
	if (n == 0)
		return 0;
	if (len >= n)
		len = n - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = text[i];
	out[len] = '\0';
	return len;
}

static size_t
put_str(char *out, size_t n, const char *text)
{
	return put(out, n, text, strlen(text));
}

static size_t
put_u64(char *out, size_t n, uint64_t v)
{
	char text[FORMAT_U64_MAX];

	if (n >= FORMAT_U64_MAX)
		return format_u64(v, out);
	return put(out, n, text, format_u64(v, text));
}

/* Bytes in binary units: "812", "12.4K", "3.1M", "1.2G"; returns the
 * length.  out holds at least 32 bytes. */
static size_t
format_bytes(double bytes, char *out, size_t out_size)
{
	static const char units[] = "KMGTP";
	int u = -1;
	size_t len;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		return format_fixed(bytes, 0, out, out_size);
	len = format_fixed(bytes, 1, out, out_size - 1);
	out[len++] = units[u];
	out[len] = '\0';
	return len;
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

static size_t
fmt_proto(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	return put_str(out, n, r->entry->family == AF_INET ? "tcp" : "tcp6");
}

static int
cmp_proto(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_u64(a->entry->family, b->entry->family);
}

/* "addr:port" as sock_format_endpoint() writes it, without printf; one
 * bound to an interface is left to it (it looks the name up). */
static size_t
endpoint_text(const struct sock_entry *e, int remote, char *out, size_t n)
{
	char text[FORMAT_IP_MAX + 16];
	bool v6 = e->family != AF_INET;
	uint16_t port = remote ? e->remote_port : e->local_port;
	/* Straight into out when it has room for any endpoint. */
	char *start = n >= sizeof(text) ? out : text, *p = start;

	if (!remote && e->ifindex != 0) {
		sock_format_endpoint(e, remote, out, n);
		return strlen(out);
	}
	if (v6)
		*p++ = '[';
	p += format_ip(v6 ? AF_INET6 : AF_INET, remote ? e->remote_addr : e->local_addr, p);
	if (v6)
		*p++ = ']';
	*p++ = ':';
	if (port == 0)
		*p++ = '*';
	else
		p += format_u64(port, p);
	if (start == out) {
		*p = '\0';
		return (size_t)(p - out);
	}
	return put(out, n, text, (size_t)(p - text));
}

static size_t
fmt_local(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	return endpoint_text(r->entry, 0, out, n);
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

static size_t
fmt_remote(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	return endpoint_text(r->entry, 1, out, n);
}

static int
cmp_remote(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_endpoint(a->entry, b->entry, 1);
}

static size_t
fmt_state(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	return put_str(out, n, tcp_state_name(r->entry->state));
}

static int
cmp_state(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_u64(a->entry->state, b->entry->state);
}

static size_t
fmt_pid(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	const struct owner_proc *p = owner_of(r, c);
	char text[2 * FORMAT_U64_MAX + 2];
	size_t len;

	if (p == NULL) {
		return put_str(out, n, r->entry->owner_status == OWNER_HIDDEN ? "?" : "-");
	}
	if (p->pid < 0) {
		snprintf(out, n, "%d", p->pid); /* never from /proc */
		return strlen(out);
	}
	len = format_u64((uint64_t)p->pid, text);
	if (r->entry->n_owners > 1) {
		text[len++] = '+';
		len += format_u64(r->entry->n_owners - 1u, text + len);
	}
	return put(out, n, text, len);
}

static int
cmp_pid(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	const struct owner_proc *pa = owner_of(a, c), *pb = owner_of(b, c);

	return cmp_u64(pa != NULL ? (uint64_t)pa->pid : UINT64_MAX,
		       pb != NULL ? (uint64_t)pb->pid : UINT64_MAX);
}

/* A name from /proc or a recording, as it is safe to show. */
static size_t
put_name(char *out, size_t n, const char *name)
{
	size_t i = 0;

	if (n == 0)
		return 0;
	/* Copied as long as it is printable ASCII, the usual case; anything
	 * else is shown by the sanitizer. */
	for (; name[i] != '\0' && i + 1 < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c > 0x7e)
			return sanitize_text(name, strlen(name), out, n, NULL);
		out[i] = (char)c;
	}
	if (name[i] != '\0' && !sanitize_is_plain(name + i, strlen(name + i)))
		return sanitize_text(name, strlen(name), out, n, NULL);
	out[i] = '\0';
	return i;
}

static size_t
fmt_process(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	const struct owner_proc *p = owner_of(r, c);

	if (p != NULL)
		return put_name(out, n, p->comm);
	else
		return put_str(out, n, r->entry->owner_status == OWNER_HIDDEN ? "(hidden)" : "-");
}

static int
cmp_process(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	const struct owner_proc *pa = owner_of(a, c), *pb = owner_of(b, c);

	if ((pa == NULL) != (pb == NULL))
		return pa == NULL ? 1 : -1;
	return pa == NULL ? 0 : strcmp(pa->comm, pb->comm);
}

static size_t
fmt_user(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	const struct owner_proc *p = owner_of(r, c);

	if (p != NULL)
		return put_name(out, n, p->user);
	else
		return put_str(out, n, "-");
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
	static size_t fmt_##name(const struct conn_row *r, const struct conn_context *c,          \
				 char *out, size_t n)                                             \
	{                                                                                         \
		(void)c;                                                                          \
		return formatter;                                                                 \
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

/* Bytes in binary units, or "-" without tcp_info. */
static size_t
put_bytes(const struct sock_entry *e, uint64_t bytes, char *out, size_t n)
{
	char text[48];

	if (e->flags & SOCK_ENTRY_HAS_INFO)
		return put(out, n, text, format_bytes((double)bytes, text, sizeof(text)));
	else
		return put_str(out, n, "-");
}

NUMERIC_COLUMN(recv_q, r->entry->recv_q, put_u64(out, n, r->entry->recv_q))
NUMERIC_COLUMN(send_q, r->entry->send_q, put_u64(out, n, r->entry->send_q))
NUMERIC_COLUMN(retrans, r->entry->total_retrans,
	       r->entry->flags & SOCK_ENTRY_HAS_INFO ? put_u64(out, n, r->entry->total_retrans)
						     : put_str(out, n, "-"))
NUMERIC_COLUMN(sent, r->entry->bytes_acked, put_bytes(r->entry, r->entry->bytes_acked, out, n))
NUMERIC_COLUMN(received, r->entry->bytes_received,
	       put_bytes(r->entry, r->entry->bytes_received, out, n))

static size_t
fmt_rtt(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	if ((r->entry->flags & SOCK_ENTRY_HAS_INFO) && r->entry->rtt_us % 100 != 50) {
		/* Tenths of a ms in integers: the same as printf's "%.1f" of
		 * rtt_us / 1000.0 away from a tie. */
		char text[FORMAT_U64_MAX + 2];
		uint64_t tenths = ((uint64_t)r->entry->rtt_us + 50) / 100;
		size_t len = format_u64(tenths / 10, text);

		text[len++] = '.';
		text[len++] = (char)('0' + tenths % 10);
		return put(out, n, text, len);
	}
	if (r->entry->flags & SOCK_ENTRY_HAS_INFO)
		return format_fixed(r->entry->rtt_us / 1000.0, 1, out, n);
	else
		return put_str(out, n, "-");
}

static int
cmp_rtt(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_u64(a->entry->flags & SOCK_ENTRY_HAS_INFO ? a->entry->rtt_us : 0,
		       b->entry->flags & SOCK_ENTRY_HAS_INFO ? b->entry->rtt_us : 0);
}

static size_t
fmt_rate(double rate, bool known, char *out, size_t n)
{
	char text[48];
	size_t len;

	if (!known) {
		return put_str(out, n, "-");
	}
	len = format_bytes(rate, text, sizeof(text) - 3);
	memcpy(text + len, "/s", 3);
	return put(out, n, text, len + 2);
}

static size_t
fmt_send_rate(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	return fmt_rate(r->info != NULL ? r->info->send_rate : 0, r->info != NULL && r->info->send_rate >= 0,
		 out, n);
}

static int
cmp_send_rate(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_double(a->info != NULL ? a->info->send_rate : -1,
			  b->info != NULL ? b->info->send_rate : -1);
}

static size_t
fmt_recv_rate(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	(void)c;
	return fmt_rate(r->info != NULL ? r->info->recv_rate : 0, r->info != NULL && r->info->recv_rate >= 0,
		 out, n);
}

static int
cmp_recv_rate(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	return cmp_double(a->info != NULL ? a->info->recv_rate : -1,
			  b->info != NULL ? b->info->recv_rate : -1);
}

static size_t
fmt_age(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	if (r->info == NULL)
		return put_str(out, n, "-");
	else
		return format_duration(c->now - r->info->first_seen, out, n);
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

static size_t
fmt_timer(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	static const char *const names[] = {"", "retrans", "keepalive", "timewait", "probe"};
	char text[96];
	size_t len;

	(void)c;
	if (r->entry->timer == SOCK_TIMER_NONE || r->entry->timer > 4) {
		return put_str(out, n, "-");
	}
	len = strlen(names[r->entry->timer]);
	memcpy(text, names[r->entry->timer], len);
	text[len++] = ' ';
	len += format_duration(r->entry->timer_expires_ms / 1000.0, text + len, 32);
	if (r->entry->retrans > 0) {
		text[len++] = '/';
		len += format_u64(r->entry->retrans, text + len);
	}
	return put(out, n, text, len);
}

static int
cmp_timer(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	(void)c;
	if (a->entry->timer != b->entry->timer)
		return cmp_u64(a->entry->timer, b->entry->timer);
	return cmp_u64(a->entry->timer_expires_ms, b->entry->timer_expires_ms);
}

const struct snapshot_netns *
conn_row_netns(const struct conn_row *row, const struct conn_context *ctx)
{
	if (ctx->snap == NULL || ctx->snap->n_netns == 0)
		return NULL;
	return snapshot_find_netns(ctx->snap, row->entry->netns);
}

size_t
conn_netns_name(const struct snapshot_netns *ns, char *out, size_t n)
{
	int len;

	if (n == 0)
		return 0;
	if (ns == NULL)
		return put_str(out, n, "-");
	len = netns_info_short(&ns->info, out, n);
	if (len < 0) {
		out[0] = '\0';
		return 0;
	}
	return (size_t)len < n ? (size_t)len : n - 1;
}

char *
conn_netns_names(const struct snapshot *snap)
{
	char *names;

	if (snap->n_netns == 0)
		return NULL;
	names = malloc(snap->n_netns * CONN_NETNS_NAME_MAX);
	if (names == NULL)
		return NULL;
	for (size_t i = 0; i < snap->n_netns; i++)
		conn_netns_name(&snap->netns[i], names + i * CONN_NETNS_NAME_MAX,
				CONN_NETNS_NAME_MAX);
	return names;
}

static size_t
fmt_netns(const struct conn_row *r, const struct conn_context *c, char *out, size_t n)
{
	char name[CONN_NETNS_NAME_MAX];

	conn_netns_name(conn_row_netns(r, c), name, sizeof(name));
	return put_name(out, n, name);
}

/* By name; sockets of no known namespace last. */
static int
cmp_netns(const struct conn_row *a, const struct conn_row *b, const struct conn_context *c)
{
	const struct snapshot_netns *na = conn_row_netns(a, c), *nb = conn_row_netns(b, c);
	char x[CONN_NETNS_NAME_MAX], y[CONN_NETNS_NAME_MAX];
	int d;

	if ((na == NULL) != (nb == NULL))
		return na == NULL ? 1 : -1;
	if (na == NULL || na == nb)
		return 0;
	conn_netns_name(na, x, sizeof(x));
	conn_netns_name(nb, y, sizeof(y));
	d = strcmp(x, y);
	if (d != 0)
		return d < 0 ? -1 : 1;
	return cmp_u64(na->info.inode, nb->info.inode);
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

/*
 * The NETNS column sorts by the rank of the name among the snapshot's
 * namespaces (a few, ranked once per sort): the namespace at table index
 * i has key 2 * rank[i] + 1 (name, then inode, break ties); a namespace
 * from elsewhere (a tombstone's) gets 2 * (names below its own), between
 * its neighbours; no known namespace sorts last.
 */
struct conn_netns_ranks {
	const struct snapshot *snap;
	char *names;       /* CONN_NETNS_NAME_MAX each, in table order */
	uint32_t *sorted;  /* table indexes by name */
	uint64_t *key;     /* by table index */
};

static int
cmp_netns_index(const void *a, const void *b, void *arg)
{
	const struct conn_netns_ranks *r = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int d = strcmp(r->names + (size_t)x * CONN_NETNS_NAME_MAX,
		       r->names + (size_t)y * CONN_NETNS_NAME_MAX);

	if (d != 0)
		return d;
	return cmp_u64(r->snap->netns[x].info.inode, r->snap->netns[y].info.inode);
}

static void
netns_ranks_free(struct conn_netns_ranks *r)
{
	free(r->names);
	free(r->sorted);
	free(r->key);
}

/* Returns 0, or -1 when out of memory (the caller then compares). */
static int
netns_ranks_build(struct conn_netns_ranks *r, const struct snapshot *snap)
{
	size_t n = snap->n_netns;

	memset(r, 0, sizeof(*r));
	r->snap = snap;
	if (n == 0)
		return 0;
	r->names = conn_netns_names(snap);
	r->sorted = malloc(n * sizeof(*r->sorted));
	r->key = malloc(n * sizeof(*r->key));
	if (r->names == NULL || r->sorted == NULL || r->key == NULL) {
		netns_ranks_free(r);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		r->sorted[i] = (uint32_t)i;
	qsort_r(r->sorted, n, sizeof(*r->sorted), cmp_netns_index, r);
	for (size_t k = 0; k < n; k++)
		r->key[r->sorted[k]] = 2 * (uint64_t)k + 1;
	return 0;
}

static uint64_t
key_netns(const struct conn_row *r, const struct conn_context *c, int part)
{
	const struct conn_netns_ranks *ranks = c->netns_ranks;
	const struct snapshot_netns *ns = conn_row_netns(r, c);
	char name[CONN_NETNS_NAME_MAX];
	size_t lo = 0, hi;

	(void)part;
	if (ns == NULL || ranks == NULL)
		return UINT64_MAX;
	if (ns >= ranks->snap->netns && ns < ranks->snap->netns + ranks->snap->n_netns)
		return ranks->key[ns - ranks->snap->netns];
	/* Not the snapshot's: between the names below and above it. */
	conn_netns_name(ns, name, sizeof(name));
	hi = ranks->snap->n_netns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ranks->names + (size_t)ranks->sorted[mid] * CONN_NETNS_NAME_MAX, name) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 2 * (uint64_t)lo;
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
	[COL_NETNS] = {"netns", "NETNS", 14, false, 1, fmt_netns, cmp_netns, key_netns, 1},
};

/* ---------------------------------------------------- CSV and JSON fields */

static void
get_state(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	v->kind = OUTBUF_NAME;
	v->s = tcp_state_name(r->entry->state);
}

static void
get_family(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	v->kind = OUTBUF_NAME;
	v->s = sock_format_family(r->entry);
}

static void
get_addr(const struct sock_entry *e, int remote, struct outbuf_value *v)
{
	v->kind = OUTBUF_IP;
	v->family = e->family == AF_INET ? AF_INET : AF_INET6;
	v->addr = remote ? e->remote_addr : e->local_addr;
}

static void
get_local_addr(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	get_addr(r->entry, 0, v);
}

static void
get_remote_addr(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	get_addr(r->entry, 1, v);
}

static void
uint_value(struct outbuf_value *v, uint64_t u)
{
	v->kind = OUTBUF_UINT;
	v->u = u;
}

static void
get_local_port(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	uint_value(v, r->entry->local_port);
}

static void
get_remote_port(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	uint_value(v, r->entry->remote_port);
}

static void
get_pid(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	const struct owner_proc *p = owner_of(r, c);

	if (p != NULL) {
		v->kind = OUTBUF_INT;
		v->i = p->pid;
	}
}

static void
get_process(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	const struct owner_proc *p = owner_of(r, c);

	if (p != NULL) {
		v->kind = OUTBUF_TEXT;
		v->s = p->comm;
	}
}

static void
get_user(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	const struct owner_proc *p = owner_of(r, c);

	if (p != NULL) {
		v->kind = OUTBUF_TEXT;
		v->s = p->user;
	}
}

static void
get_recv_q(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	uint_value(v, r->entry->recv_q);
}

static void
get_send_q(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	uint_value(v, r->entry->send_q);
}

static void
get_inode(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	if (r->entry->inode != 0)
		uint_value(v, r->entry->inode);
}

static void
get_cookie(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	uint_value(v, r->entry->cookie);
}

/* A tcp_info field: null without tcp_info. */
#define INFO_FIELD(name, expr)                                                                  \
	static void get_##name(const struct conn_row *r, const struct conn_context *c,            \
			       struct outbuf_value *v)                                            \
	{                                                                                         \
		(void)c;                                                                          \
		if (r->entry->flags & SOCK_ENTRY_HAS_INFO)                                        \
			uint_value(v, (expr));                                                    \
	}

INFO_FIELD(rtt_us, r->entry->rtt_us)
INFO_FIELD(rttvar_us, r->entry->rttvar_us)
INFO_FIELD(cwnd, r->entry->snd_cwnd)
INFO_FIELD(retrans, r->entry->total_retrans)
INFO_FIELD(bytes_sent, r->entry->bytes_acked)
INFO_FIELD(bytes_received, r->entry->bytes_received)

static void
get_age(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	if (r->info != NULL) {
		v->kind = OUTBUF_FIXED;
		v->decimals = 3;
		v->d = c->now - r->info->first_seen;
	}
}

/* Both rates are known once the send rate is: from the second sample. */
static void
get_send_rate(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	if (r->info != NULL && r->info->send_rate >= 0) {
		v->kind = OUTBUF_FIXED;
		v->decimals = 0;
		v->d = r->info->send_rate;
	}
}

static void
get_recv_rate(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	(void)c;
	if (r->info != NULL && r->info->send_rate >= 0) {
		v->kind = OUTBUF_FIXED;
		v->decimals = 0;
		v->d = r->info->recv_rate;
	}
}

static void
get_netns(const struct conn_row *r, const struct conn_context *c, struct outbuf_value *v)
{
	const struct snapshot_netns *ns = conn_row_netns(r, c);

	/* Only the snapshot's namespaces have their names at hand. */
	if (ns == NULL || c->netns_names == NULL || ns < c->snap->netns ||
	    ns >= c->snap->netns + c->snap->n_netns)
		return;
	v->kind = OUTBUF_TEXT;
	v->s = c->netns_names + (size_t)(ns - c->snap->netns) * CONN_NETNS_NAME_MAX;
}

#define BOTH (CONN_FIELD_CSV | CONN_FIELD_JSON)

/* In the order CSV and JSON write them, after "time".  TIMER has no field
 * yet: adding one would change every CSV and JSON line.  netns comes
 * last, and only with a namespace table, so that the other fields keep
 * their places. */
static const struct conn_field_def fields[] = {
	{"state", COL_STATE, BOTH, get_state},
	{"family", COL_PROTO, BOTH, get_family},
	{"local_addr", COL_LOCAL, BOTH, get_local_addr},
	{"local_port", COL_LOCAL, BOTH, get_local_port},
	{"remote_addr", COL_REMOTE, BOTH, get_remote_addr},
	{"remote_port", COL_REMOTE, BOTH, get_remote_port},
	{"pid", COL_PID, BOTH, get_pid},
	{"process", COL_PROCESS, BOTH, get_process},
	{"user", COL_USER, BOTH, get_user},
	{"recv_q", COL_RECV_Q, BOTH, get_recv_q},
	{"send_q", COL_SEND_Q, BOTH, get_send_q},
	{"inode", CONN_FIELD_NO_COLUMN, BOTH, get_inode},
	{"cookie", CONN_FIELD_NO_COLUMN, BOTH, get_cookie},
	{"rtt_us", COL_RTT, BOTH, get_rtt_us},
	{"rttvar_us", COL_RTT, CONN_FIELD_JSON, get_rttvar_us},
	{"cwnd", CONN_FIELD_NO_COLUMN, CONN_FIELD_JSON, get_cwnd},
	{"retrans", COL_RETRANS, BOTH, get_retrans},
	{"bytes_sent", COL_SENT, BOTH, get_bytes_sent},
	{"bytes_received", COL_RECEIVED, BOTH, get_bytes_received},
	{"age_s", COL_AGE, BOTH, get_age},
	{"send_rate", COL_SEND_RATE, BOTH, get_send_rate},
	{"recv_rate", COL_RECV_RATE, BOTH, get_recv_rate},
	{"netns", COL_NETNS, BOTH | CONN_FIELD_NETNS, get_netns},
};

const struct conn_field_def *
conn_field(size_t i)
{
	return i < sizeof(fields) / sizeof(fields[0]) ? &fields[i] : NULL;
}

size_t
conn_field_count(void)
{
	return sizeof(fields) / sizeof(fields[0]);
}

size_t
conn_fields_get(const struct conn_field_def *const *which, size_t n, const struct conn_row *row,
		const struct conn_context *ctx, struct outbuf_value *values)
{
	size_t max = 0;

	for (size_t f = 0; f < n; f++) {
		values[f].kind = OUTBUF_NULL;
		which[f]->get(row, ctx, &values[f]);
		max += outbuf_value_max(&values[f]);
	}
	return max;
}

size_t
conn_fields_of(unsigned int format, const struct conn_field_def **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && n < max; i++)
		if ((fields[i].formats & format & (CONN_FIELD_CSV | CONN_FIELD_JSON)) &&
		    (!(fields[i].formats & CONN_FIELD_NETNS) || (format & CONN_FIELD_NETNS)))
			out[n++] = &fields[i];
	return n;
}

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
	       "sent, received, send-rate, recv-rate, age, timer, netns";
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
/* The key of one part of a row, for radix_sort_order_by(). */
struct row_key {
	const struct conn_row *rows;
	const struct sort_context *sc;
	int part;
};

static uint64_t
row_key_of(void *arg, uint32_t index)
{
	const struct row_key *rk = arg;
	uint64_t key = rk->sc->def->key(&rk->rows[index], rk->sc->ctx, rk->part);

	return rk->sc->descending ? UINT64_MAX - key : key;
}

/* At a million rows the only memory beside the scratch is the order
 * (4 MB): keys are computed into the scratch's pairs, and the rows move
 * through the scratch once sorted.  A single key below 256 (the state)
 * sorts in one counting pass instead. */
static int
sort_by_keys(struct conn_row *rows, size_t n, const struct sort_context *sc)
{
	uint32_t *order;
	int rc = -1;

	if (n >= UINT32_MAX)
		return -1;
	if (sc->def->key_parts == 1 && sc->ctx->scratch != NULL) {
		struct sort_context ascending = {sc->def, sc->ctx, false};
		struct row_key plain = {rows, &ascending, 0};
		int small = radix_sort_small_keys(rows, n, sizeof(*rows), row_key_of, &plain,
						  sc->descending, sc->ctx->scratch);

		if (small != 0)
			return small > 0 ? 0 : -1;
	}
	order = malloc(n * sizeof(*order));
	if (order == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (int part = sc->def->key_parts - 1; part >= 0; part--) {
		struct row_key rk = {rows, sc, part};

		if (radix_sort_order_by(order, n, row_key_of, &rk, sc->ctx->scratch) < 0)
			goto out;
	}
	rc = radix_apply_order(rows, order, n, sizeof(*rows), sc->ctx->scratch);
out:
	free(order);
	return rc;
}

void
conn_rows_sort(struct conn_row *rows, size_t n, enum conn_column column, bool descending,
	       const struct conn_context *ctx)
{
	struct conn_context keyed = *ctx;
	struct sort_context sc = {conn_column(column), &keyed, descending};
	struct conn_name_ranks ranks;
	struct conn_netns_ranks netns_ranks;
	bool ranked = false;

	if (n < 2 || sc.def == NULL)
		return;
	if (column == COL_NETNS) {
		if (netns_ranks_build(&netns_ranks, ctx->snap) < 0) {
			sort_by_compare(rows, n, &sc);
			return;
		}
		keyed.netns_ranks = &netns_ranks;
		if (sort_by_keys(rows, n, &sc) < 0)
			sort_by_compare(rows, n, &sc);
		netns_ranks_free(&netns_ranks);
		return;
	}
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
