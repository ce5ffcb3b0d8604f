/*
 * diagnose_hysteresis.c - keeps findings from flapping.  Each finding key
 * ("close_wait/pid:812") has a record that moves through fire (the level
 * reached 1 for hysteresis.fire_samples samples in a row), hold (between
 * the clearing threshold and 1: stays as it is), clearing (below
 * hysteresis.clear_pct of the threshold, or not found) and clear (after
 * hysteresis.quiet_samples such samples in a row).  Knows findings only
 * by key and level, nothing of the rules.
 * Single-threaded (the diagnoser's owner); never prints.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "diagnose_internal.h"

static struct diag_record *
record_find(struct diag_hysteresis *h, const char *key)
{
	for (size_t i = 0; i < h->n_records; i++)
		if (strcmp(h->records[i].f.key, key) == 0)
			return &h->records[i];
	return NULL;
}

static struct diag_record *
record_add(struct diag_hysteresis *h, const struct diag_finding *f)
{
	struct diag_record *r;

	if (diag_grow(&h->records, &h->records_cap, h->n_records, sizeof(*h->records), 16) < 0)
		return NULL;
	r = &h->records[h->n_records++];
	memset(r, 0, sizeof(*r));
	r->f = *f;
	return r;
}

static int
finding_cmp(const void *a, const void *b)
{
	const struct diag_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Matches this sample's findings with the records; false when out of
 * memory. */
static bool
match(struct diag_hysteresis *h, const struct diag_finding *found, size_t n)
{
	for (size_t i = 0; i < h->n_records; i++)
		h->records[i].seen = false;
	for (size_t i = 0; i < n; i++) {
		struct diag_record *r = record_find(h, found[i].key);

		if (r == NULL) {
			if (found[i].level < 1)
				continue; /* between the thresholds, never fired */
			r = record_add(h, &found[i]);
			if (r == NULL)
				return false;
		} else {
			double since = r->f.since;

			r->f = found[i];
			r->f.since = since;
		}
		r->seen = true;
	}
	return true;
}

int
diag_hysteresis_apply(struct diag_hysteresis *h, const struct diag_finding *found, size_t n,
		      double now, uint32_t fire, uint32_t quiet, double clear)
{
	size_t w = 0;

	if (!match(h, found, n))
		return -1;
	for (size_t i = 0; i < h->n_records; i++) {
		struct diag_record *r = &h->records[i];
		double level = r->seen ? r->f.level : 0;

		if (level >= 1) {
			r->above_run++;
			r->below_run = 0;
		} else if (level < clear || !r->seen) {
			r->below_run++;
			r->above_run = 0;
		} else {
			r->above_run = 0;
			r->below_run = 0;
		}
		if (!r->active && r->above_run >= fire) {
			r->active = true;
			r->f.since = now;
		}
		if (r->active && r->below_run >= quiet)
			r->active = false;
		r->f.clearing = r->active && r->below_run > 0;
		if (r->active || r->above_run > 0)
			h->records[w++] = *r;
	}
	h->n_records = w;

	h->n_shown = 0;
	if (h->shown_cap < h->n_records) {
		struct diag_finding *more = realloc(h->shown, h->n_records * sizeof(*more));

		if (more == NULL)
			return -1;
		h->shown = more;
		h->shown_cap = h->n_records;
	}
	for (size_t i = 0; i < h->n_records; i++)
		if (h->records[i].active)
			h->shown[h->n_shown++] = h->records[i].f;
	if (h->n_shown > 1)
		qsort(h->shown, h->n_shown, sizeof(*h->shown), finding_cmp);
	return 0;
}

void
diag_hysteresis_free(struct diag_hysteresis *h)
{
	free(h->records);
	free(h->shown);
	memset(h, 0, sizeof(*h));
}
