/*
 * test_owners.c - the immutable table of socket holders: building,
 * sealing, lookups (every holder, lowest pid first), copied strings and
 * reference counting.  Run it under valgrind or ASan for the frees.
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

#include "owners.h"

/* Adds a process with the given pid and names; returns its index. */
static uint32_t
add_proc(struct owner_table *table, int32_t pid, const char *comm, const char *cmdline,
	 const char *user)
{
	struct owner_proc proc;
	int index;

	memset(&proc, 0, sizeof(proc));
	proc.pid = pid;
	proc.uid = (uint32_t)pid % 7;
	proc.start_time = (uint64_t)pid * 1000;
	snprintf(proc.comm, sizeof(proc.comm), "%s", comm);
	proc.cmdline = cmdline;
	proc.user = user;
	index = owner_table_add_proc(table, &proc);
	assert_true(index >= 0);
	return (uint32_t)index;
}

static void
test_empty(void **state)
{
	struct owner_table *table = owner_table_new();
	uint32_t first = 77, out[4];

	(void)state;
	assert_non_null(table);
	assert_int_equal(owner_table_seal(table), 0);
	assert_int_equal(owner_table_procs(table), 0);
	assert_null(owner_table_proc(table, 0));
	assert_int_equal(owner_table_lookup(table, 1, &first, out, 4), 0);
	assert_int_equal(first, 77);
	owner_table_unref(table);
}

/*
 * Processes added in no particular pid order, one socket each plus some
 * shared: every inode returns all holders, ordered by pid.
 */
static void
test_lookup_all_holders(void **state)
{
	struct owner_table *table = owner_table_new();
	uint32_t p300, p100, p200, first, out[8];

	(void)state;
	assert_non_null(table);
	p300 = add_proc(table, 300, "c", "c --x", "root");
	p100 = add_proc(table, 100, "a", "a", "root");
	p200 = add_proc(table, 200, "b", "", "daemon");
	assert_int_equal(p300, 0);
	assert_int_equal(p100, 1);
	assert_int_equal(p200, 2);
	assert_int_equal(owner_table_add_link(table, 30, p300), 0);
	assert_int_equal(owner_table_add_link(table, 10, p100), 0);
	assert_int_equal(owner_table_add_link(table, 20, p200), 0);
	assert_int_equal(owner_table_add_link(table, 11, p100), 0);
	/* 40: held by 300 and 200, linked in that order. */
	assert_int_equal(owner_table_add_link(table, 40, p300), 0);
	assert_int_equal(owner_table_add_link(table, 40, p200), 0);
	assert_int_equal(owner_table_seal(table), 0);

	assert_int_equal(owner_table_procs(table), 3);
	assert_int_equal(owner_table_proc(table, p100)->pid, 100);
	assert_int_equal(owner_table_proc(table, p200)->pid, 200);
	assert_int_equal(owner_table_proc(table, p300)->pid, 300);
	assert_string_equal(owner_table_proc(table, p300)->cmdline, "c --x");
	assert_string_equal(owner_table_proc(table, p200)->user, "daemon");
	assert_int_equal(owner_table_proc(table, p300)->start_time, 300000);

	first = 99;
	assert_int_equal(owner_table_lookup(table, 10, &first, out, 8), 1);
	assert_int_equal(first, p100);
	assert_int_equal(out[0], p100);
	assert_int_equal(owner_table_lookup(table, 11, &first, out, 8), 1);
	assert_int_equal(first, p100);
	assert_int_equal(owner_table_lookup(table, 20, &first, out, 8), 1);
	assert_int_equal(first, p200);
	assert_int_equal(owner_table_lookup(table, 30, &first, out, 8), 1);
	assert_int_equal(first, p300);
	assert_int_equal(owner_table_lookup(table, 40, &first, out, 8), 2);
	assert_int_equal(first, p200);
	assert_int_equal(out[0], p200);
	assert_int_equal(out[1], p300);

	/* Only the count, without out or first. */
	assert_int_equal(owner_table_lookup(table, 40, NULL, NULL, 0), 2);
	owner_table_unref(table);
}

/* After fork: one socket, three holders; out smaller than the count. */
static void
test_shared_by_three(void **state)
{
	struct owner_table *table = owner_table_new();
	uint32_t p30, p10, p20, first = 0, out[3] = {0, 0, 0};

	(void)state;
	assert_non_null(table);
	p30 = add_proc(table, 30, "child2", "srv", "root");
	p10 = add_proc(table, 10, "parent", "srv", "root");
	p20 = add_proc(table, 20, "child1", "srv", "root");
	assert_int_equal(owner_table_add_link(table, 4242, p30), 0);
	assert_int_equal(owner_table_add_link(table, 4242, p10), 0);
	assert_int_equal(owner_table_add_link(table, 4242, p20), 0);
	assert_int_equal(owner_table_add_link(table, 4243, p20), 0);
	assert_int_equal(owner_table_seal(table), 0);

	assert_int_equal(owner_table_lookup(table, 4242, &first, out, 3), 3);
	assert_int_equal(first, p10);
	assert_int_equal(out[0], p10);
	assert_int_equal(out[1], p20);
	assert_int_equal(out[2], p30);

	/* Room for two: the count is still three, out holds the first two. */
	memset(out, 0xff, sizeof(out));
	assert_int_equal(owner_table_lookup(table, 4242, &first, out, 2), 3);
	assert_int_equal(out[0], p10);
	assert_int_equal(out[1], p20);
	assert_int_equal(out[2], UINT32_MAX);

	assert_int_equal(owner_table_lookup(table, 4243, &first, out, 3), 1);
	assert_int_equal(first, p20);
	owner_table_unref(table);
}

/* Unknown inodes and inode 0 have no holders and leave first alone. */
static void
test_unknown_and_zero(void **state)
{
	struct owner_table *table = owner_table_new();
	uint32_t p, first = 1234, out[2] = {5, 5};

	(void)state;
	assert_non_null(table);
	p = add_proc(table, 1, "init", "/sbin/init", "root");
	for (uint32_t inode = 1; inode <= 64; inode++)
		assert_int_equal(owner_table_add_link(table, inode * 3, p), 0);
	assert_int_equal(owner_table_seal(table), 0);

	assert_int_equal(owner_table_lookup(table, 0, &first, out, 2), 0);
	assert_int_equal(owner_table_lookup(table, 1, &first, out, 2), 0);
	assert_int_equal(owner_table_lookup(table, 4, &first, out, 2), 0);
	assert_int_equal(owner_table_lookup(table, 64 * 3 + 3, &first, out, 2), 0);
	assert_int_equal(owner_table_lookup(table, UINT32_MAX, &first, out, 2), 0);
	assert_int_equal(first, 1234);
	assert_int_equal(out[0], 5);
	for (uint32_t inode = 1; inode <= 64; inode++)
		assert_int_equal(owner_table_lookup(table, inode * 3, NULL, NULL, 0), 1);
	owner_table_unref(table);
}

/* ------------------------------------------------------- large, random */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(void)
{
	/* xorshift64*: deterministic, so a failure can be replayed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

struct ref_link {
	uint32_t inode;
	int32_t pid;
	uint32_t proc;
};

static int
compare_ref_links(const void *a, const void *b)
{
	const struct ref_link *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/*
 * 100,000 links in random order, over inodes and pids that use every byte
 * of the sort key; a quarter of the sockets are shared.  Every lookup is
 * checked against a qsort of the same links.
 */
static void
test_100k_random(void **state)
{
	enum { N_PROCS = 4000, N_LINKS = 100000, MAX_OUT = 16 };
	struct owner_table *table = owner_table_new();
	struct ref_link *links = calloc(N_LINKS, sizeof(*links));
	int32_t *pids = calloc(N_PROCS, sizeof(*pids));
	size_t n = 0;

	(void)state;
	assert_non_null(table);
	assert_non_null(links);
	assert_non_null(pids);
	/* Distinct pids up to 2^22 (pid_max), in random order. */
	for (uint32_t i = 0; i < N_PROCS; i++) {
		pids[i] = (int32_t)(1 + i * 1031u + (rng() % 1031u));
		assert_int_equal(add_proc(table, pids[i], "p", "p", "u"), i);
	}
	for (uint32_t k = 0; n < N_LINKS; k++) {
		/* Distinct inodes: half small and sequential as the kernel
		 * hands them out, half spread over the upper 2^31 (an odd
		 * multiplier is a bijection modulo 2^31). */
		uint32_t inode = (k & 1) ? 0x80000000u | ((k * 0x9e3779b1u) & 0x7fffffffu)
					 : 1000000u + k;
		uint32_t holders = (rng() % 4 == 0) ? 2 + rng() % 5 : 1;
		uint32_t base = rng() % N_PROCS;

		for (uint32_t h = 0; h < holders && n < N_LINKS; h++) {
			uint32_t proc = (base + h * 7) % N_PROCS;

			links[n].inode = inode;
			links[n].proc = proc;
			links[n].pid = pids[proc];
			n++;
		}
	}
	/* Shuffle, then link in that order. */
	for (size_t i = N_LINKS - 1; i > 0; i--) {
		size_t j = rng() % (i + 1);
		struct ref_link tmp = links[i];

		links[i] = links[j];
		links[j] = tmp;
	}
	for (size_t i = 0; i < N_LINKS; i++)
		assert_int_equal(owner_table_add_link(table, links[i].inode, links[i].proc), 0);
	assert_int_equal(owner_table_seal(table), 0);

	qsort(links, N_LINKS, sizeof(*links), compare_ref_links);
	for (size_t i = 0; i < N_LINKS;) {
		size_t group = 1, got;
		uint32_t first = UINT32_MAX, out[MAX_OUT];

		while (i + group < N_LINKS && links[i + group].inode == links[i].inode)
			group++;
		got = owner_table_lookup(table, links[i].inode, &first, out, MAX_OUT);
		assert_int_equal(got, group);
		assert_int_equal(first, links[i].proc);
		for (size_t k = 0; k < group; k++)
			assert_int_equal(out[k], links[i + k].proc);
		i += group;
	}
	/* Inodes in no link: below the small range, and its odd ones. */
	for (uint32_t k = 1; k < 1000; k++) {
		assert_int_equal(owner_table_lookup(table, k, NULL, NULL, 0), 0);
		assert_int_equal(owner_table_lookup(table, 1000000u + 2 * k - 1, NULL, NULL, 0), 0);
	}
	free(links);
	free(pids);
	owner_table_unref(table);
}

/* The table keeps its own copies of the strings. */
static void
test_strings_copied(void **state)
{
	struct owner_table *table = owner_table_new();
	char cmdline[32], user[16];
	struct owner_proc proc;
	const struct owner_proc *got;
	int index;

	(void)state;
	assert_non_null(table);
	strcpy(cmdline, "nginx -g daemon off;");
	strcpy(user, "www-data");
	memset(&proc, 0, sizeof(proc));
	proc.pid = 812;
	proc.uid = 33;
	strcpy(proc.comm, "nginx");
	proc.cmdline = cmdline;
	proc.user = user;
	index = owner_table_add_proc(table, &proc);
	assert_int_equal(index, 0);

	/* The caller reuses every buffer, including the struct. */
	memset(cmdline, 'X', sizeof(cmdline) - 1);
	memset(user, 'Y', sizeof(user) - 1);
	strcpy(proc.comm, "zzz");
	proc.pid = 1;

	/* NULL strings become empty ones. */
	proc.pid = 813;
	proc.cmdline = NULL;
	proc.user = NULL;
	assert_int_equal(owner_table_add_proc(table, &proc), 1);
	assert_int_equal(owner_table_add_link(table, 5, 0), 0);
	assert_int_equal(owner_table_seal(table), 0);

	got = owner_table_proc(table, 0);
	assert_non_null(got);
	assert_int_equal(got->pid, 812);
	assert_int_equal(got->uid, 33);
	assert_string_equal(got->comm, "nginx");
	assert_string_equal(got->cmdline, "nginx -g daemon off;");
	assert_string_equal(got->user, "www-data");
	assert_ptr_not_equal(got->cmdline, cmdline);
	assert_ptr_not_equal(got->user, user);
	got = owner_table_proc(table, 1);
	assert_non_null(got);
	assert_string_equal(got->cmdline, "");
	assert_string_equal(got->user, "");
	owner_table_unref(table);
}

static void
test_proc_out_of_range(void **state)
{
	struct owner_table *table = owner_table_new();

	(void)state;
	assert_non_null(table);
	add_proc(table, 5, "a", "a", "root");
	add_proc(table, 6, "b", "b", "root");
	assert_int_equal(owner_table_seal(table), 0);
	assert_non_null(owner_table_proc(table, 0));
	assert_non_null(owner_table_proc(table, 1));
	assert_null(owner_table_proc(table, 2));
	assert_null(owner_table_proc(table, 1000));
	assert_null(owner_table_proc(table, UINT32_MAX));
	owner_table_unref(table);
}

/* Only the last unref frees: valgrind and ASan check the rest. */
static void
test_ref_unref(void **state)
{
	struct owner_table *table = owner_table_new();
	uint32_t p, first = 0;

	(void)state;
	assert_non_null(table);
	p = add_proc(table, 42, "sshd", "sshd: alice", "alice");
	assert_int_equal(owner_table_add_link(table, 9, p), 0);
	assert_int_equal(owner_table_seal(table), 0);
	assert_ptr_equal(owner_table_ref(table), table);
	assert_ptr_equal(owner_table_ref(table), table);
	owner_table_unref(table);
	owner_table_unref(table);
	/* Still readable after two of three unrefs. */
	assert_int_equal(owner_table_lookup(table, 9, &first, NULL, 0), 1);
	assert_string_equal(owner_table_proc(table, first)->cmdline, "sshd: alice");
	owner_table_unref(table);
	/* NULL is accepted. */
	owner_table_unref(NULL);

	/* An unsealed table with strings and links is freed too. */
	table = owner_table_new();
	assert_non_null(table);
	p = add_proc(table, 1, "x", "x y z", "nobody");
	assert_int_equal(owner_table_add_link(table, 1, p), 0);
	owner_table_unref(table);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_lookup_all_holders),
		cmocka_unit_test(test_shared_by_three),
		cmocka_unit_test(test_unknown_and_zero),
		cmocka_unit_test(test_100k_random),
		cmocka_unit_test(test_strings_copied),
		cmocka_unit_test(test_proc_out_of_range),
		cmocka_unit_test(test_ref_unref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
