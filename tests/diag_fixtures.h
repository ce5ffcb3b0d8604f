/*
 * diag_fixtures.h - what the diagnosis tests share: a diagnoser with its
 * state tracker, configured as a test asks, and empty samples at a given
 * time.  Test code: failures are cmocka assertions.
 */
#ifndef TCPDECK_DIAG_FIXTURES_H
#define TCPDECK_DIAG_FIXTURES_H

#include "diag_config.h"
#include "diagnose.h"
#include "snapshot.h"
#include "statetrack.h"

/* Default thresholds changed by `config` lines (NULL: none) into *cfg,
 * a state tracker and a diagnoser reading its port range from
 * tests/data/diag/`root` (NULL: proc-default). */
void diag_fixture_open(struct diag_config *cfg, const char *config, const char *root,
		       struct statetrack **st, struct diagnose **d);

/* An empty, unsealed sample taken at monotonic time t seconds. */
struct snapshot *diag_snap_at(double t);

#endif
