/*
 * owners.c - the immutable table of socket holders.
 *
 * Links (inode, process) are kept sorted by inode, then pid, so all
 * holders of a socket are adjacent; an open-addressing hash from inode to
 * its first link makes the per-socket lookup of every sample O(1).  The
 * slot of a socket with one holder holds that holder itself, so most
 * lookups read one slot and no link (every socket of every sample is
 * looked up, and at 100,000 sockets the table is larger than the caches:
 * each access is a wait for memory).  Links are sorted with a radix sort:
 * at 100,000 sockets a comparison sort was the largest cost of rebuilding
 * the table.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "owners.h"
#include "radix_sort.h"
#include "size_class.h"

struct owner_link {
	uint32_t inode;
	uint32_t proc;
};

/* A slot of the hash: an inode (0: empty) and its holders, either the
 * one holder's process index, or with SLOT_LINKS set the index of the
 * first of its links (several holders). */
struct owner_slot {
	uint32_t inode;
	uint32_t holders;
};

#define SLOT_LINKS 0x80000000u

struct owner_table {
	int refs;
	struct owner_proc *procs;
	size_t n_procs, procs_cap;
	struct owner_link *links;
	size_t n_links, links_cap;
	struct owner_slot *index; /* hash of inodes */
	size_t index_slots;
};

struct owner_table *
owner_table_new(void)
{
	struct owner_table *table = calloc(1, sizeof(*table));

	if (table != NULL)
		table->refs = 1;
	return table;
}

static int
grow(void **array, size_t *cap, size_t need, size_t elem)
{
	size_t new_cap = *cap ? *cap : 16;
	void *more;

	if (need <= *cap)
		return 0;
	while (new_cap < need)
		new_cap *= 2;
	more = realloc(*array, new_cap * elem);
	if (more == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*array = more;
	*cap = new_cap;
	return 0;
}

int
owner_table_add_proc(struct owner_table *table, const struct owner_proc *proc)
{
	struct owner_proc *copy;

	if (grow((void **)&table->procs, &table->procs_cap, table->n_procs + 1,
		 sizeof(*table->procs)) < 0)
		return -1;
	copy = &table->procs[table->n_procs];
	*copy = *proc;
	copy->cmdline = strdup(proc->cmdline != NULL ? proc->cmdline : "");
	copy->user = strdup(proc->user != NULL ? proc->user : "");
	if (copy->cmdline == NULL || copy->user == NULL) {
		free((char *)copy->cmdline);
		free((char *)copy->user);
		errno = ENOMEM;
		return -1;
	}
	return (int)table->n_procs++;
}

int
owner_table_add_link(struct owner_table *table, uint32_t inode, uint32_t proc_index)
{
	if (grow((void **)&table->links, &table->links_cap, table->n_links + 1,
		 sizeof(*table->links)) < 0)
		return -1;
	table->links[table->n_links].inode = inode;
	table->links[table->n_links].proc = proc_index;
	table->n_links++;
	return 0;
}

/* Links in (inode, pid) order: all holders of a socket adjacent, lowest
 * pid first. */
static int
sort_links(struct owner_table *table)
{
	uint64_t *keys;
	int rc;

	if (table->n_links < 2)
		return 0;
	keys = malloc(table->n_links * sizeof(*keys));
	if (keys == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < table->n_links; i++)
		keys[i] = ((uint64_t)table->links[i].inode << 32) |
			  (uint32_t)table->procs[table->links[i].proc].pid;
	rc = radix_sort(table->links, keys, table->n_links, sizeof(*table->links));
	free(keys);
	return rc;
}


int
owner_table_seal(struct owner_table *table)
{
	size_t slots;

	if (sort_links(table) < 0)
		return -1;
	/* Indexes must leave SLOT_LINKS free. */
	if (table->n_links >= SLOT_LINKS || table->n_procs >= SLOT_LINKS) {
		errno = ENOMEM;
		return -1;
	}
	/* A third larger than the links rather than two to four times. */
	slots = size_class_table(table->n_links);
	table->index = calloc(slots, sizeof(*table->index));
	if (table->index == NULL) {
		errno = ENOMEM;
		return -1;
	}
	table->index_slots = slots;
	for (size_t i = 0, run; i < table->n_links; i += run) {
		uint32_t inode = table->links[i].inode;
		size_t slot = hash_slot(hash_u64(inode), table->index_slots);

		for (run = 1; i + run < table->n_links && table->links[i + run].inode == inode;
		     run++)
			;
		if (inode == 0)
			continue; /* never looked up */
		while (table->index[slot].inode != 0)
			slot = slot + 1 == table->index_slots ? 0 : slot + 1;
		table->index[slot].inode = inode;
		table->index[slot].holders =
		    run == 1 ? table->links[i].proc : SLOT_LINKS | (uint32_t)i;
	}
	return 0;
}

size_t
owner_table_procs(const struct owner_table *table)
{
	return table->n_procs;
}

const struct owner_proc *
owner_table_proc(const struct owner_table *table, uint32_t index)
{
	return index < table->n_procs ? &table->procs[index] : NULL;
}

size_t
owner_table_lookup(const struct owner_table *table, uint32_t inode, uint32_t *first_proc,
		   uint32_t *out, size_t max)
{
	size_t slot, first, n = 0;
	uint32_t holders;

	if (table->index == NULL || inode == 0)
		return 0;
	slot = hash_slot(hash_u64(inode), table->index_slots);
	for (;;) {
		const struct owner_slot *at = &table->index[slot];

		if (at->inode == 0)
			return 0;
		if (at->inode == inode) {
			holders = at->holders;
			break;
		}
		slot = slot + 1 == table->index_slots ? 0 : slot + 1;
	}
	if ((holders & SLOT_LINKS) == 0) {
		if (first_proc != NULL)
			*first_proc = holders;
		if (out != NULL && max > 0)
			out[0] = holders;
		return 1;
	}
	first = holders & ~SLOT_LINKS;
	if (first_proc != NULL)
		*first_proc = table->links[first].proc;
	for (size_t i = first; i < table->n_links && table->links[i].inode == inode; i++, n++)
		if (out != NULL && n < max)
			out[n] = table->links[i].proc;
	return n;
}

void
owner_table_prefetch(const struct owner_table *table, uint32_t inode)
{
	if (table != NULL && table->index != NULL)
		__builtin_prefetch(&table->index[hash_slot(hash_u64(inode), table->index_slots)]);
}

struct owner_table *
owner_table_ref(struct owner_table *table)
{
	__atomic_add_fetch(&table->refs, 1, __ATOMIC_RELAXED);
	return table;
}

void
owner_table_unref(struct owner_table *table)
{
	if (table == NULL || __atomic_sub_fetch(&table->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < table->n_procs; i++) {
		free((char *)table->procs[i].cmdline);
		free((char *)table->procs[i].user);
	}
	free(table->procs);
	free(table->links);
	free(table->index);
	free(table);
}
