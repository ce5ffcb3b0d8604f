/*
 * ui_save.c - Ctrl-S: the table on screen (conns or listen) saved as
 * CSV, with the filter and the sort on screen, in the very form
 * `tcpdeck -b --view VIEW -o csv` writes (the batch writers of output.h,
 * their default columns).  The prompt asks for the path, offering
 * tcpdeck-VIEW-YYYYmmdd-HHMMSS.csv in the current directory; the file is
 * written whole through safe_file.h (a planted link is refused, a reader
 * never sees half a file).  The view says what is on screen through its
 * save hook, asked when Enter is pressed.  Main thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "safe_file.h"
#include "sanitize.h"
#include "ui_internal.h"

/* Writes the current view's table to path; 0, or -1 with errno. */
static int
write_table(struct ui *ui, const char *path, enum output_view *view)
{
	const struct ui_view *v = ui_views_current(ui);
	struct output_context ctx = {.sort_column = -1, .peers_by = PEERS_BY_TOTAL};
	struct safe_file sf;
	FILE *out;

	*view = (enum output_view)v->save(ui, ui_views_current_state(ui), &ctx);
	if (safe_file_begin(&sf, path, 0644) < 0)
		return -1;
	if ((out = safe_file_stream(&sf)) == NULL ||
	    output_print(&output_csv, *view, out, &ctx) < 0 || fflush(out) != 0) {
		safe_file_abort(&sf);
		return -1;
	}
	return safe_file_commit(&sf);
}

static bool
save_to(struct ui *ui, void *ctx, const char *path, int *bad)
{
	const struct ui_view *v = ui_views_current(ui);
	char shown[SANITIZE_TEXT_MAX(200) + 1];
	enum output_view view;

	(void)ctx;
	(void)bad;
	if (path[0] == '\0') {
		snprintf(ui->status, sizeof(ui->status), "save to: a file name, please");
		return false;
	}
	if (v->save == NULL || ui->shown == NULL) {
		snprintf(ui->status, sizeof(ui->status), "nothing to save yet");
		return true;
	}
	/* The path is typed, but may have come with a paste. */
	sanitize_text(path, strnlen(path, 200), shown, sizeof(shown), NULL);
	if (write_table(ui, path, &view) < 0) {
		snprintf(ui->status, sizeof(ui->status), "cannot write %.160s: %s", shown,
			 safe_file_strerror(errno));
		return false;
	}
	snprintf(ui->status, sizeof(ui->status), "saved the %s table as %.180s", v->title, shown);
	return true;
}

void
ui_save_prompt(struct ui *ui)
{
	const struct ui_view *v = ui_views_current(ui);
	char name[96], when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (v->save == NULL) {
		snprintf(ui->status, sizeof(ui->status),
			 "Ctrl-S saves a table: view 2 (listen) or 3 (conns)");
		return;
	}
	if (ui->shown == NULL) {
		snprintf(ui->status, sizeof(ui->status), "nothing to save yet: no sample");
		return;
	}
	if (localtime_r(&now, &tm) == NULL || strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	snprintf(name, sizeof(name), "tcpdeck-%s-%s.csv", v->title, when);
	ui_prompt_text(ui, "save as CSV (Enter saves, Esc cancels): ", name, save_to, NULL);
}

void
ui_save_key(struct ui *ui, void *state, int arg)
{
	(void)state;
	(void)arg;
	ui_save_prompt(ui);
}
