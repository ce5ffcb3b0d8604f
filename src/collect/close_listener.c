/*
 * close_listener.c - sock_diag destroy events, heard on a thread of
 * their own and handed to the sampler once per sample.
 *
 * Threads: the listener thread polls the sockets and a wake pipe; the
 * sampler thread calls follow() and take().  The lock guards the watcher
 * table and the queue, and is held for copies and appends only, never
 * across poll() or recv().  Only the listener thread closes a watcher's
 * socket (follow() marks it gone and wakes the thread), so an fd it polls
 * is never closed under it.  Never prints, never exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "close_listener.h"
#include "log.h"
#include "nl_close.h"
#include "size_class.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55 /* asm-generic/socket.h, Linux 4.12 */
#endif
#ifndef SK_MEMINFO_DROPS
#define SK_MEMINFO_DROPS 8 /* linux/sock_diag.h */
#endif

/* Samples a followed namespace may be missing from before it is let go. */
#define GONE_AFTER 3

/* Items of the drain's and the queue's arrays kept between uses (about
 * 0.6 and 10 MB): above, a burst's array is given back. */
#define DRAIN_KEEP_ITEMS 4096
#define QUEUE_KEEP_ITEMS 65536

struct watcher {
	int fd;              /* -1: could not be opened (not retried) */
	uint32_t inode;      /* its namespace */
	bool own;            /* the process's own namespace: never let go */
	bool gone;           /* to be closed by the listener thread */
	bool meminfo;        /* SO_MEMINFO gives its drop counter */
	unsigned int missing;/* samples in a row it was not in */
	uint32_t drops_seen; /* the drop counter when last read */
};

struct close_listener {
	pthread_mutex_t lock;
	struct watcher *w;
	size_t n_w;
	/* Since the last take().  Its array is kept from one take to the
	 * next: a fresh one grown by doubling every sample left a trail of
	 * freed blocks of every size in the heap, which the next sample's
	 * allocations of other sizes could not fill (the heap crept up
	 * under hours of churn). */
	struct nl_close_batch queue;
	/* take()'s own: the queue it swapped out, emptied and kept to be
	 * swapped in again at the next take. */
	struct nl_close_batch taken;
	uint64_t lost;               /* since the last take() */
	bool stopping;
	/* No lock needed below: set before the thread starts. */
	int wake[2];
	pthread_t thread;
	bool started;
	int rcvbuf_asked;
	int rcvbuf_got;
	bool forced;
	/* The listener thread's own: what one drain() decoded, kept for
	 * the next drain for the same reason as the queue's array. */
	struct nl_close_batch drained;
	/* The listener thread's receive buffer. */
	_Alignas(struct nlmsghdr) char buf[65536];
};

static int
drops_of(int fd, uint32_t *drops)
{
	uint32_t mem[SK_MEMINFO_DROPS + 1];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len < sizeof(mem))
		return -1;
	*drops = mem[SK_MEMINFO_DROPS];
	return 0;
}

/* A socket subscribed to both TCP destroy groups, in the calling
 * thread's namespace.  Returns the fd, or -1 with errno. */
static int
open_subscribed(int rcvbuf, int *got, bool *forced)
{
	static const int groups[] = {SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET6_TCP_DESTROY};
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK};
	socklen_t len = sizeof(*got);
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	/* Past rmem_max needs CAP_NET_ADMIN; else the kernel clamps the
	 * plain request to rmem_max, the largest allowed. */
	*forced = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) == 0;
	if (!*forced)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, got, &len) < 0)
		*got = 0;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
			       sizeof(groups[i])) < 0)
			goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* What a helper thread does inside another namespace. */
struct inside {
	int ns_fd;
	int rcvbuf;
	int fd;
	int err;
};

static void *
inside_main(void *arg)
{
	struct inside *in = arg;
	int got;
	bool forced;

	if (setns(in->ns_fd, CLONE_NEWNET) < 0) {
		in->err = errno;
		return NULL;
	}
	in->fd = open_subscribed(in->rcvbuf, &got, &forced);
	if (in->fd < 0)
		in->err = errno;
	return NULL;
}

/* Opens a subscribed socket in the namespace file at path, when it is
 * still the namespace of that inode.  -1 with errno when not. */
static int
open_in(const char *path, uint32_t inode, int rcvbuf)
{
	struct inside in = {.rcvbuf = rcvbuf, .fd = -1};
	sigset_t all, old;
	struct stat st;
	pthread_t thread;
	int err;

	in.ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in.ns_fd < 0)
		return -1;
	/* A pid reused, or a name given to another namespace since. */
	if (fstat(in.ns_fd, &st) < 0 || (uint32_t)st.st_ino != inode) {
		close(in.ns_fd);
		errno = ESTALE;
		return -1;
	}
	/* setns() moves the calling thread only: a thread of a few
	 * microseconds enters, opens and ends; the socket stays there. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&thread, NULL, inside_main, &in);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err == 0)
		pthread_join(thread, NULL);
	else
		in.err = err;
	close(in.ns_fd);
	errno = in.err;
	return in.fd;
}

static uint64_t
now_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads everything waiting on fd into the queue. */
static void
drain(struct close_listener *l, int fd, uint32_t inode, bool meminfo)
{
	char *buf = l->buf;
	struct nl_close_batch *got = &l->drained;

	got->n = 0;
	got->skipped = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(l->buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Counted exactly from the drop counter at
				 * take(); without it, at least one. */
				if (!meminfo) {
					pthread_mutex_lock(&l->lock);
					l->lost++;
					pthread_mutex_unlock(&l->lock);
				}
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_msg("close events: recv: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (nl_close_parse(buf, (size_t)n, inode, now_wall_ns(), got) < 0 &&
		    errno == EBADMSG)
			log_msg("close events: a malformed message of %zd bytes skipped", n);
	}
	if (got->n == 0)
		return;
	pthread_mutex_lock(&l->lock);
	if (l->queue.n + got->n > CLOSE_LISTENER_MAX_QUEUED ||
	    nl_close_batch_reserve(&l->queue, got->n) < 0) {
		l->lost += got->n;
	} else {
		memcpy(l->queue.items + l->queue.n, got->items, got->n * sizeof(*got->items));
		l->queue.n += got->n;
	}
	pthread_mutex_unlock(&l->lock);
	/* A burst far beyond the usual (a mass close) gives its memory
	 * back rather than keep it for good. */
	if (got->cap > DRAIN_KEEP_ITEMS)
		nl_close_batch_free(got);
}

/* How often the thread looks at the stop flag unwoken, ms. */
enum { STOP_LOOK_MS = 1000 };

/* The thread's own copy of what to poll, rebuilt when woken. */
struct poll_set {
	struct pollfd *pfd; /* [0]: the wake pipe */
	uint32_t *inode;
	bool *meminfo;
	size_t n, cap;
};

/* Closes the watchers marked gone and copies the others into ps.
 * Returns false when asked to stop. */
static bool
rebuild(struct close_listener *l, struct poll_set *ps)
{
	size_t kept = 0;
	bool go_on;

	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->n_w; i++) {
		if (l->w[i].gone) {
			if (l->w[i].fd >= 0)
				close(l->w[i].fd);
			continue;
		}
		l->w[kept++] = l->w[i];
	}
	l->n_w = kept;
	if (ps->cap < kept + 1) {
		size_t cap = kept + 8;
		struct pollfd *pfd = realloc(ps->pfd, cap * sizeof(*pfd));
		uint32_t *inode = pfd != NULL ? realloc(ps->inode, cap * sizeof(*inode)) : NULL;
		bool *meminfo = inode != NULL ? realloc(ps->meminfo, cap * sizeof(*meminfo)) : NULL;

		if (pfd != NULL)
			ps->pfd = pfd;
		if (inode != NULL)
			ps->inode = inode;
		if (meminfo != NULL) {
			ps->meminfo = meminfo;
			ps->cap = cap;
		}
	}
	ps->n = 1;
	ps->pfd[0] = (struct pollfd){.fd = l->wake[0], .events = POLLIN};
	for (size_t i = 0; i < l->n_w && ps->n < ps->cap; i++) {
		if (l->w[i].fd < 0)
			continue;
		ps->pfd[ps->n] = (struct pollfd){.fd = l->w[i].fd, .events = POLLIN};
		ps->inode[ps->n] = l->w[i].inode;
		ps->meminfo[ps->n] = l->w[i].meminfo;
		ps->n++;
	}
	go_on = !l->stopping;
	pthread_mutex_unlock(&l->lock);
	return go_on;
}

static void *
listener_main(void *arg)
{
	struct close_listener *l = arg;
	struct poll_set ps = {0};

	/* Named, so its CPU time can be told apart (bench/run-events.sh). */
	(void)pthread_setname_np(pthread_self(), "tcpdeck-closes");
	/* The first set needs room for the wake pipe at least. */
	ps.pfd = calloc(8, sizeof(*ps.pfd));
	ps.inode = calloc(8, sizeof(*ps.inode));
	ps.meminfo = calloc(8, sizeof(*ps.meminfo));
	if (ps.pfd == NULL || ps.inode == NULL || ps.meminfo == NULL) {
		log_msg("close events: out of memory, not listening");
		goto out;
	}
	ps.cap = 8;
	while (rebuild(l, &ps)) {
		bool woken = false;

		while (!woken) {
			/* Once a second the stop flag is looked at even
			 * without a wake byte: the pipe is reachable through
			 * /proc/PID/fd, and a root process that read from it
			 * (a grep over /proc) took the byte that says stop,
			 * which left the program waiting at its exit. */
			int ready = poll(ps.pfd, ps.n, STOP_LOOK_MS);

			if (ready < 0) {
				if (errno == EINTR)
					continue;
				log_msg("close events: poll: %s", strerror(errno));
				goto out;
			}
			if (ready == 0) {
				woken = true;
				continue;
			}
			if (ps.pfd[0].revents != 0) {
				char sink[64];

				while (read(l->wake[0], sink, sizeof(sink)) > 0)
					;
				woken = true;
			}
			for (size_t i = 1; i < ps.n; i++)
				if (ps.pfd[i].revents != 0)
					drain(l, ps.pfd[i].fd, ps.inode[i], ps.meminfo[i]);
		}
	}
out:
	free(ps.pfd);
	free(ps.inode);
	free(ps.meminfo);
	return NULL;
}

/* Appends a watcher (lock held). */
static int
add_watcher(struct close_listener *l, int fd, uint32_t inode, bool own)
{
	struct watcher *grown = realloc(l->w, (l->n_w + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	l->w = grown;
	l->w[l->n_w] = (struct watcher){.fd = fd, .inode = inode, .own = own};
	if (fd >= 0)
		l->w[l->n_w].meminfo = drops_of(fd, &l->w[l->n_w].drops_seen) == 0;
	l->n_w++;
	return 0;
}

struct close_listener *
close_listener_new(int rcvbuf, char *cause, size_t cause_len)
{
	struct close_listener *l = calloc(1, sizeof(*l));
	struct stat st;
	int fd, err;

	if (l == NULL) {
		snprintf(cause, cause_len, "out of memory");
		return NULL;
	}
	l->wake[0] = l->wake[1] = -1;
	pthread_mutex_init(&l->lock, NULL);
	l->rcvbuf_asked = rcvbuf > 0 ? rcvbuf : CLOSE_LISTENER_RCVBUF;
	if (stat("/proc/self/ns/net", &st) < 0)
		st.st_ino = 0;
	fd = open_subscribed(l->rcvbuf_asked, &l->rcvbuf_got, &l->forced);
	if (fd < 0) {
		err = errno;
		snprintf(cause, cause_len, "cannot listen for closed connections: %s",
			 strerror(err));
		close_listener_free(l);
		errno = err;
		return NULL;
	}
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    add_watcher(l, fd, (uint32_t)st.st_ino, true) < 0) {
		err = errno;
		close(fd);
		snprintf(cause, cause_len, "cannot listen for closed connections: %s",
			 strerror(err));
		close_listener_free(l);
		errno = err;
		return NULL;
	}
	log_msg("close events: receive buffer %d bytes%s", l->rcvbuf_got,
		l->forced ? " (forced)" : "");
	return l;
}

int
close_listener_start(struct close_listener *l)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&l->thread, NULL, listener_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		errno = err;
		return -1;
	}
	l->started = true;
	return 0;
}

static void
wake(struct close_listener *l)
{
	char one = 1;

	/* A full pipe already wakes the thread. */
	(void)!write(l->wake[1], &one, 1);
}

/* The path of a namespace file for ns, or false when none is known. */
static bool
path_of(const struct netns_info *info, char *path, size_t len)
{
	if (info->kind == NETNS_KIND_NAMED && info->name[0] != '\0' &&
	    strchr(info->name, '/') == NULL && strcmp(info->name, "..") != 0 &&
	    strcmp(info->name, ".") != 0)
		return (size_t)snprintf(path, len, "/run/netns/%s", info->name) < len;
	if (info->pid > 0)
		return (size_t)snprintf(path, len, "/proc/%d/ns/net", (int)info->pid) < len;
	return false;
}

void
close_listener_follow(struct close_listener *l, const struct snapshot *snap)
{
	bool changed = false;

	if (snap->n_netns == 0)
		return;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->n_w; i++) {
		bool present = false;

		for (size_t j = 0; j < snap->n_netns && !present; j++)
			present = snap->netns[j].info.inode == l->w[i].inode;
		l->w[i].missing = present ? 0 : l->w[i].missing + 1;
		if (!l->w[i].own && !l->w[i].gone && l->w[i].missing >= GONE_AFTER) {
			l->w[i].gone = true;
			changed = true;
		}
	}
	pthread_mutex_unlock(&l->lock);
	for (size_t j = 0; j < snap->n_netns; j++) {
		const struct netns_info *info = &snap->netns[j].info;
		bool known = false;
		char path[160];
		int fd = -1;

		pthread_mutex_lock(&l->lock);
		for (size_t i = 0; i < l->n_w && !known; i++)
			known = !l->w[i].gone && l->w[i].inode == info->inode;
		pthread_mutex_unlock(&l->lock);
		if (known)
			continue;
		/* Opened without the lock: the thread keeps receiving. */
		if (!path_of(info, path, sizeof(path)))
			errno = ENOENT;
		else
			fd = open_in(path, info->inode, l->rcvbuf_asked);
		if (fd < 0)
			log_msg("close events: namespace %u not heard: %s", info->inode,
				strerror(errno));
		pthread_mutex_lock(&l->lock);
		if (add_watcher(l, fd, info->inode, false) < 0 && fd >= 0)
			close(fd);
		pthread_mutex_unlock(&l->lock);
		changed = true;
	}
	if (changed)
		wake(l);
}

static bool
in_table(const struct snapshot *snap, uint32_t inode)
{
	for (size_t j = 0; j < snap->n_netns; j++)
		if (snap->netns[j].info.inode == inode)
			return true;
	return false;
}

void
close_listener_take(struct close_listener *l, struct snapshot *snap)
{
	struct nl_close_batch got;
	struct sock_close *mine = NULL;
	size_t kept = 0;

	pthread_mutex_lock(&l->lock);
	/* Overruns since the last take, from each socket's drop counter. */
	for (size_t i = 0; i < l->n_w; i++) {
		uint32_t drops;

		if (l->w[i].fd < 0 || l->w[i].gone || !l->w[i].meminfo ||
		    drops_of(l->w[i].fd, &drops) < 0)
			continue;
		l->lost += (uint32_t)(drops - l->w[i].drops_seen);
		l->w[i].drops_seen = drops;
	}
	got = l->queue;
	l->queue = l->taken;
	snap->closes_lost += l->lost;
	l->lost = 0;
	pthread_mutex_unlock(&l->lock);

	/* The snapshot's own array, of a size class: a block freed with an
	 * earlier snapshot then fits a later one whose count is near. */
	if (got.n > 0 && (mine = malloc(size_class(got.n) * sizeof(*mine))) == NULL) {
		/* Out of memory: these closes are lost, and said to be. */
		snap->closes_lost += got.n;
		got.n = 0;
	}
	for (size_t i = 0; i < got.n; i++) {
		const struct sock_close *c = &got.items[i];

		if (snap->n_netns != 0 && !in_table(snap, c->entry.netns))
			continue;
		mine[kept] = *c;
		if (snap->n_netns == 0)
			mine[kept].entry.netns = 0;
		kept++;
	}
	got.n = 0;
	if (got.cap > QUEUE_KEEP_ITEMS)
		nl_close_batch_free(&got);
	l->taken = got;
	snap->has_closes = true;
	free(snap->closed);
	snap->closed = kept > 0 ? mine : NULL;
	snap->n_closed = kept;
	if (kept == 0)
		free(mine);
}

void
close_listener_buffer(const struct close_listener *l, int *bytes, bool *forced)
{
	*bytes = l->rcvbuf_got;
	*forced = l->forced;
}

void
close_listener_free(struct close_listener *l)
{
	if (l == NULL)
		return;
	if (l->started) {
		pthread_mutex_lock(&l->lock);
		l->stopping = true;
		pthread_mutex_unlock(&l->lock);
		wake(l);
		pthread_join(l->thread, NULL);
	}
	for (size_t i = 0; i < l->n_w; i++)
		if (l->w[i].fd >= 0)
			close(l->w[i].fd);
	free(l->w);
	nl_close_batch_free(&l->queue);
	nl_close_batch_free(&l->drained);
	nl_close_batch_free(&l->taken);
	if (l->wake[0] >= 0)
		close(l->wake[0]);
	if (l->wake[1] >= 0)
		close(l->wake[1]);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
