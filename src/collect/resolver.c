/*
 * resolver.c - a cache of host and service names filled by one worker
 * thread.
 *
 * Design: all memory is one pool of `capacity` entries plus a hash table of
 * entry indexes, allocated in resolver_new_with().  Each entry in use is a
 * key (host v4, host v6 or service) and is in exactly one place:
 *   free list -> queue (waiting) -> in flight (the worker has it, in no
 *   list) -> LRU list (answered: a name, or "failed")
 * and back to the free list when it is evicted from the LRU's tail or
 * dropped from the queue's head.  A waiting key is in the hash table like an
 * answered one, which is what makes repeated calls for it cheap no-ops.
 *
 * Any thread may call in; the worker is the only thread that calls the
 * backend, and it does so with the lock released.  Under the lock nothing
 * happens but list moves, one hash chain walk and one name copy.
 * It never prints and never exits.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hash.h"
#include "resolver.h"

#define NONE UINT32_MAX

enum key_kind {
	KEY_HOST4 = 1,
	KEY_HOST6,
	KEY_SERVICE,
};

/* An IPv4 address fills bytes[0..3], a port bytes[0..1] (big endian); the
 * other bytes are zero. */
struct key {
	uint8_t kind; /* enum key_kind */
	uint8_t bytes[16];
};

enum entry_state {
	ENTRY_FREE,
	ENTRY_QUEUED,
	ENTRY_IN_FLIGHT,
	ENTRY_NAMED,
	ENTRY_FAILED,
};

struct entry {
	struct key key;
	uint8_t state;                /* enum entry_state */
	uint32_t hash_next;           /* next entry in the same bucket */
	uint32_t prev, next;          /* in the list its state puts it in */
	char name[RESOLVER_NAME_MAX]; /* ENTRY_NAMED only */
};

/* A doubly linked list threaded through the entries by index. */
struct list {
	uint32_t head, tail;
	size_t count;
};

struct resolver {
	pthread_mutex_t lock; /* everything below except what is marked */
	pthread_cond_t work;  /* the worker waits here for a key or a stop */
	struct entry *entries;
	uint32_t capacity;
	uint32_t *buckets;    /* entry index or NONE */
	uint32_t bucket_mask;
	struct list free;
	struct list queue;    /* head: oldest waiting key */
	struct list lru;      /* head: most recently used answer */
	size_t queue_max;
	bool in_flight;
	bool stopping;
	struct resolver_stats stats;

	/* Set before the thread starts, then read-only. */
	struct resolver_backend backend;
	int wake_fd;
	pthread_t thread;
};

/* ---------------------------------------------------------- lists */

static void
list_init(struct list *list)
{
	list->head = list->tail = NONE;
	list->count = 0;
}

static void
list_remove(struct resolver *r, struct list *list, uint32_t idx)
{
	struct entry *e = &r->entries[idx];

	if (e->prev != NONE)
		r->entries[e->prev].next = e->next;
	else
		list->head = e->next;
	if (e->next != NONE)
		r->entries[e->next].prev = e->prev;
	else
		list->tail = e->prev;
	e->prev = e->next = NONE;
	list->count--;
}

static void
list_push_head(struct resolver *r, struct list *list, uint32_t idx)
{
	struct entry *e = &r->entries[idx];

	e->prev = NONE;
	e->next = list->head;
	if (list->head != NONE)
		r->entries[list->head].prev = idx;
	else
		list->tail = idx;
	list->head = idx;
	list->count++;
}

static void
list_push_tail(struct resolver *r, struct list *list, uint32_t idx)
{
	struct entry *e = &r->entries[idx];

	e->next = NONE;
	e->prev = list->tail;
	if (list->tail != NONE)
		r->entries[list->tail].next = idx;
	else
		list->head = idx;
	list->tail = idx;
	list->count++;
}

/* ----------------------------------------------------------- keys */

static void
key_host(struct key *key, int family, const uint8_t addr[16])
{
	memset(key, 0, sizeof(*key));
	if (family == AF_INET) {
		key->kind = KEY_HOST4;
		memcpy(key->bytes, addr, 4);
	} else {
		key->kind = KEY_HOST6;
		memcpy(key->bytes, addr, 16);
	}
}

static void
key_service(struct key *key, uint16_t port)
{
	memset(key, 0, sizeof(*key));
	key->kind = KEY_SERVICE;
	key->bytes[0] = (uint8_t)(port >> 8);
	key->bytes[1] = (uint8_t)port;
}

static uint16_t
key_port(const struct key *key)
{
	return (uint16_t)(key->bytes[0] << 8 | key->bytes[1]);
}

static bool
key_equal(const struct key *a, const struct key *b)
{
	return a->kind == b->kind && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* Remote addresses are chosen by others, but a chain can never be longer
 * than the capacity. */
static uint32_t
key_hash(const struct key *key)
{
	uint64_t w[2];

	memcpy(w, key->bytes, sizeof(w));
	return (uint32_t)hash_words(w, 2, key->kind);
}

/* The numeric form: what inet_ntop() writes, or the port number. */
static void
key_numeric(const struct key *key, char *out, size_t out_size)
{
	char text[INET6_ADDRSTRLEN];

	if (out_size == 0)
		return;
	switch (key->kind) {
	case KEY_HOST4:
		inet_ntop(AF_INET, key->bytes, text, sizeof(text));
		break;
	case KEY_HOST6:
		inet_ntop(AF_INET6, key->bytes, text, sizeof(text));
		break;
	default:
		snprintf(text, sizeof(text), "%u", (unsigned int)key_port(key));
		break;
	}
	snprintf(out, out_size, "%s", text);
}

/* ----------------------------------------------------- hash table */

static uint32_t
hash_find(const struct resolver *r, const struct key *key)
{
	uint32_t idx = r->buckets[key_hash(key) & r->bucket_mask];

	while (idx != NONE && !key_equal(&r->entries[idx].key, key))
		idx = r->entries[idx].hash_next;
	return idx;
}

static void
hash_insert(struct resolver *r, uint32_t idx)
{
	uint32_t *bucket = &r->buckets[key_hash(&r->entries[idx].key) & r->bucket_mask];

	r->entries[idx].hash_next = *bucket;
	*bucket = idx;
}

static void
hash_remove(struct resolver *r, uint32_t idx)
{
	uint32_t *link = &r->buckets[key_hash(&r->entries[idx].key) & r->bucket_mask];

	while (*link != idx)
		link = &r->entries[*link].hash_next;
	*link = r->entries[idx].hash_next;
	r->entries[idx].hash_next = NONE;
}

/* ---------------------------------------------------- cache, queue */

/* Moves an entry out of the cache onto the free list.  It must already be
 * out of its list (queue or LRU). */
static void
entry_release(struct resolver *r, uint32_t idx)
{
	hash_remove(r, idx);
	r->entries[idx].state = ENTRY_FREE;
	list_push_head(r, &r->free, idx);
}

static void
drop_oldest_queued(struct resolver *r)
{
	uint32_t idx = r->queue.head;

	list_remove(r, &r->queue, idx);
	entry_release(r, idx);
	r->stats.dropped++;
}

/* Queues key, which is not in the cache, making room as the header says. */
static void
queue_key(struct resolver *r, const struct key *key)
{
	struct entry *e;
	uint32_t idx;

	if (r->queue.count >= r->queue_max)
		drop_oldest_queued(r);
	if (r->free.head == NONE) {
		if (r->lru.tail != NONE) {
			idx = r->lru.tail;
			list_remove(r, &r->lru, idx);
			entry_release(r, idx);
			r->stats.evicted++;
		} else if (r->queue.head != NONE) {
			drop_oldest_queued(r);
		} else {
			/* Capacity 1, and that entry is in flight. */
			r->stats.misses++;
			r->stats.dropped++;
			return;
		}
	}
	idx = r->free.head;
	list_remove(r, &r->free, idx);
	e = &r->entries[idx];
	e->key = *key;
	e->state = ENTRY_QUEUED;
	e->name[0] = '\0';
	hash_insert(r, idx);
	list_push_tail(r, &r->queue, idx);
	r->stats.misses++;
	pthread_cond_signal(&r->work);
}

/* The caller side of resolver_host() and resolver_service(). */
static bool
resolver_lookup(struct resolver *r, const struct key *key, char *out, size_t out_size)
{
	bool named = false, known = false;
	uint32_t idx;

	pthread_mutex_lock(&r->lock);
	idx = hash_find(r, key);
	if (idx == NONE) {
		queue_key(r, key);
	} else if (r->entries[idx].state == ENTRY_NAMED || r->entries[idx].state == ENTRY_FAILED) {
		named = r->entries[idx].state == ENTRY_NAMED;
		if (named && out_size > 0)
			snprintf(out, out_size, "%s", r->entries[idx].name);
		list_remove(r, &r->lru, idx);
		list_push_head(r, &r->lru, idx);
		r->stats.hits++;
		known = true;
	} else {
		r->stats.deduped++; /* queued or in flight */
	}
	pthread_mutex_unlock(&r->lock);

	if (!named)
		key_numeric(key, out, out_size);
	return known;
}

bool
resolver_host(struct resolver *r, int family, const uint8_t addr[16], char *out, size_t out_size)
{
	struct key key;

	if (family != AF_INET && family != AF_INET6) {
		if (out_size > 0)
			snprintf(out, out_size, "?");
		return true;
	}
	key_host(&key, family, addr);
	return resolver_lookup(r, &key, out, out_size);
}

bool
resolver_service(struct resolver *r, uint16_t port, char *out, size_t out_size)
{
	struct key key;

	key_service(&key, port);
	return resolver_lookup(r, &key, out, out_size);
}

/* ---------------------------------------------------------- worker */

/* A name is kept as the backend gave it, untrusted bytes and all: the
 * screen shows it through ui_put(), which shows control bytes and invalid
 * UTF-8 as escapes (sanitize.h) and cuts whole characters and escapes to
 * the cells of its column; an escape made here could only be cut in two.
 * Returns false for "". */
static bool
name_given(const char *name)
{
	return name[0] != '\0';
}

/* The next key to look up: the oldest service, else the oldest host. */
static uint32_t
next_queued(const struct resolver *r)
{
	for (uint32_t idx = r->queue.head; idx != NONE; idx = r->entries[idx].next)
		if (r->entries[idx].key.kind == KEY_SERVICE)
			return idx;
	return r->queue.head;
}

static bool
backend_lookup(const struct resolver *r, const struct key *key, char *name, size_t name_size)
{
	bool ok;

	name[0] = '\0';
	if (key->kind == KEY_SERVICE)
		ok = r->backend.service(r->backend.arg, key_port(key), name, name_size);
	else
		ok = r->backend.host(r->backend.arg, key->kind == KEY_HOST4 ? AF_INET : AF_INET6,
				     key->bytes, name, name_size);
	name[name_size - 1] = '\0';
	return ok && name_given(name);
}

static void
resolver_wake(struct resolver *r)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the reader will
	 * wake anyway. */
	(void)!write(r->wake_fd, &one, sizeof(one));
}

static void *
resolver_main(void *arg)
{
	struct resolver *r = arg;
	char name[RESOLVER_NAME_MAX];

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct key key;
		uint32_t idx;
		bool ok;

		while (!r->stopping && r->queue.head == NONE)
			pthread_cond_wait(&r->work, &r->lock);
		if (r->stopping)
			break;
		idx = next_queued(r);
		list_remove(r, &r->queue, idx);
		r->entries[idx].state = ENTRY_IN_FLIGHT;
		r->in_flight = true;
		key = r->entries[idx].key;
		pthread_mutex_unlock(&r->lock);

		/* An entry in flight is in no list, so nothing can evict or
		 * drop it meanwhile: idx still holds key afterwards. */
		ok = backend_lookup(r, &key, name, sizeof(name));

		pthread_mutex_lock(&r->lock);
		if (ok) {
			memcpy(r->entries[idx].name, name, sizeof(name));
			r->entries[idx].state = ENTRY_NAMED;
			r->stats.resolved++;
		} else {
			r->entries[idx].state = ENTRY_FAILED;
			r->stats.failed++;
		}
		list_push_head(r, &r->lru, idx);
		r->in_flight = false;
		pthread_mutex_unlock(&r->lock);
		resolver_wake(r);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* ------------------------------------------------- system backend */

static bool
system_host(void *arg, int family, const uint8_t addr[16], char *name, size_t name_size)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)arg;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	}
	return getnameinfo((const struct sockaddr *)&ss, len, name, (socklen_t)name_size, NULL, 0,
			   NI_NAMEREQD) == 0;
}

static bool
system_service(void *arg, uint16_t port, char *name, size_t name_size)
{
	struct servent entry, *found = NULL;
	char buf[1024];

	(void)arg;
	if (getservbyport_r((int)htons(port), "tcp", &entry, buf, sizeof(buf), &found) != 0 ||
	    found == NULL || found->s_name == NULL)
		return false;
	snprintf(name, name_size, "%s", found->s_name);
	return true;
}

const struct resolver_backend resolver_backend_system = {
	.host = system_host,
	.service = system_service,
	.arg = NULL,
};

/* ------------------------------------------------------- lifetime */

struct resolver *
resolver_new(size_t cache_capacity)
{
	return resolver_new_with(cache_capacity, NULL);
}

static void
resolver_destroy(struct resolver *r)
{
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	pthread_cond_destroy(&r->work);
	pthread_mutex_destroy(&r->lock);
	free(r->buckets);
	free(r->entries);
	free(r);
}

struct resolver *
resolver_new_with(size_t cache_capacity, const struct resolver_backend *backend)
{
	struct resolver *r;
	size_t n_buckets = 1;
	sigset_t all, old;
	int err;

	if (cache_capacity > RESOLVER_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (cache_capacity == 0)
		cache_capacity = 1;
	while (n_buckets < 2 * cache_capacity)
		n_buckets *= 2;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->work, NULL);
	r->wake_fd = -1;
	r->entries = calloc(cache_capacity, sizeof(*r->entries));
	r->buckets = malloc(n_buckets * sizeof(*r->buckets));
	if (r->entries == NULL || r->buckets == NULL) {
		resolver_destroy(r);
		errno = ENOMEM;
		return NULL;
	}
	memset(r->buckets, 0xff, n_buckets * sizeof(*r->buckets)); /* all NONE */
	r->bucket_mask = (uint32_t)(n_buckets - 1);
	r->capacity = (uint32_t)cache_capacity;
	list_init(&r->free);
	list_init(&r->queue);
	list_init(&r->lru);
	for (uint32_t i = 0; i < r->capacity; i++) {
		r->entries[i].hash_next = NONE;
		list_push_tail(r, &r->free, i);
	}
	/* At most half the cache waits, so answers are not all pushed out
	 * by keys that have none yet. */
	r->queue_max = cache_capacity / 2;
	if (r->queue_max == 0)
		r->queue_max = 1;
	if (r->queue_max > RESOLVER_QUEUE_MAX)
		r->queue_max = RESOLVER_QUEUE_MAX;
	r->backend = backend != NULL ? *backend : resolver_backend_system;

	r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->wake_fd < 0) {
		err = errno;
		resolver_destroy(r);
		errno = err;
		return NULL;
	}

	/* Signals such as SIGWINCH belong to the thread that polls the
	 * terminal. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&r->thread, NULL, resolver_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		resolver_destroy(r);
		errno = err;
		return NULL;
	}
	return r;
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->lock);
	/* Waits for the lookup in flight, if any: getnameinfo() cannot be
	 * interrupted, and cancelling a thread inside it leaks its state. */
	pthread_join(r->thread, NULL);
	resolver_destroy(r);
}

int
resolver_wake_fd(const struct resolver *r)
{
	return r->wake_fd;
}

void
resolver_drain_wake(struct resolver *r)
{
	uint64_t count;

	(void)!read(r->wake_fd, &count, sizeof(count));
}

void
resolver_stats(struct resolver *r, struct resolver_stats *out)
{
	pthread_mutex_lock(&r->lock);
	*out = r->stats;
	out->pending = r->queue.count + (r->in_flight ? 1 : 0);
	out->entries = r->capacity - r->free.count;
	pthread_mutex_unlock(&r->lock);
}
