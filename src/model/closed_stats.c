/*
 * closed_stats.c - sorting, lifetime buckets and top peers of closed
 * connections, and the recent short-lived ones.  Pure: works on what
 * the caller passes, keeps nothing, any thread on its own data.  Never
 * prints or exits.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "closed_stats.h"

static const char *const sort_names[CLOSED_SORT_COUNT] = {
	[CLOSED_SORT_TIME] = "time",	   [CLOSED_SORT_LIFETIME] = "lifetime",
	[CLOSED_SORT_SENT] = "sent",	   [CLOSED_SORT_RECEIVED] = "received",
	[CLOSED_SORT_RTT] = "rtt",	   [CLOSED_SORT_RETRANS] = "retrans",
	[CLOSED_SORT_PEER] = "peer",	   [CLOSED_SORT_PORT] = "port",
	[CLOSED_SORT_OWNER] = "owner",
};

const char *
closed_sort_name(enum closed_sort by)
{
	return (unsigned int)by < CLOSED_SORT_COUNT ? sort_names[by] : "?";
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

/* Addresses: the family first (IPv4 before IPv6), then the bytes. */
static int
cmp_addr(uint8_t fa, const uint8_t *a, uint8_t fb, const uint8_t *b)
{
	if (fa != fb)
		return fa == AF_INET ? -1 : fb == AF_INET ? 1 : (fa < fb ? -1 : 1);
	return memcmp(a, b, fa == AF_INET ? 4 : 16);
}

static int
cmp_by(const struct closed_conn *a, const struct closed_conn *b, enum closed_sort by)
{
	const struct sock_entry *x = &a->ev.entry, *y = &b->ev.entry;
	int r;

	switch (by) {
	case CLOSED_SORT_LIFETIME:
		/* Never sampled (-1): shorter than any sampled lifetime. */
		return cmp_double(a->seen ? a->lifetime_s : -1, b->seen ? b->lifetime_s : -1);
	case CLOSED_SORT_SENT:
		return cmp_u64(x->bytes_acked, y->bytes_acked);
	case CLOSED_SORT_RECEIVED:
		return cmp_u64(x->bytes_received, y->bytes_received);
	case CLOSED_SORT_RTT:
		return cmp_u64(x->rtt_us, y->rtt_us);
	case CLOSED_SORT_RETRANS:
		return cmp_u64(x->total_retrans, y->total_retrans);
	case CLOSED_SORT_PEER:
		r = cmp_addr(x->family, x->remote_addr, y->family, y->remote_addr);
		return r != 0 ? r : cmp_u64(x->remote_port, y->remote_port);
	case CLOSED_SORT_PORT:
		r = cmp_u64(x->local_port, y->local_port);
		return r != 0 ? r : cmp_u64(x->remote_port, y->remote_port);
	case CLOSED_SORT_OWNER:
		/* Unknown owners ("" and pid 0) first. */
		r = strncmp(a->process, b->process, sizeof(a->process));
		return r != 0 ? (r < 0 ? -1 : 1) : cmp_u64((uint32_t)a->pid, (uint32_t)b->pid);
	case CLOSED_SORT_TIME:
	default:
		return 0;
	}
}

struct sort_ctx {
	enum closed_sort by;
	int sign;
};

static int
cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct closed_conn *a = *(const struct closed_conn *const *)pa;
	const struct closed_conn *b = *(const struct closed_conn *const *)pb;
	const struct sort_ctx *ctx = arg;
	int r = cmp_by(a, b, ctx->by);

	if (r == 0)
		r = cmp_u64(a->ev.time_ns, b->ev.time_ns);
	if (r == 0)
		r = cmp_u64(a->ev.entry.cookie, b->ev.entry.cookie);
	if (r == 0)
		r = cmp_u64(a->ev.entry.netns, b->ev.entry.netns);
	return ctx->sign * r;
}

void
closed_sort(const struct closed_conn **rows, size_t n, enum closed_sort by, bool descending)
{
	struct sort_ctx ctx = {.by = by, .sign = descending ? -1 : 1};

	if (n > 1)
		qsort_r(rows, n, sizeof(*rows), cmp_rows, &ctx);
}

static const char *const life_labels[CLOSED_LIFE_COUNT] = {
	[CLOSED_LIFE_UNSAMPLED] = "never", [CLOSED_LIFE_1MS] = "<1ms",
	[CLOSED_LIFE_10MS] = "1-10ms",	   [CLOSED_LIFE_100MS] = "10-100ms",
	[CLOSED_LIFE_1S] = "0.1-1s",	   [CLOSED_LIFE_10S] = "1-10s",
	[CLOSED_LIFE_60S] = "10-60s",	   [CLOSED_LIFE_LONGER] = ">60s",
};

const char *
closed_life_label(enum closed_life bucket)
{
	return (unsigned int)bucket < CLOSED_LIFE_COUNT ? life_labels[bucket] : "?";
}

enum closed_life
closed_life_of(const struct closed_conn *c)
{
	double s = c->lifetime_s;

	if (!c->seen || s < 0)
		return CLOSED_LIFE_UNSAMPLED;
	if (s < 0.001)
		return CLOSED_LIFE_1MS;
	if (s < 0.01)
		return CLOSED_LIFE_10MS;
	if (s < 0.1)
		return CLOSED_LIFE_100MS;
	if (s < 1)
		return CLOSED_LIFE_1S;
	if (s < 10)
		return CLOSED_LIFE_10S;
	if (s < 60)
		return CLOSED_LIFE_60S;
	return CLOSED_LIFE_LONGER;
}

void
closed_life_histogram(const struct closed_conn *const *rows, size_t n,
		      uint64_t counts[CLOSED_LIFE_COUNT])
{
	memset(counts, 0, CLOSED_LIFE_COUNT * sizeof(counts[0]));
	for (size_t i = 0; i < n; i++)
		counts[closed_life_of(rows[i])]++;
}

static int
cmp_peer_addr(const void *pa, const void *pb)
{
	const struct closed_peer *a = pa, *b = pb;

	return cmp_addr(a->family, a->addr, b->family, b->addr);
}

static int
cmp_peer_rank(const void *pa, const void *pb)
{
	const struct closed_peer *a = pa, *b = pb;

	if (a->closes != b->closes)
		return a->closes > b->closes ? -1 : 1;
	return cmp_peer_addr(a, b);
}

ssize_t
closed_top_peers(const struct closed_conn *const *rows, size_t n, uint64_t since_ns,
		 uint64_t until_ns, struct closed_peer *out, size_t max)
{
	struct closed_peer *all;
	size_t k = 0, w = 0;
	double span;

	if (until_ns <= since_ns || max == 0 || n == 0)
		return 0;
	span = (double)(until_ns - since_ns) / 1e9;
	all = calloc(n, sizeof(*all));
	if (all == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sock_entry *e = &rows[i]->ev.entry;

		if (rows[i]->ev.time_ns <= since_ns || rows[i]->ev.time_ns > until_ns ||
		    e->remote_port == 0)
			continue;
		all[k].family = e->family;
		memcpy(all[k].addr, e->remote_addr, sizeof(all[k].addr));
		if (e->family == AF_INET)
			memset(all[k].addr + 4, 0, sizeof(all[k].addr) - 4);
		all[k].closes = 1;
		k++;
	}
	/* Same addresses next to each other, then one row per address. */
	qsort(all, k, sizeof(*all), cmp_peer_addr);
	for (size_t i = 0; i < k; i++) {
		if (w > 0 && cmp_peer_addr(&all[w - 1], &all[i]) == 0)
			all[w - 1].closes++;
		else
			all[w++] = all[i];
	}
	qsort(all, w, sizeof(*all), cmp_peer_rank);
	if (w > max)
		w = max;
	for (size_t i = 0; i < w; i++) {
		out[i] = all[i];
		out[i].per_s = all[i].closes / span;
	}
	free(all);
	return (ssize_t)w;
}

uint64_t
closed_window_end(const struct snapshot *snap)
{
	uint64_t end = (uint64_t)snap->taken_wall.tv_sec * 1000000000ull +
		       (uint64_t)snap->taken_wall.tv_nsec;

	for (size_t i = 0; i < snap->n_closed; i++)
		if (snap->closed[i].time_ns > end)
			end = snap->closed[i].time_ns;
	return end;
}

size_t
closed_recent_short(const struct closed_model *m, uint64_t since_ns, uint64_t until_ns,
		    const struct closed_conn **out, size_t max)
{
	size_t w = 0;

	/* From the newest back, the whole ring (a few thousand): closes
	 * heard by listeners of several namespaces need not be in time
	 * order.  Closes heard after until_ns (in samples the caller has
	 * not shown yet) are passed over. */
	for (size_t i = closed_model_count(m); i-- > 0 && w < max;) {
		const struct closed_conn *c = closed_model_get(m, i);

		if (c->ev.time_ns <= since_ns || c->ev.time_ns > until_ns || c->seen)
			continue;
		out[w++] = c;
	}
	return w;
}
