/*
 * diag_fixtures.c - see diag_fixtures.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "diag_fixtures.h"

void
diag_fixture_open(struct diag_config *cfg, const char *config, const char *root,
		  struct statetrack **st, struct diagnose **d)
{
	char err[DIAG_CONFIG_ERROR_MAX], path[512];
	const char *dir = getenv("TESTS_SRCDIR");

	diag_config_defaults(cfg);
	if (config != NULL)
		assert_int_equal(
			diag_config_parse(cfg, "test.conf", config, strlen(config), err, sizeof(err)),
			0);
	snprintf(path, sizeof(path), "%s/data/diag/%s", dir != NULL ? dir : "tests",
		 root != NULL ? root : "proc-default");
	*st = statetrack_new();
	*d = diagnose_new(cfg, path);
	assert_non_null(*st);
	assert_non_null(*d);
}

struct snapshot *
diag_snap_at(double t)
{
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	snap->taken_mono.tv_sec = (time_t)t;
	snap->taken_mono.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	return snap;
}
