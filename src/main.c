/*
 * main.c - tcpdeck's entry point: parses options, starts the sampler,
 * runs the dashboard or batch mode, and decides what the user sees when
 * something fails (one line on stderr, exit 2 for usage, 1 otherwise).
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "filter.h"
#include "log.h"
#include "options.h"
#include "procmap.h"
#include "ring.h"
#include "sampler.h"
#include "source.h"
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

int
main(int argc, char **argv)
{
	struct options opts;
	struct filter *filter = NULL;
	struct who_target who;
	struct source source = {0};
	struct ring *ring;
	struct sampler *sampler;
	char msg[512];
	int rc;

	setlocale(LC_ALL, "");
	if (options_parse(argc, argv, &opts, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "tcpdeck: %s\n", msg);
		return 2;
	}
	if (opts.action == OPTIONS_HELP) {
		fputs(options_usage(), stdout);
		return 0;
	}
	if (opts.action == OPTIONS_VERSION) {
		printf("tcpdeck %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (opts.who != NULL && who_parse(opts.who, &who, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "tcpdeck: --who: %s\n", msg);
		return 2;
	}
	if (opts.filter != NULL) {
		char *error = NULL;

		filter = filter_parse(opts.filter, &error, NULL);
		if (filter == NULL) {
			fprintf(stderr, "tcpdeck: %s\n", error != NULL ? error : "out of memory");
			free(error);
			options_free(&opts);
			return 2;
		}
		if (filter_hint(filter) != NULL && opts.batch)
			fprintf(stderr, "tcpdeck: note: %s\n", filter_hint(filter));
	}
	if (opts.log_path != NULL && log_open(opts.log_path) < 0) {
		fprintf(stderr, "tcpdeck: cannot open log file '%s': %s\n", opts.log_path,
			strerror(errno));
		filter_free(filter);
		options_free(&opts);
		return 2;
	}

	if ((opts.replay != NULL ? source_ssdump_open(&source, opts.replay, msg, sizeof(msg))
				 : source_live_open(&source, msg, sizeof(msg))) < 0) {
		fprintf(stderr, "tcpdeck: %s\n", msg);
		filter_free(filter);
		options_free(&opts);
		log_close();
		return 1;
	}
	ring = ring_new(RING_SLOTS);
	sampler = ring != NULL ? sampler_new(&source, ring, opts.interval_s,
					     opts.who != NULL ? 1 : opts.max_samples)
			       : NULL;
	/* Owners cost a walk of /proc on the first sample: only views that
	 * show them pay for it (batch state counts do not).  Without /proc
	 * tcpdeck still counts sockets, only without owners.  A recording
	 * has no owners to find. */
	if (sampler != NULL && opts.replay == NULL &&
	    (!opts.batch || opts.who != NULL || opts.view != OUTPUT_VIEW_STATES)) {
		struct procmap *map = procmap_new("/proc", geteuid() == 0, getuid());

		if (map == NULL)
			log_msg("no process attribution: cannot open /proc: %s", strerror(errno));
		sampler_set_procmap(sampler, map);
	}
	if (sampler == NULL || sampler_start(sampler) < 0) {
		fprintf(stderr, "tcpdeck: cannot start the sampler: %s\n", strerror(errno));
		sampler_free(sampler);
		source_close(&source);
		ring_free(ring);
		filter_free(filter);
		options_free(&opts);
		return 1;
	}

	msg[0] = '\0';
	if (opts.who != NULL) {
		rc = run_who(ring, &who, msg, sizeof(msg));
		filter_free(filter);
	}
	else if (opts.batch) {
		struct batch_request req = {
			.format = opts.format,
			.view = opts.view,
			.match = filter != NULL ? filter_selects : NULL,
			.filter = filter,
			.sort_column = opts.sort_column,
			.sort_descending = opts.sort_descending,
		};

		rc = batch_run_request(ring, sampler, &req, stdout, msg, sizeof(msg));
		filter_free(filter);
	}
	else
		rc = ui_run(ring, sampler, &opts, filter, msg, sizeof(msg));

	sampler_free(sampler);
	ring_free(ring);
	log_close();
	options_free(&opts);
	if (rc < 0) {
		fprintf(stderr, "tcpdeck: %s\n", msg);
		return 1;
	}
	return rc;
}
