/*
 * conntrack.c - per-connection memory across samples, keyed by cookie.
 *
 * An open-addressing hash of cookie -> conn_info, rebuilt from the old one
 * at each update (only the sockets of the new snapshot survive, so there
 * is no deletion bookkeeping); sockets of the previous snapshot that are
 * missing from the new one move to the tombstone list.
 * Single-threaded.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"

struct tombstone {
	struct sock_entry entry;
	struct conn_info info;
	double died;
};

struct conntrack {
	double highlight;
	double now;
	struct snapshot *prev;    /* the last snapshot fed (a reference) */
	struct conn_info *slots;  /* cookie 0 marks an empty slot */
	size_t mask;
	/* The table of the sample before last, kept to be cleared and
	 * reused: allocating a fresh one per sample cost more in page faults
	 * than the whole update. */
	struct conn_info *spare;
	size_t spare_slots;
	struct tombstone *gone;
	size_t n_gone, gone_cap;
};

static size_t
hash_cookie(uint64_t cookie)
{
	cookie ^= cookie >> 33;
	cookie *= 0xff51afd7ed558ccdull;
	cookie ^= cookie >> 33;
	return (size_t)cookie;
}

struct conntrack *
conntrack_new(double highlight_s)
{
	struct conntrack *ct = calloc(1, sizeof(*ct));

	if (ct == NULL)
		return NULL;
	ct->highlight = highlight_s < 0 ? 0 : highlight_s;
	return ct;
}

void
conntrack_free(struct conntrack *ct)
{
	if (ct == NULL)
		return;
	free(ct->slots);
	free(ct->spare);
	free(ct->gone);
	snapshot_unref(ct->prev);
	free(ct);
}

static struct conn_info *
find(struct conn_info *slots, size_t mask, uint64_t cookie)
{
	size_t slot;

	if (slots == NULL)
		return NULL;
	for (slot = hash_cookie(cookie) & mask; slots[slot].cookie != 0; slot = (slot + 1) & mask)
		if (slots[slot].cookie == cookie)
			return &slots[slot];
	return NULL;
}

static struct conn_info *
insert(struct conn_info *slots, size_t mask, uint64_t cookie)
{
	size_t slot = hash_cookie(cookie) & mask;

	while (slots[slot].cookie != 0 && slots[slot].cookie != cookie)
		slot = (slot + 1) & mask;
	return &slots[slot];
}

static double
seconds(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static void
push_state(struct conn_info *info, uint8_t state, double when)
{
	if (info->n_states == CONNTRACK_STATES) {
		memmove(info->states, info->states + 1, CONNTRACK_STATES - 1);
		memmove(info->state_times, info->state_times + 1,
			(CONNTRACK_STATES - 1) * sizeof(info->state_times[0]));
		info->n_states--;
	}
	info->states[info->n_states] = state;
	info->state_times[info->n_states++] = when;
}

static int
add_tombstone(struct conntrack *ct, const struct sock_entry *entry, const struct conn_info *info,
	      double died)
{
	if (ct->n_gone == ct->gone_cap) {
		size_t cap = ct->gone_cap ? ct->gone_cap * 2 : 64;
		struct tombstone *more = realloc(ct->gone, cap * sizeof(*more));

		if (more == NULL)
			return -1;
		ct->gone = more;
		ct->gone_cap = cap;
	}
	ct->gone[ct->n_gone].entry = *entry;
	ct->gone[ct->n_gone].info = *info;
	ct->gone[ct->n_gone].info.mark = CONN_GONE;
	ct->gone[ct->n_gone].died = died;
	ct->n_gone++;
	return 0;
}

int
conntrack_update(struct conntrack *ct, struct snapshot *snap)
{
	size_t slots = 16, w = 0;
	struct conn_info *table;
	double now = seconds(&snap->taken_mono);

	/* At most three quarters full: short probes, half the memory of a
	 * half-full table. */
	while (slots * 3 < snap->n_entries * 4)
		slots *= 2;
	if (ct->spare != NULL && ct->spare_slots == slots) {
		table = ct->spare;
		ct->spare = NULL;
		memset(table, 0, slots * sizeof(*table));
	} else {
		free(ct->spare);
		ct->spare = NULL;
		table = calloc(slots, sizeof(*table));
		if (table == NULL) {
			errno = ENOMEM;
			return -1;
		}
	}
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct conn_info *old, *info;

		if (e->cookie == 0)
			continue;
		info = insert(table, slots - 1, e->cookie);
		if (info->cookie == e->cookie)
			continue; /* listed twice in one dump: keep the first */
		old = find(ct->slots, ct->mask, e->cookie);
		if (old == NULL) {
			memset(info, 0, sizeof(*info));
			info->cookie = e->cookie;
			info->first_seen = now;
			info->send_rate = -1; /* unknown until a second sample */
			info->recv_rate = -1;
			/* The first sample shows what was there before us:
			 * nothing in it is "new". */
			info->mark = ct->prev != NULL ? CONN_NEW : CONN_STEADY;
			info->marked_at = now;
			push_state(info, e->state, now);
		} else {
			double dt = now - old->last_time;

			*info = *old;
			if (!(e->flags & SOCK_ENTRY_HAS_INFO)) {
				/* No counters now (TIME_WAIT keeps the cookie of
				 * the socket it was): no rate, not the last one. */
				info->send_rate = -1;
				info->recv_rate = -1;
			} else if (dt > 0) {
				info->send_rate = e->bytes_acked >= old->last_acked
							  ? (double)(e->bytes_acked - old->last_acked) / dt
							  : 0;
				info->recv_rate =
					e->bytes_received >= old->last_received
						? (double)(e->bytes_received - old->last_received) / dt
						: 0;
			}
			if (old->states[old->n_states - 1] != e->state) {
				push_state(info, e->state, now);
				info->mark = CONN_CHANGED;
				info->marked_at = now;
			} else if (now - info->marked_at >= ct->highlight) {
				info->mark = CONN_STEADY;
			}
		}
		if (ct->highlight <= 0)
			info->mark = CONN_STEADY;
		info->last_acked = e->bytes_acked;
		info->last_received = e->bytes_received;
		info->last_time = now;
	}

	/* Tombstones: old ones expire, and every socket of the previous
	 * sample missing from this one becomes one. */
	for (size_t i = 0; i < ct->n_gone; i++)
		if (now - ct->gone[i].died < ct->highlight)
			ct->gone[w++] = ct->gone[i];
	ct->n_gone = w;
	if (ct->highlight > 0 && ct->prev != NULL) {
		for (size_t i = 0; i < ct->prev->n_entries; i++) {
			const struct sock_entry *e = &ct->prev->entries[i];
			struct conn_info *old;

			if (e->cookie == 0 || find(table, slots - 1, e->cookie) != NULL)
				continue;
			old = find(ct->slots, ct->mask, e->cookie);
			/* A cookie listed twice leaves one tombstone, of its
			 * first listing; the old table is dropped below, so
			 * marking it costs nothing. */
			if (old == NULL || old->mark == CONN_GONE)
				continue;
			if (add_tombstone(ct, e, old, now) < 0) {
				free(table);
				errno = ENOMEM;
				return -1;
			}
			old->mark = CONN_GONE;
		}
	}
	ct->spare = ct->slots;
	ct->spare_slots = ct->slots != NULL ? ct->mask + 1 : 0;
	ct->slots = table;
	ct->mask = slots - 1;
	ct->now = now;
	snapshot_unref(ct->prev);
	ct->prev = snapshot_ref(snap);
	return 0;
}

const struct conn_info *
conntrack_get(const struct conntrack *ct, uint64_t cookie)
{
	if (cookie == 0)
		return NULL;
	return find(ct->slots, ct->mask, cookie);
}

size_t
conntrack_gone_count(const struct conntrack *ct)
{
	return ct->n_gone;
}

const struct sock_entry *
conntrack_gone_entry(const struct conntrack *ct, size_t i, const struct conn_info **info)
{
	if (i >= ct->n_gone)
		return NULL;
	if (info != NULL)
		*info = &ct->gone[i].info;
	return &ct->gone[i].entry;
}

double
conntrack_now(const struct conntrack *ct)
{
	return ct->now;
}

double
conntrack_highlight(const struct conntrack *ct)
{
	return ct->highlight;
}
