/*
 * test_record.c - the recording format: what is replayed equals what was
 * recorded (every field of every socket, owners, counters, times), over
 * synthetic sample sequences where sockets appear, change, move in the
 * dump order and disappear and owner tables change or stay, with and
 * without network namespaces (version 4: the namespace table, each
 * socket's netns, the same cookie in two namespaces); a recording cut at
 * every byte; a corrupt header or record, another version, other
 * files; random access, pipes, write errors and the replay controls.
 *
 * Temporary files go to the current directory (the build directory under
 * make check) and are removed.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "batch.h"
#include "output.h"
#include "owners.h"
#include "record_format.h"
#include "record_read.h"
#include "record_write.h"
#include "ring.h"
#include "sampler.h"
#include "snapshot.h"
#include "source.h"
#include "source_record.h"

enum { CAUSE_LEN = 512, MAX_SAMPLES = 64 };

/* Whether next_sample() gives its samples network namespaces. */
static bool with_netns;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t
below(uint32_t n)
{
	return (uint32_t)(next_rand() % n);
}

/* ------------------------------------------------------------ samples */

static struct owner_table *
make_owners(unsigned int n_procs, const uint32_t *inodes, size_t n_inodes)
{
	struct owner_table *t = owner_table_new();

	assert_non_null(t);
	for (unsigned int i = 0; i < n_procs; i++) {
		struct owner_proc p;
		char cmd[64], user[16];

		memset(&p, 0, sizeof(p));
		p.pid = (int32_t)(100 + i * 7 + below(5));
		p.uid = below(3) == 0 ? 0 : 1000 + i;
		p.start_time = next_rand() >> 20;
		snprintf(p.comm, sizeof(p.comm), i == 2 ? "exactly15chars!" : "proc%u", i);
		snprintf(cmd, sizeof(cmd), "/usr/bin/proc%u --opt %u", i, below(1000));
		snprintf(user, sizeof(user), p.uid == 0 ? "root" : "u%u", p.uid);
		p.cmdline = i == 1 ? "" : cmd;
		p.user = user;
		/* Descriptors: unknown (0), or a count under its limits, the
		 * hard one unlimited (0) now and then. */
		if (below(4) != 0) {
			p.fd_limit = below(2) ? 1024 : (uint32_t)next_rand();
			p.fds = 1 + below(p.fd_limit);
			p.fd_limit_hard = below(3) == 0 ? 0 : p.fd_limit + below(1u << 20);
		}
		assert_true(owner_table_add_proc(t, &p) >= 0);
	}
	for (size_t k = 0; k < n_inodes; k++) {
		unsigned int holders = 1 + below(3);

		for (unsigned int h = 0; h < holders && n_procs > 0; h++)
			assert_int_equal(owner_table_add_link(t, inodes[k], below(n_procs)), 0);
	}
	assert_int_equal(owner_table_seal(t), 0);
	return t;
}

static void
random_entry(struct sock_entry *e, uint64_t cookie)
{
	memset(e, 0, sizeof(*e));
	e->cookie = cookie;
	e->family = below(2) ? 2 : 10;
	for (int i = 0; i < (e->family == 2 ? 4 : 16); i++) {
		e->local_addr[i] = (uint8_t)next_rand();
		e->remote_addr[i] = (uint8_t)next_rand();
	}
	e->local_port = (uint16_t)next_rand();
	e->remote_port = (uint16_t)next_rand();
	e->state = (uint8_t)(1 + below(12));
	e->inode = below(4) == 0 ? 0 : 5000 + (uint32_t)(cookie % 100000);
	e->uid = below(2) ? 0 : 1000;
	if (below(3) != 0) {
		e->flags = SOCK_ENTRY_HAS_INFO;
		e->rtt_us = below(200000);
		e->rttvar_us = below(5000);
		e->snd_cwnd = 10;
		e->segs_in = below(100000);
		e->segs_out = below(100000);
		e->bytes_acked = next_rand() >> below(64);
		e->bytes_received = next_rand() >> 20;
		e->last_data_sent_ms = below(100000);
		e->last_data_recv_ms = UINT32_MAX - below(3); /* wraps */
		e->rwnd_limited_ms = below(4) == 0 ? (uint32_t)next_rand() : 0;
		if (below(2)) {
			e->flags |= SOCK_ENTRY_HAS_SND_WND;
			e->snd_wnd = below(4) == 0 ? 0 : below(1u << 30);
		}
	}
	if (below(3) == 0) {
		e->timer = (uint8_t)(1 + below(4));
		e->timer_expires_ms = below(60000);
		e->retrans = (uint8_t)below(3);
	}
	e->recv_q = below(10);
	e->send_q = below(3) == 0 ? below(100000) : 0;
	e->ifindex = below(5) == 0 ? below(4) : 0;
	e->owner_status = (uint8_t)below(4);
	e->n_owners = (uint16_t)below(3);
	e->owner = below(6);
}

/* The namespaces of sample `step`: the host, two containers and a named
 * namespace with a hostile name; one container comes and goes, the other
 * is renamed now and then; counters and conntrack fill present or not.
 * New sockets (netns 0) go to one namespace per step, but for a few; the
 * socket at index 1 of step 5 gets a twin with the same cookie in another
 * namespace (cookies are per namespace on older kernels). */
static void
add_namespaces(struct snapshot *snap, const struct snapshot *prev, unsigned int step)
{
	static const uint32_t inodes[] = {4026531840u, 4026532290u, 4026532301u, 4026532777u};
	uint32_t here[4];
	size_t n = 0;

	for (size_t k = 0; k < 4; k++) {
		struct snapshot_netns *ns;

		if (k == 2 && step % 5 == 4)
			continue; /* the container is gone for a sample */
		ns = snapshot_add_netns(snap, inodes[k]);
		assert_non_null(ns);
		here[n++] = inodes[k];
		switch (k) {
		case 0:
			ns->info.kind = NETNS_KIND_HOST;
			ns->info.pid = 1;
			break;
		case 1:
			ns->info.kind = NETNS_KIND_CONTAINER;
			ns->info.pid = (int32_t)(812 + step / 7);
			snprintf(ns->info.runtime, sizeof(ns->info.runtime), "docker");
			snprintf(ns->info.name, sizeof(ns->info.name), "web-%u", step / 7);
			snprintf(ns->info.id, sizeof(ns->info.id), "3f2a9c0e1b7d");
			break;
		case 2:
			ns->info.kind = NETNS_KIND_POD;
			snprintf(ns->info.name, sizeof(ns->info.name), "default/web-0");
			/* The longest id a file may carry. */
			memset(ns->info.id, 'u', sizeof(ns->info.id) - 1);
			break;
		default:
			ns->info.kind = NETNS_KIND_NAMED;
			snprintf(ns->info.name, sizeof(ns->info.name), "bl\x1b[2Jue\x07");
			break;
		}
		if ((step + k) % 3 != 0) {
			const struct snapshot_netns *old =
			    prev != NULL ? snapshot_find_netns(prev, inodes[k]) : NULL;

			for (unsigned int c = 0; c < KC_COUNT; c++)
				ns->counters.value[c] =
				    (old != NULL ? old->counters.value[c] : 0) + below(3) * below(500);
			ns->counters.present = (uint32_t)((1u << KC_COUNT) - 1) & ~(1u << (k + step % 4));
		}
		if ((step + k) % 4 != 1) {
			ns->nfct.present = true;
			ns->nfct.count = below(1000);
			ns->nfct.max = 262144;
			ns->nfct.buckets = k == 0 ? 65536 : 0;
		}
	}
	if (step % 6 == 2)
		snprintf(snap->netns_note, sizeof(snap->netns_note),
		         "seeing other network namespaces needs CAP_SYS_ADMIN (run as root)");
	for (size_t i = 0; i < snap->n_entries; i++) {
		struct sock_entry *e = &snap->entries[i];

		if (e->netns == 0)
			e->netns = below(5) == 0 ? here[below((uint32_t)n)] : here[step % n];
	}
	if (step == 5 && snap->n_entries > 1) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		*e = snap->entries[1];
		e->netns = e->netns == here[0] ? here[1] : here[0];
		e->state = TCP_STATE_LISTEN;
	}
}

/* One step of a changing host: some sockets close, some open, some
 * change, the others only age (exactly as predicted, or with jitter). */
/* Random sockets the first sample of a sequence gets besides its few
 * (test_large_samples). */
static size_t first_extra;

static struct snapshot *
next_sample(const struct snapshot *prev, unsigned int step, uint64_t *next_cookie,
            struct owner_table **owners)
{
	struct snapshot *snap = snapshot_new(16);
	uint32_t elapsed = 900 + below(300);

	assert_non_null(snap);
	snap->taken_mono.tv_sec = 1000 + step;
	snap->taken_mono.tv_nsec = (long)((uint64_t)elapsed * 1000000u * step % 1000000000u);
	if (prev != NULL) {
		uint64_t ns = (uint64_t)prev->taken_mono.tv_sec * 1000000000u +
		              (uint64_t)prev->taken_mono.tv_nsec + (uint64_t)elapsed * 1000000u;

		snap->taken_mono.tv_sec = (time_t)(ns / 1000000000u);
		snap->taken_mono.tv_nsec = (long)(ns % 1000000000u);
	}
	snap->taken_wall.tv_sec = 1700000000 + snap->taken_mono.tv_sec;
	snap->taken_wall.tv_nsec = snap->taken_mono.tv_nsec;
	snap->sample_ns = 1000000 + below(1000000);
	snap->dump_restarts = below(4) == 0 ? below(3) : 0;
	/* The interval it was taken at: the sampler's fastest (as under
	 * test_sampler_records), then changed as with + and -. */
	snap->interval_ns = step < 10 ? 100000000u : step < 20 ? 2000000000u : 500000000u;
	if (prev != NULL) {
		uint32_t elapsed_ms = (uint32_t)(((uint64_t)snap->taken_mono.tv_sec * 1000000000u +
		                                  (uint64_t)snap->taken_mono.tv_nsec -
		                                  (uint64_t)prev->taken_mono.tv_sec * 1000000000u -
		                                  (uint64_t)prev->taken_mono.tv_nsec) /
		                                 1000000u);
		/* The dump order mostly holds; sometimes a block moves. */
		size_t n = prev->n_entries, rot = below(4) == 0 && n > 0 ? below((uint32_t)n) : 0;

		for (size_t k = 0; k < n; k++) {
			const struct sock_entry *p = &prev->entries[(k + rot) % n];
			struct sock_entry *e;
			uint32_t what = below(10);

			if (what == 0)
				continue; /* closed */
			e = snapshot_add(snap);
			assert_non_null(e);
			*e = *p;
			for (unsigned int f = 0; f < RECORD_FIELD_COUNT; f++)
				record_field_set(e, f, record_field_predict(p, f, elapsed_ms));
			if (what == 1) {
				e->bytes_acked += below(100000);
				e->segs_out += below(100);
				e->rtt_us = below(300000);
				e->last_data_sent_ms = below(50);
			} else if (what == 2) {
				e->state = (uint8_t)(1 + below(12));
				e->recv_q = below(10);
				e->retrans = (uint8_t)next_rand();
				e->owner_status = (uint8_t)below(4);
				e->last_data_recv_ms += 3; /* jitter */
			} else if (what == 3 && step % 5 == 0) {
				e->remote_port++; /* same cookie, other socket */
			}
		}
	}
	for (uint32_t k = below(6); k > 0; k--)
		random_entry(snapshot_add(snap), (*next_cookie)++);
	for (size_t k = 0; prev == NULL && k < first_extra; k++)
		random_entry(snapshot_add(snap), (*next_cookie)++);
	if (step == 7 && snap->n_entries > 0) {
		/* The kernel never repeats a cookie in a dump; the format
		 * must still not lose the entry. */
		struct sock_entry *e = snapshot_add(snap);

		*e = snap->entries[0];
		e->local_port ^= 1;
	}
	if (step == 0)
		random_entry(snapshot_add(snap), 0); /* cookie 0 is a cookie */
	/* Owners: a new table now and then, else the same pointer; at step
	 * 9 the same table already knows the inodes of new sockets. */
	if (step % 4 == 0 || *owners == NULL) {
		uint32_t inodes[300];
		size_t n = 0;

		for (size_t k = 0; k < snap->n_entries && n < 250; k++)
			if (snap->entries[k].inode != 0)
				inodes[n++] = snap->entries[k].inode;
		for (uint32_t c = 0; c < 40; c++)
			inodes[n++] = 5000 + (uint32_t)((*next_cookie + c) % 100000);
		owner_table_unref(*owners);
		*owners = make_owners(step % 8 == 0 ? 3 : 5, inodes, n);
	}
	if (step % 11 != 10)
		snap->owners = owner_table_ref(*owners);
	snap->owners_partial = step % 3 == 0;
	if (step % 6 != 5) {
		for (unsigned int c = 0; c < KC_COUNT; c++) {
			snap->counters.value[c] =
			    prev != NULL ? prev->counters.value[c] + below(3) * below(1000) : 0;
			if (c == KC_CURR_ESTAB)
				snap->counters.value[c] = below(50); /* a gauge falls */
		}
		snap->counters.present = (uint32_t)((1u << KC_COUNT) - 1) & ~(1u << (step % 9));
		snap->counters.value[step % 9] = 0;
	}
	/* The conntrack table's fill: absent now and then, the count near
	 * or at its limit. */
	if (step % 7 != 3) {
		snap->nfct.present = true;
		snap->nfct.max = step % 5 == 0 ? UINT32_MAX : 262144;
		snap->nfct.count = below(snap->nfct.max) + (step == 8 ? snap->nfct.max - 1 : 0);
		snap->nfct.buckets = step % 4 == 1 ? 0 : 65536;
	}
	if (with_netns)
		add_namespaces(snap, prev, step);
	snapshot_seal(snap);
	return snap;
}

struct sequence {
	struct snapshot *snaps[MAX_SAMPLES];
	size_t n;
	uint8_t *bytes;
	size_t len;
	size_t record_end[MAX_SAMPLES]; /* byte after sample i's record */
	size_t header_len;
};

static void
make_sequence(struct sequence *seq, size_t n, unsigned int keyframe_every)
{
	struct owner_table *owners = NULL;
	uint64_t cookie = 1;
	char path[] = "test_record.XXXXXX";
	char cause[CAUSE_LEN];
	struct record_writer *w;
	int fd = mkstemp(path);
	FILE *file;

	assert_true(fd >= 0);
	unlink(path);
	memset(seq, 0, sizeof(*seq));
	w = record_writer_open_fd(fd, "test", cause, sizeof(cause));
	assert_non_null(w);
	record_writer_set_keyframes(w, keyframe_every, (size_t)1 << 30);
	seq->header_len = (size_t)record_writer_bytes(w);
	for (size_t i = 0; i < n; i++) {
		seq->snaps[i] = next_sample(i > 0 ? seq->snaps[i - 1] : NULL, (unsigned int)i,
		                            &cookie, &owners);
		assert_int_equal(record_writer_add(w, seq->snaps[i], cause, sizeof(cause)), 0);
		seq->record_end[i] = (size_t)record_writer_bytes(w);
	}
	seq->n = n;
	assert_int_equal(record_writer_samples(w), n);
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	owner_table_unref(owners);
	file = fdopen(fd, "rb");
	assert_non_null(file);
	seq->len = (size_t)lseek(fd, 0, SEEK_END);
	seq->bytes = malloc(seq->len + 1);
	assert_non_null(seq->bytes);
	assert_int_equal(pread(fd, seq->bytes, seq->len, 0), (ssize_t)seq->len);
	fclose(file);
}

static void
free_sequence(struct sequence *seq)
{
	for (size_t i = 0; i < seq->n; i++)
		snapshot_unref(seq->snaps[i]);
	free(seq->bytes);
}

/* The replayed owner table has the live table's indexes; the processes
 * that hold a socket of the sample come back whole, the others as empty
 * placeholders (pid 0, no names) or, when the table was written for an
 * earlier sample and kept, whole as they were then. */
static void
assert_same_owners(const struct snapshot *want, const struct snapshot *got)
{
	bool *held;

	if (want->owners == NULL) {
		assert_null(got->owners);
		return;
	}
	assert_non_null(got->owners);
	assert_int_equal(owner_table_procs(got->owners), owner_table_procs(want->owners));
	held = calloc(owner_table_procs(want->owners) + 1, sizeof(*held));
	assert_non_null(held);
	for (size_t k = 0; k < want->n_entries; k++) {
		uint32_t h[8];
		size_t n = owner_table_lookup(want->owners, want->entries[k].inode, NULL, h, 8);

		for (size_t j = 0; j < n && j < 8; j++)
			held[h[j]] = true;
	}
	for (uint32_t i = 0; i < owner_table_procs(want->owners); i++) {
		const struct owner_proc *a = owner_table_proc(want->owners, i);
		const struct owner_proc *b = owner_table_proc(got->owners, i);

		/* Not held now: a placeholder, or whole when the table was
		 * last written for an earlier sample where it held one. */
		if (!held[i] && b->pid == 0) {
			assert_string_equal(b->comm, "");
			assert_string_equal(b->cmdline, "");
			assert_int_equal(b->fds, 0);
			assert_int_equal(b->fd_limit, 0);
			assert_int_equal(b->fd_limit_hard, 0);
			continue;
		}
		assert_int_equal(a->pid, b->pid);
		assert_int_equal(a->uid, b->uid);
		assert_int_equal(a->start_time, b->start_time);
		assert_memory_equal(a->comm, b->comm, sizeof(a->comm));
		assert_string_equal(a->cmdline, b->cmdline);
		assert_string_equal(a->user, b->user);
		assert_int_equal(a->fds, b->fds);
		assert_int_equal(a->fd_limit, b->fd_limit);
		assert_int_equal(a->fd_limit_hard, b->fd_limit_hard);
	}
	free(held);
	for (size_t k = 0; k < want->n_entries; k++) {
		uint32_t inode = want->entries[k].inode, fa = 0, fb = 0, ha[8], hb[8];
		size_t na = owner_table_lookup(want->owners, inode, &fa, ha, 8);
		size_t nb = owner_table_lookup(got->owners, inode, &fb, hb, 8);

		assert_int_equal(na, nb);
		if (na > 0) {
			assert_int_equal(fa, fb);
			assert_memory_equal(ha, hb, (na < 8 ? na : 8) * sizeof(ha[0]));
		}
	}
}

static void
assert_same_sample(const struct snapshot *want, const struct snapshot *got)
{
	assert_int_equal(got->n_entries, want->n_entries);
	for (size_t k = 0; k < want->n_entries; k++)
		assert_memory_equal(&got->entries[k], &want->entries[k], sizeof(struct sock_entry));
	assert_memory_equal(got->counts, want->counts, sizeof(want->counts));
	assert_int_equal(got->total, want->total);
	assert_int_equal(got->n_netns, want->n_netns);
	for (size_t k = 0; k < want->n_netns; k++) {
		const struct snapshot_netns *a = &want->netns[k], *b = &got->netns[k];

		assert_memory_equal(&a->info, &b->info, sizeof(a->info));
		assert_memory_equal(a->counts, b->counts, sizeof(a->counts));
		assert_int_equal(a->total, b->total);
		assert_int_equal(a->counters.present, b->counters.present);
		if (a->counters.present != 0)
			assert_memory_equal(a->counters.value, b->counters.value,
			                    sizeof(a->counters.value));
		assert_int_equal(a->nfct.present, b->nfct.present);
		assert_int_equal(a->nfct.count, b->nfct.count);
		assert_int_equal(a->nfct.max, b->nfct.max);
		assert_int_equal(a->nfct.buckets, b->nfct.buckets);
	}
	assert_string_equal(got->netns_note, want->netns_note);
	assert_int_equal(got->taken_mono.tv_sec, want->taken_mono.tv_sec);
	assert_int_equal(got->taken_mono.tv_nsec, want->taken_mono.tv_nsec);
	assert_int_equal(got->taken_wall.tv_sec, want->taken_wall.tv_sec);
	assert_int_equal(got->taken_wall.tv_nsec, want->taken_wall.tv_nsec);
	assert_int_equal(got->sample_ns, want->sample_ns);
	assert_int_equal(got->dump_restarts, want->dump_restarts);
	assert_int_equal(got->interval_ns, want->interval_ns);
	assert_int_equal(got->owners_partial, want->owners_partial);
	assert_int_equal(got->counters.present, want->counters.present);
	assert_memory_equal(got->counters.value, want->counters.value,
	                    sizeof(want->counters.value));
	assert_int_equal(got->nfct.present, want->nfct.present);
	assert_int_equal(got->nfct.count, want->nfct.count);
	assert_int_equal(got->nfct.max, want->nfct.max);
	assert_int_equal(got->nfct.buckets, want->nfct.buckets);
	assert_same_owners(want, got);
}

static void
load_and_check(struct record_reader *r, const struct sequence *seq, size_t i)
{
	char cause[CAUSE_LEN] = "";
	struct snapshot *snap = snapshot_new(0);
	int rc;

	assert_non_null(snap);
	rc = record_reader_load(r, i, snap, cause, sizeof(cause));
	if (rc != 0)
		fail_msg("sample %zu: %d %s", i, rc, cause);
	snapshot_seal(snap);
	assert_same_sample(seq->snaps[i], snap);
	snapshot_unref(snap);
}

/* ------------------------------------------------------------ tests */

static void
test_round_trip(void **state)
{
	(void)state;
	for (unsigned int every = 1; every <= 64; every *= 4) {
		struct sequence seq;
		char cause[CAUSE_LEN];
		struct record_reader *r;

		make_sequence(&seq, 40, every);
		r = record_reader_open_mem(seq.bytes, seq.len, "mem", cause, sizeof(cause));
		assert_non_null(r);
		assert_int_equal(record_reader_info(r)->version, RECORD_VERSION);
		/* In order, as a replay plays. */
		for (size_t i = 0; i < seq.n; i++)
			load_and_check(r, &seq, i);
		assert_int_equal(record_reader_reach(r, seq.n, cause, sizeof(cause)), 1);
		assert_true(record_reader_finished(r));
		assert_string_equal(record_reader_note(r), ""); /* end mark read */
		/* Backwards and at random, as a user seeks. */
		for (size_t i = seq.n; i-- > 0;)
			load_and_check(r, &seq, i);
		for (int k = 0; k < 40; k++)
			load_and_check(r, &seq, below((uint32_t)seq.n));
		record_reader_free(r);
		free_sequence(&seq);
	}
}

/* Samples whose records are larger than the scratch buffer the reader
 * keeps (1 MiB): it lets the buffer go after each sample and reads the
 * next one into a new one; every sample still comes back whole, in
 * order, backwards and decoded from a keyframe again. */
static void
test_large_samples(void **state)
{
	struct sequence seq;
	char cause[CAUSE_LEN];
	struct record_reader *r;

	(void)state;
	first_extra = 60000;
	make_sequence(&seq, 5, 3);
	first_extra = 0;
	assert_true(seq.record_end[0] - seq.header_len > ((size_t)1 << 20));
	assert_true(seq.record_end[3] - seq.record_end[2] > ((size_t)1 << 20)); /* keyframe */
	r = record_reader_open_mem(seq.bytes, seq.len, "mem", cause, sizeof(cause));
	assert_non_null(r);
	for (size_t i = 0; i < seq.n; i++)
		load_and_check(r, &seq, i);
	for (size_t i = seq.n; i-- > 0;)
		load_and_check(r, &seq, i);
	load_and_check(r, &seq, 4);
	record_reader_free(r);
	free_sequence(&seq);
}

/* Loading into a snapshot that has entries already appends after them,
 * whether the sample is decoded (straight into the snapshot) or is the
 * one decoded last (copied); the reader's own copy is untouched either
 * way, so the next sample still decodes against it. */
static void
test_load_appends(void **state)
{
	struct sequence seq;
	char cause[CAUSE_LEN];
	struct record_reader *r;

	(void)state;
	make_sequence(&seq, 6, 4);
	r = record_reader_open_mem(seq.bytes, seq.len, "mem", cause, sizeof(cause));
	assert_non_null(r);
	for (size_t i = 0; i < seq.n; i++) {
		const struct snapshot *want = seq.snaps[i];

		for (int again = 0; again < 2; again++) {
			struct snapshot *snap = snapshot_new(0);
			struct sock_entry *first;

			assert_non_null(snap);
			first = snapshot_add(snap);
			assert_non_null(first);
			first->cookie = 424242;
			assert_int_equal(record_reader_load(r, i, snap, cause, sizeof(cause)), 0);
			assert_int_equal(snap->n_entries, 1 + want->n_entries);
			assert_int_equal(snap->entries[0].cookie, 424242);
			if (want->n_entries > 0)
				assert_memory_equal(&snap->entries[1], want->entries,
				                    want->n_entries * sizeof(*want->entries));
			snapshot_unref(snap);
		}
	}
	record_reader_free(r);
	free_sequence(&seq);
}

static void
test_times_and_seek(void **state)
{
	struct sequence seq;
	char cause[CAUSE_LEN];
	struct record_reader *r;
	struct timespec wall, mono, t;

	(void)state;
	make_sequence(&seq, 12, 5);
	r = record_reader_open_mem(seq.bytes, seq.len, "mem", cause, sizeof(cause));
	assert_non_null(r);
	assert_int_equal(record_reader_reach(r, 11, cause, sizeof(cause)), 0);
	assert_int_equal(record_reader_known(r), 12);
	for (size_t i = 0; i < 12; i++) {
		assert_int_equal(record_reader_time(r, i, &wall, &mono), 0);
		assert_int_equal(wall.tv_sec, seq.snaps[i]->taken_wall.tv_sec);
		assert_int_equal(mono.tv_nsec, seq.snaps[i]->taken_mono.tv_nsec);
		/* Just after sample i was taken: sample i. */
		t = wall;
		t.tv_nsec += 1;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		assert_int_equal(record_reader_find_time(r, &t), i);
	}
	t.tv_sec = 0;
	t.tv_nsec = 0;
	assert_int_equal(record_reader_find_time(r, &t), 0);
	assert_int_equal(record_reader_time(r, 12, &wall, NULL), -1);
	record_reader_free(r);
	free_sequence(&seq);
}

/* Every byte offset: every whole sample replays, then a note naming where
 * it stopped; an incomplete header is an error; never a crash. */
static void
test_cut_everywhere(void **state)
{
	struct sequence seq;

	(void)state;
	make_sequence(&seq, 6, 3);
	for (size_t cut = 0; cut < seq.len; cut++) {
		char cause[CAUSE_LEN] = "";
		uint8_t *copy = malloc(cut + 1);
		struct record_reader *r;
		size_t whole = 0;
		bool boundary;

		assert_non_null(copy);
		memcpy(copy, seq.bytes, cut);
		r = record_reader_open_mem(copy, cut, "cut", cause, sizeof(cause));
		if (cut < seq.header_len) {
			assert_null(r);
			assert_true(strlen(cause) > 0);
			free(copy);
			continue;
		}
		assert_non_null(r);
		while (whole < seq.n && seq.record_end[whole] <= cut)
			whole++;
		for (size_t i = 0; i < whole; i++)
			load_and_check(r, &seq, i);
		assert_int_equal(record_reader_reach(r, whole, cause, sizeof(cause)), 1);
		assert_int_equal(record_reader_known(r), whole);
		/* The end mark is cut off too: there is always a note. */
		boundary = cut == (whole > 0 ? seq.record_end[whole - 1] : seq.header_len);
		assert_non_null(strstr(record_reader_note(r),
		                       boundary ? "without an end mark" : "is cut at byte"));
		record_reader_free(r);
		free(copy);
	}
	free_sequence(&seq);
}

static void
test_corrupt(void **state)
{
	struct sequence seq;
	char cause[CAUSE_LEN], want[32];
	struct record_reader *r;
	uint8_t *copy;
	struct snapshot *snap;

	(void)state;
	make_sequence(&seq, 5, 10);
	copy = malloc(seq.len);
	assert_non_null(copy);

	/* A flipped byte in the header (the host name). */
	memcpy(copy, seq.bytes, seq.len);
	copy[RECORD_HEADER_FIXED + 21] ^= 0x40;
	assert_null(record_reader_open_mem(copy, seq.len, "h", cause, sizeof(cause)));
	assert_non_null(strstr(cause, "corrupt header"));

	/* Another version. */
	memcpy(copy, seq.bytes, seq.len);
	copy[8] = RECORD_VERSION + 1;
	assert_null(record_reader_open_mem(copy, seq.len, "v", cause, sizeof(cause)));
	assert_int_equal(errno, ENOTSUP);
	snprintf(want, sizeof(want), "version %d", RECORD_VERSION + 1);
	assert_non_null(strstr(cause, want));
	memcpy(copy, seq.bytes, seq.len);
	copy[8] = 0;
	assert_null(record_reader_open_mem(copy, seq.len, "v", cause, sizeof(cause)));
	assert_int_equal(errno, ENOTSUP);
	assert_non_null(strstr(cause, "version 0"));

	/* Flags this reader does not know. */
	memcpy(copy, seq.bytes, seq.len);
	copy[10] = 1;
	assert_null(record_reader_open_mem(copy, seq.len, "f", cause, sizeof(cause)));

	/* A flipped byte inside sample 2's record: samples 0 and 1 load, 2
	 * is a checksum error. */
	memcpy(copy, seq.bytes, seq.len);
	copy[seq.record_end[1] + 12] ^= 0x01;
	r = record_reader_open_mem(copy, seq.len, "c", cause, sizeof(cause));
	assert_non_null(r);
	load_and_check(r, &seq, 0);
	load_and_check(r, &seq, 1);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 2, snap, cause, sizeof(cause)), -1);
	assert_non_null(strstr(cause, "checksum mismatch"));
	assert_non_null(strstr(cause, "sample 2"));
	snapshot_unref(snap);
	assert_true(record_reader_finished(r));
	load_and_check(r, &seq, 1); /* what came before still loads */
	record_reader_free(r);

	/* Not a recording at all. */
	for (size_t i = 0; i < seq.len; i++)
		copy[i] = (uint8_t)next_rand();
	assert_null(record_reader_open_mem(copy, seq.len, "random", cause, sizeof(cause)));
	assert_non_null(strstr(cause, "not a tcpdeck recording"));
	assert_null(record_reader_open_mem(copy, 0, "empty", cause, sizeof(cause)));

	free(copy);
	free_sequence(&seq);
}

/* A record whose checksum is right but whose contents are not (as a
 * writer bug would make): a clear error, not a crash. */
static void
test_bad_contents(void **state)
{
	struct sequence seq;
	uint8_t *copy;

	(void)state;
	make_sequence(&seq, 4, 10);
	copy = malloc(seq.len);
	assert_non_null(copy);
	for (int trial = 0; trial < 2000; trial++) {
		size_t rec = below(4), start = rec == 0 ? seq.header_len : seq.record_end[rec - 1];
		size_t len = seq.record_end[rec] - start - RECORD_FRAME_LEN;
		char cause[CAUSE_LEN];
		struct record_reader *r;
		uint32_t crc;

		memcpy(copy, seq.bytes, seq.len);
		for (int k = 1 + below(3); k > 0; k--)
			copy[start + RECORD_FRAME_LEN + below((uint32_t)len)] =
			    (uint8_t)next_rand();
		crc = record_crc32(record_crc32(0, copy + start, 5),
		                   copy + start + RECORD_FRAME_LEN, len);
		for (int k = 0; k < 4; k++)
			copy[start + 5 + k] = (uint8_t)(crc >> (8 * k));
		r = record_reader_open_mem(copy, seq.len, "x", cause, sizeof(cause));
		assert_non_null(r);
		for (size_t i = 0; i < seq.n; i++) {
			struct snapshot *snap = snapshot_new(0);
			int rc = record_reader_load(r, i, snap, cause, sizeof(cause));

			if (rc != 0)
				assert_true(strlen(cause) > 0);
			snapshot_unref(snap);
		}
		record_reader_free(r);
	}
	free(copy);
	free_sequence(&seq);
}

struct feeder {
	int fd;
	const uint8_t *bytes;
	size_t len;
};

static void *
feed(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0;

	/* In small pieces, as a pipe delivers them. */
	while (off < f->len) {
		size_t n = f->len - off < 777 ? f->len - off : 777;
		ssize_t k = write(f->fd, f->bytes + off, n);

		if (k <= 0)
			break;
		off += (size_t)k;
	}
	close(f->fd);
	return NULL;
}

static void
test_pipe(void **state)
{
	struct sequence seq;
	char cause[CAUSE_LEN];
	struct record_reader *r;
	struct feeder f;
	pthread_t thread;
	int fds[2];

	(void)state;
	make_sequence(&seq, 20, 4);
	assert_int_equal(pipe(fds), 0);
	f = (struct feeder){.fd = fds[1], .bytes = seq.bytes, .len = seq.len};
	assert_int_equal(pthread_create(&thread, NULL, feed, &f), 0);
	r = record_reader_open_fd(fds[0], "pipe", cause, sizeof(cause));
	assert_non_null(r);
	for (size_t i = 0; i < seq.n; i++) {
		load_and_check(r, &seq, i);
		if (i >= 2)
			load_and_check(r, &seq, i - 2); /* a step back */
	}
	assert_int_equal(record_reader_reach(r, seq.n, cause, sizeof(cause)), 1);
	assert_true(record_reader_finished(r));
	load_and_check(r, &seq, 3); /* well within the window */
	record_reader_free(r);
	pthread_join(thread, NULL);
	free_sequence(&seq);
}

static void
test_write_error(void **state)
{
	struct sequence seq;
	char cause[CAUSE_LEN];
	struct record_writer *w;
	int fds[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	make_sequence(&seq, 3, 10);
	assert_int_equal(pipe(fds), 0);
	w = record_writer_open_fd(fds[1], "pipe", cause, sizeof(cause));
	assert_non_null(w);
	assert_int_equal(record_writer_add(w, seq.snaps[0], cause, sizeof(cause)), 0);
	close(fds[0]); /* the reader went away */
	assert_int_equal(record_writer_add(w, seq.snaps[1], cause, sizeof(cause)), -1);
	assert_int_equal(errno, EPIPE);
	assert_non_null(strstr(cause, "stopped"));
	assert_non_null(strstr(cause, "1 sample(s)"));
	/* Stopped for good, with the same cause. */
	cause[0] = '\0';
	assert_int_equal(record_writer_add(w, seq.snaps[2], cause, sizeof(cause)), -1);
	assert_non_null(strstr(cause, "stopped"));
	assert_int_equal(record_writer_samples(w), 1);
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), -1);
	close(fds[1]);
	/* /dev/full: even the header cannot be written. */
	assert_null(record_writer_open("/dev/full", cause, sizeof(cause)));
	assert_non_null(strstr(cause, "No space"));
	free_sequence(&seq);
}

static void
test_overwrite_policy(void **state)
{
	char path[] = "test_record_ow.XXXXXX";
	char cause[CAUSE_LEN];
	struct record_writer *w;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	/* An unrelated file is kept. */
	assert_int_equal(write(fd, "precious\n", 9), 9);
	close(fd);
	assert_null(record_writer_open(path, cause, sizeof(cause)));
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(cause, "not replacing"));
	/* An empty file, then an older recording, are replaced. */
	assert_int_equal(truncate(path, 0), 0);
	w = record_writer_open(path, cause, sizeof(cause));
	assert_non_null(w);
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	w = record_writer_open(path, cause, sizeof(cause));
	assert_non_null(w);
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	unlink(path);
}

static void
write_file(const char *path, const void *bytes, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
}

/* -r tells a recording from an ss -D dump by the magic. */
static void
test_detect(void **state)
{
	struct sequence seq;
	const char *path = "test_record_detect.bin";
	char cause[CAUSE_LEN];
	struct source src = {0};
	bool is_recording = false;
	/* An ss -D dump of no socket: one NLMSG_DONE. */
	uint32_t done[5] = {20, 3 /* NLMSG_DONE */ | (2u /* NLM_F_MULTI */ << 16), 1, 0, 0};

	(void)state;
	make_sequence(&seq, 2, 10);
	write_file(path, seq.bytes, seq.len);
	assert_int_equal(source_replay_open(&src, path, &is_recording, cause, sizeof(cause)), 0);
	assert_true(is_recording);
	assert_non_null(source_record_control(&src));
	source_close(&src);
	write_file(path, done, sizeof(done));
	assert_int_equal(source_replay_open(&src, path, &is_recording, cause, sizeof(cause)), 0);
	assert_false(is_recording);
	assert_null(source_record_control(&src));
	source_close(&src);
	unlink(path);
	free_sequence(&seq);
}

static int
source_take(struct source *src, struct snapshot **out)
{
	char cause[CAUSE_LEN] = "";
	struct snapshot *snap = snapshot_new(0);
	int rc = src->ops->sample(src->state, snap, cause, sizeof(cause));

	if (rc == 0) {
		snapshot_seal(snap);
		*out = snap;
	} else {
		snapshot_unref(snap);
		*out = NULL;
	}
	return rc;
}

/* The controls a replay UI uses: pause, step both ways, seek, speed, the
 * status, and holding at the end. */
static void
test_controls(void **state)
{
	struct sequence seq;
	const char *path = "test_record_ctl.rec";
	char cause[CAUSE_LEN];
	struct source src = {0};
	struct source_record_control *ctl;
	struct source_record_status st;
	struct snapshot *snap;
	struct timespec t;

	(void)state;
	make_sequence(&seq, 10, 4);
	write_file(path, seq.bytes, seq.len);
	assert_int_equal(source_record_open(&src, path, cause, sizeof(cause)), 0);
	ctl = source_record_control(&src);
	assert_non_null(ctl);
	assert_true(src.ops->pace(src.state) == 0); /* the first at once */
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(source_take(&src, &snap), 0);
		assert_same_sample(seq.snaps[i], snap);
		snapshot_unref(snap);
	}
	/* Paced as recorded, and faster at speed 2. */
	{
		double want =
		    (double)(seq.snaps[3]->taken_mono.tv_sec - seq.snaps[2]->taken_mono.tv_sec) +
		    (double)(seq.snaps[3]->taken_mono.tv_nsec - seq.snaps[2]->taken_mono.tv_nsec) /
		        1e9;

		assert_true(src.ops->pace(src.state) > want - 1e-6);
		assert_true(src.ops->pace(src.state) < want + 1e-6);
		assert_true(source_record_set_speed(ctl, 2.0) == 2.0);
		assert_true(src.ops->pace(src.state) < want / 2 + 1e-6);
		assert_true(source_record_set_speed(ctl, 1e9) == SOURCE_RECORD_MAX_SPEED);
	}
	source_record_pause(ctl, true);
	assert_true(src.ops->pace(src.state) == SOURCE_PACE_HOLD);
	assert_int_equal(source_take(&src, &snap), 2);
	source_record_step(ctl, -1);
	assert_true(src.ops->pace(src.state) == 0);
	assert_int_equal(source_take(&src, &snap), 0);
	assert_same_sample(seq.snaps[1], snap);
	snapshot_unref(snap);
	source_record_step(ctl, +1);
	assert_int_equal(source_take(&src, &snap), 0);
	assert_same_sample(seq.snaps[2], snap);
	snapshot_unref(snap);
	source_record_status(ctl, &st);
	assert_true(st.paused);
	assert_true(st.shown_valid);
	assert_int_equal(st.shown, 2);
	assert_int_equal(st.shown_wall.tv_sec, seq.snaps[2]->taken_wall.tv_sec);
	/* Seek by time, to the sample at or before it. */
	t = seq.snaps[6]->taken_wall;
	t.tv_nsec += 1;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	source_record_seek_index(ctl, 9);
	assert_int_equal(source_take(&src, &snap), 0);
	assert_same_sample(seq.snaps[9], snap);
	snapshot_unref(snap);
	source_record_seek_time(ctl, &t);
	assert_int_equal(source_take(&src, &snap), 0);
	assert_same_sample(seq.snaps[6], snap);
	snapshot_unref(snap);
	/* Play on to the end: held there, not ended. */
	source_record_pause(ctl, false);
	for (size_t i = 7; i < 10; i++) {
		assert_int_equal(source_take(&src, &snap), 0);
		assert_same_sample(seq.snaps[i], snap);
		snapshot_unref(snap);
	}
	assert_int_equal(source_take(&src, &snap), 2);
	assert_true(src.ops->pace(src.state) == SOURCE_PACE_HOLD);
	source_record_status(ctl, &st);
	assert_int_equal(st.known, 10);
	assert_true(st.finished);
	source_record_step(ctl, -3);
	assert_int_equal(source_take(&src, &snap), 0);
	assert_same_sample(seq.snaps[6], snap);
	snapshot_unref(snap);
	source_close(&src);

	/* Without controls (batch), the end is the end. */
	assert_int_equal(source_record_open(&src, path, cause, sizeof(cause)), 0);
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(source_take(&src, &snap), 0);
		snapshot_unref(snap);
	}
	assert_int_equal(source_take(&src, &snap), 1);
	source_close(&src);
	unlink(path);
	free_sequence(&seq);
}

/* A cut file: the last whole sample carries the note. */
static void
test_source_cut_note(void **state)
{
	struct sequence seq;
	const char *path = "test_record_cutnote.rec";
	char cause[CAUSE_LEN];
	struct source src = {0};
	struct snapshot *snap;

	(void)state;
	make_sequence(&seq, 4, 10);
	write_file(path, seq.bytes, seq.record_end[2] + 5);
	assert_int_equal(source_record_open(&src, path, cause, sizeof(cause)), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(source_take(&src, &snap), 0);
		assert_same_sample(seq.snaps[i], snap);
		if (i < 2)
			assert_string_equal(snap->note, "");
		else
			assert_non_null(strstr(snap->note, "cut at byte"));
		snapshot_unref(snap);
	}
	assert_int_equal(source_take(&src, &snap), 1);
	source_close(&src);
	unlink(path);
	free_sequence(&seq);
}

/* A source that serves the samples of a sequence, as a live one would. */
struct fake {
	const struct sequence *seq;
	size_t next;
};

static int
fake_sample(void *state, struct snapshot *snap, char *cause, size_t cause_len)
{
	struct fake *f = state;
	const struct snapshot *want;

	(void)cause;
	(void)cause_len;
	if (f->next == f->seq->n)
		return 1;
	want = f->seq->snaps[f->next++];
	for (size_t k = 0; k < want->n_entries; k++)
		*snapshot_add(snap) = want->entries[k];
	snap->owners = want->owners != NULL ? owner_table_ref(want->owners) : NULL;
	snap->owners_partial = want->owners_partial;
	snap->counters = want->counters;
	snap->nfct = want->nfct;
	snap->taken_mono = want->taken_mono;
	snap->taken_wall = want->taken_wall;
	snap->sample_ns = want->sample_ns;
	snap->dump_restarts = want->dump_restarts;
	/* Not the interval: a source without a pace of its own samples at
	 * the sampler's, which the sampler notes itself. */
	return 0;
}

static const struct source_ops fake_ops = {.name = "fake", .sample = fake_sample};

/* Waits (bounded) until the ring is closed or has published `seq`. */
static bool
wait_ring(struct ring *ring, uint64_t seq, bool closed)
{
	for (int i = 0; i < 500; i++) {
		if (closed ? ring_closed(ring, NULL, NULL, 0) : ring_last_seq(ring) >= seq)
			return true;
		usleep(10000);
	}
	return false;
}

/* The sampler hands every published snapshot to its recorder, and the
 * file holds them all, closed with the end mark. */
static void
test_sampler_records(void **state)
{
	struct sequence seq;
	struct fake fake = {.seq = &seq};
	const char *path = "test_record_sampler.rec";
	struct source src = {.ops = &fake_ops, .state = &fake};
	char cause[CAUSE_LEN];
	struct record_writer *w;
	struct record_reader *r;
	struct sampler *sampler;
	struct ring *ring;

	(void)state;
	make_sequence(&seq, 8, 3);
	unlink(path);
	ring = ring_new(2);
	assert_non_null(ring);
	sampler = sampler_new(&src, ring, SAMPLER_MIN_INTERVAL, 0);
	assert_non_null(sampler);
	w = record_writer_open(path, cause, sizeof(cause));
	assert_non_null(w);
	sampler_set_recorder(sampler, w);
	assert_int_equal(sampler_start(sampler), 0);
	assert_true(wait_ring(ring, 0, true));
	sampler_free(sampler);
	ring_free(ring);
	r = record_reader_open(path, cause, sizeof(cause));
	assert_non_null(r);
	for (size_t i = 0; i < seq.n; i++)
		load_and_check(r, &seq, i);
	assert_int_equal(record_reader_reach(r, seq.n, cause, sizeof(cause)), 1);
	assert_string_equal(record_reader_note(r), ""); /* the end mark */
	record_reader_free(r);
	unlink(path);
	free_sequence(&seq);
}

/* A replay under a sampler: paused it publishes nothing, a step and
 * sampler_wake() publish the sample asked for at once. */
static void
test_sampler_controls(void **state)
{
	struct sequence seq;
	const char *path = "test_record_sctl.rec";
	char cause[CAUSE_LEN];
	struct source src = {0};
	struct source_record_control *ctl;
	struct sampler *sampler;
	struct ring *ring;
	struct snapshot *snap;
	uint64_t last;

	(void)state;
	make_sequence(&seq, 6, 3);
	write_file(path, seq.bytes, seq.len);
	assert_int_equal(source_record_open(&src, path, cause, sizeof(cause)), 0);
	ctl = source_record_control(&src);
	source_record_set_speed(ctl, 100.0); /* about 10 ms between samples */
	ring = ring_new(8);
	sampler = sampler_new(&src, ring, 1.0, 0);
	assert_int_equal(sampler_start(sampler), 0);
	assert_true(wait_ring(ring, 3, false));
	source_record_pause(ctl, true);
	sampler_wake(sampler);
	usleep(100000);
	last = ring_last_seq(ring);
	usleep(300000);
	assert_int_equal(ring_last_seq(ring), last); /* paused */
	source_record_step(ctl, -1);
	sampler_wake(sampler);
	assert_true(wait_ring(ring, last + 1, false));
	snap = ring_latest(ring);
	{
		struct source_record_status st;

		source_record_status(ctl, &st);
		assert_true(st.shown_valid);
		assert_same_sample(seq.snaps[st.shown], snap);
		assert_int_equal(st.shown, (size_t)last - 2); /* seq is index + 1 */
	}
	snapshot_unref(snap);
	/* Played to the end it holds: the ring stays open. */
	source_record_pause(ctl, false);
	sampler_wake(sampler);
	usleep(300000);
	assert_false(ring_closed(ring, NULL, NULL, 0));
	sampler_free(sampler);
	ring_free(ring);
	unlink(path);
	free_sequence(&seq);
}

static void
test_varint_zigzag(void **state)
{
	static const uint64_t values[] = {
	    0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX};
	struct record_buf b = {0};
	struct record_cur c;

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		record_buf_varint(&b, values[i]);
		assert_int_equal(record_unzigzag(record_zigzag((int64_t)values[i])),
		                 (int64_t)values[i]);
	}
	assert_int_equal(record_zigzag(-1), 1);
	assert_int_equal(record_zigzag(1), 2);
	c = (struct record_cur){.p = b.bytes, .left = b.len};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		assert_int_equal(record_cur_varint(&c), values[i]);
	assert_false(c.bad);
	assert_int_equal(record_cur_varint(&c), 0);
	assert_true(c.bad);
	record_buf_free(&b);
	/* The standard check value of CRC-32. */
	assert_int_equal(record_crc32(0, "123456789", 9), 0xcbf43926u);
}

/* Batch replay of src as JSON states lines, into a string (freed by the
 * caller); first_s stands in for the interval of a first sample that
 * does not carry one. */
static char *
replay_states_json(struct source *src, double first_s)
{
	struct batch_request req = {.format = output_format_find("json"),
	                            .view = OUTPUT_VIEW_STATES,
	                            .sort_column = -1,
	                            .peers_by = PEERS_BY_TOTAL};
	char cause[CAUSE_LEN];
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_non_null(req.format);
	if (batch_run_source(src, first_s, 0, &req, out, cause, sizeof(cause)) != 0)
		fail_msg("batch replay: %s", cause);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* The "interval" of JSON line `line` (from 1) of text, as printed. */
static void
interval_of_line(const char *text, int line, char *out, size_t out_size)
{
	const char *p = text;
	size_t n;

	for (int i = 1; i < line && p != NULL; i++) {
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	assert_non_null(p);
	p = strstr(p, "\"interval\": ");
	assert_non_null(p);
	p += strlen("\"interval\": ");
	n = strcspn(p, ",");
	assert_true(n < out_size);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The sampling interval survives the round trip, and a replay prints it
 * as the live run did: for the first sample too, and not the measured
 * spacing of the samples (0.2007 s here).  A version 1 recording, which
 * lacks it, still replays: with the measured spacing, as before. */
static void
test_interval(void **state)
{
	const char *path = "test_record_interval.rec";
	static const uint64_t interval_ns[] = {200000000u, 200000000u, 500000000u};
	char cause[CAUSE_LEN], got[32], want[32], v1[4096];
	struct source src = {0};
	struct record_writer *w;
	struct record_reader *r;
	struct timespec a, b;
	const char *srcdir = getenv("TESTS_SRCDIR");
	char *text;

	(void)state;
	unlink(path);
	w = record_writer_open(path, cause, sizeof(cause));
	assert_non_null(w);
	for (unsigned int i = 0; i < 3; i++) {
		struct snapshot *snap = snapshot_new(1);
		struct sock_entry *e = snapshot_add(snap);

		e->state = KERNEL_TCP_LISTEN;
		e->cookie = 7;
		snap->taken_mono.tv_sec = 100;
		snap->taken_mono.tv_nsec = (long)i * 200700000;
		snap->taken_wall.tv_sec = 1700000000;
		snap->taken_wall.tv_nsec = snap->taken_mono.tv_nsec;
		snap->interval_ns = interval_ns[i];
		snapshot_seal(snap);
		assert_int_equal(record_writer_add(w, snap, cause, sizeof(cause)), 0);
		snapshot_unref(snap);
	}
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	r = record_reader_open(path, cause, sizeof(cause));
	assert_non_null(r);
	assert_int_equal(record_reader_info(r)->version, RECORD_VERSION);
	for (size_t i = 0; i < 3; i++) {
		struct snapshot *snap = snapshot_new(0);

		assert_int_equal(record_reader_load(r, i, snap, cause, sizeof(cause)), 0);
		assert_int_equal(snap->interval_ns, interval_ns[i]);
		snapshot_unref(snap);
	}
	record_reader_free(r);
	assert_int_equal(source_record_open(&src, path, cause, sizeof(cause)), 0);
	text = replay_states_json(&src, 1.0);
	source_close(&src);
	interval_of_line(text, 1, got, sizeof(got));
	assert_string_equal(got, "0.2");
	interval_of_line(text, 2, got, sizeof(got));
	assert_string_equal(got, "0.2");
	interval_of_line(text, 3, got, sizeof(got));
	assert_string_equal(got, "0.5");
	free(text);
	unlink(path);

	/* Version 1, made by tcpdeck before the interval was recorded. */
	snprintf(v1, sizeof(v1), "%s/data/recordings/basic-v1.tdr",
	         srcdir != NULL ? srcdir : "tests");
	r = record_reader_open(v1, cause, sizeof(cause));
	if (r == NULL)
		fail_msg("%s", cause);
	assert_int_equal(record_reader_info(r)->version, 1);
	assert_int_equal(record_reader_reach(r, 9, cause, sizeof(cause)), 0);
	for (size_t i = 0; i < 10; i++) {
		struct snapshot *snap = snapshot_new(0);

		assert_int_equal(record_reader_load(r, i, snap, cause, sizeof(cause)), 0);
		assert_int_equal(snap->interval_ns, 0);
		assert_true(snap->n_entries > 0);
		snapshot_unref(snap);
	}
	assert_int_equal(record_reader_time(r, 0, NULL, &a), 0);
	assert_int_equal(record_reader_time(r, 1, NULL, &b), 0);
	record_reader_free(r);
	assert_int_equal(source_record_open(&src, v1, cause, sizeof(cause)), 0);
	text = replay_states_json(&src, 1.0);
	source_close(&src);
	interval_of_line(text, 1, got, sizeof(got));
	assert_string_equal(got, "1");
	interval_of_line(text, 2, got, sizeof(got));
	snprintf(want, sizeof(want), "%g",
	         (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	assert_string_equal(got, want);
	free(text);
}

/* Version 3 added the descriptors of processes and the conntrack table's
 * fill: a version 2 recording (basic.tdr) replays with neither (counts 0,
 * not present), and a version 3 file relabelled as version 2 is refused
 * as corrupt rather than misread. */
static void
test_version2(void **state)
{
	const char *srcdir = getenv("TESTS_SRCDIR");
	char cause[CAUSE_LEN], path[4096];
	struct sequence seq;
	struct record_reader *r;
	struct snapshot *snap;
	uint32_t header_len, crc;
	uint8_t *copy;
	size_t with_owners = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/data/recordings/basic.tdr",
	         srcdir != NULL ? srcdir : "tests");
	r = record_reader_open(path, cause, sizeof(cause));
	if (r == NULL)
		fail_msg("%s", cause);
	assert_int_equal(record_reader_info(r)->version, 2);
	for (size_t i = 0; i < 10; i++) {
		snap = snapshot_new(0);
		assert_int_equal(record_reader_load(r, i, snap, cause, sizeof(cause)), 0);
		assert_true(snap->n_entries > 0);
		assert_false(snap->nfct.present);
		assert_int_equal(snap->nfct.count, 0);
		for (size_t k = 0; snap->owners != NULL && k < owner_table_procs(snap->owners); k++) {
			const struct owner_proc *p = owner_table_proc(snap->owners, (uint32_t)k);

			assert_int_equal(p->fds, 0);
			assert_int_equal(p->fd_limit, 0);
			assert_int_equal(p->fd_limit_hard, 0);
			with_owners += p->pid > 0;
		}
		snapshot_unref(snap);
	}
	assert_true(with_owners > 0);
	record_reader_free(r);

	make_sequence(&seq, 3, 10);
	assert_true(seq.snaps[0]->nfct.present);
	copy = malloc(seq.len);
	assert_non_null(copy);
	memcpy(copy, seq.bytes, seq.len);
	copy[8] = 2;
	header_len = record_le32(copy + 12);
	/* The header's CRC, at 12 + H, covers every byte before it. */
	crc = record_crc32(0, copy, 12 + header_len);
	for (int k = 0; k < 4; k++)
		copy[12 + header_len + (uint32_t)k] = (uint8_t)(crc >> (8 * k));
	r = record_reader_open_mem(copy, seq.len, "v2", cause, sizeof(cause));
	if (r == NULL)
		fail_msg("%s", cause);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), -1);
	assert_non_null(strstr(cause, "corrupt sample 0"));
	snapshot_unref(snap);
	record_reader_free(r);
	free(copy);
	free_sequence(&seq);
}

/* A table, no table, the same table again: the third sample must carry
 * the table, since its reader forgot it at the second. */
static void
test_owners_after_none(void **state)
{
	char path[] = "test_record.XXXXXX", cause[CAUSE_LEN];
	uint32_t inode = 5001;
	struct owner_table *t = make_owners(2, &inode, 1);
	struct snapshot *snaps[3];
	struct record_writer *w;
	struct record_reader *r;
	int fd = mkstemp(path);
	uint8_t *bytes;
	size_t len;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	w = record_writer_open_fd(fd, "owners", cause, sizeof(cause));
	assert_non_null(w);
	record_writer_set_keyframes(w, 100, (size_t)1 << 30);
	for (int i = 0; i < 3; i++) {
		struct sock_entry *e;

		snaps[i] = snapshot_new(1);
		assert_non_null(snaps[i]);
		e = snapshot_add(snaps[i]);
		memset(e, 0, sizeof(*e));
		e->cookie = 9;
		e->family = AF_INET;
		e->state = TCP_STATE_ESTABLISHED;
		e->inode = inode;
		if (i != 1) {
			e->owner_status = OWNER_FOUND;
			e->n_owners = 1;
			snaps[i]->owners = owner_table_ref(t);
		}
		snaps[i]->taken_mono.tv_sec = 100 + i;
		snapshot_seal(snaps[i]);
		assert_int_equal(record_writer_add(w, snaps[i], cause, sizeof(cause)), 0);
	}
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	len = (size_t)lseek(fd, 0, SEEK_END);
	bytes = malloc(len);
	assert_non_null(bytes);
	assert_int_equal(pread(fd, bytes, len, 0), (ssize_t)len);
	close(fd);
	r = record_reader_open_mem(bytes, len, "owners", cause, sizeof(cause));
	assert_non_null(r);
	for (int i = 0; i < 3; i++) {
		struct snapshot *snap = snapshot_new(0);

		if (record_reader_load(r, (size_t)i, snap, cause, sizeof(cause)) != 0)
			fail_msg("sample %d: %s", i, cause);
		assert_int_equal(snap->owners != NULL, i != 1);
		snapshot_seal(snap);
		assert_same_owners(snaps[i], snap);
		snapshot_unref(snap);
		snapshot_unref(snaps[i]);
	}
	record_reader_free(r);
	owner_table_unref(t);
	free(bytes);
}

/* One sample of one socket, written to memory (*bytes, *len). */
static void
write_one(const struct sock_entry *e, uint8_t **bytes, size_t *len)
{
	char path[] = "test_record.XXXXXX", cause[CAUSE_LEN];
	int fd = mkstemp(path);
	struct record_writer *w;
	struct snapshot *snap = snapshot_new(1);

	assert_true(fd >= 0);
	unlink(path);
	assert_non_null(snap);
	*snapshot_add(snap) = *e;
	snap->taken_mono.tv_sec = 100;
	snapshot_seal(snap);
	w = record_writer_open_fd(fd, "one", cause, sizeof(cause));
	assert_non_null(w);
	assert_int_equal(record_writer_add(w, snap, cause, sizeof(cause)), 0);
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	snapshot_unref(snap);
	*len = (size_t)lseek(fd, 0, SEEK_END);
	*bytes = malloc(*len);
	assert_non_null(*bytes);
	assert_int_equal(pread(fd, *bytes, *len, 0), (ssize_t)*len);
	close(fd);
}

/* Makes a file say it is of `version`, its header checksum made good. */
static void
set_version(uint8_t *bytes, unsigned int version)
{
	uint32_t h = record_le32(bytes + 12), crc;

	bytes[8] = (uint8_t)version;
	bytes[9] = 0;
	crc = record_crc32(0, bytes, 12 + h);
	for (int i = 0; i < 4; i++)
		bytes[12 + h + i] = (uint8_t)(crc >> (8 * i));
}

/*
 * Version 3 appended the peer's window (snd_wnd, rwnd_limited_ms) to the
 * socket fields: they come back from a version 3 file, a version 2 file
 * knows 23 fields only (a mask bit beyond them is corruption, not a
 * field), and a version 2 file without them reads as before.
 */
static void
test_window_fields_versions(void **state)
{
	struct sock_entry e;
	struct snapshot *snap;
	struct record_reader *r;
	char cause[CAUSE_LEN];
	uint8_t *bytes;
	size_t len;

	(void)state;
	assert_int_equal(record_field_count(1), 23);
	assert_int_equal(record_field_count(2), 23);
	assert_int_equal(record_field_count(RECORD_VERSION), RECORD_FIELD_COUNT);
	memset(&e, 0, sizeof(e));
	e.cookie = 7;
	e.family = AF_INET;
	e.state = TCP_STATE_ESTABLISHED;
	e.flags = SOCK_ENTRY_HAS_INFO | SOCK_ENTRY_HAS_SND_WND;
	e.send_q = 4096;
	e.snd_wnd = 0; /* closed */
	e.rwnd_limited_ms = 123456;

	write_one(&e, &bytes, &len);
	r = record_reader_open_mem(bytes, len, "v4", cause, sizeof(cause));
	assert_non_null(r);
	assert_int_equal(record_reader_info(r)->version, RECORD_VERSION);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->n_entries, 1);
	assert_memory_equal(&snap->entries[0], &e, sizeof(e));
	snapshot_unref(snap);
	record_reader_free(r);

	set_version(bytes, 2);
	r = record_reader_open_mem(bytes, len, "v2", cause, sizeof(cause));
	assert_non_null(r);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), -1);
	assert_non_null(strstr(cause, "unknown field"));
	snapshot_unref(snap);
	record_reader_free(r);
	free(bytes);

	e.rwnd_limited_ms = 0;
	e.flags = SOCK_ENTRY_HAS_INFO;
	write_one(&e, &bytes, &len);
	set_version(bytes, 2);
	r = record_reader_open_mem(bytes, len, "v2", cause, sizeof(cause));
	assert_non_null(r);
	assert_int_equal(record_reader_info(r)->version, 2);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), 0);
	assert_memory_equal(&snap->entries[0], &e, sizeof(e));
	snapshot_unref(snap);
	record_reader_free(r);
	free(bytes);
}

/* Version 4: the same sequences with namespaces come back equal, in
 * order, backwards and at random; cut at every byte, every whole sample
 * still does. */
static void
test_round_trip_netns(void **state)
{
	with_netns = true;
	test_round_trip(state);
	with_netns = false;
}

static void
test_cut_everywhere_netns(void **state)
{
	with_netns = true;
	test_cut_everywhere(state);
	with_netns = false;
}

/* From a pipe, stepping back within what is kept. */
static void
test_pipe_netns(void **state)
{
	with_netns = true;
	test_pipe(state);
	with_netns = false;
}

/* A keyframe of n sockets in namespaces of nsize consecutive sockets
 * each; its length in bytes. */
static size_t
keyframe_bytes(size_t n, size_t nsize, bool table)
{
	struct snapshot *snap = snapshot_new(n);
	size_t len;
	char path[] = "test_record.XXXXXX", cause[CAUSE_LEN];
	int fd = mkstemp(path);
	struct record_writer *w;

	assert_true(fd >= 0);
	unlink(path);
	assert_non_null(snap);
	for (size_t i = 0; i < n; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		e->cookie = 1000 + i;
		e->family = AF_INET;
		e->state = TCP_STATE_ESTABLISHED;
		e->local_port = 80;
		e->remote_port = (uint16_t)(30000 + i);
		e->netns = nsize == 0 ? 0 : 4026532000u + (uint32_t)(i / nsize);
	}
	if (table)
		for (size_t k = 0; nsize > 0 && k * nsize < n; k++)
			assert_non_null(snapshot_add_netns(snap, 4026532000u + (uint32_t)k));
	snapshot_seal(snap);
	w = record_writer_open_fd(fd, "size", cause, sizeof(cause));
	assert_non_null(w);
	assert_int_equal(record_writer_add(w, snap, cause, sizeof(cause)), 0);
	len = (size_t)record_writer_bytes(w);
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	close(fd);
	snapshot_unref(snap);
	return len;
}

/* The namespace of a socket costs nothing but where it changes: 1000
 * sockets in 4 namespaces take a few bytes per namespace more than 1000
 * sockets without one (at each change of namespace its inode and a
 * longer mask; and the table). */
static void
test_netns_costs_little(void **state)
{
	size_t plain, spread, tabled;

	(void)state;
	plain = keyframe_bytes(1000, 0, false);
	spread = keyframe_bytes(1000, 250, false);
	tabled = keyframe_bytes(1000, 250, true);
	assert_true(spread > plain);
	/* Each change: the inode (5 bytes) and a mask 2 bytes longer. */
	assert_true(spread - plain <= 4 * 7);
	/* The table: the note (1), the count (1), each namespace's inode
	 * step, flags and empty names (5 + 1 + 5 at most). */
	assert_true(tabled - spread <= 2 + 4 * 11);
}

/*
 * Version 5 added the closes of each interval: they come back whole; a
 * file with them relabelled as version 4 is refused (the sample flag is
 * corruption there); one without them reads as version 4.
 */
static void
test_closes_versions(void **state)
{
	char path[] = "test_record.XXXXXX", cause[CAUSE_LEN];
	int fd = mkstemp(path);
	struct record_writer *w;
	struct snapshot *snap = snapshot_new(1), *back;
	struct record_reader *r;
	uint8_t *bytes;
	size_t len;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_non_null(snap);
	snap->taken_mono.tv_sec = 100;
	snap->has_closes = true;
	snap->closes_lost = 7;
	snap->closed = calloc(2, sizeof(*snap->closed));
	assert_non_null(snap->closed);
	snap->n_closed = 2;
	snap->closed[0].time_ns = 1234567890123ull;
	snap->closed[0].entry.family = AF_INET;
	snap->closed[0].entry.state = TCP_STATE_CLOSE;
	snap->closed[0].entry.flags = SOCK_ENTRY_HAS_INFO;
	memcpy(snap->closed[0].entry.local_addr, "\x0a\0\0\x01", 4);
	memcpy(snap->closed[0].entry.remote_addr, "\x0a\0\0\x07", 4);
	snap->closed[0].entry.local_port = 8080;
	snap->closed[0].entry.remote_port = 40001;
	snap->closed[0].entry.cookie = 0x123456789abull;
	snap->closed[0].entry.netns = 4026531840u;
	snap->closed[0].entry.bytes_acked = 1001;
	snap->closed[0].entry.bytes_received = 1;
	snap->closed[0].entry.rtt_us = 55;
	snap->closed[0].entry.total_retrans = 3;
	snap->closed[1] = snap->closed[0];
	snap->closed[1].entry.family = AF_INET6;
	memset(snap->closed[1].entry.local_addr, 0xfd, 16);
	snap->closed[1].entry.segs_out = 9;
	snapshot_seal(snap);
	w = record_writer_open_fd(fd, "closes", cause, sizeof(cause));
	assert_non_null(w);
	assert_int_equal(record_writer_add(w, snap, cause, sizeof(cause)), 0);
	assert_int_equal(record_writer_close(w, cause, sizeof(cause)), 0);
	len = (size_t)lseek(fd, 0, SEEK_END);
	bytes = malloc(len);
	assert_non_null(bytes);
	assert_int_equal(pread(fd, bytes, len, 0), (ssize_t)len);
	close(fd);

	r = record_reader_open_mem(bytes, len, "v5", cause, sizeof(cause));
	assert_non_null(r);
	back = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, back, cause, sizeof(cause)), 0);
	assert_true(back->has_closes);
	assert_true(back->closes_lost == 7);
	assert_int_equal(back->n_closed, 2);
	assert_memory_equal(&back->closed[0], &snap->closed[0], sizeof(snap->closed[0]));
	assert_memory_equal(&back->closed[1], &snap->closed[1], sizeof(snap->closed[1]));
	snapshot_unref(back);
	record_reader_free(r);

	set_version(bytes, 4);
	r = record_reader_open_mem(bytes, len, "v4", cause, sizeof(cause));
	assert_non_null(r);
	back = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, back, cause, sizeof(cause)), -1);
	snapshot_unref(back);
	record_reader_free(r);
	free(bytes);
	snapshot_unref(snap);
}

/*
 * Version 4 added the namespaces: a version 4 file with a namespace
 * table, relabelled as version 3, is refused (the sample flag is
 * corruption there), as is one whose sockets carry a namespace (field 25);
 * without either, the same file reads as version 3.
 */
static void
test_netns_versions(void **state)
{
	struct sock_entry e;
	struct snapshot *snap;
	struct record_reader *r;
	char cause[CAUSE_LEN];
	uint8_t *bytes;
	size_t len;

	(void)state;
	assert_int_equal(record_field_count(3), 25);
	assert_int_equal(record_field_count(4), 26);
	memset(&e, 0, sizeof(e));
	e.cookie = 9;
	e.family = AF_INET;
	e.state = TCP_STATE_LISTEN;
	e.netns = 4026532290u;

	write_one(&e, &bytes, &len);
	r = record_reader_open_mem(bytes, len, "v4", cause, sizeof(cause));
	assert_non_null(r);
	assert_int_equal(record_reader_info(r)->version, RECORD_VERSION);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), 0);
	assert_int_equal(snap->entries[0].netns, 4026532290u);
	assert_int_equal(snap->n_netns, 0);
	snapshot_unref(snap);
	record_reader_free(r);
	set_version(bytes, 3);
	r = record_reader_open_mem(bytes, len, "v3", cause, sizeof(cause));
	assert_non_null(r);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), -1);
	assert_non_null(strstr(cause, "unknown field"));
	snapshot_unref(snap);
	record_reader_free(r);
	free(bytes);

	e.netns = 0;
	write_one(&e, &bytes, &len);
	set_version(bytes, 3);
	r = record_reader_open_mem(bytes, len, "v3", cause, sizeof(cause));
	assert_non_null(r);
	snap = snapshot_new(0);
	assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), 0);
	assert_memory_equal(&snap->entries[0], &e, sizeof(e));
	snapshot_unref(snap);
	record_reader_free(r);
	free(bytes);

	{
		struct sequence seq;

		with_netns = true;
		make_sequence(&seq, 2, 10);
		with_netns = false;
		set_version(seq.bytes, 3);
		r = record_reader_open_mem(seq.bytes, seq.len, "v3", cause, sizeof(cause));
		assert_non_null(r);
		snap = snapshot_new(0);
		assert_int_equal(record_reader_load(r, 0, snap, cause, sizeof(cause)), -1);
		assert_non_null(strstr(cause, "bad sample header"));
		snapshot_unref(snap);
		record_reader_free(r);
		free_sequence(&seq);
	}
}

/* A recording with namespaces replays in batch as the live run printed:
 * every states line with its namespaces (names escaped), the namespaces
 * view with a row per namespace of each sample. */
static void
test_replay_netns(void **state)
{
	const char *path = "test_record_netns.rec";
	struct sequence seq;
	struct source src = {0};
	char cause[CAUSE_LEN];
	char *text, *p;
	size_t lines = 0, rows = 0;
	int fd;

	(void)state;
	with_netns = true;
	make_sequence(&seq, 6, 3);
	with_netns = false;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, seq.bytes, seq.len), (ssize_t)seq.len);
	close(fd);

	assert_int_equal(source_record_open(&src, path, cause, sizeof(cause)), 0);
	text = replay_states_json(&src, 1.0);
	source_close(&src);
	for (p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, seq.n);
	for (p = text; (p = strstr(p, "\"namespaces\": [{\"netns\": ")) != NULL; p++)
		rows++;
	assert_int_equal(rows, seq.n);
	assert_non_null(strstr(text, "\"netns\": \"host\", \"inode\": 4026531840, "));
	assert_non_null(strstr(text, "\"netns\": \"bl\\u001b[2Jue\\u0007\", "));
	assert_null(strchr(text, '\x1b'));
	free(text);

	{
		struct batch_request req = {.format = output_format_find("csv"),
		                            .view = OUTPUT_VIEW_NAMESPACES,
		                            .sort_column = -1,
		                            .peers_by = PEERS_BY_TOTAL};
		size_t len = 0, want = 0;
		FILE *out = open_memstream(&text, &len);

		assert_non_null(out);
		assert_int_equal(source_record_open(&src, path, cause, sizeof(cause)), 0);
		if (batch_run_source(&src, 1.0, 0, &req, out, cause, sizeof(cause)) != 0)
			fail_msg("batch replay: %s", cause);
		source_close(&src);
		assert_int_equal(fclose(out), 0);
		lines = 0;
		for (p = text; (p = strchr(p, '\n')) != NULL; p++)
			lines++;
		for (size_t i = 0; i < seq.n; i++)
			want += seq.snaps[i]->n_netns;
		assert_int_equal(lines, 1 + want);
		assert_non_null(strstr(text, ",web-0,4026532290,container,"));
		free(text);
	}
	free_sequence(&seq);
	unlink(path);
}

/* Every byte of struct sock_entry before its padding belongs to exactly
 * one field the format carries: a numbered field or an identity field.
 * A field added to the struct and not to the format fails here (or the
 * size assertions of record_format.c). */
static void
test_fields_cover_entry(void **state)
{
	uint8_t covered[sizeof(struct sock_entry)];
	static const struct {
		size_t offset, size;
	} identity[] = {
	    {offsetof(struct sock_entry, cookie), 8},
	    {offsetof(struct sock_entry, local_addr), 16},
	    {offsetof(struct sock_entry, remote_addr), 16},
	    {offsetof(struct sock_entry, local_port), 2},
	    {offsetof(struct sock_entry, remote_port), 2},
	    {offsetof(struct sock_entry, family), 1},
	};

	(void)state;
	memset(covered, 0, sizeof(covered));
	for (unsigned int f = 0; f < RECORD_FIELD_COUNT; f++)
		for (size_t k = 0; k < record_fields[f].size; k++)
			covered[record_fields[f].offset + k]++;
	for (size_t i = 0; i < sizeof(identity) / sizeof(identity[0]); i++)
		for (size_t k = 0; k < identity[i].size; k++)
			covered[identity[i].offset + k]++;
	for (size_t b = 0; b < sizeof(covered); b++)
		assert_int_equal(covered[b], b < 140 ? 1 : 0);
	assert_int_equal(record_fields[RECORD_FIELD_NETNS].offset,
	                 offsetof(struct sock_entry, netns));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_varint_zigzag),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_load_appends),
	    cmocka_unit_test(test_large_samples),
	    cmocka_unit_test(test_times_and_seek),
	    cmocka_unit_test(test_cut_everywhere),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_bad_contents),
	    cmocka_unit_test(test_pipe),
	    cmocka_unit_test(test_write_error),
	    cmocka_unit_test(test_overwrite_policy),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_controls),
	    cmocka_unit_test(test_source_cut_note),
	    cmocka_unit_test(test_sampler_records),
	    cmocka_unit_test(test_sampler_controls),
	    cmocka_unit_test(test_interval),
	    cmocka_unit_test(test_version2),
	    cmocka_unit_test(test_window_fields_versions),
	    cmocka_unit_test(test_owners_after_none),
	    cmocka_unit_test(test_round_trip_netns),
	    cmocka_unit_test(test_cut_everywhere_netns),
	    cmocka_unit_test(test_pipe_netns),
	    cmocka_unit_test(test_netns_costs_little),
	    cmocka_unit_test(test_netns_versions),
	    cmocka_unit_test(test_closes_versions),
	    cmocka_unit_test(test_fields_cover_entry),
	    cmocka_unit_test(test_replay_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
