/*
 * test_failalloc.c - running out of memory, one allocation at a time, in
 * the snapshot, the ring, the process map and the recorder.
 *
 * Linked with failalloc.c and --wrap for malloc, calloc, realloc, strdup
 * and free.  Each test runs one operation again and again, failing its
 * 1st, 2nd, ... allocation, until a run makes fewer allocations than the
 * one to fail (then it must succeed).  A run that hit the failure must
 * return an error (ENOMEM), or else still give the right answer (a cache
 * that could not grow); either way it gives back every block it took and
 * leaves the object usable: the next run gives the right answer.
 * The ring and the recorder are also run out of descriptors.
 *
 * Temporary files and the fake /proc go to the current directory (the
 * build directory under make check), or /tmp when it is not writable.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "failalloc.h"
#include "owners.h"
#include "procmap.h"
#include "record_read.h"
#include "record_write.h"
#include "ring.h"
#include "snapshot.h"

enum { CAUSE_LEN = 512, MAX_RUNS = 100000 };

/* The allocation failing in the current run (0: none), for messages. */
static unsigned long run_n;

/* An operation under test: 0 when it succeeded, -1 (errno set) when it
 * failed; it frees whatever it made either way. */
typedef int (*op_fn)(void *arg);

/*
 * Runs op with its nth allocation failing, n = 1, 2, ..., and checks
 * every run (see the top of the file).  check, when not NULL, runs after
 * each run with no failure armed and checks the state op left behind.
 * Returns the number of allocation points met.
 */
static unsigned long
each_failure(op_fn op, void (*check)(void *arg), void *arg)
{
	unsigned long absorbed = 0;

	for (unsigned long n = 1; n < MAX_RUNS; n++) {
		size_t live = failalloc_live();
		bool fired;
		int rc;

		errno = 0;
		run_n = n;
		failalloc_arm(n);
		rc = op(arg);
		fired = failalloc_fired();
		failalloc_arm(0);
		run_n = 0;
		if (fired) {
			/* Either reported, or absorbed with a right answer
			 * (op checks what it got when it returns 0). */
			if (rc == 0)
				absorbed++;
			else if (rc != -1 || errno != ENOMEM)
				fail_msg("allocation %lu failed: returned %d, errno %d", n, rc,
				         errno);
		} else if (rc != 0) {
			fail_msg("no allocation failed (%lu made), yet it returned %d (errno %d)",
			         n - 1, rc, errno);
		}
		if (failalloc_live() != live)
			fail_msg("allocation %lu failed: %zu block(s) not given back", n,
			         failalloc_live() - live);
		if (check != NULL)
			check(arg);
		if (!fired) {
			print_message("%lu allocation point(s), %lu failure(s) absorbed with the "
			              "right answer\n",
			              n - 1, absorbed);
			return n - 1;
		}
	}
	fail_msg("more than %d allocations", MAX_RUNS);
	return 0;
}

/* ----------------------------------------------------------- snapshot */

/* A snapshot that grows past its first capacity, with namespaces. */
static int
op_snapshot(void *arg)
{
	struct snapshot *snap = snapshot_new(4);

	(void)arg;
	if (snap == NULL)
		return -1;
	for (int i = 0; i < 200; i++) {
		struct sock_entry *e = snapshot_add(snap);

		if (e == NULL)
			goto fail;
		e->cookie = (uint64_t)i + 1;
		e->state = 1 + (uint8_t)(i % 11);
		e->netns = 4026531840u + (uint32_t)(i % 3);
	}
	for (uint32_t k = 3; k-- > 0;)
		if (snapshot_add_netns(snap, 4026531840u + k) == NULL)
			goto fail;
	snapshot_seal(snap);
	assert_int_equal(snap->n_entries, 200);
	assert_int_equal(snap->total, 200);
	assert_non_null(snapshot_find_netns(snap, 4026531841u));
	snapshot_unref(snap);
	return 0;

fail:
	snapshot_unref(snap);
	errno = ENOMEM;
	return -1;
}

static void
test_snapshot(void **state)
{
	(void)state;
	assert_true(each_failure(op_snapshot, NULL, NULL) >= 3);
}

/* --------------------------------------------------------------- ring */

static int
op_ring(void *arg)
{
	struct ring *ring = ring_new(3);
	struct snapshot *snap, *got;
	uint64_t missed;

	(void)arg;
	if (ring == NULL)
		return -1;
	snap = snapshot_new(1);
	if (snap == NULL) {
		ring_free(ring);
		return -1;
	}
	snapshot_seal(snap);
	ring_publish(ring, snap);
	got = ring_next(ring, 0, &missed);
	assert_ptr_equal(got, snap);
	snapshot_unref(got);
	ring_free(ring);
	return 0;
}

static void
test_ring(void **state)
{
	(void)state;
	assert_true(each_failure(op_ring, NULL, NULL) >= 2);
}

/* Lowers the soft descriptor limit to what is open now: the next open()
 * fails with EMFILE.  Returns the old limit. */
static struct rlimit
no_more_fds(void)
{
	struct rlimit old, low;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(fd >= 0);
	close(fd);
	low = old;
	low.rlim_cur = (rlim_t)fd; /* the lowest free descriptor */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	return old;
}

static void
test_ring_no_fds(void **state)
{
	size_t live = failalloc_live();
	struct rlimit old;
	struct ring *ring;

	(void)state;
	old = no_more_fds();
	errno = 0;
	ring = ring_new(2);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_null(ring);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(failalloc_live(), live);
}

/* ----------------------------------------------------------- procmap */

struct procfix {
	char root[PATH_MAX];
	struct procmap *map; /* kept across runs: a failed sample must not
	                      * spoil the next one */
};

static void
put_file(const char *root, const char *name, const char *data)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(close(fd), 0);
}

static void
put_dir(const char *root, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* PID with a stat line, a command line and sockets on fds 3, 4, ... */
static void
put_proc(const char *root, int pid, const char *comm, const uint32_t *inodes, size_t n)
{
	char name[64], stat[512], cmd[64], link[PATH_MAX + 64], target[32];

	snprintf(name, sizeof(name), "%d", pid);
	put_dir(root, name);
	snprintf(stat, sizeof(stat),
	         "%d (%s) S 1 %d %d 0 -1 4194560 1523 0 12 0 7 3 0 0 20 0 1 0 %d 23539712 "
	         "2816 18446744073709551615 1 1 1 0 0 0 0 4096 1 1 0 0 17 3 0 0 0 0 0 1 1 1 1 "
	         "1 1 1 0\n",
	         pid, comm, pid, pid, 1000 + pid);
	snprintf(name, sizeof(name), "%d/stat", pid);
	put_file(root, name, stat);
	snprintf(cmd, sizeof(cmd), "/usr/bin/%s --port %d", comm, pid);
	snprintf(name, sizeof(name), "%d/cmdline", pid);
	put_file(root, name, cmd);
	snprintf(name, sizeof(name), "%d/fd", pid);
	put_dir(root, name);
	for (size_t i = 0; i < n; i++) {
		snprintf(link, sizeof(link), "%s/%d/fd/%zu", root, pid, i + 3);
		snprintf(target, sizeof(target), "socket:[%u]", inodes[i]);
		assert_int_equal(symlink(target, link), 0);
	}
}

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
make_temp_dir(char *path, size_t size, const char *prefix)
{
	snprintf(path, size, "%s.XXXXXX", prefix);
	if (mkdtemp(path) == NULL) {
		snprintf(path, size, "/tmp/%s.XXXXXX", prefix);
		assert_non_null(mkdtemp(path));
	}
}

static const uint32_t web_inodes[] = {7001, 7002, 7003};
static const uint32_t db_inodes[] = {8001};

/* Sockets: the web server's three, the database's one, and one nobody
 * holds in this /proc. */
static struct snapshot *
proc_sample(void)
{
	static const uint32_t inodes[] = {7001, 7002, 7003, 8001, 9999};
	struct snapshot *snap = snapshot_new(8);

	if (snap == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(inodes) / sizeof(inodes[0]); i++) {
		struct sock_entry *e = snapshot_add(snap);

		if (e == NULL) {
			snapshot_unref(snap);
			return NULL;
		}
		e->cookie = i + 1;
		e->state = 1;
		e->inode = inodes[i];
		e->uid = 0;
	}
	return snap;
}

/* The owners procmap gave the entries, checked against the fixture. */
static void
check_owners(const struct snapshot *snap)
{
	assert_non_null(snap->owners);
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		const struct owner_proc *p;

		if (e->inode == 9999) {
			assert_int_not_equal(e->owner_status, OWNER_FOUND);
			continue;
		}
		if (e->owner_status != OWNER_FOUND)
			fail_msg("allocation %lu failed: socket %u has owner status %d", run_n,
			         e->inode, e->owner_status);
		p = owner_table_proc(snap->owners, e->owner);
		assert_non_null(p);
		assert_int_equal(p->pid, e->inode < 8000 ? 4242 : 5353);
		assert_string_equal(p->comm, e->inode < 8000 ? "web" : "db");
	}
}

/* A new map and one sample. */
static int
op_procmap_new(void *arg)
{
	struct procfix *fx = arg;
	struct procmap *map = procmap_new(fx->root, true, 0);
	struct snapshot *snap;
	int rc;

	if (map == NULL)
		return -1;
	snap = proc_sample();
	if (snap == NULL) {
		procmap_free(map);
		errno = ENOMEM;
		return -1;
	}
	rc = procmap_attribute(map, snap, NULL);
	if (rc == 0)
		check_owners(snap);
	snapshot_unref(snap);
	procmap_free(map);
	return rc;
}

/* One sample on the map kept across runs. */
static int
op_procmap_sample(void *arg)
{
	struct procfix *fx = arg;
	struct snapshot *snap = proc_sample();
	int rc;

	if (snap == NULL) {
		errno = ENOMEM;
		return -1;
	}
	rc = procmap_attribute(fx->map, snap, NULL);
	if (rc == 0)
		check_owners(snap);
	snapshot_unref(snap);
	return rc;
}

/* After every run: the kept map still attributes correctly. */
static void
check_procmap_sample(void *arg)
{
	struct procfix *fx = arg;

	assert_int_equal(op_procmap_sample(fx), 0);
}

static void
test_procmap(void **state)
{
	struct procfix fx;
	size_t live;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	make_temp_dir(fx.root, sizeof(fx.root), "test_failalloc");
	put_proc(fx.root, 4242, "web", web_inodes, 3);
	put_proc(fx.root, 5353, "db", db_inodes, 1);
	put_file(fx.root, "self", "not a process\n");

	assert_true(each_failure(op_procmap_new, NULL, &fx) >= 5);

	/* A map that has sampled before, then fails on a later sample (a
	 * new process makes the table change). */
	live = failalloc_live();
	fx.map = procmap_new(fx.root, true, 0);
	assert_non_null(fx.map);
	assert_int_equal(op_procmap_sample(&fx), 0);
	assert_true(each_failure(op_procmap_sample, check_procmap_sample, &fx) >= 1);
	procmap_free(fx.map);
	assert_int_equal(failalloc_live(), live);

	assert_int_equal(remove_at(AT_FDCWD, fx.root), 0);
}

/* ---------------------------------------------------------- recorder */

struct recfix {
	char dir[PATH_MAX];
	char path[PATH_MAX + 8];
	struct snapshot *samples[4];
	unsigned long added; /* samples op_record added */
};

/* Four samples: sockets come and go, owners, two namespaces. */
static void
make_samples(struct recfix *fx)
{
	for (int s = 0; s < 4; s++) {
		struct snapshot *snap = snapshot_new(16);
		struct owner_table *owners = owner_table_new();
		struct owner_proc p;

		assert_non_null(snap);
		assert_non_null(owners);
		memset(&p, 0, sizeof(p));
		p.pid = 100 + s;
		snprintf(p.comm, sizeof(p.comm), "proc%d", s);
		p.cmdline = "/usr/bin/proc --serve";
		p.user = "root";
		assert_int_equal(owner_table_add_proc(owners, &p), 0);
		for (int i = 0; i < 20; i++) {
			struct sock_entry *e = snapshot_add(snap);

			assert_non_null(e);
			e->cookie = (uint64_t)(i + s * 5 + 1);
			e->family = 2;
			e->state = 1 + (uint8_t)((i + s) % 11);
			e->local_port = (uint16_t)(1000 + i);
			e->inode = (uint32_t)(5000 + i + s * 5);
			e->netns = i % 2 ? 4026531840u : 4026532290u;
			if (i % 3 == 0) {
				e->owner_status = OWNER_FOUND;
				e->n_owners = 1;
				assert_int_equal(owner_table_add_link(owners, e->inode, 0), 0);
			}
		}
		assert_int_equal(owner_table_seal(owners), 0);
		snap->owners = owners;
		assert_non_null(snapshot_add_netns(snap, 4026531840u));
		assert_non_null(snapshot_add_netns(snap, 4026532290u));
		snap->taken_wall.tv_sec = 1700000000 + s;
		snap->taken_mono.tv_sec = 100 + s;
		snapshot_seal(snap);
		fx->samples[s] = snap;
	}
}

/* Records the four samples with a keyframe every other one; the samples
 * added before a failure are counted in fx->added. */
static int
op_record(void *arg)
{
	struct recfix *fx = arg;
	char cause[CAUSE_LEN];
	struct record_writer *w;
	int rc = 0, err = 0;

	fx->added = 0;
	(void)unlink(fx->path);
	w = record_writer_open(fx->path, cause, sizeof(cause));
	if (w == NULL)
		return -1;
	record_writer_set_keyframes(w, 2, RECORD_KEYFRAME_BYTES);
	for (int s = 0; s < 4; s++) {
		if (record_writer_add(w, fx->samples[s], cause, sizeof(cause)) < 0) {
			assert_true(cause[0] != '\0');
			err = errno;
			rc = -1;
			break;
		}
		fx->added++;
	}
	/* A failed writer reports its failure again on close. */
	if (record_writer_close(w, cause, sizeof(cause)) < 0 && rc == 0) {
		err = errno;
		rc = -1;
	}
	errno = err;
	return rc;
}

/* After every run: the file replays the samples added, whole. */
static void
check_record(void *arg)
{
	struct recfix *fx = arg;
	char cause[CAUSE_LEN];
	struct record_reader *r;
	struct stat st;

	if (stat(fx->path, &st) < 0) {
		/* Only a writer that failed while opening leaves no file. */
		assert_int_equal(fx->added, 0);
		return;
	}
	r = record_reader_open(fx->path, cause, sizeof(cause));
	if (r == NULL) {
		/* Failed before the header was written: nothing promised. */
		assert_int_equal(fx->added, 0);
		return;
	}
	assert_int_equal(record_reader_reach(r, fx->added, cause, sizeof(cause)), 1);
	assert_int_equal(record_reader_known(r), fx->added);
	for (size_t i = 0; i < fx->added; i++) {
		struct snapshot *got = snapshot_new(16);

		assert_non_null(got);
		assert_int_equal(record_reader_load(r, i, got, cause, sizeof(cause)), 0);
		snapshot_seal(got);
		assert_int_equal(got->n_entries, fx->samples[i]->n_entries);
		assert_int_equal(got->total, fx->samples[i]->total);
		assert_int_equal(got->entries[3].cookie, fx->samples[i]->entries[3].cookie);
		snapshot_unref(got);
	}
	record_reader_free(r);
}

static void
test_record(void **state)
{
	struct recfix fx;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	make_temp_dir(fx.dir, sizeof(fx.dir), "test_failalloc");
	snprintf(fx.path, sizeof(fx.path), "%s/rec", fx.dir);
	make_samples(&fx);

	assert_true(each_failure(op_record, check_record, &fx) >= 3);

	for (int s = 0; s < 4; s++)
		snapshot_unref(fx.samples[s]);
	assert_int_equal(remove_at(AT_FDCWD, fx.dir), 0);
}

/* Out of descriptors: the writer cannot open its file, says why, and
 * leaves nothing behind. */
static void
test_record_no_fds(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 8], cause[CAUSE_LEN];
	size_t live = failalloc_live();
	struct record_writer *w;
	struct rlimit old;

	(void)state;
	make_temp_dir(dir, sizeof(dir), "test_failalloc");
	snprintf(path, sizeof(path), "%s/rec", dir);
	cause[0] = '\0';
	old = no_more_fds();
	errno = 0;
	w = record_writer_open(path, cause, sizeof(cause));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_null(w);
	assert_int_equal(errno, EMFILE);
	assert_non_null(strstr(cause, "Too many open files"));
	assert_int_equal(failalloc_live(), live);
	assert_int_equal(remove_at(AT_FDCWD, dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_snapshot),    cmocka_unit_test(test_ring),
	    cmocka_unit_test(test_ring_no_fds), cmocka_unit_test(test_procmap),
	    cmocka_unit_test(test_record),      cmocka_unit_test(test_record_no_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
