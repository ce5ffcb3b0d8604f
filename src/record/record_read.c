/*
 * record_read.c - the recording reader: checks the header, indexes the
 * sample records as it reads ahead, and decodes samples on demand.
 *
 * Bytes come from one of three inputs: memory, a file read with pread()
 * (seekable: any sample can be decoded again from its keyframe), or a
 * pipe read once in order (raw records of the last few keyframe groups
 * are kept in memory to step back).  Decoding works on a record's bytes
 * only, through a bounds-checked cursor: every count and index read from
 * the file is checked before it is used, so a corrupt or hostile file
 * yields an error, never a crash.
 * One thread at a time; nothing here prints or exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record_format.h"
#include "record_read.h"

enum input_kind {
	INPUT_MEM,
	INPUT_FILE,
	INPUT_PIPE,
};

struct index_entry {
	uint64_t offset; /* of the record's frame */
	uint32_t len;    /* payload length */
	uint8_t type;
	uint64_t mono_ns, wall_ns;
	size_t key;   /* index of the keyframe this sample decodes from */
	uint8_t *raw; /* pipe: the payload, while kept */
};

/* One decoded sample. */
struct state {
	struct sock_entry *e;
	size_t n, cap;
	struct owner_table *owners;
	struct kcounters counters;
	struct snapshot_nfct nfct;
	/* The namespace table (version 4), by ascending inode; counts and
	 * totals are left to snapshot_seal(). */
	struct snapshot_netns *ns;
	size_t n_ns, ns_cap;
	bool has_ns;
	char ns_note[RECORD_NETNS_NOTE_MAX + 1];
	uint64_t mono_ns, wall_ns, sample_ns;
	uint64_t interval_ns; /* 0 in a version 1 recording */
	unsigned int restarts;
	bool partial;
	/* The interval's closes (version 5). */
	bool has_closes;
	uint64_t closes_lost;
	struct sock_close *closed;
	size_t n_closed, closed_cap;
};

struct record_reader {
	enum input_kind kind;
	int fd;
	const uint8_t *mem;
	size_t mem_len;
	uint64_t pipe_pos; /* bytes read from the pipe */
	char name[128];
	struct record_info info;
	uint64_t scan_off; /* where the next record starts */
	bool finished;
	bool failed; /* a corrupt record or read error stops the index */
	int fail_errno;
	char error[320];
	char note[320];
	struct index_entry *idx;
	size_t n, cap;
	size_t kept_bytes; /* pipe: raw payloads held */
	size_t first_kept;
	uint8_t *scratch;
	size_t scratch_cap;
	struct state cur, next;
	bool cur_valid;
	size_t cur_i;
};

static void
set_cause(char *cause, size_t cause_len, const char *text)
{
	if (cause != NULL && cause_len > 0)
		snprintf(cause, cause_len, "%s", text);
}

/* Up to n bytes at off; fewer only at the end of the input.  -1 on a
 * read error (errno). */
static ssize_t
read_at(struct record_reader *r, uint64_t off, void *buf, size_t n)
{
	size_t got = 0;

	if (r->kind == INPUT_MEM) {
		if (off >= r->mem_len)
			return 0;
		got = r->mem_len - (size_t)off < n ? r->mem_len - (size_t)off : n;
		memcpy(buf, r->mem + off, got);
		return (ssize_t)got;
	}
	if (r->kind == INPUT_PIPE && off != r->pipe_pos) {
		errno = ESPIPE;
		return -1;
	}
	while (got < n) {
		ssize_t k = r->kind == INPUT_FILE
		                ? pread(r->fd, (uint8_t *)buf + got, n - got, (off_t)(off + got))
		                : read(r->fd, (uint8_t *)buf + got, n - got);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (r->kind == INPUT_PIPE)
		r->pipe_pos += got;
	return (ssize_t)got;
}

/* Bytes of the input from off on, as far as known now (files: their
 * current size); SIZE_MAX when unknown (a pipe). */
static uint64_t
available_from(struct record_reader *r, uint64_t off)
{
	struct stat st;

	if (r->kind == INPUT_MEM)
		return off < r->mem_len ? r->mem_len - off : 0;
	if (r->kind == INPUT_FILE && fstat(r->fd, &st) == 0)
		return (uint64_t)st.st_size > off ? (uint64_t)st.st_size - off : 0;
	return UINT64_MAX;
}

/* ---------------------------------------------------------------- header */

static int
read_header(struct record_reader *r, char *cause, size_t cause_len)
{
	uint8_t fixed[RECORD_HEADER_FIXED], rest[RECORD_HEADER_MAX];
	struct record_cur c;
	uint32_t hlen, crc;
	uint64_t wall, mono;
	size_t host_len;
	ssize_t got = read_at(r, 0, fixed, sizeof(fixed));

	if (got < 0) {
		snprintf(cause, cause_len, "cannot read '%s': %s", r->name, strerror(errno));
		return -1;
	}
	if (!record_format_is_recording(fixed, (size_t)got)) {
		snprintf(cause, cause_len, "'%s' is not a tcpdeck recording (no tcpdeck header)",
		         r->name);
		errno = EINVAL;
		return -1;
	}
	if (got < (ssize_t)sizeof(fixed)) {
		snprintf(cause, cause_len, "'%s' is cut inside its header (%zd bytes)", r->name,
		         got);
		errno = EINVAL;
		return -1;
	}
	r->info.version = (unsigned int)fixed[8] | (unsigned int)fixed[9] << 8;
	r->info.flags = (unsigned int)fixed[10] | (unsigned int)fixed[11] << 8;
	hlen = record_le32(fixed + 12);
	if (r->info.version < RECORD_VERSION_OLDEST || r->info.version > RECORD_VERSION) {
		snprintf(cause, cause_len,
		         "'%s' is a tcpdeck recording of format version %u; this tcpdeck reads "
		         "versions %u to %u",
		         r->name, r->info.version, RECORD_VERSION_OLDEST, RECORD_VERSION);
		errno = ENOTSUP;
		return -1;
	}
	if (hlen < 8 + 8 + 4 + 1 + 4 || hlen > RECORD_HEADER_MAX) {
		snprintf(cause, cause_len, "'%s': corrupt header (length %u)", r->name, hlen);
		errno = EINVAL;
		return -1;
	}
	got = read_at(r, sizeof(fixed), rest, hlen);
	if (got < 0) {
		snprintf(cause, cause_len, "cannot read '%s': %s", r->name, strerror(errno));
		return -1;
	}
	if ((size_t)got < hlen) {
		snprintf(cause, cause_len, "'%s' is cut inside its header", r->name);
		errno = EINVAL;
		return -1;
	}
	crc = record_crc32(record_crc32(0, fixed, sizeof(fixed)), rest, hlen - 4);
	if (crc != record_le32(rest + hlen - 4)) {
		snprintf(cause, cause_len, "'%s': corrupt header (checksum mismatch)", r->name);
		errno = EINVAL;
		return -1;
	}
	if (r->info.flags & RECORD_FLAGS_REQUIRED) {
		snprintf(cause, cause_len,
		         "'%s' uses recording features this tcpdeck does not know (flags 0x%x)",
		         r->name, r->info.flags);
		errno = ENOTSUP;
		return -1;
	}
	c = (struct record_cur){.p = rest, .left = hlen - 4};
	wall = record_cur_le64(&c);
	mono = record_cur_le64(&c);
	r->info.keyframe_every = record_cur_le32(&c);
	host_len = record_cur_u8(&c);
	if (host_len > c.left)
		c.bad = true;
	else
		record_cur_bytes(&c, r->info.host, host_len);
	if (c.bad) {
		snprintf(cause, cause_len, "'%s': corrupt header (host name)", r->name);
		errno = EINVAL;
		return -1;
	}
	r->info.host[host_len] = '\0';
	r->info.start_wall.tv_sec = (time_t)(wall / 1000000000u);
	r->info.start_wall.tv_nsec = (long)(wall % 1000000000u);
	r->info.start_mono.tv_sec = (time_t)(mono / 1000000000u);
	r->info.start_mono.tv_nsec = (long)(mono % 1000000000u);
	r->scan_off = sizeof(fixed) + hlen;
	return 0;
}

static struct record_reader *
reader_new(enum input_kind kind, int fd, const char *name)
{
	struct record_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->kind = kind;
	r->fd = fd;
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static struct record_reader *
reader_start(struct record_reader *r, char *cause, size_t cause_len)
{
	if (read_header(r, cause, cause_len) < 0) {
		int err = errno;

		record_reader_free(r);
		errno = err;
		return NULL;
	}
	return r;
}

struct record_reader *
record_reader_open_fd(int fd, const char *name, char *cause, size_t cause_len)
{
	struct stat st;
	struct record_reader *r;

	if (fstat(fd, &st) < 0) {
		snprintf(cause, cause_len, "cannot read '%s': %s", name, strerror(errno));
		close(fd);
		return NULL;
	}
	r = reader_new(S_ISREG(st.st_mode) ? INPUT_FILE : INPUT_PIPE, fd, name);
	if (r == NULL) {
		close(fd);
		set_cause(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	return reader_start(r, cause, cause_len);
}

struct record_reader *
record_reader_open(const char *path, char *cause, size_t cause_len)
{
	int fd;

	if (strcmp(path, "-") == 0) {
		fd = dup(STDIN_FILENO);
		path = "standard input";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		int err = errno;

		snprintf(cause, cause_len, "cannot read '%s': %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	return record_reader_open_fd(fd, path, cause, cause_len);
}

struct record_reader *
record_reader_open_mem(const void *bytes, size_t len, const char *name, char *cause,
                       size_t cause_len)
{
	struct record_reader *r = reader_new(INPUT_MEM, -1, name);

	if (r == NULL) {
		set_cause(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	r->mem = bytes;
	r->mem_len = len;
	return reader_start(r, cause, cause_len);
}

const struct record_info *
record_reader_info(const struct record_reader *r)
{
	return &r->info;
}

/* ---------------------------------------------------------------- index */

/* The index stops here for good: corruption or a read error. */
static int scan_failed(struct record_reader *r, int err, char *cause, size_t cause_len,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
scan_failed(struct record_reader *r, int err, char *cause, size_t cause_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->failed = true;
	r->finished = true;
	r->fail_errno = err;
	r->note[0] = '\0';
	set_cause(cause, cause_len, r->error);
	errno = err;
	return -1;
}

/* The input ends inside a record (or between records without the end
 * mark).  For a file that may still grow this is not final. */
static void
scan_cut(struct record_reader *r, bool inside)
{
	if (inside)
		snprintf(r->note, sizeof(r->note),
		         "'%s' is cut at byte %llu, inside sample %zu; the %zu sample(s) before "
		         "it are whole",
		         r->name, (unsigned long long)r->scan_off, r->n, r->n);
	else
		snprintf(r->note, sizeof(r->note),
		         "'%s' ends after %zu sample(s) without an end mark (recording still "
		         "running, or stopped without closing the file)",
		         r->name, r->n);
	if (r->kind != INPUT_FILE)
		r->finished = true;
}

/* Frees the raw records of the oldest keyframe groups while more than the
 * budget is held, never the group being read. */
static void
pipe_evict(struct record_reader *r)
{
	while (r->kept_bytes > RECORD_READ_PIPE_KEEP && r->first_kept < r->n) {
		size_t end = r->first_kept + 1;

		while (end < r->n && r->idx[end].type != RECORD_KEYFRAME)
			end++;
		if (end >= r->n)
			break; /* only the newest group is left */
		for (size_t i = r->first_kept; i < end; i++) {
			r->kept_bytes -= r->idx[i].len;
			free(r->idx[i].raw);
			r->idx[i].raw = NULL;
		}
		r->first_kept = end;
	}
}

static uint8_t *
scratch(struct record_reader *r, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > r->scratch_cap) {
		uint8_t *more = realloc(r->scratch, n);

		if (more == NULL)
			return NULL;
		r->scratch = more;
		r->scratch_cap = n;
	}
	return r->scratch;
}

/* A sample's payload is read into the scratch buffer, then decoded; at a
 * million sockets a keyframe is tens of MiB.  Kept between samples it
 * would stay resident beside everything the reader's caller builds, so a
 * large one goes once its sample is read. */
#define SCRATCH_KEEP ((size_t)1 << 20)

static void
scratch_trim(struct record_reader *r)
{
	if (r->scratch_cap <= SCRATCH_KEEP)
		return;
	free(r->scratch);
	r->scratch = NULL;
	r->scratch_cap = 0;
}

/* Reads a pipe's payload in steps, so a corrupt length cannot make the
 * reader allocate more than the bytes that really arrive. */
static uint8_t *
pipe_payload(struct record_reader *r, uint32_t len, size_t *got, int *err)
{
	uint8_t *buf = NULL;
	size_t cap = 0;

	*got = 0;
	*err = 0;
	while (*got < len) {
		size_t want = len - *got < ((size_t)1 << 20) ? len - *got : (size_t)1 << 20;
		ssize_t k;

		if (*got + want > cap) {
			size_t new_cap = cap != 0 ? cap * 2 : 4096;
			uint8_t *more;

			while (new_cap < *got + want)
				new_cap *= 2;
			if (new_cap > len)
				new_cap = len;
			more = realloc(buf, new_cap);
			if (more == NULL) {
				free(buf);
				*err = ENOMEM;
				return NULL;
			}
			buf = more;
			cap = new_cap;
		}
		k = read_at(r, r->pipe_pos, buf + *got, want);
		if (k < 0) {
			free(buf);
			*err = errno;
			return NULL;
		}
		*got += (size_t)k;
		if ((size_t)k < want)
			break;
	}
	if (buf == NULL)
		buf = malloc(1);
	if (buf == NULL)
		*err = ENOMEM;
	return buf;
}

static bool
frame_crc_ok(const uint8_t frame[RECORD_FRAME_LEN], const uint8_t *payload, uint32_t len)
{
	uint32_t crc = record_crc32(0, frame, 5);

	return record_crc32(crc, payload, len) == record_le32(frame + 5);
}

/* Indexes one more record.  0: a sample was added; 1: nothing more now;
 * -1: the index stops at an error. */
static int
scan_one(struct record_reader *r, char *cause, size_t cause_len)
{
	uint8_t frame[RECORD_FRAME_LEN];
	struct index_entry *e;
	struct record_cur c;
	uint8_t *payload, *raw = NULL;
	uint32_t len;
	uint8_t type;
	uint64_t index;
	size_t got;
	ssize_t k;

	if (r->failed) {
		set_cause(cause, cause_len, r->error);
		errno = r->fail_errno;
		return -1;
	}
	if (r->finished)
		return 1;
	k = read_at(r, r->scan_off, frame, sizeof(frame));
	if (k < 0)
		return scan_failed(r, errno, cause, cause_len, "cannot read '%s': %s", r->name,
		                   strerror(errno));
	if (k < (ssize_t)sizeof(frame)) {
		scan_cut(r, k > 0);
		return 1;
	}
	type = frame[0];
	len = record_le32(frame + 1);
	if ((type != RECORD_KEYFRAME && type != RECORD_DELTA && type != RECORD_END) ||
	    len > RECORD_PAYLOAD_MAX)
		return scan_failed(r, EBADMSG, cause, cause_len,
		                   "'%s': corrupt record at byte %llu (sample %zu): %s", r->name,
		                   (unsigned long long)r->scan_off, r->n,
		                   len > RECORD_PAYLOAD_MAX ? "impossible length" : "unknown type");
	if (r->kind == INPUT_PIPE) {
		int err;

		raw = pipe_payload(r, len, &got, &err);
		if (raw == NULL)
			return scan_failed(r, err, cause, cause_len, "cannot read '%s': %s",
			                   r->name, strerror(err));
		payload = raw;
	} else {
		if (available_from(r, r->scan_off + sizeof(frame)) < len) {
			scan_cut(r, true);
			return 1;
		}
		payload = scratch(r, len);
		if (payload == NULL)
			return scan_failed(r, ENOMEM, cause, cause_len, "out of memory");
		k = read_at(r, r->scan_off + sizeof(frame), payload, len);
		if (k < 0)
			return scan_failed(r, errno, cause, cause_len, "cannot read '%s': %s",
			                   r->name, strerror(errno));
		got = (size_t)k;
	}
	if (got < len) {
		free(raw);
		scan_cut(r, true);
		return 1;
	}
	if (!frame_crc_ok(frame, payload, len)) {
		free(raw);
		return scan_failed(
		    r, EBADMSG, cause, cause_len,
		    "'%s': corrupt record at byte %llu (sample %zu): checksum mismatch", r->name,
		    (unsigned long long)r->scan_off, r->n);
	}
	if (type == RECORD_END) {
		free(raw);
		r->finished = true;
		r->note[0] = '\0';
		r->scan_off += sizeof(frame) + len;
		return 1;
	}
	c = (struct record_cur){.p = payload, .left = len};
	index = record_cur_varint(&c);
	if (c.bad || index != r->n || (type == RECORD_DELTA && r->n == 0)) {
		free(raw);
		return scan_failed(r, EBADMSG, cause, cause_len,
		                   "'%s': corrupt record at byte %llu (sample %zu): %s", r->name,
		                   (unsigned long long)r->scan_off, r->n,
		                   type == RECORD_DELTA && r->n == 0 ? "no keyframe to start from"
		                                                     : "out of sequence");
	}
	if (r->n == r->cap) {
		size_t cap = r->cap != 0 ? r->cap * 2 : 64;
		struct index_entry *more = realloc(r->idx, cap * sizeof(*more));

		if (more == NULL) {
			free(raw);
			return scan_failed(r, ENOMEM, cause, cause_len, "out of memory");
		}
		r->idx = more;
		r->cap = cap;
	}
	e = &r->idx[r->n];
	e->offset = r->scan_off;
	e->len = len;
	e->type = type;
	e->mono_ns = record_cur_varint(&c);
	e->wall_ns = record_cur_varint(&c);
	e->key = type == RECORD_KEYFRAME ? r->n : r->idx[r->n - 1].key;
	e->raw = raw;
	r->n++;
	r->scan_off += sizeof(frame) + len;
	r->note[0] = '\0';
	if (raw != NULL) {
		r->kept_bytes += len;
		pipe_evict(r);
	}
	return 0;
}

int
record_reader_reach(struct record_reader *r, size_t i, char *cause, size_t cause_len)
{
	int rc = 0;

	while (r->n <= i && (rc = scan_one(r, cause, cause_len)) == 0)
		;
	scratch_trim(r);
	return rc;
}

bool
record_reader_seekable(const struct record_reader *r)
{
	return r->kind != INPUT_PIPE;
}

size_t
record_reader_known(const struct record_reader *r)
{
	return r->n;
}

bool
record_reader_finished(const struct record_reader *r)
{
	return r->finished;
}

const char *
record_reader_note(const struct record_reader *r)
{
	return r->note;
}

static struct timespec
ns_to_ts(uint64_t ns)
{
	return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
	                         .tv_nsec = (long)(ns % 1000000000u)};
}

int
record_reader_time(const struct record_reader *r, size_t i, struct timespec *wall,
                   struct timespec *mono)
{
	if (i >= r->n) {
		errno = ERANGE;
		return -1;
	}
	if (wall != NULL)
		*wall = ns_to_ts(r->idx[i].wall_ns);
	if (mono != NULL)
		*mono = ns_to_ts(r->idx[i].mono_ns);
	return 0;
}

size_t
record_reader_find_time(const struct record_reader *r, const struct timespec *t)
{
	uint64_t want = (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
	size_t lo = 0, hi = r->n;

	/* The first sample taken after t, minus one. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->idx[mid].wall_ns <= want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? lo - 1 : 0;
}

/* ---------------------------------------------------------------- decode */

static void
state_reset(struct state *s)
{
	owner_table_unref(s->owners);
	s->owners = NULL;
	s->n = 0;
	s->n_ns = 0;
	s->has_ns = false;
	s->ns_note[0] = '\0';
	s->has_closes = false;
	s->closes_lost = 0;
	s->n_closed = 0;
}

static void
state_free(struct state *s)
{
	state_reset(s);
	free(s->e);
	s->e = NULL;
	s->cap = 0;
	free(s->ns);
	s->ns = NULL;
	s->ns_cap = 0;
	free(s->closed);
	s->closed = NULL;
	s->closed_cap = 0;
}

static char *
get_string(struct record_cur *c, size_t max)
{
	uint64_t len = record_cur_varint(c);
	char *s;

	if (c->bad || len > c->left || len > max) {
		c->bad = true;
		return NULL;
	}
	s = malloc((size_t)len + 1);
	if (s == NULL) {
		c->bad = true;
		return NULL;
	}
	record_cur_bytes(c, s, (size_t)len);
	s[len] = '\0';
	return s;
}

/* A varint that must fit 32 bits: sets c->bad when it does not. */
static uint32_t
get_u32(struct record_cur *c)
{
	uint64_t v = record_cur_varint(c);

	if (v > UINT32_MAX) {
		c->bad = true;
		return 0;
	}
	return (uint32_t)v;
}

static const char *
decode_owners(struct record_cur *c, unsigned int version, struct owner_table **out)
{
	struct owner_table *t = owner_table_new();
	uint64_t n_procs, n_links, inode = 0;
	size_t least = version >= 3 ? RECORD_PROC_PLACEHOLDER : RECORD_PROC_PLACEHOLDER_V2;
	const char *why = NULL;

	*out = NULL;
	if (t == NULL)
		return "out of memory";
	n_procs = record_cur_varint(c);
	/* Every process takes at least a placeholder's bytes. */
	if (c->bad || n_procs > c->left / least || n_procs > UINT32_MAX) {
		why = "impossible process count";
		goto fail;
	}
	for (uint64_t i = 0; i < n_procs; i++) {
		struct owner_proc p;
		int64_t pid = record_unzigzag(record_cur_varint(c));
		uint64_t uid = record_cur_varint(c);
		char *comm, *cmdline, *user;

		memset(&p, 0, sizeof(p));
		p.start_time = record_cur_varint(c);
		comm = get_string(c, sizeof(p.comm));
		cmdline = get_string(c, SIZE_MAX);
		user = get_string(c, SIZE_MAX);
		/* Version 3 added the descriptors; before, 0: not known. */
		if (version >= 3) {
			p.fds = get_u32(c);
			p.fd_limit = get_u32(c);
			p.fd_limit_hard = get_u32(c);
		}
		if (c->bad || pid < INT32_MIN || pid > INT32_MAX || uid > UINT32_MAX) {
			free(comm);
			free(cmdline);
			free(user);
			why = "bad process";
			goto fail;
		}
		p.pid = (int32_t)pid;
		p.uid = (uint32_t)uid;
		memcpy(p.comm, comm, strlen(comm));
		p.cmdline = cmdline;
		p.user = user;
		if (owner_table_add_proc(t, &p) < 0)
			why = "out of memory";
		free(comm);
		free(cmdline);
		free(user);
		if (why != NULL)
			goto fail;
	}
	n_links = record_cur_varint(c);
	if (c->bad || n_links > c->left / 3) {
		why = "impossible link count";
		goto fail;
	}
	for (uint64_t i = 0; i < n_links; i++) {
		uint64_t holders;

		inode += record_cur_varint(c);
		holders = record_cur_varint(c);
		if (c->bad || inode > UINT32_MAX || holders == 0 || holders > c->left) {
			why = "bad socket holders";
			goto fail;
		}
		for (uint64_t k = 0; k < holders; k++) {
			uint64_t proc = record_cur_varint(c);

			if (c->bad || proc >= n_procs) {
				why = "bad socket holder";
				goto fail;
			}
			if (owner_table_add_link(t, (uint32_t)inode, (uint32_t)proc) < 0) {
				why = "out of memory";
				goto fail;
			}
		}
	}
	if (owner_table_seal(t) < 0) {
		why = "out of memory";
		goto fail;
	}
	*out = t;
	return NULL;
fail:
	owner_table_unref(t);
	return why;
}

/* A socket written whole; netns_base is the namespace of the socket
 * decoded just before in this sample (0 before the first). */
static const char *
decode_new(struct record_cur *c, unsigned int version, struct sock_entry *e, uint32_t netns_base)
{
	uint8_t form;
	uint64_t mask;

	memset(e, 0, sizeof(*e));
	if (version >= 4)
		e->netns = netns_base;
	e->cookie = record_cur_varint(c);
	e->family = record_cur_u8(c);
	form = record_cur_u8(c);
	if (form > 3)
		return "bad address form";
	record_cur_bytes(c, e->local_addr, (form & 1) ? 16 : 4);
	record_cur_bytes(c, e->remote_addr, (form & 2) ? 16 : 4);
	e->local_port = record_cur_le16(c);
	e->remote_port = record_cur_le16(c);
	mask = record_cur_varint(c);
	if (mask >> record_field_count(version))
		return "unknown field";
	for (unsigned int f = 0; f < RECORD_FIELD_COUNT; f++)
		if (mask & ((uint64_t)1 << f))
			record_field_set(e, f, record_cur_varint(c));
	return c->bad ? "cut short" : NULL;
}

/* Counters written as differences to base (the sample's, or one
 * namespace's): present mask, changed mask, the changes. */
static void
decode_counters(struct record_cur *c, const struct kcounters *base, struct kcounters *out)
{
	uint64_t present = record_cur_varint(c), changed = record_cur_varint(c);

	/* Counters a newer tcpdeck recorded beyond ours are read and
	 * dropped. */
	out->present = (uint32_t)(present & (((uint64_t)1 << KC_COUNT) - 1));
	for (unsigned int i = 0; i < KC_COUNT; i++)
		out->value[i] = base->value[i];
	for (unsigned int i = 0; i < 64; i++) {
		if (!(changed & ((uint64_t)1 << i)))
			continue;
		int64_t d = record_unzigzag(record_cur_varint(c));

		if (i < KC_COUNT)
			out->value[i] += (uint64_t)d;
	}
}

/* A string of at most max bytes into out (max + 1 bytes, NUL-terminated). */
static void
get_fixed_string(struct record_cur *c, char *out, size_t max)
{
	uint64_t len = record_cur_varint(c);

	if (c->bad || len > max || len > c->left) {
		c->bad = true;
		out[0] = '\0';
		return;
	}
	record_cur_bytes(c, out, (size_t)len);
	out[len] = '\0';
}

/* The sample's namespace table (version 4, flag NETNS), against prev's
 * (NULL or an empty table in a keyframe).  Returns NULL or what is
 * wrong. */
static const char *
decode_netns(struct record_cur *c, const struct state *prev, struct state *out)
{
	static const struct kcounters zero_counters;
	uint64_t n, inode = 0;
	size_t j = 0;

	get_fixed_string(c, out->ns_note, RECORD_NETNS_NOTE_MAX);
	n = record_cur_varint(c);
	/* Each namespace takes two bytes at least. */
	if (c->bad || n > c->left / 2 || n > UINT16_MAX)
		return "impossible namespace count";
	if (n > out->ns_cap) {
		struct snapshot_netns *more = realloc(out->ns, (size_t)n * sizeof(*more));

		if (more == NULL)
			return "out of memory";
		out->ns = more;
		out->ns_cap = (size_t)n;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct snapshot_netns *ns = &out->ns[i];
		const struct snapshot_netns *old = NULL;
		uint64_t step = record_cur_varint(c);
		uint8_t flags;

		/* Strictly ascending inodes. */
		inode += step;
		if (c->bad || (i > 0 && step == 0) || inode > UINT32_MAX)
			return "bad namespace inode";
		flags = record_cur_u8(c);
		if (c->bad || (flags & ~RECORD_NETNS_KNOWN))
			return "bad namespace flags";
		while (prev != NULL && j < prev->n_ns && prev->ns[j].info.inode < inode)
			j++;
		if (prev != NULL && j < prev->n_ns && prev->ns[j].info.inode == inode)
			old = &prev->ns[j];
		memset(ns, 0, sizeof(*ns));
		if (flags & RECORD_NETNS_INFO) {
			int64_t pid;

			ns->info.kind = record_cur_u8(c);
			pid = record_unzigzag(record_cur_varint(c));
			if (pid < INT32_MIN || pid > INT32_MAX)
				return "bad namespace pid";
			ns->info.pid = (int32_t)pid;
			get_fixed_string(c, ns->info.runtime, RECORD_NETNS_RUNTIME_MAX);
			get_fixed_string(c, ns->info.name, RECORD_NETNS_NAME_MAX);
			get_fixed_string(c, ns->info.id, RECORD_NETNS_ID_MAX);
		} else if (old != NULL) {
			ns->info = old->info;
		} else {
			return "namespace names missing";
		}
		ns->info.inode = (uint32_t)inode;
		if (flags & RECORD_NETNS_COUNTERS)
			decode_counters(c, old != NULL ? &old->counters : &zero_counters,
			                &ns->counters);
		if (flags & RECORD_NETNS_NFCT) {
			ns->nfct.count = get_u32(c);
			ns->nfct.max = get_u32(c);
			ns->nfct.buckets = get_u32(c);
			ns->nfct.present = true;
		}
		if (c->bad)
			return "bad namespace";
	}
	out->n_ns = (size_t)n;
	out->has_ns = true;
	return NULL;
}

/* The previous-sample index an operation names: `expected` plus a signed
 * skip, checked so that count entries from there exist. */
static bool
prev_index(int64_t skip, size_t expected, size_t count, size_t prev_n, size_t *j)
{
	int64_t at;

	if (skip < -(int64_t)expected || skip > (int64_t)prev_n)
		return false;
	at = (int64_t)expected + skip;
	if (count > prev_n || (uint64_t)at > prev_n - count)
		return false;
	*j = (size_t)at;
	return true;
}

/* The interval's closes (version 5).  Returns NULL or what is wrong. */
static const char *
decode_closes(struct record_cur *c, struct state *out)
{
	uint64_t n;

	out->closes_lost = record_cur_varint(c);
	n = record_cur_varint(c);
	/* Every close takes at least 24 bytes. */
	if (c->bad || n > c->left / 24)
		return "impossible close count";
	if (n > out->closed_cap) {
		struct sock_close *more = realloc(out->closed, (size_t)n * sizeof(*more));

		if (more == NULL)
			return "out of memory";
		out->closed = more;
		out->closed_cap = (size_t)n;
	}
	for (size_t i = 0; i < n; i++) {
		struct sock_close *cl = &out->closed[i];
		struct sock_entry *e = &cl->entry;
		size_t alen;
		uint64_t v[10];

		memset(cl, 0, sizeof(*cl));
		cl->time_ns = record_cur_varint(c);
		e->family = record_cur_u8(c);
		e->state = record_cur_u8(c);
		e->flags = record_cur_u8(c);
		if (c->bad || (e->family != AF_INET && e->family != AF_INET6) ||
		    e->state >= TCP_STATE_COUNT)
			return "bad closed connection";
		alen = e->family == AF_INET ? 4 : 16;
		if (c->left < 2 * alen)
			return "cut short";
		memcpy(e->local_addr, c->p, alen);
		memcpy(e->remote_addr, c->p + alen, alen);
		c->p += 2 * alen;
		c->left -= 2 * alen;
		e->local_port = record_cur_le16(c);
		e->remote_port = record_cur_le16(c);
		for (size_t k = 0; k < 10; k++)
			v[k] = record_cur_varint(c);
		if (c->bad || v[1] > UINT32_MAX || v[4] > UINT32_MAX || v[5] > UINT32_MAX ||
		    v[6] > UINT32_MAX || v[7] > UINT32_MAX || v[8] > UINT32_MAX ||
		    v[9] > UINT32_MAX)
			return "bad closed connection";
		e->cookie = v[0];
		e->netns = (uint32_t)v[1];
		e->bytes_acked = v[2];
		e->bytes_received = v[3];
		e->rtt_us = (uint32_t)v[4];
		e->rttvar_us = (uint32_t)v[5];
		e->snd_cwnd = (uint32_t)v[6];
		e->total_retrans = (uint32_t)v[7];
		e->segs_in = (uint32_t)v[8];
		e->segs_out = (uint32_t)v[9];
	}
	out->n_closed = (size_t)n;
	out->has_closes = true;
	return NULL;
}

/* Decodes one sample record into out, from prev (NULL for a keyframe),
 * except its entries: those go into `into`'s entry array, after the
 * entries it has, without counting them in (out->n says how many).
 * Returns NULL or what is wrong. */
static const char *
decode_sample(const uint8_t *payload, uint32_t len, uint8_t type, unsigned int version,
              const struct state *prev, struct state *out, struct snapshot *into)
{
	struct sock_entry *dst;
	struct record_cur c = {.p = payload, .left = len};
	static const struct state none;
	uint64_t n_entries, restarts;
	uint32_t elapsed_ms;
	size_t expected = 0;
	uint8_t flags;

	if (type == RECORD_KEYFRAME)
		prev = &none;
	else if (prev == NULL)
		return "no sample before it";
	state_reset(out);
	(void)record_cur_varint(&c); /* index: checked while indexing */
	out->mono_ns = record_cur_varint(&c);
	out->wall_ns = record_cur_varint(&c);
	out->sample_ns = record_cur_varint(&c);
	restarts = record_cur_varint(&c);
	/* Version 1 did not record the interval: 0, unknown. */
	out->interval_ns = version >= 2 ? record_cur_varint(&c) : 0;
	flags = record_cur_u8(&c);
	n_entries = record_cur_varint(&c);
	if (c.bad)
		return "cut short";
	if (restarts > UINT32_MAX || (flags & ~(version >= 5   ? RECORD_SAMPLE_KNOWN
	                                        : version >= 4 ? RECORD_SAMPLE_KNOWN_V4
	                                        : version >= 3 ? RECORD_SAMPLE_KNOWN_V3
	                                                       : RECORD_SAMPLE_KNOWN_V2)))
		return "bad sample header";
	out->restarts = (unsigned int)restarts;
	out->partial = (flags & RECORD_SAMPLE_OWNERS_PARTIAL) != 0;
	/* No operation makes more entries than the previous sample has plus
	 * one per byte. */
	if (n_entries > prev->n + c.left)
		return "impossible socket count";
	elapsed_ms = (uint32_t)((out->mono_ns - prev->mono_ns) / 1000000u);
	if (flags & RECORD_SAMPLE_OWNERS_NEW) {
		const char *why;

		if (!(flags & RECORD_SAMPLE_OWNERS))
			return "bad owner flags";
		why = decode_owners(&c, version, &out->owners);
		if (why != NULL)
			return why;
	} else if (flags & RECORD_SAMPLE_OWNERS) {
		if (prev->owners == NULL)
			return "owner table missing";
		out->owners = owner_table_ref(prev->owners);
	}
	memset(&out->counters, 0, sizeof(out->counters));
	if (flags & RECORD_SAMPLE_COUNTERS) {
		decode_counters(&c, &prev->counters, &out->counters);
		if (c.bad)
			return "cut short";
	}
	memset(&out->nfct, 0, sizeof(out->nfct));
	if (flags & RECORD_SAMPLE_NFCT) {
		out->nfct.count = get_u32(&c);
		out->nfct.max = get_u32(&c);
		out->nfct.buckets = get_u32(&c);
		out->nfct.present = true;
		if (c.bad)
			return "bad conntrack fill";
	}
	if (flags & RECORD_SAMPLE_NETNS) {
		const char *why = decode_netns(&c, type == RECORD_KEYFRAME ? NULL : prev, out);

		if (why != NULL)
			return why;
	}
	if (flags & RECORD_SAMPLE_CLOSES) {
		const char *why = decode_closes(&c, out);

		if (why != NULL)
			return why;
	}
	/* Straight into the snapshot: a second decoded copy of a sample
	 * would be as large as the snapshot itself. */
	if (snapshot_reserve(into, into->n_entries + (size_t)n_entries) < 0)
		return "out of memory";
	dst = into->entries + into->n_entries;
	while (c.left > 0) {
		uint8_t op = record_cur_u8(&c);
		size_t j, count;
		uint64_t mask;

		switch (op) {
		case RECORD_OP_COPY: {
			int64_t skip = record_unzigzag(record_cur_varint(&c));
			uint64_t cnt = record_cur_varint(&c);

			if (type != RECORD_DELTA)
				return "copy in a keyframe";
			if (c.bad || cnt == 0 || cnt > n_entries - out->n)
				return "bad copy count";
			count = (size_t)cnt;
			if (!prev_index(skip, expected, count, prev->n, &j))
				return "copy out of range";
			for (size_t k = 0; k < count; k++) {
				struct sock_entry *e = &dst[out->n++];
				const struct sock_entry *p = &prev->e[j + k];

				*e = *p;
				record_predict_clocks(p, e, elapsed_ms);
			}
			expected = j + count;
			break;
		}
		case RECORD_OP_CHANGE: {
			struct sock_entry *e;
			const struct sock_entry *p;

			if (type != RECORD_DELTA)
				return "change in a keyframe";
			if (out->n >= n_entries)
				return "more sockets than announced";
			if (!prev_index(record_unzigzag(record_cur_varint(&c)), expected, 1,
			                prev->n, &j))
				return "change out of range";
			mask = record_cur_varint(&c);
			if (c.bad || (mask >> record_field_count(version)))
				return "bad change mask";
			p = &prev->e[j];
			e = &dst[out->n++];
			/* Every field at its prediction, then the written ones
			 * corrected. */
			*e = *p;
			record_predict_clocks(p, e, elapsed_ms);
			for (unsigned int f = 0; mask >> f; f++)
				if (mask & ((uint64_t)1 << f))
					record_field_set(
					    e, f,
					    record_field_apply(
					        f, record_field_predict(p, f, elapsed_ms),
					        record_unzigzag(record_cur_varint(&c))));
			expected = j + 1;
			break;
		}
		case RECORD_OP_NEW: {
			const char *why;

			if (out->n >= n_entries)
				return "more sockets than announced";
			why = decode_new(&c, version, &dst[out->n],
			                 out->n > 0 ? dst[out->n - 1].netns : 0);
			if (why != NULL)
				return why;
			out->n++;
			break;
		}
		default:
			return "unknown operation";
		}
		if (c.bad)
			return "cut short";
	}
	if (out->n != n_entries)
		return "fewer sockets than announced";
	return NULL;
}

/* The payload of sample j: a pipe's kept copy, or read again (and its
 * checksum checked again: the file may have changed). */
static const uint8_t *
payload_of(struct record_reader *r, size_t j, char *cause, size_t cause_len)
{
	const struct index_entry *e = &r->idx[j];
	uint8_t frame[RECORD_FRAME_LEN];
	uint8_t *p;

	if (r->kind == INPUT_PIPE) {
		if (e->raw == NULL) {
			snprintf(cause, cause_len,
			         "sample %zu of '%s' is no longer kept: replay from a pipe keeps "
			         "only the last %zu MiB of a recording",
			         j, r->name, RECORD_READ_PIPE_KEEP >> 20);
			errno = ENOENT;
		}
		return e->raw;
	}
	p = scratch(r, e->len);
	if (p == NULL) {
		set_cause(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (read_at(r, e->offset, frame, sizeof(frame)) != (ssize_t)sizeof(frame) ||
	    read_at(r, e->offset + sizeof(frame), p, e->len) != (ssize_t)e->len ||
	    !frame_crc_ok(frame, p, e->len)) {
		snprintf(cause, cause_len, "'%s': sample %zu changed or vanished since it was read",
		         r->name, j);
		errno = EIO;
		return NULL;
	}
	return p;
}

/*
 * Decodes sample j, from the one decoded last, into the free room of
 * snap's entry array (not counted in) and becomes it: its entries are
 * copied over the ones they were decoded from, which are no longer
 * needed.  So the reader holds one decoded sample, not two, beside the
 * snapshot.
 */
static int
decode_at(struct record_reader *r, size_t j, struct snapshot *snap, char *cause,
          size_t cause_len)
{
	const uint8_t *payload = payload_of(r, j, cause, cause_len);
	const char *why;
	struct sock_entry *e = r->cur.e;
	size_t cap = r->cur.cap;
	struct state swap;

	if (payload == NULL)
		return -1;
	why = decode_sample(payload, r->idx[j].len, r->idx[j].type, r->info.version,
	                    r->cur_valid ? &r->cur : NULL, &r->next, snap);
	if (why != NULL) {
		snprintf(cause, cause_len, "'%s': corrupt sample %zu (record at byte %llu): %s",
		         r->name, j, (unsigned long long)r->idx[j].offset, why);
		errno = EBADMSG;
		return -1;
	}
	if (r->next.n > cap) {
		struct sock_entry *more = realloc(e, r->next.n * sizeof(*more));

		if (more == NULL) {
			set_cause(cause, cause_len, "out of memory");
			errno = ENOMEM;
			return -1;
		}
		e = more;
		cap = r->next.n;
	}
	if (r->next.n > 0)
		memcpy(e, snap->entries + snap->n_entries, r->next.n * sizeof(*e));
	swap = r->cur;
	r->cur = r->next;
	r->next = swap;
	r->cur.e = e;
	r->cur.cap = cap;
	r->next.e = NULL;
	r->next.cap = 0;
	r->cur_valid = true;
	r->cur_i = j;
	return 0;
}

int
record_reader_load(struct record_reader *r, size_t i, struct snapshot *snap, char *cause,
                   size_t cause_len)
{
	size_t from;
	int rc = record_reader_reach(r, i, cause, cause_len);

	if (rc != 0)
		return rc;
	if (!(r->cur_valid && r->cur_i == i)) {
		/* Onwards from the sample decoded last when that is no
		 * further than from the keyframe. */
		from = r->idx[i].key;
		if (r->cur_valid && r->cur_i < i && r->cur_i >= from)
			from = r->cur_i + 1;
		else
			r->cur_valid = false;
		for (size_t j = from; j <= i; j++) {
			if (decode_at(r, j, snap, cause, cause_len) < 0) {
				r->cur_valid = false;
				scratch_trim(r);
				return -1;
			}
		}
		scratch_trim(r);
		/* The last one decoded is in snap's room already. */
		snap->n_entries += r->cur.n;
	} else {
		if (snapshot_reserve(snap, snap->n_entries + r->cur.n) < 0) {
			set_cause(cause, cause_len, "out of memory");
			return -1;
		}
		if (r->cur.n > 0)
			memcpy(snap->entries + snap->n_entries, r->cur.e,
			       r->cur.n * sizeof(*r->cur.e));
		snap->n_entries += r->cur.n;
	}
	owner_table_unref(snap->owners);
	snap->owners = r->cur.owners != NULL ? owner_table_ref(r->cur.owners) : NULL;
	snap->owners_partial = r->cur.partial;
	snap->counters = r->cur.counters;
	snap->nfct = r->cur.nfct;
	snap->n_netns = 0;
	for (size_t k = 0; k < r->cur.n_ns; k++) {
		struct snapshot_netns *ns = snapshot_add_netns(snap, r->cur.ns[k].info.inode);

		if (ns == NULL) {
			set_cause(cause, cause_len, "out of memory");
			return -1;
		}
		ns->info = r->cur.ns[k].info;
		ns->counters = r->cur.ns[k].counters;
		ns->nfct = r->cur.ns[k].nfct;
	}
	snprintf(snap->netns_note, sizeof(snap->netns_note), "%s", r->cur.ns_note);
	snap->has_closes = r->cur.has_closes;
	snap->closes_lost = r->cur.closes_lost;
	free(snap->closed);
	snap->closed = NULL;
	snap->n_closed = 0;
	if (r->cur.n_closed > 0) {
		snap->closed = malloc(r->cur.n_closed * sizeof(*snap->closed));
		if (snap->closed == NULL) {
			set_cause(cause, cause_len, "out of memory");
			return -1;
		}
		memcpy(snap->closed, r->cur.closed, r->cur.n_closed * sizeof(*snap->closed));
		snap->n_closed = r->cur.n_closed;
	}
	snap->taken_mono = ns_to_ts(r->cur.mono_ns);
	snap->taken_wall = ns_to_ts(r->cur.wall_ns);
	snap->sample_ns = r->cur.sample_ns;
	snap->dump_restarts = r->cur.restarts;
	snap->interval_ns = r->cur.interval_ns;
	return 0;
}

void
record_reader_free(struct record_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (size_t i = 0; i < r->n; i++)
		free(r->idx[i].raw);
	free(r->idx);
	free(r->scratch);
	state_free(&r->cur);
	state_free(&r->next);
	free(r);
}
