/*
 * test_netns_find.c - finding network namespaces and resolving --netns
 * SPECs, on the fixture tree of tests/data/netns (README there) and on
 * this machine's own /proc.
 *
 * The fixture /proc keeps each PID/ns/net link as a text file PID/ns_net
 * (a dangling symlink would break `make dist`), so each test builds a
 * fake /proc in a fresh directory (below the current directory, the build
 * directory under `make check`; /tmp when that is not writable) with real
 * symlinks PID/ns/net -> "net:[INODE]": readlink works on dangling links,
 * and that is all netns_find_all() reads.
 *
 * As root, one test also checks real namespaces: one made by `ip netns
 * add`, one held only by an `unshare -n` process.  Without root it says
 * it skipped.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns_find.h"
#include "netns_name.h"

#define HOST_NS 4026531840u

struct fixture {
	char root[PATH_MAX];      /* the built /proc */
	char data[PATH_MAX];      /* tests/data/netns in the source tree */
	char mountinfo[PATH_MAX];
	struct netns_roots roots;
};

/* snprintf that must fit (and no truncation warnings on paths) */
static void
pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size);
}

static void
data_dir(char *out, size_t len)
{
	const char *dir = getenv("TESTS_SRCDIR");

	snprintf(out, len, "%s/data/netns", dir != NULL ? dir : "tests");
}

static void
read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

/* The fake /proc: ROOT/PID/ns/net -> the text of DATA/proc/PID/ns_net. */
static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char src[PATH_MAX], dst[PATH_MAX + 32], link[64];
	DIR *d;
	struct dirent *de;

	assert_non_null(fx);
	data_dir(fx->data, sizeof(fx->data));
	pathf(fx->mountinfo, sizeof(fx->mountinfo), "%s/mountinfo", fx->data);
	pathf(fx->root, sizeof(fx->root), "%s/nsfind-proc.XXXXXX", ".");
	if (mkdtemp(fx->root) == NULL) {
		pathf(fx->root, sizeof(fx->root), "/tmp/nsfind-proc.XXXXXX");
		assert_non_null(mkdtemp(fx->root));
	}
	pathf(src, sizeof(src), "%s/proc", fx->data);
	d = opendir(src);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		pathf(dst, sizeof(dst), "%s/%s", fx->root, de->d_name);
		assert_int_equal(mkdir(dst, 0755), 0);
		pathf(src, sizeof(src), "%s/proc/%s/ns_net", fx->data, de->d_name);
		if (access(src, F_OK) < 0)
			continue;
		read_text(src, link, sizeof(link));
		pathf(dst, sizeof(dst), "%s/%s/ns", fx->root, de->d_name);
		assert_int_equal(mkdir(dst, 0755), 0);
		pathf(dst, sizeof(dst), "%s/%s/ns/net", fx->root, de->d_name);
		assert_int_equal(symlink(link, dst), 0);
	}
	closedir(d);
	/* another type of namespace file, for netns_resolve() */
	pathf(dst, sizeof(dst), "%s/800/ns/mnt", fx->root);
	assert_int_equal(symlink("mnt:[4026531841]", dst), 0);

	fx->roots.proc = fx->root;
	fx->roots.mountinfo = fx->mountinfo;
	fx->roots.run_netns = "/run/netns";
	fx->roots.docker = NULL;
	fx->roots.pods = NULL;
	*state = fx;
	return 0;
}

static void
rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[PATH_MAX + 300];
	struct stat st;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				rm_tree(sub);
			else
				unlink(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rm_tree(fx->root);
	free(fx);
	return 0;
}

/* ---------------------------------------------------------- pure parsers */

static void
test_parse_link(void **state)
{
	uint32_t ino = 7;

	(void)state;
	assert_true(netns_parse_link("net:[4026532290]", 16, &ino));
	assert_int_equal(ino, 4026532290u);
	assert_true(netns_parse_link("net:[4294967295]", 16, &ino));
	assert_int_equal(ino, 4294967295u);
	/* only len bytes count */
	assert_true(netns_parse_link("net:[12]xyz", 8, &ino));
	assert_int_equal(ino, 12);
	ino = 7;
	assert_false(netns_parse_link("net:[4294967296]", 16, &ino));
	assert_false(netns_parse_link("net:[0]", 7, &ino));
	assert_false(netns_parse_link("net:[]", 6, &ino));
	assert_false(netns_parse_link("mnt:[4026531840]", 16, &ino));
	assert_false(netns_parse_link("net:[40265x2290]", 16, &ino));
	assert_false(netns_parse_link("net:[-1]", 8, &ino));
	assert_false(netns_parse_link("net:[4026532290", 15, &ino));
	assert_false(netns_parse_link("", 0, &ino));
	assert_false(netns_parse_link("net:[99999999999999999999999]", 29, &ino));
	assert_int_equal(ino, 7);
}

static bool
mline(const char *line, uint32_t *ino, uint64_t *dev, char *mp, size_t mp_len)
{
	return netns_mountinfo_parse_line(line, strlen(line), ino, dev, mp, mp_len);
}

static void
test_mountinfo_line(void **state)
{
	uint32_t ino = 0;
	uint64_t dev = 0;
	char mp[32], big[256];

	(void)state;
	assert_true(
	    mline("401 400 0:4 net:[4026532301] /run/netns/blue rw shared:200 - nsfs nsfs rw", &ino,
	          &dev, mp, sizeof(mp)));
	assert_int_equal(ino, 4026532301u);
	assert_int_equal(dev, 4);
	assert_string_equal(mp, "/run/netns/blue");
	/* no optional fields; several; escapes in the mount point */
	assert_true(mline("1 2 0:4 net:[5] /a\\040b\\011c\\134d rw - nsfs nsfs rw", &ino, &dev, mp,
			  sizeof(mp)));
	assert_string_equal(mp, "/a b\tc\\d");
	assert_true(mline("1 2 0:4 net:[5] /x rw shared:1 master:2 unbindable - nsfs nsfs rw", &ino,
			  &dev, mp, sizeof(mp)));
	assert_string_equal(mp, "/x");
	/* a backslash that is no escape stays */
	assert_true(mline("1 2 0:4 net:[5] /x\\9 rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_string_equal(mp, "/x\\9");
	assert_true(mline("1 2 0:4 net:[5] /x\\04 rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_string_equal(mp, "/x\\04");
	/* the device: major 259, minor 1048575 */
	assert_true(
	    mline("1 2 259:1048575 net:[5] /x rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_int_equal(dev, (uint64_t)makedev(259, 1048575));
	/* a mount point that does not fit, or holds a NUL: no path */
	assert_true(
	    mline("1 2 0:4 net:[5] /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa rw - nsfs nsfs rw",
	          &ino, &dev, mp, sizeof(mp)));
	assert_string_equal(mp, "");
	assert_true(
	    mline("1 2 0:4 net:[5] /a\\000b rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_string_equal(mp, "");
	assert_true(mline("1 2 0:4 net:[5] /a rw - nsfs nsfs rw", &ino, &dev, big, sizeof(big)));
	assert_string_equal(big, "/a");

	/* not network namespaces, or not nsfs, or broken */
	assert_false(mline("1 2 0:4 mnt:[5] /x rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:50 net:[5] /x rw - tmpfs tmpfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:4 net:[5] /x rw nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:4 net:[5] /x rw -", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:4 net:[5] /x", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:4 net:[5]", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 04 net:[5] /x rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:x net:[5] /x rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 :4 net:[5] /x rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:99999999999 net:[5] /x rw - nsfs nsfs rw", &ino, &dev, mp,
			   sizeof(mp)));
	assert_false(mline("1 2 0:4 net:[0] /x rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("1 2 0:4 / /x rw - nsfs nsfs rw", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("", &ino, &dev, mp, sizeof(mp)));
	assert_false(mline("          ", &ino, &dev, mp, sizeof(mp)));
	/* not NUL-terminated: the type is cut off by len */
	assert_false(netns_mountinfo_parse_line("1 2 0:4 net:[5] /x rw - nsfs nsfs", 26, &ino, &dev,
						mp, sizeof(mp)));
}

/* Hostile bytes: random lines, and real lines with random bytes put in;
 * nothing may read past len, and a mount point comes back terminated. */
static void
test_mountinfo_hostile(void **state)
{
	const char *base =
	    "401 400 0:4 net:[4026532301] /run/netns/blue rw shared:200 - nsfs nsfs rw";
	uint64_t rng = 88172645463325252ull;
	char line[160], mp[40];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = strlen(base);
		uint32_t ino;
		uint64_t dev;
		char *heap;

		memcpy(line, base, len);
		for (int k = 0; k < 1 + round % 6; k++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			if (round % 3 == 0)
				line[rng % len] = (char)(rng >> 32);
			else
				line[rng % len] = " \\0-:[]n\n\x1b"[(rng >> 32) % 11];
		}
		if (round % 5 == 0)
			len = (size_t)(rng >> 40) % len;
		/* an exact-size copy: ASan sees a read past it */
		heap = malloc(len ? len : 1);
		assert_non_null(heap);
		memcpy(heap, line, len);
		memset(mp, 'x', sizeof(mp));
		if (netns_mountinfo_parse_line(heap, len, &ino, &dev, mp, sizeof(mp))) {
			assert_true(ino != 0);
			assert_non_null(memchr(mp, '\0', sizeof(mp)));
		}
		free(heap);
	}
}

/* ------------------------------------------------------ netns_find_all */

static const struct netns_ref *
find(const struct netns_list *l, uint32_t inode)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].inode == inode)
			return &l->items[i];
	return NULL;
}

static void
assert_proc_path(const struct fixture *fx, const struct netns_ref *r, int pid)
{
	char want[PATH_MAX + 32];

	snprintf(want, sizeof(want), "%s/%d/ns/net", fx->root, pid);
	assert_string_equal(r->path, want);
}

static void
test_find_all_fixture(void **state)
{
	struct fixture *fx = *state;
	struct netns_list l = {0};
	const struct netns_ref *r;
	static const struct {
		uint32_t inode;
		int32_t pid;
	} procs[] = {
		{HOST_NS, 1},      {4026532410u, 200}, {4026532420u, 300}, {4026532430u, 400},
		{4026532440u, 500}, {4026532450u, 600}, {4026532460u, 700}, {4026532470u, 1100},
		{4026532480u, 1000},
	};

	assert_int_equal(netns_find_all(&fx->roots, &l), 0);
	assert_int_equal(l.n, 14);
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.items[i - 1].inode < l.items[i].inode);
	for (size_t i = 0; i < l.n; i++) {
		/* one nsfs device: the mounts' (the fixture's links dangle) */
		assert_int_equal(l.items[i].dev, 4);
		assert_non_null(memchr(l.items[i].path, '\0', sizeof(l.items[i].path)));
	}

	/* held by processes only: the lowest pid (200, not 201) */
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
		r = find(&l, procs[i].inode);
		assert_non_null(r);
		assert_int_equal(r->pid, procs[i].pid);
		assert_string_equal(r->netns_name, "");
		assert_proc_path(fx, r, procs[i].pid);
	}
	/* 4026532410 is also mounted under /run/docker/netns: no name, and
	 * the process's path is kept (checked above) */

	/* bind-mounted (twice) under /run/netns and held by pid 800: one
	 * entry with both */
	r = find(&l, 4026532301u);
	assert_non_null(r);
	assert_int_equal(r->pid, 800);
	assert_string_equal(r->netns_name, "blue");
	assert_string_equal(r->path, "/run/netns/blue");

	/* mounted only: pid 0 */
	r = find(&l, 4026532302u); /* also under /run/netns-other: not a name */
	assert_non_null(r);
	assert_int_equal(r->pid, 0);
	assert_string_equal(r->netns_name, "red");
	assert_string_equal(r->path, "/run/netns/red");
	r = find(&l, 4026532303u);
	assert_non_null(r);
	assert_string_equal(r->netns_name, "with space");
	assert_string_equal(r->path, "/run/netns/with space");
	r = find(&l, 4026532304u);
	assert_non_null(r);
	assert_int_equal(r->pid, 0);
	assert_string_equal(r->netns_name, "");
	assert_string_equal(r->path, "/srv/held/elsewhere");
	r = find(&l, 4026532305u); /* not directly under /run/netns */
	assert_non_null(r);
	assert_string_equal(r->netns_name, "");
	assert_string_equal(r->path, "/run/netns/sub/deeper");

	/* not network namespaces: mnt:[], a tmpfs root, a bad link */
	assert_null(find(&l, 4026532500u));
	assert_null(find(&l, 4026532999u));

	/* a second call replaces the list (ASan sees a leak otherwise) */
	assert_int_equal(netns_find_all(&fx->roots, &l), 0);
	assert_int_equal(l.n, 14);
	netns_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.items);
	netns_list_free(&l);
}

static void
test_find_all_without_mounts(void **state)
{
	struct fixture *fx = *state;
	struct netns_roots roots = fx->roots;
	struct netns_list l = {0};

	roots.mountinfo = NULL;
	assert_int_equal(netns_find_all(&roots, &l), 0);
	assert_int_equal(l.n, 10); /* the processes' namespaces only */
	assert_null(find(&l, 4026532302u));
	assert_int_equal(find(&l, 4026532301u)->pid, 800);
	assert_string_equal(find(&l, 4026532301u)->netns_name, "");
	assert_int_equal(find(&l, 4026532301u)->dev, 0); /* no device known */
	netns_list_free(&l);
}

static void
test_find_all_errors(void **state)
{
	struct fixture *fx = *state;
	struct netns_roots roots = fx->roots;
	struct netns_list l = {0};

	assert_int_equal(netns_find_all(&fx->roots, &l), 0);
	roots.proc = "/nonexistent-nsfind/proc";
	errno = 0;
	assert_int_equal(netns_find_all(&roots, &l), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(l.n, 0); /* the earlier list was freed */
	assert_null(l.items);

	roots = fx->roots;
	roots.mountinfo = "/nonexistent-nsfind/mountinfo";
	assert_int_equal(netns_find_all(&roots, &l), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(l.n, 0);
}

static void
test_self_and_host_fixture(void **state)
{
	struct fixture *fx = *state;
	struct netns_roots roots = fx->roots;
	uint32_t ino = 0;

	assert_int_equal(netns_self_inode(&fx->roots, &ino), 0);
	assert_int_equal(ino, HOST_NS);
	ino = 0;
	assert_int_equal(netns_host_inode(&fx->roots, &ino), 0);
	assert_int_equal(ino, HOST_NS);
	roots.proc = "/nonexistent-nsfind/proc";
	assert_int_equal(netns_host_inode(&roots, &ino), -1);
	assert_int_equal(errno, ENOENT);
}

/* ------------------------------------------------------- netns_resolve */

static void
resolve_fails(const struct fixture *fx, const char *spec, int want_errno, const char *want_cause)
{
	struct netns_ref r;
	char cause[512] = "junk";

	errno = 0;
	assert_int_equal(netns_resolve(spec, &fx->roots, &r, cause, sizeof(cause)), -1);
	assert_int_equal(errno, want_errno);
	assert_string_equal(cause, want_cause);
	assert_null(strchr(cause, '\n'));
}

static void
test_resolve_name(void **state)
{
	struct fixture *fx = *state;
	struct netns_ref r;
	char cause[256] = "junk";
	char longname[100];

	memset(&r, 0x55, sizeof(r));
	assert_int_equal(netns_resolve("blue", &fx->roots, &r, cause, sizeof(cause)), 0);
	assert_string_equal(cause, "");
	assert_int_equal(r.inode, 4026532301u);
	assert_int_equal(r.dev, 4);
	assert_int_equal(r.pid, 0);
	assert_string_equal(r.path, "/run/netns/blue");
	assert_string_equal(r.netns_name, "blue");
	assert_int_equal(netns_resolve("with space", &fx->roots, &r, cause, sizeof(cause)), 0);
	assert_int_equal(r.inode, 4026532303u);

	resolve_fails(fx, "nsfind-absent", ENOENT,
		      "no network namespace named 'nsfind-absent' in /run/netns");
	resolve_fails(fx, "", EINVAL, "'': not a network namespace name");
	resolve_fails(fx, "..", EINVAL, "'..': not a network namespace name");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(netns_resolve(longname, &fx->roots, &r, cause, sizeof(cause)), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(cause, "not a network namespace name"));
	/* a small cause buffer: cut, terminated */
	assert_int_equal(netns_resolve("nsfind-absent", &fx->roots, &r, cause, 8), -1);
	assert_string_equal(cause, "no netw");
}

static void
test_resolve_pid(void **state)
{
	struct fixture *fx = *state;
	struct netns_ref r;
	char cause[256];

	assert_int_equal(netns_resolve("pid:200", &fx->roots, &r, cause, sizeof(cause)), 0);
	assert_int_equal(r.inode, 4026532410u);
	assert_int_equal(r.pid, 200);
	assert_proc_path(fx, &r, 200);
	assert_string_equal(r.netns_name, "");
	assert_int_equal(netns_resolve("pid:1", &fx->roots, &r, cause, sizeof(cause)), 0);
	assert_int_equal(r.inode, HOST_NS);

	resolve_fails(fx, "pid:abc", EINVAL, "pid:abc: not a process id");
	resolve_fails(fx, "pid:", EINVAL, "pid:: not a process id");
	resolve_fails(fx, "pid:0", EINVAL, "pid:0: not a process id");
	resolve_fails(fx, "pid:-1", EINVAL, "pid:-1: not a process id");
	resolve_fails(fx, "pid: 1", EINVAL, "pid: 1: not a process id");
	resolve_fails(fx, "pid:1x", EINVAL, "pid:1x: not a process id");
	resolve_fails(fx, "pid:2147483648", EINVAL, "pid:2147483648: not a process id");
	resolve_fails(fx, "pid:4242", ENOENT, "pid:4242: no such process");
	/* a process whose link is not a network namespace */
	assert_int_equal(netns_resolve("pid:900", &fx->roots, &r, cause, sizeof(cause)), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(cause, "pid:900: cannot read "));
}

static void
test_resolve_path(void **state)
{
	struct fixture *fx = *state;
	struct netns_ref r;
	char cause[PATH_MAX + 64], path[PATH_MAX + 32], want[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/800/ns/net", fx->root);
	assert_int_equal(netns_resolve(path, &fx->roots, &r, cause, sizeof(cause)), 0);
	assert_int_equal(r.inode, 4026532301u);
	assert_string_equal(r.path, path);
	assert_string_equal(r.netns_name, "");
	assert_int_equal(r.pid, 0);

	/* nsfs mounts, from mountinfo */
	assert_int_equal(
	    netns_resolve("/run/docker/netns/5e1b3a9c7d2f", &fx->roots, &r, cause, sizeof(cause)),
	    0);
	assert_int_equal(r.inode, 4026532410u);
	assert_int_equal(r.dev, 4);
	assert_string_equal(r.path, "/run/docker/netns/5e1b3a9c7d2f");
	assert_string_equal(r.netns_name, "");
	assert_int_equal(netns_resolve("/run/netns/red", &fx->roots, &r, cause, sizeof(cause)), 0);
	assert_int_equal(r.inode, 4026532302u);
	assert_string_equal(r.netns_name, "red");

	/* another type of namespace */
	snprintf(path, sizeof(path), "%s/800/ns/mnt", fx->root);
	snprintf(want, sizeof(want), "%s: not a network namespace file", path);
	resolve_fails(fx, path, EINVAL, want);
	/* an ordinary file */
	snprintf(want, sizeof(want), "%s: not a network namespace file", fx->mountinfo);
	resolve_fails(fx, fx->mountinfo, EINVAL, want);
	/* a mount of another type, a directory, nothing */
	resolve_fails(fx, "/run/mntns/x", ENOENT, "/run/mntns/x: No such file or directory");
	snprintf(want, sizeof(want), "%s: not a network namespace file", fx->root);
	resolve_fails(fx, fx->root, EINVAL, want);
	resolve_fails(fx, "/nonexistent-nsfind/x", ENOENT,
		      "/nonexistent-nsfind/x: No such file or directory");
}

/* ---------------------------------------------------------- this machine */

static void
test_system(void **state)
{
	struct netns_list l = {0};
	struct netns_ref r;
	struct stat st;
	uint32_t self = 0;
	char cause[256], spec[32];
	const struct netns_ref *mine;

	(void)state;
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(netns_self_inode(&netns_roots_system, &self), 0);
	assert_int_equal(self, (uint32_t)st.st_ino);

	assert_int_equal(netns_find_all(&netns_roots_system, &l), 0);
	assert_true(l.n >= 1);
	mine = find(&l, self);
	assert_non_null(mine);
	assert_true(mine->pid > 0);
	assert_int_equal(mine->dev, (uint64_t)st.st_dev);
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.items[i - 1].inode < l.items[i].inode ||
			    (l.items[i - 1].inode == l.items[i].inode &&
			     l.items[i - 1].dev < l.items[i].dev));
	netns_list_free(&l);

	snprintf(spec, sizeof(spec), "pid:%ld", (long)getpid());
	assert_int_equal(netns_resolve(spec, &netns_roots_system, &r, cause, sizeof(cause)), 0);
	assert_int_equal(r.inode, self);
	assert_int_equal(r.pid, getpid());
	assert_int_equal(r.dev, (uint64_t)st.st_dev);
	assert_int_equal(
	    netns_resolve("/proc/self/ns/net", &netns_roots_system, &r, cause, sizeof(cause)), 0);
	assert_int_equal(r.inode, self);
	assert_int_equal(r.dev, (uint64_t)st.st_dev);
	assert_int_equal(
	    netns_resolve("/proc/self/ns/mnt", &netns_roots_system, &r, cause, sizeof(cause)), -1);
	assert_string_equal(cause, "/proc/self/ns/mnt: not a network namespace file");
	assert_int_equal(netns_resolve("/proc/self/status", &netns_roots_system, &r, cause,
				       sizeof(cause)),
			 -1);
	assert_string_equal(cause, "/proc/self/status: not a network namespace file");
}

/* ------------------------------------------------- root: real namespaces */

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void
test_root_real_namespaces(void **state)
{
	char name[64], cmd[160], link[64], path[64], cause[256];
	struct netns_list l = {0};
	struct netns_info info;
	const struct netns_ref *named = NULL, *held;
	struct netns_ref r;
	uint32_t self, held_ino = 0, host = 0;
	pid_t child;
	int found_rc, host_rc, host_errno;

	(void)state;
	if (geteuid() != 0) {
		fprintf(
		    stderr,
		    "# skip test_root_real_namespaces: needs root (ip netns add, unshare -n)\n");
		skip();
	}
	if (run("command -v ip >/dev/null && command -v unshare >/dev/null") != 0) {
		fprintf(stderr, "# skip test_root_real_namespaces: needs ip and unshare\n");
		skip();
	}
	assert_int_equal(netns_self_inode(&netns_roots_system, &self), 0);
	pathf(name, sizeof(name), "nsfind-a-%ld", (long)getpid());
	pathf(cmd, sizeof(cmd), "ip netns add %s", name);
	assert_int_equal(run(cmd), 0);

	child = fork();
	if (child < 0) {
		pathf(cmd, sizeof(cmd), "ip netns del %s", name);
		run(cmd);
		fail_msg("fork: %s", strerror(errno));
	}
	if (child == 0) {
		execlp("timeout", "timeout", "30", "unshare", "-n", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	/* timeout forks unshare, which enters a new namespace and becomes
	 * sleep: wait until a child of timeout is in a namespace not ours */
	for (int tries = 0; tries < 500 && held_ino == 0; tries++) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d != NULL && (de = readdir(d)) != NULL) {
			char stat_path[300], buf[512];
			FILE *f;
			long ppid = 0;
			ssize_t n;
			uint32_t ino;

			pathf(stat_path, sizeof(stat_path), "/proc/%s/stat", de->d_name);
			f = fopen(stat_path, "r");
			if (f == NULL)
				continue;
			if (fgets(buf, sizeof(buf), f) != NULL && strrchr(buf, ')') != NULL)
				sscanf(strrchr(buf, ')') + 2, "%*c %ld", &ppid);
			fclose(f);
			if (ppid != child)
				continue;
			pathf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
			n = readlink(path, link, sizeof(link));
			if (n > 0 && netns_parse_link(link, (size_t)n, &ino) && ino != self) {
				/* wait for the exec too: comm is sleep */
				char comm_path[300], comm[32] = "";

				pathf(comm_path, sizeof(comm_path), "/proc/%s/comm", de->d_name);
				f = fopen(comm_path, "r");
				if (f != NULL) {
					if (fgets(comm, sizeof(comm), f) == NULL)
						comm[0] = '\0';
					fclose(f);
				}
				if (strcmp(comm, "sleep\n") == 0)
					held_ino = ino;
			}
		}
		if (d != NULL)
			closedir(d);
		if (held_ino == 0)
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}

	found_rc = netns_find_all(&netns_roots_system, &l);
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.items[i].netns_name, name) == 0)
			named = &l.items[i];
	held = held_ino ? find(&l, held_ino) : NULL;
	/* pid 1 may deny even root its links (a sandbox's init): then no
	 * namespace is the host's, which changes nothing below */
	host_rc = netns_host_inode(&netns_roots_system, &host);
	host_errno = errno;
	if (host_rc < 0)
		host = 0;

	/* the checks, after which everything is cleaned up whatever they
	 * said: collect the verdicts first */
	{
		bool ok_named = named != NULL && named->pid == 0 && named->inode != self,
		     ok_held = held != NULL && held->pid > 0 && held->netns_name[0] == '\0',
		     ok_name_named = false, ok_name_held = false, ok_resolve = false;

		if (named != NULL) {
			netns_name_of(named, &netns_roots_system, host, &info);
			ok_name_named =
			    info.kind == NETNS_KIND_NAMED && strcmp(info.name, name) == 0;
			ok_resolve = netns_resolve(name, &netns_roots_system, &r, cause,
						   sizeof(cause)) == 0 &&
				     r.inode == named->inode && r.dev == named->dev;
		}
		if (held != NULL) {
			netns_name_of(held, &netns_roots_system, host, &info);
			ok_name_held = info.kind == NETNS_KIND_PROCESS &&
				       strcmp(info.name, "sleep") == 0 && info.pid == held->pid;
		}
		netns_list_free(&l);
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
		pathf(cmd, sizeof(cmd), "ip netns del %s", name);
		assert_int_equal(run(cmd), 0);

		assert_int_equal(found_rc, 0);
		assert_true(host_rc == 0 || host_errno == EACCES);
		assert_true(held_ino != 0);
		assert_true(ok_named);
		assert_true(ok_held);
		assert_true(ok_name_named);
		assert_true(ok_name_held);
		assert_true(ok_resolve);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_mountinfo_line),
		cmocka_unit_test(test_mountinfo_hostile),
		cmocka_unit_test_setup_teardown(test_find_all_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_all_without_mounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_all_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_and_host_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_path, setup, teardown),
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_root_real_namespaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
