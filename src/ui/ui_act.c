/*
 * ui_act.c - acting on connections: closing them (SOCK_DESTROY, as
 * ss -K) or signalling their owners, always after a y/n confirmation that
 * names what will be hit.  Acts on the tagged rows, or on the selected
 * row when none is tagged.  Main thread only.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "nl_destroy.h"
#include "sock_format.h"
#include "ui_internal.h"

/* Calls fn for every target row; returns how many there were. */
static size_t
for_each_target(struct ui *ui, void (*fn)(struct ui *, const struct conn_row *, void *), void *arg)
{
	size_t n = 0;

	if (ui->n_tags == 0) {
		const struct conn_row *row = ui_conns_selected(ui);

		if (row != NULL && row->info != NULL && row->info->mark == CONN_GONE)
			return 0;
		if (row != NULL) {
			fn(ui, row, arg);
			n++;
		}
		return n;
	}
	for (size_t i = 0; i < ui->n_rows; i++)
		if (ui_conns_is_tagged(ui, ui->rows[i].entry->cookie) &&
		    (ui->rows[i].info == NULL || ui->rows[i].info->mark != CONN_GONE)) {
			fn(ui, &ui->rows[i], arg);
			n++;
		}
	return n;
}

struct pid_list {
	int pids[16];
	char names[16][16];
	size_t n;
	size_t unknown;
};

static void
collect_pid(struct ui *ui, const struct conn_row *row, void *arg)
{
	struct pid_list *list = arg;
	const struct owner_proc *p = sock_format_owner(ui->shown, row->entry);

	if (p == NULL) {
		list->unknown++;
		return;
	}
	for (size_t i = 0; i < list->n; i++)
		if (list->pids[i] == p->pid)
			return;
	if (list->n < 16) {
		list->pids[list->n] = p->pid;
		snprintf(list->names[list->n], sizeof(list->names[0]), "%s", p->comm);
		list->n++;
	}
}

static void
count_row(struct ui *ui, const struct conn_row *row, void *arg)
{
	(void)ui;
	(void)row;
	(*(size_t *)arg)++;
}

void
ui_act_confirm(struct ui *ui, enum ui_action action)
{
	size_t n = 0;

	if (ui->shown == NULL)
		return;
	if (action == UI_ACTION_DESTROY) {
		for_each_target(ui, count_row, &n);
		if (n == 0) {
			snprintf(ui->status, sizeof(ui->status), "no open connection selected");
			return;
		}
		snprintf(ui->prompt_question, sizeof(ui->prompt_question),
			 "Close %zu connection%s, as ss -K does? y/n", n, n == 1 ? "" : "s");
	} else {
		struct pid_list list;
		int len;

		memset(&list, 0, sizeof(list));
		for_each_target(ui, collect_pid, &list);
		if (list.n == 0) {
			snprintf(ui->status, sizeof(ui->status),
				 "no owning process is known for the selection");
			return;
		}
		len = snprintf(ui->prompt_question, sizeof(ui->prompt_question), "Send SIGTERM to");
		for (size_t i = 0; i < list.n && len < (int)sizeof(ui->prompt_question); i++)
			len += snprintf(ui->prompt_question + len,
					sizeof(ui->prompt_question) - (size_t)len, "%s pid %d (%s)",
					i > 0 ? "," : "", list.pids[i], list.names[i]);
		if (len < (int)sizeof(ui->prompt_question))
			snprintf(ui->prompt_question + len, sizeof(ui->prompt_question) - (size_t)len,
				 "? y/n");
	}
	ui->action = action;
	ui->prompt = UI_PROMPT_CONFIRM;
}

struct destroy_result {
	size_t done, failed;
	char cause[200];
};

static void
destroy_row(struct ui *ui, const struct conn_row *row, void *arg)
{
	struct destroy_result *res = arg;

	(void)ui;
	if (nl_destroy(row->entry, res->cause, sizeof(res->cause)) == 0)
		res->done++;
	else
		res->failed++;
}

void
ui_act_run(struct ui *ui)
{
	if (ui->action == UI_ACTION_DESTROY) {
		struct destroy_result res;

		memset(&res, 0, sizeof(res));
		for_each_target(ui, destroy_row, &res);
		if (res.failed == 0)
			snprintf(ui->status, sizeof(ui->status), "closed %zu connection%s", res.done,
				 res.done == 1 ? "" : "s");
		else
			snprintf(ui->status, sizeof(ui->status), "closed %zu, %zu failed: %s",
				 res.done, res.failed, res.cause);
	} else if (ui->action == UI_ACTION_SIGNAL) {
		struct pid_list list;
		size_t sent = 0;
		int err = 0;

		memset(&list, 0, sizeof(list));
		for_each_target(ui, collect_pid, &list);
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
	ui->action = UI_ACTION_NONE;
	ui->n_tags = 0;
}
