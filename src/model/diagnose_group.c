/*
 * diagnose_group.c - one pass over a sample's sockets that files each
 * socket of interest into the groups the rules ask for (diag_plan): by
 * remote address, local port, owning process or destination, with the
 * counts, ages, owners and distinct remote ends every rule reads.  Every
 * rule reads the same groups; no rule walks the snapshot again.
 *
 * Groups live in a dense array indexed by an open-addressing hash whose
 * slots carry the update's generation, so nothing is cleared between
 * samples; the hash grows when it passes three quarters full.
 * Single-threaded (the diagnoser's owner); never prints.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose_internal.h"
#include "hash.h"
#include "sock_format.h"

/* gkey.subj of a sub-group counting the distinct remote ends of its
 * parent group. */
#define SUBJ_DISTINCT (DIAG_BY_COUNT + 1)

static size_t
hash_key(const struct diag_gkey *k)
{
	uint64_t w[6];

	_Static_assert(sizeof(*k) == sizeof(w), "gkey is hashed as whole words");
	memcpy(w, k, sizeof(w));
	return (size_t)hash_words(w, 6, 0);
}

/* A slot table of `size` (a power of two) holding the current groups. */
static int
slots_rebuild(struct diagnose *d, size_t size)
{
	struct diag_hslot *slots = calloc(size, sizeof(*slots));

	if (slots == NULL)
		return -1;
	free(d->slots);
	d->slots = slots;
	d->mask = size - 1;
	d->gen = 1;
	for (size_t g = 0; g < d->n_groups; g++) {
		size_t i = hash_key(&d->groups[g].key) & d->mask;

		while (d->slots[i].gen == d->gen)
			i = (i + 1) & d->mask;
		d->slots[i].gen = d->gen;
		d->slots[i].index = (uint32_t)g;
	}
	return 0;
}

/* Room for about `expected` groups this update, without any. */
static int
groups_prepare(struct diagnose *d, size_t expected)
{
	size_t want = 64;

	while (want * 3 < expected * 4)
		want *= 2;
	d->n_groups = 0;
	if (d->slots == NULL || d->mask + 1 < want || d->mask + 1 > want * 8)
		return slots_rebuild(d, want);
	if (++d->gen == 0) {
		/* Wrapped: old generations could come back as current. */
		memset(d->slots, 0, (d->mask + 1) * sizeof(*d->slots));
		d->gen = 1;
	}
	return 0;
}

/* The slot of key k: its group's, or the free one where it would go. */
static inline size_t
probe(const struct diagnose *d, const struct diag_gkey *k)
{
	size_t i = hash_key(k) & d->mask;

	for (;; i = (i + 1) & d->mask) {
		const struct diag_hslot *s = &d->slots[i];

		if (s->gen != d->gen || memcmp(&d->groups[s->index].key, k, sizeof(*k)) == 0)
			return i;
	}
}

struct diag_group *
diag_group_find(struct diagnose *d, const struct diag_gkey *k)
{
	size_t i = probe(d, k);

	return d->slots[i].gen == d->gen ? &d->groups[d->slots[i].index] : NULL;
}

/* The group of key k, created empty when new (*created set); NULL when
 * out of memory.  The array may move: keep indexes, not pointers, across
 * calls. */
static struct diag_group *
group_get(struct diagnose *d, const struct diag_gkey *k, uint32_t example, bool *created)
{
	size_t i = probe(d, k);
	struct diag_group *g;

	*created = false;
	if (d->slots[i].gen == d->gen)
		return &d->groups[d->slots[i].index];
	if ((d->n_groups + 1) * 4 > (d->mask + 1) * 3) {
		if (slots_rebuild(d, (d->mask + 1) * 2) < 0)
			return NULL;
		i = probe(d, k);
	}
	if (diag_grow(&d->groups, &d->groups_cap, d->n_groups, sizeof(*d->groups), 256) < 0)
		return NULL;
	d->slots[i].gen = d->gen;
	d->slots[i].index = (uint32_t)d->n_groups;
	g = &d->groups[d->n_groups++];
	memset(g, 0, sizeof(*g));
	g->key = *k;
	g->example = example;
	g->eldest = example;
	g->owned = -1;
	g->parent = -1;
	g->oldest = -1;
	*created = true;
	return g;
}

struct diag_group *
diag_group_add(struct diagnose *d, const struct diag_gkey *k, uint32_t example)
{
	bool created;

	return group_get(d, k, example, &created);
}

static void
key_init(struct diag_gkey *k, uint8_t set, enum diag_grouping by, enum diag_grouping subj)
{
	memset(k, 0, sizeof(*k));
	k->set = set;
	k->by = (uint8_t)by;
	k->subj = (uint8_t)subj;
}

static void
key_peer(struct diag_gkey *k, const struct sock_entry *e)
{
	k->family = e->family;
	memcpy(k->a, e->remote_addr, sizeof(k->a));
}

void
diag_group_dest_key(struct diag_gkey *k, uint8_t set, const struct sock_entry *e)
{
	key_init(k, set, DIAG_BY_DEST, DIAG_BY_DEST);
	k->family = e->family;
	k->port2 = e->remote_port;
	memcpy(k->a, e->local_addr, sizeof(k->a));
	memcpy(k->b, e->remote_addr, sizeof(k->b));
}

const struct diag_group *
diag_group_listener(const struct diagnose *d, uint32_t netns, uint16_t port)
{
	struct diag_gkey k;

	if (!(d->listening[port / 64] >> (port % 64) & 1))
		return NULL;
	key_init(&k, TCP_STATE_LISTEN, DIAG_BY_PORT, DIAG_BY_PORT);
	k.port = port;
	k.netns = netns;
	/* diag_group_find() changes nothing. */
	return diag_group_find((struct diagnose *)d, &k);
}

/* What one socket brings to every group it joins, worked out once. */
struct sock_facts {
	size_t i;
	const struct sock_entry *e;
	const struct owner_proc *owner; /* valid when owner_known */
	bool owner_known;
	bool age_known;
	bool lower;
	double age; /* in its state, -1 unknown */
	struct statetrack_stall stall; /* the stall sets' ages */
};

static const struct owner_proc *
facts_owner(const struct diagnose *d, struct sock_facts *s)
{
	if (!s->owner_known) {
		s->owner = sock_format_owner(d->snap, s->e);
		s->owner_known = true;
	}
	return s->owner;
}

static double
facts_age(const struct diagnose *d, struct sock_facts *s)
{
	if (!s->age_known) {
		s->lower = false;
		s->age = d->st != NULL ? statetrack_age_at(d->st, s->i, &s->lower) : -1;
		s->age_known = true;
	}
	return s->age;
}

/* The key of socket s in grouping `how` of `set`; false when it joins
 * no group of it. */
static bool
make_key(const struct diagnose *d, struct sock_facts *s, uint8_t set,
	 const struct diag_rule_grouping *how, struct diag_gkey *k)
{
	const struct sock_entry *e = s->e;
	const struct owner_proc *p;

	switch (how->by) {
	case DIAG_BY_PEER:
		key_init(k, set, DIAG_BY_PEER, DIAG_BY_PEER);
		key_peer(k, e);
		return true;
	case DIAG_BY_PORT:
		key_init(k, set, DIAG_BY_PORT, DIAG_BY_PORT);
		k->port = e->local_port;
		return true;
	case DIAG_BY_DEST:
		diag_group_dest_key(k, set, e);
		return true;
	case DIAG_BY_PROCESS:
		p = facts_owner(d, s);
		if (p != NULL) {
			key_init(k, set, DIAG_BY_PROCESS, DIAG_BY_PROCESS);
			k->pid = (uint32_t)p->pid;
			return true;
		}
		switch (how->unowned) {
		case DIAG_UNOWNED_BY_PORT:
			key_init(k, set, DIAG_BY_PROCESS, DIAG_BY_PORT);
			k->port = e->local_port;
			return true;
		case DIAG_UNOWNED_BY_PEER:
			key_init(k, set, DIAG_BY_PROCESS, DIAG_BY_PEER);
			key_peer(k, e);
			return true;
		case DIAG_UNOWNED_ONE:
			key_init(k, set, DIAG_BY_PROCESS, DIAG_BY_NONE);
			return true;
		case DIAG_UNOWNED_SKIP:
			return false;
		}
		return false;
	case DIAG_BY_NONE:
	case DIAG_BY_HOST:
	case DIAG_BY_COUNT:
		break;
	}
	return false;
}

/* Files socket s into grouping `how` of `set`.  0 or -1 (ENOMEM). */
static int
file_in(struct diagnose *d, struct sock_facts *s, uint8_t set, enum diag_grouping by)
{
	const struct diag_rule_grouping *how = d->plan[set].by[by];
	const struct sock_entry *e = s->e;
	struct diag_gkey k;
	struct diag_group *g;
	uint32_t gi;
	bool created, lower = false;
	double age = -1;

	if (how->ephemeral && (e->local_port < d->port_low || e->local_port > d->port_high))
		return 0;
	if (how->fixed && e->local_port >= d->port_low && e->local_port <= d->port_high)
		return 0;
	/* The age costs a look into the tracker's tables: only for the
	 * groupings that read it.  The stall sets' age is the stall's. */
	if (set == DIAG_SET_UNREAD) {
		age = s->stall.unread_s;
		lower = s->stall.unread_lower;
	} else if (set == DIAG_SET_BLOCKED) {
		age = s->stall.blocked_s;
		lower = s->stall.blocked_lower;
	} else if (how->aged || how->ages) {
		age = facts_age(d, s);
		lower = s->lower;
	}
	if (how->aged && age < d->plan[set].min_age[by])
		return 0;
	if (!make_key(d, s, set, how, &k))
		return 0;
	k.netns = diag_netns_key(d, e);
	if ((g = group_get(d, &k, (uint32_t)s->i, &created)) == NULL)
		return -1;
	g->count++;
	if (set == TCP_STATE_TIME_WAIT && by == DIAG_BY_DEST)
		g->time_wait++;
	if (g->owned < 0 && e->owner_status == OWNER_FOUND)
		g->owned = (int32_t)s->i;
	if (d->plan[set].rule[by] < DIAG_RULE_COUNT && diag_rules[d->plan[set].rule[by]].file)
		diag_rules[d->plan[set].rule[by]].file(g, e);
	if (how->mixed) {
		const struct owner_proc *p = facts_owner(d, s);
		int32_t pid = p != NULL ? p->pid : 0;

		if (created)
			g->pid = pid;
		else if (pid != g->pid)
			g->mixed = true;
	}
	if (set == DIAG_SET_UNREAD || set == DIAG_SET_BLOCKED) {
		g->queued += set == DIAG_SET_UNREAD ? e->recv_q : e->send_q;
		if (diag_service_port(d, e) != diag_service_port(d, &d->snap->entries[g->example]))
			g->other_ports = true;
	}
	if (age >= 0) {
		if (age > g->oldest) {
			g->oldest = age;
			g->oldest_lower_bound = lower;
			g->eldest = (uint32_t)s->i;
		}
		/* Came into the state at this very sample (not in the
		 * first one). */
		if (age == 0 && !lower)
			g->recent++;
	}
	if (how->distinct == DIAG_DISTINCT_NONE)
		return 0;
	/* The distinct remote ends: a sub-group per one.  Indexes, not
	 * pointers: the array may move. */
	gi = (uint32_t)(g - d->groups);
	k.subj = SUBJ_DISTINCT;
	k.family = e->family;
	memcpy(k.a, e->remote_addr, sizeof(k.a));
	if (how->distinct == DIAG_DISTINCT_DEST)
		k.port2 = e->remote_port;
	if ((g = group_get(d, &k, (uint32_t)s->i, &created)) == NULL)
		return -1;
	g->count++;
	g->parent = (int32_t)gi;
	if (created)
		d->groups[gi].distinct++;
	return 0;
}

/* A listener: its port's group keeps the fullest accept queue. */
static int
file_listener(struct diagnose *d, size_t i)
{
	const struct sock_entry *e = &d->snap->entries[i];
	double fill = (double)e->recv_q / (e->send_q > 0 ? e->send_q : 1);
	struct diag_gkey k;
	struct diag_group *g;
	bool created;

	key_init(&k, TCP_STATE_LISTEN, DIAG_BY_PORT, DIAG_BY_PORT);
	k.port = e->local_port;
	k.netns = diag_netns_key(d, e);
	if ((g = group_get(d, &k, (uint32_t)i, &created)) == NULL)
		return -1;
	d->listening[e->local_port / 64] |= UINT64_C(1) << (e->local_port % 64);
	g->count++;
	if (g->owned < 0 && e->owner_status == OWNER_FOUND)
		g->owned = (int32_t)i;
	if (created || fill > g->fill) {
		g->fill = fill;
		g->example = (uint32_t)i;
	}
	if (e->recv_q > 0 && fill > d->fullest_fill) {
		d->fullest_fill = fill;
		d->fullest_listener = (int64_t)i;
	}
	return 0;
}

/* A connection whose queued data does not move: into the stall sets. */
static int
file_stalled(struct diagnose *d, struct sock_facts *s)
{
	const struct sock_entry *e = s->e;
	bool unread = d->plan[DIAG_SET_UNREAD].any && e->state == TCP_STATE_ESTABLISHED;
	bool blocked = d->plan[DIAG_SET_BLOCKED].any &&
		       (e->state == TCP_STATE_ESTABLISHED || e->state == TCP_STATE_CLOSE_WAIT);
	const struct diag_plan *plan;

	if ((!unread && !blocked) || d->st == NULL || (e->recv_q == 0 && e->send_q == 0) ||
	    !statetrack_stall_at(d->st, s->i, &s->stall))
		return 0;
	plan = &d->plan[DIAG_SET_UNREAD];
	if (unread && s->stall.unread_s >= 0)
		for (unsigned int j = 0; j < plan->n; j++)
			if (file_in(d, s, DIAG_SET_UNREAD, (enum diag_grouping)plan->list[j]) < 0)
				return -1;
	plan = &d->plan[DIAG_SET_BLOCKED];
	if (blocked && s->stall.blocked_s >= 0)
		for (unsigned int j = 0; j < plan->n; j++)
			if (file_in(d, s, DIAG_SET_BLOCKED, (enum diag_grouping)plan->list[j]) < 0)
				return -1;
	return 0;
}

static int
file_entry(struct diagnose *d, size_t i)
{
	const struct sock_entry *e = &d->snap->entries[i];
	struct sock_facts s = {.i = i, .e = e};
	const struct diag_plan *plan;

	if (e->state >= TCP_STATE_COUNT)
		return 0;
	if (e->state == TCP_STATE_LISTEN)
		return file_listener(d, i); /* a listener retransmits nothing */
	plan = &d->plan[e->state];
	for (unsigned int j = 0; j < plan->n; j++)
		if (file_in(d, &s, e->state, (enum diag_grouping)plan->list[j]) < 0)
			return -1;
	plan = &d->plan[DIAG_SET_RETRANS];
	if (e->retrans > 0 || e->timer == SOCK_TIMER_RETRANSMIT)
		for (unsigned int j = 0; j < plan->n; j++)
			if (file_in(d, &s, DIAG_SET_RETRANS, (enum diag_grouping)plan->list[j]) < 0)
				return -1;
	plan = &d->plan[DIAG_SET_DEAD_PEER];
	if (plan->any && diag_rules_dead_peer(d, e))
		for (unsigned int j = 0; j < plan->n; j++)
			if (file_in(d, &s, DIAG_SET_DEAD_PEER, (enum diag_grouping)plan->list[j]) < 0)
				return -1;
	return file_stalled(d, &s);
}

int
diag_group_sample(struct diagnose *d)
{
	const struct snapshot *snap = d->snap;
	/* What the test of a healthy connection below reads, worked out
	 * once: states no grouping wants, and masks that drop the checks of
	 * sets no rule groups. */
	uint8_t retrans = d->plan[DIAG_SET_RETRANS].any ? 0xff : 0;
	uint32_t queued = d->plan[DIAG_SET_UNREAD].any || d->plan[DIAG_SET_BLOCKED].any ? UINT32_MAX
										      : 0;
	uint32_t idle_ms = d->dead_peer_idle_ms;
	bool quiet[256] = {false};

	for (int s = 0; s < TCP_STATE_COUNT; s++)
		quiet[s] = s != TCP_STATE_LISTEN && !d->plan[s].any;

	/* Room for twice as many groups as the sample before made (n_groups
	 * still counts them), so probes stay short; the table grows if more
	 * come.  Sized by the sockets instead, it was mostly empty (262,144
	 * slots, 2 MiB, for under 5,000 groups at 100,000 sockets). */
	if (groups_prepare(d, 2 * d->n_groups + 16) < 0)
		goto nomem;
	d->fullest_listener = -1;
	d->fullest_fill = 0;
	memset(d->listening, 0, sizeof(d->listening));
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		/* The common case first: a healthy connection touches no
		 * group at all.  (One of the dead peers retransmits, or has
		 * no timer and has received nothing for long.) */
		if (quiet[e->state] && e->timer != SOCK_TIMER_RETRANSMIT &&
		    (e->retrans & retrans) == 0 && ((e->recv_q | e->send_q) & queued) == 0 &&
		    (e->timer != SOCK_TIMER_NONE || e->last_data_recv_ms < idle_ms))
			continue;
		if (file_entry(d, i) < 0)
			goto nomem;
	}
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

void
diag_group_free(struct diagnose *d)
{
	free(d->slots);
	free(d->groups);
	d->slots = NULL;
	d->groups = NULL;
	d->n_groups = d->groups_cap = 0;
}
