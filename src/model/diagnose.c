/*
 * diagnose.c - the diagnoser: runs, once per sample, the grouping
 * (diagnose_group.c), the rules (diagnose_rules.c) and the hysteresis
 * (diagnose_hysteresis.c), with the kernel counters' rates, the
 * ephemeral port range and the sample before (a reference) that the rules
 * read.
 * Single-threaded (the UI or the batch loop); never prints.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose_internal.h"
#include "timespec_util.h"

/* Used when ip_local_port_range cannot be read: the kernel's default. */
#define PORT_RANGE_LOW 32768
#define PORT_RANGE_HIGH 60999

const char *
diag_severity_name(enum diag_severity severity)
{
	switch (severity) {
	case DIAG_INFO:
		return "info";
	case DIAG_WARNING:
		return "warning";
	case DIAG_CRITICAL:
		return "critical";
	}
	return "?";
}

struct diagnose *
diagnose_new(const struct diag_config *cfg, const char *proc_root)
{
	struct diagnose *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (cfg != NULL)
		d->cfg = *cfg;
	else
		diag_config_defaults(&d->cfg);
	d->proc_root = strdup(proc_root != NULL ? proc_root : "/proc");
	if (d->proc_root == NULL) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	d->port_low = PORT_RANGE_LOW;
	d->port_high = PORT_RANGE_HIGH;
	diag_rules_plan(d);
	return d;
}

void
diagnose_free(struct diagnose *d)
{
	if (d == NULL)
		return;
	free(d->proc_root);
	snapshot_unref(d->prev_snap);
	free(d->prev_recs);
	owner_table_unref(d->prev_owners);
	free(d->prev_netns);
	diag_group_free(d);
	free(d->cands);
	free(d->found);
	diag_hysteresis_free(&d->hyst);
	free(d->ns);
	free(d->was_listening);
	free(d->listened);
	free(d->early);
	free(d);
}

void
diagnose_set_closed(struct diagnose *d, const struct closed_model *closed)
{
	d->closed = closed;
}

size_t
diagnose_count(const struct diagnose *d)
{
	return d->hyst.n_shown;
}

const struct diag_finding *
diagnose_get(const struct diagnose *d, size_t i)
{
	return i < d->hyst.n_shown ? &d->hyst.shown[i] : NULL;
}

void
diagnose_port_range(const struct diagnose *d, unsigned int *low, unsigned int *high)
{
	*low = d->port_low;
	*high = d->port_high;
}

/* <proc_root>/sys/net/ipv4/ip_local_port_range: "32768\t60999". */
static void
read_port_range(struct diagnose *d)
{
	char path[PATH_MAX], buf[64];
	unsigned int low, high;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_port_range", d->proc_root);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* keep what was known */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "%u %u", &low, &high) == 2 && low > 0 && low <= high && high <= 65535) {
		d->port_low = low;
		d->port_high = high;
	}
}

static void
compute_rates(struct diagnose *d, const struct snapshot *snap)
{
	double now = timespec_seconds(&snap->taken_mono);

	d->rate_dt = d->have_prev && now > d->prev_now ? now - d->prev_now : 0;
	for (int c = 0; c < KC_COUNT; c++) {
		double r;

		d->rate[c] = -1;
		if (d->have_prev && kcounters_rate(&d->prev_counters, &snap->counters,
						   (enum kcounter)c, now - d->prev_now, &r))
			d->rate[c] = r;
	}
	d->prev_counters = snap->counters;
	d->prev_now = now;
	d->have_prev = true;
}

/* The namespace with this inode in the sample before, or NULL. */
static const struct snapshot_netns *
prev_find_netns(const struct diagnose *d, uint32_t inode)
{
	size_t lo = 0, hi = d->n_prev_netns;

	if (d->prev_snap != NULL)
		return snapshot_find_netns(d->prev_snap, inode);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t here = d->prev_netns[mid].info.inode;

		if (here == inode)
			return &d->prev_netns[mid];
		if (here < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
diag_prev_entry(const struct diagnose *d, uint32_t i, struct sock_entry *out)
{
	const struct diag_prev_rec *r;

	memset(out, 0, sizeof(*out));
	if (d->prev_snap != NULL) {
		if (i >= d->prev_snap->n_entries)
			return false;
		*out = d->prev_snap->entries[i];
		return true;
	}
	if (!d->has_prev || i >= d->n_prev_recs)
		return false;
	r = &d->prev_recs[i];
	memcpy(out->remote_addr, r->remote_addr, sizeof(out->remote_addr));
	out->netns = r->netns;
	out->owner = r->owner;
	out->local_port = r->local_port;
	out->remote_port = r->remote_port;
	out->family = r->family;
	out->state = r->state;
	out->owner_status = r->owner_status;
	return true;
}

const struct owner_proc *
diag_prev_owner(const struct diagnose *d, const struct sock_entry *e)
{
	const struct owner_table *owners =
	    d->prev_snap != NULL ? d->prev_snap->owners : d->prev_owners;

	if (owners == NULL || e->owner_status != OWNER_FOUND)
		return NULL;
	return owner_table_proc(owners, e->owner);
}

/* Forgets the records of the sample before (their memory too: while
 * the findings hold a reference instead, it would be kept for nothing). */
static void
drop_records(struct diagnose *d)
{
	free(d->prev_recs);
	d->prev_recs = NULL;
	d->prev_recs_cap = 0;
	d->n_prev_recs = 0;
	d->n_prev_netns = 0;
	owner_table_unref(d->prev_owners);
	d->prev_owners = NULL;
}

/*
 * Keeps what the next update reads of snap (the sample before, then) in
 * records: one per entry, its owner table and namespaces.  0, or -1
 * (ENOMEM) with no records.
 */
static int
keep_records(struct diagnose *d, const struct snapshot *snap)
{
	size_t n = snap->n_entries;

	drop_records(d);
	d->prev_recs = malloc((n > 0 ? n : 1) * sizeof(*d->prev_recs));
	if (d->prev_recs == NULL)
		return -1;
	d->prev_recs_cap = n;
	if (snap->n_netns > d->prev_netns_cap) {
		struct snapshot_netns *more =
		    realloc(d->prev_netns, snap->n_netns * sizeof(*more));

		if (more == NULL) {
			drop_records(d);
			return -1;
		}
		d->prev_netns = more;
		d->prev_netns_cap = snap->n_netns;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sock_entry *e = &snap->entries[i];
		struct diag_prev_rec *r = &d->prev_recs[i];

		memcpy(r->remote_addr, e->remote_addr, sizeof(r->remote_addr));
		r->netns = e->netns;
		r->owner = e->owner;
		r->local_port = e->local_port;
		r->remote_port = e->remote_port;
		r->family = e->family;
		r->state = e->state;
		r->owner_status = e->owner_status;
	}
	if (snap->n_netns > 0)
		memcpy(d->prev_netns, snap->netns, snap->n_netns * sizeof(*snap->netns));
	d->n_prev_recs = n;
	d->n_prev_netns = snap->n_netns;
	d->prev_owners = snap->owners != NULL ? owner_table_ref(snap->owners) : NULL;
	return 0;
}

bool
diagnose_let_go(struct diagnose *d)
{
	if (d->prev_snap == NULL || snapshot_shared(d->prev_snap))
		return false;
	/* Out of memory: the reference stays, findings are the same. */
	if (keep_records(d, d->prev_snap) < 0)
		return false;
	snapshot_unref(d->prev_snap);
	d->prev_snap = NULL;
	return true;
}

/*
 * With namespaces: room for one diag_ns per namespace, each with its
 * counters' rates since the sample before (its entry in that sample's
 * table).  0, or -1 (ENOMEM).
 */
static int
ns_prepare(struct diagnose *d, const struct snapshot *snap)
{
	double now = timespec_seconds(&snap->taken_mono);
	double dt = d->has_prev ? now - d->prev_taken : 0;

	if (snap->n_netns > d->ns_cap) {
		struct diag_ns *more = realloc(d->ns, snap->n_netns * sizeof(*more));

		if (more == NULL)
			return -1;
		d->ns = more;
		d->ns_cap = snap->n_netns;
	}
	for (size_t i = 0; i < snap->n_netns; i++) {
		const struct snapshot_netns *ns = &snap->netns[i];
		const struct snapshot_netns *before =
		    d->has_prev && dt > 0 ? prev_find_netns(d, ns->info.inode) : NULL;
		struct diag_ns *x = &d->ns[i];

		x->fullest_listener = -1;
		x->fullest_fill = 0;
		x->vanished = -1;
		x->vanished_syn_sent = 0;
		for (int c = 0; c < KC_COUNT; c++) {
			double r;

			x->rate[c] = -1;
			if (before != NULL && kcounters_rate(&before->counters, &ns->counters,
							     (enum kcounter)c, dt, &r))
				x->rate[c] = r;
		}
	}
	return 0;
}

ssize_t
diag_ns_index(const struct diagnose *d, uint32_t netns)
{
	const struct snapshot_netns *ns = d->by_netns ? snapshot_find_netns(d->snap, netns) : NULL;

	return ns != NULL ? ns - d->snap->netns : -1;
}

void
diag_scope_prepare(struct diagnose *d)
{
	if (!d->by_netns)
		return;
	/* A port's listener group keeps its fullest listener. */
	for (size_t i = 0; i < d->n_groups; i++) {
		const struct diag_group *g = &d->groups[i];
		ssize_t k;

		if (g->key.set != TCP_STATE_LISTEN || g->key.by != DIAG_BY_PORT ||
		    d->snap->entries[g->example].recv_q == 0 ||
		    (k = diag_ns_index(d, g->key.netns)) < 0 || !(g->fill > d->ns[k].fullest_fill))
			continue;
		d->ns[k].fullest_fill = g->fill;
		d->ns[k].fullest_listener = g->example;
	}
}

void
diag_scope(struct diagnose *d, uint32_t netns)
{
	static const struct snapshot_nfct none;
	static const uint32_t zero[TCP_STATE_COUNT];
	ssize_t k;

	if (!d->by_netns) {
		d->cur_netns = 0;
		d->nfct = &d->snap->nfct;
		d->counts = d->snap->counts;
		return;
	}
	d->cur_netns = netns;
	k = diag_ns_index(d, netns);
	if (k < 0) {
		/* Sockets of a namespace missing from the table: nothing is
		 * known of its counters. */
		d->nfct = &none;
		d->counts = zero;
		for (int c = 0; c < KC_COUNT; c++)
			d->rate[c] = -1;
		d->fullest_listener = -1;
		d->fullest_fill = 0;
		d->vanished = -1;
		d->vanished_syn_sent = 0;
		return;
	}
	d->nfct = &d->snap->netns[k].nfct;
	d->counts = d->snap->netns[k].counts;
	memcpy(d->rate, d->ns[k].rate, sizeof(d->rate));
	d->fullest_listener = d->ns[k].fullest_listener;
	d->fullest_fill = d->ns[k].fullest_fill;
	d->vanished = d->ns[k].vanished;
	d->vanished_syn_sent = d->ns[k].vanished_syn_sent;
}

int
diagnose_update(struct diagnose *d, const struct snapshot *snap, const struct statetrack *st)
{
	int rc;

	read_port_range(d);
	d->by_netns = snap->n_netns > 0;
	if (d->by_netns && ns_prepare(d, snap) < 0) {
		errno = ENOMEM;
		return -1;
	}
	compute_rates(d, snap);
	d->snap = snap;
	diag_scope(d, 0);
	d->st = st;
	d->closes = NULL;
	d->n_closes = 0;
	if (d->closed != NULL && snap->has_closes)
		d->closes = closed_model_fresh(d->closed, &d->n_closes);
	rc = diag_group_sample(d) < 0 || diag_rules_evaluate(d) < 0 ||
		     diag_hysteresis_apply(&d->hyst, d->found, d->n_found,
					   timespec_seconds(&snap->taken_mono),
					   (uint32_t)diag_cfg(d, DIAG_FIRE_SAMPLES),
					   (uint32_t)diag_cfg(d, DIAG_QUIET_SAMPLES),
					   diag_cfg(d, DIAG_CLEAR_PCT) / 100) < 0
		 ? -1
		 : 0;
	d->snap = NULL;
	d->st = NULL;
	d->closes = NULL;
	d->n_closes = 0;
	/* Kept for the next update, whose vanished sockets are in it: a
	 * reference, costing nothing while others hold it too;
	 * diagnose_let_go() trades it for records when it would be the
	 * last.  A sealed snapshot is immutable; only its count of
	 * references changes. */
	drop_records(d);
	snapshot_unref(d->prev_snap);
	d->prev_snap = snapshot_ref((struct snapshot *)snap);
	d->prev_taken = timespec_seconds(&snap->taken_mono);
	d->has_prev = true;
	if (rc < 0)
		errno = ENOMEM;
	return rc;
}
