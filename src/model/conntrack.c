/*
 * conntrack.c - per-connection memory across samples, keyed by
 * (network namespace, cookie).
 *
 * An open-addressing hash of (netns, cookie) -> conn_info, rebuilt from the old one
 * at each update (only the sockets of the new snapshot survive, so there
 * is no deletion bookkeeping); sockets of the previous snapshot that are
 * missing from the new one move to the tombstone list.
 * Single-threaded.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "hash.h"
#include "page_release.h"
#include "size_class.h"
#include "timespec_util.h"

struct tombstone {
	struct sock_entry entry;
	struct conn_info info;
	struct owner_table *owners; /* a reference: what entry.owner indexes */
	double died;
};

/*
 * One sample's knowledge: infos[i] belongs to entries[i], entry i of the
 * snapshot the generation was built from (none when its cookie is 0),
 * and an open-addressing index of (netns, cookie) -> i + 1.  The
 * socket's identity is read from the entry, not kept in the record.
 * Keeping the 80-byte records dense in entry order and hashing only
 * 4-byte indexes means a new sample clears 1 MB of index at 100,000
 * sockets, not 30 MB of records, and entry i's record needs no lookup.
 */
struct generation {
	const struct sock_entry *entries; /* the snapshot's: infos[i] is
					   * entries[i]'s */
	struct conn_info *infos;
	/* Per record: GEN_COPY when it copies an earlier listing of the
	 * same socket, GEN_KEPT once the next sample found the socket
	 * again.  Bytes beside the records, so the tombstone pass reads 1 MB
	 * at a million sockets instead of probing the hash twice per
	 * socket. */
	uint8_t *flags;
	size_t n, cap;
	uint32_t *index;   /* 0: empty slot */
	size_t slots;      /* of index; 0 when none */
};

/* Two generations of a record per socket: see conntrack.h. */
_Static_assert(sizeof(struct conn_info) == 48, "a tracker record is 48 bytes");

enum {
	GEN_COPY = 1u << 0,
	GEN_KEPT = 1u << 1,
};

struct conntrack {
	double highlight;
	double now;
	struct snapshot *prev;    /* the last snapshot fed (a reference) */
	/* An update in steps: the snapshot being taken in (a reference;
	 * NULL when none), the next entry of it to take, and
	 * find_previous()'s cursor. */
	struct snapshot *next;
	size_t next_i, next_cursor;
	struct generation cur;    /* built from prev */
	/* The generation before, kept to be reused: allocating fresh ones
	 * per sample cost more in page faults than the whole update.  Past
	 * PAGE_RELEASE_FROM_SOCKETS its pages are given back between
	 * updates (finish()). */
	struct generation spare;
	struct tombstone *gone;
	size_t n_gone, gone_cap;
};


static void
generation_free(struct generation *g)
{
	free(g->infos);
	free(g->flags);
	free(g->index);
	memset(g, 0, sizeof(*g));
}

/* Makes g empty with room for n records; 0 or -1 (ENOMEM). */
static int
generation_reset(struct generation *g, size_t n)
{
	size_t slots = size_class_table(n);
	if (n > g->cap) {
		struct conn_info *more = realloc(g->infos, n * sizeof(*more));
		uint8_t *flags;

		if (more == NULL)
			return -1;
		g->infos = more;
		flags = realloc(g->flags, n);
		if (flags == NULL)
			return -1;
		g->flags = flags;
		g->cap = n;
	}
	if (g->index == NULL || g->slots != slots) {
		uint32_t *index = calloc(slots, sizeof(*index));

		if (index == NULL)
			return -1;
		free(g->index);
		g->index = index;
		g->slots = slots;
	} else {
		memset(g->index, 0, slots * sizeof(*g->index));
	}
	g->n = 0;
	return 0;
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
	generation_free(&ct->cur);
	generation_free(&ct->spare);
	for (size_t i = 0; i < ct->n_gone; i++)
		owner_table_unref(ct->gone[i].owners);
	free(ct->gone);
	snapshot_unref(ct->prev);
	snapshot_unref(ct->next);
	free(ct);
}

static struct conn_info *
find(const struct generation *g, uint32_t netns, uint64_t cookie)
{
	if (g->index == NULL)
		return NULL;
	for (size_t slot = hash_slot(hash_sock(netns, cookie), g->slots); g->index[slot] != 0;
	     slot = slot + 1 == g->slots ? 0 : slot + 1) {
		const struct sock_entry *e = &g->entries[g->index[slot] - 1];

		if (e->cookie == cookie && e->netns == netns)
			return &g->infos[g->index[slot] - 1];
	}
	return NULL;
}

/* Indexes record i under (netns, cookie), unless that socket is there
 * already; returns the record that holds it. */
static struct conn_info *
insert(struct generation *g, uint32_t netns, uint64_t cookie, size_t i)
{
	size_t slot = hash_slot(hash_sock(netns, cookie), g->slots);

	for (; g->index[slot] != 0; slot = slot + 1 == g->slots ? 0 : slot + 1) {
		const struct sock_entry *e = &g->entries[g->index[slot] - 1];

		if (e->cookie == cookie && e->netns == netns)
			return &g->infos[g->index[slot] - 1];
	}
	g->index[slot] = (uint32_t)(i + 1);
	return &g->infos[i];
}

/* Milliseconds from info's first sight to when (seconds), rounded and
 * saturating: what state_ms holds. */
static uint32_t
ms_after_first(const struct conn_info *info, double when)
{
	double ms = (when - info->first_seen) * 1e3 + 0.5;

	return ms <= 0 ? 0 : ms >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

static void
push_state(struct conn_info *info, uint8_t state, double when)
{
	if (info->n_states == CONNTRACK_STATES) {
		memmove(info->states, info->states + 1, CONNTRACK_STATES - 1);
		memmove(info->state_ms, info->state_ms + 1,
			(CONNTRACK_STATES - 1) * sizeof(info->state_ms[0]));
		info->n_states--;
	}
	info->states[info->n_states] = state;
	info->state_ms[info->n_states++] = ms_after_first(info, when);
}

/*
 * Whether info's mark has lasted highlight seconds at now.  Counted in
 * the milliseconds the mark's time is kept in, so a mark ends on the
 * sample it would have ended on with the exact time.  A mark made
 * beyond the count's range (49 days after the first sight) has no time
 * and ends at once.
 */
static bool
mark_expired(const struct conn_info *info, double now, double highlight)
{
	uint32_t marked = info->state_ms[info->n_states - 1];
	double highlight_ms = highlight * 1e3 + 0.5;

	if (marked == UINT32_MAX)
		return true;
	if (highlight_ms >= (double)UINT32_MAX)
		return false;
	return (int64_t)ms_after_first(info, now) - (int64_t)marked >= (int64_t)highlight_ms;
}

double
conntrack_state_time(const struct conn_info *info, int i)
{
	return info->first_seen + (double)info->state_ms[i] / 1e3;
}

double
conntrack_marked_at(const struct conn_info *info)
{
	return info->n_states > 0 ? conntrack_state_time(info, info->n_states - 1) : info->first_seen;
}

static int
add_tombstone(struct conntrack *ct, const struct sock_entry *entry, const struct conn_info *info,
	      struct owner_table *owners, double died)
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
	ct->gone[ct->n_gone].owners =
		entry->owner_status == OWNER_FOUND && owners != NULL ? owner_table_ref(owners) : NULL;
	ct->gone[ct->n_gone].died = died;
	ct->n_gone++;
	return 0;
}

/*
 * The record of the previous sample for (netns, cookie), or NULL.  A
 * dump lists sockets in the kernel's hash order, which changes little
 * between samples, so the record after the last one found is tried
 * first: at a million sockets that turns two cache misses per socket
 * (the index, then the record) into a sequential read.  *cursor is that
 * position.  A copy of an earlier listing is never returned: the
 * original is, so the original is the one marked kept.
 */
static struct conn_info *
find_previous(struct generation *old, uint32_t netns, uint64_t cookie, size_t *cursor)
{
	struct conn_info *info;

	if (*cursor < old->n) {
		const struct sock_entry *e = &old->entries[*cursor];

		if (e->cookie == cookie && e->netns == netns && !(old->flags[*cursor] & GEN_COPY))
			return &old->infos[(*cursor)++];
	}
	info = find(old, netns, cookie);
	if (info != NULL)
		*cursor = (size_t)(info - old->infos) + 1;
	return info;
}

/* Drops an update in steps: the current generation's kept marks are
 * cleared, so the next update starts from it as if none had begun. */
void
conntrack_drop(struct conntrack *ct)
{
	if (ct->next == NULL)
		return;
	for (size_t k = 0; k < ct->cur.n; k++)
		ct->cur.flags[k] &= (uint8_t)~GEN_KEPT;
	snapshot_unref(ct->next);
	ct->next = NULL;
}

int
conntrack_begin(struct conntrack *ct, struct snapshot *snap)
{
	conntrack_drop(ct);
	if (snap->n_entries >= UINT32_MAX || generation_reset(&ct->spare, snap->n_entries) < 0) {
		errno = ENOMEM;
		return -1;
	}
	ct->next = snapshot_ref(snap);
	ct->spare.entries = snap->entries;
	ct->next_i = 0;
	ct->next_cursor = 0;
	return 0;
}

/* Takes entries [from, to) of the snapshot being taken in into the new
 * generation. */
static void
take_entries(struct conntrack *ct, size_t from, size_t to)
{
	const struct snapshot *snap = ct->next;
	struct generation *g = &ct->spare;
	double now = timespec_seconds(&snap->taken_mono);

	for (size_t i = from; i < to; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct conn_info *old, *info;

		g->flags[i] = 0;
		g->n = i + 1;
		if (e->cookie == 0)
			continue;
		info = insert(g, e->netns, e->cookie, i);
		if (info != &g->infos[i]) {
			/* Listed twice in one dump: the first listing
			 * counts; this one shows the same. */
			g->infos[i] = *info;
			g->flags[i] = GEN_COPY;
			continue;
		}
		old = find_previous(&ct->cur, e->netns, e->cookie, &ct->next_cursor);
		if (old == NULL) {
			memset(info, 0, sizeof(*info));
			info->first_seen = now;
			info->send_rate = -1; /* unknown until a second sample */
			info->recv_rate = -1;
			/* The first sample shows what was there before us:
			 * nothing in it is "new". */
			info->mark = ct->prev != NULL ? CONN_NEW : CONN_STEADY;
			push_state(info, e->state, now);
		} else {
			/* Every record of the last generation was in the last
			 * sample, entry for entry: its counters are there. */
			size_t j = (size_t)(old - ct->cur.infos);
			const struct sock_entry *was = &ct->prev->entries[j];
			double dt = now - ct->now;

			ct->cur.flags[j] |= GEN_KEPT;
			*info = *old;
			if (!(e->flags & SOCK_ENTRY_HAS_INFO)) {
				/* No counters now (TIME_WAIT keeps the cookie of
				 * the socket it was): no rate, not the last one. */
				info->send_rate = -1;
				info->recv_rate = -1;
			} else if (dt > 0) {
				info->send_rate =
					e->bytes_acked >= was->bytes_acked
						? (float)((double)(e->bytes_acked - was->bytes_acked) / dt)
						: 0;
				info->recv_rate =
					e->bytes_received >= was->bytes_received
						? (float)((double)(e->bytes_received - was->bytes_received) / dt)
						: 0;
			}
			if (old->states[old->n_states - 1] != e->state) {
				push_state(info, e->state, now);
				info->mark = CONN_CHANGED;
			} else if (mark_expired(info, now, ct->highlight)) {
				info->mark = CONN_STEADY;
			}
		}
		if (ct->highlight <= 0)
			info->mark = CONN_STEADY;
	}
}

/* The end of an update: tombstones, then the new generation becomes the
 * current one.  0 or -1 (ENOMEM: the update is abandoned). */
static int
finish(struct conntrack *ct)
{
	struct snapshot *snap = ct->next;
	double now = timespec_seconds(&snap->taken_mono);
	size_t w = 0;

	/* Tombstones: old ones expire, and every socket of the previous
	 * sample missing from this one becomes one. */
	for (size_t i = 0; i < ct->n_gone; i++) {
		if (now - ct->gone[i].died < ct->highlight)
			ct->gone[w++] = ct->gone[i];
		else
			owner_table_unref(ct->gone[i].owners);
	}
	ct->n_gone = w;
	if (ct->highlight > 0 && ct->prev != NULL) {
		for (size_t i = 0; i < ct->prev->n_entries && i < ct->cur.n; i++) {
			const struct sock_entry *e;
			struct conn_info *old;

			/* A cookie listed twice leaves one tombstone, of its
			 * first listing: copies are skipped.  The flags come
			 * first: most sockets are kept, and their entry and
			 * record are then not read at all. */
			if (ct->cur.flags[i] & (GEN_COPY | GEN_KEPT))
				continue;
			e = &ct->prev->entries[i];
			old = &ct->cur.infos[i];
			if (e->cookie == 0)
				continue;
			if (add_tombstone(ct, e, old, ct->prev->owners, now) < 0) {
				/* Nothing of this update is kept: the next one
				 * starts from the same generation, unmarked. */
				conntrack_drop(ct);
				errno = ENOMEM;
				return -1;
			}
		}
	}
	{
		struct generation older = ct->cur;

		ct->cur = ct->spare;
		ct->spare = older;
	}
	/* Until the next update the generation before only waits, while the
	 * other models and the next sample need memory: its pages go back
	 * (page_release.h), its allocation stays for the next update. */
	if (snap->n_entries > PAGE_RELEASE_FROM_SOCKETS) {
		page_release(ct->spare.infos, ct->spare.cap * sizeof(*ct->spare.infos));
		page_release(ct->spare.flags, ct->spare.cap);
		page_release(ct->spare.index, ct->spare.slots * sizeof(*ct->spare.index));
	}
	ct->now = now;
	snapshot_unref(ct->prev);
	ct->prev = snap;
	ct->next = NULL;
	return 0;
}

int
conntrack_step(struct conntrack *ct, size_t max_entries)
{
	size_t n, to;

	if (ct->next == NULL)
		return 0;
	n = ct->next->n_entries;
	to = max_entries < n - ct->next_i ? ct->next_i + max_entries : n;
	take_entries(ct, ct->next_i, to);
	ct->next_i = to;
	if (to < n)
		return 1;
	return finish(ct);
}

int
conntrack_update(struct conntrack *ct, struct snapshot *snap)
{
	if (conntrack_begin(ct, snap) < 0)
		return -1;
	return conntrack_step(ct, SIZE_MAX);
}

const struct snapshot *
conntrack_taking(const struct conntrack *ct)
{
	return ct->next;
}

const struct snapshot *
conntrack_latest(const struct conntrack *ct)
{
	return ct->prev;
}

const struct conn_info *
conntrack_get(const struct conntrack *ct, uint32_t netns, uint64_t cookie)
{
	if (cookie == 0)
		return NULL;
	return find(&ct->cur, netns, cookie);
}

size_t
conntrack_gone_count(const struct conntrack *ct)
{
	return ct->n_gone;
}

const struct conn_info *
conntrack_get_at(const struct conntrack *ct, size_t i)
{
	if (i >= ct->cur.n || ct->cur.entries[i].cookie == 0)
		return NULL;
	return &ct->cur.infos[i];
}

const struct sock_entry *
conntrack_gone_entry(const struct conntrack *ct, size_t i, const struct conn_info **info,
		     const struct owner_table **owners)
{
	if (i >= ct->n_gone)
		return NULL;
	if (info != NULL)
		*info = &ct->gone[i].info;
	if (owners != NULL)
		*owners = ct->gone[i].owners;
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
