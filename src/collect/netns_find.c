/*
 * netns_find.c - every network namespace of the host, and the one a user
 * names.
 *
 * Responsible for: listing namespaces from /proc/PID/ns/net and the nsfs
 * mounts in mountinfo, de-duplicated by (dev, inode); resolving a --netns
 * SPEC (NAME, pid:PID, a path) to a namespace; the own and the host's
 * namespace inodes.  It never enters a namespace (setns is the sampler's)
 * and never names one (netns_name.c).
 * Called by the sampler thread each sample, and by option handling before
 * it starts; no state between calls, so any thread.  Never prints.
 *
 * Cost: netns_find_all() runs every sample, so a process costs one
 * readlinkat() of "PID/ns/net" relative to an open /proc (the link text
 * "net:[INODE]" is the identity: no stat, no open), and mountinfo is read
 * once per call.  The nsfs device is stat'ed once per call from
 * proc/self/ns/net (every nsfs file shares it).
 * Measured (a 2-core VM, kernel 6.18, load average 13-16 from other
 * builds; -O2, no sanitizers; 500 extra `timeout 120 sleep 120`, 1,300
 * processes, 60 namespaces): 6 us of CPU per process (8 ms per call),
 * of which listing /proc is 0.6 us and the kernel's readlink of ns/net
 * the rest (a stat of it costs 9 us, reading PID/stat 14 us); 12 us per
 * process in wall time under that load.  What would cut it further is a
 * cache of pid -> namespace kept between calls, re-reading new pids at
 * once and the others now and then (as procmap does), at the price of
 * seeing a late setns() late.
 *
 * Threads: /proc lists thread-group leaders only; a thread that setns()es
 * alone is not seen (its process's namespace is).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/nsfs.h>
#include <sched.h>

#include "netns_find.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

const struct netns_roots netns_roots_system = {
	.proc = "/proc",
	.mountinfo = "/proc/self/mountinfo",
	.run_netns = "/run/netns",
	.docker = "/var/lib/docker",
	.pods = "/var/log/pods",
};

/* mountinfo is read whole; beyond this something is wrong. */
#define MOUNTINFO_MAX (64u << 20)

bool
netns_parse_link(const char *text, size_t len, uint32_t *inode)
{
	uint64_t v = 0;
	size_t i;

	if (len < 7 || memcmp(text, "net:[", 5) != 0 || text[len - 1] != ']')
		return false;
	for (i = 5; i < len - 1; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(text[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (v == 0)
		return false;
	*inode = (uint32_t)v;
	return true;
}

/* Decimal without sign or spaces, fitting in T's range [1, max]. */
static bool
parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* The next space-separated field of [*p, end); false at the end. */
static bool
next_field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char *s = *p, *e;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return false;
	e = s;
	while (e < end && *e != ' ')
		e++;
	*f = s;
	*flen = (size_t)(e - s);
	*p = e;
	return true;
}

/* mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134
 * backslash) undone; false when it does not fit or holds a NUL (such a
 * path cannot be opened). */
static bool
unescape_path(const char *s, size_t len, char *out, size_t out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (unsigned char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
					    (s[i + 3] - '0'));
			i += 3;
		}
		if (c == '\0' || o + 1 >= out_len)
			return false;
		out[o++] = (char)c;
	}
	if (out_len == 0)
		return false;
	out[o] = '\0';
	return true;
}

bool
netns_mountinfo_parse_line(const char *line, size_t len, uint32_t *inode, uint64_t *dev,
			   char *mount_point, size_t mp_len)
{
	const char *p = line, *end = line + len, *f, *devf, *mp;
	size_t flen, devlen, mplen;
	uint64_t major, minor;
	const char *colon;

	/* 1 mount id, 2 parent id, 3 major:minor, 4 root, 5 mount point */
	if (!next_field(&p, end, &f, &flen) || !next_field(&p, end, &f, &flen) ||
	    !next_field(&p, end, &devf, &devlen) || !next_field(&p, end, &f, &flen))
		return false;
	/* Most lines are not namespaces: the root field says so first. */
	if (!netns_parse_link(f, flen, inode))
		return false;
	if (!next_field(&p, end, &mp, &mplen))
		return false;
	/* 6 options, optional fields up to "-", then the filesystem type. */
	for (;;) {
		if (!next_field(&p, end, &f, &flen))
			return false;
		if (flen == 1 && f[0] == '-')
			break;
	}
	if (!next_field(&p, end, &f, &flen) || flen != 4 || memcmp(f, "nsfs", 4) != 0)
		return false;
	colon = memchr(devf, ':', devlen);
	if (colon == NULL ||
	    !parse_decimal(devf, (size_t)(colon - devf), UINT32_MAX, &major) ||
	    !parse_decimal(colon + 1, devlen - (size_t)(colon + 1 - devf), UINT32_MAX, &minor))
		return false;
	*dev = (uint64_t)makedev((unsigned int)major, (unsigned int)minor);
	if (mp_len > 0 && !unescape_path(mp, mplen, mount_point, mp_len))
		mount_point[0] = '\0';
	return true;
}

/* The whole of a file, NUL-terminated, at most max bytes (more: EFBIG). */
static char *
read_all(const char *path, size_t max, size_t *len_out)
{
	size_t cap = 16384, len = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (buf == NULL || len + 1 >= cap) {
			char *nb;

			if (buf != NULL) {
				if (cap >= max) {
					free(buf);
					close(fd);
					errno = EFBIG;
					return NULL;
				}
				cap *= 2;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*len_out = len;
	return buf;
}

/* NAME when PATH is RUN_NETNS/NAME (one component), else NULL. */
static const char *
name_under(const char *path, const char *run_netns)
{
	size_t rl;
	const char *name;

	if (run_netns == NULL)
		return NULL;
	rl = strlen(run_netns);
	while (rl > 1 && run_netns[rl - 1] == '/')
		rl--;
	if (strncmp(path, run_netns, rl) != 0 || path[rl] != '/')
		return NULL;
	name = path + rl + 1;
	if (name[0] == '\0' || strchr(name, '/') != NULL)
		return NULL;
	return name;
}

/* Copies a C string, truncating (always NUL-terminated). */
static void
copy_str(char *dst, size_t dst_len, const char *src)
{
	size_t n = strlen(src);

	if (n >= dst_len)
		n = dst_len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The path PROC/PID/ns/net; "" when it does not fit. */
static void
proc_path(char *dst, size_t dst_len, const char *proc, long pid)
{
	int n = snprintf(dst, dst_len, "%s/%ld/ns/net", proc, pid);

	if (n < 0 || (size_t)n >= dst_len)
		dst[0] = '\0';
}

struct held {
	uint32_t inode;
	int32_t pid;
};

struct growing {
	void *items;
	size_t n, cap, size;
};

static void *
grow_one(struct growing *g)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		void *ni = reallocarray(g->items, cap, g->size);

		if (ni == NULL)
			return NULL;
		g->items = ni;
		g->cap = cap;
	}
	return (char *)g->items + g->n++ * g->size;
}

static int
cmp_held(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Rank of a mount's path: the `ip netns` one is the most useful. */
static int
cmp_ref(const void *a, const void *b)
{
	const struct netns_ref *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	/* named first, then by path, so the result does not depend on
	 * mountinfo's order */
	if ((x->netns_name[0] != '\0') != (y->netns_name[0] != '\0'))
		return x->netns_name[0] != '\0' ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Every process's namespace, into procs (unsorted). */
static int
walk_proc(const char *proc, struct growing *procs)
{
	DIR *d = opendir(proc);
	struct dirent *de;
	int dfd;

	if (d == NULL)
		return -1;
	dfd = dirfd(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		char rel[40], link[64];
		size_t nl = strlen(de->d_name);
		uint64_t pid;
		uint32_t inode;
		ssize_t n;
		struct held *h;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    !parse_decimal(de->d_name, nl, INT32_MAX, &pid))
			continue;
		memcpy(rel, de->d_name, nl);
		memcpy(rel + nl, "/ns/net", sizeof("/ns/net"));
		n = readlinkat(dfd, rel, link, sizeof(link));
		/* gone, not ours to read (EACCES), kernel thread: skip */
		if (n <= 0 || (size_t)n >= sizeof(link) ||
		    !netns_parse_link(link, (size_t)n, &inode))
			continue;
		h = grow_one(procs);
		if (h == NULL) {
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		h->inode = inode;
		h->pid = (int32_t)pid;
	}
	if (errno != 0) {
		int e = errno;

		closedir(d);
		errno = e;
		return -1;
	}
	closedir(d);
	return 0;
}

/* Every nsfs network namespace mount, into mounts (netns_ref, pid 0). */
static int
walk_mounts(const struct netns_roots *roots, struct growing *mounts)
{
	size_t len;
	char *buf = read_all(roots->mountinfo, MOUNTINFO_MAX, &len);
	const char *p, *end;

	if (buf == NULL)
		return -1;
	for (p = buf, end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct netns_ref r, *slot;
		const char *name;

		memset(&r, 0, sizeof(r));
		if (netns_mountinfo_parse_line(p, ll, &r.inode, &r.dev, r.path, sizeof(r.path))) {
			name = r.path[0] ? name_under(r.path, roots->run_netns) : NULL;
			if (name != NULL)
				copy_str(r.netns_name, sizeof(r.netns_name), name);
			slot = grow_one(mounts);
			if (slot == NULL) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			*slot = r;
		}
		p += ll + 1;
	}
	free(buf);
	return 0;
}

void
netns_list_free(struct netns_list *list)
{
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

int
netns_find_all(const struct netns_roots *roots, struct netns_list *out)
{
	struct growing procs = {.size = sizeof(struct held)};
	struct growing mounts = {.size = sizeof(struct netns_ref)};
	struct netns_ref *items = NULL, *m;
	struct held *h;
	uint64_t nsfs_dev = 0;
	bool have_dev = false;
	size_t n = 0, i, j;
	char self[PATH_MAX];
	struct stat st;
	int e;

	netns_list_free(out);
	if (walk_proc(roots->proc, &procs) < 0)
		goto fail;
	if (roots->mountinfo != NULL && walk_mounts(roots, &mounts) < 0)
		goto fail;

	/* Every nsfs file shares one device; a fixture /proc has none, and
	 * then the mounts' device stands for it. */
	if (snprintf(self, sizeof(self), "%s/self/ns/net", roots->proc) < (int)sizeof(self) &&
	    stat(self, &st) == 0) {
		nsfs_dev = (uint64_t)st.st_dev;
		have_dev = true;
	}
	m = mounts.items;
	if (!have_dev && mounts.n > 0)
		nsfs_dev = m[0].dev;

	h = procs.items;
	if (procs.n > 1)
		qsort(h, procs.n, sizeof(*h), cmp_held);
	if (mounts.n > 1)
		qsort(m, mounts.n, sizeof(*m), cmp_ref);

	items = calloc(procs.n + mounts.n + 1, sizeof(*items));
	if (items == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	/* Merge the two sorted runs: one item per (inode, dev). */
	for (i = 0, j = 0; i < procs.n || j < mounts.n;) {
		struct netns_ref *r = &items[n];
		bool take_proc = i < procs.n &&
				 (j >= mounts.n || h[i].inode < m[j].inode ||
				  (h[i].inode == m[j].inode && nsfs_dev <= m[j].dev));

		if (take_proc) {
			r->inode = h[i].inode;
			r->dev = nsfs_dev;
			r->pid = h[i].pid; /* lowest: sorted by pid within an inode */
			proc_path(r->path, sizeof(r->path), roots->proc, (long)r->pid);
			while (i < procs.n && h[i].inode == r->inode)
				i++;
		} else {
			*r = m[j];
			j++;
		}
		/* Mounts of the same namespace: the first (named) one gives
		 * the name; its path is preferred to the process's, which
		 * lasts only as long as the process. */
		for (; j < mounts.n && m[j].inode == r->inode && m[j].dev == r->dev; j++) {
			if (r->netns_name[0] == '\0' && m[j].netns_name[0] != '\0') {
				memcpy(r->netns_name, m[j].netns_name, sizeof(r->netns_name));
				memcpy(r->path, m[j].path, sizeof(r->path));
			} else if (r->path[0] == '\0') {
				memcpy(r->path, m[j].path, sizeof(r->path));
			}
		}
		n++;
	}
	free(procs.items);
	free(mounts.items);
	out->items = items;
	out->n = n;
	return 0;
fail:
	e = errno;
	free(procs.items);
	free(mounts.items);
	free(items);
	errno = e;
	return -1;
}

static int
inode_of_link(const char *proc, const char *who, uint32_t *inode)
{
	char path[PATH_MAX], link[64];
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/%s/ns/net", proc, who) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = readlink(path, link, sizeof(link));
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(link) || !netns_parse_link(link, (size_t)n, inode)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
netns_self_inode(const struct netns_roots *roots, uint32_t *inode)
{
	return inode_of_link(roots->proc, "self", inode);
}

int
netns_host_inode(const struct netns_roots *roots, uint32_t *inode)
{
	return inode_of_link(roots->proc, "1", inode);
}

/* The nsfs mount at PATH in mountinfo, if any. */
static bool
mount_at(const struct netns_roots *roots, const char *path, struct netns_ref *out)
{
	size_t len;
	char *buf;
	const char *p, *end;
	bool found = false;

	if (roots->mountinfo == NULL)
		return false;
	buf = read_all(roots->mountinfo, MOUNTINFO_MAX, &len);
	if (buf == NULL)
		return false;
	for (p = buf, end = buf + len; p < end && !found;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char mp[sizeof(out->path)];
		uint32_t inode;
		uint64_t dev;

		if (netns_mountinfo_parse_line(p, ll, &inode, &dev, mp, sizeof(mp)) &&
		    strcmp(mp, path) == 0) {
			out->inode = inode;
			out->dev = dev;
			found = true;
		}
		p += ll + 1;
	}
	free(buf);
	return found;
}

/* "TYPE:[N]", the link of any namespace file. */
static bool
is_ns_link(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] >= 'a' && s[i] <= 'z')
		i++;
	return i > 0 && len - i >= 4 && s[i] == ':' && s[i + 1] == '[' &&
	       s[len - 1] == ']';
}

/*
 * PATH as a network namespace: a /proc-style link ("net:[N]", also
 * /proc/PID/fd/N of a namespace descriptor), an nsfs mount listed in
 * mountinfo (as given, or with symlinks resolved), else the file itself
 * when it lives on nsfs and is a network namespace.  0, or -1 with errno:
 * ENOENT and the like from the file, EINVAL when it is something else.
 */
static int
ref_of_path(const char *path, const struct netns_roots *roots, struct netns_ref *out)
{
	char link[64], real[PATH_MAX];
	struct stat st;
	struct statfs sfs;
	ssize_t n;
	int fd, type;

	n = readlink(path, link, sizeof(link));
	if (n > 0 && (size_t)n < sizeof(link)) {
		if (netns_parse_link(link, (size_t)n, &out->inode)) {
			/* (a fixture's link dangles: no device then) */
			if (stat(path, &st) == 0)
				out->dev = (uint64_t)st.st_dev;
			return 0;
		}
		if (is_ns_link(link, (size_t)n)) {
			errno = EINVAL; /* another type: "mnt:[N]" */
			return -1;
		}
		/* an ordinary symlink: followed below */
	}
	if (mount_at(roots, path, out))
		return 0;
	if (realpath(path, real) != NULL && strcmp(real, path) != 0 && mount_at(roots, real, out))
		return 0;
	if (stat(path, &st) < 0)
		return -1;
	if (statfs(path, &sfs) < 0)
		return -1;
	if ((unsigned long)sfs.f_type != (unsigned long)NSFS_MAGIC) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	type = ioctl(fd, NS_GET_NSTYPE);
	close(fd);
	if (type >= 0 && type != CLONE_NEWNET) {
		errno = EINVAL;
		return -1;
	}
	if (st.st_ino > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	out->inode = (uint32_t)st.st_ino;
	out->dev = (uint64_t)st.st_dev;
	return 0;
}

int
netns_resolve(const char *spec, const struct netns_roots *roots, struct netns_ref *out,
	      char *cause, size_t cause_len)
{
	struct netns_ref r;
	const char *name;
	char path[PATH_MAX];
	struct stat st;
	int e;

	memset(&r, 0, sizeof(r));
	if (cause_len > 0)
		cause[0] = '\0';
	if (strncmp(spec, "pid:", 4) == 0) {
		uint64_t pid;

		if (!parse_decimal(spec + 4, strlen(spec + 4), INT32_MAX, &pid) || pid == 0) {
			snprintf(cause, cause_len, "%s: not a process id", spec);
			errno = EINVAL;
			return -1;
		}
		if (inode_of_link(roots->proc, spec + 4, &r.inode) < 0) {
			e = errno;
			if (e == ENOENT)
				snprintf(cause, cause_len, "%s: no such process", spec);
			else
				snprintf(cause, cause_len, "%s: cannot read %s/%s/ns/net: %s", spec,
					 roots->proc, spec + 4, strerror(e));
			errno = e;
			return -1;
		}
		r.pid = (int32_t)pid;
		proc_path(r.path, sizeof(r.path), roots->proc, (long)pid);
		if (stat(r.path, &st) == 0)
			r.dev = (uint64_t)st.st_dev;
		*out = r;
		return 0;
	}
	if (strchr(spec, '/') != NULL) {
		if (strlen(spec) >= sizeof(r.path)) {
			snprintf(cause, cause_len, "%.64s...: path too long", spec);
			errno = ENAMETOOLONG;
			return -1;
		}
		if (ref_of_path(spec, roots, &r) < 0) {
			e = errno;
			if (e == EINVAL)
				snprintf(cause, cause_len, "%s: not a network namespace file",
				         spec);
			else
				snprintf(cause, cause_len, "%s: %s", spec, strerror(e));
			errno = e;
			return -1;
		}
		copy_str(r.path, sizeof(r.path), spec);
		name = name_under(spec, roots->run_netns);
		if (name != NULL)
			copy_str(r.netns_name, sizeof(r.netns_name), name);
		*out = r;
		return 0;
	}
	/* a name under run_netns */
	if (spec[0] == '\0' || strcmp(spec, ".") == 0 || strcmp(spec, "..") == 0 ||
	    strlen(spec) >= sizeof(r.netns_name)) {
		snprintf(cause, cause_len, "'%.80s': not a network namespace name", spec);
		errno = EINVAL;
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s", roots->run_netns, spec) >= (int)sizeof(r.path)) {
		snprintf(cause, cause_len, "'%s': path too long", spec);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (ref_of_path(path, roots, &r) < 0) {
		e = errno;
		if (e == ENOENT)
			snprintf(cause, cause_len, "no network namespace named '%s' in %s", spec,
				 roots->run_netns);
		else if (e == EINVAL)
			snprintf(cause, cause_len, "%s: not a network namespace file", path);
		else
			snprintf(cause, cause_len, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	copy_str(r.path, sizeof(r.path), path);
	copy_str(r.netns_name, sizeof(r.netns_name), spec);
	*out = r;
	return 0;
}
