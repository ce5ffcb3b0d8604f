/*
 * test_netns_socket.c - sockets and /proc files of another network
 * namespace, opened from inside it on a helper thread and read from this
 * one: the sock_diag dump, sockstat and the counters see that namespace,
 * a net sysctl opened there keeps its value, and this thread never
 * changes namespace.  The other namespace needs root (it is made with
 * unshare in a child): without it that test is skipped, saying so; the
 * own namespace and the errors are tested by anyone.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns_socket.h"
#include "nl_dump.h"
#include "snapshot.h"

enum { LISTENERS = 3, FIN_TIMEOUT = 37 };

static pid_t child = -1;
static char child_ns[64];

/* The child: a namespace of its own with LISTENERS listening sockets
 * and tcp_fin_timeout FIN_TIMEOUT; says "r" on ready, ends when the
 * parent closes its pipe (or after 60 s). */
static void
child_main(int ready_fd, int hold_fd)
{
	char c = 'r';
	FILE *f;

	if (unshare(CLONE_NEWNET) < 0)
		_exit(2);
	f = fopen("/proc/sys/net/ipv4/tcp_fin_timeout", "w");
	if (f == NULL || fprintf(f, "%d\n", FIN_TIMEOUT) < 0 || fclose(f) != 0)
		_exit(3);
	for (int i = 0; i < LISTENERS; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET};

		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0)
			_exit(4);
	}
	if (write(ready_fd, &c, 1) != 1)
		_exit(5);
	alarm(60);
	(void)read(hold_fd, &c, 1);
	_exit(0);
}

static int
read_number(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

static int
read_path_number(const char *path)
{
	int fd = open(path, O_RDONLY);
	int v;

	if (fd < 0)
		return -1;
	v = read_number(fd);
	close(fd);
	return v;
}

static ino_t
inode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static void
test_other_namespace(void **state)
{
	ino_t before = inode_of("/proc/thread-self/ns/net");
	struct netns_socket *ns;
	struct snapshot *snap;
	struct kcounters kc;
	struct snapshot_nfct nfct;
	char cause[256];
	int fd;

	(void)state;
	if (child <= 0)
		skip(); /* main() said why */
	ns = netns_socket_open(child_ns, false, true, cause, sizeof(cause));
	if (ns == NULL)
		fail_msg("open %s: %s", child_ns, cause);
	assert_int_equal(netns_socket_inode(ns), (uint32_t)inode_of(child_ns));
	assert_int_not_equal(netns_socket_inode(ns), (uint32_t)before);
	/* This thread stayed where it was. */
	assert_int_equal(inode_of("/proc/thread-self/ns/net"), before);

	snap = snapshot_new(0);
	assert_non_null(snap);
	assert_int_equal(nl_dumper_dump(netns_socket_dumper(ns), snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, LISTENERS);
	for (size_t i = 0; i < snap->n_entries; i++)
		assert_int_equal(snap->entries[i].state, TCP_STATE_LISTEN);
	/* Appending keeps what was there. */
	assert_int_equal(
		nl_dumper_dump_append(netns_socket_dumper(ns), snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 2 * LISTENERS);
	snapshot_unref(snap);

	/* sockstat opened inside counts the namespace's sockets. */
	assert_int_equal(netns_socket_sockets(ns), LISTENERS);
	{
		struct netns_tcp_usage use;

		assert_int_equal(netns_socket_tcp_usage(ns, &use), 0);
		assert_int_equal(use.inuse, LISTENERS);
		assert_int_equal(use.inuse6, 0);
		assert_int_equal(use.tw, 0);
	}
	assert_int_equal(netns_socket_counters(ns, &kc), 0);
	assert_true(kcounters_has(&kc, KC_CURR_ESTAB));
	assert_int_equal(kc.value[KC_CURR_ESTAB], 0);
	assert_true(netns_socket_nfct(ns, &nfct) >= 0);

	/* A net sysctl opened inside keeps that namespace's value when read
	 * from here; the same path opened here gives ours. */
	fd = netns_socket_open_file(ns, "/proc/sys/net/ipv4/tcp_fin_timeout", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read_number(fd), FIN_TIMEOUT);
	assert_int_equal(read_number(fd), FIN_TIMEOUT); /* pread: again */
	close(fd);
	if (read_path_number("/proc/sys/net/ipv4/tcp_fin_timeout") == FIN_TIMEOUT)
		fail_msg("the host's tcp_fin_timeout is %d too: cannot tell them apart",
			 FIN_TIMEOUT);
	/* So does a /proc/net file. */
	fd = netns_socket_open_file(ns, "/proc/thread-self/net/sockstat", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(inode_of("/proc/thread-self/ns/net"), before);
	netns_socket_free(ns);
}

/* The own namespace needs no setns (nor CAP_SYS_ADMIN). */
static void
test_own_namespace(void **state)
{
	struct netns_socket *ns;
	struct snapshot *snap;
	char cause[256];

	(void)state;
	ns = netns_socket_open("/proc/self/ns/net", true, false, cause, sizeof(cause));
	if (ns == NULL)
		fail_msg("own: %s", cause);
	assert_int_equal(netns_socket_inode(ns), (uint32_t)inode_of("/proc/self/ns/net"));
	snap = snapshot_new(0);
	assert_non_null(snap);
	assert_int_equal(nl_dumper_dump(netns_socket_dumper(ns), snap, cause, sizeof(cause)), 0);
	snapshot_unref(snap);
	/* Opened without counters. */
	{
		struct kcounters kc;

		errno = 0;
		assert_int_equal(netns_socket_counters(ns, &kc), -1);
		assert_int_equal(errno, EBADF);
	}
	netns_socket_free(ns);
}

/* sockstat lines: the namespace's own inuse and tw, per family. */
static void
test_sockstat_parse(void **state)
{
	static const char v4[] = "sockets: used 812\n"
				 "TCP: inuse 7 orphan 3 tw 12 alloc 900 mem 40\n"
				 "UDP: inuse 2 mem 1\n";
	static const char v6[] = "TCP6: inuse 5\nUDP6: inuse 1\n";
	unsigned long inuse = 99, tw = 99;

	(void)state;
	assert_int_equal(netns_sockstat_parse(v4, strlen(v4), "TCP:", &inuse, &tw), 0);
	assert_int_equal(inuse, 7);
	assert_int_equal(tw, 12);
	/* "TCP:" is not "TCP6:" and the other way round. */
	assert_int_equal(netns_sockstat_parse(v6, strlen(v6), "TCP6:", &inuse, &tw), 0);
	assert_int_equal(inuse, 5);
	assert_int_equal(tw, 0);
	errno = 0;
	assert_int_equal(netns_sockstat_parse(v6, strlen(v6), "TCP:", &inuse, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(netns_sockstat_parse(v4, strlen(v4), "TCP6:", &inuse, NULL), -1);
	/* Cut short: the line ends where the bytes do, no NUL needed. */
	assert_int_equal(netns_sockstat_parse("TCP: inuse 41 orphan", 12, "TCP:", &inuse, &tw), 0);
	assert_int_equal(inuse, 4);
	assert_int_equal(tw, 0);
	/* No number, a number too big, another field first: refused. */
	assert_int_equal(netns_sockstat_parse("TCP: inuse x\n", 13, "TCP:", &inuse, NULL), -1);
	assert_int_equal(netns_sockstat_parse("TCP: inuse 99999999999999999999999\n", 34, "TCP:",
					      &inuse, NULL),
			 -1);
	assert_int_equal(netns_sockstat_parse("TCP: orphan 1 inuse 2\n", 22, "TCP:", &inuse, NULL),
			 -1);
	assert_int_equal(netns_sockstat_parse("", 0, "TCP:", &inuse, NULL), -1);
}

/* Not a namespace, or gone: an error with errno and a cause. */
static void
test_errors(void **state)
{
	char cause[256];

	(void)state;
	errno = 0;
	assert_null(netns_socket_open("/nonexistent/tcpdeck-nssample", false, true, cause,
				      sizeof(cause)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(cause, "/nonexistent/tcpdeck-nssample"));
	errno = 0;
	assert_null(netns_socket_open("/proc/self/status", false, true, cause, sizeof(cause)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(cause, "not a network namespace"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_namespace),
		cmocka_unit_test(test_own_namespace),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sockstat_parse),
	};
	int ready[2], hold[2], status, rc;
	char c;

	if (!netns_socket_can_enter()) {
		fprintf(stderr, "note: another namespace needs CAP_SYS_ADMIN: run as root to test "
				"it; testing the own namespace only\n");
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	if (pipe(ready) < 0 || pipe(hold) < 0)
		return 99;
	child = fork();
	if (child < 0)
		return 99;
	if (child == 0) {
		close(ready[0]);
		close(hold[1]);
		child_main(ready[1], hold[0]);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(child, &status, 0);
		fprintf(stderr, "SKIP: cannot make a network namespace (child status %d)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 77;
	}
	snprintf(child_ns, sizeof(child_ns), "/proc/%d/ns/net", (int)child);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	close(hold[1]);
	waitpid(child, &status, 0);
	return rc;
}
