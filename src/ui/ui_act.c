/*
 * ui_act.c - acting on connections: closing them (SOCK_DESTROY, as
 * ss -K) or signalling their owners.  The caller (the connection table)
 * names the sockets and asks the user first; this file words the
 * question, naming what will be hit, and does the deed, saying in
 * ui->status how it went.  Main thread only; draws nothing, asks nothing.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "nl_destroy.h"
#include "sock_format.h"
#include "ui_internal.h"

struct pid_list {
	int pids[16];
	char names[16][16];
	size_t n;
};

/* The distinct owning processes of the targets (at most 16). */
static void
collect_pids(const struct ui_act_targets *t, struct pid_list *list)
{
	memset(list, 0, sizeof(*list));
	for (size_t k = 0; k < t->n; k++) {
		const struct owner_proc *p = sock_format_owner(t->snap, t->entries[k]);
		bool known = false;

		if (p == NULL)
			continue;
		for (size_t i = 0; i < list->n; i++)
			known |= list->pids[i] == p->pid;
		if (known || list->n == 16)
			continue;
		list->pids[list->n] = p->pid;
		snprintf(list->names[list->n], sizeof(list->names[0]), "%s", p->comm);
		list->n++;
	}
}

bool
ui_act_question(struct ui *ui, enum ui_action action, const struct ui_act_targets *t, char *q,
		size_t size)
{
	struct pid_list list;
	int len;

	if (action == UI_ACTION_DESTROY) {
		if (t->n == 0) {
			snprintf(ui->status, sizeof(ui->status), "no open connection selected");
			return false;
		}
		snprintf(q, size, "Close %zu connection%s, as ss -K does? y/n", t->n,
			 t->n == 1 ? "" : "s");
		return true;
	}
	collect_pids(t, &list);
	if (list.n == 0) {
		snprintf(ui->status, sizeof(ui->status), "no owning process is known for the selection");
		return false;
	}
	len = snprintf(q, size, "Send SIGTERM to");
	for (size_t i = 0; i < list.n && len < (int)size; i++)
		len += snprintf(q + len, size - (size_t)len, "%s pid %d (%s)", i > 0 ? "," : "",
				list.pids[i], list.names[i]);
	if (len < (int)size)
		snprintf(q + len, size - (size_t)len, "? y/n");
	return true;
}

void
ui_act_run(struct ui *ui, enum ui_action action, const struct ui_act_targets *t)
{
	if (action == UI_ACTION_DESTROY) {
		size_t done = 0, failed = 0;
		char cause[200] = "";

		for (size_t k = 0; k < t->n; k++) {
			if (nl_destroy(t->entries[k], cause, sizeof(cause)) == 0)
				done++;
			else
				failed++;
		}
		if (failed == 0)
			snprintf(ui->status, sizeof(ui->status), "closed %zu connection%s", done,
				 done == 1 ? "" : "s");
		else
			snprintf(ui->status, sizeof(ui->status), "closed %zu, %zu failed: %s", done,
				 failed, cause);
	} else {
		struct pid_list list;
		size_t sent = 0;
		int err = 0;

		collect_pids(t, &list);
		for (size_t i = 0; i < list.n; i++) {
			if (kill(list.pids[i], SIGTERM) == 0)
				sent++;
			else
				err = errno;
		}
		if (err == 0)
			snprintf(ui->status, sizeof(ui->status), "SIGTERM sent to %zu process%s", sent,
				 sent == 1 ? "" : "es");
		else
			snprintf(ui->status, sizeof(ui->status), "SIGTERM sent to %zu, failed: %s%s",
				 sent, strerror(err),
				 err == EPERM ? " (another user's process: run as root)" : "");
	}
}
