/*
 * diag_fixtures.h - what the diagnosis tests share: a diagnoser with its
 * state tracker, configured as a test asks, empty samples at a given
 * time, the sockets and owners a test puts in them, and ways to look at
 * the findings.  Test code: failures are cmocka assertions.
 */
#ifndef TCPDECK_DIAG_FIXTURES_H
#define TCPDECK_DIAG_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

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

/* A diagnoser fed sample after sample through a real state tracker, and
 * the host's kernel counters as the next sample should carry them. */
struct diag_world {
	struct statetrack *st;
	struct diagnose *d;
	struct diag_config cfg;
	struct kcounters counters; /* empty until a test sets them */
};

/* A world as diag_fixture_open() makes it (same `config` and `root`). */
void diag_world_open(struct diag_world *w, const char *config, const char *root);
void diag_world_free(struct diag_world *w);

/* Seals `snap`, tracks and diagnoses it, and drops the caller's
 * reference.  A sample that carries kernel counters of its own keeps
 * them; any other gets w->counters. */
void diag_world_step(struct diag_world *w, struct snapshot *snap);

/* Kernel counter c reads `value` (and is present) from the next step on. */
void diag_world_set_counter(struct diag_world *w, enum kcounter c, uint64_t value);

/* Appends an IPv4 socket with these ends to `snap`, nothing else known. */
struct sock_entry *diag_add_entry(struct snapshot *snap, uint64_t cookie, enum tcp_state state,
				  const char *local, uint16_t lport, const char *remote,
				  uint16_t rport);

/* Gives e IPv4 ends (as diag_add_entry() does). */
void diag_set_ends(struct sock_entry *e, const char *local, uint16_t lport, const char *remote,
		   uint16_t rport);

/* Gives `snap` an owner table of `n` processes, "proc0" (pid 100) to
 * "proc<n-1>", run by root; process i holds socket inode 1000 + i. */
void diag_give_procs(struct snapshot *snap, int n);

/* Entry e held by owner-table process `proc` alone (its inode
 * 1000 + proc); returns e. */
struct sock_entry *diag_own(struct sock_entry *e, int proc);

/* The first finding of rule `id` shown by d, or NULL. */
const struct diag_finding *diag_find(const struct diagnose *d, const char *id);

/* How many findings of rule `id` d shows. */
size_t diag_count_id(const struct diagnose *d, const char *id);

/* Fails, naming the first one, unless d shows no finding. */
void diag_assert_quiet(const struct diagnose *d);

/* Fails unless `part` occurs in `text`, showing both. */
void diag_assert_contains(const char *text, const char *part);

#endif
