/*
 * closed.c - closed connections told what the samples knew of them.
 *
 * What the samples saw is kept in an open-addressing table keyed by
 * (netns, cookie), updated in place each feed with the current sample;
 * the sockets seen in the last few samples stay: a close is often heard a sample
 * after the one that last saw its socket, or the dump that missed it
 * raced the close.  A slot names its socket's last known holder by an id
 * into a small table of holders (pid, comm) that the slots share: a
 * process holds many sockets, and the table has two slots per socket.
 * Owner of the latest feed.  Never prints or exits.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "closed.h"
#include "hash.h"
#include "size_class.h"

/* Samples a socket is remembered after the last one that saw it. */
#define KEEP_SAMPLES 3

/* How many sockets ahead table_update() fetches the slot of. */
#define PREFETCH_AHEAD 8

/* A reclaim waits for at least this many new holders: a walk of the
 * table to free a few KiB of holders is not worth it. */
#define HOLDERS_MIN 256

/* On a large table a reclaim waits for a new holder per this many slots:
 * the walk of every slot is then paid for by the holders it may free, and
 * the holders (28 bytes each, and 8 of index) stay a small part of the
 * table's memory. */
#define SLOTS_PER_HOLDER 64

/* Holder ids fit in HOLDER_BITS bits of a slot: 16 million, four times
 * the most pids Linux hands out. */
#define HOLDER_BITS 24

struct seen_sock {
	uint64_t cookie;
	uint64_t first_ns;  /* taken_wall of the first sample that saw it */
	uint32_t netns;
	uint32_t holder : HOLDER_BITS; /* last known holder:
					* m->holders[holder]; 0: none */
	uint32_t state : 4; /* enum tcp_state */
	uint32_t gen : 2;   /* the feed that last saw it, modulo 4: a slot is
			     * forgotten KEEP_SAMPLES feeds after, so no
			     * older one is ever compared */
	uint32_t used : 1;
};

/* The table is sized at 1.33 to 1.67 slots per open socket: at a million
 * sockets each byte of a slot is 1.3 to 1.7 MB, and 24 bytes make 31 to
 * 40 MB.
 * That is why a slot names its holder by an id of 24 bits (its pid and
 * comm would make 48 bytes), and packs the state and the feed beside it. */
_Static_assert(sizeof(struct seen_sock) == 24, "a seen socket's slot is 24 bytes");
_Static_assert(TCP_STATE_COUNT <= 16, "a state fits in 4 bits");
_Static_assert(KEEP_SAMPLES <= 3, "the feed of a slot is kept modulo 4");

/* A process that held a remembered socket, named by its id (its index in
 * m->holders; id 0 is none). */
struct holder {
	int32_t pid;
	char comm[16];
	uint32_t next_free; /* on the free list: the next free id, 0 ends it */
	bool taken;         /* not on the free list; while reclaiming: named
			     * by a slot */
};

struct listener_owner {
	uint32_t netns;
	uint16_t port;
	int32_t pid;
	char comm[16];
};

struct closed_model {
	struct closed_conn *ring;
	size_t cap, head, count;      /* head: where the next goes */
	struct closed_conn *fresh;
	size_t n_fresh, fresh_cap;
	struct seen_sock *table;
	size_t table_cap;             /* a size class (size_class.h), or 0 */
	size_t table_count;           /* used slots */
	uint32_t gen;
	/* Holders: ids 1..n_holders handed out, some free again.  The
	 * index finds a taken id by (pid, comm): open addressing, twice
	 * the holders' capacity, so at most half full. */
	struct holder *holders;
	size_t holders_cap;           /* entries, id 0 included; or 0 */
	uint32_t n_holders;
	uint32_t free_holder;         /* head of the free list, 0: empty */
	size_t holders_taken;         /* ids not on the free list */
	size_t holders_kept;          /* taken after the last reclaim */
	uint32_t *holder_index;       /* ids, 0: empty */
	size_t holder_index_cap;
	/* This feed's holder id of each process of its owner table, by
	 * owner-table index; 0: not looked up yet. */
	uint32_t *proc_holder;
	size_t proc_holder_cap;
	struct listener_owner *listeners;
	size_t n_listeners, listeners_cap;
	struct closed_interval interval;
	struct closed_totals totals;
	bool has_prev;
	struct timespec prev_mono;
	struct kcounters prev_kc;
};

struct closed_model *
closed_model_new(size_t capacity)
{
	struct closed_model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cap = capacity != 0 ? capacity : CLOSED_DEFAULT_CAPACITY;
	m->ring = calloc(m->cap, sizeof(*m->ring));
	if (m->ring == NULL) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void
closed_model_free(struct closed_model *m)
{
	if (m == NULL)
		return;
	free(m->ring);
	free(m->fresh);
	free(m->table);
	free(m->holders);
	free(m->holder_index);
	free(m->proc_holder);
	free(m->listeners);
	free(m);
}

void
closed_model_restart(struct closed_model *m)
{
	free(m->table);
	m->table = NULL;
	m->table_cap = 0;
	m->table_count = 0;
	/* No slot names a holder any more. */
	free(m->holders);
	m->holders = NULL;
	m->holders_cap = 0;
	m->n_holders = 0;
	m->free_holder = 0;
	m->holders_taken = 0;
	m->holders_kept = 0;
	free(m->holder_index);
	m->holder_index = NULL;
	m->holder_index_cap = 0;
	m->has_prev = false;
}

/* The table's smallest size, in slots. */
#define TABLE_MIN 1024

/* The slot where (netns, cookie) would start its probe. */
static size_t
table_home(size_t cap, uint32_t netns, uint64_t cookie)
{
	return hash_slot(hash_sock(netns, cookie), cap);
}

/* The slot after i, cyclically. */
static size_t
table_next(size_t cap, size_t i)
{
	return i + 1 == cap ? 0 : i + 1;
}

/* Whether cap slots hold n sockets at most three quarters full: linear
 * probes stay short (2.5 slots a lookup at the limit) while the table is
 * 1.33 to 1.8 times the sockets, not 2 to 4 as with doublings. */
static bool
table_fits(size_t cap, size_t n)
{
	return n <= cap / 4 * 3;
}

/* The size of a table for n sockets: a size class (4 to 7 times a power of
 * two), so that a table freed when the count moves fits the next. */
static size_t
table_cap_for(size_t n)
{
	size_t cap = size_class_table(n);

	return cap < TABLE_MIN ? TABLE_MIN : cap;
}

static struct seen_sock *
table_slot(struct seen_sock *table, size_t cap, uint32_t netns, uint64_t cookie)
{
	size_t i = table_home(cap, netns, cookie);

	/* The table is at most three quarters full: a free slot is always
	 * found. */
	while (table[i].used && (table[i].cookie != cookie || table[i].netns != netns))
		i = table_next(cap, i);
	return &table[i];
}

static const struct seen_sock *
table_find(const struct closed_model *m, uint32_t netns, uint64_t cookie)
{
	const struct seen_sock *s;

	if (m->table_cap == 0)
		return NULL;
	s = table_slot(m->table, m->table_cap, netns, cookie);
	return s->used ? s : NULL;
}

/* The holder of e in snap: pid and comm, or false. */
static bool
owner_of(const struct snapshot *snap, const struct sock_entry *e, int32_t *pid, char comm[16])
{
	const struct owner_proc *proc;

	if (e->owner_status != OWNER_FOUND || snap->owners == NULL)
		return false;
	proc = owner_table_proc(snap->owners, e->owner);
	if (proc == NULL)
		return false;
	*pid = proc->pid;
	memcpy(comm, proc->comm, 16);
	comm[15] = '\0';
	return true;
}

/* The entry of the holder index where h is, or where it would go. */
static uint32_t *
holder_slot(const struct closed_model *m, const struct holder *h)
{
	uint64_t key[3] = {(uint32_t)h->pid, 0, 0};
	size_t mask = m->holder_index_cap - 1, i;
	uint32_t id;

	memcpy(&key[1], h->comm, sizeof(h->comm));
	i = (size_t)hash_words(key, 3, 0) & mask;
	while ((id = m->holder_index[i]) != 0 &&
	       (m->holders[id].pid != h->pid ||
		memcmp(m->holders[id].comm, h->comm, sizeof(h->comm)) != 0))
		i = (i + 1) & mask;
	return &m->holder_index[i];
}

/* Doubles the room for holders; the index is made anew for it.  Called
 * only when the free list is empty.  0, or -1 with nothing changed. */
static int
holders_grow(struct closed_model *m)
{
	size_t cap = m->holders_cap != 0 ? 2 * m->holders_cap : 64;
	struct holder *grown;
	uint32_t *index;

	/* Ids are HOLDER_BITS bits, and the index has twice as many
	 * entries. */
	if (cap > (size_t)1 << HOLDER_BITS)
		return -1;
	index = calloc(2 * cap, sizeof(*index));
	if (index == NULL)
		return -1;
	grown = realloc(m->holders, cap * sizeof(*grown));
	if (grown == NULL) {
		free(index);
		return -1;
	}
	m->holders = grown;
	m->holders_cap = cap;
	free(m->holder_index);
	m->holder_index = index;
	m->holder_index_cap = 2 * cap;
	for (uint32_t id = 1; id <= m->n_holders; id++)
		if (m->holders[id].taken)
			*holder_slot(m, &m->holders[id]) = id;
	return 0;
}

/* The id of the holder (pid, comm of proc), made when there is none yet:
 * one process is one id however many sockets it holds.  0 when out of
 * memory. */
static uint32_t
holder_intern(struct closed_model *m, const struct owner_proc *proc)
{
	struct holder key = {.pid = proc->pid, .taken = true};
	uint32_t *slot, id;

	memcpy(key.comm, proc->comm, sizeof(key.comm));
	key.comm[15] = '\0';
	if (m->holder_index_cap != 0) {
		slot = holder_slot(m, &key);
		if (*slot != 0)
			return *slot;
	}
	if (m->free_holder != 0) {
		id = m->free_holder;
		m->free_holder = m->holders[id].next_free;
	} else {
		if (m->n_holders + 1u >= m->holders_cap && holders_grow(m) < 0)
			return 0;
		id = ++m->n_holders;
	}
	m->holders[id] = key;
	*holder_slot(m, &key) = id;
	m->holders_taken++;
	return id;
}

/*
 * Puts the holders that no remembered socket names any more back on the
 * free list, when the holders taken have doubled since the last time:
 * processes come and go, and their sockets' slots go with them, but the
 * holders would stay.  The walk of every slot happens only after at least
 * max(HOLDERS_MIN, slots / SLOTS_PER_HOLDER) new holders, so the holders
 * stay under twice that (or twice those named), plus one sample's
 * processes.  Called between feeds: no proc_holder entry names an id.
 */
static void
holders_reclaim(struct closed_model *m)
{
	size_t least = m->holders_kept;

	if (least < HOLDERS_MIN)
		least = HOLDERS_MIN;
	if (least < m->table_cap / SLOTS_PER_HOLDER)
		least = m->table_cap / SLOTS_PER_HOLDER;
	if (m->holders_taken < 2 * least)
		return;
	for (uint32_t id = 1; id <= m->n_holders; id++)
		m->holders[id].taken = false;
	for (size_t i = 0; i < m->table_cap; i++)
		if (m->table[i].used && m->table[i].holder != 0)
			m->holders[m->table[i].holder].taken = true;
	/* The index is made anew with the named ones only: open addressing
	 * without tombstones cannot simply drop an entry. */
	memset(m->holder_index, 0, m->holder_index_cap * sizeof(*m->holder_index));
	m->free_holder = 0;
	m->holders_taken = 0;
	for (uint32_t id = m->n_holders; id > 0; id--) {
		struct holder *h = &m->holders[id];

		if (h->taken) {
			*holder_slot(m, h) = id;
			m->holders_taken++;
		} else {
			h->next_free = m->free_holder;
			m->free_holder = id;
		}
	}
	m->holders_kept = m->holders_taken;
}

/* The holder of e in snap as an id (*id, 0: none known).  Each process
 * of the owner table is interned once a feed, not once a socket: a
 * process holds many sockets.  0, or -1 when out of memory. */
static int
holder_of(struct closed_model *m, const struct snapshot *snap, size_t n_procs,
	  const struct sock_entry *e, uint32_t *id)
{
	*id = 0;
	if (e->owner_status != OWNER_FOUND || e->owner >= n_procs)
		return 0;
	if (m->proc_holder[e->owner] == 0) {
		uint32_t made = holder_intern(m, owner_table_proc(snap->owners, e->owner));

		if (made == 0)
			return -1;
		m->proc_holder[e->owner] = made;
	}
	*id = m->proc_holder[e->owner];
	return 0;
}

/*
 * The sockets a sample's closes name, for the last sample of a run: only
 * they need a slot then, as no later sample will look a socket up.  An
 * open-addressing set of indexes into snap->closed, plus one (0: empty).
 */
struct close_set {
	uint32_t *slots;
	size_t mask;
};

/* 0, or -1 (ENOMEM). */
static int
close_set_build(struct close_set *set, const struct snapshot *snap)
{
	size_t cap = 16;

	while (cap < 2 * snap->n_closed + 2)
		cap *= 2;
	set->slots = calloc(cap, sizeof(*set->slots));
	if (set->slots == NULL)
		return -1;
	set->mask = cap - 1;
	for (size_t i = 0; i < snap->n_closed && i < UINT32_MAX - 1; i++) {
		const struct sock_entry *e = &snap->closed[i].entry;
		size_t k = (size_t)hash_sock(e->netns, e->cookie) & set->mask;

		while (set->slots[k] != 0)
			k = (k + 1) & set->mask;
		set->slots[k] = (uint32_t)(i + 1);
	}
	return 0;
}

static bool
close_set_has(const struct close_set *set, const struct snapshot *snap, uint32_t netns,
	      uint64_t cookie)
{
	for (size_t k = (size_t)hash_sock(netns, cookie) & set->mask; set->slots[k] != 0;
	     k = (k + 1) & set->mask) {
		const struct sock_entry *e = &snap->closed[set->slots[k] - 1].entry;

		if (e->cookie == cookie && e->netns == netns)
			return true;
	}
	return false;
}

/* Moves every used slot of m's table into a table of cap slots (at most
 * three quarters of them used). */
static int
table_resize(struct closed_model *m, size_t cap)
{
	struct seen_sock *next = calloc(cap, sizeof(*next));

	if (next == NULL)
		return -1;
	for (size_t i = 0; i < m->table_cap; i++)
		if (m->table[i].used)
			*table_slot(next, cap, m->table[i].netns, m->table[i].cookie) = m->table[i];
	free(m->table);
	m->table = next;
	m->table_cap = cap;
	return 0;
}

/* Empties slot i, moving later members of its probe run back so that every
 * lookup still finds its key without tombstones.  Only slots cyclically
 * after i (up to the next empty one) change. */
static void
table_delete(struct seen_sock *table, size_t cap, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t k;

		j = table_next(cap, j);
		if (!table[j].used)
			break;
		k = table_home(cap, table[j].netns, table[j].cookie);
		/* j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		table[i] = table[j];
		i = j;
	}
	table[i].used = false;
	table[i].cookie = 0;
}

/* Forgets the sockets no sample saw in the last KEEP_SAMPLES feeds.  The walk
 * starts after an empty slot, which no deletion fills, so no probe run
 * wraps past its start and every slot is examined once after all moves. */
static void
table_expire(struct closed_model *m)
{
	size_t cap = m->table_cap, start = 0, i, left;

	while (start < cap && m->table[start].used)
		start++;
	if (start == cap)
		return; /* never: the table is at most three quarters full */
	i = table_next(cap, start);
	for (left = cap - 1; left > 0;) {
		struct seen_sock *s = &m->table[i];

		if (s->used && ((m->gen - s->gen) & 3u) >= KEEP_SAMPLES) {
			table_delete(m->table, cap, i);
			m->table_count--;
			continue; /* slot i now holds what moved back, if anything */
		}
		i = table_next(cap, i);
		left--;
	}
}

static int
listener_cmp(const void *a, const void *b)
{
	const struct listener_owner *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return (int)x->port - (int)y->port;
}

/* Remembers the holder of listener e, when it has a known one. */
static int
listener_add(struct closed_model *m, const struct snapshot *snap, const struct sock_entry *e)
{
	struct listener_owner lo = {.netns = e->netns, .port = e->local_port};

	if (!owner_of(snap, e, &lo.pid, lo.comm))
		return 0;
	if (m->n_listeners == m->listeners_cap) {
		size_t cap = m->listeners_cap < 16 ? 16 : 2 * m->listeners_cap;
		struct listener_owner *grown = realloc(m->listeners, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		m->listeners = grown;
		m->listeners_cap = cap;
	}
	m->listeners[m->n_listeners++] = lo;
	return 0;
}

/* Updates the table in place: the sockets of the last KEEP_SAMPLES samples
 * are kept, the current sample's are added or refreshed.  Only one table
 * is alive except while it grows or shrinks, and its size follows the
 * socket count: at most three quarters full, and shrunk to a quarter when
 * under an eighth.  The
 * same walk over the sockets collects the listeners' holders (sorted for
 * resolve()). */
/* only: when not NULL, the sockets to remember of this sample (its
 * closes'); the others are walked past. */
static int
table_update(struct closed_model *m, const struct snapshot *snap, uint64_t now_ns,
	     const struct close_set *only)
{
	size_t cap, want, skipped, n_procs;

	if (m->table_cap != 0)
		table_expire(m);
	holders_reclaim(m);
	/* Room for as many sockets as this sample has, at once: a first
	 * sample of a million sockets otherwise grew the table eleven
	 * times, moving every socket again at each, with the old table
	 * alive beside the new (48 MiB beside 96 at the last). */
	/* The sockets it will hold: not listeners nor remnants (the
	 * counts are the sealed snapshot's). */
	skipped = (size_t)snap->counts[TCP_STATE_LISTEN] + snap->counts[TCP_STATE_CLOSE] +
		  snap->counts[TCP_STATE_TIME_WAIT];
	want = snap->n_entries > skipped ? snap->n_entries - skipped : 0;
	if (only != NULL)
		want = m->table_count + snap->n_closed;
	if (want < m->table_count)
		want = m->table_count;
	cap = m->table_cap != 0 ? m->table_cap : TABLE_MIN;
	if (!table_fits(cap, want + 1))
		cap = table_cap_for(want + 1);
	if (cap != m->table_cap && table_resize(m, cap) < 0)
		return -1;
	/* This feed's owner table is new to the cache (its indexes, and
	 * the ids a reclaim freed, mean something else now). */
	n_procs = snap->owners != NULL ? owner_table_procs(snap->owners) : 0;
	if (n_procs > m->proc_holder_cap) {
		free(m->proc_holder);
		m->proc_holder_cap = 0;
		m->proc_holder = malloc(n_procs * sizeof(*m->proc_holder));
		if (m->proc_holder == NULL)
			return -1;
		m->proc_holder_cap = n_procs;
	}
	if (n_procs > 0)
		memset(m->proc_holder, 0, n_procs * sizeof(*m->proc_holder));
	m->gen++;
	m->n_listeners = 0;
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct seen_sock *s;
		uint32_t holder;

		/* The slot of a socket a few ahead is fetched from memory
		 * while this one is looked up: at 100,000 sockets the table
		 * is far larger than the caches, and nearly every lookup
		 * would wait for memory. */
		if (only == NULL && i + PREFETCH_AHEAD < snap->n_entries) {
			const struct sock_entry *ahead = &snap->entries[i + PREFETCH_AHEAD];

			__builtin_prefetch(
			    &m->table[table_home(m->table_cap, ahead->netns, ahead->cookie)], 1);
		}
		if (e->state == TCP_STATE_LISTEN) {
			if (listener_add(m, snap, e) < 0)
				return -1;
			continue;
		}
		/* Listeners, unconnected sockets and TIME_WAIT remnants
		 * (whose full socket was freed, and announced, already)
		 * are no open connection. */
		if (e->state == TCP_STATE_CLOSE || e->state == TCP_STATE_TIME_WAIT)
			continue;
		if (only != NULL && !close_set_has(only, snap, e->netns, e->cookie))
			continue;
		s = table_slot(m->table, m->table_cap, e->netns, e->cookie);
		if (!s->used && !table_fits(m->table_cap, m->table_count + 1)) {
			if (table_resize(m, table_cap_for(m->table_cap)) < 0)
				return -1;
			s = table_slot(m->table, m->table_cap, e->netns, e->cookie);
		}
		if (!s->used) {
			memset(s, 0, sizeof(*s));
			s->used = true;
			s->cookie = e->cookie;
			s->netns = e->netns;
			s->first_ns = now_ns;
			m->table_count++;
		}
		s->gen = m->gen & 3u;
		s->state = e->state & 0xfu;
		/* A socket whose holder is not known this time (hidden,
		 * gone from /proc) keeps the one seen before. */
		if (holder_of(m, snap, n_procs, e, &holder) < 0)
			return -1;
		if (holder != 0)
			s->holder = holder;
	}
	if (m->n_listeners > 1)
		qsort(m->listeners, m->n_listeners, sizeof(*m->listeners), listener_cmp);
	/* After a fall in sockets, give the memory back (not after the
	 * last sample, which held only its closes' sockets). */
	if (only != NULL)
		return 0;
	cap = m->table_cap;
	if (cap > TABLE_MIN && 8 * m->table_count < cap)
		cap = table_cap_for(2 * m->table_count);
	if (cap != m->table_cap && table_resize(m, cap) < 0)
		return -1;
	return 0;
}

static void
resolve(const struct closed_model *m, const struct snapshot *snap, const struct sock_close *ev,
	struct closed_conn *c)
{
	const struct seen_sock *s = table_find(m, ev->entry.netns, ev->entry.cookie);

	(void)snap;
	memset(c, 0, sizeof(*c));
	c->ev = *ev;
	c->lifetime_s = -1;
	if (s != NULL) {
		c->seen = true;
		c->last_state = s->state;
		c->lifetime_s = ev->time_ns > s->first_ns ? (double)(ev->time_ns - s->first_ns) / 1e9
							  : 0;
		if (s->holder != 0 && m->holders[s->holder].pid != 0) {
			c->owner_from = CLOSED_OWNER_SAMPLE;
			c->pid = m->holders[s->holder].pid;
			memcpy(c->process, m->holders[s->holder].comm, sizeof(c->process));
			return;
		}
	}
	if (m->n_listeners > 0) {
		struct listener_owner key = {.netns = ev->entry.netns, .port = ev->entry.local_port};
		const struct listener_owner *lo = bsearch(&key, m->listeners, m->n_listeners,
							  sizeof(key), listener_cmp);

		if (lo != NULL) {
			c->owner_from = CLOSED_OWNER_LISTENER;
			c->pid = lo->pid;
			memcpy(c->process, lo->comm, sizeof(c->process));
		}
	}
}

static double
mono_s(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static void
count_interval(struct closed_model *m, const struct snapshot *snap)
{
	struct closed_interval *iv = &m->interval;
	const uint32_t opens = (1u << KC_ACTIVE_OPENS) | (1u << KC_PASSIVE_OPENS);

	memset(iv, 0, sizeof(*iv));
	iv->known = snap->has_closes;
	if (m->has_prev)
		iv->interval_s = mono_s(&snap->taken_mono) - mono_s(&m->prev_mono);
	if (iv->interval_s <= 0)
		iv->interval_s = 0;
	iv->closed = (uint32_t)m->n_fresh;
	for (size_t i = 0; i < m->n_fresh; i++)
		iv->short_lived += !m->fresh[i].seen;
	iv->lost = snap->closes_lost;
	if (m->has_prev && (snap->counters.present & opens) == opens &&
	    (m->prev_kc.present & opens) == opens &&
	    snap->counters.value[KC_ACTIVE_OPENS] >= m->prev_kc.value[KC_ACTIVE_OPENS] &&
	    snap->counters.value[KC_PASSIVE_OPENS] >= m->prev_kc.value[KC_PASSIVE_OPENS]) {
		iv->has_opens = true;
		iv->opened_client =
			snap->counters.value[KC_ACTIVE_OPENS] - m->prev_kc.value[KC_ACTIVE_OPENS];
		iv->opened_server =
			snap->counters.value[KC_PASSIVE_OPENS] - m->prev_kc.value[KC_PASSIVE_OPENS];
	}
	if (iv->interval_s > 0) {
		iv->closed_per_s = iv->closed / iv->interval_s;
		iv->short_lived_per_s = iv->short_lived / iv->interval_s;
		iv->opened_per_s = (double)(iv->opened_client + iv->opened_server) / iv->interval_s;
	}
	m->totals.closed += iv->closed;
	m->totals.short_lived += iv->short_lived;
	m->totals.lost += iv->lost;
}

int
closed_model_feed(struct closed_model *m, const struct snapshot *snap)
{
	uint64_t now_ns = (uint64_t)snap->taken_wall.tv_sec * 1000000000ull +
			  (uint64_t)snap->taken_wall.tv_nsec;

	m->n_fresh = 0;
	if (m->has_prev && (snap->taken_mono.tv_sec < m->prev_mono.tv_sec ||
			    (snap->taken_mono.tv_sec == m->prev_mono.tv_sec &&
			     snap->taken_mono.tv_nsec < m->prev_mono.tv_nsec)))
		closed_model_restart(m);
	/* A source that did not listen (an older recording, an ss dump)
	 * brings no closes to tell: spare the walk of its sockets. */
	if (!snap->has_closes) {
		closed_model_restart(m);
		memset(&m->interval, 0, sizeof(m->interval));
		return 0;
	}
	/* The last sample of a run: its closes are told as they would be
	 * with every socket of it remembered, but only theirs are (at a
	 * million sockets, a table of 64 MiB for no later sample). */
	if (snap->last) {
		struct close_set only;
		int rc;

		if (close_set_build(&only, snap) < 0)
			goto fail;
		rc = table_update(m, snap, now_ns, &only);
		free(only.slots);
		if (rc < 0)
			goto fail;
	} else if (table_update(m, snap, now_ns, NULL) < 0) {
		goto fail;
	}
	if (snap->n_closed > m->fresh_cap) {
		struct closed_conn *grown = realloc(m->fresh, snap->n_closed * sizeof(*grown));

		if (grown == NULL)
			goto fail;
		m->fresh = grown;
		m->fresh_cap = snap->n_closed;
	}
	for (size_t i = 0; i < snap->n_closed; i++) {
		struct closed_conn *c = &m->fresh[m->n_fresh++];

		resolve(m, snap, &snap->closed[i], c);
		m->ring[m->head] = *c;
		m->head = (m->head + 1) % m->cap;
		if (m->count < m->cap)
			m->count++;
	}
	count_interval(m, snap);
	m->has_prev = true;
	m->prev_mono = snap->taken_mono;
	m->prev_kc = snap->counters;
	return 0;
fail:
	closed_model_restart(m);
	memset(&m->interval, 0, sizeof(m->interval));
	errno = ENOMEM;
	return -1;
}

const struct closed_conn *
closed_model_fresh(const struct closed_model *m, size_t *n)
{
	*n = m->n_fresh;
	return m->fresh;
}

size_t
closed_model_count(const struct closed_model *m)
{
	return m->count;
}

const struct closed_conn *
closed_model_get(const struct closed_model *m, size_t i)
{
	if (i >= m->count)
		return NULL;
	return &m->ring[(m->head + m->cap - m->count + i) % m->cap];
}

size_t
closed_model_holders(const struct closed_model *m)
{
	return m->n_holders;
}

const struct closed_interval *
closed_model_interval(const struct closed_model *m)
{
	return &m->interval;
}

const struct closed_totals *
closed_model_totals(const struct closed_model *m)
{
	return &m->totals;
}
