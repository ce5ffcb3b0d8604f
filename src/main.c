/*
 * main.c - tcpdeck's entry point: parses options, starts the sampler,
 * runs the dashboard or batch mode, and decides what the user sees when
 * something fails (one line on stderr, exit 2 for usage, 1 otherwise).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "batch.h"
#include "close_listener.h"
#include "diag_config.h"
#include "filter.h"
#include "log.h"
#include "netns_find.h"
#include "options.h"
#include "procmap.h"
#include "prom_export.h"
#include "record_write.h"
#include "ring.h"
#include "safe_file.h"
#include "sanitize.h"
#include "sampler.h"
#include "serve.h"
#include "web_config.h"
#include "source.h"
#include "source_record.h"
#include "tcp_state_help.h"
#include "ui.h"
#include "who.h"

/* The ring only has to bridge short stalls of the reader; every slot can
 * pin a whole snapshot in memory, so it stays small. */
enum { RING_SLOTS = 2 };

/*
 * --who: one sample with owners, the report, and an exit status a script
 * can test: 0 when some process owns the port, 1 when none does.
 */
static int
run_who(struct ring *ring, const struct who_target *who, char *msg, size_t msg_len)
{
	struct snapshot *snap = batch_first(ring, msg, msg_len);
	size_t sockets, hidden, owned;

	if (snap == NULL)
		return -1;
	owned = who_print(stdout, snap, who, &sockets, &hidden);
	if (owned == 0) {
		if (hidden > 0)
			fprintf(stderr,
				"tcpdeck: port %u: %zu socket(s), owned by processes of other users; "
				"run as root to see them\n",
				who->port, sockets);
		else if (sockets > 0)
			fprintf(stderr, "tcpdeck: port %u: %zu socket(s), none held by a process\n",
				who->port, sockets);
		else
			fprintf(stderr, "tcpdeck: no socket on port %u\n", who->port);
	}
	snapshot_unref(snap);
	return owned > 0 ? 0 : 1;
}

/* --config FILE, else the default file when there is one; the defaults
 * otherwise.  0; 1 when bad lines were skipped ("FILE:LINE: ..." in
 * msg, the rest of the file applied); -1 when the file cannot be used. */
static int
load_diag_config(const char *path, struct diag_config *cfg, char *msg, size_t msg_len)
{
	char def[PATH_MAX];
	int rc;

	diag_config_defaults(cfg);
	if (path != NULL) {
		rc = diag_config_load(cfg, path, 0, msg, msg_len);
	} else {
		if (diag_config_default_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"), def,
					     sizeof(def)) < 0)
			return 0;
		rc = diag_config_load(cfg, def, 1, msg, msg_len);
	}
	return rc < 0 ? -1 : rc == 2 ? 1 : 0;
}

static void print_safe(const char *prefix, const char *text);

/* A bad line of the dashboard's settings: said, then the rest is used.
 * The first is said again in the dashboard's status line (arg), since
 * the screen is cleared right after. */
static void
warn_setting(void *arg, const char *msg)
{
	char *note = arg;

	print_safe("", msg);
	if (note[0] == '\0')
		snprintf(note, 256, "%s", msg);
}

/*
 * The dashboard's settings: the defaults, under the config file's ui.*
 * keys (--config FILE or the default file), under the command line's
 * options.  path gets the file the setup screen saves to ("" when there
 * is none).  A file that cannot be read is said and skipped: the
 * thresholds' loader has already refused a --config that is missing.
 */
static void
load_settings(struct options *opts, struct settings *s, char *path, size_t path_len, char *note)
{
	char err[512];

	settings_defaults(s);
	path[0] = '\0';
	if (opts->config_path != NULL)
		snprintf(path, path_len, "%s", opts->config_path);
	else if (diag_config_default_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"), path,
					  path_len) < 0)
		path[0] = '\0';
	if (path[0] != '\0' &&
	    settings_load(s, path, ui_view_name_ok, warn_setting, note, err, sizeof(err)) < 0)
		print_safe("", err);
	if (opts->interval_given || !(s->set & SETTINGS_HAS_INTERVAL))
		s->interval_s = opts->interval_s;
	else
		opts->interval_s = s->interval_s;
	if (opts->linger_given || !(s->set & SETTINGS_HAS_LINGER))
		s->linger_s = opts->linger_s;
	else
		opts->linger_s = s->linger_s;
	if (opts->sort_column >= 0) {
		s->sort_column = opts->sort_column;
		s->sort_descending = opts->sort_descending;
		s->set |= SETTINGS_HAS_SORT;
	}
	if (opts->theme >= 0)
		s->theme = (enum settings_theme)opts->theme;
	if (opts->no_mouse)
		s->mouse = false;
}

/* Set by SIGINT, SIGTERM and SIGHUP in a marked, exporting or recording
 * batch run: the run ends, the test's summary is still printed and the
 * recording closed whole. */
static volatile sig_atomic_t batch_stop;

static void
on_batch_stop(int sig)
{
	batch_stop = sig;
}

/* Without SA_RESTART, so the batch loop's poll() returns at once.
 * SIGHUP too: an ssh connection that drops. */
static void
catch_batch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_batch_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static struct batch_request
batch_request_of(const struct options *opts, const struct filter *filter,
		 const struct diag_config *diag_cfg)
{
	struct batch_request req = {
		.format = opts->format,
		.view = opts->view,
		.match = filter != NULL ? filter_selects : NULL,
		.filter = filter,
		.sort_column = opts->sort_column,
		.sort_descending = opts->sort_descending,
		.peers_by = opts->peers_by,
		.peers_top = opts->peers_top > UINT_MAX ? UINT_MAX : (unsigned int)opts->peers_top,
		.diag_config = diag_cfg,
		.mark = opts->mark || opts->summary_prefix != NULL,
		.summary_prefix = opts->summary_prefix,
		.stop = &batch_stop,
		.columns = &opts->columns,
		.no_header = opts->no_header,
	};

	return req;
}

/* Hears the connections the kernel closes between samples, for a view
 * that shows them.  Without it (no sock_diag, out of memory) the view
 * shows none: logged, not fatal.  TCPDECK_EVENTS_RCVBUF sets the receive
 * buffer (bytes), for tests of overruns. */
static void
listen_closes(struct sampler *sampler)
{
	const char *env = getenv("TCPDECK_EVENTS_RCVBUF");
	long rcvbuf = env != NULL ? strtol(env, NULL, 10) : 0;
	char cause[256];
	struct close_listener *l;

	l = close_listener_new(rcvbuf > 0 && rcvbuf < INT_MAX ? (int)rcvbuf : 0, cause,
			       sizeof(cause));
	if (l == NULL) {
		log_msg("%s", cause);
		return;
	}
	if (close_listener_start(l) < 0) {
		log_msg("cannot start the close listener: %s", strerror(errno));
		close_listener_free(l);
		return;
	}
	sampler_set_close_listener(sampler, l);
}

/* Everything main() acquires, so that every way out frees the same things
 * in one place (app_free).  A member handed to another owner is set to
 * NULL (or moved, for the source) at the hand-over. */
struct app {
	struct options opts;
	bool opts_parsed;
	struct filter *filter;
	struct diag_config diag_cfg;
	struct settings settings;      /* the dashboard's */
	char settings_path[PATH_MAX];
	char settings_note[256];       /* the first bad setting, or "" */
	struct source source; /* moved into the sampler by sampler_new() */
	struct ring *ring;
	struct sampler *sampler;
	struct serve *server;          /* --serve */
	struct prom_export *exporter;  /* --serve, --textfile */
	char msg[512];
};

static void
app_free(struct app *app)
{
	sampler_free(app->sampler); /* stops the thread, closes its source */
	serve_stop(app->server);
	prom_export_free(app->exporter);
	source_close(&app->source);
	ring_free(app->ring);
	filter_free(app->filter);
	log_close();
	if (app->opts_parsed)
		options_free(&app->opts);
}

/* One line on stderr, made safe (sanitize.h): a message may quote a path,
 * a config file's line or a recording's bytes. */
static void
print_safe(const char *prefix, const char *text)
{
	char safe[SANITIZE_TEXT_MAX(512) + 1];

	sanitize_str(text, safe, sizeof(safe), NULL);
	fprintf(stderr, "tcpdeck: %s%s\n", prefix, safe);
}

/* The message in app->msg, one line on stderr; returns `status`. */
static int
app_fail(struct app *app, int status)
{
	print_safe("", app->msg);
	return status;
}

/* One line on stderr with raw bytes made safe (a namespace spec or path
 * the user typed, a directory name); returns `status`. */
static int
app_fail_raw(struct app *app, int status)
{
	char safe[SANITIZE_TEXT_MAX(sizeof(app->msg)) + 1];

	sanitize_str(app->msg, safe, sizeof(safe), NULL);
	fprintf(stderr, "tcpdeck: %s\n", safe);
	return status;
}

/*
 * --netns, -N: the live source over those namespaces.  A spec naming no
 * namespace is a usage error (2); one that may not be entered, or any
 * other failure, is 1.  The note of `all` without the right to see other
 * namespaces is shown once here (batch, --who; the dashboard shows it in
 * its status line).  Returns 0 or the exit status.
 */
static int
open_netns(struct app *app, const struct source_live_options *live)
{
	struct options *opts = &app->opts;
	struct source_netns_options nopts = {
		.specs = (const char *const *)opts->netns,
		.n_specs = opts->n_netns,
	};
	const char *threads = getenv("TCPDECK_NETNS_THREADS"); /* for benchmarks */
	struct rlimit limit;

	for (size_t i = 0; i < opts->n_netns; i++) {
		struct netns_ref ref;

		if (strcmp(opts->netns[i], "all") == 0 ||
		    netns_resolve(opts->netns[i], &netns_roots_system, &ref, app->msg,
				  sizeof(app->msg)) == 0)
			continue;
		if (errno != EPERM && errno != EACCES)
			return app_fail_raw(app, 2);
		/* It exists, but another user's process hides it. */
		snprintf(app->msg, sizeof(app->msg),
			 "network namespace %s: entering it needs CAP_SYS_ADMIN (run as root)",
			 opts->netns[i]);
		return app_fail_raw(app, 1);
	}
	if (threads != NULL && strcmp(threads, "1") == 0)
		nopts.threads = 1;
	/* Each namespace keeps up to nine fds open (its socket and files):
	 * a host with hundreds would pass the usual soft limit of 1024. */
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &limit);
	}
	if (source_netns_open(&app->source, live, &nopts, app->msg, sizeof(app->msg)) < 0)
		return app_fail_raw(app, 1);
	if (source_netns_note(&app->source)[0] != '\0' && (opts->batch || opts->who != NULL))
		print_safe("note: ", source_netns_note(&app->source));
	return 0;
}

/* Sets up what the options ask for and runs it; returns the exit status.
 * Whatever it acquired is left in `app` for app_free(). */

/*
 * Memory freed by one sample is kept for the next, which needs about as
 * much: the heap is not shrunk at every free(), and a sample's arrays up
 * to 32 MiB (the most glibc allows; about 200,000 sockets' worth of a
 * model's records) come from it rather than from mappings made and
 * unmade each time.  Giving that memory back and faulting it in again
 * cost page faults at every sample and swung the resident size by a
 * third from one reading to the next under steady churn
 * (bench/run-soak.sh).  The sampler still gives it back once the load
 * has shrunk for good (sampler.c).  Only when more than one sample is
 * taken: a single one grows its arrays once, and on the heap those
 * growths would stay where mappings move (48 MiB more at a million
 * sockets).
 */
static void
keep_memory_for_next_samples(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

static int
app_run(struct app *app, int argc, char **argv)
{
	struct options *opts = &app->opts;
	char *msg = app->msg;
	size_t msg_len = sizeof(app->msg);
	struct who_target who;
	struct source_live_options live = {0};
	bool recording = false; /* -r names a tcpdeck recording */
	struct source_record_control *replay = NULL;
	bool exporting, headless;
	int rc;

	/* Freed even when parsing fails: it may have taken memory. */
	app->opts_parsed = true;
	if (options_parse(argc, argv, opts, msg, msg_len) < 0)
		return app_fail(app, 2);
	/* The locale decides the dashboard's characters (UTF-8 bars or
	 * ASCII); batch output is the same in every locale, and loading one
	 * costs a dozen files per run.  Numbers stay in the C locale, so "0.5"
	 * reads and prints the same everywhere. */
	if (!opts->batch) {
		setlocale(LC_ALL, "");
		setlocale(LC_NUMERIC, "C");
	}
	if (opts->action == OPTIONS_HELP) {
		fputs(options_usage(), stdout);
		return 0;
	}
	if (opts->action == OPTIONS_VERSION) {
		printf("tcpdeck %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (opts->action == OPTIONS_EXPLAIN)
		return tcp_state_help_write(stdout, 78) < 0 ? 1 : 0;
	if (opts->action == OPTIONS_LIST) {
		if (options_list_write(stdout, opts->list) == 0)
			return 0;
		snprintf(msg, msg_len, "--list: nothing called '%.64s' (--list what names them)",
			 opts->list);
		return app_fail_raw(app, 2);
	}
	switch (load_diag_config(opts->config_path, &app->diag_cfg, msg, msg_len)) {
	case -1:
		return app_fail(app, 2);
	case 1: /* bad lines: said, the rest of the file used */
		warn_setting(app->settings_note, msg);
		msg[0] = '\0';
		break;
	default:
		break;
	}
	if (!opts->batch && opts->who == NULL)
		load_settings(opts, &app->settings, app->settings_path, sizeof(app->settings_path),
			      app->settings_note);
	if (opts->who != NULL && who_parse(opts->who, &who, msg, msg_len) < 0) {
		print_safe("--who: ", msg);
		return 2;
	}
	if (opts->filter != NULL) {
		char *error = NULL;

		app->filter = filter_parse(opts->filter, &error, NULL);
		if (app->filter == NULL) {
			snprintf(msg, msg_len, "%s", error != NULL ? error : "out of memory");
			free(error);
			return app_fail(app, 2);
		}
		if (filter_hint(app->filter) != NULL && opts->batch)
			print_safe("note: ", filter_hint(app->filter));
	}
	if (opts->log_path != NULL && log_open(opts->log_path) < 0) {
		snprintf(msg, msg_len, "cannot open log file '%s': %s", opts->log_path,
			 safe_file_strerror(errno));
		return app_fail(app, 2);
	}

	/* The exporter (--serve, --textfile) runs beside the dashboard, or
	 * without any output when standard output is no terminal (a
	 * service). */
	exporting = opts->serve != NULL || opts->textfile != NULL;
	headless = exporting && !opts->batch && !isatty(STDOUT_FILENO);
	if (exporting) {
		struct prom_export_config xcfg = {
			.top = opts->peers_top > UINT_MAX ? UINT_MAX : (unsigned int)opts->peers_top,
			.textfile = opts->textfile,
		};

		if (opts->serve != NULL) {
			struct web_config *web = NULL;

			if (opts->web_config != NULL) {
				web = web_config_load(opts->web_config, msg, msg_len);
				if (web == NULL)
					return app_fail(app, 2);
			}
			app->server = serve_start(opts->serve, web, msg, msg_len);
			if (app->server == NULL)
				return app_fail(app, 1);
			xcfg.publish = serve_publish;
			xcfg.scrapes = serve_scrapes;
			xcfg.arg = app->server;
		}
		app->exporter = prom_export_new(&xcfg);
		if (app->exporter == NULL) {
			snprintf(msg, msg_len, "out of memory");
			return app_fail(app, 1);
		}
	}

	/* Batch output asks the kernel only for what it prints; the dashboard
	 * dumps everything, since its filter can change at any time, and so
	 * does a recording, which keeps every socket and its tcp_info.  The
	 * exporter counts every socket, with owners and counters. */
	if ((opts->batch || headless) && opts->who == NULL && opts->record == NULL)
		batch_live_options_for(exporting ? OUTPUT_VIEW_PROMETHEUS : opts->view,
				       exporting ? NULL : &opts->columns, app->filter, &live);
	if (opts->n_netns > 0 && (rc = open_netns(app, &live)) != 0)
		return rc;
	if (opts->n_netns == 0 &&
	    (opts->replay != NULL
		     ? source_replay_open(&app->source, opts->replay, &recording, msg, msg_len)
		     : source_live_open_with(&app->source, &live, msg, msg_len)) < 0)
		return app_fail(app, 1);
	/* The dashboard drives a recording's replay (pause, step, seek);
	 * asked for before the sampler starts, so the replay holds at its
	 * last sample instead of ending. */
	if (recording && !opts->batch && !headless && opts->who == NULL)
		replay = source_record_control(&app->source);
	if (recording && (opts->batch || headless) && opts->who == NULL) {
		/* Every recorded sample, unpaced: no sampler, no ring that
		 * could skip one. */
		struct batch_request req = batch_request_of(opts, app->filter, &app->diag_cfg);

		req.on_sample = exporting ? prom_export_feed : NULL;
		req.on_sample_arg = app->exporter;
		if (batch_run_source(&app->source, opts->interval_s, opts->max_samples, &req,
				     stdout, msg, msg_len) < 0)
			return app_fail(app, 1);
		return 0;
	}
	app->ring = ring_new(RING_SLOTS);
	app->sampler = app->ring != NULL
			       ? sampler_new(&app->source, app->ring, opts->interval_s,
					     opts->who != NULL ? 1 : opts->max_samples)
			       : NULL;
	if (app->sampler == NULL) {
		snprintf(msg, msg_len, "cannot start the sampler: %s", strerror(errno));
		return app_fail(app, 1);
	}
	/* Owners cost a walk of /proc on the first sample: only views that
	 * show them pay for it (batch state counts and counters do not, nor
	 * --columns without an owner column).
	 * Without /proc tcpdeck still counts sockets, only without owners.
	 * A replay brings its own owners (or none); a recording keeps them. */
	if (opts->replay == NULL &&
	    (!opts->batch || opts->who != NULL || opts->record != NULL ||
	     exporting || (output_needs(opts->view, &opts->columns) & OUTPUT_NEED_OWNERS))) {
		struct procmap *map = procmap_new("/proc", procmap_may_read_all(), getuid());

		if (map == NULL)
			log_msg("no process attribution: cannot open /proc: %s", strerror(errno));
		sampler_set_procmap(app->sampler, map);
	}
	if (opts->record != NULL) {
		struct record_writer *writer = record_writer_open(opts->record, msg, msg_len);

		if (writer == NULL)
			return app_fail(app, 1);
		sampler_set_recorder(app->sampler, writer);
	}
	/* A recording keeps the closes for any view to show later. */
	if (opts->replay == NULL && opts->who == NULL &&
	    (opts->record != NULL || exporting || (!opts->batch && !headless) ||
	     (opts->batch && (output_view_needs(opts->view) & OUTPUT_NEED_CLOSED))))
		listen_closes(app->sampler);
	if (opts->who == NULL && opts->max_samples != 1)
		keep_memory_for_next_samples();
	if (sampler_start(app->sampler) < 0) {
		snprintf(msg, msg_len, "cannot start the sampler: %s", strerror(errno));
		return app_fail(app, 1);
	}

	msg[0] = '\0';
	if (opts->who != NULL) {
		rc = run_who(app->ring, &who, msg, msg_len);
	} else if (opts->batch || headless) {
		struct batch_request req = batch_request_of(opts, app->filter, &app->diag_cfg);
		/* With -w - standard output carries the recording only. */
		FILE *out = opts->record != NULL && strcmp(opts->record, "-") == 0 ? NULL : stdout;

		if (exporting) {
			req.on_sample = prom_export_feed;
			req.on_sample_arg = app->exporter;
		}
		if (headless) {
			/* A service: no output, only the exporter. */
			out = NULL;
			req.view = OUTPUT_VIEW_PROMETHEUS;
			req.format = &output_prometheus;
		}
		/* An exporter ends on SIGTERM as it ends on -n: cleanly; so
		 * does a recording, which then keeps its end mark. */
		if (req.mark || exporting || opts->record != NULL)
			catch_batch_stop();
		rc = batch_run_request(app->ring, app->sampler, &req, out, msg, msg_len);
	} else {
		struct ui_setup setup = {
			.ring = app->ring,
			.sampler = app->sampler,
			.opts = opts,
			.filter = app->filter,
			.diag_cfg = &app->diag_cfg,
			.replay = replay,
			.on_sample = exporting ? prom_export_feed : NULL,
			.on_sample_arg = app->exporter,
			.settings = &app->settings,
			.settings_path = app->settings_path[0] != '\0' ? app->settings_path : NULL,
			.settings_note = app->settings_note,
		};

		app->filter = NULL; /* the dashboard owns it from here on */
		rc = ui_run(&setup, msg, msg_len);
	}
	if (rc < 0)
		return app_fail(app, 1);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct app app; /* static: main's frame stays small */
	int status;

#if defined(__GLIBC__) && defined(M_ARENA_MAX)
	/* One heap for every thread.  Samples are made on the sampler's
	 * thread and freed on the dashboard's; with a heap per thread the
	 * memory freed stayed in the sampler's heap, in pieces the next
	 * sample of another size could not use: over 12 minutes of churn
	 * at 50,000 sockets the resident size's lows were 90 MB with a heap
	 * per thread, 75 MB with one (bench/run-soak.sh).  The threads
	 * allocate little once a sample's arrays exist, so they rarely
	 * wait for each other. */
	(void)mallopt(M_ARENA_MAX, 1);
#endif
	status = app_run(&app, argc, argv);

	app_free(&app);
	return status;
}
