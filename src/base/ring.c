/*
 * ring.c - fixed-size ring of snapshot pointers behind one mutex, with an
 * eventfd to wake the reader.
 * Any thread; the mutex never covers more than a few pointer moves.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ring.h"

struct ring {
	pthread_mutex_t lock;
	unsigned int capacity;
	uint64_t last_seq;      /* seq of the newest snapshot */
	struct snapshot **slots;/* slot of seq s is (s - 1) % capacity */
	int wake_fd;
	bool closed;
	int close_err;
	char close_message[256];
};

struct ring *
ring_new(unsigned int capacity)
{
	struct ring *ring;

	if (capacity == 0)
		capacity = 1;
	ring = calloc(1, sizeof(*ring));
	if (ring == NULL)
		return NULL;
	ring->slots = calloc(capacity, sizeof(*ring->slots));
	if (ring->slots == NULL) {
		free(ring);
		errno = ENOMEM;
		return NULL;
	}
	ring->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ring->wake_fd < 0) {
		int saved = errno;

		free(ring->slots);
		free(ring);
		errno = saved;
		return NULL;
	}
	ring->capacity = capacity;
	pthread_mutex_init(&ring->lock, NULL);
	return ring;
}

void
ring_free(struct ring *ring)
{
	if (ring == NULL)
		return;
	for (unsigned int i = 0; i < ring->capacity; i++)
		snapshot_unref(ring->slots[i]);
	close(ring->wake_fd);
	pthread_mutex_destroy(&ring->lock);
	free(ring->slots);
	free(ring);
}

static void
ring_wake(struct ring *ring)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the reader will
	 * wake anyway. */
	(void)!write(ring->wake_fd, &one, sizeof(one));
}

void
ring_publish(struct ring *ring, struct snapshot *snap)
{
	struct snapshot *evicted;
	unsigned int slot;

	pthread_mutex_lock(&ring->lock);
	snap->seq = ring->last_seq + 1;
	slot = (unsigned int)((snap->seq - 1) % ring->capacity);
	evicted = ring->slots[slot];
	ring->slots[slot] = snap;
	ring->last_seq = snap->seq;
	pthread_mutex_unlock(&ring->lock);

	/* Freeing a large snapshot is not done under the lock. */
	snapshot_unref(evicted);
	ring_wake(ring);
}

struct snapshot *
ring_latest(struct ring *ring)
{
	struct snapshot *snap = NULL;

	pthread_mutex_lock(&ring->lock);
	if (ring->last_seq > 0)
		snap = snapshot_ref(ring->slots[(ring->last_seq - 1) % ring->capacity]);
	pthread_mutex_unlock(&ring->lock);
	return snap;
}

struct snapshot *
ring_next(struct ring *ring, uint64_t after_seq, uint64_t *missed)
{
	struct snapshot *snap = NULL;
	uint64_t oldest, want;

	pthread_mutex_lock(&ring->lock);
	if (ring->last_seq > after_seq) {
		oldest = ring->last_seq >= ring->capacity ? ring->last_seq - ring->capacity + 1 : 1;
		want = after_seq + 1 > oldest ? after_seq + 1 : oldest;
		/* Released slots count as missed; the newest is never
		 * released. */
		while (want < ring->last_seq && ring->slots[(want - 1) % ring->capacity] == NULL)
			want++;
		if (missed != NULL)
			*missed = want - (after_seq + 1);
		snap = snapshot_ref(ring->slots[(want - 1) % ring->capacity]);
	} else if (missed != NULL) {
		*missed = 0;
	}
	pthread_mutex_unlock(&ring->lock);
	return snap;
}

void
ring_release(struct ring *ring, uint64_t seq)
{
	struct snapshot **dropped;
	unsigned int n = 0;

	/* At most capacity - 1 are dropped; collected under the lock and
	 * freed after it, as ring_publish() does. */
	dropped = calloc(ring->capacity, sizeof(*dropped));
	if (dropped == NULL)
		return; /* only memory kept longer: they go when overwritten */
	pthread_mutex_lock(&ring->lock);
	for (unsigned int i = 0; i < ring->capacity; i++) {
		struct snapshot *snap = ring->slots[i];

		if (snap != NULL && snap->seq <= seq && snap->seq != ring->last_seq) {
			dropped[n++] = snap;
			ring->slots[i] = NULL;
		}
	}
	pthread_mutex_unlock(&ring->lock);
	for (unsigned int i = 0; i < n; i++)
		snapshot_unref(dropped[i]);
	free(dropped);
}

uint64_t
ring_last_seq(struct ring *ring)
{
	uint64_t seq;

	pthread_mutex_lock(&ring->lock);
	seq = ring->last_seq;
	pthread_mutex_unlock(&ring->lock);
	return seq;
}

void
ring_close(struct ring *ring, int err, const char *message)
{
	pthread_mutex_lock(&ring->lock);
	ring->closed = true;
	ring->close_err = err;
	if (message != NULL)
		snprintf(ring->close_message, sizeof(ring->close_message), "%s", message);
	pthread_mutex_unlock(&ring->lock);
	ring_wake(ring);
}

bool
ring_closed(struct ring *ring, int *err, char *message, size_t message_len)
{
	bool closed;

	pthread_mutex_lock(&ring->lock);
	closed = ring->closed;
	if (closed && err != NULL)
		*err = ring->close_err;
	if (closed && message != NULL && message_len > 0)
		snprintf(message, message_len, "%s", ring->close_message);
	pthread_mutex_unlock(&ring->lock);
	return closed;
}

int
ring_wake_fd(const struct ring *ring)
{
	return ring->wake_fd;
}

void
ring_drain_wake(struct ring *ring)
{
	uint64_t count;

	(void)!read(ring->wake_fd, &count, sizeof(count));
}
