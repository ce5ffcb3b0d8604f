/*
 * test_diagnose_netns.c - findings over a sample of several network
 * namespaces: sockets are grouped per namespace (the same pile in two
 * containers is two findings), every finding names its namespace in its
 * title, key and netns field, the hysteresis keeps them apart, and the
 * host-wide rules read each namespace's own conntrack table and kernel
 * counters.  Without a namespace table the texts stay as they were.
 *
 * Samples are snapshots built by hand with a namespace table (inodes,
 * names, per-namespace counters and conntrack fill), fed through a real
 * state tracker.
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

#include "diag_config.h"
#include "diag_fixtures.h"
#include "diagnose.h"
#include "snapshot.h"
#include "statetrack.h"

/* Two namespaces: a Docker container and an `ip netns` one. */
#define WEB 4026532290u
#define BLUE 4026532300u

static struct snapshot_netns *
add_web(struct snapshot *snap)
{
	struct snapshot_netns *ns = snapshot_add_netns(snap, WEB);

	assert_non_null(ns);
	ns->info.kind = NETNS_KIND_CONTAINER;
	ns->info.pid = 812;
	snprintf(ns->info.runtime, sizeof(ns->info.runtime), "docker");
	snprintf(ns->info.name, sizeof(ns->info.name), "web-1");
	snprintf(ns->info.id, sizeof(ns->info.id), "3f2a9c0e1b7d");
	return ns;
}

static struct snapshot_netns *
add_blue(struct snapshot *snap)
{
	struct snapshot_netns *ns = snapshot_add_netns(snap, BLUE);

	assert_non_null(ns);
	ns->info.kind = NETNS_KIND_NAMED;
	snprintf(ns->info.name, sizeof(ns->info.name), "blue");
	return ns;
}

/* A socket of namespace `netns` between 10.0.0.1 and a client, 10.0.2.1. */
static struct sock_entry *
add(struct snapshot *snap, uint32_t netns, uint64_t cookie, enum tcp_state state, uint16_t lport,
    uint16_t rport)
{
	struct sock_entry *e =
	    diag_add_entry(snap, cookie, state, "10.0.0.1", lport, "10.0.2.1", rport);

	e->netns = netns;
	return e;
}

/* `n` CLOSE_WAIT sockets on port 8080 of a namespace, cookies 1..n (the
 * same in every namespace), held by owner-table process `proc` (-1:
 * none known). */
static void
add_pile(struct snapshot *snap, uint32_t netns, int n, int proc)
{
	for (int i = 0; i < n; i++) {
		struct sock_entry *e = add(snap, netns, (uint64_t)(1 + i), TCP_STATE_CLOSE_WAIT,
					   8080, (uint16_t)(20000 + i));

		if (proc >= 0)
			diag_own(e, proc);
	}
}

/* An owner table: nginx (pid 812) and java (pid 4100). */
static void
give_procs(struct snapshot *snap)
{
	static const struct {
		int pid;
		const char *comm;
	} procs[] = {{812, "nginx"}, {4100, "java"}};
	struct owner_table *t = owner_table_new();

	assert_non_null(t);
	for (int i = 0; i < 2; i++) {
		struct owner_proc p = {.pid = procs[i].pid, .cmdline = "", .user = "root"};

		snprintf(p.comm, sizeof(p.comm), "%s", procs[i].comm);
		assert_int_equal(owner_table_add_proc(t, &p), i);
		assert_int_equal(owner_table_add_link(t, (uint32_t)(1000 + i), (uint32_t)i), 0);
	}
	assert_int_equal(owner_table_seal(t), 0);
	snap->owners = t;
}

/* The finding of key `key` shown by d, or NULL. */
static const struct diag_finding *
find_key(const struct diagnose *d, const char *key)
{
	for (size_t i = 0; i < diagnose_count(d); i++)
		if (strcmp(diagnose_get(d, i)->key, key) == 0)
			return diagnose_get(d, i);
	return NULL;
}

static void
assert_starts(const char *text, const char *start)
{
	if (strncmp(text, start, strlen(start)) != 0)
		fail_msg("'%s' does not start with '%s'", text, start);
}

/* ------------------------------------------------------------ tests */

/*
 * A CLOSE_WAIT pile on port 8080 in two namespaces, with the same
 * cookies: two findings, each naming its namespace and its own count.
 */
static void
test_close_wait_per_netns(void **state)
{
	const struct diag_finding *web, *blue;
	struct snapshot *s;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(10);
	give_procs(s);
	add_web(s);
	add_blue(s);
	add_pile(s, WEB, 412, 0);
	add_pile(s, BLUE, 60, -1);
	diag_world_step(&w, s);

	assert_int_equal(diag_count_id(w.d, "close_wait"), 2);
	web = find_key(w.d, "close_wait/netns:4026532290/pid:812");
	blue = find_key(w.d, "close_wait/netns:4026532300/port:8080");
	assert_non_null(web);
	assert_non_null(blue);
	assert_int_equal(web->netns, WEB);
	assert_int_equal(blue->netns, BLUE);
	assert_starts(web->title, "container web-1 (3f2a9c0e1b7d): nginx (pid 812) holds 412 "
				  "sockets in CLOSE_WAIT, oldest ");
	assert_starts(blue->title, "netns blue: The process on port 8080 (not visible) holds 60 "
				   "sockets in CLOSE_WAIT");
	assert_string_equal(web->subject, "nginx (pid 812)");
	assert_string_equal(blue->subject, "port 8080");
	assert_int_equal(web->pid, 812);
	assert_int_equal(web->port, 8080);
	diag_assert_contains(web->evidence, "412 in CLOSE_WAIT");
	diag_assert_contains(blue->evidence, "60 in CLOSE_WAIT");
	diag_world_free(&w);
}

/* A pile below the threshold in each of two namespaces is no pile:
 * counted per namespace, not summed. */
static void
test_not_summed_across_netns(void **state)
{
	struct snapshot *s;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(10);
	add_web(s);
	add_blue(s);
	add_pile(s, WEB, 40, -1);
	add_pile(s, BLUE, 40, -1);
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "close_wait"), 0);
	diag_world_free(&w);
}

/* The hysteresis follows each namespace's finding on its own: one
 * clearing does not clear the other, nor reset its "since". */
static void
test_hysteresis_per_netns(void **state)
{
	const char *web_key = "close_wait/netns:4026532290/port:8080";
	const char *blue_key = "close_wait/netns:4026532300/port:8080";
	struct snapshot *s;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(10);
	add_web(s);
	add_blue(s);
	add_pile(s, WEB, 60, -1);
	add_pile(s, BLUE, 60, -1);
	diag_world_step(&w, s);
	assert_non_null(find_key(w.d, web_key));
	assert_non_null(find_key(w.d, blue_key));

	/* blue's pile is gone: its finding clears over quiet_samples (3),
	 * web's stays as it was. */
	for (int t = 11; t <= 13; t++) {
		s = diag_snap_at(t);
		add_web(s);
		add_blue(s);
		add_pile(s, WEB, 60, -1);
		diag_world_step(&w, s);
		assert_non_null(find_key(w.d, web_key));
		assert_false(find_key(w.d, web_key)->clearing);
		assert_true(find_key(w.d, web_key)->since == 10.0);
		if (t < 13) {
			assert_non_null(find_key(w.d, blue_key));
			assert_true(find_key(w.d, blue_key)->clearing);
		} else {
			assert_null(find_key(w.d, blue_key));
		}
	}
	assert_int_equal(diagnose_count(w.d), 1);
	diag_world_free(&w);
}

/* The conntrack table of one namespace nearly full: one finding, naming
 * that namespace, with its count and its connections in SYN_SENT. */
static void
test_conntrack_per_netns(void **state)
{
	const struct diag_finding *f;
	struct snapshot_netns *web, *blue;
	struct snapshot *s;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(10);
	add_web(s);
	add_blue(s);
	/* The table may move as it grows: the pointers once both are in. */
	web = &s->netns[0];
	blue = &s->netns[1];
	web->nfct = (struct snapshot_nfct){.present = true, .count = 26000, .max = 262144};
	blue->nfct = (struct snapshot_nfct){.present = true, .count = 250000, .max = 262144};
	s->nfct = blue->nfct; /* the fullest namespace's, as the sampler sets */
	for (int i = 0; i < 3; i++)
		add(s, BLUE, (uint64_t)(1 + i), TCP_STATE_SYN_SENT, (uint16_t)(40000 + i), 80);
	for (int i = 0; i < 7; i++)
		add(s, WEB, (uint64_t)(1 + i), TCP_STATE_SYN_SENT, (uint16_t)(40000 + i), 80);
	diag_world_step(&w, s);
	assert_int_equal(diag_count_id(w.d, "conntrack"), 1);
	f = find_key(w.d, "conntrack/netns:4026532300/table");
	assert_non_null(f);
	assert_int_equal(f->netns, BLUE);
	assert_starts(f->title, "netns blue: The connection-tracking table is 95% full (250,000 "
				"of 262,144 entries)");
	diag_assert_contains(f->evidence, "nf_conntrack_count 250000");
	diag_assert_contains(f->evidence, "; 3 connections in SYN_SENT");

	/* Now the other one is full and this one is not. */
	s = diag_snap_at(11);
	add_web(s);
	add_blue(s);
	/* The table may move as it grows: the pointers once both are in. */
	web = &s->netns[0];
	blue = &s->netns[1];
	web->nfct = (struct snapshot_nfct){.present = true, .count = 262144, .max = 262144};
	blue->nfct = (struct snapshot_nfct){.present = true, .count = 1000, .max = 262144};
	s->nfct = web->nfct;
	diag_world_step(&w, s);
	f = find_key(w.d, "conntrack/netns:4026532290/table");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_CRITICAL);
	assert_starts(f->title, "container web-1 (3f2a9c0e1b7d): The connection-tracking table "
				"is full");
	assert_true(find_key(w.d, "conntrack/netns:4026532300/table")->clearing);
	diag_world_free(&w);
}

/*
 * Kernel counters are read per namespace: listen drops rising in one
 * namespace (the sums rising too) name that namespace and its fullest
 * listener, not the other's.
 */
static void
test_counters_per_netns(void **state)
{
	const struct diag_finding *f;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t < 2; t++) {
		struct snapshot *s = diag_snap_at(10 + 2 * t);
		struct snapshot_netns *web, *blue;
		struct sock_entry *l;

		give_procs(s);
		add_web(s);
		add_blue(s);
		web = &s->netns[0];
		blue = &s->netns[1];
		/* web: a full listener on 443 of java; blue: one on 80 of
		 * nginx with room. */
		l = add(s, WEB, 1, TCP_STATE_LISTEN, 443, 0);
		l->recv_q = 17;
		l->send_q = 16;
		diag_own(l, 1);
		l = add(s, BLUE, 1, TCP_STATE_LISTEN, 80, 0);
		l->recv_q = 1;
		l->send_q = 128;
		diag_own(l, 0);
		web->counters.value[KC_LISTEN_OVERFLOWS] = 500 + 20u * (unsigned)t; /* 10/s */
		web->counters.present = 1u << KC_LISTEN_OVERFLOWS;
		blue->counters.value[KC_LISTEN_OVERFLOWS] = 7;
		blue->counters.present = 1u << KC_LISTEN_OVERFLOWS;
		s->counters.value[KC_LISTEN_OVERFLOWS] = 507 + 20u * (unsigned)t;
		s->counters.present = 1u << KC_LISTEN_OVERFLOWS;
		diag_world_step(&w, s);
	}
	assert_int_equal(diag_count_id(w.d, "listen_drops"), 1);
	f = find_key(w.d, "listen_drops/netns:4026532290/host");
	assert_non_null(f);
	assert_starts(f->title, "container web-1 (3f2a9c0e1b7d): The kernel drops incoming "
				"connections: 10/s find the accept queue full (fullest: port 443)");
	assert_int_equal(f->pid, 4100);
	assert_int_equal(f->port, 443);
	diag_world_free(&w);
}

static void
set_kc(struct kcounters *kc, enum kcounter c, uint64_t value)
{
	kc->value[c] = value;
	kc->present |= 1u << c;
}

/*
 * Resets read per namespace: blue's attempts to 10.0.5.5:9 are refused
 * (its counters say so), web's attempts to 10.0.7.7:9 vanish as well,
 * with the same cookies, but its counters show no resets.  One finding,
 * blue's, counting and naming only blue's vanished sockets.
 */
static void
test_resets_per_netns(void **state)
{
	const struct diag_finding *f;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	for (int t = 0; t < 3; t++) {
		struct snapshot *s = diag_snap_at(t);
		struct snapshot_netns *web, *blue;

		add_web(s);
		add_blue(s);
		web = &s->netns[0];
		blue = &s->netns[1];
		for (int k = 0; k < 2; k++) {
			struct kcounters *kc = k == 0 ? &web->counters : &blue->counters;
			uint64_t refused = k == 0 ? 0 : 200u * (unsigned)t;

			set_kc(kc, KC_ACTIVE_OPENS, 200u * (unsigned)t);
			set_kc(kc, KC_PASSIVE_OPENS, 0);
			set_kc(kc, KC_ATTEMPT_FAILS, refused);
			set_kc(kc, KC_ESTAB_RESETS, 0);
			set_kc(kc, KC_OUT_RSTS, refused);
			set_kc(kc, KC_ABORT_ON_TIMEOUT, 0);
		}
		for (int i = 0; i < 30; i++) {
			struct sock_entry *e;

			e = add(s, BLUE, (uint64_t)(1000 + 30 * t + i), TCP_STATE_SYN_SENT,
				(uint16_t)(45000 + i), 9);
			assert_int_equal(inet_pton(AF_INET, "10.0.5.5", e->remote_addr), 1);
			e = add(s, WEB, (uint64_t)(1000 + 30 * t + i), TCP_STATE_SYN_SENT,
				(uint16_t)(45000 + i), 9);
			assert_int_equal(inet_pton(AF_INET, "10.0.7.7", e->remote_addr), 1);
		}
		diag_world_step(&w, s);
	}
	assert_int_equal(diag_count_id(w.d, "resets"), 1);
	f = find_key(w.d, "resets/netns:4026532300/host");
	assert_non_null(f);
	assert_int_equal(f->netns, BLUE);
	assert_string_equal(f->subject, "10.0.5.5:9");
	assert_starts(f->title, "netns blue: Connection attempts are refused with resets: 200/s, "
				"most to 10.0.5.5:9");
	diag_assert_contains(f->evidence, "30 sockets vanished since the previous sample (30 "
					  "connecting), 30 of them to 10.0.5.5:9, 30 with peer "
					  "10.0.5.5");
	diag_world_free(&w);
}

/* Without a namespace table nothing changes, even when the entries carry
 * a namespace inode (the sampler's own). */
static void
test_no_table_unchanged(void **state)
{
	const struct diag_finding *f;
	struct snapshot *s;
	struct diag_world w;

	(void)state;
	diag_world_open(&w, NULL, NULL);
	s = diag_snap_at(10);
	add_pile(s, WEB, 60, -1);
	diag_world_step(&w, s);
	assert_int_equal(diagnose_count(w.d), 1);
	f = diagnose_get(w.d, 0);
	assert_string_equal(f->key, "close_wait/port:8080");
	assert_int_equal(f->netns, 0);
	assert_starts(f->title, "The process on port 8080 (not visible) holds 60 sockets");
	diag_world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_close_wait_per_netns),
	    cmocka_unit_test(test_not_summed_across_netns),
	    cmocka_unit_test(test_hysteresis_per_netns),
	    cmocka_unit_test(test_conntrack_per_netns),
	    cmocka_unit_test(test_counters_per_netns),
	    cmocka_unit_test(test_resets_per_netns),
	    cmocka_unit_test(test_no_table_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
