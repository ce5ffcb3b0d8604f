/*
 * resolver.h - host names for addresses and service names for ports,
 * looked up in a worker thread and kept in a bounded cache.
 *
 * Contract:
 *  - resolver_host() and resolver_service() never wait for a lookup: they
 *    answer from the cache or queue the key and return false at once.  The
 *    UI calls them for every visible row of every frame.
 *  - The worker thread is the only caller of the backend.  The one mutex
 *    guards the cache and the queue and is never held during a lookup.
 *  - Every finished lookup makes resolver_wake_fd() readable, so the UI can
 *    poll() it with the keyboard and redraw; resolver_drain_wake() clears it.
 *  - Memory is allocated once, in resolver_new(): `cache_capacity` entries
 *    (about 300 bytes each) hold answers and waiting keys alike.  Nothing
 *    grows with the number of distinct addresses seen.
 *  - A failed lookup is cached as the numeric form and not retried until
 *    its entry is evicted.
 *  - At most RESOLVER_QUEUE_MAX keys, and at most half the cache (but at
 *    least one), wait for the worker.  When the queue is full the oldest waiting key is
 *    dropped: the row that asked for it has probably scrolled away, and if
 *    it is still on screen the next frame queues it again.
 *  - Service keys are looked up before host keys: they come from a local
 *    file, while one host lookup can wait seconds on DNS.
 *  - resolver_free() sets a flag, wakes the worker and joins it.  The
 *    worker looks at the flag between lookups, so resolver_free() waits for
 *    at most the one lookup in flight (for the system backend, as long as
 *    getnameinfo() takes: bounded by resolv.conf's timeout and attempts).
 *    Keys still queued are dropped without a lookup.
 *  - A PTR record is untrusted input that ends up on the terminal: names
 *    are returned as the backend gave them (cut at RESOLVER_NAME_MAX - 1
 *    bytes), and the caller shows them as every string from outside, in
 *    the safe form of sanitize.h (the dashboard: ui_put(), which also cuts
 *    them to a column without splitting an escape).
 *
 * Threads: any thread may call any function except that resolver_free()
 * must be the last call.  In tcpdeck the UI (main) thread does all of it.
 */
#ifndef TCPDECK_RESOLVER_H
#define TCPDECK_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name kept, with its terminating NUL (DNS names are at most 253). */
#define RESOLVER_NAME_MAX 256

/* Most keys waiting for the worker at once. */
#define RESOLVER_QUEUE_MAX 256

/* Largest cache_capacity accepted. */
#define RESOLVER_CAPACITY_MAX (1u << 24)

/*
 * Where names come from.  Both functions run on the worker thread only,
 * without any lock held, and may block.  They write a NUL-terminated name
 * of at most name_size bytes into name and return true, or return false
 * when there is no name (an empty name counts as none too).
 *  - host: family is AF_INET (the address is addr[0..3]) or AF_INET6.
 *  - service: port in host byte order; a TCP service name.
 * arg is passed to both unchanged.
 */
struct resolver_backend {
	bool (*host)(void *arg, int family, const uint8_t addr[16], char *name, size_t name_size);
	bool (*service)(void *arg, uint16_t port, char *name, size_t name_size);
	void *arg;
};

/* getnameinfo(NI_NAMEREQD) for hosts, getservbyport_r(..., "tcp") for services. */
extern const struct resolver_backend resolver_backend_system;

struct resolver;

/* A resolver using resolver_backend_system; see resolver_new_with(). */
struct resolver *resolver_new(size_t cache_capacity);

/*
 * Creates a resolver with a cache of cache_capacity entries (0 counts as 1)
 * and starts its worker thread, with every signal blocked in it.  *backend
 * is copied; NULL means resolver_backend_system.  Returns NULL with errno:
 * EINVAL when cache_capacity exceeds RESOLVER_CAPACITY_MAX, ENOMEM, or
 * what eventfd() or pthread_create() reported.
 */
struct resolver *resolver_new_with(size_t cache_capacity, const struct resolver_backend *backend);

/* Stops the worker (waiting for the lookup in flight, if any) and frees
 * everything.  NULL is accepted. */
void resolver_free(struct resolver *r);

/*
 * The host name of addr (family AF_INET: addr[0..3], the rest ignored;
 * AF_INET6: all 16 bytes).  Never blocks.
 * Returns true when the answer is known: out receives the name, or the
 * numeric form (as inet_ntop writes it) when the lookup failed.  Returns
 * false while the lookup is pending; it is then queued (once, however often
 * this is called) and out receives the numeric form, to show meanwhile.
 * An unknown family gives "?" and true.  out is always NUL-terminated
 * (cut to fit) unless out_size is 0.
 */
bool resolver_host(struct resolver *r, int family, const uint8_t addr[16], char *out,
		   size_t out_size);

/* The TCP service name of port (host byte order), such as "http", or its
 * number ("8080") when it has none.  Same contract as resolver_host(). */
bool resolver_service(struct resolver *r, uint16_t port, char *out, size_t out_size);

/* A descriptor that polls readable after lookups finished. */
int resolver_wake_fd(const struct resolver *r);

/* Consumes pending wake-ups; does not block. */
void resolver_drain_wake(struct resolver *r);

/* Counters since resolver_new(), and two gauges (pending, entries). */
/*
 * Every call for a known family counts once in hits, misses or deduped.
 * Once nothing is pending, resolved + failed == misses - dropped.
 */
struct resolver_stats {
	size_t hits;     /* calls answered from the cache (returned true) */
	size_t misses;   /* calls that found nothing and queued the key */
	size_t deduped;  /* calls that found their key already queued or in flight */
	size_t pending;  /* now: keys queued plus the one in flight */
	size_t resolved; /* lookups that gave a name */
	size_t failed;   /* lookups that gave none (cached as the numeric form) */
	size_t evicted;  /* answers dropped, least recently used first, to make room */
	size_t dropped;  /* queued keys dropped without a lookup: the oldest when the
			  * queue was full, or (capacity 1) the new one when the only
			  * entry was in flight */
	size_t entries;  /* now: cache entries in use, at most the capacity */
};

/* Takes the lock (hence not const, like ring_last_seq()). */
void resolver_stats(struct resolver *r, struct resolver_stats *out);

#endif
