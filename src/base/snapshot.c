/*
 * snapshot.c - storage and reference counting of snapshots.
 * Built by one thread, then shared read-only; references are atomic so the
 * sampler and the UI can drop theirs independently.
 *
 * At 100,000 sockets the entry array is 12.8 MB, written once per sample
 * into fresh memory: taking that memory a 4 KiB page fault at a time cost
 * about a fifth of a sample.  Large arrays are therefore mapped directly
 * and grown with mremap(), which moves page tables instead of copying
 * entries.  Even so, faulting in a fresh array every sample took 5 to 30
 * ms of a 200 ms sample at 100,000 sockets, so the arrays of freed
 * snapshots are kept, already in memory, for the next ones (a few at
 * most; the sampler drops them when the load has shrunk).  Arrays too
 * large to be kept ask for transparent huge pages (one fault per 2 MiB
 * where the kernel allows it).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "snapshot.h"

enum { SNAPSHOT_MIN_CAPACITY = 64 };

/* Arrays of at least this many bytes are mapped, not malloc'd. */
#define SNAPSHOT_MAP_BYTES ((size_t)2 << 20)

static size_t
round_to_map_unit(size_t bytes)
{
	return (bytes + SNAPSHOT_MAP_BYTES - 1) & ~(SNAPSHOT_MAP_BYTES - 1);
}

static void
advise_huge(void *addr, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	/* Only a hint: kernels without THP simply ignore it. */
	(void)madvise(addr, bytes, MADV_HUGEPAGE);
#else
	(void)addr;
	(void)bytes;
#endif
}

/*
 * The mapped arrays of the last snapshots freed, for the next ones to
 * map; snapshots are freed by one thread and made by another, hence the
 * lock.  Up to SPARE_SLOTS of them: while one sample is taken in, the
 * one on screen, the one fed and the sampler's next are alive, and each
 * comes back in turn, so with fewer slots some arrays were unmapped and
 * mapped again every sample, and the resident size rose and fell by an
 * array at each one (bench/run-soak.sh's memory readings).  Not more
 * than SPARE_MAX_BYTES in all: at a million sockets a kept array is 137
 * MiB resident from the moment it is taken, where a fresh one fills as
 * the dump does, and the dashboard's peak rose by about that much.
 */
enum { SPARE_SLOTS = 3 };
#define SPARE_MAX_BYTES ((size_t)64 << 20)

struct spare {
	void *map;
	size_t bytes;
};

static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spare spares[SPARE_SLOTS];
/* Bytes of every mapped array, spares included (under spare_lock). */
static size_t mapped_total;

static void
count_mapped(size_t added, size_t removed)
{
	pthread_mutex_lock(&spare_lock);
	mapped_total = mapped_total + added - removed;
	pthread_mutex_unlock(&spare_lock);
}

/* munmap() that keeps mapped_total. */
static void
unmap(void *map, size_t bytes)
{
	munmap(map, bytes);
	count_mapped(0, bytes);
}

static size_t
spares_bytes(void)
{
	size_t total = 0;

	for (int i = 0; i < SPARE_SLOTS; i++)
		total += spares[i].bytes;
	return total;
}

/* A spare array for `bytes`: the smallest that holds them, else the
 * largest smaller one (the caller grows it), then *got is its size; NULL
 * when there is none.  A spare much larger than needed is still taken:
 * the load comes back as often as it goes (a phase of a test), and the
 * sampler lets the spares go once they are much more than what the
 * snapshots use (snapshot_mapped(), snapshot_drop_spare()). */
static void *
take_spare(size_t bytes, size_t *got)
{
	int best = -1;
	void *map = NULL;

	pthread_mutex_lock(&spare_lock);
	for (int i = 0; i < SPARE_SLOTS; i++) {
		size_t size = spares[i].bytes;

		if (spares[i].map == NULL)
			continue;
		if (best < 0)
			best = i;
		else if (size >= bytes && (spares[best].bytes < bytes || size < spares[best].bytes))
			best = i;
		else if (size < bytes && spares[best].bytes < bytes && size > spares[best].bytes)
			best = i;
	}
	if (best >= 0) {
		map = spares[best].map;
		*got = spares[best].bytes;
		spares[best] = (struct spare){0};
	}
	pthread_mutex_unlock(&spare_lock);
	return map;
}

/* Keeps a freed snapshot's array as a spare when there is a free slot
 * and room under SPARE_MAX_BYTES, else unmaps it. */
static void
put_spare(void *map, size_t bytes)
{
	bool kept = false;

	pthread_mutex_lock(&spare_lock);
	if (spares_bytes() + bytes <= SPARE_MAX_BYTES) {
		for (int i = 0; i < SPARE_SLOTS && !kept; i++) {
			if (spares[i].map == NULL) {
				spares[i] = (struct spare){.map = map, .bytes = bytes};
				kept = true;
			}
		}
	}
	pthread_mutex_unlock(&spare_lock);
	if (!kept)
		unmap(map, bytes);
}

void
snapshot_drop_spare(void)
{
	struct spare drop[SPARE_SLOTS];

	pthread_mutex_lock(&spare_lock);
	memcpy(drop, spares, sizeof(drop));
	memset(spares, 0, sizeof(spares));
	pthread_mutex_unlock(&spare_lock);
	for (int i = 0; i < SPARE_SLOTS; i++)
		if (drop[i].map != NULL)
			unmap(drop[i].map, drop[i].bytes);
}

void
snapshot_mapped(size_t *in_use, size_t *kept)
{
	pthread_mutex_lock(&spare_lock);
	*kept = spares_bytes();
	*in_use = mapped_total - *kept;
	pthread_mutex_unlock(&spare_lock);
}

/* Gives the snapshot room for `capacity` entries, keeping what it has. */
static int
storage_resize(struct snapshot *snap, size_t capacity)
{
	size_t bytes;
	void *more;

	if (capacity > SIZE_MAX / sizeof(struct sock_entry) - SNAPSHOT_MAP_BYTES) {
		errno = ENOMEM;
		return -1;
	}
	bytes = capacity * sizeof(struct sock_entry);
	if (bytes < SNAPSHOT_MAP_BYTES && !snap->mapped) {
		more = realloc(snap->entries, bytes);
		if (more == NULL) {
			errno = ENOMEM;
			return -1;
		}
	} else {
		size_t spare = 0;

		bytes = round_to_map_unit(bytes);
		if (snap->mapped) {
			more = mremap(snap->entries, snap->mapped_bytes, bytes, MREMAP_MAYMOVE);
			if (more != MAP_FAILED)
				count_mapped(bytes, snap->mapped_bytes);
		} else if ((more = take_spare(bytes, &spare)) != NULL) {
			/* Already in memory: no page to fault in. */
			if (spare < bytes) {
				void *grown = mremap(more, spare, bytes, MREMAP_MAYMOVE);

				if (grown == MAP_FAILED)
					unmap(more, spare);
				else
					count_mapped(bytes, spare);
				more = grown;
			} else {
				bytes = spare;
			}
		} else {
			more = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				    -1, 0);
			if (more != MAP_FAILED)
				count_mapped(bytes, 0);
		}
		if (more == MAP_FAILED) {
			errno = ENOMEM;
			return -1;
		}
		/* Huge pages only for arrays too large to be kept three at a
		 * time: a kept array is in memory already and faults nothing,
		 * and with huge pages its resident size climbs 2 MiB at a
		 * time, whenever a sample is a little larger than any it
		 * held before (10 MB over 25 minutes of churn at 50,000
		 * sockets, in steps of 2 MB: bench/run-soak.sh). */
		if (bytes > SPARE_MAX_BYTES / SPARE_SLOTS)
			advise_huge(more, bytes);
		if (!snap->mapped) {
			if (snap->n_entries > 0)
				memcpy(more, snap->entries, snap->n_entries * sizeof(struct sock_entry));
			free(snap->entries);
		}
		snap->mapped = true;
		snap->mapped_bytes = bytes;
		capacity = bytes / sizeof(struct sock_entry);
	}
	snap->entries = more;
	snap->capacity = capacity;
	return 0;
}

static void
storage_free(struct snapshot *snap)
{
	if (snap->mapped)
		put_spare(snap->entries, snap->mapped_bytes);
	else
		free(snap->entries);
	snap->entries = NULL;
	snap->mapped = false;
}

struct snapshot *
snapshot_new(size_t capacity_hint)
{
	struct snapshot *snap;

	/* The byte size must not wrap into a small allocation. */
	if (capacity_hint > SIZE_MAX / sizeof(*snap->entries) - SNAPSHOT_MAP_BYTES) {
		errno = ENOMEM;
		return NULL;
	}
	snap = calloc(1, sizeof(*snap));
	if (snap == NULL)
		return NULL;
	if (capacity_hint < SNAPSHOT_MIN_CAPACITY)
		capacity_hint = SNAPSHOT_MIN_CAPACITY;
	if (storage_resize(snap, capacity_hint) < 0) {
		free(snap);
		errno = ENOMEM;
		return NULL;
	}
	snap->refs = 1;
	return snap;
}

int
snapshot_reserve(struct snapshot *snap, size_t capacity)
{
	if (capacity <= snap->capacity)
		return 0;
	return storage_resize(snap, capacity);
}

struct sock_entry *
snapshot_add(struct snapshot *snap)
{
	struct sock_entry *entry;

	if (snap->n_entries == snap->capacity &&
	    storage_resize(snap, snap->capacity + snap->capacity / 2) < 0)
		return NULL;
	entry = &snap->entries[snap->n_entries++];
	memset(entry, 0, sizeof(*entry));
	return entry;
}

void
snapshot_clear(struct snapshot *snap)
{
	snap->n_entries = 0;
}

struct snapshot_netns *
snapshot_add_netns(struct snapshot *snap, uint32_t inode)
{
	struct snapshot_netns *more, *ns;

	if (snap->n_netns >= UINT16_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	more = realloc(snap->netns, (snap->n_netns + 1) * sizeof(*more));
	if (more == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	snap->netns = more;
	ns = &more[snap->n_netns++];
	memset(ns, 0, sizeof(*ns));
	ns->info.inode = inode;
	return ns;
}

static int
netns_by_inode(const void *a, const void *b)
{
	uint32_t x = ((const struct snapshot_netns *)a)->info.inode;
	uint32_t y = ((const struct snapshot_netns *)b)->info.inode;

	return x < y ? -1 : x > y;
}

const struct snapshot_netns *
snapshot_find_netns(const struct snapshot *snap, uint32_t inode)
{
	size_t lo = 0, hi = snap->n_netns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t here = snap->netns[mid].info.inode;

		if (here == inode)
			return &snap->netns[mid];
		if (here < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Per-namespace counts.  Sources add a namespace's entries together, so
 * the namespace of the previous entry is tried before a search. */
static void
seal_netns(struct snapshot *snap)
{
	struct snapshot_netns *last = NULL;

	qsort(snap->netns, snap->n_netns, sizeof(*snap->netns), netns_by_inode);
	for (size_t i = 0; i < snap->n_netns; i++) {
		memset(snap->netns[i].counts, 0, sizeof(snap->netns[i].counts));
		snap->netns[i].total = 0;
	}
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (last == NULL || last->info.inode != e->netns)
			last = (struct snapshot_netns *)snapshot_find_netns(snap, e->netns);
		if (last == NULL)
			continue;
		if (e->state < TCP_STATE_COUNT)
			last->counts[e->state]++;
		last->total++;
	}
}

void
snapshot_seal(struct snapshot *snap)
{
	memset(snap->counts, 0, sizeof(snap->counts));
	for (size_t i = 0; i < snap->n_entries; i++)
		if (snap->entries[i].state < TCP_STATE_COUNT)
			snap->counts[snap->entries[i].state]++;
	snap->total = (uint32_t)snap->n_entries;
	if (snap->n_netns > 0)
		seal_netns(snap);
}

void
snapshot_count(const struct snapshot *snap,
	       bool (*selected)(const void *arg, const struct sock_entry *e), const void *arg,
	       uint32_t counts[TCP_STATE_COUNT], uint32_t *total)
{
	if (selected == NULL) {
		memcpy(counts, snap->counts, sizeof(snap->counts));
		*total = snap->total;
		return;
	}
	memset(counts, 0, TCP_STATE_COUNT * sizeof(counts[0]));
	*total = 0;
	for (size_t i = 0; i < snap->n_entries; i++)
		if (snap->entries[i].state < TCP_STATE_COUNT &&
		    selected(arg, &snap->entries[i])) {
			counts[snap->entries[i].state]++;
			(*total)++;
		}
}

struct snapshot *
snapshot_ref(struct snapshot *snap)
{
	__atomic_add_fetch(&snap->refs, 1, __ATOMIC_RELAXED);
	return snap;
}

bool
snapshot_shared(const struct snapshot *snap)
{
	return __atomic_load_n(&snap->refs, __ATOMIC_ACQUIRE) > 1;
}

void
snapshot_unref(struct snapshot *snap)
{
	if (snap == NULL)
		return;
	/* Release our writes, acquire everyone else's before freeing. */
	if (__atomic_sub_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	storage_free(snap);
	owner_table_unref(snap->owners);
	free(snap->netns);
	free(snap->closed);
	free(snap);
}
