/*
 * statetrack.c - per-state flows and time in state, keyed by (cookie,
 * network namespace).
 *
 * The sockets of the previous sample are kept as an array of records
 * sorted by cookie, then namespace (cookies of different namespaces may
 * be equal).  An update radix-sorts the new snapshot's cookies
 * (an index permutation; the entries stay where they are; cookies of one
 * namespace less than 2^32 apart, as the kernel's counter hands them out,
 * are sorted as 32-bit offsets packed with the entry index) and merges the
 * two sorted lists in one pass: a cookie in both is a socket that stayed
 * (same state or a transition), one only in the new list opened, and one
 * only in the old list vanished: its entry index in the previous snapshot
 * is listed, so a rule holding that snapshot can say who closed.  Per
 * state, the previous count minus the sockets found again is the number
 * that left by closing.
 * When the sample's entries are all of one namespace (always, without
 * namespaces) the namespace costs one comparison per entry.  Entries of
 * several namespaces take the packed sort too (cookies come from one
 * counter for the whole host), and the rare runs of one cookie in two
 * namespaces are then put in namespace order; only cookies too far apart
 * to pack take the generic sort, by namespace first, so the stable sort
 * by cookie leaves equal cookies by namespace.
 * Everything is read in order, so the cost does not depend on caches and
 * TLBs the way a hash table's random probes do (that variant cost twice
 * as much inside the running program, 8% of a sample at 100,000 sockets).
 *
 * Stalls ride on the same merge: the sockets with data queued (Recv-Q or
 * Send-Q above zero) of the previous sample are a second, much shorter
 * list sorted by cookie, walked alongside.  Only those sockets are looked
 * at again, so an idle host pays one bit test per socket.
 * Single-threaded; never prints.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "page_release.h"
#include "radix_sort.h"
#include "size_class.h"
#include "statetrack.h"
#include "timespec_util.h"

/* rec.flags and at_flags: the socket was in this state at the first
 * sample, so its time is a lower bound. */
#define FLAG_LOWER_BOUND 0x1u

/* since_ms of an entry whose time is unknown. */
#define SINCE_UNKNOWN UINT32_MAX

/* states[i] bit: the entry is a connection with data queued, so it has a
 * stall record. */
#define STATE_QUEUED 0x80u
#define STATE_MASK 0x7fu

/* at_stall of an entry without a stall record (listed twice, the first
 * listing had no data queued). */
#define STALL_NO_RECORD UINT32_MAX

/* A stall's since when it is not stalled. */
#define STALL_NONE INT32_MIN
/* stall.flags: the stall was there at the first sample (a lower bound). */
#define STALL_UNREAD_LOWER 0x1u
#define STALL_BLOCKED_LOWER 0x2u

/* A record is 16 bytes; its state and flags are a byte beside it
 * (prev_sf, next_sf: 17 bytes a socket where one struct took 24). */
struct rec {
	uint64_t cookie;
	uint32_t netns;
	uint32_t since_ms; /* first seen in its state, ms after the epoch */
};

/* A record's state and flag byte: the state in the low bits, and this bit
 * for FLAG_LOWER_BOUND. */
#define SF_LOWER 0x80u
#define SF_STATE 0x7fu

/* A socket with data queued.  Times are ms after the epoch, signed: a
 * stall seen at the first sample began before it. */
struct stall {
	uint64_t cookie;
	uint32_t netns;
	int32_t unread_since;  /* Recv-Q waiting, nothing read since */
	int32_t blocked_since; /* Send-Q held by the peer's window since */
	uint32_t read_pos;     /* bytes_received - recv_q: what the
				* application has read (low 32 bits) */
	uint32_t rwnd_ms;      /* rwnd_limited_ms then */
	uint8_t flags;
};

/* Whether the key (cookie, netns) of a record sorts before (cookie,
 * netns). */
#define KEY_BEFORE(r, c, ns) ((r)->cookie < (c) || ((r)->cookie == (c) && (r)->netns < (ns)))
#define KEY_SAME(r, c, ns) ((r)->cookie == (c) && (r)->netns == (ns))

struct statetrack {
	struct rec *prev;       /* the latest sample's sockets, by cookie */
	uint8_t *prev_sf;       /* per prev record: state and flags */
	size_t n_prev, prev_cap;
	struct rec *next;       /* filled by the update, then swapped */
	uint8_t *next_sf;
	size_t next_cap;
	uint32_t *prev_entry;   /* per prev record: its entry index */
	uint32_t *next_entry;   /* per next record, swapped with prev_entry */
	size_t prev_entry_cap, next_entry_cap;
	uint32_t *vanished;     /* entry indexes, in the sample before the
				 * latest, of the sockets gone from it */
	uint32_t *vanished_netns; /* and their namespaces, so that a reader
				   * needs not keep that sample for them */
	size_t n_vanished, vanished_cap;
	double vanished_from;   /* that sample's taken_mono, -1 when none */
	uint64_t *keys;         /* per entry: cookie (wide cookies only) */
	uint64_t *ns_keys;      /* per entry: netns, when they differ */
	size_t ns_keys_cap;
	uint8_t *states;        /* per entry: state */
	uint32_t *order;        /* entry indexes by cookie (wide cookies) */
	size_t wide_cap;        /* of keys and order: allocated only when
				 * the cookies are too far apart to pack */
	size_t work_cap;
	struct radix_scratch scratch;
	uint64_t *packed;       /* tracked entries by cookie: cookie - the
				 * smallest (high half), entry index (low) */
	uint64_t *packed_tmp;   /* the sort's other buffer; before it, the
				 * cookie of each tracked entry, as packed */
	size_t packed_cap;
	uint32_t *at_since;     /* per entry of the latest snapshot */
	uint8_t *at_flags;
	uint32_t *at_stall;     /* per queued entry: its stall record (an
				 * entry listed twice: the first listing's),
				 * or STALL_NO_RECORD */
	size_t n_at, at_cap;
	struct stall *stalls;   /* the latest sample's queued sockets, by
				 * cookie */
	size_t n_stalls, stalls_cap;
	struct stall *stalls_next;
	size_t stalls_next_cap;
	bool started;
	struct timespec epoch;  /* taken_mono of the first sample */
	double prev_now;
	uint32_t now_ms;        /* the latest sample, ms after the epoch */
	uint64_t last_seq;
	struct statetrack_summary sum;
};

struct statetrack *
statetrack_new(void)
{
	return calloc(1, sizeof(struct statetrack));
}

static void
free_arrays(struct statetrack *st)
{
	free(st->prev);
	free(st->next);
	free(st->prev_sf);
	free(st->next_sf);
	free(st->keys);
	free(st->ns_keys);
	free(st->states);
	free(st->order);
	free(st->packed);
	free(st->packed_tmp);
	free(st->at_since);
	free(st->at_flags);
	free(st->at_stall);
	free(st->stalls);
	free(st->stalls_next);
	free(st->prev_entry);
	free(st->next_entry);
	free(st->vanished);
	free(st->vanished_netns);
	radix_scratch_free(&st->scratch);
}

/* Gives back the pages of what only an update uses (page_release.h): the
 * record list it fills (after the swap, the sample before's), the sort's
 * keys and buffers, after a sample of more than PAGE_RELEASE_FROM_SOCKETS.
 * What answers between updates stays.  At a million sockets that is about
 * 40 MB that would otherwise stay resident beside
 * the connection table's update, which follows. */
static void
release_scratch(struct statetrack *st)
{
	if (st->n_at <= PAGE_RELEASE_FROM_SOCKETS)
		return;
	page_release(st->next, st->next_cap * sizeof(*st->next));
	page_release(st->next_sf, st->next_cap * sizeof(*st->next_sf));
	page_release(st->next_entry, st->next_entry_cap * sizeof(*st->next_entry));
	page_release(st->packed, st->packed_cap * sizeof(*st->packed));
	page_release(st->packed_tmp, st->packed_cap * sizeof(*st->packed_tmp));
	page_release(st->keys, st->wide_cap * sizeof(*st->keys));
	page_release(st->order, st->wide_cap * sizeof(*st->order));
	page_release(st->ns_keys, st->ns_keys_cap * sizeof(*st->ns_keys));
	radix_scratch_release(&st->scratch);
}

void
statetrack_free(struct statetrack *st)
{
	if (st == NULL)
		return;
	free_arrays(st);
	free(st);
}

/* Memory follows the socket count: grown when short, shrunk when four
 * times too large. */
static bool
needs_resize(size_t cap, size_t n)
{
	return cap < n || cap > 4 * n + 256;
}

static int
resize(void **p, size_t *cap, size_t n, size_t size)
{
	size_t want = size_class(n + n / 8 + 64);
	void *q;

	if (!needs_resize(*cap, n))
		return 0;
	q = realloc(*p, want * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = want;
	return 0;
}

static int
reserve(struct statetrack *st, size_t n)
{
	size_t work_cap = st->work_cap, at_cap = st->at_cap, next_cap = st->next_cap;

	/* The per-entry arrays share one capacity each; resize() leaves a
	 * capacity unchanged when the array is already right. */
	if (resize((void **)&st->states, &work_cap, n, sizeof(*st->states)) < 0)
		return -1;
	st->work_cap = work_cap;
	work_cap = st->packed_cap;
	if (resize((void **)&st->packed, &work_cap, n, sizeof(*st->packed)) < 0)
		return -1;
	work_cap = st->packed_cap;
	if (resize((void **)&st->packed_tmp, &work_cap, n, sizeof(*st->packed_tmp)) < 0)
		return -1;
	st->packed_cap = work_cap;
	if (resize((void **)&st->at_since, &at_cap, n, sizeof(*st->at_since)) < 0)
		return -1;
	at_cap = st->at_cap;
	if (resize((void **)&st->at_flags, &at_cap, n, sizeof(*st->at_flags)) < 0)
		return -1;
	at_cap = st->at_cap;
	if (resize((void **)&st->at_stall, &at_cap, n, sizeof(*st->at_stall)) < 0)
		return -1;
	st->at_cap = at_cap;
	if (resize((void **)&st->next, &next_cap, n, sizeof(*st->next)) < 0)
		return -1;
	next_cap = st->next_cap;
	if (resize((void **)&st->next_sf, &next_cap, n, sizeof(*st->next_sf)) < 0)
		return -1;
	st->next_cap = next_cap;
	if (resize((void **)&st->next_entry, &st->next_entry_cap, n, sizeof(*st->next_entry)) < 0)
		return -1;
	return 0;
}

/* Lists prev record p as vanished.  0, or -1 (ENOMEM). */
static int
vanish(struct statetrack *st, size_t p)
{
	if (st->n_vanished == st->vanished_cap) {
		size_t want = st->vanished_cap ? st->vanished_cap * 2 : 256;
		uint32_t *more = realloc(st->vanished, want * sizeof(*more));

		if (more == NULL)
			return -1;
		st->vanished = more;
		more = realloc(st->vanished_netns, want * sizeof(*more));
		if (more == NULL)
			return -1;
		st->vanished_netns = more;
		st->vanished_cap = want;
	}
	st->vanished_netns[st->n_vanished] = st->prev[p].netns;
	st->vanished[st->n_vanished++] = st->prev_entry[p];
	return 0;
}

/* Forgets everything: the next snapshot is a first one. */
static void
reset(struct statetrack *st)
{
	free_arrays(st);
	memset(st, 0, sizeof(*st));
}

static uint32_t
ms_since_epoch(const struct statetrack *st, const struct timespec *t)
{
	int64_t ms = ((int64_t)t->tv_sec - (int64_t)st->epoch.tv_sec) * 1000 +
		     ((int64_t)t->tv_nsec - (int64_t)st->epoch.tv_nsec) / 1000000;

	if (ms < 0)
		return 0;
	/* About 49 days: later times stay there (ages then read low). */
	if (ms >= (int64_t)SINCE_UNKNOWN)
		return SINCE_UNKNOWN - 1;
	return (uint32_t)ms;
}

static int update(struct statetrack *st, const struct snapshot *snap,
		  bool (*selected)(const void *arg, const struct sock_entry *e), const void *arg);

/* A connection (not a listener, whose queues are its accept queue and
 * backlog) with data queued either way. */
static bool
queued(const struct sock_entry *e)
{
	return (e->recv_q | e->send_q) != 0 && e->state != TCP_STATE_LISTEN;
}

/* now - ago_ms, not before `floor`, within the int32 range. */
static int32_t
stall_start(int32_t now, uint32_t ago_ms, int32_t floor)
{
	int64_t t = (int64_t)now - ago_ms;

	if (t < floor)
		t = floor;
	return t <= STALL_NONE ? STALL_NONE + 1 : (int32_t)t;
}

/* The peer's window holds e's sends now: the zero-window probe timer
 * runs, the window is 0, or the socket spent more than half the time
 * since the previous sample limited by the window. */
static bool
window_blocked(const struct sock_entry *e, const struct stall *old, uint32_t interval_ms)
{
	if (e->timer == SOCK_TIMER_ZERO_WINDOW_PROBE)
		return true;
	if ((e->flags & SOCK_ENTRY_HAS_SND_WND) && e->snd_wnd == 0)
		return true;
	return old != NULL && interval_ms > 0 &&
	       2 * (uint64_t)(uint32_t)(e->rwnd_limited_ms - old->rwnd_ms) > interval_ms;
}

/*
 * The stall record of queued entry e, from its record of the previous
 * sample (old, NULL when it had none).  known: e was in the previous
 * sample (taken at prev), so nothing of now began before that; first:
 * this is the first sample.  A stall that begins is dated back by what
 * tcp_info tells: unread data is at least as old as the last data
 * received, a window closed about when the last data went out.
 */
static void
stall_fill(const struct sock_entry *e, const struct stall *old, bool known, bool first,
	   int32_t now, int32_t prev, struct stall *s)
{
	bool info = (e->flags & SOCK_ENTRY_HAS_INFO) != 0;
	int32_t floor = known ? prev : STALL_NONE;

	s->cookie = e->cookie;
	s->netns = e->netns;
	s->read_pos = (uint32_t)(e->bytes_received - e->recv_q);
	s->rwnd_ms = e->rwnd_limited_ms;
	s->flags = 0;
	s->unread_since = STALL_NONE;
	s->blocked_since = STALL_NONE;
	if (e->recv_q > 0) {
		if (old != NULL && old->unread_since != STALL_NONE && old->read_pos == s->read_pos) {
			s->unread_since = old->unread_since;
			s->flags |= old->flags & STALL_UNREAD_LOWER;
		} else {
			s->unread_since = stall_start(now, info ? e->last_data_recv_ms : 0, floor);
			s->flags |= first ? STALL_UNREAD_LOWER : 0;
		}
	}
	if (e->send_q > 0 && window_blocked(e, old, (uint32_t)(now - prev))) {
		if (old != NULL && old->blocked_since != STALL_NONE) {
			s->blocked_since = old->blocked_since;
			s->flags |= old->flags & STALL_BLOCKED_LOWER;
		} else {
			s->blocked_since = stall_start(now, info ? e->last_data_sent_ms : 0, floor);
			s->flags |= first ? STALL_BLOCKED_LOWER : 0;
		}
	}
}

/* Digits of the packed sort: at most this many bits, so a pass's
 * counts (8 KiB) stay in the first-level cache. */
#define PACKED_DIGIT_BITS 11
#define PACKED_PASSES 3 /* 3 x 11 bits cover any 32-bit span */

/*
 * Sorts the tracked entries by cookie when their cookies span less than
 * 2^32: v[0..m) holds entry indexes, ascending, and tmp[0..m) their
 * cookies; each v[j] becomes (tmp[j] - base) << 32 | v[j], and the
 * values are sorted by an LSD radix sort over only the bits `span`
 * (largest key - base) needs, so cookies handed out close together (the
 * usual case: a few hundred thousand apart) take two passes over 8-byte values where the generic sort takes
 * three over 16-byte pairs and counts all eight bytes.  Equal cookies
 * stay in entry order.  tmp has room for m values.  Returns the array
 * holding the result (v or tmp).
 */
static uint64_t *
sort_packed(uint64_t *v, uint64_t *tmp, size_t m, uint64_t base, uint64_t span)
{
	uint32_t count[PACKED_PASSES][1u << PACKED_DIGIT_BITS];
	unsigned int bits = 0, passes, width;
	uint64_t *from = v, *to = tmp, *swap;
	uint32_t mask;

	while (bits < 32 && (span >> bits) != 0)
		bits++;
	if (bits == 0) {
		/* One cookie, maybe listed more than once: in entry order. */
		for (size_t j = 0; j < m; j++)
			v[j] |= (tmp[j] - base) << 32;
		return v;
	}
	passes = (bits + PACKED_DIGIT_BITS - 1) / PACKED_DIGIT_BITS;
	width = (bits + passes - 1) / passes;
	mask = (1u << width) - 1;
	memset(count, 0, sizeof(count));
	/* Packed and counted in one read.  All three digits, unrolled:
	 * those beyond `passes` are zero and never read. */
	for (size_t j = 0; j < m; j++) {
		uint32_t k = (uint32_t)(tmp[j] - base);

		v[j] |= (uint64_t)k << 32;
		count[0][k & mask]++;
		count[1][(k >> width) & mask]++;
		count[2][(k >> (2 * width)) & mask]++;
	}
	for (unsigned int d = 0; d < passes; d++) {
		uint32_t sum = 0;

		for (uint32_t b = 0; b <= mask; b++) {
			uint32_t c = count[d][b];

			count[d][b] = sum;
			sum += c;
		}
		for (size_t j = 0; j < m; j++)
			to[count[d][(uint32_t)(from[j] >> (32 + d * width)) & mask]++] = from[j];
		swap = from;
		from = to;
		to = swap;
	}
	return from;
}

/* Room for n keys and order entries, for the generic sort (wide
 * cookies).  The common sort needs neither: 12 bytes a socket saved. */
static int
reserve_wide(struct statetrack *st, size_t n)
{
	size_t cap = st->wide_cap;

	if (resize((void **)&st->keys, &cap, n, sizeof(*st->keys)) < 0)
		return -1;
	cap = st->wide_cap;
	if (resize((void **)&st->order, &cap, n, sizeof(*st->order)) < 0)
		return -1;
	st->wide_cap = cap;
	return 0;
}

/* Room for n stall records in stalls_next. */
static int
stalls_reserve(struct statetrack *st, size_t n)
{
	return resize((void **)&st->stalls_next, &st->stalls_next_cap, n, sizeof(*st->stalls_next));
}

/*
 * Entries of several namespaces sorted by cookie alone (sort_packed):
 * the kernel hands cookies out from one counter for the whole host, so
 * equal cookies in two namespaces are rare (recordings of other hosts),
 * and each run of them is put in namespace order where it stands, by an
 * insertion sort that keeps duplicates of one socket in entry order.
 * Also fills ns_keys, which the merge reads.  0, or -1 (ENOMEM).
 */
static int
order_equal_cookies(struct statetrack *st, const struct snapshot *snap, uint64_t *v, size_t m)
{
	size_t n = snap->n_entries;

	if (resize((void **)&st->ns_keys, &st->ns_keys_cap, n, sizeof(*st->ns_keys)) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		st->ns_keys[i] = snap->entries[i].netns;
	for (size_t j = 1; j < m; j++) {
		uint64_t x = v[j];
		uint64_t ns = st->ns_keys[(uint32_t)x];
		size_t k = j;

		/* Same cookie (high half) as the one before, a lower namespace. */
		while (k > 0 && (v[k - 1] >> 32) == (x >> 32) &&
		       st->ns_keys[(uint32_t)v[k - 1]] > ns) {
			v[k] = v[k - 1];
			k--;
		}
		v[k] = x;
	}
	return 0;
}

/* Entries of several namespaces: the order by namespace, which the
 * stable sort by cookie then keeps among equal cookies.  0, or -1. */
static int
sort_by_netns(struct statetrack *st, const struct snapshot *snap)
{
	size_t n = snap->n_entries;

	if (resize((void **)&st->ns_keys, &st->ns_keys_cap, n, sizeof(*st->ns_keys)) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		st->ns_keys[i] = snap->entries[i].netns;
	return radix_sort_order(st->order, st->ns_keys, n, &st->scratch);
}

int
statetrack_update(struct statetrack *st, const struct snapshot *snap)
{
	int rc = update(st, snap, NULL, NULL);

	release_scratch(st);
	return rc;
}

int
statetrack_update_selected(struct statetrack *st, const struct snapshot *snap,
			   bool (*selected)(const void *arg, const struct sock_entry *e),
			   const void *arg)
{
	int rc = update(st, snap, selected, arg);

	release_scratch(st);
	return rc;
}

static int
update(struct statetrack *st, const struct snapshot *snap,
       bool (*selected)(const void *arg, const struct sock_entry *e), const void *arg)
{
	uint32_t prev_counts[TCP_STATE_COUNT], found_again[TCP_STATE_COUNT] = {0};
	struct statetrack_summary *sum = &st->sum;
	size_t n = snap->n_entries, p = 0, w = 0, q = 0, ws = 0, n_queued = 0, m = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	uint64_t *packed = NULL;
	const struct rec *prev;
	const uint8_t *prev_sf;
	size_t n_prev;
	uint64_t last = 0; /* the key of next[w - 1]; cookie 0: none yet */
	uint32_t last_ns = 0;
	int32_t now_stall, prev_stall;
	double now = timespec_seconds(&snap->taken_mono), dt;
	bool first = !st->started;
	uint32_t now_ms, *tmp_entry;
	uint32_t netns = n > 0 ? snap->entries[0].netns : 0;
	bool mixed = false;
	struct rec *tmp;
	uint8_t *tmp_sf;
	size_t tmp_cap;

	if (snap->seq != 0 && snap->seq == st->last_seq && st->started)
		return 0;
	if (n > UINT32_MAX - 1 || reserve(st, n) < 0) {
		reset(st);
		errno = ENOMEM;
		return -1;
	}
	if (first)
		st->epoch = snap->taken_mono;
	now_ms = ms_since_epoch(st, &snap->taken_mono);
	/* Stalls count on a signed clock: about 24 days, then it stays. */
	now_stall = now_ms > INT32_MAX ? INT32_MAX : (int32_t)now_ms;
	prev_stall = first ? now_stall : st->now_ms > INT32_MAX ? INT32_MAX : (int32_t)st->now_ms;

	for (size_t i = 0; i < n; i++) {
		const struct sock_entry *e = &snap->entries[i];

		/* A socket left out is untracked, as one without a cookie. */
		uint64_t key = selected == NULL || selected(arg, e) ? e->cookie : 0;

		st->states[i] = e->state < TCP_STATE_COUNT ? e->state : TCP_STATE_CLOSE;
		mixed |= e->netns != netns;
		if (key == 0) {
			st->at_since[i] = SINCE_UNKNOWN;
			st->at_flags[i] = 0;
			continue;
		}
		st->packed_tmp[m] = key;
		st->packed[m++] = i;
		lo = key < lo ? key : lo;
		hi = key > hi ? key : hi;
		if (queued(e)) {
			st->states[i] |= STATE_QUEUED;
			n_queued++;
		}
	}
	if (stalls_reserve(st, n_queued) < 0) {
		reset(st);
		errno = ENOMEM;
		return -1;
	}
	if (m == 0 || hi - lo <= UINT32_MAX) {
		packed = sort_packed(st->packed, st->packed_tmp, m, lo, m > 0 ? hi - lo : 0);
		if (mixed && order_equal_cookies(st, snap, packed, m) < 0) {
			reset(st);
			errno = ENOMEM;
			return -1;
		}
	} else {
		/* Cookies too far apart to pack (a socket from long ago among
		 * new ones), or of several namespaces: the generic sort,
		 * untracked entries first. */
		if (reserve_wide(st, n) < 0) {
			reset(st);
			errno = ENOMEM;
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			st->order[i] = (uint32_t)i;
			st->keys[i] = 0;
		}
		for (size_t j = 0; j < m; j++)
			st->keys[st->packed[j]] = st->packed_tmp[j];
		if ((mixed && sort_by_netns(st, snap) < 0) ||
		    radix_sort_order(st->order, st->keys, n, &st->scratch) < 0) {
			reset(st);
			errno = ENOMEM;
			return -1;
		}
		m = n;
	}

	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		prev_counts[s] = sum->states[s].count;
		sum->states[s].count = 0;
		sum->states[s].entered = 0;
		sum->states[s].left = 0;
	}
	sum->opened = 0;
	st->n_vanished = 0;
	st->vanished_from = first ? -1 : st->prev_now;

	/* Kept in registers: the byte stores in the merge may alias *st. */
	prev = st->prev;
	prev_sf = st->prev_sf;
	n_prev = st->n_prev;

	for (size_t j = 0; j < m; j++) {
		uint32_t i = packed != NULL ? (uint32_t)packed[j] : st->order[j];
		uint64_t cookie = packed != NULL ? lo + (packed[j] >> 32) : st->keys[i];
		uint8_t state = st->states[i] & STATE_MASK;
		uint32_t ns = mixed ? (uint32_t)st->ns_keys[i] : netns;
		bool known = false;
		uint8_t flags;
		struct rec *r;

		if (cookie == 0)
			continue; /* untracked: done above */
		if (cookie == last && ns == last_ns) {
			/* Listed twice in one dump: counted once, as first
			 * listed (the sort is stable). */
			st->at_since[i] = st->next[w - 1].since_ms;
			st->at_flags[i] = st->next_sf[w - 1] & SF_LOWER ? FLAG_LOWER_BOUND : 0;
			st->at_stall[i] = st->states[st->next_entry[w - 1]] & STATE_QUEUED
						  ? st->at_stall[st->next_entry[w - 1]]
						  : STALL_NO_RECORD;
			continue;
		}
		for (; p < n_prev && KEY_BEFORE(&prev[p], cookie, ns); p++)
			if (vanish(st, p) < 0) /* closed since the previous sample */
				goto nomem;
		st->next_entry[w] = i;
		r = &st->next[w];
		r->cookie = cookie;
		r->netns = ns;
		last = cookie;
		last_ns = ns;
		if (p < n_prev && KEY_SAME(&prev[p], cookie, ns)) {
			const struct rec *old = &prev[p];
			uint8_t old_state = prev_sf[p] & SF_STATE;

			known = true;
			found_again[old_state]++;
			if (old_state != state) {
				sum->states[old_state].left++;
				sum->states[state].entered++;
				r->since_ms = now_ms;
				flags = 0;
			} else {
				r->since_ms = old->since_ms;
				flags = prev_sf[p] & SF_LOWER ? FLAG_LOWER_BOUND : 0;
			}
			p++;
		} else {
			r->since_ms = now_ms;
			flags = first ? FLAG_LOWER_BOUND : 0;
			if (!first) {
				sum->opened++;
				sum->states[state].entered++;
			}
		}
		st->next_sf[w++] = (uint8_t)(state | (flags ? SF_LOWER : 0));
		sum->states[state].count++;
		st->at_since[i] = r->since_ms;
		st->at_flags[i] = flags;
		if (st->states[i] & STATE_QUEUED) {
			const struct stall *old;

			while (q < st->n_stalls && KEY_BEFORE(&st->stalls[q], cookie, ns))
				q++;
			old = q < st->n_stalls && KEY_SAME(&st->stalls[q], cookie, ns)
				      ? &st->stalls[q]
				      : NULL;
			st->at_stall[i] = (uint32_t)ws;
			stall_fill(&snap->entries[i], old, known, first, now_stall, prev_stall,
				   &st->stalls_next[ws++]);
		}
	}
	for (; p < st->n_prev; p++)
		if (vanish(st, p) < 0)
			goto nomem;
	st->n_at = n;

	sum->closed = 0;
	if (!first) {
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			uint32_t vanished = prev_counts[s] - found_again[s];

			sum->states[s].left += vanished;
			sum->closed += vanished;
		}
	}
	dt = first ? 0 : now - st->prev_now;
	sum->has_rates = !first && dt > 0;
	sum->interval_s = dt > 0 ? dt : 0;
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		sum->states[s].entered_per_s = sum->has_rates ? sum->states[s].entered / dt : 0;
		sum->states[s].left_per_s = sum->has_rates ? sum->states[s].left / dt : 0;
	}
	sum->opened_per_s = sum->has_rates ? sum->opened / dt : 0;
	sum->closed_per_s = sum->has_rates ? sum->closed / dt : 0;
	sum->now = now;
	sum->samples++;

	tmp = st->prev;
	tmp_sf = st->prev_sf;
	tmp_cap = st->prev_cap;
	st->prev = st->next;
	st->prev_sf = st->next_sf;
	st->prev_cap = st->next_cap;
	st->next_sf = tmp_sf;
	st->n_prev = w;
	st->next = tmp;
	st->next_cap = tmp_cap;
	{
		struct stall *stmp = st->stalls;
		size_t scap = st->stalls_cap;

		st->stalls = st->stalls_next;
		st->stalls_cap = st->stalls_next_cap;
		st->n_stalls = ws;
		st->stalls_next = stmp;
		st->stalls_next_cap = scap;
	}
	tmp_entry = st->prev_entry;
	tmp_cap = st->prev_entry_cap;
	st->prev_entry = st->next_entry;
	st->prev_entry_cap = st->next_entry_cap;
	st->next_entry = tmp_entry;
	st->next_entry_cap = tmp_cap;
	st->prev_now = now;
	st->now_ms = now_ms;
	st->last_seq = snap->seq;
	st->started = true;
	return 0;
nomem:
	reset(st);
	errno = ENOMEM;
	return -1;
}

const struct statetrack_summary *
statetrack_summary(const struct statetrack *st)
{
	return &st->sum;
}

static double
since_seconds(const struct statetrack *st, uint32_t since_ms)
{
	return timespec_seconds(&st->epoch) + since_ms / 1000.0;
}

size_t
statetrack_vanished(const struct statetrack *st, const uint32_t **entries, double *taken)
{
	*entries = st->vanished;
	*taken = st->started ? st->vanished_from : -1;
	return st->started ? st->n_vanished : 0;
}

const uint32_t *
statetrack_vanished_netns(const struct statetrack *st)
{
	return st->vanished_netns;
}

double
statetrack_since_at(const struct statetrack *st, size_t i, bool *lower_bound)
{
	if (lower_bound != NULL)
		*lower_bound = false;
	if (i >= st->n_at || st->at_since[i] == SINCE_UNKNOWN)
		return -1;
	if (lower_bound != NULL)
		*lower_bound = st->at_flags[i] != 0;
	return since_seconds(st, st->at_since[i]);
}

double
statetrack_since(const struct statetrack *st, uint32_t netns, uint64_t cookie, bool *lower_bound)
{
	size_t lo = 0, hi = st->n_prev;

	if (lower_bound != NULL)
		*lower_bound = false;
	if (cookie == 0)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (KEY_BEFORE(&st->prev[mid], cookie, netns))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == st->n_prev || !KEY_SAME(&st->prev[lo], cookie, netns))
		return -1;
	if (lower_bound != NULL)
		*lower_bound = (st->prev_sf[lo] & SF_LOWER) != 0;
	return since_seconds(st, st->prev[lo].since_ms);
}

double
statetrack_age_at(const struct statetrack *st, size_t i, bool *lower_bound)
{
	/* On the millisecond clock the entries are kept on, so a socket
	 * that entered its state at the latest sample is exactly 0 old. */
	if (statetrack_since_at(st, i, lower_bound) < 0)
		return -1;
	if (st->at_since[i] >= st->now_ms)
		return 0; /* the clock stepped back */
	return (st->now_ms - st->at_since[i]) / 1000.0;
}

int
statetrack_flow_text(const struct statetrack *st, enum tcp_state state, char *out,
		     size_t out_len)
{
	const struct statetrack_flow *f;
	char count[32];

	if ((unsigned int)state >= TCP_STATE_COUNT)
		return snprintf(out, out_len, "?");
	f = &st->sum.states[state];
	format_count(f->count, count, sizeof(count));
	if (!st->sum.has_rates)
		return snprintf(out, out_len, "%s %s", tcp_state_name(state), count);
	return snprintf(out, out_len, "%s %s +%.0f/s -%.0f/s", tcp_state_name(state), count,
			f->entered_per_s, f->left_per_s);
}

/* Fills *out from stall record s (NULL: none). */
static bool
stall_out(const struct statetrack *st, const struct stall *s, struct statetrack_stall *out)
{
	int64_t now = st->now_ms > INT32_MAX ? INT32_MAX : (int64_t)st->now_ms;

	out->unread_s = -1;
	out->blocked_s = -1;
	out->unread_lower = false;
	out->blocked_lower = false;
	if (s == NULL)
		return false;
	if (s->unread_since != STALL_NONE) {
		out->unread_s = now > s->unread_since ? (double)(now - s->unread_since) / 1000 : 0;
		out->unread_lower = (s->flags & STALL_UNREAD_LOWER) != 0;
	}
	if (s->blocked_since != STALL_NONE) {
		out->blocked_s = now > s->blocked_since ? (double)(now - s->blocked_since) / 1000 : 0;
		out->blocked_lower = (s->flags & STALL_BLOCKED_LOWER) != 0;
	}
	return s->unread_since != STALL_NONE || s->blocked_since != STALL_NONE;
}

bool
statetrack_stall(const struct statetrack *st, uint32_t netns, uint64_t cookie,
		 struct statetrack_stall *out)
{
	size_t lo = 0, hi = st->n_stalls;

	if (cookie == 0)
		return stall_out(st, NULL, out);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (KEY_BEFORE(&st->stalls[mid], cookie, netns))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == st->n_stalls || !KEY_SAME(&st->stalls[lo], cookie, netns))
		return stall_out(st, NULL, out);
	return stall_out(st, &st->stalls[lo], out);
}

bool
statetrack_stall_at(const struct statetrack *st, size_t i, struct statetrack_stall *out)
{
	if (i >= st->n_at || !(st->states[i] & STATE_QUEUED) || st->at_stall[i] == STALL_NO_RECORD)
		return stall_out(st, NULL, out);
	return stall_out(st, &st->stalls[st->at_stall[i]], out);
}
