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

#include <arpa/inet.h>
#include <sys/socket.h>

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

void
diag_world_open(struct diag_world *w, const char *config, const char *root)
{
	memset(w, 0, sizeof(*w));
	diag_fixture_open(&w->cfg, config, root, &w->st, &w->d);
}

void
diag_world_free(struct diag_world *w)
{
	diagnose_free(w->d);
	statetrack_free(w->st);
}

void
diag_world_step(struct diag_world *w, struct snapshot *snap)
{
	/* Samples built with counters (per namespace, say) must keep them. */
	if (snap->counters.present == 0)
		snap->counters = w->counters;
	snapshot_seal(snap);
	assert_int_equal(statetrack_update(w->st, snap), 0);
	assert_int_equal(diagnose_update(w->d, snap, w->st), 0);
	snapshot_unref(snap);
}

void
diag_world_set_counter(struct diag_world *w, enum kcounter c, uint64_t value)
{
	w->counters.value[c] = value;
	w->counters.present |= 1u << c;
}

void
diag_set_ends(struct sock_entry *e, const char *local, uint16_t lport, const char *remote,
	      uint16_t rport)
{
	e->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, local, e->local_addr), 1);
	assert_int_equal(inet_pton(AF_INET, remote, e->remote_addr), 1);
	e->local_port = lport;
	e->remote_port = rport;
}

struct sock_entry *
diag_add_entry(struct snapshot *snap, uint64_t cookie, enum tcp_state state, const char *local,
	       uint16_t lport, const char *remote, uint16_t rport)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = cookie;
	e->state = (uint8_t)state;
	diag_set_ends(e, local, lport, remote, rport);
	return e;
}

void
diag_give_procs(struct snapshot *snap, int n)
{
	struct owner_table *t = owner_table_new();

	assert_non_null(t);
	for (int i = 0; i < n; i++) {
		struct owner_proc p = {.pid = 100 + i, .cmdline = "", .user = "root"};

		snprintf(p.comm, sizeof(p.comm), "proc%d", i);
		assert_int_equal(owner_table_add_proc(t, &p), i);
		assert_int_equal(owner_table_add_link(t, (uint32_t)(1000 + i), (uint32_t)i), 0);
	}
	assert_int_equal(owner_table_seal(t), 0);
	snap->owners = t;
}

struct sock_entry *
diag_own(struct sock_entry *e, int proc)
{
	e->inode = (uint32_t)(1000 + proc);
	e->owner_status = OWNER_FOUND;
	e->n_owners = 1;
	e->owner = (uint32_t)proc;
	return e;
}

const struct diag_finding *
diag_find(const struct diagnose *d, const char *id)
{
	for (size_t i = 0; i < diagnose_count(d); i++)
		if (strcmp(diagnose_get(d, i)->id, id) == 0)
			return diagnose_get(d, i);
	return NULL;
}

size_t
diag_count_id(const struct diagnose *d, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < diagnose_count(d); i++)
		n += strcmp(diagnose_get(d, i)->id, id) == 0;
	return n;
}

void
diag_assert_quiet(const struct diagnose *d)
{
	if (diagnose_count(d) != 0)
		fail_msg("unexpected finding %s: %s", diagnose_get(d, 0)->key,
			 diagnose_get(d, 0)->title);
}

void
diag_assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("'%s' does not contain '%s'", text, part);
}
