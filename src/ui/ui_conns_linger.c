/*
 * ui_conns_linger.c - the connection table's short-lived rows: the
 * connections that opened and closed between two samples (never in one,
 * so the tracker has no tombstone of them), heard from the kernel's
 * destroy events (the pipeline's closed model), shown as red lingering
 * rows for the linger time after they closed, like closed sockets a
 * sample saw.  At most UI_CONNS_LINGER_MAX of them, and never more than
 * half the screen's lines: a flood of short connections must not push
 * the live ones off the table.
 *
 * It keeps copies (entries, an owner table of their holders, tracker
 * records marked gone) taken when the table is given a sample: the
 * model's ring moves on with every sample fed, the table's rows must
 * not.  The rows it adds point into those copies until the next sample.
 *
 * Main thread only (the connection table's hooks).  Draws nothing.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "closed_stats.h"
#include "owners.h"
#include "ui_conns_linger.h"

/* Short-lived closes kept per sample, before the filter and the cap. */
#define KEEP 256

struct ui_conns_linger {
	struct sock_entry entries[KEEP];
	struct conn_info infos[KEEP];
	size_t n;
	struct owner_table *owners; /* holders of the entries, or NULL */
};

struct ui_conns_linger *
ui_conns_linger_new(void)
{
	return calloc(1, sizeof(struct ui_conns_linger));
}

void
ui_conns_linger_free(struct ui_conns_linger *l)
{
	if (l == NULL)
		return;
	owner_table_unref(l->owners);
	free(l);
}

/* An owner table of the copies' holders (pid and name from the closed
 * model); entries without one, or all when out of memory, have none. */
static void
own(struct ui_conns_linger *l, const struct closed_conn *const *closes)
{
	struct owner_table *t = owner_table_new();

	for (size_t i = 0; i < l->n; i++) {
		struct owner_proc proc;
		int index;

		if (t == NULL || closes[i]->pid == 0)
			continue;
		memset(&proc, 0, sizeof(proc));
		proc.pid = closes[i]->pid;
		memcpy(proc.comm, closes[i]->process, sizeof(proc.comm));
		proc.cmdline = "";
		proc.user = "-";
		index = owner_table_add_proc(t, &proc);
		if (index < 0) {
			owner_table_unref(t);
			t = NULL;
			break;
		}
		l->entries[i].owner_status = OWNER_FOUND;
		l->entries[i].owner = (uint32_t)index;
		l->entries[i].n_owners = 1;
	}
	if (t != NULL && owner_table_seal(t) < 0) {
		owner_table_unref(t);
		t = NULL;
	}
	if (t == NULL)
		for (size_t i = 0; i < l->n; i++)
			l->entries[i].owner_status = OWNER_NONE;
	l->owners = t;
}

void
ui_conns_linger_sample(struct ui_conns_linger *l, const struct ui *ui, double linger_s)
{
	/* No pipeline (tests of the table alone): nothing to linger. */
	const struct closed_model *m = ui->pipe != NULL ? pipeline_closed(ui->pipe) : NULL;
	const struct snapshot *snap = ui->shown;
	const struct closed_conn *closes[KEEP];
	uint64_t until, since, window;
	double now;

	if (l == NULL)
		return;
	owner_table_unref(l->owners);
	l->owners = NULL;
	l->n = 0;
	if (m == NULL || snap == NULL || !snap->has_closes || linger_s <= 0)
		return;
	/* The window ends with the sample on screen: closes heard after it
	 * (in samples fed but not shown, paused) wait for theirs. */
	until = closed_window_end(snap);
	window = (uint64_t)(linger_s * 1e9);
	since = until > window ? until - window : 0;
	l->n = closed_recent_short(m, since, until, closes, KEEP);
	now = (double)snap->taken_mono.tv_sec + (double)snap->taken_mono.tv_nsec / 1e9;
	for (size_t i = 0; i < l->n; i++) {
		struct conn_info *info = &l->infos[i];
		/* On the samples' monotonic clock: when it closed. */
		double closed_at = now - (double)(until - closes[i]->ev.time_ns) / 1e9;

		l->entries[i] = closes[i]->ev.entry;
		l->entries[i].state = TCP_STATE_CLOSE;
		l->entries[i].owner_status = OWNER_NONE;
		l->entries[i].n_owners = 0;
		memset(info, 0, sizeof(*info));
		info->first_seen = closed_at;
		info->send_rate = -1;
		info->recv_rate = -1;
		info->mark = CONN_GONE;
		info->n_states = 1;
		info->states[0] = TCP_STATE_CLOSE;
		info->state_ms[0] = 0;
	}
	own(l, closes);
}

size_t
ui_conns_linger_count(const struct ui_conns_linger *l)
{
	return l != NULL ? l->n : 0;
}

size_t
ui_conns_linger_rows(const struct ui_conns_linger *l, const struct filter *filter,
		     struct conn_row *rows)
{
	size_t cap = UI_CONNS_LINGER_MAX, w = 0;

	if (l == NULL)
		return 0;
	if (LINES > 0 && (size_t)(LINES / 2) < cap)
		cap = (size_t)(LINES / 2);
	for (size_t i = 0; i < l->n && w < cap; i++) {
		if (filter != NULL && !filter_match(filter, &l->entries[i]))
			continue;
		rows[w].entry = &l->entries[i];
		rows[w].info = &l->infos[i];
		rows[w].owners = l->owners;
		w++;
	}
	return w;
}
