/*
 * procmap.c - the incremental /proc walker behind socket attribution.
 *
 * State kept between samples: one record per process (start time, name,
 * command line, descriptor count, descriptor limits and the socket inodes
 * it held when last read), and the owner table built from them.  The
 * table is rebuilt only when some record's sockets changed, or when the
 * descriptor count or limit of a process near its limit changed;
 * otherwise consecutive snapshots share it.  All file access is relative
 * to a directory descriptor of the /proc root.  Sampler thread only.
 *
 * Descriptor counts come free with the scan of a process's fd directory
 * (every entry is one descriptor).  The limits (/proc/PID/limits) rarely
 * change, so they are read when a process first holds a socket, again by
 * the background refresh, and on every scan while the process uses half
 * of its soft limit or more, so the limit a finding quotes is current.
 * A process at half of its limit or more is also recounted every sample,
 * whether or not it is scanned: procfs gives the number of open
 * descriptors as the size of /proc/PID/fd (Linux 6.2 and later), one
 * stat() instead of a read of every descriptor; its limits are read again
 * with it.  Elsewhere (older kernels, fixture trees) its count waits for
 * its next scan.
 *
 * That count also spares rereads (procfs only).  A process holding many
 * descriptors whose count has not moved since its last read is reread
 * every PROCMAP_BIG_REFRESH_SECONDS instead of every
 * PROCMAP_REFRESH_SECONDS: reading it costs about 5 us a descriptor, and
 * what the background refresh looks for (a socket closed or handed to
 * another process) changes its count.  And a socket seen for the first
 * time without a known owner is first searched for only in the processes
 * that may have opened it since their last read: those whose count moved,
 * those that recently opened sockets, those never read; the search of
 * every process waits until the socket is still there a sample later.
 * Short-lived connections of other processes (a client that came and
 * went within the sample) then cost no walk of every descriptor of the
 * host.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "hash.h"
#include "procmap.h"
#include "timespec_util.h"

enum { CMDLINE_MAX = 1024 };

/* Longest a process goes without being read again, in seconds. */
#define PROCMAP_REFRESH_SECONDS 10.0

/* The same for a process of at least PROCMAP_BIG_FDS descriptors whose
 * count has not changed since (procfs only). */
#define PROCMAP_BIG_REFRESH_SECONDS 60.0
#define PROCMAP_BIG_FDS 256

/* statfs() f_type of procfs (linux/magic.h). */
#define PROCMAP_PROC_SUPER_MAGIC 0x9fa0

struct proc_rec {
	int32_t pid;
	uint32_t uid;
	uint64_t start_time;
	struct timespec last_scan;/* when its descriptors were last read */
	char comm[16];
	char *cmdline;           /* read once, when it first holds a socket */
	uint32_t *inodes;        /* sorted socket inodes held */
	size_t n_inodes;
	uint32_t fds;            /* descriptors open at the last scan */
	uint32_t fd_limit;       /* RLIMIT_NOFILE soft limit, 0 unknown */
	uint32_t fd_limit_hard;  /* and hard limit, 0 unknown */
	bool limits_read;        /* fd_limit* were read (since start_time) */
	unsigned int hits;       /* recent unknown sockets found in it */
	bool denied;             /* its descriptors cannot be read */
	bool scanned;            /* read during the current refresh */
};

struct uid_name {
	uint32_t uid;
	char name[33];
};

/* Inodes searched for in every process without success. */
struct inode_set {
	uint32_t *slots;         /* 0 = empty */
	size_t mask, count;
};

struct procmap {
	int root_fd;
	bool procfs;             /* the root is a procfs: fd dirs have sizes */
	bool privileged;
	uid_t self_uid;
	struct proc_rec *recs;
	size_t n_recs;
	struct owner_table *table;
	bool table_stale;
	struct uid_name *names;
	size_t n_names;
	struct inode_set given_up;
	struct inode_set missed_once; /* missed by the last full search */
	struct inode_set pending;     /* missed by the last search of the
				       * processes that changed: searched
				       * everywhere if still there */
	size_t cursor;           /* where the background refresh goes on */
};

/* ------------------------------------------------------------ inode set */


static int
inode_set_init(struct inode_set *set, size_t expected)
{
	size_t slots = 16;

	while (slots < expected * 2)
		slots *= 2;
	set->slots = calloc(slots, sizeof(*set->slots));
	if (set->slots == NULL)
		return -1;
	set->mask = slots - 1;
	set->count = 0;
	return 0;
}

static void
inode_set_free(struct inode_set *set)
{
	free(set->slots);
	set->slots = NULL;
	set->count = 0;
}

/* The set must have been sized for everything added to it. */
static void
inode_set_add(struct inode_set *set, uint32_t inode)
{
	size_t slot = (size_t)hash_u64(inode) & set->mask;

	while (set->slots[slot] != 0) {
		if (set->slots[slot] == inode)
			return;
		slot = (slot + 1) & set->mask;
	}
	set->slots[slot] = inode;
	set->count++;
}

static bool
inode_set_has(const struct inode_set *set, uint32_t inode)
{
	size_t slot;

	if (set->slots == NULL)
		return false;
	for (slot = (size_t)hash_u64(inode) & set->mask; set->slots[slot] != 0;
	     slot = (slot + 1) & set->mask)
		if (set->slots[slot] == inode)
			return true;
	return false;
}

/* ------------------------------------------------------------ /proc I/O */

/* Reads a small file below the root into buf (NUL-terminated); returns
 * the length or -1. */
static ssize_t
read_small(int root_fd, const char *path, char *buf, size_t size)
{
	int fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC);
	ssize_t got, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1 &&
	       (got = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += got;
	close(fd);
	buf[total] = '\0';
	return total;
}

/* Reads comm and start time from PID/stat.  The name sits between the
 * first '(' and the last ')' and may itself hold spaces and parentheses;
 * start time is the 22nd field. */
static int
read_stat(int root_fd, struct proc_rec *rec, uint64_t *start_time)
{
	char path[64], buf[1024];
	char *open_paren, *close_paren, *field;
	size_t name_len;
	int n;

	snprintf(path, sizeof(path), "%d/stat", rec->pid);
	if (read_small(root_fd, path, buf, sizeof(buf)) <= 0)
		return -1;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
		return -1;
	name_len = (size_t)(close_paren - open_paren - 1);
	if (name_len >= sizeof(rec->comm))
		name_len = sizeof(rec->comm) - 1;
	memcpy(rec->comm, open_paren + 1, name_len);
	rec->comm[name_len] = '\0';
	/* After ") " comes field 3 (state); start time is field 22. */
	field = close_paren + 1;
	for (n = 3; n < 22 && field != NULL; n++) {
		field = strchr(field + 1, ' ');
	}
	if (field == NULL)
		return -1;
	*start_time = strtoull(field + 1, NULL, 10);
	return 0;
}

/* Returns 0, or -1 (ENOMEM). */
static int
read_cmdline(int root_fd, struct proc_rec *rec)
{
	char path[64], buf[CMDLINE_MAX];
	ssize_t len;

	snprintf(path, sizeof(path), "%d/cmdline", rec->pid);
	len = read_small(root_fd, path, buf, sizeof(buf));
	if (len < 0)
		len = 0;
	/* Arguments are NUL-separated; trailing NULs end the last one. */
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (ssize_t i = 0; i < len; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	buf[len] = '\0';
	free(rec->cmdline);
	rec->cmdline = strdup(buf);
	if (rec->cmdline == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* One limit of /proc/PID/limits: a decimal number, or "unlimited" (0). */
static bool
parse_limit(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "unlimited", 9) == 0) {
		*p = s + 9;
		*out = 0;
		return true;
	}
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			v = UINT32_MAX + (uint64_t)1; /* saturate: beyond any real limit */
	*p = s;
	*out = v > UINT32_MAX ? 0 : (uint32_t)v;
	return true;
}

/*
 * The soft and hard RLIMIT_NOFILE of a /proc/PID/limits text (a NUL-
 * terminated table: a heading line, then "Max open files  1024  524288
 * files" among the other limits; the columns are padded with spaces).
 * False when the line is missing or malformed.
 */
static bool
parse_nofile(const char *text, uint32_t *soft, uint32_t *hard)
{
	static const char name[] = "Max open files";
	const char *p = text;

	for (;;) {
		if (strncmp(p, name, sizeof(name) - 1) == 0) {
			p += sizeof(name) - 1;
			return parse_limit(&p, soft) && parse_limit(&p, hard);
		}
		p = strchr(p, '\n');
		if (p == NULL)
			return false;
		p++;
	}
}

/* Reads the descriptor limits of a process.  Returns true when they
 * changed. */
static bool
read_limits(int root_fd, struct proc_rec *rec)
{
	char path[64], buf[2048];
	uint32_t soft = 0, hard = 0;
	bool changed;

	snprintf(path, sizeof(path), "%d/limits", rec->pid);
	if (read_small(root_fd, path, buf, sizeof(buf)) <= 0 || !parse_nofile(buf, &soft, &hard))
		soft = hard = 0; /* not known: judged by nobody */
	changed = soft != rec->fd_limit || hard != rec->fd_limit_hard;
	rec->fd_limit = soft;
	rec->fd_limit_hard = hard;
	rec->limits_read = true;
	return changed;
}

static int
compare_inodes(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* True when the descriptor count or limits of a process in the owner
 * table are worth a new table: at or above half of its soft limit, where
 * a finding may read them (below, the table takes the new count with the
 * next rebuild, so quiet processes do not rebuild it every sample). */
static bool
near_limit(uint32_t fds, uint32_t fd_limit)
{
	return fd_limit > 0 && (uint64_t)fds * 2 >= fd_limit;
}

/* The number of open descriptors of a process from the size of its fd
 * directory (procfs, Linux 6.2+); false when not known. */
static bool
fd_count(const struct procmap *map, const struct proc_rec *rec, uint32_t *count)
{
	char path[64];
	struct stat st;

	if (!map->procfs)
		return false;
	snprintf(path, sizeof(path), "%d/fd", rec->pid);
	if (fstatat(map->root_fd, path, &st, 0) < 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > UINT32_MAX)
		return false;
	*count = (uint32_t)st.st_size;
	return true;
}

/* Whether a process read before has the descriptor count it had then
 * (procfs; false when not known). */
static bool
fds_unchanged(const struct procmap *map, const struct proc_rec *rec)
{
	uint32_t now;

	return rec->start_time != 0 && !rec->denied && fd_count(map, rec, &now) &&
	       now == rec->fds;
}

/* Reads the socket inodes and counts the descriptors of one process.
 * Returns 1 when its set of sockets changed (or its descriptor count, near
 * its limit), 0 when not, -1 when the process is gone. */
static int
scan_fds(struct procmap *map, struct proc_rec *rec, size_t *fds_read)
{
	char path[64];
	uint32_t *inodes = NULL, fds = 0;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int dir_fd, changed;

	snprintf(path, sizeof(path), "%d/fd", rec->pid);
	dir_fd = openat(map->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		if (errno == EACCES || errno == EPERM) {
			rec->denied = true;
			return 0;
		}
		return -1;
	}
	dir = fdopendir(dir_fd);
	if (dir == NULL) {
		close(dir_fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		char link[64];
		ssize_t len;
		unsigned long inode;

		if (de->d_name[0] == '.')
			continue;
		(*fds_read)++;
		fds++;
		len = readlinkat(dir_fd, de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue; /* closed meanwhile */
		link[len] = '\0';
		if (strncmp(link, "socket:[", 8) != 0)
			continue;
		inode = strtoul(link + 8, NULL, 10);
		if (inode == 0 || inode > UINT32_MAX)
			continue;
		if (n == cap) {
			uint32_t *more;

			cap = cap ? cap * 2 : 16;
			more = realloc(inodes, cap * sizeof(*inodes));
			if (more == NULL) {
				/* Keeping part of the list would attribute
				 * the rest to nobody: the sample fails. */
				free(inodes);
				closedir(dir);
				errno = ENOMEM;
				return -1;
			}
			inodes = more;
		}
		inodes[n++] = (uint32_t)inode;
	}
	closedir(dir);
	if (n > 1) {
		size_t unique = 1;

		qsort(inodes, n, sizeof(*inodes), compare_inodes);
		/* A socket duplicated with dup() appears twice. */
		for (size_t i = 1; i < n; i++)
			if (inodes[i] != inodes[unique - 1])
				inodes[unique++] = inodes[i];
		n = unique;
	}
	changed = n != rec->n_inodes ||
		  (n > 0 && memcmp(inodes, rec->inodes, n * sizeof(*inodes)) != 0) ||
		  (n > 0 && fds != rec->fds &&
		   (near_limit(fds, rec->fd_limit) || near_limit(rec->fds, rec->fd_limit)));
	rec->fds = fds;
	free(rec->inodes);
	rec->inodes = inodes;
	rec->n_inodes = n;
	rec->scanned = true;
	if (n > 0 && rec->cmdline == NULL && read_cmdline(map->root_fd, rec) < 0) {
		map->table_stale = true; /* the change above is not lost */
		return -1;
	}
	return changed;
}

static void
rec_clear(struct proc_rec *rec)
{
	free(rec->cmdline);
	free(rec->inodes);
	memset(rec, 0, sizeof(*rec));
}

/* ---------------------------------------------------------- user names */

static const char *
user_name(struct procmap *map, uint32_t uid)
{
	struct uid_name *more;
	struct passwd pw, *found = NULL;
	char buf[1024];

	for (size_t i = 0; i < map->n_names; i++)
		if (map->names[i].uid == uid)
			return map->names[i].name;
	more = realloc(map->names, (map->n_names + 1) * sizeof(*map->names));
	if (more == NULL)
		return NULL;
	map->names = more;
	more = &map->names[map->n_names++];
	more->uid = uid;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found != NULL)
		snprintf(more->name, sizeof(more->name), "%s", pw.pw_name);
	else
		snprintf(more->name, sizeof(more->name), "%u", uid);
	return more->name;
}

/* ------------------------------------------------------------- refresh */

static int
compare_pids(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

/* Lists the numeric entries of the root, sorted.  NULL on failure. */
static int32_t *
list_pids(struct procmap *map, size_t *count)
{
	int32_t *pids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd = openat(map->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((de = readdir(dir)) != NULL) {
		char *end;
		long pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || pid > INT32_MAX)
			continue;
		if (n == cap) {
			int32_t *more;

			cap = cap ? cap * 2 : 256;
			more = realloc(pids, cap * sizeof(*pids));
			if (more == NULL) {
				free(pids);
				closedir(dir);
				errno = ENOMEM;
				return NULL;
			}
			pids = more;
		}
		pids[n++] = (int32_t)pid;
	}
	closedir(dir);
	if (n > 1) /* pids is NULL when n is 0, and qsort must not see it */
		qsort(pids, n, sizeof(*pids), compare_pids);
	*count = n;
	if (pids == NULL)
		pids = malloc(sizeof(*pids)); /* an empty list is not a failure */
	return pids;
}

/* Whether a failed read of a process is tcpdeck's own shortage (memory,
 * descriptors) rather than the process having gone: the sample then
 * fails instead of dropping the process quietly. */
static bool
resource_error(int err)
{
	return err == ENOMEM || err == EMFILE || err == ENFILE;
}

/* Drops every process record; the next sample reads them all again. */
static void
forget_processes(struct procmap *map)
{
	for (size_t i = 0; i < map->n_recs; i++)
		rec_clear(&map->recs[i]);
	free(map->recs);
	map->recs = NULL;
	map->n_recs = 0;
	map->table_stale = true;
}

/* Re-reads a process: start time (a different one means the pid was
 * reused), then its descriptors, and its limits when it holds sockets and
 * they were not read yet, `limits` asks (the background refresh), or it
 * uses half of its soft limit or more.  Returns -1 when it is gone. */
static int
rescan(struct procmap *map, struct proc_rec *rec, bool fresh, bool limits,
       struct procmap_stats *stats)
{
	uint64_t start_time = 0;
	int changed;

	if (read_stat(map->root_fd, rec, &start_time) < 0)
		return -1;
	if (fresh || start_time != rec->start_time) {
		char path[32];
		struct stat st;

		if (!fresh) {
			free(rec->cmdline);
			rec->cmdline = NULL;
		}
		/* /proc/PID belongs to the process's user. */
		snprintf(path, sizeof(path), "%d", rec->pid);
		if (fstatat(map->root_fd, path, &st, 0) < 0)
			return -1;
		rec->uid = st.st_uid;
		rec->denied = false;
		rec->start_time = start_time;
		rec->limits_read = false;
	}
	clock_gettime(CLOCK_MONOTONIC, &rec->last_scan);
	/* Tried again even when denied before: the background refresh
	 * comes here every 10 s, so a process that was unreadable for a
	 * moment (during a setuid exec) is not unreadable for good. */
	rec->denied = false;
	changed = scan_fds(map, rec, &stats->fds_read);
	stats->procs_scanned++;
	if (changed < 0)
		return -1;
	if (rec->n_inodes > 0 && !rec->denied &&
	    (!rec->limits_read || limits || near_limit(rec->fds, rec->fd_limit))) {
		stats->limits_read++;
		if (read_limits(map->root_fd, rec))
			changed = 1;
	}
	if (changed > 0)
		map->table_stale = true;
	return 0;
}

/*
 * Brings the records in line with the processes listed now: carries over
 * the known ones (both lists are sorted by pid), reads new ones, drops the
 * vanished.  Known processes are not read again here: a socket they open
 * shows up as unknown and is searched for.  A few of them, whose last
 * read is oldest, are re-read each sample so that sockets they closed or
 * handed over do not stay attributed to them for long.
 */
static int
refresh_processes(struct procmap *map, struct procmap_stats *stats)
{
	size_t n_pids = 0, old = 0, n = 0, budget;
	int32_t *pids = list_pids(map, &n_pids);
	struct proc_rec *recs;
	struct timespec now;

	if (pids == NULL)
		return -1;
	recs = calloc(n_pids > 0 ? n_pids : 1, sizeof(*recs));
	if (recs == NULL) {
		free(pids);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n_pids; i++) {
		struct proc_rec *rec = &recs[n];
		bool fresh;

		while (old < map->n_recs && map->recs[old].pid < pids[i]) {
			if (map->recs[old].n_inodes > 0)
				map->table_stale = true; /* its sockets left */
			rec_clear(&map->recs[old++]);
		}
		fresh = !(old < map->n_recs && map->recs[old].pid == pids[i]);
		if (!fresh) {
			*rec = map->recs[old];
			memset(&map->recs[old++], 0, sizeof(*rec));
			rec->scanned = false;
			n++;
			continue;
		}
		rec->pid = pids[i];
		if (rescan(map, rec, true, true, stats) < 0) {
			int err = errno;

			rec_clear(rec); /* gone since the listing */
			if (!resource_error(err))
				continue;
			for (size_t k = 0; k < n; k++)
				rec_clear(&recs[k]);
			free(recs);
			free(pids);
			forget_processes(map);
			errno = err;
			return -1;
		}
		n++;
	}
	while (old < map->n_recs) {
		if (map->recs[old].n_inodes > 0)
			map->table_stale = true;
		rec_clear(&map->recs[old++]);
	}
	free(map->recs);
	free(pids);
	map->recs = recs;
	map->n_recs = n;
	stats->procs = n;

	/* Background refresh: every process at least every
	 * PROCMAP_REFRESH_SECONDS, spread over samples. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	budget = n / 16 + 1;
	for (size_t k = 0; k < n && budget > 0; k++) {
		struct proc_rec *rec = &map->recs[(map->cursor + k) % n];

		if (rec->scanned || timespec_between(&rec->last_scan, &now) < PROCMAP_REFRESH_SECONDS)
			continue;
		/* A big process whose count has not moved: later. */
		if (rec->fds >= PROCMAP_BIG_FDS &&
		    timespec_between(&rec->last_scan, &now) < PROCMAP_BIG_REFRESH_SECONDS &&
		    fds_unchanged(map, rec))
			continue;
		budget--;
		if (rescan(map, rec, false, true, stats) < 0) {
			if (resource_error(errno))
				return -1; /* its sockets stay as they were */
			if (rec->n_inodes > 0) {
				/* Exited meanwhile: forget its sockets now. */
				free(rec->inodes);
				rec->inodes = NULL;
				rec->n_inodes = 0;
				map->table_stale = true;
			}
		}
	}
	map->cursor = n > 0 ? (map->cursor + n / 16 + 1) % n : 0;
	return 0;
}

static int
rebuild_table(struct procmap *map)
{
	struct owner_table *table = owner_table_new();

	if (table == NULL)
		return -1;
	for (size_t i = 0; i < map->n_recs; i++) {
		struct proc_rec *rec = &map->recs[i];
		struct owner_proc proc;
		int index;

		if (rec->n_inodes == 0)
			continue;
		memset(&proc, 0, sizeof(proc));
		proc.pid = rec->pid;
		proc.uid = rec->uid;
		proc.start_time = rec->start_time;
		memcpy(proc.comm, rec->comm, sizeof(proc.comm));
		proc.cmdline = rec->cmdline;
		proc.user = user_name(map, rec->uid);
		if (proc.user == NULL) {
			errno = ENOMEM;
			goto fail;
		}
		proc.fds = rec->denied ? 0 : rec->fds;
		proc.fd_limit = rec->fd_limit;
		proc.fd_limit_hard = rec->fd_limit_hard;
		index = owner_table_add_proc(table, &proc);
		if (index < 0)
			goto fail;
		for (size_t k = 0; k < rec->n_inodes; k++)
			if (owner_table_add_link(table, rec->inodes[k], (uint32_t)index) < 0)
				goto fail;
	}
	if (owner_table_seal(table) < 0)
		goto fail;
	owner_table_unref(map->table);
	map->table = table;
	map->table_stale = false;
	return 0;
fail:
	owner_table_unref(table);
	return -1;
}

/* Walks that look up every socket in the owner table ask for the slot of
 * the socket this many ahead (owner_table_prefetch()). */
#define OWNER_PREFETCH_AHEAD 8

/* A socket we may expect to find: not of another user when we cannot
 * look into other users' processes. */
static bool
visible(const struct procmap *map, const struct sock_entry *entry)
{
	return map->privileged || entry->uid == (uint32_t)map->self_uid;
}

/* Sockets of snap that should have an owner and have none in the table,
 * not counting those a full search already failed to find. */
static int
collect_unknown(struct procmap *map, const struct snapshot *snap, struct inode_set *unknown)
{
	size_t n = 0;

	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (i + OWNER_PREFETCH_AHEAD < snap->n_entries)
			owner_table_prefetch(map->table, snap->entries[i + OWNER_PREFETCH_AHEAD].inode);
		if (e->inode != 0 && visible(map, e) &&
		    owner_table_lookup(map->table, e->inode, NULL, NULL, 0) == 0 &&
		    !inode_set_has(&map->given_up, e->inode))
			n++;
	}
	if (inode_set_init(unknown, n) < 0)
		return -1;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];

		if (e->inode != 0 && visible(map, e) &&
		    owner_table_lookup(map->table, e->inode, NULL, NULL, 0) == 0 &&
		    !inode_set_has(&map->given_up, e->inode))
			inode_set_add(unknown, e->inode);
	}
	return 0;
}

/* Search order: processes that recently opened sockets first (a server
 * accepting connections keeps doing so), then those holding sockets,
 * then the rest. */
static int
compare_search_order(const void *x, const void *y, void *context)
{
	const struct proc_rec *recs = context;
	const struct proc_rec *a = &recs[*(const size_t *)x], *b = &recs[*(const size_t *)y];

	if (a->hits != b->hits)
		return a->hits > b->hits ? -1 : 1;
	if ((a->n_inodes > 0) != (b->n_inodes > 0))
		return a->n_inodes > 0 ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* The inodes of set still unknown to the table, into out (sized here). */
static int
still_unknown(const struct procmap *map, const struct inode_set *set, struct inode_set *out)
{
	if (inode_set_init(out, set->count) < 0)
		return -1;
	for (size_t i = 0; set->count > 0 && i <= set->mask; i++) {
		uint32_t inode = set->slots[i];

		if (inode != 0 && owner_table_lookup(map->table, inode, NULL, NULL, 0) == 0)
			inode_set_add(out, inode);
	}
	return 0;
}

/*
 * Reads the processes not read this sample, in search order, until every
 * unknown socket is found.  When every unknown socket is new (procfs), only
 * the processes that may have opened it are read (see the top of the
 * file), and what they do not hold is searched for everywhere a sample
 * later if still there.  What a search of every process leaves unknown is
 * given up on, so one ownerless socket does not cause a full walk every
 * sample.
 */
static int
search_unknown(struct procmap *map, const struct snapshot *snap, struct procmap_stats *stats)
{
	struct inode_set unknown, resolved, given_up, missed, pending;
	size_t left, *order, n_order = 0;
	bool partial = map->procfs;

	if (collect_unknown(map, snap, &unknown) < 0)
		return -1;
	left = unknown.count;
	for (size_t i = 0; partial && left > 0 && i <= unknown.mask; i++) {
		uint32_t inode = unknown.slots[i];

		if (inode != 0 && (inode_set_has(&map->pending, inode) ||
				   inode_set_has(&map->missed_once, inode)))
			partial = false;
	}
	for (size_t i = 0; i < map->n_recs; i++)
		map->recs[i].hits -= map->recs[i].hits / 4; /* older finds count less */
	order = malloc((map->n_recs + 1) * sizeof(*order));
	if (order == NULL || inode_set_init(&resolved, left) < 0) {
		free(order);
		inode_set_free(&unknown);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; left > 0 && i < map->n_recs; i++)
		if (!map->recs[i].scanned && !map->recs[i].denied)
			order[n_order++] = i;
	qsort_r(order, n_order, sizeof(*order), compare_search_order, map->recs);
	for (size_t i = 0; i < n_order && left > 0; i++) {
		struct proc_rec *rec = &map->recs[order[i]];

		/* Cannot have opened a socket since its read (but for one
		 * that closed another descriptor meanwhile: a sample later). */
		if (partial && rec->hits == 0 && fds_unchanged(map, rec))
			continue;
		if (rescan(map, rec, false, false, stats) < 0) {
			int err = errno;

			if (!resource_error(err))
				continue; /* gone */
			free(order);
			inode_set_free(&resolved);
			inode_set_free(&unknown);
			errno = err;
			return -1;
		}
		for (size_t k = 0; k < rec->n_inodes; k++)
			if (inode_set_has(&unknown, rec->inodes[k]) &&
			    !inode_set_has(&resolved, rec->inodes[k])) {
				inode_set_add(&resolved, rec->inodes[k]);
				rec->hits += 4;
				left--;
			}
	}
	free(order);
	inode_set_free(&resolved);
	if (map->table_stale && rebuild_table(map) < 0) {
		inode_set_free(&unknown);
		return -1;
	}
	if (partial) {
		/* Not missed by a full search: neither given up on nor
		 * counted as missed, but searched for everywhere next. */
		int rc = still_unknown(map, &unknown, &pending);

		inode_set_free(&unknown);
		if (rc < 0) {
			errno = ENOMEM;
			return -1;
		}
		inode_set_free(&map->pending);
		map->pending = pending;
		return 0;
	}
	inode_set_free(&map->pending);
	/*
	 * A socket missed by two full searches in a row is given up on: one
	 * miss may only mean its process was read just before it opened
	 * the socket.  Given-up sockets that closed drop out of the set.
	 */
	memset(&given_up, 0, sizeof(given_up));
	memset(&missed, 0, sizeof(missed));
	if (inode_set_init(&given_up, map->given_up.count + left) == 0 &&
	    inode_set_init(&missed, left) == 0) {
		for (size_t i = 0; i < snap->n_entries; i++) {
			uint32_t inode = snap->entries[i].inode;

			if (inode != 0 && inode_set_has(&map->given_up, inode))
				inode_set_add(&given_up, inode);
		}
		for (size_t i = 0; left > 0 && i <= unknown.mask; i++) {
			uint32_t inode = unknown.slots[i];

			if (inode == 0 || owner_table_lookup(map->table, inode, NULL, NULL, 0) > 0)
				continue;
			if (inode_set_has(&map->missed_once, inode))
				inode_set_add(&given_up, inode);
			else
				inode_set_add(&missed, inode);
		}
		inode_set_free(&map->given_up);
		inode_set_free(&map->missed_once);
		map->given_up = given_up;
		map->missed_once = missed;
	} else {
		/* Only the search's memory is lost: the owners are right. */
		inode_set_free(&given_up);
	}
	inode_set_free(&unknown);
	return 0;
}

static void
attribute_entries(struct procmap *map, struct snapshot *snap, struct procmap_stats *stats)
{
	for (size_t i = 0; i < snap->n_entries; i++) {
		struct sock_entry *e = &snap->entries[i];
		uint32_t first = 0;
		size_t n;

		if (i + OWNER_PREFETCH_AHEAD < snap->n_entries)
			owner_table_prefetch(map->table, snap->entries[i + OWNER_PREFETCH_AHEAD].inode);
		e->owner = 0;
		e->n_owners = 0;
		if (e->inode == 0) {
			e->owner_status = OWNER_NONE;
			continue;
		}
		n = owner_table_lookup(map->table, e->inode, &first, NULL, 0);
		if (n > 0) {
			e->owner_status = OWNER_FOUND;
			e->owner = first;
			e->n_owners = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
			stats->found++;
		} else if (!visible(map, e)) {
			e->owner_status = OWNER_HIDDEN;
			stats->hidden++;
		} else {
			e->owner_status = OWNER_UNKNOWN;
			stats->unknown++;
		}
	}
}

/*
 * Recounts the descriptors of the processes that hold sockets and use
 * half of their soft limit or more, and reads their limits again: the
 * count a descriptor-limit finding reads must follow a process that
 * closes or opens descriptors other than new sockets (which the search
 * finds), or a limit raised with prlimit, within a sample.  procfs only:
 * the size of /proc/PID/fd is its number of open descriptors there (0 on
 * kernels before 6.2, which then wait for the next scan).
 */
static void
recount_near_limit(struct procmap *map, struct procmap_stats *stats)
{
	for (size_t i = 0; map->procfs && i < map->n_recs; i++) {
		struct proc_rec *rec = &map->recs[i];
		char path[64];
		struct stat st;

		if (rec->scanned || rec->denied || rec->n_inodes == 0 ||
		    !near_limit(rec->fds, rec->fd_limit))
			continue;
		snprintf(path, sizeof(path), "%d/fd", rec->pid);
		if (fstatat(map->root_fd, path, &st, 0) < 0 || st.st_size <= 0 ||
		    (uint64_t)st.st_size > UINT32_MAX)
			continue; /* gone, or a kernel that does not count */
		stats->fds_recounted++;
		if ((uint32_t)st.st_size != rec->fds) {
			rec->fds = (uint32_t)st.st_size;
			map->table_stale = true;
		}
		stats->limits_read++;
		if (read_limits(map->root_fd, rec))
			map->table_stale = true;
	}
}

int
procmap_attribute(struct procmap *map, struct snapshot *snap, struct procmap_stats *stats)
{
	struct procmap_stats local;
	const struct owner_table *before;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	before = map->table;
	if (refresh_processes(map, stats) < 0)
		return -1;
	recount_near_limit(map, stats);
	if ((map->table_stale || map->table == NULL) && rebuild_table(map) < 0)
		return -1;
	if (search_unknown(map, snap, stats) < 0)
		return -1;
	stats->table_rebuilt = map->table != before;
	attribute_entries(map, snap, stats);
	owner_table_unref(snap->owners);
	snap->owners = owner_table_ref(map->table);
	snap->owners_partial = !map->privileged;
	return 0;
}

struct procmap *
procmap_new(const char *proc_root, bool privileged, uid_t self_uid)
{
	struct procmap *map = calloc(1, sizeof(*map));
	struct statfs fs;

	if (map == NULL)
		return NULL;
	map->root_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (map->root_fd < 0) {
		int saved = errno;

		free(map);
		errno = saved;
		return NULL;
	}
	map->procfs = fstatfs(map->root_fd, &fs) == 0 &&
		      (unsigned long)fs.f_type == PROCMAP_PROC_SUPER_MAGIC;
	map->privileged = privileged;
	map->self_uid = self_uid;
	return map;
}

bool
procmap_may_read_all(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint64_t eff;

	/* By capabilities, not by uid: a service's ambient capabilities
	 * (AmbientCapabilities=) count, and a root without CAP_SYS_PTRACE
	 * (a container's) cannot read other users' links. */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	eff = (uint64_t)data[0].effective | (uint64_t)data[1].effective << 32;
	return (eff & (1ULL << CAP_SYS_PTRACE)) != 0 &&
	       (eff & (1ULL << CAP_DAC_READ_SEARCH | 1ULL << CAP_DAC_OVERRIDE)) != 0;
}

void
procmap_free(struct procmap *map)
{
	if (map == NULL)
		return;
	for (size_t i = 0; i < map->n_recs; i++)
		rec_clear(&map->recs[i]);
	free(map->recs);
	free(map->names);
	inode_set_free(&map->given_up);
	inode_set_free(&map->missed_once);
	inode_set_free(&map->pending);
	owner_table_unref(map->table);
	close(map->root_fd);
	free(map);
}
