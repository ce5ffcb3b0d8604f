/*
 * test_procmap.c - the /proc walker on fixture trees.
 *
 * Each test builds a fake /proc in a fresh directory (below the current
 * directory, which is the build directory under `make check`, or /tmp
 * when that is not writable) and removes it afterwards: PID/stat in the
 * kernel's format, PID/cmdline NUL-separated, PID/fd/N symlinks to
 * socket:[INODE], pipe:[N] or /dev/null.  Snapshots are built by hand.
 *
 * Tests that count reads (stats.procs_scanned) change descriptors in
 * place, keeping the number of entries, so the counts hold whether or not
 * the walker takes a directory's size for a descriptor count (on ext4 it
 * is 4096 whatever the directory holds).  They also assume a test runs
 * well within the walker's background refresh period (10 s).
 *
 * Mode 000 does not stop root, so when run as root the permission tests
 * walk with the effective uid of nobody (seteuid, and back).
 *
 * Descriptor counts and limits: PID/limits in the kernel's table format;
 * the counts are the fd/ entries a scan reads.  The per-sample recount of
 * a process near its limit needs procfs (the size of /proc/PID/fd), so it
 * is tested on this process in the real /proc, with its own soft limit
 * lowered for the test.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "owners.h"
#include "procmap.h"
#include "snapshot.h"

/* ------------------------------------------------------------- fixture */

struct fixture {
	char root[PATH_MAX];
};

static void
fx_path(const struct fixture *fx, char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fx_path(const struct fixture *fx, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(buf, size, "%s/", fx->root);

	assert_true(len > 0 && (size_t)len < size);
	va_start(ap, fmt);
	len += vsnprintf(buf + len, size - (size_t)len, fmt, ap);
	va_end(ap);
	assert_true((size_t)len < size);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/*
 * Creates PID/ with stat (all 52 fields of a current kernel, start time
 * in field 22), cmdline (len bytes, NUL-separated) and an empty fd/.
 */
static void
fx_proc(const struct fixture *fx, int pid, const char *comm, unsigned long long start_time,
	const char *cmdline, size_t cmdline_len)
{
	char path[PATH_MAX], stat[1024];
	int len;

	fx_path(fx, path, sizeof(path), "%d", pid);
	assert_int_equal(mkdir(path, 0755), 0);
	len = snprintf(stat, sizeof(stat),
		       "%d (%s) S 1 %d %d 0 -1 4194560 1523 0 12 0 7 3 0 0 20 0 1 0 %llu "
		       "23539712 2816 18446744073709551615 94770163171328 94770163929229 "
		       "140724458327504 0 0 0 0 4096 1 1 0 0 17 3 0 0 0 0 0 94770164182448 "
		       "94770164214224 94770190823424 140724458333915 140724458333935 "
		       "140724458333935 140724458336229 0\n",
		       pid, comm, pid, pid, start_time);
	assert_true(len > 0 && (size_t)len < sizeof(stat));
	fx_path(fx, path, sizeof(path), "%d/stat", pid);
	write_file(path, stat, (size_t)len);
	fx_path(fx, path, sizeof(path), "%d/cmdline", pid);
	write_file(path, cmdline, cmdline_len);
	fx_path(fx, path, sizeof(path), "%d/fd", pid);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* PID/fd/FD -> target, replacing what FD pointed to. */
static void
fx_fd(const struct fixture *fx, int pid, int fd, const char *target)
{
	char path[PATH_MAX];

	fx_path(fx, path, sizeof(path), "%d/fd/%d", pid, fd);
	if (unlink(path) < 0)
		assert_int_equal(errno, ENOENT);
	assert_int_equal(symlink(target, path), 0);
}

static void
fx_socket(const struct fixture *fx, int pid, int fd, uint32_t inode)
{
	char target[32];

	snprintf(target, sizeof(target), "socket:[%u]", inode);
	fx_fd(fx, pid, fd, target);
}

/* The usual first descriptors: stdin on /dev/null, a pipe, a tty. */
static void
fx_stdio(const struct fixture *fx, int pid)
{
	fx_fd(fx, pid, 0, "/dev/null");
	fx_fd(fx, pid, 1, "pipe:[31337]");
	fx_fd(fx, pid, 2, "/dev/pts/0");
}

static void
write_str(const char *path, const char *data)
{
	write_file(path, data, strlen(data));
}

/* PID/limits as the kernel prints it, with the given RLIMIT_NOFILE
 * columns ("1024", "unlimited"). */
static void
fx_limits(const struct fixture *fx, int pid, const char *soft, const char *hard)
{
	char path[PATH_MAX], text[2048];

	fx_path(fx, path, sizeof(path), "%d/limits", pid);
	snprintf(text, sizeof(text),
		 "Limit                     Soft Limit           Hard Limit           Units     \n"
		 "Max cpu time              unlimited            unlimited            seconds   \n"
		 "Max file size             unlimited            unlimited            bytes     \n"
		 "Max stack size            8388608              unlimited            bytes     \n"
		 "Max processes             96367                96367                processes \n"
		 "Max open files            %-20s %-20s files     \n"
		 "Max locked memory         8388608              8388608              bytes     \n"
		 "Max realtime timeout      unlimited            unlimited            us        \n",
		 soft, hard);
	write_str(path, text);
}

/* Removes name below dir_fd and everything in it, even a directory left
 * unreadable by a failed test.  Returns 0 or -1. */
static int
remove_at(int dir_fd, const char *name)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -1;
	(void)fchmodat(dir_fd, name, 0700, 0);
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			(void)remove_at(fd, de->d_name);
	closedir(dir);
	return unlinkat(dir_fd, name, AT_REMOVEDIR);
}

static void
remove_tree(const char *path)
{
	assert_int_equal(remove_at(AT_FDCWD, path), 0);
}

/* Removes PID, or PID/fd with fd set. */
static void
fx_remove(const struct fixture *fx, int pid, bool fd)
{
	char path[PATH_MAX];

	fx_path(fx, path, sizeof(path), fd ? "%d/fd" : "%d", pid);
	remove_tree(path);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	umask(022);
	snprintf(fx->root, sizeof(fx->root), "test_procmap.XXXXXX");
	if (mkdtemp(fx->root) == NULL) {
		snprintf(fx->root, sizeof(fx->root), "/tmp/test_procmap.XXXXXX");
		if (mkdtemp(fx->root) == NULL) {
			free(fx);
			return -1;
		}
	}
	/* Another uid walks it in the permission tests. */
	if (chmod(fx->root, 0755) < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = remove_at(AT_FDCWD, fx->root);

	free(fx);
	return rc;
}

/* ------------------------------------------------------------ snapshots */

static struct sock_entry *
add_entry(struct snapshot *snap, uint32_t inode, uint32_t uid, uint8_t state)
{
	struct sock_entry *e = snapshot_add(snap);

	assert_non_null(e);
	e->inode = inode;
	e->uid = uid;
	e->state = state;
	e->cookie = 0x1000 + snap->n_entries;
	/* Whatever the source left here is overwritten. */
	e->owner = 0xdead;
	e->n_owners = 0xbeef;
	e->owner_status = 0xff;
	return e;
}

/* A snapshot of the given inodes, all of uid 0; 0 means TIME_WAIT. */
static struct snapshot *
make_snapshot(const uint32_t *inodes, size_t n)
{
	struct snapshot *snap = snapshot_new(n);

	assert_non_null(snap);
	for (size_t i = 0; i < n; i++)
		add_entry(snap, inodes[i], 0,
			  inodes[i] != 0 ? TCP_STATE_ESTABLISHED : TCP_STATE_TIME_WAIT);
	return snap;
}

static const struct sock_entry *
entry_of(const struct snapshot *snap, uint32_t inode)
{
	for (size_t i = 0; i < snap->n_entries; i++)
		if (snap->entries[i].inode == inode)
			return &snap->entries[i];
	fail_msg("no entry for inode %u", inode);
	return NULL;
}

/* The pid of the first holder of a found socket. */
static int32_t
owner_pid(const struct snapshot *snap, uint32_t inode)
{
	const struct sock_entry *e = entry_of(snap, inode);
	const struct owner_proc *proc;

	assert_int_equal(e->owner_status, OWNER_FOUND);
	assert_non_null(snap->owners);
	proc = owner_table_proc(snap->owners, e->owner);
	assert_non_null(proc);
	return proc->pid;
}

static const struct owner_proc *
owner_of(const struct snapshot *snap, uint32_t inode)
{
	const struct sock_entry *e = entry_of(snap, inode);

	assert_int_equal(e->owner_status, OWNER_FOUND);
	return owner_table_proc(snap->owners, e->owner);
}

static void
assert_status(const struct snapshot *snap, uint32_t inode, enum owner_status status)
{
	const struct sock_entry *e = entry_of(snap, inode);

	assert_int_equal(e->owner_status, status);
	if (status != OWNER_FOUND) {
		assert_int_equal(e->n_owners, 0);
		assert_int_equal(e->owner, 0);
	}
}

/* Runs one sample over inodes; the caller unrefs the snapshot. */
static struct snapshot *
sample(struct procmap *map, const uint32_t *inodes, size_t n, struct procmap_stats *stats)
{
	struct snapshot *snap = make_snapshot(inodes, n);

	assert_int_equal(procmap_attribute(map, snap, stats), 0);
	snapshot_seal(snap);
	return snap;
}

static struct procmap *
new_map(const struct fixture *fx)
{
	struct procmap *map = procmap_new(fx->root, true, 0);

	assert_non_null(map);
	return map;
}

/* ---------------------------------------------------------------- tests */

static const char weird_cmdline[] = "/usr/bin/weird\0--name\0a b\0";

/* Who holds what, with names, command lines and users. */
static void
test_attribution(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {1001, 1002, 2001, 0, 2002};
	struct procmap_stats stats;
	const struct owner_proc *proc;
	struct snapshot *snap;
	struct procmap *map;
	struct passwd *pw;
	char path[PATH_MAX];

	fx_proc(fx, 100, "my (weird) name", 4711, weird_cmdline, sizeof(weird_cmdline));
	fx_stdio(fx, 100);
	fx_socket(fx, 100, 3, 1001);
	fx_socket(fx, 100, 4, 1002);
	fx_socket(fx, 100, 5, 1002); /* dup()ed: still one holder */
	fx_proc(fx, 200, "sshd", 90000, "sshd: /usr/sbin/sshd\0", 21);
	fx_stdio(fx, 200);
	fx_socket(fx, 200, 7, 2001);
	fx_socket(fx, 200, 8, 2002);
	fx_fd(fx, 200, 9, "socket:[0]");
	fx_fd(fx, 200, 10, "socket:[junk]");
	fx_fd(fx, 200, 11, "anon_inode:[eventpoll]");
	fx_proc(fx, 300, "cron", 5, "/usr/sbin/cron\0-f\0", 18); /* no sockets */
	fx_stdio(fx, 300);
	fx_proc(fx, 400, "kworker/0:1", 3, "", 0); /* a kernel thread */
	/* Not processes. */
	fx_path(fx, path, sizeof(path), "self");
	assert_int_equal(symlink("100", path), 0);
	fx_path(fx, path, sizeof(path), "sys");
	assert_int_equal(mkdir(path, 0755), 0);
	fx_path(fx, path, sizeof(path), "123abc");
	assert_int_equal(mkdir(path, 0755), 0);
	fx_path(fx, path, sizeof(path), "0");
	assert_int_equal(mkdir(path, 0755), 0);
	fx_path(fx, path, sizeof(path), "uptime");
	write_str(path, "1.0 1.0\n");

	map = new_map(fx);
	snap = sample(map, inodes, 5, &stats);
	assert_int_equal(stats.procs, 4);
	assert_int_equal(stats.procs_scanned, 4);
	assert_int_equal(stats.found, 4);
	assert_int_equal(stats.hidden, 0);
	assert_int_equal(stats.unknown, 0);
	assert_int_equal(stats.fds_read, 6 + 8 + 3);
	assert_true(stats.table_rebuilt);
	assert_non_null(snap->owners);
	assert_false(snap->owners_partial);
	/* Only processes holding sockets are in the table. */
	assert_int_equal(owner_table_procs(snap->owners), 2);

	assert_int_equal(owner_pid(snap, 1001), 100);
	assert_int_equal(owner_pid(snap, 1002), 100);
	assert_int_equal(owner_pid(snap, 2001), 200);
	assert_int_equal(owner_pid(snap, 2002), 200);
	for (size_t i = 0; i < snap->n_entries; i++)
		if (snap->entries[i].inode != 0)
			assert_int_equal(snap->entries[i].n_owners, 1);
	assert_status(snap, 0, OWNER_NONE);

	proc = owner_of(snap, 1001);
	assert_int_equal(proc->pid, 100);
	assert_string_equal(proc->comm, "my (weird) name");
	assert_string_equal(proc->cmdline, "/usr/bin/weird --name a b");
	assert_int_equal(proc->start_time, 4711);
	/* The uid is the owner of the process's directories: whoever made
	 * the fixture. */
	assert_int_equal(proc->uid, geteuid());
	pw = getpwuid(geteuid());
	if (pw != NULL)
		assert_string_equal(proc->user, pw->pw_name);
	if (geteuid() == 0)
		assert_string_equal(proc->user, "root");

	proc = owner_of(snap, 2001);
	assert_int_equal(proc->pid, 200);
	assert_string_equal(proc->comm, "sshd");
	assert_string_equal(proc->cmdline, "sshd: /usr/sbin/sshd");
	assert_int_equal(proc->start_time, 90000);

	snapshot_unref(snap);
	procmap_free(map);
}

/* A uid without a passwd entry is shown as its number. */
static void
test_user_without_name(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {11};
	struct snapshot *snap;
	struct procmap *map;
	char path[PATH_MAX];

	if (geteuid() != 0)
		skip();
	fx_proc(fx, 10, "app", 1, "app\0", 4);
	fx_socket(fx, 10, 3, 11);
	/* /proc/PID and /proc/PID/fd both belong to the process's user. */
	fx_path(fx, path, sizeof(path), "10");
	assert_int_equal(chown(path, 54321, 54321), 0);
	fx_path(fx, path, sizeof(path), "10/fd");
	assert_int_equal(chown(path, 54321, 54321), 0);
	map = new_map(fx);
	snap = sample(map, inodes, 1, NULL);
	assert_int_equal(owner_of(snap, 11)->uid, 54321);
	assert_string_equal(owner_of(snap, 11)->user, "54321");
	snapshot_unref(snap);
	procmap_free(map);
}

/* One socket, two processes (after fork): the lower pid comes first. */
static void
test_shared_socket(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {5000, 5001};
	struct procmap_stats stats;
	uint32_t first = 0, out[4];
	struct snapshot *snap;
	struct procmap *map;
	const struct sock_entry *e;

	/* The child is made first, so the walk cannot rely on creation. */
	fx_proc(fx, 2222, "worker", 20, "srv\0--worker\0", 13);
	fx_socket(fx, 2222, 3, 5000);
	fx_proc(fx, 1111, "srv", 10, "srv\0", 4);
	fx_socket(fx, 1111, 3, 5000);
	fx_socket(fx, 1111, 4, 5001);

	map = new_map(fx);
	snap = sample(map, inodes, 2, &stats);
	assert_int_equal(stats.found, 2);
	e = entry_of(snap, 5000);
	assert_int_equal(e->owner_status, OWNER_FOUND);
	assert_int_equal(e->n_owners, 2);
	assert_int_equal(owner_pid(snap, 5000), 1111);
	assert_int_equal(owner_table_lookup(snap->owners, 5000, &first, out, 4), 2);
	assert_int_equal(first, e->owner);
	assert_int_equal(owner_table_proc(snap->owners, out[0])->pid, 1111);
	assert_int_equal(owner_table_proc(snap->owners, out[1])->pid, 2222);
	assert_string_equal(owner_table_proc(snap->owners, out[1])->cmdline, "srv --worker");
	assert_int_equal(entry_of(snap, 5001)->n_owners, 1);
	snapshot_unref(snap);

	/* The parent exits: the child is left holding it. */
	fx_remove(fx, 1111, false);
	snap = sample(map, inodes, 2, &stats);
	assert_int_equal(stats.procs, 1);
	assert_int_equal(entry_of(snap, 5000)->n_owners, 1);
	assert_int_equal(owner_pid(snap, 5000), 2222);
	assert_status(snap, 5001, OWNER_UNKNOWN);
	assert_int_equal(stats.found, 1);
	assert_int_equal(stats.unknown, 1);
	snapshot_unref(snap);
	procmap_free(map);
}

/* Inode 0 (TIME_WAIT, request sockets): no owner, nothing searched. */
static void
test_inode_zero_is_none(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {0, 0, 0};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;

	fx_proc(fx, 10, "a", 1, "a\0", 2);
	fx_socket(fx, 10, 3, 77);
	fx_proc(fx, 20, "b", 1, "b\0", 2);
	map = new_map(fx);
	snap = sample(map, inodes, 3, &stats);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(snap->entries[i].owner_status, OWNER_NONE);
		assert_int_equal(snap->entries[i].n_owners, 0);
		assert_int_equal(snap->entries[i].owner, 0);
	}
	assert_int_equal(stats.found + stats.hidden + stats.unknown, 0);
	snapshot_unref(snap);
	snap = sample(map, inodes, 3, &stats);
	assert_int_equal(stats.procs_scanned, 0);
	snapshot_unref(snap);
	procmap_free(map);
}

/*
 * How many full searches in a row must miss a socket before it is given
 * up on (procmap.c: one miss may only mean its process was read just
 * before it opened the socket).
 */
enum { SEARCHES_TO_GIVE_UP = 2 };

/*
 * A full search (the first) has just missed a socket of inodes: the
 * searches still to come each read all `procs` readable processes, after
 * which nothing is read while the same sockets live.
 */
static void
finish_giving_up(struct procmap *map, const uint32_t *inodes, size_t n, size_t procs)
{
	struct procmap_stats stats;
	struct snapshot *snap, *prev = NULL;

	for (int k = 1; k < SEARCHES_TO_GIVE_UP; k++) {
		snap = sample(map, inodes, n, &stats);
		assert_int_equal(stats.procs_scanned, procs);
		snapshot_unref(snap);
	}
	for (int k = 0; k < 3; k++) {
		snap = sample(map, inodes, n, &stats);
		assert_int_equal(stats.procs_scanned, 0);
		assert_int_equal(stats.fds_read, 0);
		assert_false(stats.table_rebuilt);
		if (prev != NULL)
			assert_ptr_equal(snap->owners, prev->owners);
		snapshot_unref(prev);
		prev = snap;
	}
	snapshot_unref(prev);
}

/*
 * A socket nobody holds is UNKNOWN; once full searches missed it, it is
 * not searched for again while it lives.  One that closes and comes back
 * (a new socket with a reused inode) is searched for again.
 */
static void
test_unknown_given_up(void **state)
{
	struct fixture *fx = *state;
	const uint32_t one[] = {10, 7777}, two[] = {10, 7777, 8888}, gone[] = {10};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;

	fx_proc(fx, 10, "a", 1, "a\0", 2);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "b", 1, "b\0", 2);
	fx_stdio(fx, 20);
	fx_proc(fx, 30, "c", 1, "c\0", 2);
	map = new_map(fx);

	/* Every process is new, so all were read: that was a full search. */
	snap = sample(map, one, 2, &stats);
	assert_int_equal(stats.procs_scanned, 3);
	assert_status(snap, 7777, OWNER_UNKNOWN);
	assert_int_equal(stats.unknown, 1);
	assert_int_equal(stats.found, 1);
	snapshot_unref(snap);
	finish_giving_up(map, one, 2, 3);
	snap = sample(map, one, 2, &stats);
	assert_status(snap, 7777, OWNER_UNKNOWN);
	assert_int_equal(stats.unknown, 1);
	assert_int_equal(owner_pid(snap, 10), 10);
	snapshot_unref(snap);

	/* A new unknown socket: full searches (all three processes) for
	 * it alone. */
	snap = sample(map, two, 3, &stats);
	assert_int_equal(stats.procs_scanned, 3);
	assert_int_equal(stats.unknown, 2);
	assert_status(snap, 7777, OWNER_UNKNOWN);
	assert_status(snap, 8888, OWNER_UNKNOWN);
	snapshot_unref(snap);
	finish_giving_up(map, two, 3, 3);

	/* Both close; inode 7777 comes back on a new socket. */
	snap = sample(map, gone, 1, &stats);
	assert_int_equal(stats.procs_scanned, 0);
	snapshot_unref(snap);
	snap = sample(map, one, 2, &stats);
	assert_int_equal(stats.procs_scanned, 3);
	assert_status(snap, 7777, OWNER_UNKNOWN);
	snapshot_unref(snap);
	finish_giving_up(map, one, 2, 3);
	procmap_free(map);
}

/* Nothing changed: nothing read, and the owner table is shared. */
static void
test_nothing_changed(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {10, 20, 0};
	struct procmap_stats stats;
	struct snapshot *first, *second, *third;
	struct procmap *map;

	fx_proc(fx, 10, "a", 1, "a\0", 2);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "b", 1, "b\0", 2);
	fx_socket(fx, 20, 3, 20);
	fx_proc(fx, 30, "c", 1, "c\0", 2);
	map = new_map(fx);
	first = sample(map, inodes, 3, &stats);
	assert_int_equal(stats.procs_scanned, 3);
	assert_true(stats.table_rebuilt);

	second = sample(map, inodes, 3, &stats);
	assert_int_equal(stats.procs, 3);
	assert_int_equal(stats.procs_scanned, 0);
	assert_int_equal(stats.fds_read, 0);
	assert_int_equal(stats.found, 2);
	assert_false(stats.table_rebuilt);
	assert_ptr_equal(second->owners, first->owners);
	assert_int_equal(owner_pid(second, 10), 10);
	assert_int_equal(owner_pid(second, 20), 20);

	/* The first snapshot's reference is not the one keeping it. */
	snapshot_unref(first);
	third = sample(map, inodes, 3, NULL);
	assert_ptr_equal(third->owners, second->owners);
	snapshot_unref(second);
	snapshot_unref(third);
	procmap_free(map);
}

/*
 * A new socket in a known process whose fd directory looks the same (the
 * descriptor replaced in place): found by the search for unknown sockets,
 * holders of sockets first, then the others.
 */
static void
test_new_socket_found(void **state)
{
	struct fixture *fx = *state;
	const uint32_t before[] = {10, 20};
	const uint32_t after[] = {10, 11, 20};
	const uint32_t later[] = {10, 11, 20, 30};
	const uint32_t added[] = {10, 11, 20, 21, 30};
	struct procmap_stats stats;
	struct snapshot *first, *snap;
	struct procmap *map;

	fx_proc(fx, 10, "a", 1, "a\0", 2);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "b", 1, "b\0", 2);
	fx_stdio(fx, 20);
	fx_socket(fx, 20, 3, 20);
	fx_proc(fx, 30, "c", 1, "c\0", 2);
	fx_stdio(fx, 30);
	map = new_map(fx);
	first = sample(map, before, 2, &stats);
	assert_int_equal(stats.procs_scanned, 3);

	/* stdin of 10 becomes a socket: 10 holds sockets, so it is read
	 * first, and the search stops there. */
	fx_socket(fx, 10, 0, 11);
	snap = sample(map, after, 3, &stats);
	assert_int_equal(owner_pid(snap, 11), 10);
	assert_int_equal(owner_pid(snap, 10), 10);
	assert_int_equal(owner_pid(snap, 20), 20);
	assert_int_equal(stats.procs_scanned, 1);
	assert_int_equal(stats.found, 3);
	assert_int_equal(stats.unknown, 0);
	assert_true(stats.table_rebuilt);
	assert_ptr_not_equal(snap->owners, first->owners);
	/* The older snapshot keeps the table it was given. */
	assert_int_equal(owner_table_lookup(first->owners, 11, NULL, NULL, 0), 0);
	assert_int_equal(owner_table_lookup(snap->owners, 11, NULL, NULL, 0), 1);
	snapshot_unref(snap);

	/* 30 had none: the holders are read first, then 30. */
	fx_socket(fx, 30, 1, 30);
	snap = sample(map, later, 4, &stats);
	assert_int_equal(owner_pid(snap, 30), 30);
	assert_int_equal(stats.procs_scanned, 3);
	assert_int_equal(stats.found, 4);
	snapshot_unref(snap);

	/* A descriptor added: found whether or not the directory grew. */
	fx_socket(fx, 20, 4, 21);
	snap = sample(map, added, 5, &stats);
	assert_int_equal(owner_pid(snap, 21), 20);
	assert_int_equal(stats.found, 5);
	assert_int_equal(stats.unknown, 0);
	assert_true(stats.procs_scanned >= 1);
	snapshot_unref(snap);

	snap = sample(map, added, 5, &stats);
	assert_int_equal(stats.procs_scanned, 0);
	assert_int_equal(stats.found, 5);
	snapshot_unref(snap);
	snapshot_unref(first);
	procmap_free(map);
}

/*
 * Two unknown sockets, one of them newly shared by two processes: the
 * search must count each socket once, however many hold it.
 */
static void
test_search_counts_shared_once(void **state)
{
	struct fixture *fx = *state;
	const uint32_t before[] = {10, 20};
	const uint32_t after[] = {10, 20, 50, 51, 52};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;

	fx_proc(fx, 10, "a", 1, "a\0", 2);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "b", 1, "b\0", 2);
	fx_stdio(fx, 20);
	fx_socket(fx, 20, 3, 20);
	fx_proc(fx, 30, "c", 1, "c\0", 2);
	fx_stdio(fx, 30);
	map = new_map(fx);
	snap = sample(map, before, 2, &stats);
	snapshot_unref(snap);

	/* 10 receives 50; 20 holds 50 and 51; nobody holds 52. */
	fx_socket(fx, 10, 0, 50);
	fx_socket(fx, 20, 0, 50);
	fx_socket(fx, 20, 1, 51);
	snap = sample(map, after, 5, &stats);
	assert_int_equal(entry_of(snap, 50)->n_owners, 2);
	assert_int_equal(owner_pid(snap, 50), 10);
	assert_int_equal(owner_pid(snap, 51), 20);
	assert_status(snap, 52, OWNER_UNKNOWN);
	/* 52 is still missing after 10 and 20: 30 is read too. */
	assert_int_equal(stats.procs_scanned, 3);
	assert_int_equal(stats.found, 4);
	assert_int_equal(stats.unknown, 1);
	snapshot_unref(snap);
	finish_giving_up(map, after, 5, 3);
	snap = sample(map, after, 5, &stats);
	assert_int_equal(stats.unknown, 1);
	assert_int_equal(stats.found, 4);
	snapshot_unref(snap);
	procmap_free(map);
}

/*
 * Two unknown sockets, both found, one in two processes: counting the
 * shared one twice would end the search early, or with more finds than
 * sockets sent the count below zero (and the given-up set's size with
 * it).  An alarm turns a hang into a failure.
 */
static void
test_search_shared_found_twice(void **state)
{
	struct fixture *fx = *state;
	const uint32_t before[] = {10, 20};
	const uint32_t after[] = {10, 20, 50, 51};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;

	fx_proc(fx, 10, "a", 1, "a\0", 2);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "b", 1, "b\0", 2);
	fx_stdio(fx, 20);
	fx_socket(fx, 20, 3, 20);
	fx_proc(fx, 30, "c", 1, "c\0", 2);
	fx_stdio(fx, 30);
	map = new_map(fx);
	snap = sample(map, before, 2, &stats);
	snapshot_unref(snap);

	fx_socket(fx, 10, 0, 50);
	fx_socket(fx, 20, 0, 50);
	fx_socket(fx, 20, 1, 51);
	alarm(30);
	snap = sample(map, after, 4, &stats);
	alarm(0);
	assert_int_equal(entry_of(snap, 50)->n_owners, 2);
	assert_int_equal(owner_pid(snap, 50), 10);
	assert_int_equal(owner_pid(snap, 51), 20);
	assert_int_equal(stats.found, 4);
	assert_int_equal(stats.unknown, 0);
	/* Both found in 10 and 20: 30 need not be read. */
	assert_int_equal(stats.procs_scanned, 2);
	snapshot_unref(snap);
	snap = sample(map, after, 4, &stats);
	assert_int_equal(stats.procs_scanned, 0);
	snapshot_unref(snap);
	procmap_free(map);
}

/*
 * The search reads first the processes where unknown sockets were found
 * lately: a server accepting connections is read alone.
 */
static void
test_search_hottest_first(void **state)
{
	struct fixture *fx = *state;
	uint32_t inodes[] = {10, 20, 30, 0};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;

	fx_proc(fx, 10, "a", 1, "a\0", 2);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "b", 1, "b\0", 2);
	fx_socket(fx, 20, 3, 20);
	fx_proc(fx, 30, "server", 1, "server\0", 7);
	fx_socket(fx, 30, 3, 30);
	map = new_map(fx);
	snap = sample(map, inodes, 3, &stats);
	snapshot_unref(snap);

	/* The first accepted connection: every holder is read, by pid. */
	fx_socket(fx, 30, 4, 31);
	inodes[3] = 31;
	snap = sample(map, inodes, 4, &stats);
	assert_int_equal(owner_pid(snap, 31), 30);
	assert_int_equal(stats.procs_scanned, 3);
	snapshot_unref(snap);

	/* The next ones (replacing the last): the server is read first. */
	for (uint32_t inode = 32; inode < 40; inode++) {
		fx_socket(fx, 30, 4, inode);
		inodes[3] = inode;
		snap = sample(map, inodes, 4, &stats);
		assert_int_equal(owner_pid(snap, inode), 30);
		assert_int_equal(stats.procs_scanned, 1);
		assert_int_equal(stats.unknown, 0);
		snapshot_unref(snap);
	}
	procmap_free(map);
}

/* A process that exits between samples takes its sockets along. */
static void
test_process_exits(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {10, 11, 20, 0};
	struct procmap_stats stats;
	struct snapshot *first, *snap;
	struct procmap *map;

	fx_proc(fx, 10, "leaver", 1, "leaver\0", 7);
	fx_socket(fx, 10, 3, 10);
	fx_socket(fx, 10, 4, 11);
	fx_proc(fx, 20, "stayer", 1, "stayer\0", 7);
	fx_socket(fx, 20, 3, 20);
	map = new_map(fx);
	first = sample(map, inodes, 4, &stats);
	assert_int_equal(stats.found, 3);
	assert_int_equal(owner_table_procs(first->owners), 2);

	fx_remove(fx, 10, false);
	snap = sample(map, inodes, 4, &stats);
	assert_int_equal(stats.procs, 1);
	assert_status(snap, 10, OWNER_UNKNOWN);
	assert_status(snap, 11, OWNER_UNKNOWN);
	assert_status(snap, 0, OWNER_NONE);
	assert_int_equal(owner_pid(snap, 20), 20);
	assert_int_equal(stats.found, 1);
	assert_int_equal(stats.unknown, 2);
	assert_true(stats.table_rebuilt);
	assert_int_equal(owner_table_procs(snap->owners), 1);
	/* The first snapshot still sees the world as it was. */
	assert_int_equal(owner_pid(first, 10), 10);
	assert_string_equal(owner_of(first, 11)->cmdline, "leaver");
	snapshot_unref(first);
	snapshot_unref(snap);

	/* Everyone leaves. */
	fx_remove(fx, 20, false);
	snap = sample(map, inodes, 4, &stats);
	assert_int_equal(stats.procs, 0);
	assert_int_equal(stats.unknown, 3);
	assert_int_equal(owner_table_procs(snap->owners), 0);
	snapshot_unref(snap);
	procmap_free(map);
}

/*
 * Processes caught leaving in the middle of a walk, or half-visible:
 * skipped without error, and the others still attributed.
 */
static void
test_exits_mid_walk(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {10, 20, 30, 40, 50, 60, 70};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;
	char path[PATH_MAX];

	fx_proc(fx, 10, "good", 1, "good\0", 5);
	fx_socket(fx, 10, 3, 10);
	/* 20: stat, but the fd directory is already gone. */
	fx_proc(fx, 20, "gone", 1, "gone\0", 5);
	fx_remove(fx, 20, true);
	/* 30: fd is a dangling symlink. */
	fx_proc(fx, 30, "dangling", 1, "x\0", 2);
	fx_remove(fx, 30, true);
	fx_path(fx, path, sizeof(path), "30/fd");
	assert_int_equal(symlink("/nonexistent/fd", path), 0);
	/* 40: fd is a plain file. */
	fx_proc(fx, 40, "file", 1, "x\0", 2);
	fx_remove(fx, 40, true);
	fx_path(fx, path, sizeof(path), "40/fd");
	write_str(path, "socket:[40]\n");
	/* 50: fd directory, but stat is gone. */
	fx_proc(fx, 50, "nostat", 1, "x\0", 2);
	fx_socket(fx, 50, 3, 50);
	fx_path(fx, path, sizeof(path), "50/stat");
	assert_int_equal(unlink(path), 0);
	/* 60: stat cut short, without the start time; then an empty one. */
	fx_proc(fx, 60, "short", 1, "x\0", 2);
	fx_socket(fx, 60, 3, 60);
	fx_path(fx, path, sizeof(path), "60/stat");
	write_str(path, "60 (short) S 1 60 60 0");
	fx_proc(fx, 61, "empty", 1, "x\0", 2);
	fx_socket(fx, 61, 3, 60);
	fx_path(fx, path, sizeof(path), "61/stat");
	write_str(path, "");
	/* 62: no parentheses. */
	fx_proc(fx, 62, "x", 1, "x\0", 2);
	fx_socket(fx, 62, 3, 60);
	fx_path(fx, path, sizeof(path), "62/stat");
	write_str(path, "62 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22\n");
	/* 70: an empty directory; 71: no cmdline, still attributed. */
	fx_path(fx, path, sizeof(path), "70");
	assert_int_equal(mkdir(path, 0755), 0);
	fx_proc(fx, 71, "nocmd", 1, "", 0);
	fx_socket(fx, 71, 3, 70);
	fx_path(fx, path, sizeof(path), "71/cmdline");
	assert_int_equal(unlink(path), 0);

	map = new_map(fx);
	snap = sample(map, inodes, 7, &stats);
	assert_int_equal(owner_pid(snap, 10), 10);
	assert_int_equal(owner_pid(snap, 70), 71);
	assert_string_equal(owner_of(snap, 70)->cmdline, "");
	for (uint32_t inode = 20; inode <= 60; inode += 10)
		assert_status(snap, inode, OWNER_UNKNOWN);
	assert_int_equal(stats.found, 2);
	assert_int_equal(stats.unknown, 5);
	snapshot_unref(snap);

	/* Again, with the half-made ones gone for good. */
	fx_remove(fx, 30, false);
	fx_remove(fx, 40, false);
	snap = sample(map, inodes, 7, &stats);
	assert_int_equal(stats.found, 2);
	snapshot_unref(snap);

	/* A known process loses its fd directory (a zombie): no error
	 * whether or not it is read again, and then it is gone. */
	fx_remove(fx, 10, true);
	snap = sample(map, inodes, 7, &stats);
	assert_int_equal(owner_pid(snap, 70), 71);
	snapshot_unref(snap);
	fx_remove(fx, 10, false);
	snap = sample(map, inodes, 7, &stats);
	assert_status(snap, 10, OWNER_UNKNOWN);
	assert_int_equal(owner_pid(snap, 70), 71);
	assert_int_equal(stats.found, 1);
	snapshot_unref(snap);
	procmap_free(map);
}

/*
 * Runs fn with the effective uid of nobody when root, so that mode 000
 * denies as it would to an ordinary user; returns false when that cannot
 * be arranged.
 */
static bool
as_unprivileged(struct procmap *map, struct snapshot *snap, struct procmap_stats *stats)
{
	uid_t euid = geteuid();
	int rc;

	if (euid == 0 && seteuid(65534) < 0)
		return false;
	rc = procmap_attribute(map, snap, stats);
	if (euid == 0)
		assert_int_equal(seteuid(0), 0);
	assert_int_equal(rc, 0);
	return true;
}

/* An fd directory that cannot be read: never read, nor searched again. */
static void
test_unreadable_fd_dir(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {10, 20};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;
	char path[PATH_MAX];

	fx_proc(fx, 10, "mine", 1, "mine\0", 5);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "theirs", 1, "theirs\0", 7);
	fx_socket(fx, 20, 3, 20);
	fx_path(fx, path, sizeof(path), "20/fd");
	assert_int_equal(chmod(path, 0), 0);

	/* Privileged: 20 should be readable, so its socket is unknown. */
	map = new_map(fx);
	snap = make_snapshot(inodes, 2);
	if (!as_unprivileged(map, snap, &stats)) {
		snapshot_unref(snap);
		procmap_free(map);
		assert_int_equal(chmod(path, 0755), 0);
		skip();
	}
	assert_int_equal(owner_pid(snap, 10), 10);
	assert_status(snap, 20, OWNER_UNKNOWN);
	assert_int_equal(stats.found, 1);
	assert_int_equal(stats.unknown, 1);
	snapshot_unref(snap);
	/* Searched for in 10 only; then given up. */
	for (int k = 1; k <= SEARCHES_TO_GIVE_UP; k++) {
		snap = make_snapshot(inodes, 2);
		assert_true(as_unprivileged(map, snap, &stats));
		assert_int_equal(stats.procs, 2);
		assert_int_equal(stats.procs_scanned, k < SEARCHES_TO_GIVE_UP ? 1 : 0);
		assert_int_equal(stats.fds_read, k < SEARCHES_TO_GIVE_UP ? 1 : 0);
		assert_status(snap, 20, OWNER_UNKNOWN);
		assert_int_equal(owner_pid(snap, 10), 10);
		snapshot_unref(snap);
	}
	procmap_free(map);

	/* Unprivileged, another user's socket: hidden. */
	map = procmap_new(fx->root, false, 4242);
	assert_non_null(map);
	snap = make_snapshot(inodes, 2);
	assert_int_equal(snap->entries[0].inode, 10);
	snap->entries[0].uid = 4242; /* 10 is ours */
	assert_true(as_unprivileged(map, snap, &stats));
	assert_int_equal(owner_pid(snap, 10), 10);
	assert_status(snap, 20, OWNER_HIDDEN);
	assert_int_equal(stats.found, 1);
	assert_int_equal(stats.hidden, 1);
	assert_int_equal(stats.unknown, 0);
	assert_true(snap->owners_partial);
	snapshot_unref(snap);
	procmap_free(map);
	assert_int_equal(chmod(path, 0755), 0);
}

/*
 * Unprivileged, sockets of other users that no readable process holds are
 * HIDDEN, and never searched for; our own missing ones are UNKNOWN.
 */
static void
test_unprivileged_hidden(void **state)
{
	struct fixture *fx = *state;
	enum { ME = 4242, OTHER = 0 };
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;

	fx_proc(fx, 10, "mine", 1, "mine\0", 5);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_proc(fx, 20, "theirs", 1, "theirs\0", 7);
	fx_stdio(fx, 20);
	fx_socket(fx, 20, 3, 20);
	fx_proc(fx, 30, "idle", 1, "idle\0", 5);
	map = procmap_new(fx->root, false, ME);
	assert_non_null(map);

	snap = snapshot_new(0);
	assert_non_null(snap);
	add_entry(snap, 10, ME, TCP_STATE_ESTABLISHED);
	add_entry(snap, 20, OTHER, TCP_STATE_LISTEN); /* readable after all */
	add_entry(snap, 30, OTHER, TCP_STATE_ESTABLISHED);
	add_entry(snap, 0, OTHER, TCP_STATE_TIME_WAIT);
	assert_int_equal(procmap_attribute(map, snap, &stats), 0);
	assert_int_equal(owner_pid(snap, 10), 10);
	assert_int_equal(owner_pid(snap, 20), 20);
	assert_status(snap, 30, OWNER_HIDDEN);
	assert_status(snap, 0, OWNER_NONE);
	assert_int_equal(stats.found, 2);
	assert_int_equal(stats.hidden, 1);
	assert_int_equal(stats.unknown, 0);
	assert_true(snap->owners_partial);
	snapshot_unref(snap);

	/* New hidden sockets do not start a search... */
	snap = snapshot_new(0);
	assert_non_null(snap);
	add_entry(snap, 10, ME, TCP_STATE_ESTABLISHED);
	add_entry(snap, 30, OTHER, TCP_STATE_ESTABLISHED);
	add_entry(snap, 31, OTHER, TCP_STATE_ESTABLISHED);
	add_entry(snap, 32, OTHER + 1, TCP_STATE_ESTABLISHED);
	assert_int_equal(procmap_attribute(map, snap, &stats), 0);
	assert_int_equal(stats.procs_scanned, 0);
	assert_int_equal(stats.hidden, 3);
	assert_status(snap, 31, OWNER_HIDDEN);
	assert_status(snap, 32, OWNER_HIDDEN);
	snapshot_unref(snap);

	/* ...a new one of ours does. */
	snap = snapshot_new(0);
	assert_non_null(snap);
	add_entry(snap, 40, ME, TCP_STATE_ESTABLISHED);
	add_entry(snap, 31, OTHER, TCP_STATE_ESTABLISHED);
	assert_int_equal(procmap_attribute(map, snap, &stats), 0);
	assert_int_equal(stats.procs_scanned, 3);
	assert_status(snap, 40, OWNER_UNKNOWN);
	assert_status(snap, 31, OWNER_HIDDEN);
	assert_int_equal(stats.unknown, 1);
	assert_int_equal(stats.hidden, 1);
	snapshot_unref(snap);
	procmap_free(map);
}

/* A pid reused by another process: its data, not the old one's. */
static void
test_pid_reuse(void **state)
{
	struct fixture *fx = *state;
	const uint32_t before[] = {100};
	const uint32_t after[] = {100, 200};
	struct procmap_stats stats;
	const struct owner_proc *proc;
	struct snapshot *first, *snap;
	struct procmap *map;

	fx_proc(fx, 500, "old", 1000, "old\0--a\0", 8);
	fx_fd(fx, 500, 0, "/dev/null");
	fx_socket(fx, 500, 1, 100);
	map = new_map(fx);
	first = sample(map, before, 1, &stats);
	assert_string_equal(owner_of(first, 100)->comm, "old");

	/* Same pid, same number of descriptors: only the start time in
	 * stat tells the two apart. */
	fx_remove(fx, 500, false);
	fx_proc(fx, 500, "new", 2000, "new\0--b\0", 8);
	fx_fd(fx, 500, 0, "/dev/null");
	fx_socket(fx, 500, 1, 200);
	snap = sample(map, after, 2, &stats);
	proc = owner_of(snap, 200);
	assert_int_equal(proc->pid, 500);
	assert_string_equal(proc->comm, "new");
	assert_string_equal(proc->cmdline, "new --b");
	assert_int_equal(proc->start_time, 2000);
	assert_status(snap, 100, OWNER_UNKNOWN);
	assert_int_equal(owner_table_procs(snap->owners), 1);
	/* The old snapshot still names the old process. */
	proc = owner_of(first, 100);
	assert_string_equal(proc->comm, "old");
	assert_string_equal(proc->cmdline, "old --a");
	snapshot_unref(snap);
	snapshot_unref(first);

	/* Reused again, now with more descriptors. */
	fx_remove(fx, 500, false);
	fx_proc(fx, 500, "newer", 3000, "newer\0", 6);
	fx_stdio(fx, 500);
	fx_socket(fx, 500, 3, 300);
	fx_socket(fx, 500, 4, 301);
	{
		const uint32_t latest[] = {300, 301};

		snap = sample(map, latest, 2, &stats);
	}
	proc = owner_of(snap, 300);
	assert_string_equal(proc->comm, "newer");
	assert_string_equal(proc->cmdline, "newer");
	assert_int_equal(proc->start_time, 3000);
	assert_int_equal(owner_pid(snap, 301), 500);
	snapshot_unref(snap);
	procmap_free(map);
}

/* A root that does not exist or is no directory. */
static void
test_bad_root(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX];

	errno = 0;
	assert_null(procmap_new("/nonexistent/tcpdeck/proc", true, 0));
	assert_int_equal(errno, ENOENT);
	fx_path(fx, path, sizeof(path), "plain");
	write_str(path, "x");
	errno = 0;
	assert_null(procmap_new(path, true, 0));
	assert_int_equal(errno, ENOTDIR);
}

/* An empty root: no processes, every socket unknown, no failure. */
static void
test_empty_root(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {1, 0};
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map = new_map(fx);

	snap = sample(map, inodes, 2, &stats);
	assert_int_equal(stats.procs, 0);
	assert_int_equal(stats.unknown, 1);
	assert_non_null(snap->owners);
	assert_int_equal(owner_table_procs(snap->owners), 0);
	assert_status(snap, 1, OWNER_UNKNOWN);
	assert_status(snap, 0, OWNER_NONE);
	snapshot_unref(snap);
	/* An empty snapshot too. */
	snap = sample(map, NULL, 0, &stats);
	assert_int_equal(stats.found + stats.hidden + stats.unknown, 0);
	snapshot_unref(snap);
	procmap_free(map);
	procmap_free(NULL);
}

/* The real /proc: a listening socket of this process is ours. */
static void
test_real_proc(void **state)
{
	struct sockaddr_in sin;
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;
	struct stat st;
	int fd;

	(void)state;
	if (access("/proc/self/fd", R_OK) < 0)
		skip();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(fstat(fd, &st), 0);

	map = procmap_new("/proc", geteuid() == 0, getuid());
	assert_non_null(map);
	snap = snapshot_new(0);
	assert_non_null(snap);
	add_entry(snap, (uint32_t)st.st_ino, getuid(), TCP_STATE_LISTEN);
	assert_int_equal(procmap_attribute(map, snap, &stats), 0);
	assert_int_equal(owner_pid(snap, (uint32_t)st.st_ino), getpid());
	assert_true(stats.procs >= 1);
	assert_true(owner_of(snap, (uint32_t)st.st_ino)->cmdline[0] != '\0');
	snapshot_unref(snap);
	procmap_free(map);
	close(fd);
}

static const struct owner_proc *
proc_of(const struct snapshot *snap, int32_t pid)
{
	for (uint32_t i = 0; i < owner_table_procs(snap->owners); i++)
		if (owner_table_proc(snap->owners, i)->pid == pid)
			return owner_table_proc(snap->owners, i);
	fail_msg("no process %d in the owner table", pid);
	return NULL;
}

/* Every process holding a socket carries its descriptor count (every
 * entry of fd/, sockets or not) and its RLIMIT_NOFILE limits; limits
 * not known (no file, a malformed line) are 0, and so is "unlimited".
 * Limits are read once per process that holds sockets, not for the
 * others. */
static void
test_fd_counts_and_limits(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {10, 11, 20, 30, 40};
	struct procmap_stats stats;
	const struct owner_proc *p;
	struct snapshot *snap;
	struct procmap *map;
	char path[PATH_MAX];

	fx_proc(fx, 10, "server", 1, "server\0", 7);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_socket(fx, 10, 4, 11);
	fx_fd(fx, 10, 5, "/var/log/server.log");
	fx_limits(fx, 10, "64", "4096");
	fx_proc(fx, 20, "nolimits", 1, "n\0", 2);
	fx_socket(fx, 20, 0, 20);
	fx_proc(fx, 30, "unlimited", 1, "u\0", 2);
	fx_socket(fx, 30, 7, 30);
	fx_limits(fx, 30, "1048576", "unlimited");
	fx_proc(fx, 40, "garbled", 1, "g\0", 2);
	fx_socket(fx, 40, 0, 40);
	fx_path(fx, path, sizeof(path), "%d/limits", 40);
	write_str(path, "Limit  Soft Limit  Hard Limit  Units\nMax open files  many  more  files\n");
	fx_proc(fx, 50, "nosockets", 1, "x\0", 2);
	fx_stdio(fx, 50);
	fx_limits(fx, 50, "16", "16");
	map = new_map(fx);

	snap = sample(map, inodes, 5, &stats);
	assert_int_equal(stats.limits_read, 4); /* not the one without sockets */
	p = proc_of(snap, 10);
	assert_int_equal(p->fds, 6);
	assert_int_equal(p->fd_limit, 64);
	assert_int_equal(p->fd_limit_hard, 4096);
	p = proc_of(snap, 20);
	assert_int_equal(p->fds, 1);
	assert_int_equal(p->fd_limit, 0);
	assert_int_equal(p->fd_limit_hard, 0);
	p = proc_of(snap, 30);
	assert_int_equal(p->fds, 1);
	assert_int_equal(p->fd_limit, 1048576);
	assert_int_equal(p->fd_limit_hard, 0);
	p = proc_of(snap, 40);
	assert_int_equal(p->fd_limit, 0);
	assert_int_equal(p->fd_limit_hard, 0);
	snapshot_unref(snap);

	/* Nothing changed: nothing read again, not even the limits. */
	snap = sample(map, inodes, 5, &stats);
	assert_int_equal(stats.procs_scanned, 0);
	assert_int_equal(stats.limits_read, 0);
	assert_false(stats.table_rebuilt);
	snapshot_unref(snap);
	procmap_free(map);
}

/*
 * When a process is read again (here: searched for a socket nobody
 * holds), its new descriptor count and limits rebuild the table only near
 * its limit (half of it or more): far from it, the limits are not read
 * again (the background refresh does that) and a changed count alone
 * waits for the next rebuild.  Near it, the limits are read on every scan
 * and a changed count or limit makes a new table.
 */
static void
test_fd_limits_near_and_far(void **state)
{
	struct fixture *fx = *state;
	const uint32_t inodes[] = {10, 20};
	const uint32_t lost[] = {10, 20, 9999};
	const uint32_t lost_again[] = {10, 20, 9998};
	struct procmap_stats stats;
	struct snapshot *first, *snap;
	struct procmap *map;

	fx_proc(fx, 10, "far", 1, "far\0", 4);
	fx_stdio(fx, 10);
	fx_socket(fx, 10, 3, 10);
	fx_limits(fx, 10, "1024", "1024");
	fx_proc(fx, 20, "near", 1, "near\0", 5);
	fx_stdio(fx, 20);
	fx_socket(fx, 20, 3, 20);
	fx_limits(fx, 20, "8", "8"); /* 4 of 8 open: half */
	map = new_map(fx);
	first = sample(map, inodes, 2, &stats);
	assert_int_equal(proc_of(first, 10)->fds, 4);
	assert_int_equal(proc_of(first, 20)->fds, 4);
	assert_int_equal(proc_of(first, 20)->fd_limit, 8);

	/* Far: a file opened and a limit raised are not worth a table. */
	fx_fd(fx, 10, 4, "/etc/passwd");
	fx_limits(fx, 10, "2048", "2048");
	snap = sample(map, lost, 3, &stats);
	assert_int_equal(stats.procs_scanned, 2);
	assert_int_equal(stats.limits_read, 1); /* the near one's */
	assert_false(stats.table_rebuilt);
	assert_ptr_equal(snap->owners, first->owners);
	assert_int_equal(proc_of(snap, 10)->fds, 4);
	assert_int_equal(proc_of(snap, 10)->fd_limit, 1024);
	snapshot_unref(snap);

	/* Near: a descriptor more makes a new table, with the far one's
	 * new count as well. */
	fx_fd(fx, 20, 4, "/etc/passwd");
	snap = sample(map, lost, 3, &stats);
	assert_int_equal(stats.procs_scanned, 2);
	assert_true(stats.table_rebuilt);
	assert_int_equal(proc_of(snap, 20)->fds, 5);
	assert_int_equal(proc_of(snap, 20)->fd_limit, 8);
	assert_int_equal(proc_of(snap, 10)->fds, 5);
	assert_int_equal(proc_of(snap, 10)->fd_limit, 1024);
	snapshot_unref(snap);

	/* Near: its limit raised is read at its next scan (a search for
	 * another lost socket: the first one was given up on). */
	fx_limits(fx, 20, "64", "64");
	snap = sample(map, lost_again, 3, &stats);
	assert_int_equal(stats.procs_scanned, 2);
	assert_true(stats.table_rebuilt);
	assert_int_equal(proc_of(snap, 20)->fd_limit, 64);
	assert_int_equal(proc_of(snap, 20)->fd_limit_hard, 64);
	snapshot_unref(snap);
	snapshot_unref(first);
	procmap_free(map);
}

/* The number of this process's open descriptors, not counting the one
 * opendir() takes to count them. */
static uint32_t
own_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	uint32_t n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dir);
	return n - 1;
}

/*
 * The real /proc: this process, its soft limit lowered to what it has
 * open plus a few, holds a listening socket.  Its count and limits
 * are in the table; once at half its limit or more, a descriptor closed
 * (no socket changes) and a limit raised show at the very next sample,
 * without a scan, through the size of /proc/self/fd.
 */
/* The soft "Max open files" of /proc/self/limits: the kernel's view. */
static unsigned long long
kernel_fd_limit(void)
{
	char line[256];
	unsigned long long soft = 0;
	FILE *f = fopen("/proc/self/limits", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Max open files", 14) == 0)
			soft = strtoull(line + 14, NULL, 10);
	fclose(f);
	return soft;
}

static void
test_real_fd_limit(void **state)
{
	struct sockaddr_in sin;
	struct procmap_stats stats;
	struct snapshot *snap;
	struct procmap *map;
	struct rlimit saved, low;
	struct stat st;
	int fd, extra[8];
	uint32_t open_now;

	(void)state;
	if (access("/proc/self/fd", R_OK) < 0)
		skip();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(fstat(fd, &st), 0);
	for (int i = 0; i < 8; i++) {
		extra[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(extra[i] >= 0);
	}
	/* Room for what procmap opens while it walks (a directory and a
	 * file at a time), and near the limit even with one closed. */
	open_now = own_fds();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = open_now + 6;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	if (kernel_fd_limit() != low.rlim_cur) {
		/* valgrind keeps the process's real limit and shows the
		 * program one of its own: /proc cannot see what was set. */
		print_message("the kernel's limit (%llu) does not follow setrlimit (%llu): "
			      "run under valgrind? skipping the real-limit test\n",
			      kernel_fd_limit(), (unsigned long long)low.rlim_cur);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
		for (int i = 0; i < 8; i++)
			close(extra[i]);
		close(fd);
		skip();
	}

	map = procmap_new("/proc", geteuid() == 0, getuid());
	assert_non_null(map);
	snap = snapshot_new(0);
	assert_non_null(snap);
	add_entry(snap, (uint32_t)st.st_ino, getuid(), TCP_STATE_LISTEN);
	assert_int_equal(procmap_attribute(map, snap, &stats), 0);
	assert_int_equal(owner_pid(snap, (uint32_t)st.st_ino), getpid());
	/* Read while procmap held this directory open: one more. */
	assert_int_equal(owner_of(snap, (uint32_t)st.st_ino)->fds, own_fds() + 1);
	assert_int_equal(owner_of(snap, (uint32_t)st.st_ino)->fd_limit, low.rlim_cur);
	if (saved.rlim_max == RLIM_INFINITY || saved.rlim_max > UINT32_MAX)
		assert_int_equal(owner_of(snap, (uint32_t)st.st_ino)->fd_limit_hard, 0);
	else
		assert_int_equal(owner_of(snap, (uint32_t)st.st_ino)->fd_limit_hard,
				 saved.rlim_max);
	snapshot_unref(snap);

	/* A file closed: counted at once, without reading the process. */
	close(extra[0]);
	snap = snapshot_new(0);
	assert_non_null(snap);
	add_entry(snap, (uint32_t)st.st_ino, getuid(), TCP_STATE_LISTEN);
	assert_int_equal(procmap_attribute(map, snap, &stats), 0);
	assert_int_equal(stats.fds_recounted, 1);
	assert_true(stats.table_rebuilt);
	assert_int_equal(owner_of(snap, (uint32_t)st.st_ino)->fds, own_fds());
	snapshot_unref(snap);

	/* Its limit raised (as prlimit would): read at once too. */
	low.rlim_cur += 2;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	snap = snapshot_new(0);
	assert_non_null(snap);
	add_entry(snap, (uint32_t)st.st_ino, getuid(), TCP_STATE_LISTEN);
	assert_int_equal(procmap_attribute(map, snap, &stats), 0);
	assert_true(stats.table_rebuilt);
	assert_int_equal(owner_of(snap, (uint32_t)st.st_ino)->fd_limit, low.rlim_cur);
	snapshot_unref(snap);
	procmap_free(map);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	for (int i = 1; i < 8; i++)
		close(extra[i]);
	close(fd);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_attribution),
		T(test_user_without_name),
		T(test_shared_socket),
		T(test_inode_zero_is_none),
		T(test_unknown_given_up),
		T(test_nothing_changed),
		T(test_new_socket_found),
		T(test_search_counts_shared_once),
		T(test_search_shared_found_twice),
		T(test_search_hottest_first),
		T(test_process_exits),
		T(test_exits_mid_walk),
		T(test_unreadable_fd_dir),
		T(test_unprivileged_hidden),
		T(test_pid_reuse),
		T(test_bad_root),
		T(test_empty_root),
		cmocka_unit_test(test_real_proc),
		T(test_fd_counts_and_limits),
		T(test_fd_limits_near_and_far),
		cmocka_unit_test(test_real_fd_limit),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
