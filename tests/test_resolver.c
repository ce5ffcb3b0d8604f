/*
 * test_resolver.c - the name resolver against a fake backend that can
 * block, fail and count: queue then answer, the wake fd, callers that
 * never wait, deduplication, failures cached as the numeric form, LRU
 * eviction, queue overflow, services before hosts, hostile names,
 * shutdown with a lookup in flight, many callers at once (run it under
 * ThreadSanitizer), and the system backend on 127.0.0.1 and port 80.
 *
 * Every wait is a poll() or a timed wait with a bounded timeout, so a
 * broken resolver fails a test instead of hanging it.  No assertion is
 * about time.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "resolver.h"

/* Long enough for valgrind on a loaded machine; only reached on failure. */
enum { WAIT_MS = 20000 };

/* ------------------------------------------------------ fake backend */

enum { FAKE_LOG = 1024 };

struct fake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool blocked;          /* lookups wait while true... */
	unsigned int tickets;  /* ...unless they can take one of these */
	bool fail_hosts;       /* host lookups find no name */
	const char *host_name; /* when set, the name of every host */
	unsigned int calls;    /* lookups started, hosts and services */
	unsigned int n_log;
	char log[FAKE_LOG][48];/* "h:ADDRESS" or "s:PORT", in call order */
};

/* Each test gets a fresh fake and leaves its resolver here, so that the
 * teardown can release and free both even after a failed assertion. */
struct fixture {
	struct fake fake;
	struct resolver_backend backend;
	struct resolver *r;
};

static void
fake_log(struct fake *f, char kind, const char *text)
{
	if (f->n_log < FAKE_LOG)
		snprintf(f->log[f->n_log++], sizeof(f->log[0]), "%c:%s", kind, text);
}

/* Counts the call and waits while the test holds the gate. */
static void
fake_enter(struct fake *f, char kind, const char *text)
{
	pthread_mutex_lock(&f->lock);
	f->calls++;
	fake_log(f, kind, text);
	pthread_cond_broadcast(&f->cond);
	while (f->blocked && f->tickets == 0)
		pthread_cond_wait(&f->cond, &f->lock);
	if (f->blocked)
		f->tickets--;
	pthread_mutex_unlock(&f->lock);
}

static bool
fake_host(void *arg, int family, const uint8_t addr[16], char *name, size_t name_size)
{
	struct fake *f = arg;
	char text[INET6_ADDRSTRLEN];
	bool fail;

	inet_ntop(family, addr, text, sizeof(text));
	fake_enter(f, 'h', text);
	pthread_mutex_lock(&f->lock);
	fail = f->fail_hosts;
	if (!fail && f->host_name != NULL)
		snprintf(name, name_size, "%s", f->host_name);
	else if (!fail)
		snprintf(name, name_size, "name-of-%s", text);
	pthread_mutex_unlock(&f->lock);
	return !fail;
}

static bool
fake_service(void *arg, uint16_t port, char *name, size_t name_size)
{
	struct fake *f = arg;
	char text[8];

	snprintf(text, sizeof(text), "%u", (unsigned int)port);
	fake_enter(f, 's', text);
	switch (port) {
	case 22:
		snprintf(name, name_size, "ssh");
		return true;
	case 80:
		snprintf(name, name_size, "http");
		return true;
	case 443:
		snprintf(name, name_size, "https");
		return true;
	default:
		return false;
	}
}

static void
fake_set_blocked(struct fake *f, bool blocked)
{
	pthread_mutex_lock(&f->lock);
	f->blocked = blocked;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* Lets one lookup through the closed gate. */
static void
fake_grant(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	f->tickets++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* Copies the i-th logged call ("" past the end). */
static void
fake_log_at(struct fake *f, unsigned int i, char *out, size_t out_size)
{
	pthread_mutex_lock(&f->lock);
	snprintf(out, out_size, "%s", i < f->n_log ? f->log[i] : "");
	pthread_mutex_unlock(&f->lock);
}

static unsigned int
fake_calls(struct fake *f)
{
	unsigned int calls;

	pthread_mutex_lock(&f->lock);
	calls = f->calls;
	pthread_mutex_unlock(&f->lock);
	return calls;
}

/* How often the backend was asked for entry ("h:10.0.0.1", "s:80"). */
static unsigned int
fake_count(struct fake *f, const char *entry)
{
	unsigned int n = 0;

	pthread_mutex_lock(&f->lock);
	for (unsigned int i = 0; i < f->n_log; i++)
		n += strcmp(f->log[i], entry) == 0;
	pthread_mutex_unlock(&f->lock);
	return n;
}

static struct timespec
deadline_in(int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000l;
	if (t.tv_nsec >= 1000000000l) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000l;
	}
	return t;
}

static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits until the backend was entered `calls` times in all. */
static void
fake_wait_calls(struct fake *f, unsigned int calls)
{
	struct timespec deadline = deadline_in(WAIT_MS);
	int rc = 0;

	pthread_mutex_lock(&f->lock);
	while (f->calls < calls && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&f->cond, &f->lock, &deadline);
	pthread_mutex_unlock(&f->lock);
	assert_true(fake_calls(f) >= calls);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	pthread_mutex_init(&fx->fake.lock, NULL);
	pthread_cond_init(&fx->fake.cond, NULL);
	fx->backend = (struct resolver_backend){
		.host = fake_host,
		.service = fake_service,
		.arg = &fx->fake,
	};
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	fake_set_blocked(&fx->fake, false);
	resolver_free(fx->r);
	pthread_cond_destroy(&fx->fake.cond);
	pthread_mutex_destroy(&fx->fake.lock);
	free(fx);
	return 0;
}

static struct resolver *
fixture_resolver(struct fixture *fx, size_t capacity)
{
	fx->r = resolver_new_with(capacity, &fx->backend);
	assert_non_null(fx->r);
	return fx->r;
}

/* ---------------------------------------------------------- helpers */

static void
ip4(uint8_t addr[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(addr, 0, 16);
	addr[0] = a;
	addr[1] = b;
	addr[2] = c;
	addr[3] = d;
}

static void
ip6(uint8_t addr[16], const char *text)
{
	assert_int_equal(inet_pton(AF_INET6, text, addr), 1);
}

static bool
wake_readable(struct resolver *r, int timeout_ms)
{
	struct pollfd pfd = {.fd = resolver_wake_fd(r), .events = POLLIN};
	int rc = poll(&pfd, 1, timeout_ms);

	assert_true(rc >= 0);
	return rc == 1 && (pfd.revents & POLLIN);
}

/* Calls resolver_host() until it knows the answer, sleeping in poll() on
 * the wake fd in between, as the UI would. */
static void
wait_host(struct resolver *r, int family, const uint8_t addr[16], char *out, size_t out_size)
{
	for (long long end = now_ms() + WAIT_MS; now_ms() < end;) {
		if (resolver_host(r, family, addr, out, out_size))
			return;
		(void)wake_readable(r, 100);
		resolver_drain_wake(r);
	}
	fail_msg("no answer for a host after %d ms", WAIT_MS);
}

static void
wait_service(struct resolver *r, uint16_t port, char *out, size_t out_size)
{
	for (long long end = now_ms() + WAIT_MS; now_ms() < end;) {
		if (resolver_service(r, port, out, out_size))
			return;
		(void)wake_readable(r, 100);
		resolver_drain_wake(r);
	}
	fail_msg("no answer for port %u after %d ms", (unsigned int)port, WAIT_MS);
}

/* Waits until nothing is queued or in flight. */
static void
wait_idle(struct resolver *r, struct resolver_stats *st)
{
	for (long long end = now_ms() + WAIT_MS; now_ms() < end;) {
		resolver_stats(r, st);
		if (st->pending == 0)
			return;
		(void)wake_readable(r, 100);
		resolver_drain_wake(r);
	}
	fail_msg("lookups still pending after %d ms", WAIT_MS);
}

/* ------------------------------------------------------------ tests */

static void
test_queue_then_answer(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	struct resolver_stats st;
	uint8_t addr[16];
	char out[64];

	ip4(addr, 192, 0, 2, 10);
	assert_true(resolver_wake_fd(r) >= 0);
	assert_false(wake_readable(r, 0));

	/* Held at the gate, so the first answer cannot beat the assertion. */
	fake_set_blocked(&fx->fake, true);
	assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	/* Meanwhile the caller has something to draw. */
	assert_string_equal(out, "192.0.2.10");
	fake_wait_calls(&fx->fake, 1);
	assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	resolver_stats(r, &st);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.deduped, 1);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.hits, 0);
	assert_false(wake_readable(r, 0));

	fake_set_blocked(&fx->fake, false);
	assert_true(wake_readable(r, WAIT_MS));
	resolver_drain_wake(r);
	assert_false(wake_readable(r, 0));
	/* Draining when nothing is pending does not block. */
	resolver_drain_wake(r);

	assert_true(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	assert_string_equal(out, "name-of-192.0.2.10");
	resolver_stats(r, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.resolved, 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.entries, 1);
	assert_int_equal(fake_calls(&fx->fake), 1);
}

static void
test_ipv6(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	uint8_t addr[16], mapped[16];
	char out[INET6_ADDRSTRLEN + 16];

	ip6(addr, "2001:db8::1");
	ip6(mapped, "::ffff:192.0.2.1");
	fake_set_blocked(&fx->fake, true);
	assert_false(resolver_host(r, AF_INET6, addr, out, sizeof(out)));
	assert_string_equal(out, "2001:db8::1");
	assert_false(resolver_host(r, AF_INET6, mapped, out, sizeof(out)));
	assert_string_equal(out, "::ffff:192.0.2.1");
	fake_set_blocked(&fx->fake, false);

	wait_host(r, AF_INET6, addr, out, sizeof(out));
	assert_string_equal(out, "name-of-2001:db8::1");
	wait_host(r, AF_INET6, mapped, out, sizeof(out));
	assert_string_equal(out, "name-of-::ffff:192.0.2.1");

	/* The same bytes are two keys: as IPv4 they are 192.0.2.0, whose
	 * answer is no answer for the IPv6 address c000:200::. */
	ip4(addr, 192, 0, 2, 0);
	wait_host(r, AF_INET, addr, out, sizeof(out));
	assert_string_equal(out, "name-of-192.0.2.0");
	assert_false(resolver_host(r, AF_INET6, addr, out, sizeof(out)));
	assert_string_equal(out, "c000:200::");
}

/* 10,000 calls while the backend is held at the gate: every one returns,
 * which could not happen if any of them waited for a lookup. */
static void
test_blocked_backend_never_blocks_callers(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 1024);
	struct resolver_stats st;
	uint8_t addr[16];
	char out[64];
	unsigned int answered = 0;

	fake_set_blocked(&fx->fake, true);
	ip4(addr, 198, 51, 100, 1);
	assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	fake_wait_calls(&fx->fake, 1); /* the worker is stuck in the backend */

	for (unsigned int i = 0; i < 10000; i++) {
		/* Mostly a few repeated keys, as a redraw would ask, and some
		 * distinct ones to fill the queue. */
		ip4(addr, 10, (uint8_t)(i >> 8 & 0x3), (uint8_t)(i % 7 == 0 ? i : i % 50), 1);
		answered += resolver_host(r, AF_INET, addr, out, sizeof(out));
		answered += resolver_service(r, (uint16_t)(i % 30), out, sizeof(out));
	}
	/* Still exactly one lookup in the backend: nobody waited for it. */
	assert_int_equal(fake_calls(&fx->fake), 1);
	assert_int_equal(answered, 0);
	resolver_stats(r, &st);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.misses + st.deduped, 1 + 20000);
	assert_true(st.dropped > 0);
	assert_true(st.pending <= RESOLVER_QUEUE_MAX + 1);
	assert_true(st.entries <= 1024);

	fake_set_blocked(&fx->fake, false);
	wait_idle(r, &st);
	assert_int_equal(st.resolved + st.failed, fake_calls(&fx->fake));
	assert_int_equal(st.resolved + st.failed, st.misses - st.dropped);
}

static void
test_duplicates_looked_up_once(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	struct resolver_stats st;
	uint8_t a[16], b[16];
	char out[64];

	ip4(a, 192, 0, 2, 1);
	ip4(b, 192, 0, 2, 2);
	fake_set_blocked(&fx->fake, true);
	for (int i = 0; i < 100; i++) {
		assert_false(resolver_host(r, AF_INET, a, out, sizeof(out)));
		assert_false(resolver_host(r, AF_INET, b, out, sizeof(out)));
		assert_false(resolver_service(r, 80, out, sizeof(out)));
	}
	resolver_stats(r, &st);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.deduped, 297);
	fake_set_blocked(&fx->fake, false);

	wait_host(r, AF_INET, a, out, sizeof(out));
	wait_host(r, AF_INET, b, out, sizeof(out));
	wait_service(r, 80, out, sizeof(out));
	for (int i = 0; i < 100; i++) {
		assert_true(resolver_host(r, AF_INET, a, out, sizeof(out)));
		assert_true(resolver_host(r, AF_INET, b, out, sizeof(out)));
	}
	assert_int_equal(fake_count(&fx->fake, "h:192.0.2.1"), 1);
	assert_int_equal(fake_count(&fx->fake, "h:192.0.2.2"), 1);
	assert_int_equal(fake_count(&fx->fake, "s:80"), 1);
	assert_int_equal(fake_calls(&fx->fake), 3);
}

/* An IPv4 key is its first four bytes: whatever follows is ignored. */
static void
test_ipv4_ignores_trailing_bytes(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	uint8_t addr[16];
	char out[64];

	ip4(addr, 203, 0, 113, 5);
	wait_host(r, AF_INET, addr, out, sizeof(out));
	memset(addr + 4, 0xa5, 12);
	assert_true(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	assert_string_equal(out, "name-of-203.0.113.5");
	assert_int_equal(fake_calls(&fx->fake), 1);
}

static void
test_failures_cached_as_numeric(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	struct resolver_stats st;
	uint8_t a4[16], a6[16];
	char out[64];

	fx->fake.fail_hosts = true; /* before the worker's first lookup */
	ip4(a4, 192, 0, 2, 99);
	ip6(a6, "2001:db8:0:1::ff");
	wait_host(r, AF_INET, a4, out, sizeof(out));
	assert_string_equal(out, "192.0.2.99");
	wait_host(r, AF_INET6, a6, out, sizeof(out));
	assert_string_equal(out, "2001:db8:0:1::ff");
	wait_service(r, 8080, out, sizeof(out));
	assert_string_equal(out, "8080");

	/* Known from now on: no retry every frame. */
	for (int i = 0; i < 100; i++) {
		assert_true(resolver_host(r, AF_INET, a4, out, sizeof(out)));
		assert_string_equal(out, "192.0.2.99");
		assert_true(resolver_host(r, AF_INET6, a6, out, sizeof(out)));
		assert_true(resolver_service(r, 8080, out, sizeof(out)));
		assert_string_equal(out, "8080");
	}
	assert_int_equal(fake_calls(&fx->fake), 3);
	resolver_stats(r, &st);
	assert_int_equal(st.failed, 3);
	assert_int_equal(st.resolved, 0);
	assert_int_equal(st.misses, 3);
}

/* Capacity 8, 100 addresses: the cache keeps 8, dropping the least
 * recently used; one address read before every new one survives. */
static void
test_eviction_lru(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 8);
	struct resolver_stats st;
	uint8_t kept[16], addr[16];
	char out[64];

	ip4(kept, 192, 0, 2, 200);
	wait_host(r, AF_INET, kept, out, sizeof(out));
	for (unsigned int i = 0; i < 100; i++) {
		ip4(addr, 10, 1, 0, (uint8_t)i);
		wait_host(r, AF_INET, addr, out, sizeof(out));
		assert_true(resolver_host(r, AF_INET, kept, out, sizeof(out)));
		resolver_stats(r, &st);
		assert_true(st.entries <= 8);
	}
	resolver_stats(r, &st);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.misses, 101);
	assert_int_equal(st.resolved, 101);
	assert_int_equal(st.evicted, 101 - 8);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(fake_count(&fx->fake, "h:192.0.2.200"), 1);

	/* The newest are still there; the oldest was evicted and is asked
	 * for again. */
	ip4(addr, 10, 1, 0, 99);
	assert_true(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	ip4(addr, 10, 1, 0, 0);
	assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	wait_host(r, AF_INET, addr, out, sizeof(out));
	assert_int_equal(fake_count(&fx->fake, "h:10.1.0.0"), 2);
	resolver_stats(r, &st);
	assert_int_equal(st.entries, 8);
}

/* Capacity 16 lets 8 keys wait.  With one lookup stuck in the backend and
 * 20 more keys asked for, the 12 oldest are dropped without a lookup, and
 * asking for one of them again queues it again. */
static void
test_queue_overflow_drops_oldest(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	struct resolver_stats st;
	uint8_t addr[16];
	char out[64], entry[48];

	fake_set_blocked(&fx->fake, true);
	ip4(addr, 192, 0, 2, 1);
	assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	fake_wait_calls(&fx->fake, 1);
	for (unsigned int i = 0; i < 20; i++) {
		ip4(addr, 10, 2, 0, (uint8_t)i);
		assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	}
	resolver_stats(r, &st);
	assert_int_equal(st.misses, 21);
	assert_int_equal(st.dropped, 12);
	assert_int_equal(st.pending, 9);
	assert_int_equal(st.entries, 9);

	/* A dropped key is not cached as anything: it is queued again (and
	 * pushes out the oldest waiting key, 10.2.0.12). */
	ip4(addr, 10, 2, 0, 0);
	assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	resolver_stats(r, &st);
	assert_int_equal(st.misses, 22);
	assert_int_equal(st.dropped, 13);
	assert_int_equal(st.deduped, 0);

	fake_set_blocked(&fx->fake, false);
	wait_idle(r, &st);
	assert_int_equal(fake_calls(&fx->fake), 1 + 8);
	assert_int_equal(st.resolved, 9);
	for (unsigned int i = 0; i < 20; i++) {
		snprintf(entry, sizeof(entry), "h:10.2.0.%u", i);
		assert_int_equal(fake_count(&fx->fake, entry), i == 0 || i >= 13 ? 1 : 0);
	}
}

/* Capacity 1: the only entry is in flight, so a new key has nowhere to
 * wait and is refused (and counted); too large a capacity is EINVAL. */
static void
test_tiny_and_huge_capacity(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 0);
	struct resolver_stats st;
	uint8_t a[16], b[16];
	char out[64];

	ip4(a, 192, 0, 2, 1);
	ip4(b, 192, 0, 2, 2);
	fake_set_blocked(&fx->fake, true);
	assert_false(resolver_host(r, AF_INET, a, out, sizeof(out)));
	fake_wait_calls(&fx->fake, 1);
	assert_false(resolver_host(r, AF_INET, b, out, sizeof(out)));
	assert_string_equal(out, "192.0.2.2");
	resolver_stats(r, &st);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.entries, 1);
	fake_set_blocked(&fx->fake, false);

	wait_host(r, AF_INET, a, out, sizeof(out));
	/* b evicts a. */
	wait_host(r, AF_INET, b, out, sizeof(out));
	assert_string_equal(out, "name-of-192.0.2.2");
	resolver_stats(r, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.entries, 1);

	errno = 0;
	assert_null(resolver_new_with((size_t)RESOLVER_CAPACITY_MAX + 1, &fx->backend));
	assert_int_equal(errno, EINVAL);
}

static void
test_services(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	char out[64];

	assert_false(resolver_service(r, 443, out, sizeof(out)));
	assert_string_equal(out, "443");
	wait_service(r, 443, out, sizeof(out));
	assert_string_equal(out, "https");
	wait_service(r, 80, out, sizeof(out));
	assert_string_equal(out, "http");
	wait_service(r, 8080, out, sizeof(out));
	assert_string_equal(out, "8080");
	wait_service(r, 0, out, sizeof(out));
	assert_string_equal(out, "0");
	wait_service(r, 65535, out, sizeof(out));
	assert_string_equal(out, "65535");
	/* Ports and IPv4 addresses with the same bytes are different keys. */
	{
		uint8_t addr[16] = {0, 80};

		wait_host(r, AF_INET, addr, out, sizeof(out));
		assert_string_equal(out, "name-of-0.80.0.0");
	}
	assert_true(resolver_service(r, 80, out, sizeof(out)));
	assert_string_equal(out, "http");
	assert_int_equal(fake_calls(&fx->fake), 6);
}

/* Hosts 1, 2, 3 and port 22 queued behind a stuck host 0: the service is
 * looked up first once the backend is free. */
static void
test_services_before_hosts(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	struct resolver_stats st;
	uint8_t addr[16];
	char out[64], entry[48];

	fake_set_blocked(&fx->fake, true);
	ip4(addr, 192, 0, 2, 0);
	assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	fake_wait_calls(&fx->fake, 1);
	for (uint8_t i = 1; i <= 3; i++) {
		ip4(addr, 192, 0, 2, i);
		assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	}
	assert_false(resolver_service(r, 22, out, sizeof(out)));
	fake_set_blocked(&fx->fake, false);
	wait_idle(r, &st);

	assert_int_equal(fake_calls(&fx->fake), 5);
	fake_log_at(&fx->fake, 0, entry, sizeof(entry));
	assert_string_equal(entry, "h:192.0.2.0");
	fake_log_at(&fx->fake, 1, entry, sizeof(entry));
	assert_string_equal(entry, "s:22");
	fake_log_at(&fx->fake, 2, entry, sizeof(entry));
	assert_string_equal(entry, "h:192.0.2.1");
	fake_log_at(&fx->fake, 3, entry, sizeof(entry));
	assert_string_equal(entry, "h:192.0.2.2");
	fake_log_at(&fx->fake, 4, entry, sizeof(entry));
	assert_string_equal(entry, "h:192.0.2.3");
}

/* A PTR record is untrusted: its bytes come back as they are, for the
 * screen to show in the safe form (ui_put(), tested in test_ui_put and
 * hostile_inputs.sh), never masked or half-escaped here; an empty name is
 * no name;
 * a short buffer gets a terminated prefix. */
static void
test_hostile_names_and_short_buffers(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 16);
	uint8_t addr[16];
	char out[64], small[6];

	fx->fake.host_name = "evil\033]2;pwned\a\033[2J\tn\xc3\xa9me\xc2\x9b\xff.example";
	ip4(addr, 192, 0, 2, 66);
	wait_host(r, AF_INET, addr, out, sizeof(out));
	assert_string_equal(out, "evil\033]2;pwned\a\033[2J\tn\xc3\xa9me\xc2\x9b\xff.example");

	pthread_mutex_lock(&fx->fake.lock);
	fx->fake.host_name = "";
	pthread_mutex_unlock(&fx->fake.lock);
	ip4(addr, 192, 0, 2, 67);
	wait_host(r, AF_INET, addr, out, sizeof(out));
	assert_string_equal(out, "192.0.2.67");

	assert_true(resolver_host(r, AF_INET, addr, small, sizeof(small)));
	assert_string_equal(small, "192.0");
	assert_true(resolver_host(r, AF_INET, addr, NULL, 0));
	ip4(addr, 192, 0, 2, 66);
	assert_true(resolver_host(r, AF_INET, addr, small, sizeof(small)));
	assert_string_equal(small, "evil\033");
	/* A pending key fills a short buffer the same way. */
	ip4(addr, 192, 0, 2, 68);
	assert_false(resolver_host(r, AF_INET, addr, small, sizeof(small)));
	assert_string_equal(small, "192.0");
	assert_false(resolver_service(r, 12345, small, 3));
	assert_string_equal(small, "12");

	/* An unknown family is answered at once, without a lookup. */
	assert_true(resolver_host(r, AF_UNIX, addr, out, sizeof(out)));
	assert_string_equal(out, "?");
}

/* A name as long as the longest kept is cut to RESOLVER_NAME_MAX - 1. */
static void
test_long_name(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 4);
	char name[2 * RESOLVER_NAME_MAX], out[2 * RESOLVER_NAME_MAX];
	uint8_t addr[16];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	fx->fake.host_name = name;
	ip4(addr, 192, 0, 2, 1);
	wait_host(r, AF_INET, addr, out, sizeof(out));
	assert_int_equal(strlen(out), RESOLVER_NAME_MAX - 1);
	assert_int_equal(strspn(out, "a"), RESOLVER_NAME_MAX - 1);
}

struct freer {
	struct resolver *r;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void *
freer_main(void *arg)
{
	struct freer *fr = arg;

	resolver_free(fr->r);
	pthread_mutex_lock(&fr->lock);
	fr->done = true;
	pthread_cond_signal(&fr->cond);
	pthread_mutex_unlock(&fr->lock);
	return NULL;
}

/* resolver_free() with a lookup stuck in the backend and 19 more queued
 * returns once the backend lets go, without looking up the queued keys.
 * The gate lets one lookup through every 100 ms until resolver_free()
 * returns: that is the lookup in flight, and only that one unless the
 * freeing thread took 100 ms to raise its flag (the count is printed, and
 * only asserted to be short of all 20). */
static void
test_shutdown_with_blocked_lookup(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 64);
	struct freer fr = {.r = r, .done = false};
	pthread_t thread;
	uint8_t addr[16];
	char out[64];

	fake_set_blocked(&fx->fake, true);
	for (uint8_t i = 0; i < 20; i++) {
		ip4(addr, 192, 0, 2, i);
		assert_false(resolver_host(r, AF_INET, addr, out, sizeof(out)));
	}
	fake_wait_calls(&fx->fake, 1);

	pthread_mutex_init(&fr.lock, NULL);
	pthread_cond_init(&fr.cond, NULL);
	fx->r = NULL; /* the freer owns it now */
	assert_int_equal(pthread_create(&thread, NULL, freer_main, &fr), 0);
	pthread_mutex_lock(&fr.lock);
	for (long long end = now_ms() + WAIT_MS; !fr.done && now_ms() < end;) {
		struct timespec deadline = deadline_in(100);

		while (!fr.done &&
		       pthread_cond_timedwait(&fr.cond, &fr.lock, &deadline) != ETIMEDOUT)
			;
		if (!fr.done)
			fake_grant(&fx->fake);
	}
	pthread_mutex_unlock(&fr.lock);
	assert_true(fr.done);
	assert_int_equal(pthread_join(thread, NULL), 0);
	print_message("lookups before the worker stopped: %u of 20\n", fake_calls(&fx->fake));
	assert_true(fake_calls(&fx->fake) < 20);
	pthread_cond_destroy(&fr.cond);
	pthread_mutex_destroy(&fr.lock);
}

/* Freeing an idle resolver, and one that never got a key, is immediate. */
static void
test_free_idle(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = resolver_new_with(4, &fx->backend);

	assert_non_null(r);
	resolver_free(r);
	resolver_free(NULL);
	(void)fixture_resolver(fx, 4); /* freed by the teardown */
}

/* ------------------------------------------------------ many threads */

enum { CALLER_THREADS = 3, CALLER_ROUNDS = 20000 };

struct caller {
	struct resolver *r;
	unsigned int seed;
	unsigned int known;
	unsigned int failures;
};

static void *
caller_main(void *arg)
{
	struct caller *c = arg;
	char out[RESOLVER_NAME_MAX], want[64];
	struct resolver_stats st;
	uint8_t addr[16];

	for (unsigned int i = 0; i < CALLER_ROUNDS; i++) {
		unsigned int k = (c->seed + i * 7919u) % 300;

		ip4(addr, 10, 3, (uint8_t)(k >> 8), (uint8_t)k);
		if (resolver_host(c->r, AF_INET, addr, out, sizeof(out))) {
			c->known++;
			snprintf(want, sizeof(want), "name-of-10.3.%u.%u", k >> 8, k & 0xff);
		} else {
			snprintf(want, sizeof(want), "10.3.%u.%u", k >> 8, k & 0xff);
		}
		c->failures += strcmp(out, want) != 0;
		if (resolver_service(c->r, (uint16_t)(k % 100), out, sizeof(out)))
			c->known++;
		if (i % 1000 == 0) {
			resolver_stats(c->r, &st);
			c->failures += st.entries > 64 || st.pending > 33;
			resolver_drain_wake(c->r);
		}
	}
	return NULL;
}

static void
test_concurrent_callers(void **state)
{
	struct fixture *fx = *state;
	struct resolver *r = fixture_resolver(fx, 64);
	struct caller callers[CALLER_THREADS];
	pthread_t threads[CALLER_THREADS];
	struct resolver_stats st;
	unsigned int known = 0;

	for (int i = 0; i < CALLER_THREADS; i++) {
		callers[i] = (struct caller){.r = r, .seed = (unsigned int)i * 101u};
		assert_int_equal(pthread_create(&threads[i], NULL, caller_main, &callers[i]), 0);
	}
	for (int i = 0; i < CALLER_THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(callers[i].failures, 0);
		known += callers[i].known;
	}
	wait_idle(r, &st);
	print_message("known %u of %u, %zu lookups, %zu evicted, %zu dropped\n", known,
		      2 * CALLER_THREADS * CALLER_ROUNDS, st.resolved + st.failed, st.evicted,
		      st.dropped);
	assert_int_equal(st.hits + st.misses + st.deduped, 2 * CALLER_THREADS * CALLER_ROUNDS);
	assert_int_equal(st.hits, known);
	assert_int_equal(st.resolved + st.failed, st.misses - st.dropped);
	assert_true(st.entries <= 64);
	assert_int_equal(st.resolved + st.failed, fake_calls(&fx->fake));
}

/* ---------------------------------------------------- system backend */

/* Only what /etc/hosts and /etc/services answer: the test must not send
 * a DNS query, so it skips when /etc/hosts does not name 127.0.0.1. */
static bool
hosts_names_loopback(void)
{
	FILE *f = fopen("/etc/hosts", "r");
	char line[512];
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, "127.0.0.1", 9) == 0 && (line[9] == ' ' || line[9] == '\t');
	fclose(f);
	return found;
}

static void
test_system_backend(void **state)
{
	struct resolver *r;
	char out[RESOLVER_NAME_MAX];
	uint8_t addr[16];

	(void)state;
	r = resolver_new(32);
	assert_non_null(r);

	wait_service(r, 80, out, sizeof(out));
	/* netbase installs /etc/services. */
	if (access("/etc/services", F_OK) == 0)
		assert_string_equal(out, "http");
	else
		assert_string_equal(out, "80");

	if (hosts_names_loopback()) {
		ip4(addr, 127, 0, 0, 1);
		wait_host(r, AF_INET, addr, out, sizeof(out));
		print_message("127.0.0.1 is %s\n", out);
		assert_true(out[0] != '\0');
		assert_string_not_equal(out, "127.0.0.1");
	} else {
		print_message("/etc/hosts does not name 127.0.0.1: host lookup not tried\n");
	}
	resolver_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_then_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocked_backend_never_blocks_callers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_looked_up_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_ignores_trailing_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_cached_as_numeric, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_lru, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_overflow_drops_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tiny_and_huge_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services_before_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names_and_short_buffers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_with_blocked_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_callers, setup, teardown),
		cmocka_unit_test(test_system_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
