/*
 * ui_views.c - the registry of the dashboard's views: which exist, in
 * which order (Tab's), which one is current, and the states they keep.
 * Calls the views' hooks as ui_view.h promises; never draws.
 * Main thread only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "ui_internal.h"

/* The views in Tab order.  A new view: its file, and one line here. */
#define UI_VIEW_LIST(X)                                                                            \
	X(states)                                                                                  \
	X(listen)                                                                                  \
	X(conns)                                                                                   \
	X(diag)                                                                                    \
	X(kernel)                                                                                  \
	X(peers)                                                                                   \
	X(test)                                                                                    \
	X(netns)                                                                                   \
	X(closed)

#define UI_VIEW_DECLARE(name) extern const struct ui_view ui_view_##name;
#define UI_VIEW_ENTRY(name) &ui_view_##name,
UI_VIEW_LIST(UI_VIEW_DECLARE)
static const struct ui_view *const registry[] = {UI_VIEW_LIST(UI_VIEW_ENTRY)};
enum { N_VIEWS = sizeof(registry) / sizeof(registry[0]) };

size_t
ui_views_count(void)
{
	return N_VIEWS;
}

const struct ui_view *
ui_views_at(size_t index)
{
	return index < N_VIEWS ? registry[index] : NULL;
}

const struct ui_view *
ui_views_by_key(int key)
{
	for (size_t i = 0; i < N_VIEWS; i++)
		if (registry[i]->key == key)
			return registry[i];
	return NULL;
}

static size_t
index_of(const struct ui_view *view)
{
	for (size_t i = 0; i < N_VIEWS; i++)
		if (registry[i] == view)
			return i;
	return 0;
}

const struct ui_view *
ui_views_current(const struct ui *ui)
{
	return registry[ui->view < N_VIEWS ? ui->view : 0];
}

size_t
ui_views_current_index(const struct ui *ui)
{
	return ui->view < N_VIEWS ? ui->view : 0;
}

void *
ui_views_current_state(const struct ui *ui)
{
	return ui->view_states != NULL ? ui->view_states[ui_views_current_index(ui)] : NULL;
}

static void
enter(struct ui *ui)
{
	const struct ui_view *view = ui_views_current(ui);

	ui->sampled_seq = 0;
	if (view->enter != NULL)
		view->enter(ui, ui_views_current_state(ui));
}

static void
leave(struct ui *ui)
{
	const struct ui_view *view = ui_views_current(ui);

	if (view->leave != NULL)
		view->leave(ui, ui_views_current_state(ui));
}

int
ui_views_start(struct ui *ui)
{
	ui->view_states = calloc(N_VIEWS, sizeof(*ui->view_states));
	if (ui->view_states == NULL)
		return -1;
	for (size_t i = 0; i < N_VIEWS; i++) {
		if (registry[i]->state_size == 0)
			continue;
		ui->view_states[i] = calloc(1, registry[i]->state_size);
		if (ui->view_states[i] == NULL) {
			for (size_t k = 0; k < i; k++)
				free(ui->view_states[k]);
			free(ui->view_states);
			ui->view_states = NULL;
			return -1;
		}
	}
	for (size_t i = 0; i < N_VIEWS; i++)
		if (registry[i]->init != NULL)
			registry[i]->init(ui, ui->view_states[i]);
	ui->view = 0;
	enter(ui);
	return 0;
}

void
ui_views_stop(struct ui *ui)
{
	if (ui->view_states == NULL)
		return;
	leave(ui);
	for (size_t i = 0; i < N_VIEWS; i++) {
		if (registry[i]->fini != NULL)
			registry[i]->fini(ui, ui->view_states[i]);
		free(ui->view_states[i]);
	}
	free(ui->view_states);
	ui->view_states = NULL;
}

void
ui_views_show(struct ui *ui, const struct ui_view *view)
{
	if (view == ui_views_current(ui))
		return;
	leave(ui);
	ui->view = index_of(view);
	enter(ui);
}

void
ui_views_restart(struct ui *ui)
{
	leave(ui);
	enter(ui);
}

void
ui_views_sample(struct ui *ui)
{
	const struct ui_view *view = ui_views_current(ui);

	if (ui->shown == NULL || ui->shown->seq == ui->sampled_seq)
		return;
	ui->sampled_seq = ui->shown->seq;
	if (view->sample != NULL)
		view->sample(ui, ui_views_current_state(ui));
}

bool
ui_views_take(struct ui *ui, struct snapshot *snap)
{
	const struct ui_view *view = ui_views_current(ui);

	return view->take != NULL && view->take(ui, ui_views_current_state(ui), snap);
}

const struct ui_view *
ui_views_by_title(const char *title)
{
	for (size_t i = 0; i < N_VIEWS; i++)
		if (strcmp(registry[i]->title, title) == 0)
			return registry[i];
	return NULL;
}

bool
ui_view_name_ok(const char *name)
{
	return ui_views_by_title(name) != NULL;
}
