/*
 * ui_view_test.c - the marked stress test: m marks its start and its
 * end; this view shows the summary as it grows (peaks and when, opens
 * and closes per second, kernel counters, TIME_WAIT drain) and w saves
 * it as JSON and text.  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_internal.h"

/* The view's state: how far the summary is scrolled. */
struct test_view {
	struct ui_scroll scroll;
};

static void
test_draw(struct ui *ui, void *state, int top, int height, int cols)
{
	struct test_view *v = state;

	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int lines;

	const struct session *test = pipeline_test(ui->pipe);

	if (test == NULL)
		return;
	if (session_phase(test) == SESSION_IDLE) {
		attrset(A_BOLD);
		mvaddnstr(top, 0, "STRESS TEST", cols);
		attrset(A_NORMAL);
		mvaddnstr(top + 2, 2,
			  "Press m when the load test starts and m again when it ends (or start "
			  "tcpdeck with --mark).",
			  cols - 2);
		mvaddnstr(top + 3, 2,
			  "tcpdeck then keeps each state's peak, opens and closes per second, "
			  "resets, retransmissions,",
			  cols - 2);
		mvaddnstr(top + 4, 2,
			  "listen drops, and how long TIME_WAIT takes to drain after the end; w "
			  "saves the summary.",
			  cols - 2);
		return;
	}
	f = open_memstream(&text, &len);
	if (f == NULL)
		return;
	session_write_text(session_summary(test), f);
	fclose(f);
	if (text == NULL)
		return;
	lines = ui_text_lines(text);
	ui_scroll_fit(&v->scroll, lines, height);
	ui_text_draw(text, v->scroll.top, top, height, cols);
	free(text);
}

static void
key_save(struct ui *ui, void *state, int arg)
{
	char prefix[64];
	time_t now = time(NULL);
	struct tm tm;
	const struct session *test = pipeline_test(ui->pipe);

	(void)state;
	(void)arg;
	if (session_phase(test) == SESSION_IDLE) {
		snprintf(ui->status, sizeof(ui->status), "no test marked yet: m marks its start");
		return;
	}
	localtime_r(&now, &tm);
	strftime(prefix, sizeof(prefix), "tcpdeck-test-%Y%m%d-%H%M%S", &tm);
	if (session_save(session_summary(test), prefix, ui->status, sizeof(ui->status)) == 0)
		snprintf(ui->status, sizeof(ui->status), "test summary saved to %s.json and %s.txt",
			 prefix, prefix);
}

static struct ui_scroll *
test_scroll(void *state)
{
	return &((struct test_view *)state)->scroll;
}

static const struct ui_key test_keys[] = {
	{'w', 0, "w", "save the summary as tcpdeck-test-TIME.json and .txt", key_save, 0},
	UI_SCROLL_KEYS_LINE,
};

const struct ui_view ui_view_test = {
	.key = '7',
	.title = "test",
	.help = "the marked stress test's summary",
	.state_size = sizeof(struct test_view),
	.draw = test_draw,
	.scroll = test_scroll,
	.keys = test_keys,
	.n_keys = sizeof(test_keys) / sizeof(test_keys[0]),
};
