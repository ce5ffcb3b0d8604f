/*
 * test_diagnose_limits.c - the findings on limits outside TCP: a process
 * near its descriptor limit (fd_limit) and a connection-tracking table
 * nearly full (conntrack).  Each fires, holds between the thresholds,
 * clears after the quiet samples, and stays quiet below its threshold or
 * when the numbers are not known.
 *
 * Samples are snapshots built by hand (sockets, an owner table with
 * descriptor counts and limits, the conntrack fill) fed through a real
 * state tracker, as in test_diagnose.c; the ephemeral port range comes
 * from its /proc fixture (tests/data/diag).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag_config.h"
#include "diag_fixtures.h"
#include "diagnose.h"
#include "snapshot.h"
#include "statetrack.h"

/* ------------------------------------------------------------ helpers */

/* A socket of the server, 10.0.0.1. */
static struct sock_entry *
add(struct snapshot *snap, uint64_t cookie, enum tcp_state state, uint16_t lport,
    const char *remote, uint16_t rport)
{
	return diag_add_entry(snap, cookie, state, "10.0.0.1", lport, remote, rport);
}

/* A process of the owner table: pid, descriptors open, soft and hard
 * limit (0: not known). */
struct proc_spec {
	int32_t pid;
	const char *comm;
	uint32_t fds, soft, hard;
};

/* Gives snap an owner table of those processes; process i holds socket
 * inode 1000 + i, and `shared` (when not 0) is held by processes 0 and
 * 1. */
static void
give_procs(struct snapshot *snap, const struct proc_spec *spec, int n, uint32_t shared)
{
	struct owner_table *t = owner_table_new();

	assert_non_null(t);
	for (int i = 0; i < n; i++) {
		struct owner_proc p = {.pid = spec[i].pid,
				       .cmdline = "",
				       .user = "www",
				       .fds = spec[i].fds,
				       .fd_limit = spec[i].soft,
				       .fd_limit_hard = spec[i].hard};

		snprintf(p.comm, sizeof(p.comm), "%s", spec[i].comm);
		assert_int_equal(owner_table_add_proc(t, &p), i);
		assert_int_equal(owner_table_add_link(t, (uint32_t)(1000 + i), (uint32_t)i), 0);
	}
	if (shared != 0) {
		assert_int_equal(owner_table_add_link(t, shared, 0), 0);
		assert_int_equal(owner_table_add_link(t, shared, 1), 0);
	}
	assert_int_equal(owner_table_seal(t), 0);
	snap->owners = t;
}

/* ------------------------------------------------------------ fd_limit */

/* A server, pid 812, limits 1024 / 4096: a listener on port 8080 with
 * `queued` connections waiting over a backlog of 128, and 20 accepted
 * connections; `fds` descriptors open.  A second process, pid 900, far
 * from its limit, holds a connection too. */
static struct snapshot *
server(double t, uint32_t fds, uint32_t queued)
{
	const struct proc_spec spec[] = {
	    {812, "nginx", fds, 1024, 4096},
	    {900, "cron", 12, 1024, 4096},
	};
	struct snapshot *snap = diag_snap_at(t);
	struct sock_entry *l;

	give_procs(snap, spec, 2, 0);
	l = diag_own(add(snap, 1, TCP_STATE_LISTEN, 8080, "0.0.0.0", 0), 0);
	l->recv_q = queued;
	l->send_q = 128;
	for (int i = 0; i < 20; i++)
		diag_own(add(snap, (uint64_t)(10 + i), TCP_STATE_ESTABLISHED, 8080, "10.0.1.1",
			     (uint16_t)(40000 + i)),
			 0);
	diag_own(add(snap, 99, TCP_STATE_ESTABLISHED, 44000, "10.0.2.2", 443), 1);
	return snap;
}

static void
test_fd_limit_fires_holds_clears(void **state)
{
	const struct diag_finding *f;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	/* 80%: below the 90% threshold. */
	diag_world_step(&w, server(100, 820, 0));
	diag_assert_quiet(w.d);

	/* 91%: fires, a warning, naming the process and the limit. */
	diag_world_step(&w, server(101, 930, 0));
	f = diag_find(w.d, "fd_limit");
	assert_non_null(f);
	assert_int_equal(diag_count_id(w.d, "fd_limit"), 1);
	assert_string_equal(f->key, "fd_limit/pid:812");
	assert_string_equal(f->subject, "nginx (pid 812)");
	assert_int_equal(f->pid, 812);
	assert_string_equal(f->comm, "nginx");
	assert_int_equal(f->port, 8080);
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_false(f->clearing);
	diag_assert_contains(f->title,
			     "nginx (pid 812) uses 930 of its 1,024 file descriptors (91%)");
	diag_assert_contains(f->title, "accept() and connect() will fail with EMFILE");
	diag_assert_contains(f->title, "\"Too many open files\"");
	assert_true(strstr(f->title, "accept queue") == NULL); /* nothing waits */
	diag_assert_contains(f->evidence, "930 descriptors open, soft limit 1024, hard limit 4096");
	diag_assert_contains(f->evidence, "threshold 90%");
	diag_assert_contains(f->evidence, "21 of its sockets in this sample");
	diag_assert_contains(f->evidence,
			     "fullest listener port 8080: accept queue 0 of backlog 128");
	diag_assert_contains(f->next, "ls /proc/812/fd");
	diag_assert_contains(f->next, "setrlimit");
	assert_true(f->level > 1 && f->level < 1.02);

	/* Every descriptor in use, connections waiting: critical, and the
	 * queue behind it is named. */
	diag_world_step(&w, server(102, 1024, 12));
	f = diag_find(w.d, "fd_limit");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_CRITICAL);
	diag_assert_contains(f->title,
			     "nginx (pid 812) has used all 1,024 of its file descriptors");
	diag_assert_contains(f->title, "fail with EMFILE");
	diag_assert_contains(f->title, "port 8080's accept queue is already filling (12 of 128)");
	diag_assert_contains(f->evidence, "accept queue 12 of backlog 128");
	diag_assert_contains(f->next, "wait in the accept queue until it overflows");

	/* 60%: above the clearing threshold (45%): holds, with the new
	 * numbers. */
	diag_world_step(&w, server(103, 614, 0));
	f = diag_find(w.d, "fd_limit");
	assert_non_null(f);
	assert_false(f->clearing);
	diag_assert_contains(f->title, "uses 614 of its 1,024");

	/* 10%: clearing, then gone after hysteresis.quiet_samples (3). */
	diag_world_step(&w, server(104, 100, 0));
	f = diag_find(w.d, "fd_limit");
	assert_non_null(f);
	assert_true(f->clearing);
	diag_world_step(&w, server(105, 100, 0));
	assert_non_null(diag_find(w.d, "fd_limit"));
	diag_world_step(&w, server(106, 100, 0));
	assert_null(diag_find(w.d, "fd_limit"));
	diag_assert_quiet(w.d);
	diag_world_free(&w);
}

/* Quiet when the numbers are not known or the process is not ours: no
 * limit read (0), no count, no owner table, a recording's placeholder,
 * or a process near its limit that holds none of the sample's sockets
 * (it holds them in another namespace, or of another protocol). */
static void
test_fd_limit_quiet(void **state)
{
	const struct proc_spec unknown[] = {
	    {812, "nolimit", 5000, 0, 0},
	    {813, "nocount", 0, 1024, 1024},
	    {0, "", 1024, 1024, 1024}, /* a placeholder */
	    {814, "elsewhere", 1024, 1024, 1024},
	};
	struct snapshot *snap;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int k = 0; k < 3; k++) {
		snap = diag_snap_at(100 + k);
		give_procs(snap, unknown, 4, 0);
		diag_own(add(snap, 1, TCP_STATE_LISTEN, 80, "0.0.0.0", 0), 0)->send_q = 128;
		diag_own(add(snap, 2, TCP_STATE_ESTABLISHED, 80, "10.0.1.1", 40000), 1);
		diag_own(add(snap, 3, TCP_STATE_ESTABLISHED, 81, "10.0.1.1", 40001), 2);
		diag_world_step(&w, snap);
		diag_assert_quiet(w.d);
	}
	/* No owner table at all (an ss dump). */
	snap = diag_snap_at(110);
	add(snap, 1, TCP_STATE_LISTEN, 80, "0.0.0.0", 0);
	diag_world_step(&w, snap);
	diag_assert_quiet(w.d);
	diag_world_free(&w);
}

/* The threshold comes from fd_limit.pct. */
static void
test_fd_limit_threshold(void **state)
{
	struct diag_world w;

	(void)state;
	diag_world_open(&w, "fd_limit.pct = 75\n", NULL);
	diag_world_step(&w, server(100, 760, 0)); /* 74% */
	diag_assert_quiet(w.d);
	diag_world_step(&w, server(101, 800, 0)); /* 78% */
	assert_non_null(diag_find(w.d, "fd_limit"));
	diag_assert_contains(diag_find(w.d, "fd_limit")->evidence, "threshold 75%");
	diag_world_free(&w);
}

/*
 * A worker of a forked server that shares the listener with its master
 * (the listener's first holder) and holds no connection of its own: it
 * is found through the shared socket, and the listener is its queue.
 * Its soft limit is its hard limit: the advice says to raise both.
 */
static void
test_fd_limit_shared_listener(void **state)
{
	const struct proc_spec spec[] = {
	    {700, "master", 40, 65536, 65536},
	    {701, "worker", 1000, 1024, 1024},
	};
	const struct diag_finding *f;
	struct snapshot *snap;
	struct sock_entry *l;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	snap = diag_snap_at(100);
	give_procs(snap, spec, 2, 5000);
	l = add(snap, 1, TCP_STATE_LISTEN, 443, "0.0.0.0", 0);
	l->inode = 5000;
	l->owner_status = OWNER_FOUND;
	l->n_owners = 2;
	l->owner = 0;
	l->recv_q = 3;
	l->send_q = 511;
	diag_world_step(&w, snap);
	f = diag_find(w.d, "fd_limit");
	assert_non_null(f);
	assert_int_equal(diag_count_id(w.d, "fd_limit"), 1);
	assert_string_equal(f->key, "fd_limit/pid:701");
	assert_int_equal(f->port, 443);
	diag_assert_contains(f->title, "worker (pid 701) uses 1,000 of its 1,024");
	diag_assert_contains(f->title, "port 443's accept queue is already filling (3 of 511)");
	diag_assert_contains(f->evidence, "1 of its sockets in this sample");
	diag_assert_contains(f->next, "its soft limit is its hard limit");
	diag_world_free(&w);
}

/* A client at its limit: no listener, so no queue; its connections are
 * what it holds. */
static void
test_fd_limit_client(void **state)
{
	const struct proc_spec spec[] = {{300, "loadgen", 1024, 1024, 0}};
	const struct diag_finding *f;
	struct snapshot *snap;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	snap = diag_snap_at(100);
	give_procs(snap, spec, 1, 0);
	for (int i = 0; i < 5; i++)
		diag_own(add(snap, (uint64_t)(1 + i), TCP_STATE_ESTABLISHED, (uint16_t)(50000 + i),
			     "10.0.9.9", 80),
			 0);
	diag_world_step(&w, snap);
	f = diag_find(w.d, "fd_limit");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_CRITICAL);
	diag_assert_contains(f->title, "loadgen (pid 300) has used all 1,024");
	diag_assert_contains(f->evidence, "hard limit unlimited");
	diag_assert_contains(f->evidence, "5 of its sockets in this sample; no listening socket");
	assert_true(strstr(f->next, "accept queue") == NULL);
	diag_assert_contains(f->next, "setrlimit");
	diag_world_free(&w);
}

/* ------------------------------------------------------------ conntrack */

/* A client host: `syn_sent` connections pending, the conntrack table
 * holding `count` of 262,144 (buckets 65,536). */
static struct snapshot *
tracked(double t, uint32_t count, uint32_t syn_sent)
{
	struct snapshot *snap = diag_snap_at(t);

	snap->nfct.present = true;
	snap->nfct.count = count;
	snap->nfct.max = 262144;
	snap->nfct.buckets = 65536;
	for (uint32_t i = 0; i < syn_sent; i++)
		add(snap, 1 + i, TCP_STATE_SYN_SENT, (uint16_t)(40000 + i), "10.0.3.3", 80);
	return snap;
}

static void
test_conntrack_fires_holds_clears(void **state)
{
	const struct diag_finding *f;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	diag_world_step(&w, tracked(100, 200000, 0)); /* 76% */
	diag_assert_quiet(w.d);

	diag_world_step(&w, tracked(101, 240000, 3)); /* 91.6% */
	f = diag_find(w.d, "conntrack");
	assert_non_null(f);
	assert_int_equal(diag_count_id(w.d, "conntrack"), 1);
	assert_string_equal(f->key, "conntrack/table");
	assert_string_equal(f->subject, "connection tracking");
	assert_int_equal(f->severity, DIAG_WARNING);
	assert_int_equal(f->pid, 0);
	diag_assert_contains(f->title,
			     "The connection-tracking table is 92% full (240,000 of 262,144 "
			     "entries): new connections will be dropped before TCP sees them");
	diag_assert_contains(f->evidence,
			     "nf_conntrack_count 240000, nf_conntrack_max 262144 "
			     "(threshold 90%), nf_conntrack_buckets 65536; 3 connections "
			     "in SYN_SENT");
	diag_assert_contains(f->next, "table full, dropping packet");
	diag_assert_contains(f->next, "net.netfilter.nf_conntrack_max");
	diag_assert_contains(f->next, "net.netfilter.nf_conntrack_buckets");

	/* Full: critical, dropping now. */
	diag_world_step(&w, tracked(102, 262144, 40));
	f = diag_find(w.d, "conntrack");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_CRITICAL);
	diag_assert_contains(f->title, "is full (262,144 of 262,144 entries): the kernel drops new "
				       "connections before TCP sees them");
	diag_assert_contains(f->evidence, "40 connections in SYN_SENT");

	/* 50%: holds; 10%: clears after three samples. */
	diag_world_step(&w, tracked(103, 131072, 0));
	f = diag_find(w.d, "conntrack");
	assert_non_null(f);
	assert_false(f->clearing);
	diag_world_step(&w, tracked(104, 26000, 0));
	assert_true(diag_find(w.d, "conntrack")->clearing);
	diag_world_step(&w, tracked(105, 26000, 0));
	assert_non_null(diag_find(w.d, "conntrack"));
	diag_world_step(&w, tracked(106, 26000, 0));
	diag_assert_quiet(w.d);
	diag_world_free(&w);
}

/* Silent without conntrack (not present: no file, an ss dump, an older
 * recording), with no limit (max 0), and with the threshold raised. */
static void
test_conntrack_quiet(void **state)
{
	struct snapshot *snap;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, "conntrack.full_pct = 99.5\n", NULL);
	snap = tracked(100, 262144, 0);
	snap->nfct.present = false;
	diag_world_step(&w, snap);
	diag_assert_quiet(w.d);
	snap = tracked(101, 262144, 0);
	snap->nfct.max = 0;
	diag_world_step(&w, snap);
	diag_assert_quiet(w.d);
	diag_world_step(&w, tracked(102, 260000, 0)); /* 99.2% */
	diag_assert_quiet(w.d);
	diag_world_step(&w, tracked(103, 261000, 0)); /* 99.6% */
	assert_non_null(diag_find(w.d, "conntrack"));
	diag_assert_contains(diag_find(w.d, "conntrack")->evidence, "threshold 99.5%");
	diag_world_free(&w);
}

/* ------------------------------------------------------------ cost */

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * The worst case of fd_limit's walk: 100,000 connections of one server at
 * its limit, among 500 processes, with the conntrack table near full.
 * The findings are the expected ones; the cost of an update with and
 * without a process near its limit is printed (bench/run-diag.sh measures
 * the rules against a sample's cost).
 */
static void
test_cost_100k(void **state)
{
	enum { N = 100000, PROCS = 500 };
	double t_near = 0, t_far = 0;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int k = 0; k < 6; k++) {
		struct snapshot *snap = diag_snap_at(100 + k);
		struct owner_table *t = owner_table_new();
		bool near = k % 2 == 0;
		unsigned int held = 1;
		char want[64];
		double t0;

		assert_non_null(t);
		assert_int_equal(snapshot_reserve(snap, N), 0);
		for (int i = 0; i < PROCS; i++) {
			struct owner_proc p = {.pid = 100 + i,
					       .comm = "srv",
					       .cmdline = "",
					       .user = "u",
					       .fds = i == 0 && near ? 100500 : 200,
					       .fd_limit = i == 0 ? 100500 : 1024,
					       .fd_limit_hard = 1048576};

			assert_int_equal(owner_table_add_proc(t, &p), i);
			assert_int_equal(owner_table_add_link(t, (uint32_t)(1000 + i), (uint32_t)i),
					 0);
		}
		assert_int_equal(owner_table_seal(t), 0);
		snap->owners = t;
		diag_own(add(snap, 1, TCP_STATE_LISTEN, 80, "0.0.0.0", 0), 0)->send_q = 4096;
		for (int i = 1; i < N; i++) {
			int proc = i % 10 == 0 ? i % PROCS : 0;

			diag_own(add(snap, (uint64_t)(1 + i), TCP_STATE_ESTABLISHED, 80, "10.0.0.2",
				     (uint16_t)(1024 + i % 60000)),
				 proc);
			held += proc == 0;
		}
		snap->nfct.present = true;
		snap->nfct.count = 250000;
		snap->nfct.max = 262144;
		snapshot_seal(snap);
		assert_int_equal(statetrack_update(w.st, snap), 0);
		t0 = now_s();
		assert_int_equal(diagnose_update(w.d, snap, w.st), 0);
		if (near)
			t_near += now_s() - t0;
		else
			t_far += now_s() - t0;
		snapshot_unref(snap);
		assert_non_null(diag_find(w.d, "conntrack"));
		if (near) {
			assert_non_null(diag_find(w.d, "fd_limit"));
			snprintf(want, sizeof(want), "%u of its sockets in this sample", held);
			diag_assert_contains(diag_find(w.d, "fd_limit")->evidence, want);
		}
	}
	printf("diagnose_update at %d sockets: %.2f ms with a process at its descriptor "
	       "limit, %.2f ms without\n",
	       N, t_near / 3 * 1e3, t_far / 3 * 1e3);
	diag_world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fd_limit_fires_holds_clears),
	    cmocka_unit_test(test_fd_limit_quiet),
	    cmocka_unit_test(test_fd_limit_threshold),
	    cmocka_unit_test(test_fd_limit_shared_listener),
	    cmocka_unit_test(test_fd_limit_client),
	    cmocka_unit_test(test_conntrack_fires_holds_clears),
	    cmocka_unit_test(test_conntrack_quiet),
	    cmocka_unit_test(test_cost_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
