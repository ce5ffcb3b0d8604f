/*
 * source_netns.c - the live source over several network namespaces
 * (--netns SPEC, -N NAME): one sock_diag dump per namespace per sample,
 * each entry marked with its namespace's inode, plus a table of the
 * namespaces with their names, counters and conntrack fill.
 *
 * Fixed specs are resolved once and kept.  `all` asks netns_find_all()
 * every sample: new namespaces get a socket, vanished ones lose theirs at
 * once (our own fds keep a namespace alive, and discovery cannot see
 * them, so nothing else would ever let it go).  Without CAP_SYS_ADMIN
 * `all` shows the own namespace only and says so in snap->netns_note.
 * Opened on the main thread, then used by the sampler thread only, apart
 * from the dump worker below.  Never prints, never exits.
 *
 * The dump worker (when there are several namespaces and two threads
 * are allowed).  Each dump walks the kernel's whole, shared socket hash,
 * even for an empty namespace, so namespaces are dumped on two threads:
 * the sampler thread and one persistent worker.  The hand-off contract:
 *  - Between rounds the sampler thread alone owns everything: the slots,
 *    their dumpers and the worker's part (its own snapshot).
 *  - A round: the sampler, holding w->lock, publishes the job (the slot
 *    array, its length, next = 0), bumps w->round and signals w->go.
 *    Both threads then take slot indexes from job.next with an atomic
 *    fetch-and-add until none is left; a thread touches only the slots
 *    it took and its own part (the sampler's is the sample's snapshot,
 *    the worker's is w->part).  The worker then sets w->done = w->round
 *    under the lock and signals w->finished; the sampler waits for that
 *    before it reads anything the worker wrote, and merges w->part into
 *    the snapshot.
 *  - Shutdown: the sampler sets w->stop under the lock, signals w->go and
 *    joins.  No cancellation.  The worker never prints, never touches the
 *    ring or the sampler's snapshot.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter_bytecode.h"
#include "log.h"
#include "netns_find.h"
#include "netns_name.h"
#include "netns_socket.h"
#include "nl_dump.h"
#include "source.h"
#include "tcp_state.h"

/* How often a namespace's name is looked up again (a container may get a
 * name, a pid inside may exit). */
#define NETNS_RENAME_S 10

/* How often a namespace without TCP sockets in use is dumped anyway, for
 * its bound-only sockets, which no counter shows: once both this many
 * seconds and this many samples have passed (slow samples must not make
 * it every sample); and how many of those it may hold and still have its
 * dumps left out in between. */
#define NETNS_BOUND_S 10
#define NETNS_BOUND_SAMPLES 10
#define NETNS_BOUND_MAX 64

/* Above this many entries the dump worker's snapshot is let go between
 * samples (see dump_all()). */
#define PART_KEEP_ENTRIES 4096

#define NETNS_NOTE_NO_CAP "seeing other network namespaces needs CAP_SYS_ADMIN (run as root)"

struct ns_slot {
	struct netns_ref ref;       /* how it was found; pid may go stale */
	struct netns_socket *sock;
	struct netns_info info;
	bool named;
	bool seen;                  /* refresh_all(): still found */
	struct timespec named_at;   /* CLOCK_MONOTONIC */
	/* This sample's result, written by the thread that took the slot. */
	bool ok;
	bool skipped;               /* no TCP socket: the dump was left out */
	int err;
	/* Bound-only sockets (see dump_slot()): those the last dump that
	 * asked for them found, repeated until the next such dump. */
	bool asks_bound;            /* the dumper's request asks for them */
	bool bound_known;
	struct timespec bound_at;   /* CLOCK_MONOTONIC */
	unsigned int bound_skips;   /* dumps left out since */
	struct sock_entry *bound;
	size_t n_bound;
	struct kcounters counters;
	struct snapshot_nfct nfct;
	char cause[200];
};

struct dump_job {
	struct timespec now;         /* CLOCK_MONOTONIC, at the sample's start */
	struct ns_slot **slots;
	size_t n;
	size_t next; /* atomic: the next slot index to take */
	bool counters;
	bool skip;   /* leave out dumps: see dump_slot() */
	bool bound;  /* the dumps ask for bound-only sockets */
	const struct nl_dump_options *with_bound;    /* the dumps' request */
	const struct nl_dump_options *without_bound; /* the same without them */
};

struct dump_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t go;
	pthread_cond_t finished;
	unsigned long round;
	unsigned long done;
	bool stop;
	struct dump_job *job;
	struct snapshot *part;      /* the worker's entries of this round */
};

struct netns_source {
	bool all;
	bool can_enter;
	bool counters;
	bool sized;
	unsigned int threads;
	const struct netns_roots *roots;
	uint32_t self_inode;
	uint32_t host_inode;
	struct nl_dump_options dump;   /* applied to every new dumper */
	struct nl_dump_options no_bound; /* dump without bound-only sockets */
	bool asks_bound;               /* dump asks for bound-only sockets */
	bool skip;                     /* see may_skip() */
	void *bytecode;
	struct ns_slot **slots;        /* sorted by inode */
	size_t n_slots;
	char note[160];
	struct dump_worker *worker;    /* NULL: one thread */
};

static void
slot_free(struct ns_slot *slot)
{
	if (slot == NULL)
		return;
	netns_socket_free(slot->sock);
	free(slot->bound);
	free(slot);
}

static bool
denied(int err)
{
	return err == EPERM || err == EACCES;
}

/* Opens a slot for ref.  NULL with errno and cause. */
static struct ns_slot *
slot_open(struct netns_source *s, const struct netns_ref *ref, char *cause, size_t cause_len)
{
	struct ns_slot *slot = calloc(1, sizeof(*slot));
	bool own = ref->inode == s->self_inode;

	if (slot == NULL) {
		snprintf(cause, cause_len, "out of memory");
		return NULL;
	}
	slot->ref = *ref;
	slot->sock = netns_socket_open(ref->path, own, s->counters, cause, cause_len);
	if (slot->sock == NULL)
		goto fail;
	/* The path may name another namespace by now (a pid reused). */
	if (netns_socket_inode(slot->sock) != ref->inode) {
		snprintf(cause, cause_len, "%s changed namespace", ref->path);
		errno = ENOENT;
		goto fail;
	}
	if (nl_dumper_set_options(netns_socket_dumper(slot->sock), &s->dump) < 0) {
		snprintf(cause, cause_len, "cannot set up the sock_diag request: %s",
			 strerror(errno));
		goto fail;
	}
	slot->asks_bound = s->asks_bound;
	return slot;
fail : {
	int saved = errno;

	slot_free(slot);
	errno = saved;
	return NULL;
}
}

/* The slot of this inode in the sorted table, or NULL. */
static struct ns_slot *
find_slot(struct netns_source *s, uint32_t inode)
{
	size_t lo = 0, hi = s->n_slots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t here = s->slots[mid]->ref.inode;

		if (here == inode)
			return s->slots[mid];
		if (here < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
slot_by_inode(const void *a, const void *b)
{
	uint32_t x = (*(struct ns_slot *const *)a)->ref.inode;
	uint32_t y = (*(struct ns_slot *const *)b)->ref.inode;

	return x < y ? -1 : x > y;
}

/* The own namespace as a reference: what `all` shows without the right
 * to enter others. */
static void
own_ref(const struct netns_source *s, struct netns_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->inode = s->self_inode;
	ref->pid = (int32_t)getpid();
	snprintf(ref->path, sizeof(ref->path), "%s/self/ns/net", s->roots->proc);
}

/*
 * `all`: the namespaces of this sample.  Kept slots stay (their ref
 * updated), new ones are opened, vanished ones are closed now.  A
 * namespace that cannot be opened is left out: it vanished (normal), or
 * it may not be entered (the note says so).
 */
static int
refresh_all(struct netns_source *s)
{
	struct netns_list list = {0};
	struct ns_slot **next;
	size_t n = 0;
	bool refused = false;

	if (netns_find_all(s->roots, &list) < 0) {
		/* Keep the namespaces of the previous sample. */
		log_msg("netns: discovery failed: %s", strerror(errno));
		return 0;
	}
	next = calloc(list.n + 1, sizeof(*next));
	if (next == NULL) {
		netns_list_free(&list);
		return -1;
	}
	for (size_t i = 0; i < s->n_slots; i++)
		s->slots[i]->seen = false;
	for (size_t i = 0; i < list.n; i++) {
		const struct netns_ref *ref = &list.items[i];
		struct ns_slot *slot = find_slot(s, ref->inode);
		char cause[300];

		if (slot != NULL) {
			slot->seen = true;
			if (slot->ref.pid != ref->pid)
				slot->named = false; /* its process changed: name again */
			slot->ref = *ref;
			next[n++] = slot;
			continue;
		}
		slot = slot_open(s, ref, cause, sizeof(cause));
		if (slot == NULL) {
			if (denied(errno))
				refused = true;
			log_msg("netns: %u left out: %s", ref->inode, cause);
			continue;
		}
		next[n++] = slot;
	}
	/* What discovery no longer sees: only our fds hold it.  Let go. */
	for (size_t i = 0; i < s->n_slots; i++) {
		if (!s->slots[i]->seen) {
			log_msg("netns: %u gone", s->slots[i]->ref.inode);
			slot_free(s->slots[i]);
		}
	}
	netns_list_free(&list);
	free(s->slots);
	s->slots = next;
	s->n_slots = n;
	qsort(s->slots, s->n_slots, sizeof(*s->slots), slot_by_inode);
	if (refused)
		snprintf(s->note, sizeof(s->note), "%s", NETNS_NOTE_NO_CAP);
	return 0;
}

static bool
pid_gone(int32_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* Names a slot when it never was, every NETNS_RENAME_S seconds, and when
 * the process it was named from has exited. */
static void
name_slot(struct netns_source *s, struct ns_slot *slot, const struct timespec *now)
{
	if (slot->named && now->tv_sec - slot->named_at.tv_sec < NETNS_RENAME_S &&
	    !pid_gone(slot->ref.pid))
		return;
	if (!s->all && pid_gone(slot->ref.pid)) {
		/* A fixed namespace: find a process still inside. */
		struct netns_list list = {0};

		if (netns_find_all(s->roots, &list) == 0) {
			for (size_t i = 0; i < list.n; i++)
				if (list.items[i].inode == slot->ref.inode) {
					slot->ref.pid = list.items[i].pid;
					break;
				}
			netns_list_free(&list);
		}
		if (pid_gone(slot->ref.pid))
			slot->ref.pid = 0;
	}
	netns_name_of(&slot->ref, s->roots, s->host_inode, &slot->info);
	slot->info.inode = slot->ref.inode;
	slot->named = true;
	slot->named_at = *now;
}

/*
 * Whether a namespace's dump would find nothing but bound-only sockets:
 * its sockstat files count no TCP socket in its hashes (every state from
 * SYN_SENT to LAST_ACK, listeners, and so the request sockets that need
 * one) and none in TIME_WAIT, for either family.  These counts are the
 * namespace's own, so the question costs two small reads, where a dump
 * walks the whole socket hash the namespaces share, everybody's sockets
 * included (asking for bound-only sockets alone walks it too).  A socket
 * made after the reads is missed exactly as by a dump made then.  (A
 * request socket outlives its closed listener until its next SYN-ACK
 * timer at most; a dump might show it for that moment.)
 * Unknown counts: false.
 */
static bool
may_skip(struct ns_slot *slot)
{
	struct netns_tcp_usage use;

	if (netns_socket_tcp_usage(slot->sock, &use) < 0)
		return false;
	return use.inuse == 0 && use.inuse6 == 0 && use.tw == 0;
}

static double
seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int
cmp_cookie(const void *a, const void *b)
{
	uint64_t x = ((const struct sock_entry *)a)->cookie;
	uint64_t y = ((const struct sock_entry *)b)->cookie;

	return (x > y) - (x < y);
}

/* Keeps the bound-only sockets (CLOSE: nothing else in a dump is) of a
 * dump that asked for them, sorted by cookie, when few; else not known,
 * and the next dump asks again. */
static void
keep_bound(struct ns_slot *slot, const struct sock_entry *found, size_t n,
	   const struct timespec *now)
{
	struct sock_entry *copy = NULL;
	size_t k = 0;

	slot->bound_known = false;
	for (size_t i = 0; i < n; i++)
		k += found[i].state == TCP_STATE_CLOSE;
	if (k > NETNS_BOUND_MAX)
		return;
	if (k > 0) {
		copy = malloc(k * sizeof(*copy));
		if (copy == NULL)
			return;
		k = 0;
		for (size_t i = 0; i < n; i++)
			if (found[i].state == TCP_STATE_CLOSE)
				copy[k++] = found[i];
		qsort(copy, k, sizeof(*copy), cmp_cookie);
	}
	free(slot->bound);
	slot->bound = copy;
	slot->n_bound = k;
	slot->bound_known = true;
	slot->bound_at = *now;
	slot->bound_skips = 0;
}

/* Appends the bound-only sockets last found, but those this sample's
 * dump (part from base on) lists: they listen or connect by now.  0, or
 * -1 with errno (ENOMEM). */
static int
repeat_bound(const struct ns_slot *slot, struct snapshot *part, size_t base)
{
	bool seen[NETNS_BOUND_MAX] = {false};
	size_t n = part->n_entries, add = slot->n_bound;

	if (slot->n_bound == 0)
		return 0;
	for (size_t i = base; i < n; i++) {
		const struct sock_entry *hit =
			bsearch(&part->entries[i], slot->bound, slot->n_bound,
				sizeof(*slot->bound), cmp_cookie);

		if (hit != NULL && !seen[hit - slot->bound]) {
			seen[hit - slot->bound] = true;
			add--;
		}
	}
	if (add == 0)
		return 0;
	if (snapshot_reserve(part, n + add) < 0)
		return -1;
	for (size_t k = 0; k < slot->n_bound; k++)
		if (!seen[k])
			part->entries[part->n_entries++] = slot->bound[k];
	return 0;
}

/* Points the dumper at the request with or without bound-only sockets.
 * 0, or -1 with errno and the cause. */
static int
ask_bound(struct ns_slot *slot, const struct dump_job *job, bool bound)
{
	if (slot->asks_bound == bound)
		return 0;
	if (nl_dumper_set_options(netns_socket_dumper(slot->sock),
				  bound ? job->with_bound : job->without_bound) < 0) {
		snprintf(slot->cause, sizeof(slot->cause),
			 "cannot set up the sock_diag request: %s", strerror(errno));
		return -1;
	}
	slot->asks_bound = bound;
	return 0;
}

/*
 * Dumps one namespace into part (either thread: only what it took).
 *
 * Bound-only sockets (bound, neither listening nor connecting: CLOSE),
 * when the dumps ask for them (all states, or a filter that may select
 * CLOSE), cost a walk of the kernel's whole bind hash, everybody's, and
 * no counter says whether a namespace has any.  So a dump asks for them
 * only when the namespace's last such dump is NETNS_BOUND_S seconds and
 * NETNS_BOUND_SAMPLES samples old (or it never had one); the other dumps
 * leave them out and repeat those it found, unless the dump lists them
 * in another state by now.  A socket that is only bound, or closed while
 * only bound, therefore shows that late.
 *
 * A namespace that may_skip() has nothing else: its dump is left out
 * (the bound-only sockets last found are repeated) but when they are due.
 * TCPDECK_NETNS_SKIP=0 (job->skip false) dumps everything every sample.
 */
static void
dump_slot(struct ns_slot *slot, struct snapshot *part, const struct dump_job *job)
{
	size_t base = part->n_entries;
	uint32_t inode = slot->ref.inode;
	bool empty = job->skip && may_skip(slot);
	bool fresh = job->skip && job->bound && slot->bound_known &&
		     (slot->bound_skips < NETNS_BOUND_SAMPLES ||
		      seconds_between(&slot->bound_at, &job->now) < NETNS_BOUND_S);
	bool with_bound = job->bound && !fresh;

	slot->cause[0] = '\0';
	slot->skipped = empty && !with_bound;
	slot->ok = true;
	if (job->bound && ask_bound(slot, job, with_bound) < 0)
		slot->ok = false;
	else if (!slot->skipped)
		slot->ok = nl_dumper_dump_append(netns_socket_dumper(slot->sock), part,
						 slot->cause, sizeof(slot->cause)) == 0;
	if (slot->ok && fresh) {
		slot->bound_skips++;
		slot->ok = repeat_bound(slot, part, base) == 0;
	}
	if (!slot->ok) {
		slot->err = errno;
		if (slot->cause[0] == '\0')
			snprintf(slot->cause, sizeof(slot->cause), "out of memory");
		return;
	}
	for (size_t i = base; i < part->n_entries; i++)
		part->entries[i].netns = inode;
	if (with_bound)
		keep_bound(slot, part->entries + base, part->n_entries - base, &job->now);
	memset(&slot->counters, 0, sizeof(slot->counters));
	memset(&slot->nfct, 0, sizeof(slot->nfct));
	if (job->counters) {
		/* Extras: without them the namespace's sample stands. */
		(void)netns_socket_counters(slot->sock, &slot->counters);
		(void)netns_socket_nfct(slot->sock, &slot->nfct);
	}
}

/* Takes slot indexes from the job until none is left. */
static void
dump_some(struct dump_job *job, struct snapshot *part)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED);

		if (i >= job->n)
			break;
		dump_slot(job->slots[i], part, job);
	}
}

static void *
worker_main(void *arg)
{
	struct dump_worker *w = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && w->round == seen)
			pthread_cond_wait(&w->go, &w->lock);
		if (w->stop)
			break;
		seen = w->round;
		pthread_mutex_unlock(&w->lock);
		snapshot_clear(w->part);
		w->part->dump_restarts = 0;
		dump_some(w->job, w->part);
		pthread_mutex_lock(&w->lock);
		w->done = seen;
		pthread_cond_signal(&w->finished);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
worker_free(struct dump_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->go);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->go);
	pthread_cond_destroy(&w->finished);
	pthread_mutex_destroy(&w->lock);
	snapshot_unref(w->part);
	free(w);
}

static struct dump_worker *
worker_new(void)
{
	struct dump_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int err;

	if (w == NULL)
		return NULL;
	w->part = snapshot_new(0);
	if (w->part == NULL) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->go, NULL);
	pthread_cond_init(&w->finished, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		pthread_cond_destroy(&w->go);
		pthread_cond_destroy(&w->finished);
		pthread_mutex_destroy(&w->lock);
		snapshot_unref(w->part);
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

/* Dumps every slot into snap, on two threads when there is a worker and
 * more than one namespace.  0, or -1 with errno (ENOMEM merging). */
static int
dump_all(struct netns_source *s, struct snapshot *snap)
{
	struct dump_job job = {
		.slots = s->slots,
		.n = s->n_slots,
		.counters = s->counters,
		.skip = s->skip,
		.bound = s->asks_bound,
		.with_bound = &s->dump,
		.without_bound = &s->no_bound,
	};
	struct dump_worker *w = s->worker;

	clock_gettime(CLOCK_MONOTONIC, &job.now);
	if (w == NULL && s->threads >= 2 && s->n_slots >= 2) {
		s->worker = w = worker_new();
		if (w == NULL)
			log_msg("netns: no dump worker, one thread: %s", strerror(errno));
	}
	if (w == NULL || s->n_slots < 2) {
		dump_some(&job, snap);
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	w->job = &job;
	w->round++;
	pthread_cond_signal(&w->go);
	pthread_mutex_unlock(&w->lock);
	dump_some(&job, snap);
	pthread_mutex_lock(&w->lock);
	while (w->done != w->round)
		pthread_cond_wait(&w->finished, &w->lock);
	w->job = NULL;
	pthread_mutex_unlock(&w->lock);
	if (w->part->n_entries > 0) {
		size_t n = snap->n_entries;

		if (snapshot_reserve(snap, n + w->part->n_entries) < 0)
			return -1;
		memcpy(snap->entries + n, w->part->entries,
		       w->part->n_entries * sizeof(*snap->entries));
		snap->n_entries = n + w->part->n_entries;
	}
	snap->dump_restarts += w->part->dump_restarts;
	/* Between samples the worker's entries are only a copy: half the
	 * sample's sockets held for nothing (8 MiB at 100,000).  Its next
	 * round starts from an empty snapshot; a large one is mapped with
	 * huge pages, so a few faults make it again. */
	if (w->part->n_entries > PART_KEEP_ENTRIES) {
		struct snapshot *fresh = snapshot_new(0);

		if (fresh != NULL) {
			snapshot_unref(w->part);
			w->part = fresh;
		}
	}
	return 0;
}

/* The errors of a namespace that went away under the dump. */
static bool
vanished(int err)
{
	return err == ENOENT || err == ECONNREFUSED || err == ESRCH || err == EPIPE ||
	       err == ENOTCONN || err == ECONNRESET || err == EBADF || err == ENODEV;
}

static void
add_counters(struct kcounters *sum, const struct kcounters *one)
{
	for (int c = 0; c < KC_COUNT; c++)
		if (one->present & (1u << c))
			sum->value[c] += one->value[c];
	sum->present |= one->present;
}

static int
netns_sample(void *state, struct snapshot *snap, char *cause, size_t cause_len)
{
	struct netns_source *s = state;
	struct timespec now;
	size_t skipped = 0;

	if (s->all && s->can_enter && refresh_all(s) < 0) {
		snprintf(cause, cause_len, "out of memory");
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (size_t i = 0; i < s->n_slots; i++)
		name_slot(s, s->slots[i], &now);
	if (!s->sized) {
		size_t sum = 0;

		s->sized = true;
		for (size_t i = 0; i < s->n_slots; i++)
			sum += netns_socket_sockets(s->slots[i]->sock);
		(void)snapshot_reserve(snap, sum + sum / 16);
	}
	snapshot_clear(snap);
	snap->dump_restarts = 0;
	if (dump_all(s, snap) < 0) {
		snprintf(cause, cause_len, "out of memory");
		return -1;
	}
	memset(&snap->counters, 0, sizeof(snap->counters));
	memset(&snap->nfct, 0, sizeof(snap->nfct));
	for (size_t i = 0; i < s->n_slots; i++) {
		struct ns_slot *slot = s->slots[i];
		struct snapshot_netns *ns;

		if (slot->ok && slot->skipped)
			skipped++;
		if (!slot->ok) {
			if (!vanished(slot->err)) {
				snprintf(cause, cause_len, "%s", slot->cause);
				errno = slot->err;
				return -1;
			}
			/* Gone mid-sample: not an error, just not in it. */
			log_msg("netns: %u left this sample: %s", slot->ref.inode, slot->cause);
			continue;
		}
		ns = snapshot_add_netns(snap, slot->ref.inode);
		if (ns == NULL) {
			snprintf(cause, cause_len, "out of memory");
			return -1;
		}
		ns->info = slot->info;
		ns->info.inode = slot->ref.inode;
		ns->counters = slot->counters;
		ns->nfct = slot->nfct;
		add_counters(&snap->counters, &slot->counters);
		if (slot->nfct.present &&
		    (!snap->nfct.present || slot->nfct.count > snap->nfct.count))
			snap->nfct = slot->nfct;
	}
	if (skipped > 0)
		log_msg("netns: %zu of %zu namespaces without TCP sockets, not walked", skipped,
			s->n_slots);
	snprintf(snap->netns_note, sizeof(snap->netns_note), "%s", s->note);
	return 0;
}

static void
netns_free(void *state)
{
	struct netns_source *s = state;

	worker_free(s->worker);
	for (size_t i = 0; i < s->n_slots; i++)
		slot_free(s->slots[i]);
	free(s->slots);
	free(s->bytecode);
	free(s);
}

static const struct source_ops netns_ops = {
	.name = "live-netns",
	.sample = netns_sample,
	.free = netns_free,
};

/* Adds a slot for a fixed spec (a duplicate of one already there is
 * dropped).  0, or -1 with errno and cause. */
static int
add_fixed(struct netns_source *s, const char *spec, char *cause, size_t cause_len)
{
	struct netns_ref ref;
	struct ns_slot *slot, **more;

	if (netns_resolve(spec, s->roots, &ref, cause, cause_len) < 0)
		return -1;
	if (find_slot(s, ref.inode) != NULL)
		return 0;
	if (ref.inode != s->self_inode && !s->can_enter) {
		snprintf(cause, cause_len,
			 "network namespace %s: entering it needs CAP_SYS_ADMIN (run as root)",
			 spec);
		errno = EPERM;
		return -1;
	}
	slot = slot_open(s, &ref, cause, cause_len);
	if (slot == NULL)
		return -1;
	more = realloc(s->slots, (s->n_slots + 1) * sizeof(*more));
	if (more == NULL) {
		slot_free(slot);
		snprintf(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	s->slots = more;
	s->slots[s->n_slots++] = slot;
	qsort(s->slots, s->n_slots, sizeof(*s->slots), slot_by_inode);
	return 0;
}

/* Whether the dumps ask for bound-only sockets (all states, or a filter
 * that may select CLOSE). */
static void
set_bound(struct netns_source *s)
{
	uint32_t bit = 1u << KERNEL_TCP_BOUND_INACTIVE;
	uint32_t all = ((1u << KERNEL_TCP_MAX_STATES) - 1) & ~1u;

	s->asks_bound = s->dump.states == 0 || (s->dump.states & bit) != 0;
	s->no_bound = s->dump;
	s->no_bound.states = (s->dump.states != 0 ? s->dump.states : all) & ~bit;
}

/* The filter's bytecode and states, built once for every dumper. */
static int
netns_configure(struct netns_source *s, const struct source_live_options *opts, char *cause,
		size_t cause_len)
{
	size_t len = 0;

	s->dump.no_tcp_info = opts->no_tcp_info;
	if (opts->states != 0) {
		s->dump.states = source_live_states(opts);
		/* The kernel's socket counts are of every state. */
		s->sized = true;
	}
	if (opts->filter == NULL) {
		set_bound(s);
		return 0;
	}
	if (filter_bytecode_build(opts->filter, &s->bytecode, &len) < 0) {
		snprintf(cause, cause_len, "out of memory");
		return -1;
	}
	s->dump.bytecode = s->bytecode;
	s->dump.bytecode_len = len;
	s->dump.states = source_live_states(opts);
	set_bound(s);
	/* The kernel's socket counts say nothing of how many pass a filter. */
	s->sized = true;
	return 0;
}

int
source_netns_open(struct source *src, const struct source_live_options *opts,
		  const struct source_netns_options *nopts, char *cause, size_t cause_len)
{
	static const struct source_live_options none = {0};
	struct netns_source *s = calloc(1, sizeof(*s));
	int saved;

	if (s == NULL) {
		snprintf(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	if (opts == NULL)
		opts = &none;
	s->roots = nopts->roots != NULL ? nopts->roots : &netns_roots_system;
	s->threads = nopts->threads != 0 ? nopts->threads : 2;
	s->counters = !opts->no_counters;
	/* TCPDECK_NETNS_SKIP=0 dumps every namespace, for benchmarks. */
	s->skip = getenv("TCPDECK_NETNS_SKIP") == NULL || strcmp(getenv("TCPDECK_NETNS_SKIP"), "0") != 0;
	s->can_enter = netns_socket_can_enter();
	if (netns_self_inode(s->roots, &s->self_inode) < 0) {
		saved = errno;
		snprintf(cause, cause_len, "cannot read the own network namespace: %s",
			 strerror(saved));
		goto fail;
	}
	/* The host's is pid 1's; unknown (0) when it may not be read. */
	if (netns_host_inode(s->roots, &s->host_inode) < 0)
		s->host_inode = 0;
	if (netns_configure(s, opts, cause, cause_len) < 0) {
		saved = errno;
		goto fail;
	}
	for (size_t i = 0; i < nopts->n_specs; i++)
		if (strcmp(nopts->specs[i], "all") == 0)
			s->all = true;
	if (s->all && !s->can_enter) {
		struct netns_ref ref;
		struct ns_slot *slot;

		own_ref(s, &ref);
		slot = slot_open(s, &ref, cause, cause_len);
		s->slots = calloc(1, sizeof(*s->slots));
		if (slot == NULL || s->slots == NULL) {
			saved = slot == NULL ? errno : ENOMEM;
			slot_free(slot);
			goto fail;
		}
		s->slots[s->n_slots++] = slot;
		snprintf(s->note, sizeof(s->note), "%s", NETNS_NOTE_NO_CAP);
	} else if (!s->all) {
		for (size_t i = 0; i < nopts->n_specs; i++)
			if (add_fixed(s, nopts->specs[i], cause, cause_len) < 0) {
				saved = errno;
				goto fail;
			}
	} else if (refresh_all(s) < 0) {
		saved = errno;
		snprintf(cause, cause_len, "out of memory");
		goto fail;
	}
	src->ops = &netns_ops;
	src->state = s;
	return 0;
fail:
	netns_free(s);
	errno = saved;
	return -1;
}

const char *
source_netns_note(const struct source *src)
{
	if (src->ops != &netns_ops)
		return "";
	return ((const struct netns_source *)src->state)->note;
}
