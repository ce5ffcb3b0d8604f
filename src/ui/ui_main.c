/*
 * ui_main.c - the dashboard's event loop.
 *
 * poll()s the keyboard and the ring's wake descriptor; takes each new
 * snapshot from the ring (every one feeds the history, the newest is
 * shown unless paused); redraws at least twice a second so the sample's
 * age stays true.  SIGINT, SIGTERM and SIGHUP end the loop like 'q', so
 * the terminal is always restored and the sampler closes a recording
 * whole; so does a terminal that hangs up.  Ctrl-Z is curses' own
 * (restores the terminal, redraws on fg).  Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ui.h"
#include "ui_internal.h"
#include "timespec_util.h"

static volatile sig_atomic_t stop_signal;

static void
on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void
install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() must return so the loop sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void
ui_count(const struct ui *ui, const struct snapshot *snap, uint32_t counts[TCP_STATE_COUNT],
	 uint32_t *total)
{
	snapshot_count(snap, ui->filter != NULL ? filter_selects : NULL, ui->filter, counts, total);
}

/* A replay stepped or sought back: histories start over from the sample
 * now shown, as they would have at that time (the pipeline does the same
 * for rates and findings). */
static void
went_back(struct ui *ui)
{
	history_clear(ui->history);
	ui_views_restart(ui);
	ui->has_last = false;
}

/* The sample fed on the last turn goes on screen, unless the view was
 * paused in between. */
static void
show_fed(struct ui *ui)
{
	struct snapshot *snap = ui->fed;

	ui->fed = NULL;
	if (!ui->paused) {
		ui->shown_has_prev = ui->fed_has_prev;
		memcpy(ui->shown_prev_counts, ui->fed_prev_counts, sizeof(ui->fed_prev_counts));
		if (ui->fed_filter == ui->filter) {
			memcpy(ui->shown_counts, ui->fed_counts, sizeof(ui->fed_counts));
			ui->shown_total = ui->fed_total;
		} else {
			/* A key changed the filter in between. */
			ui_count(ui, snap, ui->shown_counts, &ui->shown_total);
			ui->shown_has_prev = false;
		}
		snapshot_unref(ui->shown);
		ui->shown = snap;
		return;
	}
	/* Whatever the view began to take of it goes with it. */
	ui_views_take(ui, NULL);
	snapshot_unref(snap);
}

/*
 * A sample's work is done over several turns of the loop, with the
 * keyboard read in between, so a key waits for one piece of it at most:
 *
 *   1. every snapshot newer than the last one taken goes into the
 *      history and through the models (rates, findings, the test), one
 *      model a turn, with the keyboard read between them; the newest
 *      is kept as ui->fed, unless the view is paused;
 *   2. on the next turns the current view takes it in steps (the
 *      table tracks its connections), with the keyboard read between
 *      them; then ui->fed goes on screen, and the view builds what it
 *      draws (the table's rows, sorted).
 *
 * With from_ring false, only the view is given the snapshot on screen
 * if it has not seen it (a view just entered).  Returns whether step 2
 * is still to come or under way: the loop then does not wait for
 * input.
 */
static bool
take_snapshots(struct ui *ui, bool from_ring)
{
	struct snapshot *snap;
	uint64_t missed;

	if (from_ring && ui_feeding(ui)) {
		if (ui_feed_step(ui))
			return true;
	} else if (from_ring && ui->fed != NULL) {
		if (!ui->paused && ui_views_take(ui, ui->fed))
			return true;
		show_fed(ui);
		ui_views_sample(ui);
		return false;
	}
	while (from_ring && (snap = ring_next(ui->ring, ui->last_seq, &missed)) != NULL) {
		uint32_t counts[TCP_STATE_COUNT], total;

		/* The ring lets go of the older samples now, not after the
		 * models: the one before would otherwise stay in its other
		 * slot while they take this one.  What the models need of it
		 * they hold themselves. */
		ring_release(ui->ring, snap->seq);
		if (missed > 0) {
			log_msg("ui: %llu sample(s) overwritten before they were shown",
				(unsigned long long)missed);
			history_push_gaps(ui->history, missed);
		}
		if (timespec_seconds(&snap->taken_mono) < ui->last_taken)
			went_back(ui);
		ui->last_taken = timespec_seconds(&snap->taken_mono);
		ui_count(ui, snap, counts, &total);
		history_push(ui->history, counts);
		if (ui->paused)
			ui->pushed_since_pause += 1 + missed;
		/* The one on screen stays there while the models take this
		 * one: a key read in between is answered on it. */
		if (!ui->paused) {
			/* Without a gap, the previous sample is the one taken
			 * last; after a gap there is no honest "change". */
			ui->fed_has_prev = ui->has_last && missed == 0;
			memcpy(ui->fed_prev_counts, ui->last_counts, sizeof(ui->last_counts));
			memcpy(ui->fed_counts, counts, sizeof(counts));
			ui->fed_total = total;
			ui->fed_filter = ui->filter;
			snapshot_unref(ui->fed);
			ui->fed = snapshot_ref(snap);
		}
		memcpy(ui->last_counts, counts, sizeof(ui->last_counts));
		ui->has_last = true;
		ui->last_seq = snap->seq;
		if (ui_feed_begin(ui, snap, missed)) {
			snapshot_unref(snap); /* the models hold it */
			return true;
		}
		snapshot_unref(snap);
	}
	if (ui->fed != NULL && ui->shown == NULL && !ui_feeding(ui)) {
		/* Nothing on screen yet: no key can be waiting on it. */
		show_fed(ui);
	}
	ui_views_sample(ui);
	return ui->fed != NULL;
}

/* Tells the sampler what the screen holds (sampler_shown()): the sample
 * on screen, or, with one being taken in, the one before it.  Paused, the
 * dashboard takes nothing in and nobody waits for it. */
static void
say_shown(struct ui *ui)
{
	if (ui->sampler == NULL)
		return;
	if (ui->paused)
		sampler_shown(ui->sampler, SAMPLER_SHOWN_ALL);
	else
		sampler_shown(ui->sampler, ui->fed != NULL ? ui->fed->seq - 1 : ui->last_seq);
}

/* After the filter changed: the counts on screen follow at once. */
static void
recount_shown(struct ui *ui)
{
	if (ui->shown != NULL)
		ui_count(ui, ui->shown, ui->shown_counts, &ui->shown_total);
	ui->shown_has_prev = false;
	ui->has_last = false;
}

static void
draw(struct ui *ui)
{
	struct timespec start, end;
	const struct ui_view *view = ui_views_current(ui);
	size_t rows = 0;
	bool rebuilt = false;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (ui->page != NULL)
		ui->page->draw(ui, ui->page_ctx);
	else
		ui_frame_draw(ui);
	refresh();
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (view->drawn_rows != NULL)
		rows = view->drawn_rows(ui, ui_views_current_state(ui), &rebuilt);
	/* The benchmark reads these lines: keep their form. */
	log_msg("ui: frame drawn in %.2f ms, view %s, %zu rows%s",
		(double)(end.tv_sec - start.tv_sec) * 1e3 +
			(double)(end.tv_nsec - start.tv_nsec) / 1e6,
		view->title, rows, rebuilt ? ", rebuilt" : "");
}

static void
identify_host(struct ui *ui)
{
	struct utsname uts;

	if (gethostname(ui->hostname, sizeof(ui->hostname)) < 0)
		snprintf(ui->hostname, sizeof(ui->hostname), "?");
	ui->hostname[sizeof(ui->hostname) - 1] = '\0';
	if (uname(&uts) == 0)
		snprintf(ui->kernel, sizeof(ui->kernel), "%s", uts.release);
	else
		snprintf(ui->kernel, sizeof(ui->kernel), "?");
}

/* After the terminal is restored: the marked test's summary, printed and
 * saved when asked.  Returns 0 or -1 with a cause. */
static int
report_test(struct ui *ui, const struct options *opts, char *cause, size_t cause_len)
{
	const struct session *test = pipeline_test(ui->pipe);

	if (test == NULL || session_phase(test) == SESSION_IDLE)
		return 0;
	/* A test still running ends with tcpdeck, at the last sample taken. */
	pipeline_end_test(ui->pipe);
	session_write_text(session_summary(test), stdout);
	fflush(stdout);
	if (opts->summary_prefix != NULL &&
	    session_save(session_summary(test), opts->summary_prefix, cause, cause_len) < 0)
		return -1;
	return 0;
}

int
ui_run(const struct ui_setup *setup, char *cause, size_t cause_len)
{
	struct ring *ring = setup->ring;
	const struct options *opts = setup->opts;
	struct filter *initial_filter = setup->filter;
	struct ui ui;
	int rc = 0;

	memset(&ui, 0, sizeof(ui));
	ui.ring = ring;
	ui.sampler = setup->sampler;
	ui.replay = setup->replay;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(cause, cause_len,
			 "the dashboard needs a terminal; use -b for batch output");
		filter_free(initial_filter);
		return -1;
	}
	ui.filter = initial_filter;
	ui.linger_s = opts->linger_s;
	if (setup->settings != NULL)
		ui.settings = *setup->settings;
	else
		settings_defaults(&ui.settings);
	if (setup->settings_path != NULL)
		snprintf(ui.settings_path, sizeof(ui.settings_path), "%s", setup->settings_path);
	if (setup->settings_note != NULL)
		snprintf(ui.status, sizeof(ui.status), "%s", setup->settings_note);
	ui.history = history_new(HISTORY_DEFAULT_CAPACITY);
	if (ui.history == NULL) {
		snprintf(cause, cause_len, "out of memory for the history");
		goto fail;
	}
	if (ui_feed_start(&ui, setup, cause, cause_len) < 0)
		goto fail;
	identify_host(&ui);
	ui.prompt = ui_prompt_new();
	if (ui.prompt == NULL || ui_views_start(&ui) < 0) {
		snprintf(cause, cause_len, "out of memory for the views");
		goto fail;
	}
	if (ui.settings.view[0] != '\0' && ui_views_by_title(ui.settings.view) != NULL)
		ui_views_show(&ui, ui_views_by_title(ui.settings.view));
	/* Before curses starts: it then leaves SIGINT and SIGTERM to us
	 * rather than exiting from its own handler. */
	install_signal_handlers();
	if (ui_term_start(&ui, opts->ascii, cause, cause_len) < 0)
		goto fail;
	/* --no-mouse, or ui.mouse = off in the config file. */
	ui_mouse_set(&ui, !opts->no_mouse && ui.settings.mouse);

	while (!ui.quit && !stop_signal) {
		struct pollfd fds[3] = {
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = ring_wake_fd(ring), .events = POLLIN},
			{.fd = ui.resolver != NULL ? resolver_wake_fd(ui.resolver) : -1,
			 .events = POLLIN},
		};
		const struct filter *filter_before = ui.filter;
		struct timespec key_at;
		bool keys_pending = false;
		bool closed, half_done;
		int err = 0;
		int key;

		/* Wake-ups are drained before the check: a close that comes
		 * in between then still wakes the next poll. */
		ring_drain_wake(ring);
		closed = ring_closed(ring, &err, cause, cause_len);
		half_done = take_snapshots(&ui, true);
		say_shown(&ui);
		if (closed && !half_done && (err != 0 || opts->max_samples != 0 || ui.shown == NULL)) {
			/* A source failure ends the program with its cause; a
			 * sample limit is a normal end. */
			if (err != 0)
				rc = -1;
			break;
		}
		/* A recording that ended stays on screen until q. */
		ui.ended = closed;
		/* Half a sample taken: its frame comes with the other half,
		 * after a look at the keyboard. */
		if (!half_done)
			draw(&ui);
		if (poll(fds, 3, half_done ? 0 : 500) < 0 && errno != EINTR) {
			snprintf(cause, cause_len, "poll: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* The terminal is gone (a closed pty; SIGHUP may be
			 * ignored): nothing more can be drawn or read, and
			 * polling it again would return at once, forever. */
			log_msg("ui: the terminal closed");
			break;
		}
		if (ui.resolver != NULL)
			resolver_drain_wake(ui.resolver); /* new names: redraw */
		while ((key = getch()) != ERR) {
			if (key == KEY_RESIZE)
				continue; /* the next draw uses the new size */
			clock_gettime(CLOCK_MONOTONIC, &key_at);
			ui_keys_handle(&ui, key);
			keys_pending = true;
		}
		if (ui.filter != filter_before)
			recount_shown(&ui);
		/* A view switch may start tracking.  New samples wait for the
		 * next turn: a key is answered first. */
		if (keys_pending)
			take_snapshots(&ui, false);
		if (keys_pending) {
			struct timespec done;

			/* Answered means drawn: measure up to the next frame. */
			keys_pending = false;
			if (!ui.quit)
				draw(&ui);
			clock_gettime(CLOCK_MONOTONIC, &done);
			log_msg("ui: key answered in %.2f ms",
				(double)(done.tv_sec - key_at.tv_sec) * 1e3 +
					(double)(done.tv_nsec - key_at.tv_nsec) / 1e6);
			say_shown(&ui); /* a key may have paused or resumed */
		}

	}

	ui_term_stop();
	if (report_test(&ui, opts, cause, cause_len) < 0 && rc == 0)
		rc = -1;
out:
	ui_views_stop(&ui);
	ui_prompt_free(ui.prompt);
	ui_feed_stop(&ui);
	snapshot_unref(ui.fed);
	snapshot_unref(ui.shown);
	history_free(ui.history);
	resolver_free(ui.resolver);
	filter_free(ui.filter);
	return rc;

fail:
	/* Set-up failed: the terminal is not taken. */
	rc = -1;
	goto out;
}
