/*
 * test_source_netns.c - the live source over network namespaces, on this
 * machine's own namespaces: a sample's entries carry their namespace's
 * inode, the table has one row per namespace whose counts add up, the
 * counters are the sum, a spec naming nothing is refused, and --netns all
 * without CAP_SYS_ADMIN (a child that gives up root) samples the own
 * namespace with the note.  The parts that need root are skipped, saying
 * so, without it.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns_socket.h"
#include "source.h"

static uint32_t
self_inode(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	return (uint32_t)st.st_ino;
}

/* One sample, sealed; NULL with cause on failure. */
static struct snapshot *
take(struct source *src, char *cause, size_t cause_len)
{
	struct snapshot *snap = snapshot_new(0);

	assert_non_null(snap);
	if (src->ops->sample(src->state, snap, cause, cause_len) != 0) {
		snapshot_unref(snap);
		return NULL;
	}
	snapshot_seal(snap);
	return snap;
}

/* What holds for every sample with a namespace table. */
static void
check_table(const struct snapshot *snap)
{
	uint32_t sum = 0;
	struct kcounters counters;

	memset(&counters, 0, sizeof(counters));
	assert_true(snap->n_netns >= 1);
	for (size_t i = 0; i < snap->n_netns; i++) {
		if (i > 0)
			assert_true(snap->netns[i - 1].info.inode < snap->netns[i].info.inode);
		sum += snap->netns[i].total;
		for (int c = 0; c < KC_COUNT; c++)
			counters.value[c] += snap->netns[i].counters.value[c];
		counters.present |= snap->netns[i].counters.present;
	}
	/* Every entry is in a namespace of the table. */
	assert_int_equal(sum, snap->n_entries);
	for (size_t i = 0; i < snap->n_entries; i++)
		assert_non_null(snapshot_find_netns(snap, snap->entries[i].netns));
	assert_memory_equal(&counters, &snap->counters, sizeof(counters));
}

static void
test_own_by_path(void **state)
{
	const char *specs[] = {"/proc/self/ns/net"};
	struct source_netns_options nopts = {.specs = specs, .n_specs = 1};
	struct source src = {0};
	struct snapshot *snap;
	char cause[256];

	(void)state;
	if (source_netns_open(&src, NULL, &nopts, cause, sizeof(cause)) < 0)
		fail_msg("open: %s", cause);
	assert_string_equal(source_netns_note(&src), "");
	snap = take(&src, cause, sizeof(cause));
	if (snap == NULL)
		fail_msg("sample: %s", cause);
	assert_int_equal(snap->n_netns, 1);
	assert_int_equal(snap->netns[0].info.inode, self_inode());
	for (size_t i = 0; i < snap->n_entries; i++)
		assert_int_equal(snap->entries[i].netns, self_inode());
	assert_true(kcounters_has(&snap->counters, KC_ACTIVE_OPENS));
	assert_string_equal(snap->netns_note, "");
	check_table(snap);
	snapshot_unref(snap);
	source_close(&src);
}

static void
test_bad_spec(void **state)
{
	const char *specs[] = {"nssample-no-such-namespace"};
	struct source_netns_options nopts = {.specs = specs, .n_specs = 1};
	struct source src = {0};
	char cause[256] = "";

	(void)state;
	errno = 0;
	assert_int_equal(source_netns_open(&src, NULL, &nopts, cause, sizeof(cause)), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(cause, "nssample-no-such-namespace"));
	assert_null(src.ops);
}

/* In a child that is not root: all gives the own namespace and a note. */
static void
test_all_unprivileged(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *specs[] = {"all"};
		struct source_netns_options nopts = {.specs = specs, .n_specs = 1};
		struct source src = {0};
		struct snapshot *snap;
		char cause[256];

		if (getuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(10);
		if (netns_socket_can_enter())
			_exit(11);
		if (source_netns_open(&src, NULL, &nopts, cause, sizeof(cause)) < 0)
			_exit(12);
		if (strstr(source_netns_note(&src), "CAP_SYS_ADMIN") == NULL)
			_exit(13);
		snap = snapshot_new(0);
		if (snap == NULL || src.ops->sample(src.state, snap, cause, sizeof(cause)) != 0)
			_exit(14);
		snapshot_seal(snap);
		if (snap->n_netns != 1 || snap->netns[0].info.inode != self_inode())
			_exit(15);
		if (strstr(snap->netns_note, "needs CAP_SYS_ADMIN") == NULL)
			_exit(16);
		snapshot_unref(snap);
		source_close(&src);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Root: every namespace, on one thread and on two, twice each (the
 * second sample reuses what the first opened). */
static void
test_all(void **state)
{
	(void)state;
	if (!netns_socket_can_enter())
		skip();
	for (unsigned int threads = 1; threads <= 2; threads++) {
		const char *specs[] = {"all"};
		struct source_netns_options nopts = {
			.specs = specs, .n_specs = 1, .threads = threads};
		struct source src = {0};
		char cause[256];

		if (source_netns_open(&src, NULL, &nopts, cause, sizeof(cause)) < 0)
			fail_msg("open: %s", cause);
		assert_string_equal(source_netns_note(&src), "");
		for (int round = 0; round < 2; round++) {
			struct snapshot *snap = take(&src, cause, sizeof(cause));

			if (snap == NULL)
				fail_msg("sample: %s", cause);
			check_table(snap);
			assert_non_null(snapshot_find_netns(snap, self_inode()));
			snapshot_unref(snap);
		}
		source_close(&src);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_by_path),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_all_unprivileged),
		cmocka_unit_test(test_all),
	};

	if (!netns_socket_can_enter())
		fprintf(stderr, "note: every namespace needs CAP_SYS_ADMIN: run as root to test "
				"--netns all fully\n");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
