/*
 * record_write.c - the recording writer: header, then one record per
 * sample, delta-encoded against the sample before.
 *
 * Sockets are matched by (network namespace, cookie) with the previous
 * sample; each record
 * lists, in the new sample's order, runs of unchanged sockets, sockets
 * with their changed fields, and new sockets written whole.  A socket of
 * the previous sample that no operation names is gone.  Every
 * RECORD_KEYFRAME_EVERY samples, and once the deltas grow past a limit,
 * a whole sample (keyframe) lets a reader start there.
 * Called by the sampler thread only (one writer, one thread).  It never
 * prints; errors come back as -1 with a cause.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "record_format.h"
#include "record_write.h"
#include "safe_file.h"

struct record_writer {
	int fd;
	bool own_fd;
	bool truncatable; /* a regular file: a partial record can be cut */
	char name[128];
	unsigned long long offset; /* bytes written */
	unsigned long samples;
	unsigned int keyframe_every;
	size_t keyframe_bytes;
	unsigned long since_key; /* deltas since the last keyframe */
	size_t delta_bytes;      /* their size */
	struct snapshot *prev;   /* the last sample written (a reference) */
	uint64_t prev_mono_ns;
	struct kcounters prev_counters;
	/* The namespace table last written, by ascending inode (empty when
	 * the last sample had none): the base of the next one. */
	struct snapshot_netns *ns_prev;
	size_t n_ns_prev, ns_prev_cap;
	struct snapshot_netns *ns_cur; /* the one being written */
	size_t ns_cur_cap;
	/* (netns, cookie) -> index in prev: open addressing, cookie 0 is
	 * stored too (used marks the slot).  Cookies are unique per
	 * namespace only on older kernels. */
	uint64_t *map_cookie;
	uint32_t *map_netns;
	uint32_t *map_index;
	uint8_t *map_used;
	size_t map_mask;
	/* The owner table last written, and the inodes whose holders were
	 * written with it (sorted). */
	struct owner_table *owners;
	uint32_t *owner_inodes;
	size_t n_owner_inodes;
	struct record_buf buf;
	int err; /* errno of the failure that ended writing */
	char failure[320];
};

static uint64_t
ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static void
set_cause(char *cause, size_t cause_len, const char *text)
{
	if (cause != NULL && cause_len > 0)
		snprintf(cause, cause_len, "%s", text);
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t done = write(fd, p, n);

		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (done == 0) {
			errno = EIO;
			return -1;
		}
		p += done;
		n -= (size_t)done;
	}
	return 0;
}

static struct record_writer *
writer_new(int fd, bool own_fd, const char *name)
{
	struct record_writer *w = calloc(1, sizeof(*w));
	struct stat st;

	if (w == NULL)
		return NULL;
	w->fd = fd;
	w->own_fd = own_fd;
	w->truncatable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->keyframe_every = RECORD_KEYFRAME_EVERY;
	w->keyframe_bytes = RECORD_KEYFRAME_BYTES;
	return w;
}

static void
writer_free(struct record_writer *w)
{
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
	snapshot_unref(w->prev);
	owner_table_unref(w->owners);
	free(w->map_cookie);
	free(w->map_netns);
	free(w->map_index);
	free(w->map_used);
	free(w->owner_inodes);
	free(w->ns_prev);
	free(w->ns_cur);
	record_buf_free(&w->buf);
	free(w);
}

static int
write_header(struct record_writer *w, char *cause, size_t cause_len)
{
	struct record_buf *b = &w->buf;
	char host[RECORD_HOST_MAX + 1] = "";
	struct timespec wall, mono;
	size_t host_len;

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[RECORD_HOST_MAX] = '\0';
	host_len = strlen(host);
	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	b->len = 0;
	record_buf_bytes(b, RECORD_MAGIC, RECORD_MAGIC_LEN);
	record_buf_le16(b, RECORD_VERSION);
	record_buf_le16(b, 0);
	record_buf_le32(b, (uint32_t)(8 + 8 + 4 + 1 + host_len + 4));
	record_buf_le64(b, ts_ns(&wall));
	record_buf_le64(b, ts_ns(&mono));
	record_buf_le32(b, w->keyframe_every);
	record_buf_u8(b, (uint8_t)host_len);
	record_buf_bytes(b, host, host_len);
	if (b->failed) {
		errno = ENOMEM;
		set_cause(cause, cause_len, "out of memory");
		return -1;
	}
	record_buf_le32(b, record_crc32(0, b->bytes, b->len));
	if (b->failed || write_all(w->fd, b->bytes, b->len) < 0) {
		int err = b->failed ? ENOMEM : errno;

		if (cause != NULL)
			snprintf(cause, cause_len, "cannot write recording '%s': %s", w->name,
			         strerror(err));
		errno = err;
		return -1;
	}
	w->offset = b->len;
	return 0;
}

/* Writes the file header for a new writer w; w, or NULL (w freed, errno
 * kept) when the header cannot be written. */
static struct record_writer *
writer_start(struct record_writer *w, char *cause, size_t cause_len)
{
	if (write_header(w, cause, cause_len) < 0) {
		int err = errno;

		writer_free(w);
		errno = err;
		return NULL;
	}
	return w;
}

struct record_writer *
record_writer_open_fd(int fd, const char *name, char *cause, size_t cause_len)
{
	struct record_writer *w = writer_new(fd, false, name);

	if (w == NULL) {
		set_cause(cause, cause_len, "out of memory");
		return NULL;
	}
	return writer_start(w, cause, cause_len);
}

/*
 * Opens the file a recording goes to (safe_file.h): a new file is created
 * with O_EXCL|O_NOFOLLOW; a symbolic link at the path is refused, never
 * followed; a FIFO or a device is written into; an existing regular file
 * is replaced only when it holds nothing worth keeping (nothing at all,
 * or an older recording), by a new file renamed over it at once, so a
 * hard link to the old one is not written through.
 */
static int
open_replacing(const char *path, char *cause, size_t cause_len)
{
	char head[RECORD_MAGIC_LEN];
	struct safe_file sf;
	struct stat st;
	ssize_t got;
	int fd = safe_file_create(path, 0, 0644);

	if (fd >= 0 || errno != EEXIST)
		goto opened;
	/* O_NONBLOCK: a FIFO without a reader yet must not hold the start. */
	fd = safe_file_open_existing(path, O_RDWR | O_NONBLOCK);
	if (fd < 0)
		goto opened;
	if (fstat(fd, &st) < 0 || fcntl(fd, F_SETFL, 0) < 0) {
		close(fd);
		fd = -1;
		goto opened;
	}
	if (!S_ISREG(st.st_mode))
		return fd; /* a FIFO or a device: write into it */
	got = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (st.st_size != 0 &&
	    !(got == (ssize_t)sizeof(head) && record_format_is_recording(head, sizeof(head)))) {
		if (cause != NULL)
			snprintf(cause, cause_len,
			         "'%s' exists and is not a tcpdeck recording: not replacing it "
			         "(remove it or choose another name)",
			         path);
		errno = EEXIST;
		return -1;
	}
	fd = -1;
	if (safe_file_begin(&sf, path, 0644) == 0) {
		fd = fcntl(sf.fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			safe_file_abort(&sf);
		else if (safe_file_commit(&sf) < 0) {
			int err = errno;

			close(fd);
			fd = -1;
			errno = err;
		}
	}
opened:
	if (fd < 0 && cause != NULL) {
		int err = errno;

		snprintf(cause, cause_len, "cannot create recording '%s': %s", path,
			 safe_file_strerror(err));
		errno = err;
	}
	return fd;
}

struct record_writer *
record_writer_open(const char *path, char *cause, size_t cause_len)
{
	struct record_writer *w;
	bool is_stdout = strcmp(path, "-") == 0;
	int fd = is_stdout ? STDOUT_FILENO : open_replacing(path, cause, cause_len);

	if (fd < 0)
		return NULL;
	w = writer_new(fd, !is_stdout, is_stdout ? "standard output" : path);
	if (w == NULL) {
		if (!is_stdout)
			close(fd);
		set_cause(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	return writer_start(w, cause, cause_len);
}

void
record_writer_set_keyframes(struct record_writer *w, unsigned int every, size_t max_delta_bytes)
{
	w->keyframe_every = every > 0 ? every : 1;
	w->keyframe_bytes = max_delta_bytes > 0 ? max_delta_bytes : 1;
}

/* ---------------------------------------------------------------- cookies */


static size_t
map_slot(const struct record_writer *w, uint32_t netns, uint64_t cookie)
{
	return (size_t)hash_u64(cookie ^ ((uint64_t)netns << 32 | netns)) & w->map_mask;
}

/* Indexes the entries of snap by (netns, cookie) (the first of equal keys
 * wins). */
static int
map_build(struct record_writer *w, const struct snapshot *snap)
{
	size_t slots = 16;

	while (slots < snap->n_entries * 2)
		slots *= 2;
	if (slots - 1 != w->map_mask || w->map_used == NULL) {
		free(w->map_cookie);
		free(w->map_netns);
		free(w->map_index);
		free(w->map_used);
		w->map_cookie = malloc(slots * sizeof(*w->map_cookie));
		w->map_netns = malloc(slots * sizeof(*w->map_netns));
		w->map_index = malloc(slots * sizeof(*w->map_index));
		w->map_used = malloc(slots);
		if (w->map_cookie == NULL || w->map_netns == NULL || w->map_index == NULL ||
		    w->map_used == NULL) {
			free(w->map_cookie);
			free(w->map_netns);
			free(w->map_index);
			free(w->map_used);
			w->map_cookie = NULL;
			w->map_netns = NULL;
			w->map_index = NULL;
			w->map_used = NULL;
			errno = ENOMEM;
			return -1;
		}
		w->map_mask = slots - 1;
	}
	memset(w->map_used, 0, slots);
	for (size_t i = 0; i < snap->n_entries; i++) {
		uint64_t cookie = snap->entries[i].cookie;
		uint32_t netns = snap->entries[i].netns;
		size_t slot = map_slot(w, netns, cookie);

		while (w->map_used[slot] &&
		       !(w->map_cookie[slot] == cookie && w->map_netns[slot] == netns))
			slot = (slot + 1) & w->map_mask;
		if (w->map_used[slot])
			continue;
		w->map_used[slot] = 1;
		w->map_cookie[slot] = cookie;
		w->map_netns[slot] = netns;
		w->map_index[slot] = (uint32_t)i;
	}
	return 0;
}

static bool
map_find(const struct record_writer *w, uint32_t netns, uint64_t cookie, size_t *index)
{
	size_t slot = map_slot(w, netns, cookie);

	while (w->map_used[slot]) {
		if (w->map_cookie[slot] == cookie && w->map_netns[slot] == netns) {
			*index = w->map_index[slot];
			return true;
		}
		slot = (slot + 1) & w->map_mask;
	}
	return false;
}

/* ---------------------------------------------------------------- owners */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool
inode_written(const struct record_writer *w, uint32_t inode)
{
	return bsearch(&inode, w->owner_inodes, w->n_owner_inodes, sizeof(inode), cmp_u32) != NULL;
}

/* The table needs writing when it is another table than the one last
 * written, or when a socket holds an inode whose holders were not written
 * with it (a socket that appeared while the table stayed the same). */
static bool
owners_need_writing(const struct record_writer *w, const struct snapshot *snap)
{
	if (snap->owners != w->owners)
		return true;
	for (size_t i = 0; i < snap->n_entries; i++) {
		uint32_t inode = snap->entries[i].inode;

		if (inode != 0 && !inode_written(w, inode) &&
		    owner_table_lookup(snap->owners, inode, NULL, NULL, 0) > 0)
			return true;
	}
	return false;
}

static void
put_string(struct record_buf *b, const char *s, size_t max)
{
	size_t len = s == NULL ? 0 : max == SIZE_MAX ? strlen(s) : strnlen(s, max);

	record_buf_varint(b, len);
	record_buf_bytes(b, s, len);
}

/* The holders of `inode` in *holders (grown as needed); their count, or
 * SIZE_MAX when out of memory. */
static size_t
inode_holders(const struct owner_table *t, uint32_t inode, uint32_t **holders, size_t *cap)
{
	size_t n = owner_table_lookup(t, inode, NULL, NULL, 0);

	if (n > *cap) {
		uint32_t *more = realloc(*holders, n * sizeof(*more));

		if (more == NULL)
			return SIZE_MAX;
		*holders = more;
		*cap = n;
	}
	return n == 0 ? 0 : owner_table_lookup(t, inode, NULL, *holders, n);
}

/* Writes the processes, then for every inode of the sample's sockets
 * that has holders, all of them; remembers which inodes were covered.
 * A process that holds none of the sample's sockets (on a busy host, most
 * of them: other namespaces, other protocols) is written as an empty
 * placeholder (pid 0, no names), so that the indexes the entries carry
 * stay those of the live table while its strings are left out. */
static int
put_owners(struct record_writer *w, const struct snapshot *snap)
{
	struct record_buf *b = &w->buf;
	const struct owner_table *t = snap->owners;
	size_t n_procs = owner_table_procs(t), n_inodes = 0, n_links = 0, count_at;
	uint32_t *inodes = malloc((snap->n_entries + 1) * sizeof(*inodes));
	bool *needed = calloc(n_procs + 1, sizeof(*needed));
	uint32_t *holders = NULL;
	size_t holders_cap = 0;
	uint32_t last = 0;

	if (inodes == NULL || needed == NULL)
		goto fail;
	for (size_t i = 0; i < snap->n_entries; i++)
		if (snap->entries[i].inode != 0)
			inodes[n_inodes++] = snap->entries[i].inode;
	qsort(inodes, n_inodes, sizeof(*inodes), cmp_u32);
	{
		size_t u = 0;

		for (size_t i = 0; i < n_inodes; i++)
			if (u == 0 || inodes[u - 1] != inodes[i])
				inodes[u++] = inodes[i];
		n_inodes = u;
	}
	for (size_t i = 0; i < n_inodes; i++) {
		size_t n = inode_holders(t, inodes[i], &holders, &holders_cap);

		if (n == SIZE_MAX)
			goto fail;
		for (size_t k = 0; k < n; k++)
			needed[holders[k]] = true;
	}
	record_buf_varint(b, n_procs);
	for (size_t i = 0; i < n_procs; i++) {
		const struct owner_proc *p = owner_table_proc(t, (uint32_t)i);

		if (!needed[i]) {
			record_buf_bytes(b, "\0\0\0\0\0\0\0\0\0", RECORD_PROC_PLACEHOLDER);
			continue;
		}
		record_buf_varint(b, record_zigzag(p->pid));
		record_buf_varint(b, p->uid);
		record_buf_varint(b, p->start_time);
		put_string(b, p->comm, sizeof(p->comm));
		put_string(b, p->cmdline, SIZE_MAX);
		put_string(b, p->user, SIZE_MAX);
		record_buf_varint(b, p->fds);
		record_buf_varint(b, p->fd_limit);
		record_buf_varint(b, p->fd_limit_hard);
	}
	/* The link count is only known at the end: reserve a fixed-width
	 * varint (5 bytes) and fill it in. */
	count_at = b->len;
	record_buf_bytes(b, "\x80\x80\x80\x80\x00", 5);
	for (size_t i = 0; i < n_inodes; i++) {
		size_t n = inode_holders(t, inodes[i], &holders, &holders_cap);

		if (n == SIZE_MAX)
			goto fail;
		if (n == 0)
			continue;
		record_buf_varint(b, inodes[i] - last);
		last = inodes[i];
		record_buf_varint(b, n);
		for (size_t k = 0; k < n; k++)
			record_buf_varint(b, holders[k]);
		n_links++;
	}
	free(holders);
	free(needed);
	if (!b->failed)
		for (int k = 0; k < 5; k++)
			b->bytes[count_at + (size_t)k] =
			    (uint8_t)(((n_links >> (7 * k)) & 0x7f) | (k < 4 ? 0x80 : 0));
	free(w->owner_inodes);
	w->owner_inodes = inodes;
	w->n_owner_inodes = n_inodes;
	owner_table_unref(w->owners);
	w->owners = owner_table_ref(snap->owners);
	return 0;

fail:
	free(holders);
	free(needed);
	free(inodes);
	return -1;
}

/* ---------------------------------------------------------------- entries */

static bool
same_identity(const struct sock_entry *a, const struct sock_entry *b)
{
	return sock_entry_same(a, b) && a->family == b->family && a->local_port == b->local_port &&
	       a->remote_port == b->remote_port && memcmp(a->local_addr, b->local_addr, 16) == 0 &&
	       memcmp(a->remote_addr, b->remote_addr, 16) == 0;
}

static bool
short_addr(const uint8_t *addr)
{
	for (int i = 4; i < 16; i++)
		if (addr[i] != 0)
			return false;
	return true;
}

/* A socket written whole; netns_base is the namespace of the socket
 * written just before in this sample (0 before the first), against which
 * its own is written (RECORD_FIELD_NETNS). */
static void
put_new(struct record_buf *b, const struct sock_entry *e, uint32_t netns_base)
{
	uint8_t form = (short_addr(e->local_addr) ? 0 : 1) | (short_addr(e->remote_addr) ? 0 : 2);
	uint64_t mask = 0;

	record_buf_u8(b, RECORD_OP_NEW);
	record_buf_varint(b, e->cookie);
	record_buf_u8(b, e->family);
	record_buf_u8(b, form);
	record_buf_bytes(b, e->local_addr, (form & 1) ? 16 : 4);
	record_buf_bytes(b, e->remote_addr, (form & 2) ? 16 : 4);
	record_buf_le16(b, e->local_port);
	record_buf_le16(b, e->remote_port);
	for (unsigned int f = 0; f < RECORD_FIELD_COUNT; f++)
		if (record_field_get(e, f) != (f == RECORD_FIELD_NETNS ? netns_base : 0))
			mask |= (uint64_t)1 << f;
	record_buf_varint(b, mask);
	for (unsigned int f = 0; f < RECORD_FIELD_COUNT; f++)
		if (mask & ((uint64_t)1 << f))
			record_buf_varint(b, record_field_get(e, f));
}

/* Bit f set when field f differs from its prediction. */
static uint64_t
change_mask(const struct sock_entry *prev, const struct sock_entry *cur, uint32_t elapsed_ms)
{
	struct sock_entry predicted = *prev;
	uint64_t mask = 0;

	/* Most sockets of a busy host only age: one comparison settles it
	 * (its only padding, 4 bytes at the end, is zero in entries made
	 * by snapshot_add(); should it differ, the fields below are
	 * compared one by one, which gives the same mask). */
	record_predict_clocks(prev, &predicted, elapsed_ms);
	if (memcmp(&predicted, cur, sizeof(predicted)) == 0)
		return 0;
	for (unsigned int f = 0; f < RECORD_FIELD_COUNT; f++)
		if (record_field_get(cur, f) != record_field_predict(prev, f, elapsed_ms))
			mask |= (uint64_t)1 << f;
	return mask;
}

struct run {
	size_t start, len; /* in prev; len 0: none pending */
};

static void
flush_run(struct record_buf *b, struct run *run, size_t *expected)
{
	if (run->len == 0)
		return;
	record_buf_u8(b, RECORD_OP_COPY);
	record_buf_varint(b, record_zigzag((int64_t)run->start - (int64_t)*expected));
	record_buf_varint(b, run->len);
	*expected = run->start + run->len;
	run->len = 0;
}

static void
put_entries(struct record_writer *w, const struct snapshot *snap, bool keyframe,
            uint32_t elapsed_ms)
{
	struct record_buf *b = &w->buf;
	const struct snapshot *prev = keyframe ? NULL : w->prev;
	struct run run = {0, 0};
	size_t expected = 0;

	for (size_t i = 0; i < snap->n_entries; i++) {
		const struct sock_entry *e = &snap->entries[i];
		size_t j;
		uint64_t mask;

		if (prev == NULL || !map_find(w, e->netns, e->cookie, &j) ||
		    !same_identity(&prev->entries[j], e)) {
			flush_run(b, &run, &expected);
			put_new(b, e, i > 0 ? snap->entries[i - 1].netns : 0);
			continue;
		}
		mask = change_mask(&prev->entries[j], e, elapsed_ms);
		if (mask == 0) {
			if (run.len > 0 && j == run.start + run.len) {
				run.len++;
				continue;
			}
			flush_run(b, &run, &expected);
			run.start = j;
			run.len = 1;
			continue;
		}
		flush_run(b, &run, &expected);
		record_buf_u8(b, RECORD_OP_CHANGE);
		record_buf_varint(b, record_zigzag((int64_t)j - (int64_t)expected));
		record_buf_varint(b, mask);
		for (unsigned int f = 0; f < RECORD_FIELD_COUNT; f++)
			if (mask & ((uint64_t)1 << f))
				record_buf_varint(b, record_zigzag(record_field_diff(
				                         f, record_field_get(e, f),
				                         record_field_predict(&prev->entries[j], f,
				                                              elapsed_ms))));
		expected = j + 1;
	}
	flush_run(b, &run, &expected);
}

/* ---------------------------------------------------------------- samples */

static void
put_counters(struct record_buf *b, const struct kcounters *kc, const struct kcounters *base)
{
	uint64_t changed = 0;

	for (unsigned int i = 0; i < KC_COUNT; i++)
		if (kc->value[i] != base->value[i])
			changed |= (uint64_t)1 << i;
	record_buf_varint(b, kc->present);
	record_buf_varint(b, changed);
	for (unsigned int i = 0; i < KC_COUNT; i++)
		if (changed & ((uint64_t)1 << i))
			record_buf_varint(b,
			                  record_zigzag((int64_t)(kc->value[i] - base->value[i])));
}

static int
netns_by_inode(const void *a, const void *b)
{
	uint32_t x = ((const struct snapshot_netns *)a)->info.inode;
	uint32_t y = ((const struct snapshot_netns *)b)->info.inode;

	return x < y ? -1 : x > y;
}

static bool
same_netns_info(const struct netns_info *a, const struct netns_info *b)
{
	return a->kind == b->kind && a->pid == b->pid &&
	       strncmp(a->runtime, b->runtime, sizeof(a->runtime)) == 0 &&
	       strncmp(a->name, b->name, sizeof(a->name)) == 0 &&
	       strncmp(a->id, b->id, sizeof(a->id)) == 0;
}

/* The sample's namespace table, by ascending inode (a sealed snapshot's
 * order; a table that is not sorted is sorted here, and of namespaces
 * listed twice the first is kept).  Each namespace's names are written
 * when they differ from the previous sample's namespace of the same
 * inode (always in a keyframe); its counters as differences to that
 * namespace's.  Remembers the table as the base of the next sample.
 * Returns 0, or -1 when out of memory. */
static int
put_netns(struct record_writer *w, const struct snapshot *snap, bool keyframe)
{
	struct record_buf *b = &w->buf;
	static const struct kcounters zero_counters;
	struct snapshot_netns *cur;
	size_t n = 0, j = 0;
	uint32_t last = 0;

	if (snap->n_netns > w->ns_cur_cap) {
		cur = realloc(w->ns_cur, snap->n_netns * sizeof(*cur));
		if (cur == NULL)
			return -1;
		w->ns_cur = cur;
		w->ns_cur_cap = snap->n_netns;
	}
	cur = w->ns_cur;
	memcpy(cur, snap->netns, snap->n_netns * sizeof(*cur));
	qsort(cur, snap->n_netns, sizeof(*cur), netns_by_inode);
	for (size_t i = 0; i < snap->n_netns; i++)
		if (n == 0 || cur[n - 1].info.inode != cur[i].info.inode)
			cur[n++] = cur[i];
	put_string(b, snap->netns_note, RECORD_NETNS_NOTE_MAX);
	record_buf_varint(b, n);
	for (size_t i = 0; i < n; i++) {
		const struct snapshot_netns *ns = &cur[i];
		const struct snapshot_netns *old = NULL;
		uint8_t flags = 0;

		/* Both tables ascend: one walk finds the old namespaces. */
		while (!keyframe && j < w->n_ns_prev && w->ns_prev[j].info.inode < ns->info.inode)
			j++;
		if (!keyframe && j < w->n_ns_prev && w->ns_prev[j].info.inode == ns->info.inode)
			old = &w->ns_prev[j];
		if (old == NULL || !same_netns_info(&old->info, &ns->info))
			flags |= RECORD_NETNS_INFO;
		if (ns->counters.present != 0)
			flags |= RECORD_NETNS_COUNTERS;
		if (ns->nfct.present)
			flags |= RECORD_NETNS_NFCT;
		record_buf_varint(b, ns->info.inode - last);
		last = ns->info.inode;
		record_buf_u8(b, flags);
		if (flags & RECORD_NETNS_INFO) {
			record_buf_u8(b, ns->info.kind);
			record_buf_varint(b, record_zigzag(ns->info.pid));
			put_string(b, ns->info.runtime, RECORD_NETNS_RUNTIME_MAX);
			put_string(b, ns->info.name, RECORD_NETNS_NAME_MAX);
			put_string(b, ns->info.id, RECORD_NETNS_ID_MAX);
		}
		/* The base: the previous sample's counters of this
		 * namespace (all zero when it had none). */
		if (flags & RECORD_NETNS_COUNTERS)
			put_counters(b, &ns->counters, old != NULL ? &old->counters : &zero_counters);
		if (flags & RECORD_NETNS_NFCT) {
			record_buf_varint(b, ns->nfct.count);
			record_buf_varint(b, ns->nfct.max);
			record_buf_varint(b, ns->nfct.buckets);
		}
	}
	/* What the reader now has: the names as written (cut to their
	 * longest), the counters only when present. */
	for (size_t i = 0; i < n; i++) {
		cur[i].info.runtime[RECORD_NETNS_RUNTIME_MAX] = '\0';
		cur[i].info.name[RECORD_NETNS_NAME_MAX] = '\0';
		cur[i].info.id[RECORD_NETNS_ID_MAX] = '\0';
		if (cur[i].counters.present == 0)
			memset(&cur[i].counters, 0, sizeof(cur[i].counters));
	}
	{
		size_t cap = w->ns_cur_cap;

		w->ns_cur = w->ns_prev;
		w->ns_cur_cap = w->ns_prev_cap;
		w->ns_prev = cur;
		w->ns_prev_cap = cap;
	}
	w->n_ns_prev = n;
	return 0;
}

/* Stops recording for good and makes the cause the one reported from now
 * on.  A partial record is cut off so the file ends at a whole sample. */
static int
fail(struct record_writer *w, int err, unsigned long long record_start, char *cause,
     size_t cause_len)
{
	if (w->truncatable && record_start > 0)
		(void)!ftruncate(w->fd, (off_t)record_start);
	w->err = err;
	snprintf(w->failure, sizeof(w->failure),
	         "recording to '%s' stopped: %s; the %lu sample(s) before are kept", w->name,
	         strerror(err), w->samples);
	set_cause(cause, cause_len, w->failure);
	errno = err;
	return -1;
}

/* The interval's closes (version 5): each whole, since a closed socket
 * is gone from every later sample. */
static void
put_closes(struct record_buf *b, const struct snapshot *snap)
{
	record_buf_varint(b, snap->closes_lost);
	record_buf_varint(b, snap->n_closed);
	for (size_t i = 0; i < snap->n_closed; i++) {
		const struct sock_close *c = &snap->closed[i];
		const struct sock_entry *e = &c->entry;
		size_t alen = e->family == AF_INET ? 4 : 16;

		record_buf_varint(b, c->time_ns);
		record_buf_u8(b, e->family);
		record_buf_u8(b, e->state);
		record_buf_u8(b, e->flags);
		record_buf_bytes(b, e->local_addr, alen);
		record_buf_bytes(b, e->remote_addr, alen);
		record_buf_le16(b, e->local_port);
		record_buf_le16(b, e->remote_port);
		record_buf_varint(b, e->cookie);
		record_buf_varint(b, e->netns);
		record_buf_varint(b, e->bytes_acked);
		record_buf_varint(b, e->bytes_received);
		record_buf_varint(b, e->rtt_us);
		record_buf_varint(b, e->rttvar_us);
		record_buf_varint(b, e->snd_cwnd);
		record_buf_varint(b, e->total_retrans);
		record_buf_varint(b, e->segs_in);
		record_buf_varint(b, e->segs_out);
	}
}

static int
write_record(struct record_writer *w, uint8_t type, char *cause, size_t cause_len)
{
	struct record_buf *b = &w->buf;
	uint32_t crc;

	if (b->failed)
		return fail(w, ENOMEM, 0, cause, cause_len);
	if (b->len - RECORD_FRAME_LEN > RECORD_PAYLOAD_MAX)
		return fail(w, EFBIG, 0, cause, cause_len);
	b->bytes[0] = type;
	for (int k = 0; k < 4; k++)
		b->bytes[1 + k] = (uint8_t)((b->len - RECORD_FRAME_LEN) >> (8 * k));
	crc = record_crc32(0, b->bytes, 5);
	crc = record_crc32(crc, b->bytes + RECORD_FRAME_LEN, b->len - RECORD_FRAME_LEN);
	for (int k = 0; k < 4; k++)
		b->bytes[5 + k] = (uint8_t)(crc >> (8 * k));
	if (write_all(w->fd, b->bytes, b->len) < 0)
		return fail(w, errno, w->offset, cause, cause_len);
	w->offset += b->len;
	return 0;
}

int
record_writer_add(struct record_writer *w, const struct snapshot *snap, char *cause,
                  size_t cause_len)
{
	struct record_buf *b = &w->buf;
	static const struct kcounters zero_counters;
	const struct kcounters *base;
	uint64_t mono = ts_ns(&snap->taken_mono);
	uint32_t elapsed_ms = (uint32_t)((mono - w->prev_mono_ns) / 1000000u);
	bool keyframe;
	bool owners_new = false;
	uint8_t flags = 0;
	size_t payload_at;

	if (w->err != 0) {
		set_cause(cause, cause_len, w->failure);
		errno = w->err;
		return -1;
	}
	keyframe = w->prev == NULL || w->since_key + 1 >= w->keyframe_every ||
	           w->delta_bytes >= w->keyframe_bytes;
	if (snap->owners != NULL) {
		flags |= RECORD_SAMPLE_OWNERS;
		owners_new = keyframe || owners_need_writing(w, snap);
		if (owners_new)
			flags |= RECORD_SAMPLE_OWNERS_NEW;
	} else if (w->owners != NULL) {
		/* The reader forgets the table at a sample without one: the
		 * next sample with a table must write it again. */
		owner_table_unref(w->owners);
		w->owners = NULL;
		w->n_owner_inodes = 0;
	}
	if (snap->owners_partial)
		flags |= RECORD_SAMPLE_OWNERS_PARTIAL;
	if (snap->counters.present != 0)
		flags |= RECORD_SAMPLE_COUNTERS;
	if (snap->nfct.present)
		flags |= RECORD_SAMPLE_NFCT;
	if (snap->n_netns > 0)
		flags |= RECORD_SAMPLE_NETNS;
	if (snap->has_closes)
		flags |= RECORD_SAMPLE_CLOSES;
	b->len = 0;
	b->failed = false;
	record_buf_bytes(b, "\0\0\0\0\0\0\0\0\0", RECORD_FRAME_LEN); /* filled last */
	payload_at = b->len;
	record_buf_varint(b, w->samples);
	record_buf_varint(b, mono);
	record_buf_varint(b, ts_ns(&snap->taken_wall));
	record_buf_varint(b, snap->sample_ns);
	record_buf_varint(b, snap->dump_restarts);
	record_buf_varint(b, snap->interval_ns);
	record_buf_u8(b, flags);
	record_buf_varint(b, snap->n_entries);
	if (owners_new && put_owners(w, snap) < 0)
		return fail(w, ENOMEM, 0, cause, cause_len);
	base = keyframe ? &zero_counters : &w->prev_counters;
	if (flags & RECORD_SAMPLE_COUNTERS)
		put_counters(b, &snap->counters, base);
	if (flags & RECORD_SAMPLE_NFCT) {
		record_buf_varint(b, snap->nfct.count);
		record_buf_varint(b, snap->nfct.max);
		record_buf_varint(b, snap->nfct.buckets);
	}
	if (flags & RECORD_SAMPLE_NETNS) {
		if (put_netns(w, snap, keyframe) < 0)
			return fail(w, ENOMEM, 0, cause, cause_len);
	} else {
		w->n_ns_prev = 0; /* the reader has no table either */
	}
	if (flags & RECORD_SAMPLE_CLOSES)
		put_closes(b, snap);
	if (!keyframe && map_build(w, w->prev) < 0)
		return fail(w, ENOMEM, 0, cause, cause_len);
	put_entries(w, snap, keyframe, elapsed_ms);
	if (write_record(w, keyframe ? RECORD_KEYFRAME : RECORD_DELTA, cause, cause_len) < 0)
		return -1;
	if (keyframe) {
		w->since_key = 0;
		w->delta_bytes = 0;
	} else {
		w->since_key++;
		w->delta_bytes += b->len - payload_at;
	}
	w->samples++;
	snapshot_unref(w->prev);
	w->prev = snapshot_ref((struct snapshot *)snap);
	w->prev_mono_ns = mono;
	if (flags & RECORD_SAMPLE_COUNTERS)
		w->prev_counters = snap->counters;
	else
		memset(&w->prev_counters, 0, sizeof(w->prev_counters));
	/* The reader's previous counters are zero without them: match it. */
	return 0;
}

unsigned long
record_writer_samples(const struct record_writer *w)
{
	return w->samples;
}

unsigned long long
record_writer_bytes(const struct record_writer *w)
{
	return w->offset;
}

int
record_writer_close(struct record_writer *w, char *cause, size_t cause_len)
{
	int rc = 0, err = 0;

	if (w == NULL)
		return 0;
	if (w->err == 0) {
		w->buf.len = 0;
		w->buf.failed = false;
		record_buf_bytes(&w->buf, "\0\0\0\0\0\0\0\0\0", RECORD_FRAME_LEN);
		record_buf_varint(&w->buf, w->samples);
		if (write_record(w, RECORD_END, cause, cause_len) < 0) {
			rc = -1;
			err = errno;
		}
	} else {
		set_cause(cause, cause_len, w->failure);
		rc = -1;
		err = w->err;
	}
	if (w->own_fd && w->fd >= 0 && close(w->fd) < 0 && rc == 0) {
		err = errno;
		rc = -1;
		if (cause != NULL)
			snprintf(cause, cause_len, "cannot write recording '%s': %s", w->name,
			         strerror(err));
	}
	w->fd = -1;
	writer_free(w);
	errno = err;
	return rc;
}
