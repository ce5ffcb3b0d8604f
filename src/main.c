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

#include "batch.h"
#include "log.h"
#include "options.h"
#include "ring.h"
#include "sampler.h"
#include "source.h"
#include "ui.h"

/* The ring only has to bridge short stalls of the reader; every slot can
 * pin a whole snapshot in memory, so it stays small. */
enum { RING_SLOTS = 2 };

int
main(int argc, char **argv)
{
	struct options opts;
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
	if (opts.log_path != NULL && log_open(opts.log_path) < 0) {
		fprintf(stderr, "tcpdeck: cannot open log file '%s': %s\n", opts.log_path,
			strerror(errno));
		return 2;
	}

	if (source_live_open(&source, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "tcpdeck: %s\n", msg);
		return 1;
	}
	ring = ring_new(RING_SLOTS);
	sampler = ring != NULL ? sampler_new(&source, ring, opts.interval_s, opts.max_samples)
			       : NULL;
	if (sampler == NULL || sampler_start(sampler) < 0) {
		fprintf(stderr, "tcpdeck: cannot start the sampler: %s\n", strerror(errno));
		sampler_free(sampler);
		source_close(&source);
		ring_free(ring);
		return 1;
	}

	msg[0] = '\0';
	if (opts.batch)
		rc = batch_run(ring, sampler, opts.format, stdout, msg, sizeof(msg));
	else
		rc = ui_run(ring, sampler, &opts, msg, sizeof(msg));

	sampler_free(sampler);
	ring_free(ring);
	log_close();
	if (rc < 0) {
		fprintf(stderr, "tcpdeck: %s\n", msg);
		return 1;
	}
	return 0;
}
