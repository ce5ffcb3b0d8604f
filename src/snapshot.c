/*
 * snapshot.c - storage and reference counting of snapshots.
 * Built by one thread, then shared read-only; references are atomic so the
 * sampler and the UI can drop theirs independently.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

enum { SNAPSHOT_MIN_CAPACITY = 64 };

struct snapshot *
snapshot_new(size_t capacity_hint)
{
	struct snapshot *snap;

	/* The byte size below must not wrap into a small allocation. */
	if (capacity_hint > SIZE_MAX / sizeof(*snap->entries)) {
		errno = ENOMEM;
		return NULL;
	}
	snap = calloc(1, sizeof(*snap));
	if (snap == NULL)
		return NULL;
	if (capacity_hint < SNAPSHOT_MIN_CAPACITY)
		capacity_hint = SNAPSHOT_MIN_CAPACITY;
	snap->entries = malloc(capacity_hint * sizeof(*snap->entries));
	if (snap->entries == NULL) {
		free(snap);
		errno = ENOMEM;
		return NULL;
	}
	snap->capacity = capacity_hint;
	snap->refs = 1;
	return snap;
}

struct sock_entry *
snapshot_add(struct snapshot *snap)
{
	struct sock_entry *entry;

	if (snap->n_entries == snap->capacity) {
		size_t grown = snap->capacity + snap->capacity / 2;
		struct sock_entry *more;

		if (grown > SIZE_MAX / sizeof(*more)) {
			errno = ENOMEM;
			return NULL;
		}
		more = realloc(snap->entries, grown * sizeof(*more));
		if (more == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		snap->entries = more;
		snap->capacity = grown;
	}
	entry = &snap->entries[snap->n_entries++];
	memset(entry, 0, sizeof(*entry));
	return entry;
}

void
snapshot_clear(struct snapshot *snap)
{
	snap->n_entries = 0;
}

void
snapshot_seal(struct snapshot *snap)
{
	memset(snap->counts, 0, sizeof(snap->counts));
	for (size_t i = 0; i < snap->n_entries; i++)
		if (snap->entries[i].state < TCP_STATE_COUNT)
			snap->counts[snap->entries[i].state]++;
	snap->total = (uint32_t)snap->n_entries;
}

struct snapshot *
snapshot_ref(struct snapshot *snap)
{
	__atomic_add_fetch(&snap->refs, 1, __ATOMIC_RELAXED);
	return snap;
}

void
snapshot_unref(struct snapshot *snap)
{
	if (snap == NULL)
		return;
	/* Release our writes, acquire everyone else's before freeing. */
	if (__atomic_sub_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(snap->entries);
	free(snap);
}
