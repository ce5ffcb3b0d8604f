/*
 * test_diagnose.c - every diagnosis fires when it should and stays quiet
 * when it should not, with hysteresis and thresholds from a config.
 *
 * Samples are snapshots built by hand: chosen cookies, states, addresses,
 * queues, owners (a hand-built owner table), kernel counters and
 * monotonic times, fed through a real state tracker.  The ephemeral port
 * range comes from a /proc fixture (tests/data/diag).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "diag_config.h"
#include "diagnose.h"
#include "snapshot.h"
#include "statetrack.h"

/* ------------------------------------------------------------ helpers */

struct world {
	struct statetrack *st;
	struct diagnose *d;
	struct diag_config cfg;
	struct kcounters counters; /* fed with the next snapshot */
	uint64_t next_cookie;
};

static void
fixture_root(const char *name, char *out, size_t out_size)
{
	const char *dir = getenv("TESTS_SRCDIR");

	snprintf(out, out_size, "%s/data/diag/%s", dir != NULL ? dir : "tests", name);
}

/* A world with the default thresholds, changed by `config` lines
 * (NULL: none), reading its port range from fixture `root`. */
static void
world_init(struct world *w, const char *config, const char *root)
{
	char err[DIAG_CONFIG_ERROR_MAX], path[512];

	memset(w, 0, sizeof(*w));
	diag_config_defaults(&w->cfg);
	if (config != NULL)
		assert_int_equal(
			diag_config_parse(&w->cfg, "test.conf", config, strlen(config), err, sizeof(err)),
			0);
	fixture_root(root != NULL ? root : "proc-default", path, sizeof(path));
	w->st = statetrack_new();
	w->d = diagnose_new(&w->cfg, path);
	assert_non_null(w->st);
	assert_non_null(w->d);
	w->next_cookie = 1;
}

static void
world_free(struct world *w)
{
	diagnose_free(w->d);
	statetrack_free(w->st);
}

static struct snapshot *
snap_at(double t)
{
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	snap->taken_mono.tv_sec = (time_t)t;
	snap->taken_mono.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	return snap;
}

static struct sock_entry *
add(struct snapshot *snap, uint64_t cookie, enum tcp_state state, const char *local,
    uint16_t lport, const char *remote, uint16_t rport)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->cookie = cookie;
	e->family = AF_INET;
	e->state = (uint8_t)state;
	assert_int_equal(inet_pton(AF_INET, local, e->local_addr), 1);
	assert_int_equal(inet_pton(AF_INET, remote, e->remote_addr), 1);
	e->local_port = lport;
	e->remote_port = rport;
	return e;
}

/* Gives the snapshot an owner table of `n` processes, "proc0" (pid 100)
 * to "proc<n-1>" (pid 100 + n - 1). */
static void
give_procs(struct snapshot *snap, int n)
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

static struct sock_entry *
own(struct sock_entry *e, int proc)
{
	e->inode = (uint32_t)(1000 + proc);
	e->owner_status = OWNER_FOUND;
	e->n_owners = 1;
	e->owner = (uint32_t)proc;
	return e;
}

static void
step(struct world *w, struct snapshot *snap)
{
	snap->counters = w->counters;
	snapshot_seal(snap);
	assert_int_equal(statetrack_update(w->st, snap), 0);
	assert_int_equal(diagnose_update(w->d, snap, w->st), 0);
	snapshot_unref(snap);
}

static const struct diag_finding *
find(const struct world *w, const char *id)
{
	for (size_t i = 0; i < diagnose_count(w->d); i++)
		if (strcmp(diagnose_get(w->d, i)->id, id) == 0)
			return diagnose_get(w->d, i);
	return NULL;
}

static size_t
count_id(const struct world *w, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < diagnose_count(w->d); i++)
		n += strcmp(diagnose_get(w->d, i)->id, id) == 0;
	return n;
}

static void
assert_quiet(const struct world *w)
{
	if (diagnose_count(w->d) != 0)
		fail_msg("unexpected finding %s: %s", diagnose_get(w->d, 0)->key,
			 diagnose_get(w->d, 0)->title);
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("'%s' does not contain '%s'", text, part);
}

static void
set_counter(struct world *w, enum kcounter c, uint64_t value)
{
	w->counters.value[c] = value;
	w->counters.present |= 1u << c;
}

/* A healthy server: a listener with an empty queue, established
 * connections from clients, server-side TIME_WAIT. */
static void
add_healthy(struct snapshot *snap, int n)
{
	give_procs(snap, 1);
	own(add(snap, 1, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0), 0)->send_q = 128;
	for (int i = 0; i < n; i++) {
		own(add(snap, (uint64_t)(10 + i), TCP_STATE_ESTABLISHED, "10.0.0.1", 80, "10.0.1.1",
			(uint16_t)(40000 + i)),
		    0);
		add(snap, (uint64_t)(100000 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", 80, "10.0.1.2",
		    (uint16_t)(40000 + i));
	}
}

/* CLOSE_WAIT sockets of process `proc`, cookies base.. */
static void
add_close_wait(struct snapshot *snap, uint64_t base, int n, int proc)
{
	for (int i = 0; i < n; i++)
		own(add(snap, base + (uint64_t)i, TCP_STATE_CLOSE_WAIT, "10.0.0.1", 8080, "10.0.2.1",
			(uint16_t)(20000 + i)),
		    proc);
}

/* ------------------------------------------------------------ tests */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(diag_rule_id(DIAG_RULE_CLOSE_WAIT), "close_wait");
	assert_string_equal(diag_rule_id(DIAG_RULE_TIME_WAIT_PORTS), "time_wait_ports");
	assert_string_equal(diag_rule_id(DIAG_RULE_COUNT), "?");
	assert_string_equal(diag_severity_name(DIAG_CRITICAL), "critical");
	assert_string_equal(diag_severity_name(DIAG_WARNING), "warning");
}

static void
test_quiet_healthy(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, NULL, NULL);
	for (int t = 0; t < 5; t++) {
		struct snapshot *s = snap_at(t);

		set_counter(&w, KC_OUT_SEGS, 100000u * (unsigned)t);
		set_counter(&w, KC_RETRANS_SEGS, 100u * (unsigned)t); /* 0.1% */
		set_counter(&w, KC_LISTEN_OVERFLOWS, 0);
		set_counter(&w, KC_SYNCOOKIES_SENT, 0);
		add_healthy(s, 3000);
		step(&w, s);
		assert_quiet(&w);
	}
	world_free(&w);
}

static void
test_close_wait_pile(void **state)
{
	struct world w;
	const struct diag_finding *f;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL, NULL);
	s = snap_at(1);
	give_procs(s, 2);
	add_close_wait(s, 1, 49, 0); /* one below the default 50 */
	add_close_wait(s, 100, 60, 1);
	step(&w, s);
	assert_int_equal(count_id(&w, "close_wait"), 1);
	f = find(&w, "close_wait");
	assert_int_equal(f->pid, 101);
	assert_string_equal(f->comm, "proc1");
	assert_string_equal(f->key, "close_wait/pid:101");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_contains(f->title, "proc1 (pid 101) holds 60 sockets in CLOSE_WAIT");
	assert_contains(f->next, "close()");
	assert_true(f->level >= 1.0);
	world_free(&w);
}

/* Few but old: the age comes from the tracker, a lower bound for sockets
 * already there at the first sample. */
static void
test_close_wait_old(void **state)
{
	struct world w;
	const struct diag_finding *f;

	(void)state;
	world_init(&w, NULL, NULL);
	for (int t = 0; t <= 40; t += 10) {
		struct snapshot *s = snap_at(t);

		give_procs(s, 2);
		add_close_wait(s, 1, 6, 0);   /* old_min is 5 */
		add_close_wait(s, 100, 4, 1); /* too few, however old */
		step(&w, s);
		if (t < 30)
			assert_quiet(&w);
	}
	assert_int_equal(count_id(&w, "close_wait"), 1);
	f = find(&w, "close_wait");
	assert_int_equal(f->pid, 100);
	assert_contains(f->title, "oldest at least 40 s");
	world_free(&w);
}

/* Few but entering fast. */
static void
test_close_wait_growing(void **state)
{
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w, NULL, NULL);
	s = snap_at(0);
	give_procs(s, 1);
	step(&w, s);
	s = snap_at(1);
	give_procs(s, 1);
	add_close_wait(s, 1, 8, 0); /* 8/s: below growth_per_s 10 */
	step(&w, s);
	assert_quiet(&w);
	s = snap_at(2);
	give_procs(s, 1);
	add_close_wait(s, 1, 8, 0);
	add_close_wait(s, 100, 12, 0); /* 12 new in 1 s */
	step(&w, s);
	assert_non_null(find(&w, "close_wait"));
	assert_contains(find(&w, "close_wait")->evidence, "12 entered since the previous sample");
	world_free(&w);
}

/* Without an owner the finding names the local port. */
static void
test_close_wait_unowned(void **state)
{
	struct world w;
	struct snapshot *s = snap_at(0);

	(void)state;
	world_init(&w, NULL, NULL);
	for (int i = 0; i < 60; i++)
		add(s, (uint64_t)(1 + i), TCP_STATE_CLOSE_WAIT, "10.0.0.1", 9000, "10.0.2.1",
		    (uint16_t)(20000 + i));
	step(&w, s);
	assert_non_null(find(&w, "close_wait"));
	assert_string_equal(find(&w, "close_wait")->key, "close_wait/port:9000");
	assert_int_equal(find(&w, "close_wait")->pid, 0);
	world_free(&w);
}

/* Fires above the threshold, holds between the thresholds, clears only
 * after quiet_samples samples below the lower one, and does not fire
 * again from between the thresholds. */
static void
test_hysteresis(void **state)
{
	/* counts per sample, and whether the finding shows after it */
	static const struct {
		int n;
		bool shown;
		bool clearing;
	} steps[] = {
		{40, false, false}, /* below 50: never fired */
		{60, true, false},  /* fires */
		{30, true, false},  /* 0.6 of the threshold: holds */
		{45, true, false},
		{20, true, true},   /* below half: 1st quiet sample */
		{20, true, true},   /* 2nd */
		{20, false, false}, /* 3rd: cleared */
		{40, false, false}, /* between thresholds: stays off */
		{50, true, false},  /* fires again */
	};
	struct world w;

	(void)state;
	/* Growth would fire on its own when 20 become 40 in a second. */
	world_init(&w, "close_wait.growth_per_s = 1000\n", NULL);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct snapshot *s = snap_at((double)k);
		const struct diag_finding *f;

		give_procs(s, 1);
		add_close_wait(s, 1, steps[k].n, 0);
		step(&w, s);
		f = find(&w, "close_wait");
		if ((f != NULL) != steps[k].shown)
			fail_msg("step %zu (%d sockets): finding %s", k, steps[k].n,
				 f != NULL ? "shown" : "missing");
		if (f != NULL && f->clearing != steps[k].clearing)
			fail_msg("step %zu: clearing is %d", k, f->clearing);
		if (k == 3)
			assert_contains(f->title, "holds 45 sockets");
		if (k == 1 || k == 3)
			assert_true(f->since == 1.0); /* when it fired */
	}
	world_free(&w);
}

/* Thresholds and hysteresis from a config. */
static void
test_config_thresholds(void **state)
{
	struct world w;
	struct snapshot *s;

	(void)state;
	world_init(&w,
		   "close_wait.min = 10\n"
		   "hysteresis.fire_samples = 2\n"
		   "hysteresis.quiet_samples = 1\n",
		   NULL);
	s = snap_at(0);
	give_procs(s, 1);
	add_close_wait(s, 1, 12, 0);
	step(&w, s);
	assert_quiet(&w); /* one sample above is not enough */
	s = snap_at(1);
	give_procs(s, 1);
	add_close_wait(s, 1, 12, 0);
	step(&w, s);
	assert_non_null(find(&w, "close_wait"));
	assert_contains(find(&w, "close_wait")->evidence, "a pile at 10");
	s = snap_at(2);
	give_procs(s, 1);
	add_close_wait(s, 1, 4, 0);
	step(&w, s);
	assert_quiet(&w); /* one quiet sample clears */
	world_free(&w);
}

static void
test_max_per_rule_and_order(void **state)
{
	struct world w;
	struct snapshot *s = snap_at(0);

	(void)state;
	world_init(&w, "findings.max_per_rule = 3\n", NULL);
	give_procs(s, 5);
	for (int p = 0; p < 5; p++)
		add_close_wait(s, (uint64_t)(1000 * (p + 1)), 60 + 50 * p, p);
	/* A listener with a full queue: critical, so listed first. */
	own(add(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0), 0)->recv_q = 129;
	s->entries[s->n_entries - 1].send_q = 128;
	step(&w, s);
	assert_int_equal(count_id(&w, "close_wait"), 3);
	/* Worst first: proc4 (260, critical at 4x), proc3 (210, critical), then accept
	 * queue (critical) ... the order is severity, then level. */
	for (size_t i = 1; i < diagnose_count(w.d); i++) {
		const struct diag_finding *a = diagnose_get(w.d, i - 1), *b = diagnose_get(w.d, i);

		assert_true(a->severity > b->severity ||
			    (a->severity == b->severity && a->level >= b->level));
	}
	assert_int_equal(find(&w, "close_wait")->pid, 104);
	assert_null(diagnose_get(w.d, diagnose_count(w.d)));
	world_free(&w);
}

/* SYN_RECV: flood, small backlog, or handshakes that do not complete. */
static void
test_syn_recv(void **state)
{
	struct world w;
	struct snapshot *s;
	const struct diag_finding *f;
	char addr[32];

	(void)state;
	/* Many sources: a flood. */
	world_init(&w, NULL, NULL);
	s = snap_at(0);
	give_procs(s, 1);
	own(add(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0), 0)->send_q = 4096;
	for (int i = 0; i < 150; i++) {
		snprintf(addr, sizeof(addr), "198.51.%d.%d", i / 100, i % 100 + 1);
		add(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443, addr, 5555);
	}
	step(&w, s);
	f = find(&w, "syn_recv");
	assert_non_null(f);
	assert_contains(f->title, "SYN flood on port 443");
	assert_contains(f->title, "from 150 addresses");
	assert_int_equal(f->severity, DIAG_CRITICAL);
	assert_int_equal(f->port, 443);
	assert_int_equal(f->pid, 100);
	world_free(&w);

	/* Two sources and a full accept queue: the backlog is too small. */
	world_init(&w, NULL, NULL);
	s = snap_at(0);
	give_procs(s, 1);
	own(add(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0), 0)->send_q = 128;
	s->entries[0].recv_q = 129;
	for (int i = 0; i < 150; i++)
		add(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443,
		    i % 2 ? "10.9.0.1" : "10.9.0.2", (uint16_t)(30000 + i));
	step(&w, s);
	f = find(&w, "syn_recv");
	assert_non_null(f);
	assert_contains(f->title, "backlog is too small");
	assert_contains(f->next, "proc0 (pid 100)");
	assert_non_null(find(&w, "accept_queue"));
	world_free(&w);

	/* Two sources, an empty queue: handshakes do not complete. */
	world_init(&w, NULL, NULL);
	s = snap_at(0);
	own(add(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0), 0)->send_q = 128;
	give_procs(s, 1);
	for (int i = 0; i < 150; i++)
		add(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443,
		    i % 2 ? "10.9.0.1" : "10.9.0.2", (uint16_t)(30000 + i));
	step(&w, s);
	f = find(&w, "syn_recv");
	assert_non_null(f);
	assert_contains(f->title, "150 half-open connections pile up on port 443 (from 2 addresses)");
	assert_null(find(&w, "accept_queue"));
	world_free(&w);

	/* 99: below the threshold. */
	world_init(&w, NULL, NULL);
	s = snap_at(0);
	for (int i = 0; i < 99; i++)
		add(s, (uint64_t)(10 + i), TCP_STATE_SYN_RECV, "10.0.0.1", 443, "10.9.0.1",
		    (uint16_t)(30000 + i));
	step(&w, s);
	assert_quiet(&w);
	world_free(&w);
}

/* Host-wide counter rules need two samples with the counters present. */
static void
test_counter_rules(void **state)
{
	struct world w;
	struct snapshot *s;
	const struct diag_finding *f;

	(void)state;
	world_init(&w, NULL, NULL);
	for (int t = 0; t < 2; t++) {
		s = snap_at(10 + 2 * t);
		give_procs(s, 1);
		own(add(s, 1, TCP_STATE_LISTEN, "0.0.0.0", 8443, "0.0.0.0", 0), 0)->send_q = 16;
		s->entries[0].recv_q = 17;
		set_counter(&w, KC_SYNCOOKIES_SENT, 1000 + 100u * (unsigned)t); /* 50/s */
		set_counter(&w, KC_LISTEN_OVERFLOWS, 500 + 20u * (unsigned)t);  /* 10/s */
		set_counter(&w, KC_LISTEN_DROPS, 500 + 20u * (unsigned)t);
		set_counter(&w, KC_OUT_SEGS, 10000 + 4000u * (unsigned)t);      /* 2000/s */
		set_counter(&w, KC_RETRANS_SEGS, 100 + 200u * (unsigned)t);     /* 100/s: 5% */
		step(&w, s);
		if (t == 0) {
			/* No rates yet: only the queue itself speaks. */
			assert_null(find(&w, "syncookies"));
			assert_null(find(&w, "listen_drops"));
			assert_null(find(&w, "retrans"));
		}
	}
	f = find(&w, "syncookies");
	assert_non_null(f);
	assert_contains(f->title, "SYN cookies (50/s): a listen queue overflows");
	assert_int_equal(f->port, 8443);
	f = find(&w, "listen_drops");
	assert_non_null(f);
	assert_contains(f->title, "10/s");
	assert_int_equal(f->pid, 100);
	f = find(&w, "retrans");
	assert_non_null(f);
	assert_contains(f->title, "5.0% of segments sent (100/s of 2000/s)");
	f = find(&w, "accept_queue");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_CRITICAL);
	assert_contains(f->title, "Port 8443's accept queue is full (17 of 16)");
	world_free(&w);
}

/* Counters that are missing, stand still, or carry too little traffic
 * say nothing. */
static void
test_counter_rules_quiet(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, NULL, NULL);
	for (int t = 0; t < 3; t++) {
		struct snapshot *s = snap_at(t);

		set_counter(&w, KC_SYNCOOKIES_SENT, 7);
		set_counter(&w, KC_LISTEN_OVERFLOWS, 9);
		set_counter(&w, KC_OUT_SEGS, 50u * (unsigned)t);     /* below min_out */
		set_counter(&w, KC_RETRANS_SEGS, 25u * (unsigned)t); /* 50%, ignored */
		step(&w, s);
		assert_quiet(&w);
	}
	world_free(&w);

	world_init(&w, NULL, NULL);
	for (int t = 0; t < 3; t++) {
		struct snapshot *s = snap_at(t);

		w.counters.present = 0; /* a source without counters */
		w.counters.value[KC_SYNCOOKIES_SENT] = 1000u * (unsigned)t;
		step(&w, s);
		assert_quiet(&w);
	}
	world_free(&w);
}

/* TIME_WAIT toward one destination against a 100-port range. */
static void
test_time_wait_ports(void **state)
{
	struct world w;
	struct snapshot *s;
	const struct diag_finding *f;
	unsigned int low, high;

	(void)state;
	world_init(&w, NULL, "proc-small-range");
	s = snap_at(0);
	give_procs(s, 1);
	for (int i = 0; i < 65; i++)
		add(s, (uint64_t)(1 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", (uint16_t)(1000 + i),
		    "10.0.0.5", 80);
	for (int i = 65; i < 75; i++)
		own(add(s, (uint64_t)(1 + i), TCP_STATE_ESTABLISHED, "10.0.0.1", (uint16_t)(1000 + i),
			"10.0.0.5", 80),
		    0);
	/* Same ports toward another destination: a different tuple. */
	for (int i = 0; i < 50; i++)
		add(s, (uint64_t)(500 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", (uint16_t)(1000 + i),
		    "10.0.0.6", 80);
	/* Server side, outside the range: not counted. */
	for (int i = 0; i < 200; i++)
		add(s, (uint64_t)(900 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", 80, "10.0.0.7",
		    (uint16_t)(30000 + i));
	step(&w, s);
	diagnose_port_range(w.d, &low, &high);
	assert_int_equal(low, 1000);
	assert_int_equal(high, 1099);
	assert_int_equal(count_id(&w, "time_wait_ports"), 1);
	f = find(&w, "time_wait_ports");
	assert_contains(f->title, "Connections to 10.0.0.5:80 use 75% of the local port range");
	assert_contains(f->title, "65 in TIME_WAIT");
	assert_string_equal(f->subject, "10.0.0.1 -> 10.0.0.5:80");
	assert_int_equal(f->pid, 100);
	assert_int_equal(f->severity, DIAG_WARNING);
	world_free(&w);

	/* The kernel's default range: the same sockets are nothing. */
	world_init(&w, NULL, "proc-default");
	s = snap_at(0);
	for (int i = 0; i < 75; i++)
		add(s, (uint64_t)(1 + i), TCP_STATE_TIME_WAIT, "10.0.0.1", (uint16_t)(40000 + i),
		    "10.0.0.5", 80);
	step(&w, s);
	diagnose_port_range(w.d, &low, &high);
	assert_int_equal(low, 32768);
	assert_int_equal(high, 60999);
	assert_quiet(&w);
	world_free(&w);
}

static void
test_syn_sent(void **state)
{
	struct world w;
	struct snapshot *s;
	const struct diag_finding *f;
	char addr[32];

	(void)state;
	world_init(&w, NULL, NULL);
	s = snap_at(0);
	give_procs(s, 2);
	for (int i = 0; i < 60; i++)
		own(add(s, (uint64_t)(1 + i), TCP_STATE_SYN_SENT, "10.0.0.1", (uint16_t)(40000 + i),
			"10.0.0.9", 443),
		    0);
	for (int i = 0; i < 60; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 2, 1 + i % 2);
		own(add(s, (uint64_t)(100 + i), TCP_STATE_SYN_SENT, "10.0.0.1",
			(uint16_t)(41000 + i), addr, 22),
		    1);
	}
	for (int i = 0; i < 49; i++) /* below the threshold */
		add(s, (uint64_t)(200 + i), TCP_STATE_SYN_SENT, "10.0.0.1", (uint16_t)(42000 + i),
		    "10.0.0.8", 80);
	step(&w, s);
	assert_int_equal(count_id(&w, "syn_sent"), 2);
	for (size_t i = 0; i < diagnose_count(w.d); i++) {
		f = diagnose_get(w.d, i);
		if (f->pid == 100)
			assert_contains(f->title, "60 connection attempts to 10.0.0.9:443 that get no "
						  "answer");
		else if (f->pid == 101)
			assert_contains(f->title, "60 connection attempts pending to 60 different "
						  "destinations");
		else
			fail_msg("unexpected finding %s", f->key);
	}
	world_free(&w);
}

static void
test_fin_wait1_last_ack(void **state)
{
	struct world w;
	struct snapshot *s;
	const struct diag_finding *f;
	char addr[32];

	(void)state;
	world_init(&w, NULL, NULL);
	s = snap_at(0);
	for (int i = 0; i < 60; i++) /* orphans toward one dead peer */
		add(s, (uint64_t)(1 + i), TCP_STATE_FIN_WAIT1, "10.0.0.1", 80, "10.0.0.7",
		    (uint16_t)(30000 + i));
	for (int i = 0; i < 55; i++)
		add(s, (uint64_t)(100 + i), TCP_STATE_LAST_ACK, "10.0.0.1", 80, "10.0.0.8",
		    (uint16_t)(30000 + i));
	for (int i = 0; i < 200; i++) { /* spread over many peers: normal */
		snprintf(addr, sizeof(addr), "10.2.%d.%d", i / 100, 1 + i % 100);
		add(s, (uint64_t)(300 + i), TCP_STATE_FIN_WAIT1, "10.0.0.1", 80, addr, 30000);
	}
	step(&w, s);
	assert_int_equal(count_id(&w, "fin_wait1"), 1);
	assert_int_equal(count_id(&w, "last_ack"), 1);
	f = find(&w, "fin_wait1");
	assert_string_equal(f->key, "fin_wait1/10.0.0.7");
	assert_contains(f->title, "60 connections to 10.0.0.7 are stuck in FIN_WAIT1");
	assert_contains(f->next, "peer is gone");
	f = find(&w, "last_ack");
	assert_contains(f->title, "55 connections to 10.0.0.8 are stuck in LAST_ACK");
	world_free(&w);
}

/* FIN_WAIT2: only the ones older than fin_wait2.age_s count. */
static void
test_fin_wait2(void **state)
{
	struct world w;
	const struct diag_finding *f;

	(void)state;
	world_init(&w, NULL, NULL);
	for (int t = 0; t <= 130; t += 10) {
		struct snapshot *s = snap_at(t);

		give_procs(s, 1);
		/* 12 from the start; 12 more from t = 20 */
		for (int i = 0; i < 12; i++)
			own(add(s, (uint64_t)(1 + i), TCP_STATE_FIN_WAIT2, "10.0.0.1",
				(uint16_t)(40000 + i), "10.0.0.3", 5000),
			    0);
		for (int i = 0; t >= 20 && i < 12; i++)
			own(add(s, (uint64_t)(100 + i), TCP_STATE_FIN_WAIT2, "10.0.0.1",
				(uint16_t)(41000 + i), "10.0.0.3", 5000),
			    0);
		step(&w, s);
		if (t < 120)
			assert_quiet(&w);
	}
	f = find(&w, "fin_wait2");
	assert_non_null(f);
	/* At 130 s the first 12 are at least 130 s old, the others 110 s. */
	assert_contains(f->title, "proc0 (pid 100) has 12 connections half-closed for over 120 s");
	assert_contains(f->title, "oldest at least 130 s");
	world_free(&w);
}

/* ------------------------------------------------------------ cost */

enum { BIG_N = 100000, BIG_SAMPLES = 11 };

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * 100,000 sockets in the mix bench/run.sh uses (70% ESTABLISHED, 20%
 * TIME_WAIT on client ports, 10% CLOSE_WAIT/FIN_WAIT2 pairs) over 500
 * processes: the findings must be the expected ones, and the median
 * cost of the tracker plus the rules is printed.
 */
static void
test_cost_100k(void **state)
{
	struct world w;
	double times[BIG_SAMPLES], track[BIG_SAMPLES];

	(void)state;
	world_init(&w, NULL, NULL);
	for (int k = 0; k < BIG_SAMPLES; k++) {
		struct snapshot *s = snap_at(100 + k);
		double t0;

		assert_int_equal(snapshot_reserve(s, BIG_N), 0);
		give_procs(s, 500);
		for (int i = 0; i < BIG_N; i++) {
			int kind = i % 10;
			enum tcp_state st = kind < 7    ? TCP_STATE_ESTABLISHED
					    : kind < 9  ? TCP_STATE_TIME_WAIT
					    : i % 20 == 9 ? TCP_STATE_CLOSE_WAIT
							  : TCP_STATE_FIN_WAIT2;
			struct sock_entry *e =
				add(s, (uint64_t)(1 + i), st, "127.0.0.1",
				    (uint16_t)(st == TCP_STATE_CLOSE_WAIT ? 9000 : 33000 + i % 28000),
				    "127.0.0.1", (uint16_t)(9000 + i % 50));

			if (st != TCP_STATE_TIME_WAIT)
				own(e, (i / 20) % 500);
		}
		snapshot_seal(s);
		t0 = now_s();
		assert_int_equal(statetrack_update(w.st, s), 0);
		track[k] = now_s() - t0;
		assert_int_equal(diagnose_update(w.d, s, w.st), 0);
		times[k] = now_s() - t0;
		snapshot_unref(s);
	}
	/* 5,000 CLOSE_WAIT over 500 processes: 10 each, too few to be a
	 * pile; young. */
	assert_quiet(&w);
	/* The first two samples allocate. */
	qsort(times + 2, BIG_SAMPLES - 2, sizeof(times[0]), cmp_double);
	qsort(track + 2, BIG_SAMPLES - 2, sizeof(track[0]), cmp_double);
	printf("statetrack + diagnose: %d sockets, median %.2f ms (min %.2f, max %.2f), of which "
	       "statetrack %.2f ms\n",
	       BIG_N, times[2 + (BIG_SAMPLES - 2) / 2] * 1e3, times[2] * 1e3,
	       times[BIG_SAMPLES - 1] * 1e3, track[2 + (BIG_SAMPLES - 2) / 2] * 1e3);
	world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_quiet_healthy),
	    cmocka_unit_test(test_close_wait_pile),
	    cmocka_unit_test(test_close_wait_old),
	    cmocka_unit_test(test_close_wait_growing),
	    cmocka_unit_test(test_close_wait_unowned),
	    cmocka_unit_test(test_hysteresis),
	    cmocka_unit_test(test_config_thresholds),
	    cmocka_unit_test(test_max_per_rule_and_order),
	    cmocka_unit_test(test_syn_recv),
	    cmocka_unit_test(test_counter_rules),
	    cmocka_unit_test(test_counter_rules_quiet),
	    cmocka_unit_test(test_time_wait_ports),
	    cmocka_unit_test(test_syn_sent),
	    cmocka_unit_test(test_fin_wait1_last_ack),
	    cmocka_unit_test(test_fin_wait2),
	    cmocka_unit_test(test_cost_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
